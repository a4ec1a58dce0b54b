/*
 * kernels/ops.h - the CPU kernel entry points, one per op (internal to the CPU plugin; the plan
 * reaches them through cpu_kernel_lookup). Each follows cpu_kernel_fn (kernel.h): dense row-major
 * inputs and pre-allocated outputs whose shapes the plan computed; returns GRT_OK or an error set
 * through cpu_kernel_error. Reentrant.
 */
#ifndef GENRT_CPU_OPS_H
#define GENRT_CPU_OPS_H

#include "kernel.h"

#define CPU_KERNEL(name)                                                                          \
    grt_status name(const cpu_kernel_ctx *ctx, const cpu_tensor *in, uint32_t n_in,               \
                    cpu_tensor *out, uint32_t n_out)

CPU_KERNEL(cpu_k_add);       /* elementwise/binary.c */
CPU_KERNEL(cpu_k_sub);
CPU_KERNEL(cpu_k_mul);
CPU_KERNEL(cpu_k_div);
CPU_KERNEL(cpu_k_silu);      /* elementwise/unary.c */
CPU_KERNEL(cpu_k_gelu);
CPU_KERNEL(cpu_k_relu);
CPU_KERNEL(cpu_k_matmul);    /* matmul/matmul.c */
CPU_KERNEL(cpu_k_gather);    /* data/gather.c */
CPU_KERNEL(cpu_k_concat);    /* data/concat.c */
CPU_KERNEL(cpu_k_reshape);   /* data/reshape.c */
CPU_KERNEL(cpu_k_transpose); /* data/transpose.c */
CPU_KERNEL(cpu_k_slice);     /* data/slice.c */
CPU_KERNEL(cpu_k_convert);   /* data/convert.c */
CPU_KERNEL(cpu_k_softmax);   /* norm/softmax.c */
CPU_KERNEL(cpu_k_rmsnorm);   /* norm/norms.c */
CPU_KERNEL(cpu_k_layernorm);
CPU_KERNEL(cpu_k_rope);      /* attention/rope.c */
CPU_KERNEL(cpu_k_sdpa);      /* attention/sdpa.c */
CPU_KERNEL(cpu_k_moe);       /* moe/moe.c */
CPU_KERNEL(cpu_k_topk);      /* reduce/topk.c */
CPU_KERNEL(cpu_k_argmax);    /* reduce/argmax.c */

/* Checks the input/output counts: error naming the node when n_in is outside [lo, hi] or n_out
 * differs from `outs`. */
grt_status cpu_check_arity(const cpu_kernel_ctx *ctx, uint32_t n_in, uint32_t lo, uint32_t hi,
                           uint32_t n_out, uint32_t outs);

#endif
