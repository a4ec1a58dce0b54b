/*
 * ir/shape_infer_nn.c - shape/type inference of the compute ops: MatMul, RoPE,
 * ScaledDotProductAttention, MoE, TopK and ArgMax (docs/OPSET.md).
 * Pure functions over a grt_ir_infer_ctx; thread-safe.
 */
#include "ir/opset.h"

#include <string.h>

static const char *tn(grt_element_type t) { return grt_element_type_name(t); }

/* All inputs in [first, last) must have input 0's float type. */
static grt_status same_float(grt_ir_infer_ctx *c, uint32_t first, uint32_t last, const char *const *names) {
    grt_element_type t = c->in_types[0];
    if (!grt_ir_is_float(t)) return grt_ir_fail(c, "%s must be a float type, got %s", names[0], tn(t));
    for (uint32_t i = first; i < last && i < c->n_in; i++)
        if (c->in_types[i] != t)
            return grt_ir_fail(c, "%s type %s differs from %s type %s", names[i], tn(c->in_types[i]), names[0], tn(t));
    return GRT_OK;
}

static grt_status want_rank(grt_ir_infer_ctx *c, uint32_t i, uint32_t rank, const char *name) {
    if (c->in_shapes[i].rank != rank)
        return grt_ir_fail(c, "%s must have rank %u, got %u", name, rank, c->in_shapes[i].rank);
    return GRT_OK;
}

/* Merges dim a of input ia with dim b of input ib (names for the message). */
static grt_status merge(grt_ir_infer_ctx *c, int64_t a, int64_t b, int64_t *out, const char *what) {
    if (!grt_ir_dim_merge(a, b, out)) return grt_ir_fail(c, "%s mismatch %lld vs %lld", what, (long long)a, (long long)b);
    return GRT_OK;
}

grt_status grt_ir_infer_matmul(grt_ir_infer_ctx *c) {
    grt_status st;
    /* A and B may differ in float type (an f16/bf16 weight with f32 activations); out = A's type. */
    if (!grt_ir_is_float(c->in_types[0])) return grt_ir_fail(c, "A must be a float type, got %s", tn(c->in_types[0]));
    if (!grt_ir_is_float(c->in_types[1])) return grt_ir_fail(c, "B must be a float type, got %s", tn(c->in_types[1]));
    const grt_shape *a = &c->in_shapes[0], *b = &c->in_shapes[1];
    if (a->rank < 1 || b->rank < 1) return grt_ir_fail(c, "inputs must have rank >= 1");
    int ta = grt_ir_attr_i(c, "transpose_a", 0) != 0, tb = grt_ir_attr_i(c, "transpose_b", 0) != 0;
    int64_t m, ka, kb, n;
    grt_shape ba = {0}, bb = {0}, batch;
    if (a->rank == 1) {
        m = 1;
        ka = a->dims[0];
    } else {
        m = a->dims[a->rank - (ta ? 1 : 2)];
        ka = a->dims[a->rank - (ta ? 2 : 1)];
        ba.rank = a->rank - 2;
        memcpy(ba.dims, a->dims, ba.rank * sizeof ba.dims[0]);
    }
    if (b->rank == 1) {
        kb = b->dims[0];
        n = 1;
    } else {
        kb = b->dims[b->rank - (tb ? 1 : 2)];
        n = b->dims[b->rank - (tb ? 2 : 1)];
        bb.rank = b->rank - 2;
        memcpy(bb.dims, b->dims, bb.rank * sizeof bb.dims[0]);
    }
    int64_t k;
    if ((st = merge(c, ka, kb, &k, "K")) != GRT_OK) return st;
    if (!grt_ir_broadcast(&ba, &bb, &batch)) {
        char b1[128], b2[128];
        return grt_ir_fail(c, "batch dims %s and %s do not broadcast", grt_ir_shape_str(&ba, b1, sizeof b1),
                           grt_ir_shape_str(&bb, b2, sizeof b2));
    }
    grt_shape o = batch;
    if (a->rank > 1) o.dims[o.rank++] = m;
    if (b->rank > 1) o.dims[o.rank++] = n;
    c->out_types[0] = c->in_types[0];
    c->out_shapes[0] = o;
    return GRT_OK;
}

grt_status grt_ir_infer_rope(grt_ir_infer_ctx *c) {
    const grt_shape *x = &c->in_shapes[0], *p = &c->in_shapes[1];
    grt_status st;
    int64_t dummy;
    if (!grt_ir_is_float(c->in_types[0])) return grt_ir_fail(c, "x must be a float type, got %s", tn(c->in_types[0]));
    if ((st = want_rank(c, 0, 4, "x [B, H, S, D]")) != GRT_OK) return st;
    if (c->in_types[1] != GRT_I32 && c->in_types[1] != GRT_I64)
        return grt_ir_fail(c, "positions must be i32 or i64, got %s", tn(c->in_types[1]));
    if (p->rank == 1) {
        if ((st = merge(c, p->dims[0], x->dims[2], &dummy, "positions S")) != GRT_OK) return st;
    } else if (p->rank == 2) {
        if ((st = merge(c, p->dims[0], x->dims[0], &dummy, "positions B")) != GRT_OK) return st;
        if ((st = merge(c, p->dims[1], x->dims[2], &dummy, "positions S")) != GRT_OK) return st;
    } else {
        return grt_ir_fail(c, "positions must be [S] or [B, S], got rank %u", p->rank);
    }
    int64_t mode = grt_ir_attr_i(c, "mode", 0), rd = grt_ir_attr_i(c, "rotary_dims", 0);
    int64_t scaling = grt_ir_attr_i(c, "scaling", 0), omp = grt_ir_attr_i(c, "original_max_position", 8192);
    double theta = grt_ir_attr_f(c, "theta", 10000.0), factor = grt_ir_attr_f(c, "factor", 1.0);
    double lo = grt_ir_attr_f(c, "low_freq_factor", 1.0), hi = grt_ir_attr_f(c, "high_freq_factor", 4.0);
    int64_t d = x->dims[3];
    if (mode != 0 && mode != 1) return grt_ir_fail(c, "mode must be 0 or 1, got %lld", (long long)mode);
    if (scaling < 0 || scaling > 2) return grt_ir_fail(c, "scaling must be 0, 1 or 2, got %lld", (long long)scaling);
    if (rd < 0 || rd % 2) return grt_ir_fail(c, "rotary_dims must be even and >= 0, got %lld", (long long)rd);
    if (d != GRT_DYNAMIC) {
        if (rd > d) return grt_ir_fail(c, "rotary_dims %lld exceeds head size %lld", (long long)rd, (long long)d);
        if (rd == 0 && d % 2) return grt_ir_fail(c, "head size %lld must be even", (long long)d);
    }
    if (!(theta > 0.0)) return grt_ir_fail(c, "theta must be > 0");
    if (scaling != 0 && !(factor > 0.0)) return grt_ir_fail(c, "factor must be > 0");
    if (scaling == 2 && (!(hi > lo) || !(lo > 0.0) || omp <= 0))
        return grt_ir_fail(c, "llama3 scaling needs high_freq_factor > low_freq_factor > 0 and original_max_position > 0");
    c->out_types[0] = c->in_types[0];
    c->out_shapes[0] = *x;
    return GRT_OK;
}

grt_status grt_ir_infer_sdpa(grt_ir_infer_ctx *c) {
    static const char *const names[] = {"q", "k", "v", "mask"};
    const grt_shape *q = &c->in_shapes[0], *k = &c->in_shapes[1], *v = &c->in_shapes[2];
    grt_status st;
    int64_t b, hkv, d, skv;
    if ((st = same_float(c, 1, 3, names)) != GRT_OK) return st;
    if ((st = want_rank(c, 0, 4, "q [B, Hq, Sq, D]")) != GRT_OK || (st = want_rank(c, 1, 4, "k [B, Hkv, Skv, D]")) != GRT_OK ||
        (st = want_rank(c, 2, 4, "v [B, Hkv, Skv, Dv]")) != GRT_OK)
        return st;
    if ((st = merge(c, q->dims[0], k->dims[0], &b, "batch (q vs k)")) != GRT_OK ||
        (st = merge(c, b, v->dims[0], &b, "batch (k vs v)")) != GRT_OK ||
        (st = merge(c, k->dims[1], v->dims[1], &hkv, "kv heads (k vs v)")) != GRT_OK ||
        (st = merge(c, q->dims[3], k->dims[3], &d, "head size D (q vs k)")) != GRT_OK ||
        (st = merge(c, k->dims[2], v->dims[2], &skv, "Skv (k vs v)")) != GRT_OK)
        return st;
    int64_t hq = q->dims[1];
    if (hkv == 0) return grt_ir_fail(c, "kv heads must be > 0");
    if (hq != GRT_DYNAMIC && hkv != GRT_DYNAMIC && hq % hkv)
        return grt_ir_fail(c, "query heads %lld not a multiple of kv heads %lld", (long long)hq, (long long)hkv);
    int64_t causal = grt_ir_attr_i(c, "causal", 0);
    if (causal != 0 && causal != 1) return grt_ir_fail(c, "causal must be 0 or 1");
    grt_shape target = {4, 0, {b, hq, q->dims[2], skv}};
    if (c->n_in == 4) {
        const grt_shape *m = &c->in_shapes[3];
        if (!grt_ir_is_float(c->in_types[3])) return grt_ir_fail(c, "mask must be a float type, got %s", tn(c->in_types[3]));
        if (m->rank > 4) return grt_ir_fail(c, "mask rank %u > 4", m->rank);
        for (uint32_t i = 0; i < m->rank; i++) {
            int64_t md = m->dims[m->rank - 1 - i], td = target.dims[3 - i], out;
            if (md != 1 && !grt_ir_dim_merge(md, td, &out)) {
                char b1[128], b2[128];
                return grt_ir_fail(c, "mask %s does not broadcast to %s", grt_ir_shape_str(m, b1, sizeof b1),
                                   grt_ir_shape_str(&target, b2, sizeof b2));
            }
        }
    }
    grt_shape o = {4, 0, {b, hq, q->dims[2], v->dims[3]}};
    c->out_types[0] = c->in_types[0];
    c->out_shapes[0] = o;
    return GRT_OK;
}

grt_status grt_ir_infer_moe(grt_ir_infer_ctx *c) {
    static const char *const names[] = {"x", "router", "w_gate", "w_up", "w_down"};
    const grt_shape *x = &c->in_shapes[0], *r = &c->in_shapes[1], *g = &c->in_shapes[2];
    const grt_shape *u = &c->in_shapes[3], *dn = &c->in_shapes[4];
    grt_status st;
    int64_t h, e, inter;
    if ((st = same_float(c, 1, 5, names)) != GRT_OK) return st;
    if ((st = want_rank(c, 0, 2, "x [T, H]")) != GRT_OK || (st = want_rank(c, 1, 2, "router [E, H]")) != GRT_OK ||
        (st = want_rank(c, 2, 3, "w_gate [E, I, H]")) != GRT_OK || (st = want_rank(c, 3, 3, "w_up [E, I, H]")) != GRT_OK ||
        (st = want_rank(c, 4, 3, "w_down [E, H, I]")) != GRT_OK)
        return st;
    h = x->dims[1];
    if ((st = merge(c, h, r->dims[1], &h, "H (x vs router)")) != GRT_OK ||
        (st = merge(c, h, g->dims[2], &h, "H (x vs w_gate)")) != GRT_OK ||
        (st = merge(c, h, u->dims[2], &h, "H (x vs w_up)")) != GRT_OK ||
        (st = merge(c, h, dn->dims[1], &h, "H (x vs w_down)")) != GRT_OK ||
        (st = merge(c, r->dims[0], g->dims[0], &e, "E (router vs w_gate)")) != GRT_OK ||
        (st = merge(c, e, u->dims[0], &e, "E (router vs w_up)")) != GRT_OK ||
        (st = merge(c, e, dn->dims[0], &e, "E (router vs w_down)")) != GRT_OK ||
        (st = merge(c, g->dims[1], u->dims[1], &inter, "I (w_gate vs w_up)")) != GRT_OK ||
        (st = merge(c, inter, dn->dims[2], &inter, "I (w_gate vs w_down)")) != GRT_OK)
        return st;
    int64_t top_k = grt_ir_attr_i(c, "top_k", 0), norm = grt_ir_attr_i(c, "normalize", 1);
    if (top_k < 1 || (e != GRT_DYNAMIC && top_k > e))
        return grt_ir_fail(c, "top_k %lld out of range 1..%lld experts", (long long)top_k, (long long)e);
    if (norm != 0 && norm != 1) return grt_ir_fail(c, "normalize must be 0 or 1");
    grt_shape o = {2, 0, {x->dims[0], h}};
    c->out_types[0] = c->in_types[0];
    c->out_shapes[0] = o;
    return GRT_OK;
}

static grt_status numeric_axis(grt_ir_infer_ctx *c, uint32_t *axis) {
    grt_element_type t = c->in_types[0];
    int64_t a = grt_ir_attr_i(c, "axis", -1);
    if (!grt_ir_is_float(t) && t != GRT_I32 && t != GRT_I64)
        return grt_ir_fail(c, "unsupported element type %s", tn(t));
    if (!grt_ir_axis(a, c->in_shapes[0].rank, axis))
        return grt_ir_fail(c, "axis %lld out of range for rank %u", (long long)a, c->in_shapes[0].rank);
    return GRT_OK;
}

grt_status grt_ir_infer_topk(grt_ir_infer_ctx *c) {
    uint32_t axis;
    grt_status st = numeric_axis(c, &axis);
    if (st != GRT_OK) return st;
    int64_t k = grt_ir_attr_i(c, "k", 0), mode = grt_ir_attr_i(c, "mode", 0), sort = grt_ir_attr_i(c, "sort", 1);
    int64_t d = c->in_shapes[0].dims[axis];
    if (k < 1 || (d != GRT_DYNAMIC && k > d))
        return grt_ir_fail(c, "k %lld out of range 1..%lld", (long long)k, (long long)d);
    if (mode != 0 && mode != 1) return grt_ir_fail(c, "mode must be 0 or 1");
    if (sort != 0 && sort != 1) return grt_ir_fail(c, "sort must be 0 or 1");
    c->out_types[0] = c->in_types[0];
    c->out_types[1] = GRT_I64;
    c->out_shapes[0] = c->in_shapes[0];
    c->out_shapes[0].dims[axis] = k;
    c->out_shapes[1] = c->out_shapes[0];
    return GRT_OK;
}

grt_status grt_ir_infer_argmax(grt_ir_infer_ctx *c) {
    uint32_t axis;
    grt_status st = numeric_axis(c, &axis);
    if (st != GRT_OK) return st;
    int64_t keep = grt_ir_attr_i(c, "keep_dims", 0);
    if (keep != 0 && keep != 1) return grt_ir_fail(c, "keep_dims must be 0 or 1");
    const grt_shape *in = &c->in_shapes[0];
    grt_shape o = {0};
    for (uint32_t i = 0; i < in->rank; i++) {
        if (i == axis) {
            if (keep) o.dims[o.rank++] = 1;
        } else {
            o.dims[o.rank++] = in->dims[i];
        }
    }
    c->out_types[0] = GRT_I64;
    c->out_shapes[0] = o;
    return GRT_OK;
}
