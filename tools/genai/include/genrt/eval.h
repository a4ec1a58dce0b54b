/*
 * genrt/eval.h - accuracy evaluation of LLMs in libgenrt_genai: sliding-window perplexity and the
 * KL-divergence statistics between a (compressed) model and its base, as llama.cpp's `perplexity`
 * tool reports them. Uses the LLM interface of docs/GENERATION.md (inputs "input_ids" and
 * "position_ids" i64 [1, S], output "logits" f32 [1, S, V]); every window or sequence is run as a
 * fresh sequence (state reset, positions 0..S-1) in one infer.
 *
 * Ownership: compiled models are borrowed; arrays returned as caller-owned are freed with grt_free.
 * Thread-safety: each call creates its own infer requests; concurrent calls on the same compiled
 * model are as safe as concurrent infer requests on it.
 */
#ifndef GENRT_EVAL_H
#define GENRT_EVAL_H

#include <genrt/genrt.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Progress callback: `done` of `total` units (windows or sequences) finished. May be NULL. */
typedef void (*grt_eval_progress_fn)(void *user, size_t done, size_t total);

typedef struct grt_perplexity_result {
    double ppl;       /* exp(nll / n_tokens) */
    double nll;       /* sum of -log p(token) over the scored tokens (natural log) */
    size_t n_tokens;  /* tokens scored */
    size_t n_windows; /* infers run */
} grt_perplexity_result;

/* Strided perplexity of ids[n] (Hugging Face's "perplexity of fixed-length models"): windows
 * [b, min(b + ctx, n)) for b = 0, stride, 2*stride, ... until a window reaches the end; each
 * window scores only the tokens that the previous window did not (the first window scores all but
 * its first token), each predicted from the logits of the position before it.
 * Errors: INVALID_ARGUMENT (NULL, n < 2, ctx < 2, stride 0 or > ctx, token outside the vocabulary:
 * the message names it), and those of the infer request. */
GRT_EXPORT grt_status grt_eval_perplexity(grt_compiled_model *cm, const int32_t *ids, size_t n,
                                          size_t ctx, size_t stride, grt_eval_progress_fn progress,
                                          void *user, grt_perplexity_result *out);

typedef struct grt_kld_result {
    double kld_mean; /* mean over positions of KL(base || model) = sum_v p_b (ln p_b - ln p_m) */
    double kld_max;
    double kld_p99;  /* 99th percentile (nearest rank) */
    double top1;     /* share of positions where both argmaxes agree (lowest id on ties) */
    double rms_dp;   /* RMS over positions of p_model(next) - p_base(next), next = the actual token */
    size_t n_tokens; /* positions compared: every position that has a next token */
} grt_kld_result;

/* Runs `model` and `base` on the same sequences ids[i * seq_len .. (i + 1) * seq_len) for i <
 * n_seqs (seq_len >= 2) and compares their next-token distributions at every position but the
 * last of each sequence. Both models need the same vocabulary size.
 * Errors: INVALID_ARGUMENT (NULL, n_seqs 0, seq_len < 2, vocabulary mismatch, token out of range),
 * and those of the infer requests. */
GRT_EXPORT grt_status grt_eval_kld(grt_compiled_model *model, grt_compiled_model *base,
                                   const int32_t *ids, size_t n_seqs, size_t seq_len,
                                   grt_eval_progress_fn progress, void *user, grt_kld_result *out);

/* Samples n_seqs sequences of seq_len tokens from `cm`: each starts with `first` and continues
 * with tokens drawn at temperature 1 (no other filter) by libgenrt_genai's sampler seeded with
 * seed + i for sequence i. *ids (n_seqs * seq_len, caller-owned, grt_free).
 * Errors: INVALID_ARGUMENT (NULL, n_seqs 0, seq_len < 2, first out of range), OUT_OF_MEMORY, and
 * those of generation. */
GRT_EXPORT grt_status grt_eval_sample_sequences(grt_compiled_model *cm, int32_t first,
                                                size_t n_seqs, size_t seq_len, uint64_t seed,
                                                grt_eval_progress_fn progress, void *user,
                                                int32_t **ids);

#ifdef __cplusplus
}
#endif

#endif
