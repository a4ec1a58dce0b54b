/*
 * tools/genai/src/generate.h - internal helpers of the generation code (sampling.c, generate.c,
 * chat_template.c, jinja*.c): the formatted error helper and the stop-string matcher.
 *
 * The stop matcher holds back streamed text that could still become a stop string: text is pushed
 * as it is detokenized, and only the part that can no longer be the start of a stop string is
 * released. Ownership: a matcher owns its buffers (init/free pair). Single-threaded.
 */
#ifndef GENRT_GENAI_GENERATE_INTERNAL_H
#define GENRT_GENAI_GENERATE_INTERNAL_H

#include <genrt/generate.h>

#include <stddef.h>

#if defined(__GNUC__)
#define GRT_GEN_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define GRT_GEN_PRINTF(a, b)
#endif

/* Formats the message into the thread's last-error slot (grt_set_last_error); returns status. */
grt_status grt_gen_error(grt_status status, const char *fmt, ...) GRT_GEN_PRINTF(2, 3);

typedef struct grt_stop_matcher {
    const char *const *stops; /* borrowed stop strings [n_stops] (empty ones are ignored) */
    size_t n_stops;
    char *pending; /* text not yet released [len], capacity cap */
    size_t len, cap;
} grt_stop_matcher;

void grt_stop_matcher_init(grt_stop_matcher *m, const char *const *stops, size_t n_stops);
void grt_stop_matcher_free(grt_stop_matcher *m);
/* Appends text[n]. *release receives how many bytes from the start of m->pending are final
 * (the caller reads them, then calls grt_stop_matcher_consume). *stopped is set to 1 when a stop
 * string appeared: then *release is the text before it and the rest must be dropped.
 * Errors: OUT_OF_MEMORY. */
grt_status grt_stop_matcher_push(grt_stop_matcher *m, const char *text, size_t n, size_t *release,
                                 int *stopped);
/* Drops the first n pending bytes. */
void grt_stop_matcher_consume(grt_stop_matcher *m, size_t n);

#endif
