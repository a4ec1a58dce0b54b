/*
 * tools/genai/src/jinja_parse.c - recursive-descent parser of the Jinja subset (jinja.h lists it)
 * over the tokens of jinja_lex.c, building the tree of jinja_ast.h. Nesting is bounded so that
 * hostile templates fail with an error instead of exhausting the stack.
 *
 * Ownership: nodes live in the arena. Single-threaded.
 */
#include "jinja_lex.h"

#include "generate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 256

/* --- parser -------------------------------------------------------------------------------- */

static tok *peek(parser *ps) { return &ps->toks[ps->pos]; }
static tok *next(parser *ps) {
    tok *t = &ps->toks[ps->pos];
    if (t->k != TK_EOF) ps->pos++;
    return t;
}
static int is_op(const tok *t, const char *op) {
    return t->k == TK_OP && t->n == strlen(op) && !memcmp(t->p, op, t->n);
}
static int is_name(const tok *t, const char *name) {
    return t->k == TK_NAME && t->n == strlen(name) && !memcmp(t->p, name, t->n);
}
static int accept_op(parser *ps, const char *op) {
    if (is_op(peek(ps), op)) {
        ps->pos++;
        return 1;
    }
    return 0;
}
static int expect_op(parser *ps, const char *op) {
    if (accept_op(ps, op)) return 0;
    char msg[64];
    snprintf(msg, sizeof msg, "expected '%s'", op);
    jinja_perr(ps, peek(ps)->line, msg);
    return -1;
}

static jnode *new_node(parser *ps, jnode_kind k, int line) {
    jnode *n = jinja_alloc(ps->a, sizeof *n);
    if (!n) {
        jinja_oom(ps);
        return NULL;
    }
    memset(n, 0, sizeof *n);
    n->kind = k;
    n->line = line;
    return n;
}

static const char *tok_name(parser *ps, const tok *t) {
    jv s = jv_str(ps->a, t->p, t->n);
    if (s.t != JV_STR) {
        jinja_oom(ps);
        return NULL;
    }
    return s.u.s.p;
}

/* Appends kid (and its keyword name) to n->kids. */
static int add_kid(parser *ps, jnode *n, jnode *kid, const char *argname, size_t *cap) {
    if (n->n_kids == *cap) {
        size_t c = *cap ? *cap * 2 : 4;
        jnode **k = jinja_alloc(ps->a, c * sizeof *k);
        const char **an = jinja_alloc(ps->a, c * sizeof *an);
        if (!k || !an) return jinja_oom(ps), -1;
        if (n->n_kids) {
            memcpy(k, n->kids, n->n_kids * sizeof *k);
            memcpy(an, n->argnames, n->n_kids * sizeof *an);
        }
        n->kids = k;
        n->argnames = an;
        *cap = c;
    }
    n->kids[n->n_kids] = kid;
    n->argnames[n->n_kids] = argname;
    n->n_kids++;
    return 0;
}

static jnode *parse_expr(parser *ps, int no_cond);

/* Counts one nesting level; -1 (error recorded) past MAX_DEPTH. The caller decrements. */
static int parse_expr_depth_guard(parser *ps) {
    if (++ps->depth > MAX_DEPTH) {
        jinja_perr(ps, peek(ps)->line, "expressions nested too deeply");
        return -1;
    }
    return 0;
}

/* (args) after the '(' was consumed. */
static int parse_args(parser *ps, jnode *n) {
    size_t cap = 0;
    if (accept_op(ps, ")")) return 0;
    for (;;) {
        const char *kw = NULL;
        if (peek(ps)->k == TK_NAME && is_op(&ps->toks[ps->pos + 1], "=")) {
            kw = tok_name(ps, next(ps));
            ps->pos++;
        }
        jnode *e = parse_expr(ps, 0);
        if (!e || add_kid(ps, n, e, kw, &cap)) return -1;
        if (accept_op(ps, ")")) return 0;
        if (expect_op(ps, ",")) return -1;
    }
}

static jnode *parse_primary(parser *ps) {
    tok *t = next(ps);
    jnode *n = NULL;
    switch (t->k) {
    case TK_STR: {
        n = new_node(ps, JN_LIT, t->line);
        if (!n) return NULL;
        n->lit = t->lit;
        while (peek(ps)->k == TK_STR) { /* adjacent literals concatenate */
            tok *u = next(ps);
            size_t len = n->lit.u.s.n + u->lit.u.s.n;
            char *p = jinja_alloc(ps->a, len + 1);
            if (!p) return jinja_oom(ps), NULL;
            memcpy(p, n->lit.u.s.p, n->lit.u.s.n);
            memcpy(p + n->lit.u.s.n, u->lit.u.s.p, u->lit.u.s.n + 1);
            n->lit.u.s.p = p;
            n->lit.u.s.n = len;
        }
        return n;
    }
    case TK_INT:
    case TK_FLOAT:
        n = new_node(ps, JN_LIT, t->line);
        if (n) n->lit = t->lit;
        return n;
    case TK_NAME:
        n = new_node(ps, JN_LIT, t->line);
        if (!n) return NULL;
        if (is_name(t, "true") || is_name(t, "True"))
            n->lit = jv_bool(1);
        else if (is_name(t, "false") || is_name(t, "False"))
            n->lit = jv_bool(0);
        else if (is_name(t, "none") || is_name(t, "None"))
            n->lit = jv_none();
        else {
            n->kind = JN_NAME;
            n->name = tok_name(ps, t);
        }
        return n;
    case TK_OP:
        if (is_op(t, "(")) {
            jnode *e = parse_expr(ps, 0);
            if (!e) return NULL;
            if (is_op(peek(ps), ",")) { /* a tuple: treated as a list */
                jnode *l = new_node(ps, JN_LISTLIT, t->line);
                size_t cap = 0;
                if (!l || add_kid(ps, l, e, NULL, &cap)) return NULL;
                while (accept_op(ps, ",")) {
                    if (is_op(peek(ps), ")")) break;
                    jnode *x = parse_expr(ps, 0);
                    if (!x || add_kid(ps, l, x, NULL, &cap)) return NULL;
                }
                e = l;
            }
            return expect_op(ps, ")") ? NULL : e;
        }
        if (is_op(t, "[") || is_op(t, "{")) {
            int dict = is_op(t, "{");
            const char *close = dict ? "}" : "]";
            n = new_node(ps, dict ? JN_DICTLIT : JN_LISTLIT, t->line);
            size_t cap = 0;
            if (!n) return NULL;
            while (!accept_op(ps, close)) {
                jnode *e = parse_expr(ps, 0);
                if (!e || add_kid(ps, n, e, NULL, &cap)) return NULL;
                if (dict) {
                    if (expect_op(ps, ":")) return NULL;
                    jnode *v = parse_expr(ps, 0);
                    if (!v || add_kid(ps, n, v, NULL, &cap)) return NULL;
                }
                if (accept_op(ps, close)) break;
                if (expect_op(ps, ",")) return NULL;
            }
            return n;
        }
        break;
    default: break;
    }
    jinja_perr(ps, t->line, "expected an expression");
    return NULL;
}

static jnode *parse_postfix(parser *ps) {
    jnode *e = parse_primary(ps);
    while (e) {
        tok *t = peek(ps);
        if (is_op(t, ".")) {
            ps->pos++;
            tok *nm = next(ps);
            jnode *n = new_node(ps, JN_ATTR, t->line);
            if (!n) return NULL;
            n->a = e;
            if (nm->k == TK_NAME)
                n->name = tok_name(ps, nm);
            else if (nm->k == TK_INT) { /* a.0 is a[0] */
                n->kind = JN_INDEX;
                n->b = new_node(ps, JN_LIT, t->line);
                if (!n->b) return NULL;
                n->b->lit = nm->lit;
            } else {
                jinja_perr(ps, t->line, "expected a name after '.'");
                return NULL;
            }
            e = n;
        } else if (is_op(t, "[")) {
            ps->pos++;
            jnode *n = new_node(ps, JN_INDEX, t->line);
            if (!n) return NULL;
            n->a = e;
            jnode *parts[3] = {NULL, NULL, NULL};
            int k = 0, slice = 0;
            for (;;) {
                if (is_op(peek(ps), ":")) {
                    ps->pos++;
                    slice = 1;
                    if (++k > 2) return jinja_perr(ps, t->line, "bad slice"), NULL;
                    continue;
                }
                if (accept_op(ps, "]")) break;
                if (parts[k]) return expect_op(ps, "]"), NULL;
                if (!(parts[k] = parse_expr(ps, 0))) return NULL;
            }
            if (slice) {
                n->kind = JN_SLICE;
                n->b = parts[0];
                n->c = parts[1];
                n->d = parts[2];
            } else {
                if (!parts[0]) return jinja_perr(ps, t->line, "empty subscript"), NULL;
                n->b = parts[0];
            }
            e = n;
        } else if (is_op(t, "(")) {
            ps->pos++;
            jnode *n = new_node(ps, JN_CALL, t->line);
            if (!n) return NULL;
            n->a = e;
            if (parse_args(ps, n)) return NULL;
            e = n;
        } else if (is_op(t, "|") || is_name(t, "is")) {
            int test = is_name(t, "is");
            ps->pos++;
            jnode *n = new_node(ps, test ? JN_TEST : JN_FILTER, t->line);
            if (!n) return NULL;
            n->a = e;
            if (test && is_name(peek(ps), "not")) {
                ps->pos++;
                n->op = 1;
            }
            tok *nm = next(ps);
            if (nm->k != TK_NAME) return jinja_perr(ps, t->line, "expected a filter or test name"), NULL;
            n->name = tok_name(ps, nm);
            if (accept_op(ps, "(")) {
                if (parse_args(ps, n)) return NULL;
            } else if (test && (peek(ps)->k == TK_STR || peek(ps)->k == TK_INT ||
                                (peek(ps)->k == TK_NAME && !is_name(peek(ps), "and") &&
                                 !is_name(peek(ps), "or") && !is_name(peek(ps), "else") &&
                                 !is_name(peek(ps), "if")))) {
                size_t cap = 0; /* `is sameas false`, `is divisibleby 3` */
                jnode *arg = parse_primary(ps);
                if (!arg || add_kid(ps, n, arg, NULL, &cap)) return NULL;
            }
            e = n;
        } else {
            break;
        }
    }
    return e;
}

static jnode *parse_unary(parser *ps) {
    tok *t = peek(ps);
    if (is_op(t, "-") || is_op(t, "+")) {
        ps->pos++;
        jnode *x = parse_expr_depth_guard(ps) ? NULL : parse_unary(ps);
        ps->depth--;
        if (!x || is_op(t, "+")) return x;
        jnode *n = new_node(ps, JN_NEG, t->line);
        if (n) n->a = x;
        return n;
    }
    return parse_postfix(ps);
}

static jnode *bin(parser *ps, int op, jnode *l, jnode *r, int line) {
    if (!l || !r) return NULL;
    jnode *n = new_node(ps, JN_BIN, line);
    if (!n) return NULL;
    n->op = op;
    n->a = l;
    n->b = r;
    return n;
}

static jnode *parse_math2(parser *ps) {
    jnode *e = parse_unary(ps);
    for (;;) {
        tok *t = peek(ps);
        int op = is_op(t, "*")    ? JB_MUL
                 : is_op(t, "/")  ? JB_DIV
                 : is_op(t, "//") ? JB_FLOORDIV
                 : is_op(t, "%")  ? JB_MOD
                                  : -1;
        if (op < 0 || !e) return e;
        ps->pos++;
        e = bin(ps, op, e, parse_unary(ps), t->line);
    }
}

static jnode *parse_concat(parser *ps) {
    jnode *e = parse_math2(ps);
    while (e && is_op(peek(ps), "~")) {
        int line = next(ps)->line;
        e = bin(ps, JB_CONCAT, e, parse_math2(ps), line);
    }
    return e;
}

static jnode *parse_math1(parser *ps) {
    jnode *e = parse_concat(ps);
    for (;;) {
        tok *t = peek(ps);
        int op = is_op(t, "+") ? JB_ADD : is_op(t, "-") ? JB_SUB : -1;
        if (op < 0 || !e) return e;
        ps->pos++;
        e = bin(ps, op, e, parse_concat(ps), t->line);
    }
}

static jnode *parse_compare(parser *ps) {
    jnode *e = parse_math1(ps);
    for (;;) {
        tok *t = peek(ps);
        int op = is_op(t, "==")     ? JB_EQ
                 : is_op(t, "!=")   ? JB_NE
                 : is_op(t, "<")    ? JB_LT
                 : is_op(t, ">")    ? JB_GT
                 : is_op(t, "<=")   ? JB_LE
                 : is_op(t, ">=")   ? JB_GE
                 : is_name(t, "in") ? JB_IN
                                    : -1;
        if (op < 0 && is_name(t, "not") && is_name(&ps->toks[ps->pos + 1], "in")) {
            op = JB_NOTIN;
            ps->pos++;
        }
        if (op < 0 || !e) return e;
        ps->pos++;
        e = bin(ps, op, e, parse_math1(ps), t->line);
    }
}

static jnode *parse_not(parser *ps) {
    tok *t = peek(ps);
    if (is_name(t, "not")) {
        ps->pos++;
        jnode *x = parse_expr_depth_guard(ps) ? NULL : parse_not(ps);
        ps->depth--;
        if (!x) return NULL;
        jnode *n = new_node(ps, JN_NOT, t->line);
        if (n) n->a = x;
        return n;
    }
    return parse_compare(ps);
}

static jnode *parse_logic(parser *ps, int is_or) {
    jnode *e = is_or ? parse_logic(ps, 0) : parse_not(ps);
    const char *kw = is_or ? "or" : "and";
    while (e && is_name(peek(ps), kw)) {
        int line = next(ps)->line;
        jnode *r = is_or ? parse_logic(ps, 0) : parse_not(ps);
        if (!r) return NULL;
        jnode *n = new_node(ps, is_or ? JN_OR : JN_AND, line);
        if (!n) return NULL;
        n->a = e;
        n->b = r;
        e = n;
    }
    return e;
}

static jnode *parse_expr_inner(parser *ps, int no_cond);

static jnode *parse_expr(parser *ps, int no_cond) {
    if (++ps->depth > MAX_DEPTH) {
        jinja_perr(ps, peek(ps)->line, "expressions nested too deeply");
        return NULL;
    }
    jnode *e = parse_expr_inner(ps, no_cond);
    ps->depth--;
    return e;
}

static jnode *parse_expr_inner(parser *ps, int no_cond) {
    jnode *e = parse_logic(ps, 1);
    while (e && !no_cond && is_name(peek(ps), "if")) {
        int line = next(ps)->line;
        jnode *n = new_node(ps, JN_COND, line);
        if (!n) return NULL;
        n->b = e;
        if (!(n->a = parse_logic(ps, 1))) return NULL;
        if (is_name(peek(ps), "else")) {
            ps->pos++;
            if (!(n->c = parse_expr(ps, 1))) return NULL;
        }
        e = n;
    }
    return e;
}

/* --- statements ---------------------------------------------------------------------------- */

/* Parses statements until a {% kw %} whose keyword is one of stops (NULL-terminated) or the end.
 * On return *stop is the matching keyword token (the position is just after it), or NULL at
 * the end of the template. */
static jnode *parse_block(parser *ps, const char *const *stops, tok **stop);

static int expect_bend(parser *ps) {
    if (peek(ps)->k == TK_BEND) {
        ps->pos++;
        return 0;
    }
    jinja_perr(ps, peek(ps)->line, "expected '%}'");
    return -1;
}

static jnode *parse_if(parser *ps, int line) {
    static const char *const stops[] = {"elif", "else", "endif", NULL};
    jnode *n = new_node(ps, JN_IF, line);
    tok *stop = NULL;
    if (!n || !(n->a = parse_expr(ps, 0)) || expect_bend(ps)) return NULL;
    if (!(n->b = parse_block(ps, stops, &stop))) return NULL;
    if (!stop) return jinja_perr(ps, line, "'if' without 'endif'"), NULL;
    if (is_name(stop, "elif")) {
        if (parse_expr_depth_guard(ps)) return NULL; /* an elif chain nests: count it */
        n->c = parse_if(ps, stop->line);
        ps->depth--;
        return n->c ? n : NULL;
    }
    if (is_name(stop, "else")) {
        static const char *const end[] = {"endif", NULL};
        if (expect_bend(ps) || !(n->c = parse_block(ps, end, &stop))) return NULL;
        if (!stop) return jinja_perr(ps, line, "'if' without 'endif'"), NULL;
    }
    return expect_bend(ps) ? NULL : n;
}

static jnode *parse_for(parser *ps, int line) {
    static const char *const stops[] = {"else", "endfor", NULL};
    jnode *n = new_node(ps, JN_FOR, line);
    tok *stop = NULL;
    if (!n) return NULL;
    tok *v = next(ps);
    if (v->k != TK_NAME) return jinja_perr(ps, line, "expected a loop variable"), NULL;
    n->name = tok_name(ps, v);
    if (accept_op(ps, ",")) {
        tok *v2 = next(ps);
        if (v2->k != TK_NAME) return jinja_perr(ps, line, "expected a loop variable"), NULL;
        n->name2 = tok_name(ps, v2);
    }
    if (!is_name(next(ps), "in")) return jinja_perr(ps, line, "expected 'in'"), NULL;
    if (!(n->a = parse_expr(ps, 1))) return NULL;
    if (is_name(peek(ps), "if")) {
        ps->pos++;
        if (!(n->d = parse_expr(ps, 1))) return NULL;
    }
    if (expect_bend(ps) || !(n->b = parse_block(ps, stops, &stop))) return NULL;
    if (!stop) return jinja_perr(ps, line, "'for' without 'endfor'"), NULL;
    if (is_name(stop, "else")) {
        static const char *const end[] = {"endfor", NULL};
        if (expect_bend(ps) || !(n->c = parse_block(ps, end, &stop))) return NULL;
        if (!stop) return jinja_perr(ps, line, "'for' without 'endfor'"), NULL;
    }
    return expect_bend(ps) ? NULL : n;
}

static jnode *parse_set(parser *ps, int line) {
    jnode *n = new_node(ps, JN_SET, line);
    if (!n) return NULL;
    tok *v = next(ps);
    if (v->k != TK_NAME) return jinja_perr(ps, line, "expected a name after 'set'"), NULL;
    n->name = tok_name(ps, v);
    if (accept_op(ps, ".")) {
        tok *at = next(ps);
        if (at->k != TK_NAME) return jinja_perr(ps, line, "expected an attribute name"), NULL;
        n->attr = tok_name(ps, at);
    }
    if (!is_op(peek(ps), "="))
        return jinja_perr(ps, line, "block 'set' (without '=') is not supported"), NULL;
    ps->pos++;
    if (!(n->a = parse_expr(ps, 0)) || expect_bend(ps)) return NULL;
    return n;
}

static jnode *parse_block_inner(parser *ps, const char *const *stops, tok **stop);

static jnode *parse_block(parser *ps, const char *const *stops, tok **stop) {
    *stop = NULL;
    if (++ps->depth > MAX_DEPTH) {
        jinja_perr(ps, peek(ps)->line, "blocks nested too deeply");
        return NULL;
    }
    jnode *b = parse_block_inner(ps, stops, stop);
    ps->depth--;
    return b;
}

static jnode *parse_block_inner(parser *ps, const char *const *stops, tok **stop) {
    jnode *blk = new_node(ps, JN_BLOCK, peek(ps)->line);
    size_t cap = 0;
    *stop = NULL;
    if (!blk) return NULL;
    for (;;) {
        tok *t = next(ps);
        jnode *n = NULL;
        if (t->k == TK_EOF) return blk;
        if (t->k == TK_TEXT) {
            if (!(n = new_node(ps, JN_TEXT, t->line))) return NULL;
            n->lit.t = JV_STR;
            n->lit.u.s.p = t->p;
            n->lit.u.s.n = t->n;
        } else if (t->k == TK_VBEG) {
            if (!(n = new_node(ps, JN_OUT, t->line)) || !(n->a = parse_expr(ps, 0))) return NULL;
            if (peek(ps)->k != TK_VEND) return jinja_perr(ps, t->line, "expected '}}'"), NULL;
            ps->pos++;
        } else if (t->k == TK_BBEG) {
            tok *kw = next(ps);
            if (kw->k != TK_NAME) return jinja_perr(ps, kw->line, "expected a tag name"), NULL;
            for (size_t i = 0; stops && stops[i]; i++)
                if (is_name(kw, stops[i])) {
                    *stop = kw;
                    return blk;
                }
            if (is_name(kw, "if"))
                n = parse_if(ps, kw->line);
            else if (is_name(kw, "for"))
                n = parse_for(ps, kw->line);
            else if (is_name(kw, "set"))
                n = parse_set(ps, kw->line);
            else {
                char msg[96];
                snprintf(msg, sizeof msg, "unexpected or unsupported tag '%.*s'", (int)kw->n,
                         kw->p);
                jinja_perr(ps, kw->line, msg);
            }
            if (!n) return NULL;
        } else {
            jinja_perr(ps, t->line, "unexpected token");
            return NULL;
        }
        if (add_kid(ps, blk, n, NULL, &cap)) return NULL;
    }
}

grt_status jinja_parse(const char *tmpl, jinja_arena *arena, jnode **root) {
    parser ps;
    memset(&ps, 0, sizeof ps);
    ps.a = arena;
    ps.src = tmpl;
    ps.len = strlen(tmpl);
    *root = NULL;
    if (jinja_lex(&ps)) return ps.st ? ps.st : jinja_oom(&ps);
    tok *stop = NULL;
    jnode *r = parse_block(&ps, NULL, &stop);
    if (!r) return ps.st ? ps.st : jinja_oom(&ps);
    *root = r;
    return GRT_OK;
}
