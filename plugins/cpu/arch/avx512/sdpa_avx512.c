/*
 * arch/avx512/sdpa_avx512.c - AVX-512 inner loops of ScaledDotProductAttention (the table of
 * kernels/attention/sdpa_isa.h): the AVX2 table's loops at 16 lanes, with masked tails instead of
 * scalar ones (head sizes that are not a multiple of 16, short key ranges), and scores taken 16
 * keys per step so that one transpose-and-add tree gives their 16 sums. Only entered when
 * cpu_isa_active() >= CPU_ISA_AVX512. Threading: pure functions.
 */
#include <immintrin.h>
#include <stdint.h>

#include "../../kernels/attention/sdpa_isa.h"
#include "lanes512.h"

#define SD_INLINE static inline __attribute__((always_inline))

/* exp(x) for x <= 88, 0 below -87 (and for -inf): the AVX2 table's method at 16 lanes (2^n * p(r),
 * x = n ln2 + r, p the degree-6 Taylor polynomial, relative error about 2e-7). */
SD_INLINE __m512 exp16(__m512 x)
{
    __mmask16 keep = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-87.0f), _CMP_GE_OQ);
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.0f)), _mm512_set1_ps(88.0f));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.0f / 720.0f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    __m512i e = _mm512_slli_epi32(
        _mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
    return _mm512_maskz_mul_ps(keep, p, _mm512_castsi512_ps(e));
}

/* dot(q, k) over D, 16 lanes, masked tail. */
SD_INLINE __m512 dot_lanes(const float *q, const float *k, size_t D)
{
    __m512 a = _mm512_setzero_ps();
    size_t d = 0;
    for (; d + 16 <= D; d += 16)
        a = _mm512_fmadd_ps(_mm512_loadu_ps(q + d), _mm512_loadu_ps(k + d), a);
    if (d < D) {
        __mmask16 m = cpu_avx512_lanes(D - d);
        a = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, q + d), _mm512_maskz_loadu_ps(m, k + d), a);
    }
    return a;
}

/* 16 floats at x: all of them when `full` (a constant at every call: a plain load, where a masked
 * one costs an extra vector uop), else the lanes of m. */
SD_INLINE __m512 load16(int full, __mmask16 m, const float *x)
{
    return full ? _mm512_loadu_ps(x) : _mm512_maskz_loadu_ps(m, x);
}

/* Prefetch (into L2) of the line pf floats past x; nothing for pf = 0 (a constant 0 at the calls
 * that never prefetch, so the code goes away there). */
SD_INLINE void prefetch_ahead(const float *x, size_t pf)
{
    if (pf != 0)
        _mm_prefetch((const char *)(x + pf), _MM_HINT_T1);
}

/* Lane sums of a[0..16) as one vector, lane j = sum of a[j]: a transpose-and-add tree (45 vector
 * ops for 16 sums, against ~10 per sum for _mm512_reduce_add_ps). */
SD_INLINE __m512 hsum16x16(const __m512 *a)
{
    __m512 b[8], c[4];
    for (int i = 0; i < 8; i++) /* per 128-bit lane: [a0+a2, b0+b2, a1+a3, b1+b3] of a_2i, a_2i+1 */
        b[i] = _mm512_add_ps(_mm512_unpacklo_ps(a[2 * i], a[2 * i + 1]),
                             _mm512_unpackhi_ps(a[2 * i], a[2 * i + 1]));
    for (int i = 0; i < 4; i++) /* per 128-bit lane: the lane's sums of a_4i .. a_4i+3 */
        c[i] = _mm512_add_ps(_mm512_shuffle_ps(b[2 * i], b[2 * i + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                             _mm512_shuffle_ps(b[2 * i], b[2 * i + 1], _MM_SHUFFLE(3, 2, 3, 2)));
    __m512 d0 = _mm512_add_ps(_mm512_shuffle_f32x4(c[0], c[1], _MM_SHUFFLE(2, 0, 2, 0)),
                              _mm512_shuffle_f32x4(c[0], c[1], _MM_SHUFFLE(3, 1, 3, 1)));
    __m512 d1 = _mm512_add_ps(_mm512_shuffle_f32x4(c[2], c[3], _MM_SHUFFLE(2, 0, 2, 0)),
                              _mm512_shuffle_f32x4(c[2], c[3], _MM_SHUFFLE(3, 1, 3, 1)));
    return _mm512_add_ps(_mm512_shuffle_f32x4(d0, d1, _MM_SHUFFLE(2, 0, 2, 0)),
                         _mm512_shuffle_f32x4(d0, d1, _MM_SHUFFLE(3, 1, 3, 1)));
}

/* Row j of a block of key or value rows: kp[j] when the rows are given one pointer each, else
 * kc + j * len (dense). Every caller passes one of them as a constant NULL, so each use compiles
 * to one addressing mode. */
SD_INLINE const float *row_at(const float *const *kp, const float *kc, size_t j, size_t len)
{
    return kp != NULL ? kp[j] : kc + j * len;
}

/* out[c] = dot(q, row c) for c < n (rows: row_at(kp, kc, c, D)): 16 keys per step in 16
 * accumulators with one reduction tree, then 4 keys per step, then one. pf: prefetch_ahead of
 * each full row vector of the 16-key steps. */
SD_INLINE void scores_one(const float *q, const float *const *kp, const float *kc, size_t n,
                          size_t D, float *out, size_t pf)
{
    size_t c = 0;
    for (; c + 16 <= n; c += 16) {
        __m512 a[16];
        for (int j = 0; j < 16; j++)
            a[j] = _mm512_setzero_ps();
        size_t d = 0;
        for (; d + 16 <= D; d += 16) {
            __m512 qv = _mm512_loadu_ps(q + d);
            for (int j = 0; j < 16; j++) {
                const float *x = row_at(kp, kc, c + (size_t)j, D) + d;
                prefetch_ahead(x, pf);
                a[j] = _mm512_fmadd_ps(qv, _mm512_loadu_ps(x), a[j]);
            }
        }
        if (d < D) {
            __mmask16 m = cpu_avx512_lanes(D - d);
            __m512 qv = _mm512_maskz_loadu_ps(m, q + d);
            for (int j = 0; j < 16; j++)
                a[j] = _mm512_fmadd_ps(
                    qv, _mm512_maskz_loadu_ps(m, row_at(kp, kc, c + (size_t)j, D) + d), a[j]);
        }
        _mm512_storeu_ps(out + c, hsum16x16(a));
    }
    for (; c + 4 <= n; c += 4) {
        __m512 a[4];
        for (int j = 0; j < 4; j++)
            a[j] = _mm512_setzero_ps();
        for (size_t d = 0; d < D; d += 16) {
            __mmask16 m = d + 16 <= D ? (__mmask16)0xffff : cpu_avx512_lanes(D - d);
            __m512 qv = _mm512_maskz_loadu_ps(m, q + d);
            for (int j = 0; j < 4; j++)
                a[j] = _mm512_fmadd_ps(
                    qv, _mm512_maskz_loadu_ps(m, row_at(kp, kc, c + (size_t)j, D) + d), a[j]);
        }
        for (int j = 0; j < 4; j++)
            out[c + (size_t)j] = _mm512_reduce_add_ps(a[j]);
    }
    for (; c < n; c++)
        out[c] = _mm512_reduce_add_ps(dot_lanes(q, row_at(kp, kc, c, D), D));
}

static void av_scores(const float *q, const float *k, size_t n, size_t D, float *out)
{
    scores_one(q, NULL, k, n, D, out, 0);
}

static float av_exp_sum(float *sc, size_t n, float m)
{
    __m512 mv = _mm512_set1_ps(m), sum = _mm512_setzero_ps();
    for (size_t c = 0; c < n; c += 16) {
        __mmask16 k = cpu_avx512_lanes(n - c);
        __m512 e = _mm512_maskz_mov_ps(k, exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, sc + c),
                                                               mv)));
        _mm512_mask_storeu_ps(sc + c, k, e);
        sum = _mm512_add_ps(sum, e);
    }
    return _mm512_reduce_add_ps(sum);
}

static void av_scale(float *a, size_t n, float alpha)
{
    __m512 al = _mm512_set1_ps(alpha);
    for (size_t d = 0; d < n; d += 16) {
        __mmask16 k = cpu_avx512_lanes(n - d);
        _mm512_mask_storeu_ps(a + d, k, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, a + d), al));
    }
}

/* scores_rx4's products over the 16 columns at d (full: all exist, else the lanes of m), with
 * prefetch_ahead of each key row's vector. */
SD_INLINE void scores_rx4_lanes(__m512 *a, const float *q, int nr, const float *const *k, size_t D,
                                size_t d, int full, __mmask16 m, size_t pf)
{
    __m512 kv[4];
    for (int j = 0; j < 4; j++) {
        prefetch_ahead(k[j] + d, pf);
        kv[j] = load16(full, m, k[j] + d);
    }
    for (int r = 0; r < nr; r++) {
        __m512 qv = load16(full, m, q + (size_t)r * D + d);
        for (int j = 0; j < 4; j++)
            a[4 * r + j] = _mm512_fmadd_ps(qv, kv[j], a[4 * r + j]);
    }
}

/* Scores of query rows 0..nr-1 (nr <= 4, rows of D at q) against the 4 key rows k[0..3]:
 * out[r * ldo + j]. nr is a constant at every call, so the loops unroll. */
SD_INLINE void scores_rx4(const float *q, int nr, const float *const *k, size_t D, float *out,
                          size_t ldo, size_t pf)
{
    __m512 a[16]; /* a[4 r + j]: row r, key j */
    for (int i = 0; i < 16; i++)
        a[i] = _mm512_setzero_ps();
    size_t d = 0;
    for (; d + 16 <= D; d += 16)
        scores_rx4_lanes(a, q, nr, k, D, d, 1, 0xffff, pf);
    if (d < D)
        scores_rx4_lanes(a, q, nr, k, D, d, 0, cpu_avx512_lanes(D - d), pf);
    __m512 s = hsum16x16(a); /* lanes 4r..4r+3: row r, keys 0..3 */
    _mm_storeu_ps(out, _mm512_castps512_ps128(s));
    if (nr > 1)
        _mm_storeu_ps(out + ldo, _mm512_extractf32x4_ps(s, 1));
    if (nr > 2)
        _mm_storeu_ps(out + 2 * ldo, _mm512_extractf32x4_ps(s, 2));
    if (nr > 3)
        _mm_storeu_ps(out + 3 * ldo, _mm512_extractf32x4_ps(s, 3));
}

/* scores_rows for query rows 0..nr-1: 4 keys per step (with prefetch_ahead), then one key at a
 * time. */
SD_INLINE void scores_rows_r(const float *q, int nr, const float *const *k, size_t n, size_t D,
                             float *out, size_t ldo, size_t pf)
{
    size_t c = 0;
    for (; c + 4 <= n; c += 4)
        scores_rx4(q, nr, k + c, D, out + c, ldo, pf);
    for (; c < n; c++)
        for (int r = 0; r < nr; r++)
            out[(size_t)r * ldo + c] = _mm512_reduce_add_ps(dot_lanes(q + (size_t)r * D, k[c], D));
}

/* Query rows t .. t + nr - 1 (nr = min(4, R - t)), a constant nr for scores_rows_r. */
SD_INLINE void scores_rows_t(const float *q, size_t nr, const float *const *k, size_t n, size_t D,
                             float *out, size_t ldo, size_t pf)
{
    switch (nr) { /* one row: 16 keys per step */
    case 4: scores_rows_r(q, 4, k, n, D, out, ldo, pf); break;
    case 3: scores_rows_r(q, 3, k, n, D, out, ldo, pf); break;
    case 2: scores_rows_r(q, 2, k, n, D, out, ldo, pf); break;
    default: scores_one(q, k, NULL, n, D, out, pf); break;
    }
}

/* Groups of 4 query rows; only the first group prefetches (the others read the same keys). */
static void av_scores_rows(const float *q, size_t R, const float *const *k, size_t n, size_t D,
                           float *out, size_t ldo, size_t pf)
{
    for (size_t t = 0; t < R; t += 4) {
        size_t nr = R - t < 4 ? R - t : 4;
        if (t == 0 && pf != 0)
            scores_rows_t(q, nr, k, n, D, out, ldo, pf);
        else
            scores_rows_t(q + t * D, nr, k, n, D, out + t * ldo, ldo, 0);
    }
}

/* accum_rx on columns [d, d + 64) (full: all of them exist, else those below Dv), with
 * prefetch_ahead of each value row's vectors. */
SD_INLINE void accum_cols(float *acc, int nr, const float *p, size_t ldp, const float *const *vp,
                          const float *vc, size_t n, size_t Dv, size_t d, int full, size_t pf)
{
    __mmask16 m[4];
    for (int i = 0; i < 4; i++) {
        size_t c0 = d + 16 * (size_t)i;
        m[i] = full ? (__mmask16)0xffff : c0 >= Dv ? (__mmask16)0 : cpu_avx512_lanes(Dv - c0);
    }
    __m512 a[16]; /* a[4 r + i]: row r, columns d + 16 i */
    for (int r = 0; r < nr; r++)
        for (int i = 0; i < 4; i++)
            a[4 * r + i] = load16(full, m[i], acc + (size_t)r * Dv + d + 16 * i);
    for (size_t c = 0; c < n; c++) {
        __m512 vv[4];
        for (int i = 0; i < 4; i++) {
            const float *x = row_at(vp, vc, c, Dv) + d + 16 * i;
            if (full || m[i])
                prefetch_ahead(x, pf);
            vv[i] = load16(full, m[i], x);
        }
        for (int r = 0; r < nr; r++) {
            __m512 pc = _mm512_set1_ps(p[(size_t)r * ldp + c]);
            for (int i = 0; i < 4; i++)
                a[4 * r + i] = _mm512_fmadd_ps(pc, vv[i], a[4 * r + i]);
        }
    }
    for (int r = 0; r < nr; r++)
        for (int i = 0; i < 4; i++)
            _mm512_mask_storeu_ps(acc + (size_t)r * Dv + d + 16 * i, m[i], a[4 * r + i]);
}

/* accum for rows 0..nr-1 (nr <= 4; acc rows of Dv at acc, weights at p with stride ldp; value
 * row c at row_at(vp, vc, c, Dv)): 64 columns per pass in 4 nr accumulators, each value row's 4
 * vectors loaded once for the nr rows. nr is a constant at every call, so the loops unroll. */
SD_INLINE void accum_rx(float *acc, int nr, const float *p, size_t ldp, const float *const *vp,
                        const float *vc, size_t n, size_t Dv, size_t pf)
{
    size_t d = 0;
    for (; d + 64 <= Dv; d += 64)
        accum_cols(acc, nr, p, ldp, vp, vc, n, Dv, d, 1, pf);
    if (d < Dv)
        accum_cols(acc, nr, p, ldp, vp, vc, n, Dv, d, 0, pf);
}

static void av_accum(float *acc, const float *p, const float *v, size_t n, size_t Dv)
{
    accum_rx(acc, 1, p, 0, NULL, v, n, Dv, 0);
}

/* Rows t .. t + nr - 1 (nr = min(4, R - t)), a constant nr for accum_rx. */
SD_INLINE void accum_rows_t(float *acc, size_t nr, const float *p, size_t ldp,
                            const float *const *v, size_t n, size_t Dv, size_t pf)
{
    switch (nr) {
    case 4: accum_rx(acc, 4, p, ldp, v, NULL, n, Dv, pf); break;
    case 3: accum_rx(acc, 3, p, ldp, v, NULL, n, Dv, pf); break;
    case 2: accum_rx(acc, 2, p, ldp, v, NULL, n, Dv, pf); break;
    default: accum_rx(acc, 1, p, ldp, v, NULL, n, Dv, pf); break;
    }
}

/* Groups of 4 rows; only the first group prefetches (the others read the same values). */
static void av_accum_rows(float *acc, size_t R, const float *p, size_t ldp, const float *const *v,
                          size_t n, size_t Dv, size_t pf)
{
    for (size_t t = 0; t < R; t += 4) {
        size_t nr = R - t < 4 ? R - t : 4;
        if (t == 0 && pf != 0)
            accum_rows_t(acc, nr, p, ldp, v, n, Dv, pf);
        else
            accum_rows_t(acc + t * Dv, nr, p + t * ldp, ldp, v, n, Dv, 0);
    }
}

const cpu_sdpa_ops cpu_sdpa_ops_avx512 = {av_scores, av_exp_sum,     av_scale,
                                          av_accum,  av_scores_rows, av_accum_rows};
