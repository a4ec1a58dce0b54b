/*
 * tokenizer/tok_merge.c - the two merge-based models:
 *   SPM: SentencePiece BPE (llama.cpp llm_tokenizer_spm): characters are merged pairwise, the
 *        pair whose concatenation is the vocabulary token with the highest score first (ties:
 *        leftmost); symbols that are not tokens fall back to <0xXX> byte tokens.
 *   BPE: merge ranks (GPT-2 / HF BPE): within each pre-tokenized word, the adjacent pair with the
 *        lowest rank in the merges list is merged first (ties: leftmost). Byte-level models map the
 *        word's bytes through the GPT-2 byte->unicode table first.
 * Thread-safe (all state is per call).
 */
#include "tok_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct sym {
    size_t off, n; /* bytes of the word */
    int prev, next;
} sym;

typedef struct bigram {
    double prio; /* higher first */
    int left, right;
    size_t size;
} bigram;

typedef struct heap {
    bigram *v;
    size_t n, cap;
} heap;

static int before(const bigram *a, const bigram *b) {
    return a->prio > b->prio || (a->prio == b->prio && a->left < b->left);
}

static int heap_push(heap *h, bigram b) {
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        bigram *v = realloc(h->v, cap * sizeof *v);
        if (!v) return 0;
        h->v = v;
        h->cap = cap;
    }
    size_t i = h->n++;
    h->v[i] = b;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!before(&h->v[i], &h->v[p])) break;
        bigram t = h->v[i];
        h->v[i] = h->v[p];
        h->v[p] = t;
        i = p;
    }
    return 1;
}

static bigram heap_pop(heap *h) {
    bigram top = h->v[0];
    h->v[0] = h->v[--h->n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->n && before(&h->v[l], &h->v[m])) m = l;
        if (r < h->n && before(&h->v[r], &h->v[m])) m = r;
        if (m == i) break;
        bigram t = h->v[i];
        h->v[i] = h->v[m];
        h->v[m] = t;
        i = m;
    }
    return top;
}

static sym *split_chars(const char *s, size_t n, size_t *count) {
    sym *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) return NULL;
    size_t k = 0, off = 0;
    while (off < n) {
        size_t l = tok_utf8_len((unsigned char)s[off]);
        if (l > n - off) l = n - off;
        v[k].off = off;
        v[k].n = l;
        v[k].prev = (int)k - 1;
        off += l;
        v[k].next = off == n ? -1 : (int)k + 1;
        k++;
    }
    *count = k;
    return v;
}

/* Pair priority: SPM = score of the joined token, BPE = -rank of "left right". 0 if none. */
static int pair_prio(const grt_tokenizer *t, const char *s, const sym *a, const sym *b,
                     tok_buf *tmp, double *prio) {
    if (t->kind == TOK_MODEL_SPM) {
        int32_t id = tok_map_get(&t->vocab, s + a->off, a->n + b->n);
        if (id < 0) return 0;
        *prio = t->scores[id];
        return 1;
    }
    tmp->n = 0;
    if (!tok_buf_add(tmp, s + a->off, a->n) || !tok_buf_add(tmp, " ", 1) ||
        !tok_buf_add(tmp, s + b->off, b->n))
        return -1;
    int32_t rank = tok_map_get(&t->merges, tmp->p, tmp->n);
    if (rank < 0) return 0;
    *prio = -(double)rank;
    return 1;
}

static int try_pair(const grt_tokenizer *t, const char *s, sym *v, int l, int r, heap *h,
                    tok_buf *tmp) {
    if (l < 0 || r < 0) return 1;
    double prio;
    int f = pair_prio(t, s, &v[l], &v[r], tmp, &prio);
    if (f < 0) return 0;
    if (f == 0) return 1;
    bigram b = {prio, l, r, v[l].n + v[r].n};
    return heap_push(h, b);
}

/* Emits the tokens of one symbol that is not in the vocabulary. */
static int emit_unknown(const grt_tokenizer *t, const char *p, size_t n, tok_ids *out) {
    if (t->byte_fallback) {
        for (size_t j = 0; j < n; j++) {
            int32_t id = t->byte_ids[(unsigned char)p[j]];
            if (id < 0) {
                char one[2] = {p[j], 0}; /* llama.cpp: fall back to the byte as a string */
                id = tok_map_get(&t->vocab, one, 1);
            }
            if (id < 0) id = t->unk;
            if (id >= 0 && !tok_ids_push(out, id)) return 0;
        }
        return 1;
    }
    if (t->byte_level) { /* llama.cpp: single-byte tokens if any, else dropped */
        for (size_t j = 0; j < n; j++) {
            int32_t id = tok_map_get(&t->vocab, p + j, 1);
            if (id >= 0 && !tok_ids_push(out, id)) return 0;
        }
        return 1;
    }
    return t->unk < 0 || tok_ids_push(out, t->unk);
}

/* Merges the characters of s[0..n) and appends the resulting tokens. */
static grt_status merge_word(const grt_tokenizer *t, const char *s, size_t n, tok_ids *out) {
    grt_status st = GRT_OK;
    heap h = {0};
    tok_buf tmp = {0};
    size_t count = 0;
    sym *v = NULL;
    if (n == 0) return GRT_OK;
    if (t->ignore_merges) {
        int32_t id = tok_map_get(&t->vocab, s, n);
        if (id >= 0) return tok_ids_push(out, id) ? GRT_OK : tok_errorf(GRT_ERROR_OUT_OF_MEMORY, "tokenizer: out of memory");
    }
    v = split_chars(s, n, &count);
    if (!v) goto oom;
    for (size_t i = 1; i < count; i++)
        if (!try_pair(t, s, v, (int)i - 1, (int)i, &h, &tmp)) goto oom;
    while (h.n) {
        bigram b = heap_pop(&h);
        sym *l = &v[b.left], *r = &v[b.right];
        if (l->n == 0 || r->n == 0 || l->n + r->n != b.size) continue;
        l->n += r->n;
        r->n = 0;
        l->next = r->next;
        if (r->next >= 0) v[r->next].prev = b.left;
        if (!try_pair(t, s, v, l->prev, b.left, &h, &tmp)) goto oom;
        if (!try_pair(t, s, v, b.left, l->next, &h, &tmp)) goto oom;
    }
    for (int i = 0; i != -1 && count; i = v[i].next) {
        if (v[i].n == 0) continue;
        int32_t id = tok_map_get(&t->vocab, s + v[i].off, v[i].n);
        if (id >= 0) {
            if (!tok_ids_push(out, id)) goto oom;
        } else if (!emit_unknown(t, s + v[i].off, v[i].n, out)) {
            goto oom;
        }
    }
    goto done;
oom:
    st = tok_errorf(GRT_ERROR_OUT_OF_MEMORY, "tokenizer: out of memory");
done:
    free(v);
    free(h.v);
    free(tmp.p);
    return st;
}

grt_status tok_spm_encode(const grt_tokenizer *t, const char *s, size_t n, tok_ids *out) {
    return merge_word(t, s, n, out);
}

grt_status tok_bpe_encode(const grt_tokenizer *t, const char *s, size_t n, tok_ids *out) {
    size_t *starts = NULL, *lens = NULL, count = 0;
    tok_buf word = {0};
    grt_status st = tok_pretokenize(t, s, n, &starts, &lens, &count);
    for (size_t i = 0; st == GRT_OK && i < count; i++) {
        const char *w = s + starts[i];
        size_t wl = lens[i];
        if (t->byte_level) {
            word.n = 0;
            for (size_t j = 0; j < wl; j++) {
                char enc[4];
                size_t el = tok_byte_to_unicode((uint8_t)w[j], enc);
                if (!tok_buf_add(&word, enc, el)) {
                    st = tok_errorf(GRT_ERROR_OUT_OF_MEMORY, "tokenizer: out of memory");
                    break;
                }
            }
            if (st == GRT_OK) st = merge_word(t, word.p, word.n, out);
        } else {
            st = merge_word(t, w, wl, out);
        }
    }
    free(starts);
    free(lens);
    free(word.p);
    return st;
}
