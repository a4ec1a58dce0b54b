/*
 * tests/bench/peak_avx2.c - the AVX2 int8 peak of one core: a register-only loop of independent
 * vpmaddubsw + vpmaddwd + vpaddd chains (the instruction mix of an int8 dot product), 64 int8
 * ops (32 multiply-adds) per vpmaddubsw. Used by bench_linear --peak; single-threaded caller.
 */
#include <immintrin.h>
#include <stdint.h>

#include "peak.h"

double bench_peak_avx2_ops(uint64_t iters)
{
    __m256i a = _mm256_set1_epi8(3), ones = _mm256_set1_epi16(1);
    __m256i x0 = _mm256_set1_epi8(1), x1 = _mm256_set1_epi8(2), x2 = _mm256_set1_epi8(-1),
            x3 = _mm256_set1_epi8(-2), x4 = _mm256_set1_epi8(5), x5 = _mm256_set1_epi8(7);
    __m256i c0 = _mm256_setzero_si256(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
    for (uint64_t i = 0; i < iters; i++) {
        __asm__ volatile("" : "+x"(a)); /* keep the loop from being folded */
        c0 = _mm256_add_epi32(c0, _mm256_madd_epi16(_mm256_maddubs_epi16(a, x0), ones));
        c1 = _mm256_add_epi32(c1, _mm256_madd_epi16(_mm256_maddubs_epi16(a, x1), ones));
        c2 = _mm256_add_epi32(c2, _mm256_madd_epi16(_mm256_maddubs_epi16(a, x2), ones));
        c3 = _mm256_add_epi32(c3, _mm256_madd_epi16(_mm256_maddubs_epi16(a, x3), ones));
        c4 = _mm256_add_epi32(c4, _mm256_madd_epi16(_mm256_maddubs_epi16(a, x4), ones));
        c5 = _mm256_add_epi32(c5, _mm256_madd_epi16(_mm256_maddubs_epi16(a, x5), ones));
    }
    __m256i s = _mm256_add_epi32(_mm256_add_epi32(_mm256_add_epi32(c0, c1), _mm256_add_epi32(c2, c3)),
                                 _mm256_add_epi32(c4, c5));
    volatile int sink = _mm256_extract_epi32(s, 0);
    (void)sink;
    return (double)iters * 6 * 64;
}
