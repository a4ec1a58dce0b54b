/*
 * tools/genai/src/jinja_lex.h - tokens of the Jinja subset and the parser state they live in
 * (internal to jinja_lex.c and jinja_parse.c). Ownership: tokens live in the arena.
 * Single-threaded.
 */
#ifndef GENRT_GENAI_JINJA_LEX_H
#define GENRT_GENAI_JINJA_LEX_H

#include "jinja_ast.h"

typedef enum tok_kind {
    TK_EOF,
    TK_TEXT,
    TK_VBEG,
    TK_VEND,
    TK_BBEG,
    TK_BEND,
    TK_NAME,
    TK_STR,
    TK_INT,
    TK_FLOAT,
    TK_OP
} tok_kind;

typedef struct tok {
    tok_kind k;
    const char *p; /* text (TEXT, NAME, OP: into the template; STR: decoded, arena) */
    size_t n;
    int line;
    jv lit; /* STR/INT/FLOAT value */
} tok;

typedef struct parser {
    jinja_arena *a;
    const char *src;
    size_t len;
    tok *toks;
    size_t n, cap, pos;
    int line;
    int depth;     /* nesting of expressions and blocks (bounded: hostile templates) */
    grt_status st; /* first error */
} parser;

/* Records the first error ("chat template line N: what") in ps->st and returns it. */
grt_status jinja_perr(parser *ps, int line, const char *what);
grt_status jinja_oom(parser *ps);
/* Splits ps->src into ps->toks (text with whitespace control applied, tag delimiters, expression
 * tokens, a final TK_EOF). Returns 0, or -1 with ps->st set. */
int jinja_lex(parser *ps);

#endif
