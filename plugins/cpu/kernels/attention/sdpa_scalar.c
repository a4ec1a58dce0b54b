/*
 * kernels/attention/sdpa_scalar.c - portable inner loops of ScaledDotProductAttention (see
 * sdpa_isa.h): the path for CPUs without AVX2 and the reference the SIMD paths are tested against.
 */
#include <math.h>

#include <stddef.h>

#include "../kutil.h"
#include "sdpa_isa.h"

static void sc_scores(const float *q, const float *k, size_t n, size_t D, float *out)
{
    for (size_t c = 0; c < n; c++)
        out[c] = cpu_dot(q, k + c * D, D);
}

static float sc_exp_sum(float *sc, size_t n, float m)
{
    float sum = 0.0f;
    for (size_t c = 0; c < n; c++) {
        sc[c] = expf(sc[c] - m);
        sum += sc[c];
    }
    return sum;
}

static void sc_scale(float *a, size_t n, float alpha)
{
    for (size_t d = 0; d < n; d++)
        a[d] *= alpha;
}

static void sc_accum(float *acc, const float *p, const float *v, size_t n, size_t Dv)
{
    for (size_t c = 0; c < n; c++) {
        const float *vr = v + c * Dv;
        float pc = p[c];
        for (size_t d = 0; d < Dv; d++)
            acc[d] += pc * vr[d];
    }
}

static void sc_scores_rows(const float *q, size_t R, const float *const *k, size_t n, size_t D,
                           float *out, size_t ldo, size_t pf)
{
    (void)pf; /* no prefetch: the portable path */
    for (size_t t = 0; t < R; t++)
        for (size_t c = 0; c < n; c++)
            out[t * ldo + c] = cpu_dot(q + t * D, k[c], D);
}

static void sc_accum_rows(float *acc, size_t R, const float *p, size_t ldp, const float *const *v,
                          size_t n, size_t Dv, size_t pf)
{
    (void)pf;
    for (size_t t = 0; t < R; t++)
        for (size_t c = 0; c < n; c++) {
            float pc = p[t * ldp + c];
            for (size_t d = 0; d < Dv; d++)
                acc[t * Dv + d] += pc * v[c][d];
        }
}

const cpu_sdpa_ops cpu_sdpa_ops_scalar = {sc_scores,      sc_exp_sum,   sc_scale, sc_accum,
                                          sc_scores_rows, sc_accum_rows};
