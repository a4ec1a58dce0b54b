/*
 * arch/avx2/dq_gemm_avx2.c - AVX2 prefill GEMM of the dynamic-quantization linear path (M >= 4;
 * see kernels/matmul/dq.h for the formula and layouts). Entered only when cpu_isa_active() >= AVX2.
 *
 * W rows are walked in panels of DQG_PANEL rows. Each panel is unpacked once per call into the
 * calling thread's scratch (slot 2), block-major: for each 32-block b, the panel rows' 32 bytes one
 * after another, 4-bit weights as u4 bytes in the even-then-odd order of the activation block,
 * 8-bit weights as s8 (xor mask applied). Every tile of DQG_MR activation rows x DQG_NR panel rows
 * then reads the panel from L1/L2 with no unpacking: per block and (m, n) pair one vpmaddubsw (8-bit:
 * sign trick, vpmaddubsw(|w|, sign(a, w))), one vpmaddwd and one vpaddd into int32 accumulators.
 * The int32 sums run over a "span": the blocks where both the activation scale and the weight scale
 * are constant (gcd of the activation group and weight group, at most DQG_CHUNK blocks so the sums
 * stay exact in float), then one convert + fma with sa * sw per pair and span. Larger
 * DYNAMIC_QUANTIZATION_GROUP_SIZE values therefore make the kernel faster (fewer conversions).
 * Zero points are corrected at the end as in dq.h. Results equal the scalar kernel up to float
 * summation order.
 *
 * Threading: reentrant; each call writes out[m][n0..n1) only. Memory: the per-thread scratch slot 2
 * (grows once); when it cannot grow, falls back to cpu_dq_rows_avx2 (no extra memory).
 */
#include <immintrin.h>

#include "kernels/matmul/dq.h"
#include "threads/scratch.h"

#define DQG_PANEL 16 /* W rows unpacked at once */
#define DQG_MR 4     /* activation rows per tile */
#define DQG_NR 2     /* W rows per tile */
#define DQG_CHUNK 64 /* blocks summed in int32 before the conversion to float */

#define DQG_INLINE static inline __attribute__((always_inline))

static size_t gcd(size_t x, size_t y)
{
    while (y != 0) {
        size_t t = x % y;
        x = y;
        y = t;
    }
    return x;
}

/* Unpacks W rows [n, n + ns) into dst (layout above). */
static void pack_panel(const cpu_dq_w *w, size_t n, size_t ns, int8_t *dst)
{
    const size_t nb = w->K / CPU_DQ_BLOCK;
    const __m256i xr = _mm256_set1_epi8((char)w->xor_mask);
    for (size_t r = 0; r < ns; r++) {
        int8_t *d = dst + r * CPU_DQ_BLOCK;
        if (w->bits == 8) {
            const uint8_t *src = w->data + (n + r) * w->K;
            for (size_t b = 0; b < nb; b++) {
                __m256i v = _mm256_loadu_si256((const __m256i *)(src + b * CPU_DQ_BLOCK));
                _mm256_storeu_si256((__m256i *)(d + b * ns * CPU_DQ_BLOCK),
                                    _mm256_xor_si256(v, xr));
            }
            continue;
        }
        const uint8_t *src = w->data + (n + r) * w->K / 2;
        const __m128i lo = _mm_set1_epi8(0x0f), x4 = _mm256_castsi256_si128(xr);
        for (size_t b = 0; b < nb; b++) {
            __m128i v = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(src + b * 16)), x4);
            __m256i u = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(v, 4), lo),
                                         _mm_and_si128(v, lo)); /* even elements, then odd */
            _mm256_storeu_si256((__m256i *)(d + b * ns * CPU_DQ_BLOCK), u);
        }
    }
}

/* Tile: activation rows [m0, m0 + MR) x panel rows [r0, r0 + NR) (W rows n + r0 ...).
 * pw: the panel (ns rows); p[r]: panel row r's sw[ngw] then sw * zp[ngw]; span: blocks per span. */
DQG_INLINE void tile(const cpu_dq_act *a, const cpu_dq_w *w, const int bits, const int8_t *pw,
                     size_t ns, size_t r0, const int NR, size_t m0, const int MR,
                     float *const *p, size_t span, float *out, size_t ldo, size_t n)
{
    const size_t K = a->K, nb = a->nb, bpg = w->G / CPU_DQ_BLOCK, ngw = w->ngw;
    const __m256i ones = _mm256_set1_epi16(1);
    const int8_t *xa[DQG_MR];
    const float *sap[DQG_MR];
    for (int j = 0; j < MR; j++) {
        xa[j] = a->q + (m0 + j) * K;
        sap[j] = a->sa + (m0 + j) * nb;
    }
    __m256 facc[DQG_MR * DQG_NR];
    for (int i = 0; i < MR * NR; i++)
        facc[i] = _mm256_setzero_ps();
    for (size_t s0 = 0; s0 < nb; s0 += span) {
        const size_t g = s0 / bpg;
        for (size_t b0 = s0; b0 < s0 + span; b0 += DQG_CHUNK) {
            const size_t b1 = s0 + span - b0 < DQG_CHUNK ? s0 + span : b0 + DQG_CHUNK;
            __m256i iacc[DQG_MR * DQG_NR];
            for (int i = 0; i < MR * NR; i++)
                iacc[i] = _mm256_setzero_si256();
            for (size_t b = b0; b < b1; b++) {
                const int8_t *wb = pw + (b * ns + r0) * CPU_DQ_BLOCK;
                __m256i v[DQG_NR], av[DQG_NR];
                for (int r = 0; r < NR; r++) {
                    v[r] = _mm256_loadu_si256((const __m256i *)(wb + r * CPU_DQ_BLOCK));
                    if (bits == 8)
                        av[r] = _mm256_abs_epi8(v[r]);
                }
                for (int j = 0; j < MR; j++) {
                    __m256i x = _mm256_loadu_si256((const __m256i *)(xa[j] + b * CPU_DQ_BLOCK));
                    for (int r = 0; r < NR; r++) {
                        __m256i d = bits == 4
                                        ? _mm256_maddubs_epi16(v[r], x)
                                        : _mm256_maddubs_epi16(av[r], _mm256_sign_epi8(x, v[r]));
                        iacc[r * MR + j] =
                            _mm256_add_epi32(iacc[r * MR + j], _mm256_madd_epi16(d, ones));
                    }
                }
            }
            for (int r = 0; r < NR; r++) {
                const float sw = p[r0 + r][g];
                for (int j = 0; j < MR; j++)
                    facc[r * MR + j] =
                        _mm256_fmadd_ps(_mm256_cvtepi32_ps(iacc[r * MR + j]),
                                        _mm256_set1_ps(sw * sap[j][s0]), facc[r * MR + j]);
            }
        }
    }
    for (int r = 0; r < NR; r++)
        for (int j = 0; j < MR; j++) {
            __m256 t = facc[r * MR + j];
            __m128 h = _mm_add_ps(_mm256_castps256_ps128(t), _mm256_extractf128_ps(t, 1));
            h = _mm_add_ps(h, _mm_movehl_ps(h, h));
            h = _mm_add_ss(h, _mm_movehdup_ps(h));
            float v = _mm_cvtss_f32(h);
            if (w->has_zp) { /* p[r] + ngw holds sw * zp */
                const float *zs = a->zs + (m0 + j) * a->ngw, *swzp = p[r0 + r] + ngw;
                for (size_t q = 0; q < ngw; q++)
                    v -= swzp[q] * zs[q];
            }
            out[(m0 + j) * ldo + n + r0 + r] = v;
        }
}

/* All activation rows against panel rows [0, ns). */
DQG_INLINE void panel(const cpu_dq_act *a, const cpu_dq_w *w, const int bits, const int8_t *pw,
                      size_t ns, float *const *p, size_t span, float *out, size_t ldo, size_t n)
{
    size_t m0 = 0;
    for (; m0 + DQG_MR <= a->M; m0 += DQG_MR) {
        size_t r = 0;
        for (; r + DQG_NR <= ns; r += DQG_NR)
            tile(a, w, bits, pw, ns, r, DQG_NR, m0, DQG_MR, p, span, out, ldo, n);
        for (; r < ns; r++)
            tile(a, w, bits, pw, ns, r, 1, m0, DQG_MR, p, span, out, ldo, n);
    }
    for (; m0 < a->M; m0++) {
        size_t r = 0;
        for (; r + DQG_NR <= ns; r += DQG_NR)
            tile(a, w, bits, pw, ns, r, DQG_NR, m0, 1, p, span, out, ldo, n);
        for (; r < ns; r++)
            tile(a, w, bits, pw, ns, r, 1, m0, 1, p, span, out, ldo, n);
    }
}

void cpu_dq_gemm_avx2(const cpu_dq_act *a, const cpu_dq_w *w, size_t n0, size_t n1, float *out,
                      size_t ldo, float *pbuf)
{
    int8_t *pw = cpu_scratch(2, DQG_PANEL * a->K);
    if (pw == NULL) {
        cpu_dq_rows_avx2(a, w, n0, n1, out, ldo, pbuf);
        return;
    }
    const size_t ngw = w->ngw;
    size_t span = gcd(a->ga ? a->ga : CPU_DQ_BLOCK, w->G) / CPU_DQ_BLOCK;
    for (size_t s0 = n0; s0 < n1; s0 += DQG_PANEL) {
        const size_t ns = n1 - s0 < DQG_PANEL ? n1 - s0 : DQG_PANEL;
        float *p[DQG_PANEL];
        for (size_t r = 0; r < ns; r++) {
            p[r] = pbuf + r * 2 * ngw;
            cpu_dq_row_params(w, s0 + r, p[r], p[r] + ngw);
            for (size_t g = 0; g < ngw; g++)
                p[r][ngw + g] *= p[r][g]; /* zp -> sw * zp */
        }
        pack_panel(w, s0, ns, pw);
        if (w->bits == 4)
            panel(a, w, 4, pw, ns, p, span, out, ldo, s0);
        else
            panel(a, w, 8, pw, ns, p, span, out, ldo, s0);
    }
}
