/*
 * runtime/strlist.h - a growable list of owned strings (device names, skip reasons, path
 * entries). Not synchronised: the owning object guards it.
 */
#ifndef GENRT_RUNTIME_STRLIST_H
#define GENRT_RUNTIME_STRLIST_H

#include <stddef.h>

#include <genrt/types.h>

typedef struct grt_strlist {
    char **items; /* items[count], each owned */
    size_t count, cap;
} grt_strlist;

/* Appends a copy of s / a formatted string. Errors: OUT_OF_MEMORY. */
grt_status grt_strlist_push(grt_strlist *l, const char *s);
grt_status grt_strlist_pushf(grt_strlist *l, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* 1 if the list holds a string equal to s. */
int grt_strlist_contains(const grt_strlist *l, const char *s);
/* Sorts by strcmp. */
void grt_strlist_sort(grt_strlist *l);
/* Frees every string and the array; the list is empty afterwards. NULL is a no-op. */
void grt_strlist_free(grt_strlist *l);

#endif
