/*
 * kernels/fused/fused.h - kernels of fused op patterns, installed by the plan's fusion pass
 * (exec/fuse.h) in place of the last op of a pattern. Same cpu_kernel_fn contract as ops.h,
 * with the input lists the fusion pass builds (below). Reentrant.
 */
#ifndef GENRT_CPU_FUSED_H
#define GENRT_CPU_FUSED_H

#include <string.h>

#include "../ops.h"

/* 1 if a and b have the same rank and dims. */
static inline int cpu_same_shape(const grt_shape *a, const grt_shape *b)
{
    return a->rank == b->rank && memcmp(a->dims, b->dims, sizeof(a->dims[0]) * a->rank) == 0;
}

/* Mul(SiLU(gate), up): in = {gate, up}, out = silu(gate) * up in one pass (f32, equal shapes);
 * other types or broadcasting run the two ops in turn (same results as unfused). */
CPU_KERNEL(cpu_k_fused_swiglu);

/* RMSNorm(x + r): in = {x, gamma, r, sum}, out = rmsnorm(x + r) * gamma; also writes x + r into
 * in[3] (the output buffer of the Add node, which ran cpu_k_fused_skip). One pass per row for
 * f32 with equal shapes; otherwise Add then RMSNorm (same results as unfused). */
CPU_KERNEL(cpu_k_fused_add_rmsnorm);

/* Sibling MatMuls (linears.c): k = n_in / 2 (2..4) MatMul nodes with the same A and the same
 * attributes (transpose_b = 1, transpose_a = 0); the last runs this with in = {A, W, W_0, out_0,
 * ..., W_k-2, out_k-2} and out = MatMul(A, W); the earlier ones ran cpu_k_fused_skip (their output
 * buffers, in[3 + 2m] here, get out_m = MatMul(A, W_m)). Results equal the unfused ones (a GEMV
 * row of the integer kernels does not depend on how the rows are split). */
CPU_KERNEL(cpu_k_fused_linears);

/* Does nothing: the node's output is computed (or made unnecessary) by a later fused kernel. */
CPU_KERNEL(cpu_k_fused_skip);

#endif
