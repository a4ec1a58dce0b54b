/*
 * genrt/tensor.h - host tensors.
 *
 * A grt_tensor is an element type, a static shape, byte strides and a data pointer. It either owns
 * its memory (grt_tensor_create: 64-byte aligned, zero-filled) or wraps user memory without a copy
 * (grt_tensor_wrap: the user keeps ownership and must keep the memory alive and unchanged in size
 * while the tensor, or an infer request it is bound to, uses it).
 * Thread-safety: a tensor is not synchronised; don't write it while an infer that reads it runs.
 */
#ifndef GENRT_TENSOR_H
#define GENRT_TENSOR_H

#include <genrt/status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct grt_tensor grt_tensor;

/* New tensor owning zero-filled memory of the dense size; *out is caller-owned
 * (grt_tensor_destroy). dims[rank] must all be >= 0 (copied).
 * Errors: INVALID_ARGUMENT (bad type/rank/dims, size overflow), OUT_OF_MEMORY. */
GRT_EXPORT grt_status grt_tensor_create(grt_element_type type, size_t rank, const int64_t *dims,
                                        grt_tensor **out);

/* New tensor over user memory (no copy); *out is caller-owned (grt_tensor_destroy), `data` stays
 * the user's. dims and strides are copied; strides: byte strides, or NULL for dense row-major.
 * byte_size: bytes addressable from data; must cover every element.
 * Errors: INVALID_ARGUMENT (NULL data with non-zero size, strides out of range, size too small). */
GRT_EXPORT grt_status grt_tensor_wrap(grt_element_type type, size_t rank, const int64_t *dims,
                                      const int64_t *strides, void *data, size_t byte_size,
                                      grt_tensor **out);

/* Destroys the tensor (frees owned memory only). NULL is a no-op. Tensors returned borrowed by
 * other calls (e.g. grt_infer_request_get_output) must not be destroyed. */
GRT_EXPORT void grt_tensor_destroy(grt_tensor *tensor);

GRT_EXPORT grt_element_type grt_tensor_element_type(const grt_tensor *tensor);
GRT_EXPORT size_t grt_tensor_rank(const grt_tensor *tensor);
/* Borrowed arrays of rank entries, valid while the tensor is unchanged. */
GRT_EXPORT const int64_t *grt_tensor_dims(const grt_tensor *tensor);
GRT_EXPORT const int64_t *grt_tensor_strides(const grt_tensor *tensor);
GRT_EXPORT size_t grt_tensor_element_count(const grt_tensor *tensor);
GRT_EXPORT size_t grt_tensor_byte_size(const grt_tensor *tensor);
/* Borrowed pointer to the first element. */
GRT_EXPORT void *grt_tensor_data(const grt_tensor *tensor);
/* 1 if strides are dense row-major. */
GRT_EXPORT int grt_tensor_is_dense(const grt_tensor *tensor);

#ifdef __cplusplus
}
#endif
#endif
