/*
 * arch/avx512/fp_gemv_avx512.c - AVX-512 GEMV (one activation row) over plain f32 / f16 / bf16
 * weight rows (see kernels/matmul/fp_kernels.h). Entered only when cpu_isa_active() >=
 * CPU_ISA_AVX512. Reentrant, allocation-free.
 *
 * Rows are taken one at a time, so a thread's rows [n0, n1) are read as one sequential stream
 * (rows are contiguous): with several rows at once each row is its own stream, and rows of 4 KiB
 * (f16 at K = 2048) end every stream at a page boundary, where hardware prefetchers stop
 * (docs/PERF.md "Float GEMV"). Per row: 64 elements per step in four accumulators (f16 through
 * vcvtph2ps, bf16 by a 16-bit shift), a masked step for the last K % 16 elements; the activation
 * row is reread from L1/L2 for every weight row.
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

FP512_INLINE void plain_gemv(grt_element_type t, const cpu_fpw *w, const float *a, size_t n0,
                             size_t n1, float *out)
{
    const size_t K = w->K;
    const __mmask16 all = 0xffff, tail = (__mmask16)((1u << (K % 16)) - 1);
    for (size_t n = n0; n < n1; n++) {
        const size_t base = n * K;
        __m512 c0 = _mm512_setzero_ps(), c1 = c0, c2 = c0, c3 = c0;
        size_t k = 0;
        for (; k + 64 <= K; k += 64) {
            c0 = _mm512_fmadd_ps(ld16(t, w->data, base + k, all), _mm512_loadu_ps(a + k), c0);
            c1 = _mm512_fmadd_ps(ld16(t, w->data, base + k + 16, all),
                                 _mm512_loadu_ps(a + k + 16), c1);
            c2 = _mm512_fmadd_ps(ld16(t, w->data, base + k + 32, all),
                                 _mm512_loadu_ps(a + k + 32), c2);
            c3 = _mm512_fmadd_ps(ld16(t, w->data, base + k + 48, all),
                                 _mm512_loadu_ps(a + k + 48), c3);
        }
        for (; k + 16 <= K; k += 16)
            c0 = _mm512_fmadd_ps(ld16(t, w->data, base + k, all), _mm512_loadu_ps(a + k), c0);
        if (tail)
            c1 = _mm512_fmadd_ps(ld16(t, w->data, base + k, tail),
                                 _mm512_maskz_loadu_ps(tail, a + k), c1);
        out[n - n0] = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(c0, c1),
                                                         _mm512_add_ps(c2, c3)));
    }
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
