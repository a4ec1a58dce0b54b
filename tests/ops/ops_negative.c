/*
 * tests/ops/ops_negative.c - bad input must give a clean error status with a message, never a
 * crash, and leave the request usable: wrong shape / rank / element type bound at run time,
 * dynamic dims that turn out incompatible (MatMul K, broadcast, Concat, Reshape count), an
 * out-of-range Gather index, an unbound input, and builder-time shape errors.
 */
#include "harness.h"

/* Param [2, 3] -> ReLU. Binds `bad`, expects an error, then binds a good value and checks it. */
static void bad_bind_fn(ot_ctx *c, const void *arg)
{
    const int *kind = arg;
    ref_tensor good = ot_rand(c, GRT_F32, 2, OT_DIMS(2, 3), -1, 1), y, bad;
    grt_port px = ot_param(c, &good);
    if (*kind == 0)
        bad = ot_rand(c, GRT_F32, 2, OT_DIMS(3, 3), -1, 1);
    else if (*kind == 1)
        bad = ot_rand(c, GRT_F32, 3, OT_DIMS(2, 3, 1), -1, 1);
    else
        bad = ot_rand(c, GRT_I32, 2, OT_DIMS(2, 3), -1, 1);
    if (!ot_ok(c) || ot_ref(c, ref_unary(GRT_OP_RELU, &good, 0, &y), &y, "ReLU") != 0)
        return;
    ot_result(c, ot_op(c, GRT_OP_RELU, 1, &px, 0, NULL), &y);
    ot_set_input(c, 0, &bad);
    if (ot_run_expect_error(c, "bad binding") != 0)
        return;
    ot_set_input(c, 0, &good);
    ot_run(c);
}

/* Two dynamic inputs through `op`; the first binding is incompatible at run time. */
typedef struct dyn_bad {
    grt_op_type op;
    size_t ar, br;
    int64_t adecl[3], bdecl[3];
    int64_t abad[3], bbad[3];
    int64_t agood[3], bgood[3];
    int64_t axis; /* Concat */
} dyn_bad;

static int dyn_ref(ot_ctx *c, const dyn_bad *k, const ref_tensor *a, const ref_tensor *b,
                   ref_tensor *y)
{
    if (k->op == GRT_OP_MATMUL)
        return ot_ref(c, ref_matmul(a, b, 0, 0, y), y, "MatMul");
    if (k->op == GRT_OP_CONCAT) {
        const ref_tensor *parts[2] = {a, b};
        return ot_ref(c, ref_concat(2, parts, k->axis, y), y, "Concat");
    }
    return ot_ref(c, ref_binary(k->op, a, b, y), y, "binary");
}

static void dyn_bad_fn(ot_ctx *c, const void *arg)
{
    const dyn_bad *k = arg;
    grt_port pa = ot_param_decl(c, GRT_F32, k->ar, k->adecl, NULL);
    grt_port pb = ot_param_decl(c, GRT_F32, k->br, k->bdecl, NULL);
    grt_attribute at[1] = {OT_AI("axis", k->axis)};
    ot_result(c, ot_op(c, k->op, 2, OT_PORTS(pa, pb), k->op == GRT_OP_CONCAT ? 1 : 0, at), NULL);
    ref_tensor a = ot_rand(c, GRT_F32, k->ar, k->abad, -1, 1);
    ref_tensor b = ot_rand(c, GRT_F32, k->br, k->bbad, -1, 1), y;
    ot_set_input(c, 0, &a);
    ot_set_input(c, 1, &b);
    if (ot_run_expect_error(c, "incompatible run-time shapes") != 0)
        return;
    a = ot_rand(c, GRT_F32, k->ar, k->agood, -1, 1);
    b = ot_rand(c, GRT_F32, k->br, k->bgood, -1, 1);
    if (dyn_ref(c, k, &a, &b, &y) != 0)
        return;
    ot_set_input(c, 0, &a);
    ot_set_input(c, 1, &b);
    ot_set_expect(c, 0, &y);
    ot_run(c);
}

#define D GRT_DYNAMIC
static const dyn_bad k_dyn[] = {
    {GRT_OP_MATMUL, 2, 2, {D, D}, {D, D}, {2, 3}, {4, 5}, {2, 4}, {4, 5}, 0},
    {GRT_OP_ADD, 1, 1, {D}, {D}, {3}, {4}, {3}, {1}, 0},
    {GRT_OP_MUL, 2, 2, {D, 4}, {2, D}, {3, 4}, {2, 4}, {2, 4}, {2, 1}, 0},
    {GRT_OP_CONCAT, 2, 2, {D, D}, {D, D}, {2, 4}, {3, 5}, {2, 4}, {3, 4}, 0},
};

/* Reshape [?] -> [2, 3]: 5 elements fail, 6 work. */
static void reshape_bad_fn(ot_ctx *c, const void *arg)
{
    (void)arg;
    static const int64_t shape[2] = {2, 3};
    grt_port px = ot_param_decl(c, GRT_F32, 1, OT_DIMS(D), NULL);
    grt_attribute at[1] = {OT_AINTS("shape", shape, 2)};
    ot_result(c, ot_op(c, GRT_OP_RESHAPE, 1, &px, 1, at), NULL);
    ref_tensor bad = ot_rand(c, GRT_F32, 1, OT_DIMS(5), -1, 1);
    ref_tensor good = ot_rand(c, GRT_F32, 1, OT_DIMS(6), -1, 1), y;
    ot_set_input(c, 0, &bad);
    if (ot_run_expect_error(c, "Reshape element count") != 0 ||
        ot_ref(c, ref_reshape(&good, 2, shape, 1, &y), &y, "Reshape") != 0)
        return;
    ot_run_with(c, &good, &y);
}

/* Gather with index 5 (and -6) into 5 rows fails; valid indices then work. */
static void gather_bad_fn(ot_ctx *c, const void *arg)
{
    const double *bad_index = arg;
    ref_tensor data = ot_rand(c, GRT_F32, 2, OT_DIMS(5, 4), -1, 1), y;
    ref_tensor bad = ot_tensor(c, GRT_I64, 1, OT_DIMS(2), (const double[]){1, *bad_index});
    ref_tensor good = ot_tensor(c, GRT_I64, 1, OT_DIMS(2), (const double[]){4, -5});
    grt_port pd = ot_const(c, &data);
    grt_port pi = ot_param_decl(c, GRT_I64, 1, OT_DIMS(2), &bad);
    ot_result(c, ot_op(c, GRT_OP_GATHER, 2, OT_PORTS(pd, pi), 0, NULL), NULL);
    if (ot_run_expect_error(c, "Gather index out of range") != 0 ||
        ot_ref(c, ref_gather(&data, &good, 0, &y), &y, "Gather") != 0)
        return;
    ot_run_with(c, &good, &y);
}

/* Infer with no input bound must fail cleanly. */
static void unbound_fn(ot_ctx *c, const void *arg)
{
    (void)arg;
    grt_port px = ot_param_decl(c, GRT_F32, 1, OT_DIMS(4), NULL);
    ot_result(c, ot_op(c, GRT_OP_SILU, 1, &px, 0, NULL), NULL);
    if (ot_compile(c) != 0)
        return;
    grt_clear_error();
    grt_status st = grt_infer_request_infer(c->rq);
    ot_check(c, st != GRT_OK && grt_last_error()[0] != '\0',
             "infer with an unbound input returned %s with message '%s'", grt_status_str(st),
             grt_last_error());
}

/* The builder must reject statically wrong shapes without changing the model. */
static void builder_fn(ot_ctx *c, const void *arg)
{
    const int *kind = arg;
    ref_tensor a = ot_rand(c, GRT_F32, 2, OT_DIMS(2, 3), -1, 1);
    ref_tensor b = ot_rand(c, GRT_F32, 2, OT_DIMS(4, 5), -1, 1);
    grt_port pa = ot_param(c, &a), pb = ot_param(c, &b);
    if (!ot_ok(c))
        return;
    size_t before = grt_model_node_count(c->model);
    uint32_t id = 0;
    grt_status st;
    static const int64_t perm[2] = {0, 0};
    grt_attribute at[1] = {OT_AINTS("perm", perm, 2)};
    switch (*kind) {
    case 0: st = grt_model_add_op(c->model, GRT_OP_MATMUL, "bad", 2, OT_PORTS(pa, pb), 0, NULL,
                                  &id); break;
    case 1: st = grt_model_add_op(c->model, GRT_OP_ADD, "bad", 2, OT_PORTS(pa, pb), 0, NULL,
                                  &id); break;
    case 2: st = grt_model_add_op(c->model, GRT_OP_TRANSPOSE, "bad", 1, &pa, 1, at, &id); break;
    default: st = grt_model_add_op(c->model, GRT_OP_SOFTMAX, "bad", 1, &pa, 1,
                                   (grt_attribute[]){OT_AI("axis", 2)}, &id); break;
    }
    ot_check(c, st == GRT_ERROR_SHAPE || st == GRT_ERROR_INVALID_ARGUMENT,
             "builder accepted a bad node (status %s)", grt_status_str(st));
    ot_check(c, grt_last_error()[0] != '\0', "builder error without a message");
    ot_check(c, grt_model_node_count(c->model) == before, "failed add_op changed the model");
}

void ot_register_negative(ot_registry *r)
{
    static const int kinds[4] = {0, 1, 2, 3};
    static const double bad_idx[2] = {5, -6};
    static const char *const bind_names[3] = {"shape [3,3]", "rank 3", "type i32"};
    for (int i = 0; i < 3; i++)
        ot_add(r, "negative", GRT_OP_RELU, bad_bind_fn, &kinds[i],
               "negative bind %s to param f32 [2,3], then recover", bind_names[i]);
    static const char *const dyn_names[4] = {"matmul K 3 vs 4", "add [3]+[4]", "mul [3,4]*[2,4]",
                                             "concat [2,4]++[3,5] axis 0"};
    for (size_t i = 0; i < 4; i++)
        ot_add(r, "negative", k_dyn[i].op, dyn_bad_fn, &k_dyn[i],
               "negative run-time %s, then recover", dyn_names[i]);
    ot_add(r, "negative", GRT_OP_RESHAPE, reshape_bad_fn, NULL,
           "negative run-time reshape [5] -> [2,3], then recover");
    for (int i = 0; i < 2; i++)
        ot_add(r, "negative", GRT_OP_GATHER, gather_bad_fn, &bad_idx[i],
               "negative gather index %g of 5 rows, then recover", bad_idx[i]);
    ot_add(r, "negative", GRT_OP_SILU, unbound_fn, NULL, "negative infer with an unbound input");
    static const char *const b_names[4] = {"matmul [2,3]x[4,5]", "add [2,3]+[4,5]",
                                           "transpose perm [0,0]", "softmax axis 2 of rank 2"};
    for (int i = 0; i < 4; i++)
        ot_add(r, "negative", GRT_OP_UNKNOWN, builder_fn, &kinds[i], "negative builder %s",
               b_names[i]);
}
