/*
 * frontends/hf.h - the Hugging Face folder frontend of grt_model_read: a directory holding
 * config.json (see hf_config.h) and model.safetensors or a sharded model.safetensors.index.json
 * (see safetensors.h). HF tensor names are mapped to the canonical (GGUF) names of llm.h and the
 * graph is built by grt_llm_build with half-rotation RoPE. Weights whose data is 64-byte aligned in
 * the file are zero-copy constants into the file mapping; others are copied. tokenizer.json,
 * tokenizer_config.json and generation_config.json are kept verbatim as metadata strings
 * ("tokenizer.huggingface.json", "tokenizer.huggingface.config",
 * "generation.huggingface.config"), the chat template as "tokenizer.chat_template" and the BOS/EOS
 * ids of config.json as "tokenizer.ggml.bos_token_id" / "tokenizer.ggml.eos_token_id".
 * Stateless; thread-safe.
 */
#ifndef GENRT_FRONTENDS_HF_H
#define GENRT_FRONTENDS_HF_H

#include <stddef.h>
#include <stdint.h>

#include <genrt/model.h>

/* Probe of the format table (ir/read.h): claims a directory that contains config.json. */
int grt_hf_probe(const char *path, int is_dir, const uint8_t *head, size_t n);

/* Loads the folder at `dir`. Errors: NOT_FOUND (config.json, the weights file or a tensor: named),
 * IO, FORMAT (file and key/tensor named), NOT_SUPPORTED (architecture, dtype), OUT_OF_MEMORY. */
grt_status grt_hf_load(grt_core *core, const char *dir, grt_model **out);

/* The HF tensor name of canonical name `name` ("blk.3.attn_q.weight" ->
 * "model.layers.3.self_attn.q_proj.weight"; ffn_up maps to gate_up_proj when fused_gate_up).
 * Returns 0 (and writes nothing useful) if the name has no HF equivalent or buf is too small. */
int grt_hf_tensor_name(const char *name, int fused_gate_up, char *buf, size_t size);

#endif
