/*
 * exec/util.c - element sizes, names, shape arithmetic and dense copies for the CPU plugin
 * (see util.h). Reentrant; no global state.
 */
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

size_t cpu_type_bits(grt_element_type type)
{
    switch (type) {
    case GRT_F32: case GRT_I32: return 32;
    case GRT_F16: case GRT_BF16: return 16;
    case GRT_I64: return 64;
    case GRT_I8: case GRT_U8: case GRT_BOOLEAN: return 8;
    case GRT_I4: case GRT_U4: return 4;
    default: return 0;
    }
}

size_t cpu_shape_numel(const grt_shape *shape, int *ok)
{
    size_t n = 1;
    *ok = 0;
    if (shape->rank > GRT_MAX_RANK)
        return 0;
    for (uint32_t i = 0; i < shape->rank; i++) {
        int64_t d = shape->dims[i];
        if (d < 0)
            return 0;
        if (d != 0 && n > SIZE_MAX / (size_t)d)
            return 0;
        n *= (size_t)d;
    }
    *ok = 1;
    return n;
}

size_t cpu_dense_bytes(grt_element_type type, const grt_shape *shape, int *ok)
{
    size_t bits = cpu_type_bits(type);
    size_t n = cpu_shape_numel(shape, ok);
    if (!*ok)
        return 0;
    if (bits == 0) {
        *ok = 0;
        return 0;
    }
    if (bits == 4)
        return n / 2 + (n & 1);
    if (n > SIZE_MAX / (bits / 8)) {
        *ok = 0;
        return 0;
    }
    return n * (bits / 8);
}

int cpu_shape_is_static(const grt_shape *shape)
{
    for (uint32_t i = 0; i < shape->rank && i < GRT_MAX_RANK; i++)
        if (shape->dims[i] < 0)
            return 0;
    return 1;
}

int cpu_shape_matches(const grt_shape *p, const grt_shape *s)
{
    if (p->rank != s->rank || p->rank > GRT_MAX_RANK)
        return 0;
    for (uint32_t i = 0; i < p->rank; i++) {
        if (s->dims[i] < 0)
            return 0;
        if (p->dims[i] >= 0 && p->dims[i] != s->dims[i])
            return 0;
    }
    return 1;
}

const char *cpu_shape_str(const grt_shape *shape, char *buf, size_t size)
{
    size_t used = 0;
    if (size == 0)
        return buf;
    buf[0] = '\0';
    int n = snprintf(buf, size, "[");
    used = n > 0 ? (size_t)n : 0;
    for (uint32_t i = 0; i < shape->rank && i < GRT_MAX_RANK && used < size; i++) {
        const char *sep = i ? ", " : "";
        if (shape->dims[i] < 0)
            n = snprintf(buf + used, size - used, "%s?", sep);
        else
            n = snprintf(buf + used, size - used, "%s%lld", sep, (long long)shape->dims[i]);
        used += n > 0 ? (size_t)n : 0;
    }
    if (used < size)
        snprintf(buf + used, size - used, "]");
    return buf;
}

const char *cpu_exec_op_name(grt_op_type op)
{
    static const char *const names[GRT_OP_COUNT_V1] = {
        "Unknown", "Parameter", "Constant", "Result", "ReadValue", "Assign", "MatMul", "Add",
        "Sub", "Mul", "Div", "Gather", "Concat", "Reshape", "Transpose", "Slice", "Convert",
        "Softmax", "SiLU", "GELU", "ReLU", "RMSNorm", "LayerNorm", "RoPE",
        "ScaledDotProductAttention", "MoE", "TopK", "ArgMax"};
    if ((unsigned)op < GRT_OP_COUNT_V1)
        return names[op];
    return "Unknown";
}

const char *cpu_exec_type_name(grt_element_type type)
{
    static const char *const names[GRT_ELEMENT_TYPE_COUNT_V1] = {
        "undefined", "f32", "f16", "bf16", "i64", "i32", "i8", "u8", "i4", "u4", "boolean"};
    if ((unsigned)type < GRT_ELEMENT_TYPE_COUNT_V1)
        return names[type];
    return "undefined";
}

void cpu_dense_strides(const grt_shape *shape, size_t elem_bytes, int64_t *strides)
{
    int64_t s = (int64_t)elem_bytes;
    for (uint32_t i = shape->rank; i-- > 0;) {
        strides[i] = s;
        s *= shape->dims[i] > 0 ? shape->dims[i] : 1;
    }
}

int cpu_desc_is_dense(const grt_tensor_desc *desc)
{
    size_t bits = cpu_type_bits((grt_element_type)desc->element_type);
    if (bits < 8)
        return 1;
    int64_t expect = (int64_t)(bits / 8);
    for (uint32_t i = desc->shape.rank; i-- > 0;) {
        /* a dim of size 1 may carry any stride */
        if (desc->shape.dims[i] != 1 && desc->strides[i] != expect)
            return 0;
        expect *= desc->shape.dims[i];
    }
    return 1;
}

int cpu_desc_span(const grt_tensor_desc *desc, size_t *span)
{
    int ok = 0;
    grt_element_type type = (grt_element_type)desc->element_type;
    size_t bits = cpu_type_bits(type);
    size_t numel = cpu_shape_numel(&desc->shape, &ok);
    *span = 0;
    if (!ok || bits == 0)
        return -1;
    if (numel == 0)
        return 0;
    if (bits < 8) {
        *span = cpu_dense_bytes(type, &desc->shape, &ok);
        return ok ? 0 : -1;
    }
    size_t s = bits / 8;
    for (uint32_t i = 0; i < desc->shape.rank; i++) {
        if (desc->strides[i] < 0)
            return -1;
        size_t d = (size_t)desc->shape.dims[i] - 1, st = (size_t)desc->strides[i];
        if (st && d > (SIZE_MAX - s) / st)
            return -1;
        s += d * st;
    }
    *span = s;
    return 0;
}

void cpu_copy_to_dense(const grt_tensor_desc *desc, void *dst)
{
    int ok = 0;
    size_t elem = cpu_type_bits((grt_element_type)desc->element_type) / 8;
    size_t total = cpu_shape_numel(&desc->shape, &ok);
    uint32_t rank = desc->shape.rank;
    if (!ok || total == 0)
        return;
    if (elem == 0 || cpu_desc_is_dense(desc)) {
        memcpy(dst, desc->data, cpu_dense_bytes((grt_element_type)desc->element_type,
                                                &desc->shape, &ok));
        return;
    }
    /* Walk rows of the innermost axis with an index counter over the outer axes. */
    int64_t idx[GRT_MAX_RANK] = {0};
    size_t inner = rank ? (size_t)desc->shape.dims[rank - 1] : 1;
    int64_t inner_stride = rank ? desc->strides[rank - 1] : 0;
    size_t rows = total / inner;
    unsigned char *out = dst;
    for (size_t r = 0; r < rows; r++) {
        const unsigned char *src = desc->data;
        for (uint32_t a = 0; a + 1 < rank; a++)
            src += idx[a] * desc->strides[a];
        if (inner_stride == (int64_t)elem) {
            memcpy(out, src, inner * elem);
            out += inner * elem;
        } else {
            for (size_t k = 0; k < inner; k++, out += elem)
                memcpy(out, src + (int64_t)k * inner_stride, elem);
        }
        for (int a = (int)rank - 2; a >= 0; a--) {
            if (++idx[a] < desc->shape.dims[a])
                break;
            idx[a] = 0;
        }
    }
}

void *cpu_aligned_alloc(size_t bytes)
{
    if (bytes < CPU_ALIGNMENT)
        bytes = CPU_ALIGNMENT;
    if (bytes > SIZE_MAX - CPU_ALIGNMENT)
        return NULL;
    bytes = (bytes + CPU_ALIGNMENT - 1) / CPU_ALIGNMENT * CPU_ALIGNMENT;
    return aligned_alloc(CPU_ALIGNMENT, bytes);
}

void *cpu_large_alloc(size_t bytes)
{
    const size_t huge = (size_t)2 << 20;
    if (bytes < huge || bytes > SIZE_MAX - huge)
        return cpu_aligned_alloc(bytes);
    bytes = (bytes + huge - 1) / huge * huge;
    void *p = NULL;
    if (posix_memalign(&p, huge, bytes) != 0)
        return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, bytes, MADV_HUGEPAGE); /* a hint: failure is harmless */
#endif
    return p;
}

void cpu_aligned_free(void *ptr)
{
    free(ptr);
}

grt_status cpu_host_error(const grt_host_api *host, grt_status status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (host && host->set_error)
        host->set_error(status, msg);
    return status;
}

int cpu_env_enabled(const char *name)
{
    const char *e = getenv(name);
    return !(e && (strcmp(e, "0") == 0 || strcmp(e, "off") == 0 || strcmp(e, "no") == 0 ||
                   strcmp(e, "false") == 0));
}
