/*
 * tests/ops/ref/ref_attention.c - reference RoPE (half-rotation and interleaved, partial rotary
 * dims, linear and llama3 frequency scaling), ScaledDotProductAttention (bottom-right causal, GQA,
 * additive mask, scale) and MoE (softmax router, top-k, SwiGLU experts). Double arithmetic;
 * reentrant; scratch buffers are malloc'ed and freed inside each call.
 */
#include "ref.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void ref_rope_defaults(ref_rope_params *p)
{
    memset(p, 0, sizeof(*p));
    p->theta = 10000.0;
    p->factor = 1.0;
    p->low_freq_factor = 1.0;
    p->high_freq_factor = 4.0;
    p->original_max_position = 8192;
}

static double rope_inv_freq(const ref_rope_params *p, int64_t i, int64_t r)
{
    double inv = pow(p->theta, -2.0 * (double)i / (double)r);
    if (p->scaling == 1) {
        inv /= p->factor;
    } else if (p->scaling == 2) {
        double orig = (double)p->original_max_position;
        double wavelen = 2.0 * M_PI / inv;
        double lo = orig / p->low_freq_factor, hi = orig / p->high_freq_factor;
        if (wavelen < hi) {
            /* high frequency: unchanged */
        } else if (wavelen > lo) {
            inv /= p->factor;
        } else {
            double smooth = (orig / wavelen - p->low_freq_factor) /
                            (p->high_freq_factor - p->low_freq_factor);
            inv = (1.0 - smooth) * inv / p->factor + smooth * inv;
        }
    }
    return inv;
}

int ref_rope(const ref_tensor *x, const ref_tensor *positions, const ref_rope_params *p,
             ref_tensor *out)
{
    memset(out, 0, sizeof(*out));
    if (x->rank != 4)
        return -1;
    int64_t b = x->dims[0], h = x->dims[1], s = x->dims[2], d = x->dims[3];
    int64_t r = p->rotary_dims ? p->rotary_dims : d;
    if (r % 2 != 0 || r > d)
        return -1;
    int per_batch;
    if (positions->rank == 1 && positions->dims[0] == s)
        per_batch = 0;
    else if (positions->rank == 2 && positions->dims[0] == b && positions->dims[1] == s)
        per_batch = 1;
    else
        return -1;
    if (ref_tensor_alloc(out, x->type, 4, x->dims) != 0)
        return -1;
    for (int64_t bi = 0; bi < b; bi++) {
        for (int64_t hi = 0; hi < h; hi++) {
            for (int64_t si = 0; si < s; si++) {
                size_t row = (size_t)(((bi * h + hi) * s + si) * d);
                const double *src = x->v + row;
                double *dst = out->v + row;
                double pos = positions->v[per_batch ? bi * s + si : si];
                memcpy(dst, src, (size_t)d * sizeof(double));
                for (int64_t i = 0; i < r / 2; i++) {
                    double a = pos * rope_inv_freq(p, i, r);
                    int64_t i0 = p->mode == 0 ? i : 2 * i;
                    int64_t i1 = p->mode == 0 ? i + r / 2 : 2 * i + 1;
                    double x0 = src[i0], x1 = src[i1];
                    dst[i0] = x0 * cos(a) - x1 * sin(a);
                    dst[i1] = x0 * sin(a) + x1 * cos(a);
                }
            }
        }
    }
    return 0;
}

int ref_sdpa(const ref_tensor *q, const ref_tensor *k, const ref_tensor *v, const ref_tensor *mask,
             int causal, double scale, ref_tensor *out)
{
    double *s = NULL;
    memset(out, 0, sizeof(*out));
    if (q->rank != 4 || k->rank != 4 || v->rank != 4)
        return -1;
    int64_t B = q->dims[0], hq = q->dims[1], sq = q->dims[2], D = q->dims[3];
    int64_t hkv = k->dims[1], skv = k->dims[2], dv = v->dims[3];
    if (k->dims[0] != B || v->dims[0] != B || k->dims[3] != D || v->dims[1] != hkv ||
        v->dims[2] != skv || hkv == 0 || hq % hkv != 0)
        return -1;
    int64_t full[4] = {B, hq, sq, skv}, bshape[4];
    size_t brank;
    if (mask && (mask->rank > 4 ||
                 ref_broadcast_shape(mask->rank, mask->dims, 4, full, &brank, bshape) != 0 ||
                 memcmp(bshape, full, sizeof(full)) != 0))
        return -1;
    int64_t od[4] = {B, hq, sq, dv};
    if (ref_tensor_alloc(out, q->type, 4, od) != 0)
        return -1;
    if (scale == 0.0)
        scale = 1.0 / sqrt((double)D);
    s = malloc((size_t)(skv > 0 ? skv : 1) * sizeof(double));
    if (!s) {
        ref_tensor_free(out);
        return -1;
    }
    int64_t group = hq / hkv;
    for (int64_t b = 0; b < B; b++) {
        for (int64_t h = 0; h < hq; h++) {
            int64_t kh = h / group;
            for (int64_t i = 0; i < sq; i++) {
                const double *qr = q->v + ((b * hq + h) * sq + i) * D;
                double *o = out->v + ((b * hq + h) * sq + i) * dv;
                int64_t last = causal ? i + (skv - sq) : skv - 1; /* last visible key */
                if (last > skv - 1)
                    last = skv - 1;
                if (last < 0)
                    continue; /* sees no key: zeros */
                double mx = -INFINITY, sum = 0.0;
                for (int64_t j = 0; j <= last; j++) {
                    const double *kr = k->v + ((b * hkv + kh) * skv + j) * D;
                    double acc = 0.0;
                    for (int64_t d = 0; d < D; d++)
                        acc += qr[d] * kr[d];
                    acc *= scale;
                    if (mask) {
                        int64_t idx[4] = {b, h, i, j};
                        acc += mask->v[ref_broadcast_offset(mask->rank, mask->dims, 4, idx)];
                    }
                    s[j] = acc;
                    mx = fmax(mx, acc);
                }
                for (int64_t j = 0; j <= last; j++) {
                    s[j] = exp(s[j] - mx);
                    sum += s[j];
                }
                for (int64_t j = 0; j <= last; j++) {
                    const double *vr = v->v + ((b * hkv + kh) * skv + j) * dv;
                    for (int64_t d = 0; d < dv; d++)
                        o[d] += s[j] / sum * vr[d];
                }
            }
        }
    }
    free(s);
    return 0;
}

int ref_moe(const ref_tensor *x, const ref_tensor *router, const ref_tensor *w_gate,
            const ref_tensor *w_up, const ref_tensor *w_down, int64_t top_k, int normalize,
            ref_tensor *out)
{
    double *p = NULL, *act = NULL;
    int *chosen = NULL;
    int rc = -1;
    memset(out, 0, sizeof(*out));
    if (x->rank != 2 || router->rank != 2 || w_gate->rank != 3 || w_up->rank != 3 ||
        w_down->rank != 3)
        return -1;
    int64_t T = x->dims[0], H = x->dims[1], E = router->dims[0], I = w_gate->dims[1];
    if (router->dims[1] != H || w_gate->dims[0] != E || w_gate->dims[2] != H ||
        w_up->dims[0] != E || w_up->dims[1] != I || w_up->dims[2] != H || w_down->dims[0] != E ||
        w_down->dims[1] != H || w_down->dims[2] != I || top_k < 1 || top_k > E)
        return -1;
    if (ref_tensor_alloc(out, x->type, 2, x->dims) != 0)
        return -1;
    p = malloc((size_t)E * sizeof(double));
    chosen = calloc((size_t)E, sizeof(int));
    act = malloc((size_t)(I > 0 ? I : 1) * sizeof(double));
    if (!p || !chosen || !act)
        goto fail;
    for (int64_t t = 0; t < T; t++) {
        const double *xt = x->v + t * H;
        double mx = -INFINITY, sum = 0.0, wsum = 0.0;
        for (int64_t e = 0; e < E; e++) {
            double acc = 0.0;
            for (int64_t h = 0; h < H; h++)
                acc += xt[h] * router->v[e * H + h];
            p[e] = acc;
            mx = fmax(mx, acc);
            chosen[e] = 0;
        }
        for (int64_t e = 0; e < E; e++) {
            p[e] = exp(p[e] - mx);
            sum += p[e];
        }
        for (int64_t e = 0; e < E; e++)
            p[e] /= sum;
        for (int64_t n = 0; n < top_k; n++) { /* strict > keeps the lower index on ties */
            int64_t best = -1;
            for (int64_t e = 0; e < E; e++)
                if (!chosen[e] && (best < 0 || p[e] > p[best]))
                    best = e;
            chosen[best] = 1;
            wsum += p[best];
        }
        double *o = out->v + t * H;
        for (int64_t e = 0; e < E; e++) {
            if (!chosen[e])
                continue;
            double w = normalize ? p[e] / wsum : p[e];
            for (int64_t i = 0; i < I; i++) {
                double g = 0.0, u = 0.0;
                for (int64_t h = 0; h < H; h++) {
                    g += w_gate->v[(e * I + i) * H + h] * xt[h];
                    u += w_up->v[(e * I + i) * H + h] * xt[h];
                }
                act[i] = g / (1.0 + exp(-g)) * u;
            }
            for (int64_t h = 0; h < H; h++) {
                double acc = 0.0;
                for (int64_t i = 0; i < I; i++)
                    acc += w_down->v[(e * H + h) * I + i] * act[i];
                o[h] += w * acc;
            }
        }
    }
    rc = 0;
fail:
    free(p);
    free(chosen);
    free(act);
    if (rc != 0)
        ref_tensor_free(out);
    return rc;
}
