/*
 * tools/genai/src/jinja_eval.c - evaluates a parsed Jinja template (jinja_ast.h): scopes, loops,
 * operators, tests, functions and string/dict methods. Filters are in jinja_filters.c.
 *
 * Ownership: values live in the render's arena; the output buffer is malloc'd and handed to the
 * caller. Single-threaded per render.
 */
#include "jinja_eval.h"

#include "generate.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUT_LIMIT ((size_t)64 * 1024 * 1024)
#define EVAL_DEPTH_LIMIT 2000
#define STEP_LIMIT 20000000ull /* statements executed by one render */

int jx_fail(jctx *cx, grt_status st, int line, const char *fmt, ...) {
    if (cx->st) return -1;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (st == GRT_ERROR_OUT_OF_MEMORY)
        cx->st = grt_gen_error(st, "chat template: out of memory");
    else if (line > 0)
        cx->st = grt_gen_error(st, "chat template line %d: %s", line, msg);
    else
        cx->st = grt_gen_error(st, "chat template: %s", msg);
    return -1;
}

int jx_oom(jctx *cx) { return jx_fail(cx, GRT_ERROR_OUT_OF_MEMORY, 0, "out of memory"); }

/* --- scopes -------------------------------------------------------------------------------- */

static jv *lookup(jctx *cx, const char *name) {
    for (size_t i = cx->n_vars; i-- > 0;)
        if (!strcmp(cx->vars[i].name, name)) return &cx->vars[i].val;
    return NULL;
}

static int assign(jctx *cx, const char *name, jv val) {
    for (size_t i = cx->n_vars; i-- > 0 && cx->vars[i].depth == cx->depth;)
        if (!strcmp(cx->vars[i].name, name)) {
            cx->vars[i].val = val;
            return 0;
        }
    if (cx->n_vars == cx->cap_vars) {
        size_t cap = cx->cap_vars ? cx->cap_vars * 2 : 32;
        jvar *v = realloc(cx->vars, cap * sizeof *v);
        if (!v) return jx_oom(cx);
        cx->vars = v;
        cx->cap_vars = cap;
    }
    cx->vars[cx->n_vars].name = name;
    cx->vars[cx->n_vars].val = val;
    cx->vars[cx->n_vars].depth = cx->depth;
    cx->n_vars++;
    return 0;
}

static void pop_scope(jctx *cx) {
    while (cx->n_vars && cx->vars[cx->n_vars - 1].depth >= cx->depth)
        cx->n_vars--;
    cx->depth--;
}

/* --- output -------------------------------------------------------------------------------- */

static int emit(jctx *cx, const char *s, size_t n) {
    if (cx->out_len + n + 1 > cx->out_cap) {
        if (cx->out_len + n > OUT_LIMIT)
            return jx_fail(cx, GRT_ERROR_INVALID_ARGUMENT, 0, "output larger than %zu bytes",
                           (size_t)OUT_LIMIT);
        size_t cap = cx->out_cap ? cx->out_cap * 2 : 1024;
        while (cap < cx->out_len + n + 1)
            cap *= 2;
        char *p = realloc(cx->out, cap);
        if (!p) return jx_oom(cx);
        cx->out = p;
        cx->out_cap = cap;
    }
    memcpy(cx->out + cx->out_len, s, n);
    cx->out_len += n;
    cx->out[cx->out_len] = '\0';
    return 0;
}

/* --- helpers ------------------------------------------------------------------------------- */

const char *jx_type_name(jv v) {
    static const char *const names[] = {"undefined", "none",   "bool", "int",
                                        "float",     "string", "list", "dict"};
    return names[v.t];
}

jv jx_strv(jctx *cx, const char *s, size_t n) {
    jv v = jv_str(cx->a, s, n);
    if (v.t != JV_STR) jx_oom(cx);
    return v;
}

static int is_num(jv v) { return v.t == JV_INT || v.t == JV_FLOAT || v.t == JV_BOOL; }
static double num(jv v) { return v.t == JV_FLOAT ? v.u.f : v.t == JV_INT ? (double)v.u.i : v.u.b; }
static int64_t inum(jv v) { return v.t == JV_INT ? v.u.i : v.u.b; }

/* Python-style sequence index: negative counts from the end; -1 if out of range. */
static int64_t norm_index(int64_t i, size_t n) {
    if (i < 0) i += (int64_t)n;
    return (i < 0 || i >= (int64_t)n) ? -1 : i;
}

static int eval(jctx *cx, const jnode *n, jv *out);

static int eval_index(jctx *cx, const jnode *n, jv obj, jv key, jv *out) {
    *out = jv_undef();
    if (obj.t == JV_DICT && key.t == JV_STR) {
        jv *v = jdict_get(obj.u.d, key.u.s.p);
        if (v) *out = *v;
        return 0;
    }
    if ((obj.t == JV_LIST || obj.t == JV_STR) && (key.t == JV_INT || key.t == JV_BOOL)) {
        size_t len = obj.t == JV_LIST ? obj.u.l->n : obj.u.s.n;
        int64_t i = norm_index(inum(key), len);
        if (i < 0) return 0;
        if (obj.t == JV_LIST)
            *out = obj.u.l->items[i];
        else
            *out = jx_strv(cx, obj.u.s.p + i, 1);
        return cx->st ? -1 : 0;
    }
    if (obj.t == JV_UNDEF || obj.t == JV_NONE) return 0; /* lenient: undefined */
    return jx_fail(cx, GRT_ERROR_INVALID_ARGUMENT, n->line, "cannot index a %s with a %s",
                   jx_type_name(obj), jx_type_name(key));
}

static int eval_slice(jctx *cx, const jnode *n, jv obj, jv *out) {
    jv lo = jv_none(), hi = jv_none(), step = jv_none();
    if ((n->b && eval(cx, n->b, &lo)) || (n->c && eval(cx, n->c, &hi)) ||
        (n->d && eval(cx, n->d, &step)))
        return -1;
    if (obj.t != JV_LIST && obj.t != JV_STR)
        return jx_fail(cx, GRT_ERROR_INVALID_ARGUMENT, n->line, "cannot slice a %s",
                       jx_type_name(obj));
    int64_t len = (int64_t)(obj.t == JV_LIST ? obj.u.l->n : obj.u.s.n);
    int64_t st = step.t == JV_NONE || step.t == JV_UNDEF ? 1 : inum(step);
    if (st == 0) return jx_fail(cx, GRT_ERROR_INVALID_ARGUMENT, n->line, "slice step is zero");
    int64_t b, e;
    /* Python's slice.indices */
    if (lo.t == JV_NONE || lo.t == JV_UNDEF)
        b = st > 0 ? 0 : len - 1;
    else {
        b = inum(lo);
        if (b < 0) b += len;
        if (b < 0) b = st > 0 ? 0 : -1;
        if (b >= len) b = st > 0 ? len : len - 1;
    }
    if (hi.t == JV_NONE || hi.t == JV_UNDEF)
        e = st > 0 ? len : -1;
    else {
        e = inum(hi);
        if (e < 0) e += len;
        if (e < 0) e = st > 0 ? 0 : -1;
        if (e >= len) e = st > 0 ? len : len - 1;
    }
    size_t cnt = 0;
    for (int64_t i = b; st > 0 ? i < e : i > e; i += st)
        cnt++;
    if (obj.t == JV_LIST) {
        jv l = jv_list(cx->a, cnt);
        if (l.t != JV_LIST) return jx_oom(cx);
        size_t k = 0;
        for (int64_t i = b; st > 0 ? i < e : i > e; i += st)
            l.u.l->items[k++] = obj.u.l->items[i];
        *out = l;
        return 0;
    }
    char *buf = jinja_alloc(cx->a, cnt + 1);
    if (!buf) return jx_oom(cx);
    size_t k = 0;
    for (int64_t i = b; st > 0 ? i < e : i > e; i += st)
        buf[k++] = obj.u.s.p[i];
    *out = jx_strv(cx, buf, k);
    return cx->st ? -1 : 0;
}

static int str_contains(jv hay, jv needle) {
    if (needle.u.s.n == 0) return 1;
    if (needle.u.s.n > hay.u.s.n) return 0;
    for (size_t i = 0; i + needle.u.s.n <= hay.u.s.n; i++)
        if (!memcmp(hay.u.s.p + i, needle.u.s.p, needle.u.s.n)) return 1;
    return 0;
}

static int eval_bin(jctx *cx, const jnode *n, jv *out) {
    jv x, y;
    if (eval(cx, n->a, &x) || eval(cx, n->b, &y)) return -1;
    switch (n->op) {
    case JB_EQ: *out = jv_bool(jv_equal(x, y)); return 0;
    case JB_NE: *out = jv_bool(!jv_equal(x, y)); return 0;
    case JB_IN:
    case JB_NOTIN: {
        int in = 0;
        if (y.t == JV_STR && x.t == JV_STR)
            in = str_contains(y, x);
        else if (y.t == JV_LIST) {
            for (size_t i = 0; i < y.u.l->n && !in; i++)
                in = jv_equal(x, y.u.l->items[i]);
        } else if (y.t == JV_DICT && x.t == JV_STR)
            in = jdict_get(y.u.d, x.u.s.p) != NULL;
        else if (y.t != JV_UNDEF && y.t != JV_NONE)
            return jx_fail(cx, GRT_ERROR_INVALID_ARGUMENT, n->line, "'in' on a %s",
                           jx_type_name(y));
        *out = jv_bool(n->op == JB_IN ? in : !in);
        return 0;
    }
    case JB_CONCAT: {
        jv a = jv_to_string(cx->a, x), b = jv_to_string(cx->a, y);
        if (a.t != JV_STR || b.t != JV_STR) return jx_oom(cx);
        char *p = jinja_alloc(cx->a, a.u.s.n + b.u.s.n + 1);
        if (!p) return jx_oom(cx);
        memcpy(p, a.u.s.p, a.u.s.n);
        memcpy(p + a.u.s.n, b.u.s.p, b.u.s.n);
        out->t = JV_STR;
        out->u.s.p = p;
        out->u.s.n = a.u.s.n + b.u.s.n;
        p[out->u.s.n] = '\0';
        return 0;
    }
    default: break;
    }
    if (n->op >= JB_LT && n->op <= JB_GE) {
        int c;
        if (is_num(x) && is_num(y))
            c = num(x) < num(y) ? -1 : num(x) > num(y);
        else if (x.t == JV_STR && y.t == JV_STR) {
            size_t m = x.u.s.n < y.u.s.n ? x.u.s.n : y.u.s.n;
            c = memcmp(x.u.s.p, y.u.s.p, m);
            if (!c) c = x.u.s.n < y.u.s.n ? -1 : x.u.s.n > y.u.s.n;
        } else
            return jx_fail(cx, GRT_ERROR_INVALID_ARGUMENT, n->line, "cannot compare %s and %s",
                           jx_type_name(x), jx_type_name(y));
        int r = n->op == JB_LT ? c < 0 : n->op == JB_GT ? c > 0 : n->op == JB_LE ? c <= 0 : c >= 0;
        *out = jv_bool(r);
        return 0;
    }
    if (n->op == JB_ADD && x.t == JV_STR && y.t == JV_STR) {
        jv a = x, b = y;
        char *p = jinja_alloc(cx->a, a.u.s.n + b.u.s.n + 1);
        if (!p) return jx_oom(cx);
        memcpy(p, a.u.s.p, a.u.s.n);
        memcpy(p + a.u.s.n, b.u.s.p, b.u.s.n + 1);
        out->t = JV_STR;
        out->u.s.p = p;
        out->u.s.n = a.u.s.n + b.u.s.n;
        return 0;
    }
    if (n->op == JB_ADD && x.t == JV_LIST && y.t == JV_LIST) {
        jv l = jv_list(cx->a, x.u.l->n + y.u.l->n);
        if (l.t != JV_LIST) return jx_oom(cx);
        memcpy(l.u.l->items, x.u.l->items, x.u.l->n * sizeof(jv));
        memcpy(l.u.l->items + x.u.l->n, y.u.l->items, y.u.l->n * sizeof(jv));
        *out = l;
        return 0;
    }
    if (!is_num(x) || !is_num(y))
        return jx_fail(cx, GRT_ERROR_INVALID_ARGUMENT, n->line,
                       "unsupported operand types %s and %s", jx_type_name(x), jx_type_name(y));
    int ints = x.t != JV_FLOAT && y.t != JV_FLOAT;
    int64_t a = inum(x), b = inum(y);
    double fa = num(x), fb = num(y);
    switch (n->op) {
    case JB_ADD: *out = ints ? jv_int(a + b) : (jv){.t = JV_FLOAT, .u.f = fa + fb}; return 0;
    case JB_SUB: *out = ints ? jv_int(a - b) : (jv){.t = JV_FLOAT, .u.f = fa - fb}; return 0;
    case JB_MUL: *out = ints ? jv_int(a * b) : (jv){.t = JV_FLOAT, .u.f = fa * fb}; return 0;
    case JB_DIV:
        if (fb == 0) return jx_fail(cx, GRT_ERROR_INVALID_ARGUMENT, n->line, "division by zero");
        *out = (jv){.t = JV_FLOAT, .u.f = fa / fb};
        return 0;
    case JB_FLOORDIV:
    case JB_MOD:
        if (fb == 0) return jx_fail(cx, GRT_ERROR_INVALID_ARGUMENT, n->line, "division by zero");
        if (ints) {
            int64_t q = a / b, r = a % b;
            if (r != 0 && ((r < 0) != (b < 0))) { /* Python floors */
                q--;
                r += b;
            }
            *out = jv_int(n->op == JB_MOD ? r : q);
        } else {
            double q = floor(fa / fb);
            *out = (jv){.t = JV_FLOAT, .u.f = n->op == JB_MOD ? fa - q * fb : q};
        }
        return 0;
    default: return jx_fail(cx, GRT_ERROR_INTERNAL, n->line, "bad operator");
    }
}

static int eval_test(jctx *cx, const jnode *n, jv *out) {
    jv v;
    if (eval(cx, n->a, &v)) return -1;
    const char *t = n->name;
    int r;
    if (!strcmp(t, "defined"))
        r = v.t != JV_UNDEF;
    else if (!strcmp(t, "undefined"))
        r = v.t == JV_UNDEF;
    else if (!strcmp(t, "none"))
        r = v.t == JV_NONE;
    else if (!strcmp(t, "string"))
        r = v.t == JV_STR;
    else if (!strcmp(t, "number"))
        r = v.t == JV_INT || v.t == JV_FLOAT;
    else if (!strcmp(t, "integer"))
        r = v.t == JV_INT;
    else if (!strcmp(t, "float"))
        r = v.t == JV_FLOAT;
    else if (!strcmp(t, "boolean"))
        r = v.t == JV_BOOL;
    else if (!strcmp(t, "true"))
        r = v.t == JV_BOOL && v.u.b;
    else if (!strcmp(t, "false"))
        r = v.t == JV_BOOL && !v.u.b;
    else if (!strcmp(t, "mapping"))
        r = v.t == JV_DICT;
    else if (!strcmp(t, "iterable") || !strcmp(t, "sequence"))
        r = v.t == JV_LIST || v.t == JV_STR || v.t == JV_DICT;
    else if (!strcmp(t, "even") || !strcmp(t, "odd")) {
        if (v.t != JV_INT)
            return jx_fail(cx, GRT_ERROR_INVALID_ARGUMENT, n->line, "test '%s' of a %s", t,
                           jx_type_name(v));
        r = (v.u.i % 2 == 0) == !strcmp(t, "even");
    } else if (!strcmp(t, "sameas") || !strcmp(t, "eq") || !strcmp(t, "equalto")) {
        jv o;
        if (n->n_kids != 1)
            return jx_fail(cx, GRT_ERROR_INVALID_ARGUMENT, n->line, "test '%s' needs an argument",
                           t);
        if (eval(cx, n->kids[0], &o)) return -1;
        r = (v.t == o.t || is_num(v) == is_num(o)) && jv_equal(v, o);
        if (!strcmp(t, "sameas")) r = v.t == o.t && jv_equal(v, o);
    } else
        return jx_fail(cx, GRT_ERROR_INVALID_ARGUMENT, n->line, "unsupported test '%s'", t);
    *out = jv_bool(n->op ? !r : r);
    return 0;
}

/* Evaluates the arguments of a call/filter node into vals[] (keyword names stay in
 * n->argnames). */
static int jx_args(jctx *cx, const jnode *n, jv *vals, size_t max) {
    if (n->n_kids > max)
        return jx_fail(cx, GRT_ERROR_INVALID_ARGUMENT, n->line, "too many arguments to '%s'",
                       n->name ? n->name : "call");
    for (size_t i = 0; i < n->n_kids; i++)
        if (eval(cx, n->kids[i], &vals[i])) return -1;
    return 0;
}

static int eval_call(jctx *cx, const jnode *n, jv *out) {
    jv args[8];
    *out = jv_undef();
    if (n->a->kind == JN_ATTR) { /* obj.method(...) */
        jv obj;
        if (eval(cx, n->a->a, &obj) || jx_args(cx, n, args, 8)) return -1;
        return jx_method(cx, n, obj, n->a->name, args, out);
    }
    if (n->a->kind != JN_NAME)
        return jx_fail(cx, GRT_ERROR_INVALID_ARGUMENT, n->line,
                       "only named functions can be called");
    const char *f = n->a->name;
    if (jx_args(cx, n, args, 8)) return -1;
    if (!strcmp(f, "raise_exception")) {
        jv m = n->n_kids ? jv_to_string(cx->a, args[0]) : jx_strv(cx, "error", 5);
        if (m.t != JV_STR) return jx_oom(cx);
        if (!cx->st)
            cx->st = grt_gen_error(GRT_ERROR_INVALID_ARGUMENT, "chat template raised: %s", m.u.s.p);
        return -1;
    }
    if (!strcmp(f, "namespace") || !strcmp(f, "dict")) {
        jv d = jv_dict(cx->a);
        if (d.t != JV_DICT) return jx_oom(cx);
        for (size_t i = 0; i < n->n_kids; i++) {
            if (!n->argnames[i])
                return jx_fail(cx, GRT_ERROR_INVALID_ARGUMENT, n->line,
                               "%s() takes keyword arguments only", f);
            if (jdict_set(cx->a, d.u.d, n->argnames[i], args[i])) return jx_oom(cx);
        }
        *out = d;
        return 0;
    }
    if (!strcmp(f, "range")) {
        int64_t lo = 0, hi = 0, st = 1;
        for (size_t i = 0; i < n->n_kids; i++)
            if (args[i].t != JV_INT)
                return jx_fail(cx, GRT_ERROR_INVALID_ARGUMENT, n->line, "range() needs integers");
        if (n->n_kids == 1)
            hi = args[0].u.i;
        else if (n->n_kids >= 2) {
            lo = args[0].u.i;
            hi = args[1].u.i;
            if (n->n_kids == 3) st = args[2].u.i;
        } else
            return jx_fail(cx, GRT_ERROR_INVALID_ARGUMENT, n->line, "range() needs arguments");
        if (st == 0) return jx_fail(cx, GRT_ERROR_INVALID_ARGUMENT, n->line, "range() step is 0");
        int64_t cnt = st > 0 ? (hi > lo ? (hi - lo + st - 1) / st : 0)
                             : (lo > hi ? (lo - hi - st - 1) / -st : 0);
        if (cnt > 1000000)
            return jx_fail(cx, GRT_ERROR_INVALID_ARGUMENT, n->line, "range() too long");
        jv l = jv_list(cx->a, (size_t)cnt);
        if (l.t != JV_LIST) return jx_oom(cx);
        for (int64_t i = 0; i < cnt; i++)
            l.u.l->items[i] = jv_int(lo + i * st);
        *out = l;
        return 0;
    }
    return jx_fail(cx, GRT_ERROR_INVALID_ARGUMENT, n->line, "unsupported function '%s'", f);
}

static int eval_node(jctx *cx, const jnode *n, jv *out);

/* Bounds the recursion: long left-associative chains (a + b + c ...) nest in the tree. */
static int eval(jctx *cx, const jnode *n, jv *out) {
    if (++cx->edepth > EVAL_DEPTH_LIMIT) {
        cx->edepth--;
        return jx_fail(cx, GRT_ERROR_INVALID_ARGUMENT, n->line, "expression nested too deeply");
    }
    int r = eval_node(cx, n, out);
    cx->edepth--;
    return r;
}

static int eval_node(jctx *cx, const jnode *n, jv *out) {
    jv x;
    switch (n->kind) {
    case JN_LIT: *out = n->lit; return 0;
    case JN_NAME: {
        jv *v = lookup(cx, n->name);
        *out = v ? *v : jv_undef();
        return 0;
    }
    case JN_ATTR:
        if (eval(cx, n->a, &x)) return -1;
        *out = jv_undef();
        if (x.t == JV_DICT) {
            jv *v = jdict_get(x.u.d, n->name);
            if (v) *out = *v;
        }
        return 0;
    case JN_INDEX: {
        jv k;
        if (eval(cx, n->a, &x) || eval(cx, n->b, &k)) return -1;
        return eval_index(cx, n, x, k, out);
    }
    case JN_SLICE:
        if (eval(cx, n->a, &x)) return -1;
        return eval_slice(cx, n, x, out);
    case JN_CALL: return eval_call(cx, n, out);
    case JN_FILTER: {
        jv args[8];
        if (eval(cx, n->a, &x) || jx_args(cx, n, args, 8)) return -1;
        return jx_filter(cx, n, x, args, out);
    }
    case JN_TEST: return eval_test(cx, n, out);
    case JN_NOT:
        if (eval(cx, n->a, &x)) return -1;
        *out = jv_bool(!jv_truthy(x));
        return 0;
    case JN_NEG:
        if (eval(cx, n->a, &x)) return -1;
        if (x.t == JV_INT)
            *out = jv_int(-x.u.i);
        else if (x.t == JV_FLOAT)
            *out = (jv){.t = JV_FLOAT, .u.f = -x.u.f};
        else
            return jx_fail(cx, GRT_ERROR_INVALID_ARGUMENT, n->line, "cannot negate a %s",
                           jx_type_name(x));
        return 0;
    case JN_BIN: return eval_bin(cx, n, out);
    case JN_AND: /* Python semantics: returns an operand */
        if (eval(cx, n->a, &x)) return -1;
        if (!jv_truthy(x)) {
            *out = x;
            return 0;
        }
        return eval(cx, n->b, out);
    case JN_OR:
        if (eval(cx, n->a, &x)) return -1;
        if (jv_truthy(x)) {
            *out = x;
            return 0;
        }
        return eval(cx, n->b, out);
    case JN_COND:
        if (eval(cx, n->a, &x)) return -1;
        if (jv_truthy(x)) return eval(cx, n->b, out);
        if (n->c) return eval(cx, n->c, out);
        *out = jv_undef();
        return 0;
    case JN_LISTLIT: {
        jv l = jv_list(cx->a, n->n_kids);
        if (l.t != JV_LIST) return jx_oom(cx);
        for (size_t i = 0; i < n->n_kids; i++)
            if (eval(cx, n->kids[i], &l.u.l->items[i])) return -1;
        *out = l;
        return 0;
    }
    case JN_DICTLIT: {
        jv d = jv_dict(cx->a);
        if (d.t != JV_DICT) return jx_oom(cx);
        for (size_t i = 0; i + 1 < n->n_kids; i += 2) {
            jv k, v;
            if (eval(cx, n->kids[i], &k) || eval(cx, n->kids[i + 1], &v)) return -1;
            if (k.t != JV_STR)
                return jx_fail(cx, GRT_ERROR_INVALID_ARGUMENT, n->line,
                               "dict keys must be strings");
            if (jdict_set(cx->a, d.u.d, k.u.s.p, v)) return jx_oom(cx);
        }
        *out = d;
        return 0;
    }
    default: return jx_fail(cx, GRT_ERROR_INTERNAL, n->line, "statement used as an expression");
    }
}

static int exec_node(jctx *cx, const jnode *n);

static int exec_block(jctx *cx, const jnode *blk) {
    for (size_t i = 0; i < blk->n_kids; i++)
        if (exec_node(cx, blk->kids[i])) return -1;
    return 0;
}

/* The `loop` object: created once per for-loop (*d), its values updated per iteration. */
static int set_loop(jctx *cx, jv *d, size_t i, size_t len) {
    if (d->t != JV_DICT) {
        *d = jv_dict(cx->a);
        if (d->t != JV_DICT) return jx_oom(cx);
        static const char *const keys[] = {"index",  "index0",   "first",    "last",
                                           "length", "revindex", "revindex0"};
        for (size_t k = 0; k < 7; k++)
            if (jdict_set(cx->a, d->u.d, keys[k], jv_none())) return jx_oom(cx);
        if (assign(cx, "loop", *d)) return -1;
    }
    jv *v = d->u.d->vals; /* in the order of keys[] above */
    v[0] = jv_int((int64_t)i + 1);
    v[1] = jv_int((int64_t)i);
    v[2] = jv_bool(i == 0);
    v[3] = jv_bool(i + 1 == len);
    v[4] = jv_int((int64_t)len);
    v[5] = jv_int((int64_t)(len - i));
    v[6] = jv_int((int64_t)(len - i - 1));
    return 0;
}

/* Binds the loop variables for item (k, v pairs unpack into name, name2). */
static int bind_item(jctx *cx, const jnode *n, jv item) {
    if (!n->name2) return assign(cx, n->name, item);
    if (item.t != JV_LIST || item.u.l->n != 2)
        return jx_fail(cx, GRT_ERROR_INVALID_ARGUMENT, n->line, "cannot unpack a %s into 2 names",
                       jx_type_name(item));
    if (assign(cx, n->name, item.u.l->items[0])) return -1;
    return assign(cx, n->name2, item.u.l->items[1]);
}

static int exec_for(jctx *cx, const jnode *n) {
    jv seq;
    if (eval(cx, n->a, &seq)) return -1;
    jv items;
    if (seq.t == JV_LIST)
        items = seq;
    else if (seq.t == JV_DICT) { /* iterates keys */
        items = jv_list(cx->a, seq.u.d->n);
        if (items.t != JV_LIST) return jx_oom(cx);
        for (size_t i = 0; i < seq.u.d->n; i++) {
            items.u.l->items[i] = jx_strv(cx, seq.u.d->keys[i], strlen(seq.u.d->keys[i]));
            if (cx->st) return -1;
        }
    } else if (seq.t == JV_STR) {
        items = jv_list(cx->a, seq.u.s.n);
        if (items.t != JV_LIST) return jx_oom(cx);
        for (size_t i = 0; i < seq.u.s.n; i++) {
            items.u.l->items[i] = jx_strv(cx, seq.u.s.p + i, 1);
            if (cx->st) return -1;
        }
    } else if (seq.t == JV_UNDEF || seq.t == JV_NONE) {
        items = jv_list(cx->a, 0);
        if (items.t != JV_LIST) return jx_oom(cx);
    } else
        return jx_fail(cx, GRT_ERROR_INVALID_ARGUMENT, n->line, "cannot loop over a %s",
                       jx_type_name(seq));
    cx->depth++;
    if (n->d) { /* {% for x in xs if cond %}: filter first, so loop.* count kept items */
        jv kept = jv_list(cx->a, items.u.l->n);
        if (kept.t != JV_LIST) return pop_scope(cx), jx_oom(cx);
        size_t k = 0;
        for (size_t i = 0; i < items.u.l->n; i++) {
            jv c;
            if (bind_item(cx, n, items.u.l->items[i]) || eval(cx, n->d, &c))
                return pop_scope(cx), -1;
            if (jv_truthy(c)) kept.u.l->items[k++] = items.u.l->items[i];
        }
        kept.u.l->n = k;
        items = kept;
    }
    size_t len = items.u.l->n;
    jv loop = jv_undef();
    for (size_t i = 0; i < len; i++) {
        if (set_loop(cx, &loop, i, len) || bind_item(cx, n, items.u.l->items[i]) ||
            exec_block(cx, n->b)) {
            pop_scope(cx);
            return -1;
        }
    }
    pop_scope(cx);
    if (!len && n->c) return exec_block(cx, n->c);
    return 0;
}

static int exec_node(jctx *cx, const jnode *n) {
    jv v;
    if (++cx->steps > STEP_LIMIT)
        return jx_fail(cx, GRT_ERROR_INVALID_ARGUMENT, n->line,
                       "template runs too long (%llu steps)", (unsigned long long)STEP_LIMIT);
    switch (n->kind) {
    case JN_BLOCK: return exec_block(cx, n);
    case JN_TEXT: return emit(cx, n->lit.u.s.p, n->lit.u.s.n);
    case JN_OUT:
        if (eval(cx, n->a, &v)) return -1;
        v = jv_to_string(cx->a, v);
        if (v.t != JV_STR) return jx_oom(cx);
        return emit(cx, v.u.s.p, v.u.s.n);
    case JN_IF:
        if (eval(cx, n->a, &v)) return -1;
        if (jv_truthy(v)) return exec_block(cx, n->b);
        return n->c ? exec_node(cx, n->c) : 0;
    case JN_FOR: return exec_for(cx, n);
    case JN_SET:
        if (eval(cx, n->a, &v)) return -1;
        if (n->attr) {
            jv *ns = lookup(cx, n->name);
            if (!ns || ns->t != JV_DICT)
                return jx_fail(cx, GRT_ERROR_INVALID_ARGUMENT, n->line, "'%s' is not a namespace",
                               n->name);
            return jdict_set(cx->a, ns->u.d, n->attr, v) ? jx_oom(cx) : 0;
        }
        return assign(cx, n->name, v);
    default: return jx_fail(cx, GRT_ERROR_INTERNAL, n->line, "expression used as a statement");
    }
}

grt_status grt_jinja_render(const char *tmpl, jinja_arena *arena, const char *const *names,
                            const jv *values, size_t n_vars, char **out) {
    if (!tmpl || !arena || !out || (n_vars && (!names || !values)))
        return grt_gen_error(GRT_ERROR_INVALID_ARGUMENT, "grt_jinja_render: NULL argument");
    *out = NULL;
    jnode *root = NULL;
    grt_status st = jinja_parse(tmpl, arena, &root);
    if (st) return st;
    jctx cx;
    memset(&cx, 0, sizeof cx);
    cx.a = arena;
    for (size_t i = 0; i < n_vars; i++)
        if (assign(&cx, names[i], values[i])) goto done;
    cx.depth = 1; /* template-level sets shadow the globals */
    if (exec_block(&cx, root) == 0 && !emit(&cx, "", 0)) {
        *out = cx.out;
        cx.out = NULL;
    }
done:
    st = cx.st;
    free(cx.out);
    free(cx.vars);
    return st;
}
