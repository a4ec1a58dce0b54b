/*
 * tests/unit/cpu_kernels/test_elementwise.c - Add/Sub/Mul/Div (broadcasting, float and integer
 * types) and SiLU/GELU/ReLU against reference loops.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/isa.h"
#include "harness.h"
#include "kernels/elementwise/ew_rows.h"
#include "suites.h"

typedef struct bcase {
    uint32_t ra;
    int64_t a[4];
    uint32_t rb;
    int64_t b[4];
} bcase;

static const bcase bcases[] = {
    {3, {2, 3, 4}, 3, {2, 3, 4}}, {3, {2, 1, 4}, 2, {3, 1}},   {1, {5}, 1, {1}},
    {0, {0}, 2, {2, 3}},          {3, {1, 7, 1}, 3, {3, 1, 5}}, {4, {4, 1, 6, 1}, 4, {1, 5, 1, 3}},
    {2, {1, 1}, 1, {1}},          {2, {3, 0}, 1, {1}},          {3, {2, 3, 70}, 1, {70}},
};

static double ref_int_div(double x, double y, grt_element_type t)
{
    if (y == 0)
        return 0;
    if (y == -1) { /* wraps at the minimum */
        double mn = t == GRT_I32 ? -2147483648.0 : -9223372036854775808.0;
        return x == mn ? mn : -x;
    }
    return trunc(x / y);
}

static void test_binary(grt_op_type op, grt_element_type t, const bcase *c)
{
    cpu_tensor A = th_tensor(t, c->ra, c->a), B = th_tensor(t, c->rb, c->b);
    int isint = t == GRT_I32 || t == GRT_I64;
    grt_shape sa = A.shape, sb = B.shape, so;
    so.rank = sa.rank > sb.rank ? sa.rank : sb.rank;
    for (uint32_t i = 0; i < so.rank; i++) {
        int64_t da = i + sa.rank >= so.rank ? sa.dims[i + sa.rank - so.rank] : 1;
        int64_t db = i + sb.rank >= so.rank ? sb.dims[i + sb.rank - so.rank] : 1;
        so.dims[i] = da == 1 ? db : da;
    }
    cpu_tensor C = th_tensor(t, so.rank, so.dims);
    size_t na = th_numel(&A), nb = th_numel(&B), nc = th_numel(&C);
    for (size_t i = 0; i < na; i++)
        th_set(&A, i, isint ? (double)((int)(th_rand() % 41) - 20) : th_randf(-2, 2));
    for (size_t i = 0; i < nb; i++)
        th_set(&B, i, isint ? (double)((int)(th_rand() % 11) - 5)
                            : (op == GRT_OP_DIV ? th_randf(0.5f, 2) : th_randf(-2, 2)));
    if (isint && op == GRT_OP_DIV && na > 0 && nb > 0) { /* MIN / -1 wraps */
        th_set(&A, 0, t == GRT_I32 ? -2147483648.0 : -9223372036854775808.0);
        th_set(&B, 0, -1);
    }
    grt_status st = th_run(op, (cpu_tensor[]){A, B}, 2, &C, 1);
    TH_CHECK(st == GRT_OK, "binary op %d type %d failed: %s", op, t, th_last_error());
    double *ref = malloc(sizeof(double) * (nc + 1));
    for (size_t i = 0; i < nc; i++) {
        double x = th_get(&A, th_bcast_offset(&so, &sa, i));
        double y = th_get(&B, th_bcast_offset(&so, &sb, i));
        double r;
        switch (op) {
        case GRT_OP_ADD: r = x + y; break;
        case GRT_OP_SUB: r = x - y; break;
        case GRT_OP_MUL: r = x * y; break;
        default: r = isint ? ref_int_div(x, y, t) : x / y; break;
        }
        ref[i] = r;
    }
    if (isint) {
        for (size_t i = 0; i < nc; i++)
            if (th_get(&C, i) != ref[i]) {
                TH_CHECK(0, "int op %d type %d element %zu: %g vs %g", op, t, i, th_get(&C, i),
                         ref[i]);
                break;
            }
    } else {
        th_compare(&C, ref, 1, "binary");
    }
    free(ref);
    th_free(&A);
    th_free(&B);
    th_free(&C);
}

static void test_int_exact(void)
{
    /* i64 arithmetic beyond double precision. */
    int64_t d1[1] = {3};
    cpu_tensor A = th_tensor(GRT_I64, 1, d1), B = th_tensor(GRT_I64, 1, d1),
               C = th_tensor(GRT_I64, 1, d1);
    int64_t *a = A.data, *b = B.data, *c = C.data;
    a[0] = INT64_MAX - 1; b[0] = 1;
    a[1] = (int64_t)1 << 60; b[1] = 3;
    a[2] = -7; b[2] = 2;
    TH_CHECK(th_run(GRT_OP_ADD, (cpu_tensor[]){A, B}, 2, &C, 1) == GRT_OK, "i64 add");
    TH_CHECK(c[0] == INT64_MAX && c[1] == ((int64_t)1 << 60) + 3 && c[2] == -5, "i64 add values");
    TH_CHECK(th_run(GRT_OP_DIV, (cpu_tensor[]){A, B}, 2, &C, 1) == GRT_OK, "i64 div");
    TH_CHECK(c[0] == INT64_MAX - 1 && c[1] == ((int64_t)1 << 60) / 3 && c[2] == -3,
             "i64 div truncates toward zero");
    th_free(&A);
    th_free(&B);
    th_free(&C);
}

static void test_binary_errors(void)
{
    int64_t d2[1] = {2}, d3[1] = {3};
    cpu_tensor A = th_tensor(GRT_F32, 1, d2), B = th_tensor(GRT_F32, 1, d3),
               C = th_tensor(GRT_F32, 1, d3), Bi = th_tensor(GRT_I32, 1, d2);
    TH_CHECK(th_run(GRT_OP_ADD, (cpu_tensor[]){A, B}, 2, &C, 1) == GRT_ERROR_SHAPE,
             "non-broadcastable shapes must fail");
    TH_CHECK(strstr(th_last_error(), "test_node") && strstr(th_last_error(), "(Add)"),
             "error names the node: %s", th_last_error());
    TH_CHECK(th_run(GRT_OP_MUL, (cpu_tensor[]){A, Bi}, 2, &C, 1) == GRT_ERROR_NOT_SUPPORTED,
             "mixed types must fail");
    th_free(&A);
    th_free(&B);
    th_free(&C);
    th_free(&Bi);
}

static double ref_unary(grt_op_type op, int approx, double x)
{
    switch (op) {
    case GRT_OP_SILU: return x / (1 + exp(-x));
    case GRT_OP_RELU: return x > 0 ? x : 0;
    default:
        if (approx)
            return 0.5 * x * (1 + tanh(sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
        return 0.5 * x * (1 + erf(x / sqrt(2.0)));
    }
}

static void test_unary(grt_op_type op, int approx, grt_element_type t, uint32_t rank,
                       const int64_t *dims)
{
    th_attr_reset();
    if (op == GRT_OP_GELU)
        th_attr_int("approximate", approx);
    cpu_tensor X = th_tensor(t, rank, dims), Y = th_tensor(t, rank, dims);
    th_fill(&X, -6, 6);
    size_t n = th_numel(&X);
    TH_CHECK(th_run(op, &X, 1, &Y, 1) == GRT_OK, "unary %d: %s", op, th_last_error());
    double *ref = malloc(sizeof(double) * (n + 1));
    for (size_t i = 0; i < n; i++)
        ref[i] = ref_unary(op, approx, th_get(&X, i));
    th_compare(&Y, ref, 1, op == GRT_OP_GELU ? "gelu" : op == GRT_OP_SILU ? "silu" : "relu");
    free(ref);
    th_free(&X);
    th_free(&Y);
}

/* Max relative error of the row exp (cpu_unary_row_f32 CPU_UN_EXP) over [-87, 88] against double
 * exp: the bound documented in arch/avx2/vmath_avx2.h (2.5e-7) on every path. */
static void test_exp_accuracy(void)
{
    enum { N = 4097 };
    static float x[N], y[N];
    double worst = 0;
    for (int rep = 0; rep < 8; rep++) {
        for (int i = 0; i < N; i++)
            x[i] = -87.0f + 175.0f * (float)(rep * N + i) / (8.0f * N);
        cpu_unary_row_f32(CPU_UN_EXP, x, y, N);
        for (int i = 0; i < N; i++) {
            double r = exp((double)x[i]), e = fabs(y[i] - r) / r;
            worst = e > worst ? e : worst;
        }
    }
    TH_CHECK(worst <= 2.5e-7, "exp max relative error %.3g > 2.5e-7 (%s)", worst,
             cpu_isa_name(cpu_isa_active()));
    float sx[3] = {NAN, -INFINITY, 0.0f}, sy[3];
    cpu_unary_row_f32(CPU_UN_EXP, sx, sy, 3);
    TH_CHECK(isnan(sy[0]) && sy[1] >= 0 && sy[1] < 1e-37f && sy[2] == 1.0f,
             "exp(NaN, -inf, 0) = %g %g %g", sy[0], sy[1], sy[2]);
}

static void elementwise_isa(void)
{
    static const grt_element_type types[] = {GRT_F32, GRT_F16, GRT_BF16, GRT_I32, GRT_I64};
    static const grt_op_type ops[] = {GRT_OP_ADD, GRT_OP_SUB, GRT_OP_MUL, GRT_OP_DIV};
    th_attr_reset();
    for (size_t t = 0; t < 5; t++)
        for (size_t o = 0; o < 4; o++)
            for (size_t c = 0; c < sizeof bcases / sizeof bcases[0]; c++) {
                test_binary(ops[o], types[t], &bcases[c]);
                bcase sw = {bcases[c].rb, {0}, bcases[c].ra, {0}}; /* swapped operands */
                for (int i = 0; i < 4; i++) {
                    sw.a[i] = bcases[c].b[i];
                    sw.b[i] = bcases[c].a[i];
                }
                test_binary(ops[o], types[t], &sw);
            }
    static const int64_t d1[] = {3, 5, 7}, d2[] = {2, 1100}, d3[] = {1};
    static const int64_t edge[] = {1, 7, 8, 9, 4097};
    for (size_t t = 0; t < 3; t++) {
        test_unary(GRT_OP_SILU, 0, types[t], 3, d1);
        test_unary(GRT_OP_RELU, 0, types[t], 2, d2);
        test_unary(GRT_OP_GELU, 0, types[t], 2, d2);
        test_unary(GRT_OP_GELU, 1, types[t], 3, d1);
        test_unary(GRT_OP_SILU, 0, types[t], 0, d3);
        for (size_t e = 0; e < 5; e++) {
            test_unary(GRT_OP_SILU, 0, types[t], 1, &edge[e]);
            test_unary(GRT_OP_GELU, e & 1, types[t], 1, &edge[e]);
            test_unary(GRT_OP_RELU, 0, types[t], 1, &edge[e]);
        }
    }
    test_exp_accuracy();
}

void suite_elementwise(void)
{
    th_each_isa("elementwise", elementwise_isa);
    test_int_exact();
    test_binary_errors();
}
