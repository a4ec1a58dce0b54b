/*
 * arch/avx2/ew_avx2.h - AVX2 + FMA f32 rows behind kernels/elementwise/ew_rows.h (elementwise,
 * norm and softmax rows; implementations in elementwise_avx2.c, norm_avx2.c, softmax_avx2.c).
 * Only call when cpu_isa_active() >= CPU_ISA_AVX2. Same contracts as the ew_rows.h functions of
 * the same names (op codes are cpu_unary_op / cpu_binary_op). Pure, reentrant, no allocation.
 */
#ifndef GENRT_CPU_ARCH_AVX2_EW_H
#define GENRT_CPU_ARCH_AVX2_EW_H

#include <stddef.h>

void cpu_avx2_unary_f32(int op, const float *x, float *y, size_t n);
void cpu_avx2_swiglu_f32(const float *g, const float *u, float *y, size_t n);
void cpu_avx2_binary_f32(int op, const float *a, const float *b, float *c, size_t n);
double cpu_avx2_sumsq_f32(const float *x, size_t n);
void cpu_avx2_scale_mul_f32(const float *x, float inv, const float *gamma, float *y, size_t n);
void cpu_avx2_softmax_f32(const float *x, float *y, size_t n);

#endif
