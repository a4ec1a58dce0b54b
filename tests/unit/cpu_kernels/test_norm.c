/*
 * tests/unit/cpu_kernels/test_norm.c - Softmax (any axis), RMSNorm and LayerNorm (with and
 * without beta) against double-precision reference loops.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "suites.h"

static void test_softmax(grt_element_type t, uint32_t rank, const int64_t *dims, int64_t axis)
{
    th_attr_reset();
    th_attr_int("axis", axis);
    cpu_tensor X = th_tensor(t, rank, dims), Y = th_tensor(t, rank, dims);
    th_fill(&X, -8, 8);
    TH_CHECK(th_run(GRT_OP_SOFTMAX, &X, 1, &Y, 1) == GRT_OK, "softmax: %s", th_last_error());
    uint32_t ax = (uint32_t)(axis < 0 ? axis + rank : axis);
    size_t outer = 1, inner = 1, D = (size_t)dims[ax], n = th_numel(&X);
    for (uint32_t i = 0; i < ax; i++)
        outer *= (size_t)dims[i];
    for (uint32_t i = ax + 1; i < rank; i++)
        inner *= (size_t)dims[i];
    double *ref = malloc(sizeof(double) * (n + 1));
    for (size_t o = 0; o < outer; o++)
        for (size_t in = 0; in < inner; in++) {
            double mx = -INFINITY, s = 0;
            for (size_t d = 0; d < D; d++)
                mx = fmax(mx, th_get(&X, (o * D + d) * inner + in));
            for (size_t d = 0; d < D; d++)
                s += exp(th_get(&X, (o * D + d) * inner + in) - mx);
            for (size_t d = 0; d < D; d++) {
                size_t i = (o * D + d) * inner + in;
                ref[i] = exp(th_get(&X, i) - mx) / s;
            }
        }
    th_compare(&Y, ref, 1, "softmax");
    free(ref);
    th_free(&X);
    th_free(&Y);
}

static void test_norm(grt_op_type op, grt_element_type t, uint32_t rank, const int64_t *dims,
                      int with_beta, double eps)
{
    th_attr_reset();
    if (eps > 0)
        th_attr_float("eps", eps);
    int64_t D = dims[rank - 1];
    cpu_tensor X = th_tensor(t, rank, dims), Y = th_tensor(t, rank, dims);
    cpu_tensor g = th_tensor(t, 1, &D), b = th_tensor(t, 1, &D);
    th_fill(&X, -3, 5);
    th_fill(&g, 0.5f, 1.5f);
    th_fill(&b, -1, 1);
    cpu_tensor in[3] = {X, g, b};
    TH_CHECK(th_run(op, in, with_beta ? 3 : 2, &Y, 1) == GRT_OK, "norm: %s", th_last_error());
    double e = eps > 0 ? eps : op == GRT_OP_RMS_NORM ? 1e-6 : 1e-5;
    size_t n = th_numel(&X), rows = n / (size_t)D;
    double *ref = malloc(sizeof(double) * (n + 1));
    for (size_t r = 0; r < rows; r++) {
        double mean = 0, var = 0;
        const size_t base = r * (size_t)D;
        if (op == GRT_OP_LAYER_NORM) {
            for (int64_t d = 0; d < D; d++)
                mean += th_get(&X, base + (size_t)d);
            mean /= (double)D;
        }
        for (int64_t d = 0; d < D; d++) {
            double v = th_get(&X, base + (size_t)d) - mean;
            var += v * v;
        }
        var /= (double)D;
        for (int64_t d = 0; d < D; d++) {
            double v = (th_get(&X, base + (size_t)d) - mean) / sqrt(var + e) *
                       th_get(&g, (size_t)d);
            if (with_beta)
                v += th_get(&b, (size_t)d);
            ref[base + (size_t)d] = v;
        }
    }
    th_compare(&Y, ref, 2, op == GRT_OP_RMS_NORM ? "rmsnorm" : "layernorm");
    free(ref);
    th_free(&X);
    th_free(&Y);
    th_free(&g);
    th_free(&b);
}

static void norm_isa(void)
{
    static const grt_element_type ft[] = {GRT_F32, GRT_F16, GRT_BF16};
    int64_t d3[3] = {3, 5, 7}, d1[1] = {1}, d2[2] = {4, 4100}, dn[2] = {5, 33};
    static const int64_t edge[] = {1, 7, 8, 9, 4097};
    for (size_t t = 0; t < 3; t++) {
        test_softmax(ft[t], 3, d3, -1);
        test_softmax(ft[t], 3, d3, 0);
        test_softmax(ft[t], 3, d3, 1);
        test_softmax(ft[t], 1, d1, 0);
        test_softmax(ft[t], 2, d2, -1);
        test_norm(GRT_OP_RMS_NORM, ft[t], 3, d3, 0, 0);
        test_norm(GRT_OP_RMS_NORM, ft[t], 2, dn, 0, 1e-5);
        test_norm(GRT_OP_LAYER_NORM, ft[t], 3, d3, 1, 0);
        test_norm(GRT_OP_LAYER_NORM, ft[t], 2, dn, 0, 1e-3);
        test_norm(GRT_OP_LAYER_NORM, ft[t], 1, d1, 1, 0);
        for (size_t e = 0; e < 5; e++) {
            int64_t d[2] = {3, edge[e]};
            test_softmax(ft[t], 2, d, -1);
            test_norm(GRT_OP_RMS_NORM, ft[t], 2, d, 0, 0);
        }
    }
}

void suite_norm(void)
{
    th_each_isa("norm", norm_isa);
}
