/*
 * passes/compress_quant.c - group quantizer, dequantizer, the data-free sensitivity and the ratio
 * assignment of weight compression (see compress_internal.h). Pure functions; reentrant.
 */
#include "passes/compress_internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "frontends/gguf.h" /* gguf_f32_to_f16 / gguf_f16_to_f32 */

static void put(uint8_t *p, int64_t i, int bits, int v) {
    if (bits == 8) {
        p[i] = (uint8_t)v;
    } else {
        uint8_t nib = (uint8_t)(v & 0xf);
        p[i / 2] = (uint8_t)(i % 2 ? (p[i / 2] & 0x0f) | nib << 4 : (p[i / 2] & 0xf0) | nib);
    }
}

static int get(const uint8_t *p, int64_t i, int bits, int sym) {
    if (bits == 8) return sym ? (int)(int8_t)p[i] : (int)p[i];
    int v = (p[i / 2] >> (i % 2 ? 4 : 0)) & 0xf;
    return sym && v >= 8 ? v - 16 : v;
}

static float clampf(float v, float lo, float hi) { return v < lo ? lo : v > hi ? hi : v; }

void grt_cq_quantize(const float *w, int64_t rows, int64_t cols, int64_t group, int bits, int sym,
                     uint8_t *q, uint16_t *scales, uint8_t *zp) {
    int64_t ng = cols / group;
    for (int64_t r = 0; r < rows; r++) {
        for (int64_t gi = 0; gi < ng; gi++) {
            const float *x = w + r * cols + gi * group;
            int64_t base = r * cols + gi * group, sidx = r * ng + gi;
            float mn = x[0], mx = x[0];
            for (int64_t j = 1; j < group; j++) {
                mn = fminf(mn, x[j]);
                mx = fmaxf(mx, x[j]);
            }
            float s, lo, hi, z = 0.0f;
            if (sym) { /* NNCF signed scale: the extreme of larger magnitude maps to -2^(b-1) */
                float f = (float)(1 << (bits - 1));
                s = -mn >= mx ? -mn / f : -mx / f; /* NNCF uses |min| >= max, which clips a constant positive group */
                if (fabsf(s) < FLT_EPSILON) s = FLT_EPSILON;
                lo = -f;
                hi = f - 1.0f;
            } else {
                /* NNCF: scale = (max - min) / (2^b - 1), zero point = clip(-round(min / scale)).
                   Where the group's range holds 0 (every per-channel row of a real weight) this is
                   NNCF's formula exactly. A group that is all positive or all negative would get a
                   clipped zero point under NNCF and lose its values (measured: int8 group 4 on
                   stories260K, KLD 3.2e-3 -> 1.25); widening the range to hold 0 keeps it exact. */
                float lv = (float)((1 << bits) - 1);
                mn = fminf(mn, 0.0f);
                mx = fmaxf(mx, 0.0f);
                s = (mx - mn) / lv;
                if (s < FLT_EPSILON) s = FLT_EPSILON;
                lo = 0.0f;
                hi = lv;
            }
            /* the scale is stored as f16 (as NNCF's OpenVINO subgraph does); unlike NNCF we quantize
               with the rounded scale, so the stored codes minimise the error of what is dequantized */
            scales[sidx] = gguf_f32_to_f16(s);
            s = gguf_f16_to_f32(scales[sidx]);
            if (!sym) {
                z = clampf(-roundf(mn / s), lo, hi);
                put(zp, sidx, bits, (int)z);
            }
            for (int64_t j = 0; j < group; j++)
                put(q, base + j, bits, (int)clampf(roundf(x[j] / s) + z, lo, hi));
        }
    }
}

void grt_cq_dequantize(const uint8_t *q, const uint16_t *scales, const uint8_t *zp, int64_t rows,
                       int64_t cols, int64_t group, int bits, int sym, float *out) {
    int64_t ng = cols / group;
    for (int64_t r = 0; r < rows; r++)
        for (int64_t c = 0; c < cols; c++) {
            int64_t sidx = r * ng + c / group;
            int z = sym ? 0 : get(zp, sidx, bits, 0);
            out[r * cols + c] = (float)(get(q, r * cols + c, bits, sym) - z) * gguf_f16_to_f32(scales[sidx]);
        }
}

double grt_cq_int8_error(const float *w, int64_t rows, int64_t cols) {
    uint8_t *q = malloc((size_t)cols), zp[1];
    uint16_t s[1];
    float *d = malloc((size_t)cols * sizeof *d);
    double worst = -1.0;
    if (!q || !d) goto done;
    worst = 0.0;
    for (int64_t r = 0; r < rows; r++) {
        const float *x = w + r * cols;
        grt_cq_quantize(x, 1, cols, cols, 8, 0, q, s, zp);
        grt_cq_dequantize(q, s, zp, 1, cols, cols, 8, 0, d);
        double sum = 0.0;
        for (int64_t c = 0; c < cols; c++) sum += ((double)d[c] - x[c]) * ((double)d[c] - x[c]);
        if (sum / (double)cols > worst) worst = sum / (double)cols;
    }
done:
    free(q);
    free(d);
    return worst;
}

int grt_cq_select(const double *err, const int64_t *numel, size_t n, double ratio, int *is4) {
    size_t *ord = malloc((n ? n : 1) * sizeof *ord);
    if (!ord) return -1;
    double total = 0.0, in4 = 0.0;
    for (size_t i = 0; i < n; i++) {
        ord[i] = i;
        is4[i] = 0;
        total += (double)numel[i];
    }
    /* insertion sort by descending error == ascending score 1/(err+eps); stable */
    for (size_t i = 1; i < n; i++) {
        size_t v = ord[i], j = i;
        while (j > 0 && err[ord[j - 1]] < err[v]) {
            ord[j] = ord[j - 1];
            j--;
        }
        ord[j] = v;
    }
    for (size_t k = 0; k < n; k++) {
        size_t i = ord[k];
        if (ratio < 1.0 && (in4 + (double)numel[i]) / total >= ratio) break;
        is4[i] = 1;
        in4 += (double)numel[i];
    }
    free(ord);
    return 0;
}
