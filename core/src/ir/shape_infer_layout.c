/*
 * ir/shape_infer_layout.c - shape/type inference of the data-movement ops: Gather, Concat,
 * Reshape, Transpose and Slice (docs/OPSET.md). Overflow-safe on hostile dims.
 * Pure functions over a grt_ir_infer_ctx; thread-safe.
 */
#include "ir/opset.h"

#include <string.h>

grt_status grt_ir_infer_gather(grt_ir_infer_ctx *c) {
    const grt_shape *d = &c->in_shapes[0], *idx = &c->in_shapes[1];
    int64_t axis_attr = grt_ir_attr_i(c, "axis", 0);
    uint32_t axis;
    if (c->in_types[1] != GRT_I32 && c->in_types[1] != GRT_I64)
        return grt_ir_fail(c, "indices must be i32 or i64, got %s", grt_element_type_name(c->in_types[1]));
    if (grt_ir_attr_i(c, "batch_dims", 0) != 0) return grt_ir_fail(c, "only batch_dims = 0 is supported");
    if (!grt_ir_axis(axis_attr, d->rank, &axis))
        return grt_ir_fail(c, "axis %lld out of range for data rank %u", (long long)axis_attr, d->rank);
    if (d->rank - 1 + idx->rank > GRT_MAX_RANK)
        return grt_ir_fail(c, "output rank %u exceeds %d", d->rank - 1 + idx->rank, GRT_MAX_RANK);
    grt_shape o = {0};
    for (uint32_t i = 0; i < axis; i++) o.dims[o.rank++] = d->dims[i];
    for (uint32_t i = 0; i < idx->rank; i++) o.dims[o.rank++] = idx->dims[i];
    for (uint32_t i = axis + 1; i < d->rank; i++) o.dims[o.rank++] = d->dims[i];
    c->out_types[0] = c->in_types[0];
    c->out_shapes[0] = o;
    return GRT_OK;
}

grt_status grt_ir_infer_concat(grt_ir_infer_ctx *c) {
    const grt_shape *s0 = &c->in_shapes[0];
    int64_t axis_attr = grt_ir_attr_i(c, "axis", 0);
    uint32_t axis;
    char b1[128], b2[128];
    if (!grt_ir_axis(axis_attr, s0->rank, &axis))
        return grt_ir_fail(c, "axis %lld out of range for rank %u", (long long)axis_attr, s0->rank);
    grt_shape o = *s0;
    for (uint32_t i = 1; i < c->n_in; i++) {
        const grt_shape *s = &c->in_shapes[i];
        if (c->in_types[i] != c->in_types[0])
            return grt_ir_fail(c, "input %u type %s differs from input 0 type %s", i,
                               grt_element_type_name(c->in_types[i]), grt_element_type_name(c->in_types[0]));
        if (s->rank != s0->rank) return grt_ir_fail(c, "input %u has rank %u, input 0 has %u", i, s->rank, s0->rank);
        for (uint32_t k = 0; k < s->rank; k++) {
            if (k == axis) {
                if (o.dims[k] == GRT_DYNAMIC || s->dims[k] == GRT_DYNAMIC)
                    o.dims[k] = GRT_DYNAMIC;
                else if (s->dims[k] > INT64_MAX - o.dims[k])
                    return grt_ir_fail(c, "concatenated dim overflows");
                else
                    o.dims[k] += s->dims[k];
            } else if (!grt_ir_dim_merge(o.dims[k], s->dims[k], &o.dims[k])) {
                return grt_ir_fail(c, "input %u shape %s differs from %s outside axis %u", i,
                                   grt_ir_shape_str(s, b1, sizeof b1), grt_ir_shape_str(s0, b2, sizeof b2), axis);
            }
        }
    }
    c->out_types[0] = c->in_types[0];
    c->out_shapes[0] = o;
    return GRT_OK;
}

/* Product of static dims; returns 0 on overflow. *dyn set if any dim is dynamic. */
static int product(const int64_t *dims, uint32_t n, int64_t *out, int *dyn) {
    int64_t p = 1;
    *dyn = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (dims[i] == GRT_DYNAMIC) {
            *dyn = 1;
            continue;
        }
        if (dims[i] != 0 && p > INT64_MAX / dims[i]) return 0;
        p *= dims[i];
    }
    *out = p;
    return 1;
}

grt_status grt_ir_infer_reshape(grt_ir_infer_ctx *c) {
    const grt_shape *in = &c->in_shapes[0];
    const grt_attr_value *sv = grt_ir_attr_get(c, "shape");
    int special_zero = grt_ir_attr_i(c, "special_zero", 1) != 0;
    char b1[128], b2[128];
    if (!sv || sv->type != GRT_ATTR_INTS) return grt_ir_fail(c, "missing attribute 'shape'");
    if (sv->u.ints.count > GRT_MAX_RANK)
        return grt_ir_fail(c, "target rank %zu exceeds %d", sv->u.ints.count, GRT_MAX_RANK);
    grt_shape o = {0};
    o.rank = (uint32_t)sv->u.ints.count;
    int infer_at = -1;
    for (uint32_t i = 0; i < o.rank; i++) {
        int64_t v = sv->u.ints.data[i];
        if (v == -1) {
            if (infer_at >= 0) return grt_ir_fail(c, "more than one -1 in target shape");
            infer_at = (int)i;
            o.dims[i] = GRT_DYNAMIC;
        } else if (v == 0 && special_zero) {
            if (i >= in->rank) return grt_ir_fail(c, "special zero at index %u beyond input rank %u", i, in->rank);
            o.dims[i] = in->dims[i];
        } else if (v < 0) {
            return grt_ir_fail(c, "bad target dim %lld", (long long)v);
        } else {
            o.dims[i] = v;
        }
    }
    int64_t pin, pout;
    int din, dout;
    if (!product(in->dims, in->rank, &pin, &din)) return grt_ir_fail(c, "input element count overflows");
    /* pout: product of the known output dims (dynamic copies and the -1 excluded). */
    if (!product(o.dims, o.rank, &pout, &dout)) return grt_ir_fail(c, "target element count overflows");
    int out_dyn_other = 0; /* a dynamic dim in the output other than the -1 slot */
    for (uint32_t i = 0; i < o.rank; i++)
        if (o.dims[i] == GRT_DYNAMIC && (int)i != infer_at) out_dyn_other = 1;
    if (!din && !out_dyn_other) {
        if (infer_at >= 0) {
            if (pout == 0) {
                if (pin != 0) return grt_ir_fail(c, "cannot infer -1: other target dims multiply to 0");
                return grt_ir_fail(c, "cannot infer -1 for an empty tensor");
            }
            if (pin % pout)
                return grt_ir_fail(c, "cannot reshape %s (%lld elements) to %s", grt_ir_shape_str(in, b1, sizeof b1),
                                   (long long)pin, grt_ir_shape_str(&o, b2, sizeof b2));
            o.dims[infer_at] = pin / pout;
        } else if (pin != pout) {
            return grt_ir_fail(c, "element count mismatch: %s (%lld) vs %s (%lld)", grt_ir_shape_str(in, b1, sizeof b1),
                               (long long)pin, grt_ir_shape_str(&o, b2, sizeof b2), (long long)pout);
        }
    }
    c->out_types[0] = c->in_types[0];
    c->out_shapes[0] = o;
    return GRT_OK;
}

grt_status grt_ir_infer_transpose(grt_ir_infer_ctx *c) {
    const grt_shape *in = &c->in_shapes[0];
    const grt_attr_value *pv = grt_ir_attr_get(c, "perm");
    if (!pv || pv->type != GRT_ATTR_INTS) return grt_ir_fail(c, "missing attribute 'perm'");
    if (pv->u.ints.count != in->rank)
        return grt_ir_fail(c, "perm has %zu entries for rank %u", pv->u.ints.count, in->rank);
    grt_shape o = {0};
    uint8_t seen[GRT_MAX_RANK] = {0};
    o.rank = in->rank;
    for (uint32_t i = 0; i < in->rank; i++) {
        int64_t p = pv->u.ints.data[i];
        if (p < 0 || p >= (int64_t)in->rank || seen[p]) return grt_ir_fail(c, "perm is not a permutation of 0..%u", in->rank - 1);
        seen[p] = 1;
        o.dims[i] = in->dims[p];
    }
    c->out_types[0] = c->in_types[0];
    c->out_shapes[0] = o;
    return GRT_OK;
}

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

/* Python slice length of a static dim d. */
static int64_t slice_len(int64_t d, int64_t start, int64_t end, int64_t step) {
    if (start < 0) start += d; /* no overflow: start < 0 <= d */
    if (end < 0) end += d;
    if (step > 0) {
        start = clamp64(start, 0, d);
        end = clamp64(end, 0, d);
        if (end <= start) return 0;
        return (int64_t)(((uint64_t)(end - start) - 1u) / (uint64_t)step + 1u);
    }
    start = clamp64(start, -1, d - 1);
    end = clamp64(end, -1, d - 1);
    if (start <= end) return 0;
    uint64_t ustep = (uint64_t)0 - (uint64_t)step;
    return (int64_t)(((uint64_t)(start - end) - 1u) / ustep + 1u);
}

grt_status grt_ir_infer_slice(grt_ir_infer_ctx *c) {
    const grt_shape *in = &c->in_shapes[0];
    const grt_attr_value *st = grt_ir_attr_get(c, "starts"), *en = grt_ir_attr_get(c, "ends");
    const grt_attr_value *ax = grt_ir_attr_get(c, "axes"), *sp = grt_ir_attr_get(c, "steps");
    if (!st || !en || !ax || !sp) return grt_ir_fail(c, "missing starts/ends/axes/steps");
    size_t n = st->u.ints.count;
    if (en->u.ints.count != n || ax->u.ints.count != n || sp->u.ints.count != n)
        return grt_ir_fail(c, "starts, ends, axes and steps must have the same length");
    if (n > in->rank) return grt_ir_fail(c, "%zu sliced axes for rank %u", n, in->rank);
    grt_shape o = *in;
    uint8_t seen[GRT_MAX_RANK] = {0};
    for (size_t i = 0; i < n; i++) {
        uint32_t a;
        if (!grt_ir_axis(ax->u.ints.data[i], in->rank, &a))
            return grt_ir_fail(c, "axis %lld out of range for rank %u", (long long)ax->u.ints.data[i], in->rank);
        if (seen[a]) return grt_ir_fail(c, "axis %u listed twice", a);
        seen[a] = 1;
        int64_t step = sp->u.ints.data[i];
        if (step == 0) return grt_ir_fail(c, "step 0 on axis %u", a);
        if (in->dims[a] != GRT_DYNAMIC)
            o.dims[a] = slice_len(in->dims[a], st->u.ints.data[i], en->u.ints.data[i], step);
    }
    c->out_types[0] = c->in_types[0];
    c->out_shapes[0] = o;
    return GRT_OK;
}
