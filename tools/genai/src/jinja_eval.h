/*
 * tools/genai/src/jinja_eval.h - evaluator state shared by jinja_eval.c (statements, operators)
 * and jinja_filters.c (filters and methods). Internal; single-threaded per render.
 */
#ifndef GENRT_GENAI_JINJA_EVAL_H
#define GENRT_GENAI_JINJA_EVAL_H

#include "jinja_ast.h"

typedef struct jvar {
    const char *name;
    jv val;
    int depth;
} jvar;

typedef struct jctx {
    jinja_arena *a;
    jvar *vars; /* scope stack (malloc'd) */
    size_t n_vars, cap_vars;
    int depth;
    char *out; /* rendered text (malloc'd) */
    size_t out_len, out_cap;
    unsigned long long steps; /* statements executed (bounded) */
    int edepth;               /* expression recursion depth (bounded) */
    grt_status st;            /* first error */
} jctx;

/* Records the first error (message prefixed with the template line) and returns -1. */
int jx_fail(jctx *cx, grt_status st, int line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
int jx_oom(jctx *cx);
const char *jx_type_name(jv v);
/* A string value in the arena (records out-of-memory in cx). */
jv jx_strv(jctx *cx, const char *s, size_t n);
/* Applies filter n->name to v with evaluated arguments args[n->n_kids] (keyword names in
 * n->argnames). Returns 0 or -1. */
int jx_filter(jctx *cx, const jnode *n, jv v, const jv *args, jv *out);
/* Calls method `name` of obj with args[n->n_kids]. Returns 0 or -1. */
int jx_method(jctx *cx, const jnode *n, jv obj, const char *name, const jv *args, jv *out);

#endif
