/*
 * ir/weights.h - reference-counted weight storage of the graph IR.
 *
 * A blob is one contiguous, read-only (after construction) region that constants point into:
 * heap memory (the builder copies data in; 64-byte aligned, 2 MiB aligned and advised for
 * transparent huge pages from 2 MiB up), a read-only mmap of a whole file, or a whole file read
 * into read-only anonymous memory advised for huge pages (grt_ir_blob_read: decode reads every
 * weight byte per token, and 4 KiB pages cost it 7-20 % in TLB misses, docs/PERF.md). A blob lives as long as any model,
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

/* The whole file `fd` (`size` bytes) read into huge-page-advised anonymous memory, made read-only
 * (the fd may be closed afterwards). With the environment variable GENRT_MMAP=1, or for a file
 * larger than half the physical memory (oversized or sparse files are not read in before the
 * loader has validated them), it maps the file instead (grt_ir_blob_map: lazy, shares the page
 * cache, 4 KiB pages).
 * Errors: IO (read failed or the file shrank; names path), OUT_OF_MEMORY. */
grt_status grt_ir_blob_read(int fd, size_t size, const char *path, grt_ir_blob **out);

/* For a blob read by grt_ir_blob_read into anonymous memory: the whole pages of [data, data +
 * bytes) (inside the blob) are mapped back from the file `fd` the blob was read from (MAP_FIXED,
 * read-only, lazily faulted): same bytes, but file-backed pages the kernel can drop and re-read,
 * so a consumer that keeps its own copy of them (the CPU plugin's tiled weights) can release them
 * (MADV_PAGEOUT) and they are not held twice. Ranges under 1 MiB and other blob kinds are left as
 * they are. A hint: on failure the anonymous pages stay and nothing changes. Load time only
 * (before the blob is shared). */
void grt_ir_blob_file_back(grt_ir_blob *blob, int fd, const void *data, size_t bytes);

/* Writable base of a heap blob (for filling it before it is shared); NULL for a mapping. */
void *grt_ir_blob_mutable(grt_ir_blob *blob);
const void *grt_ir_blob_data(const grt_ir_blob *blob);
size_t grt_ir_blob_size(const grt_ir_blob *blob);
/* 1 if the blob holds a whole file (mapped or read), 0 for a heap blob. */
int grt_ir_blob_is_mapped(const grt_ir_blob *blob);

void grt_ir_blob_retain(grt_ir_blob *blob);
void grt_ir_blob_release(grt_ir_blob *blob); /* NULL is a no-op */

#endif
