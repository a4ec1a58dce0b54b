/*
 * arch/avx2/dq_gemv_avx2.c - AVX2 decode kernel (few activation rows) of the
 * dynamic-quantization linear path: out[m, n] for M <= CPU_DQ_GEMV_MAX_M (see
 * kernels/matmul/dq.h for the formula and layouts). Entered only when
 * cpu_isa_active() >= AVX2 and cpu_dq_gemv_avx2_ok() accepted the weight.
 *
 * Streams tiles of 8 (8-bit) or 4 (4-bit) W rows; each activation block is loaded once per tile.
 * Weights in the tiled layout (dq.h; the tile heights are these) are read as one sequential
 * stream per tile, row-major ones as one stream per row.
 * Group parameters are read in the loop straight from the compressed weight
 * (F16C for f16 scales, in registers), so nothing is expanded per row into
 * memory.
 *
 * 4-bit weights, per PAIR of 32-blocks (b, b+1) and W row: one 32-byte load
 * holds both blocks; low nibbles = [b even | b+1 even], high nibbles (>> 4) =
 * [b odd | b+1 odd], matched by the activation pair regrouped once per tile
 * (vperm2i128). u4 x s8 products of the two halves are added as int16 (2 * 2 *
 * 15 * 127 < 32767) and summed to 8 int32 by one vpmaddwd: lanes 0-3 are block
 * b, 4-7 block b+1, scaled by [sa_b x4 | sa_b+1 x4]. That is 10 vector uops per
 * pair (5 per block) before the per-group scale: xor, and x2, shift, maddubs
 * x2, add, madd, cvt, fma. Group size 32 (one group per block): the pair's
 * scale vector is [sw_g x4 | sw_g+1 x4] (vcvtph2ps of two f16 + vpermps) and
 * applied per pair; larger groups (even number of blocks) accumulate in float
 * per group and apply the broadcast scale once per group. 8-bit weights: per
 * block, s8 via the sign trick (|w| x sign(a, w)), then as in dq_avx2.c. Zero
 * points: the correction sum_g sw * zp * zs is done per row after the dot, 8
 * groups at once.
 *
 * Reentrant, no allocation, writes only out[m * ldo + n] for n in [n0, n1).
 */
#include <immintrin.h>

#include "dq_gemv_avx2.h"
#include "fp_avx2.h"

#define GV_T CPU_DQ_TILE8  /* W rows per tile: 8-bit tiles; 4-bit ones take GV_T4 */
#define GV_T4 CPU_DQ_TILE4 /* (the tile heights of the tiled layout, dq.h) */

int cpu_dq_gemv_avx2_ok(const cpu_dq_w *w)
{
    size_t bpg = w->G / CPU_DQ_BLOCK;
    if (w->bits == 8)
        return 1;
    /* pairs of blocks: an even number of blocks per row, and groups of 1 or an
     * even count */
    return (w->K / CPU_DQ_BLOCK) % 2 == 0 && (bpg == 1 || bpg % 2 == 0);
}

/* Scale vector of a block pair starting at group g: [sw_g x4 | sw_g+1 x4] when
 * `two`, else sw_g broadcast. */
static inline __m256 sw_vec(const cpu_dq_w *w, size_t i, int two)
{
    if (!two)
        return _mm256_set1_ps(dqg_sw1(w, i));
    __m256 s;
    if (w->scales_f16) {
        int32_t h2;
        __builtin_memcpy(&h2, (const uint16_t *)w->scales + i, 4);
        s = _mm256_castps128_ps256(_mm_cvtph_ps(_mm_cvtsi32_si128(h2)));
    } else {
        s = _mm256_castps128_ps256(
            _mm_castpd_ps(_mm_load_sd((const double *)((const float *)w->scales + i))));
    }
    return _mm256_permutevar8x32_ps(s, _mm256_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1));
}

/* 4-bit: W rows [n, n + NR) x activation row m -> acc[r] (8 lanes each, before
 * zero points). TILED: w is in the tiled layout and [n, n + NR) lies in one tile (a whole tile
 * when NR > 1): the rows' units are read as one stream. */
static inline __attribute__((always_inline)) void
tile4(const cpu_dq_act *a, const cpu_dq_w *w, size_t n, size_t m, const int NR, const int XOR,
      const int TILED, __m256 *acc)
{
    const size_t K = a->K, nb = a->nb, bpg = w->G / CPU_DQ_BLOCK, ngw = w->ngw;
    const int two = bpg == 1; /* a pair spans two groups */
    const size_t pairs_per_step = two ? 1 : bpg / 2;
    const __m256i xr = _mm256_set1_epi8((char)w->xor_mask), lo4 = _mm256_set1_epi8(0x0f);
    const __m256i ones = _mm256_set1_epi16(1);
    const int8_t *xq = a->q + m * K;
    const float *sa = a->sa + m * nb;
    const uint8_t *wp[GV_T];
    const size_t pf = 2 * GV_T4 * (K / 2); /* the same bytes two tiles ahead */
    size_t us = 32; /* bytes from one unit (block pair) of a row to its next */
    for (int r = 0; r < NR; r++) {
        wp[r] = cpu_dq_unit(w, n + r, 0, &us);
        acc[r] = _mm256_setzero_ps();
    }
    if (!TILED)
        us = 32;
    for (size_t b0 = 0, g = 0; b0 < nb; g += two ? 2 : 1) {
        __m256 gacc[GV_T];
        for (int r = 0; r < NR; r++)
            gacc[r] = _mm256_setzero_ps();
        for (size_t p = 0; p < pairs_per_step; p++, b0 += 2) {
            __m256i x0 = _mm256_loadu_si256((const __m256i *)(xq + b0 * CPU_DQ_BLOCK));
            __m256i x1 = _mm256_loadu_si256((const __m256i *)(xq + (b0 + 1) * CPU_DQ_BLOCK));
            __m256i xe = _mm256_permute2x128_si256(x0, x1, 0x20);
            __m256i xo = _mm256_permute2x128_si256(x0, x1, 0x31);
            __m256 s = _mm256_set_m128(_mm_broadcast_ss(sa + b0 + 1), _mm_broadcast_ss(sa + b0));
            for (int r = 0; r < NR; r++) {
                const uint8_t *src = wp[r] + b0 / 2 * us;
                if (TILED ? (r & 1) == 0 : (b0 & 3) == 0) /* once per 64 bytes */
                    _mm_prefetch((const char *)src + pf, _MM_HINT_T0);
                __m256i v = _mm256_loadu_si256((const __m256i *)src);
                if (XOR) /* I4; U4 (mask 0) saves the uop */
                    v = _mm256_xor_si256(v, xr);
                __m256i lo = _mm256_and_si256(v, lo4);
                __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), lo4);
                __m256i d =
                    _mm256_add_epi16(_mm256_maddubs_epi16(lo, xe), _mm256_maddubs_epi16(hi, xo));
                d = _mm256_madd_epi16(d, ones);
                gacc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(d), s, gacc[r]);
            }
        }
        for (int r = 0; r < NR; r++)
            acc[r] = _mm256_fmadd_ps(gacc[r], sw_vec(w, (n + r) * ngw + g, two), acc[r]);
    }
}

/* 8-bit: as tile4, one block at a time. */
static inline __attribute__((always_inline)) void
tile8(const cpu_dq_act *a, const cpu_dq_w *w, size_t n, size_t m, const int NR, const int TILED,
      __m256 *acc)
{
    const size_t K = a->K, nb = a->nb, bpg = w->G / CPU_DQ_BLOCK, ngw = w->ngw;
    const __m256i xr = _mm256_set1_epi8((char)w->xor_mask), ones = _mm256_set1_epi16(1);
    const int8_t *xq = a->q + m * K;
    const float *sa = a->sa + m * nb;
    const uint8_t *wp[GV_T];
    const size_t pf = 2 * GV_T * K; /* the same bytes two tiles ahead */
    size_t us = 32; /* bytes from one block of a row to its next */
    for (int r = 0; r < NR; r++) {
        wp[r] = cpu_dq_unit(w, n + r, 0, &us);
        acc[r] = _mm256_setzero_ps();
    }
    if (!TILED)
        us = 32;
    for (size_t g = 0; g < ngw; g++) {
        __m256 gacc[GV_T];
        for (int r = 0; r < NR; r++)
            gacc[r] = _mm256_setzero_ps();
        for (size_t b = g * bpg; b < (g + 1) * bpg; b++) {
            __m256i x = _mm256_loadu_si256((const __m256i *)(xq + b * CPU_DQ_BLOCK));
            __m256 s = _mm256_broadcast_ss(sa + b);
            for (int r = 0; r < NR; r++) {
                const uint8_t *src = wp[r] + b * us;
                if (TILED ? (r & 1) == 0 : (b & 1) == 0) /* once per 64 bytes */
                    _mm_prefetch((const char *)src + pf, _MM_HINT_T0);
                __m256i v = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)src), xr);
                __m256i d = _mm256_maddubs_epi16(_mm256_abs_epi8(v), _mm256_sign_epi8(x, v));
                d = _mm256_madd_epi16(d, ones);
                gacc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(d), s, gacc[r]);
            }
        }
        for (int r = 0; r < NR; r++)
            acc[r] = _mm256_fmadd_ps(gacc[r], _mm256_set1_ps(dqg_sw1(w, (n + r) * ngw + g)), acc[r]);
    }
}

/* Rows [n, n + NR) x activation row m -> out. */
static inline __attribute__((always_inline)) void
tile_out(const cpu_dq_act *a, const cpu_dq_w *w, const int bits, const int XOR, const int TILED,
         size_t n, size_t m, const int NR, float *out, size_t ldo)
{
    __m256 acc[GV_T];
    if (bits == 4)
        tile4(a, w, n, m, NR, XOR, TILED, acc);
    else
        tile8(a, w, n, m, NR, TILED, acc);
    for (int r = 0; r < NR && w->has_zp; r++)
        acc[r] = _mm256_sub_ps(acc[r], dqg_zp_correction(w, n + r, a->zs + m * a->ngw));
    if (NR % 4 == 0) {
        for (int r0 = 0; r0 < NR; r0 += 4)
            _mm_storeu_ps(out + m * ldo + n + r0, dqg_hsum4(acc + r0));
        return;
    }
    for (int r = 0; r < NR; r++)
        out[m * ldo + n + r] = cpu_avx2_hsum(acc[r]);
}

static inline __attribute__((always_inline)) void rows_bits(const cpu_dq_act *a, const cpu_dq_w *w,
                                                            const int bits, const int XOR,
                                                            const int TILED, size_t n0, size_t n1,
                                                            float *out, size_t ldo)
{
    const int T = bits == 8 ? GV_T : GV_T4; /* measured: 8-bit streams gain from 8 rows */
    size_t n = n0;
    for (; TILED && n < n1 && n % (size_t)T != 0; n++) /* up to a tile boundary */
        for (size_t m = 0; m < a->M; m++)
            tile_out(a, w, bits, XOR, TILED, n, m, 1, out, ldo);
    for (; n + (size_t)T <= n1; n += (size_t)T) /* the W tile stays in cache across activation rows */
        for (size_t m = 0; m < a->M; m++)
            tile_out(a, w, bits, XOR, TILED, n, m, T, out, ldo);
    for (; n < n1; n++)
        for (size_t m = 0; m < a->M; m++)
            tile_out(a, w, bits, XOR, TILED, n, m, 1, out, ldo);
}

/* Rows [n0, n1) in the generic loops above. */
static void rows_generic(const cpu_dq_act *a, const cpu_dq_w *w, size_t n0, size_t n1, float *out,
                         size_t ldo)
{
    const int tiled = w->tile != 0; /* tiled copies hold mapped values: xor_mask 0 (dq.h) */
    if (w->bits == 4 && tiled)
        rows_bits(a, w, 4, 0, 1, n0, n1, out, ldo);
    else if (w->bits == 4 && w->xor_mask != 0)
        rows_bits(a, w, 4, 1, 0, n0, n1, out, ldo);
    else if (w->bits == 4)
        rows_bits(a, w, 4, 0, 0, n0, n1, out, ldo);
    else if (tiled)
        rows_bits(a, w, 8, 1, 1, n0, n1, out, ldo);
    else
        rows_bits(a, w, 8, 1, 0, n0, n1, out, ldo);
}

/* Whether cpu_dq_gemv_tiled_avx2 takes w's whole tiles: mapped values, and its activation
 * pairs and tile scales fit in pbuf. */
static int tiled_fits(const cpu_dq_act *a, const cpu_dq_w *w)
{
    return w->tile != 0 && w->xor_mask == 0 &&
           cpu_dq_gemv_tiled_pbuf_floats(a, w) <= cpu_dq_pbuf_floats(w);
}

void cpu_dq_gemv_avx2(const cpu_dq_act *a, const cpu_dq_w *w, size_t n0, size_t n1, float *out,
                      size_t ldo, float *pbuf)
{
    if (!tiled_fits(a, w)) {
        rows_generic(a, w, n0, n1, out, ldo);
        return;
    }
    /* rows before the first whole tile, the whole tiles, the rest (a short last tile) */
    size_t t0, t1;
    cpu_dq_tile_split(n0, n1, (size_t)w->tile, &t0, &t1);
    if (n0 < t0)
        rows_generic(a, w, n0, t0, out, ldo);
    if (t0 < t1)
        cpu_dq_gemv_tiled_avx2(a, w, t0, t1, out, ldo, pbuf);
    if (t1 < n1)
        rows_generic(a, w, t1, n1, out, ldo);
}
