/*
 * tests/ops/ops_attention.c - RoPE and ScaledDotProductAttention conformance. RoPE: both modes,
 * partial rotary dims, linear and llama3 scaling (all three llama3 frequency bands), positions
 * [S] (i64) and [B, S] (i32), f16/bf16, dynamic S. SDPA: plain, bottom-right causal (Sq < Skv
 * and Sq > Skv with rows that see no key), GQA/MQA, additive masks of several ranks incl. -inf,
 * explicit scale, Dv != D, decode (Sq = 1), f16/bf16 and dynamic Sq/Skv over two infers.
 */
#include "harness.h"

#include <math.h>

/* -------------------------------------------------------------------------------- RoPE --- */
typedef struct rope_case {
    grt_element_type t;
    int64_t b, h, s, d;
    int per_batch_pos; /* positions [B, S] i32 instead of [S] i64 */
    ref_rope_params p;
    int dynamic;
} rope_case;

static size_t rope_attrs(const rope_case *k, grt_attribute *at)
{
    size_t n = 0;
    at[n++] = OT_AI("mode", k->p.mode);
    at[n++] = OT_AI("rotary_dims", k->p.rotary_dims);
    at[n++] = OT_AF("theta", k->p.theta);
    at[n++] = OT_AI("scaling", k->p.scaling);
    at[n++] = OT_AF("factor", k->p.factor);
    at[n++] = OT_AF("low_freq_factor", k->p.low_freq_factor);
    at[n++] = OT_AF("high_freq_factor", k->p.high_freq_factor);
    at[n++] = OT_AI("original_max_position", k->p.original_max_position);
    return n;
}

static ref_tensor rope_positions(ot_ctx *c, const rope_case *k, int64_t s)
{
    if (k->per_batch_pos)
        return ot_rand(c, GRT_I32, 2, OT_DIMS(k->b, s), 0, 60);
    return ot_rand(c, GRT_I64, 1, &s, 0, 60);
}

static void rope_fn(ot_ctx *c, const void *arg)
{
    const rope_case *k = arg;
    grt_attribute at[8];
    size_t na = rope_attrs(k, at);
    ref_tensor y;
    if (!k->dynamic) {
        ref_tensor x = ot_rand(c, k->t, 4, OT_DIMS(k->b, k->h, k->s, k->d), -1, 1);
        ref_tensor pos = rope_positions(c, k, k->s);
        grt_port px = ot_param(c, &x), pp = ot_param(c, &pos);
        if (!ot_ok(c) || ot_ref(c, ref_rope(&x, &pos, &k->p, &y), &y, "RoPE") != 0)
            return;
        ot_result(c, ot_op(c, GRT_OP_ROPE, 2, OT_PORTS(px, pp), na, at), &y);
        ot_run(c);
        return;
    }
    grt_port px = ot_param_decl(c, k->t, 4, OT_DIMS(k->b, k->h, GRT_DYNAMIC, k->d), NULL);
    grt_port pp = ot_param_decl(c, GRT_I64, 1, OT_DIMS(GRT_DYNAMIC), NULL);
    ot_result(c, ot_op(c, GRT_OP_ROPE, 2, OT_PORTS(px, pp), na, at), NULL);
    static const int64_t ss[2] = {5, 1};
    for (size_t i = 0; i < 2 && ot_ok(c); i++) {
        ref_tensor x = ot_rand(c, k->t, 4, OT_DIMS(k->b, k->h, ss[i], k->d), -1, 1);
        ref_tensor pos = rope_positions(c, k, ss[i]);
        if (ot_ref(c, ref_rope(&x, &pos, &k->p, &y), &y, "RoPE") != 0)
            return;
        ot_set_input(c, 0, &x);
        ot_set_input(c, 1, &pos);
        ot_set_expect(c, 0, &y);
        ot_run(c);
    }
}

static rope_case k_rope[32];

void ot_register_rope(ot_registry *r)
{
    static const char *const scal[] = {"none", "linear", "llama3"};
    size_t n = 0;
    ref_rope_params def, p;
    ref_rope_defaults(&def);
    for (int mode = 0; mode < 2; mode++) {
        p = def;
        p.mode = mode;
        k_rope[n++] = (rope_case){GRT_F32, 1, 2, 4, 16, 0, p, 0};
        k_rope[n++] = (rope_case){GRT_F32, 2, 3, 7, 32, 1, p, 0};
        k_rope[n++] = (rope_case){GRT_F16, 1, 2, 5, 64, 0, p, 0};
        k_rope[n++] = (rope_case){GRT_BF16, 1, 2, 5, 64, 0, p, 0};
        k_rope[n++] = (rope_case){GRT_F32, 1, 1, 1, 2, 0, p, 0};
        p.rotary_dims = 8;
        k_rope[n++] = (rope_case){GRT_F32, 1, 2, 3, 16, 0, p, 0};
        p.rotary_dims = 0;
        p.scaling = 1;
        p.factor = 4.0;
        k_rope[n++] = (rope_case){GRT_F32, 1, 2, 6, 16, 0, p, 0};
        p.scaling = 2; /* bands: i >= 5 scaled, i = 4 smoothed, i <= 3 unchanged (R = 16) */
        p.theta = 500000.0;
        p.factor = 8.0;
        k_rope[n++] = (rope_case){GRT_F32, 1, 2, 6, 16, 0, p, 0};
        p.rotary_dims = 12;
        k_rope[n++] = (rope_case){GRT_F32, 2, 2, 3, 16, 1, p, 0};
        p = def;
        p.mode = mode;
        p.theta = 1000000.0;
        k_rope[n++] = (rope_case){GRT_F32, 1, 2, 0, 16, 0, p, 1};
    }
    for (size_t i = 0; i < n; i++) {
        const rope_case *k = &k_rope[i];
        char s[48];
        ot_shape_str(s, sizeof(s), 4, OT_DIMS(k->b, k->h, k->s, k->d));
        ot_add(r, "rope", GRT_OP_ROPE, rope_fn, k,
               "rope %s %s%s mode=%d rotary=%lld theta=%g scaling=%s factor=%g pos=%s", ot_type_name(k->t),
               k->dynamic ? "dynamic S=5,1 " : "", s, k->p.mode, (long long)k->p.rotary_dims,
               k->p.theta, scal[k->p.scaling], k->p.factor, k->per_batch_pos ? "[B,S]i32" : "[S]i64");
    }
}

/* -------------------------------------------------------------------------------- SDPA --- */
typedef struct sdpa_case {
    grt_element_type t;
    int64_t b, hq, hkv, sq, skv, d, dv;
    int causal;
    double scale;
    int mask;         /* 0 none, 1 [Sq, Skv], 2 [B, 1, Sq, Skv], 3 [Sq, Skv] with -inf entries */
    int dynamic;
} sdpa_case;

static ref_tensor sdpa_mask(ot_ctx *c, const sdpa_case *k, int64_t sq, int64_t skv)
{
    ref_tensor m;
    if (k->mask == 2)
        m = ot_rand(c, k->t, 4, OT_DIMS(k->b, 1, sq, skv), -2, 2);
    else
        m = ot_rand(c, k->t, 2, OT_DIMS(sq, skv), -2, 2);
    if (k->mask == 3 && m.v)
        for (int64_t i = 0; i < sq; i++)
            for (int64_t j = 1; j < skv; j++)
                if ((i + j) % 3 == 1)
                    m.v[i * skv + j] = -INFINITY;
    return m;
}

static void sdpa_fn(ot_ctx *c, const void *arg)
{
    const sdpa_case *k = arg;
    grt_attribute at[2] = {OT_AI("causal", k->causal), OT_AF("scale", k->scale)};
    ref_tensor y;
    if (!k->dynamic) {
        ref_tensor q = ot_rand(c, k->t, 4, OT_DIMS(k->b, k->hq, k->sq, k->d), -1, 1);
        ref_tensor kk = ot_rand(c, k->t, 4, OT_DIMS(k->b, k->hkv, k->skv, k->d), -1, 1);
        ref_tensor v = ot_rand(c, k->t, 4, OT_DIMS(k->b, k->hkv, k->skv, k->dv), -1, 1);
        ref_tensor m = {0};
        grt_port in[4] = {ot_param(c, &q), ot_param(c, &kk), ot_param(c, &v)};
        if (k->mask) {
            m = sdpa_mask(c, k, k->sq, k->skv);
            in[3] = ot_param(c, &m);
        }
        if (!ot_ok(c) || ot_ref(c, ref_sdpa(&q, &kk, &v, k->mask ? &m : NULL, k->causal,
                                            k->scale, &y), &y, "SDPA") != 0)
            return;
        ot_result(c, ot_op(c, GRT_OP_SDPA, k->mask ? 4 : 3, in, 2, at), &y);
        ot_run(c);
        return;
    }
    grt_port in[3] = {
        ot_param_decl(c, k->t, 4, OT_DIMS(k->b, k->hq, GRT_DYNAMIC, k->d), NULL),
        ot_param_decl(c, k->t, 4, OT_DIMS(k->b, k->hkv, GRT_DYNAMIC, k->d), NULL),
        ot_param_decl(c, k->t, 4, OT_DIMS(k->b, k->hkv, GRT_DYNAMIC, k->dv), NULL)};
    ot_result(c, ot_op(c, GRT_OP_SDPA, 3, in, 2, at), NULL);
    static const int64_t shapes[2][2] = {{3, 3}, {1, 4}};
    for (size_t i = 0; i < 2 && ot_ok(c); i++) {
        int64_t sq = shapes[i][0], skv = shapes[i][1];
        ref_tensor q = ot_rand(c, k->t, 4, OT_DIMS(k->b, k->hq, sq, k->d), -1, 1);
        ref_tensor kk = ot_rand(c, k->t, 4, OT_DIMS(k->b, k->hkv, skv, k->d), -1, 1);
        ref_tensor v = ot_rand(c, k->t, 4, OT_DIMS(k->b, k->hkv, skv, k->dv), -1, 1);
        if (ot_ref(c, ref_sdpa(&q, &kk, &v, NULL, k->causal, k->scale, &y), &y, "SDPA") != 0)
            return;
        ot_set_input(c, 0, &q);
        ot_set_input(c, 1, &kk);
        ot_set_input(c, 2, &v);
        ot_set_expect(c, 0, &y);
        ot_run(c);
    }
}

#define F32 GRT_F32
static const sdpa_case k_sdpa[] = {
    {F32, 1, 2, 2, 4, 4, 8, 8, 0, 0, 0, 0},
    {F32, 1, 2, 2, 5, 5, 8, 8, 1, 0, 0, 0},
    {F32, 2, 2, 2, 2, 6, 8, 8, 1, 0, 0, 0},
    {F32, 1, 2, 2, 6, 3, 8, 8, 1, 0, 0, 0},
    {F32, 1, 4, 2, 3, 7, 16, 16, 1, 0, 0, 0},
    {F32, 2, 6, 1, 3, 5, 8, 8, 0, 0, 0, 0},
    {F32, 1, 2, 2, 4, 6, 8, 8, 0, 0, 1, 0},
    {F32, 2, 4, 2, 4, 6, 8, 8, 1, 0, 2, 0},
    {F32, 1, 2, 1, 5, 5, 8, 8, 0, 0, 3, 0},
    {F32, 1, 2, 2, 4, 4, 8, 8, 1, 0.3, 0, 0},
    {F32, 1, 2, 2, 3, 6, 8, 5, 0, 0, 0, 0},
    {F32, 1, 8, 2, 1, 17, 64, 64, 1, 0, 0, 0},
    {F32, 1, 2, 2, 9, 33, 64, 64, 1, 0, 0, 0},
    {GRT_F16, 1, 4, 2, 5, 9, 32, 32, 1, 0, 0, 0},
    {GRT_BF16, 1, 4, 2, 5, 9, 32, 32, 1, 0, 1, 0},
    {F32, 1, 4, 2, 0, 0, 8, 8, 1, 0, 0, 1},
    {F32, 1, 2, 2, 0, 0, 8, 8, 0, 0, 0, 1},
};

void ot_register_sdpa(ot_registry *r)
{
    static const char *const masks[] = {"none", "[Sq,Skv]", "[B,1,Sq,Skv]", "[Sq,Skv]+-inf"};
    for (size_t i = 0; i < sizeof(k_sdpa) / sizeof(k_sdpa[0]); i++) {
        const sdpa_case *k = &k_sdpa[i];
        if (k->dynamic)
            ot_add(r, "sdpa", GRT_OP_SDPA, sdpa_fn, k,
                   "sdpa %s dynamic (Sq,Skv)=(3,3),(1,4) B=%lld Hq=%lld Hkv=%lld D=%lld causal=%d",
                   ot_type_name(k->t), (long long)k->b, (long long)k->hq, (long long)k->hkv,
                   (long long)k->d, k->causal);
        else
            ot_add(r, "sdpa", GRT_OP_SDPA, sdpa_fn, k,
                   "sdpa %s B=%lld Hq=%lld Hkv=%lld Sq=%lld Skv=%lld D=%lld Dv=%lld causal=%d "
                   "scale=%g mask=%s",
                   ot_type_name(k->t), (long long)k->b, (long long)k->hq, (long long)k->hkv,
                   (long long)k->sq, (long long)k->skv, (long long)k->d, (long long)k->dv,
                   k->causal, k->scale, masks[k->mask]);
    }
}
