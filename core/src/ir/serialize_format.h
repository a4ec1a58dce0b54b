/*
 * ir/serialize_format.h - constants and helpers of the GenRT IR file format v1 shared by the
 * writer (serialize_write.c) and the reader (serialize_read.c). Specification: docs/IR_FORMAT.md.
 *
 * Layout (all integers little-endian):
 *   0  char[8] magic "GENRTIR\0"      32 u64 blob_offset (multiple of 64)
 *   8  u32 format_version (1)         40 u64 blob_size
 *   12 u32 flags (bit 0: checksum)    48 u64 checksum (FNV-1a 64 of the JSON bytes, if flag 0)
 *   16 u64 json_offset                56 u64 reserved (0)
 *   24 u64 json_size
 * then the UTF-8 JSON graph and the weight blob (every tensor 64-byte aligned in the blob).
 * Stateless helpers; thread-safe.
 */
#ifndef GENRT_IR_SERIALIZE_FORMAT_H
#define GENRT_IR_SERIALIZE_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include <genrt/model.h>

#define GRT_IR_MAGIC "GENRTIR\0"
#define GRT_IR_MAGIC_SIZE 8
#define GRT_IR_FORMAT_VERSION 1u
#define GRT_IR_HEADER_SIZE 64u
#define GRT_IR_FLAG_CHECKSUM 1u
#define GRT_IR_KNOWN_FLAGS GRT_IR_FLAG_CHECKSUM
#define GRT_IR_FORMAT_NAME "genrt-ir"
/* Integers beyond +-2^53 are written as decimal strings (JSON numbers are doubles). */
#define GRT_IR_JSON_MAX_EXACT 9007199254740992LL

typedef struct grt_ir_header {
    uint32_t version;
    uint32_t flags;
    uint64_t json_offset, json_size;
    uint64_t blob_offset, blob_size;
    uint64_t checksum;
    uint64_t reserved;
} grt_ir_header;

static inline uint64_t grt_ir_fnv1a64(const void *data, size_t n) {
    const uint8_t *p = data;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static inline void grt_ir_put_u32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline void grt_ir_put_u64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint32_t grt_ir_get_u32(const uint8_t *p) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}
static inline uint64_t grt_ir_get_u64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

/* Loads a GenRT IR file (magic already recognised by read.c). Errors: NOT_FOUND/IO (file),
 * FORMAT ("PATH: what is wrong"), NOT_SUPPORTED (newer format version), OUT_OF_MEMORY. */
grt_status grt_ir_load(const char *path, grt_model **out);

#endif
