/*
 * tests/ops/ops_norm.c - RMSNorm and LayerNorm (with and without beta) conformance: f32/f16/bf16,
 * odd and unit last dims, rank 1..4, non-default eps, large offsets (LayerNorm cancellation),
 * constant gamma/beta and a dynamic [?, ?, D] input run twice on one request.
 */
#include "harness.h"

typedef struct norm_case {
    grt_op_type op;
    grt_element_type t;
    size_t rank;
    int64_t dims[4];
    double eps; /* 0: the op's default (attribute omitted) */
    int beta;   /* LayerNorm */
    double offset;
    int dynamic;
} norm_case;

static int norm_ref(ot_ctx *c, const norm_case *p, const ref_tensor *x, const ref_tensor *g,
                    const ref_tensor *b, ref_tensor *y)
{
    double eps = p->eps != 0.0 ? p->eps : p->op == GRT_OP_RMS_NORM ? 1e-6 : 1e-5;
    if (p->op == GRT_OP_RMS_NORM)
        return ot_ref(c, ref_rms_norm(x, g, eps, y), y, "RMSNorm");
    return ot_ref(c, ref_layer_norm(x, g, p->beta ? b : NULL, eps, y), y, "LayerNorm");
}

static ref_tensor norm_input(ot_ctx *c, const norm_case *p, size_t rank, const int64_t *dims)
{
    ref_tensor x = ot_rand(c, p->t, rank, dims, -2, 2);
    size_t n = x.v ? ref_numel(rank, dims) : 0;
    for (size_t i = 0; i < n; i++)
        x.v[i] = ref_round_float(x.v[i] + p->offset, p->t);
    return x;
}

static void norm_fn(ot_ctx *c, const void *arg)
{
    const norm_case *p = arg;
    int64_t d = p->dims[p->rank - 1];
    ref_tensor g = ot_rand(c, p->t, 1, &d, 0.5, 1.5), b = ot_rand(c, p->t, 1, &d, -1, 1), y;
    grt_attribute at[1] = {OT_AF("eps", p->eps)};
    size_t na = p->eps != 0.0 ? 1 : 0;
    if (!p->dynamic) {
        ref_tensor x = norm_input(c, p, p->rank, p->dims);
        size_t nin = p->op == GRT_OP_LAYER_NORM && p->beta ? 3 : 2;
        grt_port px = ot_param(c, &x), pg = ot_const(c, &g);
        grt_port pb = nin == 3 ? ot_param(c, &b) : px; /* beta as a Parameter when used */
        if (!ot_ok(c) || norm_ref(c, p, &x, &g, &b, &y) != 0)
            return;
        grt_port in[3] = {px, pg, pb};
        ot_result(c, ot_op(c, p->op, nin, in, na, at), &y);
        ot_run(c);
        return;
    }
    grt_port px = ot_param_decl(c, p->t, 3, OT_DIMS(GRT_DYNAMIC, GRT_DYNAMIC, d), NULL);
    grt_port pg = ot_const(c, &g), pb = ot_const(c, &b);
    grt_port in[3] = {px, pg, pb};
    size_t nin = p->op == GRT_OP_LAYER_NORM && p->beta ? 3 : 2;
    ot_result(c, ot_op(c, p->op, nin, in, na, at), NULL);
    static const int64_t lead[2][2] = {{2, 3}, {1, 1}};
    for (size_t i = 0; i < 2 && ot_ok(c); i++) {
        ref_tensor x = norm_input(c, p, 3, OT_DIMS(lead[i][0], lead[i][1], d));
        if (norm_ref(c, p, &x, &g, &b, &y) != 0)
            return;
        ot_run_with(c, &x, &y);
    }
}

static norm_case k_cases[64];

void ot_register_norm(ot_registry *r)
{
    static const grt_element_type types[] = {GRT_F32, GRT_F16, GRT_BF16};
    size_t n = 0;
    for (int op = 0; op < 2; op++) {
        grt_op_type o = op ? GRT_OP_LAYER_NORM : GRT_OP_RMS_NORM;
        for (size_t t = 0; t < 3; t++) {
            k_cases[n++] = (norm_case){o, types[t], 2, {4, 64}, 0, 1, 0, 0};
            k_cases[n++] = (norm_case){o, types[t], 3, {2, 3, 37}, 1e-3, 1, 0, 0};
        }
        k_cases[n++] = (norm_case){o, GRT_F32, 1, {17}, 0, 1, 0, 0};
        k_cases[n++] = (norm_case){o, GRT_F32, 2, {3, 1}, 1e-2, 1, 0, 0};
        k_cases[n++] = (norm_case){o, GRT_F32, 4, {1, 2, 3, 96}, 0, 1, 0, 0};
        k_cases[n++] = (norm_case){o, GRT_F32, 2, {3, 512}, 1e-5, 1, 100.0, 0};
        k_cases[n++] = (norm_case){o, GRT_F32, 2, {0, 8}, 0, 1, 0, 0};
        k_cases[n++] = (norm_case){o, GRT_F32, 3, {0, 0, 24}, 0, 1, 0, 1};
        if (op) {
            k_cases[n++] = (norm_case){o, GRT_F32, 2, {4, 64}, 0, 0, 0, 0};
            k_cases[n++] = (norm_case){o, GRT_F16, 3, {0, 0, 24}, 0, 0, 0, 1};
        }
    }
    for (size_t i = 0; i < n; i++) {
        const norm_case *p = &k_cases[i];
        char s[48];
        if (p->dynamic)
            ot_shape_str(s + 0, sizeof(s), 1, &p->dims[2]);
        else
            ot_shape_str(s, sizeof(s), p->rank, p->dims);
        ot_add(r, "norm", p->op, norm_fn, p, "%s %s %s%s eps=%g%s%s",
               p->op == GRT_OP_RMS_NORM ? "rmsnorm" : "layernorm", ot_type_name(p->t),
               p->dynamic ? "[?,?] + " : "", s, p->eps,
               p->op == GRT_OP_LAYER_NORM ? (p->beta ? " beta" : " no-beta") : "",
               p->offset != 0.0 ? " offset=100" : "");
    }
}
