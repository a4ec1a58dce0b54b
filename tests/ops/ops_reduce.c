/*
 * tests/ops/ops_reduce.c - TopK (max/min, sorted by value or index, every axis incl. negative,
 * k = 1 and k = dim, ties to the lower index, f16/i32 data) and ArgMax (keep_dims, axes, ties to
 * the first maximum, dynamic shapes over two infers). Index outputs are compared exactly.
 */
#include "harness.h"

typedef struct topk_case {
    grt_element_type t;
    size_t rank;
    int64_t dims[4];
    int64_t k, axis;
    int mode, sort;
    int ties; /* values drawn from a handful of integers */
} topk_case;

static ref_tensor reduce_input(ot_ctx *c, grt_element_type t, size_t rank, const int64_t *dims,
                               int ties)
{
    if (ties || !ref_is_float_type(t))
        return ot_rand(c, t, rank, dims, -3, 3);
    return ot_rand(c, t, rank, dims, -100, 100);
}

static void topk_fn(ot_ctx *c, const void *arg)
{
    const topk_case *k = arg;
    ref_tensor x = reduce_input(c, k->t, k->rank, k->dims, k->ties), v, idx;
    grt_port px = ot_param(c, &x);
    if (!ot_ok(c))
        return;
    if (ref_topk(&x, k->k, k->axis, k->mode, k->sort, &v, &idx) != 0) {
        ot_fail(c, "reference TopK rejected the case's inputs (a bug in the test)");
        return;
    }
    ot_keep(c, &v);
    ot_keep(c, &idx);
    grt_attribute at[4] = {OT_AI("k", k->k), OT_AI("axis", k->axis), OT_AI("mode", k->mode),
                           OT_AI("sort", k->sort)};
    uint32_t node = ot_node(c, GRT_OP_TOPK, 1, &px, 4, at);
    ot_result(c, (grt_port){node, 0}, &v);
    ot_result(c, (grt_port){node, 1}, &idx);
    ot_set_tol(c, 0, 1e-300); /* values are copies of inputs: exact */
    ot_run(c);
}

static const topk_case k_topk[] = {
    {GRT_F32, 2, {3, 10}, 3, -1, 0, 1, 0},
    {GRT_F32, 2, {3, 10}, 3, -1, 1, 1, 0},
    {GRT_F32, 2, {3, 10}, 4, 1, 0, 0, 0},
    {GRT_F32, 3, {4, 7, 3}, 2, 1, 0, 1, 0},
    {GRT_F32, 3, {4, 7, 3}, 4, 0, 1, 1, 0},
    {GRT_F32, 3, {4, 7, 3}, 3, -1, 0, 0, 0},
    {GRT_F32, 1, {50}, 1, 0, 0, 1, 0},
    {GRT_F32, 1, {9}, 9, 0, 0, 1, 0},
    {GRT_F32, 2, {4, 16}, 5, -1, 0, 1, 1},
    {GRT_F32, 2, {4, 16}, 5, -1, 1, 1, 1},
    {GRT_F32, 2, {4, 16}, 16, -1, 0, 1, 1},
    {GRT_F32, 2, {4, 16}, 6, -1, 0, 0, 1},
    {GRT_F16, 2, {2, 33}, 4, -1, 0, 1, 0},
    {GRT_I32, 2, {3, 12}, 3, -1, 0, 1, 1},
    {GRT_F32, 2, {1, 1000}, 40, -1, 0, 1, 0},
};

typedef struct argmax_case {
    grt_element_type t;
    size_t rank;
    int64_t dims[4];
    int64_t axis;
    int keep_dims, ties, dynamic;
} argmax_case;

static void argmax_fn(ot_ctx *c, const void *arg)
{
    const argmax_case *k = arg;
    grt_attribute at[2] = {OT_AI("axis", k->axis), OT_AI("keep_dims", k->keep_dims)};
    ref_tensor y;
    if (!k->dynamic) {
        ref_tensor x = reduce_input(c, k->t, k->rank, k->dims, k->ties);
        grt_port px = ot_param(c, &x);
        if (!ot_ok(c) || ot_ref(c, ref_argmax(&x, k->axis, k->keep_dims, &y), &y, "ArgMax"))
            return;
        ot_result(c, ot_op(c, GRT_OP_ARGMAX, 1, &px, 2, at), &y);
        ot_run(c);
        return;
    }
    grt_port px = ot_param_decl(c, k->t, 2, OT_DIMS(GRT_DYNAMIC, GRT_DYNAMIC), NULL);
    ot_result(c, ot_op(c, GRT_OP_ARGMAX, 1, &px, 2, at), NULL);
    static const int64_t ds[2][2] = {{3, 50}, {1, 7}};
    for (size_t i = 0; i < 2 && ot_ok(c); i++) {
        ref_tensor x = reduce_input(c, k->t, 2, ds[i], k->ties);
        if (ot_ref(c, ref_argmax(&x, k->axis, k->keep_dims, &y), &y, "ArgMax"))
            return;
        ot_run_with(c, &x, &y);
    }
}

static const argmax_case k_argmax[] = {
    {GRT_F32, 2, {3, 50}, -1, 0, 0, 0},
    {GRT_F32, 2, {3, 50}, -1, 1, 0, 0},
    {GRT_F32, 3, {4, 5, 6}, 1, 0, 0, 0},
    {GRT_F32, 3, {4, 5, 6}, 0, 1, 0, 0},
    {GRT_F32, 2, {6, 20}, -1, 0, 1, 0},
    {GRT_F32, 1, {1}, 0, 0, 0, 0},
    {GRT_F16, 2, {2, 100}, -1, 0, 0, 0},
    {GRT_BF16, 2, {2, 100}, -1, 0, 1, 0},
    {GRT_I32, 2, {5, 9}, -1, 0, 1, 0},
    {GRT_F32, 2, {1, 32000}, -1, 0, 0, 0},
    {GRT_F32, 2, {0, 0}, -1, 0, 0, 1},
};

void ot_register_reduce(ot_registry *r)
{
    char s[48];
    for (size_t i = 0; i < sizeof(k_topk) / sizeof(k_topk[0]); i++) {
        const topk_case *k = &k_topk[i];
        ot_add(r, "reduce", GRT_OP_TOPK, topk_fn, k, "topk %s %s k=%lld axis=%lld %s %s%s",
               ot_type_name(k->t), ot_shape_str(s, sizeof(s), k->rank, k->dims),
               (long long)k->k, (long long)k->axis, k->mode ? "min" : "max",
               k->sort ? "by-value" : "by-index", k->ties ? " ties" : "");
    }
    for (size_t i = 0; i < sizeof(k_argmax) / sizeof(k_argmax[0]); i++) {
        const argmax_case *k = &k_argmax[i];
        ot_add(r, "reduce", GRT_OP_ARGMAX, argmax_fn, k, "argmax %s %s axis=%lld keep_dims=%d%s",
               ot_type_name(k->t),
               k->dynamic ? "[?,?] x2" : ot_shape_str(s, sizeof(s), k->rank, k->dims),
               (long long)k->axis, k->keep_dims, k->ties ? " ties" : "");
    }
}
