/*
 * passes/compress_metric.c - NNCF's data-aware sensitivity scores for the mixed-precision ranking
 * (see compress_data.h; nncf/quantization/algorithms/weight_compression/mixed_precision.py):
 *   HESSIAN_INPUT_ACTIVATION   ||W - dq8(W)||_F * htrace, htrace = 2/n * sum_samples mean(x^2)
 *   MEAN_ACTIVATION_VARIANCE   1/(e8 + eps) * mean_samples mean_k var_t(x)
 *   MAX_ACTIVATION_VARIANCE    1/(e8 + eps) * mean_samples max_k var_t(x)
 *   MEAN_ACTIVATION_MAGNITUDE  1/(e8 + eps) * mean_samples mean_k max_t |x|
 * where e8 is the largest per-row MSE of INT8_ASYM per-channel quantization and eps float32's
 * epsilon. Layers are taken into 4-bit by ascending score. Pure functions; reentrant.
 */
#include <float.h>

#include "passes/compress_data.h"
#include "passes/compress_internal.h"

double grt_calib_activation_stat(const grt_calib_stats *s, uint32_t metric) {
    if (!s->n_samples) return 0.0;
    double n = (double)s->n_samples;
    switch (metric) {
    case GRT_SENSITIVITY_HESSIAN_INPUT_ACTIVATION: return 2.0 * s->s_mean_sq / n;
    case GRT_SENSITIVITY_MEAN_ACTIVATION_VARIANCE: return s->s_mean_var / n;
    case GRT_SENSITIVITY_MAX_ACTIVATION_VARIANCE: return s->s_max_var / n;
    case GRT_SENSITIVITY_MEAN_ACTIVATION_MAGNITUDE: return s->s_mean_absmax / n;
    default: return 1.0;
    }
}

double grt_calib_score(uint32_t metric, const float *w, int64_t rows, int64_t cols, const grt_calib_stats *s) {
    double frob = 0.0, e8 = grt_cq_int8_error_frob(w, rows, cols, &frob);
    if (e8 < 0) return -1.0;
    double act = grt_calib_activation_stat(s, metric);
    if (metric == GRT_SENSITIVITY_HESSIAN_INPUT_ACTIVATION) return frob * act;
    return act / (e8 + FLT_EPSILON);
}
