/*
 * ir/shape_infer_basic.c - shape/type inference of Result, ReadValue/Assign, elementwise binary
 * ops, activations, Convert, Softmax and the normalizations (docs/OPSET.md).
 * Pure functions over a grt_ir_infer_ctx; thread-safe.
 */
#include "ir/opset.h"

#include <string.h>


grt_status grt_ir_infer_result(grt_ir_infer_ctx *c) {
    c->n_out = 0;
    return GRT_OK;
}

/* Checks an INTS attribute that describes a partial shape. */
static grt_status shape_attr(grt_ir_infer_ctx *c, const char *name, grt_shape *out) {
    const grt_attr_value *v = grt_ir_attr_get(c, name);
    if (!v || v->type != GRT_ATTR_INTS) return grt_ir_fail(c, "missing attribute '%s'", name);
    if (v->u.ints.count > GRT_MAX_RANK)
        return grt_ir_fail(c, "attribute '%s' has rank %zu > %d", name, v->u.ints.count, GRT_MAX_RANK);
    grt_shape s = {0};
    s.rank = (uint32_t)v->u.ints.count;
    for (uint32_t i = 0; i < s.rank; i++) {
        if (v->u.ints.data[i] < GRT_DYNAMIC)
            return grt_ir_fail(c, "attribute '%s' has bad dim %lld", name, (long long)v->u.ints.data[i]);
        s.dims[i] = v->u.ints.data[i];
    }
    *out = s;
    return GRT_OK;
}

grt_status grt_ir_infer_read_value(grt_ir_infer_ctx *c) {
    const grt_attr_value *id = grt_ir_attr_get(c, "variable_id");
    int64_t et = grt_ir_attr_i(c, "element_type", 0);
    grt_shape s;
    grt_status st;
    if (!id || id->type != GRT_ATTR_STRING || !id->u.s[0]) return grt_ir_fail(c, "empty variable_id");
    if (et <= 0 || et >= GRT_ELEMENT_TYPE_COUNT_V1) return grt_ir_fail(c, "bad element_type %lld", (long long)et);
    if ((st = shape_attr(c, "shape", &s)) != GRT_OK) return st;
    if (c->n_in == 1) {
        char b1[128], b2[128];
        if (c->in_types[0] != (grt_element_type)et)
            return grt_ir_fail(c, "init type %s differs from variable type %s",
                               grt_element_type_name(c->in_types[0]), grt_element_type_name((grt_element_type)et));
        int ok = c->in_shapes[0].rank == s.rank;
        for (uint32_t i = 0; ok && i < s.rank; i++) {
            int64_t d;
            ok = grt_ir_dim_merge(c->in_shapes[0].dims[i], s.dims[i], &d);
        }
        if (!ok)
            return grt_ir_fail(c, "init shape %s incompatible with variable shape %s",
                               grt_ir_shape_str(&c->in_shapes[0], b1, sizeof b1), grt_ir_shape_str(&s, b2, sizeof b2));
    }
    c->out_types[0] = (grt_element_type)et;
    c->out_shapes[0] = s;
    return GRT_OK;
}

grt_status grt_ir_infer_assign(grt_ir_infer_ctx *c) {
    const grt_attr_value *id = grt_ir_attr_get(c, "variable_id");
    if (!id || id->type != GRT_ATTR_STRING || !id->u.s[0]) return grt_ir_fail(c, "empty variable_id");
    c->n_out = 0;
    return GRT_OK;
}

grt_status grt_ir_infer_binary(grt_ir_infer_ctx *c) {
    grt_element_type t = c->in_types[0];
    char b1[128], b2[128];
    if (c->in_types[1] != t)
        return grt_ir_fail(c, "element types differ: %s vs %s", grt_element_type_name(t),
                           grt_element_type_name(c->in_types[1]));
    if (!grt_ir_is_float(t) && t != GRT_I32 && t != GRT_I64)
        return grt_ir_fail(c, "unsupported element type %s", grt_element_type_name(t));
    if (!grt_ir_broadcast(&c->in_shapes[0], &c->in_shapes[1], &c->out_shapes[0]))
        return grt_ir_fail(c, "shapes %s and %s do not broadcast",
                           grt_ir_shape_str(&c->in_shapes[0], b1, sizeof b1),
                           grt_ir_shape_str(&c->in_shapes[1], b2, sizeof b2));
    c->out_types[0] = t;
    return GRT_OK;
}

grt_status grt_ir_infer_unary(grt_ir_infer_ctx *c) {
    if (!grt_ir_is_float(c->in_types[0]))
        return grt_ir_fail(c, "input must be a float type, got %s", grt_element_type_name(c->in_types[0]));
    if (c->op == GRT_OP_GELU) {
        int64_t a = grt_ir_attr_i(c, "approximate", 0);
        if (a != 0 && a != 1) return grt_ir_fail(c, "approximate must be 0 or 1, got %lld", (long long)a);
    }
    c->out_types[0] = c->in_types[0];
    c->out_shapes[0] = c->in_shapes[0];
    return GRT_OK;
}

grt_status grt_ir_infer_convert(grt_ir_infer_ctx *c) {
    int64_t t = grt_ir_attr_i(c, "destination_type", 0);
    if (t <= 0 || t >= GRT_ELEMENT_TYPE_COUNT_V1)
        return grt_ir_fail(c, "bad destination_type %lld", (long long)t);
    c->out_types[0] = (grt_element_type)t;
    c->out_shapes[0] = c->in_shapes[0];
    return GRT_OK;
}

grt_status grt_ir_infer_softmax(grt_ir_infer_ctx *c) {
    uint32_t axis;
    if (!grt_ir_is_float(c->in_types[0]))
        return grt_ir_fail(c, "input must be a float type, got %s", grt_element_type_name(c->in_types[0]));
    if (!grt_ir_axis(grt_ir_attr_i(c, "axis", -1), c->in_shapes[0].rank, &axis))
        return grt_ir_fail(c, "axis %lld out of range for rank %u", (long long)grt_ir_attr_i(c, "axis", -1),
                           c->in_shapes[0].rank);
    c->out_types[0] = c->in_types[0];
    c->out_shapes[0] = c->in_shapes[0];
    return GRT_OK;
}

/* RMSNorm (x, gamma) and LayerNorm (x, gamma, [beta]): normalization over the last axis. */
grt_status grt_ir_infer_norm(grt_ir_infer_ctx *c) {
    const grt_shape *x = &c->in_shapes[0];
    grt_element_type t = c->in_types[0];
    double eps = grt_ir_attr_f(c, "eps", 0.0);
    if (!grt_ir_is_float(t)) return grt_ir_fail(c, "x must be a float type, got %s", grt_element_type_name(t));
    if (x->rank < 1) return grt_ir_fail(c, "x must have rank >= 1");
    if (!(eps >= 0.0)) return grt_ir_fail(c, "eps must be >= 0, got %g", eps);
    int64_t d = x->dims[x->rank - 1];
    for (uint32_t i = 1; i < c->n_in; i++) {
        const char *what = i == 1 ? "gamma" : "beta";
        if (c->in_types[i] != t)
            return grt_ir_fail(c, "%s type %s differs from x type %s", what, grt_element_type_name(c->in_types[i]),
                               grt_element_type_name(t));
        if (c->in_shapes[i].rank != 1) return grt_ir_fail(c, "%s must have rank 1, got %u", what, c->in_shapes[i].rank);
        if (!grt_ir_dim_merge(d, c->in_shapes[i].dims[0], &d))
            return grt_ir_fail(c, "%s size %lld differs from last dim of x %lld", what,
                               (long long)c->in_shapes[i].dims[0], (long long)x->dims[x->rank - 1]);
    }
    c->out_types[0] = t;
    c->out_shapes[0] = *x;
    c->out_shapes[0].dims[x->rank - 1] = d;
    return GRT_OK;
}
