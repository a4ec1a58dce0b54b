/*
 * arch/avx512/fp_gemv_avx512.c - AVX-512 GEMV (one activation row) over plain f32 / f16 / bf16
 * weight rows (see kernels/matmul/fp_kernels.h). Entered only when cpu_isa_active() >=
 * CPU_ISA_AVX512. Reentrant, allocation-free.
 *
 * A thread's rows [n0, n1) are walked as two streams far apart: row i of the range's first half
 * beside row i of its second half, each step loading from both (rows are contiguous, so each half
 * is one sequential stream). Two streams far apart keep more lines in flight per core than one:
 * f16 2048 x 5632 with two threads 19.5 -> 24.4 GB/s (docs/PERF.md "int4 decode: two streams per
 * core"). More rows at once, each its own stream one row apart, was slower: rows of 4 KiB (f16 at
 * K = 2048) end every stream at a page boundary, where hardware prefetchers stop (docs/PERF.md
 * "Float GEMV"). Per row: 64 elements per step in four accumulators (f16 through vcvtph2ps, bf16
 * by a 16-bit shift), a masked step for the last K % 16 elements; the activation row is reread
 * from L1/L2 for every pair of weight rows.
 */
#include <immintrin.h>

#include "kernels/matmul/fp_kernels.h"

#define FP512_INLINE static inline __attribute__((always_inline))

/* Elements [i, i + 16) of a plain row as f32; lanes outside mask m are 0. */
FP512_INLINE __m512 ld16(grt_element_type t, const void *p, size_t i, __mmask16 m)
{
    if (t == GRT_F32)
        return _mm512_maskz_loadu_ps(m, (const float *)p + i);
    __m256i h = _mm256_maskz_loadu_epi16(m, (const uint16_t *)p + i);
    if (t == GRT_F16)
        return _mm512_cvtph_ps(h);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

/* *o0 = row r0 of the weight . a and, when NS == 2, *o1 = row r1 . a, both rows in one pass
 * (o1 and r1 unused when NS == 1). */
FP512_INLINE void rows_dot(const int NS, grt_element_type t, const cpu_fpw *w, const float *a,
                           size_t r0, size_t r1, float *o0, float *o1)
{
    const size_t K = w->K, base[2] = {r0 * K, r1 * K};
    const __mmask16 all = 0xffff, tail = (__mmask16)((1u << (K % 16)) - 1);
    __m512 c[2][4];
    for (int s = 0; s < NS; s++)
        c[s][0] = c[s][1] = c[s][2] = c[s][3] = _mm512_setzero_ps();
    size_t k = 0;
    for (; k + 64 <= K; k += 64) {
        __m512 x0 = _mm512_loadu_ps(a + k), x1 = _mm512_loadu_ps(a + k + 16),
               x2 = _mm512_loadu_ps(a + k + 32), x3 = _mm512_loadu_ps(a + k + 48);
        for (int s = 0; s < NS; s++) {
            c[s][0] = _mm512_fmadd_ps(ld16(t, w->data, base[s] + k, all), x0, c[s][0]);
            c[s][1] = _mm512_fmadd_ps(ld16(t, w->data, base[s] + k + 16, all), x1, c[s][1]);
            c[s][2] = _mm512_fmadd_ps(ld16(t, w->data, base[s] + k + 32, all), x2, c[s][2]);
            c[s][3] = _mm512_fmadd_ps(ld16(t, w->data, base[s] + k + 48, all), x3, c[s][3]);
        }
    }
    for (; k + 16 <= K; k += 16)
        for (int s = 0; s < NS; s++)
            c[s][0] = _mm512_fmadd_ps(ld16(t, w->data, base[s] + k, all), _mm512_loadu_ps(a + k),
                                      c[s][0]);
    if (tail)
        for (int s = 0; s < NS; s++)
            c[s][1] = _mm512_fmadd_ps(ld16(t, w->data, base[s] + k, tail),
                                      _mm512_maskz_loadu_ps(tail, a + k), c[s][1]);
    float *o[2] = {o0, o1};
    for (int s = 0; s < NS; s++)
        *o[s] = _mm512_reduce_add_ps(
            _mm512_add_ps(_mm512_add_ps(c[s][0], c[s][1]), _mm512_add_ps(c[s][2], c[s][3])));
}

FP512_INLINE void plain_gemv(grt_element_type t, const cpu_fpw *w, const float *a, size_t n0,
                             size_t n1, float *out)
{
    const size_t half = (n1 - n0) / 2;
    for (size_t i = 0; i < half; i++)
        rows_dot(2, t, w, a, n0 + i, n0 + half + i, out + i, out + half + i);
    if (2 * half < n1 - n0)
        rows_dot(1, t, w, a, n1 - 1, n1 - 1, out + (n1 - 1 - n0), NULL);
}

void cpu_avx512_fp_gemv(const cpu_fpw *w, const float *a, size_t n0, size_t n1, float *out)
{
    if (w->type == GRT_F32)
        plain_gemv(GRT_F32, w, a, n0, n1, out);
    else if (w->type == GRT_F16)
        plain_gemv(GRT_F16, w, a, n0, n1, out);
    else
        plain_gemv(GRT_BF16, w, a, n0, n1, out);
}
