/*
 * tests/ops/ref/ref.h - plain reference implementations of the GenRT opset (docs/OPSET.md) for the
 * op conformance suite, plus f16/bf16 helpers.
 *
 * Every reference works on dense row-major tensors of doubles (ref_tensor) and accumulates in
 * double; it is written to be obviously correct, not fast. Values of f16/bf16/integer tensors are
 * held as doubles that are exactly representable in the tensor's element type.
 * Ownership: a reference allocates out->v with malloc (free it with ref_tensor_free); inputs are
 * borrowed. Functions return 0 on success and -1 when the inputs are invalid for the op (e.g. an
 * out-of-range Gather index), leaving *out empty. Thread-safety: all functions are reentrant.
 */
#ifndef GENRT_TESTS_OPS_REF_H
#define GENRT_TESTS_OPS_REF_H

#include <genrt/types.h>

#include <stddef.h>
#include <stdint.h>

typedef struct ref_tensor {
    grt_element_type type;
    size_t rank;
    int64_t dims[GRT_MAX_RANK];
    double *v; /* numel values, row-major; NULL when numel is 0 */
} ref_tensor;

/* --- tensors (ref_core.c) ------------------------------------------------------------------ */
size_t ref_numel(size_t rank, const int64_t *dims);
/* Allocates a zero-filled tensor; -1 on a bad rank/dims or out of memory. */
int ref_tensor_alloc(ref_tensor *t, grt_element_type type, size_t rank, const int64_t *dims);
void ref_tensor_free(ref_tensor *t); /* NULL-safe; resets *t */
/* Row-major element strides (in elements) of dims. */
void ref_strides(size_t rank, const int64_t *dims, int64_t *strides);
/* Numpy broadcast of two shapes; -1 if incompatible. */
int ref_broadcast_shape(size_t ra, const int64_t *a, size_t rb, const int64_t *b, size_t *rank,
                        int64_t *out);
/* Offset into a tensor of shape (rank, dims) broadcast to (out_rank, idx). */
size_t ref_broadcast_offset(size_t rank, const int64_t *dims, size_t out_rank, const int64_t *idx);
/* Normalises a possibly negative axis; -1 if out of [-rank, rank). */
int ref_axis(int64_t axis, size_t rank, size_t *out);

/* --- f16 / bf16 and element types (ref_half.c) ---------------------------------------------- */
uint16_t ref_f32_to_f16(float f); /* round to nearest even, overflow to inf */
float ref_f16_to_f32(uint16_t h);
uint16_t ref_f32_to_bf16(float f); /* round to nearest even */
float ref_bf16_to_f32(uint16_t h);
/* v rounded to float type t (f32/f16/bf16 via f32); other types unchanged. */
double ref_round_float(double v, grt_element_type t);
/* Convert semantics of docs/OPSET.md: v converted to element type t (rounding to nearest even
 * and saturating for integers, x != 0 for boolean, RNE for f16/bf16). */
double ref_convert_value(double v, grt_element_type t);
int ref_is_float_type(grt_element_type t);
int ref_is_int_type(grt_element_type t); /* i64, i32, i8, u8, i4, u4, boolean */
/* Element size in bytes (I4/U4 report 1: they are packed two per byte). */
size_t ref_type_size(grt_element_type t);
/* Dense storage of n values of type t (I4/U4 packed, low nibble first) into dst (bytes long). */
int ref_pack(grt_element_type t, const double *v, size_t n, void *dst, size_t bytes);
/* Reads n values of type t from dense storage src. */
int ref_unpack(grt_element_type t, const void *src, size_t n, double *v);
size_t ref_storage_bytes(grt_element_type t, size_t n);

/* --- linear algebra (ref_matmul.c) ----------------------------------------------------------- */
/* MatMul with rank-1 promotion, optional transposes of the last two axes, batch broadcast. */
int ref_matmul(const ref_tensor *a, const ref_tensor *b, int transpose_a, int transpose_b,
               ref_tensor *out);
/* w[r, k] = (q[r, k] - z[r, k / g]) * s[r, k / g] over rows x k (zp NULL for sym). */
void ref_dequant(const double *q, const double *scales, const double *zp, int64_t rows, int64_t k,
                 int64_t group, double *w);

/* --- elementwise (ref_eltwise.c) ------------------------------------------------------------- */
/* op is GRT_OP_ADD/SUB/MUL/DIV; integer types use truncating division, x / 0 = 0. */
int ref_binary(grt_op_type op, const ref_tensor *a, const ref_tensor *b, ref_tensor *out);
/* op is GRT_OP_SILU/GELU/RELU; approximate selects the GELU tanh form. */
int ref_unary(grt_op_type op, const ref_tensor *x, int approximate, ref_tensor *out);
int ref_convert(const ref_tensor *x, grt_element_type dst, ref_tensor *out);
int ref_softmax(const ref_tensor *x, int64_t axis, ref_tensor *out);
int ref_rms_norm(const ref_tensor *x, const ref_tensor *gamma, double eps, ref_tensor *out);
/* beta may be NULL. */
int ref_layer_norm(const ref_tensor *x, const ref_tensor *gamma, const ref_tensor *beta,
                   double eps, ref_tensor *out);

/* --- data movement (ref_shape.c) ------------------------------------------------------------- */
int ref_gather(const ref_tensor *data, const ref_tensor *indices, int64_t axis, ref_tensor *out);
int ref_concat(size_t n, const ref_tensor *const *inputs, int64_t axis, ref_tensor *out);
int ref_reshape(const ref_tensor *x, size_t n, const int64_t *shape, int special_zero,
                ref_tensor *out);
int ref_transpose(const ref_tensor *x, size_t n, const int64_t *perm, ref_tensor *out);
/* axes may be NULL (0..n-1), steps may be NULL (all 1). */
int ref_slice(const ref_tensor *x, size_t n, const int64_t *starts, const int64_t *ends,
              const int64_t *axes, const int64_t *steps, ref_tensor *out);

/* --- attention family (ref_attention.c) ------------------------------------------------------ */
typedef struct ref_rope_params {
    int mode;         /* 0 half rotation (NeoX), 1 interleaved (GPT-J) */
    int64_t rotary_dims; /* 0 = D */
    double theta;
    int scaling; /* 0 none, 1 linear, 2 llama3 */
    double factor, low_freq_factor, high_freq_factor;
    int64_t original_max_position;
} ref_rope_params;
void ref_rope_defaults(ref_rope_params *p);
/* x [B, H, S, D], positions [S] or [B, S]. */
int ref_rope(const ref_tensor *x, const ref_tensor *positions, const ref_rope_params *p,
             ref_tensor *out);
/* q [B, Hq, Sq, D], k [B, Hkv, Skv, D], v [B, Hkv, Skv, Dv], mask NULL or broadcastable to
 * [B, Hq, Sq, Skv]; scale 0 = 1/sqrt(D). */
int ref_sdpa(const ref_tensor *q, const ref_tensor *k, const ref_tensor *v, const ref_tensor *mask,
             int causal, double scale, ref_tensor *out);
/* x [T, H], router [E, H], w_gate/w_up [E, I, H], w_down [E, H, I]. */
int ref_moe(const ref_tensor *x, const ref_tensor *router, const ref_tensor *w_gate,
            const ref_tensor *w_up, const ref_tensor *w_down, int64_t top_k, int normalize,
            ref_tensor *out);

/* --- reductions (ref_reduce.c) --------------------------------------------------------------- */
/* values gets x's type, indices I64. mode 0 max / 1 min; sort 1 by value / 0 by index. */
int ref_topk(const ref_tensor *x, int64_t k, int64_t axis, int mode, int sort, ref_tensor *values,
             ref_tensor *indices);
int ref_argmax(const ref_tensor *x, int64_t axis, int keep_dims, ref_tensor *out);

#endif
