/*
 * passes/compress_awq.c - AWQ scale search (see compress_data.h): per-input-channel scales
 * s = mean|x|^alpha, normalised by sqrt(max(s) * min(s)), over a grid of alpha; each candidate
 * quantizes W diag(s) and measures ||X W^T - (X / s) Q(W s)^T||^2 on the sampled activation rows
 * (equal to ||X (W - Q(W s) / s)^T||^2). Pure functions on caller buffers; reentrant.
 */
#include <math.h>
#include <stdlib.h>

#include "passes/compress_data.h"
#include "passes/compress_internal.h"

#define AWQ_GRID 20 /* alpha = i / AWQ_GRID, i = 0..AWQ_GRID */

/* ||X D^T||^2 / n with D = W - Q(W s) / s; ws, d: [rows, k] scratch. */
static double out_err(const float *w, int64_t rows, int64_t k, int64_t group, int bits, int sym, const float *s,
                      const float *x, int64_t n, float *ws, float *d) {
    for (int64_t r = 0; r < rows; r++)
        for (int64_t j = 0; j < k; j++) ws[r * k + j] = w[r * k + j] * (s ? s[j] : 1.0f);
    grt_cq_fake_quant(ws, rows, k, group, bits, sym, NULL, d);
    for (int64_t r = 0; r < rows; r++)
        for (int64_t j = 0; j < k; j++) d[r * k + j] = w[r * k + j] - d[r * k + j] / (s ? s[j] : 1.0f);
    double e = 0.0;
    for (int64_t t = 0; t < n; t++)
        for (int64_t r = 0; r < rows; r++) {
            double acc = 0.0;
            for (int64_t j = 0; j < k; j++) acc += (double)x[t * k + j] * d[r * k + j];
            e += acc * acc;
        }
    return n ? e / (double)n : 0.0;
}

double grt_awq_output_error(const float *w, int64_t rows, int64_t k, int64_t group, int bits, int sym,
                            const float *s, const float *x, int64_t n) {
    float *ws = malloc((size_t)(rows * k) * sizeof *ws), *d = malloc((size_t)(rows * k) * sizeof *d);
    double e = ws && d ? out_err(w, rows, k, group, bits, sym, s, x, n, ws, d) : -1.0;
    free(ws);
    free(d);
    return e;
}

double grt_awq_search(const float *const *ws, const int64_t *rows, size_t m, int64_t k, int64_t group, int bits,
                      int sym, const grt_calib_stats *st, float *s) {
    int64_t maxr = 0;
    for (size_t i = 0; i < m; i++)
        if (rows[i] > maxr) maxr = rows[i];
    float *tw = malloc((size_t)(maxr * k) * sizeof *tw), *td = malloc((size_t)(maxr * k) * sizeof *td);
    float *cur = malloc((size_t)k * sizeof *cur);
    double best = -1.0, best_alpha = 0.0;
    if (!tw || !td || !cur) {
        best_alpha = -1.0;
        goto done;
    }
    for (int64_t j = 0; j < k; j++) s[j] = 1.0f;
    for (int a = 0; a <= AWQ_GRID; a++) {
        double alpha = (double)a / AWQ_GRID, mx = 0.0, mn = INFINITY;
        for (int64_t j = 0; j < k; j++) {
            double mag = st->n_tokens ? st->sum_abs[j] / (double)st->n_tokens : 1.0;
            double v = pow(fmax(mag, 1e-4), alpha);
            cur[j] = (float)v;
            mx = fmax(mx, v);
            mn = fmin(mn, v);
        }
        double norm = sqrt(mx * mn);
        for (int64_t j = 0; j < k; j++) cur[j] = (float)(cur[j] / norm);
        double e = 0.0;
        for (size_t i = 0; i < m; i++)
            e += out_err(ws[i], rows[i], k, group, bits, sym, a ? cur : NULL, st->rows, st->n_rows, tw, td);
        if (best < 0 || e < best) {
            best = e;
            best_alpha = alpha;
            for (int64_t j = 0; j < k; j++) s[j] = a ? cur[j] : 1.0f;
        }
    }
done:
    free(tw);
    free(td);
    free(cur);
    return best_alpha;
}
