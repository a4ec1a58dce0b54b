/*
 * runtime/properties.c - property values, the key/value store and text conversion
 * (see properties.h). Not synchronised; callers hold their object's lock.
 */
#include "runtime/properties.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/error.h"

grt_status grt_value_copy(const grt_value *src, grt_value *dst) {
    memset(dst, 0, sizeof *dst);
    switch ((grt_value_type)src->type) {
    case GRT_VALUE_NONE:
    case GRT_VALUE_BOOL:
    case GRT_VALUE_INT:
    case GRT_VALUE_DOUBLE:
        *dst = *src;
        return GRT_OK;
    case GRT_VALUE_STRING: {
        char *s = strdup(src->u.s ? src->u.s : "");
        if (!s) return grt_error(GRT_ERROR_OUT_OF_MEMORY, "out of memory copying a property value");
        dst->type = GRT_VALUE_STRING;
        dst->u.s = s;
        return GRT_OK;
    }
    case GRT_VALUE_STRING_LIST: {
        size_t n = src->u.list.count;
        if (n > 0 && !src->u.list.items)
            return grt_error(GRT_ERROR_INVALID_ARGUMENT, "string list value with NULL items");
        char **items = calloc(n ? n : 1, sizeof *items);
        if (!items) return grt_error(GRT_ERROR_OUT_OF_MEMORY, "out of memory copying a list");
        dst->type = GRT_VALUE_STRING_LIST;
        dst->u.list.items = (const char *const *)items;
        for (size_t i = 0; i < n; i++) {
            items[i] = strdup(src->u.list.items[i] ? src->u.list.items[i] : "");
            if (!items[i]) {
                dst->u.list.count = i;
                grt_value_clear(dst);
                return grt_error(GRT_ERROR_OUT_OF_MEMORY, "out of memory copying a list");
            }
        }
        dst->u.list.count = n;
        return GRT_OK;
    }
    }
    return grt_error(GRT_ERROR_INVALID_ARGUMENT, "unknown property value type %u", src->type);
}

const grt_value *grt_prop_store_find(const grt_prop_store *s, const char *key) {
    for (size_t i = 0; i < s->count; i++) {
        if (!strcmp(s->items[i].key, key)) return &s->items[i].value;
    }
    return NULL;
}

grt_status grt_prop_store_set(grt_prop_store *s, const char *key, const grt_value *value) {
    grt_value copy;
    grt_status st = grt_value_copy(value, &copy);
    if (st != GRT_OK) return st;
    for (size_t i = 0; i < s->count; i++) {
        if (!strcmp(s->items[i].key, key)) {
            grt_value_clear(&s->items[i].value);
            s->items[i].value = copy;
            return GRT_OK;
        }
    }
    if (s->count == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        grt_property *items = realloc(s->items, cap * sizeof *items);
        if (!items) goto oom;
        s->items = items;
        s->cap = cap;
    }
    char *k = strdup(key);
    if (!k) goto oom;
    s->items[s->count].key = k;
    s->items[s->count].value = copy;
    s->count++;
    return GRT_OK;
oom:
    grt_value_clear(&copy);
    return grt_error(GRT_ERROR_OUT_OF_MEMORY, "out of memory storing property '%s'", key);
}

grt_status grt_prop_store_merge(grt_prop_store *dst, const grt_prop_store *src) {
    for (size_t i = 0; i < src->count; i++) {
        grt_status st = grt_prop_store_set(dst, src->items[i].key, &src->items[i].value);
        if (st != GRT_OK) return st;
    }
    return GRT_OK;
}

void grt_prop_store_free(grt_prop_store *s) {
    if (!s) return;
    for (size_t i = 0; i < s->count; i++) {
        free((void *)s->items[i].key);
        grt_value_clear(&s->items[i].value);
    }
    free(s->items);
    memset(s, 0, sizeof *s);
}

const char *grt_value_type_name(grt_value_type type) {
    switch (type) {
    case GRT_VALUE_BOOL: return "bool";
    case GRT_VALUE_INT: return "int";
    case GRT_VALUE_DOUBLE: return "double";
    case GRT_VALUE_STRING: return "string";
    case GRT_VALUE_STRING_LIST: return "string list";
    case GRT_VALUE_NONE: break;
    }
    return "none";
}

/* Copies text[0..n) without surrounding spaces. NULL on out of memory. */
static char *dup_trimmed(const char *text, size_t n) {
    while (n > 0 && isspace((unsigned char)*text)) {
        text++;
        n--;
    }
    while (n > 0 && isspace((unsigned char)text[n - 1])) n--;
    char *s = malloc(n + 1);
    if (!s) return NULL;
    memcpy(s, text, n);
    s[n] = '\0';
    return s;
}

static grt_status list_from_text(const char *key, const char *text, grt_value *out) {
    size_t n = 1;
    for (const char *p = text; *p; p++) n += *p == ',';
    if (!*text) n = 0;
    char **items = calloc(n ? n : 1, sizeof *items);
    if (!items) return grt_error(GRT_ERROR_OUT_OF_MEMORY, "property '%s': out of memory", key);
    out->type = GRT_VALUE_STRING_LIST;
    out->u.list.items = (const char *const *)items;
    const char *start = text;
    for (size_t i = 0; i < n; i++) {
        const char *end = strchr(start, ',');
        if (!end) end = start + strlen(start);
        items[i] = dup_trimmed(start, (size_t)(end - start));
        if (!items[i]) {
            out->u.list.count = i;
            grt_value_clear(out);
            return grt_error(GRT_ERROR_OUT_OF_MEMORY, "property '%s': out of memory", key);
        }
        out->u.list.count = i + 1;
        start = *end ? end + 1 : end;
    }
    return GRT_OK;
}

/* 1 if a strtoll/strtod that started at text and stopped at end consumed a number without leading
 * white space and left only trailing white space. */
static int parsed_whole(const char *text, const char *end) {
    while (end && isspace((unsigned char)*end)) end++;
    return *text && !isspace((unsigned char)*text) && end && !*end;
}

grt_status grt_value_from_text(grt_value_type type, const char *key, const char *text,
                               grt_value *out) {
    memset(out, 0, sizeof *out);
    if (!text) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "property '%s': value is NULL", key);
    switch (type) {
    case GRT_VALUE_BOOL:
        if (!strcasecmp(text, "true") || !strcasecmp(text, "yes") || !strcmp(text, "1")) {
            out->type = GRT_VALUE_BOOL;
            out->u.i = 1;
            return GRT_OK;
        }
        if (!strcasecmp(text, "false") || !strcasecmp(text, "no") || !strcmp(text, "0")) {
            out->type = GRT_VALUE_BOOL;
            out->u.i = 0;
            return GRT_OK;
        }
        return grt_error(GRT_ERROR_INVALID_ARGUMENT,
                         "property '%s': '%s' is not a boolean (true/false/YES/NO/1/0)", key, text);
    case GRT_VALUE_INT: {
        char *end = NULL;
        errno = 0;
        long long v = strtoll(text, &end, 10);
        if (!parsed_whole(text, end) || errno == ERANGE)
            return grt_error(GRT_ERROR_INVALID_ARGUMENT, "property '%s': '%s' is not an integer",
                             key, text);
        out->type = GRT_VALUE_INT;
        out->u.i = v;
        return GRT_OK;
    }
    case GRT_VALUE_DOUBLE: {
        char *end = NULL;
        errno = 0;
        double v = strtod(text, &end);
        if (!parsed_whole(text, end) || errno == ERANGE || !isfinite(v))
            return grt_error(GRT_ERROR_INVALID_ARGUMENT, "property '%s': '%s' is not a number",
                             key, text);
        out->type = GRT_VALUE_DOUBLE;
        out->u.f = v;
        return GRT_OK;
    }
    case GRT_VALUE_STRING: {
        char *s = strdup(text);
        if (!s) return grt_error(GRT_ERROR_OUT_OF_MEMORY, "property '%s': out of memory", key);
        out->type = GRT_VALUE_STRING;
        out->u.s = s;
        return GRT_OK;
    }
    case GRT_VALUE_STRING_LIST:
        return list_from_text(key, text, out);
    case GRT_VALUE_NONE:
        break;
    }
    return grt_error(GRT_ERROR_INVALID_ARGUMENT, "property '%s': its value type %u cannot be set",
                     key, (unsigned)type);
}

int grt_value_coerce(grt_value *v, grt_value_type type) {
    if (v->type == (uint32_t)type) return 1;
    if (v->type == GRT_VALUE_INT && type == GRT_VALUE_DOUBLE) {
        double f = (double)v->u.i;
        v->type = GRT_VALUE_DOUBLE;
        v->u.f = f;
        return 1;
    }
    if (v->type == GRT_VALUE_INT && type == GRT_VALUE_BOOL && (v->u.i == 0 || v->u.i == 1)) {
        v->type = GRT_VALUE_BOOL;
        return 1;
    }
    if (v->type == GRT_VALUE_BOOL && type == GRT_VALUE_INT) {
        v->type = GRT_VALUE_INT;
        return 1;
    }
    return 0;
}

const grt_property_info *grt_property_info_find(const grt_property_info *infos, size_t count,
                                                const char *key) {
    for (size_t i = 0; i < count; i++) {
        if (infos[i].name && !strcmp(infos[i].name, key)) return &infos[i];
    }
    return NULL;
}
