/*
 * exec/util.h - small helpers shared by the CPU plugin's execution code: element sizes, names of
 * ops and element types (for error messages), shape arithmetic, strided-to-dense copies and
 * cpu_host_error (formatted host->set_error).
 *
 * Ownership: nothing here allocates except cpu_aligned_alloc (free with cpu_aligned_free).
 * Threading: every function is reentrant.
 */
#ifndef GENRT_CPU_EXEC_UTIL_H
#define GENRT_CPU_EXEC_UTIL_H

#include <genrt/plugin.h>
#include <genrt/types.h>

#include <stddef.h>
#include <stdint.h>

/* Alignment of every buffer the plugin allocates (bytes). */
#define CPU_ALIGNMENT 64

/* Bits per element (4 for I4/U4), 0 for an unknown type. */
size_t cpu_type_bits(grt_element_type type);

/* Dense byte size of a static shape of `type` (I4/U4 round up). Returns 0 with *ok = 0 if the
 * type is unknown, a dim is negative (dynamic) or the size overflows; *ok = 1 otherwise (the size
 * may be 0 for an empty tensor). */
size_t cpu_dense_bytes(grt_element_type type, const grt_shape *shape, int *ok);

/* Number of elements of a static shape; 0 with *ok = 0 on a negative dim or overflow. */
size_t cpu_shape_numel(const grt_shape *shape, int *ok);

/* 1 if every dim of `shape` is >= 0. */
int cpu_shape_is_static(const grt_shape *shape);

/* 1 if the concrete shape `s` matches the partial shape `p` (same rank, equal static dims). */
int cpu_shape_matches(const grt_shape *p, const grt_shape *s);

/* Writes "[2, ?, 8]" into buf (always NUL-terminated). Returns buf. */
const char *cpu_shape_str(const grt_shape *shape, char *buf, size_t size);

/* Static names for messages: "MatMul", "f32". Never NULL. */
const char *cpu_exec_op_name(grt_op_type op);
const char *cpu_exec_type_name(grt_element_type type);

/* Dense row-major byte strides of `shape` for elements of `elem_bytes` bytes. */
void cpu_dense_strides(const grt_shape *shape, size_t elem_bytes, int64_t *strides);

/* 1 if desc's strides are dense row-major (always 1 for I4/U4, whose strides are ignored). */
int cpu_desc_is_dense(const grt_tensor_desc *desc);

/* Bytes addressed from desc->data by its shape and strides (the dense size for I4/U4; 0 for an
 * empty tensor). Returns 0, or -1 on a negative stride, a negative dim or overflow. */
int cpu_desc_span(const grt_tensor_desc *desc, size_t *span);

/* Copies the (possibly strided) tensor described by desc into dense memory `dst` (which holds the
 * dense size). The element type must not be I4/U4 unless desc is dense. */
void cpu_copy_to_dense(const grt_tensor_desc *desc, void *dst);

/* 64-byte aligned allocation of at least `bytes` (at least CPU_ALIGNMENT); NULL on failure. */
void *cpu_aligned_alloc(size_t bytes);
void cpu_aligned_free(void *ptr);
/* cpu_aligned_alloc for large buffers read in whole every step (the KV cache): from 2 MiB on,
 * whole 2 MiB huge pages (the size rounded up to a multiple, MADV_HUGEPAGE advised), so reading
 * it costs one TLB miss per 2 MiB instead of per 4 KiB; smaller buffers are not rounded up (from
 * 1 MiB on that cost TinyLlama's 44 KV buffers at 576 positions 69 MiB of peak RSS). Free with
 * cpu_aligned_free. */
void *cpu_large_alloc(size_t bytes);

/* 0 when the environment variable `name` is "0", "off", "no" or "false" (a switch that is on
 * by default: GENRT_CPU_FUSION, GENRT_CPU_TILE_WEIGHTS), else 1. */
int cpu_env_enabled(const char *name);

/* Sets a formatted error through host->set_error; returns status. */
grt_status cpu_host_error(const grt_host_api *host, grt_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#endif
