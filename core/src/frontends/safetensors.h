/*
 * frontends/safetensors.h - reader of safetensors files (single or sharded) for the Hugging Face
 * folder frontend.
 *
 * File layout: u64 little-endian header length N, N bytes of JSON
 *   {"<tensor>": {"dtype": "F32"|"F16"|"BF16"|..., "shape": [..], "data_offsets": [begin, end]},
 *    "__metadata__": {"key": "string", ...}}
 * then the data area; offsets are relative to its start. Everything is validated: header length
 * against the file size, JSON syntax and types, offsets inside the data area, end - begin equal to
 * dtype size x element count (overflow-checked), no two tensors overlapping, no duplicate names
 * (also across shards). F32/F16/BF16 are supported; any other dtype gives NOT_SUPPORTED naming
 * the tensor. Files are mapped read-only (ir/weights.h blobs) so constants can point into them.
 *
 * Ownership: a grt_st_set owns its files' mappings (one blob reference each) and the tensor
 * table; constants made from it retain the blob themselves. Thread-safety: none per set.
 */
#ifndef GENRT_FRONTENDS_SAFETENSORS_H
#define GENRT_FRONTENDS_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include <genrt/model.h>

#include "ir/weights.h"

typedef struct grt_st_tensor {
    char *name;            /* owned */
    grt_element_type type; /* GRT_F32, GRT_F16 or GRT_BF16 */
    size_t rank;
    int64_t dims[GRT_MAX_RANK];
    size_t file;     /* index into grt_st_set.files */
    uint64_t offset; /* absolute offset of the first byte in the file */
    uint64_t bytes;
} grt_st_tensor;

typedef struct grt_st_file {
    char *path;         /* owned */
    grt_ir_blob *blob;  /* read-only mapping of the whole file (one reference) */
} grt_st_file;

typedef struct grt_st_set {
    grt_st_file *files;
    size_t n_files;
    grt_st_tensor *tensors;
    size_t n_tensors, cap_tensors;
} grt_st_set;

/* Zero-initialises an empty set. */
void grt_st_set_init(grt_st_set *set);
/* Frees the table and releases the mappings (constants keep theirs). NULL-safe. */
void grt_st_set_free(grt_st_set *set);

/* Maps and parses one safetensors file and appends its tensors to `set`; on failure the set is
 * unchanged. Errors: NOT_FOUND/IO (file), FORMAT (the message names the file and the tensor or
 * key at fault), NOT_SUPPORTED (dtype), OUT_OF_MEMORY. */
grt_status grt_st_add_file(grt_st_set *set, const char *path);

/* Reads a sharded checkpoint's index (model.safetensors.index.json at index_path): every file
 * named in "weight_map" (plain file names in the index's folder) is added once, and every tensor
 * named in the map must be found in the file the map gives. Errors as grt_st_add_file, plus FORMAT
 * for a malformed index (the message names the index and the key). */
grt_status grt_st_add_index(grt_st_set *set, const char *index_path);

/* The tensor called name, or NULL. */
const grt_st_tensor *grt_st_find(const grt_st_set *set, const char *name);

/* The bytes of tensor t (inside its file's mapping). */
const void *grt_st_data(const grt_st_set *set, const grt_st_tensor *t);

/* Reads a whole small file (JSON) into a NUL-terminated heap buffer (*out, caller frees; *len its
 * length). Files above max_bytes are refused. Errors: NOT_FOUND/IO, FORMAT (too large),
 * OUT_OF_MEMORY. */
grt_status grt_st_read_text(const char *path, size_t max_bytes, char **out, size_t *len);

#endif
