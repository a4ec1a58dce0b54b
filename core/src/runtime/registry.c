/*
 * runtime/registry.c - the process-wide list of loaded plugins (reference-counted, keyed by real
 * path) and the host API table handed to them.
 *
 * Threading: one mutex guards the list and every reference count; loading and unloading run
 * with it held, so a plugin is never initialised twice or used while shutting down.
 */
#include <pthread.h>
#include <string.h>

#include "ir/graph_view.h"
#include "runtime/plugin_registry.h"
#include "util/error.h"

static pthread_mutex_t g_registry_lock = PTHREAD_MUTEX_INITIALIZER;
static grt_plugin *g_plugins; /* loaded plugins, guarded by g_registry_lock */

static pthread_once_t g_host_once = PTHREAD_ONCE_INIT;
static grt_host_api g_host;

static void fill_host_api(void) {
    memset(&g_host, 0, sizeof g_host);
    g_host.struct_size = sizeof g_host;
    g_host.abi_major = GRT_ABI_MAJOR;
    g_host.abi_minor = GRT_ABI_MINOR;
    g_host.set_error = grt_host_set_error;
    g_host.log = grt_host_log;
    grt_ir_fill_host_api(&g_host);
}

const grt_host_api *grt_runtime_host_api(void) {
    pthread_once(&g_host_once, fill_host_api);
    return &g_host;
}

grt_status grt_plugin_acquire(const char *path, grt_plugin **out, char *reason,
                              size_t reason_size) {
    grt_status st = GRT_OK;
    *out = NULL;
    pthread_mutex_lock(&g_registry_lock);
    for (grt_plugin *p = g_plugins; p; p = p->next) {
        if (!strcmp(p->path, path)) {
            p->refs++;
            *out = p;
            goto done;
        }
    }
    st = grt_plugin_load(path, out, reason, reason_size);
    if (st == GRT_OK) {
        (*out)->next = g_plugins;
        g_plugins = *out;
    }
done:
    pthread_mutex_unlock(&g_registry_lock);
    return st;
}

void grt_plugin_retain(grt_plugin *p) {
    pthread_mutex_lock(&g_registry_lock);
    p->refs++;
    pthread_mutex_unlock(&g_registry_lock);
}

void grt_plugin_release(grt_plugin *p) {
    if (!p) return;
    pthread_mutex_lock(&g_registry_lock);
    if (--p->refs == 0) {
        for (grt_plugin **pp = &g_plugins; *pp; pp = &(*pp)->next) {
            if (*pp == p) {
                *pp = p->next;
                break;
            }
        }
        grt_plugin_unload(p);
    }
    pthread_mutex_unlock(&g_registry_lock);
}
