/*
 * passes/compress_calib.c - activation statistics for data-aware weight compression (see
 * compress_data.h): per-channel accumulators, NNCF's per-sample reductions and a reservoir sample
 * of token rows; and the calibration run, which clones the graph with an extra Result on every
 * requested MatMul input, compiles it for the CPU device through the public runtime API and runs
 * each calibration sequence as a fresh sequence. Owns every object it creates; single-threaded.
 */
#include "passes/compress_data.h"

#include <genrt/genrt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

int grt_calib_stats_init(grt_calib_stats *s, int64_t k, int64_t cap_rows) {
    memset(s, 0, sizeof *s);
    s->k = k;
    s->cap_rows = cap_rows;
    s->rng = 0x9E3779B97F4A7C15ull;
    s->sum_abs = calloc((size_t)k, sizeof *s->sum_abs);
    s->sum = calloc((size_t)k, sizeof *s->sum);
    s->sum_sq = calloc((size_t)k, sizeof *s->sum_sq);
    s->max_abs = calloc((size_t)k, sizeof *s->max_abs);
    s->tmp = calloc((size_t)k * 2, sizeof *s->tmp);
    s->rows = cap_rows > 0 ? malloc((size_t)(cap_rows * k) * sizeof *s->rows) : NULL;
    if (!s->sum_abs || !s->sum || !s->sum_sq || !s->max_abs || !s->tmp || (cap_rows > 0 && !s->rows)) {
        grt_calib_stats_free(s);
        return -1;
    }
    return 0;
}

void grt_calib_stats_free(grt_calib_stats *s) {
    if (!s) return;
    free(s->sum_abs);
    free(s->sum);
    free(s->sum_sq);
    free(s->max_abs);
    free(s->tmp);
    free(s->rows);
    memset(s, 0, sizeof *s);
}

static uint64_t next_rand(uint64_t *r) { /* xorshift64* */
    *r ^= *r >> 12;
    *r ^= *r << 25;
    *r ^= *r >> 27;
    return *r * 2685821657736338717ull;
}

void grt_calib_stats_add(grt_calib_stats *s, const float *x, int64_t tokens) {
    const int64_t k = s->k;
    double *mean = s->tmp, *msq = s->tmp + k; /* per-channel mean and mean square over this sample */
    double absmax_sum = 0.0, var_sum = 0.0, var_max = 0.0, sq_all = 0.0;
    for (int64_t j = 0; j < k; j++) mean[j] = msq[j] = 0.0;
    for (int64_t t = 0; t < tokens; t++) {
        const float *row = x + t * k; /* [k] */
        for (int64_t j = 0; j < k; j++) {
            double v = row[j];
            mean[j] += v;
            msq[j] += v * v;
            s->sum[j] += v;
            s->sum_abs[j] += fabs(v);
            s->sum_sq[j] += v * v;
            if (fabsf(row[j]) > s->max_abs[j]) s->max_abs[j] = fabsf(row[j]);
        }
        /* reservoir sampling of token rows (Algorithm R, deterministic generator) */
        int64_t slot = s->seen < s->cap_rows ? s->seen : (int64_t)(next_rand(&s->rng) % (uint64_t)(s->seen + 1));
        if (slot < s->cap_rows) memcpy(s->rows + slot * k, row, (size_t)k * sizeof *row);
        if (s->n_rows < s->cap_rows) s->n_rows++;
        s->seen++;
    }
    for (int64_t j = 0; j < k; j++) {
        double amax = 0.0;
        for (int64_t t = 0; t < tokens; t++) amax = fmax(amax, fabs((double)x[t * k + j]));
        double m = mean[j] / (double)tokens, var = msq[j] / (double)tokens - m * m;
        if (var < 0) var = 0;
        absmax_sum += amax;
        var_sum += var;
        if (var > var_max) var_max = var;
        sq_all += msq[j];
    }
    s->s_mean_absmax += absmax_sum / (double)k;
    s->s_mean_var += var_sum / (double)k;
    s->s_max_var += var_max;
    s->s_mean_sq += sq_all / (double)(tokens * k);
    s->n_tokens += tokens;
    s->n_samples++;
}

void grt_calib_stats_scale(grt_calib_stats *s, const float *f) {
    for (int64_t j = 0; j < s->k; j++) {
        double a = f[j];
        s->sum[j] *= a;
        s->sum_abs[j] *= fabs(a);
        s->sum_sq[j] *= a * a;
        s->max_abs[j] *= (float)fabs(a);
        for (int64_t r = 0; r < s->n_rows; r++) s->rows[r * s->k + j] *= f[j];
    }
    /* the per-sample scalar reductions keep describing the activations before the fold: they are
       only used for the ranking, which runs before AWQ */
}

/* Builds a model holding a clone of g plus Results "grt.calib.<i>" on ports[i]. */
static grt_status calib_model(const grt_ir_graph *g, const grt_port *ports, size_t n, grt_model **out) {
    grt_model *m = NULL;
    grt_status st = grt_model_create("calibration", &m);
    if (st != GRT_OK) return st;
    grt_ir_graph_free(&m->g);
    memset(&m->g, 0, sizeof m->g);
    if ((st = grt_ir_graph_clone(&m->g, g)) != GRT_OK) goto fail;
    for (size_t i = 0; i < n; i++) {
        char name[48];
        snprintf(name, sizeof name, "grt.calib.%zu", i);
        if ((st = grt_ir_graph_add_result(&m->g, name, ports[i], NULL)) != GRT_OK) goto fail;
    }
    *out = m;
    return GRT_OK;
fail:
    grt_model_destroy(m);
    return st;
}

/* Runs one sequence ids[len] from position 0 on a reset request. */
static grt_status run_seq(grt_infer_request *rq, const int32_t *ids, size_t len, size_t idx) {
    grt_tensor *t_ids = NULL, *t_pos = NULL;
    int64_t dims[2] = {1, (int64_t)len};
    grt_status st;
    if (!ids || !len) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "compress: calibration sequence %zu is empty", idx);
    if ((st = grt_infer_request_reset_state(rq)) != GRT_OK ||
        (st = grt_tensor_create(GRT_I64, 2, dims, &t_ids)) != GRT_OK ||
        (st = grt_tensor_create(GRT_I64, 2, dims, &t_pos)) != GRT_OK)
        goto done;
    int64_t *pi = grt_tensor_data(t_ids), *pp = grt_tensor_data(t_pos);
    for (size_t i = 0; i < len; i++) {
        if (ids[i] < 0) {
            st = grt_error(GRT_ERROR_INVALID_ARGUMENT, "compress: calibration sequence %zu has a negative token id "
                           "%d at %zu", idx, (int)ids[i], i);
            goto done;
        }
        pi[i] = ids[i];
        pp[i] = (int64_t)i;
    }
    if ((st = grt_infer_request_set_tensor(rq, "input_ids", t_ids)) != GRT_OK ||
        (st = grt_infer_request_set_tensor(rq, "position_ids", t_pos)) != GRT_OK)
        goto done;
    st = grt_infer_request_infer(rq);
done:
    grt_tensor_destroy(t_ids);
    grt_tensor_destroy(t_pos);
    return st;
}

grt_status grt_calib_collect(const grt_ir_graph *g, const grt_port *ports, size_t n_ports,
                             const grt_compress_dataset *ds, int64_t subset, int64_t cap_rows,
                             grt_calib_stats *stats) {
    grt_model *m = NULL;
    grt_core *core = NULL;
    grt_compiled_model *cm = NULL;
    grt_infer_request *rq = NULL;
    grt_status st;
    size_t n_seq = ds->n < (size_t)subset ? ds->n : (size_t)subset;
    if (!n_seq || !ds->seqs || !ds->lens)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "compress: the calibration dataset is empty");
    if ((st = calib_model(g, ports, n_ports, &m)) != GRT_OK || (st = grt_core_create(NULL, &core)) != GRT_OK)
        goto done;
    /* float activations: no dynamic int8 quantization of MatMul inputs while collecting */
    grt_property dq = {GRT_PROP_DYNAMIC_QUANTIZATION_GROUP_SIZE, {GRT_VALUE_INT, 0, {.i = 0}}};
    if ((st = grt_core_compile_model(core, m, "CPU", &dq, 1, &cm)) != GRT_OK) {
        char msg[400];
        snprintf(msg, sizeof msg, "compress: compiling the calibration model for CPU: %s", grt_last_error());
        st = grt_set_last_error(st, msg);
        goto done;
    }
    if ((st = grt_compiled_model_create_infer_request(cm, &rq)) != GRT_OK) goto done;
    for (size_t s = 0; s < n_seq; s++) {
        if ((st = run_seq(rq, ds->seqs[s], ds->lens[s], s)) != GRT_OK) goto done;
        for (size_t i = 0; i < n_ports; i++) {
            char name[48];
            grt_tensor *t = NULL;
            snprintf(name, sizeof name, "grt.calib.%zu", i);
            if ((st = grt_infer_request_get_tensor(rq, name, &t)) != GRT_OK) goto done;
            size_t rank = grt_tensor_rank(t);
            const int64_t *d = grt_tensor_dims(t);
            if (grt_tensor_element_type(t) != GRT_F32 || rank < 1 || !grt_tensor_is_dense(t) || d[rank - 1] <= 0) {
                st = grt_error(GRT_ERROR_SHAPE, "compress: activation of node '%s' is not a dense f32 tensor",
                               g->nodes[ports[i].node].name);
                goto done;
            }
            int64_t k = d[rank - 1], tokens = (int64_t)grt_tensor_element_count(t) / k;
            if (!stats[i].k && grt_calib_stats_init(&stats[i], k, cap_rows)) {
                st = grt_error(GRT_ERROR_OUT_OF_MEMORY, "compress: out of memory for activation statistics");
                goto done;
            }
            if (stats[i].k != k) {
                st = grt_error(GRT_ERROR_SHAPE, "compress: activation of node '%s' changed width",
                               g->nodes[ports[i].node].name);
                goto done;
            }
            if (tokens > 0) grt_calib_stats_add(&stats[i], grt_tensor_data(t), tokens);
        }
    }
    st = GRT_OK;
done:
    grt_infer_request_destroy(rq);
    grt_compiled_model_destroy(cm);
    grt_core_destroy(core);
    grt_model_destroy(m);
    return st;
}
