/*
 * runtime/tensor_internal.h - the grt_tensor struct and the helpers the runtime uses to move
 * tensors across the plugin ABI (grt_tensor <-> grt_tensor_desc).
 *
 * Ownership: a tensor either owns its memory (create), wraps user memory (wrap) or is a borrowed
 * view of plugin memory owned by another runtime object (an infer request's outputs); borrowed
 * tensors are refreshed in place by their owner and are never destroyed by the application.
 * Threading: a tensor is not synchronised (see genrt/tensor.h).
 */
#ifndef GENRT_RUNTIME_TENSOR_INTERNAL_H
#define GENRT_RUNTIME_TENSOR_INTERNAL_H

#include <genrt/plugin.h>
#include <genrt/tensor.h>

#define GRT_TENSOR_ALIGN 64

struct grt_tensor {
    grt_element_type type;
    size_t rank;
    int64_t dims[GRT_MAX_RANK];
    int64_t strides[GRT_MAX_RANK]; /* bytes; all 0 for I4/U4 (dense only) */
    void *data;
    size_t byte_size; /* bytes addressable from data */
    int owns_data;    /* 1: data was allocated by grt_tensor_create */
    int borrowed;     /* 1: owned by another object; grt_tensor_destroy is a no-op */
};

/* Validates a layout: type known, rank <= GRT_MAX_RANK, dims >= 0, strides (NULL = dense) non-
 * negative multiples of the element size whose furthest element lies inside byte_size, data
 * non-NULL unless nothing is addressed. `what` names the tensor in error messages.
 * Fills dense strides into out_strides (rank entries). Errors: INVALID_ARGUMENT. */
grt_status grt_tensor_check_layout(const char *what, grt_element_type type, size_t rank,
                                   const int64_t *dims, const int64_t *strides, const void *data,
                                   size_t byte_size, int64_t *out_strides);

/* Dense row-major byte strides of dims[rank] (zeros for I4/U4). */
void grt_tensor_dense_strides(grt_element_type type, size_t rank, const int64_t *dims,
                              int64_t *strides);

/* Element count of dims[rank]; 0 with *ok = 0 on overflow or a negative dim. */
size_t grt_dims_count(size_t rank, const int64_t *dims, int *ok);

/* Describes t for a plugin (data borrowed from t). */
void grt_tensor_to_desc(const grt_tensor *t, grt_tensor_desc *desc);

/* Points the borrowed tensor t at the plugin memory described by desc, after validating desc
 * (a plugin bug gives GRT_ERROR_DEVICE naming `what`). t is unchanged on failure. */
grt_status grt_tensor_set_from_desc(grt_tensor *t, const grt_tensor_desc *desc, const char *what);

/* A new owned dense tensor holding a copy of the tensor described by desc (any strides).
 * Errors: DEVICE (bad desc), OUT_OF_MEMORY. */
grt_status grt_tensor_copy_from_desc(const grt_tensor_desc *desc, const char *what,
                                     grt_tensor **out);

#endif
