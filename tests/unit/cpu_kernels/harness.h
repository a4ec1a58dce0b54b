/*
 * tests/unit/cpu_kernels/harness.h - a tiny fake host and tensor helpers for calling the CPU
 * kernels directly (through cpu_kernel_lookup) and comparing them with plain reference loops.
 *
 * The fake host serves node attributes from a table (th_attr_*), records the last set_error
 * message (th_last_error), and names the node "test_node". Single-threaded test driver; kernels
 * may use a real pool internally. Tensors made by th_tensor own their data (th_free).
 */
#ifndef GENRT_TEST_CPU_KERNELS_HARNESS_H
#define GENRT_TEST_CPU_KERNELS_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/kernel.h"

extern int th_failures;
extern cpu_pool *th_pool; /* shared by all runs; may be NULL */
/* Benchmarks: caps the ISA at `isa` (a cpu_isa_name; NULL: GENRT_CPU_ISA's cap) and makes
 * th_pool with `threads` threads (none for 1). Returns 0, and does nothing, for an unknown ISA
 * name. */
int th_bench_setup(const char *isa, int threads);

#define TH_CHECK(cond, ...)                                                                       \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            th_failures++;                                                                        \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                           \
            printf(__VA_ARGS__);                                                                  \
            printf("\n");                                                                         \
        }                                                                                         \
    } while (0)

/* Attributes of the next kernel call. */
void th_attr_reset(void);
void th_attr_int(const char *name, int64_t v);
void th_attr_float(const char *name, double v);
void th_attr_ints(const char *name, const int64_t *v, size_t n); /* copied */
const char *th_last_error(void);

/* Dense tensor of `type` and shape dims[rank], zero-filled; exits the test on OOM. */
cpu_tensor th_tensor(grt_element_type type, uint32_t rank, const int64_t *dims);
void th_free(cpu_tensor *t);
size_t th_numel(const cpu_tensor *t);

/* Random uniform [lo, hi) values stored in t (float types get rounded); returns nothing. */
void th_fill(cpu_tensor *t, float lo, float hi);
float th_randf(float lo, float hi);
uint32_t th_rand(void);
/* Element i of a float or integer tensor as double. */
double th_get(const cpu_tensor *t, size_t i);
void th_set(cpu_tensor *t, size_t i, double v);
/* All elements of t as doubles (malloc'ed, one spare slot; free it); exits the test on OOM. */
double *th_values(const cpu_tensor *t);

/* ctx->dq_group_size of the next th_run calls (DYNAMIC_QUANTIZATION_GROUP_SIZE; default 0). */
extern int64_t th_dq_group_size;
/* ctx->bf16 of the next th_run calls (INFERENCE_PRECISION_HINT bf16; default 0). */
extern int th_bf16;
/* Runs the kernel of `op` on in/out with the current attributes and a fresh ctx. */
grt_status th_run(grt_op_type op, const cpu_tensor *in, uint32_t n_in, cpu_tensor *out,
                  uint32_t n_out);

/* Runs kernel fn (one not reachable through cpu_kernel_lookup, e.g. a fused kernel) as node op
 * `op` with the current attributes and a fresh ctx. */
grt_status th_call(grt_op_type op, cpu_kernel_fn fn, const cpu_tensor *in, uint32_t n_in,
                   cpu_tensor *out, uint32_t n_out);
/* Runs fn once per ISA path (cpu_isa_force: scalar, avx2, avx512); paths above
 * cpu_isa_supported() are skipped with a printed reason naming `what`. */
void th_each_isa(const char *what, void (*fn)(void));

/* Compares t (float type) with ref[numel] at a tolerance for t's type scaled by `scale`;
 * records a failure naming `what` with the first mismatch. Returns 1 if all match. */
int th_compare(const cpu_tensor *t, const double *ref, double scale, const char *what);

/* Flat offset in `in` (right-aligned, size-1 dims broadcast) of flat index `i` of `out`. */
size_t th_bcast_offset(const grt_shape *out, const grt_shape *in, size_t i);
grt_shape th_shape(uint32_t rank, const int64_t *dims);

/* Tolerance of a float type: |a - b| <= tol * (1 + |b|). */
double th_tol(grt_element_type t);

/* A compressed weight built by the test: logical [rows..., K] with its reference values. */
typedef struct qw {
    cpu_tensor t;
    grt_compression_info ci;
    void *scales, *zps;
    double *ref; /* dequantized values, row-major */
} qw;

/* Builds a compressed constant of logical shape dims[rank] (float type ftype) with random
 * quantized values, scales (and zero points for U8/U4); group size G along the last axis. The
 * caller points t.comp at its own copy's ci (the struct is returned by value). */
extern float th_qw_scale_max; /* scales are drawn from [0.05, 1] x this (default 0.2) */
/* Zero point type of asym weights: GRT_UNDEFINED (= storage, default), GRT_F16 or GRT_F32
 * (real-valued zero points drawn from the storage range). */
extern grt_element_type th_qw_zp_type;
qw th_make_qw(grt_element_type ftype, uint32_t rank, const int64_t *dims, grt_element_type storage,
              int64_t G, grt_element_type scale_type);
void th_free_qw(qw *w);
/* A copy of src with its own values, scales and zero points (no reference values: ref NULL);
 * t.data NULL when out of memory. Free with th_free_qw. */
qw th_clone_qw(const qw *src);

#endif
