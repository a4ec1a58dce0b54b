/*
 * arch/avx512/dq_gemv_avx512.c - AVX-512 VNNI decode GEMV of the dynamic-quantization linear path
 * (kernels/matmul/dq.h): out[m, n] for M <= CPU_DQ_GEMV_MAX_M. Entered only when cpu_isa_active()
 * >= CPU_ISA_AVX512 and cpu_dq_gemv_avx2_ok() accepted the weight.
 *
 * Whole tiles of a tiled weight with tile parameters (mapped values, xor_mask 0, w->tparams) run
 * here; everything else (row-major weights, f32 scales or float zero points, rows outside whole
 * tiles, a short last tile) goes to the AVX2 GEMV, which computes the same sums. One 64-byte load
 * holds one unit of two consecutive rows of a tile, so a tile is read as one stream and each
 * vpdpbusd covers two rows. Tiles are walked two at a time, tile i of the range's first half beside
 * tile i of its second half, so each core keeps two streams far apart in flight (one iteration
 * loads from both): with one stream a core kept too few lines in flight for int4 (docs/PERF.md,
 * "int4 decode: two streams per core").
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
 * scales and zero points come from the tile parameters (dq.h: [group][row] f16 and u8), so a
 * group's scales of the whole tile are one vcvtph2ps and a row pair's scale vector one vpermps;
 * per channel they are applied once per row at the end, larger groups once per group (a float
 * accumulator per group), group 32 per block. Zero points (with the + 128 of the 8-bit flip folded
 * into them) are one vector FMA per group for all rows of the tile: sum_g sw * zp * zs.
 *
 * Reentrant, no allocation (pbuf: the caller's scratch, cpu_dq_pbuf_floats); writes only
 * out[m * ldo + n] for n in [n0, n1).
 */
#include <immintrin.h>
#include <string.h>

#include "arch/avx2/dq_gemv_avx2.h"

#define T8 CPU_DQ_TILE8
#define T4 CPU_DQ_TILE4
/* Software prefetch distance in each tile stream (as the AVX2 kernel; see docs/PERF.md). */
#define PF_BYTES 2048
#define PF(p) _mm_prefetch((const char *)(p), _MM_HINT_T0)

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

/* Group g's scales of a tile's T rows (tile parameters, dq.h) as f32. */
static inline __m256 scales8(const uint16_t *ts, size_t g)
{
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(ts + g * T8)));
}
static inline __m128 scales4(const uint16_t *ts, size_t g)
{
    return _mm_cvtph_ps(_mm_loadl_epi64((const __m128i *)(ts + g * T4)));
}

/* Zero points (tile parameters) of 8 and 4 consecutive entries at z as f32. */
static inline __m256 zps8(const uint8_t *z)
{
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)z)));
}
static inline __m128 zps4(const uint8_t *z)
{
    int32_t v;
    memcpy(&v, z, 4);
    return _mm_cvtepi32_ps(_mm_cvtepu8_epi32(_mm_cvtsi32_si128(v)));
}

/* Index vectors picking, from up to 8 floats, [x_i x8 | x_j x8]. */
static inline __m512i idx_halves(int i, int j)
{
    return _mm512_inserti64x4(_mm512_set1_epi32(i), _mm256_set1_epi32(j), 1);
}

/* NS 8-bit tiles (8 rows each from wt[s], tile parameters ts[s] / tz[s]) x activation row (xq, sa,
 * zs), walked side by side: the 8 row sums of tile s, zero points (and the + 128 of the u8 flip)
 * subtracted, stored at o[s][0..8). */
static inline __attribute__((always_inline)) void tile8n(const int NS, const int8_t *xq,
                                                         const float *sa, const float *zs,
                                                         size_t ngw, size_t bpg,
                                                         const uint8_t *const *wt0,
                                                         const uint16_t *const *ts,
                                                         const uint8_t *const *tz, float *const *o)
{
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    const uint8_t *wt[2];
    __m512 acc[2][4]; /* acc[t][i]: row 2i in lanes 0-7, row 2i + 1 in lanes 8-15 */
    __m256 corr[2];
    for (int t = 0; t < NS; t++) {
        wt[t] = wt0[t];
        corr[t] = _mm256_setzero_ps();
        for (int i = 0; i < 4; i++)
            acc[t][i] = _mm512_setzero_ps();
    }
    for (size_t g = 0, b = 0; g < ngw; g++) {
        __m512 gacc[2][4];
        for (int t = 0; t < NS; t++)
            for (int i = 0; i < 4; i++)
                gacc[t][i] = _mm512_setzero_ps();
        for (size_t e = b + bpg; b < e; b++) {
            __m512i x = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(xq + 32 * b)));
            __m512 s = _mm512_set1_ps(sa[b]);
            for (int t = 0; t < NS; t++) {
                for (int i = 0; i < 4; i++) {
                    PF(wt[t] + PF_BYTES + 64 * i);
                    __m512i v = _mm512_xor_si512(_mm512_loadu_si512(wt[t] + 64 * i), flip);
                    __m512i d = _mm512_dpbusd_epi32(_mm512_setzero_si512(), v, x);
                    gacc[t][i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d), s, gacc[t][i]);
                }
                wt[t] += 32 * T8;
            }
        }
        for (int t = 0; t < NS; t++) {
            __m256 s8 = scales8(ts[t], g);
            corr[t] = _mm256_fmadd_ps(_mm256_mul_ps(s8, zps8(tz[t] + g * T8)),
                                      _mm256_set1_ps(zs[g]), corr[t]);
            __m512 sg = _mm512_castps256_ps512(s8);
            for (int i = 0; i < 4; i++)
                acc[t][i] = _mm512_fmadd_ps(
                    gacc[t][i], _mm512_permutexvar_ps(idx_halves(2 * i, 2 * i + 1), sg), acc[t][i]);
        }
    }
    for (int t = 0; t < NS; t++) {
        __m256 r8[T8];
        for (int i = 0; i < 4; i++) {
            r8[2 * i] = _mm512_castps512_ps256(acc[t][i]);
            r8[2 * i + 1] = _mm512_extractf32x8_ps(acc[t][i], 1);
        }
        __m256 sums =
            _mm256_insertf128_ps(_mm256_castps128_ps256(dqg_hsum4(r8)), dqg_hsum4(r8 + 4), 1);
        _mm256_storeu_ps(o[t], _mm256_sub_ps(sums, corr[t]));
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

/* NS 4-bit tiles (4 rows each from wt[s], tile parameters ts[s] / tz[s]) x activation pairs P and
 * sums zs, walked side by side: the 4 row sums of tile s, zero points subtracted, stored at
 * o[s][0..4). */
static inline __attribute__((always_inline)) void tile4n(const int NS, const pair512 *P,
                                                         const float *zs, size_t np, size_t ngw,
                                                         size_t bpg, const uint8_t *const *wt0,
                                                         const uint16_t *const *ts,
                                                         const uint8_t *const *tz, float *const *o)
{
    const uint8_t *wt[2] = {wt0[0], wt0[NS - 1]};
    __m512 acc[2][2]; /* [tile][rows 2i | 2i + 1] */
    __m128 corr[2];
    for (int t = 0; t < NS; t++)
        acc[t][0] = acc[t][1] = _mm512_setzero_ps();
    if (bpg == 1) { /* group 32: pair p spans groups 2p, 2p + 1 */
        /* lanes: row 2i block b | row 2i block b+1 | row 2i+1 block b | row 2i+1 block b+1 from
         * [g0: r0 r1 r2 r3 | g1: r0 r1 r2 r3] */
        const __m512i i0 = _mm512_setr_epi32(0, 0, 0, 0, 4, 4, 4, 4, 1, 1, 1, 1, 5, 5, 5, 5);
        const __m512i i1 = _mm512_add_epi32(i0, _mm512_set1_epi32(2));
        __m256 c8[2]; /* [g even: r0..r3 | g odd: r0..r3] */
        for (int t = 0; t < NS; t++)
            c8[t] = _mm256_setzero_ps();
        for (size_t p = 0; p < np; p++) {
            __m512i xe = _mm512_broadcast_i64x4(_mm256_load_si256((const __m256i *)P[p].xe));
            __m512i xo = _mm512_broadcast_i64x4(_mm256_load_si256((const __m256i *)P[p].xo));
            __m512 s = _mm512_load_ps(P[p].s);
            __m256 zs2 = _mm256_set_m128(_mm_set1_ps(zs[2 * p + 1]), _mm_set1_ps(zs[2 * p]));
            for (int t = 0; t < NS; t++) {
                __m256 s8 = scales8(ts[t], p); /* groups 2p, 2p + 1 (8 entries) */
                c8[t] = _mm256_fmadd_ps(_mm256_mul_ps(s8, zps8(tz[t] + 2 * p * T4)), zs2, c8[t]);
                __m512 sg = _mm512_castps256_ps512(s8);
                PF(wt[t] + PF_BYTES);
                PF(wt[t] + PF_BYTES + 64);
                acc[t][0] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot4(wt[t], xe, xo)),
                                            _mm512_mul_ps(s, _mm512_permutexvar_ps(i0, sg)),
                                            acc[t][0]);
                acc[t][1] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot4(wt[t] + 64, xe, xo)),
                                            _mm512_mul_ps(s, _mm512_permutexvar_ps(i1, sg)),
                                            acc[t][1]);
                wt[t] += 32 * T4;
            }
        }
        for (int t = 0; t < NS; t++)
            corr[t] = _mm_add_ps(_mm256_castps256_ps128(c8[t]), _mm256_extractf128_ps(c8[t], 1));
    } else {
        const size_t ppg = bpg / 2; /* pairs per group */
        for (int t = 0; t < NS; t++)
            corr[t] = _mm_setzero_ps();
        for (size_t g = 0, p = 0; g < ngw; g++) {
            __m512 gacc[2][2];
            for (int t = 0; t < NS; t++)
                gacc[t][0] = gacc[t][1] = _mm512_setzero_ps();
            for (size_t e = p + ppg; p < e; p++) {
                __m512i xe = _mm512_broadcast_i64x4(_mm256_load_si256((const __m256i *)P[p].xe));
                __m512i xo = _mm512_broadcast_i64x4(_mm256_load_si256((const __m256i *)P[p].xo));
                __m512 s = _mm512_load_ps(P[p].s);
                for (int t = 0; t < NS; t++) {
                    PF(wt[t] + PF_BYTES);
                    PF(wt[t] + PF_BYTES + 64);
                    gacc[t][0] =
                        _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot4(wt[t], xe, xo)), s, gacc[t][0]);
                    gacc[t][1] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot4(wt[t] + 64, xe, xo)), s,
                                                 gacc[t][1]);
                    wt[t] += 32 * T4;
                }
            }
            for (int t = 0; t < NS; t++) {
                __m128 s4 = scales4(ts[t], g);
                corr[t] = _mm_fmadd_ps(_mm_mul_ps(s4, zps4(tz[t] + g * T4)), _mm_set1_ps(zs[g]),
                                       corr[t]);
                __m512 sg = _mm512_castps128_ps512(s4);
                acc[t][0] = _mm512_fmadd_ps(gacc[t][0],
                                            _mm512_permutexvar_ps(idx_halves(0, 1), sg), acc[t][0]);
                acc[t][1] = _mm512_fmadd_ps(gacc[t][1],
                                            _mm512_permutexvar_ps(idx_halves(2, 3), sg), acc[t][1]);
            }
        }
    }
    for (int t = 0; t < NS; t++) {
        __m256 r8[4] = {_mm512_castps512_ps256(acc[t][0]), _mm512_extractf32x8_ps(acc[t][0], 1),
                        _mm512_castps512_ps256(acc[t][1]), _mm512_extractf32x8_ps(acc[t][1], 1)};
        _mm_storeu_ps(o[t], _mm_sub_ps(dqg_hsum4(r8), corr[t]));
    }
}

static size_t pbuf_floats(const cpu_dq_act *a, const cpu_dq_w *w)
{
    return w->bits == 4 ? a->M * (a->nb / 2) * (sizeof(pair512) / sizeof(float)) : 0;
}

/* Tiles n and n2 (tile-row indices; n2 unused when NS == 1) for activation rows 0..M. */
static inline __attribute__((always_inline)) void tile_rows(const int NS, const cpu_dq_act *a,
                                                            const cpu_dq_w *w, size_t n, size_t n2,
                                                            float *out, size_t ldo,
                                                            const float *pbuf)
{
    const size_t ngw = w->ngw, rb = cpu_dq_row_bytes(w);
    const size_t nn[2] = {n, n2};
    const uint8_t *wt[2], *tz[2];
    const uint16_t *ts[2];
    for (int t = 0; t < NS; t++) { /* tile parameters of tile nn / T (dq.h) */
        wt[t] = w->data + nn[t] * rb;
        ts[t] = cpu_dq_tile_scales(w, nn[t]);
        tz[t] = cpu_dq_tile_zps(w, nn[t]);
    }
    const size_t bpg = w->G / CPU_DQ_BLOCK, np = a->nb / 2;
    for (size_t m = 0; m < a->M; m++) {
        float *o[2] = {out + m * ldo + n, out + m * ldo + n2};
        if (w->bits == 4)
            tile4n(NS, (const pair512 *)pbuf + m * np, a->zs + m * ngw, np, ngw, bpg, wt, ts, tz,
                   o);
        else
            tile8n(NS, a->q + m * a->K, a->sa + m * a->nb, a->zs + m * ngw, ngw, bpg, wt, ts, tz,
                   o);
    }
}

/* Whole tiles [n0, n1) (n0 % T == 0, n1 % T == 0 or n1 == N with whole tiles only), as two streams:
 * tile i of the first half beside tile i of the second (docs/PERF.md: two streams far apart keep
 * more lines in flight per core than one; int4 streams ~20 % faster), an odd last tile alone. */
static void tiles(const cpu_dq_act *a, const cpu_dq_w *w, size_t n0, size_t n1, float *out,
                  size_t ldo, const float *pbuf)
{
    const size_t T = (size_t)w->tile, half = (n1 - n0) / T / 2;
    for (size_t i = 0; i < half; i++)
        tile_rows(2, a, w, n0 + T * i, n0 + T * (half + i), out, ldo, pbuf);
    if (n0 + 2 * half * T + T <= n1)
        tile_rows(1, a, w, n0 + 2 * half * T, 0, out, ldo, pbuf);
}

void cpu_dq_gemv_avx512(const cpu_dq_act *a, const cpu_dq_w *w, size_t n0, size_t n1, float *out,
                        size_t ldo, float *pbuf)
{
    if (w->tile == 0 || w->xor_mask != 0 || w->tparams == NULL || a->zs == NULL ||
        pbuf_floats(a, w) > cpu_dq_pbuf_floats(w)) {
        cpu_dq_gemv_avx2(a, w, n0, n1, out, ldo, pbuf);
        return;
    }
    /* rows before the first whole tile, the whole tiles, the rest (a short last tile) */
    size_t t0, t1;
    cpu_dq_tile_split(n0, n1, (size_t)w->tile, &t0, &t1);
    if (n0 < t0)
        cpu_dq_gemv_avx2(a, w, n0, t0, out, ldo, pbuf);
    if (t0 < t1) {
        if (w->bits == 4)
            for (size_t m = 0; m < a->M; m++)
                prep_pairs(a, m, (pair512 *)pbuf + m * (a->nb / 2));
        tiles(a, w, t0, t1, out, ldo, pbuf);
    }
    if (t1 < n1)
        cpu_dq_gemv_avx2(a, w, t1, n1, out, ldo, pbuf);
}
