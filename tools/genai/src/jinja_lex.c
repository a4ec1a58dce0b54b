/*
 * tools/genai/src/jinja_lex.c - lexer of the Jinja subset: splits a template into text and tag
 * tokens. Whitespace follows Hugging Face's chat-template environment: trim_blocks (the newline
 * after a block or comment tag is dropped) and lstrip_blocks (spaces and tabs before a block tag
 * at the start of a line are dropped), plus explicit '-' whitespace control.
 *
 * Ownership: tokens and decoded strings live in the arena. Single-threaded.
 */
#include "jinja_lex.h"

#include "generate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

grt_status jinja_perr(parser *ps, int line, const char *what) {
    if (!ps->st) ps->st = grt_gen_error(GRT_ERROR_FORMAT, "chat template line %d: %s", line, what);
    return ps->st;
}

grt_status jinja_oom(parser *ps) {
    if (!ps->st) ps->st = grt_gen_error(GRT_ERROR_OUT_OF_MEMORY, "chat template: out of memory");
    return ps->st;
}

static tok *push_tok(parser *ps, tok_kind k, const char *p, size_t n) {
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 256;
        tok *t = jinja_alloc(ps->a, cap * sizeof *t);
        if (!t) {
            jinja_oom(ps);
            return NULL;
        }
        if (ps->n) memcpy(t, ps->toks, ps->n * sizeof *t);
        ps->toks = t;
        ps->cap = cap;
    }
    tok *t = &ps->toks[ps->n++];
    memset(t, 0, sizeof *t);
    t->k = k;
    t->p = p;
    t->n = n;
    t->line = ps->line;
    return t;
}

static int is_ws(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
static int is_id0(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static int is_dig(char c) { return c >= '0' && c <= '9'; }

static void count_lines(parser *ps, size_t from, size_t to) {
    for (size_t i = from; i < to; i++)
        if (ps->src[i] == '\n') ps->line++;
}

/* Text between tags with whitespace control applied. prev: 0 none/expr, 1 block/comment tag
 * (trim_blocks), 2 a tag ending with '-'. next: 0 none/expr, 1 block/comment (lstrip_blocks), 2
 * a tag starting with '-'. */
static void emit_text(parser *ps, size_t b, size_t e, int prev, int next) {
    const char *s = ps->src;
    if (next == 2) {
        while (e > b && is_ws(s[e - 1]))
            e--;
    } else if (next == 1) {
        size_t k = e;
        while (k > b && (s[k - 1] == ' ' || s[k - 1] == '\t'))
            k--;
        if ((k > b && s[k - 1] == '\n') || (k == b && b == 0)) e = k;
    }
    if (prev == 2) {
        while (b < e && is_ws(s[b]))
            b++;
    } else if (prev == 1) {
        if (b < e && s[b] == '\n')
            b++;
        else if (b + 1 < e && s[b] == '\r' && s[b + 1] == '\n')
            b += 2;
    }
    if (e > b) push_tok(ps, TK_TEXT, s + b, e - b);
}

/* Decodes a string literal starting at src[*i] (a quote); advances *i past it. */
static int lex_string(parser *ps, size_t *i) {
    const char *s = ps->src;
    char q = s[*i];
    size_t j = *i + 1;
    char *buf = jinja_alloc(ps->a, ps->len - *i + 1);
    size_t n = 0;
    if (!buf) return jinja_oom(ps), -1;
    while (j < ps->len && s[j] != q) {
        char c = s[j];
        if (c == '\n') ps->line++;
        if (c == '\\' && j + 1 < ps->len) {
            char d = s[++j];
            switch (d) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case '0': c = '\0'; break;
            case '\\':
            case '\'':
            case '"': c = d; break;
            case '\n': j++; continue; /* line continuation */
            default:
                buf[n++] = '\\';
                c = d;
                break;
            }
        }
        buf[n++] = c;
        j++;
    }
    if (j >= ps->len) return jinja_perr(ps, ps->line, "unterminated string literal"), -1;
    buf[n] = '\0';
    tok *t = push_tok(ps, TK_STR, buf, n);
    if (!t) return -1;
    t->lit.t = JV_STR;
    t->lit.u.s.p = buf;
    t->lit.u.s.n = n;
    *i = j + 1;
    return 0;
}

static const char *const k_ops[] = {"==", "!=", "<=", ">=", "//", "**", "<", ">", "+",
                                    "-",  "*",  "/",  "%",  "~",  "|",  ".", ",", ":",
                                    "(",  ")",  "[",  "]",  "{",  "}",  "="};

/* Lexes the inside of a tag from src[*i] to its end marker ("}}" or "%}", optionally "-"-
 * prefixed). *strip_right is set when the end marker starts with '-'. */
static int lex_tag(parser *ps, size_t *i, char endc, int *strip_right) {
    const char *s = ps->src;
    size_t j = *i;
    for (;;) {
        while (j < ps->len && is_ws(s[j])) {
            if (s[j] == '\n') ps->line++;
            j++;
        }
        if (j >= ps->len) return jinja_perr(ps, ps->line, "tag not closed"), -1;
        if (s[j] == '-' && j + 2 < ps->len + 0 && s[j + 1] == endc && s[j + 2] == '}') {
            *strip_right = 1;
            *i = j + 3;
            return 0;
        }
        if (s[j] == endc && j + 1 < ps->len && s[j + 1] == '}') {
            *strip_right = 0;
            *i = j + 2;
            return 0;
        }
        char c = s[j];
        if (c == '\'' || c == '"') {
            if (lex_string(ps, &j)) return -1;
        } else if (is_id0(c)) {
            size_t b = j;
            while (j < ps->len && (is_id0(s[j]) || is_dig(s[j])))
                j++;
            if (!push_tok(ps, TK_NAME, s + b, j - b)) return -1;
        } else if (is_dig(c)) {
            size_t b = j;
            int is_float = 0;
            while (j < ps->len && is_dig(s[j]))
                j++;
            if (j + 1 < ps->len && s[j] == '.' && is_dig(s[j + 1])) {
                is_float = 1;
                j++;
                while (j < ps->len && is_dig(s[j]))
                    j++;
            }
            tok *t = push_tok(ps, is_float ? TK_FLOAT : TK_INT, s + b, j - b);
            if (!t) return -1;
            char num[64];
            size_t n = j - b < sizeof num - 1 ? j - b : sizeof num - 1;
            memcpy(num, s + b, n);
            num[n] = '\0';
            if (is_float) {
                t->lit.t = JV_FLOAT;
                t->lit.u.f = strtod(num, NULL);
            } else {
                t->lit = jv_int(strtoll(num, NULL, 10));
            }
        } else {
            size_t k;
            for (k = 0; k < sizeof k_ops / sizeof k_ops[0]; k++) {
                size_t n = strlen(k_ops[k]);
                if (j + n <= ps->len && !memcmp(s + j, k_ops[k], n)) break;
            }
            if (k == sizeof k_ops / sizeof k_ops[0])
                return jinja_perr(ps, ps->line, "unexpected character"), -1;
            size_t n = strlen(k_ops[k]);
            if (!push_tok(ps, TK_OP, s + j, n)) return -1;
            j += n;
        }
    }
}

int jinja_lex(parser *ps) {
    const char *s = ps->src;
    size_t i = 0;
    int prev = 0;
    ps->line = 1;
    while (i < ps->len) {
        size_t t = i;
        while (t + 1 < ps->len &&
               !(s[t] == '{' && (s[t + 1] == '{' || s[t + 1] == '%' || s[t + 1] == '#')))
            t++;
        if (t + 1 >= ps->len) { /* no more tags */
            emit_text(ps, i, ps->len, prev, 0);
            count_lines(ps, i, ps->len);
            break;
        }
        char kind = s[t + 1];
        int strip_left = t + 2 < ps->len && s[t + 2] == '-';
        int plus = t + 2 < ps->len && s[t + 2] == '+';
        int next = strip_left ? 2 : (kind != '{' && !plus) ? 1 : 0;
        int line0 = ps->line;
        emit_text(ps, i, t, prev, next);
        ps->line = line0;
        count_lines(ps, i, t);
        if (ps->st) return -1;
        size_t j = t + 2 + (strip_left || plus);
        int strip_right = 0;
        if (kind == '#') {
            const char *e = strstr(s + j, "#}");
            if (!e) return jinja_perr(ps, ps->line, "comment not closed"), -1;
            size_t ei = (size_t)(e - s);
            strip_right = ei > j && s[ei - 1] == '-';
            count_lines(ps, j, ei);
            i = ei + 2;
            prev = strip_right ? 2 : 1;
            continue;
        }
        if (!push_tok(ps, kind == '{' ? TK_VBEG : TK_BBEG, s + t, 2)) return -1;
        if (lex_tag(ps, &j, kind == '{' ? '}' : '%', &strip_right)) return -1;
        if (!push_tok(ps, kind == '{' ? TK_VEND : TK_BEND, s + j - 2, 2)) return -1;
        i = j;
        prev = strip_right ? 2 : kind == '%' ? 1 : 0;
    }
    return push_tok(ps, TK_EOF, s + ps->len, 0) ? 0 : -1;
}
