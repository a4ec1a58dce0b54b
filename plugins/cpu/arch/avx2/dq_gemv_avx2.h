/*
 * arch/avx2/dq_gemv_avx2.h - inline helpers shared by the AVX2 decode GEMV kernels of the
 * dynamic-quantization path (dq_gemv_avx2.c: any layout, dq_gemv_tiled_avx2.c: whole tiles of the
 * tiled layout): group scales and mapped zero points read straight from the compressed weight,
 * the per-row zero-point correction, lane sums. Include only from files compiled with -mavx2 -mfma
 * -mf16c. Pure functions of their arguments, thread-safe.
 */
#ifndef GENRT_CPU_ARCH_AVX2_DQ_GEMV_H
#define GENRT_CPU_ARCH_AVX2_DQ_GEMV_H

#include <immintrin.h>

#include <genrt/types.h>

#include "kernels/matmul/dq.h"

/* Scale of group i (flat index into [N][ngw]). */
static inline float dqg_sw1(const cpu_dq_w *w, size_t i)
{
    return w->scales_f16 ? _cvtsh_ss(((const uint16_t *)w->scales)[i])
                         : ((const float *)w->scales)[i];
}

/* Mapped zero point of group i (see cpu_dq_row_params). */
static inline float dqg_zp1(const cpu_dq_w *w, size_t i)
{
    float shift = w->bits == 8 ? -128.0f : 0.0f;
    if (w->zps == NULL)
        return w->bits == 4 ? 8.0f : 0.0f; /* I4 / I8 (I8 has no correction) */
    const uint8_t *z8 = w->zps;
    switch (w->zp_type) {
    case GRT_F32: return ((const float *)w->zps)[i] + shift;
    case GRT_F16: return _cvtsh_ss(((const uint16_t *)w->zps)[i]) + shift;
    case GRT_U4: return (float)((z8[i >> 1] >> ((i & 1) * 4)) & 0xf);
    default: return (float)z8[i] + shift;
    }
}

/* Scales of groups i..i+7. */
static inline __m256 dqg_sw8(const cpu_dq_w *w, size_t i)
{
    if (w->scales_f16)
        return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)((const uint16_t *)w->scales + i)));
    return _mm256_loadu_ps((const float *)w->scales + i);
}

/* Mapped zero points of groups i..i+7 (i even for packed u4). */
static inline __m256 dqg_zp8(const cpu_dq_w *w, size_t i)
{
    __m256 shift = _mm256_set1_ps(w->bits == 8 ? -128.0f : 0.0f);
    const uint8_t *z8 = w->zps;
    if (w->zps == NULL)
        return _mm256_set1_ps(w->bits == 4 ? 8.0f : 0.0f);
    switch (w->zp_type) {
    case GRT_F32: return _mm256_add_ps(_mm256_loadu_ps((const float *)w->zps + i), shift);
    case GRT_F16:
        return _mm256_add_ps(
            _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)((const uint16_t *)w->zps + i))),
            shift);
    case GRT_U4: {
        int32_t b4;
        __builtin_memcpy(&b4, z8 + i / 2, 4);
        __m128i x = _mm_cvtsi32_si128(b4);
        __m256i v = _mm256_cvtepu8_epi32(_mm_unpacklo_epi8(x, x)); /* b0 b0 b1 b1 .. */
        v = _mm256_srlv_epi32(v, _mm256_setr_epi32(0, 4, 0, 4, 0, 4, 0, 4));
        return _mm256_cvtepi32_ps(_mm256_and_si256(v, _mm256_set1_epi32(0xf)));
    }
    default: {
        int64_t b8;
        __builtin_memcpy(&b8, z8 + i, 8);
        __m256i v = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(b8));
        return _mm256_add_ps(_mm256_cvtepi32_ps(v), shift);
    }
    }
}

/* sum_g sw[g] * zp[g] * zs[g] over the ngw groups of row n (zs: the activation row's sums), as
 * 8 lanes to be summed (the caller subtracts them from the row's accumulator before its
 * horizontal sum). */
static inline __m256 dqg_zp_correction(const cpu_dq_w *w, size_t n, const float *zs)
{
    size_t ngw = w->ngw, base = n * ngw, g = 0;
    __m256 c = _mm256_setzero_ps();
    if (base % 2 == 0) /* packed u4 zero points need byte alignment */
        for (; g + 8 <= ngw; g += 8)
            c = _mm256_fmadd_ps(_mm256_mul_ps(dqg_sw8(w, base + g), dqg_zp8(w, base + g)),
                                _mm256_loadu_ps(zs + g), c);
    float s = 0.0f;
    for (; g < ngw; g++)
        s += dqg_sw1(w, base + g) * dqg_zp1(w, base + g) * zs[g];
    return _mm256_add_ps(c, _mm256_setr_ps(s, 0, 0, 0, 0, 0, 0, 0));
}

/* Lane sums of a[0..3] -> [sum a0, sum a1, sum a2, sum a3]. */
static inline __m128 dqg_hsum4(const __m256 *a)
{
    __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(a[0], a[1]), _mm256_hadd_ps(a[2], a[3]));
    return _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
}

#endif
