/*
 * kernels/matmul/linear.h - the LLM linear layer, the MatMul that carries nearly all the work:
 * out[M, N] = A[M, K] x W[N, K]^T with A dense f32 activations and W a 2-D constant weight
 * (f32, f16, bf16, or compressed int8/int4 sym/asym, per channel or group-wise along K).
 *
 * cpu_k_matmul (matmul.c) hands a node to cpu_linear when it has that form (transpose_b = 1,
 * B rank 2, A f32 dense of rank >= 1 whose leading dims flatten into M, output f32); when
 * cpu_linear returns 0 the generic blocked path of matmul.c runs instead, so every path here
 * may decline a job it has no fast kernel for.
 *
 * Paths (each in its own file, each returning 1 when it took the job and set *st):
 *   cpu_linear_bf16 - linear_bf16.c: on AMX-BF16 CPUs, prompt-sized M: A and W rounded to bf16,
 *                   tdpbf16ps; under ctx->bf16 (INFERENCE_PRECISION_HINT bf16), and in place of
 *                   the int8 GEMM of cpu_linear_dq where it is faster (cpu_linear_bf16_min_m)
 *   cpu_linear_dq - linear_dq.c: compressed W with activations quantized to int8 per group of
 *                   ctx->dq_group_size (DYNAMIC_QUANTIZATION_GROUP_SIZE > 0): integer dot products
 *   cpu_linear_fp - linear_fp.c: float W (f32/f16/bf16, oneDNN where it wins) and compressed W
 *                   with f32 activations (dequantized in registers inside the kernel)
 * Both split the work over ctx->pool so that threads stream disjoint rows of W, never
 * materialise a dequantized copy of W, and allocate nothing per call in steady state (scratch
 * from threads/scratch.h). Reentrant.
 */
#ifndef GENRT_CPU_LINEAR_H
#define GENRT_CPU_LINEAR_H

#include "../kernel.h"

typedef struct cpu_linear_job {
    const cpu_kernel_ctx *ctx;
    const float *a;     /* [M, K] row-major, row stride K */
    size_t M, N, K;
    const cpu_tensor *w; /* [N, K], passed cpu_qw_check (comp may be NULL or kind NONE) */
    float *out;         /* [M, N] row-major */
} cpu_linear_job;

int cpu_linear(const cpu_linear_job *job, grt_status *st);

int cpu_linear_bf16(const cpu_linear_job *job, grt_status *st);
int cpu_linear_dq(const cpu_linear_job *job, grt_status *st);

/* Most linear layers that cpu_linear_dq_n runs in one parallel region. */
#define CPU_LINEAR_MAX_SIBLINGS 4

/* Sibling linear layers (Q / K / V, gate / up: the same A, M and K, different W, N and out) as
 * one GEMV: A quantized once, the rows of all weights split over ctx->pool as one index space,
 * so a small projection does not pay a region of its own (jobs[0].ctx is used). Takes the jobs
 * only when every weight has a GEMV path (M <= CPU_DQ_GEMV_MAX_M) and the same activation
 * quantization (bits, group size, zero-point sums); returns 0 otherwise (nothing written), so the
 * caller runs them one by one. n = 1 is cpu_linear_dq (GEMMs included). */
int cpu_linear_dq_n(const cpu_linear_job *jobs, size_t n, grt_status *st);
int cpu_linear_fp(const cpu_linear_job *job, grt_status *st);

/* *w (kernels/matmul/dq.h) for the compressed job->w, viewing the plan's tiled copy when it has
 * one; 0 when the integer kernels have no path for it (linear_dq.c). */
struct cpu_dq_w;
int cpu_linear_dq_weight(const cpu_linear_job *job, struct cpu_dq_w *w);
/* Switches cpu_linear_bf16 on or off (default on; GENRT_CPU_BF16_GEMM=0 off); returns the previous
 * state. Tests (and A/B runs) only: must not race with kernels. */
int cpu_linear_bf16_enable(int on);
/* Rows of A from which cpu_linear_bf16 takes the compressed weight w (SIZE_MAX: never). */
size_t cpu_linear_bf16_min_m(const cpu_kernel_ctx *ctx, const struct cpu_dq_w *w, size_t K);

#endif
