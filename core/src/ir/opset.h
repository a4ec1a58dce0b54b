/*
 * ir/opset.h - opset v1 description (docs/OPSET.md): per op its name, input counts, outputs,
 * attribute specs, and the shape/type inference entry used at build time, on load and by the
 * host API slot infer_shapes (plugins, at run time with concrete shapes).
 * Static tables; thread-safe. Errors name the node: "node 'x' (MatMul): K mismatch 64 vs 32".
 */
#ifndef GENRT_IR_OPSET_H
#define GENRT_IR_OPSET_H

#include "ir/graph.h"

#define GRT_IR_MAX_INPUTS 4096u  /* Concat fan-in limit */
#define GRT_IR_MAX_ATTR_LIST 4096u /* longest INTS/FLOATS attribute */

typedef struct grt_ir_attr_spec {
    const char *name;
    grt_attr_type type;
    int required;
    int64_t def_i; /* default of an optional INT */
    double def_f;  /* default of an optional FLOAT */
} grt_ir_attr_spec;

/* Inference context: inputs (types, shapes), normalized attributes; outputs written by infer. */
typedef struct grt_ir_infer_ctx {
    grt_op_type op;
    const char *node_name;
    const grt_ir_attr *attrs;
    uint32_t n_attrs;
    uint32_t n_in;
    const grt_element_type *in_types;
    const grt_shape *in_shapes;
    uint32_t n_out;
    grt_element_type out_types[GRT_IR_MAX_OUTPUTS];
    grt_shape out_shapes[GRT_IR_MAX_OUTPUTS];
} grt_ir_infer_ctx;

typedef grt_status (*grt_ir_infer_fn)(grt_ir_infer_ctx *c);

typedef struct grt_ir_op_info {
    const char *name; /* "MatMul" (docs/OPSET.md spelling) */
    uint32_t min_inputs, max_inputs;
    uint32_t n_outputs;
    const grt_ir_attr_spec *attrs;
    uint32_t n_attrs;
    grt_ir_infer_fn infer; /* NULL for Parameter / Constant */
} grt_ir_op_info;

/* NULL for an unknown op value. */
const grt_ir_op_info *grt_ir_op_info_get(grt_op_type op);
/* "UNKNOWN" for an unknown op value. */
const char *grt_ir_op_name(grt_op_type op);
/* GRT_OP_UNKNOWN if the name is not an op of opset v1. */
grt_op_type grt_ir_op_from_name(const char *name);

/* Validates and copies attributes for `op` into a normalized array (spec order, defaults filled;
 * INT given for a FLOAT is converted). Errors: INVALID_ARGUMENT (unknown, duplicate, ill-typed or
 * missing required attribute; message names the node), OUT_OF_MEMORY. *out owned by the caller
 * (free with grt_ir_attrs_free). */
grt_status grt_ir_attrs_normalize(grt_op_type op, const char *node_name, size_t n_attrs,
                                  const grt_attribute *attrs, grt_ir_attr **out,
                                  uint32_t *n_out);
void grt_ir_attrs_free(grt_ir_attr *attrs, uint32_t n);
/* Deep copy. Errors: OUT_OF_MEMORY. */
grt_status grt_ir_attrs_copy(const grt_ir_attr *src, uint32_t n, grt_ir_attr **out);

/* Runs the op's inference: checks input count, element types and shapes. Errors: SHAPE. */
grt_status grt_ir_infer(grt_ir_infer_ctx *c);

/* --- helpers for the shape_infer_*.c files --------------------------------------------------- */

/* Sets the last error "node 'NAME' (Op): <formatted>" and returns GRT_ERROR_SHAPE. */
grt_status grt_ir_fail(const grt_ir_infer_ctx *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Normalized attributes are always present; these return the default if absent anyway. */
int64_t grt_ir_attr_i(const grt_ir_infer_ctx *c, const char *name, int64_t def);
double grt_ir_attr_f(const grt_ir_infer_ctx *c, const char *name, double def);
const grt_attr_value *grt_ir_attr_get(const grt_ir_infer_ctx *c, const char *name);
int grt_ir_is_float(grt_element_type t);
/* Merges two dims (equal, or one dynamic). Returns 0 on a static mismatch. */
int grt_ir_dim_merge(int64_t a, int64_t b, int64_t *out);
/* Normalizes axis into [0, rank). Returns 0 if out of range. */
int grt_ir_axis(int64_t axis, uint32_t rank, uint32_t *out);
/* Numpy broadcast of a and b into out. Returns 0 if incompatible. */
int grt_ir_broadcast(const grt_shape *a, const grt_shape *b, grt_shape *out);
/* Formats a shape "[1,?,64]" into buf. */
const char *grt_ir_shape_str(const grt_shape *s, char *buf, size_t n);

/* Per family (shape_infer_*.c). */
grt_status grt_ir_infer_result(grt_ir_infer_ctx *c);
grt_status grt_ir_infer_read_value(grt_ir_infer_ctx *c);
grt_status grt_ir_infer_assign(grt_ir_infer_ctx *c);
grt_status grt_ir_infer_binary(grt_ir_infer_ctx *c);
grt_status grt_ir_infer_unary(grt_ir_infer_ctx *c);
grt_status grt_ir_infer_convert(grt_ir_infer_ctx *c);
grt_status grt_ir_infer_softmax(grt_ir_infer_ctx *c);
grt_status grt_ir_infer_norm(grt_ir_infer_ctx *c);
grt_status grt_ir_infer_gather(grt_ir_infer_ctx *c);
grt_status grt_ir_infer_concat(grt_ir_infer_ctx *c);
grt_status grt_ir_infer_reshape(grt_ir_infer_ctx *c);
grt_status grt_ir_infer_transpose(grt_ir_infer_ctx *c);
grt_status grt_ir_infer_slice(grt_ir_infer_ctx *c);
grt_status grt_ir_infer_matmul(grt_ir_infer_ctx *c);
grt_status grt_ir_infer_rope(grt_ir_infer_ctx *c);
grt_status grt_ir_infer_sdpa(grt_ir_infer_ctx *c);
grt_status grt_ir_infer_moe(grt_ir_infer_ctx *c);
grt_status grt_ir_infer_topk(grt_ir_infer_ctx *c);
grt_status grt_ir_infer_argmax(grt_ir_infer_ctx *c);

#endif
