/*
 * passes/compress.c - grt_model_compress_weights (see genrt/compress.h): finds the 2-D float
 * constants feeding MatMul(transpose_b) B or a Gather table, assigns precisions (ignored scope,
 * embedding / last layer, ratio by data-free or data-aware sensitivity), runs the data-aware steps
 * (compress_aware.c: AWQ, scale estimation) and replaces the weights with compressed constants
 * in fresh heap blobs. Works on a clone of the graph that replaces the model's graph
 * only on success. The per-weight steps (f32 copy, data-free sensitivity, encoding) run on
 * grt_cq_parallel's threads; the results do not depend on the thread count.
 */
#include <genrt/compress.h>

#include <fnmatch.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontends/gguf.h"
#include "ir/graph.h"
#include "passes/compress_data.h"
#include "passes/compress_internal.h"
#include "util/error.h"

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

static const char *const METRIC[] = {"weight_quantization_error", "hessian_input_activation",
                                     "mean_activation_variance", "max_activation_variance",
                                     "mean_activation_magnitude"};

static grt_status check_config(const grt_compress_config *c) {
    if (c->mode > GRT_COMPRESS_INT4_ASYM)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "compress: unknown mode %u", c->mode);
    if (c->backup_mode > GRT_COMPRESS_BACKUP_NONE)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "compress: unknown backup_mode %u", c->backup_mode);
    if (c->sensitivity_metric > GRT_SENSITIVITY_MEAN_ACTIVATION_MAGNITUDE)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "compress: unknown sensitivity_metric %u", c->sensitivity_metric);
    if (c->sensitivity_metric != GRT_SENSITIVITY_WEIGHT_QUANTIZATION_ERROR && !c->dataset)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "compress: sensitivity_metric %s is data-aware and needs a "
                         "calibration dataset (cfg.dataset)", METRIC[c->sensitivity_metric]);
    if ((c->awq || c->scale_estimation) && !c->dataset)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "compress: %s is data-aware and needs a calibration dataset "
                         "(cfg.dataset)", c->awq ? "awq" : "scale_estimation");
    if (c->gptq && !c->dataset)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "compress: gptq is data-aware and needs a calibration dataset "
                         "(cfg.dataset)");
    if (c->gptq && c->scale_estimation)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "compress: gptq and scale_estimation cannot be combined");
    if ((c->awq || c->scale_estimation) && c->mode != GRT_COMPRESS_INT4_SYM && c->mode != GRT_COMPRESS_INT4_ASYM)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "compress: %s needs a 4-bit mode (int4_sym or int4_asym)",
                         c->awq ? "awq" : "scale_estimation");
    if (c->dataset && (!c->dataset->n || !c->dataset->seqs || !c->dataset->lens))
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "compress: the calibration dataset is empty");
    if (c->subset_size < 0)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "compress: subset_size %lld is negative",
                         (long long)c->subset_size);
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

/* f16 bits -> f32, for every f16 value: filled once per process (pthread_once), then read-only. */
static float g_f16[65536];
static pthread_once_t g_f16_once = PTHREAD_ONCE_INIT;

static void f16_table_init(void) {
    for (uint32_t h = 0; h < 65536; h++) g_f16[h] = gguf_f16_to_f32((uint16_t)h);
}

static float *to_f32(const grt_ir_node *n, int64_t count) {
    float *w = malloc((size_t)count * sizeof *w);
    if (!w) return NULL;
    const uint8_t *d = n->cst->data;
    grt_element_type t = n->outputs[0].type;
    if (t == GRT_F32) {
        memcpy(w, d, (size_t)count * 4);
    } else if (t == GRT_F16) {
        pthread_once(&g_f16_once, f16_table_init);
        for (int64_t i = 0; i < count; i++) {
            uint16_t h;
            memcpy(&h, d + i * 2, 2);
            w[i] = g_f16[h];
        }
    } else { /* bf16 */
        for (int64_t i = 0; i < count; i++) {
            uint16_t h;
            memcpy(&h, d + i * 2, 2);
            uint32_t b = (uint32_t)h << 16;
            memcpy(&w[i], &b, 4);
        }
    }
    return w;
}

static size_t al(size_t v) { return (v + 63) & ~(size_t)63; }

static int quant_bits(int prec) { return prec == GRT_CQ_I4S || prec == GRT_CQ_I4A ? 4 : 8; }
static int quant_sym(int prec) { return prec == GRT_CQ_I8S || prec == GRT_CQ_I4S; }

/* Byte layout of a quantized weight's blob: codes, then f16 scales at *os, then zero points at *oz. */
static size_t quant_layout(const grt_cq_cand *x, size_t *qb, size_t *sb, size_t *zb, size_t *os, size_t *oz) {
    int bits = quant_bits(x->prec), sym = quant_sym(x->prec);
    int64_t numel = x->rows * x->cols;
    size_t groups = (size_t)(numel / x->group);
    *qb = bits == 8 ? (size_t)numel : ((size_t)numel + 1) / 2;
    *sb = groups * 2;
    *zb = sym ? 0 : bits == 8 ? groups : (groups + 1) / 2;
    *os = al(*qb);
    *oz = *os + al(*sb);
    return *oz + *zb;
}

/* Encodes candidate x (prec F16 or a quantized one) into a fresh blob *out and its relative
 * error *error (sqrt(|dq - w|^2 / |w|^2)). Touches nothing shared: runs on worker threads.
 * Returns 0, -1 on allocation failure (*out NULL). */
static int encode(const grt_cq_cand *x, grt_ir_blob **out, double *error) {
    int64_t numel = x->rows * x->cols;
    double e2 = 0, w2 = 0;
    *out = NULL;
    if (x->prec == GRT_CQ_F16) {
        pthread_once(&g_f16_once, f16_table_init);
        if (grt_ir_blob_alloc((size_t)numel * 2, out) != GRT_OK) return -1;
        uint16_t *h = grt_ir_blob_mutable(*out);
        for (int64_t i = 0; i < numel; i++) {
            h[i] = gguf_f32_to_f16(x->w[i]);
            double d = (double)g_f16[h[i]] - x->w[i];
            e2 += d * d;
            w2 += (double)x->w[i] * x->w[i];
        }
        *error = w2 > 0 ? sqrt(e2 / w2) : 0;
        return 0;
    }
    int bits = quant_bits(x->prec), sym = quant_sym(x->prec);
    size_t qb, sb, zb, os, oz;
    size_t total = quant_layout(x, &qb, &sb, &zb, &os, &oz);
    float *dq = malloc((size_t)numel * sizeof *dq);
    if (!dq || grt_ir_blob_alloc(total, out) != GRT_OK) {
        free(dq);
        return -1;
    }
    uint8_t *base = grt_ir_blob_mutable(*out);
    uint16_t *sc = (uint16_t *)(void *)(base + os);
    grt_cq_quantize_scaled(x->w, x->rows, x->cols, x->group, bits, sym, x->scales, base, sc, sym ? NULL : base + oz);
    grt_cq_dequantize(base, sc, sym ? NULL : base + oz, x->rows, x->cols, x->group, bits, sym, dq);
    for (int64_t i = 0; i < numel; i++) {
        double d = (double)dq[i] - x->w[i];
        e2 += d * d;
        w2 += (double)x->w[i] * x->w[i];
    }
    free(dq);
    *error = w2 > 0 ? sqrt(e2 / w2) : sqrt(e2);
    return 0;
}

/* Replaces constant x->node of g by its encoded form `blob` (ownership passes to the graph);
 * fills the report row's sizes. */
static void install(grt_ir_graph *g, const grt_cq_cand *x, grt_ir_blob *blob, grt_compress_layer *row) {
    grt_ir_node *n = &g->nodes[x->node];
    row->bytes_before = n->cst->bytes;
    grt_ir_blob_release(n->cst->blob);
    n->cst->blob = blob;
    n->cst->data = grt_ir_blob_mutable(blob);
    if (x->prec == GRT_CQ_F16) {
        n->cst->bytes = (size_t)(x->rows * x->cols) * 2;
        n->outputs[0].type = GRT_F16;
        row->bytes_after = n->cst->bytes;
        return;
    }
    int bits = quant_bits(x->prec), sym = quant_sym(x->prec);
    size_t qb, sb, zb, os, oz;
    quant_layout(x, &qb, &sb, &zb, &os, &oz);
    uint8_t *base = grt_ir_blob_mutable(blob);
    grt_compression_info ci;
    memset(&ci, 0, sizeof ci);
    ci.struct_size = sizeof ci;
    ci.kind = sym ? GRT_COMPRESSION_SYM : GRT_COMPRESSION_ASYM;
    ci.storage_type = sym ? (bits == 8 ? GRT_I8 : GRT_I4) : (bits == 8 ? GRT_U8 : GRT_U4);
    ci.scale_type = GRT_F16;
    ci.group_size = x->group;
    ci.scales = base + os;
    ci.scales_bytes = sb;
    ci.zero_points = sym ? NULL : base + oz;
    ci.zero_points_bytes = zb;
    ci.zero_point_type = sym ? GRT_UNDEFINED : ci.storage_type;
    n->cst->bytes = qb;
    n->cst->comp = ci;
    row->group_size = x->group;
    row->bytes_after = qb + sb + zb;
}

/* Per-weight jobs of the pass for grt_cq_parallel; each writes only slot i of its outputs. */
typedef struct {
    const grt_ir_graph *g;
    grt_cq_cand *cs;
    const size_t *idx;  /* job i works on cs[idx[i]] */
    double *err;        /* [jobs] sensitivity, or the encode error */
    grt_ir_blob **blob; /* [jobs] encoded blobs */
    int *failed;        /* [jobs] allocation failures */
} pass_jobs;

static void job_load(void *ctx, size_t i) {
    pass_jobs *p = ctx;
    grt_cq_cand *x = &p->cs[p->idx[i]];
    if (!(x->w = to_f32(&p->g->nodes[x->node], x->rows * x->cols))) p->failed[i] = 1;
}

static void job_sensitivity(void *ctx, size_t i) {
    pass_jobs *p = ctx;
    const grt_cq_cand *x = &p->cs[p->idx[i]];
    p->err[i] = grt_cq_int8_error(x->w, x->rows, x->cols);
}

static void job_encode(void *ctx, size_t i) {
    pass_jobs *p = ctx;
    if (encode(&p->cs[p->idx[i]], &p->blob[i], &p->err[i])) p->failed[i] = 1;
}

/* Runs job fn over the n candidates cs[idx[0..n)) in parallel; blobs / err sized n by the caller
 * when the job needs them. Returns 0, -1 if a job failed to allocate. */
static int run_jobs(const grt_ir_graph *g, grt_cq_cand *cs, const size_t *idx, size_t n, double *err,
                    grt_ir_blob **blob, void (*fn)(void *, size_t)) {
    int *failed = calloc(n ? n : 1, sizeof *failed), bad = 0;
    if (!failed) return -1;
    pass_jobs p = {g, cs, idx, err, blob, failed};
    grt_cq_parallel(n, fn, &p);
    for (size_t i = 0; i < n; i++) bad |= failed[i];
    free(failed);
    return bad ? -1 : 0;
}

static int prec_of(uint32_t mode) {
    return mode == GRT_COMPRESS_INT8_SYM ? GRT_CQ_I8S : mode == GRT_COMPRESS_INT4_SYM ? GRT_CQ_I4S
           : mode == GRT_COMPRESS_INT4_ASYM ? GRT_CQ_I4A : GRT_CQ_I8A;
}

grt_status grt_model_compress_weights(grt_model *model, const grt_compress_config *cfg,
                                      grt_compress_report **report) {
    grt_compress_config full;
    grt_cq_data data = {0};
    grt_ir_graph tmp = {0};
    grt_cq_cand *cs = NULL;
    double *err = NULL;
    int64_t *numel = NULL;
    int *is4 = NULL;
    size_t *idx = NULL;
    grt_ir_blob **blobs = NULL;
    double *enc_err = NULL;
    grt_compress_report *rep = NULL;
    size_t nc = 0, nq = 0, nj = 0; /* nj: jobs of the current parallel step */
    uint32_t last_mm = 0;
    grt_status st;
    if (report) *report = NULL;
    if (!model) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "compress: model is NULL");
    grt_compress_config_init(&full);
    if (cfg && cfg->struct_size != sizeof *cfg && cfg->struct_size != GRT_COMPRESS_CONFIG_SIZE_V1)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "compress: config struct_size %u, expected %zu "
                         "(call grt_compress_config_init)", cfg->struct_size, sizeof *cfg);
    if (cfg) memcpy(&full, cfg, cfg->struct_size); /* older callers: appended fields stay 0 / NULL */
    full.struct_size = sizeof full;
    cfg = &full;
    if ((st = check_config(cfg)) != GRT_OK) return st;
    int four = cfg->mode == GRT_COMPRESS_INT4_SYM || cfg->mode == GRT_COMPRESS_INT4_ASYM;
    int64_t gs = cfg->group_size == GRT_COMPRESS_GROUP_DEFAULT ? (four ? 128 : -1) : cfg->group_size;
    if ((st = grt_ir_graph_clone(&tmp, &model->g)) != GRT_OK) return st;
    cs = calloc(tmp.n_nodes ? tmp.n_nodes : 1, sizeof *cs);
    idx = malloc((tmp.n_nodes ? tmp.n_nodes : 1) * sizeof *idx);
    if (!cs || !idx) goto oom;
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
        grt_cq_cand *x = &cs[nc++];
        x->node = i;
        x->gather = ga;
        x->matmul_only = mm && !ga;
        x->rows = n->outputs[0].shape.dims[0];
        x->cols = n->outputs[0].shape.dims[1];
        x->prec = ign ? GRT_CQ_IGNORED : -1;
        if (lm > last_mm) last_mm = lm;
    }
    /* resolve precisions: embedding/last layer -> 8-bit backup unless all_layers */
    int primary = prec_of(cfg->mode);
    int backup8 = cfg->backup_mode == GRT_COMPRESS_BACKUP_INT8_SYM ? GRT_CQ_I8S : GRT_CQ_I8A;
    for (size_t k = 0; k < nc; k++) {
        grt_cq_cand *x = &cs[k];
        if (x->prec == GRT_CQ_IGNORED) continue;
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
    }
    /* f32 copies of the weights to compress, in parallel */
    for (size_t k = 0; k < nc; k++)
        if (cs[k].prec != GRT_CQ_IGNORED) idx[nj++] = k;
    if (run_jobs(&tmp, cs, idx, nj, NULL, NULL, job_load)) goto oom;
    if ((st = grt_cq_data_collect(&tmp, cs, nc, cfg, &data)) != GRT_OK) goto fail;
    if (nq) { /* ratio selection among the 4-bit candidates */
        err = malloc(nq * sizeof *err);
        numel = malloc(nq * sizeof *numel);
        is4 = malloc(nq * sizeof *is4);
        if (!err || !numel || !is4) goto oom;
        size_t j = 0;
        for (size_t k = 0; k < nc; k++)
            if (cs[k].prec == -2) {
                idx[j] = k;
                numel[j++] = cs[k].rows * cs[k].cols;
            }
        if (cfg->sensitivity_metric == GRT_SENSITIVITY_WEIGHT_QUANTIZATION_ERROR) {
            if (run_jobs(&tmp, cs, idx, nq, err, NULL, job_sensitivity)) goto oom;
        } else { /* data-aware score; embeddings (no activation) get the lowest sensitivity, as in NNCF */
            for (j = 0; j < nq; j++) {
                const grt_cq_cand *x = &cs[idx[j]];
                err[j] = x->stat < 0 ? 0.0 : grt_calib_score(cfg->sensitivity_metric, x->w, x->rows, x->cols,
                                                             &data.stats[x->stat]);
            }
        }
        for (j = 0; j < nq; j++)
            if (err[j] < 0) goto oom;
        if (cfg->sensitivity_metric == GRT_SENSITIVITY_WEIGHT_QUANTIZATION_ERROR
                ? grt_cq_select(err, numel, nq, cfg->ratio, is4)
                : grt_cq_select_scores(err, numel, nq, cfg->ratio, is4))
            goto oom;
        j = 0;
        for (size_t k = 0; k < nc; k++) {
            if (cs[k].prec != -2) continue;
            if (is4[j++]) {
                cs[k].prec = primary;
            } else {
                cs[k].prec = cfg->backup_mode == GRT_COMPRESS_BACKUP_NONE ? GRT_CQ_KEEP : backup8;
                cs[k].group = cs[k].cols; /* 8-bit backup is per channel */
            }
        }
    }
    if ((st = grt_cq_data_apply(&tmp, cs, nc, cfg, &data)) != GRT_OK) goto fail;
    rep = calloc(1, sizeof *rep);
    if (!rep || !(rep->layers = calloc(nc ? nc : 1, sizeof *rep->layers))) goto oom;
    rep->n_layers = nc;
    int f16_changed = 0;
    nj = 0; /* encode in parallel into fresh blobs, then install them in order */
    for (size_t k = 0; k < nc; k++) {
        grt_cq_cand *x = &cs[k];
        if (x->prec == GRT_CQ_KEEP && cfg->fp16 && x->matmul_only && tmp.nodes[x->node].outputs[0].type == GRT_F32) {
            x->prec = GRT_CQ_F16;
            f16_changed = 1;
        }
        if (x->prec != GRT_CQ_KEEP && x->prec != GRT_CQ_IGNORED) idx[nj++] = k;
    }
    blobs = calloc(nj ? nj : 1, sizeof *blobs);
    enc_err = calloc(nj ? nj : 1, sizeof *enc_err);
    if (!blobs || !enc_err || run_jobs(&tmp, cs, idx, nj, enc_err, blobs, job_encode)) goto oom;
    for (size_t k = 0, j = 0; k < nc; k++) {
        grt_cq_cand *x = &cs[k];
        grt_compress_layer *row = &rep->layers[k];
        const grt_ir_node *n = &tmp.nodes[x->node];
        snprintf(row->name, sizeof row->name, "%s", n->name);
        row->rows = x->rows;
        row->cols = x->cols;
        if (x->prec == GRT_CQ_KEEP || x->prec == GRT_CQ_IGNORED) {
            row->bytes_before = row->bytes_after = n->cst->bytes;
            snprintf(row->precision, sizeof row->precision, "%s",
                     x->prec == GRT_CQ_IGNORED ? "ignored" : grt_element_type_name(n->outputs[0].type));
        } else {
            install(&tmp, x, blobs[j], row);
            blobs[j] = NULL;
            row->error = enc_err[j++];
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
    for (size_t k = 0; cs && k < nc; k++) {
        free(cs[k].w);
        free(cs[k].scales);
    }
    grt_cq_data_free(&data);
    for (size_t j = 0; blobs && j < nj; j++)
        if (blobs[j]) grt_ir_blob_release(blobs[j]);
    free(blobs);
    free(enc_err);
    free(idx);
    free(cs);
    free(err);
    free(numel);
    free(is4);
    if (report) *report = rep;
    else grt_compress_report_free(rep);
    return st;
}
