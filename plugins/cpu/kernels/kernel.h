/*
 * kernels/kernel.h - the interface between the CPU plugin's execution plan (exec/) and its
 * kernels (kernels/<op family>/).
 *
 * The plan computes every output shape before the call (host->infer_shapes) and allocates the
 * outputs (dense row-major, 64-byte aligned, never aliasing an input). A kernel reads its inputs,
 * writes its outputs, and returns GRT_OK or an error set through ctx->host->set_error naming the
 * node (cpu_kernel_error). Kernels are stateless and reentrant; they may use ctx->pool.
 *
 * Layout: every cpu_tensor is dense row-major with its logical element type; a compressed constant
 * (comp != NULL) holds quantized values in `data` (see grt_compression_info) and `type` is the
 * dequantized type. Exception: an input may carry element strides (`strides`, all zero = dense)
 * when it is a view of an in-place KV cache (exec/plan.h, cpu_variable.append); only kernels that
 * document it accept such inputs (ScaledDotProductAttention's k and v), every other consumer gets
 * a dense copy from the plan. Outputs are always dense.
 *
 * KV-cache storage precision (KV_CACHE_PRECISION, exec/state.h): a KV view whose `kv` is non-NULL
 * holds rows of the last axis in kv->storage instead of `type` (which stays the declared logical
 * type). Such a view is always strided with strides[3] == 1 and strides[2] == D (the last dim);
 * the row of (b, h, s) starts at byte (b*strides[0] + h*strides[1] + s*strides[2]) / D *
 * kv->row_bytes of `data`. F16 / BF16 rows are D values; U8 rows are asymmetric per group of
 * kv->group values: ceil(D / group) pairs of f16 (scale, min) first, then D u8 codes q, value =
 * q * scale + min (kernels/attention/sdpa_kv.h encodes and decodes them).
 */
#ifndef GENRT_CPU_KERNEL_H
#define GENRT_CPU_KERNEL_H

#include <genrt/plugin.h>

#include "../threads/pool.h"

typedef struct cpu_tensor {
    grt_element_type type;
    grt_shape shape;
    void *data;
    size_t bytes;
    const grt_compression_info *comp; /* non-NULL: compressed constant */
    int64_t strides[GRT_MAX_RANK];    /* in elements; all zero = dense row-major (see above) */
    const struct cpu_kv_format *kv;   /* non-NULL: KV rows stored in another precision (above) */
    /* Compressed 8/4-bit [N, K] constants only, may be NULL: the same values in the tiled layout
     * of kernels/matmul/dq.h, built at compile time by the plan (which owns it). */
    const uint8_t *dq_tiled;
} cpu_tensor;

/* Storage of a KV-cache view (see above). */
typedef struct cpu_kv_format {
    grt_element_type storage; /* GRT_F16, GRT_BF16 or GRT_U8 */
    uint32_t group;           /* U8: values per (scale, min) pair; divides D except the last */
    size_t row_bytes;         /* bytes of one row, U8 parameters included */
} cpu_kv_format;

/* 1 if t carries explicit strides (a strided view), 0 if it is dense. */
static inline int cpu_tensor_is_strided(const cpu_tensor *t)
{
    for (uint32_t i = 0; i < GRT_MAX_RANK; i++)
        if (t->strides[i] != 0)
            return 1;
    return 0;
}

typedef struct cpu_kernel_ctx {
    const grt_host_api *host;
    const grt_graph_view *graph;
    uint32_t node;
    cpu_pool *pool; /* may be NULL */
    /* Compile-time options of the compiled model (zero = default, as in a test harness). */
    int64_t dq_group_size; /* DYNAMIC_QUANTIZATION_GROUP_SIZE: int8 activation groups for
                            * compressed-weight MatMuls; 0 = off (f32 activations) */
    int bf16;              /* INFERENCE_PRECISION_HINT bf16: linear layers may round activations
                            * and weights to bf16 (kernels/matmul/linear_bf16.c) */
} cpu_kernel_ctx;

typedef grt_status (*cpu_kernel_fn)(const cpu_kernel_ctx *ctx, const cpu_tensor *in, uint32_t n_in,
                                    cpu_tensor *out, uint32_t n_out);

/* The kernel of an op, or NULL if the CPU plugin cannot run it (Parameter, Constant, Result,
 * ReadValue and Assign are handled by the plan, not by kernels). */
cpu_kernel_fn cpu_kernel_lookup(grt_op_type op);

/* 1 if the kernel for `op` supports input element types `types[n]` (used by query_model). */
int cpu_kernel_supports(grt_op_type op, const grt_element_type *types, uint32_t n);

/* Attribute helpers: the node's attribute or `def` when absent. */
int64_t cpu_attr_int(const cpu_kernel_ctx *ctx, const char *name, int64_t def);
double cpu_attr_float(const cpu_kernel_ctx *ctx, const char *name, double def);
/* Borrowed array (graph lifetime) or NULL with *count = 0 when absent. */
const int64_t *cpu_attr_ints(const cpu_kernel_ctx *ctx, const char *name, size_t *count);

/* Sets the error "node 'NAME' (OP): <formatted>" and returns status. */
grt_status cpu_kernel_error(const cpu_kernel_ctx *ctx, grt_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#endif
