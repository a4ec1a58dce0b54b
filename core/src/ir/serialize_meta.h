/*
 * ir/serialize_meta.h - the optional "metadata" section of the GenRT IR file (docs/IR_FORMAT.md,
 * "Metadata"): a JSON array of typed entries in key order; int/float arrays, string arrays and
 * strings that JSON cannot hold losslessly (NUL, invalid UTF-8) live in the weight blob after the
 * constants. Used by serialize_write.c / serialize_read.c.
 * Stateless; thread-safe (reads the table only / fills a fresh one).
 */
#ifndef GENRT_IR_SERIALIZE_META_H
#define GENRT_IR_SERIALIZE_META_H

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>

#include "ir/metadata.h"

/* Places the blob parts of every entry from blob offset `start` (each part GRT_IR_ALIGN-aligned):
 * offs[2 * i] and offs[2 * i + 1] (offs holds 2 * m->count entries) get entry i's part offsets;
 * *end the end of the last part (aligned). Errors: OUT_OF_MEMORY (sizes overflow). */
grt_status grt_ir_meta_layout(const grt_ir_meta *m, size_t start, size_t *offs, size_t *end);
/* The JSON array for m with the offsets of grt_ir_meta_layout; NULL if out of memory. */
cJSON *grt_ir_meta_to_json(const grt_ir_meta *m, const size_t *offs);
/* Writes the blob parts at their offsets, zero-padding from the blob position *pos (updated).
 * Returns 0 on a write error (errno set). */
int grt_ir_meta_write_blob(const grt_ir_meta *m, const size_t *offs, FILE *f, size_t *pos);

/* Parses the "metadata" array `j` of file `path` into the empty table *out, validating every
 * entry, type, count and blob span (blob[0..blob_size)). Errors: FORMAT ("PATH: metadata entry N:
 * what is wrong"), OUT_OF_MEMORY. On failure *out is left empty. */
grt_status grt_ir_meta_from_json(const char *path, const cJSON *j, const uint8_t *blob, uint64_t blob_size,
                                 grt_ir_meta *out);

#endif
