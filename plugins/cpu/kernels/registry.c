/*
 * kernels/registry.c - maps ops to CPU kernels, answers which element types each kernel supports
 * (for query_model), and implements the attribute and error helpers of kernel.h.
 * Stateless and thread-safe (constant tables only).
 */
#include <stdarg.h>
#include <stdio.h>

#include "kutil.h"
#include "ops.h"

cpu_kernel_fn cpu_kernel_lookup(grt_op_type op)
{
    switch (op) {
    case GRT_OP_MATMUL: return cpu_k_matmul;
    case GRT_OP_ADD: return cpu_k_add;
    case GRT_OP_SUB: return cpu_k_sub;
    case GRT_OP_MUL: return cpu_k_mul;
    case GRT_OP_DIV: return cpu_k_div;
    case GRT_OP_GATHER: return cpu_k_gather;
    case GRT_OP_CONCAT: return cpu_k_concat;
    case GRT_OP_RESHAPE: return cpu_k_reshape;
    case GRT_OP_TRANSPOSE: return cpu_k_transpose;
    case GRT_OP_SLICE: return cpu_k_slice;
    case GRT_OP_CONVERT: return cpu_k_convert;
    case GRT_OP_SOFTMAX: return cpu_k_softmax;
    case GRT_OP_SILU: return cpu_k_silu;
    case GRT_OP_GELU: return cpu_k_gelu;
    case GRT_OP_RELU: return cpu_k_relu;
    case GRT_OP_RMS_NORM: return cpu_k_rmsnorm;
    case GRT_OP_LAYER_NORM: return cpu_k_layernorm;
    case GRT_OP_ROPE: return cpu_k_rope;
    case GRT_OP_SDPA: return cpu_k_sdpa;
    case GRT_OP_MOE: return cpu_k_moe;
    case GRT_OP_TOPK: return cpu_k_topk;
    case GRT_OP_ARGMAX: return cpu_k_argmax;
    default: return NULL;
    }
}

static int is_index(grt_element_type t)
{
    return t == GRT_I32 || t == GRT_I64;
}

/* Byte-copy ops take every type with a whole-byte element. */
static int is_bytes(grt_element_type t)
{
    return cpu_elem_size(t) != 0;
}

static int all_float(const grt_element_type *types, uint32_t from, uint32_t n)
{
    for (uint32_t i = from; i < n; i++)
        if (!cpu_is_float(types[i]))
            return 0;
    return 1;
}

int cpu_kernel_supports(grt_op_type op, const grt_element_type *types, uint32_t n)
{
    if (cpu_kernel_lookup(op) == NULL || (n > 0 && types == NULL))
        return 0;
    switch (op) {
    case GRT_OP_ADD: case GRT_OP_SUB: case GRT_OP_MUL: case GRT_OP_DIV:
        return n == 2 && types[0] == types[1] &&
               (cpu_is_float(types[0]) || is_index(types[0]));
    case GRT_OP_MATMUL: /* A and B may be different float types (output = A's type) */
        return n == 2 && all_float(types, 0, 2);
    case GRT_OP_GATHER:
        return n == 2 && is_bytes(types[0]) && is_index(types[1]);
    case GRT_OP_CONCAT:
        if (n < 1)
            return 0;
        for (uint32_t i = 0; i < n; i++)
            if (types[i] != types[0] || !is_bytes(types[i]))
                return 0;
        return 1;
    case GRT_OP_RESHAPE: case GRT_OP_TRANSPOSE: case GRT_OP_SLICE: case GRT_OP_CONVERT:
        return n >= 1 && is_bytes(types[0]);
    case GRT_OP_SOFTMAX: case GRT_OP_SILU: case GRT_OP_GELU: case GRT_OP_RELU:
        return n == 1 && cpu_is_float(types[0]);
    case GRT_OP_RMS_NORM:
        return n == 2 && all_float(types, 0, 2);
    case GRT_OP_LAYER_NORM:
        return (n == 2 || n == 3) && all_float(types, 0, n);
    case GRT_OP_ROPE:
        return n == 2 && cpu_is_float(types[0]) && is_index(types[1]);
    case GRT_OP_SDPA:
        return (n == 3 || n == 4) && all_float(types, 0, n);
    case GRT_OP_MOE:
        return n == 5 && all_float(types, 0, 5);
    case GRT_OP_TOPK: case GRT_OP_ARGMAX: /* data: f32/f16/bf16/i32/i64 */
        return n == 1 && (cpu_is_float(types[0]) || is_index(types[0]));
    default:
        return 0;
    }
}

static int get_attr(const cpu_kernel_ctx *ctx, const char *name, grt_attr_value *v)
{
    return ctx != NULL && ctx->host != NULL && ctx->host->node_attr != NULL &&
           ctx->host->node_attr(ctx->graph, ctx->node, name, v) == GRT_OK;
}

int64_t cpu_attr_int(const cpu_kernel_ctx *ctx, const char *name, int64_t def)
{
    grt_attr_value v;
    if (!get_attr(ctx, name, &v))
        return def;
    if (v.type == GRT_ATTR_INT)
        return v.u.i;
    if (v.type == GRT_ATTR_FLOAT)
        return (int64_t)v.u.f;
    return def;
}

double cpu_attr_float(const cpu_kernel_ctx *ctx, const char *name, double def)
{
    grt_attr_value v;
    if (!get_attr(ctx, name, &v))
        return def;
    if (v.type == GRT_ATTR_FLOAT)
        return v.u.f;
    if (v.type == GRT_ATTR_INT)
        return (double)v.u.i;
    return def;
}

const int64_t *cpu_attr_ints(const cpu_kernel_ctx *ctx, const char *name, size_t *count)
{
    grt_attr_value v;
    *count = 0;
    if (!get_attr(ctx, name, &v) || v.type != GRT_ATTR_INTS)
        return NULL;
    *count = v.u.ints.count;
    return v.u.ints.data;
}

grt_status cpu_kernel_error(const cpu_kernel_ctx *ctx, grt_status status, const char *fmt, ...)
{
    char detail[384], msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    if (ctx == NULL || ctx->host == NULL || ctx->host->set_error == NULL)
        return status;
    const char *name = ctx->host->node_name ? ctx->host->node_name(ctx->graph, ctx->node) : NULL;
    grt_op_type op = ctx->host->node_op ? ctx->host->node_op(ctx->graph, ctx->node)
                                        : GRT_OP_UNKNOWN;
    snprintf(msg, sizeof msg, "node '%s' (%s): %s", name ? name : "?", cpu_op_name(op), detail);
    return ctx->host->set_error(status, msg);
}

grt_status cpu_check_arity(const cpu_kernel_ctx *ctx, uint32_t n_in, uint32_t lo, uint32_t hi,
                           uint32_t n_out, uint32_t outs)
{
    if (n_in < lo || n_in > hi)
        return cpu_kernel_error(ctx, GRT_ERROR_INVALID_ARGUMENT,
                                "takes %u..%u inputs, got %u", lo, hi, n_in);
    if (n_out != outs)
        return cpu_kernel_error(ctx, GRT_ERROR_INVALID_ARGUMENT, "has %u outputs, got %u", outs,
                                n_out);
    return GRT_OK;
}
