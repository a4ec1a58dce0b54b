/*
 * kernels/reduce/topk.c - TopK along `axis` (default -1): values (input type) and indices (i64).
 *
 * data: f32/f16/bf16/i32/i64. `k` required (0 <= k <= dim); mode 0 = largest, 1 = smallest;
 * ties go to the lower index; sort 1 orders the k results by value (best first), sort 0 by
 * index. NaN counts as larger than every number. Integers compare exactly as int64 (never
 * through float); the values output copies the selected input elements bit for bit. Each line
 * is sorted in O(dim log dim) with (key, index) pairs in per-thread scratch (threads/scratch.h,
 * slot 0: nothing is allocated per call once it has grown); lines run in parallel. Reentrant.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../../threads/scratch.h"
#include "../kutil.h"
#include "../ops.h"

typedef struct tk_pair {
    float v;   /* key of a float element */
    int64_t q; /* key of an integer element */
    int64_t i;
} tk_pair;

typedef struct tk_job {
    const cpu_tensor *x;
    cpu_tensor *vals, *idx;
    size_t D, inner, k;
    int mode, sort;
    atomic_int failed;
} tk_job;

/* -1 if a is larger than b (NaN largest), 1 if smaller, 0 if equal. */
static int cmp_val(float a, float b)
{
    int an = isnan(a), bn = isnan(b);
    if (an || bn)
        return an && bn ? 0 : an ? -1 : 1;
    return a > b ? -1 : a < b ? 1 : 0;
}

static int cmp_max(const void *pa, const void *pb)
{
    const tk_pair *a = pa, *b = pb;
    int c = cmp_val(a->v, b->v);
    return c ? c : (a->i > b->i) - (a->i < b->i);
}

static int cmp_min(const void *pa, const void *pb)
{
    const tk_pair *a = pa, *b = pb;
    int c = -cmp_val(a->v, b->v);
    return c ? c : (a->i > b->i) - (a->i < b->i);
}

static int cmp_val_int(int64_t a, int64_t b)
{
    return a > b ? -1 : a < b ? 1 : 0;
}

static int cmp_max_int(const void *pa, const void *pb)
{
    const tk_pair *a = pa, *b = pb;
    int c = cmp_val_int(a->q, b->q);
    return c ? c : (a->i > b->i) - (a->i < b->i);
}

static int cmp_min_int(const void *pa, const void *pb)
{
    const tk_pair *a = pa, *b = pb;
    int c = -cmp_val_int(a->q, b->q);
    return c ? c : (a->i > b->i) - (a->i < b->i);
}

static int cmp_idx(const void *pa, const void *pb)
{
    const tk_pair *a = pa, *b = pb;
    return (a->i > b->i) - (a->i < b->i);
}

static void tk_range(void *arg, size_t begin, size_t end)
{
    tk_job *j = arg;
    tk_pair *p = cpu_scratch(0, sizeof(tk_pair) * j->D);
    if (p == NULL) {
        atomic_store(&j->failed, 1);
        return;
    }
    grt_element_type t = j->x->type;
    size_t es = cpu_elem_size(t);
    int (*cmp)(const void *, const void *) =
        t == GRT_I32 || t == GRT_I64 ? (j->mode ? cmp_min_int : cmp_max_int)
                                     : (j->mode ? cmp_min : cmp_max);
    for (size_t l = begin; l < end; l++) {
        size_t o = l / j->inner, in = l % j->inner;
        for (size_t d = 0; d < j->D; d++) {
            size_t off = (o * j->D + d) * j->inner + in;
            p[d].v = 0.0f;
            p[d].q = 0;
            if (t == GRT_I32)
                p[d].q = ((const int32_t *)j->x->data)[off];
            else if (t == GRT_I64)
                p[d].q = ((const int64_t *)j->x->data)[off];
            else
                p[d].v = cpu_ld(t, j->x->data, off);
            p[d].i = (int64_t)d;
        }
        qsort(p, j->D, sizeof *p, cmp);
        if (!j->sort)
            qsort(p, j->k, sizeof *p, cmp_idx);
        for (size_t r = 0; r < j->k; r++) {
            size_t off = (o * j->k + r) * j->inner + in;
            size_t src = (o * j->D + (size_t)p[r].i) * j->inner + in;
            memcpy((char *)j->vals->data + off * es, (const char *)j->x->data + src * es, es);
            ((int64_t *)j->idx->data)[off] = p[r].i;
        }
    }
}

grt_status cpu_k_topk(const cpu_kernel_ctx *ctx, const cpu_tensor *in, uint32_t n_in,
                      cpu_tensor *out, uint32_t n_out)
{
    grt_status st = cpu_check_arity(ctx, n_in, 1, 1, n_out, 2);
    int64_t k;
    if (st != GRT_OK)
        return st;
    if (in[0].type != GRT_I32 && in[0].type != GRT_I64 &&
        (st = cpu_check_float(ctx, &in[0], "input")) != GRT_OK)
        return st;
    if ((st = cpu_attr_int_req(ctx, "k", &k)) != GRT_OK)
        return st;
    const grt_shape *s = &in[0].shape;
    uint32_t axis;
    if ((st = cpu_attr_axis(ctx, s, "input", -1, &axis)) != GRT_OK)
        return st;
    if (k < 0 || k > s->dims[axis])
        return cpu_kernel_error(ctx, GRT_ERROR_INVALID_ARGUMENT, "k=%lld exceeds dim %lld",
                                (long long)k, (long long)s->dims[axis]);
    int64_t mode = cpu_attr_int(ctx, "mode", 0), sort = cpu_attr_int(ctx, "sort", 1);
    if ((mode != 0 && mode != 1) || (sort != 0 && sort != 1))
        return cpu_kernel_error(ctx, GRT_ERROR_INVALID_ARGUMENT, "mode and sort must be 0 or 1");
    grt_shape os = *s;
    os.dims[axis] = k;
    if (out[0].type != in[0].type || out[1].type != GRT_I64)
        return cpu_kernel_error(ctx, GRT_ERROR_NOT_SUPPORTED,
                                "outputs must be (%s values, i64 indices)",
                                cpu_type_name(in[0].type));
    if ((st = cpu_check_out_shape(ctx, &out[0], &os)) != GRT_OK ||
        (st = cpu_check_out_shape(ctx, &out[1], &os)) != GRT_OK)
        return st;
    tk_job job, *j = &job;
    j->x = &in[0];
    j->vals = &out[0];
    j->idx = &out[1];
    j->D = (size_t)s->dims[axis];
    j->inner = cpu_dims_prod(s, axis + 1, s->rank);
    j->k = (size_t)k;
    j->mode = (int)mode;
    j->sort = (int)sort;
    atomic_init(&j->failed, 0);
    size_t lines = cpu_dims_prod(s, 0, axis) * j->inner;
    if (lines > 0 && k > 0)
        cpu_parallel_for(ctx->pool, lines, 4, tk_range, j);
    if (atomic_load(&j->failed))
        st = cpu_kernel_error(ctx, GRT_ERROR_OUT_OF_MEMORY, "out of memory for TopK scratch");
    return st;
}
