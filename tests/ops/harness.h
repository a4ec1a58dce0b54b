/*
 * tests/ops/harness.h - the op conformance harness: builds a small graph with the public builder
 * API, compiles it on the device under test, binds inputs, runs it and compares every output with
 * the reference (tests/ops/ref) using a normalised error and a per-element-type tolerance.
 *
 * A case is a function ot_fn(ctx, arg). It builds the graph with ot_param/ot_const/ot_op/
 * ot_result (each call is a no-op once the case has failed, so case code needs no error checks),
 * then calls ot_run() one or more times (changing inputs and expectations in between for dynamic
 * shapes and state). The harness owns every object it creates and every ref_tensor handed to
 * ot_keep/ot_param/ot_const/ot_result; everything is released by ot_ctx_finish().
 * Threading: single-threaded; one ot_ctx per running case.
 */
#ifndef GENRT_TESTS_OPS_HARNESS_H
#define GENRT_TESTS_OPS_HARNESS_H

#include <genrt/genrt.h>

#include "ref/ref.h"

#define OT_MAX_IO 16

typedef enum ot_status { OT_PASS = 0, OT_FAIL = 1, OT_SKIP = 2 } ot_status;

typedef struct ot_input {
    char name[24];
    grt_element_type type;
    ref_tensor value; /* current value (borrowed from the ctx's allocations) */
    grt_tensor *bound;
} ot_input;

typedef struct ot_output {
    char name[24];
    ref_tensor expect; /* borrowed from the ctx's allocations; rank/type define the check */
    int has_expect;
    double tol; /* 0: the element type's default */
} ot_output;

typedef struct ot_ctx {
    grt_core *core;     /* borrowed */
    const char *device; /* borrowed */
    int skip_unsupported;
    uint64_t rng;
    grt_model *model;
    grt_compiled_model *cm;
    grt_infer_request *rq;
    ot_input in[OT_MAX_IO];
    size_t n_in;
    ot_output out[OT_MAX_IO];
    size_t n_out;
    void **allocs;
    size_t n_allocs, cap_allocs;
    ot_status result;
    char msg[1024];
    double worst_nmse, worst_err; /* over all compared float outputs */
    int runs;
} ot_ctx;

typedef void (*ot_fn)(ot_ctx *c, const void *arg);

/* --- case registry ----------------------------------------------------------------------- */
typedef struct ot_case {
    char family[16];
    char name[112];
    grt_op_type op;
    ot_fn fn;
    const void *arg;
} ot_case;

typedef struct ot_registry {
    ot_case *cases;
    size_t n, cap;
    int oom;
} ot_registry;

void ot_add(ot_registry *r, const char *family, grt_op_type op, ot_fn fn, const void *arg,
            const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* One function per family file. */
void ot_register_matmul(ot_registry *r);
void ot_register_eltwise(ot_registry *r);
void ot_register_activation(ot_registry *r);
void ot_register_convert(ot_registry *r);
void ot_register_movement(ot_registry *r);
void ot_register_norm(ot_registry *r);
void ot_register_rope(ot_registry *r);
void ot_register_sdpa(ot_registry *r);
void ot_register_moe(ot_registry *r);
void ot_register_reduce(ot_registry *r);
void ot_register_state(ot_registry *r);
void ot_register_negative(ot_registry *r);

/* --- context ----------------------------------------------------------------------------- */
void ot_ctx_init(ot_ctx *c, grt_core *core, const char *device, uint64_t seed);
void ot_ctx_finish(ot_ctx *c); /* releases everything */

void ot_fail(ot_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ot_skip(ot_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline int ot_ok(const ot_ctx *c) { return c->result == OT_PASS; }
/* Fails the case with the message unless cond; returns cond. */
int ot_check(ot_ctx *c, int cond, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* --- data -------------------------------------------------------------------------------- */
uint64_t ot_rand_u64(ot_ctx *c);
double ot_uniform(ot_ctx *c, double lo, double hi);
/* Takes ownership of t->v (freed at ot_ctx_finish). */
void ot_keep(ot_ctx *c, ref_tensor *t);
/* Registers a reference result: fails the case if rc != 0, else keeps *t. */
int ot_ref(ot_ctx *c, int rc, ref_tensor *t, const char *what);
/* Random tensor: floats uniform in [lo, hi) rounded to type; integers uniform in [lo, hi]. */
ref_tensor ot_rand(ot_ctx *c, grt_element_type type, size_t rank, const int64_t *dims, double lo,
                   double hi);
/* Tensor holding vals (NULL: zeros). */
ref_tensor ot_tensor(ot_ctx *c, grt_element_type type, size_t rank, const int64_t *dims,
                     const double *vals);

/* --- graph ------------------------------------------------------------------------------- */
/* A Parameter with the value's static shape; its value is bound at each ot_run. */
grt_port ot_param(ot_ctx *c, const ref_tensor *value);
/* A Parameter declared with decl_dims (may hold GRT_DYNAMIC); value may be NULL (set later). */
grt_port ot_param_decl(ot_ctx *c, grt_element_type type, size_t rank, const int64_t *decl_dims,
                       const ref_tensor *value);
/* A Parameter of rank `rank` with every dim GRT_DYNAMIC; its value is set later. */
grt_port ot_param_dynamic(ot_ctx *c, grt_element_type type, size_t rank);
void ot_set_input(ot_ctx *c, size_t index, const ref_tensor *value);
grt_port ot_const(ot_ctx *c, const ref_tensor *value);
/* A compressed constant of logical type `type` and shape dims with random quantised values of
 * `storage` (I8/I4 sym, U8/U4 asym), group size `group` (0 = per channel) and scales of
 * scale_type; *deq receives the dequantised reference weights. */
grt_port ot_qconst(ot_ctx *c, grt_element_type type, size_t rank, const int64_t *dims,
                   grt_element_type storage, int64_t group, grt_element_type scale_type,
                   ref_tensor *deq);
/* As ot_qconst, with asym zero points of type zp_type: GRT_UNDEFINED (= storage), F16 or F32
 * (real-valued zero points, as GGUF Q4_1 needs). */
grt_port ot_qconst_zp(ot_ctx *c, grt_element_type type, size_t rank, const int64_t *dims,
                      grt_element_type storage, int64_t group, grt_element_type scale_type,
                      grt_element_type zp_type, ref_tensor *deq);
/* Adds an op; returns its node id (0 after a failure). */
uint32_t ot_node(ot_ctx *c, grt_op_type op, size_t n_in, const grt_port *in, size_t n_attr,
                 const grt_attribute *attrs);
/* Adds an op and returns its output port 0. */
grt_port ot_op(ot_ctx *c, grt_op_type op, size_t n_in, const grt_port *in, size_t n_attr,
               const grt_attribute *attrs);
/* A Result checked against expect (may be NULL: set later with ot_set_expect). */
void ot_result(ot_ctx *c, grt_port value, const ref_tensor *expect);
void ot_set_expect(ot_ctx *c, size_t index, const ref_tensor *expect);
void ot_set_tol(ot_ctx *c, size_t index, double tol);

/* --- running ----------------------------------------------------------------------------- */
/* Compiles the model (once) and creates the request. 0 on success. */
int ot_compile(ot_ctx *c);
/* Binds the current inputs, infers, compares every output that has an expectation. 0 if OK. */
int ot_run(ot_ctx *c);
/* ot_set_input(c, 0, x), ot_set_expect(c, 0, expect), then ot_run. */
int ot_run_with(ot_ctx *c, const ref_tensor *x, const ref_tensor *expect);
/* Binds the current inputs and infers, expecting a failure status (at bind or infer time) with a
 * non-empty last-error message. 0 if it failed cleanly. */
int ot_run_expect_error(ot_ctx *c, const char *what);
/* Compares tensor t with the reference (type, shape and values). 0 if equal within tol. */
int ot_compare(ot_ctx *c, const char *what, const grt_tensor *t, const ref_tensor *expect,
               double tol);

/* --- attribute literals ------------------------------------------------------------------ */
#define OT_AI(n, val) \
    ((grt_attribute){.name = (n), .value = {.type = GRT_ATTR_INT, .u = {.i = (int64_t)(val)}}})
#define OT_AF(n, val) \
    ((grt_attribute){.name = (n), .value = {.type = GRT_ATTR_FLOAT, .u = {.f = (double)(val)}}})
#define OT_AS(n, val) ((grt_attribute){.name = (n), .value = {.type = GRT_ATTR_STRING, .u = {.s = (val)}}})
#define OT_AINTS(n, arr, cnt)                                                   \
    ((grt_attribute){.name = (n),                                                \
                     .value = {.type = GRT_ATTR_INTS,                            \
                               .u = {.ints = {.data = (arr), .count = (cnt)}}}})
#define OT_DIMS(...) ((const int64_t[]){__VA_ARGS__})
#define OT_NDIMS(...) (sizeof((const int64_t[]){__VA_ARGS__}) / sizeof(int64_t))
#define OT_PORTS(...) ((const grt_port[]){__VA_ARGS__})
#define OT_NPORTS(...) (sizeof((const grt_port[]){__VA_ARGS__}) / sizeof(grt_port))

const char *ot_type_name(grt_element_type t);
/* Writes "[2,3]" into buf and returns buf. */
const char *ot_shape_str(char *buf, size_t cap, size_t rank, const int64_t *dims);

#endif
