/*
 * ir/serialize_meta.c - writes and reads the "metadata" section of the GenRT IR file
 * (serialize_meta.h, docs/IR_FORMAT.md). Entry forms:
 *   {"key": K, "type": "int", "value": 5}            (decimal string beyond +-2^53)
 *   {"key": K, "type": "float", "value": 0.5}        ("nan", "inf", "-inf" as strings)
 *   {"key": K, "type": "string", "value": "text"}    (well-formed UTF-8 without NUL)
 *   {"key": K, "type": "string", "data": SPAN}       (any other bytes, raw in the blob)
 *   {"key": K, "type": "ints"|"floats", "count": N, "data": SPAN}  (N little-endian i64 / f64)
 *   {"key": K, "type": "strings", "count": N, "offsets": SPAN, "data": SPAN}
 *       offsets: N + 1 little-endian u64, offsets[0] = 0, non-decreasing, offsets[N] = data bytes;
 *       string i is data[offsets[i], offsets[i + 1]).
 * SPAN is {"offset": o, "bytes": n} relative to the blob start, as for constants.
 * Stateless; thread-safe.
 */
#include "ir/serialize_meta.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ir/serialize_format.h"
#include "ir/serialize_util.h"
#include "ir/weights.h"
#include "util/error.h"

/* 1 if a string value can be stored as a JSON string and read back byte for byte. */
static int json_safe(const char *p, size_t n) { return memchr(p, 0, n) == NULL && grt_ir_utf8_valid(p, n); }

/* Byte sizes of the two blob parts of an entry (0 = none). */
static int part_sizes(const grt_meta_value *v, size_t *a, size_t *b) {
    *a = *b = 0;
    switch ((grt_meta_type)v->type) {
    case GRT_META_STRING:
        if (!json_safe(v->u.str.data, v->u.str.len)) *a = v->u.str.len;
        return 1;
    case GRT_META_INT_ARRAY:
    case GRT_META_FLOAT_ARRAY:
        if (v->u.ints.count > SIZE_MAX / 8) return 0;
        *a = v->u.ints.count * 8;
        return 1;
    case GRT_META_STRING_ARRAY:
        if (v->u.strs.count >= SIZE_MAX / 8) return 0;
        *a = (v->u.strs.count + 1) * 8;
        for (size_t i = 0; i < v->u.strs.count; i++) {
            if (v->u.strs.lens[i] > SIZE_MAX / 2 - *b) return 0;
            *b += v->u.strs.lens[i];
        }
        return 1;
    default: return 1;
    }
}

grt_status grt_ir_meta_layout(const grt_ir_meta *m, size_t start, size_t *offs, size_t *end) {
    size_t cur = grt_ir_align_up(start);
    for (size_t i = 0; i < m->count; i++) {
        size_t a, b;
        if (!part_sizes(&m->entries[i].v, &a, &b) || a > SIZE_MAX / 4 - cur || b > SIZE_MAX / 4 - cur - a)
            return grt_error(GRT_ERROR_OUT_OF_MEMORY, "metadata '%s': too large to save", m->entries[i].key);
        offs[2 * i] = cur;
        cur = grt_ir_align_up(cur + a);
        offs[2 * i + 1] = cur;
        cur = grt_ir_align_up(cur + b);
    }
    *end = cur;
    return GRT_OK;
}

/* --- writing ---------------------------------------------------------------------------- */

static cJSON *json_entry(const grt_ir_meta_entry *e, size_t off_a, size_t off_b) {
    static const char *const names[] = {"none", "int", "float", "string", "ints", "floats", "strings"};
    const grt_meta_value *v = &e->v;
    size_t a, b;
    cJSON *o = cJSON_CreateObject();
    if (!o || v->type < GRT_META_INT || v->type > GRT_META_STRING_ARRAY || !part_sizes(v, &a, &b) ||
        !grt_ir_json_put(o, "key", cJSON_CreateString(e->key)) ||
        !grt_ir_json_put(o, "type", cJSON_CreateString(names[v->type])))
        goto fail;
    switch ((grt_meta_type)v->type) {
    case GRT_META_INT:
        if (!grt_ir_json_put(o, "value", grt_ir_json_int(v->u.i))) goto fail;
        break;
    case GRT_META_FLOAT:
        if (!grt_ir_json_put(o, "value", isfinite(v->u.f) ? cJSON_CreateNumber(v->u.f)
                                               : cJSON_CreateString(isnan(v->u.f) ? "nan" : v->u.f > 0 ? "inf" : "-inf")))
            goto fail;
        break;
    case GRT_META_STRING:
        if (!(a ? grt_ir_json_put(o, "data", grt_ir_json_span(off_a, a))
                : grt_ir_json_put(o, "value", cJSON_CreateString(v->u.str.data))))
            goto fail;
        break;
    case GRT_META_INT_ARRAY:
    case GRT_META_FLOAT_ARRAY:
        if (!grt_ir_json_put(o, "count", grt_ir_json_int((int64_t)v->u.ints.count)) ||
            !grt_ir_json_put(o, "data", grt_ir_json_span(off_a, a)))
            goto fail;
        break;
    default:
        if (!grt_ir_json_put(o, "count", grt_ir_json_int((int64_t)v->u.strs.count)) ||
            !grt_ir_json_put(o, "offsets", grt_ir_json_span(off_a, a)) ||
            !grt_ir_json_put(o, "data", grt_ir_json_span(off_b, b)))
            goto fail;
        break;
    }
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

cJSON *grt_ir_meta_to_json(const grt_ir_meta *m, const size_t *offs) {
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; arr && i < m->count; i++) {
        cJSON *e = json_entry(&m->entries[i], offs[2 * i], offs[2 * i + 1]);
        if (!e) {
            cJSON_Delete(arr);
            return NULL;
        }
        cJSON_AddItemToArray(arr, e);
    }
    return arr;
}

/* Zero-pads from blob position *pos up to off (nothing if already there). */
static int pad_to(FILE *f, size_t *pos, size_t off) {
    if (*pos >= off) return 1;
    if (!grt_ir_write_zeros(f, off - *pos)) return 0;
    *pos = off;
    return 1;
}

/* Writes n little-endian u64 values produced by get(i), buffered. */
static int write_u64s(FILE *f, size_t n, uint64_t (*get)(const grt_meta_value *, size_t), const grt_meta_value *v) {
    uint8_t buf[8 * 512];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        grt_ir_put_u64(buf + 8 * k, get(v, i));
        if (++k == 512) {
            if (!grt_ir_write_all(f, buf, sizeof buf)) return 0;
            k = 0;
        }
    }
    return grt_ir_write_all(f, buf, 8 * k);
}

static uint64_t get_word(const grt_meta_value *v, size_t i) {
    uint64_t w;
    memcpy(&w, &v->u.ints.data[i], 8); /* i64 or f64 bits */
    return w;
}

int grt_ir_meta_write_blob(const grt_ir_meta *m, const size_t *offs, FILE *f, size_t *pos) {
    for (size_t i = 0; i < m->count; i++) {
        const grt_meta_value *v = &m->entries[i].v;
        size_t a, b;
        if (!part_sizes(v, &a, &b)) return 0;
        if (a && !pad_to(f, pos, offs[2 * i])) return 0;
        switch ((grt_meta_type)v->type) {
        case GRT_META_STRING:
            if (a && !grt_ir_write_all(f, v->u.str.data, a)) return 0;
            break;
        case GRT_META_INT_ARRAY:
        case GRT_META_FLOAT_ARRAY:
            if (!write_u64s(f, v->u.ints.count, get_word, v)) return 0;
            break;
        case GRT_META_STRING_ARRAY: {
            uint8_t buf[8 * 512];
            size_t k = 0;
            uint64_t run = 0;
            for (size_t s = 0; s <= v->u.strs.count; s++) {
                grt_ir_put_u64(buf + 8 * k, run);
                if (s < v->u.strs.count) run += v->u.strs.lens[s];
                if (++k == 512) {
                    if (!grt_ir_write_all(f, buf, sizeof buf)) return 0;
                    k = 0;
                }
            }
            if (!grt_ir_write_all(f, buf, 8 * k)) return 0;
            *pos += a;
            if (b && !pad_to(f, pos, offs[2 * i + 1])) return 0;
            for (size_t s = 0; s < v->u.strs.count; s++)
                if (!grt_ir_write_all(f, v->u.strs.data[s], v->u.strs.lens[s])) return 0;
            *pos += b;
            a = 0;
            break;
        }
        default: break;
        }
        *pos += a;
    }
    return 1;
}

/* --- reading ---------------------------------------------------------------------------- */

typedef struct mreader {
    const char *path;
    const uint8_t *blob;
    uint64_t blob_size;
    size_t index; /* entry being read, for messages */
} mreader;

static grt_status merr(const mreader *R, const char *fmt, ...) GRT_PRINTF(2, 3);
static grt_status merr(const mreader *R, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return grt_error(GRT_ERROR_FORMAT, "%s: metadata entry %zu: %s", R->path, R->index, msg);
}

/* SPAN -> pointer into the blob and size. */
static grt_status span(const mreader *R, const cJSON *o, const char *what, const uint8_t **p, size_t *bytes) {
    int64_t off = 0, n = 0;
    grt_ir_span_result r = grt_ir_json_span_get(o, R->blob_size, &off, &n);
    if (r == GRT_IR_SPAN_MALFORMED) return merr(R, "'%s' needs integer 'offset' and 'bytes' >= 0", what);
    if (r == GRT_IR_SPAN_OUTSIDE)
        return merr(R, "'%s' [%lld, +%lld) lies outside the weight blob (%llu bytes)", what, (long long)off,
                    (long long)n, (unsigned long long)R->blob_size);
    *p = R->blob + off;
    *bytes = (size_t)n;
    return GRT_OK;
}

/* "count" whose words (count + extra little-endian u64) fill a span of `bytes`. */
static grt_status count_of(const mreader *R, const cJSON *e, size_t bytes, size_t extra, size_t *count) {
    int64_t c;
    if (!grt_ir_json_i64(grt_ir_json_item(e, "count"), &c) || c < 0) return merr(R, "needs an integer 'count' >= 0");
    if (bytes % 8 || bytes / 8 < extra || (uint64_t)c != bytes / 8 - extra)
        return merr(R, "'count' %lld does not match %zu data bytes", (long long)c, bytes);
    *count = (size_t)c;
    return GRT_OK;
}

static grt_status read_entry(mreader *R, const cJSON *e, grt_ir_meta *out) {
    grt_status st;
    grt_meta_value v;
    void *tmp = NULL;
    const uint8_t *p = NULL, *chars = NULL;
    size_t bytes = 0, cbytes = 0, count = 0;
    memset(&v, 0, sizeof v);
    if (!cJSON_IsObject(e)) return merr(R, "is not an object");
    const cJSON *jk = grt_ir_json_item(e, "key"), *jt = grt_ir_json_item(e, "type"), *jv = grt_ir_json_item(e, "value");
    if (!cJSON_IsString(jk) || !jk->valuestring || !jk->valuestring[0]) return merr(R, "needs a non-empty string 'key'");
    const char *key = jk->valuestring, *type = cJSON_IsString(jt) ? jt->valuestring : NULL;
    if (!grt_ir_utf8_valid(key, strlen(key))) return merr(R, "key is not valid UTF-8");
    if (grt_ir_meta_find(out, key)) return merr(R, "duplicate key '%.200s'", key);
    if (!type) return merr(R, "key '%.200s': needs a string 'type'", key);
    if (!strcmp(type, "int")) {
        v.type = GRT_META_INT;
        if (!grt_ir_json_i64(jv, &v.u.i)) return merr(R, "key '%.200s': 'value' is not an integer", key);
    } else if (!strcmp(type, "float")) {
        v.type = GRT_META_FLOAT;
        const char *s = cJSON_IsString(jv) ? jv->valuestring : NULL;
        if (cJSON_IsNumber(jv) && isfinite(jv->valuedouble)) v.u.f = jv->valuedouble;
        else if (s && !strcmp(s, "nan")) v.u.f = NAN;
        else if (s && !strcmp(s, "inf")) v.u.f = INFINITY;
        else if (s && !strcmp(s, "-inf")) v.u.f = -INFINITY;
        else return merr(R, "key '%.200s': 'value' is not a number", key);
    } else if (!strcmp(type, "string")) {
        v.type = GRT_META_STRING;
        if (jv) {
            if (!cJSON_IsString(jv) || !jv->valuestring) return merr(R, "key '%.200s': 'value' is not a string", key);
            v.u.str.data = jv->valuestring;
            v.u.str.len = strlen(jv->valuestring);
        } else {
            if ((st = span(R, grt_ir_json_item(e, "data"), "data", &p, &bytes)) != GRT_OK) return st;
            v.u.str.data = (const char *)p;
            v.u.str.len = bytes;
        }
    } else if (!strcmp(type, "ints") || !strcmp(type, "floats")) {
        v.type = type[0] == 'i' ? GRT_META_INT_ARRAY : GRT_META_FLOAT_ARRAY;
        if ((st = span(R, grt_ir_json_item(e, "data"), "data", &p, &bytes)) != GRT_OK) return st;
        if ((st = count_of(R, e, bytes, 0, &count)) != GRT_OK) return st;
        uint64_t *w = tmp = malloc(count ? bytes : 8);
        if (!w) goto oom;
        for (size_t i = 0; i < count; i++) w[i] = grt_ir_get_u64(p + 8 * i);
        v.u.ints.data = tmp; /* same layout for floats (any f64 bit pattern is valid) */
        v.u.ints.count = count;
    } else if (!strcmp(type, "strings")) {
        v.type = GRT_META_STRING_ARRAY;
        if ((st = span(R, grt_ir_json_item(e, "offsets"), "offsets", &p, &bytes)) != GRT_OK) return st;
        if ((st = span(R, grt_ir_json_item(e, "data"), "data", &chars, &cbytes)) != GRT_OK) return st;
        if ((st = count_of(R, e, bytes, 1, &count)) != GRT_OK) return st;
        /* One block: char* table then length table. */
        tmp = malloc(count ? count * (sizeof(char *) + sizeof(size_t)) : 1);
        if (!tmp) goto oom;
        const char **ptrs = tmp;
        size_t *lens = (size_t *)(void *)((char *)tmp + count * sizeof(char *));
        uint64_t prev = grt_ir_get_u64(p);
        if (prev != 0) {
            free(tmp);
            return merr(R, "key '%.200s': offsets[0] is not 0", key);
        }
        for (size_t i = 0; i < count; i++) {
            uint64_t next = grt_ir_get_u64(p + 8 * (i + 1));
            if (next < prev || next > cbytes) {
                free(tmp);
                return merr(R, "key '%.200s': offsets[%zu] = %llu is out of order or past the %zu data bytes", key,
                            i + 1, (unsigned long long)next, cbytes);
            }
            ptrs[i] = (const char *)chars + prev;
            lens[i] = (size_t)(next - prev);
            prev = next;
        }
        if (prev != cbytes) {
            free(tmp);
            return merr(R, "key '%.200s': offsets[%zu] = %llu != data bytes %zu", key, count, (unsigned long long)prev,
                        cbytes);
        }
        v.u.strs.data = ptrs;
        v.u.strs.lens = lens;
        v.u.strs.count = count;
    } else {
        return merr(R, "key '%.200s': unknown type '%.32s'", key, type);
    }
    st = grt_ir_meta_set(out, key, &v);
    free(tmp);
    if (st != GRT_OK && st != GRT_ERROR_OUT_OF_MEMORY) return grt_error_wrap(GRT_ERROR_FORMAT, "%s: metadata entry %zu", R->path, R->index);
    return st;
oom:
    return grt_error(GRT_ERROR_OUT_OF_MEMORY, "%s: out of memory reading metadata", R->path);
}

grt_status grt_ir_meta_from_json(const char *path, const cJSON *j, const uint8_t *blob, uint64_t blob_size,
                                 grt_ir_meta *out) {
    mreader R = {path, blob, blob_size, 0};
    grt_status st = GRT_OK;
    if (!cJSON_IsArray(j)) return grt_error(GRT_ERROR_FORMAT, "%s: 'metadata' must be an array", path);
    for (const cJSON *e = j->child; e; e = e->next, R.index++)
        if ((st = read_entry(&R, e, out)) != GRT_OK) break;
    if (st != GRT_OK) grt_ir_meta_free(out);
    return st;
}
