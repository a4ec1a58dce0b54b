/*
 * arch/avx2/dq_quant_avx2.c - AVX2 activation quantization of the dynamic-quantization linear
 * path (see kernels/matmul/dq.h): bit-identical to cpu_dq_quant_group_scalar (same max, same
 * x * (127 / max) product, vcvtps2dq rounds half to even like lrintf) and to
 * cpu_dq_perm_block_scalar. Entered only when cpu_isa_active() >= AVX2. Pure, reentrant.
 */
#include <immintrin.h>

#include "kernels/matmul/dq.h"

void cpu_dq_quant_group_avx2(const float *x, size_t n, int8_t *q, float *scale)
{
    const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    __m256 mx = _mm256_setzero_ps();
    for (size_t i = 0; i < n; i += 8)
        mx = _mm256_max_ps(mx, _mm256_and_ps(_mm256_loadu_ps(x + i), abs_mask));
    __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(mx), _mm256_extractf128_ps(mx, 1));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
    float amax = _mm_cvtss_f32(m4);
    *scale = amax / 127.0f;
    const __m256 inv = _mm256_set1_ps(amax > 0.0f ? 127.0f / amax : 0.0f);
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    for (size_t i = 0; i < n; i += CPU_DQ_BLOCK) {
        __m256i i0 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + i), inv));
        __m256i i1 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + i + 8), inv));
        __m256i i2 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + i + 16), inv));
        __m256i i3 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + i + 24), inv));
        __m256i b = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
        b = _mm256_max_epi8(b, _mm256_set1_epi8(-127)); /* as the scalar clamp */
        _mm256_storeu_si256((__m256i *)(q + i), _mm256_permutevar8x32_epi32(b, order));
    }
}

void cpu_dq_perm_block_avx2(int8_t *block)
{
    const __m256i idx = _mm256_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15, 0, 2,
                                         4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
    __m256i v = _mm256_shuffle_epi8(_mm256_loadu_si256((const __m256i *)block), idx);
    _mm256_storeu_si256((__m256i *)block, _mm256_permute4x64_epi64(v, 0xD8));
}
