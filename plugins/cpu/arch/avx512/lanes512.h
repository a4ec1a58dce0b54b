/*
 * arch/avx512/lanes512.h - the lane mask shared by the AVX-512 (and AMX) kernels' masked tails.
 * Include only from files compiled with AVX-512 flags. Pure.
 */
#ifndef GENRT_CPU_ARCH_AVX512_LANES512_H
#define GENRT_CPU_ARCH_AVX512_LANES512_H

#include <immintrin.h>
#include <stddef.h>

/* Lanes [0, n) of 16; all 16 when n >= 16. */
static inline __mmask16 cpu_avx512_lanes(size_t n)
{
    return n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1u);
}

#endif
