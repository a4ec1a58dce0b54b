/*
 * tools/genai/src/eval_util.h - helpers shared by the eval*.c files of libgenrt_genai (defined in
 * eval.c; hidden symbols, not part of the public API): running one token sequence
 * as a fresh sequence, log-softmax normaliser and argmax of a logits row.
 * Ownership: see each function. Threading: reentrant.
 */
#ifndef GENRT_GENAI_EVAL_UTIL_H
#define GENRT_GENAI_EVAL_UTIL_H

#include <genrt/genrt.h>

#include "generate.h" /* grt_gen_error: errors are reported as in the rest of the library */

/* Runs ids[n] as a fresh sequence (state reset, positions 0..n-1) in one infer. *logits
 * (borrowed from rq until its next infer) gets n rows of *vocab floats.
 * Errors: INVALID_ARGUMENT (negative or out-of-vocabulary id), SHAPE (logits not f32 [1, n, V]),
 * and those of the infer request. */
grt_status grt_eval_run_sequence(grt_infer_request *rq, const int32_t *ids, size_t n, const float **logits,
                                 size_t *vocab);

/* Natural-log softmax normaliser of row[v]: max + ln(sum exp(x - max)). */
double grt_eval_log_norm(const float *row, size_t v);

/* Index of the largest of row[v] (lowest on ties). */
size_t grt_eval_argmax(const float *row, size_t v);

#endif
