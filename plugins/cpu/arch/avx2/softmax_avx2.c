/*
 * arch/avx2/softmax_avx2.c - AVX2 softmax row: max, exp(x - max) with cpu_v8_exp (sum in f32
 * lanes, added in double), then scale (see ew_avx2.h). Pure, reentrant.
 */
#include <math.h>

#include "ew_avx2.h"
#include "vmath_avx2.h"

void cpu_avx2_softmax_f32(const float *x, float *y, size_t n)
{
    size_t i = 0;
    float mx = -INFINITY;
    if (n >= 8) {
        __m256 m = _mm256_loadu_ps(x);
        for (i = 8; i + 8 <= n; i += 8)
            m = _mm256_max_ps(m, _mm256_loadu_ps(x + i));
        float l[8];
        _mm256_storeu_ps(l, m);
        for (int k = 0; k < 8; k++)
            mx = l[k] > mx ? l[k] : mx;
    }
    for (; i < n; i++)
        mx = x[i] > mx ? x[i] : mx;
    __m256 vm = _mm256_set1_ps(mx), acc = _mm256_setzero_ps();
    for (i = 0; i + 8 <= n; i += 8) {
        __m256 e = cpu_v8_exp(_mm256_sub_ps(_mm256_loadu_ps(x + i), vm));
        _mm256_storeu_ps(y + i, e);
        acc = _mm256_add_ps(acc, e);
    }
    float l[8];
    _mm256_storeu_ps(l, acc);
    double sum = 0;
    for (int k = 0; k < 8; k++)
        sum += l[k];
    for (; i < n; i++) {
        float t[8] = {x[i] - mx};
        _mm256_storeu_ps(t, cpu_v8_exp(_mm256_loadu_ps(t)));
        y[i] = t[0];
        sum += t[0];
    }
    __m256 inv = _mm256_set1_ps((float)(1.0 / sum));
    for (i = 0; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_loadu_ps(y + i), inv));
    for (; i < n; i++)
        y[i] *= (float)(1.0 / sum);
}
