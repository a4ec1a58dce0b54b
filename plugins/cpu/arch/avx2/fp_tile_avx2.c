/*
 * arch/avx2/fp_tile_avx2.c - the register-blocked GEMM micro-kernel of cpu_linear_fp: up to
 * 4 activation rows x 3 packed weight rows, 12 vector accumulators along K, reduced at the end
 * (see kernels/matmul/fp_kernels.h). Compiled with -mavx2 -mfma -mf16c. Reentrant.
 */
#include <immintrin.h>

#include "arch/avx2/fp_avx2.h"
#include "kernels/matmul/fp_kernels.h"

CPU_FP_INLINE void tile(const float *A, size_t lda, const int MR, const float *P, size_t ldp,
                        const int NR, size_t kb, float *C, size_t ldc, int acc)
{
    __m256 c[4][3];
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NR; j++)
            c[i][j] = _mm256_setzero_ps();
    size_t k = 0;
    for (; k + 8 <= kb; k += 8) {
        __m256 p[3];
        for (int j = 0; j < NR; j++)
            p[j] = _mm256_loadu_ps(P + (size_t)j * ldp + k);
        for (int i = 0; i < MR; i++) {
            __m256 x = _mm256_loadu_ps(A + (size_t)i * lda + k);
            for (int j = 0; j < NR; j++)
                c[i][j] = _mm256_fmadd_ps(x, p[j], c[i][j]);
        }
    }
    if (k < kb) { /* tail: masked loads read zeros past kb */
        __m256i m = cpu_avx2_mask(kb - k);
        __m256 p[3];
        for (int j = 0; j < NR; j++)
            p[j] = _mm256_maskload_ps(P + (size_t)j * ldp + k, m);
        for (int i = 0; i < MR; i++) {
            __m256 x = _mm256_maskload_ps(A + (size_t)i * lda + k, m);
            for (int j = 0; j < NR; j++)
                c[i][j] = _mm256_fmadd_ps(x, p[j], c[i][j]);
        }
    }
    for (int i = 0; i < MR; i++) {
        /* reduce c[i][0..2] to 3 sums in one vector: hadd tree over 4 vectors (4th = 0) */
        __m256 v0 = c[i][0];
        __m256 v1 = NR > 1 ? c[i][1] : _mm256_setzero_ps();
        __m256 v2 = NR > 2 ? c[i][2] : _mm256_setzero_ps();
        __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(v0, v1), _mm256_hadd_ps(v2, _mm256_setzero_ps()));
        __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
        float r[4];
        _mm_storeu_ps(r, s);
        float *out = C + (size_t)i * ldc;
        for (int j = 0; j < NR; j++)
            out[j] = acc ? out[j] + r[j] : r[j];
    }
}

void cpu_avx2_fp_tile(const float *A, size_t lda, size_t mr, const float *P, size_t ldp,
                      size_t nr, size_t kb, float *C, size_t ldc, int acc)
{
#define CPU_FP_TILE(m, n)                                                                         \
    case (m) * 4 + (n): tile(A, lda, m, P, ldp, n, kb, C, ldc, acc); break
    switch (mr * 4 + nr) {
        CPU_FP_TILE(4, 3); CPU_FP_TILE(4, 2); CPU_FP_TILE(4, 1);
        CPU_FP_TILE(3, 3); CPU_FP_TILE(3, 2); CPU_FP_TILE(3, 1);
        CPU_FP_TILE(2, 3); CPU_FP_TILE(2, 2); CPU_FP_TILE(2, 1);
        CPU_FP_TILE(1, 3); CPU_FP_TILE(1, 2); CPU_FP_TILE(1, 1);
    default: break;
    }
#undef CPU_FP_TILE
}
