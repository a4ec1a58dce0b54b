/*
 * kernels/matmul/linear_bf16.c - the bf16 linear layer for prompts (see linear.h and
 * bf16_kernels.h): activations and weights rounded to bf16, products summed in f32 by AMX
 * tdpbf16ps, as OpenVINO's CPU plugin does under INFERENCE_PRECISION_HINT bf16 on AMX machines;
 * here under that hint, and for compressed weights in place of the int8 GEMM (below).
 *
 * Runs only where cpu_isa_has_amx_bf16() and K % 32 == 0, on W plain f32 / f16 / bf16 or a
 * compressed constant the integer kernels take (cpu_dq_weight: int8/int4, groups of a multiple of
 * 32; its panels come from cpu_dq_pack_panel512, so the plan's tiled copy serves as well), and
 * only for prompt-sized M (W is rounded to bf16 once per call and 32-row panel, shared by all M
 * rows; decode keeps the memory-bound GEMVs). Which jobs (cpu_linear_bf16_min_m):
 *   - ctx->bf16 (the hint): plain W, and compressed W without dynamic quantization, M >= 16;
 *   - compressed W with dynamic quantization on (ctx->dq_group_size, the int8 path would take
 *     it), with or without the hint: M >= 64 (int8 AMX GEMM in 32-wide steps, the default group
 *     32) or M >= 256 (64-wide steps). There this GEMM is faster than the int8 one (bf16 1.3-1.8x
 *     at M 512) and closer to exact: bf16 rounds each activation to 8 significant bits where
 *     int8 groups of 32 give the group's largest value 7 bits and smaller ones fewer (docs/PERF.md
 *     "AMX-BF16 GEMM" has the KLD).
 * GENRT_CPU_BF16_GEMM=0 (read once) or cpu_linear_bf16_enable(0) (tests) switch the path off.
 *
 * Per call: A is rounded into the calling thread's scratch (slot 0; 16-row groups split over
 * ctx->pool; row stride K + 32 against 4 KiB aliasing of the tile loads), then N is split over
 * ctx->pool in 32-row panels: each thread builds the bf16 panels of a chunk of up to
 * LINEAR_BF16_CHUNK_BYTES (slot 2; slot 1 for the u8 panel of the compressed weights) and runs
 * every 32-row group of A over the chunk, so A is read once per chunk and the chunk stays in L2.
 * Reentrant; allocates only when the scratch grows.
 */
#include <stdatomic.h>
#include <stdint.h>

#include "../../arch/isa.h"
#include "../../threads/scratch.h"
#include "../kutil.h"
#include "bf16_kernels.h"
#include "dq.h"
#include "linear.h"

enum {
    LINEAR_BF16_MIN_M = 16,        /* rows of A from which the path runs under the hint ... */
    LINEAR_BF16_MIN_M_DQ32 = 64,   /* ... or in place of the int8 GEMM of dynamic quantization:
                                    * with its 32-wide AMX steps (measured, README) */
    LINEAR_BF16_MIN_M_DQ64 = 256,  /* with its 64-wide AMX steps (gcd of the groups % 64 == 0) */
    LINEAR_BF16_CHUNK_BYTES = 1024 * 1024, /* bf16 panels per chunk at most (1 to 4 panels) */
    LINEAR_BF16_CHUNK_MAX = 4
};

#ifdef GENRT_CPU_X86
typedef struct bf16_call {
    const cpu_linear_job *job;
    int dq;           /* compressed: panels from cpu_dq_pack_panel512 of dw */
    cpu_dq_w dw;
    cpu_fpw fw;
    uint16_t *act;    /* [Mp][lda] bf16 */
    size_t lda, nb, chunk;
    atomic_int oom;
} bf16_call;

static void act_range(void *arg, size_t g0, size_t g1)
{
    bf16_call *c = arg;
    const cpu_linear_job *job = c->job;
    for (size_t g = g0; g < g1; g++) {
        const size_t m = g * CPU_BF16_MR, rows = job->M - m < CPU_BF16_MR ? job->M - m : CPU_BF16_MR;
        cpu_amx_bf16_act(job->a + m * job->K, job->K, rows, job->K, c->dq && c->dw.bits == 4,
                         c->act + m * c->lda, c->lda);
    }
}

static void panel_range(void *arg, size_t p0, size_t p1)
{
    bf16_call *c = arg;
    const cpu_linear_job *job = c->job;
    const size_t N = job->N, nb = c->nb;
    float *pbuf = cpu_scratch(1, sizeof(float) * (c->dq ? cpu_dq_pbuf_floats(&c->dw) : 256));
    uint16_t *pt = cpu_scratch(2, sizeof(uint16_t) * c->chunk * nb * CPU_BF16_PANEL_BLOCK);
    if (pbuf == NULL || pt == NULL) {
        atomic_store(&c->oom, 1);
        return;
    }
    /* the u8 panel, then its group scales and sw * zp' (as in the AMX int8 GEMM) */
    const size_t ngw = c->dw.ngw;
    float *swg = pbuf + nb * CPU_DQ_PANEL512 * CPU_DQ_BLOCK / sizeof(float);
    float *swzp = swg + ngw * CPU_DQ_PANEL512, *tmp = swzp + ngw * CPU_DQ_PANEL512;
    for (size_t p = p0; p < p1; p += c->chunk) {
        const size_t np = p1 - p < c->chunk ? p1 - p : c->chunk;
        for (size_t i = 0; i < np; i++) {
            const size_t n = (p + i) * CPU_BF16_NR, nr = N - n < CPU_BF16_NR ? N - n : CPU_BF16_NR;
            uint16_t *dst = pt + i * nb * CPU_BF16_PANEL_BLOCK;
            if (c->dq) {
                cpu_dq_pack_panel512(&c->dw, n, nr, (uint8_t *)pbuf, swg, swzp, tmp);
                cpu_amx_bf16_panel_dq((const uint8_t *)pbuf, swg, swzp, nb,
                                      c->dw.G / CPU_DQ_BLOCK, dst);
            } else {
                cpu_amx_bf16_panel_fp(&c->fw, n, nr, dst, (uint32_t *)pbuf);
            }
        }
        const size_t n0 = p * CPU_BF16_NR, nv = N - n0 < np * CPU_BF16_NR ? N - n0 : np * CPU_BF16_NR;
        cpu_amx_bf16_gemm(c->act, c->lda, job->M, pt, nb, np, nv, job->out + n0, N);
    }
}
#endif

/* GENRT_CPU_BF16_GEMM=0 or cpu_linear_bf16_enable(0): off */
static atomic_int g_enabled = -1;
#define BF16_ENV "GENRT_CPU_BF16_GEMM"

int cpu_linear_bf16_enable(int on)
{
    return cpu_kswitch_set(&g_enabled, BF16_ENV, on);
}

size_t cpu_linear_bf16_min_m(const cpu_kernel_ctx *ctx, const struct cpu_dq_w *w, size_t K)
{
    const size_t ga = ctx->dq_group_size > 0 ? (size_t)ctx->dq_group_size : 0;
    if (ga > 0 && ga % CPU_DQ_BLOCK == 0 && K % ga == 0) /* linear_dq would take it */
        return cpu_dq_amx_qp_unit(ga, w->G) == 2 * CPU_DQ_BLOCK ? LINEAR_BF16_MIN_M_DQ64
                                                                : LINEAR_BF16_MIN_M_DQ32;
    return ctx->bf16 ? LINEAR_BF16_MIN_M : SIZE_MAX;
}

int cpu_linear_bf16(const cpu_linear_job *job, grt_status *st)
{
#ifdef GENRT_CPU_X86
    const size_t M = job->M, N = job->N, K = job->K;
    if (M < LINEAR_BF16_MIN_M || N == 0 || K == 0 || K % 32 != 0 || !cpu_isa_has_amx_bf16() ||
        !cpu_kswitch_get(&g_enabled, BF16_ENV))
        return 0;
    bf16_call c = {.job = job};
    const grt_compression_info *ci = job->w->comp;
    c.dq = ci != NULL && ci->kind != GRT_COMPRESSION_NONE;
    if (c.dq ? !cpu_linear_dq_weight(job, &c.dw) || M < cpu_linear_bf16_min_m(job->ctx, &c.dw, K)
             : !job->ctx->bf16 ||
                   (job->w->type != GRT_F32 && job->w->type != GRT_F16 && job->w->type != GRT_BF16))
        return 0;
    if (!c.dq)
        cpu_fpw_init(&c.fw, job->w, K);
    c.nb = K / 32;
    c.lda = K + 32;
    const size_t panel_bytes = sizeof(uint16_t) * c.nb * CPU_BF16_PANEL_BLOCK;
    c.chunk = LINEAR_BF16_CHUNK_BYTES / panel_bytes;
    c.chunk = c.chunk < 1 ? 1 : c.chunk > LINEAR_BF16_CHUNK_MAX ? LINEAR_BF16_CHUNK_MAX : c.chunk;
    const size_t groups = (M + CPU_BF16_MR - 1) / CPU_BF16_MR;
    c.act = cpu_scratch(0, sizeof(uint16_t) * groups * CPU_BF16_MR * c.lda);
    if (c.act == NULL) {
        *st = cpu_kernel_error(job->ctx, GRT_ERROR_OUT_OF_MEMORY,
                               "out of memory rounding activations to bf16 (%zu x %zu)", M, K);
        return 1;
    }
    atomic_init(&c.oom, 0);
    cpu_parallel_for(job->ctx->pool, groups, 1, act_range, &c);
    cpu_parallel_for(job->ctx->pool, (N + CPU_BF16_NR - 1) / CPU_BF16_NR, 1, panel_range, &c);
    *st = atomic_load(&c.oom) ? cpu_kernel_error(job->ctx, GRT_ERROR_OUT_OF_MEMORY,
                                                  "out of memory (bf16 MatMul scratch)")
                              : GRT_OK;
    return 1;
#else
    (void)job;
    (void)st;
    return 0;
#endif
}
