/*
 * tests/unit/cpu_kernels/test_attention.c - RoPE (both modes, partial rotary dims, linear and
 * llama3 scaling, [S] and [B, S] positions) and ScaledDotProductAttention (causal with Sq < Skv
 * and Sq > Skv, GQA, broadcast masks with fully masked rows, custom scale, several key tiles)
 * against direct reference formulas.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "suites.h"

static void test_rope(grt_element_type t, int mode, int64_t R, int scaling, int pos_rank,
                      grt_element_type pt)
{
    const int64_t B = 2, H = 3, S = 5, D = 16;
    int64_t xd[4] = {B, H, S, D}, pd[2] = {B, S};
    th_attr_reset();
    th_attr_int("mode", mode);
    if (R)
        th_attr_int("rotary_dims", R);
    th_attr_float("theta", 500000.0);
    th_attr_int("scaling", scaling);
    double factor = 8, lff = 1, hff = 4, orig = 16;
    th_attr_float("factor", factor);
    th_attr_float("low_freq_factor", lff);
    th_attr_float("high_freq_factor", hff);
    th_attr_int("original_max_position", (int64_t)orig);
    cpu_tensor X = th_tensor(t, 4, xd), Y = th_tensor(t, 4, xd);
    cpu_tensor P = pos_rank == 1 ? th_tensor(pt, 1, &pd[1]) : th_tensor(pt, 2, pd);
    th_fill(&X, -1, 1);
    for (size_t i = 0; i < th_numel(&P); i++)
        th_set(&P, i, (double)(th_rand() % 3000));
    TH_CHECK(th_run(GRT_OP_ROPE, (cpu_tensor[]){X, P}, 2, &Y, 1) == GRT_OK, "rope: %s",
             th_last_error());
    int64_t Rr = R ? R : D;
    double *ref = malloc(sizeof(double) * (size_t)(B * H * S * D));
    for (int64_t b = 0; b < B; b++)
        for (int64_t h = 0; h < H; h++)
            for (int64_t s = 0; s < S; s++) {
                size_t base = (size_t)(((b * H + h) * S + s) * D);
                double pos = th_get(&P, (size_t)(pos_rank == 1 ? s : b * S + s));
                for (int64_t d = 0; d < D; d++)
                    ref[base + (size_t)d] = th_get(&X, base + (size_t)d);
                for (int64_t i = 0; i < Rr / 2; i++) {
                    double f = pow(500000.0, -2.0 * (double)i / (double)Rr);
                    if (scaling == 1)
                        f /= factor;
                    if (scaling == 2) {
                        double wl = 2 * M_PI / f;
                        if (wl > orig / lff)
                            f /= factor;
                        else if (wl >= orig / hff) {
                            double sm = (orig / wl - lff) / (hff - lff);
                            f = (1 - sm) * f / factor + sm * f;
                        }
                    }
                    int64_t i0 = mode ? 2 * i : i, i1 = mode ? 2 * i + 1 : i + Rr / 2;
                    double x0 = th_get(&X, base + (size_t)i0), x1 = th_get(&X, base + (size_t)i1);
                    double a = pos * f;
                    ref[base + (size_t)i0] = x0 * cos(a) - x1 * sin(a);
                    ref[base + (size_t)i1] = x0 * sin(a) + x1 * cos(a);
                }
            }
    th_compare(&Y, ref, 3, "rope");
    free(ref);
    th_free(&X);
    th_free(&Y);
    th_free(&P);
}

typedef struct scase {
    int64_t B, Hq, Hkv, Sq, Skv, D, Dv;
    int causal;
    double scale;
    uint32_t mrank; /* 0 = no mask */
    int64_t md[4];
} scase;

static const scase scases[] = {
    {1, 2, 2, 3, 5, 8, 8, 0, 0, 0, {0}},
    {2, 4, 2, 3, 7, 8, 6, 1, 0, 0, {0}},                   /* GQA, causal with a cache */
    {1, 2, 1, 6, 4, 4, 4, 1, 0, 0, {0}},                   /* Sq > Skv: first rows see nothing */
    {1, 2, 2, 20, 150, 16, 16, 1, 0.3, 0, {0}},            /* several tiles and query blocks */
    {2, 2, 1, 4, 9, 8, 8, 0, 0, 2, {4, 9}},                /* mask [Sq, Skv] */
    {2, 2, 2, 3, 70, 8, 8, 1, 0, 4, {2, 1, 3, 70}},        /* mask [B, 1, Sq, Skv] + causal */
    {1, 3, 3, 1, 33, 8, 8, 0, 0, 4, {1, 3, 1, 1}},         /* mask broadcast over keys */
};

static void test_sdpa(grt_element_type t, const scase *c)
{
    th_attr_reset();
    th_attr_int("causal", c->causal);
    if (c->scale != 0)
        th_attr_float("scale", c->scale);
    int64_t qd[4] = {c->B, c->Hq, c->Sq, c->D}, kd[4] = {c->B, c->Hkv, c->Skv, c->D},
            vd[4] = {c->B, c->Hkv, c->Skv, c->Dv}, od[4] = {c->B, c->Hq, c->Sq, c->Dv};
    cpu_tensor in[4] = {th_tensor(t, 4, qd), th_tensor(t, 4, kd), th_tensor(t, 4, vd)};
    uint32_t n_in = 3;
    if (c->mrank) {
        in[3] = th_tensor(t, c->mrank, c->md);
        th_fill(&in[3], -2, 2);
        size_t nm = th_numel(&in[3]);
        for (size_t i = 0; i < nm; i += 3)
            th_set(&in[3], i, -INFINITY);
        if (c->mrank == 2) /* one fully masked query row */
            for (int64_t j = 0; j < c->md[1]; j++)
                th_set(&in[3], (size_t)(c->md[1] + j), -INFINITY);
        n_in = 4;
    }
    cpu_tensor O = th_tensor(t, 4, od);
    th_fill(&in[0], -1, 1);
    th_fill(&in[1], -1, 1);
    th_fill(&in[2], -1, 1);
    TH_CHECK(th_run(GRT_OP_SDPA, in, n_in, &O, 1) == GRT_OK, "sdpa: %s", th_last_error());
    double scale = c->scale != 0 ? c->scale : 1 / sqrt((double)c->D);
    grt_shape full = {.rank = 4, .dims = {c->B, c->Hq, c->Sq, c->Skv}};
    double *ref = calloc((size_t)(c->B * c->Hq * c->Sq * c->Dv), sizeof(double));
    double *s = malloc(sizeof(double) * (size_t)c->Skv);
    for (int64_t b = 0; b < c->B; b++)
        for (int64_t h = 0; h < c->Hq; h++) {
            int64_t hk = h / (c->Hq / c->Hkv);
            for (int64_t i = 0; i < c->Sq; i++) {
                double mx = -INFINITY;
                for (int64_t j = 0; j < c->Skv; j++) {
                    double v = 0;
                    for (int64_t d = 0; d < c->D; d++)
                        v += th_get(&in[0], (size_t)(((b * c->Hq + h) * c->Sq + i) * c->D + d)) *
                             th_get(&in[1], (size_t)(((b * c->Hkv + hk) * c->Skv + j) * c->D + d));
                    v *= scale;
                    if (c->mrank) {
                        size_t fi = (size_t)(((b * c->Hq + h) * c->Sq + i) * c->Skv + j);
                        v += th_get(&in[3], th_bcast_offset(&full, &in[3].shape, fi));
                    }
                    if (c->causal && j > i + (c->Skv - c->Sq))
                        v = -INFINITY;
                    s[j] = v;
                    mx = fmax(mx, v);
                }
                double *o = ref + ((b * c->Hq + h) * c->Sq + i) * c->Dv;
                if (mx == -INFINITY)
                    continue; /* sees no key: zeros */
                double sum = 0;
                for (int64_t j = 0; j < c->Skv; j++)
                    sum += (s[j] = exp(s[j] - mx));
                for (int64_t j = 0; j < c->Skv; j++)
                    for (int64_t d = 0; d < c->Dv; d++)
                        o[d] += s[j] / sum *
                                th_get(&in[2], (size_t)(((b * c->Hkv + hk) * c->Skv + j) * c->Dv + d));
            }
        }
    th_compare(&O, ref, 2, "sdpa");
    free(ref);
    free(s);
    for (uint32_t i = 0; i < n_in; i++)
        th_free(&in[i]);
    th_free(&O);
}

void suite_attention(void)
{
    static const grt_element_type ft[] = {GRT_F32, GRT_F16, GRT_BF16};
    for (size_t t = 0; t < 3; t++) {
        for (int mode = 0; mode < 2; mode++) {
            test_rope(ft[t], mode, 0, 0, 1, GRT_I64);
            test_rope(ft[t], mode, 8, 1, 2, GRT_I32);
            test_rope(ft[t], mode, 12, 2, 2, GRT_I64);
            test_rope(ft[t], mode, 0, 2, 1, GRT_I32);
        }
        for (size_t c = 0; c < sizeof scases / sizeof scases[0]; c++)
            test_sdpa(ft[t], &scases[c]);
    }
}
