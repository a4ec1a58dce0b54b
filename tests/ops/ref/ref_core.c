/*
 * tests/ops/ref/ref_core.c - dense double tensors and broadcasting helpers of the reference ops.
 * Ownership: ref_tensor_alloc mallocs t->v, ref_tensor_free releases it. Reentrant.
 */
#include "ref.h"

#include <stdlib.h>
#include <string.h>

size_t ref_numel(size_t rank, const int64_t *dims)
{
    size_t n = 1;
    for (size_t i = 0; i < rank; i++)
        n *= (size_t)dims[i];
    return n;
}

int ref_tensor_alloc(ref_tensor *t, grt_element_type type, size_t rank, const int64_t *dims)
{
    memset(t, 0, sizeof(*t));
    if (rank > GRT_MAX_RANK)
        return -1;
    for (size_t i = 0; i < rank; i++) {
        if (dims[i] < 0)
            return -1;
        t->dims[i] = dims[i];
    }
    t->type = type;
    t->rank = rank;
    size_t n = ref_numel(rank, dims);
    if (n > 0) {
        t->v = calloc(n, sizeof(double));
        if (!t->v)
            return -1;
    }
    return 0;
}

void ref_tensor_free(ref_tensor *t)
{
    if (!t)
        return;
    free(t->v);
    memset(t, 0, sizeof(*t));
}

void ref_strides(size_t rank, const int64_t *dims, int64_t *strides)
{
    int64_t s = 1;
    for (size_t i = rank; i-- > 0;) {
        strides[i] = s;
        s *= dims[i];
    }
}

int ref_broadcast_shape(size_t ra, const int64_t *a, size_t rb, const int64_t *b, size_t *rank,
                        int64_t *out)
{
    size_t r = ra > rb ? ra : rb;
    for (size_t i = 0; i < r; i++) {
        int64_t da = i < r - ra ? 1 : a[i - (r - ra)];
        int64_t db = i < r - rb ? 1 : b[i - (r - rb)];
        if (da != db && da != 1 && db != 1)
            return -1;
        out[i] = da == 1 ? db : da;
    }
    *rank = r;
    return 0;
}

size_t ref_broadcast_offset(size_t rank, const int64_t *dims, size_t out_rank, const int64_t *idx)
{
    size_t off = 0;
    for (size_t i = 0; i < rank; i++) {
        int64_t d = dims[i];
        int64_t j = idx[out_rank - rank + i];
        off = off * (size_t)d + (size_t)(d == 1 ? 0 : j);
    }
    return off;
}

int ref_axis(int64_t axis, size_t rank, size_t *out)
{
    int64_t r = (int64_t)rank;
    if (axis < -r || axis >= r)
        return -1;
    *out = (size_t)(axis < 0 ? axis + r : axis);
    return 0;
}
