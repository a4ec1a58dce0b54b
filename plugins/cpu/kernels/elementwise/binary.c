/*
 * kernels/elementwise/binary.c - Add, Sub, Mul, Div with numpy broadcasting.
 *
 * Types: f32/f16/bf16 (computed in f32, rounded to the output type) and i32/i64 (wrapping
 * arithmetic; Div truncates toward zero and x / 0 = 0). Layout: dense row-major inputs A, B and
 * output [broadcast(A, B)]. Dims of the output are coalesced where both inputs are contiguous or
 * both broadcast, then rows of the innermost dim are processed in parallel chunks on ctx->pool.
 * Reentrant; allocates nothing.
 */
#include <string.h>

#include "../kutil.h"
#include "ew_rows.h"
#include "../ops.h"

enum { BIN_ADD = CPU_BIN_ADD, BIN_SUB = CPU_BIN_SUB, BIN_MUL = CPU_BIN_MUL, BIN_DIV = CPU_BIN_DIV };

typedef struct bin_job {
    int op;
    grt_element_type type;
    uint32_t rank; /* coalesced rank >= 1 */
    int64_t dims[GRT_MAX_RANK];
    int64_t sa[GRT_MAX_RANK], sb[GRT_MAX_RANK]; /* element strides, 0 = broadcast */
    const void *a, *b;
    void *c;
} bin_job;

static inline float fop(int op, float x, float y)
{
    switch (op) {
    case BIN_ADD: return x + y;
    case BIN_SUB: return x - y;
    case BIN_MUL: return x * y;
    default: return x / y;
    }
}

#define INT_OP(NAME, T, UT, TMIN)                                                                 \
    static inline T NAME(int op, T x, T y)                                                        \
    {                                                                                             \
        switch (op) {                                                                             \
        case BIN_ADD: return (T)((UT)x + (UT)y);                                                  \
        case BIN_SUB: return (T)((UT)x - (UT)y);                                                  \
        case BIN_MUL: return (T)((UT)x * (UT)y);                                                  \
        default:                                                                                  \
            if (y == 0)                                                                           \
                return 0;                                                                         \
            if (y == -1) /* avoids the TMIN / -1 overflow trap */                                  \
                return (T)(0 - (UT)x);                                                            \
            return x / y;                                                                         \
        }                                                                                         \
    }
INT_OP(iop32, int32_t, uint32_t, INT32_MIN)
INT_OP(iop64, int64_t, uint64_t, INT64_MIN)

/* One row of the innermost dim: n elements at element offsets ia, ib, ic. */
static void bin_row(const bin_job *j, size_t ia, size_t ib, size_t ic, size_t n, int64_t sa,
                    int64_t sb)
{
    switch (j->type) {
    case GRT_F32: {
        const float *a = (const float *)j->a + ia, *b = (const float *)j->b + ib;
        float *c = (float *)j->c + ic;
        if (sa == 1 && sb == 1) {
            cpu_binary_row_f32((cpu_binary_op)j->op, a, b, c, n); /* AVX2 or portable */
        } else {
            for (size_t i = 0; i < n; i++)
                c[i] = fop(j->op, a[(int64_t)i * sa], b[(int64_t)i * sb]);
        }
        break;
    }
    case GRT_F16: case GRT_BF16:
        for (size_t i = 0; i < n; i++)
            cpu_st(j->type, j->c, ic + i,
                   fop(j->op, cpu_ld(j->type, j->a, ia + (size_t)((int64_t)i * sa)),
                       cpu_ld(j->type, j->b, ib + (size_t)((int64_t)i * sb))));
        break;
    case GRT_I32: {
        const int32_t *a = (const int32_t *)j->a + ia, *b = (const int32_t *)j->b + ib;
        int32_t *c = (int32_t *)j->c + ic;
        for (size_t i = 0; i < n; i++)
            c[i] = iop32(j->op, a[(int64_t)i * sa], b[(int64_t)i * sb]);
        break;
    }
    default: {
        const int64_t *a = (const int64_t *)j->a + ia, *b = (const int64_t *)j->b + ib;
        int64_t *c = (int64_t *)j->c + ic;
        for (size_t i = 0; i < n; i++)
            c[i] = iop64(j->op, a[(int64_t)i * sa], b[(int64_t)i * sb]);
        break;
    }
    }
}

/* Processes rows [begin, end) of the outer index space (all coalesced dims but the last). */
static void bin_range(void *arg, size_t begin, size_t end)
{
    const bin_job *j = arg;
    uint32_t r = j->rank;
    size_t inner = (size_t)j->dims[r - 1];
    int64_t idx[GRT_MAX_RANK] = {0};
    size_t rem = begin;
    int64_t ia = 0, ib = 0;
    for (uint32_t d = r - 1; d-- > 0;) {
        idx[d] = (int64_t)(rem % (size_t)j->dims[d]);
        rem /= (size_t)j->dims[d];
        ia += idx[d] * j->sa[d];
        ib += idx[d] * j->sb[d];
    }
    for (size_t row = begin; row < end; row++) {
        bin_row(j, (size_t)ia, (size_t)ib, row * inner, inner, j->sa[r - 1], j->sb[r - 1]);
        for (uint32_t d = r - 1; d-- > 0;) { /* odometer increment */
            idx[d]++;
            ia += j->sa[d];
            ib += j->sb[d];
            if (idx[d] < j->dims[d])
                break;
            ia -= idx[d] * j->sa[d];
            ib -= idx[d] * j->sb[d];
            idx[d] = 0;
        }
    }
}

static grt_status binary(const cpu_kernel_ctx *ctx, const cpu_tensor *in, uint32_t n_in,
                         cpu_tensor *out, uint32_t n_out, int op)
{
    grt_status st = cpu_check_arity(ctx, n_in, 2, 2, n_out, 1);
    if (st != GRT_OK)
        return st;
    const cpu_tensor *A = &in[0], *B = &in[1];
    grt_element_type t = A->type;
    if (B->type != t || out->type != t || !(cpu_is_float(t) || t == GRT_I32 || t == GRT_I64))
        return cpu_kernel_error(ctx, GRT_ERROR_NOT_SUPPORTED,
                                "element types %s, %s -> %s not supported", cpu_type_name(t),
                                cpu_type_name(B->type), cpu_type_name(out->type));
    if (A->comp || B->comp)
        return cpu_kernel_error(ctx, GRT_ERROR_NOT_SUPPORTED, "compressed input not supported");
    if ((st = cpu_check_tensor(ctx, A, "input A")) != GRT_OK ||
        (st = cpu_check_tensor(ctx, B, "input B")) != GRT_OK)
        return st;

    /* Broadcast shape. */
    grt_shape s = {0};
    s.rank = A->shape.rank > B->shape.rank ? A->shape.rank : B->shape.rank;
    for (uint32_t i = 0; i < s.rank; i++) {
        int64_t da = i + A->shape.rank >= s.rank ? A->shape.dims[i + A->shape.rank - s.rank] : 1;
        int64_t db = i + B->shape.rank >= s.rank ? B->shape.dims[i + B->shape.rank - s.rank] : 1;
        if (da != db && da != 1 && db != 1)
            return cpu_kernel_error(ctx, GRT_ERROR_SHAPE,
                                    "dims %lld and %lld at axis %u do not broadcast",
                                    (long long)da, (long long)db, i);
        s.dims[i] = da == 1 ? db : da;
    }
    if ((st = cpu_check_out_shape(ctx, out, &s)) != GRT_OK)
        return st;
    size_t total = cpu_numel(&s);
    if (total == 0)
        return GRT_OK;

    int64_t sa[GRT_MAX_RANK], sb[GRT_MAX_RANK];
    cpu_bcast_strides(&A->shape, &s, sa);
    cpu_bcast_strides(&B->shape, &s, sb);

    /* Coalesce: drop size-1 dims, merge neighbours with compatible strides (from the inside). */
    bin_job j = {.op = op, .type = t, .a = A->data, .b = B->data, .c = out->data};
    int64_t cd[GRT_MAX_RANK], ca[GRT_MAX_RANK], cb[GRT_MAX_RANK];
    uint32_t n = 0; /* built innermost first */
    for (uint32_t i = s.rank; i-- > 0;) {
        if (s.dims[i] == 1)
            continue;
        if (n > 0) {
            uint32_t k = n - 1;
            int oka = (sa[i] == 0 && ca[k] == 0) || (sa[i] != 0 && sa[i] == ca[k] * cd[k]);
            int okb = (sb[i] == 0 && cb[k] == 0) || (sb[i] != 0 && sb[i] == cb[k] * cd[k]);
            if (oka && okb) {
                cd[k] *= s.dims[i];
                continue;
            }
        }
        cd[n] = s.dims[i];
        ca[n] = sa[i];
        cb[n] = sb[i];
        n++;
    }
    if (n == 0) { /* all dims 1: one element */
        cd[0] = 1;
        ca[0] = cb[0] = 1;
        n = 1;
    }
    j.rank = n;
    for (uint32_t i = 0; i < n; i++) {
        j.dims[i] = cd[n - 1 - i];
        j.sa[i] = ca[n - 1 - i];
        j.sb[i] = cb[n - 1 - i];
    }
    size_t inner = (size_t)j.dims[n - 1];
    size_t rows = total / inner;
    size_t grain = inner >= 16384 ? 1 : 16384 / inner;
    cpu_parallel_for(ctx->pool, rows, grain, bin_range, &j);
    return GRT_OK;
}

CPU_KERNEL(cpu_k_add) { return binary(ctx, in, n_in, out, n_out, BIN_ADD); }
CPU_KERNEL(cpu_k_sub) { return binary(ctx, in, n_in, out, n_out, BIN_SUB); }
CPU_KERNEL(cpu_k_mul) { return binary(ctx, in, n_in, out, n_out, BIN_MUL); }
CPU_KERNEL(cpu_k_div) { return binary(ctx, in, n_in, out, n_out, BIN_DIV); }
