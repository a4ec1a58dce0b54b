/*
 * arch/amx/bf16_gemm_amx.c - the AMX-BF16 GEMM of the prompt-sized linear layers (INFERENCE_
 * PRECISION_HINT bf16, and compressed weights in place of the int8 GEMM: kernels/matmul/
 * linear_bf16.c; layouts in bf16_kernels.h). Entered only when cpu_isa_has_amx_bf16().
 *
 * tdpbf16ps sums 16 x 16 x 32 bf16 products into an f32 C tile, so unlike the int8 GEMM of
 * dynamic quantization (dq_gemm_amx.c) nothing is folded per block: a C tile runs over all of K
 * and is stored once. Micro-tile: 32 activation rows x one 32-row W panel = 2 x 2 C tiles (0-3),
 * A tiles 4, 5 (rows 0-15, 16-31), B tiles 6, 7 (panel halves); per block 4 tile loads, 4
 * tdpbf16ps. A last group of 16 rows or fewer uses C tiles 0, 1 only. C tiles with 16 valid rows
 * and 16 valid outputs are stored straight into out; others go through a 1 KiB stack buffer.
 *
 * The W panels are built per call from the weight (bf16 rounding of the dequantized value):
 * from the int8 GEMM's u8 panel by u * sw - sw * zp' in f32, rounded to bf16 and interleaved into
 * pairs of k with two permutes per 64 values; from plain rows through a 16 x 16 transpose of
 * bf16 pairs (a gather from a small buffer). Reentrant, no allocation; tile configuration loaded
 * in cpu_amx_bf16_gemm and released before it returns.
 */
#include <immintrin.h>
#include <string.h>

#include "kernels/matmul/bf16_kernels.h"
#include "arch/avx512/lanes512.h"
#include "tilecfg.h"

#define MT CPU_BF16_MR
#define PB CPU_BF16_PANEL_BLOCK

/* Palette 1, tiles 0-7 all 16 rows x 64 bytes (C: 16 f32; A: 32 bf16; B: 16 pairs x 16 rows). */
static void load_config(void)
{
    cpu_amx_cfg c;
    cpu_amx_cfg_init(&c);
    for (int t = 0; t < 8; t++)
        cpu_amx_cfg_tile(&c, t, MT, 64);
    _tile_loadconfig(&c);
}

/* Indices 0, 2, .., 30 (odd = 0) or 1, 3, .., 31 into the 32 lanes of two vectors. */
static inline __m512i every_other(int odd)
{
    return _mm512_add_epi32(
        _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0),
        _mm512_set1_epi32(odd));
}

/* The 32 bf16 of x[0 .. 32) (perm4: the 16 even ones, then the 16 odd ones). */
static inline __m512i bf16_block(const float *x, int perm4)
{
    __m512 lo = _mm512_loadu_ps(x), hi = _mm512_loadu_ps(x + 16);
    if (perm4) {
        const __m512i ie = every_other(0), io = every_other(1);
        const __m512 e = _mm512_permutex2var_ps(lo, ie, hi);
        hi = _mm512_permutex2var_ps(lo, io, hi);
        lo = e;
    }
    return (__m512i)_mm512_cvtne2ps_pbh(hi, lo);
}

void cpu_amx_bf16_act(const float *a, size_t lda, size_t rows, size_t K, int perm4, uint16_t *dst,
                      size_t ldd)
{
    for (size_t r = 0; r < MT; r++) {
        uint16_t *d = dst + r * ldd;
        if (r >= rows) {
            memset(d, 0, K * sizeof(uint16_t));
            continue;
        }
        for (size_t k = 0; k < K; k += 32)
            _mm512_storeu_si512(d + k, bf16_block(a + r * lda + k, perm4));
    }
}

void cpu_amx_bf16_panel_dq(const uint8_t *pw, const float *swg, const float *swzp, size_t nb,
                           size_t bpg, uint16_t *pt)
{
    const __m512i ie = every_other(0), io = every_other(1);
    __m512i iq[4]; /* lane i of quarter q: output 4q + i / 4 (4 k per output) */
    for (int q = 0; q < 4; q++)
        iq[q] = _mm512_set_epi32(4 * q + 3, 4 * q + 3, 4 * q + 3, 4 * q + 3, 4 * q + 2, 4 * q + 2,
                                 4 * q + 2, 4 * q + 2, 4 * q + 1, 4 * q + 1, 4 * q + 1, 4 * q + 1,
                                 4 * q, 4 * q, 4 * q, 4 * q);
    for (size_t b = 0; b < nb; b++) {
        const size_t g = b / bpg;
        for (size_t h = 0; h < 2; h++) {
            const __m512 sw = _mm512_loadu_ps(swg + g * CPU_BF16_NR + h * 16);
            const __m512 zp = _mm512_loadu_ps(swzp + g * CPU_BF16_NR + h * 16);
            __m512 S[4], Z[4];
            for (int q = 0; q < 4; q++) {
                S[q] = _mm512_permutexvar_ps(iq[q], sw);
                Z[q] = _mm512_permutexvar_ps(iq[q], zp);
            }
            uint16_t *d = pt + (b * 2 + h) * (PB / 2);
#pragma GCC unroll 8
            for (size_t s = 0; s < 8; s++) {
                /* [16 outputs][4 k] u8 -> two B tile rows: k pairs 2s and 2s + 1 */
                const __m512i u = _mm512_loadu_si512(pw + b * PB + s * 128 + h * 64);
                __m512 f[4];
                f[0] = _mm512_fmsub_ps(
                    _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm512_castsi512_si128(u))), S[0], Z[0]);
                f[1] = _mm512_fmsub_ps(
                    _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(u, 1))), S[1],
                    Z[1]);
                f[2] = _mm512_fmsub_ps(
                    _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(u, 2))), S[2],
                    Z[2]);
                f[3] = _mm512_fmsub_ps(
                    _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(u, 3))), S[3],
                    Z[3]);
                /* as pairs: lo = outputs 0-7 x (pair 0, pair 1), hi = outputs 8-15 */
                const __m512i lo = (__m512i)_mm512_cvtne2ps_pbh(f[1], f[0]);
                const __m512i hi = (__m512i)_mm512_cvtne2ps_pbh(f[3], f[2]);
                _mm512_storeu_si512(d + (2 * s) * 32, _mm512_permutex2var_epi32(lo, ie, hi));
                _mm512_storeu_si512(d + (2 * s + 1) * 32, _mm512_permutex2var_epi32(lo, io, hi));
            }
        }
    }
}

/* The 32 bf16 of plain row `row`, k [k0, k0 + 32). */
static inline __m512i fp_row_block(const cpu_fpw *w, size_t row, size_t k0)
{
    const size_t i = row * w->K + k0;
    switch (w->type) {
    case GRT_BF16: return _mm512_loadu_si512((const uint16_t *)w->data + i);
    case GRT_F16: {
        const uint16_t *p = (const uint16_t *)w->data + i;
        const __m512 lo = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p));
        const __m512 hi = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(p + 16)));
        return (__m512i)_mm512_cvtne2ps_pbh(hi, lo);
    }
    default: return bf16_block((const float *)w->data + i, 0);
    }
}

void cpu_amx_bf16_panel_fp(const cpu_fpw *w, size_t n, size_t nr, uint16_t *pt, uint32_t *tmp)
{
    const size_t nb = w->K / 32;
    const __m512i rows = _mm512_mullo_epi32(
        _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0), _mm512_set1_epi32(16));
    for (size_t b = 0; b < nb; b++)
        for (size_t h = 0; h < 2; h++) {
            /* tmp[r][p] = pair p of panel row h * 16 + r; the tile row p is its column p */
            for (size_t r = 0; r < 16; r++) {
                const size_t o = h * 16 + r;
                _mm512_store_si512(tmp + r * 16, o < nr ? fp_row_block(w, n + o, b * 32)
                                                        : _mm512_setzero_si512());
            }
            uint16_t *d = pt + (b * 2 + h) * (PB / 2);
            for (int p = 0; p < 16; p++)
                _mm512_storeu_si512(
                    d + p * 32, _mm512_i32gather_epi32(_mm512_add_epi32(rows, _mm512_set1_epi32(p)),
                                                       tmp, 4));
        }
}

/* Stores C tile t (rows r0.., outputs c0.. of the micro-tile at o) where rows / cols are valid:
 * straight into out when the whole 16 x 16 is, else through buf. */
#define STORE(t, r0, c0)                                                                           \
    do {                                                                                           \
        const size_t rr = rows > (r0) ? (rows - (r0) < 16 ? rows - (r0) : 16) : 0;                 \
        const size_t cc = cols > (c0) ? (cols - (c0) < 16 ? cols - (c0) : 16) : 0;                 \
        if (rr == 16 && cc == 16) {                                                                \
            _tile_stored(t, o + (r0) * ldo + (c0), (long)(ldo * sizeof(float)));                   \
        } else if (rr > 0 && cc > 0) {                                                             \
            _tile_stored(t, buf, 64);                                                              \
            const __mmask16 k = cpu_avx512_lanes(cc);                                              \
            for (size_t j = 0; j < rr; j++)                                                        \
                _mm512_mask_storeu_ps(o + ((r0) + j) * ldo + (c0), k,                              \
                                      _mm512_load_ps(buf + j * 16));                               \
        }                                                                                          \
    } while (0)

void cpu_amx_bf16_gemm(const uint16_t *act, size_t lda, size_t M, const uint16_t *pt, size_t nb,
                       size_t np, size_t nvalid, float *out, size_t ldo)
{
    float buf[MT * 16] __attribute__((aligned(64)));
    const long sa = (long)(lda * sizeof(uint16_t));
    load_config();
    for (size_t m0 = 0; m0 < M; m0 += 2 * MT) {
        const size_t rows = M - m0 < 2 * MT ? M - m0 : 2 * MT;
        const uint16_t *a = act + m0 * lda;
        for (size_t p = 0; p < np; p++) {
            const uint16_t *pb = pt + p * nb * PB;
            const size_t cols = nvalid - p * CPU_BF16_NR;
            float *o = out + m0 * ldo + p * CPU_BF16_NR;
            _tile_zero(0);
            _tile_zero(1);
            if (rows > MT) {
                _tile_zero(2);
                _tile_zero(3);
                for (size_t b = 0; b < nb; b++) {
                    _tile_loadd(4, a + b * 32, sa);
                    _tile_loadd(5, a + MT * lda + b * 32, sa);
                    _tile_loadd(6, pb + b * PB, 64);
                    _tile_loadd(7, pb + b * PB + PB / 2, 64);
                    _tile_dpbf16ps(0, 4, 6);
                    _tile_dpbf16ps(1, 4, 7);
                    _tile_dpbf16ps(2, 5, 6);
                    _tile_dpbf16ps(3, 5, 7);
                }
                STORE(2, 16, 0);
                STORE(3, 16, 16);
            } else {
                for (size_t b = 0; b < nb; b++) {
                    _tile_loadd(4, a + b * 32, sa);
                    _tile_loadd(6, pb + b * PB, 64);
                    _tile_loadd(7, pb + b * PB + PB / 2, 64);
                    _tile_dpbf16ps(0, 4, 6);
                    _tile_dpbf16ps(1, 4, 7);
                }
            }
            STORE(0, 0, 0);
            STORE(1, 0, 16);
        }
    }
    _tile_release();
}
