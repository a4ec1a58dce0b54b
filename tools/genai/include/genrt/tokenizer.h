/*
 * genrt/tokenizer.h - tokenizers of libgenrt_genai: SentencePiece BPE (byte fallback), byte-level
 * BPE with the pre-tokenizer regexes of GPT-2, Llama-3, Qwen2, DeepSeek, Falcon..., WordPiece;
 * normalizers (NFC/NFKC, lowercase, prepend space), special and added tokens, and streaming
 * detokenization that never splits a UTF-8 character.
 *
 * Ownership: create/destroy pairs; returned arrays are caller-owned (free with grt_free).
 * Thread-safety: a tokenizer is immutable after creation and may be used from several threads;
 * a grt_detokenizer is used by one thread at a time.
 */
#ifndef GENRT_TOKENIZER_H
#define GENRT_TOKENIZER_H

#include <genrt/genrt.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct grt_tokenizer grt_tokenizer;

/* From a model's metadata (GGUF "tokenizer.ggml.*" keys, or a Hugging Face tokenizer.json kept
 * as metadata by the folder frontend). Errors: NOT_FOUND (the model has no tokenizer),
 * NOT_SUPPORTED (tokenizer type: the message names it), FORMAT. */
GRT_EXPORT grt_status grt_tokenizer_create_from_model(const grt_model *model, grt_tokenizer **out);
/* From a file: tokenizer.json, a GGUF file (a vocabulary-only GGUF works), or a model folder. */
GRT_EXPORT grt_status grt_tokenizer_create_from_file(const char *path, grt_tokenizer **out);
GRT_EXPORT void grt_tokenizer_destroy(grt_tokenizer *tok); /* NULL is a no-op */

/* Encodes UTF-8 text[len] (invalid UTF-8 is handled as the reference tokenizers do); add_special
 * adds BOS/EOS (etc.) as the tokenizer's config says. *ids is caller-owned (grt_free). */
GRT_EXPORT grt_status grt_tokenizer_encode(const grt_tokenizer *tok, const char *text, size_t len,
                                           int add_special, int32_t **ids, size_t *n_ids);
/* Decodes ids into a caller-owned NUL-terminated string (grt_free); skip_special drops special
 * tokens. Errors: INVALID_ARGUMENT (id out of range: the message names it). */
GRT_EXPORT grt_status grt_tokenizer_decode(const grt_tokenizer *tok, const int32_t *ids, size_t n,
                                           int skip_special, char **text);

GRT_EXPORT size_t grt_tokenizer_vocab_size(const grt_tokenizer *tok);
/* -1 when the tokenizer has no such token. */
GRT_EXPORT int32_t grt_tokenizer_bos(const grt_tokenizer *tok);
GRT_EXPORT int32_t grt_tokenizer_eos(const grt_tokenizer *tok);
/* The token's text as stored in the vocabulary (borrowed, tokenizer lifetime); NULL if out of
 * range. */
GRT_EXPORT const char *grt_tokenizer_token(const grt_tokenizer *tok, int32_t id);
/* 1 if id is a special/control token (BOS, EOS, <|im_end|> ...). */
GRT_EXPORT int grt_tokenizer_is_special(const grt_tokenizer *tok, int32_t id);
/* The chat template (Jinja) from the tokenizer's config, or NULL (borrowed). */
GRT_EXPORT const char *grt_tokenizer_chat_template(const grt_tokenizer *tok);

/* Streaming detokenizer: feed ids one at a time, get the text that is complete so far (never
 * half a UTF-8 character; SentencePiece leading-space handling as in the reference). */
typedef struct grt_detokenizer grt_detokenizer;
GRT_EXPORT grt_status grt_detokenizer_create(const grt_tokenizer *tok, int skip_special,
                                             grt_detokenizer **out);
GRT_EXPORT void grt_detokenizer_destroy(grt_detokenizer *d);
/* Appends id; *text (borrowed, valid until the next call) receives the newly completed text
 * ("" if none yet), *len its length. */
GRT_EXPORT grt_status grt_detokenizer_push(grt_detokenizer *d, int32_t id, const char **text,
                                           size_t *len);
/* Text still held back (an incomplete UTF-8 sequence is emitted as U+FFFD). */
GRT_EXPORT grt_status grt_detokenizer_flush(grt_detokenizer *d, const char **text, size_t *len);

#ifdef __cplusplus
}
#endif
#endif
