/*
 * frontends/hf_config.h - Hugging Face config.json -> grt_llm_config.
 *
 * Supported model_type (or, without it, architectures[0]): llama / LlamaForCausalLM (Llama 2,
 * Llama 3 with "llama3" or "linear" rope_scaling, TinyLlama, SmolLM), mistral, qwen2 (qkv bias),
 * qwen3 (q/k RMSNorm, explicit head_dim), phi3 (fused qkv_proj and gate_up_proj). Anything else
 * (including mixtral / MoE) gives NOT_SUPPORTED naming the model_type or architecture. Keys and
 * defaults follow the transformers configuration classes; hidden_act must be "silu".
 * Stateless; thread-safe.
 */
#ifndef GENRT_FRONTENDS_HF_CONFIG_H
#define GENRT_FRONTENDS_HF_CONFIG_H

#include <stddef.h>

#include "frontends/llm.h"

typedef struct grt_hf_config {
    grt_llm_config llm;
    int tie_given;          /* 1 if "tie_word_embeddings" was present */
    int64_t bos_token_id;   /* -1 if absent */
    int64_t eos_token_id;   /* -1 if absent (first one of a list) */
} grt_hf_config;

/* Parses config.json text (len bytes). source names the file in messages. The result has passed
 * grt_llm_config_validate. Errors: FORMAT (malformed JSON, a missing or ill-typed key: the
 * message names the file and the key), NOT_SUPPORTED (model_type / architecture / rope_scaling
 * / hidden_act, named). */
grt_status grt_hf_config_parse(const char *json, size_t len, const char *source, grt_hf_config *out);

/* Reads and parses the file at path. Errors as grt_hf_config_parse plus NOT_FOUND/IO. */
grt_status grt_hf_config_read(const char *path, grt_hf_config *out);

#endif
