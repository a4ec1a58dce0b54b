/*
 * arch/avx2/vmath_avx2.h - vectorised exp / sigmoid / SiLU / GELU for 8 f32 lanes (AVX2 + FMA),
 * shared by the AVX2 elementwise, norm, softmax and fused kernels (static inline: include only
 * from files in arch/avx2/, which are compiled with -mavx2 -mfma -mf16c).
 *
 * cpu_v8_exp: Cephes-style range reduction x = n ln2 + r (|r| <= ln2/2, ln2 split in two parts)
 * and a degree-5 polynomial, scaled by 2^n through the exponent bits. Inputs are clamped to
 * [-87.336, 88.722] (results stay normal; exp(-inf) gives 1.2e-38 instead of 0, exp(+inf) gives
 * 3.4e38 instead of inf); NaN propagates. Measured max relative error against double exp on
 * [-87, 88]: below 2.5e-7 (about 2 ulp), checked by tests/unit/cpu_kernels/test_elementwise.c.
 * Sigmoid/SiLU use an exact division, so their relative error is that of exp plus 1 ulp.
 * cpu_v8_erf: Abramowitz-Stegun 7.1.26 (absolute error <= 1.5e-7 + exp's).
 *
 * Pure functions, reentrant.
 */
#ifndef GENRT_CPU_ARCH_AVX2_VMATH_H
#define GENRT_CPU_ARCH_AVX2_VMATH_H

#include <immintrin.h>

static inline __m256 cpu_v8_exp(__m256 x)
{
    const __m256 hi = _mm256_set1_ps(88.7228394f), lo = _mm256_set1_ps(-87.3365479f);
    x = _mm256_min_ps(hi, x); /* NaN: the second operand (x) is returned */
    x = _mm256_max_ps(lo, x);
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500E-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507E-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073E-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894E-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459E-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201E-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    /* 2^n: n in [-126, 128]; split as 2^(n/2) * 2^(n - n/2) so n = 128 does not overflow */
    __m256i ni = _mm256_cvtps_epi32(n);
    __m256i h = _mm256_srai_epi32(ni, 1);
    __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(h, _mm256_set1_epi32(127)), 23));
    __m256 s2 = _mm256_castsi256_ps(
        _mm256_slli_epi32(_mm256_add_epi32(_mm256_sub_epi32(ni, h), _mm256_set1_epi32(127)), 23));
    return _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
}

/* 1 / (1 + exp(-x)) */
static inline __m256 cpu_v8_sigmoid(__m256 x)
{
    const __m256 one = _mm256_set1_ps(1.0f);
    __m256 e = cpu_v8_exp(_mm256_sub_ps(_mm256_setzero_ps(), x));
    return _mm256_div_ps(one, _mm256_add_ps(one, e));
}

/* x / (1 + exp(-x)), the same expression as the scalar SiLU */
static inline __m256 cpu_v8_silu(__m256 x)
{
    __m256 e = cpu_v8_exp(_mm256_sub_ps(_mm256_setzero_ps(), x));
    return _mm256_div_ps(x, _mm256_add_ps(_mm256_set1_ps(1.0f), e));
}

/* erf(x), Abramowitz-Stegun 7.1.26 on |x| with the sign restored */
static inline __m256 cpu_v8_erf(__m256 x)
{
    const __m256 sign = _mm256_set1_ps(-0.0f), one = _mm256_set1_ps(1.0f);
    __m256 ax = _mm256_andnot_ps(sign, x);
    __m256 t = _mm256_div_ps(one, _mm256_fmadd_ps(_mm256_set1_ps(0.3275911f), ax, one));
    __m256 p = _mm256_set1_ps(1.061405429f);
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-1.453152027f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.421413741f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-0.284496736f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.254829592f));
    p = _mm256_mul_ps(p, t);
    __m256 e = cpu_v8_exp(_mm256_sub_ps(_mm256_setzero_ps(), _mm256_mul_ps(ax, ax)));
    __m256 y = _mm256_fnmadd_ps(p, e, one);
    return _mm256_or_ps(y, _mm256_and_ps(sign, x));
}

/* 0.5 x (1 + erf(x / sqrt 2)) */
static inline __m256 cpu_v8_gelu_erf(__m256 x)
{
    __m256 e = cpu_v8_erf(_mm256_mul_ps(x, _mm256_set1_ps(0.70710678118654752f)));
    return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), x), _mm256_add_ps(_mm256_set1_ps(1.0f), e));
}

/* 0.5 x (1 + tanh(k (x + 0.044715 x^3))), tanh(z) = 1 - 2 / (exp(2z) + 1) */
static inline __m256 cpu_v8_gelu_tanh(__m256 x)
{
    const __m256 one = _mm256_set1_ps(1.0f);
    __m256 x3 = _mm256_mul_ps(_mm256_mul_ps(x, x), x);
    __m256 z = _mm256_mul_ps(_mm256_set1_ps(0.79788456080286536f),
                             _mm256_fmadd_ps(_mm256_set1_ps(0.044715f), x3, x));
    __m256 e = cpu_v8_exp(_mm256_add_ps(z, z));
    __m256 th = _mm256_sub_ps(one, _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, one)));
    return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), x), _mm256_add_ps(one, th));
}

#endif
