/*
 * kernels/elementwise/unary.c - SiLU, GELU (erf and tanh forms) and ReLU.
 *
 * Types: f32/f16/bf16, computed in f32 and rounded to the output type (same shape and type as
 * the input). Processed in chunks of 1024 elements across ctx->pool. Reentrant.
 */
#include <math.h>

#include "../kutil.h"
#include "../ops.h"

enum { UN_SILU, UN_GELU_ERF, UN_GELU_TANH, UN_RELU };

#define UN_CHUNK 1024

typedef struct un_job {
    int op;
    grt_element_type type;
    const void *x;
    void *y;
    size_t n;
} un_job;

static float un_apply(int op, float x)
{
    switch (op) {
    case UN_SILU: return x / (1.0f + expf(-x));
    case UN_GELU_ERF: return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
    case UN_GELU_TANH: {
        const float k = 0.79788456080286536f; /* sqrt(2/pi) */
        return 0.5f * x * (1.0f + tanhf(k * (x + 0.044715f * x * x * x)));
    }
    default: return x > 0.0f ? x : (x == x ? 0.0f : x); /* NaN propagates */
    }
}

static void un_range(void *arg, size_t begin, size_t end)
{
    const un_job *j = arg;
    float buf[UN_CHUNK];
    for (size_t c = begin; c < end; c++) {
        size_t off = c * UN_CHUNK;
        size_t n = j->n - off < UN_CHUNK ? j->n - off : UN_CHUNK;
        cpu_load_row(j->type, j->x, off, n, buf);
        for (size_t i = 0; i < n; i++)
            buf[i] = un_apply(j->op, buf[i]);
        cpu_store_row(j->type, j->y, off, n, buf);
    }
}

static grt_status unary(const cpu_kernel_ctx *ctx, const cpu_tensor *in, uint32_t n_in,
                        cpu_tensor *out, uint32_t n_out, int op)
{
    grt_status st = cpu_check_arity(ctx, n_in, 1, 1, n_out, 1);
    if (st != GRT_OK || (st = cpu_check_float(ctx, &in[0], "input")) != GRT_OK)
        return st;
    if (out->type != in[0].type)
        return cpu_kernel_error(ctx, GRT_ERROR_NOT_SUPPORTED, "output type %s differs from %s",
                                cpu_type_name(out->type), cpu_type_name(in[0].type));
    if ((st = cpu_check_out_shape(ctx, out, &in[0].shape)) != GRT_OK)
        return st;
    un_job j = {op, in[0].type, in[0].data, out->data, cpu_numel(&in[0].shape)};
    size_t chunks = (j.n + UN_CHUNK - 1) / UN_CHUNK;
    cpu_parallel_for(ctx->pool, chunks, 16, un_range, &j);
    return GRT_OK;
}

CPU_KERNEL(cpu_k_silu) { return unary(ctx, in, n_in, out, n_out, UN_SILU); }

grt_status cpu_k_gelu(const cpu_kernel_ctx *ctx, const cpu_tensor *in, uint32_t n_in,
                      cpu_tensor *out, uint32_t n_out)
{
    int64_t approx = cpu_attr_int(ctx, "approximate", 0);
    if (approx != 0 && approx != 1)
        return cpu_kernel_error(ctx, GRT_ERROR_INVALID_ARGUMENT,
                                "attribute 'approximate' must be 0 or 1, got %lld",
                                (long long)approx);
    return unary(ctx, in, n_in, out, n_out, approx ? UN_GELU_TANH : UN_GELU_ERF);
}

CPU_KERNEL(cpu_k_relu) { return unary(ctx, in, n_in, out, n_out, UN_RELU); }
