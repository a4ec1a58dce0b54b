/*
 * runtime/loader.c - loads one device plugin and checks it against ABI v1: dlopen, the two entry
 * points, probe score, ABI major, init, and the returned API table (size, version, mandatory
 * slots, device name, device count). A plugin failing any check is unloaded again and the
 * reason is returned for the core's skipped-plugins list.
 *
 * Ownership: a loaded grt_plugin owns its dlopen handle and a copy of the plugin's slot table.
 * Threading: called by registry.c with the registry mutex held (loads are serialised).
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/plugin_registry.h"
#include "util/error.h"

/* Everything up to and including request_infer is mandatory, so a table at least this large
 * holds every mandatory slot; slots past a table's struct_size are treated as NULL. */
#define GRT_PLUGIN_API_MIN_SIZE (offsetof(grt_plugin_api, request_infer) + sizeof(void *))

static void set_reason(char *reason, size_t size, const char *fmt, ...) GRT_PRINTF(3, 4);
static void set_reason(char *reason, size_t size, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, size, fmt, ap);
    va_end(ap);
}

/* Name of the first NULL mandatory slot of api, or NULL if all are set. */
static const char *missing_mandatory_slot(const grt_plugin_api *api) {
    if (!api->device_count) return "device_count";
    if (!api->get_property) return "get_property";
    if (!api->compile_model) return "compile_model";
    if (!api->compiled_destroy) return "compiled_destroy";
    if (!api->request_create) return "request_create";
    if (!api->request_destroy) return "request_destroy";
    if (!api->request_set_input) return "request_set_input";
    if (!api->request_get_output) return "request_get_output";
    if (!api->request_infer) return "request_infer";
    return NULL;
}

/* Checks the table returned by init and copies it into p->api. */
static grt_status accept_table(grt_plugin *p, const grt_plugin_api *api, const char *probe_name,
                               char *reason, size_t rsize) {
    if (!api) {
        set_reason(reason, rsize, "grt_plugin_init returned no API table");
        return GRT_ERROR_ABI;
    }
    if (api->abi_major != GRT_ABI_MAJOR) {
        set_reason(reason, rsize, "API table has ABI major %u, core has %d", api->abi_major,
                   GRT_ABI_MAJOR);
        return GRT_ERROR_ABI;
    }
    if (api->struct_size < GRT_PLUGIN_API_MIN_SIZE) {
        set_reason(reason, rsize,
                   "API table is %u bytes, smaller than the %zu bytes of its mandatory slots",
                   api->struct_size, (size_t)GRT_PLUGIN_API_MIN_SIZE);
        return GRT_ERROR_ABI;
    }
    /* A newer minor may append slots: copy only what we know. An older or truncated table:
     * copy only what it has; the rest stays NULL ("not supported"). */
    size_t n = api->struct_size < sizeof p->api ? api->struct_size : sizeof p->api;
    memset(&p->api, 0, sizeof p->api);
    memcpy(&p->api, api, n);
    p->api.struct_size = (uint32_t)n;
    const char *slot = missing_mandatory_slot(&p->api);
    if (slot) {
        set_reason(reason, rsize, "mandatory slot '%s' is NULL", slot);
        return GRT_ERROR_ABI;
    }
    const char *name = p->api.name ? p->api.name : probe_name;
    if (!grt_device_type_valid(name)) {
        set_reason(reason, rsize, "invalid device type name '%s' (expected [A-Za-z0-9_]+)",
                   name ? name : "(null)");
        return GRT_ERROR_ABI;
    }
    snprintf(p->name, sizeof p->name, "%s", name);
    const char *version = p->api.version ? p->api.version : "";
    snprintf(p->version, sizeof p->version, "%s", version);
    return GRT_OK;
}

grt_status grt_plugin_load(const char *path, grt_plugin **out, char *reason, size_t rsize) {
    grt_plugin *p = NULL;
    const grt_plugin_api *api = NULL;
    void *dl = NULL;
    int initialised = 0;
    grt_status st = GRT_OK;
    *out = NULL;
    reason[0] = '\0';

    dlerror();
    dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        const char *e = dlerror();
        set_reason(reason, rsize, "dlopen failed: %s", e ? e : "unknown error");
        st = GRT_ERROR_IO;
        goto fail;
    }
    grt_plugin_probe_fn probe = (grt_plugin_probe_fn)dlsym(dl, GRT_PLUGIN_PROBE_SYMBOL);
    grt_plugin_init_fn init = (grt_plugin_init_fn)dlsym(dl, GRT_PLUGIN_INIT_SYMBOL);
    if (!probe || !init) {
        set_reason(reason, rsize, "missing symbol %s",
                   !probe ? GRT_PLUGIN_PROBE_SYMBOL : GRT_PLUGIN_INIT_SYMBOL);
        st = GRT_ERROR_ABI;
        goto fail;
    }

    grt_plugin_probe_info info;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    int32_t score = probe(&info);
    if (score <= 0) {
        set_reason(reason, rsize, "cannot run on this machine (probe score %d)", (int)score);
        st = GRT_ERROR_NOT_SUPPORTED;
        goto fail;
    }
    if (info.abi_major != GRT_ABI_MAJOR) {
        set_reason(reason, rsize, "ABI major %u, core has %d", info.abi_major, GRT_ABI_MAJOR);
        st = GRT_ERROR_ABI;
        goto fail;
    }

    p = calloc(1, sizeof *p);
    if (!p || !(p->path = strdup(path))) {
        set_reason(reason, rsize, "out of memory");
        st = GRT_ERROR_OUT_OF_MEMORY;
        goto fail;
    }
    grt_clear_error();
    st = init(GRT_ABI_MAJOR, GRT_ABI_MINOR, grt_runtime_host_api(), &api);
    if (st != GRT_OK) {
        const char *msg = grt_last_error();
        set_reason(reason, rsize, "grt_plugin_init failed (%s): %s", grt_status_str(st),
                   *msg ? msg : "no message");
        goto fail;
    }
    /* Only a table of our major has a shutdown slot where we expect it. */
    initialised = api && api->abi_major == GRT_ABI_MAJOR;
    st = accept_table(p, api, info.name, reason, rsize);
    if (st != GRT_OK) goto fail;
    if (info.name && strcmp(info.name, p->name) != 0) {
        set_reason(reason, rsize, "probe says device type '%s' but the API table says '%s'",
                   info.name, p->name);
        st = GRT_ERROR_ABI;
        goto fail;
    }

    grt_clear_error();
    uint32_t count = 0;
    st = p->api.device_count(&count);
    if (st != GRT_OK) {
        const char *msg = grt_last_error();
        set_reason(reason, rsize, "device_count failed (%s): %s", grt_status_str(st),
                   *msg ? msg : "no message");
        goto fail;
    }
    if (count == 0) {
        set_reason(reason, rsize, "%s plugin found no devices", p->name);
        st = GRT_ERROR_NOT_SUPPORTED;
        goto fail;
    }
    p->device_count = count;
    p->score = score;
    p->dl = dl;
    p->refs = 1;
    pthread_mutex_init(&p->call_lock, NULL);
    *out = p;
    return GRT_OK;

fail:
    if (initialised && api->struct_size >= offsetof(grt_plugin_api, shutdown) + sizeof(void *) &&
        api->shutdown)
        api->shutdown();
    if (dl) dlclose(dl);
    if (p) free(p->path);
    free(p);
    return st;
}

void grt_plugin_unload(grt_plugin *p) {
    if (!p) return;
    if (p->api.shutdown) p->api.shutdown();
    dlclose(p->dl);
    pthread_mutex_destroy(&p->call_lock);
    free(p->path);
    free(p);
}
