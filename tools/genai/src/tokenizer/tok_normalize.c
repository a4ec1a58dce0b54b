/*
 * tokenizer/tok_normalize.c - normalizer steps (NFC/NFKC/NFD/NFKD via utf8proc, lowercase,
 * literal replace, prepend) applied to each text fragment between special tokens, as HF
 * tokenizers' normalizers do. Input must be valid UTF-8 for the Unicode steps (the encoder
 * sanitizes it first). Thread-safe.
 */
#include "tok_internal.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

static grt_status unicode_map(tok_buf *b, utf8proc_option_t opts) {
    utf8proc_uint8_t *dst = NULL;
    utf8proc_ssize_t r = utf8proc_map((const utf8proc_uint8_t *)b->p, (utf8proc_ssize_t)b->n, &dst,
                                      opts);
    if (r < 0) {
        free(dst);
        return tok_errorf(GRT_ERROR_INVALID_ARGUMENT, "tokenizer: normalization failed: %s",
                          utf8proc_errmsg(r));
    }
    b->n = 0;
    int ok = tok_buf_add(b, (const char *)dst, (size_t)r);
    free(dst);
    return ok ? GRT_OK : tok_errorf(GRT_ERROR_OUT_OF_MEMORY, "tokenizer: out of memory");
}

static grt_status lowercase(tok_buf *b) {
    tok_buf o = {0};
    size_t i = 0;
    if (!tok_buf_add(&o, "", 0)) goto oom;
    while (i < b->n) {
        uint32_t cp;
        size_t l = tok_utf8_decode(b->p + i, b->n - i, &cp);
        if (!l) {
            if (!tok_buf_add(&o, b->p + i, 1)) goto oom;
            i++;
            continue;
        }
        char enc[4];
        size_t el = tok_utf8_encode((uint32_t)utf8proc_tolower((utf8proc_int32_t)cp), enc);
        if (!tok_buf_add(&o, enc, el)) goto oom;
        i += l;
    }
    free(b->p);
    *b = o;
    return GRT_OK;
oom:
    free(o.p);
    return tok_errorf(GRT_ERROR_OUT_OF_MEMORY, "tokenizer: out of memory");
}

static grt_status replace(tok_buf *b, const char *from, const char *to) {
    size_t fl = strlen(from), tl = strlen(to);
    if (!fl) return GRT_OK;
    tok_buf o = {0};
    if (!tok_buf_add(&o, "", 0)) goto oom;
    for (size_t i = 0; i < b->n;) {
        if (i + fl <= b->n && !memcmp(b->p + i, from, fl)) {
            if (!tok_buf_add(&o, to, tl)) goto oom;
            i += fl;
        } else {
            if (!tok_buf_add(&o, b->p + i, 1)) goto oom;
            i++;
        }
    }
    free(b->p);
    *b = o;
    return GRT_OK;
oom:
    free(o.p);
    return tok_errorf(GRT_ERROR_OUT_OF_MEMORY, "tokenizer: out of memory");
}

grt_status tok_normalize(const grt_tokenizer *t, const char *s, size_t n, int first, tok_buf *out) {
    grt_status st = GRT_OK;
    out->n = 0;
    if (!tok_buf_add(out, s, n)) return tok_errorf(GRT_ERROR_OUT_OF_MEMORY, "tokenizer: out of memory");
    (void)first;
    for (size_t i = 0; i < t->n_norms && st == GRT_OK; i++) {
        const tok_norm *nm = &t->norms[i];
        switch (nm->kind) {
        case TOK_NORM_NFC: st = unicode_map(out, UTF8PROC_STABLE | UTF8PROC_COMPOSE); break;
        case TOK_NORM_NFKC:
            st = unicode_map(out, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT);
            break;
        case TOK_NORM_NFD: st = unicode_map(out, UTF8PROC_STABLE | UTF8PROC_DECOMPOSE); break;
        case TOK_NORM_NFKD:
            st = unicode_map(out, UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT);
            break;
        case TOK_NORM_LOWERCASE: st = lowercase(out); break;
        case TOK_NORM_REPLACE: st = replace(out, nm->arg, nm->arg2 ? nm->arg2 : ""); break;
        case TOK_NORM_PREPEND:
            if (out->n) {
                tok_buf o = {0};
                if (!tok_buf_add(&o, nm->arg, strlen(nm->arg)) || !tok_buf_add(&o, out->p, out->n)) {
                    free(o.p);
                    return tok_errorf(GRT_ERROR_OUT_OF_MEMORY, "tokenizer: out of memory");
                }
                free(out->p);
                *out = o;
            }
            break;
        }
    }
    return st;
}
