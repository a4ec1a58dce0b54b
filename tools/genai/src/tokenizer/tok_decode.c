/*
 * tokenizer/tok_decode.c - ids -> text (grt_tokenizer_decode) and the streaming detokenizer.
 * Both append the same per-token pieces through one function, so the concatenation of what the
 * detokenizer emits equals decode() of the same ids (except that flush() turns a trailing
 * incomplete UTF-8 sequence into U+FFFD). Pieces: SentencePiece "▁" -> " ", <0xXX> byte tokens ->
 * the byte, byte-level BPE -> the GPT-2 unicode->byte map, WordPiece continuation handling; the
 * first space of the text is dropped where the model prepends one (HF's Strip / llama.cpp).
 * Thread-safety: decode is reentrant; a detokenizer is used by one thread at a time.
 */
#include "tok_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct piece_state {
    int any; /* something was output already (for the first-space rule and WordPiece joins) */
} piece_state;

static int is_special_type(const grt_tokenizer *t, int32_t id) {
    return t->type[id] == TOK_TYPE_CONTROL || t->type[id] == TOK_TYPE_UNKNOWN;
}

static int append_piece(const grt_tokenizer *t, int32_t id, int skip_special, piece_state *ps,
                        tok_buf *out) {
    const char *s = t->text[id];
    size_t n = t->len[id];
    uint8_t ty = t->type[id];
    size_t start = out->n;
    if (is_special_type(t, id)) {
        if (skip_special) return 1;
        if (t->kind == TOK_MODEL_WPM && ps->any && !tok_buf_add(out, " ", 1)) return 0;
        if (!tok_buf_add(out, s, n)) return 0;
        ps->any = 1;
        return 1;
    }
    if (ty == TOK_TYPE_BYTE || (t->byte_fallback && n == 6 && !memcmp(s, "<0x", 3) && s[5] == '>')) {
        int b = -1;
        for (int k = 0; k < 256; k++)
            if (t->byte_ids[k] == id) b = k;
        if (b >= 0) {
            char c = (char)b;
            if (!tok_buf_add(out, &c, 1)) return 0;
            goto strip;
        }
    }
    if (ty == TOK_TYPE_USER_DEFINED) {
        if (!tok_buf_add(out, s, n)) return 0;
        goto strip;
    }
    if (t->kind == TOK_MODEL_WPM) {
        size_t sp = strlen(t->wpm_start_prefix), cp = strlen(t->wpm_cont_prefix);
        int cont;
        if (sp) { /* GGUF: word starts carry "▁" */
            cont = !(n >= sp && !memcmp(s, t->wpm_start_prefix, sp));
            if (!cont) s += sp, n -= sp;
        } else {
            cont = cp && n >= cp && !memcmp(s, t->wpm_cont_prefix, cp);
            if (cont) s += cp, n -= cp;
        }
        if (!cont && ps->any && !tok_buf_add(out, " ", 1)) return 0;
        if (!tok_buf_add(out, s, n)) return 0;
        if (n) ps->any = 1;
        return 1;
    }
    if (t->byte_level) {
        for (size_t i = 0; i < n;) {
            uint32_t cp = 0;
            size_t l = tok_utf8_decode(s + i, n - i, &cp);
            int b = l ? tok_unicode_to_byte(cp) : -1;
            if (!l) l = 1;
            if (b >= 0) {
                char c = (char)b;
                if (!tok_buf_add(out, &c, 1)) return 0;
            } else if (!tok_buf_add(out, s + i, l)) {
                return 0;
            }
            i += l;
        }
    } else {
        for (size_t i = 0; i < n;) {
            if (t->space_to_meta && i + 3 <= n && !memcmp(s + i, "\xE2\x96\x81", 3)) {
                if (!tok_buf_add(out, " ", 1)) return 0;
                i += 3;
            } else {
                if (!tok_buf_add(out, s + i, 1)) return 0;
                i++;
            }
        }
    }
strip:
    if (t->strip_first_space && !ps->any && out->n > start && out->p[start] == ' ') {
        memmove(out->p + start, out->p + start + 1, out->n - start - 1);
        out->n--;
        out->p[out->n] = '\0';
    }
    if (out->n > start) ps->any = 1;
    return 1;
}

grt_status grt_tokenizer_decode(const grt_tokenizer *tok, const int32_t *ids, size_t n,
                                int skip_special, char **text) {
    tok_buf out = {0};
    piece_state ps = {0};
    if (!tok || (!ids && n) || !text)
        return tok_errorf(GRT_ERROR_INVALID_ARGUMENT, "grt_tokenizer_decode: NULL argument");
    *text = NULL;
    if (!tok_buf_add(&out, "", 0)) goto oom;
    for (size_t i = 0; i < n; i++) {
        if (ids[i] < 0 || (size_t)ids[i] >= tok->n_vocab) {
            free(out.p);
            return tok_errorf(GRT_ERROR_INVALID_ARGUMENT,
                              "grt_tokenizer_decode: token id %d at position %zu is out of range "
                              "(vocabulary size %zu)", (int)ids[i], i, tok->n_vocab);
        }
        if (!append_piece(tok, ids[i], skip_special, &ps, &out)) goto oom;
    }
    *text = out.p;
    return GRT_OK;
oom:
    free(out.p);
    return tok_errorf(GRT_ERROR_OUT_OF_MEMORY, "grt_tokenizer_decode: out of memory");
}

/* --- streaming ----------------------------------------------------------------------------- */

struct grt_detokenizer {
    const grt_tokenizer *tok;
    int skip_special;
    piece_state ps;
    tok_buf pending; /* decoded bytes not yet returned */
    tok_buf ret;     /* what the last push/flush returned */
};

grt_status grt_detokenizer_create(const grt_tokenizer *tok, int skip_special,
                                  grt_detokenizer **out) {
    if (!tok || !out) return tok_errorf(GRT_ERROR_INVALID_ARGUMENT, "grt_detokenizer_create: NULL argument");
    grt_detokenizer *d = calloc(1, sizeof *d);
    if (!d || !tok_buf_add(&d->pending, "", 0) || !tok_buf_add(&d->ret, "", 0)) {
        grt_detokenizer_destroy(d);
        return tok_errorf(GRT_ERROR_OUT_OF_MEMORY, "grt_detokenizer_create: out of memory");
    }
    d->tok = tok;
    d->skip_special = skip_special;
    *out = d;
    return GRT_OK;
}

void grt_detokenizer_destroy(grt_detokenizer *d) {
    if (!d) return;
    free(d->pending.p);
    free(d->ret.p);
    free(d);
}

/* Length of the prefix of p[0..n) that does not end inside a (so far valid) UTF-8 sequence. */
static size_t complete_prefix(const char *p, size_t n) {
    for (size_t back = 1; back <= 3 && back <= n; back++) {
        unsigned char c = (unsigned char)p[n - back];
        if ((c & 0xC0) == 0x80) continue; /* continuation byte: look further back */
        if (c < 0x80) return n;
        size_t need = tok_utf8_len(c);
        if (need == 1 || c >= 0xF5) return n; /* invalid lead: nothing to wait for */
        return need > back ? n - back : n;
    }
    return n;
}

static grt_status take(grt_detokenizer *d, size_t cut, const char **text, size_t *len) {
    d->ret.n = 0;
    if (!tok_buf_add(&d->ret, d->pending.p, cut))
        return tok_errorf(GRT_ERROR_OUT_OF_MEMORY, "grt_detokenizer: out of memory");
    memmove(d->pending.p, d->pending.p + cut, d->pending.n - cut);
    d->pending.n -= cut;
    d->pending.p[d->pending.n] = '\0';
    *text = d->ret.p;
    *len = d->ret.n;
    return GRT_OK;
}

grt_status grt_detokenizer_push(grt_detokenizer *d, int32_t id, const char **text, size_t *len) {
    if (!d || !text || !len)
        return tok_errorf(GRT_ERROR_INVALID_ARGUMENT, "grt_detokenizer_push: NULL argument");
    if (id < 0 || (size_t)id >= d->tok->n_vocab)
        return tok_errorf(GRT_ERROR_INVALID_ARGUMENT,
                          "grt_detokenizer_push: token id %d is out of range (vocabulary size %zu)",
                          (int)id, d->tok->n_vocab);
    if (!append_piece(d->tok, id, d->skip_special, &d->ps, &d->pending))
        return tok_errorf(GRT_ERROR_OUT_OF_MEMORY, "grt_detokenizer_push: out of memory");
    return take(d, complete_prefix(d->pending.p, d->pending.n), text, len);
}

grt_status grt_detokenizer_flush(grt_detokenizer *d, const char **text, size_t *len) {
    if (!d || !text || !len)
        return tok_errorf(GRT_ERROR_INVALID_ARGUMENT, "grt_detokenizer_flush: NULL argument");
    size_t cut = complete_prefix(d->pending.p, d->pending.n);
    if (cut < d->pending.n) { /* an incomplete sequence: U+FFFD instead */
        d->pending.n = cut;
        if (!tok_buf_add(&d->pending, "\xEF\xBF\xBD", 3))
            return tok_errorf(GRT_ERROR_OUT_OF_MEMORY, "grt_detokenizer_flush: out of memory");
    }
    return take(d, d->pending.n, text, len);
}
