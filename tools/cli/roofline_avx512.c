/*
 * tools/cli/roofline_avx512.c - the AVX-512 variant of the roofline loops (see roofline.h).
 * Compiled with AVX-512 F/BW/VNNI flags; only called after __builtin_cpu_supports said the CPU
 * has them (it cannot run on AVX2-only machines).
 *   read: 4 x 512-bit loads per step xor-ed into 4 accumulators;
 *   fma:  12 independent vfmadd231ps chains of 16 lanes (384 flops per iteration);
 *   int8: 12 independent vpdpbusd chains (64 u8 x s8 MACs each: 768 MACs per iteration).
 * Stateless and thread-safe.
 */
#include "roofline.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <stdint.h>

/* Sum of the 16 int32 lanes, without the int overflow of _mm512_reduce_add_epi32 (the sums here
 * only keep the loops' results alive, and wrap). */
static double lanes_sum(__m512i v) {
    int32_t t[16];
    _mm512_storeu_si512(t, v);
    double s = 0.0;
    for (int i = 0; i < 16; i++)
        s += (double)t[i];
    return s;
}

static double avx512_read(const void *p, size_t bytes) {
    const __m512i *q = p;
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
    for (size_t i = 0; i + 4 <= bytes / 64; i += 4) {
        a0 = _mm512_xor_si512(a0, _mm512_load_si512(q + i));
        a1 = _mm512_xor_si512(a1, _mm512_load_si512(q + i + 1));
        a2 = _mm512_xor_si512(a2, _mm512_load_si512(q + i + 2));
        a3 = _mm512_xor_si512(a3, _mm512_load_si512(q + i + 3));
    }
    __m512i a = _mm512_xor_si512(_mm512_xor_si512(a0, a1), _mm512_xor_si512(a2, a3));
    return lanes_sum(a);
}

static double avx512_fma(long iters) {
    __m512 a[12], b = _mm512_set1_ps(1.0000001f), c = _mm512_set1_ps(1e-7f);
    for (int k = 0; k < 12; k++)
        a[k] = _mm512_set1_ps((float)k);
    for (long it = 0; it < iters; it++)
        for (int k = 0; k < 12; k++)
            a[k] = _mm512_fmadd_ps(a[k], b, c);
    __m512 s = a[0];
    for (int k = 1; k < 12; k++)
        s = _mm512_add_ps(s, a[k]);
    return (double)_mm512_reduce_add_ps(s);
}

static double avx512_int8(long iters) {
    __m512i a[12], x = _mm512_set1_epi8(3), w = _mm512_set1_epi8(5);
    for (int k = 0; k < 12; k++)
        a[k] = _mm512_set1_epi32(k);
    for (long it = 0; it < iters; it++)
        for (int k = 0; k < 12; k++)
            a[k] = _mm512_dpbusd_epi32(a[k], x, w);
    __m512i s = a[0];
    for (int k = 1; k < 12; k++)
        s = _mm512_xor_si512(s, a[k]);
    return lanes_sum(s);
}

static const grt_roofline_isa k_avx512 = {"avx512", "vpdpbusd (AVX-512 VNNI)", avx512_read, avx512_fma,
                                          avx512_int8, 12.0 * 16 * 2, 12.0 * 64};

const grt_roofline_isa *grt_roofline_isa_avx512(void) { return &k_avx512; }
#endif
