/*
 * tests/ops/ops_movement.c - data-movement conformance: Gather (negative indices and axes, scalar
 * and empty indices, i32/i64 indices, compressed embedding tables), Concat, Reshape (special_zero,
 * -1, scalars, empty), Transpose and Slice (negative starts/ends/steps, clamping, empty results,
 * huge bounds), each with a dynamic-shape case run twice on one request.
 */
#include "harness.h"

#include <stdint.h>
#include <string.h>

/* ------------------------------------------------------------------------------ Gather --- */
typedef struct gather_case {
    grt_element_type t, it;
    size_t dr, ir;
    int64_t d[4], i[4];
    int64_t axis;
    grt_element_type storage; /* compressed constant data when set */
    int64_t group;
    int dynamic; /* indices [?] with 3 then 1 entries */
} gather_case;

static ref_tensor rand_indices(ot_ctx *c, grt_element_type it, size_t rank, const int64_t *dims,
                               int64_t len)
{
    return ot_rand(c, it, rank, dims, (double)-len, (double)(len - 1));
}

static void gather_fn(ot_ctx *c, const void *arg)
{
    const gather_case *p = arg;
    ref_tensor data, y;
    grt_port pd;
    size_t ax;
    if (ref_axis(p->axis, p->dr, &ax) != 0) {
        ot_fail(c, "bad test axis");
        return;
    }
    if (p->storage != GRT_UNDEFINED) {
        pd = ot_qconst(c, p->t, p->dr, p->d, p->storage, p->group, GRT_F16, &data);
    } else {
        data = ot_rand(c, p->t, p->dr, p->d, -10, 10);
        pd = ot_param(c, &data);
    }
    grt_attribute at[1] = {OT_AI("axis", p->axis)};
    if (!p->dynamic) {
        ref_tensor idx = rand_indices(c, p->it, p->ir, p->i, p->d[ax]);
        grt_port pi = ot_param(c, &idx);
        if (!ot_ok(c) || ot_ref(c, ref_gather(&data, &idx, p->axis, &y), &y, "Gather") != 0)
            return;
        ot_result(c, ot_op(c, GRT_OP_GATHER, 2, OT_PORTS(pd, pi), 1, at), &y);
        ot_run(c);
        return;
    }
    grt_port pi = ot_param_decl(c, p->it, 1, OT_DIMS(GRT_DYNAMIC), NULL);
    ot_result(c, ot_op(c, GRT_OP_GATHER, 2, OT_PORTS(pd, pi), 1, at), NULL);
    static const int64_t lens[2] = {3, 1};
    size_t idx_input = p->storage != GRT_UNDEFINED ? 0 : 1;
    for (size_t i = 0; i < 2 && ot_ok(c); i++) {
        ref_tensor idx = rand_indices(c, p->it, 1, &lens[i], p->d[ax]);
        if (ot_ref(c, ref_gather(&data, &idx, p->axis, &y), &y, "Gather") != 0)
            return;
        ot_set_input(c, idx_input, &idx);
        ot_set_expect(c, 0, &y);
        ot_run(c);
    }
}

static const gather_case k_gather[] = {
    {GRT_F32, GRT_I64, 2, 1, {5, 4}, {3}, 0, 0, 0, 0},
    {GRT_F32, GRT_I32, 3, 2, {2, 5, 3}, {2, 2}, 1, 0, 0, 0},
    {GRT_F32, GRT_I64, 2, 1, {3, 6}, {4}, -1, 0, 0, 0},
    {GRT_F32, GRT_I32, 2, 0, {5, 4}, {0}, 0, 0, 0, 0},
    {GRT_F32, GRT_I64, 2, 1, {5, 4}, {0}, 0, 0, 0, 0},
    {GRT_F32, GRT_I64, 1, 1, {7}, {9}, 0, 0, 0, 0},
    {GRT_F16, GRT_I32, 2, 2, {11, 8}, {2, 3}, 0, 0, 0, 0},
    {GRT_BF16, GRT_I64, 2, 1, {11, 8}, {5}, 0, 0, 0, 0},
    {GRT_I64, GRT_I64, 2, 1, {4, 3}, {6}, 0, 0, 0, 0},
    {GRT_I32, GRT_I32, 3, 1, {2, 3, 4}, {2}, -2, 0, 0, 0},
    {GRT_F32, GRT_I32, 2, 2, {50, 64}, {2, 3}, 0, GRT_I8, 32, 0},
    {GRT_F32, GRT_I64, 2, 1, {50, 64}, {4}, 0, GRT_U4, 0, 0},
    {GRT_F16, GRT_I32, 2, 1, {50, 64}, {4}, 0, GRT_I4, 64, 0},
    {GRT_F32, GRT_I64, 2, 1, {33, 128}, {5}, 0, GRT_U8, 32, 0},
    {GRT_F32, GRT_I64, 2, 1, {6, 5}, {0}, 0, 0, 0, 1},
    {GRT_F32, GRT_I32, 2, 1, {40, 64}, {0}, 0, GRT_I4, 32, 1},
};

/* ------------------------------------------------------------------------------ Concat --- */
typedef struct concat_case {
    grt_element_type t;
    size_t rank, n;
    int64_t dims[4][4];
    int64_t axis;
    int const_last;
} concat_case;

static void concat_fn(ot_ctx *c, const void *arg)
{
    const concat_case *p = arg;
    ref_tensor x[4], y;
    const ref_tensor *xp[4];
    grt_port ports[4];
    for (size_t i = 0; i < p->n; i++) {
        x[i] = ot_rand(c, p->t, p->rank, p->dims[i], -5, 5);
        xp[i] = &x[i];
        ports[i] = (p->const_last && i == p->n - 1) ? ot_const(c, &x[i]) : ot_param(c, &x[i]);
    }
    if (!ot_ok(c) || ot_ref(c, ref_concat(p->n, xp, p->axis, &y), &y, "Concat") != 0)
        return;
    grt_attribute at[1] = {OT_AI("axis", p->axis)};
    ot_result(c, ot_op(c, GRT_OP_CONCAT, p->n, ports, 1, at), &y);
    ot_run(c);
}

/* [?, 4] ++ const [2, 4] along 0, rows 3 then 1. */
static void concat_dynamic_fn(ot_ctx *c, const void *arg)
{
    (void)arg;
    ref_tensor k = ot_rand(c, GRT_F32, 2, OT_DIMS(2, 4), -5, 5), y;
    grt_port pa = ot_param_decl(c, GRT_F32, 2, OT_DIMS(GRT_DYNAMIC, 4), NULL);
    grt_port pk = ot_const(c, &k);
    grt_attribute at[1] = {OT_AI("axis", 0)};
    ot_result(c, ot_op(c, GRT_OP_CONCAT, 2, OT_PORTS(pa, pk), 1, at), NULL);
    for (int64_t rows = 3; rows >= 1 && ot_ok(c); rows -= 2) {
        ref_tensor a = ot_rand(c, GRT_F32, 2, OT_DIMS(rows, 4), -5, 5);
        const ref_tensor *xp[2] = {&a, &k};
        if (ot_ref(c, ref_concat(2, xp, 0, &y), &y, "Concat") != 0)
            return;
        ot_run_with(c, &a, &y);
    }
}

static const concat_case k_concat[] = {
    {GRT_F32, 2, 2, {{2, 3}, {2, 5}}, 1, 0},
    {GRT_F32, 2, 3, {{1, 4}, {3, 4}, {2, 4}}, 0, 0},
    {GRT_F32, 3, 2, {{2, 3, 1}, {2, 3, 4}}, -1, 0},
    {GRT_F32, 3, 3, {{2, 1, 3}, {2, 2, 3}, {2, 4, 3}}, -2, 1},
    {GRT_F16, 3, 2, {{2, 3, 8}, {2, 5, 8}}, 1, 0},
    {GRT_BF16, 2, 2, {{3, 2}, {3, 7}}, 1, 0},
    {GRT_I64, 1, 2, {{3}, {4}}, 0, 0},
    {GRT_I32, 2, 2, {{2, 3}, {2, 3}}, 0, 0},
    {GRT_F32, 2, 2, {{2, 0}, {2, 5}}, 1, 0},
    {GRT_F32, 2, 1, {{3, 5}}, 0, 0},
};

/* ----------------------------------------------------------------------------- Reshape --- */
typedef struct reshape_case {
    grt_element_type t;
    size_t rank, n;
    int64_t dims[4], shape[4];
    int special_zero;
} reshape_case;

static void reshape_fn(ot_ctx *c, const void *arg)
{
    const reshape_case *p = arg;
    ref_tensor x = ot_rand(c, p->t, p->rank, p->dims, -5, 5), y;
    grt_port px = ot_param(c, &x);
    if (!ot_ok(c) ||
        ot_ref(c, ref_reshape(&x, p->n, p->shape, p->special_zero, &y), &y, "Reshape") != 0)
        return;
    grt_attribute at[2] = {OT_AINTS("shape", p->shape, p->n),
                           OT_AI("special_zero", p->special_zero)};
    ot_result(c, ot_op(c, GRT_OP_RESHAPE, 1, &px, 2, at), &y);
    ot_run(c);
}

/* [?, ?, 8] -> shape [0, -1] (special_zero): [2,3,8] then [1,5,8]. */
static void reshape_dynamic_fn(ot_ctx *c, const void *arg)
{
    (void)arg;
    static const int64_t shape[2] = {0, -1};
    grt_port px = ot_param_decl(c, GRT_F32, 3, OT_DIMS(GRT_DYNAMIC, GRT_DYNAMIC, 8), NULL);
    grt_attribute at[1] = {OT_AINTS("shape", shape, 2)};
    ot_result(c, ot_op(c, GRT_OP_RESHAPE, 1, &px, 1, at), NULL);
    static const int64_t ds[2][3] = {{2, 3, 8}, {1, 5, 8}};
    for (size_t i = 0; i < 2 && ot_ok(c); i++) {
        ref_tensor x = ot_rand(c, GRT_F32, 3, ds[i], -5, 5), y;
        if (ot_ref(c, ref_reshape(&x, 2, shape, 1, &y), &y, "Reshape") != 0)
            return;
        ot_run_with(c, &x, &y);
    }
}

static const reshape_case k_reshape[] = {
    {GRT_F32, 3, 2, {2, 3, 4}, {6, 4}, 1},
    {GRT_F32, 3, 1, {2, 3, 4}, {-1}, 1},
    {GRT_F32, 3, 2, {2, 3, 4}, {0, -1}, 1},
    {GRT_F32, 3, 4, {2, 3, 4}, {0, 0, 2, 2}, 1},
    {GRT_F32, 2, 3, {4, 6}, {-1, 3, 2}, 0},
    {GRT_F32, 2, 2, {0, 3}, {0, 5}, 0},
    {GRT_F32, 0, 2, {0}, {1, 1}, 1},
    {GRT_F32, 2, 0, {1, 1}, {0}, 1},
    {GRT_F16, 4, 3, {1, 2, 3, 4}, {0, 6, 4}, 1},
    {GRT_I64, 2, 1, {3, 5}, {15}, 1},
    {GRT_I32, 1, 3, {12}, {2, -1, 3}, 1},
};

/* --------------------------------------------------------------------------- Transpose --- */
typedef struct transpose_case {
    grt_element_type t;
    size_t rank;
    int64_t dims[4], perm[4];
    int dynamic;
} transpose_case;

static void transpose_fn(ot_ctx *c, const void *arg)
{
    const transpose_case *p = arg;
    grt_attribute at[1] = {OT_AINTS("perm", p->perm, p->rank)};
    if (!p->dynamic) {
        ref_tensor x = ot_rand(c, p->t, p->rank, p->dims, -5, 5), y;
        grt_port px = ot_param(c, &x);
        if (!ot_ok(c) || ot_ref(c, ref_transpose(&x, p->rank, p->perm, &y), &y, "Transpose"))
            return;
        ot_result(c, ot_op(c, GRT_OP_TRANSPOSE, 1, &px, 1, at), &y);
        ot_run(c);
        return;
    }
    grt_port px = ot_param_dynamic(c, p->t, p->rank);
    ot_result(c, ot_op(c, GRT_OP_TRANSPOSE, 1, &px, 1, at), NULL);
    for (int round = 0; round < 2 && ot_ok(c); round++) {
        int64_t d[4];
        for (size_t i = 0; i < p->rank; i++)
            d[i] = round ? p->dims[p->rank - 1 - i] : p->dims[i];
        ref_tensor x = ot_rand(c, p->t, p->rank, d, -5, 5), y;
        if (ot_ref(c, ref_transpose(&x, p->rank, p->perm, &y), &y, "Transpose"))
            return;
        ot_run_with(c, &x, &y);
    }
}

static const transpose_case k_transpose[] = {
    {GRT_F32, 2, {3, 5}, {1, 0}, 0},
    {GRT_F32, 3, {2, 3, 4}, {2, 0, 1}, 0},
    {GRT_F32, 4, {2, 3, 4, 5}, {0, 2, 1, 3}, 0},
    {GRT_F32, 4, {2, 3, 4, 5}, {3, 2, 1, 0}, 0},
    {GRT_F32, 3, {2, 3, 4}, {0, 1, 2}, 0},
    {GRT_F32, 3, {1, 7, 1}, {2, 1, 0}, 0},
    {GRT_F16, 4, {1, 4, 3, 8}, {0, 2, 1, 3}, 0},
    {GRT_I64, 2, {4, 3}, {1, 0}, 0},
    {GRT_F32, 2, {0, 3}, {1, 0}, 0},
    {GRT_F32, 3, {2, 4, 3}, {2, 1, 0}, 1},
};

/* ------------------------------------------------------------------------------- Slice --- */
typedef struct slice_case {
    grt_element_type t;
    size_t rank, n;
    int64_t dims[4];
    int64_t starts[4], ends[4], axes[4], steps[4];
    int has_axes, has_steps, dynamic;
} slice_case;

static void slice_fn(ot_ctx *c, const void *arg)
{
    const slice_case *p = arg;
    grt_attribute at[4] = {OT_AINTS("starts", p->starts, p->n), OT_AINTS("ends", p->ends, p->n)};
    size_t na = 2;
    if (p->has_axes)
        at[na++] = OT_AINTS("axes", p->axes, p->n);
    if (p->has_steps)
        at[na++] = OT_AINTS("steps", p->steps, p->n);
    const int64_t *axes = p->has_axes ? p->axes : NULL, *steps = p->has_steps ? p->steps : NULL;
    if (!p->dynamic) {
        ref_tensor x = ot_rand(c, p->t, p->rank, p->dims, -5, 5), y;
        grt_port px = ot_param(c, &x);
        if (!ot_ok(c) || ot_ref(c, ref_slice(&x, p->n, p->starts, p->ends, axes, steps, &y), &y,
                                "Slice") != 0)
            return;
        ot_result(c, ot_op(c, GRT_OP_SLICE, 1, &px, na, at), &y);
        ot_run(c);
        return;
    }
    grt_port px = ot_param_dynamic(c, p->t, p->rank);
    ot_result(c, ot_op(c, GRT_OP_SLICE, 1, &px, na, at), NULL);
    for (int round = 0; round < 2 && ot_ok(c); round++) {
        int64_t d[4];
        for (size_t i = 0; i < p->rank; i++)
            d[i] = p->dims[i] + (round ? 3 : 0);
        ref_tensor x = ot_rand(c, p->t, p->rank, d, -5, 5), y;
        if (ot_ref(c, ref_slice(&x, p->n, p->starts, p->ends, axes, steps, &y), &y, "Slice"))
            return;
        ot_run_with(c, &x, &y);
    }
}

#define BIG INT64_MAX
#define SMALL INT64_MIN
static const slice_case k_slice[] = {
    {GRT_F32, 1, 1, {10}, {2}, {8}, {0}, {1}, 0, 0, 0},
    {GRT_F32, 1, 1, {10}, {-3}, {1000}, {0}, {1}, 0, 0, 0},
    {GRT_F32, 1, 1, {10}, {8}, {1}, {0}, {-2}, 0, 1, 0},
    {GRT_F32, 1, 1, {10}, {-1}, {-1000}, {0}, {-1}, 0, 1, 0},
    {GRT_F32, 1, 1, {10}, {100}, {-100}, {0}, {-3}, 0, 1, 0},
    {GRT_F32, 1, 1, {10}, {5}, {2}, {0}, {1}, 0, 0, 0},
    {GRT_F32, 1, 1, {10}, {SMALL}, {BIG}, {0}, {3}, 0, 1, 0},
    {GRT_F32, 1, 1, {10}, {BIG}, {SMALL}, {0}, {-1}, 0, 1, 0},
    {GRT_F32, 3, 2, {4, 6, 5}, {1, -3}, {4, 100}, {2, 0}, {2, 1}, 1, 1, 0},
    {GRT_F32, 3, 1, {4, 6, 5}, {1}, {-1}, {-1}, {1}, 1, 0, 0},
    {GRT_F32, 3, 3, {4, 6, 5}, {0, 5, 1}, {4, 0, 5}, {0, 1, 2}, {3, -2, 2}, 1, 1, 0},
    {GRT_F16, 2, 1, {3, 8}, {1}, {7}, {1}, {2}, 1, 1, 0},
    {GRT_I32, 2, 2, {5, 4}, {-2, 1}, {5, 3}, {0}, {1, 1}, 0, 0, 0},
    {GRT_I64, 2, 1, {5, 4}, {4}, {SMALL}, {0}, {-1}, 1, 1, 0},
    {GRT_F32, 2, 1, {3, 8}, {1}, {-1}, {1}, {1}, 1, 0, 1},
    {GRT_F32, 2, 2, {3, 8}, {-2, 0}, {BIG, BIG}, {0, 1}, {1, 2}, 1, 1, 1},
};

/* ---------------------------------------------------------------------------------------- */
void ot_register_movement(ot_registry *r)
{
    char a[48], b[48];
    for (size_t i = 0; i < sizeof(k_gather) / sizeof(k_gather[0]); i++) {
        const gather_case *p = &k_gather[i];
        ot_shape_str(a, sizeof(a), p->dr, p->d);
        ot_shape_str(b, sizeof(b), p->ir, p->i);
        ot_add(r, "movement", GRT_OP_GATHER, gather_fn, p, "gather %s data %s idx %s %s axis=%lld%s%s%s",
               ot_type_name(p->t), a, ot_type_name(p->it), p->dynamic ? "[?] x2" : b,
               (long long)p->axis, p->storage ? " compressed " : "",
               p->storage ? ot_type_name(p->storage) : "", p->storage && !p->group ? "/perchannel"
               : p->storage ? "/grouped" : "");
    }
    for (size_t i = 0; i < sizeof(k_concat) / sizeof(k_concat[0]); i++) {
        const concat_case *p = &k_concat[i];
        ot_shape_str(a, sizeof(a), p->rank, p->dims[0]);
        ot_shape_str(b, sizeof(b), p->rank, p->dims[p->n - 1]);
        ot_add(r, "movement", GRT_OP_CONCAT, concat_fn, p, "concat %s n=%zu %s..%s axis=%lld%s",
               ot_type_name(p->t), p->n, a, b, (long long)p->axis,
               p->const_last ? " const" : "");
    }
    ot_add(r, "movement", GRT_OP_CONCAT, concat_dynamic_fn, NULL,
           "concat f32 dynamic [?,4]++const[2,4] x2");
    for (size_t i = 0; i < sizeof(k_reshape) / sizeof(k_reshape[0]); i++) {
        const reshape_case *p = &k_reshape[i];
        ot_shape_str(a, sizeof(a), p->rank, p->dims);
        ot_shape_str(b, sizeof(b), p->n, p->shape);
        ot_add(r, "movement", GRT_OP_RESHAPE, reshape_fn, p, "reshape %s %s -> %s special_zero=%d",
               ot_type_name(p->t), a, b, p->special_zero);
    }
    ot_add(r, "movement", GRT_OP_RESHAPE, reshape_dynamic_fn, NULL,
           "reshape f32 dynamic [?,?,8] -> [0,-1] x2");
    for (size_t i = 0; i < sizeof(k_transpose) / sizeof(k_transpose[0]); i++) {
        const transpose_case *p = &k_transpose[i];
        ot_shape_str(a, sizeof(a), p->rank, p->dims);
        ot_shape_str(b, sizeof(b), p->rank, p->perm);
        ot_add(r, "movement", GRT_OP_TRANSPOSE, transpose_fn, p, "transpose %s %s perm %s%s",
               ot_type_name(p->t), a, b, p->dynamic ? " dynamic x2" : "");
    }
    for (size_t i = 0; i < sizeof(k_slice) / sizeof(k_slice[0]); i++) {
        const slice_case *p = &k_slice[i];
        ot_shape_str(a, sizeof(a), p->rank, p->dims);
        ot_add(r, "movement", GRT_OP_SLICE, slice_fn, p,
               "slice %s %s #%zu n=%zu start0=%lld end0=%lld step0=%lld%s", ot_type_name(p->t), a,
               i, p->n, (long long)p->starts[0], (long long)p->ends[0],
               (long long)(p->has_steps ? p->steps[0] : 1), p->dynamic ? " dynamic x2" : "");
    }
}
