/*
 * exec/request.h - a CPU infer request: bound inputs, the activation arena, state variables and
 * the interpreter loop that runs a cpu_plan.
 *
 * Infer: checks every input is bound, propagates concrete shapes node by node with
 * host->infer_shapes, gives each computed value an arena buffer (released after its last
 * consumer, reused by later values, kept across infers), runs the kernels in topological order on
 * the compiled model's pool, then lets every state variable adopt its Assign'd buffer (no copy);
 * an in-place KV append variable (plan.h) instead takes the rows its Concat wrote in place.
 * On failure the state variables are unchanged and no output is available.
 *
 * Ownership: the request owns its arena, states and dense copies of strided inputs; it borrows
 * input memory (request_set_input) and the plan (which must outlive it). Outputs and state
 * descriptors point into request-owned memory valid until the next infer/state call.
 * Threading: one thread at a time per request; requests of one plan may run concurrently.
 */
#ifndef GENRT_CPU_EXEC_REQUEST_H
#define GENRT_CPU_EXEC_REQUEST_H

#include "plan.h"

typedef struct cpu_request cpu_request;

grt_status cpu_request_create(cpu_plan *plan, cpu_request **out);
void cpu_request_destroy(cpu_request *rq); /* NULL is a no-op */

/* Errors: INVALID_ARGUMENT (index, strides/size), SHAPE (type or shape vs the parameter). */
grt_status cpu_request_set_input(cpu_request *rq, uint32_t index, const grt_tensor_desc *desc);
/* Errors: INVALID_ARGUMENT (index), BUSY (no completed infer). */
grt_status cpu_request_get_output(cpu_request *rq, uint32_t index, grt_tensor_desc *desc);
/* Errors: INVALID_ARGUMENT (unbound input), SHAPE, OUT_OF_MEMORY, kernel errors. */
grt_status cpu_request_infer(cpu_request *rq);

uint32_t cpu_request_state_count(const cpu_request *rq);
grt_status cpu_request_state_name(cpu_request *rq, uint32_t index, const char **name);
grt_status cpu_request_state_get(cpu_request *rq, uint32_t index, grt_tensor_desc *desc);
grt_status cpu_request_state_set(cpu_request *rq, uint32_t index, const grt_tensor_desc *desc);
grt_status cpu_request_state_reset(cpu_request *rq, uint32_t index);

/* Statistics for tests: malloc calls made by the arena so far. */
uint64_t cpu_request_arena_allocations(const cpu_request *rq);

/* Statistics for tests: storage of state variable `index` (see exec/state.h). */
typedef struct cpu_state_stats {
    int in_place;            /* the variable is an in-place KV append (cpu_variable.append) */
    const void *data;        /* current state buffer */
    int64_t rows_cap;        /* rows per [b, h] block (rank 4) */
    uint64_t moved_bytes;    /* bytes of old rows copied when the buffer grew, so far */
    uint64_t appended_bytes; /* bytes of new rows written by appends, so far */
    grt_element_type storage; /* element type rows are kept in (KV_CACHE_PRECISION for appends) */
    size_t value_bytes;       /* stored bytes of the current value (u8 parameters included) */
    size_t capacity_bytes;    /* bytes allocated for the value (spare rows included) */
} cpu_state_stats;
/* Errors: INVALID_ARGUMENT (index). */
grt_status cpu_request_state_stats(const cpu_request *rq, uint32_t index, cpu_state_stats *out);

#endif
