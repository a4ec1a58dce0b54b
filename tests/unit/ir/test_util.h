/*
 * test_util.h - tiny assertion helpers for the IR unit tests: CHECK(cond) and
 * CHECK_ST(call, status) record a failure with file:line (and the last error) and keep going;
 * TEST_EXIT() returns 1 if anything failed. Single-threaded.
 */
#ifndef GENRT_TEST_IR_UTIL_H
#define GENRT_TEST_IR_UTIL_H

#include <stdio.h>
#include <string.h>

#include <genrt/genrt.h>

static int g_failures;
static int g_checks;

#define CHECK(cond)                                                                               \
    do {                                                                                          \
        g_checks++;                                                                               \
        if (!(cond)) {                                                                            \
            g_failures++;                                                                         \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);              \
        }                                                                                         \
    } while (0)

#define CHECK_ST(call, want)                                                                      \
    do {                                                                                          \
        grt_status st_ = (call);                                                                  \
        g_checks++;                                                                               \
        if (st_ != (want)) {                                                                      \
            g_failures++;                                                                         \
            fprintf(stderr, "%s:%d: %s returned %s, want %s (last error: %s)\n", __FILE__,        \
                    __LINE__, #call, grt_status_str(st_), grt_status_str(want), grt_last_error()); \
        }                                                                                         \
    } while (0)

#define CHECK_OK(call) CHECK_ST(call, GRT_OK)

/* The last error mentions `text`. */
#define CHECK_MSG(text)                                                                           \
    do {                                                                                          \
        g_checks++;                                                                               \
        if (!strstr(grt_last_error(), (text))) {                                                  \
            g_failures++;                                                                         \
            fprintf(stderr, "%s:%d: last error '%s' lacks '%s'\n", __FILE__, __LINE__,            \
                    grt_last_error(), (text));                                                    \
        }                                                                                         \
    } while (0)

#define TEST_EXIT(name)                                                                           \
    do {                                                                                          \
        printf("%s: %d checks, %d failures\n", name, g_checks, g_failures);                       \
        return g_failures ? 1 : 0;                                                                \
    } while (0)

static inline grt_shape test_shape(size_t rank, const int64_t *dims) {
    grt_shape s;
    memset(&s, 0, sizeof s);
    s.rank = (uint32_t)rank;
    for (size_t i = 0; i < rank; i++) s.dims[i] = dims[i];
    return s;
}

static inline int shape_is(const grt_shape *s, size_t rank, const int64_t *dims) {
    if (s->rank != rank) return 0;
    for (size_t i = 0; i < rank; i++)
        if (s->dims[i] != dims[i]) return 0;
    return 1;
}

#endif
