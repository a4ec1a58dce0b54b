/*
 * arch/avx2/elementwise_avx2.c - AVX2 unary (SiLU, GELU, ReLU, exp, sigmoid), SwiGLU and binary
 * f32 rows (see ew_avx2.h). Tails of n % 8 elements go through a masked load/store so every
 * element takes the same vector expression. Pure, reentrant.
 */
#include <stdint.h>

#include "../../kernels/elementwise/ew_rows.h"
#include "ew_avx2.h"
#include "vmath_avx2.h"

/* Lane mask of the first `rem` (0..8) lanes. */
static inline __m256i tail_mask(size_t rem)
{
    static const int32_t m[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    return _mm256_loadu_si256((const __m256i *)(m + 8 - rem));
}

static inline __m256 un8(int op, __m256 x)
{
    switch (op) {
    case CPU_UN_SILU: return cpu_v8_silu(x);
    case CPU_UN_GELU_ERF: return cpu_v8_gelu_erf(x);
    case CPU_UN_GELU_TANH: return cpu_v8_gelu_tanh(x);
    case CPU_UN_EXP: return cpu_v8_exp(x);
    case CPU_UN_SIGMOID: return cpu_v8_sigmoid(x);
    default: { /* ReLU: NaN propagates (x > 0 false for NaN, then x == x false) */
        __m256 pos = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GT_OQ);
        __m256 nan = _mm256_cmp_ps(x, x, _CMP_UNORD_Q);
        return _mm256_and_ps(x, _mm256_or_ps(pos, nan));
    }
    }
}

void cpu_avx2_unary_f32(int op, const float *x, float *y, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, un8(op, _mm256_loadu_ps(x + i)));
    if (i < n) {
        __m256i m = tail_mask(n - i);
        _mm256_maskstore_ps(y + i, m, un8(op, _mm256_maskload_ps(x + i, m)));
    }
}

void cpu_avx2_swiglu_f32(const float *g, const float *u, float *y, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_mul_ps(cpu_v8_silu(_mm256_loadu_ps(g + i)),
                                              _mm256_loadu_ps(u + i)));
    if (i < n) {
        __m256i m = tail_mask(n - i);
        __m256 s = cpu_v8_silu(_mm256_maskload_ps(g + i, m));
        _mm256_maskstore_ps(y + i, m, _mm256_mul_ps(s, _mm256_maskload_ps(u + i, m)));
    }
}

/* One loop per op (the op switch stays out of the loop); scalar tail: same IEEE result. */
#define BIN_LOOP(VOP, SOP)                                                                        \
    do {                                                                                          \
        size_t i = 0;                                                                             \
        for (; i + 8 <= n; i += 8)                                                                \
            _mm256_storeu_ps(c + i, VOP(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i)));         \
        for (; i < n; i++)                                                                        \
            c[i] = a[i] SOP b[i];                                                                 \
    } while (0)

void cpu_avx2_binary_f32(int op, const float *a, const float *b, float *c, size_t n)
{
    switch (op) {
    case CPU_BIN_ADD: BIN_LOOP(_mm256_add_ps, +); break;
    case CPU_BIN_SUB: BIN_LOOP(_mm256_sub_ps, -); break;
    case CPU_BIN_MUL: BIN_LOOP(_mm256_mul_ps, *); break;
    default: BIN_LOOP(_mm256_div_ps, /); break;
    }
}
