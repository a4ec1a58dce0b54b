/*
 * kernels/matmul/matmul.c - batched MatMul with broadcasting batch dims and optional transposes.
 *
 * C[b] (M x N) = opA(A[b]) (M x K) x opB(B[b]) (K x N). A and B are f32/f16/bf16, each its own
 * (f32 activations with an f16/bf16 weight is the LLM case); B (or A) may be a compressed constant
 * (int8/int4, sym/asym, per channel or group-wise). Both are converted / dequantized panel by
 * panel inside the kernel: only a KB x NB f32 panel per task exists at a time, never an f32 copy
 * of the weight. Output type = A's type.
 *
 * Blocking: the output is split into tasks of MB rows x NB columns per batch matrix, run in
 * parallel on ctx->pool (M = 1 decode still splits over N). Each task walks K in blocks of KB:
 * packs a B panel [KB][NB] (k-major, zero padded) and an A block [MB][KB], then accumulates
 * acc[m][0..NB) += a[m][k] * panel[k][0..NB) (a fixed-width loop the compiler vectorises).
 * Scratch is malloc'ed per worker range; out of memory is reported after the parallel loop.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../kutil.h"
#include "../ops.h"
#include "../qweight.h"
#include "linear.h"

#define MM_MB 64
#define MM_NB 64
#define MM_KB 256

/* One operand seen as a batch of stored matrices [R, C]; element (i, j) of the logical matrix
 * (i over M or K, j over K or N) lives at stored (i, j), or (j, i) when `trans`. */
typedef struct mm_operand {
    const cpu_tensor *t;
    size_t R, C;  /* stored matrix dims */
    int trans;
    int64_t bstride[GRT_MAX_RANK]; /* matrix-index strides per output batch dim (0 = bcast) */
} mm_operand;

typedef struct mm_job {
    mm_operand a, b;
    size_t M, N, K;
    uint32_t nbatch_dims;
    int64_t bdims[GRT_MAX_RANK];
    size_t mblocks, nblocks;
    grt_element_type out_type;
    void *out;
    atomic_int failed;
} mm_job;

/* Matrix index of operand `op` for output batch index `bi`. */
static size_t mm_mat(const mm_job *j, const mm_operand *op, size_t bi)
{
    size_t m = 0;
    for (uint32_t d = j->nbatch_dims; d-- > 0;) {
        size_t idx = bi % (size_t)j->bdims[d];
        bi /= (size_t)j->bdims[d];
        m += idx * (size_t)op->bstride[d];
    }
    return m;
}

/* dst[i][0..w) (row pitch `pitch`) = logical rows [i0, i0+h) x cols [j0, j0+w) of `op` in f32.
 * tmp holds max(h, w) floats. */
static void mm_pack(const mm_operand *op, size_t mat, size_t i0, size_t h, size_t j0, size_t w,
                    float *dst, size_t pitch, float *tmp)
{
    if (!op->trans) {
        for (size_t i = 0; i < h; i++)
            cpu_qw_row(op->t, mat * op->R + i0 + i, j0, j0 + w, dst + i * pitch);
    } else {
        for (size_t jj = 0; jj < w; jj++) { /* stored row = logical column */
            cpu_qw_row(op->t, mat * op->R + j0 + jj, i0, i0 + h, tmp);
            for (size_t i = 0; i < h; i++)
                dst[i * pitch + jj] = tmp[i];
        }
    }
}

static void mm_range(void *arg, size_t begin, size_t end)
{
    mm_job *j = arg;
    float *bp = malloc(sizeof(float) * (MM_KB * MM_NB + MM_MB * MM_KB + MM_MB * MM_NB + MM_KB +
                                        MM_MB + MM_NB));
    if (bp == NULL) {
        atomic_store(&j->failed, 1);
        return;
    }
    float *ap = bp + MM_KB * MM_NB, *acc = ap + MM_MB * MM_KB, *tmp = acc + MM_MB * MM_NB;
    for (size_t task = begin; task < end; task++) {
        size_t nb_i = task % j->nblocks;
        size_t mb_i = (task / j->nblocks) % j->mblocks;
        size_t bi = task / j->nblocks / j->mblocks;
        size_t m0 = mb_i * MM_MB, n0 = nb_i * MM_NB;
        size_t mb = j->M - m0 < MM_MB ? j->M - m0 : MM_MB;
        size_t nb = j->N - n0 < MM_NB ? j->N - n0 : MM_NB;
        size_t ma = mm_mat(j, &j->a, bi), mbm = mm_mat(j, &j->b, bi);
        memset(acc, 0, sizeof(float) * MM_MB * MM_NB);
        for (size_t k0 = 0; k0 < j->K; k0 += MM_KB) {
            size_t kb = j->K - k0 < MM_KB ? j->K - k0 : MM_KB;
            if (nb < MM_NB)
                memset(bp, 0, sizeof(float) * MM_KB * MM_NB);
            mm_pack(&j->b, mbm, k0, kb, n0, nb, bp, MM_NB, tmp);
            mm_pack(&j->a, ma, m0, mb, k0, kb, ap, MM_KB, tmp);
            for (size_t m = 0; m < mb; m++) {
                float *c = acc + m * MM_NB;
                const float *a = ap + m * MM_KB;
                for (size_t k = 0; k < kb; k++) {
                    const float av = a[k];
                    const float *b = bp + k * MM_NB;
                    for (size_t n = 0; n < MM_NB; n++)
                        c[n] += av * b[n];
                }
            }
        }
        for (size_t m = 0; m < mb; m++)
            cpu_store_row(j->out_type, j->out, (bi * j->M + m0 + m) * j->N + n0, nb,
                          acc + m * MM_NB);
    }
    free(bp);
}

grt_status cpu_k_matmul(const cpu_kernel_ctx *ctx, const cpu_tensor *in, uint32_t n_in,
                        cpu_tensor *out, uint32_t n_out)
{
    grt_status st = cpu_check_arity(ctx, n_in, 2, 2, n_out, 1);
    if (st != GRT_OK || (st = cpu_qw_check(ctx, &in[0], "input A")) != GRT_OK ||
        (st = cpu_qw_check(ctx, &in[1], "input B")) != GRT_OK)
        return st;
    const cpu_tensor *A = &in[0], *B = &in[1];
    if (out->type != A->type)
        return cpu_kernel_error(ctx, GRT_ERROR_NOT_SUPPORTED, "output type %s differs from A's %s",
                                cpu_type_name(out->type), cpu_type_name(A->type));
    int ta = cpu_attr_int(ctx, "transpose_a", 0) != 0;
    int tb = cpu_attr_int(ctx, "transpose_b", 0) != 0;
    uint32_t ra = A->shape.rank, rb = B->shape.rank;
    mm_job *j = calloc(1, sizeof *j);
    if (j == NULL)
        return cpu_kernel_error(ctx, GRT_ERROR_OUT_OF_MEMORY, "out of memory");
    j->a.t = A;
    j->b.t = B;
    /* A: [.., R, C]; rank 1 is [1, K] (no transpose). */
    j->a.C = (size_t)A->shape.dims[ra - 1];
    j->a.R = ra >= 2 ? (size_t)A->shape.dims[ra - 2] : 1;
    j->a.trans = ra >= 2 && ta;
    /* B: rank 1 [K] is the column [K, 1], i.e. the stored [1, K] transposed. */
    j->b.C = (size_t)B->shape.dims[rb - 1];
    j->b.R = rb >= 2 ? (size_t)B->shape.dims[rb - 2] : 1;
    j->b.trans = rb >= 2 ? tb : 1;
    j->M = j->a.trans ? j->a.C : j->a.R;
    j->K = j->a.trans ? j->a.R : j->a.C;
    size_t kb = j->b.trans ? j->b.C : j->b.R;
    j->N = j->b.trans ? j->b.R : j->b.C;
    if (kb != j->K) {
        st = cpu_kernel_error(ctx, GRT_ERROR_SHAPE, "inner dims differ: A has K=%zu, B has K=%zu",
                              j->K, kb);
        goto done;
    }
    /* Batch dims: broadcast of A[:-2] and B[:-2]. */
    grt_shape as = {0}, bs = {0}, os = {0};
    as.rank = ra > 2 ? ra - 2 : 0;
    bs.rank = rb > 2 ? rb - 2 : 0;
    memcpy(as.dims, A->shape.dims, sizeof(int64_t) * as.rank);
    memcpy(bs.dims, B->shape.dims, sizeof(int64_t) * bs.rank);
    os.rank = as.rank > bs.rank ? as.rank : bs.rank;
    for (uint32_t i = 0; i < os.rank; i++) {
        int64_t da = i + as.rank >= os.rank ? as.dims[i + as.rank - os.rank] : 1;
        int64_t db = i + bs.rank >= os.rank ? bs.dims[i + bs.rank - os.rank] : 1;
        if (da != db && da != 1 && db != 1) {
            st = cpu_kernel_error(ctx, GRT_ERROR_SHAPE,
                                  "batch dims %lld and %lld at axis %u do not broadcast",
                                  (long long)da, (long long)db, i);
            goto done;
        }
        os.dims[i] = da == 1 ? db : da;
    }
    cpu_bcast_strides(&as, &os, j->a.bstride);
    cpu_bcast_strides(&bs, &os, j->b.bstride);
    j->nbatch_dims = os.rank;
    memcpy(j->bdims, os.dims, sizeof(int64_t) * os.rank);
    size_t nbatch = cpu_numel(&os);
    grt_shape full = os;
    if (ra >= 2)
        full.dims[full.rank++] = (int64_t)j->M;
    if (rb >= 2)
        full.dims[full.rank++] = (int64_t)j->N;
    if ((st = cpu_check_out_shape(ctx, out, &full)) != GRT_OK)
        goto done;
    if (nbatch == 0 || j->M == 0 || j->N == 0)
        goto done;
    if (tb && rb == 2 && !j->a.trans && A->type == GRT_F32 && out->type == GRT_F32 &&
        !cpu_tensor_is_strided(A) && (A->comp == NULL || A->comp->kind == GRT_COMPRESSION_NONE)) {
        /* The linear layer: A's leading dims flatten into M (B is not batched). */
        cpu_linear_job lj = {ctx, A->data, nbatch * j->M, j->N, j->K, B, out->data};
        if (cpu_linear(&lj, &st))
            goto done;
    }
    j->out = out->data;
    j->out_type = out->type;
    j->mblocks = (j->M + MM_MB - 1) / MM_MB;
    j->nblocks = (j->N + MM_NB - 1) / MM_NB;
    atomic_init(&j->failed, 0);
    cpu_parallel_for(ctx->pool, nbatch * j->mblocks * j->nblocks, 1, mm_range, j);
    if (atomic_load(&j->failed))
        st = cpu_kernel_error(ctx, GRT_ERROR_OUT_OF_MEMORY, "out of memory for matmul scratch");
done:
    free(j);
    return st;
}
