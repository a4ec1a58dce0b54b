/*
 * kernels/attention/sdpa_isa.h - the inner loops of ScaledDotProductAttention (sdpa.c), one table
 * per instruction set: portable C (sdpa_scalar.c), AVX2 + FMA (arch/avx2/sdpa_avx2.c) and
 * AVX-512 (arch/avx512/sdpa_avx512.c).
 * sdpa.c takes the best table not above cpu_isa_active().
 *
 * All pointers are f32 rows, dense; n >= 1 except where noted. Threading: pure functions.
 */
#ifndef GENRT_CPU_SDPA_ISA_H
#define GENRT_CPU_SDPA_ISA_H

#include <stddef.h>

typedef struct cpu_sdpa_ops {
    /* out[c] = dot(q, k + c * D) for c < n (k: n rows of D). */
    void (*scores)(const float *q, const float *k, size_t n, size_t D, float *out);
    /* sc[c] = exp(sc[c] - m) for c < n (m finite, sc[c] <= m or -inf); returns the sum. */
    float (*exp_sum)(float *sc, size_t n, float m);
    /* a[d] *= alpha for d < n. */
    void (*scale)(float *a, size_t n, float alpha);
    /* acc[d] += sum_c p[c] * v[c * Dv + d] for d < Dv (v: n rows of Dv). */
    void (*accum)(float *acc, const float *p, const float *v, size_t n, size_t Dv);
    /* out[t * ldo + c] = dot(q + t * D, k[c]) for t < R, c < n: the scores of R query rows (a
     * GQA group at one position) against the same keys, each key row (D floats at k[c]) loaded
     * once for several query rows. The rows are given one pointer each, so a tile may take them
     * from two places (sdpa.c: two halves of the key range, two memory streams). pf > 0: the
     * rows come from memory, and the table may prefetch, for each row it reads, the bytes pf
     * floats further on (the same stream's rows of a later tile; a prefetch never faults, so
     * the address may lie past the data); 0: no prefetch. NULL: sdpa.c calls scores per row. */
    void (*scores_rows)(const float *q, size_t R, const float *const *k, size_t n, size_t D,
                        float *out, size_t ldo, size_t pf);
    /* acc[t * Dv + d] += sum_c p[t * ldp + c] * v[c][d] for t < R, d < Dv: accum for R rows of
     * weights against the same value rows (Dv floats at v[c]), each loaded once for several rows.
     * pf as for scores_rows. NULL (or scores_rows NULL): sdpa.c calls accum per row. */
    void (*accum_rows)(float *acc, size_t R, const float *p, size_t ldp, const float *const *v,
                       size_t n, size_t Dv, size_t pf);
} cpu_sdpa_ops;

extern const cpu_sdpa_ops cpu_sdpa_ops_scalar;
#if defined(GENRT_CPU_X86)
extern const cpu_sdpa_ops cpu_sdpa_ops_avx2;
extern const cpu_sdpa_ops cpu_sdpa_ops_avx512;
#endif

#endif
