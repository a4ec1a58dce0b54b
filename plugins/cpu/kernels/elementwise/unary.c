/*
 * kernels/elementwise/unary.c - SiLU, GELU (erf and tanh forms) and ReLU.
 *
 * Types: f32/f16/bf16, computed in f32 and rounded to the output type (same shape and type as
 * the input) by cpu_unary_row_f32 (AVX2 or portable, ew_rows.h). Processed in chunks of 1024
 * elements across ctx->pool. Reentrant.
 */
#include <math.h>

#include "../kutil.h"
#include "ew_rows.h"
#include "../ops.h"

#define UN_CHUNK 1024

typedef struct un_job {
    cpu_unary_op op;
    grt_element_type type;
    const void *x;
    void *y;
    size_t n;
} un_job;

static void un_range(void *arg, size_t begin, size_t end)
{
    const un_job *j = arg;
    float buf[UN_CHUNK];
    for (size_t c = begin; c < end; c++) {
        size_t off = c * UN_CHUNK;
        size_t n = j->n - off < UN_CHUNK ? j->n - off : UN_CHUNK;
        if (j->type == GRT_F32) {
            cpu_unary_row_f32(j->op, (const float *)j->x + off, (float *)j->y + off, n);
            continue;
        }
        cpu_load_row(j->type, j->x, off, n, buf);
        cpu_unary_row_f32(j->op, buf, buf, n);
        cpu_store_row(j->type, j->y, off, n, buf);
    }
}

static grt_status unary(const cpu_kernel_ctx *ctx, const cpu_tensor *in, uint32_t n_in,
                        cpu_tensor *out, uint32_t n_out, cpu_unary_op op)
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

CPU_KERNEL(cpu_k_silu) { return unary(ctx, in, n_in, out, n_out, CPU_UN_SILU); }

grt_status cpu_k_gelu(const cpu_kernel_ctx *ctx, const cpu_tensor *in, uint32_t n_in,
                      cpu_tensor *out, uint32_t n_out)
{
    int64_t approx = cpu_attr_int(ctx, "approximate", 0);
    if (approx != 0 && approx != 1)
        return cpu_kernel_error(ctx, GRT_ERROR_INVALID_ARGUMENT,
                                "attribute 'approximate' must be 0 or 1, got %lld",
                                (long long)approx);
    return unary(ctx, in, n_in, out, n_out, approx ? CPU_UN_GELU_TANH : CPU_UN_GELU_ERF);
}

CPU_KERNEL(cpu_k_relu) { return unary(ctx, in, n_in, out, n_out, CPU_UN_RELU); }
