/*
 * kernels/matmul/linear_dq.c - compressed weights x int8-quantized activations (see linear.h and
 * dq.h).
 *
 * Takes the job when W is int8/int4 (I8, U8, I4, U4 with u8/u4/f16/f32 zero points), its group size
 * and ctx->dq_group_size are multiples of 32 dividing K; declines (returns 0) otherwise so the f32
 * path runs. Per call: A is quantized once into the calling thread's scratch (slot 0; rows split
 * over ctx->pool), then N is split over ctx->pool so each thread streams disjoint rows of W with
 * the best row kernel cpu_isa_active() allows (scratch slot 1 per thread for group parameters;
 * chunks start on whole tiles of either height for the GEMVs, on whole panels for the GEMMs).
 * Reentrant; allocates only when the scratch grows.
 */
#include <stdatomic.h>
#include <string.h>

#include "../../arch/isa.h"
#include "../../threads/scratch.h"
#include "dq.h"
#include "linear.h"

typedef struct dq_call {
    cpu_dq_act act;
    cpu_dq_w w; /* the first weight: the activation's quantization follows it */
    const float *a;
    size_t ga;
    size_t unit; /* W rows per work item: a whole tile or panel of the row kernel */
    size_t n;    /* weights (1, or up to CPU_LINEAR_MAX_SIBLINGS sharing A: GEMV only) */
    const cpu_dq_w *wm[CPU_LINEAR_MAX_SIBLINGS];
    float *out[CPU_LINEAR_MAX_SIBLINGS];
    size_t N[CPU_LINEAR_MAX_SIBLINGS];
    size_t ufirst[CPU_LINEAR_MAX_SIBLINGS + 1]; /* first work item of each weight, then the total */
    size_t pbuf;                                /* floats of per-thread scratch (the largest) */
    cpu_dq_rows_fn rows;
    cpu_dq_group_fn quant;
    cpu_dq_perm_fn perm;
    atomic_int failed;
} dq_call;

static void quant_range(void *arg, size_t begin, size_t end)
{
    dq_call *c = arg;
    cpu_dq_quantize_rows(&c->act, c->a, begin, end, c->ga, c->w.G, c->quant, c->perm);
}

/* Work items are units of c->unit rows (CPU_DQ_TILE8 for the GEMVs, a panel for the GEMMs) of
 * the weights one after the other, each weight's first unit on its first row, so chunks start on
 * a tile of either height and cut no GEMM panel short; a chunk may span weights. */
static void rows_range(void *arg, size_t begin, size_t end)
{
    dq_call *c = arg;
    float *pbuf = cpu_scratch(1, sizeof(float) * c->pbuf);
    if (pbuf == NULL) {
        atomic_store(&c->failed, 1);
        return;
    }
    for (size_t m = 0; m < c->n; m++) {
        size_t u0 = c->ufirst[m], b = begin > u0 ? begin : u0;
        size_t e = end < c->ufirst[m + 1] ? end : c->ufirst[m + 1];
        if (b >= e)
            continue;
        size_t r1 = (e - u0) * c->unit < c->N[m] ? (e - u0) * c->unit : c->N[m];
        c->rows(&c->act, c->wm[m], (b - u0) * c->unit, r1, c->out[m], c->N[m], pbuf);
    }
}

static size_t align64(size_t n)
{
    return (n + 63) & ~(size_t)63;
}

int cpu_linear_dq_weight(const cpu_linear_job *job, struct cpu_dq_w *w)
{
    if (!cpu_dq_weight(job->w->data, job->w->comp, job->N, job->K, w))
        return 0;
    if (job->w->dq_tiled != NULL && cpu_dq_tileable(w->bits, job->K))
        cpu_dq_tiled_view(w, job->w->dq_tiled); /* the plan's compile-time copy (exec/plan.h) */
    return 1;
}

/* Weight `w` takes the activation quantized for `w0` (same bits, group and zero-point sums) and
 * has a GEMV path. */
static int dq_shares_act(const cpu_dq_w *w, const cpu_dq_w *w0, cpu_isa isa)
{
    return w->bits == w0->bits && w->G == w0->G && w->ngw == w0->ngw &&
           cpu_dq_act_needs_zs(w, isa) == cpu_dq_act_needs_zs(w0, isa) && cpu_dq_gemv_avx2_ok(w);
}

int cpu_linear_dq(const cpu_linear_job *job, grt_status *st)
{
    return cpu_linear_dq_n(job, 1, st);
}

int cpu_linear_dq_n(const cpu_linear_job *jobs, size_t n, grt_status *st)
{
    const cpu_linear_job *job = &jobs[0];
    const cpu_kernel_ctx *ctx = job->ctx;
    dq_call c = {0};
    cpu_dq_w ws[CPU_LINEAR_MAX_SIBLINGS];
    size_t M = job->M, N = job->N, K = job->K;
    size_t ga = ctx->dq_group_size > 0 ? (size_t)ctx->dq_group_size : 0;
    if (n == 0 || n > CPU_LINEAR_MAX_SIBLINGS || M == 0 || N == 0 || K == 0 || ga == 0 ||
        ga % CPU_DQ_BLOCK != 0 || K % ga != 0 || !cpu_linear_dq_weight(job, &c.w))
        return 0;
    c.n = n;
    ws[0] = c.w;
    for (size_t m = 1; m < n; m++) /* siblings: one GEMV region on one quantized activation */
        if (jobs[m].M != M || jobs[m].K != K || jobs[m].a != job->a || jobs[m].N == 0 ||
            M > CPU_DQ_GEMV_MAX_M || !cpu_linear_dq_weight(&jobs[m], &ws[m]) ||
            !dq_shares_act(&ws[m], &c.w, cpu_isa_active()) || !cpu_dq_gemv_avx2_ok(&c.w))
            return 0;
    c.act.M = M;
    c.act.K = K;
    c.act.nb = K / CPU_DQ_BLOCK;
    c.act.ngw = c.w.ngw;
    c.act.perm4 = c.w.bits == 4;
    c.act.ga = ga;
    const cpu_isa isa = cpu_isa_active();
    const int gemv = M <= CPU_DQ_GEMV_MAX_M && cpu_dq_gemv_avx2_ok(&c.w); /* decode */
    /* the GEMMs that read act.qp: AVX-512 (6-row groups) and AMX (16-row groups, whose sa and zs
     * also get the padding rows of the last group, zeroed) */
    const size_t amx_unit = cpu_dq_amx_qp_unit(ga, c.w.G);
    const int amx = isa >= CPU_ISA_AMX && !gemv && cpu_dq_amx_takes(M, amx_unit);
    const int gemm512 = isa >= CPU_ISA_AVX512 && !gemv && !amx;
    c.act.qp_rows = amx ? CPU_DQ_AMX_ROWS : CPU_DQ_MR512;
    c.act.qp_unit = amx ? amx_unit : 4;
    const size_t Mp = (M + c.act.qp_rows - 1) / c.act.qp_rows * c.act.qp_rows;
    const size_t Ms = amx ? Mp : M; /* rows of sa and zs */
    const int need_zs = cpu_dq_act_needs_zs(&c.w, isa);
    size_t qb = align64(M * K), sab = align64(sizeof(float) * Ms * c.act.nb);
    size_t zsb = align64(need_zs ? sizeof(float) * Ms * c.w.ngw : 0);
    size_t qpb = gemm512 || amx ? Mp * K : 0;
    unsigned char *buf = cpu_scratch(0, qb + sab + zsb + qpb);
    if (buf == NULL) {
        *st = cpu_kernel_error(ctx, GRT_ERROR_OUT_OF_MEMORY,
                               "out of memory quantizing activations (%zu x %zu)", M, K);
        return 1;
    }
    c.act.q = (int8_t *)buf;
    c.act.sa = (float *)(buf + qb);
    c.act.zs = need_zs ? (float *)(buf + qb + sab) : NULL;
    c.act.qp = gemm512 || amx ? (int8_t *)(buf + qb + sab + zsb) : NULL;
    if (amx && Mp > M) { /* the last group's padding rows, which AMX tile loads read: zero
                          * (the AVX-512 GEMM reads only the rows it has) */
        const size_t R = c.act.qp_rows, U = c.act.qp_unit;
        int8_t *g = c.act.qp + (Mp - R) * K + (M % R) * U;
        for (size_t s = 0; s < K / U; s++)
            memset(g + s * U * R, 0, (Mp - M) * U);
    }
    if (Ms > M) {
        memset(c.act.sa + M * c.act.nb, 0, sizeof(float) * (Ms - M) * c.act.nb);
        if (c.act.zs != NULL)
            memset(c.act.zs + M * c.w.ngw, 0, sizeof(float) * (Ms - M) * c.w.ngw);
    }
    c.a = job->a;
    c.ga = ga;
    c.rows = cpu_dq_rows_scalar;
    c.unit = CPU_DQ_TILE8;
    c.quant = cpu_dq_quant_group_scalar;
    c.perm = cpu_dq_perm_block_scalar;
#ifdef GENRT_CPU_X86
    if (isa >= CPU_ISA_AVX2) {
        c.rows = gemv ? cpu_dq_gemv_avx2 : cpu_dq_rows_avx2;
        c.unit = gemv ? CPU_DQ_TILE8 : CPU_DQ_PANEL;
        if (isa >= CPU_ISA_AVX512) {
            c.rows = gemv ? cpu_dq_gemv_avx512 : cpu_dq_rows_avx512;
            c.unit = gemv ? CPU_DQ_TILE8 : CPU_DQ_PANEL512;
        }
        if (amx)
            c.rows = cpu_dq_rows_amx;
        c.quant = cpu_dq_quant_group_avx2;
        c.perm = cpu_dq_perm_block_avx2;
    }
#endif
    for (size_t m = 0; m < n; m++) {
        c.wm[m] = &ws[m];
        c.out[m] = jobs[m].out;
        c.N[m] = jobs[m].N;
        c.ufirst[m + 1] = c.ufirst[m] + (jobs[m].N + c.unit - 1) / c.unit;
        size_t pf = cpu_dq_pbuf_floats(&ws[m]);
        c.pbuf = pf > c.pbuf ? pf : c.pbuf;
    }
    atomic_init(&c.failed, 0);
    cpu_parallel_for(ctx->pool, M, 4, quant_range, &c);
    cpu_parallel_for(ctx->pool, c.ufirst[n], c.unit < CPU_DQ_NB ? CPU_DQ_NB / c.unit : 1,
                     rows_range, &c);
    *st = atomic_load(&c.failed)
              ? cpu_kernel_error(ctx, GRT_ERROR_OUT_OF_MEMORY, "out of memory (kernel scratch)")
              : GRT_OK;
    return 1;
}
