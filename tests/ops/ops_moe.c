/*
 * tests/ops/ops_moe.c - MoE conformance: softmax router, top-k (1, 2, all experts), with and
 * without renormalisation, exact router ties (lower expert index first), plain and compressed
 * expert weights (int8/int4, sym/asym), f16, and a dynamic token count over two infers.
 */
#include "harness.h"

typedef struct moe_case {
    grt_element_type t;
    int64_t tokens, h, e, inter, top_k;
    int normalize;
    int tie_router;           /* router of zeros: every expert ties */
    grt_element_type storage; /* compressed expert weights when set */
    int64_t group;
    int dynamic;
} moe_case;

static grt_port weight(ot_ctx *c, const moe_case *k, const int64_t *dims, ref_tensor *w)
{
    if (k->storage != GRT_UNDEFINED)
        return ot_qconst(c, k->t, 3, dims, k->storage, k->group, GRT_F16, w);
    *w = ot_rand(c, k->t, 3, dims, -0.5, 0.5);
    return ot_const(c, w);
}

static void moe_fn(ot_ctx *c, const void *arg)
{
    const moe_case *k = arg;
    ref_tensor router = ot_rand(c, k->t, 2, OT_DIMS(k->e, k->h), -1, 1), wg, wu, wd, y;
    if (k->tie_router && router.v)
        for (int64_t i = 0; i < k->e * k->h; i++)
            router.v[i] = 0.0;
    grt_port px = k->dynamic ? ot_param_decl(c, k->t, 2, OT_DIMS(GRT_DYNAMIC, k->h), NULL)
                             : ot_param_decl(c, k->t, 2, OT_DIMS(k->tokens, k->h), NULL);
    grt_port pr = ot_const(c, &router);
    grt_port pg = weight(c, k, OT_DIMS(k->e, k->inter, k->h), &wg);
    grt_port pu = weight(c, k, OT_DIMS(k->e, k->inter, k->h), &wu);
    grt_port pd = weight(c, k, OT_DIMS(k->e, k->h, k->inter), &wd);
    grt_attribute at[2] = {OT_AI("top_k", k->top_k), OT_AI("normalize", k->normalize)};
    ot_result(c, ot_op(c, GRT_OP_MOE, 5, OT_PORTS(px, pr, pg, pu, pd), 2, at), NULL);
    int64_t counts[2] = {k->tokens, 1};
    for (int i = 0; i < (k->dynamic ? 2 : 1) && ot_ok(c); i++) {
        ref_tensor x = ot_rand(c, k->t, 2, OT_DIMS(counts[i], k->h), -1, 1);
        if (ot_ref(c, ref_moe(&x, &router, &wg, &wu, &wd, k->top_k, k->normalize, &y), &y,
                   "MoE") != 0)
            return;
        ot_run_with(c, &x, &y);
    }
}

static const moe_case k_moe[] = {
    {GRT_F32, 3, 16, 4, 8, 2, 1, 0, GRT_UNDEFINED, 0, 0},
    {GRT_F32, 3, 16, 4, 8, 2, 0, 0, GRT_UNDEFINED, 0, 0},
    {GRT_F32, 5, 16, 4, 8, 1, 1, 0, GRT_UNDEFINED, 0, 0},
    {GRT_F32, 2, 16, 4, 8, 4, 1, 0, GRT_UNDEFINED, 0, 0},
    {GRT_F32, 1, 8, 3, 5, 2, 1, 0, GRT_UNDEFINED, 0, 0},
    {GRT_F32, 3, 16, 6, 8, 2, 0, 1, GRT_UNDEFINED, 0, 0},
    {GRT_F32, 4, 32, 8, 16, 2, 1, 0, GRT_I8, 16, 0},
    {GRT_F32, 4, 32, 8, 16, 2, 1, 0, GRT_I4, 0, 0},
    {GRT_F32, 4, 32, 8, 16, 3, 1, 0, GRT_U4, 16, 0},
    {GRT_F32, 4, 32, 4, 16, 2, 1, 0, GRT_U8, 0, 0},
    {GRT_F16, 3, 32, 4, 16, 2, 1, 0, GRT_UNDEFINED, 0, 0},
    {GRT_F16, 3, 32, 4, 16, 2, 1, 0, GRT_I4, 16, 0},
    {GRT_F32, 3, 16, 4, 8, 2, 1, 0, GRT_UNDEFINED, 0, 1},
};

void ot_register_moe(ot_registry *r)
{
    for (size_t i = 0; i < sizeof(k_moe) / sizeof(k_moe[0]); i++) {
        const moe_case *k = &k_moe[i];
        ot_add(r, "moe", GRT_OP_MOE, moe_fn, k,
               "moe %s T=%lld%s H=%lld E=%lld I=%lld top_k=%lld normalize=%d%s%s%s%s",
               ot_type_name(k->t), (long long)k->tokens, k->dynamic ? ",1 dynamic" : "",
               (long long)k->h, (long long)k->e, (long long)k->inter, (long long)k->top_k,
               k->normalize, k->tie_router ? " tied-router" : "",
               k->storage ? " q=" : "", k->storage ? ot_type_name(k->storage) : "",
               k->storage ? (k->group ? "/g16" : "/perchannel") : "");
    }
}
