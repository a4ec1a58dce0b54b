/*
 * runtime/device_name.h - parsing and formatting of device names: "CPU", "GPU", "GPU.1",
 * "AUTO:GPU,CPU".
 *
 * A plugin of type T with N devices exposes "T.0" .. "T.(N-1)" when N > 1 and just "T" when N == 1;
 * "T" alone always means device 0 and "T.i" is accepted for any i < N. "AUTO:<list>" selects the
 * plugin named AUTO with <list> as its DEVICE_PRIORITIES property.
 * Pure functions, thread-safe, no allocation.
 */
#ifndef GENRT_RUNTIME_DEVICE_NAME_H
#define GENRT_RUNTIME_DEVICE_NAME_H

#include <stddef.h>
#include <stdint.h>

#include <genrt/types.h>

#define GRT_DEVICE_TYPE_MAX 64

typedef struct grt_device_name {
    char type[GRT_DEVICE_TYPE_MAX]; /* "GPU" */
    int has_index;                  /* 1 if the name had ".i" */
    uint32_t index;                 /* i, or 0 */
    const char *auto_list;          /* "GPU,CPU" for "AUTO:GPU,CPU" (points into the name), or NULL */
} grt_device_name;

/* 1 if `type` is a valid device type name: 1..63 characters of [A-Za-z0-9_]. */
int grt_device_type_valid(const char *type);

/* Parses `name`. Errors: INVALID_ARGUMENT naming the device (empty, bad type, bad index,
 * empty AUTO list). */
grt_status grt_device_name_parse(const char *name, grt_device_name *out);

/* Writes the public name of device `index` of a plugin of `type` with `count` devices into
 * buf[size] ("CPU", "GPU.1"). Returns the length written (truncated like snprintf). */
size_t grt_device_name_format(const char *type, uint32_t count, uint32_t index, char *buf,
                              size_t size);

#endif
