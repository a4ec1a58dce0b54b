/*
 * kernels/norm/norms.c - RMSNorm and LayerNorm over the last axis.
 *
 * RMSNorm:   y = x / sqrt(mean(x^2) + eps) * gamma            (eps default 1e-6)
 * LayerNorm: y = (x - mean) / sqrt(var + eps) * gamma + beta  (biased var, eps default 1e-5)
 * x [..., D] f32/f16/bf16, gamma/beta [D] (any float type). Output rounded to x's type. Rows run
 * in parallel on per-thread scratch (threads/scratch.h). RMSNorm rows go through
 * cpu_rmsnorm_row_f32 (AVX2 or portable, kernels/elementwise/ew_rows.h; also used by the fused
 * Add+RMSNorm kernel so both give the same bits); LayerNorm statistics are in double.
 * Reentrant.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "../../threads/scratch.h"
#include "../elementwise/ew_rows.h"
#include "../kutil.h"
#include "../ops.h"
#include "rmsnorm.h"

typedef struct nm_job {
    int layer; /* 0 RMSNorm, 1 LayerNorm */
    const cpu_tensor *x, *gamma, *beta;
    cpu_tensor *y;
    size_t D;
    float eps;
    atomic_int failed;
} nm_job;

void cpu_rmsnorm_row_f32(const float *x, const float *gamma, float *y, size_t D, float eps)
{
    double acc = cpu_sumsq_row_f32(x, D);
    float inv = (float)(1.0 / sqrt(acc / (double)D + eps));
    cpu_scale_mul_row_f32(x, inv, gamma, y, D);
}

float *cpu_norm_gamma_f32(const cpu_tensor *gamma, size_t D, int slot)
{
    if (gamma->type == GRT_F32)
        return gamma->data;
    float *g = cpu_scratch(slot, sizeof(float) * D);
    if (g != NULL)
        cpu_load_row(gamma->type, gamma->data, 0, D, g);
    return g;
}

static void layer_row(const nm_job *j, float *buf)
{
    size_t D = j->D;
    double mean = 0, acc = 0;
    for (size_t d = 0; d < D; d++)
        mean += buf[d];
    mean /= (double)D;
    for (size_t d = 0; d < D; d++) {
        double v = buf[d] - mean;
        acc += v * v;
    }
    float inv = (float)(1.0 / sqrt(acc / (double)D + j->eps));
    float m = (float)mean;
    for (size_t d = 0; d < D; d++) {
        float v = (buf[d] - m) * inv * cpu_ld(j->gamma->type, j->gamma->data, d);
        if (j->beta)
            v += cpu_ld(j->beta->type, j->beta->data, d);
        buf[d] = v;
    }
}

static void nm_range(void *arg, size_t begin, size_t end)
{
    nm_job *j = arg;
    size_t D = j->D;
    int direct = j->x->type == GRT_F32 && !j->layer; /* f32 RMSNorm: no row copy */
    float *buf = direct ? NULL : cpu_scratch(0, sizeof(float) * D);
    const float *g = j->layer ? NULL : cpu_norm_gamma_f32(j->gamma, D, 1);
    if ((!direct && buf == NULL) || (!j->layer && g == NULL)) {
        atomic_store(&j->failed, 1);
        return;
    }
    for (size_t r = begin; r < end; r++) {
        if (direct) {
            cpu_rmsnorm_row_f32((const float *)j->x->data + r * D, g, (float *)j->y->data + r * D,
                                D, j->eps);
            continue;
        }
        cpu_load_row(j->x->type, j->x->data, r * D, D, buf);
        if (j->layer)
            layer_row(j, buf);
        else
            cpu_rmsnorm_row_f32(buf, g, buf, D, j->eps);
        cpu_store_row(j->y->type, j->y->data, r * D, D, buf);
    }
}

static grt_status norm(const cpu_kernel_ctx *ctx, const cpu_tensor *in, uint32_t n_in,
                       cpu_tensor *out, uint32_t n_out, int layer)
{
    grt_status st = cpu_check_arity(ctx, n_in, 2, layer ? 3 : 2, n_out, 1);
    if (st != GRT_OK || (st = cpu_check_float(ctx, &in[0], "input x")) != GRT_OK ||
        (st = cpu_check_float(ctx, &in[1], "gamma")) != GRT_OK ||
        (n_in > 2 && (st = cpu_check_float(ctx, &in[2], "beta")) != GRT_OK))
        return st;
    const grt_shape *s = &in[0].shape;
    if (s->rank == 0)
        return cpu_kernel_error(ctx, GRT_ERROR_SHAPE, "x must have rank >= 1");
    int64_t D = s->dims[s->rank - 1];
    for (uint32_t i = 1; i < n_in; i++)
        if (in[i].shape.rank != 1 || in[i].shape.dims[0] != D)
            return cpu_kernel_error(ctx, GRT_ERROR_SHAPE, "%s must have shape [%lld]",
                                    i == 1 ? "gamma" : "beta", (long long)D);
    if ((st = cpu_check_out_like(ctx, out, in[0].type, s)) != GRT_OK)
        return st;
    nm_job job, *j = &job; /* on the stack: nothing allocated per call */
    j->layer = layer;
    j->x = &in[0];
    j->gamma = &in[1];
    j->beta = n_in > 2 ? &in[2] : NULL;
    j->y = out;
    j->D = (size_t)D;
    j->eps = (float)cpu_attr_float(ctx, "eps", layer ? 1e-5 : 1e-6);
    atomic_init(&j->failed, 0);
    size_t rows = cpu_dims_prod(s, 0, s->rank - 1);
    if (D > 0 && rows > 0)
        cpu_parallel_for(ctx->pool, rows, j->D >= 4096 ? 1 : 4096 / j->D, nm_range, j);
    if (atomic_load(&j->failed))
        st = cpu_kernel_error(ctx, GRT_ERROR_OUT_OF_MEMORY, "out of memory for norm scratch");
    return st;
}

grt_status cpu_k_rmsnorm(const cpu_kernel_ctx *ctx, const cpu_tensor *in, uint32_t n_in,
                         cpu_tensor *out, uint32_t n_out)
{
    return norm(ctx, in, n_in, out, n_out, 0);
}

grt_status cpu_k_layernorm(const cpu_kernel_ctx *ctx, const cpu_tensor *in, uint32_t n_in,
                           cpu_tensor *out, uint32_t n_out)
{
    return norm(ctx, in, n_in, out, n_out, 1);
}
