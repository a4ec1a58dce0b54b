/*
 * passes/compress_gptq.c - GPTQ (Frantar et al., 2022) error-compensating rounding for weight
 * compression (see compress_data.h): with H = X^T X / n + damp I from the sampled activation rows
 * and U the upper Cholesky factor of H^-1, each row is quantized column by column (scale and zero
 * point of a group fixed when its first column is reached, from the weights updated so far) and
 * the rounding error of column j, (w_j - q_j) / U_jj, is spread over the later columns by row j of
 * U. The row is left holding its dequantized values, which the group quantizer then reproduces
 * exactly with the returned scales. Pure functions on caller buffers; reentrant.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "frontends/gguf.h"
#include "passes/compress_data.h"
#include "passes/compress_internal.h"

/* In-place lower Cholesky factor of a[n][n] (symmetric positive definite); 0 ok, -1 not PD. */
static int cholesky(double *a, int64_t n) {
    for (int64_t j = 0; j < n; j++) {
        double d = a[j * n + j];
        for (int64_t p = 0; p < j; p++) d -= a[j * n + p] * a[j * n + p];
        if (!(d > 0.0)) return -1;
        d = sqrt(d);
        a[j * n + j] = d;
        for (int64_t i = j + 1; i < n; i++) {
            double v = a[i * n + j];
            for (int64_t p = 0; p < j; p++) v -= a[i * n + p] * a[j * n + p];
            a[i * n + j] = v / d;
        }
        for (int64_t p = j + 1; p < n; p++) a[j * n + p] = 0.0;
    }
    return 0;
}

/* u[k][k] = upper Cholesky factor of (x^T x / n + damp I)^-1; 0 ok, -1 (OOM / not PD). */
static int hinv_factor(const float *x, int64_t n, int64_t k, double *u) {
    double *h = calloc((size_t)(k * k), sizeof *h), *inv = calloc((size_t)(k * k), sizeof *inv);
    int rc = -1;
    if (!h || !inv) goto done;
    for (int64_t t = 0; t < n; t++)
        for (int64_t i = 0; i < k; i++)
            for (int64_t j = 0; j <= i; j++) h[i * k + j] += (double)x[t * k + i] * x[t * k + j] / (double)n;
    double mean_diag = 0.0;
    for (int64_t i = 0; i < k; i++) mean_diag += h[i * k + i] / (double)k;
    for (int64_t i = 0; i < k; i++) {
        h[i * k + i] += 0.01 * mean_diag + 1e-12; /* GPTQ's 1% dampening */
        for (int64_t j = 0; j < i; j++) h[j * k + i] = h[i * k + j];
    }
    if (cholesky(h, k)) goto done; /* h = L, H = L L^T */
    for (int64_t c = 0; c < k; c++) { /* inv column c = H^-1 e_c: solve L y = e_c, L^T z = y */
        double *z = u; /* scratch column */
        for (int64_t i = 0; i < k; i++) {
            double v = i == c ? 1.0 : 0.0;
            for (int64_t p = 0; p < i; p++) v -= h[i * k + p] * z[p];
            z[i] = v / h[i * k + i];
        }
        for (int64_t i = k - 1; i >= 0; i--) {
            double v = z[i];
            for (int64_t p = i + 1; p < k; p++) v -= h[p * k + i] * z[p];
            z[i] = v / h[i * k + i];
        }
        for (int64_t i = 0; i < k; i++) inv[i * k + c] = z[i];
    }
    /* U upper with H^-1 = U^T U (GPTQ's cholesky(H^-1, upper=True)) is the transpose of the
       lower factor */
    if (cholesky(inv, k)) goto done;
    for (int64_t i = 0; i < k; i++)
        for (int64_t j = 0; j < k; j++) u[i * k + j] = inv[j * k + i];
    rc = 0;
done:
    free(h);
    free(inv);
    return rc;
}

int grt_gptq(float *w, int64_t rows, int64_t k, int64_t group, int bits, int sym, const float *x, int64_t n,
             float *scales) {
    double *u = malloc((size_t)(k * k) * sizeof *u);
    if (!u) return -1;
    if (hinv_factor(x, n, k, u)) {
        free(u);
        return -1;
    }
    int64_t ng = k / group;
    float lo = sym ? -(float)(1 << (bits - 1)) : 0.0f, hi = sym ? -lo - 1.0f : (float)((1 << bits) - 1);
    for (int64_t r = 0; r < rows; r++) {
        float *row = w + r * k, s = 1.0f, z = 0.0f;
        for (int64_t j = 0; j < k; j++) {
            if (j % group == 0) { /* group parameters from the weights as updated so far */
                const float *g = row + j;
                float s0 = grt_cq_group_scale(g, group, bits, sym), mn = 0.0f;
                scales[r * ng + j / group] = s0;
                s = gguf_f16_to_f32(gguf_f32_to_f16(s0));
                for (int64_t p = 0; p < group; p++) mn = fminf(mn, g[p]);
                z = sym ? 0.0f : fminf(hi, fmaxf(lo, -roundf(mn / s)));
            }
            float q = fminf(hi, fmaxf(lo, roundf(row[j] / s) + z)), dq = (q - z) * s;
            double err = ((double)row[j] - dq) / u[j * k + j];
            for (int64_t i = j + 1; i < k; i++) row[i] -= (float)(err * u[j * k + i]);
            row[j] = dq;
        }
    }
    free(u);
    return 0;
}
