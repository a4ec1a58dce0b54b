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

/* min (sign < 0) or max (sign > 0) of init and x[0..n), in 8 lanes so that GCC vectorises it at
 * -O2 (minps / maxps have exactly the semantics of `a < b ? a : b`). The value does not depend on
 * the lane order; only the sign of a zero result might, which no caller looks at. */
static float extreme(const float *x, int64_t n, float init, int sign) {
    float m[8];
    int64_t j = 0;
    for (int k = 0; k < 8; k++) m[k] = init;
    if (sign < 0)
        for (; j + 8 <= n; j += 8)
            for (int k = 0; k < 8; k++) m[k] = x[j + k] < m[k] ? x[j + k] : m[k];
    else
        for (; j + 8 <= n; j += 8)
            for (int k = 0; k < 8; k++) m[k] = x[j + k] > m[k] ? x[j + k] : m[k];
    for (; j < n; j++) m[0] = (sign < 0 ? x[j] < m[0] : x[j] > m[0]) ? x[j] : m[0];
    for (int k = 1; k < 8; k++) m[0] = (sign < 0 ? m[k] < m[0] : m[k] > m[0]) ? m[k] : m[0];
    return m[0];
}

static float min_of(const float *x, int64_t n, float init) { return extreme(x, n, init, -1); }
static float max_of(const float *x, int64_t n, float init) { return extreme(x, n, init, 1); }

float grt_cq_group_scale(const float *x, int64_t n, int bits, int sym) {
    float mn = min_of(x, n, x[0]), mx = max_of(x, n, x[0]), s;
    if (sym) { /* NNCF signed scale: the extreme of larger magnitude maps to -2^(b-1) */
        float f = (float)(1 << (bits - 1));
        s = -mn >= mx ? -mn / f : -mx / f; /* NNCF uses |min| >= max, which clips a constant positive group */
        if (fabsf(s) < FLT_EPSILON) s = FLT_EPSILON;
    } else {
        /* NNCF: scale = (max - min) / (2^b - 1), zero point = clip(-round(min / scale)).
           Where the group's range holds 0 (every per-channel row of a real weight) this is
           NNCF's formula exactly. A group that is all positive or all negative would get a
           clipped zero point under NNCF and lose its values (measured: int8 group 4 on
           stories260K, KLD 3.2e-3 -> 1.25); widening the range to hold 0 keeps it exact. */
        mn = mn < 0.0f ? mn : 0.0f;
        mx = mx > 0.0f ? mx : 0.0f;
        s = (mx - mn) / (float)((1 << bits) - 1);
        if (s < FLT_EPSILON) s = FLT_EPSILON;
    }
    return s;
}

/* Codes of a chunk: c[j] = clamp(round(x[j] / s) + z, lo, hi) with round half away from zero
 * (roundf). x / s is first clamped to [lo - z - 1, hi - z + 1] (integers, so the clamped result
 * is unchanged); then |v| < 2^23 and round(v) = t + (frac >= .5) - (frac <= -.5) with t =
 * trunc(v) and the exact fraction v - t. Branch-free so that GCC vectorises it at -O2. */
static void codes(const float *x, int64_t n, float s, float z, float lo, float hi, float *c) {
    float a = lo - z - 1.0f, b = hi - z + 1.0f;
    for (int64_t j = 0; j < n; j++) {
        float v = x[j] / s;
        v = v < a ? a : v > b ? b : v;
        float t = (float)(int32_t)v, d = v - t;
        t += (d >= 0.5f ? 1.0f : 0.0f) - (d <= -0.5f ? 1.0f : 0.0f);
        t += z;
        c[j] = t < lo ? lo : t > hi ? hi : t;
    }
}

/* Stores codes c[n] (exact small integers) at element index qbase of q. */
static void pack(const float *c, int64_t n, int bits, uint8_t *q, int64_t qbase) {
    int64_t j = 0;
    if (bits == 8) {
        uint8_t *p = q + qbase;
        for (; j < n; j++) p[j] = (uint8_t)(int32_t)c[j];
        return;
    }
    if (qbase % 2) put(q, qbase + j++, bits, (int)c[0]);
    uint8_t *p = q + (qbase + j) / 2;
    for (; j + 1 < n; j += 2, p++)
        *p = (uint8_t)(((uint32_t)(int32_t)c[j] & 0xfu) | ((uint32_t)(int32_t)c[j + 1] & 0xfu) << 4);
    if (j < n) put(q, qbase + j, bits, (int)c[j]);
}

#define CHUNK 256

uint16_t grt_cq_group_quant(const float *x, int64_t n, int bits, int sym, float s, uint8_t *q, int64_t qbase,
                            int *zp, float *dq) {
    float lo = sym ? -(float)(1 << (bits - 1)) : 0.0f, hi = sym ? -lo - 1.0f : (float)((1 << bits) - 1), z = 0.0f;
    float c[CHUNK];
    /* the scale is stored as f16 (as NNCF's OpenVINO subgraph does); unlike NNCF we quantize
       with the rounded scale, so the stored codes minimise the error of what is dequantized */
    uint16_t h = gguf_f32_to_f16(s);
    s = gguf_f16_to_f32(h);
    if (!sym) z = clampf(-roundf(min_of(x, n, 0.0f) / s), lo, hi);
    if (zp) *zp = (int)z;
    for (int64_t j0 = 0; j0 < n; j0 += CHUNK) {
        int64_t m = n - j0 < CHUNK ? n - j0 : CHUNK;
        codes(x + j0, m, s, z, lo, hi, c);
        if (q) pack(c, m, bits, q, qbase + j0);
        if (dq)
            for (int64_t j = 0; j < m; j++) dq[j0 + j] = (c[j] - z) * s;
    }
    return h;
}

void grt_cq_quantize_scaled(const float *w, int64_t rows, int64_t cols, int64_t group, int bits, int sym,
                            const float *scale_in, uint8_t *q, uint16_t *scales, uint8_t *zp) {
    int64_t ng = cols / group;
    for (int64_t r = 0; r < rows; r++)
        for (int64_t gi = 0; gi < ng; gi++) {
            const float *x = w + r * cols + gi * group;
            int64_t sidx = r * ng + gi;
            float s = scale_in ? scale_in[sidx] : grt_cq_group_scale(x, group, bits, sym);
            int z;
            scales[sidx] = grt_cq_group_quant(x, group, bits, sym, s, q, r * cols + gi * group, &z, NULL);
            if (!sym) put(zp, sidx, bits, z);
        }
}

void grt_cq_quantize(const float *w, int64_t rows, int64_t cols, int64_t group, int bits, int sym,
                     uint8_t *q, uint16_t *scales, uint8_t *zp) {
    grt_cq_quantize_scaled(w, rows, cols, group, bits, sym, NULL, q, scales, zp);
}

void grt_cq_fake_quant(const float *w, int64_t rows, int64_t cols, int64_t group, int bits, int sym,
                       const float *scale_in, float *out) {
    int64_t ng = cols / group;
    for (int64_t r = 0; r < rows; r++)
        for (int64_t gi = 0; gi < ng; gi++) {
            const float *x = w + r * cols + gi * group;
            float s = scale_in ? scale_in[r * ng + gi] : grt_cq_group_scale(x, group, bits, sym);
            grt_cq_group_quant(x, group, bits, sym, s, NULL, 0, NULL, out + r * cols + gi * group);
        }
}

void grt_cq_dequantize(const uint8_t *q, const uint16_t *scales, const uint8_t *zp, int64_t rows,
                       int64_t cols, int64_t group, int bits, int sym, float *out) {
    int64_t ng = cols / group;
    for (int64_t r = 0; r < rows; r++)
        for (int64_t gi = 0; gi < ng; gi++) {
            int64_t sidx = r * ng + gi, base = r * cols + gi * group;
            float z = sym ? 0.0f : (float)get(zp, sidx, bits, 0), s = gguf_f16_to_f32(scales[sidx]);
            float *o = out + base;
            if (bits == 8) {
                const uint8_t *p = q + base;
                if (sym)
                    for (int64_t j = 0; j < group; j++) o[j] = (float)(int8_t)p[j] * s;
                else
                    for (int64_t j = 0; j < group; j++) o[j] = ((float)p[j] - z) * s;
            } else if (base % 2 == 0 && group % 2 == 0) { /* whole bytes: low nibble first */
                const uint8_t *p = q + base / 2;
                int x = sym ? 8 : 0; /* (v ^ 8) - 8 sign-extends a 4-bit code */
                for (int64_t j = 0; j < group / 2; j++) {
                    o[2 * j] = ((float)(((p[j] & 0xf) ^ x) - x) - z) * s;
                    o[2 * j + 1] = ((float)(((p[j] >> 4) ^ x) - x) - z) * s;
                }
            } else {
                for (int64_t j = 0; j < group; j++) o[j] = ((float)get(q, base + j, bits, sym) - z) * s;
            }
        }
}

double grt_cq_int8_error_frob(const float *w, int64_t rows, int64_t cols, double *frob) {
    float *d = malloc((size_t)cols * sizeof *d);
    double worst = 0.0, total = 0.0;
    if (!d) return -1.0;
    for (int64_t r = 0; r < rows; r++) {
        const float *x = w + r * cols;
        grt_cq_fake_quant(x, 1, cols, cols, 8, 0, NULL, d);
        double sum = 0.0;
        for (int64_t c = 0; c < cols; c++) sum += ((double)d[c] - x[c]) * ((double)d[c] - x[c]);
        if (sum / (double)cols > worst) worst = sum / (double)cols;
        total += sum;
    }
    free(d);
    if (frob) *frob = sqrt(total);
    return worst;
}

double grt_cq_int8_error(const float *w, int64_t rows, int64_t cols) {
    return grt_cq_int8_error_frob(w, rows, cols, NULL);
}

int grt_cq_select_scores(const double *score, const int64_t *numel, size_t n, double ratio, int *is4) {
    size_t *ord = malloc((n ? n : 1) * sizeof *ord);
    if (!ord) return -1;
    double total = 0.0, in4 = 0.0;
    for (size_t i = 0; i < n; i++) {
        ord[i] = i;
        is4[i] = 0;
        total += (double)numel[i];
    }
    /* insertion sort by ascending score; stable */
    for (size_t i = 1; i < n; i++) {
        size_t v = ord[i], j = i;
        while (j > 0 && score[ord[j - 1]] > score[v]) {
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

int grt_cq_select(const double *err, const int64_t *numel, size_t n, double ratio, int *is4) {
    double *score = malloc((n ? n : 1) * sizeof *score);
    if (!score) return -1;
    for (size_t i = 0; i < n; i++) score[i] = 1.0 / (err[i] + FLT_EPSILON); /* NNCF: 1 / (error + eps) */
    int rc = grt_cq_select_scores(score, numel, n, ratio, is4);
    free(score);
    return rc;
}
