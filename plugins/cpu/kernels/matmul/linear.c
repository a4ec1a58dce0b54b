/*
 * kernels/matmul/linear.c - chooses the path of a linear layer (see linear.h).
 */
#include "linear.h"

int cpu_linear(const cpu_linear_job *job, grt_status *st)
{
    const grt_compression_info *c = job->w->comp;
    int compressed = c != NULL && c->kind != GRT_COMPRESSION_NONE;
    if (cpu_linear_bf16(job, st)) /* the hint, or in place of the int8 GEMM where faster */
        return 1;
    if (compressed && job->ctx->dq_group_size > 0 && cpu_linear_dq(job, st))
        return 1;
    return cpu_linear_fp(job, st);
}
