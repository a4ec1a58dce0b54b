/*
 * ir/metadata.c - the model metadata table (metadata.h) and the public metadata API of
 * genrt/model.h (grt_model_set_meta/get_meta/remove_meta/meta_count/meta_key).
 * Every value is copied into a single allocation: [payload] for scalars' strings and arrays,
 * [char* table][length table][bytes with NUL terminators] for string arrays.
 * Thread-safety: as documented in genrt/model.h (no internal locking).
 */
#include "ir/metadata.h"

#include <stdlib.h>
#include <string.h>

#include "ir/graph.h"
#include "util/error.h"

static uint64_t hash_key(const char *s) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++) {
        h ^= (uint8_t)*s;
        h *= 0x100000001b3ull;
    }
    return h;
}

/* Slot index holding `key`, or the empty slot where it would go. n_slots must be > 0. */
static size_t probe(const grt_ir_meta *m, const char *key) {
    size_t mask = m->n_slots - 1, i = (size_t)hash_key(key) & mask;
    while (m->slots[i] && strcmp(m->entries[m->slots[i] - 1].key, key)) i = (i + 1) & mask;
    return i;
}

/* Rebuilds the hash with at least 2 * want slots. Errors: OUT_OF_MEMORY (table unchanged). */
static grt_status rehash(grt_ir_meta *m, size_t want) {
    size_t n = 16;
    while (n < 2 * want + 2) {
        if (n > SIZE_MAX / 4) return grt_error(GRT_ERROR_OUT_OF_MEMORY, "metadata: too many keys");
        n *= 2;
    }
    uint32_t *slots = calloc(n, sizeof *slots);
    if (!slots) return grt_error(GRT_ERROR_OUT_OF_MEMORY, "metadata: out of memory");
    free(m->slots);
    m->slots = slots;
    m->n_slots = n;
    for (size_t i = 0; i < m->count; i++) m->slots[probe(m, m->entries[i].key)] = (uint32_t)(i + 1);
    return GRT_OK;
}

const grt_ir_meta_entry *grt_ir_meta_find(const grt_ir_meta *m, const char *key) {
    if (!m || !key || !m->n_slots) return NULL;
    uint32_t s = m->slots[probe(m, key)];
    return s ? &m->entries[s - 1] : NULL;
}

static void entry_free(grt_ir_meta_entry *e) {
    free(e->key);
    free(e->mem);
}

void grt_ir_meta_free(grt_ir_meta *m) {
    if (!m) return;
    for (size_t i = 0; i < m->count; i++) entry_free(&m->entries[i]);
    free(m->entries);
    free(m->slots);
    memset(m, 0, sizeof *m);
}

/* a + b, or SIZE_MAX on overflow (callers reject SIZE_MAX). */
static size_t add_sz(size_t a, size_t b) { return a > SIZE_MAX - b ? SIZE_MAX : a + b; }
static size_t mul_sz(size_t a, size_t b) { return b && a > SIZE_MAX / b ? SIZE_MAX : a * b; }

/* Deep copy of *v into e->v / e->mem. Errors: INVALID_ARGUMENT, OUT_OF_MEMORY. */
static grt_status copy_value(const char *key, const grt_meta_value *v, grt_ir_meta_entry *e) {
    size_t bytes = 0, count = 0;
    e->mem = NULL;
    memset(&e->v, 0, sizeof e->v);
    e->v.type = v->type;
    switch ((grt_meta_type)v->type) {
    case GRT_META_INT: e->v.u.i = v->u.i; return GRT_OK;
    case GRT_META_FLOAT: e->v.u.f = v->u.f; return GRT_OK;
    case GRT_META_STRING:
        if (!v->u.str.data && v->u.str.len)
            return grt_error(GRT_ERROR_INVALID_ARGUMENT, "metadata '%s': NULL string data", key);
        bytes = add_sz(v->u.str.len, 1);
        break;
    case GRT_META_INT_ARRAY:
    case GRT_META_FLOAT_ARRAY:
        count = v->u.ints.count; /* same layout for floats */
        if (!v->u.ints.data && count)
            return grt_error(GRT_ERROR_INVALID_ARGUMENT, "metadata '%s': NULL array data", key);
        bytes = mul_sz(count ? count : 1, 8);
        break;
    case GRT_META_STRING_ARRAY:
        count = v->u.strs.count;
        if (count && (!v->u.strs.data || !v->u.strs.lens))
            return grt_error(GRT_ERROR_INVALID_ARGUMENT, "metadata '%s': NULL string array", key);
        bytes = mul_sz(count, sizeof(char *) + sizeof(size_t));
        for (size_t i = 0; i < count; i++) {
            if (!v->u.strs.data[i])
                return grt_error(GRT_ERROR_INVALID_ARGUMENT, "metadata '%s': string array entry %zu is NULL", key, i);
            bytes = add_sz(bytes, add_sz(v->u.strs.lens[i], 1));
        }
        bytes = add_sz(bytes, 1);
        break;
    default:
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "metadata '%s': unknown value type %u", key, v->type);
    }
    if (bytes == SIZE_MAX) return grt_error(GRT_ERROR_OUT_OF_MEMORY, "metadata '%s': value too large", key);
    char *mem = malloc(bytes);
    if (!mem) return grt_error(GRT_ERROR_OUT_OF_MEMORY, "metadata '%s': out of memory (%zu bytes)", key, bytes);
    e->mem = mem;
    switch ((grt_meta_type)v->type) {
    case GRT_META_STRING:
        if (v->u.str.len) memcpy(mem, v->u.str.data, v->u.str.len);
        mem[v->u.str.len] = '\0';
        e->v.u.str.data = mem;
        e->v.u.str.len = v->u.str.len;
        break;
    case GRT_META_INT_ARRAY:
    case GRT_META_FLOAT_ARRAY:
        if (count) memcpy(mem, v->u.ints.data, count * 8);
        e->v.u.ints.data = (const int64_t *)(void *)mem;
        e->v.u.ints.count = count;
        break;
    default: { /* GRT_META_STRING_ARRAY */
        const char **ptrs = (const char **)(void *)mem;
        size_t *lens = (size_t *)(void *)(mem + count * sizeof(char *));
        char *chars = mem + count * (sizeof(char *) + sizeof(size_t));
        for (size_t i = 0; i < count; i++) {
            size_t n = v->u.strs.lens[i];
            if (n) memcpy(chars, v->u.strs.data[i], n);
            chars[n] = '\0';
            ptrs[i] = chars;
            lens[i] = n;
            chars += n + 1;
        }
        e->v.u.strs.data = ptrs;
        e->v.u.strs.lens = lens;
        e->v.u.strs.count = count;
        break;
    }
    }
    return GRT_OK;
}

int grt_ir_utf8_valid(const char *s, size_t n) {
    const uint8_t *p = (const uint8_t *)s;
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        size_t len;
        uint32_t cp, min;
        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1F, min = 0x80;
        else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0F, min = 0x800;
        else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07, min = 0x10000;
        else return 0;
        if (n - i < len) return 0;
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
        i += len;
    }
    return 1;
}

grt_status grt_ir_meta_set(grt_ir_meta *m, const char *key, const grt_meta_value *value) {
    grt_ir_meta_entry e;
    grt_status st;
    if (!m || !key || !value) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "grt_model_set_meta: NULL argument");
    if (!key[0]) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "grt_model_set_meta: empty key");
    if (!grt_ir_utf8_valid(key, strlen(key)))
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "grt_model_set_meta: key is not valid UTF-8");
    if ((st = copy_value(key, value, &e)) != GRT_OK) return st;
    grt_ir_meta_entry *old = (grt_ir_meta_entry *)grt_ir_meta_find(m, key);
    if (old) { /* replace in place: order unchanged */
        free(old->mem);
        old->mem = e.mem;
        old->v = e.v;
        return GRT_OK;
    }
    if (m->count >= UINT32_MAX - 1) goto oom;
    if (!(e.key = strdup(key))) goto oom;
    if (m->count == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        grt_ir_meta_entry *n = realloc(m->entries, cap * sizeof *n);
        if (!n) goto oom_key;
        m->entries = n;
        m->cap = cap;
    }
    if (2 * (m->count + 1) + 2 > m->n_slots && rehash(m, m->count + 1) != GRT_OK) goto oom_key;
    m->entries[m->count] = e;
    m->slots[probe(m, key)] = (uint32_t)(m->count + 1);
    m->count++;
    return GRT_OK;
oom_key:
    free(e.key);
oom:
    free(e.mem);
    return grt_error(GRT_ERROR_OUT_OF_MEMORY, "metadata '%s': out of memory", key);
}

int grt_ir_meta_remove(grt_ir_meta *m, const char *key) {
    const grt_ir_meta_entry *e = grt_ir_meta_find(m, key);
    if (!e) return 0;
    size_t i = (size_t)(e - m->entries);
    entry_free(&m->entries[i]);
    memmove(&m->entries[i], &m->entries[i + 1], (m->count - i - 1) * sizeof *m->entries);
    m->count--;
    /* Rebuild the index in place (same slot count, cannot fail). */
    memset(m->slots, 0, m->n_slots * sizeof *m->slots);
    for (size_t k = 0; k < m->count; k++) m->slots[probe(m, m->entries[k].key)] = (uint32_t)(k + 1);
    return 1;
}

/* --- public API ------------------------------------------------------------------------- */

GRT_EXPORT grt_status grt_model_set_meta(grt_model *model, const char *key, const grt_meta_value *value) {
    if (!model) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "grt_model_set_meta: NULL model");
    return grt_ir_meta_set(&model->meta, key, value);
}

GRT_EXPORT grt_status grt_model_get_meta(const grt_model *model, const char *key, grt_meta_value *out) {
    if (!model || !key || !out) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "grt_model_get_meta: NULL argument");
    const grt_ir_meta_entry *e = grt_ir_meta_find(&model->meta, key);
    if (!e) return grt_error(GRT_ERROR_NOT_FOUND, "model '%s' has no metadata key '%s'", model->g.name, key);
    *out = e->v;
    return GRT_OK;
}

GRT_EXPORT grt_status grt_model_remove_meta(grt_model *model, const char *key) {
    if (!model || !key) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "grt_model_remove_meta: NULL argument");
    grt_ir_meta_remove(&model->meta, key);
    return GRT_OK;
}

GRT_EXPORT size_t grt_model_meta_count(const grt_model *model) { return model ? model->meta.count : 0; }

GRT_EXPORT const char *grt_model_meta_key(const grt_model *model, size_t index) {
    return model && index < model->meta.count ? model->meta.entries[index].key : NULL;
}
