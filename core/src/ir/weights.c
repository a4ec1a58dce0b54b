/*
 * ir/weights.c - reference-counted weight blobs: aligned heap memory or a read-only file mmap.
 * Ownership and threading: see weights.h (atomic reference count, immutable bytes once shared).
 */
#include "ir/weights.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "util/error.h"

struct grt_ir_blob {
    atomic_uint refs;
    int mapped;
    void *base;
    size_t size;
};

grt_status grt_ir_blob_alloc(size_t size, grt_ir_blob **out) {
    grt_ir_blob *b = calloc(1, sizeof *b);
    if (!b) return grt_error(GRT_ERROR_OUT_OF_MEMORY, "weights: out of memory");
    /* aligned_alloc needs a size that is a multiple of the alignment (and non-zero here). */
    size_t rounded = size + (GRT_IR_ALIGN - 1);
    if (rounded < size) {
        free(b);
        return grt_error(GRT_ERROR_OUT_OF_MEMORY, "weights: %zu bytes is too large", size);
    }
    rounded -= rounded % GRT_IR_ALIGN;
    if (rounded == 0) rounded = GRT_IR_ALIGN;
    b->base = aligned_alloc(GRT_IR_ALIGN, rounded);
    if (!b->base) {
        free(b);
        return grt_error(GRT_ERROR_OUT_OF_MEMORY, "weights: cannot allocate %zu bytes", size);
    }
    memset(b->base, 0, rounded);
    b->size = size;
    atomic_init(&b->refs, 1u);
    *out = b;
    return GRT_OK;
}

grt_status grt_ir_blob_map(int fd, size_t size, const char *path, grt_ir_blob **out) {
    if (size == 0) return grt_error(GRT_ERROR_IO, "%s: cannot map an empty file", path);
    grt_ir_blob *b = calloc(1, sizeof *b);
    if (!b) return grt_error(GRT_ERROR_OUT_OF_MEMORY, "%s: out of memory", path);
    void *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
        free(b);
        return grt_error(GRT_ERROR_IO, "%s: mmap of %zu bytes failed", path, size);
    }
    b->base = p;
    b->size = size;
    b->mapped = 1;
    atomic_init(&b->refs, 1u);
    *out = b;
    return GRT_OK;
}

void *grt_ir_blob_mutable(grt_ir_blob *blob) { return blob->mapped ? NULL : blob->base; }
const void *grt_ir_blob_data(const grt_ir_blob *blob) { return blob->base; }
size_t grt_ir_blob_size(const grt_ir_blob *blob) { return blob->size; }
int grt_ir_blob_is_mapped(const grt_ir_blob *blob) { return blob->mapped; }

void grt_ir_blob_retain(grt_ir_blob *blob) {
    if (blob) atomic_fetch_add_explicit(&blob->refs, 1u, memory_order_relaxed);
}

void grt_ir_blob_release(grt_ir_blob *blob) {
    if (!blob) return;
    if (atomic_fetch_sub_explicit(&blob->refs, 1u, memory_order_acq_rel) != 1u) return;
    if (blob->mapped)
        munmap(blob->base, blob->size);
    else
        free(blob->base);
    free(blob);
}
