/*
 * tools/genai/src/jinja_value.c - Jinja values: the arena they live in, constructors, truthiness,
 * equality, conversion to text (as Jinja prints) and to JSON (the tojson filter).
 *
 * Ownership: every value and string belongs to its arena. Single-threaded per arena.
 */
#include "jinja.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK (64u * 1024u)
#define ARENA_LIMIT ((size_t)256 * 1024 * 1024) /* a runaway template stops here */

typedef struct arena_block {
    struct arena_block *next;
    size_t used, size;
    max_align_t data[];
} arena_block;

struct jinja_arena {
    arena_block *head;
    size_t total;
};

jinja_arena *jinja_arena_create(void) { return calloc(1, sizeof(jinja_arena)); }

void jinja_arena_destroy(jinja_arena *a) {
    if (!a) return;
    arena_block *b = a->head;
    while (b) {
        arena_block *n = b->next;
        free(b);
        b = n;
    }
    free(a);
}

void *jinja_alloc(jinja_arena *a, size_t bytes) {
    const size_t al = sizeof(max_align_t);
    bytes = (bytes + al - 1) / al * al;
    if (!bytes) bytes = al;
    if (!a->head || a->head->size - a->head->used < bytes) {
        size_t size = bytes > ARENA_BLOCK ? bytes : ARENA_BLOCK;
        if (a->total + size > ARENA_LIMIT) return NULL;
        arena_block *b = malloc(sizeof *b + size);
        if (!b) return NULL;
        b->next = a->head;
        b->used = 0;
        b->size = size;
        a->head = b;
        a->total += size;
    }
    void *p = (char *)a->head->data + a->head->used;
    a->head->used += bytes;
    return p;
}

jv jv_undef(void) {
    jv v;
    memset(&v, 0, sizeof v);
    return v;
}

jv jv_none(void) {
    jv v = jv_undef();
    v.t = JV_NONE;
    return v;
}

jv jv_bool(int b) {
    jv v = jv_undef();
    v.t = JV_BOOL;
    v.u.b = b != 0;
    return v;
}

jv jv_int(int64_t i) {
    jv v = jv_undef();
    v.t = JV_INT;
    v.u.i = i;
    return v;
}

jv jv_str(jinja_arena *a, const char *s, size_t n) {
    jv v = jv_undef();
    char *p = jinja_alloc(a, n + 1);
    if (!p) return v;
    if (n) memcpy(p, s, n);
    p[n] = '\0';
    v.t = JV_STR;
    v.u.s.p = p;
    v.u.s.n = n;
    return v;
}

jv jv_list(jinja_arena *a, size_t n) {
    jv v = jv_undef();
    jlist *l = jinja_alloc(a, sizeof *l);
    jv *items = jinja_alloc(a, (n ? n : 1) * sizeof *items);
    if (!l || !items) return v;
    memset(items, 0, (n ? n : 1) * sizeof *items);
    l->items = items;
    l->n = n;
    v.t = JV_LIST;
    v.u.l = l;
    return v;
}

jv jv_dict(jinja_arena *a) {
    jv v = jv_undef();
    jdict *d = jinja_alloc(a, sizeof *d);
    if (!d) return v;
    memset(d, 0, sizeof *d);
    v.t = JV_DICT;
    v.u.d = d;
    return v;
}

jv *jdict_get(const jdict *d, const char *key) {
    for (size_t i = 0; i < d->n; i++)
        if (!strcmp(d->keys[i], key)) return &d->vals[i];
    return NULL;
}

int jdict_set(jinja_arena *a, jdict *d, const char *key, jv val) {
    jv *old = jdict_get(d, key);
    if (old) {
        *old = val;
        return 0;
    }
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        const char **k = jinja_alloc(a, cap * sizeof *k);
        jv *vals = jinja_alloc(a, cap * sizeof *vals);
        if (!k || !vals) return -1;
        if (d->n) {
            memcpy(k, d->keys, d->n * sizeof *k);
            memcpy(vals, d->vals, d->n * sizeof *vals);
        }
        d->keys = k;
        d->vals = vals;
        d->cap = cap;
    }
    jv ks = jv_str(a, key, strlen(key));
    if (ks.t != JV_STR) return -1;
    d->keys[d->n] = ks.u.s.p;
    d->vals[d->n] = val;
    d->n++;
    return 0;
}

int jv_truthy(jv v) {
    switch (v.t) {
    case JV_BOOL: return v.u.b;
    case JV_INT: return v.u.i != 0;
    case JV_FLOAT: return v.u.f != 0;
    case JV_STR: return v.u.s.n != 0;
    case JV_LIST: return v.u.l->n != 0;
    case JV_DICT: return v.u.d->n != 0;
    default: return 0;
    }
}

static int is_num(jv v) { return v.t == JV_INT || v.t == JV_FLOAT || v.t == JV_BOOL; }
static double num(jv v) {
    return v.t == JV_FLOAT ? v.u.f : v.t == JV_INT ? (double)v.u.i : (double)v.u.b;
}

int jv_equal(jv x, jv y) {
    if (is_num(x) && is_num(y)) {
        if (x.t != JV_FLOAT && y.t != JV_FLOAT)
            return (x.t == JV_INT ? x.u.i : x.u.b) == (y.t == JV_INT ? y.u.i : y.u.b);
        return num(x) == num(y);
    }
    if (x.t != y.t) return 0;
    switch (x.t) {
    case JV_UNDEF:
    case JV_NONE: return 1;
    case JV_STR: return x.u.s.n == y.u.s.n && !memcmp(x.u.s.p, y.u.s.p, x.u.s.n);
    case JV_LIST:
        if (x.u.l->n != y.u.l->n) return 0;
        for (size_t i = 0; i < x.u.l->n; i++)
            if (!jv_equal(x.u.l->items[i], y.u.l->items[i])) return 0;
        return 1;
    case JV_DICT:
        if (x.u.d->n != y.u.d->n) return 0;
        for (size_t i = 0; i < x.u.d->n; i++) {
            jv *o = jdict_get(y.u.d, x.u.d->keys[i]);
            if (!o || !jv_equal(x.u.d->vals[i], *o)) return 0;
        }
        return 1;
    default: return 0;
    }
}

/* --- growable text buffer in the arena ---------------------------------------------------- */

typedef struct tbuf {
    jinja_arena *a;
    char *p;
    size_t n, cap;
    int oom;
} tbuf;

static void tb_put(tbuf *b, const char *s, size_t n) {
    if (b->oom) return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = jinja_alloc(b->a, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        if (b->n) memcpy(p, b->p, b->n);
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void tb_str(tbuf *b, const char *s) { tb_put(b, s, strlen(s)); }

static void fmt_float(char *buf, size_t size, double f) {
    if (isnan(f)) {
        snprintf(buf, size, "nan");
        return;
    }
    if (isinf(f)) {
        snprintf(buf, size, f > 0 ? "inf" : "-inf");
        return;
    }
    for (int prec = 1; prec <= 17; prec++) { /* shortest text that reads back (Python repr) */
        snprintf(buf, size, "%.*g", prec, f);
        if (strtod(buf, NULL) == f) break;
    }
    if (!strpbrk(buf, ".eni")) {
        size_t n = strlen(buf);
        if (n + 3 <= size) memcpy(buf + n, ".0", 3);
    }
}

static void repr_into(tbuf *b, jv v, int top);

static void repr_str(tbuf *b, jv v) {
    tb_put(b, "'", 1);
    for (size_t i = 0; i < v.u.s.n; i++) {
        char c = v.u.s.p[i];
        if (c == '\'' || c == '\\') tb_put(b, "\\", 1);
        if (c == '\n')
            tb_str(b, "\\n");
        else
            tb_put(b, &c, 1);
    }
    tb_put(b, "'", 1);
}

static void repr_into(tbuf *b, jv v, int top) {
    char num_buf[64];
    switch (v.t) {
    case JV_UNDEF: break;
    case JV_NONE: tb_str(b, "None"); break;
    case JV_BOOL: tb_str(b, v.u.b ? "True" : "False"); break;
    case JV_INT:
        snprintf(num_buf, sizeof num_buf, "%" PRId64, v.u.i);
        tb_str(b, num_buf);
        break;
    case JV_FLOAT:
        fmt_float(num_buf, sizeof num_buf, v.u.f);
        tb_str(b, num_buf);
        break;
    case JV_STR:
        if (top)
            tb_put(b, v.u.s.p, v.u.s.n);
        else
            repr_str(b, v);
        break;
    case JV_LIST:
        tb_put(b, "[", 1);
        for (size_t i = 0; i < v.u.l->n; i++) {
            if (i) tb_str(b, ", ");
            repr_into(b, v.u.l->items[i], 0);
        }
        tb_put(b, "]", 1);
        break;
    case JV_DICT:
        tb_put(b, "{", 1);
        for (size_t i = 0; i < v.u.d->n; i++) {
            jv k = {.t = JV_STR, .u.s = {v.u.d->keys[i], strlen(v.u.d->keys[i])}};
            if (i) tb_str(b, ", ");
            repr_str(b, k);
            tb_str(b, ": ");
            repr_into(b, v.u.d->vals[i], 0);
        }
        tb_put(b, "}", 1);
        break;
    }
}

jv jv_to_string(jinja_arena *a, jv v) {
    if (v.t == JV_STR) return v;
    tbuf b = {.a = a};
    repr_into(&b, v, 1);
    if (b.oom) return jv_undef();
    return jv_str(a, b.p ? b.p : "", b.n);
}

static void json_str(tbuf *b, const char *s, size_t n) {
    tb_put(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        switch (c) {
        case '"': tb_str(b, "\\\""); break;
        case '\\': tb_str(b, "\\\\"); break;
        case '\n': tb_str(b, "\\n"); break;
        case '\r': tb_str(b, "\\r"); break;
        case '\t': tb_str(b, "\\t"); break;
        case '\b': tb_str(b, "\\b"); break;
        case '\f': tb_str(b, "\\f"); break;
        default:
            if (c < 0x20) {
                snprintf(esc, sizeof esc, "\\u%04x", c);
                tb_str(b, esc);
            } else {
                tb_put(b, (const char *)&c, 1); /* UTF-8 kept as is (ensure_ascii=False) */
            }
        }
    }
    tb_put(b, "\"", 1);
}

static void json_nl(tbuf *b, int indent, int depth) {
    tb_put(b, "\n", 1);
    for (int i = 0; i < indent * depth; i++)
        tb_put(b, " ", 1);
}

static void json_into(tbuf *b, jv v, int indent, int depth) {
    char num_buf[64];
    switch (v.t) {
    case JV_UNDEF:
    case JV_NONE: tb_str(b, "null"); break;
    case JV_BOOL: tb_str(b, v.u.b ? "true" : "false"); break;
    case JV_INT:
        snprintf(num_buf, sizeof num_buf, "%" PRId64, v.u.i);
        tb_str(b, num_buf);
        break;
    case JV_FLOAT:
        fmt_float(num_buf, sizeof num_buf, v.u.f);
        tb_str(b, !strcmp(num_buf, "nan")    ? "NaN"
                  : !strcmp(num_buf, "inf")  ? "Infinity"
                  : !strcmp(num_buf, "-inf") ? "-Infinity"
                                             : num_buf);
        break;
    case JV_STR: json_str(b, v.u.s.p, v.u.s.n); break;
    case JV_LIST:
        tb_put(b, "[", 1);
        for (size_t i = 0; i < v.u.l->n; i++) {
            if (i) tb_str(b, indent >= 0 ? "," : ", ");
            if (indent >= 0) json_nl(b, indent, depth + 1);
            json_into(b, v.u.l->items[i], indent, depth + 1);
        }
        if (indent >= 0 && v.u.l->n) json_nl(b, indent, depth);
        tb_put(b, "]", 1);
        break;
    case JV_DICT:
        tb_put(b, "{", 1);
        for (size_t i = 0; i < v.u.d->n; i++) {
            if (i) tb_str(b, indent >= 0 ? "," : ", ");
            if (indent >= 0) json_nl(b, indent, depth + 1);
            json_str(b, v.u.d->keys[i], strlen(v.u.d->keys[i]));
            tb_str(b, ": ");
            json_into(b, v.u.d->vals[i], indent, depth + 1);
        }
        if (indent >= 0 && v.u.d->n) json_nl(b, indent, depth);
        tb_put(b, "}", 1);
        break;
    }
}

jv jv_to_json(jinja_arena *a, jv v, int indent) {
    tbuf b = {.a = a};
    json_into(&b, v, indent, 0);
    if (b.oom) return jv_undef();
    return jv_str(a, b.p ? b.p : "", b.n);
}
