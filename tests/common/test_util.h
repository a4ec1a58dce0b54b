/*
 * tests/common/test_util.h - shared assertion helpers for the unit tests (runtime, cpu, ...):
 * every CHECK* macro counts a check, and on failure counts a failure and prints file:line, what
 * failed and (unless TEST_UTIL_NO_GENRT is defined before the include, for tests that do not
 * link libgenrt) the last GenRT error, then keeps going. main returns test_summary(name) or
 * uses TEST_EXIT(name). Header-only, one copy of the counters per test executable;
 * single-threaded use (CHECK from several threads at once would race on the counters).
 *
 *   CHECK(cond)                    the expression is printed
 *   CHECKF(cond, fmt, ...)         a printf-style message is printed
 *   CHECK_ST(call, want)           status equality
 *   CHECK_OK(call)                 CHECK_ST(call, GRT_OK)
 *   CHECK_MSG(text)                the last error mentions text
 *   CHECK_ERR(expr, want, needle)  status equality and, if needle is non-NULL, the last error
 *                                  mentions needle
 * and (with GenRT) test_unary_model, test_core_has_device, test_shape, test_shape_is.
 */
#ifndef GENRT_TESTS_COMMON_TEST_UTIL_H
#define GENRT_TESTS_COMMON_TEST_UTIL_H

#include <stdio.h>
#include <string.h>

#ifndef TEST_UTIL_NO_GENRT
#include <genrt/genrt.h>
#define TEST_LAST_ERROR() grt_last_error()
#else
#define TEST_LAST_ERROR() "n/a"
#endif

static int g_failures;
static int g_checks;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        g_checks++;                                                                                \
        if (!(cond)) {                                                                             \
            g_failures++;                                                                          \
            fprintf(stderr, "%s:%d: CHECK failed: %s (last error: %s)\n", __FILE__, __LINE__,      \
                    #cond, TEST_LAST_ERROR());                                                     \
        }                                                                                          \
    } while (0)

#define CHECKF(cond, ...)                                                                          \
    do {                                                                                           \
        g_checks++;                                                                                \
        if (!(cond)) {                                                                             \
            g_failures++;                                                                          \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                   \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fprintf(stderr, " [last error: %s]\n", TEST_LAST_ERROR());                             \
        }                                                                                          \
    } while (0)

#ifndef TEST_UTIL_NO_GENRT
#define CHECK_ST(call, want)                                                                       \
    do {                                                                                           \
        grt_status st_ = (call);                                                                   \
        g_checks++;                                                                                \
        if (st_ != (want)) {                                                                       \
            g_failures++;                                                                          \
            fprintf(stderr, "%s:%d: %s returned %s, want %s (last error: %s)\n", __FILE__,         \
                    __LINE__, #call, grt_status_str(st_), grt_status_str(want), grt_last_error()); \
        }                                                                                          \
    } while (0)

#define CHECK_OK(call) CHECK_ST(call, GRT_OK)

#define CHECK_MSG(text)                                                                            \
    do {                                                                                           \
        g_checks++;                                                                                \
        if (!strstr(grt_last_error(), (text))) {                                                   \
            g_failures++;                                                                          \
            fprintf(stderr, "%s:%d: last error '%s' lacks '%s'\n", __FILE__, __LINE__,             \
                    grt_last_error(), (text));                                                     \
        }                                                                                          \
    } while (0)

#define CHECK_ERR(expr, want, needle)                                                              \
    do {                                                                                           \
        grt_status st_ = (expr);                                                                   \
        g_checks++;                                                                                \
        if (st_ != (want) || ((needle) && !strstr(grt_last_error(), (needle) ? (needle) : ""))) { \
            g_failures++;                                                                          \
            fprintf(stderr, "%s:%d: %s returned %s (want %s), message '%s' (want '%s')\n",         \
                    __FILE__, __LINE__, #expr, grt_status_str(st_), grt_status_str(want),          \
                    grt_last_error(), (needle) ? (needle) : "");                                   \
        }                                                                                          \
    } while (0)

/* Model `name`: Parameter x (f32, rank/dims) -> op (node `node_name`) -> Result y; NULL (message
 * on stderr) on failure. */
static inline grt_model *test_unary_model(const char *name, grt_op_type op, const char *node_name,
                                          size_t rank, const int64_t *dims) {
    grt_model *m = NULL;
    grt_port x;
    uint32_t node = 0;
    if (grt_model_create(name, &m) != GRT_OK) return NULL;
    if (grt_model_add_parameter(m, "x", GRT_F32, rank, dims, &x) != GRT_OK ||
        grt_model_add_op(m, op, node_name, 1, &x, 0, NULL, &node) != GRT_OK ||
        grt_model_add_result(m, "y", (grt_port){node, 0}) != GRT_OK) {
        fprintf(stderr, "building model '%s' failed: %s\n", name, grt_last_error());
        grt_model_destroy(m);
        return NULL;
    }
    return m;
}

/* 1 if `core` lists device `name` (e.g. "CPU") among its available devices. */
static inline int test_core_has_device(grt_core *core, const char *name) {
    const char *const *names = NULL;
    size_t n = 0;
    if (grt_core_available_devices(core, &names, &n) != GRT_OK) return 0;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(names[i], name)) return 1;
    return 0;
}

/* A shape of `rank` dims (unused dims zero). */
static inline grt_shape test_shape(size_t rank, const int64_t *dims) {
    grt_shape s;
    memset(&s, 0, sizeof s);
    s.rank = (uint32_t)rank;
    for (size_t i = 0; i < rank; i++) s.dims[i] = dims[i];
    return s;
}

/* 1 if *s has exactly `rank` dims equal to dims. */
static inline int test_shape_is(const grt_shape *s, size_t rank, const int64_t *dims) {
    if (s->rank != rank) return 0;
    for (size_t i = 0; i < rank; i++)
        if (s->dims[i] != dims[i]) return 0;
    return 1;
}
#endif

/* Prints "name: N checks, M failed"; returns the exit code (1 if anything failed). */
static inline int test_summary(const char *name) {
    printf("%s: %d checks, %d failed\n", name, g_checks, g_failures);
    return g_failures ? 1 : 0;
}

#define TEST_EXIT(name) return test_summary(name)

#endif
