/*
 * genrt/eval.h - accuracy evaluation of LLMs in libgenrt_genai: sliding-window perplexity and the
 * KL-divergence statistics between a (compressed) model and its base, as llama.cpp's `perplexity`
 * tool reports them, and the similarity of the two models' greedy answers to a prompt list. Uses the LLM interface of docs/GENERATION.md (inputs "input_ids" and
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

/* --- similarity of generated answers (the role WhoWhatBench plays for NNCF) ------------------ */

typedef struct grt_similarity_prompt {
    int32_t *base_ids;  /* BASE's greedy answer [n_base] (owned by the result) */
    size_t n_base;
    int32_t *model_ids; /* MODEL's greedy answer [n_model] (owned by the result) */
    size_t n_model;
    int exact;           /* 1: both answers are the same token sequence */
    size_t prefix;       /* length of their common prefix, in tokens */
    double token_f1;     /* F1 of the token multisets (bag of ids); 1 when both are empty */
    double rouge_l;      /* ROUGE-L F1: LCS / n_model and LCS / n_base combined; 1 when both empty */
    double lp_model;     /* mean ln p_model(base answer token | prompt + base answer so far) */
    double lp_base;      /* the same under BASE (its own answer; <= 0) */
} grt_similarity_prompt;

typedef struct grt_similarity_result {
    size_t n_prompts;
    grt_similarity_prompt *prompts; /* [n_prompts], owned; free with grt_similarity_result_clear */
    double exact_rate;   /* share of prompts with exact = 1 */
    double prefix_mean;  /* mean common-prefix length (tokens) */
    double prefix_share; /* mean of prefix / max(n_base, n_model) (1 when both empty) */
    double token_f1;     /* mean over prompts */
    double rouge_l;      /* mean over prompts */
    double lp_model;     /* mean over all base-answer tokens of ln p_model */
    double lp_base;      /* mean over all base-answer tokens of ln p_base */
    double similarity;   /* exp(lp_model - lp_base): geometric mean of p_model / p_base over the base
                            answer's tokens (1 = the model is as sure of BASE's answer as BASE) */
    size_t n_answer_tokens; /* base-answer tokens scored */
} grt_similarity_result;

/* Generates a greedy answer of at most max_new_tokens to each prompt prompts[i][prompt_lens[i]]
 * with `model` and `base` (stopping early at stop_token when >= 0, which is not part of the
 * answer), then compares the answers (see the fields above); the log-probabilities come from one
 * teacher-forced infer of prompt + base answer per model. *out is zeroed first and filled on
 * GRT_OK; free it with grt_similarity_result_clear. Both models need the same vocabulary.
 * Errors: INVALID_ARGUMENT (NULL, n_prompts 0, empty prompt, max_new_tokens 0, vocabulary
 * mismatch, token out of range), OUT_OF_MEMORY, and those of generation / the infer requests. */
GRT_EXPORT grt_status grt_eval_similarity(grt_compiled_model *model, grt_compiled_model *base,
                                          const int32_t *const *prompts, const size_t *prompt_lens,
                                          size_t n_prompts, size_t max_new_tokens,
                                          int32_t stop_token, grt_eval_progress_fn progress,
                                          void *user, grt_similarity_result *out);

/* Frees what the result owns and zeroes it. NULL is a no-op. */
GRT_EXPORT void grt_similarity_result_clear(grt_similarity_result *r);

#ifdef __cplusplus
}
#endif

#endif
