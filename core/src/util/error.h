/*
 * util/error.h - internal error and logging helpers of the core (not installed).
 *
 * grt_error() formats a message into the calling thread's last-error slot and returns the status,
 * so that failure paths read `return grt_error(GRT_ERROR_FORMAT, "%s: bad magic", path);`.
 * Thread-safe (thread-local storage). Never prints.
 */
#ifndef GENRT_UTIL_ERROR_H
#define GENRT_UTIL_ERROR_H

#include <genrt/plugin.h>
#include <genrt/status.h>

#if defined(__GNUC__)
#define GRT_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define GRT_PRINTF(a, b)
#endif

/* Sets the last error to the formatted message and returns status. */
grt_status grt_error(grt_status status, const char *fmt, ...) GRT_PRINTF(2, 3);
/* Prefixes the current last error with the formatted text + ": " and returns status; use when
 * passing an error up with more context (e.g. the file name). */
grt_status grt_error_wrap(grt_status status, const char *fmt, ...) GRT_PRINTF(2, 3);
/* Sends a formatted message to the log sink (see grt_set_log_callback). */
void grt_log(grt_log_level level, const char *component, const char *fmt, ...) GRT_PRINTF(3, 4);

/* Host API slots (set_error, log), exposed for the plugin registry. */
grt_status grt_host_set_error(grt_status status, const char *message);
void grt_host_log(grt_log_level level, const char *component, const char *message);

/* Dense byte size of `count` elements of `type` (I4/U4 round up); 0 on overflow or unknown
 * type with *ok = 0. */
size_t grt_element_bytes(grt_element_type type, size_t count, int *ok);

#endif
