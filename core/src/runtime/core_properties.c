/*
 * runtime/core_properties.c - device properties of a core: SUPPORTED_PROPERTIES,
 * AVAILABLE_DEVICES, values the application set, and the plugin's own values; validation and
 * storage of set values (typed or from text).
 *
 * Ownership: values returned by grt_core_get_property are caller-owned (grt_value_clear).
 * Threading: core->lock guards the stores and info caches; plugin calls hold the plugin's
 * call_lock and copy the plugin's strings before releasing it.
 */
#include <stdlib.h>
#include <string.h>

#include "runtime/core_internal.h"

/* Copies the plugin's property table, stepping by the entries' struct_size (a newer plugin's
 * entries may be larger). Called with core->lock held. */
static grt_status load_infos(grt_core_device *dev) {
    grt_plugin *p = dev->plugin;
    const grt_property_info *infos = NULL;
    size_t n = 0;
    grt_status st = GRT_OK;
    if (!p->api.supported_properties) {
        dev->infos_loaded = 1;
        return GRT_OK;
    }
    pthread_mutex_lock(&p->call_lock);
    grt_clear_error();
    st = p->api.supported_properties(dev->index, &infos, &n);
    if (st != GRT_OK) {
        st = grt_plugin_call_failed(st, "device '%s': supported_properties", dev->name);
        goto done;
    }
    if (n > 0 && !infos) {
        st = grt_error(GRT_ERROR_DEVICE, "device '%s': supported_properties returned NULL",
                       dev->name);
        goto done;
    }
    size_t stride = n > 0 ? infos[0].struct_size : sizeof *infos;
    if (stride < sizeof *infos) {
        st = grt_error(GRT_ERROR_DEVICE,
                       "device '%s': grt_property_info has struct_size %zu, expected >= %zu",
                       dev->name, stride, sizeof *infos);
        goto done;
    }
    dev->infos = calloc(n ? n : 1, sizeof *dev->infos);
    if (!dev->infos) {
        st = grt_error(GRT_ERROR_OUT_OF_MEMORY, "device '%s': out of memory", dev->name);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const grt_property_info *e =
            (const grt_property_info *)(const void *)((const char *)infos + i * stride);
        dev->infos[i] = *e;
        dev->infos[i].struct_size = sizeof *e;
        if (!e->name) {
            free(dev->infos);
            dev->infos = NULL;
            st = grt_error(GRT_ERROR_DEVICE, "device '%s': property %zu has no name", dev->name,
                           i);
            goto done;
        }
    }
    dev->n_infos = n;
    dev->infos_loaded = 1;
done:
    pthread_mutex_unlock(&p->call_lock);
    return st;
}

grt_status grt_core_device_infos(grt_core *core, grt_core_device *dev,
                                 const grt_property_info **infos, size_t *count) {
    grt_status st = GRT_OK;
    pthread_mutex_lock(&core->lock);
    if (!dev->infos_loaded) st = load_infos(dev);
    if (st == GRT_OK) {
        *infos = dev->infos;
        *count = dev->n_infos;
    }
    pthread_mutex_unlock(&core->lock);
    return st;
}

static int is_core_key(const char *key) {
    return !strcmp(key, GRT_PROP_SUPPORTED_PROPERTIES) || !strcmp(key, GRT_PROP_AVAILABLE_DEVICES);
}

grt_status grt_core_check_property(grt_core *core, grt_core_device *dev, const char *key,
                                   const grt_value *value, grt_value *converted) {
    const grt_property_info *infos = NULL, *info = NULL;
    size_t n = 0;
    if (!key || !value)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "device '%s': property key or value is NULL",
                         dev->name);
    if (is_core_key(key))
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "property '%s' of device '%s' is read-only",
                         key, dev->name);
    grt_status st = grt_core_device_infos(core, dev, &infos, &n);
    if (st != GRT_OK) return st;
    info = grt_property_info_find(infos, n, key);
    if (!info)
        return grt_error(GRT_ERROR_NOT_FOUND, "device '%s' has no property '%s'", dev->name, key);
    if (!info->is_mutable)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "property '%s' of device '%s' is read-only",
                         key, dev->name);
    *converted = *value;
    if (!grt_value_coerce(converted, (grt_value_type)info->value_type))
        return grt_error(GRT_ERROR_INVALID_ARGUMENT,
                         "property '%s' of device '%s' expects a %s value, got a %s", key,
                         dev->name, grt_value_type_name((grt_value_type)info->value_type),
                         grt_value_type_name((grt_value_type)value->type));
    if (converted->type == GRT_VALUE_STRING && !converted->u.s)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "property '%s' of device '%s': NULL string",
                         key, dev->name);
    if (dev->plugin->api.check_property) {
        grt_plugin *p = dev->plugin;
        pthread_mutex_lock(&p->call_lock);
        grt_clear_error();
        st = p->api.check_property(dev->index, key, converted);
        pthread_mutex_unlock(&p->call_lock);
        if (st != GRT_OK)
            return grt_plugin_call_failed(st, "device '%s', property '%s'", dev->name, key);
    }
    return GRT_OK;
}

grt_status grt_core_set_property(grt_core *core, const char *device, const char *key,
                                 const grt_value *value) {
    grt_core_device *dev = NULL;
    grt_value converted;
    if (!core) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "grt_core_set_property: core is NULL");
    grt_status st = grt_core_resolve(core, device, &dev, NULL);
    if (st != GRT_OK) return st;
    st = grt_core_check_property(core, dev, key, value, &converted);
    if (st != GRT_OK) return st;
    pthread_mutex_lock(&core->lock);
    st = grt_prop_store_set(&dev->props, key, &converted);
    pthread_mutex_unlock(&core->lock);
    return st;
}

grt_status grt_core_set_property_str(grt_core *core, const char *device, const char *key,
                                     const char *text) {
    grt_core_device *dev = NULL;
    const grt_property_info *infos = NULL, *info = NULL;
    size_t n = 0;
    grt_value v;
    if (!core || !key || !text)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "grt_core_set_property_str: NULL argument");
    grt_status st = grt_core_resolve(core, device, &dev, NULL);
    if (st != GRT_OK) return st;
    if (is_core_key(key))
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "property '%s' of device '%s' is read-only",
                         key, dev->name);
    st = grt_core_device_infos(core, dev, &infos, &n);
    if (st != GRT_OK) return st;
    info = grt_property_info_find(infos, n, key);
    if (!info)
        return grt_error(GRT_ERROR_NOT_FOUND, "device '%s' has no property '%s'", dev->name, key);
    st = grt_value_from_text((grt_value_type)info->value_type, key, text, &v);
    if (st != GRT_OK) return grt_error_wrap(st, "device '%s'", dev->name);
    st = grt_core_set_property(core, device, key, &v);
    grt_value_clear(&v);
    return st;
}

grt_status grt_core_supported_properties(grt_core *core, const char *device,
                                         const grt_property_info **infos, size_t *count) {
    grt_core_device *dev = NULL;
    if (!core || !infos || !count)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT,
                         "grt_core_supported_properties: NULL argument");
    grt_status st = grt_core_resolve(core, device, &dev, NULL);
    if (st != GRT_OK) return st;
    return grt_core_device_infos(core, dev, infos, count);
}

/* A caller-owned string list value of items[n]. */
static grt_status make_list(const char *const *items, size_t n, grt_value *out) {
    grt_value tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.type = GRT_VALUE_STRING_LIST;
    tmp.u.list.items = items;
    tmp.u.list.count = n;
    return grt_value_copy(&tmp, out);
}

static grt_status supported_list(grt_core *core, grt_core_device *dev, grt_value *out) {
    const grt_property_info *infos = NULL;
    size_t n = 0;
    grt_status st = grt_core_device_infos(core, dev, &infos, &n);
    if (st != GRT_OK) return st;
    const char **names = calloc(n ? n : 1, sizeof *names);
    if (!names) return grt_error(GRT_ERROR_OUT_OF_MEMORY, "out of memory");
    for (size_t i = 0; i < n; i++) names[i] = infos[i].name;
    st = make_list(names, n, out);
    free(names);
    return st;
}

static grt_status available_list(grt_core *core, grt_core_device *dev, grt_value *out) {
    const char **names = calloc(core->n_devices ? core->n_devices : 1, sizeof *names);
    size_t n = 0;
    if (!names) return grt_error(GRT_ERROR_OUT_OF_MEMORY, "out of memory");
    for (size_t i = 0; i < core->n_devices; i++) {
        if (core->devices[i].plugin == dev->plugin) names[n++] = core->devices[i].name;
    }
    grt_status st = make_list(names, n, out);
    free(names);
    return st;
}

grt_status grt_core_get_property(grt_core *core, const char *device, const char *key,
                                 grt_value *out) {
    grt_core_device *dev = NULL;
    if (!core || !key || !out)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "grt_core_get_property: NULL argument");
    memset(out, 0, sizeof *out);
    grt_status st = grt_core_resolve(core, device, &dev, NULL);
    if (st != GRT_OK) return st;
    if (!strcmp(key, GRT_PROP_SUPPORTED_PROPERTIES)) return supported_list(core, dev, out);
    if (!strcmp(key, GRT_PROP_AVAILABLE_DEVICES)) return available_list(core, dev, out);

    pthread_mutex_lock(&core->lock);
    const grt_value *set = grt_prop_store_find(&dev->props, key);
    st = set ? grt_value_copy(set, out) : GRT_ERROR_NOT_FOUND;
    pthread_mutex_unlock(&core->lock);
    if (set) return st;

    grt_plugin *p = dev->plugin;
    grt_value v;
    memset(&v, 0, sizeof v);
    pthread_mutex_lock(&p->call_lock);
    grt_clear_error();
    st = p->api.get_property(dev->index, key, &v);
    if (st == GRT_OK) st = grt_value_copy(&v, out);
    else if (st == GRT_ERROR_NOT_FOUND)
        st = grt_error(GRT_ERROR_NOT_FOUND, "device '%s' has no property '%s'", dev->name, key);
    else
        st = grt_plugin_call_failed(st, "device '%s', property '%s'", dev->name, key);
    pthread_mutex_unlock(&p->call_lock);
    return st;
}
