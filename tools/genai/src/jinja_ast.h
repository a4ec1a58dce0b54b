/*
 * tools/genai/src/jinja_ast.h - the syntax tree of a parsed Jinja template (internal): the parser
 * (jinja_parse.c) builds it in an arena, the evaluator (jinja_eval.c) walks it.
 * Ownership: nodes, names and literal strings belong to the arena. Single-threaded.
 */
#ifndef GENRT_GENAI_JINJA_AST_H
#define GENRT_GENAI_JINJA_AST_H

#include "jinja.h"

typedef enum jnode_kind {
    /* statements */
    JN_BLOCK, /* kids[n] in order */
    JN_TEXT,  /* lit (string) */
    JN_OUT,   /* {{ a }} */
    JN_IF,    /* if a: b (block) else c (block, or an elif JN_IF, or NULL) */
    JN_FOR,   /* for name[, name2] in a [if d]: b (block) else c (block or NULL) */
    JN_SET,   /* set name = a; or set name.attr (attr) = a */
    /* expressions */
    JN_LIT,     /* lit */
    JN_NAME,    /* name */
    JN_ATTR,    /* a.name */
    JN_INDEX,   /* a[b] */
    JN_SLICE,   /* a[b:c:d], any of b/c/d may be NULL */
    JN_CALL,    /* a(kids..., with argnames[i] for keyword arguments) */
    JN_FILTER,  /* a | name(kids...) */
    JN_TEST,    /* a is [not: op=1] name(kids...) */
    JN_NOT,     /* not a */
    JN_NEG,     /* -a */
    JN_BIN,     /* a op b (op: a jbin_op) */
    JN_AND,     /* a and b */
    JN_OR,      /* a or b */
    JN_COND,    /* b if a else c (c may be NULL: undefined) */
    JN_LISTLIT, /* [kids...] */
    JN_DICTLIT  /* {kids[2i]: kids[2i+1]} */
} jnode_kind;

typedef enum jbin_op {
    JB_ADD,
    JB_SUB,
    JB_MUL,
    JB_DIV,
    JB_FLOORDIV,
    JB_MOD,
    JB_CONCAT,
    JB_EQ,
    JB_NE,
    JB_LT,
    JB_GT,
    JB_LE,
    JB_GE,
    JB_IN,
    JB_NOTIN
} jbin_op;

typedef struct jnode jnode;
struct jnode {
    jnode_kind kind;
    int line;
    int op;
    const char *name, *name2, *attr;
    jv lit;
    jnode *a, *b, *c, *d;
    jnode **kids;
    const char **argnames;
    size_t n_kids;
};

/* Parses tmpl into *root (arena-owned). Errors: FORMAT (the message gives the line and what was
 * expected), OUT_OF_MEMORY. */
grt_status jinja_parse(const char *tmpl, jinja_arena *arena, jnode **root);

#endif
