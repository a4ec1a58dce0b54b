/*
 * kernels/qweight.h - row access to weights that may be compressed constants (int8/int4,
 * sym/asym, per-channel or group-wise; see grt_compression_info) or plain f32/f16/bf16 tensors.
 *
 * Kernels decode just the slice of a row they are about to use into a small f32 buffer, so a
 * compressed weight is never expanded as a whole. A "row" is a flat index over all dims but the
 * last (the group axis); K = the last dim. Reentrant, no allocation.
 */
#ifndef GENRT_CPU_QWEIGHT_H
#define GENRT_CPU_QWEIGHT_H

#include "kernel.h"

/* Validates `t` (rank >= 1): a float tensor whose buffer is large enough, or a compressed
 * constant whose storage/scale/zero-point types, group size (divides K) and buffer sizes are
 * consistent. Errors (GRT_ERROR_NOT_SUPPORTED / INVALID_ARGUMENT) name the node and `what`. */
grt_status cpu_qw_check(const cpu_kernel_ctx *ctx, const cpu_tensor *t, const char *what);

/* dst[0 .. c1-c0) = dequantized t[row, c0 .. c1) as f32. `t` must have passed cpu_qw_check. */
void cpu_qw_row(const cpu_tensor *t, size_t row, size_t c0, size_t c1, float *dst);

#endif
