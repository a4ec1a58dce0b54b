/*
 * kernels/data/transpose.c - Transpose by `perm` (required): out.shape[i] = in.shape[perm[i]].
 * Type-generic strided copy. Reentrant; allocates nothing.
 */
#include "../kutil.h"
#include "../ops.h"
#include "strided.h"

grt_status cpu_k_transpose(const cpu_kernel_ctx *ctx, const cpu_tensor *in, uint32_t n_in,
                           cpu_tensor *out, uint32_t n_out)
{
    grt_status st = cpu_check_arity(ctx, n_in, 1, 1, n_out, 1);
    if (st != GRT_OK || (st = cpu_check_plain(ctx, &in[0], "input")) != GRT_OK)
        return st;
    size_t np;
    const int64_t *perm = cpu_attr_ints_req(ctx, "perm", &np, &st);
    if (st != GRT_OK)
        return st;
    const grt_shape *is = &in[0].shape;
    uint32_t r = is->rank;
    if (np != r)
        return cpu_kernel_error(ctx, GRT_ERROR_INVALID_ARGUMENT,
                                "perm has %zu entries for rank %u", np, r);
    int64_t istr[GRT_MAX_RANK], ostr[GRT_MAX_RANK];
    int seen[GRT_MAX_RANK] = {0};
    grt_shape os = {0};
    os.rank = r;
    int64_t s = 1;
    for (uint32_t d = r; d-- > 0;) {
        istr[d] = s;
        s *= is->dims[d];
    }
    for (uint32_t i = 0; i < r; i++) {
        if (perm[i] < 0 || perm[i] >= (int64_t)r || seen[perm[i]]++)
            return cpu_kernel_error(ctx, GRT_ERROR_INVALID_ARGUMENT,
                                    "perm is not a permutation of 0..%u", r - 1);
        os.dims[i] = is->dims[perm[i]];
        ostr[i] = istr[perm[i]];
    }
    if ((st = cpu_check_out_like(ctx, out, in[0].type, &os)) != GRT_OK)
        return st;
    cpu_strided_copy(out->data, in[0].data, cpu_elem_size(out->type), r, os.dims, 0, ostr);
    return GRT_OK;
}
