/* util/error.c - last-error slot, log sink, status names, element type helpers, version. */
#include "error.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef GENRT_VERSION_STRING
#define GENRT_VERSION_STRING "0.1.0"
#endif
#ifndef GENRT_BUILD_STRING
#define GENRT_BUILD_STRING "unknown"
#endif

#define GRT_ERROR_MAX 1024

static _Thread_local char g_last_error[GRT_ERROR_MAX];
/* The log sink: written by grt_set_log_callback, read by logging threads (a mutex keeps the
 * function/user pair consistent and lets the setter know no thread still uses the old one). */
static grt_log_fn g_log_fn;
static void *g_log_user;
static pthread_mutex_t g_log_lock = PTHREAD_MUTEX_INITIALIZER;

const char *grt_status_str(grt_status status) {
    switch (status) {
    case GRT_OK: return "GRT_OK";
    case GRT_ERROR_INVALID_ARGUMENT: return "GRT_ERROR_INVALID_ARGUMENT";
    case GRT_ERROR_OUT_OF_MEMORY: return "GRT_ERROR_OUT_OF_MEMORY";
    case GRT_ERROR_NOT_FOUND: return "GRT_ERROR_NOT_FOUND";
    case GRT_ERROR_NOT_SUPPORTED: return "GRT_ERROR_NOT_SUPPORTED";
    case GRT_ERROR_IO: return "GRT_ERROR_IO";
    case GRT_ERROR_FORMAT: return "GRT_ERROR_FORMAT";
    case GRT_ERROR_SHAPE: return "GRT_ERROR_SHAPE";
    case GRT_ERROR_DEVICE: return "GRT_ERROR_DEVICE";
    case GRT_ERROR_ABI: return "GRT_ERROR_ABI";
    case GRT_ERROR_INTERNAL: return "GRT_ERROR_INTERNAL";
    case GRT_ERROR_BUSY: return "GRT_ERROR_BUSY";
    case GRT_ERROR_CANCELLED: return "GRT_ERROR_CANCELLED";
    case GRT_ERROR_TIMEOUT: return "GRT_ERROR_TIMEOUT";
    }
    return "GRT_ERROR_UNKNOWN";
}

const char *grt_last_error(void) { return g_last_error; }

void grt_clear_error(void) { g_last_error[0] = '\0'; }

grt_status grt_error(grt_status status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_last_error, sizeof g_last_error, fmt, ap);
    va_end(ap);
    return status;
}

grt_status grt_error_wrap(grt_status status, const char *fmt, ...) {
    char prefix[GRT_ERROR_MAX], old[GRT_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, g_last_error, sizeof old);
    size_t n = strlen(prefix);
    if (n > GRT_ERROR_MAX - 3) n = GRT_ERROR_MAX - 3;
    memcpy(g_last_error, prefix, n);
    memcpy(g_last_error + n, ": ", 2);
    size_t m = strnlen(old, GRT_ERROR_MAX - 1);
    if (m > GRT_ERROR_MAX - 1 - n - 2) m = GRT_ERROR_MAX - 1 - n - 2;
    memcpy(g_last_error + n + 2, old, m);
    g_last_error[n + 2 + m] = '\0';
    return status;
}

grt_status grt_set_last_error(grt_status status, const char *message) {
    return grt_host_set_error(status, message);
}

grt_status grt_host_set_error(grt_status status, const char *message) {
    snprintf(g_last_error, sizeof g_last_error, "%s", message ? message : "");
    return status;
}

static int env_log_level(void) {
    const char *e = getenv("GENRT_LOG");
    if (!e || !*e) return -1;
    if (!strcmp(e, "error")) return GRT_LOG_ERROR;
    if (!strcmp(e, "info")) return GRT_LOG_INFO;
    if (!strcmp(e, "debug")) return GRT_LOG_DEBUG;
    return GRT_LOG_WARNING;
}

void grt_host_log(grt_log_level level, const char *component, const char *message) {
    pthread_mutex_lock(&g_log_lock);
    if (g_log_fn) {
        g_log_fn(g_log_user, (int)level, component ? component : "genrt", message ? message : "");
        pthread_mutex_unlock(&g_log_lock);
        return;
    }
    pthread_mutex_unlock(&g_log_lock);
    if ((int)level <= env_log_level()) {
        static const char *names[] = {"error", "warning", "info", "debug"};
        fprintf(stderr, "[genrt %s] %s: %s\n", names[level & 3], component ? component : "genrt",
                message ? message : "");
    }
}

void grt_log(grt_log_level level, const char *component, const char *fmt, ...) {
    char msg[GRT_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    grt_host_log(level, component, msg);
}

void grt_set_log_callback(grt_log_fn fn, void *user) {
    pthread_mutex_lock(&g_log_lock);
    g_log_fn = fn;
    g_log_user = user;
    pthread_mutex_unlock(&g_log_lock);
}

const grt_version *grt_get_version(void) {
    static const grt_version v = {0, 1, 0, GRT_ABI_MAJOR, GRT_ABI_MINOR, GENRT_VERSION_STRING,
                                  GENRT_BUILD_STRING};
    return &v;
}

void grt_free(void *ptr) { free(ptr); }

void grt_value_clear(grt_value *value) {
    if (!value) return;
    if (value->type == GRT_VALUE_STRING) {
        free((void *)value->u.s);
    } else if (value->type == GRT_VALUE_STRING_LIST) {
        for (size_t i = 0; i < value->u.list.count; i++) free((void *)value->u.list.items[i]);
        free((void *)value->u.list.items);
    }
    memset(value, 0, sizeof *value);
}

static const struct {
    const char *name;
    size_t bits;
} k_types[GRT_ELEMENT_TYPE_COUNT_V1] = {
    [GRT_UNDEFINED] = {"undefined", 0}, [GRT_F32] = {"f32", 32}, [GRT_F16] = {"f16", 16},
    [GRT_BF16] = {"bf16", 16},          [GRT_I64] = {"i64", 64}, [GRT_I32] = {"i32", 32},
    [GRT_I8] = {"i8", 8},               [GRT_U8] = {"u8", 8},    [GRT_I4] = {"i4", 4},
    [GRT_U4] = {"u4", 4},               [GRT_BOOLEAN] = {"boolean", 8},
};

size_t grt_element_type_bits(grt_element_type type) {
    return ((unsigned)type < GRT_ELEMENT_TYPE_COUNT_V1) ? k_types[type].bits : 0;
}

const char *grt_element_type_name(grt_element_type type) {
    return ((unsigned)type < GRT_ELEMENT_TYPE_COUNT_V1) ? k_types[type].name : "undefined";
}

grt_status grt_element_type_from_name(const char *name, grt_element_type *out) {
    if (!name || !out) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "element type: NULL argument");
    for (unsigned i = 1; i < GRT_ELEMENT_TYPE_COUNT_V1; i++) {
        if (!strcmp(name, k_types[i].name)) {
            *out = (grt_element_type)i;
            return GRT_OK;
        }
    }
    return grt_error(GRT_ERROR_INVALID_ARGUMENT, "unknown element type '%s'", name);
}

size_t grt_element_bytes(grt_element_type type, size_t count, int *ok) {
    size_t bits = grt_element_type_bits(type);
    if (bits == 0 || (count > 0 && count > (SIZE_MAX - 7) / bits)) {
        if (ok) *ok = 0;
        return 0;
    }
    if (ok) *ok = 1;
    return (count * bits + 7) / 8;
}
