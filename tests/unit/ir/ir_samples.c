/*
 * ir_samples.c - sample models and file helpers for the IR tests and the fuzz corpus (see
 * ir_samples.h).
 */
#include "ir_samples.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ir/serialize_format.h"

#define CK(x)                                                                                     \
    do {                                                                                          \
        if ((st = (x)) != GRT_OK) goto fail;                                                      \
    } while (0)

static grt_attribute ai(const char *n, int64_t v) {
    grt_attribute a = {n, {GRT_ATTR_INT, 0, {.i = v}}};
    return a;
}
static grt_attribute af(const char *n, double v) {
    grt_attribute a = {n, {GRT_ATTR_FLOAT, 0, {.f = v}}};
    return a;
}
static grt_attribute as(const char *n, const char *v) {
    grt_attribute a = {n, {GRT_ATTR_STRING, 0, {.s = v}}};
    return a;
}
static grt_attribute ail(const char *n, const int64_t *v, size_t c) {
    grt_attribute a = {n, {GRT_ATTR_INTS, 0, {.ints = {v, c}}}};
    return a;
}

/* Deterministic f32 constant with values in [-0.5, 0.5). */
static grt_status cf32(grt_model *m, const char *name, size_t rank, const int64_t *dims, grt_port *out) {
    size_t n = 1;
    for (size_t i = 0; i < rank; i++) n *= (size_t)dims[i];
    float *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) return GRT_ERROR_OUT_OF_MEMORY;
    uint32_t s = 12345u;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        v[i] = (float)(s >> 8) / 16777216.0f - 0.5f;
    }
    grt_status st = grt_model_add_constant(m, name, GRT_F32, rank, dims, v, n * sizeof *v, out);
    free(v);
    return st;
}

/* Compressed constant [N, K] with storage `stype`, group size g, f16 or f32 scales. */
static grt_status ccomp(grt_model *m, const char *name, size_t rank, const int64_t *dims, grt_element_type stype,
                        grt_element_type scale_type, int64_t g, grt_port *out) {
    size_t n = 1;
    for (size_t i = 0; i < rank; i++) n *= (size_t)dims[i];
    size_t groups = n / (size_t)g, bits = grt_element_type_bits(stype);
    size_t qb = (n * bits + 7) / 8, zb = (groups * bits + 7) / 8, sb = groups * grt_element_type_bits(scale_type) / 8;
    uint8_t *q = malloc(qb), *z = malloc(zb ? zb : 1), *sc = malloc(sb);
    grt_status st = GRT_ERROR_OUT_OF_MEMORY;
    if (q && z && sc) {
        for (size_t i = 0; i < qb; i++) q[i] = (uint8_t)(i * 37u + 11u);
        for (size_t i = 0; i < zb; i++) z[i] = (uint8_t)(0x88u);
        for (size_t i = 0; i < sb; i++) sc[i] = (uint8_t)(i % 2 ? 0x2c : 0x00); /* f16 0.0625 */
        grt_compression_info ci = {sizeof ci, 0, stype, scale_type, g, sc, sb, NULL, 0, 0, 0};
        ci.kind = (stype == GRT_U8 || stype == GRT_U4) ? GRT_COMPRESSION_ASYM : GRT_COMPRESSION_SYM;
        if (ci.kind == GRT_COMPRESSION_ASYM) {
            ci.zero_points = z;
            ci.zero_points_bytes = zb;
        }
        st = grt_model_add_compressed_constant(m, name, GRT_F32, rank, dims, q, qb, &ci, out);
    }
    free(q);
    free(z);
    free(sc);
    return st;
}

static grt_status op(grt_model *m, grt_op_type t, const char *name, size_t ni, const grt_port *in, size_t na,
                     const grt_attribute *a, grt_port *out) {
    uint32_t id;
    grt_status st = grt_model_add_op(m, t, name, ni, in, na, a, &id);
    if (st == GRT_OK && out) *out = (grt_port){id, 0};
    return st;
}

grt_status ir_sample_mlp(grt_model **out) {
    grt_model *m = NULL;
    grt_status st;
    grt_port x, w, b, mm, add, relu;
    const int64_t xd[] = {-1, 16}, wd[] = {16, 8}, bd[] = {8};
    CK(grt_model_create("mlp", &m));
    CK(grt_model_add_parameter(m, "x", GRT_F32, 2, xd, &x));
    CK(cf32(m, "w", 2, wd, &w));
    CK(cf32(m, "b", 1, bd, &b));
    CK(op(m, GRT_OP_MATMUL, "mm", 2, (grt_port[]){x, w}, 0, NULL, &mm));
    CK(op(m, GRT_OP_ADD, "add", 2, (grt_port[]){mm, b}, 0, NULL, &add));
    CK(op(m, GRT_OP_RELU, "relu", 1, &add, 0, NULL, &relu));
    CK(grt_model_add_result(m, "y", relu));
    *out = m;
    return GRT_OK;
fail:
    grt_model_destroy(m);
    return st;
}

grt_status ir_sample_wide(grt_model **out) {
    grt_model *m = NULL;
    grt_status st;
    grt_port x, w8, w4, y8, y4;
    const int64_t xd[] = {-1, 4096}, w8d[] = {520, 4096}, w4d[] = {1030, 4096};
    const grt_attribute tb[] = {ai("transpose_b", 1)};
    CK(grt_model_create("wide", &m));
    CK(grt_model_add_parameter(m, "x", GRT_F32, 2, xd, &x));
    CK(ccomp(m, "w8", 2, w8d, GRT_U8, GRT_F16, 128, &w8));
    CK(ccomp(m, "w4", 2, w4d, GRT_I4, GRT_F32, 32, &w4));
    CK(op(m, GRT_OP_MATMUL, "y8", 2, (grt_port[]){x, w8}, 1, tb, &y8));
    CK(op(m, GRT_OP_MATMUL, "y4", 2, (grt_port[]){x, w4}, 1, tb, &y4));
    CK(grt_model_add_result(m, "y8", y8));
    CK(grt_model_add_result(m, "y4", y4));
    *out = m;
    return GRT_OK;
fail:
    grt_model_destroy(m);
    return st;
}

grt_status ir_sample_block(grt_model **out) {
    grt_model *m = NULL;
    grt_status st;
    grt_port ids, pos, emb, x, gamma, xn, wq, wk, wv, q, k, v, wo, g2, b2;
    grt_port qr, kr, vr, qt, kt, vt, qrope, krope, kc, vc, vinit, kall, vall, att, att_t, att_r, o, h, hn;
    grt_port h2, router, wg, wu, wd, moe, silu, gelu, sub, mul, dv, h3, last, lm, logits, probs, topk, am, conv;
    uint32_t id;
    const int64_t idd[] = {1, -1}, posd[] = {-1}, embd[] = {32, 16}, gd[] = {16}, wqd[] = {16, 16}, wkd[] = {8, 16};
    const int64_t vinitd[] = {1, 1, 0, 8}, rd[] = {4, 16}, wgd[] = {4, 8, 16}, wdd[] = {4, 16, 8}, lmd[] = {32, 16};
    const int64_t shq[] = {0, -1, 2, 8}, shk[] = {0, -1, 1, 8}, perm[] = {0, 2, 1, 3}, shb[] = {0, 0, 16};
    const int64_t sh2[] = {-1, 16}, sh3[] = {1, -1, 16}, cache_shape[] = {1, 1, -1, 8};
    const int64_t starts[] = {-1}, ends[] = {INT64_MAX}, axes[] = {1};
    CK(grt_model_create("block", &m));
    CK(grt_model_add_parameter(m, "input_ids", GRT_I64, 2, idd, &ids));
    CK(grt_model_add_parameter(m, "position_ids", GRT_I64, 1, posd, &pos));
    CK(ccomp(m, "tok_embeddings", 2, embd, GRT_I8, GRT_F16, 16, &emb));
    CK(op(m, GRT_OP_GATHER, "embed", 2, (grt_port[]){emb, ids}, 1, (grt_attribute[]){ai("axis", 0)}, &x));
    CK(cf32(m, "norm.weight", 1, gd, &gamma));
    CK(op(m, GRT_OP_RMS_NORM, "attn_norm", 2, (grt_port[]){x, gamma}, 1, (grt_attribute[]){af("eps", 1e-5)}, &xn));
    CK(ccomp(m, "wq", 2, wqd, GRT_U4, GRT_F32, 8, &wq));
    CK(cf32(m, "wk", 2, wkd, &wk));
    CK(ccomp(m, "wv", 2, wkd, GRT_I4, GRT_F16, 16, &wv));
    const grt_attribute tb[] = {ai("transpose_b", 1)};
    CK(op(m, GRT_OP_MATMUL, "q", 2, (grt_port[]){xn, wq}, 1, tb, &q));
    CK(op(m, GRT_OP_MATMUL, "k", 2, (grt_port[]){xn, wk}, 1, tb, &k));
    CK(op(m, GRT_OP_MATMUL, "v", 2, (grt_port[]){xn, wv}, 1, tb, &v));
    CK(op(m, GRT_OP_RESHAPE, "q_r", 1, &q, 1, (grt_attribute[]){ail("shape", shq, 4)}, &qr));
    CK(op(m, GRT_OP_RESHAPE, "k_r", 1, &k, 1, (grt_attribute[]){ail("shape", shk, 4)}, &kr));
    CK(op(m, GRT_OP_RESHAPE, "v_r", 1, &v, 1, (grt_attribute[]){ail("shape", shk, 4)}, &vr));
    const grt_attribute pa[] = {ail("perm", perm, 4)};
    CK(op(m, GRT_OP_TRANSPOSE, "q_t", 1, &qr, 1, pa, &qt));
    CK(op(m, GRT_OP_TRANSPOSE, "k_t", 1, &kr, 1, pa, &kt));
    CK(op(m, GRT_OP_TRANSPOSE, "v_t", 1, &vr, 1, pa, &vt));
    CK(op(m, GRT_OP_ROPE, "q_rope", 2, (grt_port[]){qt, pos}, 1, (grt_attribute[]){af("theta", 500000.0)}, &qrope));
    CK(op(m, GRT_OP_ROPE, "k_rope", 2, (grt_port[]){kt, pos}, 5,
          (grt_attribute[]){ai("mode", 1), ai("scaling", 2), af("factor", 8.0), af("theta", 500000.0),
                            ai("original_max_position", 8192)},
          &krope));
    const grt_attribute rv_k[] = {as("variable_id", "k_cache"), ai("element_type", GRT_F32), ail("shape", cache_shape, 4)};
    const grt_attribute rv_v[] = {as("variable_id", "v_cache"), ai("element_type", GRT_F32), ail("shape", cache_shape, 4)};
    CK(op(m, GRT_OP_READ_VALUE, "k_cache_read", 0, NULL, 3, rv_k, &kc));
    CK(grt_model_add_constant(m, "v_init", GRT_F32, 4, vinitd, NULL, 0, &vinit));
    CK(op(m, GRT_OP_READ_VALUE, "v_cache_read", 1, &vinit, 3, rv_v, &vc));
    const grt_attribute ax2[] = {ai("axis", 2)};
    CK(op(m, GRT_OP_CONCAT, "k_all", 2, (grt_port[]){kc, krope}, 1, ax2, &kall));
    CK(op(m, GRT_OP_CONCAT, "v_all", 2, (grt_port[]){vc, vt}, 1, ax2, &vall));
    CK(grt_model_add_op(m, GRT_OP_ASSIGN, "k_cache_write", 1, &kall, 1, rv_k, &id));
    CK(grt_model_add_op(m, GRT_OP_ASSIGN, "v_cache_write", 1, &vall, 1, rv_v, &id));
    CK(op(m, GRT_OP_SDPA, "attn", 3, (grt_port[]){qrope, kall, vall}, 1, (grt_attribute[]){ai("causal", 1)}, &att));
    CK(op(m, GRT_OP_TRANSPOSE, "attn_t", 1, &att, 1, pa, &att_t));
    CK(op(m, GRT_OP_RESHAPE, "attn_r", 1, &att_t, 1, (grt_attribute[]){ail("shape", shb, 3)}, &att_r));
    CK(cf32(m, "wo", 2, wqd, &wo));
    CK(op(m, GRT_OP_MATMUL, "o", 2, (grt_port[]){att_r, wo}, 0, NULL, &o));
    CK(op(m, GRT_OP_ADD, "residual", 2, (grt_port[]){o, x}, 0, NULL, &h));
    CK(cf32(m, "ln.weight", 1, gd, &g2));
    CK(cf32(m, "ln.bias", 1, gd, &b2));
    CK(op(m, GRT_OP_LAYER_NORM, "ffn_norm", 3, (grt_port[]){h, g2, b2}, 0, NULL, &hn));
    CK(op(m, GRT_OP_RESHAPE, "tokens", 1, &hn, 1, (grt_attribute[]){ail("shape", sh2, 2)}, &h2));
    CK(cf32(m, "router", 2, rd, &router));
    CK(ccomp(m, "w_gate", 3, wgd, GRT_I4, GRT_F16, 16, &wg));
    CK(cf32(m, "w_up", 3, wgd, &wu));
    CK(cf32(m, "w_down", 3, wdd, &wd));
    CK(op(m, GRT_OP_MOE, "moe", 5, (grt_port[]){h2, router, wg, wu, wd}, 1, (grt_attribute[]){ai("top_k", 2)}, &moe));
    CK(op(m, GRT_OP_SILU, "silu", 1, &moe, 0, NULL, &silu));
    CK(op(m, GRT_OP_GELU, "gelu", 1, &moe, 1, (grt_attribute[]){ai("approximate", 1)}, &gelu));
    CK(op(m, GRT_OP_SUB, "sub", 2, (grt_port[]){silu, gelu}, 0, NULL, &sub));
    CK(op(m, GRT_OP_MUL, "mul", 2, (grt_port[]){sub, h2}, 0, NULL, &mul));
    CK(op(m, GRT_OP_DIV, "div", 2, (grt_port[]){mul, g2}, 0, NULL, &dv));
    CK(op(m, GRT_OP_RESHAPE, "unflatten", 1, &dv, 1, (grt_attribute[]){ail("shape", sh3, 3)}, &h3));
    CK(op(m, GRT_OP_SLICE, "last", 1, &h3, 3,
          (grt_attribute[]){ail("starts", starts, 1), ail("ends", ends, 1), ail("axes", axes, 1)}, &last));
    CK(cf32(m, "lm_head", 2, lmd, &lm));
    CK(op(m, GRT_OP_MATMUL, "lm", 2, (grt_port[]){last, lm}, 1, tb, &logits));
    CK(op(m, GRT_OP_SOFTMAX, "probs", 1, &logits, 0, NULL, &probs));
    CK(op(m, GRT_OP_TOPK, "topk", 1, &probs, 1, (grt_attribute[]){ai("k", 4)}, &topk));
    CK(op(m, GRT_OP_ARGMAX, "argmax", 1, &logits, 0, NULL, &am));
    CK(op(m, GRT_OP_CONVERT, "to_i32", 1, &am, 1, (grt_attribute[]){ai("destination_type", GRT_I32)}, &conv));
    CK(grt_model_add_result(m, "logits", logits));
    CK(grt_model_add_result(m, "top_values", topk));
    CK(grt_model_add_result(m, "top_indices", (grt_port){topk.node, 1}));
    CK(grt_model_add_result(m, "next_token", conv));
    *out = m;
    return GRT_OK;
fail:
    grt_model_destroy(m);
    return st;
}

/* --- file helpers ------------------------------------------------------------------------- */

const char *ir_scratch_path(const char *dir, const char *tag, const char *name) {
    static char buf[2][4200];
    static int k;
    k ^= 1;
    snprintf(buf[k], sizeof buf[k], "%s/%s_%d_%s", dir, tag, (int)getpid(), name);
    return buf[k];
}

uint8_t *ir_slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    *n = 0;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc(len > 0 ? (size_t)len : 1);
    if (p && len > 0 && fread(p, 1, (size_t)len, f) != (size_t)len) {
        free(p);
        p = NULL;
    }
    fclose(f);
    *n = (size_t)len;
    return p;
}

int ir_spill(const char *path, const uint8_t *p, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    int ok = (n == 0 || fwrite(p, 1, n, f) == n);
    return (fclose(f) == 0) && ok;
}

char *ir_json_text(const uint8_t *file) {
    uint64_t jo = grt_ir_get_u64(file + 16), js = grt_ir_get_u64(file + 24);
    char *json = malloc((size_t)js + 1);
    if (!json) return NULL;
    memcpy(json, file + jo, (size_t)js);
    json[js] = '\0';
    return json;
}

uint8_t *ir_edit_json(const uint8_t *orig, const char *from, const char *to, size_t *n) {
    uint64_t js = grt_ir_get_u64(orig + 24), bo = grt_ir_get_u64(orig + 32), bs = grt_ir_get_u64(orig + 40);
    uint8_t *out = NULL;
    char *json = ir_json_text(orig);
    *n = 0;
    if (!json) return NULL;
    char *hit = strstr(json, from);
    if (!hit) {
        fprintf(stderr, "pattern '%s' not found in the JSON\n", from);
        goto done;
    }
    size_t pre = (size_t)(hit - json), nj = js - strlen(from) + strlen(to);
    size_t nbo = (64 + nj + 63) / 64 * 64, total = nbo + bs;
    if (!(out = calloc(1, total))) goto done;
    memcpy(out, orig, 64);
    memcpy(out + 64, json, pre);
    memcpy(out + 64 + pre, to, strlen(to));
    memcpy(out + 64 + pre + strlen(to), hit + strlen(from), js - pre - strlen(from));
    memcpy(out + nbo, orig + bo, bs);
    grt_ir_put_u64(out + 16, 64);
    grt_ir_put_u64(out + 24, nj);
    grt_ir_put_u64(out + 32, nbo);
    grt_ir_put_u64(out + 48, grt_ir_fnv1a64(out + 64, nj));
    *n = total;
done:
    free(json);
    return out;
}
