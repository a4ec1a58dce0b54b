/*
 * arch/avx512/dq_gemv_avx512.c - AVX-512 VNNI decode GEMV of the dynamic-quantization linear path
 * (kernels/matmul/dq.h): out[m, n] for M <= CPU_DQ_GEMV_MAX_M. Entered only when cpu_isa_active()
 * >= CPU_ISA_AVX512 and cpu_dq_gemv_avx2_ok() accepted the weight.
 *
 * Whole tiles of a tiled weight (mapped values, xor_mask 0) run here; everything else (row-major
 * weights, rows outside whole tiles, a short last tile) goes to the AVX2 GEMV, which computes the
 * same sums. One 64-byte load holds one unit of two consecutive rows of a tile, so the tile is read
 * as one stream and each vpdpbusd covers two rows:
 *
 * - 8-bit (tiles of 8 rows, 4 accumulators): vpdpbusd takes u8 x s8, so the s8 weight values are
 *   flipped back to u8 (v ^ 0x80 = v + 128) and the extra 128 * sum(qa) of each block is removed
 *   with the activation sums zs (linear_dq.c fills a->zs for every 8-bit weight on this path):
 *   per 64 bytes xor, vpdpbusd, cvt, fma (the block's activation scale), against six uops per
 *   32 bytes for AVX2's sign trick.
 * - 4-bit (tiles of 4 rows, 2 accumulators): u4 nibbles are already unsigned: per 64 bytes (a
 *   block pair of two rows) and, shift, and, two vpdpbusd against the even / odd activations of the
 *   pair (prepared once per call in pbuf, as the AVX2 tiled kernel does), cvt, fma.
 *
 * Lanes 0-7 of an accumulator belong to the first row of its pair, 8-15 to the second. Group
 * scales: per tile the rows' scales are converted to f32 and transposed to [group][row] in pbuf, so
 * a group's scale vector for a row pair is one vpermps; per channel they are applied once per row
 * at the end, larger groups once per group (a float accumulator per group), group 32 per block.
 * Zero points: per row after the dot, sum_g sw * (zp + 128 for 8-bit) * zs.
 *
 * Reentrant, no allocation (pbuf: the caller's scratch, cpu_dq_pbuf_floats); writes only
 * out[m * ldo + n] for n in [n0, n1).
 */
#include <immintrin.h>
#include <string.h>

#include "arch/avx2/convert_avx2.h"
#include "arch/avx2/dq_gemv_avx2.h"

#define T8 CPU_DQ_TILE8
#define T4 CPU_DQ_TILE4
/* Software prefetch distance in the tile stream (as the AVX2 kernel; see docs/PERF.md). */
#define PF_BYTES 2048

/* One pair of activation blocks (b, b + 1) of one row, as the 4-bit kernel reads it. */
typedef struct pair512 {
    int8_t xe[32]; /* [block b even elements | block b+1 even elements] */
    int8_t xo[32]; /* the odd ones */
    float s[16];   /* [sa_b x4 | sa_b+1 x4] twice (one per row of a row pair) */
} pair512;

static void prep_pairs(const cpu_dq_act *a, size_t m, pair512 *P)
{
    const int8_t *xq = a->q + m * a->K;
    const float *sa = a->sa + m * a->nb;
    for (size_t p = 0; p < a->nb / 2; p++) {
        /* a perm4 block is [16 even | 16 odd] */
        memcpy(P[p].xe, xq + 64 * p, 16);
        memcpy(P[p].xe + 16, xq + 64 * p + 32, 16);
        memcpy(P[p].xo, xq + 64 * p + 16, 16);
        memcpy(P[p].xo + 16, xq + 64 * p + 48, 16);
        for (int i = 0; i < 16; i++)
            P[p].s[i] = sa[2 * p + (i / 4) % 2];
    }
}

/* Group scales of rows [n, n + T) as f32, transposed: dst[g * T + r]. */
static void tile_scales_t(const cpu_dq_w *w, size_t n, int T, float *dst)
{
    const size_t ngw = w->ngw;
    for (int r = 0; r < T; r++) {
        size_t base = (n + (size_t)r) * ngw;
        if (w->scales_f16) {
            const uint16_t *s = (const uint16_t *)w->scales + base;
            for (size_t g = 0; g < ngw; g += 16) {
                float t[16];
                size_t c = ngw - g < 16 ? ngw - g : 16;
                cpu_avx2_f16_to_f32(s + g, c, t);
                for (size_t i = 0; i < c; i++)
                    dst[(g + i) * (size_t)T + (size_t)r] = t[i];
            }
        } else {
            const float *s = (const float *)w->scales + base;
            for (size_t g = 0; g < ngw; g++)
                dst[g * (size_t)T + (size_t)r] = s[g];
        }
    }
}

/* Index vectors picking, from up to 8 floats, [x_i x8 | x_j x8]. */
static inline __m512i idx_halves(int i, int j)
{
    return _mm512_inserti64x4(_mm512_set1_epi32(i), _mm256_set1_epi32(j), 1);
}

/* One 8-bit tile (8 rows from wt) x activation row (xq, sa): acc[i] holds rows 2i (lanes 0-7) and
 * 2i + 1 (lanes 8-15), scaled, zero points not yet subtracted. swt: [ngw][8] scales. */
static inline __attribute__((always_inline)) void tile8(const int8_t *xq, const float *sa,
                                                        size_t ngw, size_t bpg, const uint8_t *wt,
                                                        const float *swt, __m512 acc[4])
{
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    for (int i = 0; i < 4; i++)
        acc[i] = _mm512_setzero_ps();
    for (size_t g = 0, b = 0; g < ngw; g++) {
        __m512 gacc[4];
        for (int i = 0; i < 4; i++)
            gacc[i] = _mm512_setzero_ps();
        for (size_t e = b + bpg; b < e; b++, wt += 32 * T8) {
            __m512i x = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(xq + 32 * b)));
            __m512 s = _mm512_set1_ps(sa[b]);
            for (int i = 0; i < 4; i++) {
                _mm_prefetch((const char *)wt + PF_BYTES + 64 * i, _MM_HINT_T0);
                __m512i v = _mm512_xor_si512(_mm512_loadu_si512(wt + 64 * i), flip);
                __m512i d = _mm512_dpbusd_epi32(_mm512_setzero_si512(), v, x);
                gacc[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d), s, gacc[i]);
            }
        }
        __m512 sg = _mm512_castps256_ps512(_mm256_loadu_ps(swt + g * T8));
        for (int i = 0; i < 4; i++)
            acc[i] = _mm512_fmadd_ps(
                gacc[i], _mm512_permutexvar_ps(idx_halves(2 * i, 2 * i + 1), sg), acc[i]);
    }
}

/* u4 pair of two rows (64 bytes at src) x activation pair -> 16 int32 lanes. */
static inline __attribute__((always_inline)) __m512i dot4(const uint8_t *src, __m512i xe,
                                                          __m512i xo)
{
    const __m512i lo4 = _mm512_set1_epi8(0x0f);
    __m512i v = _mm512_loadu_si512(src);
    __m512i lo = _mm512_and_si512(v, lo4);
    __m512i hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), lo4);
    return _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), lo, xe), hi, xo);
}

/* One 4-bit tile (4 rows from wt) x activation pairs P: acc[i] holds rows 2i, 2i + 1. swt:
 * [ngw][4] scales. */
static inline __attribute__((always_inline)) void tile4(const pair512 *P, size_t np, size_t ngw,
                                                        size_t bpg, const uint8_t *wt,
                                                        const float *swt, __m512 acc[2])
{
    for (int i = 0; i < 2; i++)
        acc[i] = _mm512_setzero_ps();
    if (bpg == 1) { /* group 32: pair p spans groups 2p, 2p + 1 */
        /* lanes: row 2i block b | row 2i block b+1 | row 2i+1 block b | row 2i+1 block b+1 from
         * [g0: r0 r1 r2 r3 | g1: r0 r1 r2 r3] */
        const __m512i i0 = _mm512_setr_epi32(0, 0, 0, 0, 4, 4, 4, 4, 1, 1, 1, 1, 5, 5, 5, 5);
        const __m512i i1 = _mm512_add_epi32(i0, _mm512_set1_epi32(2));
        for (size_t p = 0; p < np; p++, wt += 32 * T4) {
            __m512i xe = _mm512_broadcast_i64x4(_mm256_load_si256((const __m256i *)P[p].xe));
            __m512i xo = _mm512_broadcast_i64x4(_mm256_load_si256((const __m256i *)P[p].xo));
            __m512 s = _mm512_load_ps(P[p].s);
            __m512 sg = _mm512_castps256_ps512(_mm256_loadu_ps(swt + 2 * p * T4));
            _mm_prefetch((const char *)wt + PF_BYTES, _MM_HINT_T0);
            _mm_prefetch((const char *)wt + PF_BYTES + 64, _MM_HINT_T0);
            acc[0] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot4(wt, xe, xo)),
                                     _mm512_mul_ps(s, _mm512_permutexvar_ps(i0, sg)), acc[0]);
            acc[1] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot4(wt + 64, xe, xo)),
                                     _mm512_mul_ps(s, _mm512_permutexvar_ps(i1, sg)), acc[1]);
        }
        return;
    }
    const size_t ppg = bpg / 2; /* pairs per group */
    for (size_t g = 0, p = 0; g < ngw; g++) {
        __m512 gacc[2] = {_mm512_setzero_ps(), _mm512_setzero_ps()};
        for (size_t e = p + ppg; p < e; p++, wt += 32 * T4) {
            __m512i xe = _mm512_broadcast_i64x4(_mm256_load_si256((const __m256i *)P[p].xe));
            __m512i xo = _mm512_broadcast_i64x4(_mm256_load_si256((const __m256i *)P[p].xo));
            __m512 s = _mm512_load_ps(P[p].s);
            _mm_prefetch((const char *)wt + PF_BYTES, _MM_HINT_T0);
            _mm_prefetch((const char *)wt + PF_BYTES + 64, _MM_HINT_T0);
            gacc[0] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot4(wt, xe, xo)), s, gacc[0]);
            gacc[1] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot4(wt + 64, xe, xo)), s, gacc[1]);
        }
        __m512 sg = _mm512_castps128_ps512(_mm_loadu_ps(swt + g * T4));
        acc[0] = _mm512_fmadd_ps(gacc[0], _mm512_permutexvar_ps(idx_halves(0, 1), sg), acc[0]);
        acc[1] = _mm512_fmadd_ps(gacc[1], _mm512_permutexvar_ps(idx_halves(2, 3), sg), acc[1]);
    }
}

/* acc[0 .. T/2) of rows [n, n + T) x activation row m: zero points, lane sums, stores. */
static void store_tile(const cpu_dq_act *a, const cpu_dq_w *w, size_t n, size_t m, const int T,
                       const __m512 *acc, const float *swt, float *out, size_t ldo)
{
    const size_t ngw = w->ngw;
    const float *zs = a->zs + m * ngw;
    __m256 r8[T8];
    for (int i = 0; i < T / 2; i++) {
        r8[2 * i] = _mm512_castps512_ps256(acc[i]);
        r8[2 * i + 1] = _mm512_extractf32x8_ps(acc[i], 1);
    }
    for (int r = 0; r < T; r++) {
        __m256 c = w->has_zp ? dqg_zp_correction(w, n + (size_t)r, zs) : _mm256_setzero_ps();
        if (w->bits == 8) { /* the + 128 of the u8 flip */
            float s = 0.0f;
            for (size_t g = 0; g < ngw; g++)
                s += swt[g * (size_t)T + (size_t)r] * zs[g];
            c = _mm256_add_ps(c, _mm256_setr_ps(128.0f * s, 0, 0, 0, 0, 0, 0, 0));
        }
        r8[r] = _mm256_sub_ps(r8[r], c);
    }
    for (int r0 = 0; r0 < T; r0 += 4)
        _mm_storeu_ps(out + m * ldo + n + (size_t)r0, dqg_hsum4(r8 + r0));
}

static size_t pbuf_floats(const cpu_dq_act *a, const cpu_dq_w *w)
{
    if (w->bits == 4)
        return a->M * (a->nb / 2) * (sizeof(pair512) / sizeof(float)) + T4 * w->ngw;
    return T8 * w->ngw;
}

/* Whole tiles [n0, n1) (n0 % T == 0, n1 % T == 0 or n1 == N with whole tiles only). */
static void tiles(const cpu_dq_act *a, const cpu_dq_w *w, size_t n0, size_t n1, float *out,
                  size_t ldo, float *pbuf)
{
    const size_t nb = a->nb, ngw = w->ngw, bpg = w->G / CPU_DQ_BLOCK, rb = cpu_dq_row_bytes(w);
    if (w->bits == 4) {
        const size_t np = nb / 2;
        pair512 *P = (pair512 *)pbuf; /* [M][np], 64-byte aligned (scratch is) */
        float *swt = pbuf + a->M * np * (sizeof(pair512) / sizeof(float));
        for (size_t m = 0; m < a->M; m++)
            prep_pairs(a, m, P + m * np);
        for (size_t n = n0; n + T4 <= n1; n += T4) {
            tile_scales_t(w, n, T4, swt);
            for (size_t m = 0; m < a->M; m++) {
                __m512 acc[2];
                tile4(P + m * np, np, ngw, bpg, w->data + n * rb, swt, acc);
                store_tile(a, w, n, m, T4, acc, swt, out, ldo);
            }
        }
        return;
    }
    float *swt = pbuf;
    for (size_t n = n0; n + T8 <= n1; n += T8) {
        tile_scales_t(w, n, T8, swt);
        for (size_t m = 0; m < a->M; m++) {
            __m512 acc[4];
            tile8(a->q + m * a->K, a->sa + m * nb, ngw, bpg, w->data + n * rb, swt, acc);
            store_tile(a, w, n, m, T8, acc, swt, out, ldo);
        }
    }
}

void cpu_dq_gemv_avx512(const cpu_dq_act *a, const cpu_dq_w *w, size_t n0, size_t n1, float *out,
                        size_t ldo, float *pbuf)
{
    if (w->tile == 0 || w->xor_mask != 0 || a->zs == NULL ||
        pbuf_floats(a, w) > cpu_dq_pbuf_floats(w)) {
        cpu_dq_gemv_avx2(a, w, n0, n1, out, ldo, pbuf);
        return;
    }
    /* rows before the first whole tile, the whole tiles, the rest (a short last tile) */
    size_t t0, t1;
    cpu_dq_tile_split(n0, n1, (size_t)w->tile, &t0, &t1);
    if (n0 < t0)
        cpu_dq_gemv_avx2(a, w, n0, t0, out, ldo, pbuf);
    if (t0 < t1)
        tiles(a, w, t0, t1, out, ldo, pbuf);
    if (t1 < n1)
        cpu_dq_gemv_avx2(a, w, t1, n1, out, ldo, pbuf);
}
