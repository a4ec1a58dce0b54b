/*
 * kernels/data/slice.c - Slice with Python semantics per listed axis: `starts`, `ends` (required),
 * `axes` (default 0..n-1, negative counts from the end), `steps` (default 1, never 0). Negative
 * start/end count from the end and are clamped to [0, dim] (to [-1, dim-1] for a negative step).
 * Type-generic strided copy. Reentrant; allocates nothing.
 */
#include "../kutil.h"
#include "../ops.h"
#include "strided.h"

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

grt_status cpu_k_slice(const cpu_kernel_ctx *ctx, const cpu_tensor *in, uint32_t n_in,
                       cpu_tensor *out, uint32_t n_out)
{
    grt_status st = cpu_check_arity(ctx, n_in, 1, 1, n_out, 1);
    if (st != GRT_OK || (st = cpu_check_plain(ctx, &in[0], "input")) != GRT_OK)
        return st;
    size_t ns, ne, na, nst;
    const int64_t *starts = cpu_attr_ints_req(ctx, "starts", &ns, &st);
    if (st != GRT_OK)
        return st;
    const int64_t *ends = cpu_attr_ints_req(ctx, "ends", &ne, &st);
    if (st != GRT_OK)
        return st;
    const int64_t *axes = cpu_attr_ints(ctx, "axes", &na);
    const int64_t *steps = cpu_attr_ints(ctx, "steps", &nst);
    if (ne != ns || (axes && na != ns) || (steps && nst != ns))
        return cpu_kernel_error(ctx, GRT_ERROR_INVALID_ARGUMENT,
                                "starts/ends/axes/steps have different lengths");
    const grt_shape *is = &in[0].shape;
    uint32_t r = is->rank;
    if (!axes && ns > r)
        return cpu_kernel_error(ctx, GRT_ERROR_INVALID_ARGUMENT,
                                "%zu starts for rank %u", ns, r);
    int64_t start[GRT_MAX_RANK], step[GRT_MAX_RANK], istr[GRT_MAX_RANK];
    int seen[GRT_MAX_RANK] = {0};
    grt_shape os = *is;
    for (uint32_t d = 0; d < r; d++) {
        start[d] = 0;
        step[d] = 1;
    }
    for (size_t i = 0; i < ns; i++) {
        uint32_t ax = (uint32_t)i;
        if (axes && (st = cpu_norm_axis(ctx, axes[i], r, "slice axis", &ax)) != GRT_OK)
            return st;
        if (seen[ax]++)
            return cpu_kernel_error(ctx, GRT_ERROR_INVALID_ARGUMENT, "axis %u listed twice", ax);
        int64_t dim = is->dims[ax], sp = steps ? steps[i] : 1;
        if (sp == 0)
            return cpu_kernel_error(ctx, GRT_ERROR_INVALID_ARGUMENT, "step 0 on axis %u", ax);
        int64_t b = starts[i], e = ends[i];
        if (b < 0)
            b += dim;
        if (e < 0)
            e += dim;
        int64_t cnt;
        if (sp > 0) {
            b = clamp64(b, 0, dim);
            e = clamp64(e, 0, dim);
            cnt = e > b ? (e - b - 1) / sp + 1 : 0;
        } else {
            b = clamp64(b, -1, dim - 1);
            e = clamp64(e, -1, dim - 1);
            cnt = b > e ? (b - e - 1) / (sp == INT64_MIN ? INT64_MAX : -sp) + 1 : 0;
        }
        start[ax] = b;
        step[ax] = cnt > 1 ? sp : 1; /* a single element needs no stride */
        os.dims[ax] = cnt;
    }
    if ((st = cpu_check_out_like(ctx, out, in[0].type, &os)) != GRT_OK)
        return st;
    if (cpu_numel(&os) == 0)
        return GRT_OK;
    int64_t s = 1, base = 0;
    for (uint32_t d = r; d-- > 0;) {
        istr[d] = s * step[d];
        base += start[d] * s;
        s *= is->dims[d];
    }
    cpu_strided_copy(out->data, in[0].data, cpu_elem_size(out->type), r, os.dims, base, istr);
    return GRT_OK;
}
