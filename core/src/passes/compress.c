/*
 * passes/compress.c - grt_model_compress_weights (see genrt/compress.h): finds the 2-D float
 * constants feeding MatMul(transpose_b) B or a Gather table, assigns precisions (ignored scope,
 * embedding / last layer, ratio by data-free sensitivity) and replaces them with compressed
 * constants in fresh heap blobs. Works on a clone of the graph that replaces the model's graph
 * only on success. Single-threaded per model.
 */
#include <genrt/compress.h>

#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontends/gguf.h"
#include "ir/graph.h"
#include "passes/compress_internal.h"
#include "util/error.h"

enum { P_KEEP, P_IGNORED, P_F16, P_I8A, P_I8S, P_I4S, P_I4A };
static const char *const PNAME[] = {"f32", "ignored", "f16", "int8_asym", "int8_sym", "int4_sym", "int4_asym"};

void grt_compress_config_init(grt_compress_config *cfg) {
    if (!cfg) return;
    memset(cfg, 0, sizeof *cfg);
    cfg->struct_size = sizeof *cfg;
    cfg->mode = GRT_COMPRESS_INT8_ASYM;
    cfg->group_size = GRT_COMPRESS_GROUP_DEFAULT;
    cfg->ratio = 1.0;
    cfg->backup_mode = GRT_COMPRESS_BACKUP_INT8_ASYM;
    cfg->sensitivity_metric = GRT_SENSITIVITY_WEIGHT_QUANTIZATION_ERROR;
}

void grt_compress_report_free(grt_compress_report *r) {
    if (!r) return;
    free(r->layers);
    free(r);
}

static grt_status check_config(const grt_compress_config *c) {
    if (c->struct_size != sizeof *c)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "compress: config struct_size %u, expected %zu "
                         "(call grt_compress_config_init)", c->struct_size, sizeof *c);
    if (c->mode > GRT_COMPRESS_INT4_ASYM)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "compress: unknown mode %u", c->mode);
    if (c->backup_mode > GRT_COMPRESS_BACKUP_NONE)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "compress: unknown backup_mode %u", c->backup_mode);
    if (c->sensitivity_metric > GRT_SENSITIVITY_MEAN_ACTIVATION_MAGNITUDE)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "compress: unknown sensitivity_metric %u", c->sensitivity_metric);
    if (c->sensitivity_metric != GRT_SENSITIVITY_WEIGHT_QUANTIZATION_ERROR)
        return grt_error(GRT_ERROR_NOT_SUPPORTED, "compress: sensitivity_metric %u is data-aware and needs a "
                         "dataset (not supported yet; use WEIGHT_QUANTIZATION_ERROR)", c->sensitivity_metric);
    if (!(c->ratio >= 0.0 && c->ratio <= 1.0))
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "compress: ratio %g outside [0, 1]", c->ratio);
    if (c->group_size < -1)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "compress: group_size %lld (use -1, 0 or a positive size)",
                         (long long)c->group_size);
    if (c->n_ignored_scope && !c->ignored_scope)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "compress: ignored_scope is NULL but n_ignored_scope is %zu",
                         c->n_ignored_scope);
    for (size_t i = 0; i < c->n_ignored_scope; i++)
        if (!c->ignored_scope[i])
            return grt_error(GRT_ERROR_INVALID_ARGUMENT, "compress: ignored_scope[%zu] is NULL", i);
    return GRT_OK;
}

static int ignored(const grt_compress_config *c, const char *name) {
    for (size_t i = 0; i < c->n_ignored_scope; i++)
        if (!strcmp(c->ignored_scope[i], name) || !fnmatch(c->ignored_scope[i], name, 0)) return 1;
    return 0;
}

typedef struct cand {
    uint32_t node;
    int gather, matmul_only, prec;
    int64_t rows, cols, group;
    float *w; /* f32 copy */
    double err;
} cand;

/* 1 if constant `id` is MatMul B with transpose_b (*mm) or Gather(axis 0) table (*ga); sets
 * *other when any other use exists. Also applies the ignored scope to consumer names. */
static void uses(const grt_ir_graph *g, uint32_t id, const grt_compress_config *c, int *mm, int *ga, int *other,
                 int *ign, uint32_t *last_mm) {
    for (uint32_t n = id + 1; n < g->n_nodes; n++) {
        const grt_ir_node *nd = &g->nodes[n];
        for (uint32_t k = 0; k < nd->n_inputs; k++) {
            if (nd->inputs[k].node != id) continue;
            const grt_attr_value *a;
            if (nd->op == GRT_OP_MATMUL && k == 1 && (a = grt_ir_node_attr(nd, "transpose_b")) && a->u.i) {
                *mm = 1;
                if (n > *last_mm) *last_mm = n;
            } else if (nd->op == GRT_OP_GATHER && k == 0 && (a = grt_ir_node_attr(nd, "axis")) && a->u.i == 0) {
                *ga = 1;
            } else {
                *other = 1;
            }
            if (ignored(c, nd->name)) *ign = 1;
        }
    }
}

static float *to_f32(const grt_ir_node *n, int64_t count) {
    float *w = malloc((size_t)count * sizeof *w);
    if (!w) return NULL;
    const uint8_t *d = n->cst->data;
    for (int64_t i = 0; i < count; i++) {
        uint16_t h;
        uint32_t b;
        switch (n->outputs[0].type) {
        case GRT_F32: memcpy(&w[i], d + i * 4, 4); break;
        case GRT_F16: memcpy(&h, d + i * 2, 2); w[i] = gguf_f16_to_f32(h); break;
        default: memcpy(&h, d + i * 2, 2); b = (uint32_t)h << 16; memcpy(&w[i], &b, 4); break;
        }
    }
    return w;
}

static size_t al(size_t v) { return (v + 63) & ~(size_t)63; }

/* Replaces constant x->node of g by its compressed (or f16) form; fills the report row. */
static grt_status rewrite(grt_ir_graph *g, cand *x, grt_compress_layer *row) {
    grt_ir_node *n = &g->nodes[x->node];
    int64_t numel = x->rows * x->cols;
    grt_ir_blob *blob = NULL;
    grt_status st;
    row->bytes_before = n->cst->bytes;
    if (x->prec == P_F16) {
        if ((st = grt_ir_blob_alloc((size_t)numel * 2, &blob)) != GRT_OK) return st;
        uint16_t *h = grt_ir_blob_mutable(blob);
        double e2 = 0, w2 = 0;
        for (int64_t i = 0; i < numel; i++) {
            h[i] = gguf_f32_to_f16(x->w[i]);
            double d = (double)gguf_f16_to_f32(h[i]) - x->w[i];
            e2 += d * d;
            w2 += (double)x->w[i] * x->w[i];
        }
        row->error = w2 > 0 ? sqrt(e2 / w2) : 0;
        grt_ir_blob_release(n->cst->blob);
        n->cst->blob = blob;
        n->cst->data = h;
        n->cst->bytes = (size_t)numel * 2;
        n->outputs[0].type = GRT_F16;
        row->bytes_after = n->cst->bytes;
        return GRT_OK;
    }
    int bits = x->prec == P_I4S || x->prec == P_I4A ? 4 : 8, sym = x->prec == P_I8S || x->prec == P_I4S;
    size_t groups = (size_t)(numel / x->group);
    size_t qb = bits == 8 ? (size_t)numel : ((size_t)numel + 1) / 2, sb = groups * 2;
    size_t zb = sym ? 0 : bits == 8 ? groups : (groups + 1) / 2;
    size_t os = al(qb), oz = os + al(sb);
    if ((st = grt_ir_blob_alloc(oz + zb, &blob)) != GRT_OK) return st;
    uint8_t *base = grt_ir_blob_mutable(blob);
    uint16_t *sc = (uint16_t *)(void *)(base + os);
    grt_cq_quantize(x->w, x->rows, x->cols, x->group, bits, sym, base, sc, sym ? NULL : base + oz);
    float *dq = malloc((size_t)numel * sizeof *dq);
    if (!dq) {
        grt_ir_blob_release(blob);
        return grt_error(GRT_ERROR_OUT_OF_MEMORY, "compress: out of memory on '%s'", n->name);
    }
    grt_cq_dequantize(base, sc, sym ? NULL : base + oz, x->rows, x->cols, x->group, bits, sym, dq);
    double e2 = 0, w2 = 0;
    for (int64_t i = 0; i < numel; i++) {
        double d = (double)dq[i] - x->w[i];
        e2 += d * d;
        w2 += (double)x->w[i] * x->w[i];
    }
    free(dq);
    row->error = w2 > 0 ? sqrt(e2 / w2) : sqrt(e2);
    grt_compression_info ci;
    memset(&ci, 0, sizeof ci);
    ci.struct_size = sizeof ci;
    ci.kind = sym ? GRT_COMPRESSION_SYM : GRT_COMPRESSION_ASYM;
    ci.storage_type = sym ? (bits == 8 ? GRT_I8 : GRT_I4) : (bits == 8 ? GRT_U8 : GRT_U4);
    ci.scale_type = GRT_F16;
    ci.group_size = x->group;
    ci.scales = sc;
    ci.scales_bytes = sb;
    ci.zero_points = sym ? NULL : base + oz;
    ci.zero_points_bytes = zb;
    ci.zero_point_type = sym ? GRT_UNDEFINED : ci.storage_type;
    grt_ir_blob_release(n->cst->blob);
    n->cst->blob = blob;
    n->cst->data = base;
    n->cst->bytes = qb;
    n->cst->comp = ci;
    row->group_size = x->group;
    row->bytes_after = qb + sb + zb;
    return GRT_OK;
}

static int prec_of(uint32_t mode) {
    return mode == GRT_COMPRESS_INT8_SYM ? P_I8S : mode == GRT_COMPRESS_INT4_SYM ? P_I4S
           : mode == GRT_COMPRESS_INT4_ASYM ? P_I4A : P_I8A;
}

grt_status grt_model_compress_weights(grt_model *model, const grt_compress_config *cfg,
                                      grt_compress_report **report) {
    grt_compress_config defaults;
    grt_ir_graph tmp = {0};
    cand *cs = NULL;
    double *err = NULL;
    int64_t *numel = NULL;
    int *is4 = NULL;
    grt_compress_report *rep = NULL;
    size_t nc = 0, nq = 0;
    uint32_t last_mm = 0;
    grt_status st;
    if (report) *report = NULL;
    if (!model) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "compress: model is NULL");
    if (!cfg) {
        grt_compress_config_init(&defaults);
        cfg = &defaults;
    }
    if ((st = check_config(cfg)) != GRT_OK) return st;
    int four = cfg->mode == GRT_COMPRESS_INT4_SYM || cfg->mode == GRT_COMPRESS_INT4_ASYM;
    int64_t gs = cfg->group_size == GRT_COMPRESS_GROUP_DEFAULT ? (four ? 128 : -1) : cfg->group_size;
    if ((st = grt_ir_graph_clone(&tmp, &model->g)) != GRT_OK) return st;
    cs = calloc(tmp.n_nodes ? tmp.n_nodes : 1, sizeof *cs);
    if (!cs) goto oom;
    for (uint32_t i = 0; i < tmp.n_nodes; i++) {
        const grt_ir_node *n = &tmp.nodes[i];
        grt_element_type t = n->outputs[0].type;
        if (n->op != GRT_OP_CONSTANT || n->outputs[0].shape.rank != 2 || n->cst->comp.kind != GRT_COMPRESSION_NONE ||
            (t != GRT_F32 && t != GRT_F16 && t != GRT_BF16))
            continue;
        int mm = 0, ga = 0, other = 0, ign = ignored(cfg, n->name);
        uint32_t lm = 0;
        uses(&tmp, i, cfg, &mm, &ga, &other, &ign, &lm);
        if ((!mm && !ga) || other) continue;
        cand *x = &cs[nc++];
        x->node = i;
        x->gather = ga;
        x->matmul_only = mm && !ga;
        x->rows = n->outputs[0].shape.dims[0];
        x->cols = n->outputs[0].shape.dims[1];
        x->prec = ign ? P_IGNORED : -1;
        if (lm > last_mm) last_mm = lm;
    }
    /* resolve precisions: embedding/last layer -> 8-bit backup unless all_layers */
    int primary = prec_of(cfg->mode), backup8 = cfg->backup_mode == GRT_COMPRESS_BACKUP_INT8_SYM ? P_I8S : P_I8A;
    for (size_t k = 0; k < nc; k++) {
        cand *x = &cs[k];
        if (x->prec == P_IGNORED) continue;
        int edge = x->gather;
        for (uint32_t n = x->node + 1; !edge && n < tmp.n_nodes; n++)
            for (uint32_t j = 0; j < tmp.nodes[n].n_inputs; j++)
                if (n == last_mm && tmp.nodes[n].inputs[j].node == x->node) edge = 1;
        if (!four) {
            x->prec = primary;
        } else if (edge && !cfg->all_layers) {
            x->prec = backup8;
        } else {
            x->prec = -2; /* 4-bit candidate, decided by ratio below */
            nq++;
        }
        int64_t g = (x->prec == -2 || cfg->all_layers || !edge || !four) ? gs : -1;
        x->group = g == -1 ? x->cols : g;
        if (x->cols % x->group) {
            st = grt_error(GRT_ERROR_INVALID_ARGUMENT, "compress: group size %lld does not divide the %lld channels "
                           "of weight '%s' [%lld, %lld]", (long long)x->group, (long long)x->cols,
                           tmp.nodes[x->node].name, (long long)x->rows, (long long)x->cols);
            goto fail;
        }
        if (!(x->w = to_f32(&tmp.nodes[x->node], x->rows * x->cols))) goto oom;
    }
    if (nq) { /* ratio selection among the 4-bit candidates */
        err = malloc(nq * sizeof *err);
        numel = malloc(nq * sizeof *numel);
        is4 = malloc(nq * sizeof *is4);
        if (!err || !numel || !is4) goto oom;
        size_t j = 0;
        for (size_t k = 0; k < nc; k++) {
            if (cs[k].prec != -2) continue;
            numel[j] = cs[k].rows * cs[k].cols;
            if ((err[j++] = grt_cq_int8_error(cs[k].w, cs[k].rows, cs[k].cols)) < 0) goto oom;
        }
        if (grt_cq_select(err, numel, nq, cfg->ratio, is4)) goto oom;
        j = 0;
        for (size_t k = 0; k < nc; k++) {
            if (cs[k].prec != -2) continue;
            if (is4[j++]) {
                cs[k].prec = primary;
            } else {
                cs[k].prec = cfg->backup_mode == GRT_COMPRESS_BACKUP_NONE ? P_KEEP : backup8;
                cs[k].group = cs[k].cols; /* 8-bit backup is per channel */
            }
        }
    }
    rep = calloc(1, sizeof *rep);
    if (!rep || !(rep->layers = calloc(nc ? nc : 1, sizeof *rep->layers))) goto oom;
    rep->n_layers = nc;
    int f16_changed = 0;
    for (size_t k = 0; k < nc; k++) {
        cand *x = &cs[k];
        grt_compress_layer *row = &rep->layers[k];
        const grt_ir_node *n = &tmp.nodes[x->node];
        snprintf(row->name, sizeof row->name, "%s", n->name);
        row->rows = x->rows;
        row->cols = x->cols;
        if (x->prec == P_KEEP && cfg->fp16 && x->matmul_only && n->outputs[0].type == GRT_F32) {
            x->prec = P_F16;
            f16_changed = 1;
        }
        if (x->prec == P_KEEP || x->prec == P_IGNORED) {
            row->bytes_before = row->bytes_after = n->cst->bytes;
            snprintf(row->precision, sizeof row->precision, "%s",
                     x->prec == P_IGNORED ? "ignored" : grt_element_type_name(n->outputs[0].type));
        } else {
            if ((st = rewrite(&tmp, x, row)) != GRT_OK) goto fail;
            snprintf(row->precision, sizeof row->precision, "%s", PNAME[x->prec]);
        }
        rep->bytes_before += row->bytes_before;
        rep->bytes_after += row->bytes_after;
    }
    if (f16_changed && (st = grt_ir_graph_reinfer(&tmp)) != GRT_OK) goto fail;
    grt_ir_graph_free(&model->g);
    model->g = tmp;
    memset(&tmp, 0, sizeof tmp);
    st = GRT_OK;
    goto done;
oom:
    st = grt_error(GRT_ERROR_OUT_OF_MEMORY, "compress: out of memory");
fail:
    grt_compress_report_free(rep);
    rep = NULL;
done:
    if (tmp.name) grt_ir_graph_free(&tmp);
    for (size_t k = 0; cs && k < nc; k++) free(cs[k].w);
    free(cs);
    free(err);
    free(numel);
    free(is4);
    if (report) *report = rep;
    else grt_compress_report_free(rep);
    return st;
}
