/*
 * tests/ops/ops_activation.c - SiLU, GELU (erf and tanh forms), ReLU and Softmax conformance:
 * f32/f16/bf16, odd sizes, dims of 1, scalars, large magnitudes (softmax stability, saturating
 * activations), every softmax axis incl. negative ones, and dynamic shapes over two infers.
 */
#include "harness.h"

#include <stdio.h>

typedef struct act_case {
    grt_op_type op;
    int approximate; /* GELU form */
    grt_element_type t;
    size_t rank;
    int64_t dims[4];
    double range; /* values uniform in [-range, range) */
    int64_t axis; /* Softmax */
    int dynamic;
} act_case;

static int make_ref(ot_ctx *c, const act_case *p, const ref_tensor *x, ref_tensor *y)
{
    if (p->op == GRT_OP_SOFTMAX)
        return ot_ref(c, ref_softmax(x, p->axis, y), y, "Softmax");
    return ot_ref(c, ref_unary(p->op, x, p->approximate, y), y, "activation");
}

static size_t attrs_of(const act_case *p, grt_attribute *at)
{
    if (p->op == GRT_OP_SOFTMAX) {
        at[0] = OT_AI("axis", p->axis);
        return 1;
    }
    if (p->op == GRT_OP_GELU) {
        at[0] = OT_AI("approximate", p->approximate);
        return 1;
    }
    return 0;
}

static void act_fn(ot_ctx *c, const void *arg)
{
    const act_case *p = arg;
    grt_attribute at[1];
    size_t na = attrs_of(p, at);
    if (!p->dynamic) {
        ref_tensor x = ot_rand(c, p->t, p->rank, p->dims, -p->range, p->range), y;
        grt_port px = ot_param(c, &x);
        if (!ot_ok(c) || make_ref(c, p, &x, &y) != 0)
            return;
        ot_result(c, ot_op(c, p->op, 1, &px, na, at), &y);
        ot_run(c);
        return;
    }
    /* dynamic: [?, ?, D] with two different leading shapes on one request */
    int64_t d = p->dims[2];
    grt_port px = ot_param_decl(c, p->t, 3, OT_DIMS(GRT_DYNAMIC, GRT_DYNAMIC, d), NULL);
    ot_result(c, ot_op(c, p->op, 1, &px, na, at), NULL);
    static const int64_t lead[2][2] = {{2, 3}, {1, 7}};
    for (size_t i = 0; i < 2 && ot_ok(c); i++) {
        ref_tensor x = ot_rand(c, p->t, 3, OT_DIMS(lead[i][0], lead[i][1], d), -p->range,
                               p->range),
                   y;
        if (make_ref(c, p, &x, &y) != 0)
            return;
        ot_run_with(c, &x, &y);
    }
}

static act_case k_cases[128];
static size_t n_cases;

static void add(ot_registry *r, act_case k, const char *name)
{
    char s[64];
    if (n_cases == sizeof(k_cases) / sizeof(k_cases[0]))
        return;
    k_cases[n_cases] = k;
    const act_case *p = &k_cases[n_cases++];
    if (p->dynamic)
        snprintf(s, sizeof(s), "[?,?,%lld] x2", (long long)p->dims[2]);
    else
        ot_shape_str(s, sizeof(s), p->rank, p->dims);
    if (p->op == GRT_OP_SOFTMAX)
        ot_add(r, "activation", p->op, act_fn, p, "%s %s %s axis=%lld range=%g", name,
               ot_type_name(p->t), s, (long long)p->axis, p->range);
    else
        ot_add(r, "activation", p->op, act_fn, p, "%s %s %s range=%g", name, ot_type_name(p->t),
               s, p->range);
}

void ot_register_activation(ot_registry *r)
{
    static const grt_element_type types[] = {GRT_F32, GRT_F16, GRT_BF16};
    static const struct { grt_op_type op; int approx; const char *name; } ops[] = {
        {GRT_OP_SILU, 0, "silu"}, {GRT_OP_GELU, 0, "gelu-erf"}, {GRT_OP_GELU, 1, "gelu-tanh"},
        {GRT_OP_RELU, 0, "relu"}};
    n_cases = 0;
    for (size_t o = 0; o < 4; o++) {
        for (size_t t = 0; t < 3; t++) {
            add(r, (act_case){ops[o].op, ops[o].approx, types[t], 2, {4, 37}, 4, 0, 0},
                ops[o].name);
            add(r, (act_case){ops[o].op, ops[o].approx, types[t], 3, {2, 1, 9}, 30, 0, 0},
                ops[o].name);
        }
        add(r, (act_case){ops[o].op, ops[o].approx, GRT_F32, 0, {0}, 3, 0, 0}, ops[o].name);
        add(r, (act_case){ops[o].op, ops[o].approx, GRT_F32, 2, {0, 5}, 3, 0, 0}, ops[o].name);
        add(r, (act_case){ops[o].op, ops[o].approx, GRT_F32, 3, {0, 0, 16}, 3, 0, 1},
            ops[o].name);
    }
    for (size_t t = 0; t < 3; t++) {
        add(r, (act_case){GRT_OP_SOFTMAX, 0, types[t], 2, {3, 50}, 5, -1, 0}, "softmax");
        add(r, (act_case){GRT_OP_SOFTMAX, 0, types[t], 2, {4, 1000}, 1000, -1, 0}, "softmax");
    }
    add(r, (act_case){GRT_OP_SOFTMAX, 0, GRT_F32, 3, {2, 7, 5}, 3, 0, 0}, "softmax");
    add(r, (act_case){GRT_OP_SOFTMAX, 0, GRT_F32, 3, {2, 7, 5}, 3, 1, 0}, "softmax");
    add(r, (act_case){GRT_OP_SOFTMAX, 0, GRT_F32, 3, {2, 7, 5}, 3, -2, 0}, "softmax");
    add(r, (act_case){GRT_OP_SOFTMAX, 0, GRT_F32, 3, {2, 7, 5}, 3, 2, 0}, "softmax");
    add(r, (act_case){GRT_OP_SOFTMAX, 0, GRT_F32, 2, {5, 1}, 3, -1, 0}, "softmax");
    add(r, (act_case){GRT_OP_SOFTMAX, 0, GRT_F32, 4, {1, 2, 3, 129}, 80, -1, 0}, "softmax");
    add(r, (act_case){GRT_OP_SOFTMAX, 0, GRT_F32, 1, {33}, 1e4, 0, 0}, "softmax");
    add(r, (act_case){GRT_OP_SOFTMAX, 0, GRT_F32, 3, {0, 0, 16}, 10, -1, 1}, "softmax");
    add(r, (act_case){GRT_OP_SOFTMAX, 0, GRT_F16, 3, {0, 0, 16}, 10, -1, 1}, "softmax");
}
