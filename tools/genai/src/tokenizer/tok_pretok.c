/*
 * tokenizer/tok_pretok.c - pre-tokenization: PCRE2 (UTF + UCP) regexes applied one after another,
 * each splitting every current piece into its matches and the gaps between them (llama.cpp's
 * unicode_regex_split; HF's Split with behaviour "isolated"), and the per-model regex presets of
 * llama.cpp keyed by tokenizer.ggml.pre. \s and \S are rewritten to Unicode White_Space (the set
 * both llama.cpp and HF tokenizers use; PCRE2's UCP \s lacks U+0085).
 * Thread-safety: compiled patterns are shared read-only; match data is allocated per call.
 */
#include "tok_internal.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#define WS_CLASS "\\t-\\r\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}"

/* Rewrites \s / \S outside and \s inside character classes. Caller frees. */
static char *rewrite_ws(const char *p) {
    size_t n = strlen(p), cap = n * 8 + sizeof WS_CLASS * 4 + 16, o = 0;
    char *out = malloc(cap);
    int in_class = 0;
    if (!out) return NULL;
    for (size_t i = 0; i < n; i++) {
        size_t need = sizeof WS_CLASS + 8;
        if (o + need >= cap) {
            cap = cap * 2 + need;
            char *q = realloc(out, cap);
            if (!q) {
                free(out);
                return NULL;
            }
            out = q;
        }
        char c = p[i];
        if (c == '\\' && i + 1 < n) {
            char d = p[i + 1];
            if (d == 's' && in_class) {
                memcpy(out + o, WS_CLASS, sizeof WS_CLASS - 1), o += sizeof WS_CLASS - 1;
            } else if (d == 's' || d == 'S') {
                out[o++] = '[';
                if (d == 'S') out[o++] = '^';
                memcpy(out + o, WS_CLASS, sizeof WS_CLASS - 1), o += sizeof WS_CLASS - 1;
                out[o++] = ']';
            } else {
                out[o++] = c;
                out[o++] = d;
            }
            i++;
            continue;
        }
        if (c == '[' && !in_class) {
            in_class = 1;
            out[o++] = c;
            /* A ']' right after '[' or '[^' is a literal. */
            if (i + 1 < n && p[i + 1] == '^') out[o++] = p[++i];
            if (i + 1 < n && p[i + 1] == ']') out[o++] = p[++i];
            continue;
        }
        if (c == ']' && in_class) in_class = 0;
        out[o++] = c;
    }
    out[o] = '\0';
    return out;
}

grt_status tok_add_regex(grt_tokenizer *t, const char *pattern) {
    char *rw = rewrite_ws(pattern);
    if (!rw) return tok_errorf(GRT_ERROR_OUT_OF_MEMORY, "tokenizer: out of memory");
    int err = 0;
    PCRE2_SIZE off = 0;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)rw, PCRE2_ZERO_TERMINATED,
                                     PCRE2_UTF | PCRE2_UCP | PCRE2_DOLLAR_ENDONLY, &err, &off,
                                     NULL);
    free(rw);
    if (!code) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(err, msg, sizeof msg);
        return tok_errorf(GRT_ERROR_FORMAT, "tokenizer: pre-tokenizer regex '%.200s': %s at %zu",
                          pattern, (const char *)msg, (size_t)off);
    }
    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE); /* best effort; the interpreter is the fallback */
    void **r = realloc(t->regex, (t->n_regex + 1) * sizeof *r);
    if (!r) {
        pcre2_code_free(code);
        return tok_errorf(GRT_ERROR_OUT_OF_MEMORY, "tokenizer: out of memory");
    }
    t->regex = r;
    t->regex[t->n_regex++] = code;
    return GRT_OK;
}

/* --- presets (llama.cpp llm_tokenizer_bpe, by tokenizer.ggml.pre) --------------------------- */

#define RX_GPT2 "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)"
#define RX_LLAMA3                                                                                  \
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|"     \
    "\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
#define RX_QWEN2                                                                                   \
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|"     \
    "\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
#define RX_CJK "[\\x{4E00}-\\x{9FA5}\\x{0800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+"
#define RX_DEEPSEEK_LETTERS                                                                        \
    "\\s?[A-Za-z\\x{B5}\\x{C0}-\\x{D6}\\x{D8}-\\x{F6}\\x{F8}-\\x{1BA}\\x{1BC}-\\x{1BF}"            \
    "\\x{1C4}-\\x{293}\\x{295}-\\x{2AF}\\x{370}-\\x{373}\\x{376}\\x{377}\\x{37B}-\\x{37D}"         \
    "\\x{37F}\\x{386}\\x{388}-\\x{38A}\\x{38C}\\x{38E}-\\x{3A1}\\x{3A3}-\\x{3F5}\\x{3F7}-\\x{481}"  \
    "\\x{48A}-\\x{52F}\\x{531}-\\x{556}\\x{10A0}-\\x{10C5}\\x{13A0}-\\x{13F5}\\x{13F8}-\\x{13FD}"   \
    "\\x{1C90}-\\x{1CBA}\\x{1CBD}-\\x{1CBF}\\x{1D00}-\\x{1D2B}\\x{1D6B}-\\x{1D77}"                 \
    "\\x{1D79}-\\x{1D9A}\\x{1E00}-\\x{1F15}\\x{1F18}-\\x{1F1D}\\x{1F20}-\\x{1F45}"                 \
    "\\x{1F48}-\\x{1F4D}\\x{1F50}-\\x{1F57}\\x{1F59}\\x{1F5B}\\x{1F5D}\\x{1F5F}-\\x{1F7D}"         \
    "\\x{1F80}-\\x{1FB4}\\x{1FB6}-\\x{1FBC}\\x{1FBE}\\x{1FC2}-\\x{1FC4}\\x{1FC6}-\\x{1FCC}"        \
    "\\x{1FD0}-\\x{1FD3}\\x{1FD6}-\\x{1FDB}\\x{1FE0}-\\x{1FEC}\\x{1FF2}-\\x{1FF4}"                 \
    "\\x{1FF6}-\\x{1FFC}\\x{2102}\\x{2107}\\x{210A}-\\x{2113}\\x{2115}\\x{2119}-\\x{211D}"         \
    "\\x{2124}\\x{2126}\\x{2128}\\x{212A}-\\x{212D}\\x{212F}-\\x{2134}\\x{2139}\\x{213C}-\\x{213F}" \
    "\\x{2145}-\\x{2149}\\x{214E}\\x{2183}\\x{2184}\\x{2C00}-\\x{2C7B}\\x{2C7E}-\\x{2CE4}"         \
    "\\x{2CEB}-\\x{2CEE}\\x{2CF2}\\x{2CF3}\\x{A640}-\\x{A66D}\\x{A680}-\\x{A69B}"                  \
    "\\x{A722}-\\x{A76F}\\x{A771}-\\x{A787}\\x{A78B}-\\x{A78E}\\x{AB70}-\\x{ABBF}"                 \
    "\\x{FB00}-\\x{FB06}\\x{FB13}-\\x{FB17}\\x{FF21}-\\x{FF3A}\\x{FF41}-\\x{FF5A}"                 \
    "\\x{10400}-\\x{1044F}\\x{104B0}-\\x{104D3}\\x{104D8}-\\x{104FB}\\x{10C80}-\\x{10CB2}"         \
    "\\x{10CC0}-\\x{10CF2}\\x{118A0}-\\x{118DF}\\x{1E900}-\\x{1E943}]+"

typedef struct preset {
    const char *names; /* '|'-separated tokenizer.ggml.pre values */
    const char *rx[6];
    int ignore_merges;
} preset;

static const preset k_presets[] = {
    {"default", {"[\\p{P}\\$\\+<=>\\^~\\|]+", RX_GPT2, "\\p{N}+", "[0-9][0-9][0-9]"}, 0},
    {"llama3|llama-v3|llama-bpe|falcon3|dbrx|smaug-bpe|pixtral", {RX_LLAMA3}, 1},
    {"deepseek-llm",
     {"[\\r\\n]", RX_DEEPSEEK_LETTERS,
      "\\s?[!-/:-~\\x{FF01}-\\x{FF0F}\\x{FF1A}-\\x{FF5E}\\x{2018}-\\x{201F}\\x{3000}-\\x{3002}]+",
      "\\s+$", RX_CJK, "\\p{N}+"},
     0},
    {"deepseek-coder", {"[\\r\\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", RX_CJK, "\\p{N}"}, 0},
    {"falcon", {"[\\p{P}\\$\\+<=>\\^~\\|`]+", RX_GPT2, "[0-9][0-9][0-9]"}, 0},
    {"starcoder|refact|command-r|smollm|codeshell|exaone|minerva-7b", {"\\p{N}", RX_GPT2}, 0},
    {"gpt-2|phi-2|jina-es|jina-de|gigachat|jina-v1-en|jina-v2-es|jina-v2-de|jina-v2-code|"
     "roberta-bpe|mpt|olmo|jais",
     {RX_GPT2},
     0},
    {"qwen2|stablelm2|hunyuan", {RX_QWEN2}, 0},
    {"poro-chat|bloom|gpt3-finnish", {" ?[^(\\s|.,!?\\x{2026}\\x{3002}\\x{FF0C}\\x{3001}\\x{0964}"
                                      "\\x{06D4}\\x{060C})]+"},
     0},
    {"chatglm-bpe", {RX_LLAMA3}, 0},
    {"viking", {" ?[^(\\s|.,!?\\x{2026}\\x{3002}\\x{FF0C}\\x{3001}\\x{0964}\\x{06D4}\\x{060C})]+",
                "\\p{N}"},
     0},
    {"tekken",
     {"[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+|"
      "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*|"
      "\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"},
     0},
};

static int name_in(const char *list, const char *name) {
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        const char *e = strchr(p, '|');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == n && !memcmp(p, name, n)) return 1;
        if (!e) break;
        p = e + 1;
    }
    return 0;
}

grt_status tok_set_pre_preset(grt_tokenizer *t, const char *name) {
    for (size_t i = 0; i < sizeof k_presets / sizeof k_presets[0]; i++) {
        if (!name_in(k_presets[i].names, name)) continue;
        for (size_t j = 0; j < 6 && k_presets[i].rx[j]; j++) {
            grt_status st = tok_add_regex(t, k_presets[i].rx[j]);
            if (st != GRT_OK) return st;
        }
        t->ignore_merges = k_presets[i].ignore_merges;
        return GRT_OK;
    }
    return tok_errorf(GRT_ERROR_NOT_SUPPORTED, "tokenizer: unknown pre-tokenizer '%s' "
                      "(tokenizer.ggml.pre)", name);
}

/* --- splitting ---------------------------------------------------------------------------- */

typedef struct pieces {
    size_t *start, *len;
    size_t n, cap;
} pieces;

static int pieces_add(pieces *p, size_t s, size_t l) {
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        size_t *a = realloc(p->start, cap * sizeof *a);
        if (!a) return 0;
        p->start = a;
        size_t *b = realloc(p->len, cap * sizeof *b);
        if (!b) return 0;
        p->len = b;
        p->cap = cap;
    }
    p->start[p->n] = s;
    p->len[p->n] = l;
    p->n++;
    return 1;
}

static int split_one(const pcre2_code *code, pcre2_match_data *md, const char *s, size_t base,
                     size_t n, pieces *out) {
    size_t off = 0, prev = 0;
    while (off <= n) {
        int rc = pcre2_match(code, (PCRE2_SPTR)(s + base), n, off, PCRE2_NO_UTF_CHECK, md, NULL);
        if (rc < 0) break; /* no match (or a matching limit: keep the rest as one piece) */
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        size_t ms = ov[0], me = ov[1];
        if (me <= ms) { /* empty match: step one character */
            if (ms >= n) break;
            off = ms + tok_utf8_len((unsigned char)s[base + ms]);
            continue;
        }
        if (ms > prev && !pieces_add(out, base + prev, ms - prev)) return 0;
        if (!pieces_add(out, base + ms, me - ms)) return 0;
        prev = off = me;
    }
    if (prev < n && !pieces_add(out, base + prev, n - prev)) return 0;
    return 1;
}

grt_status tok_pretokenize(const grt_tokenizer *t, const char *s, size_t n, size_t **starts,
                           size_t **lens, size_t *count) {
    pieces cur = {0}, next = {0};
    pcre2_match_data *md = NULL;
    if (!pieces_add(&cur, 0, n)) goto oom;
    for (size_t r = 0; r < t->n_regex; r++) {
        const pcre2_code *code = t->regex[r];
        if (!md) md = pcre2_match_data_create(4, NULL);
        if (!md) goto oom;
        next.n = 0;
        for (size_t i = 0; i < cur.n; i++)
            if (!split_one(code, md, s, cur.start[i], cur.len[i], &next)) goto oom;
        pieces tmp = cur;
        cur = next;
        next = tmp;
    }
    pcre2_match_data_free(md);
    free(next.start);
    free(next.len);
    *starts = cur.start;
    *lens = cur.len;
    *count = cur.n;
    return GRT_OK;
oom:
    pcre2_match_data_free(md);
    free(cur.start);
    free(cur.len);
    free(next.start);
    free(next.len);
    return tok_errorf(GRT_ERROR_OUT_OF_MEMORY, "tokenizer: out of memory pre-tokenizing");
}
