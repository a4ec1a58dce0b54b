/*
 * frontends/llm.h - the decoder-only LLM graph builder shared by every frontend (llama2.c, GGUF,
 * Hugging Face folders, random weights). A frontend fills a grt_llm_config from its file's
 * metadata and supplies weights through a callback; the builder emits the same stateful graph for
 * every source, so a model gives identical results whatever file it came from.
 *
 * Graph interface (OpenVINO's stateful LLM convention):
 *   inputs   "input_ids"     i64 [1, ?]       token ids of this step (prompt, or one token)
 *            "position_ids"  i64 [1, ?]       absolute positions (past_len + 0..S-1)
 *   output   "logits"        f32 [1, ?, V]    next-token logits at every input position
 *   state    "past.<l>.key" / "past.<l>.value"  [1, Hkv, ?, head_dim] (f32) per layer l:
 *            ReadValue -> Concat(axis 2) with this step's K/V -> Assign; SDPA(causal) reads the
 *            concatenation. reset_state starts a new sequence.
 *
 * Weights use canonical (GGUF) names and the [out, in] layout (MatMul with transpose_b = 1;
 * compressed groups along `in`):
 *   token_embd.weight [V, dim]            output_norm.weight [dim]     output.weight [V, dim]
 *   blk.<l>.attn_norm.weight [dim]        blk.<l>.ffn_norm.weight [dim]
 *   blk.<l>.attn_q.weight [Hq*hd, dim]    blk.<l>.attn_k.weight / attn_v.weight [Hkv*hd, dim]
 *   blk.<l>.attn_qkv.weight [(Hq+2Hkv)*hd, dim]      (fused_qkv instead of q/k/v)
 *   blk.<l>.attn_q.bias / attn_k.bias / attn_v.bias  (qkv_bias)
 *   blk.<l>.attn_q_norm.weight / attn_k_norm.weight [hd]   (qk_norm, RMSNorm per head)
 *   blk.<l>.attn_output.weight [dim, Hq*hd]
 *   blk.<l>.ffn_gate.weight / ffn_up.weight [hidden, dim]  blk.<l>.ffn_down.weight [dim, hidden]
 *   blk.<l>.ffn_up.weight [2*hidden, dim] holding gate then up  (fused_gate_up, Phi-3)
 *   blk.<l>.attn_qkv.bias [(Hq+2Hkv)*hd]             (fused_qkv with qkv_bias)
 * output.weight is not requested when tied_embeddings is set (token_embd.weight is used).
 * The callback must name the constant it adds exactly `name` (the GGUF writer relies on it). The
 * builder checks the shape of the port it gets. Activations are f32: the [out, in] MatMul weights
 * (and a tied token_embd.weight) feed MatMul as stored, f16/bf16 included (MatMul converts B block
 * by block); token_embd.weight feeds Gather as stored and the gathered rows are converted to f32
 * ("token_embd.f32"); a non-f32 norm gamma or bias goes through a Convert "<name>.f32". Give
 * compressed weights the logical type f32 so that MatMul/Gather read them compressed.
 *
 * Node names: blk.<l>.attn_norm, attn_q/k/v (MatMul, or Slice of attn_qkv), attn_q.rope,
 * attn_q_norm, attn (SDPA), attn_output, ffn_norm, ffn_gate/up/down, ...; token_embd (Gather),
 * output_norm, output (lm head MatMul). State ReadValue nodes are named by their variable id.
 *
 * Metadata stored by grt_llm_build (A = cfg->arch): general.architecture = A (string);
 * ints A.context_length, A.embedding_length, A.block_count, A.feed_forward_length,
 * A.attention.head_count, A.attention.head_count_kv, A.attention.key_length,
 * A.attention.value_length, A.rope.dimension_count, A.vocab_size; floats
 * A.attention.layer_norm_rms_epsilon, A.rope.freq_base; with rope scaling A.rope.scaling.type
 * ("linear" / "llama3"), A.rope.scaling.factor, A.rope.scaling.original_context_length and (llama3)
 * genrt.llm.rope_low_freq_factor / genrt.llm.rope_high_freq_factor; ints genrt.llm.rope_mode,
 * genrt.llm.tied_embeddings, genrt.llm.qkv_bias, genrt.llm.qk_norm, genrt.llm.fused_qkv,
 * genrt.llm.fused_gate_up. Frontends add general.name, tokenizer.* etc. themselves.
 *
 * Ownership: the builder adds nodes to `model` (caller-owned). Not thread-safe per model.
 */
#ifndef GENRT_FRONTENDS_LLM_H
#define GENRT_FRONTENDS_LLM_H

#include <genrt/model.h>

typedef enum grt_llm_rope_mode {
    GRT_LLM_ROPE_HALF = 0,       /* NeoX / HF: pairs (i, i + hd/2) — RoPE mode 0 */
    GRT_LLM_ROPE_INTERLEAVED = 1 /* GPT-J / llama2.c / GGUF llama: pairs (2i, 2i+1) — mode 1 */
} grt_llm_rope_mode;

typedef struct grt_llm_config {
    char arch[32];        /* "llama", "mistral", "qwen2", "qwen3", "phi3" ... (for messages) */
    int64_t vocab_size;   /* V */
    int64_t dim;          /* hidden size */
    int64_t hidden_dim;   /* FFN intermediate size */
    int64_t n_layers;
    int64_t n_heads;      /* Hq */
    int64_t n_kv_heads;   /* Hkv (GQA when < Hq) */
    int64_t head_dim;     /* hd (usually dim / n_heads) */
    int64_t max_seq_len;  /* context length */
    double norm_eps;      /* RMSNorm epsilon */
    double rope_theta;
    int32_t rope_mode;    /* grt_llm_rope_mode */
    int32_t rope_scaling; /* RoPE op `scaling`: 0 none, 1 linear, 2 llama3 */
    double rope_factor, rope_low_freq_factor, rope_high_freq_factor;
    int64_t rope_original_max_position;
    int64_t rotary_dim;   /* 0 = head_dim */
    int32_t tied_embeddings;
    int32_t qkv_bias;
    int32_t qk_norm;
    int32_t fused_qkv;
    int32_t fused_gate_up;
    int32_t reserved;
} grt_llm_config;

/* Sets every field to the Llama defaults (eps 1e-5, theta 10000, half rope, no scaling...). */
void grt_llm_config_defaults(grt_llm_config *cfg);

/* Checks the config (positive sizes, Hq % Hkv == 0, head_dim even, ...); errors name the key. */
grt_status grt_llm_config_validate(const grt_llm_config *cfg, const char *source);

/* Weight callback: adds the tensor `name` (canonical name, expected logical shape dims[rank]) to
 * `model` as a constant (plain or compressed, zero-copy where the source allows) and returns its
 * port. A missing tensor returns GRT_ERROR_NOT_FOUND with a message naming it and the source file. */
typedef grt_status (*grt_llm_weight_fn)(void *user, grt_model *model, const char *name,
                                        size_t rank, const int64_t *dims, grt_port *out);

/* Builds the stateful decoder graph described above into the empty `model`, and stores the config
 * as metadata ("general.architecture", "<arch>.context_length", ...). `source` names the file for
 * messages. Errors: from the callback, SHAPE (inconsistent config). */
grt_status grt_llm_build(const grt_llm_config *cfg, grt_llm_weight_fn weights, void *user,
                         const char *source, grt_model *model);

#endif
