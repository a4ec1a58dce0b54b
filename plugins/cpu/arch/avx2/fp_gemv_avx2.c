/*
 * arch/avx2/fp_gemv_avx2.c - AVX2 GEMV (one activation row) over float or compressed weight rows,
 * dequantizing in registers, and the 16-wide dequantization used to fill GEMM panels
 * (see kernels/matmul/fp_kernels.h). Compiled with -mavx2 -mfma -mf16c. Reentrant.
 */
#include <immintrin.h>

#include "arch/avx2/fp_avx2.h"
#include "kernels/matmul/fp_kernels.h"

/* 8 weights of a plain row as f32 (element index i). */
CPU_FP_INLINE __m256 ld8(grt_element_type t, const void *p, size_t i)
{
    if (t == GRT_F32)
        return _mm256_loadu_ps((const float *)p + i);
    __m128i h = _mm_loadu_si128((const __m128i *)((const uint16_t *)p + i));
    if (t == GRT_F16)
        return _mm256_cvtph_ps(h);
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

CPU_FP_INLINE float ld1(grt_element_type t, const void *p, size_t i)
{
    if (t == GRT_F32)
        return ((const float *)p)[i];
    uint16_t h = ((const uint16_t *)p)[i];
    return t == GRT_F16 ? cpu_f16_to_f32(h) : cpu_bf16_to_f32(h);
}

/* *o0 = plain row r0 . a and, when NS == 2, *o1 = row r1 . a, both rows in one pass (o1 and r1
 * unused when NS == 1); 32 elements per step in four accumulators per row. */
CPU_FP_INLINE void plain_rows(const int NS, grt_element_type t, const cpu_fpw *w, const float *a,
                              size_t r0, size_t r1, float *o0, float *o1)
{
    const size_t K = w->K, base[2] = {r0 * K, r1 * K};
    __m256 c[2][4];
    for (int s = 0; s < NS; s++)
        c[s][0] = c[s][1] = c[s][2] = c[s][3] = _mm256_setzero_ps();
    size_t k = 0;
    for (; k + 32 <= K; k += 32) {
        __m256 x0 = _mm256_loadu_ps(a + k), x1 = _mm256_loadu_ps(a + k + 8),
               x2 = _mm256_loadu_ps(a + k + 16), x3 = _mm256_loadu_ps(a + k + 24);
        for (int s = 0; s < NS; s++) {
            c[s][0] = _mm256_fmadd_ps(ld8(t, w->data, base[s] + k), x0, c[s][0]);
            c[s][1] = _mm256_fmadd_ps(ld8(t, w->data, base[s] + k + 8), x1, c[s][1]);
            c[s][2] = _mm256_fmadd_ps(ld8(t, w->data, base[s] + k + 16), x2, c[s][2]);
            c[s][3] = _mm256_fmadd_ps(ld8(t, w->data, base[s] + k + 24), x3, c[s][3]);
        }
    }
    for (; k + 8 <= K; k += 8)
        for (int s = 0; s < NS; s++)
            c[s][0] = _mm256_fmadd_ps(ld8(t, w->data, base[s] + k), _mm256_loadu_ps(a + k),
                                      c[s][0]);
    float *o[2] = {o0, o1};
    for (int s = 0; s < NS; s++) {
        float sum = cpu_avx2_hsum(
            _mm256_add_ps(_mm256_add_ps(c[s][0], c[s][1]), _mm256_add_ps(c[s][2], c[s][3])));
        for (size_t j = k; j < K; j++)
            sum += ld1(t, w->data, base[s] + j) * a[j];
        *o[s] = sum;
    }
}

/* out[n - n0] = dot of a with plain row n for n in [n0, n1), walked as two streams far apart (row
 * i of the first half beside row i of the second; see arch/avx512/fp_gemv_avx512.c). */
CPU_FP_INLINE void plain_gemv(grt_element_type t, const cpu_fpw *w, const float *a, size_t n0,
                              size_t n1, float *out)
{
    const size_t half = (n1 - n0) / 2;
    for (size_t i = 0; i < half; i++)
        plain_rows(2, t, w, a, n0 + i, n0 + half + i, out + i, out + half + i);
    if (2 * half < n1 - n0)
        plain_rows(1, t, w, a, n1 - 1, n1 - 1, out + (n1 - 1 - n0), NULL);
}

/* 16 quantized values starting at flat element e (e % 16 == 0 for int4) as two f32 vectors, in
 * element order (panel unpacking). */
CPU_FP_INLINE void ld16(cpu_fpw_kind kind, const void *data, size_t e, __m256 *q0, __m256 *q1)
{
    const uint8_t *b = data;
    if (kind == CPU_FPW_I8 || kind == CPU_FPW_U8) { /* 8-byte loads fold into vpmov[sz]xbd */
        __m128i l0 = _mm_loadl_epi64((const __m128i *)(b + e));
        __m128i l1 = _mm_loadl_epi64((const __m128i *)(b + e + 8));
        *q0 = _mm256_cvtepi32_ps(kind == CPU_FPW_I8 ? _mm256_cvtepi8_epi32(l0)
                                                    : _mm256_cvtepu8_epi32(l0));
        *q1 = _mm256_cvtepi32_ps(kind == CPU_FPW_I8 ? _mm256_cvtepi8_epi32(l1)
                                                    : _mm256_cvtepu8_epi32(l1));
        return;
    }
    __m128i v;
    {
        __m128i p = _mm_loadl_epi64((const __m128i *)(b + e / 2));
        __m128i m = _mm_set1_epi8(0x0f);
        v = _mm_unpacklo_epi8(_mm_and_si128(p, m), _mm_and_si128(_mm_srli_epi16(p, 4), m));
        if (kind == CPU_FPW_I4) /* two's complement nibble s = (u ^ 8) - 8: zero point 8 */
            v = _mm_xor_si128(v, _mm_set1_epi8(8));
    }
    *q0 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(v));
    *q1 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(v, 8)));
}

/* GEMV order: int4 gives the 8 even elements of the 16 in q0 and the 8 odd ones in q1 (the
 * activations are permuted to match, see cpu_avx2_fp_gemv); 8-bit kinds keep element order. */
CPU_FP_INLINE void ld16_dot(cpu_fpw_kind kind, const void *data, size_t e, __m256 *q0, __m256 *q1)
{
    if (kind != CPU_FPW_I4 && kind != CPU_FPW_U4) {
        ld16(kind, data, e, q0, q1);
        return;
    }
    __m256i v = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)((const uint8_t *)data + e / 2)));
    if (kind == CPU_FPW_I4)
        v = _mm256_xor_si256(v, _mm256_set1_epi32(0x88));
    *q0 = _mm256_cvtepi32_ps(_mm256_and_si256(v, _mm256_set1_epi32(0x0f)));
    *q1 = _mm256_cvtepi32_ps(_mm256_srli_epi32(v, 4));
}

/* Scale of group gi (F16C for f16 scales). */
CPU_FP_INLINE float scale_at(const cpu_fpw *w, size_t gi)
{
    return w->scales_f16 ? _cvtsh_ss(((const uint16_t *)w->scales)[gi])
                         : ((const float *)w->scales)[gi];
}

/* Compressed rows n .. n + R: out[r] = sum_g s_g * (sum_k q_k a_k - z_g * asum_g). Two
 * accumulators per row keep 2R FMA chains in flight; the activations are loaded once for R rows. */
CPU_FP_INLINE void q_rows(cpu_fpw_kind kind, const cpu_fpw *w, const float *a, const float *asum,
                          size_t n, int R, float *out)
{
    size_t K = w->K, G = w->G, gpr = w->gpr;
    __m256 tot[4];
    float zt[4] = {0, 0, 0, 0};
    for (int r = 0; r < R; r++)
        tot[r] = _mm256_setzero_ps();
    for (size_t g = 0; g < gpr; g++) {
        __m256 c0[4], c1[4];
        for (int r = 0; r < R; r++)
            c0[r] = c1[r] = _mm256_setzero_ps();
        for (size_t k = g * G; k < (g + 1) * G; k += 16) {
            __m256 x0 = _mm256_loadu_ps(a + k), x1 = _mm256_loadu_ps(a + k + 8);
            for (int r = 0; r < R; r++) {
                __m256 q0, q1;
                ld16_dot(kind, w->data, (n + (size_t)r) * K + k, &q0, &q1);
                c0[r] = _mm256_fmadd_ps(q0, x0, c0[r]);
                c1[r] = _mm256_fmadd_ps(q1, x1, c1[r]);
            }
        }
        for (int r = 0; r < R; r++) {
            size_t gi = (n + (size_t)r) * gpr + g;
            float s = scale_at(w, gi);
            tot[r] = _mm256_fmadd_ps(_mm256_add_ps(c0[r], c1[r]), _mm256_set1_ps(s), tot[r]);
            if (kind == CPU_FPW_I4)
                zt[r] += s * 8.0f * asum[g];
            else if (kind != CPU_FPW_I8)
                zt[r] += s * cpu_fpw_zero(w, gi) * asum[g];
        }
    }
    for (int r = 0; r < R; r++)
        out[r] = cpu_avx2_hsum(tot[r]) - zt[r];
}

CPU_FP_INLINE void q_gemv(cpu_fpw_kind kind, const cpu_fpw *w, const float *a, const float *asum,
                          size_t n0, size_t n1, float *out)
{
    size_t n = n0;
    for (; n + 4 <= n1; n += 4)
        q_rows(kind, w, a, asum, n, 4, out + (n - n0));
    for (; n < n1; n++)
        q_rows(kind, w, a, asum, n, 1, out + (n - n0));
}

void cpu_avx2_fp_gemv(const cpu_fpw *w, const float *a, const float *asum, size_t n0, size_t n1,
                      float *out)
{
    switch (w->kind) {
    case CPU_FPW_PLAIN:
        if (w->type == GRT_F32)
            plain_gemv(GRT_F32, w, a, n0, n1, out);
        else if (w->type == GRT_F16)
            plain_gemv(GRT_F16, w, a, n0, n1, out);
        else
            plain_gemv(GRT_BF16, w, a, n0, n1, out);
        break;
    case CPU_FPW_I8: q_gemv(CPU_FPW_I8, w, a, asum, n0, n1, out); break;
    case CPU_FPW_U8: q_gemv(CPU_FPW_U8, w, a, asum, n0, n1, out); break;
    case CPU_FPW_I4: q_gemv(CPU_FPW_I4, w, a, asum, n0, n1, out); break;
    case CPU_FPW_U4: q_gemv(CPU_FPW_U4, w, a, asum, n0, n1, out); break;
    }
}

CPU_FP_INLINE void q_unpack(cpu_fpw_kind kind, const cpu_fpw *w, size_t row, size_t c0, size_t c1,
                            float *dst)
{
    for (size_t k = c0; k < c1; k += 16) {
        size_t gi = row * w->gpr + k / w->G;
        __m256 s = _mm256_set1_ps(scale_at(w, gi));
        __m256 z = _mm256_set1_ps(cpu_fpw_zero(w, gi));
        __m256 q0, q1;
        ld16(kind, w->data, row * w->K + k, &q0, &q1);
        _mm256_storeu_ps(dst + (k - c0), _mm256_mul_ps(_mm256_sub_ps(q0, z), s));
        _mm256_storeu_ps(dst + (k - c0) + 8, _mm256_mul_ps(_mm256_sub_ps(q1, z), s));
    }
}

void cpu_avx2_fp_unpack(const cpu_fpw *w, size_t row, size_t c0, size_t c1, float *dst)
{
    switch (w->kind) {
    case CPU_FPW_I8: q_unpack(CPU_FPW_I8, w, row, c0, c1, dst); break;
    case CPU_FPW_U8: q_unpack(CPU_FPW_U8, w, row, c0, c1, dst); break;
    case CPU_FPW_I4: q_unpack(CPU_FPW_I4, w, row, c0, c1, dst); break;
    case CPU_FPW_U4: q_unpack(CPU_FPW_U4, w, row, c0, c1, dst); break;
    default: break;
    }
}
