/*
 * tests/unit/cpu_kernels/test_linear_dq.c - the dynamic-quantization linear path (kernels/matmul/
 * linear_dq.c) through the MatMul kernel with DYNAMIC_QUANTIZATION_GROUP_SIZE set: compressed W
 * (I8, U8, I4, U4; u8/u4/f16/f32 zero points; per channel and groups 32/64/128; f16/f32 scales)
 * times A quantized per group, against a plain double reference (dequantized W x dequantized
 * quantized A), for each ISA path forced in turn. Also checks that jobs the path declines (group
 * 48, activation group not dividing K) fall back to the f32 path. Every case runs with the weight
 * in row-major order and again with the plan's tiled copy (dq.h), and the tiled layout is checked
 * block by block against the original.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/isa.h"
#include "harness.h"
#include "kernels/fp16.h"
#include "kernels/matmul/dq.h"
#include "kernels/matmul/linear.h"
#include "suites.h"

/* Plain reference of the activation quantization: aq[i] = q * scale per group of ga. */
static void ref_quant(const double *a, size_t M, size_t K, size_t ga, double *aq)
{
    for (size_t m = 0; m < M; m++)
        for (size_t g0 = 0; g0 < K; g0 += ga) {
            const double *x = a + m * K + g0;
            float amax = 0.0f;
            for (size_t i = 0; i < ga; i++)
                amax = fmaxf(amax, fabsf((float)x[i]));
            float scale = amax / 127.0f, inv = amax > 0.0f ? 127.0f / amax : 0.0f;
            for (size_t i = 0; i < ga; i++) {
                long q = lrintf((float)x[i] * inv);
                q = q > 127 ? 127 : q < -127 ? -127 : q;
                aq[m * K + g0 + i] = (double)q * (double)scale;
            }
        }
}

/* Fills A [M, K]: random, with row 1 zero, row 2 large, row 3 a single spike (when present). */
static void fill_a(cpu_tensor *A, size_t M, size_t K, int extreme)
{
    th_fill(A, -1, 1);
    if (!extreme)
        return;
    for (size_t k = 0; k < K; k++) {
        if (M > 1)
            th_set(A, K + k, 0.0);
        if (M > 2)
            th_set(A, 2 * K + k, th_get(A, 2 * K + k) * 1e4);
        if (M > 3)
            th_set(A, 3 * K + k, k == K / 2 ? -3.0 : 0.0);
    }
    for (size_t k = 0; k < K && M > 4; k++)
        th_set(A, 4 * K + k, -1.0); /* every q = -127 */
}

/* Sets every stored weight to the extreme values of its type and recomputes w->ref. */
static void extreme_w(qw *w, grt_element_type storage, size_t N, size_t K, int64_t G)
{
    int four = storage == GRT_I4 || storage == GRT_U4;
    size_t n = N * K;
    cpu_tensor s = {.type = w->ci.scale_type, .data = w->scales, .bytes = w->ci.scales_bytes};
    for (size_t i = 0; i < n; i++) {
        int q = storage == GRT_I8 ? ((i / 3) % 2 ? 127 : -128)
                : storage == GRT_U8 ? ((i / 3) % 2 ? 255 : 0)
                : storage == GRT_I4 ? ((i / 3) % 2 ? 7 : -8)
                                    : ((i / 3) % 2 ? 15 : 0);
        if (four) {
            uint8_t *p = w->t.data, nib = (uint8_t)(q & 0xf);
            p[i >> 1] = (uint8_t)((i & 1) ? (p[i >> 1] & 0x0f) | (nib << 4)
                                          : (p[i >> 1] & 0xf0) | nib);
        } else {
            ((uint8_t *)w->t.data)[i] = (uint8_t)q;
        }
        size_t g = (i / K) * (K / (size_t)G) + (i % K) / (size_t)G;
        double z = 0;
        if (w->ci.kind == GRT_COMPRESSION_ASYM) {
            cpu_tensor zt = {.type = w->ci.zero_point_type, .data = w->zps};
            z = w->ci.zero_point_type == GRT_F16 || w->ci.zero_point_type == GRT_F32 ? th_get(&zt, g)
                : four ? (((uint8_t *)w->zps)[g >> 1] >> ((g & 1) * 4)) & 0xf
                       : ((uint8_t *)w->zps)[g];
        }
        w->ref[i] = ((double)q - z) * th_get(&s, g);
    }
}

/* 1: run_case gives the kernel W in the tiled layout too (cpu_dq_tiled_new, as the plan does). */
static int use_tiled;

typedef struct dq_case {
    grt_element_type storage, scale_type;
    size_t M, N, K;
    int64_t G, ga;
    int extreme;
} dq_case;

/* Runs MatMul(A, W^T) with dq group c->ga; `quantized` = expect the int8-activation result (else
 * the f32 result of a declined job). */
static void run_case(const dq_case *c, int quantized)
{
    th_attr_reset();
    th_attr_int("transpose_b", 1);
    int64_t ad[2] = {(int64_t)c->M, (int64_t)c->K}, wd[2] = {(int64_t)c->N, (int64_t)c->K};
    int64_t od[2] = {(int64_t)c->M, (int64_t)c->N};
    cpu_tensor A = th_tensor(GRT_F32, 2, ad), O = th_tensor(GRT_F32, 2, od);
    fill_a(&A, c->M, c->K, c->extreme);
    for (size_t i = 0; i < c->M * c->N; i++) /* a kernel that adds to out before storing fails */
        ((float *)O.data)[i] = NAN;
    qw w = th_make_qw(GRT_F32, 2, wd, c->storage, c->G, c->scale_type);
    if (c->extreme)
        extreme_w(&w, c->storage, c->N, c->K, c->G);
    cpu_tensor W = w.t;
    W.comp = &w.ci;
    uint8_t *tiled = NULL;
    if (use_tiled && cpu_dq_tileable(cpu_dq_storage_bits(c->storage), c->K)) {
        cpu_dq_w dw; /* a weight the path declines gets no copy (as in the plan) */
        if (cpu_dq_weight(w.t.data, &w.ci, c->N, c->K, &dw)) {
            tiled = cpu_dq_tiled_new(&dw, NULL);
            TH_CHECK(tiled != NULL, "cpu_dq_tiled_new failed (N %zu K %zu)", c->N, c->K);
            W.dq_tiled = tiled;
        }
    }
    th_dq_group_size = c->ga;
    grt_status st = th_run(GRT_OP_MATMUL, (cpu_tensor[]){A, W}, 2, &O, 1);
    th_dq_group_size = 0;
    char what[160];
    snprintf(what, sizeof what,
             "dq %s%s: storage %d scale %d zp %d M %zu N %zu K %zu G %lld ga %lld extreme %d",
             cpu_isa_name(cpu_isa_active()), tiled ? " tiled" : "", c->storage, c->scale_type,
             (int)w.ci.zero_point_type, c->M, c->N, c->K, (long long)c->G, (long long)c->ga,
             c->extreme);
    TH_CHECK(st == GRT_OK, "%s failed: %s", what, th_last_error());
    double *a = th_values(&A), *aq = malloc(sizeof(double) * (c->M * c->K + 1));
    if (quantized)
        ref_quant(a, c->M, c->K, (size_t)c->ga, aq);
    else
        memcpy(aq, a, sizeof(double) * c->M * c->K);
    int bad = 0;
    for (size_t m = 0; m < c->M && !bad; m++)
        for (size_t n = 0; n < c->N && !bad; n++) {
            double ref = 0, mag = 0, wmax = 0, amag = 0;
            for (size_t k = 0; k < c->K; k++) {
                double t = w.ref[n * c->K + k] * aq[m * c->K + k];
                ref += t;
                mag += fabs(t);
                wmax = fmax(wmax, fabs(w.ref[n * c->K + k]));
                amag += fabs(aq[m * c->K + k]);
            }
            /* the zero-point term (zp * scale * sum a) cancels in float: |value| 0 at q = zp does
             * not make the rounding 0, so the row's weight range scales part of the tolerance */
            mag += 0.1 * wmax * amag;
            double got = th_get(&O, m * c->N + n), tol = (quantized ? 2e-5 : 1e-4) * mag + 1e-6;
            if (!(fabs(got - ref) <= tol)) { /* NaN fails too */
                TH_CHECK(0, "%s: out[%zu,%zu] = %.9g, reference %.9g (tol %.3g)", what, m, n, got,
                         ref, tol);
                bad = 1;
            }
        }
    free(a);
    free(aq);
    cpu_dq_tiled_free(tiled);
    th_free_qw(&w);
    th_free(&A);
    th_free(&O);
}

/* GEMM cases (arch/avx2/dq_avx2.c: panels of 16 W rows x micro-tiles of 4 activation rows):
 * M tails 4 / 5 / 8 / 13 / 512 (and 6, 7, 9, 17 elsewhere), N tails (37, 19, 3, ...), per-token
 * activation groups (ga = K), activation and weight groups sharing runs of 1 / 2 / 3 / 4 / 8 / 12
 * / 128 blocks, runs not aligned to the larger group (ga 192, G 128). */
static void run_gemm_cases(grt_element_type storage)
{
    static const size_t ms[] = {4, 8, 13};
    static const int64_t gs[] = {32, 128, 0}, gas[] = {32, 128, 256 /* = K, per token */};
    for (size_t i = 0; i < 3; i++)
        for (size_t g = 0; g < 3; g++) {
            dq_case c = {storage, (i + g) % 2 ? GRT_F16 : GRT_F32, ms[i], 37, 256,
                         gs[g] ? gs[g] : 256, gas[(i + g) % 3], (int)(i == 2)};
            run_case(&c, 1);
        }
    dq_case big = {storage, GRT_F16, 512, 19, 128, 64, 128, 0};
    /* AMX row groups of 16 (cpu_dq_amx_takes): whole; a last group of 15 rows and short panel
     * halves; a last group of one row (129); M 33 goes to the AVX-512 GEMM instead (32-wide
     * units); with 64-wide units M 8 and 13 above (G = ga = 128) take AMX with one short group */
    dq_case t16 = {storage, GRT_F32, 16, 40, 192, 64, 32, 0};
    dq_case t47 = {storage, GRT_F16, 47, 70, 320, 32, 64, 1};
    dq_case t129 = {storage, GRT_F32, 129, 21, 128, 128, 64, 0};
    dq_case t33 = {storage, GRT_F16, 33, 9, 96, 96, 32, 0};
    run_case(&t16, 1);
    run_case(&t47, 1);
    run_case(&t129, 1);
    run_case(&t33, 1);
    TH_CHECK(!cpu_dq_amx_takes(15, 32) && cpu_dq_amx_takes(16, 32) && !cpu_dq_amx_takes(17, 32) &&
                 cpu_dq_amx_takes(47, 32) && !cpu_dq_amx_takes(40, 32) &&
                 cpu_dq_amx_takes(129, 32) && !cpu_dq_amx_takes(7, 64) && cpu_dq_amx_takes(8, 64) &&
                 cpu_dq_amx_takes(17, 64),
             "cpu_dq_amx_takes: 32-wide units whole groups, at most an eighth padding; 64-wide "
             "from 8 rows");
    dq_case chunk = {storage, GRT_F32, 5, 3, 4096, 4096, 4096, 0};
    dq_case mix = {storage, GRT_F32, 6, 17, 384, 128, 96, 1}; /* span = gcd(96, 128) = 32 */
    dq_case odd = {storage, GRT_F16, 8, 11, 384, 128, 192, 1}; /* sp = 2, unaligned */
    dq_case three = {storage, GRT_F32, 4, 9, 576, 192, 96, 0};  /* sp = 3 */
    dq_case twelve = {storage, GRT_F16, 9, 7, 384, 384, 384, 1}; /* sp = 12 > 8 */
    run_case(&big, 1);
    run_case(&chunk, 1);
    run_case(&mix, 1);
    run_case(&odd, 1);
    run_case(&three, 1);
    run_case(&twelve, 1);
}

static void run_isa(void)
{
    static const grt_element_type st[] = {GRT_I8, GRT_U8, GRT_I4, GRT_U4};
    static const size_t ms[] = {1, 2, 5, 17, 64};
    static const int64_t gs[] = {32, 64, 128, 0 /* per channel */};
    static const int64_t gas[] = {32, 64, 128};
    for (size_t s = 0; s < 4; s++) {
        grt_element_type scale = s % 2 ? GRT_F16 : GRT_F32;
        for (size_t g = 0; g < 4; g++)
            for (size_t i = 0; i < 5; i++) {
                dq_case c = {st[s], (i + g) % 2 ? GRT_F16 : GRT_F32, ms[i], 37, 256,
                             gs[g] ? gs[g] : 256, gas[(i + g) % 3], 0};
                run_case(&c, 1);
            }
        /* K edges: one block, three blocks (activation group 96), 20 blocks with groups 128/64 */
        dq_case e1 = {st[s], scale, 3, 5, 32, 32, 32, 0};
        dq_case e2 = {st[s], scale, 2, 9, 96, 32, 96, 0};
        dq_case e3 = {st[s], scale, 6, 33, 640, 128, 64, 0};
        dq_case e4 = {st[s], scale, 7, 31, 640, 640, 32, 1};
        run_case(&e1, 1);
        run_case(&e2, 1);
        run_case(&e3, 1);
        run_case(&e4, 1);
        /* decode with an odd number of weight groups (3) and f16 scales: tile parameters */
        dq_case e5 = {st[s], GRT_F16, 1, 21, 192, 64, 64, 0};
        run_case(&e5, 1);
        run_gemm_cases(st[s]);
        /* extremes: zero / huge / spike rows, weights at the ends of their range */
        for (size_t g = 0; g < 4; g++) {
            dq_case x = {st[s], scale, 5, 19, 256, gs[g] ? gs[g] : 256, 32, 1};
            run_case(&x, 1);
        }
    }
    /* real-valued (f16 / f32) and default zero points */
    static const grt_element_type zts[] = {GRT_F16, GRT_F32};
    for (size_t z = 0; z < 2; z++) {
        th_qw_zp_type = zts[z];
        for (size_t s = 1; s < 4; s += 2) {
            dq_case c = {st[s], GRT_F16, 5, 21, 256, 64, 32, 0};
            dq_case x = {st[s], GRT_F32, 5, 21, 256, 256, 128, 1};
            dq_case g1 = {st[s], GRT_F16, 1, 21, 256, 256, 32, 0}; /* decode, per channel */
            dq_case g2 = {st[s], GRT_F32, 2, 45, 256, 32, 64, 1};  /* decode, group 32 */
            run_case(&c, 1);
            run_case(&x, 1);
            run_case(&g1, 1);
            run_case(&g2, 1);
        }
        th_qw_zp_type = GRT_UNDEFINED;
    }
    /* declines fall back to the f32 path: weight group 48, activation group 48 / not dividing K */
    dq_case d1 = {GRT_I4, GRT_F16, 3, 7, 192, 48, 32, 0};
    dq_case d2 = {GRT_U8, GRT_F32, 3, 7, 192, 64, 48, 0};
    dq_case d3 = {GRT_I8, GRT_F32, 2, 7, 192, 64, 128, 0};
    run_case(&d1, 0);
    run_case(&d2, 0);
    run_case(&d3, 0);
}

/* The tiled layout itself: every block of every row, found through cpu_dq_block, holds the bytes
 * of the row-major original mapped by the storage type's xor (N with a short last tile, one row,
 * exactly one tile). */
static void check_tiling(grt_element_type storage, size_t N, size_t K)
{
    int bits = cpu_dq_storage_bits(storage);
    uint8_t xr = cpu_dq_storage_xor(storage);
    size_t rb = bits == 8 ? K : K / 2, bb = bits == 8 ? 32 : 16;
    uint8_t *src = malloc(N * rb), *mapped = malloc(N * rb);
    for (size_t i = 0; i < N * rb; i++) {
        src[i] = (uint8_t)(i * 131 + i / 977);
        mapped[i] = src[i] ^ xr;
    }
    cpu_dq_w r = {.data = src, .bits = bits, .xor_mask = xr, .N = N, .K = K, .G = K, .ngw = 1};
    uint8_t *t = cpu_dq_tiled_new(&r, NULL);
    TH_CHECK(t != NULL, "cpu_dq_tiled_new(storage %d, N %zu, K %zu) failed", storage, N, K);
    cpu_dq_w w = r;
    cpu_dq_tiled_view(&w, t);
    TH_CHECK(w.tparams == NULL && w.xor_mask == 0 && w.tile == cpu_dq_tile_rows(bits),
             "tiled view of storage %d: f32 scales, no tile parameters", storage);
    int bad = 0;
    for (size_t n = 0; t && n < N && !bad; n++)
        for (size_t b = 0; b < K / 32 && !bad; b++)
            if (memcmp(cpu_dq_block(&w, n, b), mapped + n * rb + b * bb, bb) != 0 ||
                cpu_dq_block(&r, n, b) != src + n * rb + b * bb) {
                TH_CHECK(0, "tiled storage %d N %zu K %zu: row %zu block %zu differs", storage, N,
                         K, n, b);
                bad = 1;
            }
    cpu_dq_tiled_free(t);
    free(mapped);
    free(src);
}

/* The tile parameters (dq.h) of a weight with f16 scales: each row's scale bits and zero point
 * (cpu_dq_row_params' mapped value, + 128 at 8 bits) at [tile][g][row in tile], zero past N. */
static void check_tparams(grt_element_type storage, grt_element_type zt, size_t N, size_t K,
                          int64_t G)
{
    int64_t wd[2] = {(int64_t)N, (int64_t)K};
    qw q = th_make_qw(GRT_F32, 2, wd, storage, G, GRT_F16);
    grt_compression_info ci = q.ci;
    if (zt == GRT_F16) { /* the same zero points as f16 */
        size_t n = N * (K / (size_t)G);
        uint16_t *z = malloc(sizeof(uint16_t) * n);
        for (size_t i = 0; i < n; i++)
            z[i] = cpu_f32_to_f16((float)(i % 16));
        ci.zero_points = z;
        ci.zero_point_type = GRT_F16;
    }
    cpu_dq_w w;
    TH_CHECK(cpu_dq_weight(q.t.data, &ci, N, K, &w), "cpu_dq_weight(storage %d)", storage);
    uint8_t *t = cpu_dq_tiled_new(&w, NULL);
    cpu_dq_w v = w;
    cpu_dq_tiled_view(&v, t);
    const size_t T = (size_t)v.tile, ngw = w.ngw;
    TH_CHECK(t != NULL && (v.tparams != NULL) == (zt != GRT_F16),
             "tile parameters of storage %d zp %d present only for f16 scales and u8/u4 zps",
             storage, zt);
    float *sw = malloc(sizeof(float) * 2 * ngw), *zp = sw + ngw;
    int bad = 0;
    for (size_t n = 0; v.tparams && n < (N + T - 1) / T * T && !bad; n++) {
        const uint8_t *blk = v.tparams + (n - n % T) * ngw * 3;
        if (n < N)
            cpu_dq_row_params(&w, n, sw, zp);
        for (size_t g = 0; g < ngw && !bad; g++) {
            uint16_t s16;
            memcpy(&s16, blk + 2 * (g * T + n % T), 2);
            uint8_t z = blk[2 * T * ngw + g * T + n % T];
            float wz = n < N ? zp[g] + (w.bits == 8 ? 128.0f : 0.0f) : 0.0f;
            if (cpu_f16_to_f32(s16) != (n < N ? sw[g] : 0.0f) || (float)z != wz) {
                TH_CHECK(0, "tparams storage %d N %zu K %zu: row %zu group %zu: %g / %u", storage,
                         N, K, n, g, cpu_f16_to_f32(s16), z);
                bad = 1;
            }
        }
    }
    free(sw);
    if (zt == GRT_F16)
        free((void *)(uintptr_t)ci.zero_points);
    cpu_dq_tiled_free(t);
    th_free_qw(&q);
}

void suite_linear_dq(void)
{
    static const cpu_isa isas[] = {CPU_ISA_SCALAR, CPU_ISA_AVX2, CPU_ISA_AVX512, CPU_ISA_AMX};
    static const size_t ns[] = {1, 4, 8, 37};
    for (size_t i = 0; i < 4; i++) {
        check_tiling(GRT_U8, ns[i], 96);
        check_tiling(GRT_I8, ns[i], 96);
        check_tiling(GRT_U4, ns[i], 128);
        check_tiling(GRT_I4, ns[i], 128);
    }
    TH_CHECK(!cpu_dq_tileable(4, 96) && cpu_dq_tileable(8, 96), "tileable: K of whole units");
    grt_compression_info f16c = {.kind = GRT_COMPRESSION_SYM, .storage_type = GRT_F16,
                                 .scale_type = GRT_F16, .group_size = 64};
    cpu_dq_w fw;
    TH_CHECK(!cpu_dq_weight("", &f16c, 1, 64, &fw), "cpu_dq_weight: declines F16 storage");
    f16c.storage_type = GRT_I8;
    f16c.group_size = 0;
    TH_CHECK(!cpu_dq_weight("", &f16c, 1, 64, &fw), "cpu_dq_weight: declines group size 0");
    fw = (cpu_dq_w){.data = (const uint8_t *)"", .bits = 4, .N = 1, .K = 96, .G = 96, .ngw = 1};
    TH_CHECK(cpu_dq_tiled_new(&fw, NULL) == NULL, "cpu_dq_tiled_new: declines K 96 at 4 bits");
    for (size_t i = 0; i < 4; i++) {
        check_tparams(GRT_U8, GRT_U8, ns[i], 128, 32);
        check_tparams(GRT_I8, GRT_UNDEFINED, ns[i], 96, 96);
        check_tparams(GRT_U4, GRT_U4, ns[i], 256, 64);
        check_tparams(GRT_I4, GRT_UNDEFINED, ns[i], 128, 32);
        check_tparams(GRT_U4, GRT_F16, ns[i], 128, 32); /* float zero points: none */
    }
    /* the int8 kernels at every M: the bf16 GEMM that replaces them for prompts on AMX-BF16
     * CPUs (linear_bf16.c) has its own suite */
    int bf16_was = cpu_linear_bf16_enable(0);
    for (size_t i = 0; i < 4; i++) {
        if (isas[i] > cpu_isa_supported()) {
            printf("skip %s: not offered here (CPU, OS or GENRT_CPU_ISA)\n", cpu_isa_name(isas[i]));
            continue;
        }
        cpu_isa prev = cpu_isa_force(isas[i]);
        for (use_tiled = 0; use_tiled < 2; use_tiled++) /* row-major, then tiled weights */
            run_isa();
        use_tiled = 0;
        cpu_isa_force(prev);
    }
    cpu_linear_bf16_enable(bf16_was);
}
