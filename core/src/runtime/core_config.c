/*
 * runtime/core_config.c - the core's JSON configuration file:
 *     { "CPU": { "INFERENCE_NUM_THREADS": 2, "PERFORMANCE_HINT": "LATENCY" } }
 * Each value is converted to the property's type (JSON true/false, numbers, strings, arrays of
 * strings for string lists) and applied with the same checks as grt_core_set_property.
 *
 * Errors name the file and the device/key. Threading: called from grt_core_create only.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/core_internal.h"

#define GRT_CONFIG_MAX_BYTES (16u << 20)

static grt_status read_file(const char *path, char **out) {
    char *buf = NULL;
    grt_status st = GRT_OK;
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return grt_error(errno == ENOENT ? GRT_ERROR_NOT_FOUND : GRT_ERROR_IO,
                         "config '%s': cannot open: %s", path, strerror(errno));
    if (fseek(f, 0, SEEK_END) != 0) goto io;
    long size = ftell(f);
    if (size < 0 || fseek(f, 0, SEEK_SET) != 0) goto io;
    if ((unsigned long)size > GRT_CONFIG_MAX_BYTES) {
        st = grt_error(GRT_ERROR_FORMAT, "config '%s': file too large (%ld bytes)", path, size);
        goto done;
    }
    buf = malloc((size_t)size + 1);
    if (!buf) {
        st = grt_error(GRT_ERROR_OUT_OF_MEMORY, "config '%s': out of memory", path);
        goto done;
    }
    if (fread(buf, 1, (size_t)size, f) != (size_t)size) goto io;
    buf[size] = '\0';
    *out = buf;
    buf = NULL;
    goto done;
io:
    st = grt_error(GRT_ERROR_IO, "config '%s': read error", path);
done:
    free(buf);
    fclose(f);
    return st;
}

/* Converts a JSON scalar or array of scalars to text as grt_core_set_property_str reads it. */
static grt_status json_to_text(const cJSON *item, char *buf, size_t size) {
    if (cJSON_IsBool(item)) {
        snprintf(buf, size, "%s", cJSON_IsTrue(item) ? "true" : "false");
    } else if (cJSON_IsNumber(item)) {
        double d = item->valuedouble;
        if (d == floor(d) && fabs(d) < 9.0e15)
            snprintf(buf, size, "%lld", (long long)d);
        else
            snprintf(buf, size, "%.17g", d);
    } else if (cJSON_IsString(item)) {
        if (strlen(item->valuestring) >= size) return GRT_ERROR_FORMAT;
        snprintf(buf, size, "%s", item->valuestring);
    } else if (cJSON_IsArray(item)) {
        size_t used = 0;
        buf[0] = '\0';
        int first = 1;
        for (const cJSON *e = item->child; e; e = e->next) {
            char one[1024];
            if (cJSON_IsArray(e) || cJSON_IsObject(e) || json_to_text(e, one, sizeof one) != GRT_OK)
                return GRT_ERROR_FORMAT;
            int n = snprintf(buf + used, size - used, "%s%s", first ? "" : ",", one);
            if (n < 0 || (size_t)n >= size - used) return GRT_ERROR_FORMAT;
            used += (size_t)n;
            first = 0;
        }
    } else {
        return GRT_ERROR_FORMAT;
    }
    return GRT_OK;
}

grt_status grt_core_apply_config(grt_core *core, const char *path) {
    char *text = NULL;
    char value[4096];
    cJSON *root = NULL;
    grt_status st = read_file(path, &text);
    if (st != GRT_OK) return st;
    const char *err_at = NULL;
    root = cJSON_ParseWithOpts(text, &err_at, 1);
    if (!root) {
        size_t off = err_at && err_at >= text ? (size_t)(err_at - text) : 0;
        st = grt_error(GRT_ERROR_FORMAT, "config '%s': invalid JSON near byte %zu", path, off);
        goto done;
    }
    if (!cJSON_IsObject(root)) {
        st = grt_error(GRT_ERROR_FORMAT,
                       "config '%s': the top level must be an object of devices", path);
        goto done;
    }
    for (const cJSON *dev = root->child; dev; dev = dev->next) {
        if (!cJSON_IsObject(dev)) {
            st = grt_error(GRT_ERROR_FORMAT,
                           "config '%s': device '%s' must map to an object of properties", path,
                           dev->string);
            goto done;
        }
        for (const cJSON *prop = dev->child; prop; prop = prop->next) {
            if (json_to_text(prop, value, sizeof value) != GRT_OK) {
                st = grt_error(GRT_ERROR_FORMAT,
                               "config '%s': device '%s', property '%s': value must be a "
                               "boolean, number, string or array of those",
                               path, dev->string, prop->string);
                goto done;
            }
            st = grt_core_set_property_str(core, dev->string, prop->string, value);
            if (st != GRT_OK) {
                grt_error_wrap(st, "config '%s'", path);
                goto done;
            }
        }
    }
done:
    cJSON_Delete(root);
    free(text);
    return st;
}
