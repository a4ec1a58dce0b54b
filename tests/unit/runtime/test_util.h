/*
 * tests/unit/runtime/test_util.h - tiny assertion helpers for the runtime unit tests: CHECK
 * counts failures and prints the failing expression with the last GenRT error; main returns
 * test_summary(). Single-threaded use.
 */
#ifndef GENRT_TEST_RUNTIME_UTIL_H
#define GENRT_TEST_RUNTIME_UTIL_H

#include <stdio.h>
#include <string.h>

#include <genrt/status.h>

static int g_failures;
static int g_checks;

#define CHECK(cond)                                                                          \
    do {                                                                                     \
        g_checks++;                                                                          \
        if (!(cond)) {                                                                       \
            g_failures++;                                                                    \
            fprintf(stderr, "%s:%d: CHECK failed: %s (last error: %s)\n", __FILE__, __LINE__, \
                    #cond, grt_last_error());                                                \
        }                                                                                    \
    } while (0)

/* Status equality plus, if `needle` is non-NULL, a substring of the last error message. */
#define CHECK_ST(expr, want, needle)                                                         \
    do {                                                                                     \
        grt_status st_ = (expr);                                                             \
        g_checks++;                                                                          \
        if (st_ != (want) || ((needle) && !strstr(grt_last_error(), (needle) ? (needle) : ""))) { \
            g_failures++;                                                                    \
            fprintf(stderr, "%s:%d: %s returned %s (want %s), message '%s' (want '%s')\n",    \
                    __FILE__, __LINE__, #expr, grt_status_str(st_), grt_status_str(want),      \
                    grt_last_error(), (needle) ? (needle) : "");                             \
        }                                                                                    \
    } while (0)

static int test_summary(const char *name) {
    printf("%s: %d checks, %d failed\n", name, g_checks, g_failures);
    return g_failures ? 1 : 0;
}

#endif
