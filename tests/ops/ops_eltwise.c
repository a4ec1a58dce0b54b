/*
 * tests/ops/ops_eltwise.c - Add/Sub/Mul/Div conformance: f32/f16/bf16/i32/i64, numpy
 * broadcasting (rank mismatch, dims of 1 on either side, scalars, empty), constant operands,
 * integer division (truncation, division by zero gives 0) and dynamic shapes over two infers.
 */
#include "harness.h"

#include <stdio.h>

typedef struct bin_shape {
    size_t ar, br;
    int64_t a[4], b[4];
    int b_const;
} bin_shape;

typedef struct bin_case {
    grt_op_type op;
    grt_element_type t;
    bin_shape s;
} bin_case;

/* Random operands; Div keeps float divisors away from 0 and integer divisors include 0. */
static ref_tensor operand(ot_ctx *c, const bin_case *p, int second, size_t rank,
                          const int64_t *dims)
{
    int is_int = ref_is_int_type(p->t);
    if (!second || p->op != GRT_OP_DIV)
        return is_int ? ot_rand(c, p->t, rank, dims, -50, 50) : ot_rand(c, p->t, rank, dims, -2, 2);
    if (is_int)
        return ot_rand(c, p->t, rank, dims, -7, 7);
    ref_tensor t = ot_rand(c, p->t, rank, dims, 0.5, 2.0);
    size_t n = t.v ? ref_numel(rank, dims) : 0;
    for (size_t i = 0; i < n; i++)
        if (ot_rand_u64(c) & 1)
            t.v[i] = -t.v[i];
    return t;
}

static void bin_fn(ot_ctx *c, const void *arg)
{
    const bin_case *p = arg;
    ref_tensor a = operand(c, p, 0, p->s.ar, p->s.a), b = operand(c, p, 1, p->s.br, p->s.b), y;
    grt_port pa = ot_param(c, &a);
    grt_port pb = p->s.b_const ? ot_const(c, &b) : ot_param(c, &b);
    if (!ot_ok(c) || ot_ref(c, ref_binary(p->op, &a, &b, &y), &y, "binary") != 0)
        return;
    ot_result(c, ot_op(c, p->op, 2, OT_PORTS(pa, pb), 0, NULL), &y);
    ot_run(c);
}

/* A [?, ?] op B [?]: ([2,3],[3]) then ([5,1],[4]) then ([1,4],[1]) on one request. */
static void bin_dynamic_fn(ot_ctx *c, const void *arg)
{
    const bin_case *p = arg;
    static const int64_t as[3][2] = {{2, 3}, {5, 1}, {1, 4}}, bs[3] = {3, 4, 1};
    grt_port pa = ot_param_decl(c, p->t, 2, OT_DIMS(GRT_DYNAMIC, GRT_DYNAMIC), NULL);
    grt_port pb = ot_param_decl(c, p->t, 1, OT_DIMS(GRT_DYNAMIC), NULL);
    ot_result(c, ot_op(c, p->op, 2, OT_PORTS(pa, pb), 0, NULL), NULL);
    for (size_t i = 0; i < 3 && ot_ok(c); i++) {
        ref_tensor a = operand(c, p, 0, 2, as[i]), b = operand(c, p, 1, 1, &bs[i]), y;
        if (ot_ref(c, ref_binary(p->op, &a, &b, &y), &y, "binary") != 0)
            return;
        ot_set_input(c, 0, &a);
        ot_set_input(c, 1, &b);
        ot_set_expect(c, 0, &y);
        ot_run(c);
    }
}

static const bin_shape k_shapes[] = {
    {2, 2, {3, 4}, {3, 4}, 0},
    {3, 1, {2, 3, 4}, {4}, 0},
    {3, 2, {2, 1, 4}, {3, 1}, 0},
    {2, 0, {7, 13}, {0}, 0},
    {1, 2, {1}, {5, 1}, 0},
    {2, 2, {7, 13}, {7, 1}, 1},
    {2, 1, {0, 3}, {3}, 0},
    {4, 4, {1, 3, 1, 5}, {2, 1, 4, 1}, 0},
};
#define N_SHAPES (sizeof(k_shapes) / sizeof(k_shapes[0]))
static const grt_op_type k_ops[] = {GRT_OP_ADD, GRT_OP_SUB, GRT_OP_MUL, GRT_OP_DIV};
static const char *const k_op_names[] = {"add", "sub", "mul", "div"};
static const grt_element_type k_types[] = {GRT_F32, GRT_F16, GRT_BF16, GRT_I32, GRT_I64};
static bin_case k_cases[4][5][N_SHAPES];
static bin_case k_dyn[4][2];

void ot_register_eltwise(ot_registry *r)
{
    for (size_t o = 0; o < 4; o++) {
        for (size_t t = 0; t < 5; t++) {
            for (size_t s = 0; s < N_SHAPES; s++) {
                bin_case *k = &k_cases[o][t][s];
                *k = (bin_case){k_ops[o], k_types[t], k_shapes[s]};
                char a[48], b[48];
                ot_add(r, "eltwise", k->op, bin_fn, k, "%s %s %s x %s%s", k_op_names[o],
                       ot_type_name(k->t), ot_shape_str(a, sizeof(a), k->s.ar, k->s.a),
                       ot_shape_str(b, sizeof(b), k->s.br, k->s.b), k->s.b_const ? " constB" : "");
            }
        }
        k_dyn[o][0] = (bin_case){k_ops[o], GRT_F32, {0, 0, {0}, {0}, 0}};
        k_dyn[o][1] = (bin_case){k_ops[o], GRT_I32, {0, 0, {0}, {0}, 0}};
        for (size_t t = 0; t < 2; t++)
            ot_add(r, "eltwise", k_ops[o], bin_dynamic_fn, &k_dyn[o][t],
                   "%s %s dynamic [?,?] x [?] three shapes", k_op_names[o],
                   ot_type_name(k_dyn[o][t].t));
    }
}
