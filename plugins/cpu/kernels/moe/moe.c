/*
 * kernels/moe/moe.c - Mixture of Experts with a softmax router and SwiGLU experts.
 *
 * x [T, H], router [E, H], w_gate [E, I, H], w_up [E, I, H], w_down [E, H, I] -> out [T, H] (x's
 * type). p = softmax(x . router^T) over E; each token takes its top_k experts (ties: lower index
 * first) weighted by p_e (divided by their sum when `normalize`, default 1);
 * out = sum_e p_e * w_down_e . (silu(w_gate_e . x) * (w_up_e . x)).
 * Weights (router included) may be compressed constants: rows are dequantized RB at a time into
 * small f32 panels and reused by every token routed to the expert.
 *
 * Work: tokens are grouped by expert; per expert, the gate/up projection runs in parallel over
 * blocks of I rows and the down projection over blocks of H rows (disjoint output columns, so no
 * locking). Scratch (threads/scratch.h, nothing allocated per call once grown): slot 0 of the
 * calling thread holds x and the f32 accumulator [T, H], logits [T, E], the routed lists and an
 * [T, I] activation buffer (one expert at a time); slot 1 of each thread the RB-row panels of a
 * worker range. Reentrant.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../../threads/scratch.h"
#include "../kutil.h"
#include "../ops.h"
#include "../qweight.h"

#define MOE_RB 16

typedef struct moe_job {
    const cpu_tensor *wg, *wu, *wd;
    size_t H, I, e; /* current expert */
    size_t n;       /* tokens routed to e */
    const uint32_t *tok;
    const float *wt;
    const float *x;   /* [T, H] f32 */
    float *act;       /* [n, I] */
    float *acc;       /* [T, H] */
    atomic_int failed;
} moe_job;

/* Gate/up for rows [b*RB, ...) of I. */
static void moe_up_range(void *arg, size_t begin, size_t end)
{
    moe_job *j = arg;
    float *g = cpu_scratch(1, sizeof(float) * 2 * MOE_RB * j->H);
    if (g == NULL) {
        atomic_store(&j->failed, 1);
        return;
    }
    float *u = g + MOE_RB * j->H;
    for (size_t blk = begin; blk < end; blk++) {
        size_t r0 = blk * MOE_RB, nr = j->I - r0 < MOE_RB ? j->I - r0 : MOE_RB;
        for (size_t r = 0; r < nr; r++) {
            cpu_qw_row(j->wg, j->e * j->I + r0 + r, 0, j->H, g + r * j->H);
            cpu_qw_row(j->wu, j->e * j->I + r0 + r, 0, j->H, u + r * j->H);
        }
        for (size_t t = 0; t < j->n; t++) {
            const float *xr = j->x + (size_t)j->tok[t] * j->H;
            for (size_t r = 0; r < nr; r++) {
                float gv = cpu_dot(xr, g + r * j->H, j->H);
                float uv = cpu_dot(xr, u + r * j->H, j->H);
                j->act[t * j->I + r0 + r] = gv / (1.0f + expf(-gv)) * uv;
            }
        }
    }
}

/* Down projection for rows [b*RB, ...) of H, accumulated into acc with the routing weight. */
static void moe_down_range(void *arg, size_t begin, size_t end)
{
    moe_job *j = arg;
    float *d = cpu_scratch(1, sizeof(float) * MOE_RB * j->I);
    if (d == NULL) {
        atomic_store(&j->failed, 1);
        return;
    }
    for (size_t blk = begin; blk < end; blk++) {
        size_t r0 = blk * MOE_RB, nr = j->H - r0 < MOE_RB ? j->H - r0 : MOE_RB;
        for (size_t r = 0; r < nr; r++)
            cpu_qw_row(j->wd, j->e * j->H + r0 + r, 0, j->I, d + r * j->I);
        for (size_t t = 0; t < j->n; t++) {
            const float *ar = j->act + t * j->I;
            float *o = j->acc + (size_t)j->tok[t] * j->H + r0;
            for (size_t r = 0; r < nr; r++)
                o[r] += j->wt[t] * cpu_dot(ar, d + r * j->I, j->I);
        }
    }
}

/* Takes `bytes` (rounded up to 64) from the scratch block at *cur. */
static void *carve(unsigned char **cur, size_t bytes)
{
    void *p = *cur;
    *cur += (bytes + 63) & ~(size_t)63;
    return p;
}

static int dims_are(const grt_shape *s, uint32_t rank, size_t a, size_t b, size_t c)
{
    size_t want[3] = {a, b, c};
    if (s->rank != rank)
        return 0;
    for (uint32_t i = 0; i < rank; i++)
        if ((size_t)s->dims[i] != want[i])
            return 0;
    return 1;
}

grt_status cpu_k_moe(const cpu_kernel_ctx *ctx, const cpu_tensor *in, uint32_t n_in,
                     cpu_tensor *out, uint32_t n_out)
{
    grt_status st = cpu_check_arity(ctx, n_in, 5, 5, n_out, 1);
    static const char *const names[] = {"x", "router", "w_gate", "w_up", "w_down"};
    int64_t top_k;
    if (st != GRT_OK || (st = cpu_check_float(ctx, &in[0], "x")) != GRT_OK)
        return st;
    for (uint32_t i = 1; i < 5; i++)
        if ((st = cpu_qw_check(ctx, &in[i], names[i])) != GRT_OK)
            return st;
    if ((st = cpu_attr_int_req(ctx, "top_k", &top_k)) != GRT_OK)
        return st;
    int normalize = cpu_attr_int(ctx, "normalize", 1) != 0;
    const cpu_tensor *x = &in[0], *router = &in[1];
    if (x->shape.rank != 2 || router->shape.rank != 2 || in[2].shape.rank != 3)
        return cpu_kernel_error(ctx, GRT_ERROR_SHAPE, "x, router and w_gate must be [T, H], "
                                "[E, H] and [E, I, H]");
    size_t T = (size_t)x->shape.dims[0], H = (size_t)x->shape.dims[1];
    size_t E = (size_t)router->shape.dims[0], I = (size_t)in[2].shape.dims[1];
    if (!dims_are(&router->shape, 2, E, H, 0) || !dims_are(&in[2].shape, 3, E, I, H) ||
        !dims_are(&in[3].shape, 3, E, I, H) || !dims_are(&in[4].shape, 3, E, H, I))
        return cpu_kernel_error(ctx, GRT_ERROR_SHAPE,
                                "expert weights must be w_gate/w_up [E=%zu, I, H=%zu] and w_down "
                                "[E, H, I]", E, H);
    if (top_k < 1 || (size_t)top_k > E)
        return cpu_kernel_error(ctx, GRT_ERROR_INVALID_ARGUMENT, "top_k %lld not in [1, %zu]",
                                (long long)top_k, E);
    if (out->type != x->type)
        return cpu_kernel_error(ctx, GRT_ERROR_NOT_SUPPORTED, "output type differs from x");
    if ((st = cpu_check_out_shape(ctx, out, &x->shape)) != GRT_OK)
        return st;
    if (T == 0 || H == 0)
        return GRT_OK;

    size_t K = (size_t)top_k, TK = T * K;
    /* one block: xf, acc [T*H] f32; logits [T*E + H]; sel, tok [TK] u32; selw, wt [TK] f32;
     * start [E + 1]; act [T*I + 1] (each part rounded up to 64 bytes) */
    size_t fb = sizeof(float), need = 2 * (T * H * fb + 64) + (T * E + H) * fb + 64 +
                                      2 * (TK * sizeof(uint32_t) + 64) + 2 * (TK * fb + 64) +
                                      (E + 1) * sizeof(size_t) + 64 + (T * I + 1) * fb + 64;
    unsigned char *cur = cpu_scratch(0, need);
    if (!cur)
        return cpu_kernel_error(ctx, GRT_ERROR_OUT_OF_MEMORY, "out of memory (T=%zu, H=%zu)", T, H);
    float *xf = carve(&cur, T * H * fb), *acc = carve(&cur, T * H * fb);
    float *logits = carve(&cur, (T * E + H) * fb);
    uint32_t *sel = carve(&cur, TK * sizeof(uint32_t)), *tok = carve(&cur, TK * sizeof(uint32_t));
    float *selw = carve(&cur, TK * fb), *wt = carve(&cur, TK * fb);
    size_t *start = carve(&cur, (E + 1) * sizeof(size_t));
    float *act = carve(&cur, (T * I + 1) * fb);
    moe_job job, *j = &job;
    memset(j, 0, sizeof(*j));
    memset(acc, 0, T * H * fb);
    memset(start, 0, (E + 1) * sizeof(size_t));
    cpu_load_row(x->type, x->data, 0, T * H, xf);

    /* Router: logits[t][e], one decoded router row at a time. */
    float *rrow = logits + T * E;
    for (size_t e = 0; e < E; e++) {
        cpu_qw_row(router, e, 0, H, rrow);
        for (size_t t = 0; t < T; t++)
            logits[t * E + e] = cpu_dot(xf + t * H, rrow, H);
    }
    /* Softmax + top-k (first maximum wins ties) per token. */
    for (size_t t = 0; t < T; t++) {
        float *l = logits + t * E, mx = -INFINITY;
        double s = 0;
        for (size_t e = 0; e < E; e++)
            mx = l[e] > mx ? l[e] : mx;
        for (size_t e = 0; e < E; e++) {
            l[e] = expf(l[e] - mx);
            s += l[e];
        }
        double psum = 0;
        for (size_t k = 0; k < K; k++) {
            size_t best = E;
            for (size_t e = 0; e < E; e++)
                if (l[e] != -1.0f && (best == E || l[e] > l[best]))
                    best = e;
            sel[t * K + k] = (uint32_t)best;
            selw[t * K + k] = (float)(l[best] / s);
            psum += selw[t * K + k];
            l[best] = -1.0f; /* taken */
        }
        if (normalize && psum > 0)
            for (size_t k = 0; k < K; k++)
                selw[t * K + k] = (float)(selw[t * K + k] / psum);
    }
    /* Group by expert (counting sort keeps token order). */
    for (size_t i = 0; i < TK; i++)
        start[sel[i] + 1]++;
    for (size_t e = 0; e < E; e++)
        start[e + 1] += start[e];
    for (size_t t = 0; t < T; t++)
        for (size_t k = 0; k < K; k++) {
            size_t e = sel[t * K + k], pos = start[e]++;
            tok[pos] = (uint32_t)t;
            wt[pos] = selw[t * K + k];
        }
    for (size_t e = E; e > 0; e--) /* restore the starts */
        start[e] = start[e - 1];
    start[0] = 0;

    j->wg = &in[2];
    j->wu = &in[3];
    j->wd = &in[4];
    j->H = H;
    j->I = I;
    j->x = xf;
    j->act = act;
    j->acc = acc;
    atomic_init(&j->failed, 0);
    for (size_t e = 0; e < E && I > 0; e++) {
        j->e = e;
        j->n = start[e + 1] - start[e];
        if (j->n == 0)
            continue;
        j->tok = tok + start[e];
        j->wt = wt + start[e];
        cpu_parallel_for(ctx->pool, (I + MOE_RB - 1) / MOE_RB, 1, moe_up_range, j);
        cpu_parallel_for(ctx->pool, (H + MOE_RB - 1) / MOE_RB, 1, moe_down_range, j);
        if (atomic_load(&j->failed)) {
            return cpu_kernel_error(ctx, GRT_ERROR_OUT_OF_MEMORY, "out of memory for MoE scratch");
        }
    }
    cpu_store_row(out->type, out->data, 0, T * H, acc);
    return st;
}
