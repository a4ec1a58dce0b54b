/*
 * kernels/matmul/fp_kernels.h - the weight view and the ISA kernels behind cpu_linear_fp
 * (linear_fp.c): out[M, N] = A[M, K] x W[N, K]^T with f32 activations.
 *
 * cpu_fpw describes W once per call: plain f32/f16/bf16 rows, or a compressed constant
 * (int8/int4, sym/asym, group size G along K, f16/f32 scales, zero points as storage values or
 * real f16/f32). Kernels dequantize in registers or into small per-thread panels, never the whole
 * of W. The AVX2 kernels (arch/avx2/fp_*_avx2.c) run only when cpu_isa_active() >= AVX2.
 * Everything here is reentrant and allocation-free; callers split N over threads.
 */
#ifndef GENRT_CPU_FP_KERNELS_H
#define GENRT_CPU_FP_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "../kernel.h"
#include "../fp16.h"

typedef enum cpu_fpw_kind {
    CPU_FPW_PLAIN = 0, /* f32 / f16 / bf16 rows (type) */
    CPU_FPW_I8,        /* sym int8 */
    CPU_FPW_U8,        /* asym uint8 */
    CPU_FPW_I4,        /* sym int4: nibble u read as (u ^ 8) with zero point 8 */
    CPU_FPW_U4         /* asym uint4 */
} cpu_fpw_kind;

typedef struct cpu_fpw {
    cpu_fpw_kind kind;
    grt_element_type type;   /* plain element type */
    const void *data;        /* [N, K] values (int4: two per byte, low nibble = even element) */
    size_t K;
    size_t G, gpr;           /* group size and groups per row (compressed) */
    const void *scales;      /* [N, gpr] f16 or f32 */
    int scales_f16;
    const void *zps;         /* [N, gpr] asym zero points, NULL otherwise */
    grt_element_type zp_type; /* storage type (u8/u4), GRT_F16 or GRT_F32 */
} cpu_fpw;

/* w for the [N, K] weight t (plain, or a compressed constant that passed cpu_qw_check). */
void cpu_fpw_init(cpu_fpw *w, const cpu_tensor *t, size_t K);

/* Zero point of group gi (8 for sym int4, 0 for sym int8). */
static inline float cpu_fpw_zero(const cpu_fpw *w, size_t gi)
{
    if (w->kind == CPU_FPW_I4)
        return 8.0f;
    if (w->zps == NULL)
        return 0.0f;
    switch (w->zp_type) {
    case GRT_F32: return ((const float *)w->zps)[gi];
    case GRT_F16: return cpu_f16_to_f32(((const uint16_t *)w->zps)[gi]);
    case GRT_U4: return (float)((((const uint8_t *)w->zps)[gi >> 1] >> ((gi & 1) * 4)) & 0xf);
    default: return (float)((const uint8_t *)w->zps)[gi];
    }
}

/* dst = src[0 .. K) permuted per 16-block into evens then odds (K % 16 == 0): the activation
 * order of the int4 GEMV, which splits each byte into its low (even) and high (odd) nibble. */
static inline void cpu_fp_deinterleave16(const float *src, size_t K, float *dst)
{
    for (size_t b = 0; b < K; b += 16)
        for (size_t j = 0; j < 8; j++) {
            dst[b + j] = src[b + 2 * j];
            dst[b + 8 + j] = src[b + 2 * j + 1];
        }
}

/* 1 when the in-register AVX2 paths handle w: plain, or compressed with G % 16 == 0. */
static inline int cpu_fpw_fast(const cpu_fpw *w)
{
    return w->kind == CPU_FPW_PLAIN || w->G % 16 == 0;
}

#ifdef GENRT_CPU_X86
/* GEMV: out[n - n0] = dot(a, W[n]) for n in [n0, n1). Requires cpu_fpw_fast(w). asum[gpr] = sums
 * of a over each group (compressed W only; may be NULL for I8 sym). For int4 kinds `a` must be
 * permuted per block of 16: the 8 even elements, then the 8 odd ones (cpu_fp_deinterleave16). */
void cpu_avx2_fp_gemv(const cpu_fpw *w, const float *a, const float *asum, size_t n0, size_t n1,
                      float *out);
/* The GEMV of cpu_avx2_fp_gemv for plain f32 / f16 / bf16 w only, on AVX-512
 * (arch/avx512/fp_gemv_avx512.c); only when cpu_isa_active() >= CPU_ISA_AVX512. */
void cpu_avx512_fp_gemv(const cpu_fpw *w, const float *a, size_t n0, size_t n1, float *out);
/* dst[0 .. c1 - c0) = W[row, c0 .. c1) as f32 for compressed w. Requires cpu_fpw_fast(w),
 * c0 % 16 == 0 and (c1 - c0) % 16 == 0. */
void cpu_avx2_fp_unpack(const cpu_fpw *w, size_t row, size_t c0, size_t c1, float *dst);
/* C[i, j] (+)= dot(A[i, 0..kb), P[j, 0..kb)) for i < mr, j < nr, with mr <= 4, nr <= 3.
 * A row stride lda, P row stride ldp, C row stride ldc; acc = 0 stores, 1 adds. */
void cpu_avx2_fp_tile(const float *A, size_t lda, size_t mr, const float *P, size_t ldp,
                      size_t nr, size_t kb, float *C, size_t ldc, int acc);
/* Outputs per panel of the AVX-512 GEMM kernel (three vectors of 16). */
#define CPU_FP512_NR 48
/* C[m, j] (+)= sum_k A[m, k] * pt[k, j] for m < M, j < nr <= CPU_FP512_NR, k < kb: A row stride
 * lda, pt [kb][CPU_FP512_NR] (a panel of W rows stored column by column; entries j >= nr are
 * read and must be finite), C row stride ldc; acc = 0 stores, 1 adds. AVX-512
 * (arch/avx512/fp_gemm_avx512.c); only when cpu_isa_active() >= CPU_ISA_AVX512. */
void cpu_avx512_fp_panel(const float *A, size_t lda, size_t M, const float *pt, size_t kb,
                         size_t nr, float *C, size_t ldc, int acc);
#endif

#endif
