/*
 * tests/ops/ref/ref_eltwise.c - reference elementwise ops: Add/Sub/Mul/Div with broadcasting
 * (float and integer semantics), SiLU/GELU/ReLU, Convert, Softmax, RMSNorm and LayerNorm.
 * Double arithmetic; reentrant.
 */
#include "ref.h"

#include <math.h>
#include <string.h>

int ref_binary(grt_op_type op, const ref_tensor *a, const ref_tensor *b, ref_tensor *out)
{
    int64_t od[GRT_MAX_RANK], idx[GRT_MAX_RANK];
    size_t orank;
    memset(out, 0, sizeof(*out));
    if (a->type != b->type)
        return -1;
    if (ref_broadcast_shape(a->rank, a->dims, b->rank, b->dims, &orank, od) != 0)
        return -1;
    if (ref_tensor_alloc(out, a->type, orank, od) != 0)
        return -1;
    int is_int = ref_is_int_type(a->type);
    size_t n = ref_numel(orank, od);
    for (size_t i = 0; i < n; i++) {
        size_t rem = i;
        for (size_t d = orank; d-- > 0;) {
            idx[d] = (int64_t)(rem % (size_t)od[d]);
            rem /= (size_t)od[d];
        }
        double x = a->v[ref_broadcast_offset(a->rank, a->dims, orank, idx)];
        double y = b->v[ref_broadcast_offset(b->rank, b->dims, orank, idx)];
        double r;
        switch (op) {
        case GRT_OP_ADD: r = x + y; break;
        case GRT_OP_SUB: r = x - y; break;
        case GRT_OP_MUL: r = x * y; break;
        case GRT_OP_DIV:
            if (is_int)
                r = y == 0.0 ? 0.0 : trunc(x / y);
            else
                r = x / y;
            break;
        default: ref_tensor_free(out); return -1;
        }
        if (is_int) /* wrap like the fixed-width type (the tests keep values in range) */
            r = ref_convert_value(r, a->type);
        out->v[i] = r;
    }
    return 0;
}

int ref_unary(grt_op_type op, const ref_tensor *x, int approximate, ref_tensor *out)
{
    if (ref_tensor_alloc(out, x->type, x->rank, x->dims) != 0)
        return -1;
    size_t n = ref_numel(x->rank, x->dims);
    for (size_t i = 0; i < n; i++) {
        double v = x->v[i];
        switch (op) {
        case GRT_OP_SILU: out->v[i] = v / (1.0 + exp(-v)); break;
        case GRT_OP_RELU: out->v[i] = v > 0.0 ? v : 0.0; break;
        case GRT_OP_GELU:
            if (approximate)
                out->v[i] = 0.5 * v *
                            (1.0 + tanh(sqrt(2.0 / M_PI) * (v + 0.044715 * v * v * v)));
            else
                out->v[i] = 0.5 * v * (1.0 + erf(v / sqrt(2.0)));
            break;
        default: ref_tensor_free(out); return -1;
        }
    }
    return 0;
}

int ref_convert(const ref_tensor *x, grt_element_type dst, ref_tensor *out)
{
    if (ref_tensor_alloc(out, dst, x->rank, x->dims) != 0)
        return -1;
    size_t n = ref_numel(x->rank, x->dims);
    for (size_t i = 0; i < n; i++)
        out->v[i] = ref_convert_value(x->v[i], dst);
    return 0;
}

/* Splits x's shape around `axis` into outer x len x inner. */
static int split_axis(const ref_tensor *x, int64_t axis, size_t *outer, size_t *len, size_t *inner)
{
    size_t ax;
    if (ref_axis(axis, x->rank, &ax) != 0)
        return -1;
    *outer = ref_numel(ax, x->dims);
    *len = (size_t)x->dims[ax];
    *inner = ref_numel(x->rank - ax - 1, x->dims + ax + 1);
    return 0;
}

int ref_softmax(const ref_tensor *x, int64_t axis, ref_tensor *out)
{
    size_t outer, len, inner;
    memset(out, 0, sizeof(*out));
    if (split_axis(x, axis, &outer, &len, &inner) != 0)
        return -1;
    if (ref_tensor_alloc(out, x->type, x->rank, x->dims) != 0)
        return -1;
    for (size_t o = 0; o < outer; o++) {
        for (size_t in = 0; in < inner; in++) {
            const double *src = x->v + o * len * inner + in;
            double *dst = out->v + o * len * inner + in;
            double mx = -INFINITY, sum = 0.0;
            for (size_t i = 0; i < len; i++)
                mx = fmax(mx, src[i * inner]);
            for (size_t i = 0; i < len; i++)
                sum += exp(src[i * inner] - mx);
            for (size_t i = 0; i < len; i++)
                dst[i * inner] = exp(src[i * inner] - mx) / sum;
        }
    }
    return 0;
}

/* Shared by the norms: checks x (rank >= 1, last dim d) against gamma and beta (may be NULL),
 * allocates out like x and gives d and the number of rows. -1 on a mismatch or OOM. */
static int norm_setup(const ref_tensor *x, const ref_tensor *gamma, const ref_tensor *beta,
                      ref_tensor *out, size_t *d, size_t *rows)
{
    memset(out, 0, sizeof(*out));
    if (x->rank < 1)
        return -1;
    *d = (size_t)x->dims[x->rank - 1];
    if (ref_numel(gamma->rank, gamma->dims) != *d ||
        (beta && ref_numel(beta->rank, beta->dims) != *d))
        return -1;
    if (ref_tensor_alloc(out, x->type, x->rank, x->dims) != 0)
        return -1;
    *rows = *d ? ref_numel(x->rank, x->dims) / *d : 0;
    return 0;
}

int ref_rms_norm(const ref_tensor *x, const ref_tensor *gamma, double eps, ref_tensor *out)
{
    size_t d, rows;
    if (norm_setup(x, gamma, NULL, out, &d, &rows) != 0)
        return -1;
    for (size_t r = 0; r < rows; r++) {
        const double *src = x->v + r * d;
        double ss = 0.0;
        for (size_t i = 0; i < d; i++)
            ss += src[i] * src[i];
        double inv = 1.0 / sqrt(ss / (double)d + eps);
        for (size_t i = 0; i < d; i++)
            out->v[r * d + i] = src[i] * inv * gamma->v[i];
    }
    return 0;
}

int ref_layer_norm(const ref_tensor *x, const ref_tensor *gamma, const ref_tensor *beta,
                   double eps, ref_tensor *out)
{
    size_t d, rows;
    if (norm_setup(x, gamma, beta, out, &d, &rows) != 0)
        return -1;
    for (size_t r = 0; r < rows; r++) {
        const double *src = x->v + r * d;
        double mean = 0.0, var = 0.0;
        for (size_t i = 0; i < d; i++)
            mean += src[i];
        mean /= (double)d;
        for (size_t i = 0; i < d; i++)
            var += (src[i] - mean) * (src[i] - mean);
        var /= (double)d;
        double inv = 1.0 / sqrt(var + eps);
        for (size_t i = 0; i < d; i++)
            out->v[r * d + i] = (src[i] - mean) * inv * gamma->v[i] + (beta ? beta->v[i] : 0.0);
    }
    return 0;
}
