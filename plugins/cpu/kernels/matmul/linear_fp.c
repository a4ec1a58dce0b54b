/*
 * kernels/matmul/linear_fp.c - float weights (f32/f16/bf16), and compressed weights with f32
 * activations (see linear.h). Takes the job on AVX2 (and above); declines on SCALAR so that the
 * generic path of matmul.c runs.
 *
 * M == 1 (decode): GEMV streaming W rows once, dequantized in registers; threads take disjoint
 * row ranges (cpu_fpw_fast weights; the others go through the GEMM path with M = 1).
 * M > 1 (prefill): blocked GEMM. W is cut into panels of FP_NB rows x FP_KB columns, each
 * dequantized into the thread's scratch (never the whole W) and multiplied by every 4-row
 * slice of A with the 4x3 register micro-kernel; threads own disjoint panels of N. Up to
 * FP_SMALL_M rows of A the panels are smaller and each is walked along K to its end first.
 * On AVX-512 (M > FP_SMALL_M) each packed panel is transposed to K-major order (slot 2) and
 * multiplied with the broadcast kernel cpu_avx512_fp_panel (8 rows x 48 outputs): f16 / bf16
 * GEMM +50 % over the 4x3 tile (docs/PERF.md).
 * Plain f32 W with M >= FP_ONEDNN_MIN_M goes to oneDNN's sgemm when available (measured faster
 * on Zen 3 for the TinyLlama prefill shapes, see plugins/cpu/README.md "MatMul paths").
 * Reentrant; per-thread scratch slots 0 (W panel), 1 (GEMM: A block of FP_KB columns; GEMV,
 * calling thread only: group sums and permuted activations) and 2 (AVX-512 GEMM: the K-major
 * panel).
 */
#include "linear.h"

#include <stdatomic.h>
#include <string.h>

#include "../../arch/isa.h"
#include "../kutil.h"
#include "../qweight.h"
#include "../../threads/scratch.h"
#include "fp_kernels.h"
#include "onednn.h"

enum {
    FP_NB = 48,          /* W rows per packed panel (multiple of 3) */
    FP_KB = 512,         /* K columns per panel (multiple of 16) */
    FP_PS = FP_KB + 16,  /* row stride of the packed panels: +64 bytes against L1 set aliasing */
    FP_GEMV_GRAIN = 16,  /* W rows per GEMV work item at least */
    FP_SMALL_M = 16,     /* up to this M the GEMM walks W panel by panel (W-bound) ... */
    FP_NB_SMALL_M = 12,  /* ... in panels of this many rows (25 KiB of f32: stays in L1) */
    FP_ONEDNN_MIN_M = 32 /* rows of A from which oneDNN wins for f32 W (measured) */
};

#ifdef GENRT_CPU_X86
_Static_assert(FP_NB == CPU_FP512_NR, "the AVX-512 GEMM kernel takes whole FP_NB-row panels");

void cpu_fpw_init(cpu_fpw *w, const cpu_tensor *t, size_t K)
{
    const grt_compression_info *c = t->comp;
    w->type = t->type;
    w->data = t->data;
    w->K = K;
    w->G = K;
    w->gpr = 1;
    w->scales = NULL;
    w->scales_f16 = 0;
    w->zps = NULL;
    w->zp_type = GRT_UNDEFINED;
    if (c == NULL || c->kind == GRT_COMPRESSION_NONE) {
        w->kind = CPU_FPW_PLAIN;
        return;
    }
    w->kind = c->storage_type == GRT_I8   ? CPU_FPW_I8
              : c->storage_type == GRT_U8 ? CPU_FPW_U8
              : c->storage_type == GRT_I4 ? CPU_FPW_I4
                                          : CPU_FPW_U4;
    w->G = (size_t)c->group_size;
    w->gpr = K / w->G;
    w->scales = c->scales;
    w->scales_f16 = c->scale_type == GRT_F16;
    if (c->kind == GRT_COMPRESSION_ASYM) {
        w->zps = c->zero_points;
        w->zp_type = c->zero_point_type == GRT_UNDEFINED ? c->storage_type : c->zero_point_type;
    }
}

typedef struct fp_args {
    const cpu_linear_job *job;
    const cpu_fpw *w;
    const float *a;    /* GEMV: the activation row (int4: deinterleaved, see fp_kernels.h) */
    const float *asum; /* GEMV: [gpr] sums of a per group */
    size_t nb;         /* GEMM: W rows per panel (FP_NB, or FP_NB_SMALL_M when M <= FP_SMALL_M) */
    int avx512;        /* GEMM: the AVX-512 kernel (M > FP_SMALL_M, FP_NB = CPU_FP512_NR) */
    atomic_int oom;
} fp_args;

static void gemv_range(void *arg, size_t n0, size_t n1)
{
    fp_args *p = arg;
    if (p->w->kind == CPU_FPW_PLAIN && cpu_isa_active() >= CPU_ISA_AVX512)
        cpu_avx512_fp_gemv(p->w, p->a, n0, n1, p->job->out + n0);
    else
        cpu_avx2_fp_gemv(p->w, p->a, p->asum, n0, n1, p->job->out + n0);
}

/* dst[0 .. c1 - c0) = W[row, c0 .. c1) as f32 (c0, c1 multiples of 16 or c1 = K). */
static void pack_row(const cpu_linear_job *job, const cpu_fpw *w, size_t row, size_t c0,
                     size_t c1, float *dst)
{
    if (w->kind != CPU_FPW_PLAIN && cpu_fpw_fast(w))
        cpu_avx2_fp_unpack(w, row, c0, c1, dst);
    else
        cpu_qw_row(job->w, row, c0, c1, dst);
}

/* panel[r, 0 .. c1 - c0) = W[row0 + r, c0 .. c1) for r < nr (row stride FP_PS). */
static void pack_panel(const cpu_linear_job *job, const cpu_fpw *w, size_t row0, size_t nr,
                       size_t c0, size_t c1, float *panel)
{
    for (size_t r = 0; r < nr; r++)
        pack_row(job, w, row0 + r, c0, c1, panel + r * FP_PS);
}

/* out[:, n0 .. n0 + nb) (+)= A[:, k0 .. k0 + kb) x W[n0 .. n0 + nb, k0 .. k0 + kb)^T for panel pi;
 * ab points at A[0, k0] with row stride lda. pt: NULL, or the thread's [FP_KB][CPU_FP512_NR]
 * scratch for the AVX-512 kernel (then p->nb == CPU_FP512_NR). */
static void panel_block(const fp_args *p, size_t pi, size_t k0, const float *ab, size_t lda,
                        float *panel, float *pt)
{
    const cpu_linear_job *job = p->job;
    size_t M = job->M, N = job->N, K = job->K;
    size_t kb = K - k0 < FP_KB ? K - k0 : FP_KB;
    size_t n0 = pi * p->nb, nb = N - n0 < p->nb ? N - n0 : p->nb;
    pack_panel(job, p->w, n0, nb, k0, k0 + kb, panel);
    if (pt != NULL) { /* AVX-512: the panel column by column, then the broadcast kernel */
        for (size_t k = 0; k < kb; k++)
            for (size_t r = 0; r < CPU_FP512_NR; r++)
                pt[k * CPU_FP512_NR + r] = r < nb ? panel[r * FP_PS + k] : 0.0f;
        cpu_avx512_fp_panel(ab, lda, M, pt, kb, nb, job->out + n0, N, k0 > 0);
        return;
    }
    for (size_t m = 0; m < M; m += 4) {
        size_t mr = M - m < 4 ? M - m : 4;
        for (size_t j = 0; j < nb; j += 3) {
            size_t nr = nb - j < 3 ? nb - j : 3;
            cpu_avx2_fp_tile(ab + m * lda, lda, mr, panel + j * FP_PS, FP_PS, nr, kb,
                             job->out + m * N + n0 + j, N, k0 > 0);
        }
    }
}

/* GEMM over panels [p0, p1) of p->nb rows of W. */
static void gemm_range(void *arg, size_t p0, size_t p1)
{
    fp_args *p = arg;
    const cpu_linear_job *job = p->job;
    size_t M = job->M, K = job->K;
    float *panel = cpu_scratch(0, (size_t)FP_NB * FP_PS * sizeof(float));
    if (panel == NULL) {
        atomic_store(&p->oom, 1);
        return;
    }
    if (M <= FP_SMALL_M) {
        /* few rows of A: W dominates, so read each panel's rows from start to end (streams
         * that the prefetchers follow); A stays in cache as it is */
        for (size_t pi = p0; pi < p1; pi++)
            for (size_t k0 = 0; k0 < K; k0 += FP_KB)
                panel_block(p, pi, k0, job->a + k0, K, panel, NULL);
        return;
    }
    float *ablk = cpu_scratch(1, M * FP_PS * sizeof(float));
    float *pt = p->avx512 ? cpu_scratch(2, (size_t)FP_KB * CPU_FP512_NR * sizeof(float)) : NULL;
    if (ablk == NULL || (p->avx512 && pt == NULL)) {
        atomic_store(&p->oom, 1);
        return;
    }
    for (size_t k0 = 0; k0 < K; k0 += FP_KB) {
        /* A[:, k0 .. k0 + kb) copied to stride FP_PS (A's own stride K often aliases in L1) */
        size_t kb = K - k0 < FP_KB ? K - k0 : FP_KB;
        for (size_t m = 0; m < M; m++)
            memcpy(ablk + m * FP_PS, job->a + m * K + k0, kb * sizeof(float));
        for (size_t pi = p0; pi < p1; pi++)
            panel_block(p, pi, k0, ablk, FP_PS, panel, pt);
    }
}
#endif

int cpu_linear_fp(const cpu_linear_job *job, grt_status *st)
{
#ifdef GENRT_CPU_X86
    size_t M = job->M, N = job->N, K = job->K;
    if (cpu_isa_active() < CPU_ISA_AVX2 || M == 0 || N == 0 || K == 0)
        return 0;
    cpu_fpw w;
    cpu_fpw_init(&w, job->w, K);
    fp_args args = {.job = job, .w = &w, .a = job->a, .asum = NULL};
    atomic_init(&args.oom, 0);
    cpu_pool *pool = job->ctx->pool;

    if (w.kind == CPU_FPW_PLAIN && w.type == GRT_F32 && M >= FP_ONEDNN_MIN_M &&
        cpu_onednn_sgemm(M, N, K, job->a, w.data, job->out, N, cpu_pool_threads(pool))) {
        *st = GRT_OK;
        return 1;
    }
    if (M == 1 && cpu_fpw_fast(&w)) {
        if (w.kind != CPU_FPW_PLAIN && w.kind != CPU_FPW_I8) {
            /* scratch: [gpr] group sums of a, then (int4) a in the GEMV order */
            int i4 = w.kind == CPU_FPW_I4 || w.kind == CPU_FPW_U4;
            float *asum = cpu_scratch(1, (w.gpr + (i4 ? K : 0)) * sizeof(float));
            if (asum == NULL)
                goto oom;
            for (size_t g = 0; g < w.gpr; g++) {
                float s = 0.0f;
                for (size_t k = g * w.G; k < (g + 1) * w.G; k++)
                    s += job->a[k];
                asum[g] = s;
            }
            args.asum = asum;
            if (i4) {
                cpu_fp_deinterleave16(job->a, K, asum + w.gpr);
                args.a = asum + w.gpr;
            }
        }
        cpu_parallel_for(pool, N, FP_GEMV_GRAIN, gemv_range, &args);
    } else {
        args.nb = M <= FP_SMALL_M ? FP_NB_SMALL_M : FP_NB;
        args.avx512 = M > FP_SMALL_M && cpu_isa_active() >= CPU_ISA_AVX512;
        cpu_parallel_for(pool, (N + args.nb - 1) / args.nb, 1, gemm_range, &args);
    }
    if (atomic_load(&args.oom))
        goto oom;
    *st = GRT_OK;
    return 1;
oom:
    *st = cpu_kernel_error(job->ctx, GRT_ERROR_OUT_OF_MEMORY,
                           "out of memory for MatMul scratch (M %zu, N %zu, K %zu)", M, N, K);
    return 1;
#else
    (void)job;
    (void)st;
    return 0;
#endif
}
