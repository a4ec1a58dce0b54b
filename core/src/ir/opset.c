/*
 * ir/opset.c - the opset v1 table (names, input counts, attribute specs), attribute
 * normalization (validated deep copies with defaults filled) and the inference dispatcher.
 * Static tables; every function is thread-safe (errors go to the thread's last-error slot).
 */
#include "ir/opset.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

#define REQ(n, t) {n, t, 1, 0, 0.0}
#define OPT_I(n, d) {n, GRT_ATTR_INT, 0, d, 0.0}
#define OPT_F(n, d) {n, GRT_ATTR_FLOAT, 0, 0, d}
#define OPT_LIST(n) {n, GRT_ATTR_INTS, 0, 0, 0.0}

static const grt_ir_attr_spec k_read_value[] = {REQ("variable_id", GRT_ATTR_STRING),
                                                REQ("element_type", GRT_ATTR_INT),
                                                REQ("shape", GRT_ATTR_INTS)};
static const grt_ir_attr_spec k_assign[] = {REQ("variable_id", GRT_ATTR_STRING)};
static const grt_ir_attr_spec k_matmul[] = {OPT_I("transpose_a", 0), OPT_I("transpose_b", 0)};
static const grt_ir_attr_spec k_gather[] = {OPT_I("axis", 0), OPT_I("batch_dims", 0)};
static const grt_ir_attr_spec k_concat[] = {REQ("axis", GRT_ATTR_INT)};
static const grt_ir_attr_spec k_reshape[] = {REQ("shape", GRT_ATTR_INTS), OPT_I("special_zero", 1)};
static const grt_ir_attr_spec k_transpose[] = {REQ("perm", GRT_ATTR_INTS)};
static const grt_ir_attr_spec k_slice[] = {REQ("starts", GRT_ATTR_INTS), REQ("ends", GRT_ATTR_INTS),
                                           OPT_LIST("axes"), OPT_LIST("steps")};
static const grt_ir_attr_spec k_convert[] = {REQ("destination_type", GRT_ATTR_INT)};
static const grt_ir_attr_spec k_softmax[] = {OPT_I("axis", -1)};
static const grt_ir_attr_spec k_gelu[] = {OPT_I("approximate", 0)};
static const grt_ir_attr_spec k_rms[] = {OPT_F("eps", 1e-6)};
static const grt_ir_attr_spec k_ln[] = {OPT_F("eps", 1e-5)};
static const grt_ir_attr_spec k_rope[] = {
    OPT_I("mode", 0),           OPT_I("rotary_dims", 0),        OPT_F("theta", 10000.0),
    OPT_I("scaling", 0),        OPT_F("factor", 1.0),           OPT_F("low_freq_factor", 1.0),
    OPT_F("high_freq_factor", 4.0), OPT_I("original_max_position", 8192)};
static const grt_ir_attr_spec k_sdpa[] = {OPT_I("causal", 0), OPT_F("scale", 0.0)};
static const grt_ir_attr_spec k_moe[] = {REQ("top_k", GRT_ATTR_INT), OPT_I("normalize", 1)};
static const grt_ir_attr_spec k_topk[] = {REQ("k", GRT_ATTR_INT), OPT_I("axis", -1), OPT_I("mode", 0),
                                          OPT_I("sort", 1)};
static const grt_ir_attr_spec k_argmax[] = {OPT_I("axis", -1), OPT_I("keep_dims", 0)};

#define A(x) x, (uint32_t)(sizeof x / sizeof x[0])
#define NOA NULL, 0

static const grt_ir_op_info k_ops[GRT_OP_COUNT_V1] = {
    [GRT_OP_PARAMETER] = {"Parameter", 0, 0, 1, NOA, NULL},
    [GRT_OP_CONSTANT] = {"Constant", 0, 0, 1, NOA, NULL},
    [GRT_OP_RESULT] = {"Result", 1, 1, 0, NOA, grt_ir_infer_result},
    [GRT_OP_READ_VALUE] = {"ReadValue", 0, 1, 1, A(k_read_value), grt_ir_infer_read_value},
    [GRT_OP_ASSIGN] = {"Assign", 1, 1, 0, A(k_assign), grt_ir_infer_assign},
    [GRT_OP_MATMUL] = {"MatMul", 2, 2, 1, A(k_matmul), grt_ir_infer_matmul},
    [GRT_OP_ADD] = {"Add", 2, 2, 1, NOA, grt_ir_infer_binary},
    [GRT_OP_SUB] = {"Sub", 2, 2, 1, NOA, grt_ir_infer_binary},
    [GRT_OP_MUL] = {"Mul", 2, 2, 1, NOA, grt_ir_infer_binary},
    [GRT_OP_DIV] = {"Div", 2, 2, 1, NOA, grt_ir_infer_binary},
    [GRT_OP_GATHER] = {"Gather", 2, 2, 1, A(k_gather), grt_ir_infer_gather},
    [GRT_OP_CONCAT] = {"Concat", 1, GRT_IR_MAX_INPUTS, 1, A(k_concat), grt_ir_infer_concat},
    [GRT_OP_RESHAPE] = {"Reshape", 1, 1, 1, A(k_reshape), grt_ir_infer_reshape},
    [GRT_OP_TRANSPOSE] = {"Transpose", 1, 1, 1, A(k_transpose), grt_ir_infer_transpose},
    [GRT_OP_SLICE] = {"Slice", 1, 1, 1, A(k_slice), grt_ir_infer_slice},
    [GRT_OP_CONVERT] = {"Convert", 1, 1, 1, A(k_convert), grt_ir_infer_convert},
    [GRT_OP_SOFTMAX] = {"Softmax", 1, 1, 1, A(k_softmax), grt_ir_infer_softmax},
    [GRT_OP_SILU] = {"SiLU", 1, 1, 1, NOA, grt_ir_infer_unary},
    [GRT_OP_GELU] = {"GELU", 1, 1, 1, A(k_gelu), grt_ir_infer_unary},
    [GRT_OP_RELU] = {"ReLU", 1, 1, 1, NOA, grt_ir_infer_unary},
    [GRT_OP_RMS_NORM] = {"RMSNorm", 2, 2, 1, A(k_rms), grt_ir_infer_norm},
    [GRT_OP_LAYER_NORM] = {"LayerNorm", 2, 3, 1, A(k_ln), grt_ir_infer_norm},
    [GRT_OP_ROPE] = {"RoPE", 2, 2, 1, A(k_rope), grt_ir_infer_rope},
    [GRT_OP_SDPA] = {"ScaledDotProductAttention", 3, 4, 1, A(k_sdpa), grt_ir_infer_sdpa},
    [GRT_OP_MOE] = {"MoE", 5, 5, 1, A(k_moe), grt_ir_infer_moe},
    [GRT_OP_TOPK] = {"TopK", 1, 1, 2, A(k_topk), grt_ir_infer_topk},
    [GRT_OP_ARGMAX] = {"ArgMax", 1, 1, 1, A(k_argmax), grt_ir_infer_argmax},
};

const grt_ir_op_info *grt_ir_op_info_get(grt_op_type op) {
    if ((unsigned)op == 0 || (unsigned)op >= GRT_OP_COUNT_V1) return NULL;
    return &k_ops[op];
}

const char *grt_ir_op_name(grt_op_type op) {
    const grt_ir_op_info *info = grt_ir_op_info_get(op);
    return info ? info->name : "UNKNOWN";
}

grt_op_type grt_ir_op_from_name(const char *name) {
    if (!name) return GRT_OP_UNKNOWN;
    for (unsigned i = 1; i < GRT_OP_COUNT_V1; i++)
        if (!strcmp(k_ops[i].name, name)) return (grt_op_type)i;
    return GRT_OP_UNKNOWN;
}

/* --- attributes ------------------------------------------------------------------------------ */

static void attr_value_free(grt_attr_value *v) {
    if (v->type == GRT_ATTR_STRING) free((void *)v->u.s);
    if (v->type == GRT_ATTR_INTS) free((void *)v->u.ints.data);
    if (v->type == GRT_ATTR_FLOATS) free((void *)v->u.floats.data);
    memset(v, 0, sizeof *v);
}

void grt_ir_attrs_free(grt_ir_attr *attrs, uint32_t n) {
    if (!attrs) return;
    for (uint32_t i = 0; i < n; i++) {
        free(attrs[i].name);
        attr_value_free(&attrs[i].value);
    }
    free(attrs);
}

/* Deep copy of one value (already validated). Returns 0 on OOM, with dst->type NONE. */
static int attr_value_copy(grt_attr_value *dst, const grt_attr_value *src) {
    *dst = *src;
    dst->reserved = 0;
    if (src->type == GRT_ATTR_STRING) {
        dst->u.s = strdup(src->u.s);
        if (!dst->u.s) dst->type = GRT_ATTR_NONE;
        return dst->u.s != NULL;
    }
    if (src->type == GRT_ATTR_INTS) {
        size_t n = src->u.ints.count;
        int64_t *p = malloc(n ? n * sizeof *p : 1);
        if (!p) dst->type = GRT_ATTR_NONE;
        if (!p) return 0;
        if (n) memcpy(p, src->u.ints.data, n * sizeof *p);
        dst->u.ints.data = p;
        return 1;
    }
    if (src->type == GRT_ATTR_FLOATS) {
        size_t n = src->u.floats.count;
        double *p = malloc(n ? n * sizeof *p : 1);
        if (!p) dst->type = GRT_ATTR_NONE;
        if (!p) return 0;
        if (n) memcpy(p, src->u.floats.data, n * sizeof *p);
        dst->u.floats.data = p;
        return 1;
    }
    return 1;
}

grt_status grt_ir_attrs_copy(const grt_ir_attr *src, uint32_t n, grt_ir_attr **out) {
    *out = NULL;
    if (n == 0) return GRT_OK;
    grt_ir_attr *a = calloc(n, sizeof *a);
    if (!a) return grt_error(GRT_ERROR_OUT_OF_MEMORY, "attributes: out of memory");
    for (uint32_t i = 0; i < n; i++) {
        a[i].name = strdup(src[i].name);
        if (!a[i].name || !attr_value_copy(&a[i].value, &src[i].value)) {
            grt_ir_attrs_free(a, i + 1);
            return grt_error(GRT_ERROR_OUT_OF_MEMORY, "attributes: out of memory");
        }
    }
    *out = a;
    return GRT_OK;
}

static grt_status check_given(grt_op_type op, const char *node, const grt_attribute *a) {
    const char *opn = grt_ir_op_name(op);
    if (!a->name) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "node '%s' (%s): attribute with NULL name", node, opn);
    switch (a->value.type) {
    case GRT_ATTR_INT: return GRT_OK;
    case GRT_ATTR_FLOAT:
        if (!isfinite(a->value.u.f))
            return grt_error(GRT_ERROR_INVALID_ARGUMENT, "node '%s' (%s): attribute '%s' is not finite", node, opn, a->name);
        return GRT_OK;
    case GRT_ATTR_STRING:
        if (!a->value.u.s)
            return grt_error(GRT_ERROR_INVALID_ARGUMENT, "node '%s' (%s): attribute '%s' is a NULL string", node, opn, a->name);
        return GRT_OK;
    case GRT_ATTR_INTS:
    case GRT_ATTR_FLOATS: {
        size_t n = a->value.u.ints.count; /* same layout for floats */
        if (n > GRT_IR_MAX_ATTR_LIST)
            return grt_error(GRT_ERROR_INVALID_ARGUMENT, "node '%s' (%s): attribute '%s' has %zu items (max %u)", node, opn, a->name, n, GRT_IR_MAX_ATTR_LIST);
        if (n && !a->value.u.ints.data)
            return grt_error(GRT_ERROR_INVALID_ARGUMENT, "node '%s' (%s): attribute '%s' has NULL data", node, opn, a->name);
        if (a->value.type == GRT_ATTR_FLOATS)
            for (size_t i = 0; i < n; i++)
                if (!isfinite(a->value.u.floats.data[i]))
                    return grt_error(GRT_ERROR_INVALID_ARGUMENT, "node '%s' (%s): attribute '%s' is not finite", node, opn, a->name);
        return GRT_OK;
    }
    default:
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "node '%s' (%s): attribute '%s' has bad type %u", node, opn, a->name, a->value.type);
    }
}

static const char *k_type_names[] = {"none", "INT", "FLOAT", "STRING", "INTS", "FLOATS"};

grt_status grt_ir_attrs_normalize(grt_op_type op, const char *node, size_t n_attrs,
                                  const grt_attribute *attrs, grt_ir_attr **out, uint32_t *n_out) {
    const grt_ir_op_info *info = grt_ir_op_info_get(op);
    grt_ir_attr *res = NULL;
    grt_status st = GRT_OK;
    int64_t *filled = NULL;
    *out = NULL;
    *n_out = 0;
    if (!info) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "node '%s': unknown op %d", node, (int)op);
    if (n_attrs && !attrs)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "node '%s' (%s): NULL attribute array", node, info->name);
    /* Every given attribute must be known, well typed and unique. */
    const grt_attribute *found[16] = {0};
    for (size_t i = 0; i < n_attrs; i++) {
        if ((st = check_given(op, node, &attrs[i])) != GRT_OK) return st;
        uint32_t k = 0;
        while (k < info->n_attrs && strcmp(info->attrs[k].name, attrs[i].name)) k++;
        if (k == info->n_attrs)
            return grt_error(GRT_ERROR_INVALID_ARGUMENT, "node '%s' (%s): unknown attribute '%s'", node, info->name, attrs[i].name);
        if (found[k])
            return grt_error(GRT_ERROR_INVALID_ARGUMENT, "node '%s' (%s): duplicate attribute '%s'", node, info->name, attrs[i].name);
        grt_attr_type want = info->attrs[k].type, got = (grt_attr_type)attrs[i].value.type;
        if (got != want && !(want == GRT_ATTR_FLOAT && got == GRT_ATTR_INT))
            return grt_error(GRT_ERROR_INVALID_ARGUMENT, "node '%s' (%s): attribute '%s' must be %s, got %s", node, info->name, attrs[i].name, k_type_names[want], k_type_names[got]);
        found[k] = &attrs[i];
    }
    if (info->n_attrs == 0) return GRT_OK;
    res = calloc(info->n_attrs, sizeof *res);
    if (!res) return grt_error(GRT_ERROR_OUT_OF_MEMORY, "node '%s': out of memory", node);
    uint32_t n = 0;
    for (uint32_t k = 0; k < info->n_attrs; k++) {
        const grt_ir_attr_spec *sp = &info->attrs[k];
        grt_attr_value v = {0};
        v.type = sp->type;
        if (found[k]) {
            v = found[k]->value;
            if (sp->type == GRT_ATTR_FLOAT && v.type == GRT_ATTR_INT) {
                v.type = GRT_ATTR_FLOAT;
                v.u.f = (double)found[k]->value.u.i;
            }
        } else if (sp->required) {
            st = grt_error(GRT_ERROR_INVALID_ARGUMENT, "node '%s' (%s): missing required attribute '%s'", node, info->name, sp->name);
            goto fail;
        } else if (sp->type == GRT_ATTR_INT) {
            v.u.i = sp->def_i;
        } else if (sp->type == GRT_ATTR_FLOAT) {
            v.u.f = sp->def_f;
        } else {
            /* Optional list (Slice axes / steps): default 0..n-1 / all 1, n = len(starts). */
            const grt_attr_value *starts = found[0] ? &found[0]->value : NULL;
            size_t cnt = starts ? starts->u.ints.count : 0;
            filled = malloc((cnt ? cnt : 1) * sizeof *filled);
            if (!filled) goto oom;
            for (size_t j = 0; j < cnt; j++) filled[j] = !strcmp(sp->name, "axes") ? (int64_t)j : 1;
            v.u.ints.data = filled;
            v.u.ints.count = cnt;
        }
        res[n].name = strdup(sp->name);
        if (!res[n].name || !attr_value_copy(&res[n].value, &v)) {
            n++;
            goto oom;
        }
        n++;
        free(filled);
        filled = NULL;
    }
    *out = res;
    *n_out = n;
    return GRT_OK;
oom:
    st = grt_error(GRT_ERROR_OUT_OF_MEMORY, "node '%s': out of memory", node);
fail:
    free(filled);
    grt_ir_attrs_free(res, n);
    return st;
}

/* --- inference helpers ----------------------------------------------------------------------- */

grt_status grt_ir_fail(const grt_ir_infer_ctx *c, const char *fmt, ...) {
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return grt_error(GRT_ERROR_SHAPE, "node '%s' (%s): %s", c->node_name ? c->node_name : "?",
                     grt_ir_op_name(c->op), msg);
}

const grt_attr_value *grt_ir_attr_get(const grt_ir_infer_ctx *c, const char *name) {
    for (uint32_t i = 0; i < c->n_attrs; i++)
        if (!strcmp(c->attrs[i].name, name)) return &c->attrs[i].value;
    return NULL;
}

int64_t grt_ir_attr_i(const grt_ir_infer_ctx *c, const char *name, int64_t def) {
    const grt_attr_value *v = grt_ir_attr_get(c, name);
    return (v && v->type == GRT_ATTR_INT) ? v->u.i : def;
}

double grt_ir_attr_f(const grt_ir_infer_ctx *c, const char *name, double def) {
    const grt_attr_value *v = grt_ir_attr_get(c, name);
    return (v && v->type == GRT_ATTR_FLOAT) ? v->u.f : def;
}

int grt_ir_is_float(grt_element_type t) { return t == GRT_F32 || t == GRT_F16 || t == GRT_BF16; }

int grt_ir_dim_merge(int64_t a, int64_t b, int64_t *out) {
    if (a == GRT_DYNAMIC) { *out = b; return 1; }
    if (b == GRT_DYNAMIC || a == b) { *out = a; return 1; }
    return 0;
}

int grt_ir_axis(int64_t axis, uint32_t rank, uint32_t *out) {
    int64_t r = (int64_t)rank;
    if (axis < -r || axis >= r) return 0;
    *out = (uint32_t)(axis < 0 ? axis + r : axis);
    return 1;
}

int grt_ir_broadcast(const grt_shape *a, const grt_shape *b, grt_shape *out) {
    grt_shape r = {0};
    r.rank = a->rank > b->rank ? a->rank : b->rank;
    for (uint32_t i = 0; i < r.rank; i++) {
        int64_t da = i < a->rank ? a->dims[a->rank - 1 - i] : 1;
        int64_t db = i < b->rank ? b->dims[b->rank - 1 - i] : 1;
        int64_t d;
        if (da == 1) d = db;
        else if (db == 1) d = da;
        else if (!grt_ir_dim_merge(da, db, &d)) return 0;
        r.dims[r.rank - 1 - i] = d;
    }
    *out = r;
    return 1;
}

const char *grt_ir_shape_str(const grt_shape *s, char *buf, size_t n) {
    size_t k = 0;
    if (n == 0) return buf;
    buf[0] = '\0';
    k += (size_t)snprintf(buf + k, n - k, "[");
    for (uint32_t i = 0; i < s->rank && i < GRT_MAX_RANK && k < n; i++) {
        if (s->dims[i] == GRT_DYNAMIC)
            k += (size_t)snprintf(buf + k, n - k, "%s?", i ? "," : "");
        else
            k += (size_t)snprintf(buf + k, n - k, "%s%lld", i ? "," : "", (long long)s->dims[i]);
    }
    if (k < n) snprintf(buf + k, n - k, "]");
    return buf;
}

grt_status grt_ir_infer(grt_ir_infer_ctx *c) {
    const grt_ir_op_info *info = grt_ir_op_info_get(c->op);
    if (!info || !info->infer)
        return grt_error(GRT_ERROR_SHAPE, "node '%s': op %s has no shape inference",
                         c->node_name ? c->node_name : "?", grt_ir_op_name(c->op));
    if (c->n_in < info->min_inputs || c->n_in > info->max_inputs) {
        if (info->min_inputs == info->max_inputs)
            return grt_ir_fail(c, "expects %u inputs, got %u", info->min_inputs, c->n_in);
        return grt_ir_fail(c, "expects %u to %u inputs, got %u", info->min_inputs, info->max_inputs, c->n_in);
    }
    for (uint32_t i = 0; i < c->n_in; i++) {
        const grt_shape *s = &c->in_shapes[i];
        if ((unsigned)c->in_types[i] == 0 || (unsigned)c->in_types[i] >= GRT_ELEMENT_TYPE_COUNT_V1)
            return grt_ir_fail(c, "input %u has bad element type %d", i, (int)c->in_types[i]);
        if (s->rank > GRT_MAX_RANK) return grt_ir_fail(c, "input %u has rank %u > %d", i, s->rank, GRT_MAX_RANK);
        for (uint32_t d = 0; d < s->rank; d++)
            if (s->dims[d] < GRT_DYNAMIC)
                return grt_ir_fail(c, "input %u has negative dim %lld", i, (long long)s->dims[d]);
    }
    c->n_out = info->n_outputs;
    memset(c->out_shapes, 0, sizeof c->out_shapes);
    for (uint32_t i = 0; i < GRT_IR_MAX_OUTPUTS; i++) c->out_types[i] = GRT_UNDEFINED;
    return info->infer(c);
}
