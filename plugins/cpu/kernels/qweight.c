/*
 * kernels/qweight.c - validation and on-the-fly dequantisation of weight rows (see qweight.h).
 */
#include "qweight.h"

#include "kutil.h"

static int is4(uint32_t t)
{
    return t == GRT_I4 || t == GRT_U4;
}

/* Element type of the zero points of an asym constant (GRT_UNDEFINED means the storage type). */
static uint32_t zp_type(const grt_compression_info *c)
{
    return c->zero_point_type == GRT_UNDEFINED ? c->storage_type : c->zero_point_type;
}

grt_status cpu_qw_check(const cpu_kernel_ctx *ctx, const cpu_tensor *t, const char *what)
{
    if (t->shape.rank < 1)
        return cpu_kernel_error(ctx, GRT_ERROR_SHAPE, "%s must have rank >= 1", what);
    if (!cpu_is_float(t->type))
        return cpu_kernel_error(ctx, GRT_ERROR_NOT_SUPPORTED,
                                "%s has element type %s, expected f32, f16 or bf16", what,
                                cpu_type_name(t->type));
    if (t->comp == NULL || t->comp->kind == GRT_COMPRESSION_NONE)
        return cpu_check_tensor(ctx, t, what);

    const grt_compression_info *c = t->comp;
    for (uint32_t i = 0; i < t->shape.rank; i++)
        if (t->shape.dims[i] < 0)
            return cpu_kernel_error(ctx, GRT_ERROR_SHAPE, "%s has unresolved dim %u", what, i);
    size_t K = (size_t)t->shape.dims[t->shape.rank - 1];
    size_t rows = cpu_dims_prod(&t->shape, 0, t->shape.rank - 1);
    int sym = c->kind == GRT_COMPRESSION_SYM;
    if (c->kind != GRT_COMPRESSION_SYM && c->kind != GRT_COMPRESSION_ASYM)
        return cpu_kernel_error(ctx, GRT_ERROR_NOT_SUPPORTED, "%s: unknown compression kind %u",
                                what, c->kind);
    if (sym ? (c->storage_type != GRT_I8 && c->storage_type != GRT_I4)
            : (c->storage_type != GRT_U8 && c->storage_type != GRT_U4))
        return cpu_kernel_error(ctx, GRT_ERROR_NOT_SUPPORTED,
                                "%s: storage type %s invalid for %s compression", what,
                                cpu_type_name(c->storage_type), sym ? "sym" : "asym");
    if (c->scale_type != GRT_F16 && c->scale_type != GRT_F32)
        return cpu_kernel_error(ctx, GRT_ERROR_NOT_SUPPORTED, "%s: scale type %s not supported",
                                what, cpu_type_name(c->scale_type));
    if (c->group_size <= 0 || (K > 0 && K % (size_t)c->group_size != 0))
        return cpu_kernel_error(ctx, GRT_ERROR_INVALID_ARGUMENT,
                                "%s: group size %lld does not divide the last dim %zu", what,
                                (long long)c->group_size, K);
    size_t n = rows * K;
    size_t groups = K == 0 ? 0 : rows * (K / (size_t)c->group_size);
    size_t qbytes = is4(c->storage_type) ? (n + 1) / 2 : n;
    size_t sbytes = groups * (c->scale_type == GRT_F16 ? 2 : 4);
    uint32_t zt = zp_type(c);
    if (!sym && zt != c->storage_type && zt != GRT_F16 && zt != GRT_F32)
        return cpu_kernel_error(ctx, GRT_ERROR_NOT_SUPPORTED, "%s: zero point type %s not supported",
                                what, cpu_type_name(zt));
    size_t zbytes = zt == GRT_F32   ? groups * 4
                    : zt == GRT_F16 ? groups * 2
                    : is4(zt)       ? (groups + 1) / 2
                                    : groups;
    if (n > 0 && (t->data == NULL || t->bytes < qbytes))
        return cpu_kernel_error(ctx, GRT_ERROR_INVALID_ARGUMENT,
                                "%s: quantized data has %zu bytes, needs %zu", what, t->bytes,
                                qbytes);
    if (groups > 0 && (c->scales == NULL || c->scales_bytes < sbytes))
        return cpu_kernel_error(ctx, GRT_ERROR_INVALID_ARGUMENT,
                                "%s: scales have %zu bytes, need %zu", what, c->scales_bytes,
                                sbytes);
    if (!sym && groups > 0 && (c->zero_points == NULL || c->zero_points_bytes < zbytes))
        return cpu_kernel_error(ctx, GRT_ERROR_INVALID_ARGUMENT,
                                "%s: zero points have %zu bytes, need %zu", what,
                                c->zero_points_bytes, zbytes);
    return GRT_OK;
}

/* Value of packed/unpacked quantized element `i` (flat index) of storage type st. */
static inline int32_t q_at(uint32_t st, const void *p, size_t i)
{
    const uint8_t *b = p;
    switch (st) {
    case GRT_I8: return ((const int8_t *)p)[i];
    case GRT_U8: return b[i];
    case GRT_U4: return (b[i >> 1] >> ((i & 1) * 4)) & 0xf;
    default: { /* I4: sign-extend the nibble */
        int32_t v = (b[i >> 1] >> ((i & 1) * 4)) & 0xf;
        return v >= 8 ? v - 16 : v;
    }
    }
}

void cpu_qw_row(const cpu_tensor *t, size_t row, size_t c0, size_t c1, float *dst)
{
    size_t K = (size_t)t->shape.dims[t->shape.rank - 1];
    const grt_compression_info *c = t->comp;
    if (c == NULL || c->kind == GRT_COMPRESSION_NONE) {
        cpu_load_row(t->type, t->data, row * K + c0, c1 - c0, dst);
        return;
    }
    size_t G = (size_t)c->group_size;
    size_t gpr = K / G; /* groups per row */
    uint32_t st = c->storage_type;
    size_t base = row * K;
    size_t col = c0;
    while (col < c1) {
        size_t g = col / G;
        size_t gend = (g + 1) * G < c1 ? (g + 1) * G : c1;
        size_t gi = row * gpr + g;
        float s = c->scale_type == GRT_F16 ? cpu_f16_to_f32(((const uint16_t *)c->scales)[gi])
                                           : ((const float *)c->scales)[gi];
        float z = 0.0f;
        if (c->kind == GRT_COMPRESSION_ASYM) {
            uint32_t zt = zp_type(c);
            z = zt == GRT_F32   ? ((const float *)c->zero_points)[gi]
                : zt == GRT_F16 ? cpu_f16_to_f32(((const uint16_t *)c->zero_points)[gi])
                                : (float)q_at(st, c->zero_points, gi);
        }
        float *d = dst + (col - c0);
        size_t n = gend - col;
        if (st == GRT_I8) {
            const int8_t *q = (const int8_t *)t->data + base + col;
            for (size_t i = 0; i < n; i++)
                d[i] = (float)q[i] * s;
        } else if (st == GRT_U8) {
            const uint8_t *q = (const uint8_t *)t->data + base + col;
            for (size_t i = 0; i < n; i++)
                d[i] = ((float)q[i] - z) * s;
        } else {
            size_t e = base + col, i = 0;
            const uint8_t *q = t->data;
            int sgn = st == GRT_I4;
            if (e & 1) { /* odd start: the high nibble alone */
                d[i++] = ((float)q_at(st, q, e) - z) * s;
            }
            for (; i + 2 <= n; i += 2) { /* two nibbles per byte */
                uint8_t b = q[(e + i) >> 1];
                int32_t lo = b & 0xf, hi = b >> 4;
                if (sgn) {
                    lo = lo >= 8 ? lo - 16 : lo;
                    hi = hi >= 8 ? hi - 16 : hi;
                }
                d[i] = ((float)lo - z) * s;
                d[i + 1] = ((float)hi - z) * s;
            }
            if (i < n)
                d[i] = ((float)q_at(st, q, e + i) - z) * s;
        }
        col = gend;
    }
}
