/*
 * tokenizer/tok_wpm.c - WordPiece (BERT): the BERT normalizer and pre-tokenizer (clean control
 * characters, split on Unicode whitespace, isolate punctuation and CJK ideographs, optional
 * lowercase and accent stripping = NFD without Mn marks), then greedy longest-match-first pieces
 * per word; a word that cannot be covered becomes [UNK]. The vocabulary spells word-initial and
 * continuation pieces with configurable prefixes ("▁"/"" in GGUF, ""/"##" in tokenizer.json).
 * Input must be valid UTF-8 (the encoder sanitizes it). Thread-safe.
 */
#include "tok_internal.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

static int is_ws(uint32_t c) {
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

static int is_chinese(uint32_t c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
           (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

static int is_punct(uint32_t c) {
    if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
        (c >= 123 && c <= 126))
        return 1;
    switch (utf8proc_category((utf8proc_int32_t)c)) {
    case UTF8PROC_CATEGORY_PC:
    case UTF8PROC_CATEGORY_PD:
    case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE:
    case UTF8PROC_CATEGORY_PI:
    case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO: return 1;
    default: return 0;
    }
}

static int is_control(uint32_t c) {
    switch (utf8proc_category((utf8proc_int32_t)c)) {
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_CS:
    case UTF8PROC_CATEGORY_CO:
    case UTF8PROC_CATEGORY_CN: return 1;
    default: return 0;
    }
}

/* Greedy longest-match-first pieces of one word (valid UTF-8, char_count characters). */
static int word_pieces(const grt_tokenizer *t, const char *w, size_t n, size_t char_count,
                       tok_ids *out, tok_buf *key) {
    size_t mark = out->n;
    if (t->wpm_max_chars && char_count > t->wpm_max_chars) goto unk;
    for (size_t start = 0; start < n;) {
        const char *pre = start == 0 ? t->wpm_start_prefix : t->wpm_cont_prefix;
        size_t pl = strlen(pre);
        size_t end = n;
        int32_t found = -1;
        while (end > start) {
            key->n = 0;
            if (!tok_buf_add(key, pre, pl) || !tok_buf_add(key, w + start, end - start)) return 0;
            found = tok_map_get(&t->vocab, key->p, key->n);
            if (found >= 0) break;
            do end--; /* previous character boundary */
            while (end > start && ((unsigned char)w[end] & 0xC0) == 0x80);
        }
        if (found < 0) {
            out->n = mark;
            goto unk;
        }
        if (!tok_ids_push(out, found)) return 0;
        start = end;
    }
    return 1;
unk:
    return t->unk < 0 || tok_ids_push(out, t->unk);
}

static int flush_word(const grt_tokenizer *t, tok_buf *word, size_t *chars, tok_ids *out,
                      tok_buf *key) {
    if (word->n == 0) return 1;
    int ok = word_pieces(t, word->p, word->n, *chars, out, key);
    word->n = 0;
    *chars = 0;
    return ok;
}

static int add_cp(tok_buf *word, size_t *chars, uint32_t c) {
    char enc[4];
    (*chars)++;
    return tok_buf_add(word, enc, tok_utf8_encode(c, enc));
}

static int handle_cp(const grt_tokenizer *t, uint32_t c, tok_buf *word, size_t *chars,
                     tok_ids *out, tok_buf *key) {
    if (is_ws(c)) return flush_word(t, word, chars, out, key);
    if (c == 0 || c == 0xFFFD || is_control(c)) return 1;
    if (t->wpm_lowercase) c = (uint32_t)utf8proc_tolower((utf8proc_int32_t)c);
    if (is_punct(c) || (t->wpm_chinese && is_chinese(c))) {
        return flush_word(t, word, chars, out, key) && add_cp(word, chars, c) &&
               flush_word(t, word, chars, out, key);
    }
    return add_cp(word, chars, c);
}

grt_status tok_wpm_encode(const grt_tokenizer *t, const char *s, size_t n, tok_ids *out) {
    tok_buf word = {0}, key = {0};
    size_t chars = 0;
    grt_status st = GRT_OK;
    for (size_t i = 0; i < n;) {
        uint32_t cp = 0xFFFD;
        size_t l = tok_utf8_decode(s + i, n - i, &cp);
        if (!l) l = 1;
        i += l;
        if (t->wpm_strip_accents) {
            utf8proc_int32_t dec[32];
            int last = 0;
            utf8proc_ssize_t k = utf8proc_decompose_char((utf8proc_int32_t)cp, dec, 32,
                                                         UTF8PROC_DECOMPOSE, &last);
            if (k < 0 || k > 32) {
                dec[0] = (utf8proc_int32_t)cp;
                k = 1;
            }
            for (utf8proc_ssize_t j = 0; j < k; j++) {
                if (utf8proc_category(dec[j]) == UTF8PROC_CATEGORY_MN) continue;
                if (!handle_cp(t, (uint32_t)dec[j], &word, &chars, out, &key)) goto oom;
            }
        } else if (!handle_cp(t, cp, &word, &chars, out, &key)) {
            goto oom;
        }
    }
    if (!flush_word(t, &word, &chars, out, &key)) goto oom;
    goto done;
oom:
    st = tok_errorf(GRT_ERROR_OUT_OF_MEMORY, "tokenizer: out of memory");
done:
    free(word.p);
    free(key.p);
    return st;
}
