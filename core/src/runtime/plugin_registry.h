/*
 * runtime/plugin_registry.h - loaded device plugins, shared by every core of the process.
 *
 * A grt_plugin is one dlopen'ed plugin whose probe, ABI major, init and API table passed the
 * checks of loader.c. Plugins are reference-counted: each core, compiled model and infer request
 * holds one reference; when the last goes, the plugin's shutdown slot runs and the library is
 * dlclose'd. The same file (by real path) is loaded once however many cores find it.
 *
 * Threading: acquire/retain/release are thread-safe (one registry mutex). Calls on plugin-level
 * slots (device_count, get_property, check_property, supported_properties, query_model,
 * compile_model, compiled_get_property) must hold plugin->call_lock, as the ABI says the core
 * serialises calls on a plugin object; strings a plugin returns from get_property are copied
 * before the lock is dropped.
 */
#ifndef GENRT_RUNTIME_PLUGIN_REGISTRY_H
#define GENRT_RUNTIME_PLUGIN_REGISTRY_H

#include <pthread.h>

#include <genrt/plugin.h>

#include "runtime/device_name.h"
#include "runtime/strlist.h"

typedef struct grt_plugin {
    char *path;                  /* real path of the shared object */
    void *dl;                    /* dlopen handle */
    grt_plugin_api api;          /* copy of the plugin's table; slots past its struct_size NULL */
    char name[GRT_DEVICE_TYPE_MAX]; /* device type, e.g. "CPU" */
    char version[64];            /* plugin version string (truncated copy) */
    uint32_t device_count;       /* >= 1 */
    int32_t score;               /* probe score, > 0 */
    unsigned refs;               /* guarded by the registry mutex */
    pthread_mutex_t call_lock;   /* serialises plugin-level slot calls */
    struct grt_plugin *next;     /* registry list */
} grt_plugin;

/* The host API table handed to every plugin (static storage; valid for the process lifetime). */
const grt_host_api *grt_runtime_host_api(void);

/* loader.c: loads and validates the plugin at `path` (a real path). On success *out has one
 * reference. On failure returns the status and writes the reason (no path prefix) into
 * reason[reason_size]; nothing stays loaded. */
grt_status grt_plugin_load(const char *path, grt_plugin **out, char *reason, size_t reason_size);
/* loader.c: shuts the plugin down, dlcloses it and frees p (refs must be 0). */
void grt_plugin_unload(grt_plugin *p);

/* registry.c: the loaded plugin for real path `path`, loading it if needed; +1 reference.
 * Errors as grt_plugin_load (reason filled). */
grt_status grt_plugin_acquire(const char *path, grt_plugin **out, char *reason,
                              size_t reason_size);
void grt_plugin_retain(grt_plugin *p);
/* -1 reference; the last one unloads the plugin. NULL is a no-op. */
void grt_plugin_release(grt_plugin *p);

/* discovery.c: GENRT_PLUGIN_PATH-style splitting: the non-empty ':'-separated entries of value
 * (NULL or "" gives none), appended to out. Errors: OUT_OF_MEMORY. */
grt_status grt_plugin_path_split(const char *value, grt_strlist *out);

/* discovery.c: the plugin files to try, in order and without duplicates (by real path):
 * libgenrt_*.so in builtin_dir (sorted; a missing directory is not an error), then for each
 * entry of path_env (GENRT_PLUGIN_PATH syntax) every *.so of a directory (sorted) or the file
 * itself. Entries that do not exist are appended to skipped as "entry: reason".
 * builtin_dir may be NULL. Errors: OUT_OF_MEMORY. */
grt_status grt_plugin_candidates(const char *builtin_dir, const char *path_env,
                                 grt_strlist *paths, grt_strlist *skipped);

/* discovery.c: "<directory of the object holding the core>/" GENRT_PLUGIN_SUBDIR into
 * buf[size]; 0 if it cannot be determined. */
int grt_plugin_builtin_dir(char *buf, size_t size);

#endif
