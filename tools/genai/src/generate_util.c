/*
 * tools/genai/src/generate_util.c - small pieces of the generation code with no model or
 * tokenizer dependency: the formatted error helper and the stop-string matcher (generate.h).
 * Threading: the error goes to the calling thread's last-error slot; a matcher is used by one
 * thread.
 */
#include "generate.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

grt_status grt_gen_error(grt_status status, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return grt_set_last_error(status, msg);
}

/* --- stop strings ------------------------------------------------------------------------- */

void grt_stop_matcher_init(grt_stop_matcher *m, const char *const *stops, size_t n_stops) {
    memset(m, 0, sizeof *m);
    m->stops = stops;
    m->n_stops = stops ? n_stops : 0;
}

void grt_stop_matcher_free(grt_stop_matcher *m) {
    free(m->pending);
    memset(m, 0, sizeof *m);
}

void grt_stop_matcher_consume(grt_stop_matcher *m, size_t n) {
    if (n > m->len) n = m->len;
    memmove(m->pending, m->pending + n, m->len - n);
    m->len -= n;
}

static const char *find_bytes(const char *hay, size_t n, const char *needle, size_t k) {
    if (k > n) return NULL;
    for (size_t i = 0; i + k <= n; i++)
        if (hay[i] == needle[0] && !memcmp(hay + i, needle, k)) return hay + i;
    return NULL;
}

grt_status grt_stop_matcher_push(grt_stop_matcher *m, const char *text, size_t n, size_t *release,
                                 int *stopped) {
    *stopped = 0;
    *release = 0;
    if (m->len + n + 1 > m->cap) {
        size_t cap = m->cap ? m->cap : 64;
        while (cap < m->len + n + 1)
            cap *= 2;
        char *p = realloc(m->pending, cap);
        if (!p) return grt_gen_error(GRT_ERROR_OUT_OF_MEMORY, "generate: no memory for text");
        m->pending = p;
        m->cap = cap;
    }
    if (n) memcpy(m->pending + m->len, text, n);
    m->len += n;
    m->pending[m->len] = '\0';

    size_t first = m->len; /* earliest stop string occurrence */
    for (size_t i = 0; i < m->n_stops; i++) {
        size_t k = m->stops[i] ? strlen(m->stops[i]) : 0;
        if (!k) continue;
        const char *hit = find_bytes(m->pending, m->len, m->stops[i], k);
        if (hit && (size_t)(hit - m->pending) < first) first = (size_t)(hit - m->pending);
    }
    if (first < m->len) {
        *stopped = 1;
        *release = first;
        return GRT_OK;
    }
    /* hold back the longest tail that is a proper prefix of some stop string */
    size_t hold = 0;
    for (size_t i = 0; i < m->n_stops; i++) {
        size_t k = m->stops[i] ? strlen(m->stops[i]) : 0;
        for (size_t t = (k ? k - 1 : 0); t > hold; t--) {
            if (t <= m->len && !memcmp(m->pending + m->len - t, m->stops[i], t)) {
                hold = t;
                break;
            }
        }
    }
    *release = m->len - hold;
    return GRT_OK;
}
