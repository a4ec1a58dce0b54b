/*
 * arch/avx2/dq_avx2.c - AVX2 row kernel of the dynamic-quantization linear path (see
 * kernels/matmul/dq.h for the formula and layouts). Entered only when cpu_isa_active() >= AVX2.
 *
 * Per 32-block: 4-bit weights are one 16-byte broadcast load, a variable shift (upper lane >> 4)
 * and a mask, giving 32 u4 in the order of the even-then-odd activation block; u4 x s8 pairs
 * cannot saturate vpmaddubsw (15 * 127 * 2 < 32767). 8-bit weights (s8) use the sign trick:
 * vpmaddubsw(|w|, sign(a, w)) (128 * 127 * 2 < 32767). vpmaddwd with ones gives 8 int32 partial
 * dots, converted and scaled by the block's activation scale into a per-group float accumulator,
 * scaled by the weight group's scale at each group end; when runs of >= 2 blocks share both scales,
 * prefill tiles sum them in integers first (tile_span). Tiles of 4 activation rows share each
 * unpacked weight block (prefill), tiles of 4 W rows share each activation block (decode); W rows
 * are walked in slices of CPU_DQ_NB whose group parameters (scales, scale x zero point) are
 * expanded once into pbuf with F16C. Reentrant, no allocation.
 */
#include <immintrin.h>
#include <string.h>

#include <genrt/types.h>

#include "arch/avx2/convert_avx2.h"
#include "kernels/matmul/dq.h"

#define DQ_T 4 /* rows per tile */

static inline float hsum(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* dst[0..n) = f16 or f32 src[0..n) as f32. */
static void load_f32(const void *src, int f16, size_t n, float *dst)
{
    if (f16)
        cpu_avx2_f16_to_f32(src, n, dst);
    else
        memcpy(dst, src, n * sizeof(float));
}

/* cpu_dq_row_params with F16C and vector conversions for the common layouts. */
static void row_params(const cpu_dq_w *w, size_t n, float *sw, float *zp)
{
    size_t ngw = w->ngw, base = n * ngw;
    int hz = w->has_zp && w->zps != NULL;
    if (hz && w->zp_type != GRT_F16 && w->zp_type != GRT_F32 && w->zp_type != GRT_U8) {
        cpu_dq_row_params(w, n, sw, zp); /* u4 zero points */
        return;
    }
    load_f32((const uint16_t *)w->scales + (w->scales_f16 ? base : 2 * base), w->scales_f16, ngw,
             sw);
    float shift = w->bits == 8 ? -128.0f : 0.0f;
    if (!hz) {
        float z = w->has_zp ? 8.0f : 0.0f; /* I4 or I8 */
        for (size_t g = 0; g < ngw; g++)
            zp[g] = z;
        return;
    }
    if (w->zp_type == GRT_U8) {
        const uint8_t *z = (const uint8_t *)w->zps + base;
        for (size_t g = 0; g < ngw; g++)
            zp[g] = (float)z[g] + shift;
        return;
    }
    int f16 = w->zp_type == GRT_F16;
    load_f32((const uint16_t *)w->zps + (f16 ? base : 2 * base), f16, ngw, zp);
    for (size_t g = 0; g < ngw && shift != 0.0f; g++)
        zp[g] += shift;
}

/* The unpacked weight block at p (4-bit: 16 bytes -> u4 in even-then-odd order; 8-bit: 32 bytes
 * -> s8, with its absolute value in *abs_w). xr: the xor mask in every byte. */
static inline __attribute__((always_inline)) __m256i load_w(const int bits, const uint8_t *p,
                                                            __m256i xr, __m256i *abs_w)
{
    if (bits == 4) {
        const __m256i sh = _mm256_setr_epi32(0, 0, 0, 0, 4, 4, 4, 4);
        __m256i v = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)p));
        return _mm256_and_si256(_mm256_srlv_epi32(_mm256_xor_si256(v, xr), sh),
                                _mm256_set1_epi8(0x0f));
    }
    __m256i v = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)p), xr);
    *abs_w = _mm256_abs_epi8(v);
    return v;
}

/* int32 partial dots (8 lanes) of an unpacked weight block with the activation block x. */
static inline __attribute__((always_inline)) __m256i block_dot(int bits, __m256i v, __m256i av,
                                                               __m256i x)
{
    const __m256i ones = _mm256_set1_epi16(1);
    if (bits == 4)
        return _mm256_madd_epi16(_mm256_maddubs_epi16(v, x), ones);
    return _mm256_madd_epi16(_mm256_maddubs_epi16(av, _mm256_sign_epi8(x, v)), ones);
}

/* out[m, n] = the lanes of t summed, less the zero-point correction (pr + ngw: W row n's
 * sw * zp per weight group). */
static inline __attribute__((always_inline)) void store_out(const cpu_dq_act *a,
                                                            const cpu_dq_w *w, const float *pr,
                                                            size_t n, size_t m, __m256 t,
                                                            float *out, size_t ldo)
{
    size_t ngw = w->ngw;
    float corr = 0.0f;
    if (w->has_zp) {
        const float *zs = a->zs + m * a->ngw, *swzp = pr + ngw;
        size_t g = 0;
        for (; g + 8 <= ngw; g += 8)
            t = _mm256_fnmadd_ps(_mm256_loadu_ps(swzp + g), _mm256_loadu_ps(zs + g), t);
        for (; g < ngw; g++)
            corr += swzp[g] * zs[g];
    }
    out[m * ldo + n] = hsum(t) - corr;
}

/* W rows [n, n + NR) against activation rows [m0, m0 + MR): out[m][n]. p[r]: row n + r's sw
 * (ngw floats) followed by its sw * zp. NR * MR independent accumulators hide the FMA latency. */
static inline __attribute__((always_inline)) void
tile(const cpu_dq_act *a, const cpu_dq_w *w, const int bits, size_t n, size_t m0, const int NR,
     const int MR, const float *const *p, float *out, size_t ldo)
{
    const size_t K = a->K, bpg = w->G / CPU_DQ_BLOCK, ngw = w->ngw;
    const size_t wstride = bits == 4 ? CPU_DQ_BLOCK / 2 : CPU_DQ_BLOCK; /* bytes per W block */
    const __m256i xr = _mm256_set1_epi8((char)w->xor_mask);
    const int8_t *xa[DQ_T];
    const float *sap[DQ_T];
    const uint8_t *wp[DQ_T];
    for (int j = 0; j < MR; j++) {
        xa[j] = a->q + (m0 + j) * K;
        sap[j] = a->sa + (m0 + j) * a->nb;
    }
    for (int r = 0; r < NR; r++)
        wp[r] = w->data + (n + r) * K * wstride / CPU_DQ_BLOCK;
    __m256 acc[DQ_T];
    for (int i = 0; i < NR * MR; i++)
        acc[i] = _mm256_setzero_ps();
    for (size_t g = 0; g < ngw; g++) {
        __m256 gacc[DQ_T];
        for (int i = 0; i < NR * MR; i++)
            gacc[i] = _mm256_setzero_ps();
        for (size_t b = g * bpg; b < (g + 1) * bpg; b++) {
            __m256i x[DQ_T];
            __m256 sa[DQ_T];
            for (int j = 0; j < MR; j++) {
                x[j] = _mm256_loadu_si256((const __m256i *)(xa[j] + b * CPU_DQ_BLOCK));
                sa[j] = _mm256_broadcast_ss(sap[j] + b);
            }
            for (int r = 0; r < NR; r++) {
                __m256i av = _mm256_setzero_si256();
                __m256i v = load_w(bits, wp[r] + b * wstride, xr, &av);
                for (int j = 0; j < MR; j++)
                    gacc[r * MR + j] = _mm256_fmadd_ps(
                        _mm256_cvtepi32_ps(block_dot(bits, v, av, x[j])), sa[j], gacc[r * MR + j]);
            }
        }
        for (int r = 0; r < NR; r++) {
            __m256 s = _mm256_broadcast_ss(p[r] + g);
            for (int j = 0; j < MR; j++)
                acc[r * MR + j] = _mm256_fmadd_ps(gacc[r * MR + j], s, acc[r * MR + j]);
        }
    }
    for (int r = 0; r < NR; r++)
        for (int j = 0; j < MR; j++)
            store_out(a, w, p[r], n + r, m0 + j, acc[r * MR + j], out, ldo);
}

/* Prefill tile with integer sums: W row n against activation rows [m0, m0 + DQ_T) when runs of
 * sp >= 2 blocks share both scales (sp = gcd of the two groups in blocks). 4-bit: vpmaddubsw
 * results (<= 2 * 15 * 127 = 3810 per s16 lane) are added in int16 over up to 8 blocks, then one
 * vpmaddwd, cvt and fma per row; 8-bit: sign + vpmaddubsw + vpmaddwd + vpaddd per block and one
 * cvt + fma per row and run. The run's scale sa * sw goes into one float accumulator per row. */
static inline __attribute__((always_inline)) void tile_span(const cpu_dq_act *a,
                                                            const cpu_dq_w *w, const int bits,
                                                            size_t n, size_t m0, size_t sp,
                                                            const float *pr, float *out,
                                                            size_t ldo)
{
    const size_t K = a->K, bpg = w->G / CPU_DQ_BLOCK, nb = a->nb;
    const size_t wstride = bits == 4 ? CPU_DQ_BLOCK / 2 : CPU_DQ_BLOCK;
    const size_t chunk = bits == 4 ? 8 : sp; /* blocks summed before vpmaddwd / cvt */
    const __m256i xr = _mm256_set1_epi8((char)w->xor_mask), ones = _mm256_set1_epi16(1);
    const uint8_t *wp = w->data + n * K * wstride / CPU_DQ_BLOCK;
    const int8_t *xa = a->q + m0 * K;
    const float *sap = a->sa + m0 * nb;
    __m256 acc[DQ_T];
    for (int j = 0; j < DQ_T; j++)
        acc[j] = _mm256_setzero_ps();
    for (size_t b0 = 0; b0 < nb; b0 += sp) {
        const __m256 sw = _mm256_broadcast_ss(pr + b0 / bpg);
        for (size_t c0 = b0; c0 < b0 + sp; c0 += chunk) {
            size_t c1 = c0 + chunk < b0 + sp ? c0 + chunk : b0 + sp;
            __m256i s[DQ_T];
            for (int j = 0; j < DQ_T; j++)
                s[j] = _mm256_setzero_si256();
            for (size_t b = c0; b < c1; b++) {
                __m256i av = _mm256_setzero_si256();
                __m256i v = load_w(bits, wp + b * wstride, xr, &av);
                for (int j = 0; j < DQ_T; j++) {
                    __m256i x =
                        _mm256_loadu_si256((const __m256i *)(xa + j * K + b * CPU_DQ_BLOCK));
                    if (bits == 4)
                        s[j] = _mm256_add_epi16(s[j], _mm256_maddubs_epi16(v, x));
                    else
                        s[j] = _mm256_add_epi32(s[j], block_dot(8, v, av, x));
                }
            }
            for (int j = 0; j < DQ_T; j++) {
                __m256i d = bits == 4 ? _mm256_madd_epi16(s[j], ones) : s[j];
                __m256 sc = _mm256_mul_ps(_mm256_broadcast_ss(sap + j * nb + b0), sw);
                acc[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(d), sc, acc[j]);
            }
        }
    }
    for (int j = 0; j < DQ_T; j++)
        store_out(a, w, pr, n, m0 + j, acc[j], out, ldo);
}

static size_t gcd(size_t x, size_t y)
{
    while (y != 0) {
        size_t t = x % y;
        x = y;
        y = t;
    }
    return x;
}

static inline __attribute__((always_inline)) void
rows(const cpu_dq_act *a, const cpu_dq_w *w, const int bits, size_t n0, size_t n1, float *out,
     size_t ldo, float *pbuf)
{
    size_t ngw = w->ngw;
    size_t sp = a->ga ? gcd(a->ga / CPU_DQ_BLOCK, w->G / CPU_DQ_BLOCK) : 1; /* shared-scale run */
    for (size_t s0 = n0; s0 < n1; s0 += CPU_DQ_NB) {
        size_t s1 = n1 - s0 < CPU_DQ_NB ? n1 : s0 + CPU_DQ_NB;
        const float *p[CPU_DQ_NB];
        for (size_t n = s0; n < s1; n++) {
            float *q = pbuf + (n - s0) * 2 * ngw;
            row_params(w, n, q, q + ngw);
            for (size_t g = 0; g < ngw; g++)
                q[ngw + g] *= q[g]; /* zp -> sw * zp */
            p[n - s0] = q;
        }
        size_t m0 = 0;
        for (; m0 + DQ_T <= a->M; m0 += DQ_T) /* prefill: 4 activation rows share a W block */
            for (size_t n = s0; n < s1; n++) {
                if (sp == 4) /* constant runs unroll fully (the common 128 / 128 groups) */
                    tile_span(a, w, bits, n, m0, 4, p[n - s0], out, ldo);
                else if (sp == 8)
                    tile_span(a, w, bits, n, m0, 8, p[n - s0], out, ldo);
                else if (sp >= 2)
                    tile_span(a, w, bits, n, m0, sp, p[n - s0], out, ldo);
                else
                    tile(a, w, bits, n, m0, 1, DQ_T, p + (n - s0), out, ldo);
            }
        for (; m0 < a->M; m0++) { /* decode: 4 W rows share an activation block */
            size_t n = s0;
            for (; n + DQ_T <= s1; n += DQ_T)
                tile(a, w, bits, n, m0, DQ_T, 1, p + (n - s0), out, ldo);
            for (; n < s1; n++)
                tile(a, w, bits, n, m0, 1, 1, p + (n - s0), out, ldo);
        }
    }
}

void cpu_dq_rows_avx2(const cpu_dq_act *a, const cpu_dq_w *w, size_t n0, size_t n1, float *out,
                      size_t ldo, float *pbuf)
{
    if (w->bits == 4)
        rows(a, w, 4, n0, n1, out, ldo, pbuf);
    else
        rows(a, w, 8, n0, n1, out, ldo, pbuf);
}
