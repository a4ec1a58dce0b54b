/*
 * hf_fixture.h - helpers of the Hugging Face frontend tests: a tiny decoder model with seeded f32
 * weights held in memory under canonical names, writers for safetensors files / config.json /
 * a llama2.c checkpoint of it, a plain C reference forward pass, and a CPU runner that returns
 * the logits of every prompt position through the public API.
 * Ownership: tiny_model_free releases everything tiny_model_init allocated. Single-threaded.
 */
#ifndef GENRT_TESTS_HF_FIXTURE_H
#define GENRT_TESTS_HF_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include <genrt/genrt.h>

#include "frontends/llm.h"

#define TINY_MAX_TENSORS 64

typedef struct tiny_tensor {
    char name[64];    /* canonical name */
    char hf[96];      /* Hugging Face name */
    size_t rank;
    int64_t dims[2];
    float *data;
    size_t n;
} tiny_tensor;

typedef struct tiny_model {
    grt_llm_config cfg;
    const char *model_type; /* config.json model_type */
    tiny_tensor t[TINY_MAX_TENSORS];
    size_t n;
} tiny_model;

/* A tiny model of model_type "llama", "qwen2", "qwen3" or "phi3" (flags set accordingly; qwen2 is
 * tied, qwen3 has head_dim != dim / n_heads) with seeded weights (~N(0, 0.1), norms ~1).
 * Returns 0 on failure. */
int tiny_model_init(tiny_model *m, const char *model_type, uint64_t seed);
void tiny_model_free(tiny_model *m);
/* The tensor of canonical name, or NULL. */
const tiny_tensor *tiny_find(const tiny_model *m, const char *name);

/* grt_llm_weight_fn over a tiny_model (user = tiny_model *). */
grt_status tiny_weight(void *user, grt_model *model, const char *name, size_t rank, const int64_t *dims,
                       grt_port *out);

/* Writes a safetensors file of tensors t[n] (HF names) with dtype "F32", "F16" or "BF16" (values
 * rounded), the data area starting at a multiple of `align` (1 = unaligned, 64 = zero-copy).
 * Returns 0 on failure. */
int write_safetensors(const char *path, const tiny_tensor *t, size_t n, const char *dtype, size_t align);
/* Writes dir/config.json of m (plus the given extra JSON members, may be NULL/""). */
int write_config(const char *dir, const tiny_model *m, const char *extra);
/* Writes a llama2.c checkpoint of m (llama only): q/k rows permuted to interleaved RoPE. */
int write_llama2c(const char *path, const tiny_model *m);
/* Writes a whole file. */
int write_file(const char *path, const void *data, size_t n);

/* Reference logits [n_tokens, V] of m for tokens at positions 0..n-1 (caller frees). */
float *reference_logits(const tiny_model *m, const int64_t *tokens, size_t n_tokens);

/* Compiles `model` on CPU and returns the logits [n_tokens, V] (caller frees): the prompt's first
 * `prefill` tokens in one infer, then the rest one at a time (KV cache). NULL on failure. */
float *run_logits(grt_core *core, const grt_model *model, const int64_t *tokens, size_t n_tokens, size_t prefill,
                  int64_t vocab);

/* Largest |a - b| over n values. */
double max_abs_diff(const float *a, const float *b, size_t n);

#endif
