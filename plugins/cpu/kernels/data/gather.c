/*
 * kernels/data/gather.c - Gather along one axis (batch_dims 0), type-generic byte copies.
 *
 * data [D0..Dr-1], indices (i32/i64, any shape) -> out = data[:axis] + indices.shape +
 * data[axis+1:]. Negative indices count from the end; an index outside [-D, D) is an error naming
 * the node (checked before anything is written). data may be a compressed constant (embedding
 * lookup): the selected rows are dequantized straight into the output (f32/f16/bf16).
 * Reentrant; allocates nothing.
 */
#include <string.h>

#include "../kutil.h"
#include "../ops.h"
#include "../qweight.h"

static int64_t idx_at(const cpu_tensor *ind, size_t i)
{
    return ind->type == GRT_I32 ? ((const int32_t *)ind->data)[i]
                                : ((const int64_t *)ind->data)[i];
}

/* Dequantizes flat elements [e0, e0 + n) of compressed `t` into out (type ot) at element `o0`. */
static void gather_decode(const cpu_tensor *t, size_t e0, size_t n, grt_element_type ot,
                          void *out, size_t o0)
{
    size_t K = (size_t)t->shape.dims[t->shape.rank - 1];
    float buf[256];
    while (n > 0) {
        size_t row = e0 / K, c0 = e0 % K;
        size_t len = K - c0;
        if (len > n)
            len = n;
        if (len > 256)
            len = 256;
        cpu_qw_row(t, row, c0, c0 + len, buf);
        cpu_store_row(ot, out, o0, len, buf);
        e0 += len;
        o0 += len;
        n -= len;
    }
}

grt_status cpu_k_gather(const cpu_kernel_ctx *ctx, const cpu_tensor *in, uint32_t n_in,
                        cpu_tensor *out, uint32_t n_out)
{
    grt_status st = cpu_check_arity(ctx, n_in, 2, 2, n_out, 1);
    if (st != GRT_OK)
        return st;
    const cpu_tensor *data = &in[0], *ind = &in[1];
    int compressed = data->comp != NULL && data->comp->kind != GRT_COMPRESSION_NONE;
    if (compressed ? (st = cpu_qw_check(ctx, data, "data")) != GRT_OK
                   : (st = cpu_check_tensor(ctx, data, "data")) != GRT_OK)
        return st;
    if (ind->type != GRT_I32 && ind->type != GRT_I64)
        return cpu_kernel_error(ctx, GRT_ERROR_NOT_SUPPORTED, "indices have type %s, need i32/i64",
                                cpu_type_name(ind->type));
    if ((st = cpu_check_tensor(ctx, ind, "indices")) != GRT_OK)
        return st;
    if (cpu_attr_int(ctx, "batch_dims", 0) != 0)
        return cpu_kernel_error(ctx, GRT_ERROR_NOT_SUPPORTED, "batch_dims != 0 not supported");
    if (out->type != data->type)
        return cpu_kernel_error(ctx, GRT_ERROR_NOT_SUPPORTED, "output type %s differs from %s",
                                cpu_type_name(out->type), cpu_type_name(data->type));
    uint32_t r = data->shape.rank, axis;
    if ((st = cpu_attr_axis(ctx, &data->shape, "data", 0, &axis)) != GRT_OK)
        return st;
    grt_shape os = {0};
    os.rank = r - 1 + ind->shape.rank;
    if (os.rank > GRT_MAX_RANK)
        return cpu_kernel_error(ctx, GRT_ERROR_SHAPE, "output rank %u exceeds %d", os.rank,
                                GRT_MAX_RANK);
    uint32_t k = 0;
    for (uint32_t i = 0; i < axis; i++)
        os.dims[k++] = data->shape.dims[i];
    for (uint32_t i = 0; i < ind->shape.rank; i++)
        os.dims[k++] = ind->shape.dims[i];
    for (uint32_t i = axis + 1; i < r; i++)
        os.dims[k++] = data->shape.dims[i];
    if ((st = cpu_check_out_shape(ctx, out, &os)) != GRT_OK)
        return st;

    int64_t D = data->shape.dims[axis];
    size_t outer = cpu_dims_prod(&data->shape, 0, axis);
    size_t inner = cpu_dims_prod(&data->shape, axis + 1, r);
    size_t nidx = cpu_numel(&ind->shape);
    for (size_t t = 0; t < nidx; t++) {
        int64_t v = idx_at(ind, t);
        if (v < -D || v >= D)
            return cpu_kernel_error(ctx, GRT_ERROR_INVALID_ARGUMENT,
                                    "index %lld at position %zu is out of range for dim %lld",
                                    (long long)v, t, (long long)D);
    }
    size_t es = cpu_elem_size(data->type);
    for (size_t o = 0; o < outer; o++) {
        for (size_t t = 0; t < nidx; t++) {
            int64_t v = idx_at(ind, t);
            if (v < 0)
                v += D;
            size_t src = (o * (size_t)D + (size_t)v) * inner, dst = (o * nidx + t) * inner;
            if (compressed)
                gather_decode(data, src, inner, out->type, out->data, dst);
            else if (inner > 0)
                memcpy((char *)out->data + dst * es, (const char *)data->data + src * es,
                       inner * es);
        }
    }
    return GRT_OK;
}
