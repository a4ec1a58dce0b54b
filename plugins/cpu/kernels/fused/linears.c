/*
 * kernels/fused/linears.c - sibling linear layers in one region (see fused.h): the MatMuls of
 * consecutive plan nodes that read the same activation A (Q / K / V, gate / up). In decode their
 * compressed weights go to cpu_linear_dq_n: A is quantized once and the rows of all weights are
 * split over the pool as one index space, so the small K and V projections do not each pay a
 * region start and a tail of their own. Anything else (prompts, float weights, mixed formats)
 * runs each MatMul through cpu_k_matmul: the unfused computation. The fusion pass took only
 * members with transpose_b = 1 and transpose_a = 0, so the last member's attributes (ctx) are
 * every member's. Reentrant.
 */
#include "../kutil.h"
#include "../matmul/linear.h"
#include "../qweight.h"
#include "fused.h"

/* The job of member (w, o) when it is the linear-layer form cpu_linear_dq takes: A f32 dense
 * [..., K], W a compressed [N, K] weight (transposed by the node), out f32 [..., N]. */
static int linear_form(const cpu_kernel_ctx *ctx, const cpu_tensor *a, const cpu_tensor *w,
                       const cpu_tensor *o, cpu_linear_job *job)
{
    const grt_shape *as = &a->shape;
    if (a->type != GRT_F32 || o->type != GRT_F32 || as->rank < 1 || cpu_tensor_is_strided(a) ||
        (a->comp != NULL && a->comp->kind != GRT_COMPRESSION_NONE) || w->shape.rank != 2 ||
        w->comp == NULL || w->comp->kind == GRT_COMPRESSION_NONE ||
        cpu_qw_check(ctx, w, "input B") != GRT_OK || cpu_attr_int(ctx, "transpose_b", 0) == 0 ||
        cpu_attr_int(ctx, "transpose_a", 0) != 0)
        return 0;
    size_t K = (size_t)as->dims[as->rank - 1], N = (size_t)w->shape.dims[0];
    grt_shape want = *as;
    want.dims[want.rank - 1] = (int64_t)N;
    if ((size_t)w->shape.dims[1] != K || !cpu_same_shape(&want, &o->shape) || K == 0)
        return 0;
    *job = (cpu_linear_job){ctx, a->data, cpu_numel(as) / K, N, K, w, o->data};
    return 1;
}

grt_status cpu_k_fused_linears(const cpu_kernel_ctx *ctx, const cpu_tensor *in, uint32_t n_in,
                               cpu_tensor *out, uint32_t n_out)
{
    grt_status st = cpu_check_arity(ctx, n_in, 4, 2 * CPU_LINEAR_MAX_SIBLINGS, n_out, 1);
    if (st != GRT_OK)
        return st;
    if (n_in % 2 != 0)
        return cpu_kernel_error(ctx, GRT_ERROR_INVALID_ARGUMENT,
                                "fused linears: %u inputs (expected A, W, then W / out pairs)", n_in);
    const uint32_t k = n_in / 2;
    const cpu_tensor *w[CPU_LINEAR_MAX_SIBLINGS];
    cpu_tensor o[CPU_LINEAR_MAX_SIBLINGS];
    cpu_linear_job jobs[CPU_LINEAR_MAX_SIBLINGS];
    int fast = 1;
    for (uint32_t m = 0; m < k; m++) { /* member m: (in[2 + 2m], in[3 + 2m]); the last (in[1], out) */
        w[m] = m + 1 == k ? &in[1] : &in[2 + 2 * m];
        o[m] = m + 1 == k ? *out : in[3 + 2 * m];
        fast = fast && linear_form(ctx, &in[0], w[m], &o[m], &jobs[m]);
    }
    if (fast && cpu_linear_dq_n(jobs, k, &st))
        return st;
    for (uint32_t m = 0; m < k && st == GRT_OK; m++) { /* one by one, as unfused */
        cpu_tensor mi[2] = {in[0], *w[m]};
        st = cpu_k_matmul(ctx, mi, 2, &o[m], 1);
    }
    return st;
}
