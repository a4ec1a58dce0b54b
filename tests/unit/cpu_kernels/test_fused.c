/*
 * tests/unit/cpu_kernels/test_fused.c - the fused kernels (kernels/fused/fused.h) against the
 * unfused kernels they replace (bit-identical for f32 on the same ISA path) and against a plain
 * double reference: SwiGLU (silu(g) * u) and Add+RMSNorm (sum = x + r, y = rmsnorm(sum) * gamma),
 * edge row sizes 1, 7, 8, 9, 4097, f32 fast paths and the fallbacks (f16, broadcasting), each
 * ISA path forced in turn. Also RoPE (per-thread scratch) against a double reference on every ISA
 * path, both modes, head sizes 2 .. 130.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/isa.h"
#include "harness.h"
#include "kernels/fp16.h"
#include "kernels/fused/fused.h"
#include "suites.h"

static int same_bits(const cpu_tensor *a, const cpu_tensor *b)
{
    return a->bytes == b->bytes && memcmp(a->data, b->data, a->bytes) == 0;
}

/* gate/out [rows, D], up [urows, D] (urows 1 = broadcast: fallback path) */
static void test_swiglu(grt_element_type t, int64_t rows, int64_t D, int64_t urows)
{
    int64_t dg[2] = {rows, D}, du[2] = {urows, D};
    cpu_tensor in[2] = {th_tensor(t, 2, dg), th_tensor(t, 2, du)};
    cpu_tensor y = th_tensor(t, 2, dg), s = th_tensor(t, 2, dg), y2 = th_tensor(t, 2, dg);
    th_fill(&in[0], -8, 8);
    th_fill(&in[1], -2, 2);
    th_attr_reset();
    TH_CHECK(th_call(GRT_OP_MUL, cpu_k_fused_swiglu, in, 2, &y, 1) == GRT_OK, "swiglu: %s",
             th_last_error());
    /* unfused: SiLU then Mul */
    TH_CHECK(th_run(GRT_OP_SILU, &in[0], 1, &s, 1) == GRT_OK, "silu: %s", th_last_error());
    cpu_tensor mi[2] = {s, in[1]};
    TH_CHECK(th_run(GRT_OP_MUL, mi, 2, &y2, 1) == GRT_OK, "mul: %s", th_last_error());
    TH_CHECK(same_bits(&y, &y2), "swiglu %s [%lld, %lld] differs from SiLU + Mul",
             t == GRT_F32 ? "f32" : "f16", (long long)rows, (long long)D);
    size_t n = th_numel(&y);
    double *ref = malloc(sizeof(double) * (n + 1));
    for (size_t i = 0; i < n; i++) {
        double g = th_get(&in[0], i), u = th_get(&in[1], urows == 1 ? i % (size_t)D : i);
        ref[i] = g / (1 + exp(-g)) * u;
    }
    th_compare(&y, ref, t == GRT_F32 ? 1 : 2, "swiglu");
    free(ref);
    th_free(&in[0]), th_free(&in[1]), th_free(&y), th_free(&s), th_free(&y2);
}

/* x/sum/y [rows, D], r [rrows, D] (rrows 1 = broadcast: fallback path) */
static void test_add_rmsnorm(grt_element_type t, int64_t rows, int64_t D, int64_t rrows)
{
    int64_t dx[2] = {rows, D}, dr[2] = {rrows, D}, dgm[1] = {D};
    cpu_tensor in[4] = {th_tensor(t, 2, dx), th_tensor(GRT_F16, 1, dgm), th_tensor(t, 2, dr),
                        th_tensor(t, 2, dx)};
    cpu_tensor y = th_tensor(t, 2, dx), s2 = th_tensor(t, 2, dx), y2 = th_tensor(t, 2, dx);
    th_fill(&in[0], -3, 3);
    th_fill(&in[1], 0.5f, 1.5f);
    th_fill(&in[2], -3, 3);
    th_attr_reset();
    th_attr_float("eps", 1e-5);
    TH_CHECK(th_call(GRT_OP_RMS_NORM, cpu_k_fused_add_rmsnorm, in, 4, &y, 1) == GRT_OK,
             "add_rmsnorm: %s", th_last_error());
    cpu_tensor ai[2] = {in[0], in[2]};
    TH_CHECK(th_run(GRT_OP_ADD, ai, 2, &s2, 1) == GRT_OK, "add: %s", th_last_error());
    cpu_tensor ni[2] = {s2, in[1]};
    TH_CHECK(th_run(GRT_OP_RMS_NORM, ni, 2, &y2, 1) == GRT_OK, "rmsnorm: %s", th_last_error());
    TH_CHECK(same_bits(&in[3], &s2) && same_bits(&y, &y2),
             "add_rmsnorm [%lld, %lld] differs from Add + RMSNorm", (long long)rows, (long long)D);
    size_t n = th_numel(&y);
    double *ref = malloc(sizeof(double) * (n + 1)), *sref = malloc(sizeof(double) * (n + 1));
    for (int64_t r = 0; r < rows; r++) {
        double acc = 0;
        for (int64_t d = 0; d < D; d++) {
            size_t i = (size_t)(r * D + d), ir = rrows == 1 ? (size_t)d : i;
            double v = th_get(&in[0], i) + th_get(&in[2], ir);
            if (t != GRT_F32) /* the sum is rounded to the type before the norm */
                v = (double)cpu_f16_to_f32(cpu_f32_to_f16((float)v));
            sref[i] = v;
            acc += v * v;
        }
        double inv = 1 / sqrt(acc / (double)D + 1e-5);
        for (int64_t d = 0; d < D; d++) {
            size_t i = (size_t)(r * D + d);
            ref[i] = sref[i] * inv * th_get(&in[1], (size_t)d);
        }
    }
    th_compare(&in[3], sref, 1, "add_rmsnorm sum");
    th_compare(&y, ref, 1, "add_rmsnorm y");
    free(ref), free(sref);
    for (int k = 0; k < 4; k++)
        th_free(&in[k]);
    th_free(&y), th_free(&s2), th_free(&y2);
}

/* RoPE x [1, 2, 3, D] at positions {0, 7, 1000}, theta 10000, no scaling: double reference. */
static void test_rope_isa(int mode, int64_t D)
{
    int64_t xd[4] = {1, 2, 3, D}, pd[1] = {3};
    th_attr_reset();
    th_attr_int("mode", mode);
    cpu_tensor X = th_tensor(GRT_F32, 4, xd), Y = th_tensor(GRT_F32, 4, xd);
    cpu_tensor P = th_tensor(GRT_I64, 1, pd);
    th_fill(&X, -1, 1);
    th_set(&P, 0, 0), th_set(&P, 1, 7), th_set(&P, 2, 1000);
    TH_CHECK(th_run(GRT_OP_ROPE, (cpu_tensor[]){X, P}, 2, &Y, 1) == GRT_OK, "rope: %s",
             th_last_error());
    size_t n = th_numel(&X), half = (size_t)D / 2;
    double *ref = malloc(sizeof(double) * (n + 1));
    for (size_t row = 0; row < n / (size_t)D; row++) {
        double p = th_get(&P, row % 3);
        for (size_t i = 0; i < half; i++) {
            size_t i0 = row * (size_t)D + (mode ? 2 * i : i);
            size_t i1 = row * (size_t)D + (mode ? 2 * i + 1 : i + half);
            double a = p * pow(10000.0, -2.0 * (double)i / (double)D);
            double x0 = th_get(&X, i0), x1 = th_get(&X, i1);
            ref[i0] = x0 * cos(a) - x1 * sin(a);
            ref[i1] = x0 * sin(a) + x1 * cos(a);
        }
    }
    th_compare(&Y, ref, 0.1, mode ? "rope interleaved" : "rope half");
    free(ref);
    th_free(&X), th_free(&Y), th_free(&P);
}

static void fused_isa(void)
{
    static const int64_t heads[] = {2, 8, 18, 64, 130};
    for (size_t h = 0; h < 5; h++) {
        test_rope_isa(0, heads[h]);
        test_rope_isa(1, heads[h]);
    }
    static const int64_t edge[] = {1, 7, 8, 9, 4097};
    for (size_t e = 0; e < 5; e++) {
        test_swiglu(GRT_F32, 3, edge[e], 3);
        test_add_rmsnorm(GRT_F32, 3, edge[e], 3);
    }
    test_swiglu(GRT_F32, 1, 5000, 1);  /* one row: chunks across the pool */
    test_swiglu(GRT_F32, 4, 33, 1);    /* broadcast up: fallback */
    test_swiglu(GRT_F16, 2, 65, 2);    /* f16: fallback */
    test_add_rmsnorm(GRT_F32, 4, 33, 1); /* broadcast residual: fallback */
    test_add_rmsnorm(GRT_F16, 2, 65, 2);
}

void suite_fused(void)
{
    th_each_isa("fused", fused_isa);
}
