/*
 * tests/unit/cpu_kernels/test_moe.c - MoE: router softmax, top-k with ties to the lower index,
 * normalize on/off, SwiGLU experts with float and compressed (int8 sym, int4 asym) weights.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "suites.h"

/* Reference MoE from double weight arrays. */
static void ref_moe(const cpu_tensor *x, const double *router, const double *wg, const double *wu,
                    const double *wd, size_t T, size_t H, size_t E, size_t I, size_t K,
                    int normalize, double *out)
{
    double *p = malloc(sizeof(double) * E), *h = malloc(sizeof(double) * I);
    int *taken = malloc(sizeof(int) * E);
    for (size_t t = 0; t < T; t++) {
        double mx = -INFINITY, s = 0;
        for (size_t e = 0; e < E; e++) {
            p[e] = 0;
            for (size_t k = 0; k < H; k++)
                p[e] += th_get(x, t * H + k) * router[e * H + k];
            mx = fmax(mx, p[e]);
            taken[e] = 0;
        }
        for (size_t e = 0; e < E; e++)
            s += (p[e] = exp(p[e] - mx));
        size_t sel[16];
        double w[16], ws = 0;
        for (size_t k = 0; k < K; k++) {
            size_t best = E;
            for (size_t e = 0; e < E; e++)
                if (!taken[e] && (best == E || p[e] > p[best]))
                    best = e;
            taken[best] = 1;
            sel[k] = best;
            w[k] = p[best] / s;
            ws += w[k];
        }
        for (size_t j = 0; j < H; j++)
            out[t * H + j] = 0;
        for (size_t k = 0; k < K; k++) {
            size_t e = sel[k];
            double wk = normalize ? w[k] / ws : w[k];
            for (size_t i = 0; i < I; i++) {
                double g = 0, u = 0;
                for (size_t c = 0; c < H; c++) {
                    g += wg[(e * I + i) * H + c] * th_get(x, t * H + c);
                    u += wu[(e * I + i) * H + c] * th_get(x, t * H + c);
                }
                h[i] = g / (1 + exp(-g)) * u;
            }
            for (size_t j = 0; j < H; j++) {
                double v = 0;
                for (size_t i = 0; i < I; i++)
                    v += wd[(e * H + j) * I + i] * h[i];
                out[t * H + j] += wk * v;
            }
        }
    }
    free(p);
    free(h);
    free(taken);
}

/* storage GRT_UNDEFINED = float weights; zero_router makes every expert tie. */
static void test_moe(grt_element_type t, grt_element_type storage, int64_t G, int64_t K,
                     int normalize, int zero_router)
{
    const int64_t T = 5, H = 24, E = 4, I = 40;
    th_attr_reset();
    th_attr_int("top_k", K);
    th_attr_int("normalize", normalize);
    int64_t xd[2] = {T, H}, rd[2] = {E, H}, gd[3] = {E, I, H}, dd[3] = {E, H, I};
    cpu_tensor in[5];
    double *ref_w[5] = {NULL};
    qw q[5];
    memset(q, 0, sizeof q);
    in[0] = th_tensor(t, 2, xd);
    th_fill(&in[0], -1, 1);
    const int64_t *shapes[5] = {xd, rd, gd, gd, dd};
    for (int i = 1; i < 5; i++) {
        uint32_t rank = i == 1 ? 2 : 3;
        if (storage == GRT_UNDEFINED || i == 1) {
            in[i] = th_tensor(t, rank, shapes[i]);
            th_fill(&in[i], -0.5f, 0.5f);
            if (i == 1 && zero_router)
                th_fill(&in[i], 0, 0);
            ref_w[i] = th_values(&in[i]);
        } else {
            q[i] = th_make_qw(t, rank, shapes[i], storage, G, GRT_F16);
            in[i] = q[i].t;
            in[i].comp = &q[i].ci;
            ref_w[i] = q[i].ref;
        }
    }
    cpu_tensor O = th_tensor(t, 2, xd);
    TH_CHECK(th_run(GRT_OP_MOE, in, 5, &O, 1) == GRT_OK, "moe: %s", th_last_error());
    double *ref = malloc(sizeof(double) * (size_t)(T * H));
    ref_moe(&in[0], ref_w[1], ref_w[2], ref_w[3], ref_w[4], (size_t)T, (size_t)H, (size_t)E,
            (size_t)I, (size_t)K, normalize, ref);
    th_compare(&O, ref, 3, "moe");
    free(ref);
    th_free(&in[0]);
    th_free(&O);
    for (int i = 1; i < 5; i++) {
        if (q[i].t.data) {
            th_free_qw(&q[i]);
        } else {
            th_free(&in[i]);
            free(ref_w[i]);
        }
    }
}

void suite_moe(void)
{
    static const grt_element_type ft[] = {GRT_F32, GRT_F16, GRT_BF16};
    th_qw_scale_max = 0.02f; /* keeps the f16 outputs in range */
    for (size_t t = 0; t < 3; t++) {
        test_moe(ft[t], GRT_UNDEFINED, 0, 2, 1, 0);
        test_moe(ft[t], GRT_UNDEFINED, 0, 1, 0, 0);
        test_moe(ft[t], GRT_UNDEFINED, 0, 3, 1, 1); /* ties: experts 0, 1, 2 */
        test_moe(ft[t], GRT_I8, 8, 2, 1, 0);
        test_moe(ft[t], GRT_I4, 4, 3, 1, 0);
        test_moe(ft[t], GRT_U4, 8, 2, 0, 0);
    }
    th_qw_scale_max = 0.2f;
    /* top_k out of range is an error. */
    int64_t xd[2] = {1, 2}, rd[2] = {2, 2}, gd[3] = {2, 2, 2};
    cpu_tensor in[5] = {th_tensor(GRT_F32, 2, xd), th_tensor(GRT_F32, 2, rd),
                        th_tensor(GRT_F32, 3, gd), th_tensor(GRT_F32, 3, gd),
                        th_tensor(GRT_F32, 3, gd)};
    cpu_tensor O = th_tensor(GRT_F32, 2, xd);
    th_attr_reset();
    th_attr_int("top_k", 3);
    TH_CHECK(th_run(GRT_OP_MOE, in, 5, &O, 1) == GRT_ERROR_INVALID_ARGUMENT, "top_k > E");
    for (int i = 0; i < 5; i++)
        th_free(&in[i]);
    th_free(&O);
}
