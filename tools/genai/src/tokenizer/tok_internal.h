/*
 * tokenizer/tok_internal.h - internal representation of a grt_tokenizer (libgenrt_genai).
 *
 * One structure serves every tokenizer family; the loaders (GGUF metadata: tok_load_meta.c,
 * tokenizer.json: tok_load_json.c) fill it, tok_encode.c runs the pipeline
 *   special/added tokens -> normalizer -> pre-tokenizer regexes -> model (SPM / BPE / WordPiece)
 * and tok_decode.c turns ids back into text. Behaviour follows llama.cpp's llama-vocab and the
 * Hugging Face tokenizers library (the references the test vectors come from).
 *
 * Ownership: the tokenizer owns every array and string in it. Thread-safety: immutable after
 * creation (encode allocates per call; PCRE2 match data is per call).
 */
#ifndef GENRT_GENAI_TOK_INTERNAL_H
#define GENRT_GENAI_TOK_INTERNAL_H

#include <genrt/tokenizer.h>

#include <stddef.h>
#include <stdint.h>

/* GGUF token types (tokenizer.ggml.token_type). */
enum {
    TOK_TYPE_UNDEFINED = 0,
    TOK_TYPE_NORMAL = 1,
    TOK_TYPE_UNKNOWN = 2,
    TOK_TYPE_CONTROL = 3,
    TOK_TYPE_USER_DEFINED = 4,
    TOK_TYPE_UNUSED = 5,
    TOK_TYPE_BYTE = 6
};

typedef enum tok_model_kind {
    TOK_MODEL_SPM = 1, /* SentencePiece BPE: merges by token score, "▁" for spaces */
    TOK_MODEL_BPE = 2, /* BPE by merge rank (byte-level GPT-2 style, or HF BPE with byte fallback) */
    TOK_MODEL_WPM = 3  /* WordPiece (BERT) */
} tok_model_kind;

/* Normalizer steps, applied in order to each text fragment between special tokens. */
typedef enum tok_norm_kind {
    TOK_NORM_NFC = 1,
    TOK_NORM_NFKC,
    TOK_NORM_NFD,
    TOK_NORM_NFKD,
    TOK_NORM_LOWERCASE,
    TOK_NORM_REPLACE, /* arg -> arg2 (literal) */
    TOK_NORM_PREPEND  /* arg before the text (non-empty text only) */
} tok_norm_kind;

typedef struct tok_norm {
    tok_norm_kind kind;
    char *arg, *arg2;
} tok_norm;

/* Open-addressing hash map: byte string -> int32. Keys point into storage owned elsewhere. */
typedef struct tok_map_slot {
    const char *key;
    uint32_t len;
    uint32_t hash;
    int32_t value;
} tok_map_slot;

typedef struct tok_map {
    tok_map_slot *slots;
    size_t cap, count;
} tok_map;

int tok_map_init(tok_map *m, size_t expected);
void tok_map_free(tok_map *m);
/* Inserts or replaces (the last insert of a key wins, as in llama.cpp). 0 on OOM. */
int tok_map_put(tok_map *m, const char *key, size_t len, int32_t value);
/* -1 if absent. */
int32_t tok_map_get(const tok_map *m, const char *key, size_t len);

/* An added/special token matched in raw text before pre-tokenization. */
typedef struct tok_special {
    int32_t id;
    uint8_t lstrip, rstrip; /* eat whitespace on that side (HF added_tokens flags) */
} tok_special;

struct grt_tokenizer {
    tok_model_kind kind;
    size_t n_vocab;
    char **text;      /* [n_vocab] NUL-terminated token texts */
    uint32_t *len;    /* [n_vocab] byte lengths */
    float *scores;    /* [n_vocab] (SPM) */
    uint8_t *type;    /* [n_vocab] TOK_TYPE_* */
    tok_map vocab;    /* text -> id */
    tok_map merges;   /* "left right" -> rank (BPE) */
    char *merge_store; /* storage of merge keys */

    int32_t bos, eos, unk, sep, pad, cls, mask;
    int add_bos, add_eos; /* add_special adds these (WPM: CLS ... SEP) */

    /* pipeline flags */
    int byte_level;      /* GPT-2 byte<->unicode map on pre-tokenized words */
    int byte_fallback;   /* unknown characters become <0xXX> tokens */
    int ignore_merges;   /* a whole word that is a token is taken as is (llama3) */
    int space_to_meta;   /* " " -> "▁" (SentencePiece) */
    int prepend;         /* 0 none, 1 "▁"/" " before every fragment, 2 first fragment only */
    int strip_first_space; /* decode: drop one leading space of the first text token */
    int32_t byte_ids[256]; /* <0xXX> tokens (byte fallback), -1 if absent */

    tok_norm *norms;
    size_t n_norms;
    void **regex; /* pcre2_code_8 *[n_regex]: sequential isolating splits */
    size_t n_regex;

    tok_special *specials; /* longest text first */
    size_t n_specials;

    /* WordPiece */
    int wpm_lowercase, wpm_strip_accents, wpm_chinese;
    size_t wpm_max_chars;     /* words longer than this (characters) become UNK; 0 = no limit */
    char *wpm_start_prefix;   /* prefix of word-initial pieces in the vocab ("▁" in GGUF, "") */
    char *wpm_cont_prefix;    /* prefix of continuation pieces ("" in GGUF, "##" in HF) */

    char *chat_template;
};

/* --- construction helpers (tok_vocab.c) --- */
grt_tokenizer *tok_alloc(size_t n_vocab);
/* Builds the vocab map, byte_ids and the special token list from text/type. */
grt_status tok_finish(grt_tokenizer *t);
/* Adds "left right" merge strings (rank = index). */
grt_status tok_set_merges(grt_tokenizer *t, const char *const *merges, const size_t *lens,
                          size_t count);
/* Sets pre-tokenizer regexes; \s and \S are rewritten to Unicode White_Space. */
grt_status tok_add_regex(grt_tokenizer *t, const char *pattern);
/* Regexes of llama.cpp's pre-tokenizer `name` (tokenizer.ggml.pre); NOT_SUPPORTED if unknown. */
grt_status tok_set_pre_preset(grt_tokenizer *t, const char *name);
grt_status tok_add_norm(grt_tokenizer *t, tok_norm_kind kind, const char *arg, const char *arg2);
char *tok_strndup(const char *s, size_t n);
grt_status tok_errorf(grt_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* --- loaders --- */
grt_status tok_load_meta(const grt_model *model, grt_tokenizer **out);
grt_status tok_load_json(const char *json, size_t len, const char *config_json, size_t config_len,
                         const char *what, grt_tokenizer **out);

/* --- encoding pieces --- */
/* Growable id array. */
typedef struct tok_ids {
    int32_t *v;
    size_t n, cap;
} tok_ids;
int tok_ids_push(tok_ids *a, int32_t id);

/* Growable byte buffer. */
typedef struct tok_buf {
    char *p;
    size_t n, cap;
} tok_buf;
int tok_buf_add(tok_buf *b, const char *s, size_t n);

/* Normalizer steps over text -> out (replaced). */
grt_status tok_normalize(const grt_tokenizer *t, const char *s, size_t n, int first, tok_buf *out);
/* Splits [s, s+n) with the regexes into pieces (start offsets + lengths, in order). */
grt_status tok_pretokenize(const grt_tokenizer *t, const char *s, size_t n, size_t **starts,
                           size_t **lens, size_t *count);
/* GPT-2 byte -> unicode map (UTF-8 of the mapped code point, 1-2 bytes). */
size_t tok_byte_to_unicode(uint8_t b, char out[4]);
/* Inverse: code point -> byte, -1 if the code point is not in the map. */
int tok_unicode_to_byte(uint32_t cp);

grt_status tok_spm_encode(const grt_tokenizer *t, const char *s, size_t n, tok_ids *out);
grt_status tok_bpe_encode(const grt_tokenizer *t, const char *s, size_t n, tok_ids *out);
grt_status tok_wpm_encode(const grt_tokenizer *t, const char *s, size_t n, tok_ids *out);

/* UTF-8 helpers (tok_utf8.c). */
size_t tok_utf8_len(unsigned char c); /* 1..4 from the lead byte (1 for invalid leads) */
/* Decodes one code point at s[0..n) into *cp; returns its length, or 0 if invalid there. */
size_t tok_utf8_decode(const char *s, size_t n, uint32_t *cp);
size_t tok_utf8_encode(uint32_t cp, char out[4]);
/* Copies s with every invalid byte replaced by U+FFFD (as llama.cpp's unicode_cpts_from_utf8). */
grt_status tok_utf8_sanitize(const char *s, size_t n, tok_buf *out);

#endif
