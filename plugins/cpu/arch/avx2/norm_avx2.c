/*
 * arch/avx2/norm_avx2.c - AVX2 rows of RMSNorm (sum of squares, scale-and-gamma) used by the
 * norm and fused Add+RMSNorm kernels (see ew_avx2.h). Pure, reentrant.
 */
#include <immintrin.h>

#include "ew_avx2.h"

double cpu_avx2_sumsq_f32(const float *x, size_t n)
{
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256 v0 = _mm256_loadu_ps(x + i), v1 = _mm256_loadu_ps(x + i + 8);
        __m256 v2 = _mm256_loadu_ps(x + i + 16), v3 = _mm256_loadu_ps(x + i + 24);
        a0 = _mm256_fmadd_ps(v0, v0, a0);
        a1 = _mm256_fmadd_ps(v1, v1, a1);
        a2 = _mm256_fmadd_ps(v2, v2, a2);
        a3 = _mm256_fmadd_ps(v3, v3, a3);
    }
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        a0 = _mm256_fmadd_ps(v, v, a0);
    }
    __m256 s = _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3));
    float lanes[8];
    _mm256_storeu_ps(lanes, s);
    double acc = 0;
    for (int k = 0; k < 8; k++)
        acc += lanes[k];
    for (; i < n; i++)
        acc += (double)x[i] * x[i];
    return acc;
}

void cpu_avx2_scale_mul_f32(const float *x, float inv, const float *gamma, float *y, size_t n)
{
    __m256 vi = _mm256_set1_ps(inv);
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(x + i), vi),
                                              _mm256_loadu_ps(gamma + i)));
    for (; i < n; i++)
        y[i] = x[i] * inv * gamma[i];
}
