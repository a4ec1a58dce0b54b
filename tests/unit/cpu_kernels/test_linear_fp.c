/*
 * tests/unit/cpu_kernels/test_linear_fp.c - cpu_linear_fp (kernels/matmul/linear_fp.c): float
 * (f32/f16/bf16) and compressed weights (int8/int4, sym/asym, per channel and groups, f16/f32
 * scales, storage/f16/f32 zero points) with f32 activations, against a plain double reference;
 * every ISA forced in turn (paths above cpu_isa_supported() are skipped with a printed reason),
 * oneDNN on and off; plus the f16/bf16 row conversions of kutil.c (AVX2 vs portable, bitwise).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/isa.h"
#include "harness.h"
#include "kernels/kutil.h"
#include "kernels/matmul/linear.h"
#include "kernels/matmul/onednn.h"
#include "suites.h"

/* 21, 23, 33, 46: row tails 5, 7, 1, 6 of the AVX-512 GEMM's 8-row micro-tiles */
static const size_t Ms[] = {1, 3, 8, 21, 23, 33, 46, 128};

/* ref[m, n] = sum_k a[m, k] * w[n, k] in double. */
static double *ref_linear(const double *a, const double *w, size_t M, size_t N, size_t K)
{
    double *r = calloc(M * N + 1, sizeof(double));
    if (r == NULL)
        exit(2);
    for (size_t m = 0; m < M; m++)
        for (size_t n = 0; n < N; n++) {
            double s = 0;
            for (size_t k = 0; k < K; k++)
                s += a[m * K + k] * w[n * K + k];
            r[m * N + n] = s;
        }
    return r;
}

/* Runs cpu_linear_fp for every M on weight W (reference values wref[N, K]). */
static void check_weight(const cpu_tensor *W, const double *wref, size_t N, size_t K,
                         const char *what)
{
    cpu_isa isa = cpu_isa_active();
    for (size_t mi = 0; mi < sizeof Ms / sizeof Ms[0]; mi++) {
        size_t M = Ms[mi];
        int64_t ad[2] = {(int64_t)M, (int64_t)K}, od[2] = {(int64_t)M, (int64_t)N};
        cpu_tensor A = th_tensor(GRT_F32, 2, ad), O = th_tensor(GRT_F32, 2, od);
        th_fill(&A, -1, 1);
        cpu_kernel_ctx ctx = {NULL, NULL, 0, th_pool, 0, 0};
        cpu_linear_job job = {&ctx, A.data, M, N, K, W, O.data};
        grt_status st = GRT_ERROR_INTERNAL;
        int took = cpu_linear_fp(&job, &st);
        char msg[160];
        snprintf(msg, sizeof msg, "linear_fp %s M %zu N %zu K %zu isa %s onednn %d", what, M, N, K,
                 cpu_isa_name(isa), cpu_onednn_available());
        TH_CHECK(took == (isa >= CPU_ISA_AVX2), "%s: took %d", msg, took);
        if (took) {
            TH_CHECK(st == GRT_OK, "%s: status %d", msg, (int)st);
            double *a = th_values(&A), *ref = ref_linear(a, wref, M, N, K);
            th_compare(&O, ref, 4, msg);
            free(a);
            free(ref);
        }
        th_free(&A);
        th_free(&O);
    }
}

static void test_float_w(grt_element_type t, size_t N, size_t K)
{
    int64_t wd[2] = {(int64_t)N, (int64_t)K};
    cpu_tensor W = th_tensor(t, 2, wd);
    th_fill(&W, -1, 1);
    double *wref = th_values(&W);
    check_weight(&W, wref, N, K, cpu_type_name(t));
    free(wref);
    th_free(&W);
}

static void test_q_w(grt_element_type storage, size_t N, size_t K, int64_t G,
                     grt_element_type scale_type, grt_element_type zp_type)
{
    th_qw_zp_type = zp_type;
    int64_t wd[2] = {(int64_t)N, (int64_t)K};
    qw w = th_make_qw(GRT_F32, 2, wd, storage, G, scale_type);
    cpu_tensor W = w.t;
    W.comp = &w.ci;
    char what[96];
    snprintf(what, sizeof what, "%s G %lld scale %s zp %s", cpu_type_name(storage), (long long)G,
             cpu_type_name(scale_type), cpu_type_name(zp_type));
    check_weight(&W, w.ref, N, K, what);
    th_free_qw(&w);
    th_qw_zp_type = GRT_UNDEFINED;
}

static void test_weights(void)
{
    static const grt_element_type ft[] = {GRT_F32, GRT_F16, GRT_BF16};
    for (size_t t = 0; t < 3; t++) {
        test_float_w(ft[t], 37, 45);    /* odd N and K: K tail, partial tiles */
        test_float_w(ft[t], 101, 1030); /* several panels and K blocks */
        test_float_w(ft[t], 9, 80);     /* K a multiple of 16: no tail step */
    }
    static const grt_element_type st[] = {GRT_I8, GRT_U8, GRT_I4, GRT_U4};
    for (size_t s = 0; s < 4; s++) {
        int asym = st[s] == GRT_U8 || st[s] == GRT_U4;
        grt_element_type zt = asym ? st[s] : GRT_UNDEFINED;
        test_q_w(st[s], 53, 96, 96, GRT_F32, zt);     /* per channel, fast path */
        test_q_w(st[s], 51, 1024, 32, GRT_F16, zt);   /* group 32, two K blocks */
        test_q_w(st[s], 20, 256, 64, GRT_F32, zt);    /* group 64 */
        test_q_w(st[s], 19, 640, 128, GRT_F16, zt);   /* group 128, K tail block */
        test_q_w(st[s], 21, 72, 8, GRT_F16, zt);      /* group 8: portable unpacking */
        test_q_w(st[s], 7, 33, 33, GRT_F32, zt);      /* odd K: int4 rows straddle bytes */
        if (asym) {                                   /* real zero points (GGUF Q4_1 style) */
            test_q_w(st[s], 22, 128, 32, GRT_F16, GRT_F16);
            test_q_w(st[s], 9, 45, 15, GRT_F32, GRT_F32);
        }
    }
}

/* f16/bf16 rows: the AVX2 conversions must equal the portable ones bit for bit. */
static void test_rows(void)
{
    if (cpu_isa_supported() < CPU_ISA_AVX2) {
        printf("linear_fp rows: skipped, the CPU has no AVX2\n");
        return;
    }
    enum { n = 203 };
    float src[n], back[n];
    uint16_t h[2][n];
    float f[2][n];
    static const float special[] = {0.0f, -0.0f, 65504.0f, 65520.0f, 1e-8f, 6e-5f, 3e-7f,
                                    1.00048828125f, 1.0009765625f, 3.3895e38f, 1e30f};
    for (size_t i = 0; i < n; i++)
        src[i] = i < sizeof special / sizeof special[0] ? special[i] : th_randf(-1000, 1000);
    src[n - 1] = INFINITY;
    src[n - 2] = NAN;
    static const grt_element_type ts[] = {GRT_F16, GRT_BF16};
    static const size_t lens[] = {1, 7, 8, 9, 16, 31, n};
    for (size_t t = 0; t < 2; t++)
        for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++) {
            size_t len = lens[l], off = n - len; /* the specials sit in the long rows */
            for (int p = 0; p < 2; p++) {
                cpu_isa_force(p ? CPU_ISA_AVX2 : CPU_ISA_SCALAR);
                memset(h[p], 0, sizeof h[p]);
                cpu_store_row(ts[t], h[p], 0, len, len == n ? src : src + off);
                cpu_load_row(ts[t], h[p], 0, len, f[p]);
            }
            cpu_isa_force(CPU_ISA_AVX512);
            TH_CHECK(memcmp(h[0], h[1], len * 2) == 0, "store_row %s n %zu differs from portable",
                     cpu_type_name(ts[t]), len);
            TH_CHECK(memcmp(f[0], f[1], len * 4) == 0, "load_row %s n %zu differs from portable",
                     cpu_type_name(ts[t]), len);
            (void)back;
        }
}

void suite_linear_fp(void)
{
    static const cpu_isa isas[] = {CPU_ISA_SCALAR, CPU_ISA_AVX2, CPU_ISA_AVX512};
    for (size_t i = 0; i < 3; i++) {
        if (isas[i] > cpu_isa_supported()) {
            printf("linear_fp: %s path skipped, this CPU supports only %s\n", cpu_isa_name(isas[i]),
                   cpu_isa_name(cpu_isa_supported()));
            continue;
        }
        cpu_isa prev = cpu_isa_force(isas[i]);
        for (int dnn = 1; dnn >= 0; dnn--) {
            int was = cpu_onednn_enable(dnn);
            test_weights();
            cpu_onednn_enable(was);
            if (isas[i] == CPU_ISA_SCALAR)
                break; /* declines either way */
        }
        cpu_isa_force(prev);
    }
    test_rows();
}
