/*
 * runtime/compiled_model.c - compiling a model on a device (grt_core_compile_model,
 * grt_core_query_model) and the grt_compiled_model object.
 *
 * Ownership: a compiled model holds a reference on its plugin and on the graph snapshot, owns the
 * plugin's compiled handle and a copy of the properties it was compiled with. It does not refer
 * to the core, so it outlives it. Its infer requests hold references on it, so the handle is
 * destroyed only after the application destroyed it and its last request is gone.
 * Threading: cm->lock guards refs and serialises calls on the compiled handle.
 */
#include <stdlib.h>
#include <string.h>

#include "ir/graph_view.h"
#include "ir/opset.h"
#include "runtime/core_internal.h"

/* Merged compile properties: the device's stored values, DEVICE_PRIORITIES for AUTO:<list>,
 * then props (validated). */
static grt_status merge_props(grt_core *core, grt_core_device *dev, const char *auto_list,
                              const grt_property *props, size_t n_props, grt_prop_store *merged) {
    pthread_mutex_lock(&core->lock);
    grt_status st = grt_prop_store_merge(merged, &dev->props);
    pthread_mutex_unlock(&core->lock);
    if (st != GRT_OK) return st;
    if (auto_list) {
        grt_value v;
        memset(&v, 0, sizeof v);
        v.type = GRT_VALUE_STRING;
        v.u.s = auto_list;
        st = grt_prop_store_set(merged, GRT_PROP_DEVICE_PRIORITIES, &v);
        if (st != GRT_OK) return st;
    }
    for (size_t i = 0; i < n_props; i++) {
        grt_value converted;
        st = grt_core_check_property(core, dev, props[i].key, &props[i].value, &converted);
        if (st != GRT_OK) return st;
        st = grt_prop_store_set(merged, props[i].key, &converted);
        if (st != GRT_OK) return st;
    }
    return GRT_OK;
}

/* Asks the plugin which nodes it supports; NOT_SUPPORTED naming the first one it does not.
 * A plugin without query_model is left to report unsupported nodes from compile_model. */
static grt_status check_support(grt_core_device *dev, const grt_graph_view *view,
                                const char *device) {
    grt_plugin *p = dev->plugin;
    const grt_host_api *host = grt_runtime_host_api();
    if (!p->api.query_model) return GRT_OK;
    uint32_t n = host->graph_node_count(view);
    uint8_t *supported = calloc(n ? n : 1, 1);
    if (!supported) return grt_error(GRT_ERROR_OUT_OF_MEMORY, "device '%s': out of memory", device);
    pthread_mutex_lock(&p->call_lock);
    grt_clear_error();
    grt_status st = p->api.query_model(dev->index, view, supported);
    pthread_mutex_unlock(&p->call_lock);
    if (st != GRT_OK) {
        st = grt_plugin_call_failed(st, "device '%s': query_model", device);
        goto done;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (supported[i]) continue;
        grt_op_type op = host->node_op(view, i);
        const char *name = host->node_name(view, i);
        st = grt_error(GRT_ERROR_NOT_SUPPORTED, "device '%s' cannot run node '%s' (%s)", device,
                       name ? name : "?", grt_ir_op_name(op));
        goto done;
    }
done:
    free(supported);
    return st;
}

grt_status grt_core_compile_model(grt_core *core, const grt_model *model, const char *device,
                                  const grt_property *props, size_t n_props,
                                  grt_compiled_model **out) {
    grt_core_device *dev = NULL;
    const char *auto_list = NULL;
    const grt_graph_view *view = NULL;
    grt_compiled_handle *handle = NULL;
    grt_compiled_model *cm = NULL;
    grt_prop_store merged = {0};
    grt_status st;
    if (!out) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "grt_core_compile_model: out is NULL");
    *out = NULL;
    if (!core || !model || (n_props && !props))
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "grt_core_compile_model: NULL argument");
    st = grt_core_resolve(core, device, &dev, &auto_list);
    if (st != GRT_OK) return st;
    grt_plugin *p = dev->plugin;

    st = merge_props(core, dev, auto_list, props, n_props, &merged);
    if (st != GRT_OK) goto fail;
    st = grt_ir_snapshot(model, &view);
    if (st != GRT_OK) {
        grt_error_wrap(st, "compiling for device '%s'", device);
        goto fail;
    }
    st = check_support(dev, view, device);
    if (st != GRT_OK) goto fail;

    pthread_mutex_lock(&p->call_lock);
    grt_clear_error();
    st = p->api.compile_model(dev->index, view, merged.items, merged.count, &handle);
    pthread_mutex_unlock(&p->call_lock);
    if (st != GRT_OK) {
        handle = NULL;
        st = grt_plugin_call_failed(st, "compiling for device '%s'", device);
        goto fail;
    }
    if (!handle) {
        st = grt_error(GRT_ERROR_DEVICE, "compiling for device '%s': plugin returned no handle",
                       device);
        goto fail;
    }
    cm = calloc(1, sizeof *cm);
    if (!cm || !(cm->device_name = strdup(auto_list ? device : dev->name))) {
        st = grt_error(GRT_ERROR_OUT_OF_MEMORY, "compiling for device '%s': out of memory", device);
        goto fail;
    }
    pthread_mutex_init(&cm->lock, NULL);
    cm->refs = 1;
    grt_plugin_retain(p);
    cm->plugin = p;
    cm->device = dev->index;
    cm->view = view;
    cm->handle = handle;
    cm->props = merged;
    cm->n_inputs = grt_ir_view_io_count(view, 0);
    cm->n_outputs = grt_ir_view_io_count(view, 1);
    *out = cm;
    return GRT_OK;
fail:
    if (cm) free(cm->device_name);
    free(cm);
    if (handle) p->api.compiled_destroy(handle);
    grt_ir_view_release(view);
    grt_prop_store_free(&merged);
    return st;
}

grt_status grt_core_query_model(grt_core *core, const grt_model *model, const char *device,
                                uint8_t *supported) {
    grt_core_device *dev = NULL;
    const grt_graph_view *view = NULL;
    if (!core || !model || !supported)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "grt_core_query_model: NULL argument");
    grt_status st = grt_core_resolve(core, device, &dev, NULL);
    if (st != GRT_OK) return st;
    grt_plugin *p = dev->plugin;
    if (!p->api.query_model)
        return grt_error(GRT_ERROR_NOT_SUPPORTED, "device '%s' does not implement query_model",
                         device);
    st = grt_ir_snapshot(model, &view);
    if (st != GRT_OK) return grt_error_wrap(st, "query on device '%s'", device);
    pthread_mutex_lock(&p->call_lock);
    grt_clear_error();
    st = p->api.query_model(dev->index, view, supported);
    pthread_mutex_unlock(&p->call_lock);
    if (st != GRT_OK) st = grt_plugin_call_failed(st, "device '%s': query_model", device);
    grt_ir_view_release(view);
    return st;
}

void grt_compiled_model_retain(grt_compiled_model *cm) {
    pthread_mutex_lock(&cm->lock);
    cm->refs++;
    pthread_mutex_unlock(&cm->lock);
}

void grt_compiled_model_release(grt_compiled_model *cm) {
    if (!cm) return;
    pthread_mutex_lock(&cm->lock);
    unsigned left = --cm->refs;
    pthread_mutex_unlock(&cm->lock);
    if (left) return;
    cm->plugin->api.compiled_destroy(cm->handle);
    grt_ir_view_release(cm->view);
    grt_plugin_release(cm->plugin);
    grt_prop_store_free(&cm->props);
    free(cm->device_name);
    pthread_mutex_destroy(&cm->lock);
    free(cm);
}

void grt_compiled_model_destroy(grt_compiled_model *cm) { grt_compiled_model_release(cm); }

const char *grt_compiled_model_device(const grt_compiled_model *cm) {
    return cm ? cm->device_name : NULL;
}

grt_status grt_compiled_model_get_property(grt_compiled_model *cm, const char *key,
                                           grt_value *out) {
    if (!cm || !key || !out)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT,
                         "grt_compiled_model_get_property: NULL argument");
    memset(out, 0, sizeof *out);
    grt_plugin *p = cm->plugin;
    grt_status st = GRT_ERROR_NOT_FOUND;
    if (p->api.compiled_get_property) {
        grt_value v;
        memset(&v, 0, sizeof v);
        /* Plugin strings live until its next property call: copy under both locks. */
        pthread_mutex_lock(&cm->lock);
        pthread_mutex_lock(&p->call_lock);
        grt_clear_error();
        st = p->api.compiled_get_property(cm->handle, key, &v);
        if (st == GRT_OK) st = grt_value_copy(&v, out);
        else if (st != GRT_ERROR_NOT_FOUND)
            st = grt_plugin_call_failed(st, "compiled model on '%s', property '%s'",
                                        cm->device_name, key);
        pthread_mutex_unlock(&p->call_lock);
        pthread_mutex_unlock(&cm->lock);
        if (st != GRT_ERROR_NOT_FOUND) return st;
    }
    /* Not reported by the plugin: the value it was compiled with, if any. */
    const grt_value *v = grt_prop_store_find(&cm->props, key);
    if (v) return grt_value_copy(v, out);
    return grt_error(GRT_ERROR_NOT_FOUND, "compiled model on '%s' has no property '%s'",
                     cm->device_name, key);
}

size_t grt_compiled_model_input_count(const grt_compiled_model *cm) {
    return cm ? cm->n_inputs : 0;
}

size_t grt_compiled_model_output_count(const grt_compiled_model *cm) {
    return cm ? cm->n_outputs : 0;
}

static grt_status io_info(const grt_compiled_model *cm, int is_output, size_t index,
                          const char **name, grt_element_type *type, grt_shape *shape) {
    const char *n = NULL;
    grt_element_type t = GRT_UNDEFINED;
    grt_shape s;
    memset(&s, 0, sizeof s);
    if (!cm) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "compiled model is NULL");
    size_t count = is_output ? cm->n_outputs : cm->n_inputs;
    if (index >= count)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "%s index %zu out of range (model has %zu)",
                         is_output ? "output" : "input", index, count);
    grt_status st = grt_ir_view_io(cm->view, is_output, index, &n, &t, &s);
    if (st != GRT_OK) return st;
    if (name) *name = n;
    if (type) *type = t;
    if (shape) *shape = s;
    return GRT_OK;
}

grt_status grt_compiled_model_input(const grt_compiled_model *cm, size_t index, const char **name,
                                    grt_element_type *type, grt_shape *shape) {
    return io_info(cm, 0, index, name, type, shape);
}

grt_status grt_compiled_model_output(const grt_compiled_model *cm, size_t index,
                                     const char **name, grt_element_type *type,
                                     grt_shape *shape) {
    return io_info(cm, 1, index, name, type, shape);
}
