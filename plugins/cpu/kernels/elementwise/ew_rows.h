/*
 * kernels/elementwise/ew_rows.h - f32 row primitives of the elementwise, norm, softmax and fused
 * kernels, each choosing its AVX2 path (arch/avx2/ew_avx2.h) or the portable loop with
 * cpu_isa_active() per call. Contiguous rows of n elements; y may equal x (in place) but no other
 * overlap. The scalar and AVX2 paths evaluate the same expressions (SiLU = x / (1 + exp(-x)),
 * RMSNorm y = x * inv * gamma), so a fused kernel built on these rows gives the same results as
 * the unfused ops on the same path. Pure functions, reentrant, no allocation.
 */
#ifndef GENRT_CPU_EW_ROWS_H
#define GENRT_CPU_EW_ROWS_H

#include <stddef.h>

typedef enum cpu_unary_op {
    CPU_UN_SILU = 0,
    CPU_UN_GELU_ERF = 1,
    CPU_UN_GELU_TANH = 2,
    CPU_UN_RELU = 3,
    CPU_UN_EXP = 4,
    CPU_UN_SIGMOID = 5
} cpu_unary_op;

typedef enum cpu_binary_op { CPU_BIN_ADD = 0, CPU_BIN_SUB = 1, CPU_BIN_MUL = 2, CPU_BIN_DIV = 3 } cpu_binary_op;

/* The scalar definition of a unary op (also the reference of the AVX2 path). */
float cpu_unary_scalar(cpu_unary_op op, float x);
/* y[i] = op(x[i]) */
void cpu_unary_row_f32(cpu_unary_op op, const float *x, float *y, size_t n);
/* y[i] = silu(g[i]) * u[i] */
void cpu_swiglu_row_f32(const float *g, const float *u, float *y, size_t n);
/* c[i] = a[i] op b[i] */
void cpu_binary_row_f32(cpu_binary_op op, const float *a, const float *b, float *c, size_t n);
/* sum of x[i]^2 (f32 lanes on AVX2, double when scalar; returned as double) */
double cpu_sumsq_row_f32(const float *x, size_t n);
/* y[i] = x[i] * inv * gamma[i] */
void cpu_scale_mul_row_f32(const float *x, float inv, const float *gamma, float *y, size_t n);
/* y = exp(x - max) / sum, in place allowed; n >= 1 */
void cpu_softmax_row_f32(const float *x, float *y, size_t n);

#endif
