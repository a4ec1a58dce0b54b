/*
 * kernels/attention/sdpa.c - ScaledDotProductAttention, flash style (online softmax).
 *
 * q [B, Hq, Sq, D], k [B, Hkv, Skv, D], v [B, Hkv, Skv, Dv], optional additive mask (any float
 * type, broadcastable to [B, Hq, Sq, Skv]) -> out [B, Hq, Sq, Dv] (q's type). Query head h uses kv
 * head h / (Hq / Hkv) (GQA). scale 0 means 1/sqrt(D). causal: query i sees keys
 * j <= i + (Skv - Sq) (bottom-right aligned); a query that sees no key (or only -inf scores)
 * gives zeros.
 * k and v may be strided views read in place (cpu_tensor.strides, e.g. a KV cache [B, Hkv, cap,
 * D] of which the first Skv rows are used) as long as rows are contiguous: strides [*, *, D, 1]
 * (Dv for v), and may hold their rows in a storage precision (cpu_tensor.kv: f16, bf16, u8 with
 * per-group scale and min, kernels/kernel.h), decoded tile by tile.
 *
 * Work: a task is QB query positions of all G = Hq / Hkv query heads sharing one kv head (the
 * key / value tiles are loaded or decoded once for its G * QB query rows), optionally one of
 * `nsplit` slices of the key range (flash decoding: when there are too few tasks to keep every
 * thread busy, e.g. decode with few heads, each slice keeps its own max / sum / accumulator and
 * the caller merges them). Keys and values stream in tiles of KT rows; memory is O(tile) and time
 * linear in Skv per query. Inner loops per ISA (sdpa_isa.h), chosen by cpu_isa_active(); with one
 * query position per task (decode) and a table that has them, the group's scores and weighted
 * value sums come from one scores_rows / accum_rows call per tile, so each key and value row is
 * loaded once for several query rows, and a tile takes its rows alternately from the two halves
 * of the task's key range (two memory streams per core), prefetched ahead when they are read in
 * place (sd_keys_group).
 * Scratch: cpu_scratch slot 0 in every worker, slot 1 in the caller (slice partials); nothing is
 * allocated per call once the sizes were seen. Reentrant.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "../../arch/isa.h"
#include "../../threads/scratch.h"
#include "../kutil.h"
#include "../ops.h"
#include "sdpa_isa.h"
#include "sdpa_kv.h"

#define SD_QROWS 32 /* query rows (heads x positions) per task, at least one position */
#define SD_KT 64    /* key rows per tile */
#define SD_PF_ROWS 8 /* decode: rows read in place from memory are prefetched this far ahead */

/* Where the rows of k or v live. */
typedef struct sd_src {
    const cpu_tensor *t;
    const cpu_kv_format *kv; /* NULL: rows of t->type */
    size_t rb, rh;           /* row index strides over B and Hkv */
    size_t row;              /* values per row (D or Dv) */
} sd_src;

typedef struct sd_job {
    const cpu_tensor *q, *mask;
    cpu_tensor *o;
    sd_src k, v;
    size_t B, Hq, Hkv, G, Sq, Skv, D, Dv;
    size_t qpos, qblocks, nsplit, slice; /* positions per task, blocks, key slices, keys per slice */
    int causal;
    float scale;
    int64_t ms[GRT_MAX_RANK]; /* mask strides over [B, Hq, Sq, Skv] (0 = broadcast) */
    const cpu_sdpa_ops *ops;
    cpu_isa isa;
    float *part; /* nsplit > 1: per task and row, [max, sum, acc[Dv]] */
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

/* Whether sd_tile returns the rows of s in place (f32 rows, not decoded into a buffer). */
static int sd_inplace(const sd_src *s)
{
    return s->kv == NULL && s->t->type == GRT_F32;
}

/* nk rows [k0, k0 + nk) of kv head (b, hk) as f32: in place when they are dense f32, else
 * converted into buf. */
static const float *sd_tile(const sd_job *j, const sd_src *s, size_t b, size_t hk, size_t k0,
                            size_t nk, float *buf)
{
    size_t r0 = b * s->rb + hk * s->rh + k0;
    if (s->kv) {
        cpu_kv_decode_rows(s->kv, j->isa, (const uint8_t *)s->t->data + r0 * s->kv->row_bytes, nk,
                           s->row, buf);
        return buf;
    }
    if (sd_inplace(s))
        return (const float *)s->t->data + r0 * s->row;
    cpu_load_row(s->t->type, s->t->data, r0 * s->row, nk * s->row, buf);
    return buf;
}

/* max(x[0..n)), -inf for n = 0; NaN scores are skipped, as the serial loop did. Eight running
 * maxima, so the loop is not one 4-cycle maxss chain per score (that chain was 28 % of a decode
 * SDPA call, docs/PERF.md). */
static float sd_max(const float *x, size_t n)
{
    float m[8];
    for (int u = 0; u < 8; u++)
        m[u] = -INFINITY;
    size_t c = 0;
    for (; c + 8 <= n; c += 8)
        for (int u = 0; u < 8; u++)
            m[u] = x[c + (size_t)u] > m[u] ? x[c + (size_t)u] : m[u];
    for (; c < n; c++)
        m[0] = x[c] > m[0] ? x[c] : m[0];
    for (int u = 1; u < 8; u++)
        m[0] = m[u] > m[0] ? m[u] : m[0];
    return m[0];
}

static size_t sd_rows(const sd_job *j)
{
    return j->G * j->qpos;
}

/* Adds the mask to the n scores sc of query row (b, h, i) whose keys are k0 + c, or key[c] when
 * key is not NULL. */
static void sd_mask(const sd_job *j, size_t b, size_t h, size_t i, size_t k0, const size_t *key,
                    float *sc, size_t n)
{
    int64_t mo = (int64_t)b * j->ms[0] + (int64_t)h * j->ms[1] + (int64_t)i * j->ms[2];
    for (size_t c = 0; c < n; c++)
        sc[c] += cpu_ld(j->mask->type, j->mask->data,
                        (size_t)(mo + (int64_t)(key ? key[c] : k0 + c) * j->ms[3]));
}

/* Online-softmax step of one query row over n scores: folds the new maximum into *mx, *sum and
 * the row's accumulator a, and turns sc into the weights exp(sc - max). Returns 0 when every
 * score so far is -inf (nothing to accumulate; sc unchanged). */
static int sd_softmax(const sd_job *j, float *sc, size_t n, float *a, float *mx, float *sum)
{
    float tmax = sd_max(sc, n);
    float mnew = tmax > *mx ? tmax : *mx;
    if (mnew == -INFINITY)
        return 0;
    if (*mx != mnew && *mx != -INFINITY) {
        float alpha = expf(*mx - mnew);
        *sum *= alpha;
        j->ops->scale(a, j->Dv, alpha);
    }
    *mx = mnew;
    *sum += j->ops->exp_sum(sc, n, mnew);
    return 1;
}

/* One tile of keys [k0, k0 + nk) (rows kt, vt) for the task's query rows, one row at a time. */
static void sd_tile_each(const sd_job *j, size_t b, size_t hk, size_t i0, size_t nq, size_t k0,
                         size_t nk, const float *qb, const float *kt, const float *vt, float *acc,
                         float *mx, float *sum, float *sc)
{
    for (size_t t = 0; t < j->G * nq; t++) {
        size_t h = hk * j->G + t / nq, i = i0 + t % nq;
        size_t lim = sd_limit(j, i);
        if (lim <= k0)
            continue;
        size_t n = lim - k0 < nk ? lim - k0 : nk;
        j->ops->scores(qb + t * j->D, kt, n, j->D, sc);
        if (j->mask)
            sd_mask(j, b, h, i, k0, NULL, sc, n);
        if (sd_softmax(j, sc, n, acc + t * j->Dv, &mx[t], &sum[t]))
            j->ops->accum(acc + t * j->Dv, sc, vt, n, j->Dv);
    }
}

/* A decode tile: n <= SD_KT keys (positions key[c], f32 rows k[c] and v[c]) that every query row
 * of the group sees; pfk / pfv: the prefetch distance (floats) for keys / values read in place
 * from memory, 0 for rows decoded into a buffer. */
typedef struct sd_gtile {
    const float *k[SD_KT], *v[SD_KT];
    size_t key[SD_KT], n, pfk, pfv;
} sd_gtile;

/* One decode tile for the G query rows of kv head (b, hk) at position i: their scores from one
 * scores_rows call into sc[t * SD_KT ..], their weighted value sums from one accum_rows call, so
 * each key and value row is loaded once for the whole group. */
static void sd_tile_group(const sd_job *j, size_t b, size_t hk, size_t i, const sd_gtile *g,
                          const float *qb, float *acc, float *mx, float *sum, float *sc)
{
    j->ops->scores_rows(qb, j->G, g->k, g->n, j->D, sc, SD_KT, g->pfk);
    for (size_t t = 0; t < j->G; t++) {
        float *st = sc + t * SD_KT;
        if (j->mask)
            sd_mask(j, b, hk * j->G + t, i, 0, g->key, st, g->n);
        if (!sd_softmax(j, st, g->n, acc + t * j->Dv, &mx[t], &sum[t]))
            memset(st, 0, sizeof(float) * g->n); /* weight 0 in accum_rows */
    }
    j->ops->accum_rows(acc, j->G, sc, SD_KT, g->v, g->n, j->Dv, g->pfv);
}

/* Decode (one query position i, every key of [kbeg, kend) visible): tiles of SD_KT / 2 keys from
 * each half of the range, their rows taken alternately, so every step of the inner loops reads
 * two memory streams far apart. One stream per core read the keys and values at about half the
 * rate the weight GEMVs stream (docs/PERF.md "Decode attention"); the softmax does not depend on
 * the order of the keys. kbuf / vbuf: SD_KT rows for keys and values stored in another precision. */
static void sd_keys_group(const sd_job *j, size_t b, size_t hk, size_t i, size_t kbeg, size_t kend,
                          const float *qb, float *acc, float *mx, float *sum, float *sc,
                          float *kbuf, float *vbuf, sd_gtile *g)
{
    const size_t half = SD_KT / 2, na = (kend - kbeg + 1) / 2, mid = kbeg + na;
    g->pfk = sd_inplace(&j->k) ? SD_PF_ROWS * j->D : 0;
    g->pfv = sd_inplace(&j->v) ? SD_PF_ROWS * j->Dv : 0;
    for (size_t s = 0; s < na; s += half) {
        size_t ca = na - s < half ? na - s : half;
        size_t cb = mid + s >= kend ? 0 : kend - mid - s < ca ? kend - mid - s : ca;
        const float *ka = sd_tile(j, &j->k, b, hk, kbeg + s, ca, kbuf);
        const float *va = sd_tile(j, &j->v, b, hk, kbeg + s, ca, vbuf);
        const float *kb = cb ? sd_tile(j, &j->k, b, hk, mid + s, cb, kbuf + half * j->D) : NULL;
        const float *vb = cb ? sd_tile(j, &j->v, b, hk, mid + s, cb, vbuf + half * j->Dv) : NULL;
        g->n = 0;
        for (size_t r = 0; r < ca; r++) {
            g->k[g->n] = ka + r * j->D;
            g->v[g->n] = va + r * j->Dv;
            g->key[g->n++] = kbeg + s + r;
            if (r < cb) {
                g->k[g->n] = kb + r * j->D;
                g->v[g->n] = vb + r * j->Dv;
                g->key[g->n++] = mid + s + r;
            }
        }
        sd_tile_group(j, b, hk, i, g, qb, acc, mx, sum, sc);
    }
}

static void sd_range(void *arg, size_t begin, size_t end)
{
    sd_job *j = arg;
    size_t D = j->D, Dv = j->Dv, R = sd_rows(j);
    size_t fl = R * (D + Dv + 2) + SD_KT * (D + Dv + R);
    float *mem = cpu_scratch(0, sizeof(float) * fl + sizeof(sd_gtile) + 64);
    if (mem == NULL) {
        atomic_store(&j->failed, 1);
        return;
    }
    float *qb = mem, *acc = qb + R * D, *mx = acc + R * Dv, *sum = mx + R;
    float *kbuf = sum + R, *vbuf = kbuf + SD_KT * D, *sc = vbuf + SD_KT * Dv;
    sd_gtile *g = (sd_gtile *)(((uintptr_t)(mem + fl) + 63) & ~(uintptr_t)63);
    for (size_t task = begin; task < end; task++) {
        size_t split = task % j->nsplit, base = task / j->nsplit;
        size_t blk = base % j->qblocks, bhk = base / j->qblocks;
        size_t b = bhk / j->Hkv, hk = bhk % j->Hkv;
        size_t i0 = blk * j->qpos, nq = j->Sq - i0 < j->qpos ? j->Sq - i0 : j->qpos;
        for (size_t t = 0; t < j->G * nq; t++) {
            size_t h = hk * j->G + t / nq, i = i0 + t % nq;
            float *qr = qb + t * D;
            cpu_load_row(j->q->type, j->q->data, ((b * j->Hq + h) * j->Sq + i) * D, D, qr);
            j->ops->scale(qr, D, j->scale);
            mx[t] = -INFINITY;
            sum[t] = 0.0f;
        }
        memset(acc, 0, sizeof(float) * j->G * nq * Dv);
        size_t kbeg = split * j->slice, kend = sd_limit(j, i0 + nq - 1);
        if (j->nsplit > 1 && kend > kbeg + j->slice)
            kend = kbeg + j->slice;
        if (nq == 1 && j->ops->scores_rows != NULL && j->ops->accum_rows != NULL) {
            if (kend > kbeg)
                sd_keys_group(j, b, hk, i0, kbeg, kend, qb, acc, mx, sum, sc, kbuf, vbuf, g);
        } else {
            for (size_t k0 = kbeg; k0 < kend; k0 += SD_KT) {
                size_t nk = kend - k0 < SD_KT ? kend - k0 : SD_KT;
                const float *kt = sd_tile(j, &j->k, b, hk, k0, nk, kbuf);
                const float *vt = sd_tile(j, &j->v, b, hk, k0, nk, vbuf);
                sd_tile_each(j, b, hk, i0, nq, k0, nk, qb, kt, vt, acc, mx, sum, sc);
            }
        }
        for (size_t t = 0; t < j->G * nq; t++) {
            size_t h = hk * j->G + t / nq, i = i0 + t % nq;
            float *a = acc + t * Dv;
            if (j->nsplit > 1) { /* partial result of this slice: merged by sd_merge */
                float *p = j->part + ((base * j->nsplit + split) * R + t) * (Dv + 2);
                p[0] = mx[t];
                p[1] = sum[t];
                memcpy(p + 2, a, sizeof(float) * Dv);
                continue;
            }
            j->ops->scale(a, Dv, sum[t] > 0.0f ? 1.0f / sum[t] : 0.0f);
            cpu_store_row(j->o->type, j->o->data, ((b * j->Hq + h) * j->Sq + i) * Dv, Dv, a);
        }
    }
}

/* Combines the slices' partial results (max m_s, sum l_s, acc_s) of every task and query row:
 * out = sum_s e^(m_s - M) acc_s / sum_s e^(m_s - M) l_s with M = max_s m_s. */
static void sd_merge(const sd_job *j, float *tmp)
{
    size_t R = sd_rows(j), Dv = j->Dv;
    for (size_t base = 0; base < j->B * j->Hkv * j->qblocks; base++) {
        size_t blk = base % j->qblocks, bhk = base / j->qblocks;
        size_t b = bhk / j->Hkv, hk = bhk % j->Hkv;
        size_t i0 = blk * j->qpos, nq = j->Sq - i0 < j->qpos ? j->Sq - i0 : j->qpos;
        for (size_t t = 0; t < j->G * nq; t++) {
            size_t h = hk * j->G + t / nq, i = i0 + t % nq;
            float M = -INFINITY, L = 0.0f;
            for (size_t s = 0; s < j->nsplit; s++) {
                float m = j->part[((base * j->nsplit + s) * R + t) * (Dv + 2)];
                M = m > M ? m : M;
            }
            memset(tmp, 0, sizeof(float) * Dv);
            for (size_t s = 0; M != -INFINITY && s < j->nsplit; s++) {
                const float *p = j->part + ((base * j->nsplit + s) * R + t) * (Dv + 2);
                if (p[0] == -INFINITY)
                    continue;
                float w = expf(p[0] - M);
                L += w * p[1];
                for (size_t d = 0; d < Dv; d++)
                    tmp[d] += w * p[2 + d];
            }
            j->ops->scale(tmp, Dv, L > 0.0f ? 1.0f / L : 0.0f);
            cpu_store_row(j->o->type, j->o->data, ((b * j->Hq + h) * j->Sq + i) * Dv, Dv, tmp);
        }
    }
}

/* Row strides of k (w = 1) or v (w = 2): dense, or a view with contiguous rows. */
static grt_status sd_source(const cpu_kernel_ctx *ctx, const cpu_tensor *t, const char *name,
                            size_t row, sd_src *s)
{
    s->t = t;
    s->kv = t->kv;
    s->row = row;
    s->rh = (size_t)t->shape.dims[2];
    s->rb = (size_t)t->shape.dims[1] * s->rh;
    if (!cpu_tensor_is_strided(t)) {
        if (t->kv)
            return cpu_kernel_error(ctx, GRT_ERROR_NOT_SUPPORTED, "%s: KV storage needs strides", name);
        return GRT_OK;
    }
    if (row == 0 || t->strides[3] != 1 || t->strides[2] != (int64_t)row || t->strides[0] < 0 ||
        t->strides[1] < 0 || t->strides[0] % (int64_t)row || t->strides[1] % (int64_t)row)
        return cpu_kernel_error(ctx, GRT_ERROR_NOT_SUPPORTED, "%s view needs contiguous rows", name);
    s->rb = (size_t)t->strides[0] / row;
    s->rh = (size_t)t->strides[1] / row;
    if (t->kv && t->shape.dims[0] > 0 && t->shape.dims[1] > 0 && t->shape.dims[2] > 0) {
        size_t last = (size_t)(t->shape.dims[0] - 1) * s->rb + (size_t)(t->shape.dims[1] - 1) * s->rh +
                      (size_t)t->shape.dims[2];
        if (t->data == NULL || t->kv->row_bytes == 0 || t->bytes / t->kv->row_bytes < last)
            return cpu_kernel_error(ctx, GRT_ERROR_INVALID_ARGUMENT,
                                    "%s: KV buffer of %zu bytes holds fewer than %zu rows", name,
                                    t->bytes, last);
    }
    return GRT_OK;
}

/* Positions per task, and the key slices (flash decoding) for `threads` workers. */
static void sd_schedule(sd_job *j, int threads)
{
    j->qpos = SD_QROWS / j->G ? SD_QROWS / j->G : 1;
    if (j->qpos > j->Sq)
        j->qpos = j->Sq ? j->Sq : 1;
    j->qblocks = (j->Sq + j->qpos - 1) / j->qpos;
    j->nsplit = 1;
    j->slice = j->Skv;
    /* two tasks per thread: more slices only add merges and shorter streams (docs/PERF.md
     * "Decode attention from memory") */
    size_t tasks = j->B * j->Hkv * j->qblocks, want = 2 * (size_t)threads;
    if (threads > 1 && j->qblocks == 1 && tasks < want && j->Skv >= 2 * SD_KT) {
        size_t ns = (want + tasks - 1) / tasks, maxs = j->Skv / SD_KT;
        j->nsplit = ns < maxs ? ns : maxs;
        /* slices of whole tiles */
        j->slice = ((j->Skv + j->nsplit - 1) / j->nsplit + SD_KT - 1) / SD_KT * SD_KT;
        j->nsplit = (j->Skv + j->slice - 1) / j->slice;
    }
}

grt_status cpu_k_sdpa(const cpu_kernel_ctx *ctx, const cpu_tensor *in, uint32_t n_in,
                      cpu_tensor *out, uint32_t n_out)
{
    grt_status st = cpu_check_arity(ctx, n_in, 3, 4, n_out, 1);
    static const char *const names[] = {"q", "k", "v", "mask"};
    for (uint32_t i = 0; st == GRT_OK && i < n_in; i++) /* KV views: checked by sd_source */
        st = in[i].kv && cpu_is_float(in[i].type) ? GRT_OK : cpu_check_float(ctx, &in[i], names[i]);
    if (st != GRT_OK)
        return st;
    const cpu_tensor *q = &in[0], *k = &in[1], *v = &in[2];
    for (uint32_t i = 0; i < 3; i++)
        if (in[i].shape.rank != 4)
            return cpu_kernel_error(ctx, GRT_ERROR_SHAPE, "%s must have rank 4, got %u",
                                    names[i], in[i].shape.rank);
    sd_job job, *j = &job;
    memset(j, 0, sizeof *j);
    j->q = q;
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
        (size_t)v->shape.dims[2] != j->Skv || j->Hkv == 0 || j->Hq % j->Hkv != 0)
        return cpu_kernel_error(ctx, GRT_ERROR_SHAPE,
                                "q/k/v shapes are inconsistent (B, heads %zu/%zu, D or Skv differ)",
                                j->Hq, j->Hkv);
    j->G = j->Hq / j->Hkv;
    if ((st = sd_source(ctx, k, "k", j->D, &j->k)) != GRT_OK ||
        (st = sd_source(ctx, v, "v", j->Dv, &j->v)) != GRT_OK)
        return st;
    if (j->mask) {
        const grt_shape *ms = &j->mask->shape;
        grt_shape full = {.rank = 4, .dims = {(int64_t)j->B, (int64_t)j->Hq, (int64_t)j->Sq,
                                              (int64_t)j->Skv}};
        int ok = ms->rank <= 4;
        for (uint32_t i = 0; ok && i < ms->rank; i++) {
            int64_t d = ms->dims[i], f = full.dims[4 - ms->rank + i];
            ok = d == 1 || d == f;
        }
        if (!ok)
            return cpu_kernel_error(ctx, GRT_ERROR_SHAPE,
                                    "mask (rank %u) does not broadcast to [B, Hq, Sq, Skv]", ms->rank);
        cpu_bcast_strides(ms, &full, j->ms);
    }
    j->causal = cpu_attr_int(ctx, "causal", 0) != 0;
    double scale = cpu_attr_float(ctx, "scale", 0.0);
    j->scale = (float)(scale != 0.0 ? scale : (j->D ? 1.0 / sqrt((double)j->D) : 1.0));
    grt_shape os = {.rank = 4, .dims = {(int64_t)j->B, (int64_t)j->Hq, (int64_t)j->Sq,
                                        (int64_t)j->Dv}};
    if (out->type != q->type)
        return cpu_kernel_error(ctx, GRT_ERROR_NOT_SUPPORTED, "output type differs from q");
    if ((st = cpu_check_out_shape(ctx, out, &os)) != GRT_OK)
        return st;
    j->isa = cpu_isa_active();
    j->ops = &cpu_sdpa_ops_scalar;
#if defined(GENRT_CPU_X86)
    if (j->isa >= CPU_ISA_AVX2)
        j->ops = &cpu_sdpa_ops_avx2;
    if (j->isa >= CPU_ISA_AVX512)
        j->ops = &cpu_sdpa_ops_avx512;
#endif
    sd_schedule(j, cpu_pool_threads(ctx->pool));
    atomic_init(&j->failed, 0);
    size_t tasks = j->B * j->Hkv * j->qblocks * j->nsplit;
    if (tasks == 0 || j->Dv == 0)
        return GRT_OK;
    if (j->nsplit > 1) {
        size_t pn = tasks * sd_rows(j) * (j->Dv + 2);
        j->part = cpu_scratch(1, sizeof(float) * (pn + j->Dv));
        if (j->part == NULL)
            return cpu_kernel_error(ctx, GRT_ERROR_OUT_OF_MEMORY, "out of memory for sdpa scratch");
    }
    cpu_parallel_for(ctx->pool, tasks, 1, sd_range, j);
    if (atomic_load(&j->failed))
        return cpu_kernel_error(ctx, GRT_ERROR_OUT_OF_MEMORY, "out of memory for sdpa scratch");
    if (j->nsplit > 1)
        sd_merge(j, j->part + tasks * sd_rows(j) * (j->Dv + 2));
    return GRT_OK;
}
