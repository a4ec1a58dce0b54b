/*
 * kernels/fused/add_rmsnorm.c - residual Add followed by RMSNorm in one pass per row (see
 * fused.h): in = {x, gamma, r, sum}; writes sum = x + r (the next residual, the Add node's
 * output buffer) and out = sum / sqrt(mean(sum^2) + eps) * gamma. f32 x/r/sum/out of one shape
 * [..., D]: rows across ctx->pool through the same row functions as Add and RMSNorm (bit-identical
 * to the unfused ops); anything else runs Add then RMSNorm. Reentrant; gamma of another float
 * type is converted into per-thread scratch slot 1.
 */
#include <stdatomic.h>
#include <string.h>

#include "../elementwise/ew_rows.h"
#include "../kutil.h"
#include "../norm/rmsnorm.h"
#include "fused.h"

typedef struct ar_job {
    const float *x, *r;
    float *sum, *y;
    const cpu_tensor *gamma;
    size_t D;
    float eps;
    atomic_int failed;
} ar_job;

static void ar_range(void *arg, size_t begin, size_t end)
{
    ar_job *j = arg;
    size_t D = j->D;
    const float *g = cpu_norm_gamma_f32(j->gamma, D, 1);
    if (g == NULL) {
        atomic_store(&j->failed, 1);
        return;
    }
    for (size_t row = begin; row < end; row++) {
        float *s = j->sum + row * D;
        cpu_binary_row_f32(CPU_BIN_ADD, j->x + row * D, j->r + row * D, s, D);
        cpu_rmsnorm_row_f32(s, g, j->y + row * D, D, j->eps);
    }
}

grt_status cpu_k_fused_add_rmsnorm(const cpu_kernel_ctx *ctx, const cpu_tensor *in, uint32_t n_in,
                                   cpu_tensor *out, uint32_t n_out)
{
    grt_status st = cpu_check_arity(ctx, n_in, 4, 4, n_out, 1);
    if (st != GRT_OK)
        return st;
    const cpu_tensor *x = &in[0], *gamma = &in[1], *r = &in[2];
    cpu_tensor sum = in[3];
    const grt_shape *s = &x->shape;
    int fast = x->type == GRT_F32 && r->type == GRT_F32 && sum.type == GRT_F32 &&
               out->type == GRT_F32 && !x->comp && !r->comp && !gamma->comp && s->rank >= 1 &&
               cpu_same_shape(s, &r->shape) && cpu_same_shape(s, &sum.shape) &&
               cpu_same_shape(s, &out->shape) && cpu_is_float(gamma->type) && gamma->shape.rank == 1 &&
               gamma->shape.dims[0] == s->dims[s->rank - 1];
    if (!fast) { /* Add, then RMSNorm: the unfused computation */
        cpu_tensor ai[2] = {*x, *r};
        st = cpu_k_add(ctx, ai, 2, &sum, 1);
        cpu_tensor ni[2] = {sum, *gamma};
        return st != GRT_OK ? st : cpu_k_rmsnorm(ctx, ni, 2, out, 1);
    }
    if ((st = cpu_check_tensor(ctx, x, "x")) != GRT_OK ||
        (st = cpu_check_tensor(ctx, r, "residual")) != GRT_OK ||
        (st = cpu_check_tensor(ctx, gamma, "gamma")) != GRT_OK)
        return st;
    ar_job j = {x->data, r->data, sum.data, out->data, gamma, (size_t)s->dims[s->rank - 1],
                (float)cpu_attr_float(ctx, "eps", 1e-6), 0};
    atomic_init(&j.failed, 0);
    size_t rows = cpu_dims_prod(s, 0, s->rank - 1);
    if (j.D > 0 && rows > 0)
        cpu_parallel_for(ctx->pool, rows, j.D >= 4096 ? 1 : 4096 / j.D, ar_range, &j);
    if (atomic_load(&j.failed))
        return cpu_kernel_error(ctx, GRT_ERROR_OUT_OF_MEMORY, "out of memory for gamma scratch");
    return GRT_OK;
}
