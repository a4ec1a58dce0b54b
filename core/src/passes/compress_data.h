/*
 * passes/compress_data.h - core-private pieces of data-aware weight compression (genrt/compress.h):
 * activation statistics of MatMul inputs and the calibration run (compress_calib.c), the NNCF
 * data-aware sensitivity scores (compress_metric.c), AWQ (compress_awq.c) and scale estimation
 * (compress_scale_est.c), GPTQ (compress_gptq.c), plus the candidate record the pass (compress.c) shares with them.
 * Statistics own their arrays (grt_calib_stats_free); everything else works on caller-owned
 * buffers. Reentrant; single-threaded per call.
 */
#ifndef GENRT_PASSES_COMPRESS_DATA_H
#define GENRT_PASSES_COMPRESS_DATA_H

#include <genrt/compress.h>

#include "ir/graph.h"

/* Precision of a candidate weight. */
enum { GRT_CQ_KEEP, GRT_CQ_IGNORED, GRT_CQ_F16, GRT_CQ_I8A, GRT_CQ_I8S, GRT_CQ_I4S, GRT_CQ_I4A };

/* One compressible weight of the pass. */
typedef struct grt_cq_cand {
    uint32_t node;          /* Constant node in the working graph */
    int gather, matmul_only, prec;
    int64_t rows, cols, group;
    float *w;               /* f32 copy [rows, cols], owned by the pass; AWQ rescales it */
    float *scales;          /* per-group scales from scale estimation [rows * cols / group], or NULL */
    int stat;               /* index of its input statistics, -1 = none */
    uint32_t act_node;      /* the MatMul reading it (input 0 = its activation) */
} grt_cq_cand;

/* Statistics of one activation X [tokens, k] over the calibration samples (one sample = one
 * sequence). Per-sample reductions follow NNCF's reducers (reduction over the token axis). */
typedef struct grt_calib_stats {
    int64_t k, n_tokens, n_samples;
    double *sum_abs, *sum, *sum_sq; /* [k] over all tokens */
    float *max_abs;                 /* [k] */
    double s_mean_var;    /* sum over samples of mean_k var_t(x)          (MEAN_ACTIVATION_VARIANCE) */
    double s_max_var;     /* sum over samples of max_k var_t(x)           (MAX_ACTIVATION_VARIANCE) */
    double s_mean_absmax; /* sum over samples of mean_k max_t |x|         (MEAN_ACTIVATION_MAGNITUDE) */
    double s_mean_sq;     /* sum over samples of mean_{t,k} x^2           (HESSIAN_INPUT_ACTIVATION) */
    float *rows;          /* [n_rows, k]: reservoir sample of token rows (AWQ, scale estimation) */
    int64_t n_rows, cap_rows, seen;
    uint64_t rng;
    double *tmp;          /* [2k] scratch */
} grt_calib_stats;

/* Returns 0, -1 on allocation failure (s is then freed). */
int grt_calib_stats_init(grt_calib_stats *s, int64_t k, int64_t cap_rows);
void grt_calib_stats_free(grt_calib_stats *s);
/* Adds one sample x[tokens][k] (tokens >= 1). */
void grt_calib_stats_add(grt_calib_stats *s, const float *x, int64_t tokens);
/* Multiplies channel j of the recorded activations by f[j] (after a fold of AWQ scales). */
void grt_calib_stats_scale(grt_calib_stats *s, const float *f);

/* Runs graph g (LLM inputs input_ids, position_ids; state reset per sequence) on the CPU device
 * over the first `subset` sequences of ds, collecting stats[i] for the activation at ports[i]
 * (outputs of shape [..., k]). stats[] must be zeroed; filled on success, freed by the caller
 * either way. Errors: INVALID_ARGUMENT (empty sequence, missing input), NOT_FOUND (no CPU
 * device), runtime errors, OUT_OF_MEMORY. */
grt_status grt_calib_collect(const grt_ir_graph *g, const grt_port *ports, size_t n_ports,
                             const grt_compress_dataset *ds, int64_t subset, int64_t cap_rows,
                             grt_calib_stats *stats);

/* NNCF's activation statistic of `metric` (mean over samples; HESSIAN: the Hessian trace
 * 2 * mean_samples mean(x^2)). */
double grt_calib_activation_stat(const grt_calib_stats *s, uint32_t metric);
/* NNCF's data-aware score of weight w[rows][cols] (lower = less sensitive = 4-bit first):
 * HESSIAN: ||w - dq8(w)||_F * trace; others: stat / (max-row-MSE of dq8 + eps). -1 on OOM. */
double grt_calib_score(uint32_t metric, const float *w, int64_t rows, int64_t cols, const grt_calib_stats *s);

/* ||X W^T - (X / s) Q(W diag(s))^T||_F^2 / (n rows) for X = x[n][k], W = w[rows][k] quantized in
 * groups; s NULL = all ones (plain quantization). -1 on allocation failure. */
double grt_awq_output_error(const float *w, int64_t rows, int64_t k, int64_t group, int bits, int sym,
                            const float *s, const float *x, int64_t n);
/* AWQ search for m weights ws[i] ([rows[i], k]) reading the same activation: s = mean|x|^alpha
 * (normalised by sqrt(max * min)) for alpha in {0, 0.05, .., 1}, the one minimising the summed
 * output error over the sampled rows. s[k] receives it (all 1 when alpha = 0 wins). Returns the
 * best alpha, -1 on allocation failure. */
double grt_awq_search(const float *const *ws, const int64_t *rows, size_t m, int64_t k, int64_t group, int bits,
                      int sym, const grt_calib_stats *st, float *s);

/* Weighted error sum_{r,j} imp[j] (w - dq(w))^2 with scales (NULL = default). */
double grt_se_weighted_error(const float *w, int64_t rows, int64_t k, int64_t group, int bits, int sym,
                             const float *scales, const double *imp);
/* Scale estimation: per-group scales out[rows * k / group] minimising the importance-weighted
 * error sum_j imp[j] (w_j - dq_j)^2 of each group (imp = mean x^2 per input channel): multipliers
 * 0.70..1.30 of the default scale, each refined by weighted least squares of the scale for the
 * fixed codes; the default scale is kept when nothing is better. Returns 0, -1 on OOM. */
int grt_se_scales(const float *w, int64_t rows, int64_t k, int64_t group, int bits, int sym, const double *imp,
                  float *out);

/* GPTQ on w[rows][k] in place (see compress_gptq.c) with activation rows x[n][k]: w receives
 * the dequantized weights, scales[rows * k / group] the group scales that reproduce them.
 * Returns 0, -1 on allocation failure or a singular Hessian. */
int grt_gptq(float *w, int64_t rows, int64_t k, int64_t group, int bits, int sym, const float *x, int64_t n,
             float *scales);

/* Data-aware steps of the pass on graph g (see compress.c): collect statistics for the MatMul
 * candidates, then (after the precisions are final) AWQ with folds, then scale estimation. */
typedef struct grt_cq_data {
    grt_calib_stats *stats;
    size_t n_stats;
} grt_cq_data;
grt_status grt_cq_data_collect(const grt_ir_graph *g, grt_cq_cand *cs, size_t nc, const grt_compress_config *cfg,
                               grt_cq_data *d);
grt_status grt_cq_data_apply(grt_ir_graph *g, grt_cq_cand *cs, size_t nc, const grt_compress_config *cfg,
                             grt_cq_data *d);
void grt_cq_data_free(grt_cq_data *d);

#endif
