/*
 * tests/unit/cpu_kernels/test_fused.c - the fused kernels (kernels/fused/fused.h) against the
 * unfused kernels they replace (bit-identical for f32 on the same ISA path) and against a plain
 * double reference: SwiGLU (silu(g) * u) and Add+RMSNorm (sum = x + r, y = rmsnorm(sum) * gamma),
 * edge row sizes 1, 7, 8, 9, 4097, f32 fast paths and the fallbacks (f16, broadcasting), each
 * ISA path forced in turn. Also RoPE (per-thread scratch) against a double reference on every ISA
 * path, both modes, head sizes 2 .. 130. Sibling MatMuls (one region for Q / K / V or gate / up
 * in decode) against each MatMul alone, bit for bit, with the region count showing which way the
 * fused kernel went.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/isa.h"
#include "harness.h"
#include "kernels/fp16.h"
#include "kernels/fused/fused.h"
#include "kernels/matmul/dq.h"
#include "threads/pool.h"
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

/* Sibling MatMuls (cpu_k_fused_linears): k weights [N_m, K] of storage st[m] (group G[m], 0 = per
 * channel) on one A [M, K], activations quantized per 32. Each output must equal the MatMul run
 * alone bit for bit (same kernels; a GEMV row does not depend on the split), whichever way the
 * fused kernel goes. `fast`: the group must run as one region (counted on th_pool, where the
 * weights are large enough for each alone to open one), else as the k MatMuls. */
static void test_linears(uint32_t k, int64_t M, int64_t K, const grt_element_type *st,
                         const int64_t *G, const int64_t *N, int fast)
{
    th_attr_reset();
    th_attr_int("transpose_b", 1);
    th_dq_group_size = 32;
    int64_t ad[2] = {M, K};
    cpu_tensor A = th_tensor(GRT_F32, 2, ad), in[8], o[4], r[4];
    qw w[4];
    uint8_t *tiled[4] = {NULL, NULL, NULL, NULL};
    th_fill(&A, -2, 2);
    for (uint32_t m = 0; m < k; m++) {
        int64_t wd[2] = {N[m], K}, od[2] = {M, N[m]};
        w[m] = th_make_qw(GRT_F32, 2, wd, st[m], G[m] ? G[m] : K, GRT_F16);
        w[m].t.comp = &w[m].ci;
        cpu_dq_w dw; /* the plan's tiled copy, as cpu_plan_tile_weights makes it */
        if (cpu_dq_tileable(cpu_dq_storage_bits(st[m]), (size_t)K) &&
            cpu_dq_weight(w[m].t.data, &w[m].ci, (size_t)N[m], (size_t)K, &dw))
            w[m].t.dq_tiled = tiled[m] = cpu_dq_tiled_new(&dw, NULL);
        o[m] = th_tensor(GRT_F32, 2, od);
        r[m] = th_tensor(GRT_F32, 2, od);
        for (size_t i = 0; i < th_numel(&o[m]); i++)
            ((float *)o[m].data)[i] = NAN;
    }
    cpu_pool_stats s0, s1, s2;
    cpu_pool_get_stats(th_pool, &s0);
    for (uint32_t m = 0; m < k; m++)
        TH_CHECK(th_run(GRT_OP_MATMUL, (cpu_tensor[]){A, w[m].t}, 2, &r[m], 1) == GRT_OK,
                 "matmul: %s", th_last_error());
    cpu_pool_get_stats(th_pool, &s1);
    in[0] = A;
    in[1] = w[k - 1].t;
    for (uint32_t m = 0; m + 1 < k; m++) {
        in[2 + 2 * m] = w[m].t;
        in[3 + 2 * m] = o[m];
    }
    grt_status rs = th_call(GRT_OP_MATMUL, cpu_k_fused_linears, in, 2 * k, &o[k - 1], 1);
    cpu_pool_get_stats(th_pool, &s2);
    char what[128];
    snprintf(what, sizeof what, "fused linears %s k %u M %lld K %lld storage %d/%d N0 %lld",
             cpu_isa_name(cpu_isa_active()), k, (long long)M, (long long)K, (int)st[0],
             (int)st[k - 1], (long long)N[0]);
    TH_CHECK(rs == GRT_OK, "%s: %s", what, th_last_error());
    for (uint32_t m = 0; m < k; m++)
        TH_CHECK(same_bits(&o[m], &r[m]), "%s: output %u differs from its MatMul alone", what, m);
    uint64_t alone = s1.regions - s0.regions, fused = s2.regions - s1.regions;
    if (th_pool != NULL && alone >= k)
        TH_CHECK(fast ? fused == 1 : fused == alone,
                 "%s: %llu regions fused, %llu alone (expected %s)", what,
                 (unsigned long long)fused, (unsigned long long)alone, fast ? "1" : "the same");
    for (uint32_t m = 0; m < k; m++) {
        cpu_dq_tiled_free(tiled[m]);
        th_free_qw(&w[m]);
        th_free(&o[m]);
        th_free(&r[m]);
    }
    th_free(&A);
    th_dq_group_size = 0;
}

static void linears_isa(void)
{
    static const grt_element_type u4[4] = {GRT_U4, GRT_U4, GRT_U4, GRT_U4},
                                  i4[4] = {GRT_I4, GRT_I4, GRT_I4, GRT_I4},
                                  u8[4] = {GRT_U8, GRT_U8, GRT_U8, GRT_U8},
                                  mixed[2] = {GRT_U4, GRT_U8};
    static const int64_t g32[4] = {32, 32, 32, 32}, g128[4] = {128, 128, 128, 128},
                         pc[4] = {0, 0, 0, 0}, gm[2] = {32, 0};
    static const int64_t qkv[3] = {128, 64, 64}, odd[4] = {8, 20, 36, 72}, gu[2] = {96, 96};
    test_linears(3, 1, 256, u4, g128, qkv, 1);  /* Q / K / V, decode */
    test_linears(3, 1, 256, i4, g32, qkv, 1);   /* symmetric */
    test_linears(2, 1, 128, u8, pc, gu, 1);     /* gate / up, int8 per channel */
    test_linears(4, 1, 64, u4, g32, odd, 1);    /* partial tiles; chunks across weights */
    test_linears(3, 5, 256, u4, g32, qkv, 1);   /* the largest GEMV M */
    test_linears(3, 6, 256, u4, g32, qkv, 0);   /* prompt: each MatMul alone */
    test_linears(2, 1, 128, mixed, gm, gu, 0);  /* different quantizations: each alone */
}

static void fused_isa(void)
{
    linears_isa();
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
