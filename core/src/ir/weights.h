/*
 * ir/weights.h - reference-counted weight storage of the graph IR.
 *
 * A blob is one contiguous, read-only (after construction) region that constants point into:
 * either heap memory (the builder copies data in; 64-byte aligned) or a read-only mmap of a
 * whole IR file (constants point into the mapping, no copy). A blob lives as long as any model,
 * graph view or compiled model holds a reference; the last release frees or unmaps it.
 * Ownership: create/map return a blob with one reference owned by the caller.
 * Thread-safety: retain/release are atomic; the bytes are immutable once shared.
 */
#ifndef GENRT_IR_WEIGHTS_H
#define GENRT_IR_WEIGHTS_H

#include <stddef.h>
#include <genrt/status.h>

#define GRT_IR_ALIGN 64

typedef struct grt_ir_blob grt_ir_blob;

/* A zero-filled, GRT_IR_ALIGN-aligned heap blob of `size` bytes (size 0 allowed).
 * Errors: OUT_OF_MEMORY. */
grt_status grt_ir_blob_alloc(size_t size, grt_ir_blob **out);
/* Maps `size` bytes of the open file `fd` read-only (the fd may be closed afterwards).
 * Errors: IO (mmap failed; message names path). */
grt_status grt_ir_blob_map(int fd, size_t size, const char *path, grt_ir_blob **out);

/* Writable base of a heap blob (for filling it before it is shared); NULL for a mapping. */
void *grt_ir_blob_mutable(grt_ir_blob *blob);
const void *grt_ir_blob_data(const grt_ir_blob *blob);
size_t grt_ir_blob_size(const grt_ir_blob *blob);
/* 1 if the blob is a file mapping. */
int grt_ir_blob_is_mapped(const grt_ir_blob *blob);

void grt_ir_blob_retain(grt_ir_blob *blob);
void grt_ir_blob_release(grt_ir_blob *blob); /* NULL is a no-op */

#endif
