/*
 * genrt/core.h - the entry point: devices, plugins, properties, compilation.
 *
 * A grt_core finds device plugins (shared objects beside libgenrt, in <libdir>/genrt/plugins, and
 * in the directories of GENRT_PLUGIN_PATH, colon-separated), loads those whose ABI major matches,
 * and keeps per-device properties. Plugins that cannot be loaded are skipped with a logged reason
 * (see grt_core_skipped_plugins). Several cores may exist in one process; they share loaded
 * plugins. Thread-safety: all functions may be called from several threads at once.
 *
 * Device names: a plugin "GPU" with several devices exposes "GPU.0", "GPU.1", ...; "GPU" alone
 * means its first device. A plugin with one device exposes just its type name ("CPU").
 * "AUTO:GPU,CPU" style names are resolved by the AUTO plugin when it is present.
 */
#ifndef GENRT_CORE_H
#define GENRT_CORE_H

#include <genrt/model.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct grt_compiled_model grt_compiled_model;

/* New core; *out is caller-owned (grt_core_destroy). config_path may be NULL, or a JSON file of
 * per-device properties:
 *   { "CPU": { "INFERENCE_NUM_THREADS": 2, "PERFORMANCE_HINT": "LATENCY" } }
 * Finding no plugin, or only plugins that fail to load, is not an error: they are listed by
 * grt_core_skipped_plugins and each is logged (GRT_LOG_WARNING, component "core") with its reason.
 * Errors: NOT_FOUND/IO/FORMAT (config file), NOT_FOUND/INVALID_ARGUMENT (device or property in
 * it). */
GRT_EXPORT grt_status grt_core_create(const char *config_path, grt_core **out);
/* NULL is a no-op. Compiled models created from the core (and their infer requests) stay valid
 * after it is destroyed; they keep their plugin loaded. */
GRT_EXPORT void grt_core_destroy(grt_core *core);

/* Available device names. *names is a borrowed array of *count strings valid while the core
 * lives. */
GRT_EXPORT grt_status grt_core_available_devices(grt_core *core, const char *const **names,
                                                 size_t *count);

/* Plugins found but not loaded: borrowed array of "path: reason" strings valid while the core
 * lives. */
GRT_EXPORT grt_status grt_core_skipped_plugins(grt_core *core, const char *const **reasons,
                                               size_t *count);

/* A property of a device (including SUPPORTED_PROPERTIES as a string list, and values set with
 * grt_core_set_property). *out is caller-owned: release it with grt_value_clear.
 * Errors: NOT_FOUND (device or key; the message names them). */
GRT_EXPORT grt_status grt_core_get_property(grt_core *core, const char *device, const char *key,
                                            grt_value *out);

/* Sets a mutable property of a device for models compiled by this core afterwards.
 * Errors: NOT_FOUND (device, key), INVALID_ARGUMENT (bad value or read-only key). */
GRT_EXPORT grt_status grt_core_set_property(grt_core *core, const char *device, const char *key,
                                            const grt_value *value);
/* Same, with the value given as text and converted to the property's type ("4", "LATENCY"). */
GRT_EXPORT grt_status grt_core_set_property_str(grt_core *core, const char *device,
                                                const char *key, const char *value);

/* The properties of a device. *infos is a borrowed array valid while the core lives.
 * Errors: NOT_FOUND (device). */
GRT_EXPORT grt_status grt_core_supported_properties(grt_core *core, const char *device,
                                                    const grt_property_info **infos,
                                                    size_t *count);

/* Which nodes of `model` the device supports: supported[node_count] (caller-allocated, node ids
 * as in the builder) gets 1/0. Errors: NOT_FOUND (device), NOT_SUPPORTED (the device's plugin
 * does not implement query_model), SHAPE (the model fails validation). */
GRT_EXPORT grt_status grt_core_query_model(grt_core *core, const grt_model *model,
                                           const char *device, uint8_t *supported);

/* Compiles `model` for `device` with extra properties props[n_props] (on top of those set on the
 * core). *out is caller-owned (grt_compiled_model_destroy); the model may be changed or
 * destroyed afterwards. Errors: NOT_FOUND (device), INVALID_ARGUMENT (property), SHAPE (the model
 * fails validation), NOT_SUPPORTED (an op the device cannot run: the message names the node),
 * DEVICE. */
GRT_EXPORT grt_status grt_core_compile_model(grt_core *core, const grt_model *model,
                                             const char *device, const grt_property *props,
                                             size_t n_props, grt_compiled_model **out);

#ifdef __cplusplus
}
#endif
#endif
