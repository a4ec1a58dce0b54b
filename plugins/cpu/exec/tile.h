/*
 * exec/tile.h - the CPU plan's weight-tiling pass: compile-time copies of the compressed int8/int4
 * MatMul weights in the tiled layout of the dynamic-quantization kernels (kernels/matmul/dq.h), so
 * that decode streams each tile of rows as one sequential read (docs/PERF.md "Tiled weights").
 *
 * A constant gets a copy (plan->consts[v].dq_tiled) when it is the B input of a MatMul with
 * transpose_b, rank 2 [N, K], compressed with I8/U8/I4/U4 storage and K a whole number of tile
 * units (the copy also holds its tile parameters, dq.h), and the plan's
 * DYNAMIC_QUANTIZATION_GROUP_SIZE is not 0 (else the integer kernels never
 * run). The graph's own copy is left as it is and still serves every other path (f32 fallback,
 * Gather). GENRT_CPU_TILE_WEIGHTS=0 (read at each compile) turns the pass off.
 *
 * Ownership: the plan owns the copies (cpu_plan_untile_weights frees them, from cpu_plan_destroy).
 * Threading: compile time only; the copies are made on stream 0's pool and never written after.
 */
#ifndef GENRT_CPU_EXEC_TILE_H
#define GENRT_CPU_EXEC_TILE_H

#include "plan.h"

/* 0 when GENRT_CPU_TILE_WEIGHTS is "0" (or "off"/"no"/"false"), else 1. */
int cpu_tile_enabled(void);

/* Makes the tiled copies (see above); *bytes (may be NULL) = their total size. Errors:
 * OUT_OF_MEMORY (through host->set_error; copies made so far stay owned by the plan). */
grt_status cpu_plan_tile_weights(cpu_plan *p, size_t *bytes);

/* Frees every tiled copy of p. */
void cpu_plan_untile_weights(cpu_plan *p);

#endif
