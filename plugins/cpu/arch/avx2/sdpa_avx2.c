/*
 * arch/avx2/sdpa_avx2.c - AVX2 + FMA + F16C inner loops of ScaledDotProductAttention (see
 * kernels/attention/sdpa_isa.h) and decoding of KV-cache rows kept in f16 / bf16 / u8
 * (kernels/attention/sdpa_kv.h). Only entered when cpu_isa_active() >= CPU_ISA_AVX2.
 * Threading: pure functions.
 */
#include <immintrin.h>
#include <math.h>
#include <string.h>

#include <stddef.h>

#include "../../kernels/attention/sdpa_isa.h"
#include "../../kernels/attention/sdpa_kv.h"
#include "../../kernels/fp16.h"

/* exp(x) for x <= 88, 0 below -87 (and for -inf): 2^n * p(r), x = n ln2 + r, |r| <= ln2 / 2,
 * p the degree-6 Taylor polynomial (relative error about 2e-7). */
static inline __m256 exp8(__m256 x)
{
    __m256 keep = _mm256_cmp_ps(x, _mm256_set1_ps(-87.0f), _CMP_GE_OQ);
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.0f)), _mm256_set1_ps(88.0f));
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.0f / 720.0f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_and_ps(_mm256_mul_ps(p, _mm256_castsi256_ps(e)), keep);
}

static inline float hsum8(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

static float dot_tail(const float *a, const float *b, size_t from, size_t n)
{
    float s = 0.0f;
    for (size_t d = from; d < n; d++)
        s += a[d] * b[d];
    return s;
}

static void av_scores(const float *q, const float *k, size_t n, size_t D, float *out)
{
    size_t D8 = D & ~(size_t)7, c = 0;
    for (; c + 4 <= n; c += 4) {
        const float *k0 = k + c * D, *k1 = k0 + D, *k2 = k1 + D, *k3 = k2 + D;
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (size_t d = 0; d < D8; d += 8) {
            __m256 qv = _mm256_loadu_ps(q + d);
            a0 = _mm256_fmadd_ps(qv, _mm256_loadu_ps(k0 + d), a0);
            a1 = _mm256_fmadd_ps(qv, _mm256_loadu_ps(k1 + d), a1);
            a2 = _mm256_fmadd_ps(qv, _mm256_loadu_ps(k2 + d), a2);
            a3 = _mm256_fmadd_ps(qv, _mm256_loadu_ps(k3 + d), a3);
        }
        __m256 t = _mm256_hadd_ps(_mm256_hadd_ps(a0, a1), _mm256_hadd_ps(a2, a3));
        __m128 s = _mm_add_ps(_mm256_castps256_ps128(t), _mm256_extractf128_ps(t, 1));
        if (D8 < D)
            s = _mm_add_ps(s, _mm_setr_ps(dot_tail(q, k0, D8, D), dot_tail(q, k1, D8, D),
                                          dot_tail(q, k2, D8, D), dot_tail(q, k3, D8, D)));
        _mm_storeu_ps(out + c, s);
    }
    for (; c < n; c++) {
        const float *kr = k + c * D;
        __m256 a = _mm256_setzero_ps();
        for (size_t d = 0; d < D8; d += 8)
            a = _mm256_fmadd_ps(_mm256_loadu_ps(q + d), _mm256_loadu_ps(kr + d), a);
        out[c] = hsum8(a) + dot_tail(q, kr, D8, D);
    }
}

static float av_exp_sum(float *sc, size_t n, float m)
{
    __m256 mv = _mm256_set1_ps(m), sum = _mm256_setzero_ps();
    size_t c = 0;
    for (; c + 8 <= n; c += 8) {
        __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(sc + c), mv));
        _mm256_storeu_ps(sc + c, e);
        sum = _mm256_add_ps(sum, e);
    }
    float s = hsum8(sum);
    for (; c < n; c++) {
        sc[c] = expf(sc[c] - m);
        s += sc[c];
    }
    return s;
}

static void av_scale(float *a, size_t n, float alpha)
{
    __m256 al = _mm256_set1_ps(alpha);
    size_t d = 0;
    for (; d + 8 <= n; d += 8)
        _mm256_storeu_ps(a + d, _mm256_mul_ps(_mm256_loadu_ps(a + d), al));
    for (; d < n; d++)
        a[d] *= alpha;
}

static void av_accum(float *acc, const float *p, const float *v, size_t n, size_t Dv)
{
    size_t d = 0;
    for (; d + 32 <= Dv; d += 32) {
        __m256 a0 = _mm256_loadu_ps(acc + d), a1 = _mm256_loadu_ps(acc + d + 8);
        __m256 a2 = _mm256_loadu_ps(acc + d + 16), a3 = _mm256_loadu_ps(acc + d + 24);
        for (size_t c = 0; c < n; c++) {
            const float *vr = v + c * Dv + d;
            __m256 pc = _mm256_set1_ps(p[c]);
            a0 = _mm256_fmadd_ps(pc, _mm256_loadu_ps(vr), a0);
            a1 = _mm256_fmadd_ps(pc, _mm256_loadu_ps(vr + 8), a1);
            a2 = _mm256_fmadd_ps(pc, _mm256_loadu_ps(vr + 16), a2);
            a3 = _mm256_fmadd_ps(pc, _mm256_loadu_ps(vr + 24), a3);
        }
        _mm256_storeu_ps(acc + d, a0);
        _mm256_storeu_ps(acc + d + 8, a1);
        _mm256_storeu_ps(acc + d + 16, a2);
        _mm256_storeu_ps(acc + d + 24, a3);
    }
    for (; d + 8 <= Dv; d += 8) {
        __m256 a0 = _mm256_loadu_ps(acc + d);
        for (size_t c = 0; c < n; c++)
            a0 = _mm256_fmadd_ps(_mm256_set1_ps(p[c]), _mm256_loadu_ps(v + c * Dv + d), a0);
        _mm256_storeu_ps(acc + d, a0);
    }
    for (; d < Dv; d++) {
        float a = acc[d];
        for (size_t c = 0; c < n; c++)
            a += p[c] * v[c * Dv + d];
        acc[d] = a;
    }
}

const cpu_sdpa_ops cpu_sdpa_ops_avx2 = {av_scores, av_exp_sum, av_scale, av_accum, NULL, NULL};

/* n values of f16 / bf16 at src into dst. */
static void decode_half(grt_element_type t, const uint16_t *src, size_t n, float *dst)
{
    size_t i = 0;
    if (t == GRT_F16) {
        for (; i + 8 <= n; i += 8)
            _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i))));
        for (; i < n; i++)
            dst[i] = cpu_f16_to_f32(src[i]);
        return;
    }
    for (; i + 8 <= n; i += 8) {
        __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(src + i)));
        _mm256_storeu_ps(dst + i, _mm256_castsi256_ps(_mm256_slli_epi32(w, 16)));
    }
    for (; i < n; i++)
        dst[i] = cpu_bf16_to_f32(src[i]);
}

void cpu_kv_decode_rows_avx2(const cpu_kv_format *f, const void *rows, size_t n, size_t D,
                             float *dst)
{
    if (f->storage != GRT_U8) {
        decode_half(f->storage, rows, n * D, dst);
        return;
    }
    size_t G = f->group, ng = (D + G - 1) / G;
    for (size_t r = 0; r < n; r++) {
        const uint8_t *row = (const uint8_t *)rows + r * f->row_bytes, *q = row + ng * 4;
        float *o = dst + r * D;
        for (size_t g = 0; g < ng; g++) {
            uint16_t hs, hm;
            memcpy(&hs, row + 4 * g, 2);
            memcpy(&hm, row + 4 * g + 2, 2);
            float s = cpu_f16_to_f32(hs), m = cpu_f16_to_f32(hm);
            __m256 sv = _mm256_set1_ps(s), mv = _mm256_set1_ps(m);
            size_t b = g * G, e = b + G < D ? b + G : D, i = b;
            for (; i + 8 <= e; i += 8) {
                __m128i c8 = _mm_loadl_epi64((const __m128i *)(q + i));
                __m256 c = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(c8));
                _mm256_storeu_ps(o + i, _mm256_fmadd_ps(c, sv, mv));
            }
            for (; i < e; i++)
                o[i] = (float)q[i] * s + m;
        }
    }
}
