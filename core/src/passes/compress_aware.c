/*
 * passes/compress_aware.c - the data-aware steps of grt_model_compress_weights (compress.c):
 * which activation each MatMul weight reads, the calibration run (compress_calib.c), AWQ with its
 * exact folds, then scale estimation or GPTQ. AWQ units are the 4-bit weights reading one activation X:
 *   X = RMSNorm(x, gamma), gamma an f32 Constant read only there  -> gamma /= s
 *   X = Mul(a, MatMul(h, W_prev^T)), that MatMul read only there   -> rows of W_prev /= s
 * and only when every reader of X is a MatMul of the unit; others are left alone. Works on the
 * pass's working graph and candidate records; owns the statistics (grt_cq_data_free).
 * Single-threaded.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir/weights.h"
#include "passes/compress_data.h"
#include "util/error.h"

#define CALIB_ROWS 256 /* sampled token rows kept per activation */

static int is_four(int prec) { return prec == GRT_CQ_I4S || prec == GRT_CQ_I4A; }

static int needs_data(const grt_compress_config *c) {
    return c->dataset && (c->sensitivity_metric != GRT_SENSITIVITY_WEIGHT_QUANTIZATION_ERROR || c->awq ||
                          c->scale_estimation || c->gptq);
}

grt_status grt_cq_data_collect(const grt_ir_graph *g, grt_cq_cand *cs, size_t nc, const grt_compress_config *cfg,
                               grt_cq_data *d) {
    grt_port *ports = NULL;
    size_t np = 0;
    grt_status st = GRT_OK;
    memset(d, 0, sizeof *d);
    for (size_t k = 0; k < nc; k++) cs[k].stat = -1;
    if (!needs_data(cfg)) return GRT_OK;
    if (!(ports = malloc((nc ? nc : 1) * sizeof *ports))) goto oom;
    for (size_t k = 0; k < nc; k++) {
        grt_cq_cand *x = &cs[k];
        if (x->gather || !x->matmul_only || x->prec == GRT_CQ_IGNORED) continue; /* tied table: GPTQ measured worse */
        for (uint32_t n = x->node + 1; n < g->n_nodes && x->stat < 0; n++) {
            const grt_ir_node *nd = &g->nodes[n];
            if (nd->op != GRT_OP_MATMUL || nd->n_inputs < 2 || nd->inputs[1].node != x->node) continue;
            grt_port p = nd->inputs[0];
            size_t i = 0;
            while (i < np && (ports[i].node != p.node || ports[i].port != p.port)) i++;
            if (i == np) ports[np++] = p;
            x->stat = (int)i;
            x->act_node = n;
        }
    }
    if (!(d->stats = calloc(np ? np : 1, sizeof *d->stats))) goto oom;
    d->n_stats = np;
    int64_t subset = cfg->subset_size > 0 ? cfg->subset_size : GRT_COMPRESS_SUBSET_DEFAULT;
    st = grt_calib_collect(g, ports, np, cfg->dataset, subset, CALIB_ROWS, d->stats);
    free(ports);
    return st;
oom:
    free(ports);
    return grt_error(GRT_ERROR_OUT_OF_MEMORY, "compress: out of memory");
}

void grt_cq_data_free(grt_cq_data *d) {
    for (size_t i = 0; d->stats && i < d->n_stats; i++) grt_calib_stats_free(&d->stats[i]);
    free(d->stats);
    memset(d, 0, sizeof *d);
}

/* 1 if every reader of port p is an op accepted by ok(node, arg). */
static int readers_ok(const grt_ir_graph *g, grt_port p, int (*ok)(const grt_ir_graph *, uint32_t, const void *),
                      const void *arg) {
    int any = 0;
    for (uint32_t n = p.node + 1; n < g->n_nodes; n++)
        for (uint32_t j = 0; j < g->nodes[n].n_inputs; j++)
            if (g->nodes[n].inputs[j].node == p.node) {
                if (g->nodes[n].inputs[j].port != p.port || !ok(g, n, arg)) return 0;
                any = 1;
            }
    return any;
}

typedef struct unit_arg {
    const grt_cq_cand *cs;
    size_t nc;
    int stat;
} unit_arg;

static int unit_matmul(const grt_ir_graph *g, uint32_t n, const void *arg) {
    const unit_arg *u = arg;
    const grt_ir_node *nd = &g->nodes[n];
    if (nd->op != GRT_OP_MATMUL || nd->n_inputs < 2) return 0;
    for (size_t k = 0; k < u->nc; k++)
        if (u->cs[k].node == nd->inputs[1].node && u->cs[k].stat == u->stat && u->cs[k].act_node == n) return 1;
    return 0;
}

static int only_node(const grt_ir_graph *g, uint32_t n, const void *arg) {
    (void)g;
    return n == *(const uint32_t *)arg;
}

/* Fold target of the activation at port p: *gamma_node (RMSNorm weight) or *prev (candidate index
 * whose rows feed X); returns 0 when no exact fold exists. */
static int fold_target(const grt_ir_graph *g, grt_port p, const grt_cq_cand *cs, size_t nc, int64_t k,
                       uint32_t *gamma_node, long *prev) {
    const grt_ir_node *P = &g->nodes[p.node];
    *prev = -1;
    if (P->op == GRT_OP_RMS_NORM && P->n_inputs == 2) {
        uint32_t gn = P->inputs[1].node;
        const grt_ir_node *G = &g->nodes[gn];
        grt_port gp = {gn, 0};
        if (G->op != GRT_OP_CONSTANT || G->outputs[0].type != GRT_F32 || G->outputs[0].shape.rank != 1 ||
            G->outputs[0].shape.dims[0] != k || G->cst->comp.kind != GRT_COMPRESSION_NONE ||
            !readers_ok(g, gp, only_node, &p.node))
            return 0;
        *gamma_node = gn;
        return 1;
    }
    if (P->op != GRT_OP_MUL || P->n_inputs != 2) return 0;
    for (uint32_t i = 0; i < 2; i++) {
        grt_port q = P->inputs[i];
        const grt_ir_node *Q = &g->nodes[q.node];
        const grt_attr_value *a;
        if (Q->op != GRT_OP_MATMUL || Q->n_inputs < 2 || !(a = grt_ir_node_attr(Q, "transpose_b")) || !a->u.i ||
            !readers_ok(g, q, only_node, &p.node))
            continue;
        for (size_t c = 0; c < nc; c++)
            if (cs[c].node == Q->inputs[1].node && cs[c].rows == k && cs[c].w && cs[c].prec != GRT_CQ_KEEP &&
                cs[c].prec != GRT_CQ_IGNORED) {
                *prev = (long)c;
                return 1;
            }
    }
    return 0;
}

/* gamma /= s in a fresh blob. */
static grt_status fold_gamma(grt_ir_graph *g, uint32_t gn, const float *s, int64_t k) {
    grt_ir_node *G = &g->nodes[gn];
    grt_ir_blob *blob = NULL;
    grt_status st = grt_ir_blob_alloc((size_t)k * sizeof(float), &blob);
    if (st != GRT_OK) return st;
    float *v = grt_ir_blob_mutable(blob);
    memcpy(v, G->cst->data, (size_t)k * sizeof(float));
    for (int64_t j = 0; j < k; j++) v[j] /= s[j];
    grt_ir_blob_release(G->cst->blob);
    G->cst->blob = blob;
    G->cst->data = v;
    G->cst->bytes = (size_t)k * sizeof(float);
    return GRT_OK;
}

static grt_status awq_unit(grt_ir_graph *g, grt_cq_cand *cs, size_t nc, grt_cq_data *d, int u) {
    grt_calib_stats *st = &d->stats[u];
    const float **ws = malloc(nc * sizeof *ws);
    int64_t *rows = malloc(nc * sizeof *rows), group = 0;
    float *s = malloc((size_t)st->k * sizeof *s);
    size_t m = 0;
    int ok = 1, prec = -1;
    grt_status rc = GRT_OK;
    if (!ws || !rows || !s) {
        rc = grt_error(GRT_ERROR_OUT_OF_MEMORY, "compress: out of memory in AWQ");
        goto done;
    }
    grt_port p = {0, 0};
    for (size_t k = 0; k < nc; k++) {
        if (cs[k].stat != u) continue;
        if (!is_four(cs[k].prec) || cs[k].gather || (prec >= 0 && (cs[k].prec != prec || cs[k].group != group)))
            ok = 0; /* a Gather table would see the scales too: no exact fold */
        prec = cs[k].prec;
        group = cs[k].group;
        ws[m] = cs[k].w;
        rows[m++] = cs[k].rows;
        p = g->nodes[cs[k].act_node].inputs[0];
    }
    unit_arg ua = {cs, nc, u};
    uint32_t gamma = 0;
    long prev = -1;
    if (!ok || !m || !st->n_rows || !readers_ok(g, p, unit_matmul, &ua) ||
        !fold_target(g, p, cs, nc, st->k, &gamma, &prev))
        goto done;
    double alpha = grt_awq_search(ws, rows, m, st->k, group, 4, prec == GRT_CQ_I4S, st, s);
    if (alpha < 0) {
        rc = grt_error(GRT_ERROR_OUT_OF_MEMORY, "compress: out of memory in AWQ");
        goto done;
    }
    if (alpha == 0.0) goto done;
    if (prev < 0 && (rc = fold_gamma(g, gamma, s, st->k)) != GRT_OK) goto done;
    if (prev >= 0) /* W_prev [k, K2]: row j produces channel j of X */
        for (int64_t j = 0; j < st->k; j++)
            for (int64_t c = 0; c < cs[prev].cols; c++) cs[prev].w[j * cs[prev].cols + c] /= s[j];
    for (size_t k = 0; k < nc; k++)
        if (cs[k].stat == u)
            for (int64_t r = 0; r < cs[k].rows; r++)
                for (int64_t j = 0; j < cs[k].cols; j++) cs[k].w[r * cs[k].cols + j] *= s[j];
    for (int64_t j = 0; j < st->k; j++) s[j] = 1.0f / s[j];
    grt_calib_stats_scale(st, s);
done:
    free(ws);
    free(rows);
    free(s);
    return rc;
}

grt_status grt_cq_data_apply(grt_ir_graph *g, grt_cq_cand *cs, size_t nc, const grt_compress_config *cfg,
                             grt_cq_data *d) {
    grt_status st;
    if (cfg->awq)
        for (size_t u = 0; u < d->n_stats; u++)
            if ((st = awq_unit(g, cs, nc, d, (int)u)) != GRT_OK) return st;
    if (!cfg->scale_estimation && !cfg->gptq) return GRT_OK;
    for (size_t k = 0; k < nc; k++) {
        grt_cq_cand *x = &cs[k];
        int quantized = x->prec >= GRT_CQ_I8A;
        if (x->stat < 0 || !(cfg->gptq ? quantized : is_four(x->prec))) continue;
        const grt_calib_stats *s = &d->stats[x->stat];
        if (cfg->gptq) {
            x->scales = malloc((size_t)(x->rows * (x->cols / x->group)) * sizeof *x->scales);
            if (!x->scales || !s->n_rows ||
                grt_gptq(x->w, x->rows, x->cols, x->group, is_four(x->prec) ? 4 : 8,
                         x->prec == GRT_CQ_I4S || x->prec == GRT_CQ_I8S, s->rows, s->n_rows, x->scales)) {
                free(x->scales); /* no statistics or a singular Hessian: plain rounding */
                x->scales = NULL;
            }
            continue;
        }
        double *imp = malloc((size_t)x->cols * sizeof *imp);
        x->scales = malloc((size_t)(x->rows * (x->cols / x->group)) * sizeof *x->scales);
        if (!imp || !x->scales) {
            free(imp);
            return grt_error(GRT_ERROR_OUT_OF_MEMORY, "compress: out of memory in scale estimation");
        }
        for (int64_t j = 0; j < x->cols; j++) imp[j] = s->n_tokens ? s->sum_sq[j] / (double)s->n_tokens : 1.0;
        int rc = grt_se_scales(x->w, x->rows, x->cols, x->group, 4, x->prec == GRT_CQ_I4S, imp, x->scales);
        free(imp);
        if (rc) return grt_error(GRT_ERROR_OUT_OF_MEMORY, "compress: out of memory in scale estimation");
    }
    return GRT_OK;
}
