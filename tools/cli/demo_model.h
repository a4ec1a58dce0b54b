/*
 * tools/cli/demo_model.h - the small transformer-style graph of `genrt demo` and a plain-C
 * reference of the same math.
 *
 * Graph (T = tokens per step, D = model width, H = hidden width):
 *   x [T, D] -> RMSNorm(gamma) -> MatMul(W1ᵀ, W1 int8 sym per-channel [H, D]) -> SiLU
 *            -> MatMul(W2 f32 [H, D]) -> Add(x) = hidden [T, D]                      (output "hidden")
 *   kv = Concat(ReadValue("kv") [P, D], hidden) [P + T, D] -> Assign("kv")          (state grows)
 *   probs = Softmax(hidden · kvᵀ / √D) [T, P + T]                                    (output "probs")
 *   context = probs · kv [T, D]                                                      (output "context")
 * Ownership: the caller destroys the model; the reference is a plain struct without heap memory.
 * Threading: no shared state.
 */
#ifndef GENRT_CLI_DEMO_MODEL_H
#define GENRT_CLI_DEMO_MODEL_H

#include <genrt/genrt.h>

#define DEMO_T 2
#define DEMO_D 8
#define DEMO_H 16
#define DEMO_MAX_STEPS 8
#define DEMO_MAX_ROWS (DEMO_T * DEMO_MAX_STEPS)

/* Builds the demo graph into a new model (*out, caller-owned). Errors: those of the builder. */
grt_status grt_demo_build(grt_model **out);

/* The input of step `step` (0-based): deterministic values. */
void grt_demo_input(int step, float x[DEMO_T][DEMO_D]);

typedef struct grt_demo_ref {
    float kv[DEMO_MAX_ROWS][DEMO_D]; /* the state: rows [0, rows) are valid */
    int rows;
} grt_demo_ref;

/* One step of the reference: updates ref->kv and writes the three outputs. probs is
 * [T][ref->rows after the step] row-major (DEMO_T * DEMO_MAX_ROWS floats room).
 * Returns 0, or -1 if the state would exceed DEMO_MAX_ROWS. */
int grt_demo_ref_step(grt_demo_ref *ref, const float *x /* [T][D] */,
                      float hidden[DEMO_T][DEMO_D], float *probs, float context[DEMO_T][DEMO_D]);

#endif
