/*
 * arch/avx2/convert_avx2.h - AVX2 + F16C conversion of f16 / bf16 rows to and from f32
 * (used by cpu_load_row / cpu_store_row in kernels/kutil.c and by the float MatMul kernels).
 *
 * Results equal the portable conversions of kernels/fp16.h: f16 -> f32 is exact, f32 -> f16
 * rounds to nearest even (F16C), f32 -> bf16 rounds to nearest even and keeps NaN quiet.
 * Only call when cpu_isa_active() >= CPU_ISA_AVX2 (arch/isa.h). Pure functions, reentrant, no
 * allocation; buffers may be unaligned and must not overlap.
 */
#ifndef GENRT_CPU_ARCH_AVX2_CONVERT_H
#define GENRT_CPU_ARCH_AVX2_CONVERT_H

#include <stddef.h>
#include <stdint.h>

/* dst[0 .. n) = src[0 .. n) converted. */
void cpu_avx2_f16_to_f32(const uint16_t *src, size_t n, float *dst);
void cpu_avx2_bf16_to_f32(const uint16_t *src, size_t n, float *dst);
void cpu_avx2_f32_to_f16(const float *src, size_t n, uint16_t *dst);
void cpu_avx2_f32_to_bf16(const float *src, size_t n, uint16_t *dst);

#endif
