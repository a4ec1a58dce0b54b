/*
 * arch/avx512/fp_gemm_avx512.c - the GEMM micro-kernel of cpu_linear_fp on AVX-512 (see
 * kernels/matmul/fp_kernels.h): broadcast (outer-product) form over a K-major panel, unlike the
 * AVX2 tile's dot-product form, whose 7 row streams per 12 FMAs left it bound by L2 reads (an
 * AVX-512 port of that tile measured no faster, docs/PERF.md).
 *
 * pt [kb][CPU_FP512_NR] holds the panel's W rows (48 = three vectors of 16 outputs) column by
 * column; per k: three vector loads of pt, one broadcast per activation row (embedded in the
 * FMA), MR x 3 FMAs. Micro-tile: MR = 8 activation rows x 48 outputs = 24 zmm accumulators.
 * Entered only when cpu_isa_active() >= CPU_ISA_AVX512. Reentrant, allocation-free.
 */
#include <immintrin.h>

#include "kernels/matmul/fp_kernels.h"
#include "arch/avx512/lanes512.h"

#define NR CPU_FP512_NR
#define MR 8

static inline __attribute__((always_inline)) void micro(const float *A, size_t lda, const int R,
                                                        const float *pt, size_t kb, float *C,
                                                        size_t ldc, __mmask16 k0, __mmask16 k1,
                                                        __mmask16 k2, int acc)
{
    __m512 c[MR][3];
    for (int i = 0; i < R; i++)
        c[i][0] = c[i][1] = c[i][2] = _mm512_setzero_ps();
    for (size_t k = 0; k < kb; k++) {
        const __m512 b0 = _mm512_loadu_ps(pt + k * NR);
        const __m512 b1 = _mm512_loadu_ps(pt + k * NR + 16);
        const __m512 b2 = _mm512_loadu_ps(pt + k * NR + 32);
        for (int i = 0; i < R; i++) {
            const __m512 a = _mm512_set1_ps(A[(size_t)i * lda + k]);
            c[i][0] = _mm512_fmadd_ps(a, b0, c[i][0]);
            c[i][1] = _mm512_fmadd_ps(a, b1, c[i][1]);
            c[i][2] = _mm512_fmadd_ps(a, b2, c[i][2]);
        }
    }
    for (int i = 0; i < R; i++) {
        float *o = C + (size_t)i * ldc;
        if (acc) {
            c[i][0] = _mm512_add_ps(c[i][0], _mm512_maskz_loadu_ps(k0, o));
            c[i][1] = _mm512_add_ps(c[i][1], _mm512_maskz_loadu_ps(k1, o + 16));
            c[i][2] = _mm512_add_ps(c[i][2], _mm512_maskz_loadu_ps(k2, o + 32));
        }
        _mm512_mask_storeu_ps(o, k0, c[i][0]);
        _mm512_mask_storeu_ps(o + 16, k1, c[i][1]);
        _mm512_mask_storeu_ps(o + 32, k2, c[i][2]);
    }
}

void cpu_avx512_fp_panel(const float *A, size_t lda, size_t M, const float *pt, size_t kb,
                         size_t nr, float *C, size_t ldc, int acc)
{
    const __mmask16 k0 = cpu_avx512_lanes(nr), k1 = cpu_avx512_lanes(nr > 16 ? nr - 16 : 0),
                    k2 = cpu_avx512_lanes(nr > 32 ? nr - 32 : 0);
    size_t m = 0;
    for (; m + MR <= M; m += MR)
        micro(A + m * lda, lda, MR, pt, kb, C + m * ldc, ldc, k0, k1, k2, acc);
    const float *a = A + m * lda;
    float *c = C + m * ldc;
    switch (M - m) {
    case 7: micro(a, lda, 7, pt, kb, c, ldc, k0, k1, k2, acc); break;
    case 6: micro(a, lda, 6, pt, kb, c, ldc, k0, k1, k2, acc); break;
    case 5: micro(a, lda, 5, pt, kb, c, ldc, k0, k1, k2, acc); break;
    case 4: micro(a, lda, 4, pt, kb, c, ldc, k0, k1, k2, acc); break;
    case 3: micro(a, lda, 3, pt, kb, c, ldc, k0, k1, k2, acc); break;
    case 2: micro(a, lda, 2, pt, kb, c, ldc, k0, k1, k2, acc); break;
    case 1: micro(a, lda, 1, pt, kb, c, ldc, k0, k1, k2, acc); break;
    default: break;
    }
}
