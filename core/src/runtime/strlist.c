/* runtime/strlist.c - growable list of owned strings (see strlist.h). Not synchronised. */
#include "runtime/strlist.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

static grt_status push_owned(grt_strlist *l, char *s) {
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        char **items = realloc(l->items, cap * sizeof *items);
        if (!items) {
            free(s);
            return grt_error(GRT_ERROR_OUT_OF_MEMORY, "out of memory growing a string list");
        }
        l->items = items;
        l->cap = cap;
    }
    l->items[l->count++] = s;
    return GRT_OK;
}

grt_status grt_strlist_push(grt_strlist *l, const char *s) {
    char *c = strdup(s ? s : "");
    if (!c) return grt_error(GRT_ERROR_OUT_OF_MEMORY, "out of memory copying a string");
    return push_owned(l, c);
}

grt_status grt_strlist_pushf(grt_strlist *l, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return grt_error(GRT_ERROR_INTERNAL, "bad format string");
    char *s = malloc((size_t)n + 1);
    if (!s) return grt_error(GRT_ERROR_OUT_OF_MEMORY, "out of memory formatting a string");
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return push_owned(l, s);
}

int grt_strlist_contains(const grt_strlist *l, const char *s) {
    for (size_t i = 0; i < l->count; i++) {
        if (!strcmp(l->items[i], s)) return 1;
    }
    return 0;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void grt_strlist_sort(grt_strlist *l) {
    if (l->count > 1) qsort(l->items, l->count, sizeof *l->items, cmp_str);
}

void grt_strlist_free(grt_strlist *l) {
    if (!l) return;
    for (size_t i = 0; i < l->count; i++) free(l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
}
