/*
 * ir/read.h - model file format dispatch of grt_model_read.
 *
 * grt_model_read asks each registered format, in order, whether it claims the path (probe), then
 * calls its loader. The GenRT IR format is built in; frontends (core/src/frontends: GGUF,
 * safetensors folders, llama2.c) append an entry to the table in read.c.
 * Stateless; thread-safe.
 */
#ifndef GENRT_IR_READ_H
#define GENRT_IR_READ_H

#include <stddef.h>
#include <stdint.h>

#include <genrt/model.h>

#define GRT_MODEL_PROBE_BYTES 64

typedef struct grt_model_format {
    const char *name; /* "GenRT IR", "GGUF", ... */
    /* Returns 1 if this format claims the input: `head` holds the first n (<= GRT_MODEL_PROBE_BYTES)
     * bytes of a regular file, or is NULL with is_dir = 1 for a directory. Cheap; no errors. */
    int (*probe)(const char *path, int is_dir, const uint8_t *head, size_t n);
    /* Loads the model. Errors as grt_model_read; messages start with the path. */
    grt_status (*load)(grt_core *core, const char *path, grt_model **out);
} grt_model_format;

#endif
