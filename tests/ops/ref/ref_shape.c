/*
 * tests/ops/ref/ref_shape.c - reference data-movement ops: Gather, Concat, Reshape, Transpose and
 * Slice (Python slicing semantics). Index arithmetic in int64; reentrant.
 */
#include "ref.h"

#include <string.h>

int ref_gather(const ref_tensor *data, const ref_tensor *indices, int64_t axis, ref_tensor *out)
{
    size_t ax;
    memset(out, 0, sizeof(*out));
    if (ref_axis(axis, data->rank, &ax) != 0 || data->rank + indices->rank - 1 > GRT_MAX_RANK)
        return -1;
    int64_t od[GRT_MAX_RANK];
    size_t orank = 0;
    for (size_t i = 0; i < ax; i++)
        od[orank++] = data->dims[i];
    for (size_t i = 0; i < indices->rank; i++)
        od[orank++] = indices->dims[i];
    for (size_t i = ax + 1; i < data->rank; i++)
        od[orank++] = data->dims[i];
    size_t outer = ref_numel(ax, data->dims);
    int64_t len = data->dims[ax];
    size_t inner = ref_numel(data->rank - ax - 1, data->dims + ax + 1);
    size_t nidx = ref_numel(indices->rank, indices->dims);
    for (size_t j = 0; j < nidx; j++) {
        int64_t id = (int64_t)indices->v[j];
        if (id < -len || id >= len)
            return -1;
    }
    if (ref_tensor_alloc(out, data->type, orank, od) != 0)
        return -1;
    for (size_t o = 0; o < outer; o++) {
        for (size_t j = 0; j < nidx; j++) {
            int64_t id = (int64_t)indices->v[j];
            if (id < 0)
                id += len;
            const double *src = data->v + (o * (size_t)len + (size_t)id) * inner;
            double *dst = out->v + (o * nidx + j) * inner;
            for (size_t i = 0; i < inner; i++)
                dst[i] = src[i];
        }
    }
    return 0;
}

int ref_concat(size_t n, const ref_tensor *const *inputs, int64_t axis, ref_tensor *out)
{
    size_t ax;
    memset(out, 0, sizeof(*out));
    if (n == 0 || ref_axis(axis, inputs[0]->rank, &ax) != 0)
        return -1;
    const ref_tensor *f = inputs[0];
    int64_t od[GRT_MAX_RANK];
    memcpy(od, f->dims, f->rank * sizeof(int64_t));
    od[ax] = 0;
    for (size_t t = 0; t < n; t++) {
        if (inputs[t]->rank != f->rank || inputs[t]->type != f->type)
            return -1;
        for (size_t d = 0; d < f->rank; d++)
            if (d != ax && inputs[t]->dims[d] != f->dims[d])
                return -1;
        od[ax] += inputs[t]->dims[ax];
    }
    if (ref_tensor_alloc(out, f->type, f->rank, od) != 0)
        return -1;
    size_t outer = ref_numel(ax, od);
    size_t inner = ref_numel(f->rank - ax - 1, od + ax + 1);
    size_t pos = 0;
    for (size_t o = 0; o < outer; o++) {
        for (size_t t = 0; t < n; t++) {
            size_t chunk = (size_t)inputs[t]->dims[ax] * inner;
            if (chunk)
                memcpy(out->v + pos, inputs[t]->v + o * chunk, chunk * sizeof(double));
            pos += chunk;
        }
    }
    return 0;
}

int ref_reshape(const ref_tensor *x, size_t n, const int64_t *shape, int special_zero,
                ref_tensor *out)
{
    int64_t od[GRT_MAX_RANK];
    int infer = -1;
    size_t known = 1;
    memset(out, 0, sizeof(*out));
    if (n > GRT_MAX_RANK)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int64_t d = shape[i];
        if (d == 0 && special_zero) {
            if (i >= x->rank)
                return -1;
            d = x->dims[i];
        }
        if (d == -1) {
            if (infer >= 0)
                return -1;
            infer = (int)i;
        } else if (d < 0) {
            return -1;
        } else {
            known *= (size_t)d;
        }
        od[i] = d;
    }
    size_t total = ref_numel(x->rank, x->dims);
    if (infer >= 0) {
        if (known == 0 || total % known != 0)
            return -1;
        od[infer] = (int64_t)(total / known);
    } else if (known != total) {
        return -1;
    }
    if (ref_tensor_alloc(out, x->type, n, od) != 0)
        return -1;
    if (total)
        memcpy(out->v, x->v, total * sizeof(double));
    return 0;
}

int ref_transpose(const ref_tensor *x, size_t n, const int64_t *perm, ref_tensor *out)
{
    int64_t od[GRT_MAX_RANK], ist[GRT_MAX_RANK], idx[GRT_MAX_RANK];
    int seen[GRT_MAX_RANK] = {0};
    memset(out, 0, sizeof(*out));
    if (n != x->rank)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (perm[i] < 0 || perm[i] >= (int64_t)n || seen[perm[i]])
            return -1;
        seen[perm[i]] = 1;
        od[i] = x->dims[perm[i]];
    }
    if (ref_tensor_alloc(out, x->type, n, od) != 0)
        return -1;
    ref_strides(n, x->dims, ist);
    size_t total = ref_numel(n, od);
    for (size_t i = 0; i < total; i++) {
        size_t rem = i, off = 0;
        for (size_t d = n; d-- > 0;) {
            idx[d] = (int64_t)(rem % (size_t)od[d]);
            rem /= (size_t)od[d];
        }
        for (size_t d = 0; d < n; d++)
            off += (size_t)(idx[d] * ist[perm[d]]);
        out->v[i] = x->v[off];
    }
    return 0;
}

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

int ref_slice(const ref_tensor *x, size_t n, const int64_t *starts, const int64_t *ends,
              const int64_t *axes, const int64_t *steps, ref_tensor *out)
{
    int64_t first[GRT_MAX_RANK], step[GRT_MAX_RANK], od[GRT_MAX_RANK];
    int64_t ist[GRT_MAX_RANK], idx[GRT_MAX_RANK];
    memset(out, 0, sizeof(*out));
    for (size_t d = 0; d < x->rank; d++) {
        first[d] = 0;
        step[d] = 1;
        od[d] = x->dims[d];
    }
    for (size_t i = 0; i < n; i++) {
        size_t ax;
        if (ref_axis(axes ? axes[i] : (int64_t)i, x->rank, &ax) != 0)
            return -1;
        int64_t dim = x->dims[ax], st = steps ? steps[i] : 1;
        int64_t s = starts[i], e = ends[i];
        if (st == 0)
            return -1;
        if (s < 0)
            s += dim;
        if (e < 0)
            e += dim;
        int64_t cnt;
        if (st > 0) {
            s = clamp64(s, 0, dim);
            e = clamp64(e, 0, dim);
            cnt = e > s ? (e - s + st - 1) / st : 0;
        } else {
            s = clamp64(s, -1, dim - 1);
            e = clamp64(e, -1, dim - 1);
            cnt = s > e ? (s - e + (-st) - 1) / (-st) : 0;
        }
        first[ax] = s;
        step[ax] = st;
        od[ax] = cnt;
    }
    if (ref_tensor_alloc(out, x->type, x->rank, od) != 0)
        return -1;
    ref_strides(x->rank, x->dims, ist);
    size_t total = ref_numel(x->rank, od);
    for (size_t i = 0; i < total; i++) {
        size_t rem = i, off = 0;
        for (size_t d = x->rank; d-- > 0;) {
            idx[d] = (int64_t)(rem % (size_t)od[d]);
            rem /= (size_t)od[d];
        }
        for (size_t d = 0; d < x->rank; d++)
            off += (size_t)((first[d] + idx[d] * step[d]) * ist[d]);
        out->v[i] = x->v[off];
    }
    return 0;
}
