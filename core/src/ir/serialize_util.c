/*
 * ir/serialize_util.c - helpers shared by the GenRT IR serializer files (serialize_util.h).
 * Stateless; thread-safe.
 */
#include "ir/serialize_util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "ir/serialize_format.h"
#include "ir/weights.h"

size_t grt_ir_align_up(size_t v) { return (v + (GRT_IR_ALIGN - 1)) & ~(size_t)(GRT_IR_ALIGN - 1); }

cJSON *grt_ir_json_int(int64_t v) {
    if (v >= -GRT_IR_JSON_MAX_EXACT && v <= GRT_IR_JSON_MAX_EXACT) return cJSON_CreateNumber((double)v);
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    return cJSON_CreateString(buf);
}

int grt_ir_json_put(cJSON *obj, const char *key, cJSON *item) {
    if (!item) return 0;
    if (key) cJSON_AddItemToObject(obj, key, item);
    else cJSON_AddItemToArray(obj, item);
    return 1;
}

cJSON *grt_ir_json_span(size_t offset, size_t bytes) {
    cJSON *o = cJSON_CreateObject();
    if (o && grt_ir_json_put(o, "offset", grt_ir_json_int((int64_t)offset)) &&
        grt_ir_json_put(o, "bytes", grt_ir_json_int((int64_t)bytes)))
        return o;
    cJSON_Delete(o);
    return NULL;
}

int grt_ir_write_all(FILE *f, const void *p, size_t n) { return n == 0 || fwrite(p, 1, n, f) == n; }

int grt_ir_write_zeros(FILE *f, size_t n) {
    static const uint8_t z[GRT_IR_ALIGN];
    while (n) {
        size_t k = n < sizeof z ? n : sizeof z;
        if (!grt_ir_write_all(f, z, k)) return 0;
        n -= k;
    }
    return 1;
}

int grt_ir_json_i64(const cJSON *j, int64_t *out) {
    if (cJSON_IsNumber(j)) {
        double v = j->valuedouble;
        if (!isfinite(v) || v != floor(v) || fabs(v) > (double)GRT_IR_JSON_MAX_EXACT) return 0;
        *out = (int64_t)v;
        return 1;
    }
    if (cJSON_IsString(j) && j->valuestring && j->valuestring[0]) {
        char *end = NULL;
        errno = 0;
        long long v = strtoll(j->valuestring, &end, 10);
        if (errno || !end || *end) return 0;
        *out = (int64_t)v;
        return 1;
    }
    return 0;
}

const cJSON *grt_ir_json_item(const cJSON *o, const char *key) { return cJSON_GetObjectItemCaseSensitive(o, key); }

grt_ir_span_result grt_ir_json_span_get(const cJSON *o, uint64_t blob_size, int64_t *off, int64_t *bytes) {
    if (!cJSON_IsObject(o) || !grt_ir_json_i64(grt_ir_json_item(o, "offset"), off) ||
        !grt_ir_json_i64(grt_ir_json_item(o, "bytes"), bytes) || *off < 0 || *bytes < 0)
        return GRT_IR_SPAN_MALFORMED;
    if ((uint64_t)*off > blob_size || (uint64_t)*bytes > blob_size - (uint64_t)*off) return GRT_IR_SPAN_OUTSIDE;
    return GRT_IR_SPAN_OK;
}
