/*
 * passes/compress_scale_est.c - scale estimation (see compress_data.h): for every group of a
 * 4-bit weight, the scale minimising the activation-weighted error sum_j imp_j (w_j - dq_j)^2 with
 * imp_j = mean x_j^2 (the diagonal of the layer's Hessian X^T X / n). Candidates: the default scale
 * times 0.70, 0.725, .., 1.30; each is refined twice by the weighted least-squares scale of its
 * codes, s* = sum imp w c / sum imp c^2 (c = q - z). Pure functions; reentrant.
 */
#include <math.h>
#include <stdlib.h>

#include "frontends/gguf.h"
#include "passes/compress_data.h"
#include "passes/compress_internal.h"

/* Weighted error of group x[n] at scale s; the dequantized group into dq[n]. */
static double group_err(const float *x, int64_t n, int bits, int sym, float s, const double *imp, float *dq) {
    grt_cq_group_quant(x, n, bits, sym, s, NULL, 0, NULL, dq);
    double e = 0.0;
    for (int64_t j = 0; j < n; j++) e += imp[j] * ((double)x[j] - dq[j]) * ((double)x[j] - dq[j]);
    return e;
}

double grt_se_weighted_error(const float *w, int64_t rows, int64_t k, int64_t group, int bits, int sym,
                             const float *scales, const double *imp) {
    float *dq = malloc((size_t)(rows * k) * sizeof *dq);
    if (!dq) return -1.0;
    grt_cq_fake_quant(w, rows, k, group, bits, sym, scales, dq);
    double e = 0.0;
    for (int64_t r = 0; r < rows; r++)
        for (int64_t j = 0; j < k; j++) {
            double d = (double)w[r * k + j] - dq[r * k + j];
            e += imp[j] * d * d;
        }
    free(dq);
    return e;
}

int grt_se_scales(const float *w, int64_t rows, int64_t k, int64_t group, int bits, int sym, const double *imp,
                  float *out) {
    float *dq = malloc((size_t)group * sizeof *dq);
    int64_t ng = k / group;
    if (!dq) return -1;
    for (int64_t r = 0; r < rows; r++)
        for (int64_t g = 0; g < ng; g++) {
            const float *x = w + r * k + g * group;
            const double *im = imp + g * group;
            float s0 = grt_cq_group_scale(x, group, bits, sym), best_s = s0;
            double best = group_err(x, group, bits, sym, s0, im, dq);
            for (int m = 0; m <= 24; m++) {
                float s = s0 * (float)(0.70 + 0.025 * m);
                for (int it = 0; it < 3; it++) {
                    double e = group_err(x, group, bits, sym, s, im, dq);
                    if (e < best) {
                        best = e;
                        best_s = s;
                    }
                    if (it == 2) break;
                    /* codes c = dq / s_rounded; least-squares scale for those codes */
                    float sr = gguf_f16_to_f32(gguf_f32_to_f16(s));
                    double num = 0.0, den = 0.0;
                    for (int64_t j = 0; j < group; j++) {
                        double c = dq[j] / sr;
                        num += im[j] * x[j] * c;
                        den += im[j] * c * c;
                    }
                    if (!(den > 0.0)) break;
                    s = (float)(num / den);
                    if (!(fabsf(s) > 0.0f)) break;
                }
            }
            out[r * ng + g] = best_s;
        }
    free(dq);
    return 0;
}
