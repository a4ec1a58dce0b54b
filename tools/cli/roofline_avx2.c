/*
 * tools/cli/roofline_avx2.c - the AVX2 + FMA variant of the roofline loops (see roofline.h).
 * Compiled with -mavx2 -mfma; only called after __builtin_cpu_supports said the CPU has both.
 *   read: 4 x 256-bit loads per step xor-ed into 4 accumulators;
 *   fma:  12 independent vfmadd231ps chains of 8 lanes (12 x 8 x 2 = 192 flops per iteration);
 *   int8: 6 accumulators, each step vpmaddubsw (32 u8 x s8 MACs -> 16 s16) + vpmaddwd by ones
 *         (-> 8 s32) + vpaddd, as an int8 GEMM inner loop does (6 x 32 = 192 MACs per iteration).
 *         Every chain has its own u8 operand: with shared ones the compiler merges the equal
 *         products (an earlier version did 2 vpmaddubsw per iteration and counted 8).
 * Stateless and thread-safe.
 */
#include "roofline.h"

#if defined(__x86_64__)
#include <immintrin.h>

/* Makes v opaque to the optimiser, so loop-invariant products are recomputed every iteration. */
#define OPAQUE(v) __asm__ volatile("" : "+x"(v))

static double avx2_read(const void *p, size_t bytes) {
    const __m256i *q = p;
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
    for (size_t i = 0; i + 4 <= bytes / 32; i += 4) {
        a0 = _mm256_xor_si256(a0, _mm256_load_si256(q + i));
        a1 = _mm256_xor_si256(a1, _mm256_load_si256(q + i + 1));
        a2 = _mm256_xor_si256(a2, _mm256_load_si256(q + i + 2));
        a3 = _mm256_xor_si256(a3, _mm256_load_si256(q + i + 3));
    }
    __m256i a = _mm256_xor_si256(_mm256_xor_si256(a0, a1), _mm256_xor_si256(a2, a3));
    return (double)_mm256_extract_epi32(a, 0) + (double)_mm256_extract_epi32(a, 7);
}

static double avx2_fma(long iters) {
    __m256 a[12], b = _mm256_set1_ps(1.0000001f), c = _mm256_set1_ps(1e-7f);
    for (int k = 0; k < 12; k++)
        a[k] = _mm256_set1_ps((float)k);
    for (long it = 0; it < iters; it++)
        for (int k = 0; k < 12; k++)
            a[k] = _mm256_fmadd_ps(a[k], b, c);
    __m256 s = a[0];
    for (int k = 1; k < 12; k++)
        s = _mm256_add_ps(s, a[k]);
    float f[8];
    _mm256_storeu_ps(f, s);
    return (double)(f[0] + f[7]);
}

static double avx2_int8(long iters) {
    __m256i acc[6], x[6], w = _mm256_set1_epi8(5);
    const __m256i ones = _mm256_set1_epi16(1);
    for (int k = 0; k < 6; k++) {
        acc[k] = _mm256_setzero_si256();
        x[k] = _mm256_set1_epi8((char)(3 + 2 * k));
    }
    for (long it = 0; it < iters; it++) {
        OPAQUE(w);
        for (int k = 0; k < 6; k++) {
            __m256i t = _mm256_maddubs_epi16(x[k], w);
            acc[k] = _mm256_add_epi32(acc[k], _mm256_madd_epi16(t, ones));
        }
    }
    __m256i s = acc[0];
    for (int k = 1; k < 6; k++)
        s = _mm256_add_epi32(s, acc[k]);
    return (double)_mm256_extract_epi32(s, 0);
}

static const grt_roofline_isa k_avx2 = {"avx2", "vpmaddubsw + vpmaddwd + vpaddd (AVX2)", avx2_read,
                                        avx2_fma, avx2_int8, 12.0 * 8 * 2, 6.0 * 32};

const grt_roofline_isa *grt_roofline_isa_avx2(void) { return &k_avx2; }
#endif
