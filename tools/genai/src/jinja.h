/*
 * tools/genai/src/jinja.h - the Jinja subset used by chat templates (internal to libgenrt_genai).
 *
 * Supported: text, {{ expr }}, {% if/elif/else/endif %}, {% for x[, y] in expr [if cond] %}
 * ... {% else %} ... {% endfor %}, {% set name = expr %}, {% set ns.attr = expr %}, comments,
 * whitespace control ({%- -%}) with Hugging Face's trim_blocks + lstrip_blocks; literals
 * (strings with escapes, ints, floats, true/false/none, lists, dicts); operators or, and, not,
 * == != < > <= >=, in, not in, is [not] <test>, + - * / // % ~, unary -, a if c else b;
 * attribute, index and slice ([a:b:c]) access; loop.index/index0/first/last/length/revindex/
 * revindex0; filters trim, length/count, upper, lower, default/d, tojson, string, int, first,
 * last, join, list, capitalize, title, replace, reverse, items, safe; tests defined, undefined,
 * none, string, number, integer, float, mapping, iterable, sequence, boolean, true, false, even,
 * odd, sameas, eq; functions raise_exception, namespace, range; string methods strip/lstrip/
 * rstrip/startswith/endswith/split/upper/lower/replace/title/capitalize and dict methods
 * items/keys/values/get.
 *
 * Values live in an arena (everything is freed at once with the arena). Single-threaded per arena.
 */
#ifndef GENRT_GENAI_JINJA_H
#define GENRT_GENAI_JINJA_H

#include <genrt/status.h>

#include <stddef.h>
#include <stdint.h>

typedef struct jinja_arena jinja_arena;

typedef enum jv_type {
    JV_UNDEF = 0,
    JV_NONE,
    JV_BOOL,
    JV_INT,
    JV_FLOAT,
    JV_STR,
    JV_LIST,
    JV_DICT
} jv_type;

typedef struct jlist jlist;
typedef struct jdict jdict;

typedef struct jv {
    jv_type t;
    union {
        int b;
        int64_t i;
        double f;
        struct {
            const char *p; /* NUL-terminated */
            size_t n;
        } s;
        jlist *l;
        jdict *d;
    } u;
} jv;

struct jlist {
    jv *items;
    size_t n;
};

struct jdict {
    const char **keys; /* NUL-terminated */
    jv *vals;
    size_t n, cap;
};

/* Arena: a NULL return from any allocation means out of memory (or the arena's size limit). */
jinja_arena *jinja_arena_create(void);
void jinja_arena_destroy(jinja_arena *a);
void *jinja_alloc(jinja_arena *a, size_t bytes);

jv jv_undef(void);
jv jv_none(void);
jv jv_bool(int b);
jv jv_int(int64_t i);
/* Copies s[n] into the arena; .t is JV_UNDEF on out-of-memory. */
jv jv_str(jinja_arena *a, const char *s, size_t n);
/* A list of n JV_UNDEF items (to fill), or .t JV_UNDEF on out-of-memory. */
jv jv_list(jinja_arena *a, size_t n);
jv jv_dict(jinja_arena *a);
/* Sets key (copied) in dict d; returns 0, or -1 on out-of-memory. */
int jdict_set(jinja_arena *a, jdict *d, const char *key, jv val);
/* Pointer to the value of key, or NULL. */
jv *jdict_get(const jdict *d, const char *key);

int jv_truthy(jv v);
/* Text of v as Jinja prints it (None, True, 1.5, [...]); .t JV_UNDEF on out-of-memory. */
jv jv_to_string(jinja_arena *a, jv v);
/* JSON text of v (", " and ": " separators like Python's json.dumps; indent >= 0 pretty-prints) */
jv jv_to_json(jinja_arena *a, jv v, int indent);
/* Python-style equality (numbers across int/float/bool, strings by bytes, lists and dicts deep). */
int jv_equal(jv x, jv y);

/* Renders tmpl with the global variables names[i] = values[i]. *out is malloc'd (caller frees
 * with free). Errors: FORMAT (syntax; message has the line), INVALID_ARGUMENT (raise_exception:
 * its message; type errors and unsupported constructs: the message names them), OUT_OF_MEMORY. */
grt_status grt_jinja_render(const char *tmpl, jinja_arena *arena, const char *const *names,
                            const jv *values, size_t n_vars, char **out);

#endif
