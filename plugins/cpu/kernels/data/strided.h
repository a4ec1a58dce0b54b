/*
 * kernels/data/strided.h - dense copy out of a strided view (used by Transpose and Slice).
 * Reentrant, no allocation.
 */
#ifndef GENRT_CPU_STRIDED_H
#define GENRT_CPU_STRIDED_H

#include <stddef.h>
#include <stdint.h>

/* For every index i of the output dims[rank] (row-major), copies the element of `es` bytes at
 * element offset base + sum(i[d] * strides[d]) of src into the next element of dst. rank may be
 * 0 (one element). strides may be negative or 0. */
void cpu_strided_copy(void *dst, const void *src, size_t es, uint32_t rank, const int64_t *dims,
                      int64_t base, const int64_t *strides);

#endif
