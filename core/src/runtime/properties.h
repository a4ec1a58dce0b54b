/*
 * runtime/properties.h - property values: deep copies, a small key -> value store (what an
 * application set on a device, or the merged properties of a compiled model), conversion of
 * text to a typed value, and lookup in a plugin's property table.
 *
 * Ownership: a store owns copies of every key and value; values returned by grt_value_copy are
 * caller-owned (release with grt_value_clear). Threading: not synchronised; the owning core or
 * compiled model holds its lock around store calls.
 */
#ifndef GENRT_RUNTIME_PROPERTIES_H
#define GENRT_RUNTIME_PROPERTIES_H

#include <stddef.h>

#include <genrt/plugin.h>
#include <genrt/status.h>

typedef struct grt_prop_store {
    grt_property *items; /* items[count]: owned key and value */
    size_t count, cap;
} grt_prop_store;

/* Deep copy of src into *dst (strings duplicated). Errors: OUT_OF_MEMORY, INVALID_ARGUMENT
 * (unknown value type). *dst is NONE on failure. */
grt_status grt_value_copy(const grt_value *src, grt_value *dst);

/* Sets key to a copy of value, replacing an earlier value. Errors: OUT_OF_MEMORY. */
grt_status grt_prop_store_set(grt_prop_store *s, const char *key, const grt_value *value);
/* The value of key (borrowed, valid until the store changes) or NULL. */
const grt_value *grt_prop_store_find(const grt_prop_store *s, const char *key);
/* Appends copies of every entry of src (replacing equal keys). Errors: OUT_OF_MEMORY. */
grt_status grt_prop_store_merge(grt_prop_store *dst, const grt_prop_store *src);
void grt_prop_store_free(grt_prop_store *s); /* NULL is a no-op */

/* "bool", "int", "double", "string", "string list" ("none" for others). */
const char *grt_value_type_name(grt_value_type type);

/* Converts text to a value of `type`: BOOL accepts true/false/yes/no/1/0 (any case), INT a
 * decimal int64, DOUBLE a finite number, STRING any text, STRING_LIST comma-separated items
 * (spaces around items trimmed). *out is caller-owned (grt_value_clear).
 * Errors: INVALID_ARGUMENT naming key and text. */
grt_status grt_value_from_text(grt_value_type type, const char *key, const char *text,
                               grt_value *out);

/* Converts *v in place to `type` where lossless (INT -> DOUBLE, INT 0/1 -> BOOL, BOOL -> INT).
 * Returns 1 if v now has `type`, else 0. Never allocates. */
int grt_value_coerce(grt_value *v, grt_value_type type);

/* The entry of infos[count] called key, or NULL. */
const grt_property_info *grt_property_info_find(const grt_property_info *infos, size_t count,
                                                const char *key);

#endif
