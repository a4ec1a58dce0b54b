/*
 * kernels/norm/softmax.c - Softmax along `axis` (default -1): exp(x - max) / sum.
 *
 * f32/f16/bf16, computed in f32 (sum in double) by cpu_softmax_row_f32 (AVX2 or portable,
 * kernels/elementwise/ew_rows.h). Each line along the axis is gathered into an f32 buffer
 * (per-thread scratch), so any axis works; lines run in parallel. Reentrant.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "../../threads/scratch.h"
#include "../elementwise/ew_rows.h"
#include "../kutil.h"
#include "../ops.h"

typedef struct sm_job {
    grt_element_type t;
    const void *x;
    void *y;
    size_t D, inner;
    atomic_int failed;
} sm_job;

static void sm_range(void *arg, size_t begin, size_t end)
{
    sm_job *j = arg;
    float *buf = cpu_scratch(0, sizeof(float) * j->D);
    if (buf == NULL) {
        atomic_store(&j->failed, 1);
        return;
    }
    for (size_t l = begin; l < end; l++) {
        size_t o = l / j->inner, i = l % j->inner;
        size_t base = o * j->D * j->inner + i;
        if (j->inner == 1)
            cpu_load_row(j->t, j->x, base, j->D, buf);
        else
            for (size_t d = 0; d < j->D; d++)
                buf[d] = cpu_ld(j->t, j->x, base + d * j->inner);
        cpu_softmax_row_f32(buf, buf, j->D);
        if (j->inner == 1)
            cpu_store_row(j->t, j->y, base, j->D, buf);
        else
            for (size_t d = 0; d < j->D; d++)
                cpu_st(j->t, j->y, base + d * j->inner, buf[d]);
    }
}

grt_status cpu_k_softmax(const cpu_kernel_ctx *ctx, const cpu_tensor *in, uint32_t n_in,
                         cpu_tensor *out, uint32_t n_out)
{
    grt_status st = cpu_check_arity(ctx, n_in, 1, 1, n_out, 1);
    if (st != GRT_OK || (st = cpu_check_float(ctx, &in[0], "input")) != GRT_OK)
        return st;
    const grt_shape *s = &in[0].shape;
    uint32_t axis;
    if ((st = cpu_attr_axis(ctx, s, "input", -1, &axis)) != GRT_OK)
        return st;
    if ((st = cpu_check_out_like(ctx, out, in[0].type, s)) != GRT_OK)
        return st;
    sm_job job, *j = &job; /* on the stack: nothing allocated per call */
    j->t = in[0].type;
    j->x = in[0].data;
    j->y = out->data;
    j->D = (size_t)s->dims[axis];
    j->inner = cpu_dims_prod(s, axis + 1, s->rank);
    atomic_init(&j->failed, 0);
    size_t lines = cpu_dims_prod(s, 0, axis) * j->inner;
    if (j->D > 0 && lines > 0) {
        size_t grain = j->D >= 4096 ? 1 : 4096 / j->D;
        cpu_parallel_for(ctx->pool, lines, grain, sm_range, j);
    }
    if (atomic_load(&j->failed))
        st = cpu_kernel_error(ctx, GRT_ERROR_OUT_OF_MEMORY, "out of memory for softmax scratch");
    return st;
}
