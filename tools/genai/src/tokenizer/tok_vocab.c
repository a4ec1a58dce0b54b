/*
 * tokenizer/tok_vocab.c - building a grt_tokenizer: the token hash map, merge ranks, special
 * token list, normalizer steps and error reporting. Used by the loaders only (single thread);
 * the finished tokenizer is immutable.
 */
#include "tok_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

grt_status tok_errorf(grt_status status, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return grt_set_last_error(status, msg);
}

char *tok_strndup(const char *s, size_t n) {
    char *p = malloc(n + 1);
    if (!p) return NULL;
    if (n) memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* --- hash map ----------------------------------------------------------------------------- */

static uint32_t hash_bytes(const char *s, size_t n) {
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

int tok_map_init(tok_map *m, size_t expected) {
    size_t cap = 16;
    while (cap < expected * 2 + 1) cap *= 2;
    m->slots = calloc(cap, sizeof *m->slots);
    m->cap = m->slots ? cap : 0;
    m->count = 0;
    return m->slots != NULL;
}

void tok_map_free(tok_map *m) {
    free(m->slots);
    m->slots = NULL;
    m->cap = m->count = 0;
}

static int map_grow(tok_map *m) {
    tok_map n;
    if (!tok_map_init(&n, m->cap)) return 0;
    for (size_t i = 0; i < m->cap; i++) {
        tok_map_slot *s = &m->slots[i];
        if (!s->key) continue;
        size_t j = s->hash & (n.cap - 1);
        while (n.slots[j].key) j = (j + 1) & (n.cap - 1);
        n.slots[j] = *s;
        n.count++;
    }
    free(m->slots);
    *m = n;
    return 1;
}

int tok_map_put(tok_map *m, const char *key, size_t len, int32_t value) {
    if ((m->count + 1) * 2 > m->cap && !map_grow(m)) return 0;
    uint32_t h = hash_bytes(key, len);
    size_t j = h & (m->cap - 1);
    while (m->slots[j].key) {
        tok_map_slot *s = &m->slots[j];
        if (s->hash == h && s->len == len && !memcmp(s->key, key, len)) {
            s->value = value;
            return 1;
        }
        j = (j + 1) & (m->cap - 1);
    }
    m->slots[j].key = key;
    m->slots[j].len = (uint32_t)len;
    m->slots[j].hash = h;
    m->slots[j].value = value;
    m->count++;
    return 1;
}

int32_t tok_map_get(const tok_map *m, const char *key, size_t len) {
    if (!m->cap) return -1;
    uint32_t h = hash_bytes(key, len);
    size_t j = h & (m->cap - 1);
    while (m->slots[j].key) {
        const tok_map_slot *s = &m->slots[j];
        if (s->hash == h && s->len == len && !memcmp(s->key, key, len)) return s->value;
        j = (j + 1) & (m->cap - 1);
    }
    return -1;
}

/* --- tokenizer construction ---------------------------------------------------------------- */

grt_tokenizer *tok_alloc(size_t n_vocab) {
    grt_tokenizer *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->n_vocab = n_vocab;
    t->text = calloc(n_vocab ? n_vocab : 1, sizeof *t->text);
    t->len = calloc(n_vocab ? n_vocab : 1, sizeof *t->len);
    t->scores = calloc(n_vocab ? n_vocab : 1, sizeof *t->scores);
    t->type = calloc(n_vocab ? n_vocab : 1, sizeof *t->type);
    t->bos = t->eos = t->unk = t->sep = t->pad = t->cls = t->mask = -1;
    for (int i = 0; i < 256; i++) t->byte_ids[i] = -1;
    if (!t->text || !t->len || !t->scores || !t->type) {
        grt_tokenizer_destroy(t);
        return NULL;
    }
    return t;
}

static int special_cmp(const void *a, const void *b, void *ctx) {
    const grt_tokenizer *t = ctx;
    const tok_special *x = a, *y = b;
    if (t->len[x->id] != t->len[y->id]) return t->len[x->id] > t->len[y->id] ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* qsort_r is a GNU extension; a small merge sort keeps this portable C11. */
static void sort_specials(tok_special *v, size_t n, tok_special *tmp, const grt_tokenizer *t) {
    if (n < 2) return;
    size_t h = n / 2;
    sort_specials(v, h, tmp, t);
    sort_specials(v + h, n - h, tmp, t);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n) tmp[k++] = special_cmp(&v[j], &v[i], (void *)t) < 0 ? v[j++] : v[i++];
    while (i < h) tmp[k++] = v[i++];
    while (j < n) tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof *v);
}

grt_status tok_finish(grt_tokenizer *t) {
    grt_status st = GRT_OK;
    tok_special *tmp = NULL;
    if (!tok_map_init(&t->vocab, t->n_vocab)) goto oom;
    for (size_t i = 0; i < t->n_vocab; i++)
        if (!tok_map_put(&t->vocab, t->text[i], t->len[i], (int32_t)i)) goto oom;
    for (int b = 0; b < 256; b++) {
        char name[8];
        snprintf(name, sizeof name, "<0x%02X>", b);
        t->byte_ids[b] = tok_map_get(&t->vocab, name, 6);
    }
    /* Specials: control, user-defined and unknown tokens, longest first (llama.cpp order). Keep
     * flags a loader may already have set (HF lstrip/rstrip). */
    size_t n = 0;
    for (size_t i = 0; i < t->n_vocab; i++) {
        uint8_t ty = t->type[i];
        if ((ty == TOK_TYPE_CONTROL || ty == TOK_TYPE_USER_DEFINED || ty == TOK_TYPE_UNKNOWN) &&
            t->len[i] > 0)
            n++;
    }
    tok_special *sp = calloc(n ? n : 1, sizeof *sp);
    tmp = calloc(n ? n : 1, sizeof *tmp);
    if (!sp || !tmp) {
        free(sp);
        goto oom;
    }
    size_t k = 0;
    for (size_t i = 0; i < t->n_vocab; i++) {
        uint8_t ty = t->type[i];
        if (!((ty == TOK_TYPE_CONTROL || ty == TOK_TYPE_USER_DEFINED || ty == TOK_TYPE_UNKNOWN) &&
              t->len[i] > 0))
            continue;
        sp[k].id = (int32_t)i;
        for (size_t j = 0; j < t->n_specials; j++)
            if (t->specials[j].id == (int32_t)i) sp[k] = t->specials[j];
        k++;
    }
    sort_specials(sp, n, tmp, t);
    free(t->specials);
    t->specials = sp;
    t->n_specials = n;
    goto done;
oom:
    st = tok_errorf(GRT_ERROR_OUT_OF_MEMORY, "tokenizer: out of memory building the vocabulary");
done:
    free(tmp);
    return st;
}

grt_status tok_set_merges(grt_tokenizer *t, const char *const *merges, const size_t *lens,
                          size_t count) {
    size_t total = 0;
    for (size_t i = 0; i < count; i++) total += lens[i] + 1;
    free(t->merge_store);
    tok_map_free(&t->merges);
    t->merge_store = malloc(total ? total : 1);
    if (!t->merge_store || !tok_map_init(&t->merges, count)) goto oom;
    char *p = t->merge_store;
    for (size_t i = 0; i < count; i++) {
        memcpy(p, merges[i], lens[i]);
        p[lens[i]] = '\0';
        /* The first merge of a pair wins (lowest rank), as in HF and llama.cpp. */
        if (tok_map_get(&t->merges, p, lens[i]) < 0 &&
            !tok_map_put(&t->merges, p, lens[i], (int32_t)i))
            goto oom;
        p += lens[i] + 1;
    }
    return GRT_OK;
oom:
    return tok_errorf(GRT_ERROR_OUT_OF_MEMORY, "tokenizer: out of memory for %zu merges", count);
}

static int valid_utf8(const char *s) {
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t l = tok_utf8_decode(s + i, n - i, &cp);
        if (!l) return 0;
        i += l;
    }
    return 1;
}

grt_status tok_add_norm(grt_tokenizer *t, tok_norm_kind kind, const char *arg, const char *arg2) {
    /* The regex matcher relies on valid UTF-8: normalizer arguments must keep the text valid. */
    if ((arg && !valid_utf8(arg)) || (arg2 && !valid_utf8(arg2)))
        return tok_errorf(GRT_ERROR_FORMAT, "tokenizer: normalizer argument is not valid UTF-8");
    tok_norm *n = realloc(t->norms, (t->n_norms + 1) * sizeof *n);
    if (!n) goto oom;
    t->norms = n;
    tok_norm *x = &n[t->n_norms];
    x->kind = kind;
    x->arg = arg ? tok_strndup(arg, strlen(arg)) : NULL;
    x->arg2 = arg2 ? tok_strndup(arg2, strlen(arg2)) : NULL;
    if ((arg && !x->arg) || (arg2 && !x->arg2)) {
        free(x->arg);
        free(x->arg2);
        goto oom;
    }
    t->n_norms++;
    return GRT_OK;
oom:
    return tok_errorf(GRT_ERROR_OUT_OF_MEMORY, "tokenizer: out of memory");
}
