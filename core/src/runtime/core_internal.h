/*
 * runtime/core_internal.h - the grt_core, grt_compiled_model and grt_infer_request structs and
 * the helpers the runtime's files share (device resolution, property validation, plugin error
 * reporting).
 *
 * Ownership: a core holds one reference on each plugin it accepted and owns its device table;
 * a compiled model holds a plugin reference and a graph view; a request holds a reference on its
 * compiled model and on the plugin. Reference counts on compiled models let a compiled model
 * outlive its core and stay valid until its last request is gone.
 * Threading: core->lock guards the per-device property stores and info caches; cm->lock guards
 * cm->refs and serialises calls on the plugin's compiled handle. Lock order: core->lock, then
 * cm->lock, then plugin->call_lock; never the reverse.
 */
#ifndef GENRT_RUNTIME_CORE_INTERNAL_H
#define GENRT_RUNTIME_CORE_INTERNAL_H

#include <pthread.h>

#include <genrt/genrt.h>
#include <genrt/plugin.h>

#include "runtime/plugin_registry.h"
#include "runtime/properties.h"
#include "runtime/strlist.h"
#include "util/error.h"

#define GRT_DEVICE_NAME_MAX (GRT_DEVICE_TYPE_MAX + 12)

typedef struct grt_core_device {
    grt_plugin *plugin;               /* borrowed from core->plugins */
    uint32_t index;                   /* device number inside the plugin */
    char name[GRT_DEVICE_NAME_MAX];   /* "CPU", "GPU.1" */
    grt_prop_store props;             /* values the application set (core->lock) */
    grt_property_info *infos;         /* cached copy of supported_properties (core->lock) */
    size_t n_infos;
    int infos_loaded;
} grt_core_device;

struct grt_core {
    pthread_mutex_t lock;
    grt_plugin **plugins; /* plugins[n_plugins], one reference each */
    size_t n_plugins;
    grt_core_device *devices; /* devices[n_devices], in plugin order */
    size_t n_devices;
    const char **device_names; /* device_names[i] = devices[i].name */
    grt_strlist skipped;       /* "path: reason" */
};

struct grt_compiled_model {
    pthread_mutex_t lock;
    unsigned refs;              /* 1 for the application (until destroy) + 1 per live request */
    grt_plugin *plugin;         /* one reference */
    uint32_t device;            /* device index inside the plugin */
    char *device_name;          /* as compiled for: "CPU", "GPU.1", "AUTO:GPU,CPU" */
    const grt_graph_view *view; /* one reference */
    grt_compiled_handle *handle;
    grt_prop_store props;       /* the merged properties passed to compile_model */
    size_t n_inputs, n_outputs;
};

/* Resolves a device name of the core. *auto_list gets the list of "AUTO:<list>" (or NULL).
 * Errors: INVALID_ARGUMENT (syntax), NOT_FOUND (no such device; message names it). */
grt_status grt_core_resolve(grt_core *core, const char *name, grt_core_device **out,
                            const char **auto_list);

/* The device's property table (cached; borrowed while the core lives). Takes core->lock.
 * Errors: DEVICE (plugin failure or malformed table). */
grt_status grt_core_device_infos(grt_core *core, grt_core_device *dev,
                                 const grt_property_info **infos, size_t *count);

/* Validates key=value for dev as grt_core_set_property does (known, mutable, right type, accepted
 * by the plugin's check_property) and writes the value converted to the property's type into
 * *converted (strings borrowed from value). Errors: NOT_FOUND, INVALID_ARGUMENT, DEVICE. */
grt_status grt_core_check_property(grt_core *core, grt_core_device *dev, const char *key,
                                   const grt_value *value, grt_value *converted);

/* Reads the config file at path and applies it (core_config.c). Errors: IO, FORMAT, NOT_FOUND,
 * INVALID_ARGUMENT; the message names the file and the device/key. */
grt_status grt_core_apply_config(grt_core *core, const char *path);

/* Reports a failed plugin call: keeps the plugin's message (prefixed by the formatted context)
 * or, if the plugin set none, says which status it returned. A status outside the known range
 * becomes GRT_ERROR_DEVICE. Callers clear the last error before the plugin call. */
grt_status grt_plugin_call_failed(grt_status status, const char *fmt, ...) GRT_PRINTF(2, 3);

/* Compiled model references (compiled_model.c). */
void grt_compiled_model_retain(grt_compiled_model *cm);
void grt_compiled_model_release(grt_compiled_model *cm);

#endif
