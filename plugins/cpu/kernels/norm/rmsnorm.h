/*
 * kernels/norm/rmsnorm.h - the RMSNorm row shared by the RMSNorm kernel (norms.c) and the fused
 * Add+RMSNorm kernel (kernels/fused/add_rmsnorm.c), so that both give bit-identical results.
 * Reentrant; cpu_norm_gamma_f32 uses the calling thread's scratch slot `slot`.
 */
#ifndef GENRT_CPU_NORM_RMSNORM_H
#define GENRT_CPU_NORM_RMSNORM_H

#include <stddef.h>

#include "../kernel.h"

/* y[0..D) = x / sqrt(sum(x^2) / D + eps) * gamma (f32 rows; y may equal x). */
void cpu_rmsnorm_row_f32(const float *x, const float *gamma, float *y, size_t D, float eps);

/* gamma [D] as f32: its own data when f32, else converted into scratch slot `slot` (valid until
 * that slot is used again). NULL on out of memory. */
float *cpu_norm_gamma_f32(const cpu_tensor *gamma, size_t D, int slot);

#endif
