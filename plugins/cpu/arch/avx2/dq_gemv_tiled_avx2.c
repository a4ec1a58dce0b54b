/*
 * arch/avx2/dq_gemv_tiled_avx2.c - AVX2 decode GEMV on whole tiles of a tiled compressed weight
 * (kernels/matmul/dq.h): out[m, n] for the rows of full tiles, called by cpu_dq_gemv_avx2
 * (dq_gemv_avx2.c, which does the rows outside whole tiles and the row-major layout).
 *
 * The tiled copy holds mapped values (U8 as s8, I4 as u4), so no xor is spent per byte, and a tile
 * is one sequential stream: the kernel walks it with one pointer. 4-bit tiles go two at a time,
 * tile i of the range's first half beside tile i of its second half (two streams far apart per
 * core: TinyLlama int4-g128 decode with GENRT_CPU_ISA=avx2 68-72 -> 76-78 % of the read bandwidth,
 * docs/PERF.md); 8-bit tiles (8 accumulators each) stay one at a time, as two would not fit the
 * 16 registers. Per call and activation row the
 * 4-bit kernel first lays out, per pair of 32-blocks, the activation pair regrouped to match the
 * nibbles (even / odd elements) and its scale vector [sa_b x4 | sa_b+1 x4] in pbuf, so the inner
 * loop spends per W row and pair only: and, shift, and, maddubs x2, add, madd, cvt, fma (the
 * activation operands come from L1). Per tile the rows' group scales are converted once to f32
 * (pbuf) and broadcast from there. 8-bit per block and row: abs, sign, maddubs, madd, cvt, fma;
 * per-channel scales are applied once per row after the loop, group scales per block (a multiply)
 * so that 8 rows keep 8 accumulators in registers. Zero points: from the tile parameters (dq.h)
 * when the tiled copy has them, a vector FMA per group for all rows of the tile (tile_corr); else
 * the per-row correction of dq_gemv_avx2.h.
 *
 * Reentrant, no allocation; writes only out[m * ldo + n] for n in [n0, n1).
 */
#include <immintrin.h>
#include <string.h>

#include "convert_avx2.h"
#include "dq_gemv_avx2.h"

#define T8 CPU_DQ_TILE8
#define T4 CPU_DQ_TILE4
/* Software prefetch distance in the tile stream. Measured (same-process A/B, single thread, weights
 * streamed from memory): 1.5-2 KiB ahead beats two tiles ahead (16-90 KiB for 8-bit tiles) by
 * 10-13 % for 8-bit and ties it for 4-bit; no prefetch loses 10 % (8-bit) and 25 % (4-bit). */
#define PF_BYTES 2048

/* One pair of activation blocks (b, b + 1) of one row, as the 4-bit kernel reads it. */
typedef struct pair_act {
    __m256i xe; /* [block b even elements | block b+1 even elements] */
    __m256i xo; /* the odd ones */
    __m256 s;   /* [sa_b x4 | sa_b+1 x4] */
} pair_act;

static void prep_pairs(const cpu_dq_act *a, size_t m, pair_act *P)
{
    const int8_t *xq = a->q + m * a->K;
    const float *sa = a->sa + m * a->nb;
    for (size_t p = 0; p < a->nb / 2; p++) {
        __m256i x0 = _mm256_loadu_si256((const __m256i *)(xq + 64 * p));
        __m256i x1 = _mm256_loadu_si256((const __m256i *)(xq + 64 * p + 32));
        P[p].xe = _mm256_permute2x128_si256(x0, x1, 0x20);
        P[p].xo = _mm256_permute2x128_si256(x0, x1, 0x31);
        P[p].s = _mm256_set_m128(_mm_broadcast_ss(sa + 2 * p + 1), _mm_broadcast_ss(sa + 2 * p));
    }
}

/* Group scales of rows [n, n + T) as f32: dst[r * ngw + g], the same order as the weight's
 * [N][ngw] scales, so one contiguous conversion. */
static void tile_scales(const cpu_dq_w *w, size_t n, int T, float *dst)
{
    size_t first = n * w->ngw, count = (size_t)T * w->ngw;
    if (w->scales_f16)
        cpu_avx2_f16_to_f32((const uint16_t *)w->scales + first, count, dst);
    else
        memcpy(dst, (const float *)w->scales + first, count * sizeof(float));
}

/* u4 pair (32 bytes at src) x activation pair -> 8 int32 lanes (0-3 block b, 4-7 block b+1). */
static inline __attribute__((always_inline)) __m256i dot4(const uint8_t *src, __m256i xe,
                                                          __m256i xo)
{
    const __m256i lo4 = _mm256_set1_epi8(0x0f), ones = _mm256_set1_epi16(1);
    __m256i v = _mm256_loadu_si256((const __m256i *)src);
    __m256i lo = _mm256_and_si256(v, lo4);
    __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), lo4);
    __m256i d = _mm256_add_epi16(_mm256_maddubs_epi16(lo, xe), _mm256_maddubs_epi16(hi, xo));
    return _mm256_madd_epi16(d, ones);
}

/* s8 block (32 bytes at src) x activation block x -> 8 int32 lanes. */
static inline __attribute__((always_inline)) __m256i dot8(const uint8_t *src, __m256i x)
{
    __m256i v = _mm256_loadu_si256((const __m256i *)src);
    __m256i d = _mm256_maddubs_epi16(_mm256_abs_epi8(v), _mm256_sign_epi8(x, v));
    return _mm256_madd_epi16(d, _mm256_set1_epi16(1));
}

/* NS 4-bit tiles (T4 rows each from wt[t], scales sw[t]) x activation pairs P -> out[t] (lanes,
 * zero points not yet subtracted), walked side by side: per group (or pair, for group 32) tile
 * 0's then tile 1's rows, so both streams are in flight (arch/avx512/dq_gemv_avx512.c). pf:
 * prefetch distance in bytes. */
static inline __attribute__((always_inline)) void tile4n(const int NS, const pair_act *P,
                                                         size_t np, const uint8_t *const *wt0,
                                                         const float *const *sw, size_t ngw,
                                                         size_t bpg, size_t pf,
                                                         __m256 out[][T4])
{
    const uint8_t *wt[2] = {wt0[0], wt0[NS - 1]};
    __m256 acc[2][T4]; /* local, so that they stay in registers (the other tile's may spill) */
    for (int t = 0; t < NS; t++)
        for (int r = 0; r < T4; r++)
            acc[t][r] = _mm256_setzero_ps();
    if (bpg == 1) { /* group 32: a pair spans groups 2p and 2p + 1 */
        for (size_t p = 0; p < np; p++)
            for (int t = 0; t < NS; t++) {
                _mm_prefetch((const char *)wt[t] + pf, _MM_HINT_T0);
                _mm_prefetch((const char *)wt[t] + pf + 64, _MM_HINT_T0);
                for (int r = 0; r < T4; r++) {
                    const float *s = sw[t] + (size_t)r * ngw + 2 * p;
                    __m256 swv = _mm256_set_m128(_mm_broadcast_ss(s + 1), _mm_broadcast_ss(s));
                    __m256 d = _mm256_cvtepi32_ps(dot4(wt[t] + 32 * r, P[p].xe, P[p].xo));
                    acc[t][r] = _mm256_fmadd_ps(d, _mm256_mul_ps(P[p].s, swv), acc[t][r]);
                }
                wt[t] += 32 * T4;
            }
    } else {
        const size_t ppg = bpg / 2; /* pairs per group */
        for (size_t g = 0; g < ngw; g++)
            for (int t = 0; t < NS; t++) {
                __m256 gacc[T4];
                for (int r = 0; r < T4; r++)
                    gacc[r] = _mm256_setzero_ps();
                for (size_t p = g * ppg; p < (g + 1) * ppg; p++, wt[t] += 32 * T4) {
                    _mm_prefetch((const char *)wt[t] + pf, _MM_HINT_T0);
                    _mm_prefetch((const char *)wt[t] + pf + 64, _MM_HINT_T0);
                    for (int r = 0; r < T4; r++) {
                        __m256 d = _mm256_cvtepi32_ps(dot4(wt[t] + 32 * r, P[p].xe, P[p].xo));
                        gacc[r] = _mm256_fmadd_ps(d, P[p].s, gacc[r]);
                    }
                }
                for (int r = 0; r < T4; r++)
                    acc[t][r] = _mm256_fmadd_ps(
                        gacc[r], _mm256_broadcast_ss(sw[t] + (size_t)r * ngw + g), acc[t][r]);
            }
    }
    for (int t = 0; t < NS; t++)
        for (int r = 0; r < T4; r++)
            out[t][r] = acc[t][r];
}

/* One 8-bit tile (T8 rows from wt, scales sw) x activation row (xq, sa) -> acc (scaled, zero
 * points not yet subtracted). */
static inline __attribute__((always_inline)) void tile8(const int8_t *xq, const float *sa,
                                                        size_t nb, const uint8_t *wt,
                                                        const float *sw, size_t ngw, size_t bpg,
                                                        size_t pf, __m256 out[T8])
{
    __m256 acc[T8]; /* local, so that they stay in registers */
    for (int r = 0; r < T8; r++)
        acc[r] = _mm256_setzero_ps();
    if (ngw == 1) { /* per channel: the row scale once at the end */
        for (size_t b = 0; b < nb; b++, wt += 32 * T8) {
            __m256i x = _mm256_loadu_si256((const __m256i *)(xq + 32 * b));
            __m256 s = _mm256_broadcast_ss(sa + b);
            for (int r = 0; r < T8; r += 2) {
                _mm_prefetch((const char *)wt + pf + 32 * r, _MM_HINT_T0);
                acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot8(wt + 32 * r, x)), s, acc[r]);
                acc[r + 1] =
                    _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot8(wt + 32 * r + 32, x)), s, acc[r + 1]);
            }
        }
        for (int r = 0; r < T8; r++)
            out[r] = _mm256_mul_ps(acc[r], _mm256_broadcast_ss(sw + r));
        return;
    }
    for (size_t b = 0; b < nb; b++, wt += 32 * T8) {
        __m256i x = _mm256_loadu_si256((const __m256i *)(xq + 32 * b));
        __m256 s = _mm256_broadcast_ss(sa + b);
        size_t g = b / bpg;
        for (int r = 0; r < T8; r++) {
            if ((r & 1) == 0)
                _mm_prefetch((const char *)wt + pf + 32 * r, _MM_HINT_T0);
            __m256 ss = _mm256_mul_ps(s, _mm256_broadcast_ss(sw + (size_t)r * ngw + g));
            acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot8(wt + 32 * r, x)), ss, acc[r]);
        }
    }
    for (int r = 0; r < T8; r++)
        out[r] = acc[r];
}

/* corr[0..T) = the zero-point terms sum_g sw * zp * zs[g] of the T rows of the tile at row n,
 * from its tile parameters (dq.h): a vector FMA per group (two groups per vector for T = 4).
 * The parameters hold 8-bit zero points + 128, which the s8 values of this kernel do not have. */
static void tile_corr(const cpu_dq_w *w, size_t n, const int T, const float *zs, float *corr)
{
    const size_t ngw = w->ngw;
    const uint16_t *ts = cpu_dq_tile_scales(w, n);
    const uint8_t *tz = cpu_dq_tile_zps(w, n);
    const __m256 shift = _mm256_set1_ps(w->bits == 8 ? 128.0f : 0.0f);
    __m256 c = _mm256_setzero_ps();
    const size_t step = T == 8 ? 1 : 2; /* groups per 8 entries */
    size_t g = 0;
    for (; g + step <= ngw; g += step) {
        const size_t e = g * (size_t)T; /* first entry */
        __m256 sv = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(ts + e)));
        __m128i z8 = _mm_loadl_epi64((const __m128i *)(tz + e));
        __m256 zv = _mm256_sub_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(z8)), shift);
        __m256 zsv = T == 8 ? _mm256_set1_ps(zs[g])
                            : _mm256_set_m128(_mm_set1_ps(zs[g + 1]), _mm_set1_ps(zs[g]));
        c = _mm256_fmadd_ps(_mm256_mul_ps(sv, zv), zsv, c);
    }
    if (T == 8) {
        _mm256_storeu_ps(corr, c);
        return;
    }
    __m128 c4 = _mm_add_ps(_mm256_castps256_ps128(c), _mm256_extractf128_ps(c, 1));
    for (; g < ngw; g++) { /* odd ngw: the last group alone */
        int32_t z4;
        memcpy(&z4, tz + g * 4, 4);
        __m128 sv = _mm_cvtph_ps(_mm_loadl_epi64((const __m128i *)(ts + g * 4)));
        __m128 zv = _mm_cvtepi32_ps(_mm_cvtepu8_epi32(_mm_cvtsi32_si128(z4)));
        c4 = _mm_fmadd_ps(_mm_mul_ps(sv, zv), _mm_set1_ps(zs[g]), c4);
    }
    _mm_storeu_ps(corr, c4);
}

/* acc[0..T) of rows [n, n + T) x activation row m: zero points, lane sums, stores. */
static inline __attribute__((always_inline)) void store_tile(const cpu_dq_act *a,
                                                             const cpu_dq_w *w, size_t n,
                                                             size_t m, const int T, __m256 *acc,
                                                             float *out, size_t ldo)
{
    float corr[T8] = {0};
    if (w->has_zp && w->tparams != NULL)
        tile_corr(w, n, T, a->zs + m * a->ngw, corr);
    else
        for (int r = 0; r < T && w->has_zp; r++)
            acc[r] = _mm256_sub_ps(acc[r],
                                   dqg_zp_correction(w, n + (size_t)r, a->zs + m * a->ngw));
    for (int r0 = 0; r0 < T; r0 += 4)
        _mm_storeu_ps(out + m * ldo + n + (size_t)r0,
                      _mm_sub_ps(dqg_hsum4(acc + r0), _mm_loadu_ps(corr + r0)));
}

size_t cpu_dq_gemv_tiled_pbuf_floats(const cpu_dq_act *a, const cpu_dq_w *w)
{
    if (w->bits == 4)
        return a->M * (a->nb / 2) * (sizeof(pair_act) / sizeof(float)) + 2 * T4 * w->ngw;
    return T8 * w->ngw;
}

void cpu_dq_gemv_tiled_avx2(const cpu_dq_act *a, const cpu_dq_w *w, size_t n0, size_t n1,
                            float *out, size_t ldo, float *pbuf)
{
    const size_t K = a->K, nb = a->nb, ngw = w->ngw, bpg = w->G / CPU_DQ_BLOCK;
    const size_t rb = cpu_dq_row_bytes(w);
    if (w->bits == 4) {
        const size_t np = nb / 2;
        pair_act *P = (pair_act *)pbuf; /* [M][np], 32-byte aligned (scratch is 64-aligned) */
        float *sw = pbuf + a->M * np * (sizeof(pair_act) / sizeof(float));
        for (size_t m = 0; m < a->M; m++)
            prep_pairs(a, m, P + m * np);
        /* two streams: tile i of the first half beside tile i of the second, an odd one alone */
        const size_t half = (n1 - n0) / T4 / 2;
        float *sw2[2] = {sw, sw + T4 * ngw};
        for (size_t i = 0; i < half; i++) {
            const size_t nn[2] = {n0 + T4 * i, n0 + T4 * (half + i)};
            const uint8_t *wt[2] = {w->data + nn[0] * rb, w->data + nn[1] * rb};
            tile_scales(w, nn[0], T4, sw2[0]);
            tile_scales(w, nn[1], T4, sw2[1]);
            for (size_t m = 0; m < a->M; m++) {
                __m256 acc[2][T4];
                tile4n(2, P + m * np, np, wt, (const float *const *)sw2, ngw, bpg, PF_BYTES, acc);
                store_tile(a, w, nn[0], m, T4, acc[0], out, ldo);
                store_tile(a, w, nn[1], m, T4, acc[1], out, ldo);
            }
        }
        for (size_t n = n0 + 2 * half * T4; n + T4 <= n1; n += T4) {
            const uint8_t *wt[1] = {w->data + n * rb};
            tile_scales(w, n, T4, sw);
            for (size_t m = 0; m < a->M; m++) {
                __m256 acc[1][T4];
                tile4n(1, P + m * np, np, wt, (const float *const *)sw2, ngw, bpg, PF_BYTES, acc);
                store_tile(a, w, n, m, T4, acc[0], out, ldo);
            }
        }
        return;
    }
    float *sw = pbuf;
    for (size_t n = n0; n + T8 <= n1; n += T8) {
        tile_scales(w, n, T8, sw);
        for (size_t m = 0; m < a->M; m++) {
            __m256 acc[T8];
            tile8(a->q + m * K, a->sa + m * nb, nb, w->data + n * rb, sw, ngw, bpg, PF_BYTES,
                  acc);
            store_tile(a, w, n, m, T8, acc, out, ldo);
        }
    }
}
