/*
 * exec/fuse.h - the CPU plan's fusion pass: finds the op patterns the LLM graph builder
 * (core/src/frontends/llm.c) emits and gives them fused kernels (kernels/fused/fused.h).
 *
 *   SwiGLU:       Mul(SiLU(g), u)          -> the Mul runs cpu_k_fused_swiglu on {g, u}; the
 *                                             SiLU node is removed: it becomes a no-op (op
 *                                             Constant, no inputs, its dead output an empty
 *                                             constant), so it allocates and runs nothing.
 *   Add+RMSNorm:  RMSNorm(Add(x, r), gamma) -> the RMSNorm runs cpu_k_fused_add_rmsnorm on
 *                                             {x, gamma, r, sum} and writes both; the Add runs
 *                                             cpu_k_fused_skip (its output buffer is allocated
 *                                             as before and filled by the RMSNorm node).
 *   Linears:      MatMul(A, W_0) .. MatMul(A, W_k-1), 2 <= k <= 4 nodes with only Constants
 *                                             between them, the same A, constant compressed
 *                                             weights, transpose_b = 1 and transpose_a = 0 (Q / K
 *                                             / V, gate / up) -> the last runs cpu_k_fused_linears on
 *                                             {A, W_k-1, W_0, out_0, ...}: one GEMV region for
 *                                             all in decode (the earlier ones run
 *                                             cpu_k_fused_skip: they only get output buffers).
 * A pattern is taken only when it matches exactly: the ops still have their standard kernels,
 * float element types agree, no static dim broadcasts, the SiLU output has no other consumer,
 * the Add output has no consumer before the RMSNorm, and x, r are not state views. Dims unknown
 * at compile time are checked per infer by the fused kernels (they fall back to the unfused ops).
 *
 * cpu_fuse_plan rewrites plan->nodes[].fn / n_in / in_first and replaces plan->in_vals; it runs
 * in cpu_plan_create after kernels and KV appends are resolved and before liveness, so liveness
 * and the arena see the fused inputs. Disabled by GENRT_CPU_FUSION=0 (read at each compile).
 * Threading: compile time only (the plan is not shared yet).
 */
#ifndef GENRT_CPU_EXEC_FUSE_H
#define GENRT_CPU_EXEC_FUSE_H

#include "plan.h"

typedef struct cpu_fuse_counts {
    uint32_t swiglu;      /* Mul(SiLU) pairs fused */
    uint32_t add_rmsnorm; /* Add + RMSNorm pairs fused */
    uint32_t linears;     /* groups of sibling MatMuls fused */
} cpu_fuse_counts;

/* 0 when GENRT_CPU_FUSION is set to "0" (or "off"/"no"/"false"), else 1. */
int cpu_fuse_enabled(void);

/* Applies the fusions to p (see above). Errors: OUT_OF_MEMORY (message through host->set_error;
 * the plan is then unchanged). */
grt_status cpu_fuse_plan(cpu_plan *p);

/* Counts the fused patterns of a built plan (for tests and logs). */
void cpu_fuse_count(const cpu_plan *p, cpu_fuse_counts *out);

#endif
