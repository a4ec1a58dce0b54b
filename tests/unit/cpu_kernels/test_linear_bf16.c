/*
 * tests/unit/cpu_kernels/test_linear_bf16.c - the bf16 linear path of INFERENCE_PRECISION_HINT
 * bf16 (kernels/matmul/linear_bf16.c, AMX-BF16) against a plain double reference of the same
 * arithmetic: A and W rounded to bf16 (round to nearest even), products summed exactly.
 *
 * Plain bf16 weights with bf16-exact activations are compared tightly (only the f32 sums of the
 * tiles differ from the reference); f32 / f16 weights and compressed ones (I8, U8, I4, U4; per
 * channel and groups 32 / 64 / 128; f16 / f32 scales; row-major and the plan's tiled copy) may
 * differ by one bf16 rounding of a weight (the kernel rounds the f32 value u * s - s * zp'),
 * so they get 2^-8 of sum |a w|. Shapes cover the micro-tile's tails: M 16 / 17 / 33 / 100 (a
 * second row tile of 1 row, a last group of 1 and of 4 rows), N tails inside a panel half and
 * across chunks of panels. Also: the path declines below 16 rows, for K % 32 != 0, for group
 * 16, and on every ISA below AMX (and on CPUs without AMX-BF16), and the dispatcher (cpu_linear)
 * then gives the exact f32 result; with dynamic quantization on, compressed W only from 64 rows,
 * hint or not (256 rows where the int8 GEMM runs 64-wide AMX steps); without the hint, nothing else.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/isa.h"
#include "harness.h"
#include "kernels/matmul/dq.h"
#include "kernels/matmul/linear.h"
#include "suites.h"

/* x rounded to bf16 (nearest even; inputs here are finite). */
static double bf16_round(double x)
{
    float f = (float)x;
    uint32_t u;
    memcpy(&u, &f, 4);
    u += 0x7fffu + ((u >> 16) & 1u);
    u &= 0xffff0000u;
    memcpy(&f, &u, 4);
    return f;
}

typedef struct bf_case {
    grt_element_type wtype;   /* GRT_F32 / F16 / BF16 plain, or a storage type (compressed) */
    grt_element_type scale_type;
    size_t M, N, K;
    int64_t G;                /* compressed: group size (K = per channel) */
} bf_case;

static int is_compressed(grt_element_type t)
{
    return t == GRT_I8 || t == GRT_U8 || t == GRT_I4 || t == GRT_U4;
}

/* ctx->dq_group_size and ctx->bf16 of the next cases. */
static int64_t g_dq;
static int g_hint = 1;

/* 1 when the path must take c on the active ISA: with dynamic quantization on (groups of 32
 * here), compressed W from 64 rows with or without the hint; otherwise only under the hint, from
 * 16 rows. */
static int expect_taken(const bf_case *c)
{
    const int comp = is_compressed(c->wtype);
    size_t min_m = g_hint ? 16 : SIZE_MAX;
    if (comp && g_dq > 0 && c->K % (size_t)g_dq == 0) /* in place of the int8 GEMM, whose AMX
                                                         * steps are 64 wide when gcd % 64 == 0 */
        min_m = cpu_dq_gcd((size_t)g_dq, (size_t)c->G) % 64 == 0 ? 256 : 64;
    return cpu_isa_has_amx_bf16() && c->M >= min_m && c->K % 32 == 0 &&
           (!comp || c->G % 32 == 0);
}

static void run_case(const bf_case *c, int tiled_copy)
{
    int64_t ad[2] = {(int64_t)c->M, (int64_t)c->K}, wd[2] = {(int64_t)c->N, (int64_t)c->K};
    int64_t od[2] = {(int64_t)c->M, (int64_t)c->N};
    cpu_tensor A = th_tensor(GRT_F32, 2, ad), O = th_tensor(GRT_F32, 2, od), W;
    th_fill(&A, -1, 1);
    const int comp = is_compressed(c->wtype), exact = c->wtype == GRT_BF16;
    if (exact) /* bf16-exact activations: the tight comparison */
        for (size_t i = 0; i < c->M * c->K; i++)
            th_set(&A, i, bf16_round(th_get(&A, i)));
    for (size_t i = 0; i < c->M * c->N; i++) /* every output must be written */
        ((float *)O.data)[i] = NAN;
    qw q = {0};
    double *wref;
    uint8_t *tiled = NULL;
    if (comp) {
        q = th_make_qw(GRT_F32, 2, wd, c->wtype, c->G, c->scale_type);
        W = q.t;
        W.comp = &q.ci;
        cpu_dq_w dw;
        if (tiled_copy && cpu_dq_tileable(cpu_dq_storage_bits(c->wtype), c->K) &&
            cpu_dq_weight(q.t.data, &q.ci, c->N, c->K, &dw)) {
            tiled = cpu_dq_tiled_new(&dw, NULL);
            TH_CHECK(tiled != NULL, "cpu_dq_tiled_new failed");
            W.dq_tiled = tiled;
        }
        wref = q.ref;
    } else {
        W = th_tensor(c->wtype, 2, wd);
        th_fill(&W, -0.5f, 0.5f);
        wref = th_values(&W);
    }
    cpu_kernel_ctx ctx = {NULL, NULL, 0, th_pool, g_dq, g_hint};
    cpu_linear_job job = {&ctx, A.data, c->M, c->N, c->K, &W, O.data};
    grt_status st = GRT_ERROR_INTERNAL;
    const int took = cpu_linear_bf16(&job, &st), want = expect_taken(c);
    char what[200];
    snprintf(what, sizeof what, "linear_bf16 %s%s: w %d scale %d M %zu N %zu K %zu G %lld",
             cpu_isa_name(cpu_isa_active()), tiled ? " tiled" : "", (int)c->wtype,
             (int)c->scale_type, c->M, c->N, c->K, (long long)c->G);
    TH_CHECK(took == want, "%s: took %d, expected %d", what, took, want);
    if (!took) /* the dispatcher falls back to the f32 paths (int8 ones with g_dq: own suite) */
        cpu_linear(&job, &st);
    TH_CHECK(st == GRT_OK, "%s: status %d", what, (int)st);
    double *a = th_values(&A);
    int bad = !took && g_dq > 0;
    for (size_t m = 0; m < c->M && !bad; m++)
        for (size_t n = 0; n < c->N && !bad; n++) {
            double ref = 0, mag = 0;
            for (size_t k = 0; k < c->K; k++) {
                double x = a[m * c->K + k], w = wref[n * c->K + k];
                if (took) {
                    x = bf16_round(x);
                    w = bf16_round(w);
                }
                ref += x * w;
                mag += fabs(x * w);
            }
            /* f32 sums (AMX tiles, f32 kernels): 1e-5; the kernel's own bf16 rounding of the
             * dequantized f32 weight may land one bf16 step from the reference's */
            double tol = (took && !exact ? 0.0039 : 1e-4) * mag + 1e-5 * mag + 1e-6;
            double got = th_get(&O, m * c->N + n);
            if (!(fabs(got - ref) <= tol)) {
                TH_CHECK(0, "%s: out[%zu,%zu] = %.9g, reference %.9g (tol %.3g)", what, m, n, got,
                         ref, tol);
                bad = 1;
            }
        }
    free(a);
    if (comp) {
        th_free_qw(&q);
    } else {
        free(wref);
        th_free(&W);
    }
    cpu_dq_tiled_free(tiled);
    th_free(&A);
    th_free(&O);
}

static void run_all(void)
{
    static const bf_case plain[] = {
        {GRT_BF16, 0, 16, 32, 32, 0},   {GRT_BF16, 0, 17, 37, 96, 0},
        {GRT_BF16, 0, 33, 70, 256, 0},  {GRT_BF16, 0, 100, 130, 64, 0},
        {GRT_BF16, 0, 64, 200, 2048, 0}, {GRT_F16, 0, 48, 48, 160, 0},
        {GRT_F32, 0, 20, 33, 128, 0},   {GRT_F32, 0, 16, 16, 32, 0},
    };
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
        run_case(&plain[i], 0);
    static const grt_element_type st[] = {GRT_I8, GRT_U8, GRT_I4, GRT_U4};
    static const int64_t gs[] = {32, 64, 128, 0 /* per channel */};
    for (size_t s = 0; s < 4; s++)
        for (size_t g = 0; g < 4; g++) {
            const size_t K = g == 3 ? 192 : 256;
            bf_case c = {st[s], (s + g) % 2 ? GRT_F16 : GRT_F32, g % 2 ? 33 : 17, g < 2 ? 37 : 64,
                         K, gs[g] ? gs[g] : (int64_t)K};
            run_case(&c, 0);
            run_case(&c, 1);
        }
    bf_case big = {GRT_U4, GRT_F16, 100, 150, 1024, 128};
    run_case(&big, 1);
    /* declined: too few rows, K not a multiple of 32, a group the integer kernels do not take */
    bf_case few = {GRT_BF16, 0, 15, 40, 64, 0}, k48 = {GRT_F32, 0, 20, 40, 48, 0};
    bf_case g16 = {GRT_I8, GRT_F32, 20, 40, 64, 16};
    run_case(&few, 0);
    run_case(&k48, 0);
    run_case(&g16, 0);
    /* with dynamic quantization on, compressed W from 64 rows (below, the int8 GEMM), plain W
     * from 16 still */
    bf_case dq63 = {GRT_I8, GRT_F32, 63, 40, 64, 32}, dq64 = {GRT_U4, GRT_F16, 64, 40, 64, 32};
    bf_case fp16 = {GRT_F16, 0, 16, 40, 64, 0};
    g_dq = 32;
    run_case(&dq63, 0);
    run_case(&dq64, 1);
    run_case(&fp16, 0);
    /* without the hint: compressed W in place of the int8 GEMM from 64 rows; plain W never */
    g_hint = 0;
    bf_case fp64 = {GRT_BF16, 0, 64, 40, 64, 0};
    run_case(&dq64, 0);
    run_case(&fp64, 0);
    g_dq = 0;
    run_case(&dq64, 0); /* nor compressed W without dynamic quantization */
    g_hint = 1;
    /* activation and weight groups of 128: the int8 GEMM's 64-wide steps, beaten from 256 rows */
    bf_case g128a = {GRT_U4, GRT_F16, 100, 40, 256, 128}, g128b = {GRT_I8, GRT_F32, 256, 40, 256, 128};
    g_dq = 128;
    run_case(&g128a, 1);
    run_case(&g128b, 1);
    g_dq = 0;
}

void suite_linear_bf16(void)
{
    static const cpu_isa isas[] = {CPU_ISA_AVX2, CPU_ISA_AVX512, CPU_ISA_AMX};
    for (size_t i = 0; i < 3; i++) {
        if (isas[i] > cpu_isa_supported()) {
            printf("linear_bf16: %s skipped, this CPU supports only %s\n", cpu_isa_name(isas[i]),
                   cpu_isa_name(cpu_isa_supported()));
            continue;
        }
        cpu_isa prev = cpu_isa_force(isas[i]);
        if (isas[i] == CPU_ISA_AMX && !cpu_isa_has_amx_bf16())
            printf("linear_bf16: this CPU has AMX without AMX-BF16: the path declines\n");
        run_all();
        cpu_isa_force(prev);
    }
}
