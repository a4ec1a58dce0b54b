/*
 * genrt/status.h - status codes, the per-thread last-error message, logging and version.
 *
 * Every fallible GenRT call returns a grt_status (genrt/types.h); on failure the calling thread's
 * last-error message says what went wrong, naming the file, tensor, key or device concerned.
 * Statuses every call may return and that the per-function comments do not repeat:
 * GRT_ERROR_INVALID_ARGUMENT for a NULL handle or out pointer, GRT_ERROR_OUT_OF_MEMORY when an
 * allocation fails, and, for calls that reach a device plugin, the plugin's own status (usually
 * GRT_ERROR_DEVICE) with the core's context prefixed to the plugin's message.
 * Thread-safe: the message is per thread; the log callback may be called from any thread.
 */
#ifndef GENRT_STATUS_H
#define GENRT_STATUS_H

#include <genrt/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A static English name for a status ("GRT_ERROR_FORMAT"); never NULL. */
GRT_EXPORT const char *grt_status_str(grt_status status);

/* The calling thread's last error message ("" if none). Borrowed: valid until the next GenRT
 * call on this thread that fails or clears it. */
GRT_EXPORT const char *grt_last_error(void);

/* Clears the calling thread's last error. */
GRT_EXPORT void grt_clear_error(void);
/* Sets the calling thread's last error to message (copied; truncated to the slot size) and returns
 * status, for libraries built on the public API (libgenrt_genai) so that their failures read like
 * the core's: `return grt_set_last_error(GRT_ERROR_FORMAT, msg);`. NULL message = "". */
GRT_EXPORT grt_status grt_set_last_error(grt_status status, const char *message);

/* Log sink. `message` is borrowed for the duration of the call. The default sink prints nothing
 * unless GENRT_LOG is set in the environment: GENRT_LOG=error|warning|info|debug writes messages
 * of that level and more severe ones to stderr (any other non-empty value means warning).
 * Libraries never print to stdout. */
typedef void (*grt_log_fn)(void *user, int level /* grt_log_level */, const char *component,
                           const char *message);
/* level: a grt_log_level (genrt/types.h: GRT_LOG_ERROR .. GRT_LOG_DEBUG). component:
 * "core" for the runtime (e.g. each plugin skipped at grt_core_create, with its reason), or the
 * name a plugin gave to the host's log slot. */
/* Installs a process-wide log sink (NULL restores the default). Thread-safe: calls of the sink are
 * serialised with each other and with this function, so once it returns the old sink is no longer
 * called. A sink must not call grt_set_log_callback itself. */
GRT_EXPORT void grt_set_log_callback(grt_log_fn fn, void *user);

typedef struct grt_version {
    uint32_t major, minor, patch;
    uint32_t abi_major, abi_minor; /* plugin ABI the core implements */
    const char *string;            /* "0.1.0" (static) */
    const char *build;             /* build description, e.g. compiler and flags (static) */
} grt_version;

/* The library version (static storage). */
GRT_EXPORT const grt_version *grt_get_version(void);

/* Frees memory that a GenRT call returned as caller-owned (stated where it applies).
 * grt_free(NULL) is a no-op. */
GRT_EXPORT void grt_free(void *ptr);

/* Frees the strings inside a value returned as caller-owned by a get_property call and resets it
 * to GRT_VALUE_NONE. NULL is a no-op. */
GRT_EXPORT void grt_value_clear(grt_value *value);

/* Size in bits of one element (4 for I4/U4, 0 for UNDEFINED); name like "f32" ("undefined" for
 * unknown values); parse the name back (GRT_ERROR_INVALID_ARGUMENT if unknown). */
GRT_EXPORT size_t grt_element_type_bits(grt_element_type type);
GRT_EXPORT const char *grt_element_type_name(grt_element_type type);
GRT_EXPORT grt_status grt_element_type_from_name(const char *name, grt_element_type *out);

#ifdef __cplusplus
}
#endif
#endif
