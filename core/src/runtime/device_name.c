/*
 * runtime/device_name.c - device name parsing and formatting (see device_name.h).
 * Pure functions: thread-safe, no allocation.
 */
#include "runtime/device_name.h"

#include <stdio.h>
#include <string.h>

#include "util/error.h"

static int type_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

int grt_device_type_valid(const char *type) {
    if (!type || !*type) return 0;
    size_t n = 0;
    for (; type[n]; n++) {
        if (!type_char(type[n]) || n + 1 >= GRT_DEVICE_TYPE_MAX) return 0;
    }
    return 1;
}

grt_status grt_device_name_parse(const char *name, grt_device_name *out) {
    memset(out, 0, sizeof *out);
    if (!name || !*name) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "device name is empty");
    if (!strncmp(name, "AUTO:", 5)) {
        if (!name[5])
            return grt_error(GRT_ERROR_INVALID_ARGUMENT,
                             "device '%s': no device list after 'AUTO:'", name);
        memcpy(out->type, "AUTO", 5);
        out->auto_list = name + 5;
        return GRT_OK;
    }
    size_t n = 0;
    while (name[n] && name[n] != '.') {
        if (!type_char(name[n]))
            return grt_error(GRT_ERROR_INVALID_ARGUMENT,
                             "device '%s': unexpected character '%c' in the device type", name,
                             name[n]);
        if (n + 1 >= GRT_DEVICE_TYPE_MAX)
            return grt_error(GRT_ERROR_INVALID_ARGUMENT, "device '%s': device type too long",
                             name);
        n++;
    }
    if (n == 0) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "device '%s': empty device type", name);
    memcpy(out->type, name, n);
    out->type[n] = '\0';
    if (!name[n]) return GRT_OK;
    const char *p = name + n + 1;
    if (!*p)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "device '%s': missing index after '.'", name);
    uint64_t v = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return grt_error(GRT_ERROR_INVALID_ARGUMENT,
                             "device '%s': index must be a decimal number", name);
        v = v * 10 + (uint64_t)(*p - '0');
        if (v > UINT32_MAX)
            return grt_error(GRT_ERROR_INVALID_ARGUMENT, "device '%s': index out of range", name);
    }
    out->has_index = 1;
    out->index = (uint32_t)v;
    return GRT_OK;
}

size_t grt_device_name_format(const char *type, uint32_t count, uint32_t index, char *buf,
                              size_t size) {
    int n = count > 1 ? snprintf(buf, size, "%s.%u", type, index) : snprintf(buf, size, "%s", type);
    return n < 0 ? 0 : (size_t)n;
}
