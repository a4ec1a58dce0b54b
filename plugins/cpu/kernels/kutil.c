/*
 * kernels/kutil.c - helpers shared by the CPU kernels (see kutil.h). Reentrant, no globals
 * except constant name tables.
 */
#include "kutil.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../arch/isa.h"
#ifdef GENRT_CPU_X86
#include "../arch/avx2/convert_avx2.h"
#endif

size_t cpu_elem_size(grt_element_type t)
{
    switch (t) {
    case GRT_F32: case GRT_I32: return 4;
    case GRT_F16: case GRT_BF16: return 2;
    case GRT_I64: return 8;
    case GRT_I8: case GRT_U8: case GRT_BOOLEAN: return 1;
    default: return 0;
    }
}

int cpu_is_float(grt_element_type t)
{
    return t == GRT_F32 || t == GRT_F16 || t == GRT_BF16;
}

const char *cpu_type_name(grt_element_type t)
{
    static const char *const names[] = {"undefined", "f32", "f16", "bf16", "i64", "i32",
                                        "i8", "u8", "i4", "u4", "boolean"};
    return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "unknown";
}

const char *cpu_op_name(grt_op_type op)
{
    static const char *const names[] = {
        "Unknown", "Parameter", "Constant", "Result", "ReadValue", "Assign", "MatMul", "Add",
        "Sub", "Mul", "Div", "Gather", "Concat", "Reshape", "Transpose", "Slice", "Convert",
        "Softmax", "SiLU", "GELU", "ReLU", "RMSNorm", "LayerNorm", "RoPE",
        "ScaledDotProductAttention", "MoE", "TopK", "ArgMax"};
    return (unsigned)op < sizeof names / sizeof names[0] ? names[op] : "Unknown";
}

size_t cpu_dims_prod(const grt_shape *s, uint32_t a, uint32_t b)
{
    size_t n = 1;
    for (uint32_t i = a; i < b && i < s->rank; i++)
        n *= s->dims[i] > 0 ? (size_t)s->dims[i] : 0;
    return n;
}

size_t cpu_numel(const grt_shape *s)
{
    return cpu_dims_prod(s, 0, s->rank);
}

grt_status cpu_norm_axis(const cpu_kernel_ctx *ctx, int64_t axis, uint32_t rank, const char *what,
                         uint32_t *out)
{
    int64_t a = axis < 0 ? axis + (int64_t)rank : axis;
    if (a < 0 || a >= (int64_t)rank)
        return cpu_kernel_error(ctx, GRT_ERROR_INVALID_ARGUMENT,
                                "%s %lld out of range for rank %u", what, (long long)axis, rank);
    *out = (uint32_t)a;
    return GRT_OK;
}

grt_status cpu_check_tensor(const cpu_kernel_ctx *ctx, const cpu_tensor *t, const char *what)
{
    size_t es = cpu_elem_size(t->type);
    if (es == 0)
        return cpu_kernel_error(ctx, GRT_ERROR_NOT_SUPPORTED, "%s has unsupported element type %s",
                                what, cpu_type_name(t->type));
    if (t->shape.rank > GRT_MAX_RANK)
        return cpu_kernel_error(ctx, GRT_ERROR_SHAPE, "%s has rank %u > %d", what, t->shape.rank,
                                GRT_MAX_RANK);
    for (uint32_t i = 0; i < t->shape.rank; i++)
        if (t->shape.dims[i] < 0)
            return cpu_kernel_error(ctx, GRT_ERROR_SHAPE, "%s has unresolved dim %u", what, i);
    size_t n = cpu_numel(&t->shape);
    if (n != 0 && (t->data == NULL || t->bytes / es < n))
        return cpu_kernel_error(ctx, GRT_ERROR_INVALID_ARGUMENT,
                                "%s buffer holds %zu bytes, needs %zu elements of %s", what,
                                t->bytes, n, cpu_type_name(t->type));
    return GRT_OK;
}

grt_status cpu_check_float(const cpu_kernel_ctx *ctx, const cpu_tensor *t, const char *what)
{
    if (!cpu_is_float(t->type))
        return cpu_kernel_error(ctx, GRT_ERROR_NOT_SUPPORTED,
                                "%s has element type %s, expected f32, f16 or bf16", what,
                                cpu_type_name(t->type));
    if (t->comp != NULL)
        return cpu_kernel_error(ctx, GRT_ERROR_NOT_SUPPORTED,
                                "%s is a compressed constant, not supported here", what);
    return cpu_check_tensor(ctx, t, what);
}

grt_status cpu_check_out_like(const cpu_kernel_ctx *ctx, const cpu_tensor *out,
                              grt_element_type type, const grt_shape *s)
{
    if (out->type != type)
        return cpu_kernel_error(ctx, GRT_ERROR_NOT_SUPPORTED, "output type differs from input");
    return cpu_check_out_shape(ctx, out, s);
}

grt_status cpu_check_plain(const cpu_kernel_ctx *ctx, const cpu_tensor *t, const char *what)
{
    if (t->comp != NULL)
        return cpu_kernel_error(ctx, GRT_ERROR_NOT_SUPPORTED, "compressed input not supported");
    return cpu_check_tensor(ctx, t, what);
}

grt_status cpu_attr_axis(const cpu_kernel_ctx *ctx, const grt_shape *s, const char *what,
                         int64_t def, uint32_t *axis)
{
    if (s->rank == 0)
        return cpu_kernel_error(ctx, GRT_ERROR_SHAPE, "%s must have rank >= 1", what);
    return cpu_norm_axis(ctx, cpu_attr_int(ctx, "axis", def), s->rank, "axis", axis);
}

grt_status cpu_check_out_shape(const cpu_kernel_ctx *ctx, const cpu_tensor *out,
                               const grt_shape *s)
{
    int same = out->shape.rank == s->rank;
    for (uint32_t i = 0; same && i < s->rank; i++)
        same = out->shape.dims[i] == s->dims[i];
    if (!same)
        return cpu_kernel_error(ctx, GRT_ERROR_SHAPE,
                                "output shape (rank %u) does not match the computed shape (rank %u)",
                                out->shape.rank, s->rank);
    return cpu_check_tensor(ctx, out, "output");
}

grt_status cpu_attr_int_req(const cpu_kernel_ctx *ctx, const char *name, int64_t *out)
{
    grt_attr_value v;
    if (ctx->host == NULL || ctx->host->node_attr(ctx->graph, ctx->node, name, &v) != GRT_OK ||
        (v.type != GRT_ATTR_INT && v.type != GRT_ATTR_FLOAT))
        return cpu_kernel_error(ctx, GRT_ERROR_INVALID_ARGUMENT,
                                "required INT attribute '%s' is missing", name);
    *out = v.type == GRT_ATTR_INT ? v.u.i : (int64_t)v.u.f;
    return GRT_OK;
}

const int64_t *cpu_attr_ints_req(const cpu_kernel_ctx *ctx, const char *name, size_t *count,
                                 grt_status *st)
{
    grt_attr_value v;
    *st = GRT_OK;
    if (ctx->host == NULL || ctx->host->node_attr(ctx->graph, ctx->node, name, &v) != GRT_OK ||
        v.type != GRT_ATTR_INTS) {
        *count = 0;
        *st = cpu_kernel_error(ctx, GRT_ERROR_INVALID_ARGUMENT,
                               "required INTS attribute '%s' is missing", name);
        return NULL;
    }
    *count = v.u.ints.count;
    return v.u.ints.data;
}

void cpu_bcast_strides(const grt_shape *in, const grt_shape *out, int64_t strides[GRT_MAX_RANK])
{
    uint32_t r = out->rank, off = r - in->rank;
    int64_t s = 1;
    for (uint32_t i = r; i-- > 0;) {
        if (i < off) {
            strides[i] = 0;
            continue;
        }
        int64_t d = in->dims[i - off];
        strides[i] = (d == 1 && out->dims[i] != 1) ? 0 : s;
        s *= d;
    }
}

/* 1 when the AVX2 + F16C row conversions may run (rows shorter than a vector stay scalar). */
static int use_avx2_rows(size_t n)
{
#ifdef GENRT_CPU_X86
    return n >= 8 && cpu_isa_active() >= CPU_ISA_AVX2;
#else
    (void)n;
    return 0;
#endif
}

void cpu_load_row(grt_element_type t, const void *p, size_t off, size_t n, float *dst)
{
    const uint16_t *s = (const uint16_t *)p + off;
    if (t == GRT_F32) {
        memcpy(dst, (const float *)p + off, n * sizeof(float));
    } else if (use_avx2_rows(n)) {
#ifdef GENRT_CPU_X86
        if (t == GRT_F16)
            cpu_avx2_f16_to_f32(s, n, dst);
        else
            cpu_avx2_bf16_to_f32(s, n, dst);
#endif
    } else if (t == GRT_F16) {
        for (size_t i = 0; i < n; i++)
            dst[i] = cpu_f16_to_f32(s[i]);
    } else {
        for (size_t i = 0; i < n; i++)
            dst[i] = cpu_bf16_to_f32(s[i]);
    }
}

void cpu_store_row(grt_element_type t, void *p, size_t off, size_t n, const float *src)
{
    uint16_t *d = (uint16_t *)p + off;
    if (t == GRT_F32) {
        memcpy((float *)p + off, src, n * sizeof(float));
    } else if (use_avx2_rows(n)) {
#ifdef GENRT_CPU_X86
        if (t == GRT_F16)
            cpu_avx2_f32_to_f16(src, n, d);
        else
            cpu_avx2_f32_to_bf16(src, n, d);
#endif
    } else if (t == GRT_F16) {
        for (size_t i = 0; i < n; i++)
            d[i] = cpu_f32_to_f16(src[i]);
    } else {
        for (size_t i = 0; i < n; i++)
            d[i] = cpu_f32_to_bf16(src[i]);
    }
}

float cpu_dot(const float *a, const float *b, size_t n)
{
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (size_t j = 0; j < 8; j++)
            acc[j] += a[i + j] * b[i + j];
    float s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (; i < n; i++)
        s += a[i] * b[i];
    return s;
}

int cpu_kswitch_get(_Atomic int *flag, const char *env)
{
    int v = atomic_load(flag);
    if (v < 0) {
        const char *e = getenv(env);
        v = e != NULL && strcmp(e, "0") == 0 ? 0 : 1;
        int expected = -1;
        if (!atomic_compare_exchange_strong(flag, &expected, v))
            v = expected;
    }
    return v;
}

int cpu_kswitch_set(_Atomic int *flag, const char *env, int on)
{
    int prev = cpu_kswitch_get(flag, env);
    atomic_store(flag, on ? 1 : 0);
    return prev;
}
