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

static void av_scores(const float *q, const float *k, size_t n, size_t D, float *out)
{
    size_t c = 0;
    for (; c + 16 <= n; c += 16) { /* 16 keys: 16 accumulators, one reduction tree */
        const float *kc = k + c * D;
        __m512 a[16];
        for (int j = 0; j < 16; j++)
            a[j] = _mm512_setzero_ps();
        size_t d = 0;
        for (; d + 16 <= D; d += 16) {
            __m512 qv = _mm512_loadu_ps(q + d);
            for (int j = 0; j < 16; j++)
                a[j] = _mm512_fmadd_ps(qv, _mm512_loadu_ps(kc + (size_t)j * D + d), a[j]);
        }
        if (d < D) {
            __mmask16 m = cpu_avx512_lanes(D - d);
            __m512 qv = _mm512_maskz_loadu_ps(m, q + d);
            for (int j = 0; j < 16; j++)
                a[j] = _mm512_fmadd_ps(qv, _mm512_maskz_loadu_ps(m, kc + (size_t)j * D + d), a[j]);
        }
        _mm512_storeu_ps(out + c, hsum16x16(a));
    }
    for (; c + 4 <= n; c += 4) {
        const float *k0 = k + c * D, *k1 = k0 + D, *k2 = k1 + D, *k3 = k2 + D;
        __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        size_t d = 0;
        for (; d + 16 <= D; d += 16) {
            __m512 qv = _mm512_loadu_ps(q + d);
            a0 = _mm512_fmadd_ps(qv, _mm512_loadu_ps(k0 + d), a0);
            a1 = _mm512_fmadd_ps(qv, _mm512_loadu_ps(k1 + d), a1);
            a2 = _mm512_fmadd_ps(qv, _mm512_loadu_ps(k2 + d), a2);
            a3 = _mm512_fmadd_ps(qv, _mm512_loadu_ps(k3 + d), a3);
        }
        if (d < D) {
            __mmask16 m = cpu_avx512_lanes(D - d);
            __m512 qv = _mm512_maskz_loadu_ps(m, q + d);
            a0 = _mm512_fmadd_ps(qv, _mm512_maskz_loadu_ps(m, k0 + d), a0);
            a1 = _mm512_fmadd_ps(qv, _mm512_maskz_loadu_ps(m, k1 + d), a1);
            a2 = _mm512_fmadd_ps(qv, _mm512_maskz_loadu_ps(m, k2 + d), a2);
            a3 = _mm512_fmadd_ps(qv, _mm512_maskz_loadu_ps(m, k3 + d), a3);
        }
        out[c] = _mm512_reduce_add_ps(a0);
        out[c + 1] = _mm512_reduce_add_ps(a1);
        out[c + 2] = _mm512_reduce_add_ps(a2);
        out[c + 3] = _mm512_reduce_add_ps(a3);
    }
    for (; c < n; c++)
        out[c] = _mm512_reduce_add_ps(dot_lanes(q, k + c * D, D));
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

static void av_accum(float *acc, const float *p, const float *v, size_t n, size_t Dv)
{
    size_t d = 0;
    for (; d + 64 <= Dv; d += 64) {
        __m512 a0 = _mm512_loadu_ps(acc + d), a1 = _mm512_loadu_ps(acc + d + 16);
        __m512 a2 = _mm512_loadu_ps(acc + d + 32), a3 = _mm512_loadu_ps(acc + d + 48);
        for (size_t c = 0; c < n; c++) {
            const float *vr = v + c * Dv + d;
            __m512 pc = _mm512_set1_ps(p[c]);
            a0 = _mm512_fmadd_ps(pc, _mm512_loadu_ps(vr), a0);
            a1 = _mm512_fmadd_ps(pc, _mm512_loadu_ps(vr + 16), a1);
            a2 = _mm512_fmadd_ps(pc, _mm512_loadu_ps(vr + 32), a2);
            a3 = _mm512_fmadd_ps(pc, _mm512_loadu_ps(vr + 48), a3);
        }
        _mm512_storeu_ps(acc + d, a0);
        _mm512_storeu_ps(acc + d + 16, a1);
        _mm512_storeu_ps(acc + d + 32, a2);
        _mm512_storeu_ps(acc + d + 48, a3);
    }
    for (; d < Dv; d += 16) { /* 16 columns at a time, the last masked */
        __mmask16 k = cpu_avx512_lanes(Dv - d);
        __m512 a0 = _mm512_maskz_loadu_ps(k, acc + d);
        for (size_t c = 0; c < n; c++)
            a0 = _mm512_fmadd_ps(_mm512_set1_ps(p[c]), _mm512_maskz_loadu_ps(k, v + c * Dv + d),
                                 a0);
        _mm512_mask_storeu_ps(acc + d, k, a0);
    }
}

/* Scores of query rows 0..3 (rows of D at q) against keys 0..3 (rows of D at k):
 * out[r * ldo + j]. */
SD_INLINE void scores_4x4(const float *q, const float *k, size_t D, float *out, size_t ldo)
{
    __m512 a[16]; /* a[4 r + j]: row r, key j */
    for (int i = 0; i < 16; i++)
        a[i] = _mm512_setzero_ps();
    for (size_t d = 0; d < D; d += 16) {
        __mmask16 m = d + 16 <= D ? (__mmask16)0xffff : cpu_avx512_lanes(D - d);
        __m512 kv[4];
        for (int j = 0; j < 4; j++)
            kv[j] = _mm512_maskz_loadu_ps(m, k + (size_t)j * D + d);
        for (int r = 0; r < 4; r++) {
            __m512 qv = _mm512_maskz_loadu_ps(m, q + (size_t)r * D + d);
            for (int j = 0; j < 4; j++)
                a[4 * r + j] = _mm512_fmadd_ps(qv, kv[j], a[4 * r + j]);
        }
    }
    __m512 s = hsum16x16(a); /* lanes 4r..4r+3: row r, keys 0..3 */
    _mm_storeu_ps(out, _mm512_castps512_ps128(s));
    _mm_storeu_ps(out + ldo, _mm512_extractf32x4_ps(s, 1));
    _mm_storeu_ps(out + 2 * ldo, _mm512_extractf32x4_ps(s, 2));
    _mm_storeu_ps(out + 3 * ldo, _mm512_extractf32x4_ps(s, 3));
}

static void av_scores_rows(const float *q, size_t R, const float *k, size_t n, size_t D,
                           float *out, size_t ldo)
{
    size_t t = 0;
    for (; t + 4 <= R; t += 4) {
        size_t c = 0;
        for (; c + 4 <= n; c += 4)
            scores_4x4(q + t * D, k + c * D, D, out + t * ldo + c, ldo);
        for (size_t r = t; c < n && r < t + 4; r++)
            av_scores(q + r * D, k + c * D, n - c, D, out + r * ldo + c);
    }
    for (; t < R; t++)
        av_scores(q + t * D, k, n, D, out + t * ldo);
}

/* accum for rows t0..t0+4 (acc rows of Dv at acc, weights at p with stride ldp): 64 columns per
 * pass in 16 accumulators, each value row's 4 vectors loaded once for the 4 rows. */
SD_INLINE void accum_4rows(float *acc, const float *p, size_t ldp, const float *v, size_t n,
                           size_t Dv)
{
    for (size_t d = 0; d < Dv; d += 64) {
        __mmask16 m[4];
        for (int i = 0; i < 4; i++) {
            size_t c0 = d + 16 * (size_t)i;
            m[i] = c0 >= Dv ? (__mmask16)0 : cpu_avx512_lanes(Dv - c0);
        }
        __m512 a[16]; /* a[4 r + i]: row r, columns d + 16 i */
        for (int r = 0; r < 4; r++)
            for (int i = 0; i < 4; i++)
                a[4 * r + i] = _mm512_maskz_loadu_ps(m[i], acc + (size_t)r * Dv + d + 16 * i);
        for (size_t c = 0; c < n; c++) {
            __m512 vv[4];
            for (int i = 0; i < 4; i++)
                vv[i] = _mm512_maskz_loadu_ps(m[i], v + c * Dv + d + 16 * i);
            for (int r = 0; r < 4; r++) {
                __m512 pc = _mm512_set1_ps(p[(size_t)r * ldp + c]);
                for (int i = 0; i < 4; i++)
                    a[4 * r + i] = _mm512_fmadd_ps(pc, vv[i], a[4 * r + i]);
            }
        }
        for (int r = 0; r < 4; r++)
            for (int i = 0; i < 4; i++)
                _mm512_mask_storeu_ps(acc + (size_t)r * Dv + d + 16 * i, m[i], a[4 * r + i]);
    }
}

static void av_accum_rows(float *acc, size_t R, const float *p, size_t ldp, const float *v,
                          size_t n, size_t Dv)
{
    size_t t = 0;
    for (; t + 4 <= R; t += 4)
        accum_4rows(acc + t * Dv, p + t * ldp, ldp, v, n, Dv);
    for (; t < R; t++)
        av_accum(acc + t * Dv, p + t * ldp, v, n, Dv);
}

const cpu_sdpa_ops cpu_sdpa_ops_avx512 = {av_scores, av_exp_sum,     av_scale,
                                          av_accum,  av_scores_rows, av_accum_rows};
