/*
 * frontends/llm.c - the decoder-only LLM graph builder (see llm.h for the graph it emits, the
 * canonical weight names and the metadata keys). Frontends fill a grt_llm_config and hand out
 * weights through a callback; this file only adds nodes with the public builder calls plus the
 * internal port query, so every source gives the same graph.
 * Ownership: adds nodes and metadata to the caller's model. Threading: none (per model).
 */
#include "frontends/llm.h"

#include <stdio.h>
#include <string.h>

#include "ir/graph.h"
#include "util/error.h"

#define LLM_MAX_DIM ((int64_t)1 << 24) /* bound on any single size: keeps every product in int64 */

typedef struct llm_ctx {
    const grt_llm_config *cfg;
    grt_llm_weight_fn wfn;
    void *user;
    const char *src;
    grt_model *m;
    grt_port pos;        /* position_ids [1, S] */
    grt_port embd;       /* token_embd.weight as stored (reused by a tied lm head) */
    char name[160];      /* scratch for node names */
} llm_ctx;

/* --- attribute helpers --------------------------------------------------------------------- */

static grt_attribute a_int(const char *n, int64_t v) {
    grt_attribute a;
    memset(&a, 0, sizeof a);
    a.name = n;
    a.value.type = GRT_ATTR_INT;
    a.value.u.i = v;
    return a;
}

static grt_attribute a_flt(const char *n, double v) {
    grt_attribute a;
    memset(&a, 0, sizeof a);
    a.name = n;
    a.value.type = GRT_ATTR_FLOAT;
    a.value.u.f = v;
    return a;
}

static grt_attribute a_str(const char *n, const char *v) {
    grt_attribute a;
    memset(&a, 0, sizeof a);
    a.name = n;
    a.value.type = GRT_ATTR_STRING;
    a.value.u.s = v;
    return a;
}

static grt_attribute a_ints(const char *n, const int64_t *v, size_t count) {
    grt_attribute a;
    memset(&a, 0, sizeof a);
    a.name = n;
    a.value.type = GRT_ATTR_INTS;
    a.value.u.ints.data = v;
    a.value.u.ints.count = count;
    return a;
}

/* --- node helpers -------------------------------------------------------------------------- */

/* Node name "<prefix><suffix>" into ctx->name (truncation is harmless: names need not be unique). */
static const char *nm(llm_ctx *c, const char *prefix, const char *suffix) {
    snprintf(c->name, sizeof c->name, "%s%s", prefix, suffix);
    return c->name;
}

static grt_status op(llm_ctx *c, grt_op_type type, const char *name, size_t n_in, const grt_port *in,
                     size_t n_attrs, const grt_attribute *attrs, grt_port *out) {
    uint32_t node = 0;
    grt_status st = grt_model_add_op(c->m, type, name, n_in, in, n_attrs, attrs, &node);
    if (st == GRT_OK && out) *out = (grt_port){node, 0};
    return st;
}

static grt_status op2(llm_ctx *c, grt_op_type type, const char *name, grt_port a, grt_port b, grt_port *out) {
    grt_port in[2] = {a, b};
    return op(c, type, name, 2, in, 0, NULL, out);
}

/* y = x · Wᵀ (W is [out, in]). */
static grt_status linear(llm_ctx *c, const char *name, grt_port x, grt_port w, grt_port *out) {
    grt_port in[2] = {x, w};
    grt_attribute at[1] = {a_int("transpose_b", 1)};
    return op(c, GRT_OP_MATMUL, name, 2, in, 1, at, out);
}

static grt_status rms_norm(llm_ctx *c, const char *name, grt_port x, grt_port gamma, grt_port *out) {
    grt_port in[2] = {x, gamma};
    grt_attribute at[1] = {a_flt("eps", c->cfg->norm_eps)};
    return op(c, GRT_OP_RMS_NORM, name, 2, in, 1, at, out);
}

/* Columns [start, end) of the last axis (axis 2 of a [1, S, N] activation). */
static grt_status slice_last(llm_ctx *c, const char *name, grt_port x, int64_t start, int64_t end, grt_port *out) {
    const int64_t starts[1] = {start}, ends[1] = {end}, axes[1] = {2};
    grt_attribute at[3] = {a_ints("starts", starts, 1), a_ints("ends", ends, 1), a_ints("axes", axes, 1)};
    return op(c, GRT_OP_SLICE, name, 1, &x, 3, at, out);
}

/* Converts a non-f32 port to f32 with a Convert node named "<name>.f32" (no node for f32). */
static grt_status to_f32(llm_ctx *c, const char *name, grt_port *p) {
    grt_element_type t = GRT_UNDEFINED;
    grt_shape s;
    grt_status st = grt_ir_graph_port_info(&c->m->g, *p, &t, &s);
    if (st != GRT_OK) return grt_error_wrap(st, "%s: node '%s'", c->src, name);
    if (t == GRT_F32) return GRT_OK;
    grt_attribute at[1] = {a_int("destination_type", GRT_F32)};
    return op(c, GRT_OP_CONVERT, nm(c, name, ".f32"), 1, p, 1, at, p);
}

/* Asks the frontend for weight `name` of logical shape dims[rank] and checks the shape it got.
 * With `f32` a non-f32 weight is converted to f32 (norm gammas and biases: small, and those ops
 * take one float type); MatMul weights (f32 = 0) stay as stored, since MatMul accepts an f16/bf16
 * B with f32 activations and converts it block by block (docs/OPSET.md). */
static grt_status weight(llm_ctx *c, const char *name, size_t rank, const int64_t *dims, int f32, grt_port *out) {
    grt_port p = {0, 0};
    grt_element_type t = GRT_UNDEFINED;
    grt_shape s;
    grt_status st = c->wfn(c->user, c->m, name, rank, dims, &p);
    if (st != GRT_OK) return st;
    if ((st = grt_ir_graph_port_info(&c->m->g, p, &t, &s)) != GRT_OK)
        return grt_error_wrap(st, "%s: weight '%s'", c->src, name);
    int same = s.rank == rank;
    for (size_t i = 0; same && i < rank; i++) same = s.dims[i] == dims[i];
    if (!same) {
        char want[96] = "", got[96] = "";
        size_t wl = 0, gl = 0;
        for (size_t i = 0; i < rank && wl < sizeof want; i++)
            wl += (size_t)snprintf(want + wl, sizeof want - wl, i ? ", %lld" : "%lld", (long long)dims[i]);
        for (uint32_t i = 0; i < s.rank && i < GRT_MAX_RANK && gl < sizeof got; i++)
            gl += (size_t)snprintf(got + gl, sizeof got - gl, i ? ", %lld" : "%lld", (long long)s.dims[i]);
        return grt_error(GRT_ERROR_SHAPE, "%s: weight '%s' has shape [%s], the config expects [%s]", c->src, name, got,
                         want);
    }
    if (f32 && (st = to_f32(c, name, &p)) != GRT_OK) return st;
    *out = p;
    return GRT_OK;
}

/* Weight "blk.<layer>.<suffix>": rank 2 ones feed MatMul as stored, rank 1 ones become f32. */
static grt_status lweight(llm_ctx *c, int64_t layer, const char *suffix, size_t rank, const int64_t *dims,
                          grt_port *out) {
    char name[96];
    snprintf(name, sizeof name, "blk.%lld.%s", (long long)layer, suffix);
    return weight(c, name, rank, dims, rank == 1, out);
}

/* [1, S, H*hd] -> [1, H, S, hd] */
static grt_status split_heads(llm_ctx *c, const char *prefix, grt_port x, int64_t heads, grt_port *out) {
    const int64_t shape[4] = {0, 0, heads, c->cfg->head_dim}, perm[4] = {0, 2, 1, 3};
    grt_attribute rs[2] = {a_ints("shape", shape, 4), a_int("special_zero", 1)};
    grt_attribute tr[1] = {a_ints("perm", perm, 4)};
    grt_status st = op(c, GRT_OP_RESHAPE, nm(c, prefix, ".heads"), 1, &x, 2, rs, &x);
    if (st != GRT_OK) return st;
    return op(c, GRT_OP_TRANSPOSE, nm(c, prefix, ".bhsd"), 1, &x, 1, tr, out);
}

static grt_status rope(llm_ctx *c, const char *prefix, grt_port x, grt_port *out) {
    const grt_llm_config *g = c->cfg;
    grt_port in[2] = {x, c->pos};
    grt_attribute at[8] = {a_int("mode", g->rope_mode),
                           a_int("rotary_dims", g->rotary_dim),
                           a_flt("theta", g->rope_theta),
                           a_int("scaling", g->rope_scaling),
                           a_flt("factor", g->rope_scaling ? g->rope_factor : 1.0),
                           a_flt("low_freq_factor", g->rope_scaling == 2 ? g->rope_low_freq_factor : 1.0),
                           a_flt("high_freq_factor", g->rope_scaling == 2 ? g->rope_high_freq_factor : 4.0),
                           a_int("original_max_position",
                                 g->rope_scaling == 2 ? g->rope_original_max_position : 8192)};
    return op(c, GRT_OP_ROPE, nm(c, prefix, ".rope"), 2, in, 8, at, out);
}

/* past = ReadValue(id) [1, Hkv, ?, hd]; all = Concat(past, cur, axis 2); Assign(all, id). */
static grt_status kv_state(llm_ctx *c, int64_t layer, const char *kind, grt_port cur, grt_port *all) {
    char id[64];
    const int64_t shape[4] = {1, c->cfg->n_kv_heads, GRT_DYNAMIC, c->cfg->head_dim};
    snprintf(id, sizeof id, "past.%lld.%s", (long long)layer, kind);
    grt_attribute rv[3] = {a_str("variable_id", id), a_int("element_type", GRT_F32), a_ints("shape", shape, 4)};
    grt_attribute cat[1] = {a_int("axis", 2)};
    grt_attribute as[1] = {a_str("variable_id", id)};
    grt_port past, in[2];
    grt_status st = op(c, GRT_OP_READ_VALUE, id, 0, NULL, 3, rv, &past);
    if (st != GRT_OK) return st;
    in[0] = past;
    in[1] = cur;
    if ((st = op(c, GRT_OP_CONCAT, nm(c, id, ".concat"), 2, in, 1, cat, all)) != GRT_OK) return st;
    return op(c, GRT_OP_ASSIGN, nm(c, id, ".assign"), 1, all, 1, as, NULL);
}

/* --- the decoder layer --------------------------------------------------------------------- */

static grt_status attention(llm_ctx *c, int64_t l, grt_port x, grt_port *out) {
    const grt_llm_config *g = c->cfg;
    const int64_t hd = g->head_dim, qd = g->n_heads * hd, kvd = g->n_kv_heads * hd;
    char pre[64];
    grt_port w, h, q, k, v, b;
    grt_status st;
    snprintf(pre, sizeof pre, "blk.%lld.", (long long)l);
    const int64_t d_norm[1] = {g->dim};
    if ((st = lweight(c, l, "attn_norm.weight", 1, d_norm, &w)) != GRT_OK) return st;
    if ((st = rms_norm(c, nm(c, pre, "attn_norm"), x, w, &h)) != GRT_OK) return st;
    if (g->fused_qkv) {
        const int64_t dq[2] = {qd + 2 * kvd, g->dim}, db[1] = {qd + 2 * kvd};
        grt_port qkv;
        if ((st = lweight(c, l, "attn_qkv.weight", 2, dq, &w)) != GRT_OK) return st;
        if ((st = linear(c, nm(c, pre, "attn_qkv"), h, w, &qkv)) != GRT_OK) return st;
        if (g->qkv_bias) {
            if ((st = lweight(c, l, "attn_qkv.bias", 1, db, &b)) != GRT_OK) return st;
            if ((st = op2(c, GRT_OP_ADD, nm(c, pre, "attn_qkv.add_bias"), qkv, b, &qkv)) != GRT_OK) return st;
        }
        if ((st = slice_last(c, nm(c, pre, "attn_q"), qkv, 0, qd, &q)) != GRT_OK) return st;
        if ((st = slice_last(c, nm(c, pre, "attn_k"), qkv, qd, qd + kvd, &k)) != GRT_OK) return st;
        if ((st = slice_last(c, nm(c, pre, "attn_v"), qkv, qd + kvd, qd + 2 * kvd, &v)) != GRT_OK) return st;
    } else {
        static const char *const names[3] = {"attn_q", "attn_k", "attn_v"};
        grt_port *dst[3] = {&q, &k, &v};
        for (int i = 0; i < 3; i++) {
            const int64_t rows = i == 0 ? qd : kvd, dw[2] = {rows, g->dim}, db[1] = {rows};
            char wn[32];
            snprintf(wn, sizeof wn, "%s.weight", names[i]);
            if ((st = lweight(c, l, wn, 2, dw, &w)) != GRT_OK) return st;
            if ((st = linear(c, nm(c, pre, names[i]), h, w, dst[i])) != GRT_OK) return st;
            if (g->qkv_bias) {
                snprintf(wn, sizeof wn, "%s.bias", names[i]);
                if ((st = lweight(c, l, wn, 1, db, &b)) != GRT_OK) return st;
                snprintf(wn, sizeof wn, "%s.add_bias", names[i]);
                if ((st = op2(c, GRT_OP_ADD, nm(c, pre, wn), *dst[i], b, dst[i])) != GRT_OK) return st;
            }
        }
    }
    char qp[80], kp[80], vp[80];
    snprintf(qp, sizeof qp, "%sattn_q", pre);
    snprintf(kp, sizeof kp, "%sattn_k", pre);
    snprintf(vp, sizeof vp, "%sattn_v", pre);
    if ((st = split_heads(c, qp, q, g->n_heads, &q)) != GRT_OK) return st;   /* [1, Hq, S, hd] */
    if ((st = split_heads(c, kp, k, g->n_kv_heads, &k)) != GRT_OK) return st; /* [1, Hkv, S, hd] */
    if ((st = split_heads(c, vp, v, g->n_kv_heads, &v)) != GRT_OK) return st; /* [1, Hkv, S, hd] */
    if (g->qk_norm) {
        const int64_t dn[1] = {hd};
        if ((st = lweight(c, l, "attn_q_norm.weight", 1, dn, &w)) != GRT_OK) return st;
        if ((st = rms_norm(c, nm(c, pre, "attn_q_norm"), q, w, &q)) != GRT_OK) return st;
        if ((st = lweight(c, l, "attn_k_norm.weight", 1, dn, &w)) != GRT_OK) return st;
        if ((st = rms_norm(c, nm(c, pre, "attn_k_norm"), k, w, &k)) != GRT_OK) return st;
    }
    if ((st = rope(c, qp, q, &q)) != GRT_OK) return st;
    if ((st = rope(c, kp, k, &k)) != GRT_OK) return st;
    if ((st = kv_state(c, l, "key", k, &k)) != GRT_OK) return st;   /* [1, Hkv, past + S, hd] */
    if ((st = kv_state(c, l, "value", v, &v)) != GRT_OK) return st; /* [1, Hkv, past + S, hd] */
    grt_port in[3] = {q, k, v}, a;
    grt_attribute sd[1] = {a_int("causal", 1)};
    if ((st = op(c, GRT_OP_SDPA, nm(c, pre, "attn"), 3, in, 1, sd, &a)) != GRT_OK) return st; /* [1, Hq, S, hd] */
    const int64_t perm[4] = {0, 2, 1, 3}, shape[3] = {0, 0, qd};
    grt_attribute tr[1] = {a_ints("perm", perm, 4)};
    grt_attribute rs[2] = {a_ints("shape", shape, 3), a_int("special_zero", 1)};
    if ((st = op(c, GRT_OP_TRANSPOSE, nm(c, pre, "attn.bshd"), 1, &a, 1, tr, &a)) != GRT_OK) return st;
    if ((st = op(c, GRT_OP_RESHAPE, nm(c, pre, "attn.merge"), 1, &a, 2, rs, &a)) != GRT_OK) return st;
    const int64_t dout[2] = {g->dim, qd};
    if ((st = lweight(c, l, "attn_output.weight", 2, dout, &w)) != GRT_OK) return st;
    if ((st = linear(c, nm(c, pre, "attn_output"), a, w, &a)) != GRT_OK) return st;
    return op2(c, GRT_OP_ADD, nm(c, pre, "attn_residual"), x, a, out);
}

static grt_status ffn(llm_ctx *c, int64_t l, grt_port x, grt_port *out) {
    const grt_llm_config *g = c->cfg;
    const int64_t hid = g->hidden_dim;
    char pre[64];
    grt_port w, h, gate, up, y;
    grt_status st;
    snprintf(pre, sizeof pre, "blk.%lld.", (long long)l);
    const int64_t d_norm[1] = {g->dim};
    if ((st = lweight(c, l, "ffn_norm.weight", 1, d_norm, &w)) != GRT_OK) return st;
    if ((st = rms_norm(c, nm(c, pre, "ffn_norm"), x, w, &h)) != GRT_OK) return st;
    if (g->fused_gate_up) {
        const int64_t du[2] = {2 * hid, g->dim};
        grt_port gu;
        if ((st = lweight(c, l, "ffn_up.weight", 2, du, &w)) != GRT_OK) return st;
        if ((st = linear(c, nm(c, pre, "ffn_gate_up"), h, w, &gu)) != GRT_OK) return st;
        if ((st = slice_last(c, nm(c, pre, "ffn_gate"), gu, 0, hid, &gate)) != GRT_OK) return st;
        if ((st = slice_last(c, nm(c, pre, "ffn_up"), gu, hid, 2 * hid, &up)) != GRT_OK) return st;
    } else {
        const int64_t dg[2] = {hid, g->dim};
        if ((st = lweight(c, l, "ffn_gate.weight", 2, dg, &w)) != GRT_OK) return st;
        if ((st = linear(c, nm(c, pre, "ffn_gate"), h, w, &gate)) != GRT_OK) return st;
        if ((st = lweight(c, l, "ffn_up.weight", 2, dg, &w)) != GRT_OK) return st;
        if ((st = linear(c, nm(c, pre, "ffn_up"), h, w, &up)) != GRT_OK) return st;
    }
    if ((st = op(c, GRT_OP_SILU, nm(c, pre, "ffn_silu"), 1, &gate, 0, NULL, &gate)) != GRT_OK) return st;
    if ((st = op2(c, GRT_OP_MUL, nm(c, pre, "ffn_mul"), gate, up, &y)) != GRT_OK) return st; /* [1, S, hid] */
    const int64_t dd[2] = {g->dim, hid};
    if ((st = lweight(c, l, "ffn_down.weight", 2, dd, &w)) != GRT_OK) return st;
    if ((st = linear(c, nm(c, pre, "ffn_down"), y, w, &y)) != GRT_OK) return st; /* [1, S, dim] */
    return op2(c, GRT_OP_ADD, nm(c, pre, "ffn_residual"), x, y, out);
}

/* --- metadata ------------------------------------------------------------------------------ */

/* Sets "<arch>.<key>" (or "<key>" when arch is NULL) to *mv. */
static grt_status meta_set(grt_model *m, const char *arch, const char *key, const grt_meta_value *mv) {
    char k[128];
    snprintf(k, sizeof k, "%s%s%s", arch ? arch : "", arch ? "." : "", key);
    return grt_model_set_meta(m, k, mv);
}

static grt_status meta_int(grt_model *m, const char *arch, const char *key, int64_t v) {
    grt_meta_value mv = {.type = GRT_META_INT, .u.i = v};
    return meta_set(m, arch, key, &mv);
}

static grt_status meta_flt(grt_model *m, const char *arch, const char *key, double v) {
    grt_meta_value mv = {.type = GRT_META_FLOAT, .u.f = v};
    return meta_set(m, arch, key, &mv);
}

static grt_status meta_str(grt_model *m, const char *key, const char *v) {
    grt_meta_value mv;
    memset(&mv, 0, sizeof mv);
    mv.type = GRT_META_STRING;
    mv.u.str.data = v;
    mv.u.str.len = strlen(v);
    return grt_model_set_meta(m, key, &mv);
}

static grt_status store_meta(const grt_llm_config *g, grt_model *m) {
    const char *a = g->arch;
    grt_status st;
#define TRY(call)                                                                                                      \
    do {                                                                                                               \
        if ((st = (call)) != GRT_OK) return st;                                                                        \
    } while (0)
    TRY(meta_str(m, "general.architecture", a));
    TRY(meta_int(m, a, "context_length", g->max_seq_len));
    TRY(meta_int(m, a, "embedding_length", g->dim));
    TRY(meta_int(m, a, "block_count", g->n_layers));
    TRY(meta_int(m, a, "feed_forward_length", g->hidden_dim));
    TRY(meta_int(m, a, "attention.head_count", g->n_heads));
    TRY(meta_int(m, a, "attention.head_count_kv", g->n_kv_heads));
    TRY(meta_int(m, a, "attention.key_length", g->head_dim));
    TRY(meta_int(m, a, "attention.value_length", g->head_dim));
    TRY(meta_flt(m, a, "attention.layer_norm_rms_epsilon", g->norm_eps));
    TRY(meta_flt(m, a, "rope.freq_base", g->rope_theta));
    TRY(meta_int(m, a, "rope.dimension_count", g->rotary_dim ? g->rotary_dim : g->head_dim));
    TRY(meta_int(m, a, "vocab_size", g->vocab_size));
    if (g->rope_scaling) {
        char k[96];
        snprintf(k, sizeof k, "%s.rope.scaling.type", a);
        TRY(meta_str(m, k, g->rope_scaling == 1 ? "linear" : "llama3"));
        TRY(meta_flt(m, a, "rope.scaling.factor", g->rope_factor));
        TRY(meta_int(m, a, "rope.scaling.original_context_length", g->rope_original_max_position));
        if (g->rope_scaling == 2) {
            TRY(meta_flt(m, NULL, "genrt.llm.rope_low_freq_factor", g->rope_low_freq_factor));
            TRY(meta_flt(m, NULL, "genrt.llm.rope_high_freq_factor", g->rope_high_freq_factor));
        }
    }
    /* Builder flags with no GGUF key of their own (the graph already encodes them). */
    TRY(meta_int(m, NULL, "genrt.llm.rope_mode", g->rope_mode));
    TRY(meta_int(m, NULL, "genrt.llm.tied_embeddings", g->tied_embeddings != 0));
    TRY(meta_int(m, NULL, "genrt.llm.qkv_bias", g->qkv_bias != 0));
    TRY(meta_int(m, NULL, "genrt.llm.qk_norm", g->qk_norm != 0));
    TRY(meta_int(m, NULL, "genrt.llm.fused_qkv", g->fused_qkv != 0));
    TRY(meta_int(m, NULL, "genrt.llm.fused_gate_up", g->fused_gate_up != 0));
#undef TRY
    return GRT_OK;
}

/* --- public entry points ------------------------------------------------------------------- */

void grt_llm_config_defaults(grt_llm_config *cfg) {
    if (!cfg) return;
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->arch, sizeof cfg->arch, "llama");
    cfg->max_seq_len = 2048;
    cfg->norm_eps = 1e-5;
    cfg->rope_theta = 10000.0;
    cfg->rope_mode = GRT_LLM_ROPE_HALF;
    cfg->rope_scaling = 0;
    cfg->rope_factor = 1.0;
    cfg->rope_low_freq_factor = 1.0;
    cfg->rope_high_freq_factor = 4.0;
    cfg->rope_original_max_position = 8192;
}

static grt_status bad(const char *src, const char *key, const char *why, long long v) {
    return grt_error(GRT_ERROR_SHAPE, "%s: LLM config '%s' %s (got %lld)", src, key, why, v);
}

grt_status grt_llm_config_validate(const grt_llm_config *g, const char *source) {
    const char *src = source ? source : "model";
    if (!g) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "%s: NULL LLM config", src);
    if (!memchr(g->arch, 0, sizeof g->arch) || !g->arch[0])
        return grt_error(GRT_ERROR_SHAPE, "%s: LLM config 'arch' is empty or not terminated", src);
    const struct {
        const char *key;
        int64_t v;
    } pos[] = {{"vocab_size", g->vocab_size}, {"dim", g->dim},           {"hidden_dim", g->hidden_dim},
               {"n_layers", g->n_layers},     {"n_heads", g->n_heads},   {"n_kv_heads", g->n_kv_heads},
               {"head_dim", g->head_dim},     {"max_seq_len", g->max_seq_len}};
    for (size_t i = 0; i < sizeof pos / sizeof pos[0]; i++)
        if (pos[i].v < 1 || pos[i].v > LLM_MAX_DIM) return bad(src, pos[i].key, "must be in [1, 2^24]", pos[i].v);
    if (g->n_heads % g->n_kv_heads) return bad(src, "n_kv_heads", "must divide n_heads", (long long)g->n_kv_heads);
    if (g->head_dim % 2) return bad(src, "head_dim", "must be even", (long long)g->head_dim);
    if (g->n_heads * g->head_dim > LLM_MAX_DIM)
        return bad(src, "n_heads", "times head_dim exceeds 2^24", (long long)g->n_heads);
    if (g->rotary_dim < 0 || g->rotary_dim % 2 || g->rotary_dim > g->head_dim)
        return bad(src, "rotary_dim", "must be even and in [0, head_dim]", (long long)g->rotary_dim);
    if (!(g->norm_eps > 0.0) || g->norm_eps > 1.0)
        return grt_error(GRT_ERROR_SHAPE, "%s: LLM config 'norm_eps' must be in (0, 1] (got %g)", src, g->norm_eps);
    if (!(g->rope_theta > 0.0) || g->rope_theta > 1e12)
        return grt_error(GRT_ERROR_SHAPE, "%s: LLM config 'rope_theta' must be in (0, 1e12] (got %g)", src,
                         g->rope_theta);
    if (g->rope_mode != GRT_LLM_ROPE_HALF && g->rope_mode != GRT_LLM_ROPE_INTERLEAVED)
        return bad(src, "rope_mode", "must be 0 (half) or 1 (interleaved)", g->rope_mode);
    if (g->rope_scaling < 0 || g->rope_scaling > 2)
        return bad(src, "rope_scaling", "must be 0 (none), 1 (linear) or 2 (llama3)", g->rope_scaling);
    if (g->rope_scaling && !(g->rope_factor > 0.0))
        return grt_error(GRT_ERROR_SHAPE, "%s: LLM config 'rope_factor' must be > 0 (got %g)", src, g->rope_factor);
    if (g->rope_scaling == 2) {
        if (!(g->rope_low_freq_factor > 0.0) || !(g->rope_high_freq_factor > g->rope_low_freq_factor))
            return grt_error(GRT_ERROR_SHAPE,
                             "%s: LLM config 'rope_low_freq_factor' %g / 'rope_high_freq_factor' %g: need 0 < low < high",
                             src, g->rope_low_freq_factor, g->rope_high_freq_factor);
        if (g->rope_original_max_position < 1)
            return bad(src, "rope_original_max_position", "must be >= 1", (long long)g->rope_original_max_position);
    }
    return GRT_OK;
}

grt_status grt_llm_build(const grt_llm_config *cfg, grt_llm_weight_fn weights, void *user, const char *source,
                         grt_model *model) {
    const char *src = source ? source : "model";
    llm_ctx c;
    grt_status st;
    grt_port ids, x, w;
    if (!cfg || !weights || !model) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "grt_llm_build: NULL argument");
    if ((st = grt_llm_config_validate(cfg, src)) != GRT_OK) return st;
    memset(&c, 0, sizeof c);
    c.cfg = cfg;
    c.wfn = weights;
    c.user = user;
    c.src = src;
    c.m = model;
    const int64_t io[2] = {1, GRT_DYNAMIC};
    if ((st = grt_model_add_parameter(model, "input_ids", GRT_I64, 2, io, &ids)) != GRT_OK) return st;
    if ((st = grt_model_add_parameter(model, "position_ids", GRT_I64, 2, io, &c.pos)) != GRT_OK) return st;
    const int64_t de[2] = {cfg->vocab_size, cfg->dim};
    if ((st = weight(&c, "token_embd.weight", 2, de, 0, &c.embd)) != GRT_OK) return st;
    grt_port gin[2] = {c.embd, ids};
    grt_attribute ax[1] = {a_int("axis", 0)};
    /* Gather reads the table as stored; only the gathered rows [1, S, dim] are converted. */
    if ((st = op(&c, GRT_OP_GATHER, "token_embd", 2, gin, 1, ax, &x)) != GRT_OK) return st; /* [1, S, dim] */
    if ((st = to_f32(&c, "token_embd", &x)) != GRT_OK) return st;
    for (int64_t l = 0; l < cfg->n_layers; l++) {
        if ((st = attention(&c, l, x, &x)) != GRT_OK) return st;
        if ((st = ffn(&c, l, x, &x)) != GRT_OK) return st;
    }
    const int64_t dn[1] = {cfg->dim};
    if ((st = weight(&c, "output_norm.weight", 1, dn, 1, &w)) != GRT_OK) return st;
    if ((st = rms_norm(&c, "output_norm", x, w, &x)) != GRT_OK) return st;
    if (cfg->tied_embeddings)
        w = c.embd;
    else if ((st = weight(&c, "output.weight", 2, de, 0, &w)) != GRT_OK)
        return st;
    if ((st = linear(&c, "output", x, w, &x)) != GRT_OK) return st; /* [1, S, V] */
    if ((st = grt_model_add_result(model, "logits", x)) != GRT_OK) return st;
    return store_meta(cfg, model);
}
