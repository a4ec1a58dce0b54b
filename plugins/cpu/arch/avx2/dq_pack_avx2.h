/*
 * arch/avx2/dq_pack_avx2.h - panel-packing helpers shared by the GEMMs of the dynamic-quantization
 * path (arch/avx2/dq_avx2.c, arch/avx512/dq_gemm_avx512.c): a weight block unpacked to bytes in
 * the activation order, an 8 x 8 dword transpose, and 8 rows of a panel packed with both. Include
 * only from files compiled with at least -mavx2. Pure, thread-safe.
 */
#ifndef GENRT_CPU_ARCH_AVX2_DQ_PACK_H
#define GENRT_CPU_ARCH_AVX2_DQ_PACK_H

#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#include "kernels/matmul/dq.h"

/* Block b of the W row whose unit 0 is at `src` (units `us` bytes apart, dq.h) unpacked into the
 * activation order (4-bit: 16 bytes, low nibbles = positions 0-15, high nibbles = 16-31; 8-bit: 32
 * bytes as s8); NULL = a zero row. */
static inline __m256i dqp_unpack_block(const uint8_t *src, size_t us, int bits, size_t b,
                                       __m256i xr)
{
    if (src == NULL)
        return _mm256_setzero_si256();
    if (bits == 4) {
        __m128i p = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(src + b / 2 * us + b % 2 * 16)),
                                  _mm256_castsi256_si128(xr));
        return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(p, 4), p), _mm256_set1_epi8(0x0f));
    }
    return _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(src + b * us)), xr);
}

/* In place 8 x 8 transpose of 32-bit elements: r[i] dword s -> r[s] dword i. */
static inline void cpu_avx2_transpose8x32(__m256i r[8])
{
    __m256i t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_epi32(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_epi32(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
        u[i] = _mm256_unpacklo_epi64(t[i], t[i + 2]);
        u[i + 1] = _mm256_unpackhi_epi64(t[i], t[i + 2]);
        u[i + 2] = _mm256_unpacklo_epi64(t[i + 1], t[i + 3]);
        u[i + 3] = _mm256_unpackhi_epi64(t[i + 1], t[i + 3]);
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm256_permute2x128_si256(u[i], u[i + 4], 0x20);
        r[i + 4] = _mm256_permute2x128_si256(u[i], u[i + 4], 0x31);
    }
}

/* Rows [n + 8v, n + 8v + 8) of a panel of the weight's rows [n, n + nr) packed: for each 32-block
 * b and step st (4 k), the 8 rows' 4 bytes at pw + b * block_bytes + st * step_bytes + v * 32
 * (values xor-ed with xr; rows past nr are zero). */
static inline void dqp_pack_rows8(const cpu_dq_w *w, size_t n, size_t nr, size_t v, __m256i xr,
                                  uint8_t *pw, size_t block_bytes, size_t step_bytes)
{
    const uint8_t *src[8];
    size_t us[8];
    for (size_t i = 0; i < 8; i++)
        src[i] = v * 8 + i < nr ? cpu_dq_unit(w, n + v * 8 + i, 0, &us[i]) : NULL;
    for (size_t b = 0; b < w->K / CPU_DQ_BLOCK; b++) {
        __m256i r[8];
        for (int i = 0; i < 8; i++)
            r[i] = dqp_unpack_block(src[i], us[i], w->bits, b, xr);
        cpu_avx2_transpose8x32(r);
        for (int st = 0; st < 8; st++)
            _mm256_storeu_si256(
                (__m256i *)(pw + b * block_bytes + (size_t)st * step_bytes + v * 32), r[st]);
    }
}

#endif
