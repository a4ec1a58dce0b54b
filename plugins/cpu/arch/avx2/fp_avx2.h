/*
 * arch/avx2/fp_avx2.h - small AVX2 inline helpers shared by the float MatMul kernels
 * (fp_gemv_avx2.c, fp_tile_avx2.c). Include only from files compiled with -mavx2 -mfma -mf16c.
 * Pure inline functions, thread-safe.
 */
#ifndef GENRT_CPU_ARCH_AVX2_FP_H
#define GENRT_CPU_ARCH_AVX2_FP_H

#include <immintrin.h>

#define CPU_FP_INLINE static inline __attribute__((always_inline))

/* Sum of the 8 lanes. */
CPU_FP_INLINE float cpu_avx2_hsum(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* Lane mask selecting the first n (0..8) of 8 lanes, for maskload/maskstore. */
CPU_FP_INLINE __m256i cpu_avx2_mask(size_t n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n),
                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

#endif
