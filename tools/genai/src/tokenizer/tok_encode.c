/*
 * tokenizer/tok_encode.c - grt_tokenizer_encode: splits the text at special/added tokens (longest
 * token first, leftmost occurrences, as llama.cpp's tokenizer_st_partition and HF's added
 * vocabulary), then runs each remaining fragment through normalizer -> pre-tokenizer -> model, and
 * adds BOS/EOS (WordPiece: CLS/SEP) when asked. Thread-safe (per-call state only).
 */
#include "tok_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct frag {
    int32_t id; /* >= 0: a special token; -1: raw text [start, start + len) */
    size_t start, len;
} frag;

typedef struct frags {
    frag *v;
    size_t n, cap;
} frags;

static int frags_add(frags *f, int32_t id, size_t start, size_t len) {
    if (id < 0 && len == 0) return 1;
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 16;
        frag *v = realloc(f->v, cap * sizeof *v);
        if (!v) return 0;
        f->v = v;
        f->cap = cap;
    }
    f->v[f->n].id = id;
    f->v[f->n].start = start;
    f->v[f->n].len = len;
    f->n++;
    return 1;
}

static const char *find_bytes(const char *h, size_t hn, const char *nd, size_t nn) {
    if (nn == 0 || nn > hn) return NULL;
    const char *end = h + hn - nn;
    for (const char *p = h; p <= end; p++) {
        p = memchr(p, nd[0], (size_t)(end - p) + 1);
        if (!p) return NULL;
        if (!memcmp(p, nd, nn)) return p;
    }
    return NULL;
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

/* Splits every raw fragment of *f at the occurrences of special token sp. */
static int split_special(const grt_tokenizer *t, const char *text, const tok_special *sp, frags *f,
                         frags *tmp) {
    const char *tt = t->text[sp->id];
    size_t tl = t->len[sp->id];
    int any = 0;
    for (size_t i = 0; i < f->n && !any; i++)
        if (f->v[i].id < 0 && find_bytes(text + f->v[i].start, f->v[i].len, tt, tl)) any = 1;
    if (!any) return 1;
    tmp->n = 0;
    for (size_t i = 0; i < f->n; i++) {
        frag fr = f->v[i];
        if (fr.id >= 0) {
            if (!frags_add(tmp, fr.id, 0, 0)) return 0;
            continue;
        }
        size_t pos = fr.start, end = fr.start + fr.len;
        for (;;) {
            const char *m = find_bytes(text + pos, end - pos, tt, tl);
            if (!m) break;
            size_t ms = (size_t)(m - text), me = ms + tl;
            size_t left_end = ms;
            if (sp->lstrip)
                while (left_end > pos && is_space(text[left_end - 1])) left_end--;
            if (!frags_add(tmp, -1, pos, left_end - pos) || !frags_add(tmp, sp->id, 0, 0)) return 0;
            pos = me;
            if (sp->rstrip)
                while (pos < end && is_space(text[pos])) pos++;
        }
        if (!frags_add(tmp, -1, pos, end - pos)) return 0;
    }
    frags sw = *f;
    *f = *tmp;
    *tmp = sw;
    return 1;
}

static grt_status encode_fragment(const grt_tokenizer *t, const char *s, size_t n, int first,
                                  tok_ids *out) {
    grt_status st = GRT_OK;
    tok_buf clean = {0}, norm = {0}, meta = {0};
    const char *p = s;
    size_t pn = n;
    if (t->kind != TOK_MODEL_SPM || t->n_norms) {
        st = tok_utf8_sanitize(s, n, &clean);
        if (st != GRT_OK) goto done;
        p = clean.p, pn = clean.n;
    }
    if (t->n_norms) {
        st = tok_normalize(t, p, pn, first, &norm);
        if (st != GRT_OK) goto done;
        p = norm.p, pn = norm.n;
    }
    if (t->prepend == 1 || (t->prepend == 2 && first) || t->space_to_meta) {
        if ((t->prepend == 1 || (t->prepend == 2 && first)) && pn > 0 &&
            !tok_buf_add(&meta, t->space_to_meta ? "\xE2\x96\x81" : " ", t->space_to_meta ? 3 : 1))
            goto oom;
        for (size_t i = 0; i < pn; i++) {
            int ok = (p[i] == ' ' && t->space_to_meta) ? tok_buf_add(&meta, "\xE2\x96\x81", 3)
                                                       : tok_buf_add(&meta, p + i, 1);
            if (!ok) goto oom;
        }
        if (!tok_buf_add(&meta, "", 0)) goto oom;
        p = meta.p, pn = meta.n;
    }
    switch (t->kind) {
    case TOK_MODEL_SPM: st = tok_spm_encode(t, p, pn, out); break;
    case TOK_MODEL_BPE: st = tok_bpe_encode(t, p, pn, out); break;
    case TOK_MODEL_WPM: st = tok_wpm_encode(t, p, pn, out); break;
    }
    goto done;
oom:
    st = tok_errorf(GRT_ERROR_OUT_OF_MEMORY, "tokenizer: out of memory");
done:
    free(clean.p);
    free(norm.p);
    free(meta.p);
    return st;
}

grt_status grt_tokenizer_encode(const grt_tokenizer *tok, const char *text, size_t len,
                                int add_special, int32_t **ids, size_t *n_ids) {
    grt_status st = GRT_OK;
    frags f = {0}, tmp = {0};
    tok_ids out = {0};
    if (!tok || (!text && len) || !ids || !n_ids)
        return tok_errorf(GRT_ERROR_INVALID_ARGUMENT, "grt_tokenizer_encode: NULL argument");
    *ids = NULL;
    *n_ids = 0;
    if (len && !frags_add(&f, -1, 0, len)) goto oom;
    for (size_t i = 0; i < tok->n_specials; i++)
        if (!split_special(tok, text, &tok->specials[i], &f, &tmp)) goto oom;

    int32_t first_id = tok->kind == TOK_MODEL_WPM ? tok->cls : tok->bos;
    int32_t last_id = tok->kind == TOK_MODEL_WPM ? tok->sep : tok->eos;
    if (add_special && tok->add_bos && first_id >= 0 && !tok_ids_push(&out, first_id)) goto oom;
    for (size_t i = 0; i < f.n; i++) {
        if (f.v[i].id >= 0) {
            if (!tok_ids_push(&out, f.v[i].id)) goto oom;
            continue;
        }
        st = encode_fragment(tok, text + f.v[i].start, f.v[i].len, i == 0, &out);
        if (st != GRT_OK) goto done;
    }
    if (add_special && tok->add_eos && last_id >= 0 && !tok_ids_push(&out, last_id)) goto oom;
    if (!out.v && !(out.v = malloc(sizeof *out.v))) goto oom;
    *ids = out.v;
    *n_ids = out.n;
    out.v = NULL;
    goto done;
oom:
    st = tok_errorf(GRT_ERROR_OUT_OF_MEMORY, "grt_tokenizer_encode: out of memory");
done:
    free(f.v);
    free(tmp.v);
    free(out.v);
    return st;
}
