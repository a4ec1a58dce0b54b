/*
 * exec/fold.h - constant folding of the CPU plan: a Convert node whose input is an uncompressed
 * Constant (the LLM graph builder converts f16 / bf16 norm weights to f32 that way) is run once at
 * compile time; the node becomes a Constant whose value is the converted copy, so an infer no
 * longer converts (and, with a pool, opens a region for) the same weights on every token.
 *
 * cpu_fold_plan runs in cpu_plan_create after kernels are resolved and before the fusion pass; the
 * copies (at most CPU_FOLD_MAX_BYTES each; larger ones are left to run per infer) are owned by the
 * plan and freed by cpu_plan_destroy (cpu_fold_free). A Convert whose kernel fails is left as it
 * is (it reports the same error at infer). Disabled by GENRT_CPU_FOLD=0 (read at each compile).
 * Threading: compile time only.
 */
#ifndef GENRT_CPU_EXEC_FOLD_H
#define GENRT_CPU_EXEC_FOLD_H

#include "plan.h"

#define CPU_FOLD_MAX_BYTES ((size_t)64 << 20)

/* Folds what it can (above). Errors: OUT_OF_MEMORY (message through host->set_error). */
grt_status cpu_fold_plan(cpu_plan *p);

/* Frees the plan's folded copies (cpu_plan_destroy). */
void cpu_fold_free(cpu_plan *p);

/* Nodes folded into Constants (tests and logs). */
uint32_t cpu_fold_count(const cpu_plan *p);

#endif
