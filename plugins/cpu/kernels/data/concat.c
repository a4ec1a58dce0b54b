/*
 * kernels/data/concat.c - Concat of 1..N inputs along `axis` (required, negative counts from the
 * end). Type-generic byte copies; all inputs share type and rank and agree on every dim but axis.
 * Reentrant; allocates nothing.
 */
#include <stdio.h>
#include <string.h>

#include "../kutil.h"
#include "../ops.h"

grt_status cpu_k_concat(const cpu_kernel_ctx *ctx, const cpu_tensor *in, uint32_t n_in,
                        cpu_tensor *out, uint32_t n_out)
{
    grt_status st = cpu_check_arity(ctx, n_in, 1, UINT32_MAX, n_out, 1);
    int64_t axis_attr;
    if (st != GRT_OK || (st = cpu_attr_int_req(ctx, "axis", &axis_attr)) != GRT_OK)
        return st;
    const grt_shape *s0 = &in[0].shape;
    uint32_t r = s0->rank, axis;
    if ((st = cpu_norm_axis(ctx, axis_attr, r, "axis", &axis)) != GRT_OK)
        return st;
    grt_shape os = *s0;
    os.dims[axis] = 0;
    for (uint32_t i = 0; i < n_in; i++) {
        char what[32];
        snprintf(what, sizeof what, "input %u", i);
        if (in[i].comp != NULL)
            return cpu_kernel_error(ctx, GRT_ERROR_NOT_SUPPORTED, "%s is compressed", what);
        if ((st = cpu_check_tensor(ctx, &in[i], what)) != GRT_OK)
            return st;
        if (in[i].type != in[0].type || in[i].shape.rank != r)
            return cpu_kernel_error(ctx, GRT_ERROR_SHAPE, "%s differs in type or rank", what);
        for (uint32_t d = 0; d < r; d++)
            if (d != axis && in[i].shape.dims[d] != s0->dims[d])
                return cpu_kernel_error(ctx, GRT_ERROR_SHAPE,
                                        "%s has dim %lld at axis %u, expected %lld", what,
                                        (long long)in[i].shape.dims[d], d,
                                        (long long)s0->dims[d]);
        os.dims[axis] += in[i].shape.dims[axis];
    }
    if (out->type != in[0].type)
        return cpu_kernel_error(ctx, GRT_ERROR_NOT_SUPPORTED, "output type differs from inputs");
    if ((st = cpu_check_out_shape(ctx, out, &os)) != GRT_OK)
        return st;
    size_t es = cpu_elem_size(out->type);
    size_t outer = cpu_dims_prod(s0, 0, axis);
    size_t inner = cpu_dims_prod(s0, axis + 1, r) * es;
    size_t orow = (size_t)os.dims[axis] * inner;
    size_t col = 0;
    for (uint32_t i = 0; i < n_in; i++) {
        size_t chunk = (size_t)in[i].shape.dims[axis] * inner;
        if (chunk > 0)
            for (size_t o = 0; o < outer; o++)
                memcpy((char *)out->data + o * orow + col,
                       (const char *)in[i].data + o * chunk, chunk);
        col += chunk;
    }
    return GRT_OK;
}
