/*
 * runtime/tensor.c - host tensors (genrt/tensor.h) and their conversion to/from the ABI's
 * grt_tensor_desc.
 *
 * Ownership: grt_tensor_create allocates 64-byte aligned, zero-filled memory that the tensor
 * frees; grt_tensor_wrap borrows user memory; borrowed tensors (infer request outputs) are
 * owned by their request. Threading: none (a tensor is not synchronised).
 */
#include "runtime/tensor_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

size_t grt_dims_count(size_t rank, const int64_t *dims, int *ok) {
    size_t count = 1;
    *ok = 1;
    for (size_t i = 0; i < rank; i++) {
        if (dims[i] < 0 || (uint64_t)dims[i] > SIZE_MAX) {
            *ok = 0;
            return 0;
        }
        size_t d = (size_t)dims[i];
        if (d != 0 && count > SIZE_MAX / d) {
            *ok = 0;
            return 0;
        }
        count *= d;
    }
    return count;
}

static int is_sub_byte(grt_element_type type) { return type == GRT_I4 || type == GRT_U4; }

void grt_tensor_dense_strides(grt_element_type type, size_t rank, const int64_t *dims,
                              int64_t *strides) {
    int64_t s = (int64_t)(grt_element_type_bits(type) / 8);
    for (size_t i = rank; i-- > 0;) {
        strides[i] = is_sub_byte(type) ? 0 : s;
        s *= dims[i] > 1 ? dims[i] : 1; /* callers validated that the product fits */
    }
}

/* Validates type, rank and dims; returns the element count and dense byte size. */
static grt_status check_shape(const char *what, grt_element_type type, size_t rank,
                              const int64_t *dims, size_t *count, size_t *dense_bytes) {
    if ((unsigned)type == GRT_UNDEFINED || (unsigned)type >= GRT_ELEMENT_TYPE_COUNT_V1)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "%s: unknown element type %u", what,
                         (unsigned)type);
    if (rank > GRT_MAX_RANK)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "%s: rank %zu exceeds the maximum %d", what,
                         rank, GRT_MAX_RANK);
    if (rank > 0 && !dims)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "%s: dims is NULL for rank %zu", what, rank);
    for (size_t i = 0; i < rank; i++) {
        if (dims[i] < 0)
            return grt_error(GRT_ERROR_INVALID_ARGUMENT, "%s: dimension %zu is negative (%lld)",
                             what, i, (long long)dims[i]);
    }
    /* The product of the dims (zeros counted as 1) must fit in bytes, so that dense strides
     * never overflow even for empty tensors. */
    uint64_t esize = grt_element_type_bits(type) >= 8 ? grt_element_type_bits(type) / 8 : 1;
    uint64_t span = esize;
    for (size_t i = 0; i < rank; i++) {
        uint64_t d = dims[i] > 1 ? (uint64_t)dims[i] : 1;
        if (span > (uint64_t)INT64_MAX / d)
            return grt_error(GRT_ERROR_INVALID_ARGUMENT, "%s: size overflows", what);
        span *= d;
    }
    int ok = 0;
    *count = grt_dims_count(rank, dims, &ok);
    if (!ok) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "%s: element count overflows", what);
    *dense_bytes = grt_element_bytes(type, *count, &ok);
    if (!ok || *dense_bytes > (size_t)INT64_MAX)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "%s: byte size overflows", what);
    return GRT_OK;
}

/* A byte stride must be a non-negative multiple of the element size. */
static grt_status check_stride(const char *what, size_t i, int64_t stride, size_t esize) {
    if (stride < 0 || (uint64_t)stride % esize != 0)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT,
                         "%s: stride %zu (%lld bytes) is not a non-negative multiple of the "
                         "element size %zu",
                         what, i, (long long)stride, esize);
    return GRT_OK;
}

grt_status grt_tensor_check_layout(const char *what, grt_element_type type, size_t rank,
                                   const int64_t *dims, const int64_t *strides, const void *data,
                                   size_t byte_size, int64_t *out_strides) {
    size_t count = 0, dense = 0;
    grt_status st = check_shape(what, type, rank, dims, &count, &dense);
    if (st != GRT_OK) return st;
    size_t esize = grt_element_type_bits(type) / 8;
    size_t needed = dense;
    if (strides && !is_sub_byte(type) && count > 0) {
        uint64_t extent = esize;
        for (size_t i = 0; i < rank; i++) {
            if ((st = check_stride(what, i, strides[i], esize)) != GRT_OK) return st;
            uint64_t d = (uint64_t)dims[i] - 1, s = (uint64_t)strides[i];
            if (s != 0 && d > (UINT64_MAX - extent) / s)
                return grt_error(GRT_ERROR_INVALID_ARGUMENT, "%s: strides overflow", what);
            extent += d * s;
        }
        if (extent > SIZE_MAX)
            return grt_error(GRT_ERROR_INVALID_ARGUMENT, "%s: strides overflow", what);
        needed = (size_t)extent;
    } else if (strides && !is_sub_byte(type)) {
        for (size_t i = 0; i < rank; i++) {
            if ((st = check_stride(what, i, strides[i], esize)) != GRT_OK) return st;
        }
    }
    if (byte_size < needed)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT,
                         "%s: byte size %zu is too small for its elements (%zu bytes needed)",
                         what, byte_size, needed);
    if (!data && (byte_size > 0 || count > 0))
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "%s: data is NULL", what);
    if (data && esize > 1 && (uintptr_t)data % esize != 0)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT,
                         "%s: data is not aligned to its element size %zu", what, esize);
    if (out_strides) {
        if (strides && !is_sub_byte(type))
            memcpy(out_strides, strides, rank * sizeof *strides);
        else
            grt_tensor_dense_strides(type, rank, dims, out_strides);
    }
    return GRT_OK;
}

grt_status grt_tensor_create(grt_element_type type, size_t rank, const int64_t *dims,
                             grt_tensor **out) {
    grt_tensor *t = NULL;
    size_t count = 0, bytes = 0;
    grt_status st;
    if (!out) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "grt_tensor_create: out is NULL");
    *out = NULL;
    st = check_shape("grt_tensor_create", type, rank, dims, &count, &bytes);
    if (st != GRT_OK) goto fail;
    t = calloc(1, sizeof *t);
    if (!t) {
        st = grt_error(GRT_ERROR_OUT_OF_MEMORY, "grt_tensor_create: out of memory");
        goto fail;
    }
    size_t alloc = bytes ? bytes : 1;
    if (alloc > SIZE_MAX - (GRT_TENSOR_ALIGN - 1)) {
        st = grt_error(GRT_ERROR_INVALID_ARGUMENT, "grt_tensor_create: byte size overflows");
        goto fail;
    }
    alloc = (alloc + GRT_TENSOR_ALIGN - 1) / GRT_TENSOR_ALIGN * GRT_TENSOR_ALIGN;
    t->data = aligned_alloc(GRT_TENSOR_ALIGN, alloc);
    if (!t->data) {
        st = grt_error(GRT_ERROR_OUT_OF_MEMORY, "grt_tensor_create: cannot allocate %zu bytes",
                       bytes);
        goto fail;
    }
    memset(t->data, 0, alloc);
    t->type = type;
    t->rank = rank;
    if (rank) memcpy(t->dims, dims, rank * sizeof *dims);
    grt_tensor_dense_strides(type, rank, dims, t->strides);
    t->byte_size = bytes;
    t->owns_data = 1;
    *out = t;
    return GRT_OK;
fail:
    free(t);
    return st;
}

grt_status grt_tensor_wrap(grt_element_type type, size_t rank, const int64_t *dims,
                           const int64_t *strides, void *data, size_t byte_size,
                           grt_tensor **out) {
    int64_t s[GRT_MAX_RANK];
    if (!out) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "grt_tensor_wrap: out is NULL");
    *out = NULL;
    grt_status st =
        grt_tensor_check_layout("grt_tensor_wrap", type, rank, dims, strides, data, byte_size, s);
    if (st != GRT_OK) return st;
    grt_tensor *t = calloc(1, sizeof *t);
    if (!t) return grt_error(GRT_ERROR_OUT_OF_MEMORY, "grt_tensor_wrap: out of memory");
    t->type = type;
    t->rank = rank;
    if (rank) {
        memcpy(t->dims, dims, rank * sizeof *dims);
        memcpy(t->strides, s, rank * sizeof *s);
    }
    t->data = data;
    t->byte_size = byte_size;
    *out = t;
    return GRT_OK;
}

void grt_tensor_destroy(grt_tensor *tensor) {
    if (!tensor || tensor->borrowed) return;
    if (tensor->owns_data) free(tensor->data);
    free(tensor);
}

grt_element_type grt_tensor_element_type(const grt_tensor *t) { return t ? t->type : GRT_UNDEFINED; }
size_t grt_tensor_rank(const grt_tensor *t) { return t ? t->rank : 0; }
const int64_t *grt_tensor_dims(const grt_tensor *t) { return t ? t->dims : NULL; }
const int64_t *grt_tensor_strides(const grt_tensor *t) { return t ? t->strides : NULL; }
size_t grt_tensor_byte_size(const grt_tensor *t) { return t ? t->byte_size : 0; }
void *grt_tensor_data(const grt_tensor *t) { return t ? t->data : NULL; }

size_t grt_tensor_element_count(const grt_tensor *t) {
    int ok = 0;
    return t ? grt_dims_count(t->rank, t->dims, &ok) : 0;
}

int grt_tensor_is_dense(const grt_tensor *t) {
    if (!t) return 0;
    if (is_sub_byte(t->type)) return 1;
    int64_t dense[GRT_MAX_RANK];
    grt_tensor_dense_strides(t->type, t->rank, t->dims, dense);
    for (size_t i = 0; i < t->rank; i++) {
        /* A stride along an axis of size 1 never matters. */
        if (t->dims[i] != 1 && t->strides[i] != dense[i]) return 0;
    }
    return 1;
}

void grt_tensor_to_desc(const grt_tensor *t, grt_tensor_desc *desc) {
    memset(desc, 0, sizeof *desc);
    desc->struct_size = sizeof *desc;
    desc->element_type = (uint32_t)t->type;
    desc->shape.rank = (uint32_t)t->rank;
    for (size_t i = 0; i < t->rank; i++) {
        desc->shape.dims[i] = t->dims[i];
        desc->strides[i] = t->strides[i];
    }
    desc->data = t->data;
    desc->byte_size = t->byte_size;
}

static grt_status check_desc(const grt_tensor_desc *desc, const char *what, int64_t *strides) {
    if (!desc || desc->struct_size < sizeof *desc)
        return grt_error(GRT_ERROR_DEVICE, "%s: plugin returned a descriptor of %u bytes", what,
                         desc ? desc->struct_size : 0u);
    grt_status st = grt_tensor_check_layout(what, (grt_element_type)desc->element_type,
                                            desc->shape.rank, desc->shape.dims, desc->strides,
                                            desc->data, desc->byte_size, strides);
    if (st != GRT_OK) return grt_error_wrap(GRT_ERROR_DEVICE, "plugin returned a bad tensor");
    return GRT_OK;
}

grt_status grt_tensor_set_from_desc(grt_tensor *t, const grt_tensor_desc *desc, const char *what) {
    int64_t s[GRT_MAX_RANK];
    grt_status st = check_desc(desc, what, s);
    if (st != GRT_OK) return st;
    t->type = (grt_element_type)desc->element_type;
    t->rank = desc->shape.rank;
    memset(t->dims, 0, sizeof t->dims);
    memset(t->strides, 0, sizeof t->strides);
    memcpy(t->dims, desc->shape.dims, t->rank * sizeof t->dims[0]);
    memcpy(t->strides, s, t->rank * sizeof s[0]);
    t->data = desc->data;
    t->byte_size = desc->byte_size;
    t->owns_data = 0;
    t->borrowed = 1;
    return GRT_OK;
}

/* Copies a strided tensor into dense memory, one element at a time (rank <= GRT_MAX_RANK). */
static void copy_strided(const grt_tensor *src, unsigned char *dst, size_t count) {
    size_t esize = grt_element_type_bits(src->type) / 8;
    int64_t idx[GRT_MAX_RANK] = {0};
    for (size_t n = 0; n < count; n++) {
        const unsigned char *p = src->data;
        for (size_t i = 0; i < src->rank; i++) p += idx[i] * src->strides[i];
        memcpy(dst + n * esize, p, esize);
        for (size_t i = src->rank; i-- > 0;) {
            if (++idx[i] < src->dims[i]) break;
            idx[i] = 0;
        }
    }
}

grt_status grt_tensor_copy_from_desc(const grt_tensor_desc *desc, const char *what,
                                     grt_tensor **out) {
    grt_tensor src = {0};
    grt_tensor *t = NULL;
    *out = NULL;
    grt_status st = grt_tensor_set_from_desc(&src, desc, what);
    if (st != GRT_OK) return st;
    st = grt_tensor_create(src.type, src.rank, src.dims, &t);
    if (st != GRT_OK) return grt_error_wrap(st, "%s", what);
    size_t count = grt_tensor_element_count(t);
    if (count == 0 || t->byte_size == 0) {
        /* nothing to copy */
    } else if (grt_tensor_is_dense(&src)) {
        memcpy(t->data, src.data, t->byte_size);
    } else {
        copy_strided(&src, t->data, count);
    }
    *out = t;
    return GRT_OK;
}
