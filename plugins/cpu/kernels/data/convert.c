/*
 * kernels/data/convert.c - Convert between every pair of whole-byte element types (f32, f16,
 * bf16, i64, i32, i8, u8, boolean).
 *
 * float -> int rounds to nearest even and saturates (NaN -> 0); float -> boolean is x != 0;
 * to f16/bf16 rounds to nearest even; int -> narrower int saturates; int -> boolean is x != 0;
 * boolean input is read as 0/1. `destination_type` (required) must equal the output type.
 * Processed in parallel chunks. Reentrant; allocates nothing.
 */
#include <math.h>

#include "../kutil.h"
#include "../ops.h"

#define CV_CHUNK 4096

typedef struct cv_job {
    grt_element_type st, dt;
    const void *src;
    void *dst;
    size_t n;
} cv_job;

static int64_t sat_i(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Round-to-nearest-even then saturate to [lo, hi] (bounds exactly representable or 2^63). */
static int64_t f2i(double v, double lo, double hi, int64_t ilo, int64_t ihi)
{
    if (v != v)
        return 0;
    v = nearbyint(v);
    if (v <= lo)
        return ilo;
    if (v >= hi)
        return ihi;
    return (int64_t)v;
}

static void store_int(grt_element_type dt, void *p, size_t i, int64_t v)
{
    switch (dt) {
    case GRT_I64: ((int64_t *)p)[i] = v; break;
    case GRT_I32: ((int32_t *)p)[i] = (int32_t)sat_i(v, INT32_MIN, INT32_MAX); break;
    case GRT_I8: ((int8_t *)p)[i] = (int8_t)sat_i(v, INT8_MIN, INT8_MAX); break;
    case GRT_U8: ((uint8_t *)p)[i] = (uint8_t)sat_i(v, 0, UINT8_MAX); break;
    default: ((uint8_t *)p)[i] = v != 0; break; /* boolean */
    }
}

static void store_float_as_int(grt_element_type dt, void *p, size_t i, float f)
{
    switch (dt) {
    case GRT_I64:
        ((int64_t *)p)[i] = f2i(f, -9223372036854775808.0, 9223372036854775808.0, INT64_MIN,
                                INT64_MAX);
        break;
    case GRT_I32: ((int32_t *)p)[i] = (int32_t)f2i(f, INT32_MIN, INT32_MAX, INT32_MIN, INT32_MAX); break;
    case GRT_I8: ((int8_t *)p)[i] = (int8_t)f2i(f, INT8_MIN, INT8_MAX, INT8_MIN, INT8_MAX); break;
    case GRT_U8: ((uint8_t *)p)[i] = (uint8_t)f2i(f, 0, UINT8_MAX, 0, UINT8_MAX); break;
    default: ((uint8_t *)p)[i] = f != 0.0f; break; /* boolean: NaN != 0 is true */
    }
}

static int64_t load_int(grt_element_type t, const void *p, size_t i)
{
    switch (t) {
    case GRT_I64: return ((const int64_t *)p)[i];
    case GRT_I32: return ((const int32_t *)p)[i];
    case GRT_I8: return ((const int8_t *)p)[i];
    case GRT_U8: return ((const uint8_t *)p)[i];
    default: return ((const uint8_t *)p)[i] != 0; /* boolean */
    }
}

static void cv_range(void *arg, size_t begin, size_t end)
{
    const cv_job *j = arg;
    int sf = cpu_is_float(j->st), df = cpu_is_float(j->dt);
    size_t i0 = begin * CV_CHUNK, i1 = end * CV_CHUNK < j->n ? end * CV_CHUNK : j->n;
    for (size_t i = i0; i < i1; i++) {
        if (sf && df) {
            cpu_st(j->dt, j->dst, i, cpu_ld(j->st, j->src, i));
        } else if (sf) {
            store_float_as_int(j->dt, j->dst, i, cpu_ld(j->st, j->src, i));
        } else if (df) {
            int64_t v = load_int(j->st, j->src, i);
            cpu_st(j->dt, j->dst, i, (float)v);
        } else {
            store_int(j->dt, j->dst, i, load_int(j->st, j->src, i));
        }
    }
}

grt_status cpu_k_convert(const cpu_kernel_ctx *ctx, const cpu_tensor *in, uint32_t n_in,
                         cpu_tensor *out, uint32_t n_out)
{
    grt_status st = cpu_check_arity(ctx, n_in, 1, 1, n_out, 1);
    int64_t dtype;
    if (st != GRT_OK || (st = cpu_attr_int_req(ctx, "destination_type", &dtype)) != GRT_OK)
        return st;
    if ((st = cpu_check_plain(ctx, &in[0], "input")) != GRT_OK)
        return st;
    if (dtype != (int64_t)out->type || cpu_elem_size(out->type) == 0)
        return cpu_kernel_error(ctx, GRT_ERROR_NOT_SUPPORTED,
                                "destination_type %lld (output %s) not supported", (long long)dtype,
                                cpu_type_name(out->type));
    if ((st = cpu_check_out_shape(ctx, out, &in[0].shape)) != GRT_OK)
        return st;
    cv_job j = {in[0].type, out->type, in[0].data, out->data, cpu_numel(&in[0].shape)};
    cpu_parallel_for(ctx->pool, (j.n + CV_CHUNK - 1) / CV_CHUNK, 4, cv_range, &j);
    return GRT_OK;
}
