/*
 * kernels/elementwise/ew_rows.c - the f32 row primitives of ew_rows.h: AVX2 when
 * cpu_isa_active() allows it (arch/avx2/ew_avx2.h), else the portable loops below.
 * Pure functions, reentrant, no allocation.
 */
#include <math.h>

#include "../../arch/isa.h"
#include "ew_rows.h"
#ifdef GENRT_CPU_X86
#include "../../arch/avx2/ew_avx2.h"
#define EW_AVX2() (cpu_isa_active() >= CPU_ISA_AVX2)
#else
#define EW_AVX2() 0
#endif

float cpu_unary_scalar(cpu_unary_op op, float x)
{
    switch (op) {
    case CPU_UN_SILU: return x / (1.0f + expf(-x));
    case CPU_UN_GELU_ERF: return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
    case CPU_UN_GELU_TANH: {
        const float k = 0.79788456080286536f; /* sqrt(2/pi) */
        return 0.5f * x * (1.0f + tanhf(k * (x + 0.044715f * x * x * x)));
    }
    case CPU_UN_EXP: return expf(x);
    case CPU_UN_SIGMOID: return 1.0f / (1.0f + expf(-x));
    default: return x > 0.0f ? x : (x == x ? 0.0f : x); /* ReLU; NaN propagates */
    }
}

void cpu_unary_row_f32(cpu_unary_op op, const float *x, float *y, size_t n)
{
#ifdef GENRT_CPU_X86
    if (EW_AVX2()) {
        cpu_avx2_unary_f32((int)op, x, y, n);
        return;
    }
#endif
    for (size_t i = 0; i < n; i++)
        y[i] = cpu_unary_scalar(op, x[i]);
}

void cpu_swiglu_row_f32(const float *g, const float *u, float *y, size_t n)
{
#ifdef GENRT_CPU_X86
    if (EW_AVX2()) {
        cpu_avx2_swiglu_f32(g, u, y, n);
        return;
    }
#endif
    for (size_t i = 0; i < n; i++)
        y[i] = cpu_unary_scalar(CPU_UN_SILU, g[i]) * u[i];
}

void cpu_binary_row_f32(cpu_binary_op op, const float *a, const float *b, float *c, size_t n)
{
#ifdef GENRT_CPU_X86
    if (EW_AVX2()) {
        cpu_avx2_binary_f32((int)op, a, b, c, n);
        return;
    }
#endif
    switch (op) {
    case CPU_BIN_ADD: for (size_t i = 0; i < n; i++) c[i] = a[i] + b[i]; break;
    case CPU_BIN_SUB: for (size_t i = 0; i < n; i++) c[i] = a[i] - b[i]; break;
    case CPU_BIN_MUL: for (size_t i = 0; i < n; i++) c[i] = a[i] * b[i]; break;
    default: for (size_t i = 0; i < n; i++) c[i] = a[i] / b[i]; break;
    }
}

double cpu_sumsq_row_f32(const float *x, size_t n)
{
#ifdef GENRT_CPU_X86
    if (EW_AVX2())
        return cpu_avx2_sumsq_f32(x, n);
#endif
    double acc = 0;
    for (size_t i = 0; i < n; i++)
        acc += (double)x[i] * x[i];
    return acc;
}

void cpu_scale_mul_row_f32(const float *x, float inv, const float *gamma, float *y, size_t n)
{
#ifdef GENRT_CPU_X86
    if (EW_AVX2()) {
        cpu_avx2_scale_mul_f32(x, inv, gamma, y, n);
        return;
    }
#endif
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] * inv * gamma[i];
}

void cpu_softmax_row_f32(const float *x, float *y, size_t n)
{
#ifdef GENRT_CPU_X86
    if (EW_AVX2()) {
        cpu_avx2_softmax_f32(x, y, n);
        return;
    }
#endif
    float mx = -INFINITY;
    for (size_t d = 0; d < n; d++)
        mx = x[d] > mx ? x[d] : mx;
    double sum = 0;
    for (size_t d = 0; d < n; d++) {
        y[d] = expf(x[d] - mx);
        sum += y[d];
    }
    float inv = (float)(1.0 / sum);
    for (size_t d = 0; d < n; d++)
        y[d] *= inv;
}
