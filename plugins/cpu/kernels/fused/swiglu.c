/*
 * kernels/fused/swiglu.c - SwiGLU: y = silu(gate) * up in one pass, replacing the SiLU and Mul
 * nodes of the LLM feed-forward block (see fused.h). f32 gate/up/y of one shape, chunks of 4096
 * elements across ctx->pool, no intermediate tensor; any other case runs SiLU into a temporary
 * then Mul (bit-identical to the unfused ops). Reentrant.
 */
#include <stdlib.h>
#include <string.h>

#include "../elementwise/ew_rows.h"
#include "../kutil.h"
#include "fused.h"

#define SW_CHUNK 4096

typedef struct sw_job {
    const float *g, *u;
    float *y;
    size_t n;
} sw_job;

static void sw_range(void *arg, size_t begin, size_t end)
{
    const sw_job *j = arg;
    for (size_t c = begin; c < end; c++) {
        size_t off = c * SW_CHUNK, n = j->n - off < SW_CHUNK ? j->n - off : SW_CHUNK;
        cpu_swiglu_row_f32(j->g + off, j->u + off, j->y + off, n);
    }
}

/* SiLU into a temporary, then Mul: the unfused computation. */
static grt_status sw_unfused(const cpu_kernel_ctx *ctx, const cpu_tensor *in, cpu_tensor *out)
{
    cpu_tensor t = in[0];
    grt_status st = cpu_check_float(ctx, &in[0], "gate");
    if (st != GRT_OK)
        return st;
    t.bytes = cpu_numel(&t.shape) * cpu_elem_size(t.type);
    t.comp = NULL;
    t.data = malloc(t.bytes ? t.bytes : 1);
    if (t.data == NULL)
        return cpu_kernel_error(ctx, GRT_ERROR_OUT_OF_MEMORY, "out of memory for SiLU(gate)");
    st = cpu_k_silu(ctx, &in[0], 1, &t, 1);
    cpu_tensor mi[2] = {t, in[1]};
    if (st == GRT_OK)
        st = cpu_k_mul(ctx, mi, 2, out, 1);
    free(t.data);
    return st;
}

grt_status cpu_k_fused_swiglu(const cpu_kernel_ctx *ctx, const cpu_tensor *in, uint32_t n_in,
                              cpu_tensor *out, uint32_t n_out)
{
    grt_status st = cpu_check_arity(ctx, n_in, 2, 2, n_out, 1);
    if (st != GRT_OK)
        return st;
    if (in[0].type != GRT_F32 || in[1].type != GRT_F32 || out->type != GRT_F32 || in[0].comp ||
        in[1].comp || !cpu_same_shape(&in[0].shape, &in[1].shape) ||
        !cpu_same_shape(&in[0].shape, &out->shape))
        return sw_unfused(ctx, in, out);
    if ((st = cpu_check_tensor(ctx, &in[0], "gate")) != GRT_OK ||
        (st = cpu_check_tensor(ctx, &in[1], "up")) != GRT_OK)
        return st;
    sw_job j = {in[0].data, in[1].data, out->data, cpu_numel(&out->shape)};
    cpu_parallel_for(ctx->pool, (j.n + SW_CHUNK - 1) / SW_CHUNK, 4, sw_range, &j);
    return GRT_OK;
}

grt_status cpu_k_fused_skip(const cpu_kernel_ctx *ctx, const cpu_tensor *in, uint32_t n_in,
                            cpu_tensor *out, uint32_t n_out)
{
    (void)ctx, (void)in, (void)n_in, (void)out, (void)n_out;
    return GRT_OK;
}
