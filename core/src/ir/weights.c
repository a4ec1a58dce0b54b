/*
 * ir/weights.c - reference-counted weight blobs: aligned heap memory, a read-only file mmap, or a
 * file read into read-only anonymous memory advised for transparent huge pages.
 * Ownership and threading: see weights.h (atomic reference count, immutable bytes once shared).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* mremap */
#endif
#include "ir/weights.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/error.h"

/* Huge page size the large blobs are aligned to and advised for (x86-64 / arm64 THP). */
#define HUGE_PAGE ((size_t)2 << 20)

enum { BLOB_HEAP = 0, BLOB_MAPPED = 1, BLOB_READ = 2 };

struct grt_ir_blob {
    atomic_uint refs;
    int kind;      /* BLOB_* */
    void *base;
    size_t size;
    size_t span;   /* BLOB_READ: bytes of the anonymous mapping */
};

/* Rounds n up to a multiple of a (a power of two); 0 on overflow. */
static size_t round_up(size_t n, size_t a) { return n > SIZE_MAX - (a - 1) ? 0 : (n + a - 1) & ~(a - 1); }

grt_status grt_ir_blob_alloc(size_t size, grt_ir_blob **out) {
    grt_ir_blob *b = calloc(1, sizeof *b);
    if (!b) return grt_error(GRT_ERROR_OUT_OF_MEMORY, "weights: out of memory");
    /* Blobs of a huge page or more start on a huge page and are advised for huge pages (decode
     * streams them every token); the size is only rounded to GRT_IR_ALIGN, so a blob per tensor
     * wastes no memory (the alignment padding is never touched). */
    size_t align = size >= HUGE_PAGE ? HUGE_PAGE : GRT_IR_ALIGN;
    size_t rounded = round_up(size ? size : 1, GRT_IR_ALIGN);
    if (rounded == 0) {
        free(b);
        return grt_error(GRT_ERROR_OUT_OF_MEMORY, "weights: %zu bytes is too large", size);
    }
    if (posix_memalign(&b->base, align, rounded) != 0) {
        free(b);
        return grt_error(GRT_ERROR_OUT_OF_MEMORY, "weights: cannot allocate %zu bytes", size);
    }
#ifdef MADV_HUGEPAGE
    if (align == HUGE_PAGE) (void)madvise(b->base, rounded, MADV_HUGEPAGE); /* a hint only */
#endif
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
    b->kind = BLOB_MAPPED;
    atomic_init(&b->refs, 1u);
    *out = b;
    return GRT_OK;
}

grt_status grt_ir_blob_read(int fd, size_t size, const char *path, grt_ir_blob **out) {
    const char *env = getenv("GENRT_MMAP");
    if (env && strcmp(env, "1") == 0) return grt_ir_blob_map(fd, size, path, out);
    if (size == 0) return grt_error(GRT_ERROR_IO, "%s: cannot read an empty file", path);
    /* A file larger than half the physical memory is mapped (lazily) rather than read whole:
     * the loader validates it before touching the weights, and an oversized or sparse file must
     * not be read in first. */
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0 && size / (size_t)page > (size_t)pages / 2)
        return grt_ir_blob_map(fd, size, path, out);
    size_t span = round_up(size, HUGE_PAGE);
    if (span == 0 || span > SIZE_MAX - HUGE_PAGE)
        return grt_error(GRT_ERROR_OUT_OF_MEMORY, "%s: %zu bytes is too large", path, size);
    grt_ir_blob *b = calloc(1, sizeof *b);
    if (!b) return grt_error(GRT_ERROR_OUT_OF_MEMORY, "%s: out of memory", path);
    /* one huge page more, so the start can be aligned to a huge page */
    void *raw = mmap(NULL, span + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) {
        free(b);
        return grt_error(GRT_ERROR_OUT_OF_MEMORY, "%s: cannot allocate %zu bytes", path, size);
    }
    uint8_t *p = (uint8_t *)round_up((size_t)(uintptr_t)raw, HUGE_PAGE);
    size_t head = (size_t)(p - (uint8_t *)raw);
    if (head) munmap(raw, head);
    if (HUGE_PAGE - head) munmap(p + span, HUGE_PAGE - head);
#ifdef MADV_HUGEPAGE
    (void)madvise(p, span, MADV_HUGEPAGE); /* a hint only: without THP the read still works */
#endif
    for (size_t done = 0; done < size;) {
        ssize_t n = pread(fd, p + done, size - done, (off_t)done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            munmap(p, span);
            free(b);
            return grt_error(GRT_ERROR_IO, "%s: read failed at byte %zu of %zu%s", path, done, size,
                             n == 0 ? " (file shrank?)" : "");
        }
        done += (size_t)n;
    }
    (void)mprotect(p, span, PROT_READ); /* immutable from now on, like a mapping */
    b->base = p;
    b->size = size;
    b->span = span;
    b->kind = BLOB_READ;
    atomic_init(&b->refs, 1u);
    *out = b;
    return GRT_OK;
}

void grt_ir_blob_file_back(grt_ir_blob *blob, int fd, const void *data, size_t bytes) {
    long pg = sysconf(_SC_PAGESIZE);
    if (!blob || blob->kind != BLOB_READ || pg <= 0 || bytes < ((size_t)1 << 20)) return;
    uintptr_t base = (uintptr_t)blob->base, d = (uintptr_t)data;
    if (d < base || d - base > blob->size || bytes > blob->size - (d - base)) return;
    uintptr_t a = round_up(d - base, (size_t)pg), e = (d - base + bytes) / (size_t)pg * (size_t)pg;
    if (a == 0 || e <= a) return;
    /* The blob holds the file from offset 0, so address base + o is file offset o. The file range
     * is mapped elsewhere first and then moved over the anonymous pages: a failed mmap leaves
     * them untouched (mmap with MAP_FIXED could fail after discarding them). */
    void *p = mmap(NULL, e - a, PROT_READ, MAP_PRIVATE, fd, (off_t)a);
    if (p == MAP_FAILED) return;
    if (mremap(p, e - a, e - a, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)(base + a)) == MAP_FAILED)
        munmap(p, e - a);
}

void *grt_ir_blob_mutable(grt_ir_blob *blob) { return blob->kind != BLOB_HEAP ? NULL : blob->base; }
const void *grt_ir_blob_data(const grt_ir_blob *blob) { return blob->base; }
size_t grt_ir_blob_size(const grt_ir_blob *blob) { return blob->size; }
int grt_ir_blob_is_mapped(const grt_ir_blob *blob) { return blob->kind != BLOB_HEAP; }

void grt_ir_blob_retain(grt_ir_blob *blob) {
    if (blob) atomic_fetch_add_explicit(&blob->refs, 1u, memory_order_relaxed);
}

void grt_ir_blob_release(grt_ir_blob *blob) {
    if (!blob) return;
    if (atomic_fetch_sub_explicit(&blob->refs, 1u, memory_order_acq_rel) != 1u) return;
    if (blob->kind == BLOB_MAPPED)
        munmap(blob->base, blob->size);
    else if (blob->kind == BLOB_READ)
        munmap(blob->base, blob->span);
    else
        free(blob->base);
    free(blob);
}
