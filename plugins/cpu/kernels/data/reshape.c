/*
 * kernels/data/reshape.c - Reshape: a dense copy (the plan has resolved the output shape from the
 * `shape` attribute; here the element count and type must agree). Reentrant.
 */
#include <string.h>

#include "../kutil.h"
#include "../ops.h"

grt_status cpu_k_reshape(const cpu_kernel_ctx *ctx, const cpu_tensor *in, uint32_t n_in,
                         cpu_tensor *out, uint32_t n_out)
{
    /* A second input (a shape tensor) is tolerated and ignored: the plan resolved the shape. */
    grt_status st = cpu_check_arity(ctx, n_in, 1, 2, n_out, 1);
    if (st != GRT_OK || (st = cpu_check_plain(ctx, &in[0], "input")) != GRT_OK ||
        (st = cpu_check_tensor(ctx, out, "output")) != GRT_OK)
        return st;
    size_t n = cpu_numel(&in[0].shape);
    if (out->type != in[0].type || cpu_numel(&out->shape) != n)
        return cpu_kernel_error(ctx, GRT_ERROR_SHAPE,
                                "output (%s, %zu elements) does not match input (%s, %zu elements)",
                                cpu_type_name(out->type), cpu_numel(&out->shape),
                                cpu_type_name(in[0].type), n);
    if (n > 0 && out->data != in[0].data)
        memcpy(out->data, in[0].data, n * cpu_elem_size(out->type));
    return GRT_OK;
}
