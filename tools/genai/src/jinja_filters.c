/*
 * tools/genai/src/jinja_filters.c - Jinja filters (trim, length, upper, lower, default, tojson,
 * ...) and the Python string / dict methods chat templates call (strip, startswith, split, items,
 * get, ...). Case mapping is ASCII-only. Values live in the render's arena. Single-threaded.
 */
#include "jinja_eval.h"

#include <stdlib.h>
#include <string.h>

static int is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int in_set(char c, jv chars) {
    if (chars.t != JV_STR) return is_space(c);
    return memchr(chars.u.s.p, c, chars.u.s.n) != NULL;
}

/* which: 1 left, 2 right, 3 both. chars: JV_STR set, or anything else for whitespace. */
static jv strip(jctx *cx, jv s, int which, jv chars) {
    size_t b = 0, e = s.u.s.n;
    if (which & 1)
        while (b < e && in_set(s.u.s.p[b], chars))
            b++;
    if (which & 2)
        while (e > b && in_set(s.u.s.p[e - 1], chars))
            e--;
    return jx_strv(cx, s.u.s.p + b, e - b);
}

/* mode: 0 lower, 1 upper, 2 capitalize, 3 title */
static jv recase(jctx *cx, jv s, int mode) {
    jv r = jx_strv(cx, s.u.s.p, s.u.s.n);
    if (r.t != JV_STR) return r;
    char *p = (char *)r.u.s.p;
    int word_start = 1;
    for (size_t i = 0; i < r.u.s.n; i++) {
        char c = p[i];
        int up = mode == 1 || (mode == 2 && i == 0) || (mode == 3 && word_start);
        if (up && c >= 'a' && c <= 'z')
            c = (char)(c - 32);
        else if (!up && c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
        p[i] = c;
        word_start = !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
    }
    return r;
}

static jv replace(jctx *cx, jv s, jv from, jv to) {
    if (from.u.s.n == 0) return s;
    size_t cnt = 0;
    for (size_t i = 0; i + from.u.s.n <= s.u.s.n;) {
        if (!memcmp(s.u.s.p + i, from.u.s.p, from.u.s.n)) {
            cnt++;
            i += from.u.s.n;
        } else
            i++;
    }
    size_t len = s.u.s.n + cnt * to.u.s.n - cnt * from.u.s.n;
    char *p = jinja_alloc(cx->a, len + 1);
    if (!p) {
        jx_oom(cx);
        return jv_undef();
    }
    size_t k = 0;
    for (size_t i = 0; i < s.u.s.n;) {
        if (i + from.u.s.n <= s.u.s.n && !memcmp(s.u.s.p + i, from.u.s.p, from.u.s.n)) {
            memcpy(p + k, to.u.s.p, to.u.s.n);
            k += to.u.s.n;
            i += from.u.s.n;
        } else
            p[k++] = s.u.s.p[i++];
    }
    p[k] = '\0';
    jv r = {.t = JV_STR, .u.s = {p, k}};
    return r;
}

static jv split(jctx *cx, jv s, jv sep) {
    /* two passes: count, then fill */
    jv parts = jv_undef();
    for (int pass = 0; pass < 2; pass++) {
        size_t cnt = 0, i = 0, n = s.u.s.n;
        const char *p = s.u.s.p;
        if (sep.t != JV_STR) { /* runs of whitespace, no empty parts */
            while (i < n) {
                while (i < n && is_space(p[i]))
                    i++;
                if (i >= n) break;
                size_t b = i;
                while (i < n && !is_space(p[i]))
                    i++;
                if (pass) parts.u.l->items[cnt] = jx_strv(cx, p + b, i - b);
                cnt++;
            }
        } else {
            size_t b = 0;
            for (i = 0; i + sep.u.s.n <= n;) {
                if (sep.u.s.n && !memcmp(p + i, sep.u.s.p, sep.u.s.n)) {
                    if (pass) parts.u.l->items[cnt] = jx_strv(cx, p + b, i - b);
                    cnt++;
                    i += sep.u.s.n;
                    b = i;
                } else
                    i++;
            }
            if (pass) parts.u.l->items[cnt] = jx_strv(cx, p + b, n - b);
            cnt++;
        }
        if (!pass) {
            parts = jv_list(cx->a, cnt);
            if (parts.t != JV_LIST) {
                jx_oom(cx);
                return jv_undef();
            }
        }
    }
    return cx->st ? jv_undef() : parts;
}

static jv dict_items(jctx *cx, jv d, int what) { /* 0 items, 1 keys, 2 values */
    jv l = jv_list(cx->a, d.u.d->n);
    if (l.t != JV_LIST) {
        jx_oom(cx);
        return l;
    }
    for (size_t i = 0; i < d.u.d->n; i++) {
        jv k = jx_strv(cx, d.u.d->keys[i], strlen(d.u.d->keys[i]));
        if (what == 0) {
            jv pair = jv_list(cx->a, 2);
            if (pair.t != JV_LIST) {
                jx_oom(cx);
                return jv_undef();
            }
            pair.u.l->items[0] = k;
            pair.u.l->items[1] = d.u.d->vals[i];
            l.u.l->items[i] = pair;
        } else
            l.u.l->items[i] = what == 1 ? k : d.u.d->vals[i];
    }
    return l;
}

static int need(jctx *cx, const jnode *n, const char *what, jv v, jv_type t) {
    if (v.t == t) return 0;
    return jx_fail(cx, GRT_ERROR_INVALID_ARGUMENT, n->line, "'%s' expects a %s, got a %s", what,
                   t == JV_STR    ? "string"
                   : t == JV_LIST ? "list"
                   : t == JV_DICT ? "dict"
                                  : "value",
                   jx_type_name(v));
}

/* Keyword argument `name`, else positional argument pos, else undefined. */
static jv arg(const jnode *n, const jv *args, size_t pos, const char *name) {
    for (size_t i = 0; i < n->n_kids; i++)
        if (n->argnames[i] && !strcmp(n->argnames[i], name)) return args[i];
    size_t k = 0;
    for (size_t i = 0; i < n->n_kids; i++)
        if (!n->argnames[i] && k++ == pos) return args[i];
    return jv_undef();
}

int jx_filter(jctx *cx, const jnode *n, jv v, const jv *args, jv *out) {
    const char *f = n->name;
    *out = jv_undef();
    if (!strcmp(f, "safe"))
        *out = v;
    else if (!strcmp(f, "default") || !strcmp(f, "d")) {
        jv b = arg(n, args, 1, "boolean");
        *out = (v.t == JV_UNDEF || (jv_truthy(b) && !jv_truthy(v)))
                   ? arg(n, args, 0, "default_value")
                   : v;
    } else if (!strcmp(f, "length") || !strcmp(f, "count")) {
        if (v.t == JV_STR)
            *out = jv_int((int64_t)v.u.s.n);
        else if (v.t == JV_LIST)
            *out = jv_int((int64_t)v.u.l->n);
        else if (v.t == JV_DICT)
            *out = jv_int((int64_t)v.u.d->n);
        else if (v.t == JV_UNDEF)
            *out = jv_int(0);
        else
            return jx_fail(cx, GRT_ERROR_INVALID_ARGUMENT, n->line, "length of a %s",
                           jx_type_name(v));
    } else if (!strcmp(f, "tojson")) {
        jv ind = arg(n, args, 0, "indent");
        *out = jv_to_json(cx->a, v, ind.t == JV_INT ? (int)ind.u.i : -1);
        if (out->t != JV_STR) return jx_oom(cx);
    } else if (!strcmp(f, "string")) {
        *out = jv_to_string(cx->a, v);
        if (out->t != JV_STR) return jx_oom(cx);
    } else if (!strcmp(f, "int")) {
        if (v.t == JV_INT)
            *out = v;
        else if (v.t == JV_FLOAT)
            *out = jv_int((int64_t)v.u.f);
        else if (v.t == JV_BOOL)
            *out = jv_int(v.u.b);
        else if (v.t == JV_STR)
            *out = jv_int(strtoll(v.u.s.p, NULL, 10));
        else
            *out = jv_int(0);
    } else if (!strcmp(f, "first") || !strcmp(f, "last")) {
        if (need(cx, n, f, v, JV_LIST)) return -1;
        if (v.u.l->n) *out = v.u.l->items[!strcmp(f, "first") ? 0 : v.u.l->n - 1];
    } else if (!strcmp(f, "list")) {
        if (v.t == JV_LIST)
            *out = v;
        else if (v.t == JV_DICT)
            *out = dict_items(cx, v, 1);
        else
            return need(cx, n, f, v, JV_LIST);
    } else if (!strcmp(f, "reverse")) {
        if (v.t == JV_STR) {
            char *p = jinja_alloc(cx->a, v.u.s.n + 1);
            if (!p) return jx_oom(cx);
            for (size_t i = 0; i < v.u.s.n; i++)
                p[i] = v.u.s.p[v.u.s.n - 1 - i];
            *out = jx_strv(cx, p, v.u.s.n);
        } else {
            if (need(cx, n, f, v, JV_LIST)) return -1;
            *out = jv_list(cx->a, v.u.l->n);
            if (out->t != JV_LIST) return jx_oom(cx);
            for (size_t i = 0; i < v.u.l->n; i++)
                out->u.l->items[i] = v.u.l->items[v.u.l->n - 1 - i];
        }
    } else if (!strcmp(f, "items")) {
        if (need(cx, n, f, v, JV_DICT)) return -1;
        *out = dict_items(cx, v, 0);
    } else if (!strcmp(f, "join")) {
        if (need(cx, n, f, v, JV_LIST)) return -1;
        jv sep = arg(n, args, 0, "d");
        size_t total = 0;
        jv *parts = jinja_alloc(cx->a, (v.u.l->n + 1) * sizeof *parts);
        if (!parts) return jx_oom(cx);
        for (size_t i = 0; i < v.u.l->n; i++) {
            parts[i] = jv_to_string(cx->a, v.u.l->items[i]);
            if (parts[i].t != JV_STR) return jx_oom(cx);
            total += parts[i].u.s.n + (i && sep.t == JV_STR ? sep.u.s.n : 0);
        }
        char *p = jinja_alloc(cx->a, total + 1);
        if (!p) return jx_oom(cx);
        size_t k = 0;
        for (size_t i = 0; i < v.u.l->n; i++) {
            if (i && sep.t == JV_STR) {
                memcpy(p + k, sep.u.s.p, sep.u.s.n);
                k += sep.u.s.n;
            }
            memcpy(p + k, parts[i].u.s.p, parts[i].u.s.n);
            k += parts[i].u.s.n;
        }
        *out = jx_strv(cx, p, k);
    } else {
        /* string filters */
        int mode = !strcmp(f, "lower")        ? 0
                   : !strcmp(f, "upper")      ? 1
                   : !strcmp(f, "capitalize") ? 2
                   : !strcmp(f, "title")      ? 3
                   : !strcmp(f, "trim")       ? 4
                   : !strcmp(f, "replace")    ? 5
                                              : -1;
        if (mode < 0)
            return jx_fail(cx, GRT_ERROR_INVALID_ARGUMENT, n->line, "unsupported filter '%s'", f);
        if (v.t != JV_STR) {
            v = jv_to_string(cx->a, v);
            if (v.t != JV_STR) return jx_oom(cx);
        }
        if (mode <= 3)
            *out = recase(cx, v, mode);
        else if (mode == 4)
            *out = strip(cx, v, 3, arg(n, args, 0, "chars"));
        else {
            jv a = arg(n, args, 0, "old"), b = arg(n, args, 1, "new");
            if (need(cx, n, f, a, JV_STR) || need(cx, n, f, b, JV_STR)) return -1;
            *out = replace(cx, v, a, b);
        }
    }
    return cx->st ? -1 : 0;
}

int jx_method(jctx *cx, const jnode *n, jv obj, const char *m, const jv *args, jv *out) {
    *out = jv_undef();
    if (obj.t == JV_DICT) {
        if (!strcmp(m, "items"))
            *out = dict_items(cx, obj, 0);
        else if (!strcmp(m, "keys"))
            *out = dict_items(cx, obj, 1);
        else if (!strcmp(m, "values"))
            *out = dict_items(cx, obj, 2);
        else if (!strcmp(m, "get")) {
            jv k = arg(n, args, 0, "key");
            if (need(cx, n, m, k, JV_STR)) return -1;
            jv *v = jdict_get(obj.u.d, k.u.s.p);
            *out = v ? *v : (n->n_kids > 1 ? args[1] : jv_none());
        } else
            return jx_fail(cx, GRT_ERROR_INVALID_ARGUMENT, n->line, "unsupported dict method '%s'",
                           m);
        return cx->st ? -1 : 0;
    }
    if (obj.t != JV_STR)
        return jx_fail(cx, GRT_ERROR_INVALID_ARGUMENT, n->line, "no method '%s' on a %s", m,
                       jx_type_name(obj));
    jv a0 = n->n_kids ? args[0] : jv_undef();
    if (!strcmp(m, "strip"))
        *out = strip(cx, obj, 3, a0);
    else if (!strcmp(m, "lstrip"))
        *out = strip(cx, obj, 1, a0);
    else if (!strcmp(m, "rstrip"))
        *out = strip(cx, obj, 2, a0);
    else if (!strcmp(m, "lower"))
        *out = recase(cx, obj, 0);
    else if (!strcmp(m, "upper"))
        *out = recase(cx, obj, 1);
    else if (!strcmp(m, "capitalize"))
        *out = recase(cx, obj, 2);
    else if (!strcmp(m, "title"))
        *out = recase(cx, obj, 3);
    else if (!strcmp(m, "split"))
        *out = split(cx, obj, a0);
    else if (!strcmp(m, "startswith") || !strcmp(m, "endswith")) {
        if (need(cx, n, m, a0, JV_STR)) return -1;
        size_t k = a0.u.s.n;
        int r =
            k <= obj.u.s.n && !memcmp(obj.u.s.p + (m[0] == 's' ? 0 : obj.u.s.n - k), a0.u.s.p, k);
        *out = jv_bool(r);
    } else if (!strcmp(m, "replace")) {
        if (n->n_kids < 2 || need(cx, n, m, args[0], JV_STR) || need(cx, n, m, args[1], JV_STR))
            return cx->st ? -1
                          : jx_fail(cx, GRT_ERROR_INVALID_ARGUMENT, n->line,
                                    "replace() needs 2 strings");
        *out = replace(cx, obj, args[0], args[1]);
    } else
        return jx_fail(cx, GRT_ERROR_INVALID_ARGUMENT, n->line, "unsupported string method '%s'",
                       m);
    return cx->st ? -1 : 0;
}
