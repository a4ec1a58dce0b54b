/*
 * kernels/attention/rope.c - rotary position embedding.
 *
 * x [B, H, S, D] f32/f16/bf16, positions [S] or [B, S] (i32/i64) -> out [B, H, S, D].
 * mode 0 (half rotation / NeoX) rotates pairs (i, i + R/2); mode 1 (interleaved / GPT-J) pairs
 * (2i, 2i+1); R = rotary_dims (0 = D) and dims >= R pass through. inv_freq_i = theta^(-2i/R),
 * scaled by `scaling` 1 (linear: / factor) or 2 (llama3 smooth band). Angles and cos/sin are
 * computed in double once per (b, s) and applied to every head; the rotation is a plain loop
 * (no FMA), so the half and interleaved layouts give bit-identical results (a model and its GGUF
 * export with permuted Q/K weights agree exactly). (b, s) pairs run in parallel; inv_freq is
 * malloc'ed per call, cos/sin and the row use per-thread scratch. Reentrant.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "../../threads/scratch.h"
#include "../kutil.h"
#include "../ops.h"

typedef struct rope_job {
    const cpu_tensor *x, *pos;
    cpu_tensor *y;
    size_t B, H, S, D, R;
    int mode;
    const double *inv_freq; /* [R/2] */
    atomic_int failed;
} rope_job;

static void rope_range(void *arg, size_t begin, size_t end)
{
    rope_job *j = arg;
    size_t half = j->R / 2;
    float *cs = cpu_scratch(0, sizeof(float) * (2 * half + j->D));
    if (cs == NULL) {
        atomic_store(&j->failed, 1);
        return;
    }
    float *sn = cs + half, *row = sn + half;
    for (size_t bs = begin; bs < end; bs++) {
        size_t b = bs / j->S, s = bs % j->S;
        size_t pi = j->pos->shape.rank == 2 ? b * j->S + s : s;
        double p = j->pos->type == GRT_I32 ? ((const int32_t *)j->pos->data)[pi]
                                            : (double)((const int64_t *)j->pos->data)[pi];
        for (size_t i = 0; i < half; i++) {
            double a = p * j->inv_freq[i];
            cs[i] = (float)cos(a);
            sn[i] = (float)sin(a);
        }
        for (size_t h = 0; h < j->H; h++) {
            size_t off = ((b * j->H + h) * j->S + s) * j->D;
            cpu_load_row(j->x->type, j->x->data, off, j->D, row);
            for (size_t i = 0; i < half; i++) {
                size_t i0 = j->mode ? 2 * i : i, i1 = j->mode ? 2 * i + 1 : i + half;
                float x0 = row[i0], x1 = row[i1];
                row[i0] = x0 * cs[i] - x1 * sn[i];
                row[i1] = x0 * sn[i] + x1 * cs[i];
            }
            cpu_store_row(j->y->type, j->y->data, off, j->D, row);
        }
    }
}

grt_status cpu_k_rope(const cpu_kernel_ctx *ctx, const cpu_tensor *in, uint32_t n_in,
                      cpu_tensor *out, uint32_t n_out)
{
    grt_status st = cpu_check_arity(ctx, n_in, 2, 2, n_out, 1);
    if (st != GRT_OK || (st = cpu_check_float(ctx, &in[0], "x")) != GRT_OK)
        return st;
    const cpu_tensor *x = &in[0], *pos = &in[1];
    if (pos->type != GRT_I32 && pos->type != GRT_I64)
        return cpu_kernel_error(ctx, GRT_ERROR_NOT_SUPPORTED, "positions have type %s, need i32/i64",
                                cpu_type_name(pos->type));
    if ((st = cpu_check_tensor(ctx, pos, "positions")) != GRT_OK)
        return st;
    if (x->shape.rank != 4)
        return cpu_kernel_error(ctx, GRT_ERROR_SHAPE, "x must be [B, H, S, D], got rank %u",
                                x->shape.rank);
    rope_job j = {.x = x, .pos = pos, .y = out};
    j.B = (size_t)x->shape.dims[0];
    j.H = (size_t)x->shape.dims[1];
    j.S = (size_t)x->shape.dims[2];
    j.D = (size_t)x->shape.dims[3];
    int pos_ok = (pos->shape.rank == 1 && (size_t)pos->shape.dims[0] == j.S) ||
                 (pos->shape.rank == 2 && (size_t)pos->shape.dims[0] == j.B &&
                  (size_t)pos->shape.dims[1] == j.S);
    if (!pos_ok)
        return cpu_kernel_error(ctx, GRT_ERROR_SHAPE, "positions must be [S] or [B, S] with S=%zu",
                                j.S);
    int64_t rd = cpu_attr_int(ctx, "rotary_dims", 0);
    j.mode = (int)cpu_attr_int(ctx, "mode", 0);
    int64_t scaling = cpu_attr_int(ctx, "scaling", 0);
    double theta = cpu_attr_float(ctx, "theta", 10000.0);
    double factor = cpu_attr_float(ctx, "factor", 1.0);
    double lff = cpu_attr_float(ctx, "low_freq_factor", 1.0);
    double hff = cpu_attr_float(ctx, "high_freq_factor", 4.0);
    double orig = (double)cpu_attr_int(ctx, "original_max_position", 8192);
    j.R = rd == 0 ? j.D : (size_t)rd;
    if (rd < 0 || j.R % 2 != 0 || j.R > j.D)
        return cpu_kernel_error(ctx, GRT_ERROR_INVALID_ARGUMENT,
                                "rotary_dims %lld must be even and <= D=%zu", (long long)rd, j.D);
    if (j.mode != 0 && j.mode != 1)
        return cpu_kernel_error(ctx, GRT_ERROR_INVALID_ARGUMENT, "mode must be 0 or 1");
    if (scaling < 0 || scaling > 2 || (scaling != 0 && factor == 0.0) ||
        (scaling == 2 && hff == lff))
        return cpu_kernel_error(ctx, GRT_ERROR_INVALID_ARGUMENT,
                                "bad scaling parameters (scaling %lld, factor %g)",
                                (long long)scaling, factor);
    if (out->type != x->type)
        return cpu_kernel_error(ctx, GRT_ERROR_NOT_SUPPORTED, "output type differs from x");
    if ((st = cpu_check_out_shape(ctx, out, &x->shape)) != GRT_OK)
        return st;
    size_t half = j.R / 2;
    double *inv = malloc(sizeof(double) * (half ? half : 1));
    if (inv == NULL)
        return cpu_kernel_error(ctx, GRT_ERROR_OUT_OF_MEMORY, "out of memory");
    for (size_t i = 0; i < half; i++) {
        double f = pow(theta, -2.0 * (double)i / (double)j.R);
        if (scaling == 1) {
            f /= factor;
        } else if (scaling == 2) {
            double wavelen = 2.0 * 3.14159265358979323846 / f, lo = orig / lff, hi = orig / hff;
            if (wavelen > lo) {
                f /= factor;
            } else if (wavelen >= hi) {
                double smooth = (orig / wavelen - lff) / (hff - lff);
                f = (1.0 - smooth) * f / factor + smooth * f;
            }
        }
        inv[i] = f;
    }
    j.inv_freq = inv;
    atomic_init(&j.failed, 0);
    size_t n = j.B * j.S;
    if (n > 0 && j.H > 0 && j.D > 0)
        cpu_parallel_for(ctx->pool, n, 16, rope_range, &j);
    free(inv);
    if (atomic_load(&j.failed))
        return cpu_kernel_error(ctx, GRT_ERROR_OUT_OF_MEMORY, "out of memory for rope scratch");
    return GRT_OK;
}
