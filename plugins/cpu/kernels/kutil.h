/*
 * kernels/kutil.h - helpers shared by the CPU kernels (internal to plugins/cpu/kernels).
 *
 * Element sizes and float load/store for f32/f16/bf16 buffers, element counts, axis
 * normalisation, numpy broadcasting strides, and typed attribute look-ups that report a missing
 * required attribute. Everything is reentrant; nothing here allocates except where stated.
 */
#ifndef GENRT_CPU_KUTIL_H
#define GENRT_CPU_KUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "fp16.h"
#include "kernel.h"

/* Bytes of one element (0 for I4/U4 and unknown types). */
size_t cpu_elem_size(grt_element_type t);
int cpu_is_float(grt_element_type t);
const char *cpu_type_name(grt_element_type t);
const char *cpu_op_name(grt_op_type op);

/* Product of all dims (1 for rank 0); 0 if any dim is 0. Negative dims count as 0. */
size_t cpu_numel(const grt_shape *s);
/* Product of dims [a, b). */
size_t cpu_dims_prod(const grt_shape *s, uint32_t a, uint32_t b);

/* Normalises a possibly negative axis for `rank`; GRT_ERROR_INVALID_ARGUMENT (message naming the
 * node and attribute) when out of range. */
grt_status cpu_norm_axis(const cpu_kernel_ctx *ctx, int64_t axis, uint32_t rank, const char *what,
                         uint32_t *out);

/* Checks that a dense tensor's buffer holds its elements; error names `what`. */
grt_status cpu_check_tensor(const cpu_kernel_ctx *ctx, const cpu_tensor *t, const char *what);
/* Checks that `t` has a float type (f32/f16/bf16); error names `what`. */
grt_status cpu_check_float(const cpu_kernel_ctx *ctx, const cpu_tensor *t, const char *what);
/* Checks that out has shape `s` exactly (plan and kernel agree). */
grt_status cpu_check_out_shape(const cpu_kernel_ctx *ctx, const cpu_tensor *out,
                               const grt_shape *s);
/* Checks that out has element type `type` (NOT_SUPPORTED "output type differs from input") and
 * shape `s` exactly. */
grt_status cpu_check_out_like(const cpu_kernel_ctx *ctx, const cpu_tensor *out,
                              grt_element_type type, const grt_shape *s);
/* Checks an input that must not be a compressed constant (NOT_SUPPORTED), then
 * cpu_check_tensor. */
grt_status cpu_check_plain(const cpu_kernel_ctx *ctx, const cpu_tensor *t, const char *what);

/* The `axis` attribute (default `def`) normalised for tensor `what` of shape s, which must have
 * rank >= 1 (GRT_ERROR_SHAPE otherwise). */
grt_status cpu_attr_axis(const cpu_kernel_ctx *ctx, const grt_shape *s, const char *what,
                         int64_t def, uint32_t *axis);

/* Required attributes: GRT_ERROR_INVALID_ARGUMENT naming the attribute when absent. */
grt_status cpu_attr_int_req(const cpu_kernel_ctx *ctx, const char *name, int64_t *out);
const int64_t *cpu_attr_ints_req(const cpu_kernel_ctx *ctx, const char *name, size_t *count,
                                 grt_status *st);

/* Broadcast strides (in elements) of input shape `in` against output shape `out` (rank r >=
 * in->rank, right-aligned): 0 where the input dim is 1 (or missing). */
void cpu_bcast_strides(const grt_shape *in, const grt_shape *out, int64_t strides[GRT_MAX_RANK]);

/* Loads element i of a float buffer of type t (f32/f16/bf16). */
static inline float cpu_ld(grt_element_type t, const void *p, size_t i)
{
    switch (t) {
    case GRT_F16: return cpu_f16_to_f32(((const uint16_t *)p)[i]);
    case GRT_BF16: return cpu_bf16_to_f32(((const uint16_t *)p)[i]);
    default: return ((const float *)p)[i];
    }
}

static inline void cpu_st(grt_element_type t, void *p, size_t i, float v)
{
    switch (t) {
    case GRT_F16: ((uint16_t *)p)[i] = cpu_f32_to_f16(v); break;
    case GRT_BF16: ((uint16_t *)p)[i] = cpu_f32_to_bf16(v); break;
    default: ((float *)p)[i] = v; break;
    }
}

/* Converts n contiguous float elements of type t starting at element `off` to f32 and back. */
void cpu_load_row(grt_element_type t, const void *p, size_t off, size_t n, float *dst);
void cpu_store_row(grt_element_type t, void *p, size_t off, size_t n, const float *src);

/* Dot product of two f32 vectors (8 partial sums). */
float cpu_dot(const float *a, const float *b, size_t n);

/* A kernel path's on/off switch: *flag is -1 until first read, then 0 when the environment
 * variable `env` is "0" (read once), else 1; tests and A/B runs store 0 / 1 into it
 * (cpu_kswitch_set). Thread-safe (atomic). */
int cpu_kswitch_get(_Atomic int *flag, const char *env);
/* Sets *flag to on (0 / 1); returns the previous state. Must not race with running kernels. */
int cpu_kswitch_set(_Atomic int *flag, const char *env, int on);

#endif
