/*
 * kernels/attention/sdpa.c - ScaledDotProductAttention, flash style (online softmax).
 *
 * q [B, Hq, Sq, D], k [B, Hkv, Skv, D], v [B, Hkv, Skv, Dv], optional additive mask (any float
 * type, broadcastable to [B, Hq, Sq, Skv]) -> out [B, Hq, Sq, Dv] (q's type). Query head h uses kv
 * head h / (Hq / Hkv) (GQA). scale 0 means 1/sqrt(D). causal: query i sees keys
 * j <= i + (Skv - Sq) (bottom-right aligned); a query that sees no key (or only -inf scores)
 * gives zeros.
 * k and v may be strided views (cpu_tensor.strides, e.g. a KV cache [B, Hkv, cap, D] of which the
 * first Skv rows are used) as long as rows are contiguous: strides [*, *, D, 1] (Dv for v).
 *
 * Work: tasks of QB queries of one (b, h), run in parallel. Keys and values are streamed in tiles
 * of KT rows (converted to f32 once per tile and shared by the task's queries); each query keeps
 * a running max, sum and Dv accumulator, so memory is O(tile) and time linear in Skv per query.
 * Scratch is malloc'ed per worker range. Reentrant.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../kutil.h"
#include "../ops.h"

#define SD_QB 16
#define SD_KT 64

typedef struct sd_job {
    const cpu_tensor *q, *k, *v, *mask;
    cpu_tensor *o;
    size_t B, Hq, Hkv, Sq, Skv, D, Dv, qblocks;
    int causal;
    float scale;
    int64_t ms[GRT_MAX_RANK]; /* mask strides over [B, Hq, Sq, Skv] (0 = broadcast) */
    size_t kb, kh, vb, vh;    /* element strides of k / v over B and Hkv (rows are contiguous) */
    atomic_int failed;
} sd_job;

/* Keys visible to query i: [0, limit). */
static size_t sd_limit(const sd_job *j, size_t i)
{
    if (!j->causal)
        return j->Skv;
    int64_t lim = (int64_t)i + (int64_t)j->Skv - (int64_t)j->Sq + 1;
    return lim <= 0 ? 0 : (size_t)lim > j->Skv ? j->Skv : (size_t)lim;
}

static void sd_range(void *arg, size_t begin, size_t end)
{
    sd_job *j = arg;
    size_t D = j->D, Dv = j->Dv;
    float *mem = malloc(sizeof(float) * (SD_QB * (D + Dv + 2) + SD_KT * (D + Dv + 1)));
    if (mem == NULL) {
        atomic_store(&j->failed, 1);
        return;
    }
    float *qb = mem, *acc = qb + SD_QB * D, *mx = acc + SD_QB * Dv, *sum = mx + SD_QB;
    float *kt = sum + SD_QB, *vt = kt + SD_KT * D, *sc = vt + SD_KT * Dv;
    for (size_t task = begin; task < end; task++) {
        size_t blk = task % j->qblocks, bh = task / j->qblocks;
        size_t b = bh / j->Hq, h = bh % j->Hq;
        size_t hk = h / (j->Hq / j->Hkv);
        size_t i0 = blk * SD_QB, nq = j->Sq - i0 < SD_QB ? j->Sq - i0 : SD_QB;
        size_t qoff = (bh * j->Sq + i0) * D;
        size_t kbase = b * j->kb + hk * j->kh, vbase = b * j->vb + hk * j->vh;
        cpu_load_row(j->q->type, j->q->data, qoff, nq * D, qb);
        memset(acc, 0, sizeof(float) * nq * Dv);
        for (size_t t = 0; t < nq; t++) {
            mx[t] = -INFINITY;
            sum[t] = 0.0f;
        }
        size_t kend = sd_limit(j, i0 + nq - 1);
        for (size_t k0 = 0; k0 < kend; k0 += SD_KT) {
            size_t nk = kend - k0 < SD_KT ? kend - k0 : SD_KT;
            cpu_load_row(j->k->type, j->k->data, kbase + k0 * D, nk * D, kt);
            cpu_load_row(j->v->type, j->v->data, vbase + k0 * Dv, nk * Dv, vt);
            for (size_t t = 0; t < nq; t++) {
                size_t lim = sd_limit(j, i0 + t);
                if (lim <= k0)
                    continue;
                size_t n = lim - k0 < nk ? lim - k0 : nk;
                const float *qr = qb + t * D;
                float tmax = -INFINITY;
                for (size_t c = 0; c < n; c++) {
                    float s = cpu_dot(qr, kt + c * D, D) * j->scale;
                    if (j->mask) {
                        int64_t mo = (int64_t)b * j->ms[0] + (int64_t)h * j->ms[1] +
                                     (int64_t)(i0 + t) * j->ms[2] + (int64_t)(k0 + c) * j->ms[3];
                        s += cpu_ld(j->mask->type, j->mask->data, (size_t)mo);
                    }
                    sc[c] = s;
                    tmax = s > tmax ? s : tmax;
                }
                float mnew = tmax > mx[t] ? tmax : mx[t];
                if (mnew == -INFINITY)
                    continue; /* everything so far is masked out */
                float alpha = expf(mx[t] - mnew);
                float *a = acc + t * Dv;
                if (alpha != 1.0f) {
                    sum[t] *= alpha;
                    for (size_t d = 0; d < Dv; d++)
                        a[d] *= alpha;
                }
                mx[t] = mnew;
                for (size_t c = 0; c < n; c++) {
                    float p = expf(sc[c] - mnew);
                    if (p == 0.0f)
                        continue;
                    sum[t] += p;
                    const float *vr = vt + c * Dv;
                    for (size_t d = 0; d < Dv; d++)
                        a[d] += p * vr[d];
                }
            }
        }
        for (size_t t = 0; t < nq; t++) {
            float *a = acc + t * Dv;
            float inv = sum[t] > 0.0f ? 1.0f / sum[t] : 0.0f;
            for (size_t d = 0; d < Dv; d++)
                a[d] *= inv;
        }
        cpu_store_row(j->o->type, j->o->data, (bh * j->Sq + i0) * Dv, nq * Dv, acc);
    }
    free(mem);
}

grt_status cpu_k_sdpa(const cpu_kernel_ctx *ctx, const cpu_tensor *in, uint32_t n_in,
                      cpu_tensor *out, uint32_t n_out)
{
    grt_status st = cpu_check_arity(ctx, n_in, 3, 4, n_out, 1);
    static const char *const names[] = {"q", "k", "v", "mask"};
    for (uint32_t i = 0; st == GRT_OK && i < n_in; i++)
        st = cpu_check_float(ctx, &in[i], names[i]);
    if (st != GRT_OK)
        return st;
    const cpu_tensor *q = &in[0], *k = &in[1], *v = &in[2];
    for (uint32_t i = 0; i < 3; i++)
        if (in[i].shape.rank != 4)
            return cpu_kernel_error(ctx, GRT_ERROR_SHAPE, "%s must have rank 4, got %u",
                                    names[i], in[i].shape.rank);
    sd_job *j = calloc(1, sizeof *j);
    if (j == NULL)
        return cpu_kernel_error(ctx, GRT_ERROR_OUT_OF_MEMORY, "out of memory");
    j->q = q;
    j->k = k;
    j->v = v;
    j->o = out;
    j->mask = n_in > 3 ? &in[3] : NULL;
    j->B = (size_t)q->shape.dims[0];
    j->Hq = (size_t)q->shape.dims[1];
    j->Sq = (size_t)q->shape.dims[2];
    j->D = (size_t)q->shape.dims[3];
    j->Hkv = (size_t)k->shape.dims[1];
    j->Skv = (size_t)k->shape.dims[2];
    j->Dv = (size_t)v->shape.dims[3];
    if ((size_t)k->shape.dims[0] != j->B || (size_t)v->shape.dims[0] != j->B ||
        (size_t)k->shape.dims[3] != j->D || (size_t)v->shape.dims[1] != j->Hkv ||
        (size_t)v->shape.dims[2] != j->Skv || j->Hkv == 0 || j->Hq % j->Hkv != 0) {
        st = cpu_kernel_error(ctx, GRT_ERROR_SHAPE,
                              "q/k/v shapes are inconsistent (B, heads %zu/%zu, D or Skv differ)",
                              j->Hq, j->Hkv);
        goto done;
    }
    /* k / v: dense, or strided with contiguous rows. */
    j->kb = j->Hkv * j->Skv * j->D;
    j->kh = j->Skv * j->D;
    j->vb = j->Hkv * j->Skv * j->Dv;
    j->vh = j->Skv * j->Dv;
    for (int w = 1; w <= 2; w++) {
        const cpu_tensor *t = &in[w];
        size_t row = w == 1 ? j->D : j->Dv;
        if (!cpu_tensor_is_strided(t))
            continue;
        if (t->strides[3] != 1 || t->strides[2] != (int64_t)row || t->strides[0] < 0 || t->strides[1] < 0) {
            st = cpu_kernel_error(ctx, GRT_ERROR_NOT_SUPPORTED, "%s view needs contiguous rows", names[w]);
            goto done;
        }
        *(w == 1 ? &j->kb : &j->vb) = (size_t)t->strides[0];
        *(w == 1 ? &j->kh : &j->vh) = (size_t)t->strides[1];
    }
    if (j->mask) {
        const grt_shape *ms = &j->mask->shape;
        grt_shape full = {.rank = 4, .dims = {(int64_t)j->B, (int64_t)j->Hq, (int64_t)j->Sq,
                                              (int64_t)j->Skv}};
        int ok = ms->rank <= 4;
        for (uint32_t i = 0; ok && i < ms->rank; i++) {
            int64_t d = ms->dims[i], f = full.dims[4 - ms->rank + i];
            ok = d == 1 || d == f;
        }
        if (!ok) {
            st = cpu_kernel_error(ctx, GRT_ERROR_SHAPE,
                                  "mask (rank %u) does not broadcast to [B, Hq, Sq, Skv]", ms->rank);
            goto done;
        }
        cpu_bcast_strides(ms, &full, j->ms);
    }
    j->causal = cpu_attr_int(ctx, "causal", 0) != 0;
    double scale = cpu_attr_float(ctx, "scale", 0.0);
    j->scale = (float)(scale != 0.0 ? scale : (j->D ? 1.0 / sqrt((double)j->D) : 1.0));
    grt_shape os = {.rank = 4, .dims = {(int64_t)j->B, (int64_t)j->Hq, (int64_t)j->Sq,
                                        (int64_t)j->Dv}};
    if (out->type != q->type) {
        st = cpu_kernel_error(ctx, GRT_ERROR_NOT_SUPPORTED, "output type differs from q");
        goto done;
    }
    if ((st = cpu_check_out_shape(ctx, out, &os)) != GRT_OK)
        goto done;
    j->qblocks = (j->Sq + SD_QB - 1) / SD_QB;
    atomic_init(&j->failed, 0);
    if (j->B * j->Hq * j->qblocks > 0 && j->Dv > 0)
        cpu_parallel_for(ctx->pool, j->B * j->Hq * j->qblocks, 1, sd_range, j);
    if (atomic_load(&j->failed))
        st = cpu_kernel_error(ctx, GRT_ERROR_OUT_OF_MEMORY, "out of memory for sdpa scratch");
done:
    free(j);
    return st;
}
