/*
 * tests/ops/ref/ref_reduce.c - reference TopK (max/min, sorted by value or by index, ties to the
 * lower index) and ArgMax (first maximum). Reentrant; scratch is malloc'ed per call.
 */
#include "ref.h"

#include <stdlib.h>
#include <string.h>

/* 1 if candidate (value a, index ia) ranks before (b, ib) in mode 0 (max) / 1 (min). */
static int ranks_before(double a, int64_t ia, double b, int64_t ib, int mode)
{
    if (a != b)
        return mode == 0 ? a > b : a < b;
    return ia < ib;
}

int ref_topk(const ref_tensor *x, int64_t k, int64_t axis, int mode, int sort, ref_tensor *values,
             ref_tensor *indices)
{
    size_t ax;
    int64_t *pick = NULL;
    memset(values, 0, sizeof(*values));
    memset(indices, 0, sizeof(*indices));
    if (ref_axis(axis, x->rank, &ax) != 0 || k < 0 || k > x->dims[ax])
        return -1;
    int64_t od[GRT_MAX_RANK];
    memcpy(od, x->dims, x->rank * sizeof(int64_t));
    od[ax] = k;
    if (ref_tensor_alloc(values, x->type, x->rank, od) != 0 ||
        ref_tensor_alloc(indices, GRT_I64, x->rank, od) != 0)
        goto fail;
    size_t outer = ref_numel(ax, x->dims), inner = ref_numel(x->rank - ax - 1, x->dims + ax + 1);
    int64_t len = x->dims[ax];
    pick = malloc((size_t)(k > 0 ? k : 1) * sizeof(int64_t));
    if (!pick)
        goto fail;
    for (size_t o = 0; o < outer; o++) {
        for (size_t in = 0; in < inner; in++) {
            const double *src = x->v + o * (size_t)len * inner + in;
            /* selection: the n-th best not yet picked */
            for (int64_t n = 0; n < k; n++) {
                int64_t best = -1;
                for (int64_t j = 0; j < len; j++) {
                    int taken = 0;
                    for (int64_t m = 0; m < n; m++)
                        taken |= pick[m] == j;
                    if (taken)
                        continue;
                    if (best < 0 || ranks_before(src[j * (int64_t)inner], j,
                                                 src[best * (int64_t)inner], best, mode))
                        best = j;
                }
                pick[n] = best;
            }
            if (!sort) { /* by index ascending */
                for (int64_t a = 1; a < k; a++)
                    for (int64_t b = a; b > 0 && pick[b - 1] > pick[b]; b--) {
                        int64_t t = pick[b];
                        pick[b] = pick[b - 1];
                        pick[b - 1] = t;
                    }
            }
            for (int64_t n = 0; n < k; n++) {
                size_t off = (o * (size_t)k + (size_t)n) * inner + in;
                values->v[off] = src[pick[n] * (int64_t)inner];
                indices->v[off] = (double)pick[n];
            }
        }
    }
    free(pick);
    return 0;
fail:
    free(pick);
    ref_tensor_free(values);
    ref_tensor_free(indices);
    return -1;
}

int ref_argmax(const ref_tensor *x, int64_t axis, int keep_dims, ref_tensor *out)
{
    size_t ax;
    memset(out, 0, sizeof(*out));
    if (ref_axis(axis, x->rank, &ax) != 0 || x->dims[ax] == 0)
        return -1;
    int64_t od[GRT_MAX_RANK];
    size_t orank = 0;
    for (size_t d = 0; d < x->rank; d++) {
        if (d == ax) {
            if (keep_dims)
                od[orank++] = 1;
        } else {
            od[orank++] = x->dims[d];
        }
    }
    if (ref_tensor_alloc(out, GRT_I64, orank, od) != 0)
        return -1;
    size_t outer = ref_numel(ax, x->dims), inner = ref_numel(x->rank - ax - 1, x->dims + ax + 1);
    int64_t len = x->dims[ax];
    for (size_t o = 0; o < outer; o++) {
        for (size_t in = 0; in < inner; in++) {
            const double *src = x->v + o * (size_t)len * inner + in;
            int64_t best = 0;
            for (int64_t j = 1; j < len; j++)
                if (src[j * (int64_t)inner] > src[best * (int64_t)inner])
                    best = j;
            out->v[o * inner + in] = (double)best;
        }
    }
    return 0;
}
