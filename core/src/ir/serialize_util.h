/*
 * ir/serialize_util.h - small helpers shared by the GenRT IR file writer (serialize_write.c), the
 * reader (serialize_read.c) and the metadata section (serialize_meta.c): blob alignment, exact
 * JSON integers, {"offset", "bytes"} spans and zero-padded writes. Specification:
 * docs/IR_FORMAT.md. Stateless; thread-safe.
 */
#ifndef GENRT_IR_SERIALIZE_UTIL_H
#define GENRT_IR_SERIALIZE_UTIL_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* v rounded up to a multiple of GRT_IR_ALIGN. */
size_t grt_ir_align_up(size_t v);

/* --- writing ---------------------------------------------------------------------------- */

/* A JSON number for |v| <= 2^53, else a decimal string; NULL if out of memory. */
cJSON *grt_ir_json_int(int64_t v);
/* Adds item to obj under key (or to the array obj if key is NULL); returns 0 if item is NULL. */
int grt_ir_json_put(cJSON *obj, const char *key, cJSON *item);
/* {"offset": offset, "bytes": bytes}; NULL if out of memory. */
cJSON *grt_ir_json_span(size_t offset, size_t bytes);
/* Writes n bytes (n may be 0); 0 on a write error. */
int grt_ir_write_all(FILE *f, const void *p, size_t n);
/* Writes n zero bytes; 0 on a write error. */
int grt_ir_write_zeros(FILE *f, size_t n);

/* --- reading ---------------------------------------------------------------------------- */

/* An integer: a JSON number that is integral and exact (|v| <= 2^53) or a decimal string.
 * Returns 1 and sets *out, or 0 if j is neither. */
int grt_ir_json_i64(const cJSON *j, int64_t *out);
/* Member `key` of object o (case-sensitive); NULL if absent. */
const cJSON *grt_ir_json_item(const cJSON *o, const char *key);

typedef enum grt_ir_span_result {
    GRT_IR_SPAN_OK = 0,
    GRT_IR_SPAN_MALFORMED, /* not an object with integer 'offset' and 'bytes' >= 0 */
    GRT_IR_SPAN_OUTSIDE    /* *off, *bytes set, but [off, off + bytes) exceeds blob_size */
} grt_ir_span_result;

/* Reads the span object o and checks it against a blob of blob_size bytes; the caller words the
 * error (its messages name the node or metadata entry). */
grt_ir_span_result grt_ir_json_span_get(const cJSON *o, uint64_t blob_size, int64_t *off, int64_t *bytes);

#endif
