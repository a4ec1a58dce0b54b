/*
 * genrt/generate.h - text generation of libgenrt_genai: samplers, the generation loop over a
 * compiled stateful LLM, stop tokens/strings, streaming with cancellation, chat templates.
 *
 * The LLM interface is the one every GenRT frontend emits (docs/GENERATION.md): inputs
 * "input_ids" and "position_ids" (i64 [1, S]), output "logits" (f32 [1, S, V]), K/V cache in state
 * variables. A session prefills the whole prompt in one infer, then decodes one token per infer.
 *
 * Ownership: create/destroy pairs; destroy(NULL) is a no-op. Strings and arrays returned as
 * caller-owned are freed with grt_free (or grt_generation_result_clear). Borrowed inputs (compiled
 * model, tokenizer) must outlive the objects created from them.
 * Thread-safety: a sampler or session is used by one thread at a time; different sessions may run
 * concurrently. grt_chat_apply_template is reentrant.
 */
#ifndef GENRT_GENERATE_H
#define GENRT_GENERATE_H

#include <genrt/genrt.h>
#include <genrt/tokenizer.h>

#ifdef __cplusplus
extern "C" {
#endif

/* --- sampling ------------------------------------------------------------------------------
 * Order of operations on the logits of one step: penalties (over the last penalty_last_n tokens
 * of the history) -> greedy if temperature <= 0 -> logits / temperature -> top-k -> softmax ->
 * top-p (smallest set of most probable tokens whose mass reaches top_p) -> min-p (drop tokens
 * with p < min_p * p_max) -> renormalize -> one draw from a seeded xoshiro256** generator. */
typedef struct grt_sampler_config {
    float temperature;        /* <= 0: greedy (argmax, lowest id on ties) */
    int32_t top_k;            /* <= 0: off */
    float top_p;              /* >= 1: off */
    float min_p;              /* <= 0: off */
    float repetition_penalty; /* 1: off; a seen token's logit l becomes l/r if l > 0, else l*r */
    float presence_penalty;   /* 0: off; subtracted once from a seen token's logit */
    float frequency_penalty;  /* 0: off; subtracted count times */
    int32_t penalty_last_n;   /* window of the history for penalties; <= 0: the whole history */
    uint64_t seed;            /* same seed + same logits = same draws */
} grt_sampler_config;

/* temperature 1, top_k 0, top_p 1, min_p 0, no penalties, penalty_last_n 64, seed 0. */
GRT_EXPORT void grt_sampler_config_defaults(grt_sampler_config *cfg);

typedef struct grt_sampler grt_sampler;

/* Errors: INVALID_ARGUMENT (NaN or negative parameter: the message names it), OUT_OF_MEMORY. */
GRT_EXPORT grt_status grt_sampler_create(const grt_sampler_config *cfg, grt_sampler **out);
GRT_EXPORT void grt_sampler_destroy(grt_sampler *s);
/* Restarts the random sequence from seed. */
GRT_EXPORT void grt_sampler_reseed(grt_sampler *s, uint64_t seed);

/* Picks the next token from logits[vocab] (not modified) given the token history[n_history]
 * (prompt + generated, for penalties; may be NULL when n_history is 0). History ids outside
 * [0, vocab) are ignored. Errors: INVALID_ARGUMENT (vocab 0, NULL pointers, non-finite logits
 * everywhere). */
GRT_EXPORT grt_status grt_sampler_sample(grt_sampler *s, const float *logits, size_t vocab,
                                         const int32_t *history, size_t n_history, int32_t *token);

/* The distribution sample() would draw from: probs[vocab] (caller-allocated) receives each
 * token's probability after every filter (0 for dropped tokens; one-hot for greedy). Draws
 * nothing. Same errors as grt_sampler_sample. */
GRT_EXPORT grt_status grt_sampler_probs(grt_sampler *s, const float *logits, size_t vocab,
                                        const int32_t *history, size_t n_history, float *probs);

/* --- generation ---------------------------------------------------------------------------- */

/* Streaming callback, called once per generated token (stop tokens excluded) with the text that
 * became final with it (text[len], borrowed for the call, may be "" while a UTF-8 character or a
 * possible stop string is held back; always "" without a tokenizer). Return 0 to go on, non-zero
 * to cancel (generation then ends with GRT_STOP_CANCELLED, and GRT_OK). Text still held back
 * when generation ends (a partial stop string that never completed, the detokenizer's tail) comes
 * in one last call with token -1, whose return value is ignored. */
typedef int (*grt_stream_fn)(void *user, int32_t token, const char *text, size_t len);

typedef enum grt_stop_reason {
    GRT_STOP_NONE = 0,
    GRT_STOP_MAX_TOKENS = 1, /* max_new_tokens reached */
    GRT_STOP_TOKEN = 2,      /* a stop token (or EOS) was sampled */
    GRT_STOP_STRING = 3,     /* a stop string appeared in the text */
    GRT_STOP_CANCELLED = 4,  /* the callback returned non-zero */
    GRT_STOP_CONTEXT = 5     /* the context length is full */
} grt_stop_reason;

typedef struct grt_generation_config {
    int64_t max_new_tokens; /* <= 0: until a stop condition or the context is full */
    int64_t context_length; /* <= 0: unlimited (the model's limit applies) */
    int32_t stop_at_eos;    /* 1: the tokenizer's EOS is a stop token */
    int32_t reserved;
    const int32_t *stop_tokens; /* extra stop token ids [n_stop_tokens] (borrowed) */
    size_t n_stop_tokens;
    const char *const *stop_strings; /* UTF-8 stop strings [n_stop_strings] (borrowed) */
    size_t n_stop_strings;
    grt_sampler_config sampler;
} grt_generation_config;

/* max_new_tokens 256, context_length 0, stop_at_eos 1, no extra stops, sampler defaults. */
GRT_EXPORT void grt_generation_config_defaults(grt_generation_config *cfg);

/* Generation defaults of a model: the Hugging Face generation_config.json the HF frontend keeps as
 * the metadata string "generation.huggingface.config". Only the keys present change *cfg:
 * temperature, top_k, top_p, repetition_penalty -> cfg->sampler; max_new_tokens ->
 * cfg->max_new_tokens; max_length (prompt + new tokens) caps cfg->context_length; "do_sample":
 * false -> temperature 0 (greedy). eos_token_id (an id or a list) -> stop_tokens[stop_cap], with
 * *n_stop_tokens = how many the JSON has (may exceed stop_cap; only stop_cap are written).
 * Apply it to a config holding your defaults, then apply the user's explicit options on top.
 * A model without the metadata (GGUF, llama2.c) changes nothing and returns GRT_OK.
 * Errors: FORMAT (not a JSON object, a key of the wrong type: the message names it; *cfg is then
 * unchanged), INVALID_ARGUMENT (NULL model/cfg, or stop_tokens NULL with stop_cap > 0). */
GRT_EXPORT grt_status grt_generation_config_from_model(const grt_model *model,
                                                       grt_generation_config *cfg,
                                                       int32_t *stop_tokens, size_t stop_cap,
                                                       size_t *n_stop_tokens);

typedef struct grt_generation_result {
    int32_t *ids; /* generated tokens, stop token excluded [n_ids] (caller-owned) */
    size_t n_ids;
    char *text; /* the streamed text, NUL-terminated; NULL without a tokenizer */
    size_t text_len;
    int32_t stop_reason; /* grt_stop_reason */
    int32_t reserved;
    size_t n_prompt_fed; /* prompt tokens run through the model by this call (after reuse) */
    double ttft_s;       /* seconds from the call to the first sampled token */
    double decode_s;     /* seconds spent after the first token */
} grt_generation_result;

/* Frees ids and text and zeroes the struct. NULL is a no-op. */
GRT_EXPORT void grt_generation_result_clear(grt_generation_result *res);

/* A conversation with one compiled LLM: its infer request (KV cache), the tokens in the cache,
 * positions. */
typedef struct grt_llm_session grt_llm_session;

/* cm: compiled model with the LLM interface (borrowed). tok: may be NULL (ids only, no text, no
 * EOS unless given as stop token). Errors: INVALID_ARGUMENT (NULL, missing input/output: the
 * message names it), and those of grt_compiled_model_create_infer_request. */
GRT_EXPORT grt_status grt_llm_session_create(grt_compiled_model *cm, const grt_tokenizer *tok,
                                             grt_llm_session **out);
GRT_EXPORT void grt_llm_session_destroy(grt_llm_session *s);
/* Starts a new conversation: resets the state variables and forgets the cached tokens. */
GRT_EXPORT grt_status grt_llm_session_reset(grt_llm_session *s);
/* Number of tokens in the KV cache (= next position). */
GRT_EXPORT size_t grt_llm_session_position(const grt_llm_session *s);

/* Generates after `context[n_context]`, the full token sequence of the conversation so far
 * (everything the model should have seen). Tokens already in the KV cache that match a prefix of
 * context are reused; otherwise the state is reset. The rest is prefilled in ONE infer, then one
 * token per infer. On GRT_OK *res is filled (clear it with grt_generation_result_clear); on error
 * *res is left zeroed. Errors: INVALID_ARGUMENT (empty context, bad config, token out of
 * vocabulary), and those of the infer request (the message says which step failed). */
GRT_EXPORT grt_status grt_llm_session_generate(grt_llm_session *s, const int32_t *context,
                                               size_t n_context, const grt_generation_config *cfg,
                                               grt_stream_fn stream, void *user,
                                               grt_generation_result *res);

/* --- chat templates ------------------------------------------------------------------------ */

typedef struct grt_chat_message {
    const char *role;    /* "system", "user", "assistant" (borrowed) */
    const char *content; /* UTF-8 (borrowed) */
} grt_chat_message;

/* Renders messages[n] with the Jinja chat template `tmpl` (Hugging Face convention: variables
 * messages, add_generation_prompt, bos_token, eos_token; the subset is in docs/GENERATION.md).
 * tmpl NULL or "" uses ChatML ("<|im_start|>role\ncontent<|im_end|>\n", then
 * "<|im_start|>assistant\n" with add_generation_prompt). bos/eos may be NULL (empty strings).
 * *out is caller-owned (grt_free). Errors: FORMAT (template syntax: the message gives the line),
 * INVALID_ARGUMENT (raise_exception in the template: its message; unsupported construct),
 * OUT_OF_MEMORY. */
GRT_EXPORT grt_status grt_chat_apply_template(const char *tmpl, const grt_chat_message *messages,
                                              size_t n, int add_generation_prompt,
                                              const char *bos_token, const char *eos_token,
                                              char **out);

#ifdef __cplusplus
}
#endif
#endif
