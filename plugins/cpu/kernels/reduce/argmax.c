/*
 * kernels/reduce/argmax.c - ArgMax along `axis` (default -1) -> i64 index of the first maximum;
 * `keep_dims` (default 0) keeps the reduced axis as size 1. A NaN counts as larger than every
 * number (the first NaN wins). data: f32/f16/bf16/i32/i64; integers compare exactly as int64
 * (never through float). Single pass, linear. Reentrant.
 */
#include <math.h>

#include "../kutil.h"
#include "../ops.h"

/* Element i of an i32 or i64 buffer, exactly. */
static int64_t ld_int(grt_element_type t, const void *p, size_t i)
{
    return t == GRT_I32 ? (int64_t)((const int32_t *)p)[i] : ((const int64_t *)p)[i];
}

grt_status cpu_k_argmax(const cpu_kernel_ctx *ctx, const cpu_tensor *in, uint32_t n_in,
                        cpu_tensor *out, uint32_t n_out)
{
    grt_status st = cpu_check_arity(ctx, n_in, 1, 1, n_out, 1);
    if (st != GRT_OK)
        return st;
    grt_element_type t = in[0].type;
    int is_int = t == GRT_I32 || t == GRT_I64;
    if (!is_int && (st = cpu_check_float(ctx, &in[0], "input")) != GRT_OK)
        return st;
    const grt_shape *s = &in[0].shape;
    uint32_t axis;
    if ((st = cpu_attr_axis(ctx, s, "input", -1, &axis)) != GRT_OK)
        return st;
    if (s->dims[axis] == 0)
        return cpu_kernel_error(ctx, GRT_ERROR_SHAPE, "cannot reduce an empty axis %u", axis);
    grt_shape os = *s;
    if (cpu_attr_int(ctx, "keep_dims", 0)) {
        os.dims[axis] = 1;
    } else {
        for (uint32_t i = axis; i + 1 < s->rank; i++)
            os.dims[i] = s->dims[i + 1];
        os.rank--;
    }
    if (out->type != GRT_I64)
        return cpu_kernel_error(ctx, GRT_ERROR_NOT_SUPPORTED, "output must be i64, got %s",
                                cpu_type_name(out->type));
    if ((st = cpu_check_out_shape(ctx, out, &os)) != GRT_OK)
        return st;
    size_t D = (size_t)s->dims[axis], inner = cpu_dims_prod(s, axis + 1, s->rank);
    size_t outer = cpu_dims_prod(s, 0, axis);
    int64_t *o = out->data;
    for (size_t a = 0; a < outer; a++)
        for (size_t i = 0; i < inner; i++) {
            size_t base = a * D * inner + i, best = 0;
            if (is_int) {
                int64_t bq = ld_int(t, in[0].data, base);
                for (size_t d = 1; d < D; d++) {
                    int64_t q = ld_int(t, in[0].data, base + d * inner);
                    if (q > bq) {
                        bq = q;
                        best = d;
                    }
                }
                o[a * inner + i] = (int64_t)best;
                continue;
            }
            float bv = cpu_ld(in[0].type, in[0].data, base);
            for (size_t d = 1; d < D && !isnan(bv); d++) {
                float v = cpu_ld(in[0].type, in[0].data, base + d * inner);
                if (v > bv || isnan(v)) {
                    bv = v;
                    best = d;
                }
            }
            o[a * inner + i] = (int64_t)best;
        }
    return GRT_OK;
}
