/*
 * runtime/core.c - grt_core: plugin discovery and acceptance, the device table, device name
 * resolution, available devices and skipped plugins.
 *
 * Ownership: the core holds one reference per accepted plugin (released by grt_core_destroy) and
 * owns its device table, property stores and skipped-plugin reasons.
 * Threading: the device table is immutable after creation; mutable parts are guarded by
 * core->lock (see core_internal.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/core_internal.h"
#include "runtime/device_name.h"

#define COMPONENT "core"

grt_status grt_plugin_call_failed(grt_status status, const char *fmt, ...) {
    char ctx[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx, sizeof ctx, fmt, ap);
    va_end(ap);
    if ((unsigned)status > GRT_ERROR_TIMEOUT || status == GRT_OK) {
        return grt_error(GRT_ERROR_DEVICE, "%s: plugin returned an invalid status %d", ctx,
                         (int)status);
    }
    if (!grt_last_error()[0])
        return grt_error(status, "%s: plugin returned %s without a message", ctx,
                         grt_status_str(status));
    return grt_error_wrap(status, "%s", ctx);
}

/* Records a skipped plugin and logs it. */
static grt_status skip_plugin(grt_core *core, const char *path, const char *reason) {
    grt_log(GRT_LOG_WARNING, COMPONENT, "skipping plugin %s: %s", path, reason);
    return grt_strlist_pushf(&core->skipped, "%s: %s", path, reason);
}

/* Loads every candidate plugin, keeping the first plugin of each device type. */
static grt_status load_plugins(grt_core *core) {
    grt_strlist paths = {0}, skipped = {0};
    char builtin[4096];
    char reason[1024];
    grt_status st = grt_plugin_candidates(
        grt_plugin_builtin_dir(builtin, sizeof builtin) ? builtin : NULL,
        getenv("GENRT_PLUGIN_PATH"), &paths, &skipped);
    if (st != GRT_OK) goto done;
    for (size_t i = 0; i < skipped.count; i++) {
        grt_log(GRT_LOG_WARNING, COMPONENT, "skipping plugin %s", skipped.items[i]);
        st = grt_strlist_push(&core->skipped, skipped.items[i]);
        if (st != GRT_OK) goto done;
    }
    core->plugins = calloc(paths.count ? paths.count : 1, sizeof *core->plugins);
    if (!core->plugins) {
        st = grt_error(GRT_ERROR_OUT_OF_MEMORY, "grt_core_create: out of memory");
        goto done;
    }
    for (size_t i = 0; i < paths.count; i++) {
        grt_plugin *p = NULL;
        if (grt_plugin_acquire(paths.items[i], &p, reason, sizeof reason) != GRT_OK) {
            st = skip_plugin(core, paths.items[i], reason);
            if (st != GRT_OK) goto done;
            continue;
        }
        const grt_plugin *first = NULL;
        for (size_t j = 0; j < core->n_plugins; j++) {
            if (!strcmp(core->plugins[j]->name, p->name)) first = core->plugins[j];
        }
        if (first) {
            snprintf(reason, sizeof reason, "device type '%s' is already provided by %s",
                     p->name, first->path);
            grt_plugin_release(p);
            st = skip_plugin(core, paths.items[i], reason);
            if (st != GRT_OK) goto done;
            continue;
        }
        core->plugins[core->n_plugins++] = p;
    }
    grt_clear_error();
done:
    grt_strlist_free(&paths);
    grt_strlist_free(&skipped);
    return st;
}

static grt_status build_devices(grt_core *core) {
    size_t n = 0;
    for (size_t i = 0; i < core->n_plugins; i++) n += core->plugins[i]->device_count;
    core->devices = calloc(n ? n : 1, sizeof *core->devices);
    core->device_names = calloc(n ? n : 1, sizeof *core->device_names);
    if (!core->devices || !core->device_names)
        return grt_error(GRT_ERROR_OUT_OF_MEMORY, "grt_core_create: out of memory");
    for (size_t i = 0; i < core->n_plugins; i++) {
        grt_plugin *p = core->plugins[i];
        for (uint32_t d = 0; d < p->device_count; d++) {
            grt_core_device *dev = &core->devices[core->n_devices];
            dev->plugin = p;
            dev->index = d;
            grt_device_name_format(p->name, p->device_count, d, dev->name, sizeof dev->name);
            core->device_names[core->n_devices++] = dev->name;
        }
    }
    return GRT_OK;
}

grt_status grt_core_create(const char *config_path, grt_core **out) {
    grt_status st;
    grt_core *core = NULL;
    if (!out) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "grt_core_create: out is NULL");
    *out = NULL;
    core = calloc(1, sizeof *core);
    if (!core) return grt_error(GRT_ERROR_OUT_OF_MEMORY, "grt_core_create: out of memory");
    pthread_mutex_init(&core->lock, NULL);
    st = load_plugins(core);
    if (st != GRT_OK) goto fail;
    st = build_devices(core);
    if (st != GRT_OK) goto fail;
    if (config_path) {
        st = grt_core_apply_config(core, config_path);
        if (st != GRT_OK) goto fail;
    }
    *out = core;
    return GRT_OK;
fail:
    grt_core_destroy(core);
    return st;
}

void grt_core_destroy(grt_core *core) {
    if (!core) return;
    for (size_t i = 0; i < core->n_devices; i++) {
        grt_prop_store_free(&core->devices[i].props);
        free(core->devices[i].infos);
    }
    free(core->devices);
    free(core->device_names);
    for (size_t i = 0; i < core->n_plugins; i++) grt_plugin_release(core->plugins[i]);
    free(core->plugins);
    grt_strlist_free(&core->skipped);
    pthread_mutex_destroy(&core->lock);
    free(core);
}

grt_status grt_core_available_devices(grt_core *core, const char *const **names, size_t *count) {
    if (!core || !names || !count)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "grt_core_available_devices: NULL argument");
    *names = core->device_names;
    *count = core->n_devices;
    return GRT_OK;
}

grt_status grt_core_skipped_plugins(grt_core *core, const char *const **reasons, size_t *count) {
    if (!core || !reasons || !count)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "grt_core_skipped_plugins: NULL argument");
    *reasons = (const char *const *)core->skipped.items;
    *count = core->skipped.count;
    return GRT_OK;
}

/* "CPU, GPU.0, GPU.1" or "no device plugins are loaded" into buf. */
static void list_devices(const grt_core *core, char *buf, size_t size) {
    size_t used = 0;
    buf[0] = '\0';
    if (core->n_devices == 0) {
        snprintf(buf, size, "no device plugins are loaded");
        return;
    }
    used = (size_t)snprintf(buf, size, "available: ");
    for (size_t i = 0; i < core->n_devices && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "",
                                 core->devices[i].name);
}

grt_status grt_core_resolve(grt_core *core, const char *name, grt_core_device **out,
                            const char **auto_list) {
    grt_device_name parsed;
    char avail[512];
    *out = NULL;
    if (auto_list) *auto_list = NULL;
    grt_status st = grt_device_name_parse(name, &parsed);
    if (st != GRT_OK) return st;
    const grt_plugin *plugin = NULL;
    for (size_t i = 0; i < core->n_devices; i++) {
        grt_core_device *dev = &core->devices[i];
        if (strcmp(dev->plugin->name, parsed.type) != 0) continue;
        plugin = dev->plugin;
        if (dev->index == parsed.index) {
            *out = dev;
            if (auto_list) *auto_list = parsed.auto_list;
            return GRT_OK;
        }
    }
    if (parsed.auto_list)
        return grt_error(GRT_ERROR_NOT_FOUND, "device '%s': no AUTO plugin loaded", name);
    if (plugin)
        return grt_error(GRT_ERROR_NOT_FOUND, "device '%s' not found: %s has %u device%s", name,
                         plugin->name, plugin->device_count, plugin->device_count == 1 ? "" : "s");
    list_devices(core, avail, sizeof avail);
    return grt_error(GRT_ERROR_NOT_FOUND, "device '%s' not found (%s)", name, avail);
}
