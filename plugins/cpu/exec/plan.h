/*
 * exec/plan.h - the CPU plugin's compiled model: an execution plan built once from a graph view.
 *
 * At compile time the plan walks the nodes in their topological order, gives every node output a
 * value id, classifies values (computed into the arena, bound input, constant, state view),
 * resolves a kernel for every compute node (NOT_SUPPORTED naming the node and op otherwise),
 * collects the state variables (ReadValue/Assign pairs by variable_id) and computes liveness:
 * after which node each arena value can be released. Infer requests (exec/request.h) run it.
 *
 * Constants are not copied: the plan retains the graph view and points at host->const_data.
 * The plan also owns the execution streams of the compiled model (threads/streams.h: NUM_STREAMS
 * pools on disjoint CPUs, INFERENCE_NUM_THREADS threads in all).
 *
 * Ownership: created by cpu_plan_create, destroyed by cpu_plan_destroy after all its requests.
 * Threading: immutable after creation except the streams; any number of requests may use a plan
 * at once. Each request is given a stream round-robin at creation; requests on different streams
 * run in parallel, parallel regions of requests on one stream serialise on its pool's dispatch
 * mutex (threads/pool.h), everything else runs concurrently on the requests' threads.
 */
#ifndef GENRT_CPU_EXEC_PLAN_H
#define GENRT_CPU_EXEC_PLAN_H

#include <genrt/plugin.h>

#include "../kernels/kernel.h"
#include "../properties.h"
#include "../threads/streams.h"
#include "util.h"

#define CPU_NO_USE UINT32_MAX

typedef enum cpu_value_kind {
    CPU_VAL_ARENA = 0, /* computed by a kernel into an arena buffer */
    CPU_VAL_INPUT = 1, /* a Parameter: the bound input (borrowed or a dense copy) */
    CPU_VAL_CONST = 2, /* a Constant: graph memory, zero copy */
    CPU_VAL_STATE = 3  /* a ReadValue, or the Concat of an in-place KV append: view of the state
                        * buffer (not arena memory) */
} cpu_value_kind;

typedef struct cpu_value_info {
    grt_element_type type;
    grt_shape pshape;  /* partial shape from the graph */
    uint32_t producer; /* node id */
    uint8_t kind;      /* cpu_value_kind */
    uint8_t keep;      /* feeds a Result or an Assign: lives until the end of the infer */
    uint16_t n_keep_uses; /* Result + Assign consumers */
    uint32_t last_use; /* last consuming node, CPU_NO_USE if none */
} cpu_value_info;

typedef struct cpu_node_plan {
    grt_op_type op;
    cpu_kernel_fn fn; /* compute nodes only */
    const char *name; /* borrowed from the graph view */
    uint32_t n_in, n_out;
    uint32_t in_first;  /* inputs: plan->in_vals[in_first .. in_first + n_in) */
    uint32_t out_first; /* outputs: value ids out_first .. out_first + n_out - 1 */
    uint32_t rel_first, n_rel; /* arena values dead after this node: plan->rel_vals[...] */
    int32_t var;   /* ReadValue/Assign, and the Concat of an append variable: variable index,
                    * else -1 */
    int32_t param; /* Parameter: input index, else -1 */
} cpu_node_plan;

/* A state variable: one per distinct variable_id. */
typedef struct cpu_variable {
    const char *id;        /* borrowed from the graph view */
    grt_element_type type;
    grt_shape shape;       /* declared `shape` attribute (may hold -1) */
    uint32_t read_node;    /* the (first) ReadValue */
    int64_t init_val;      /* value id of the ReadValue's init input, -1 if none */
    int64_t init_const;    /* node id of the init input if it is a Constant, else -1 */
    uint32_t assign_node;
    uint32_t assign_val;   /* value id the Assign takes */
    int adopt;             /* 1: assign_val's arena buffer can be adopted without a copy */
    /* In-place KV cache append (issue 3): the variable is [B, H, S, D] (rank 4) and its Assign
     * takes Concat(ReadValue, new) along axis 2, the ReadValue's only consumer is that Concat and
     * the Concat feeds only kernels and that Assign (no Result, other Assign or ReadValue). The state then keeps spare capacity along axis 2 (layout
     * [B, H, cap, D], exec/state.h), the Concat only writes the new rows and its output is a
     * strided view of the state buffer (SDPA k/v read it in place; other consumers get a dense
     * copy), and the Assign is a no-op apart from taking the new length. */
    int append;
    uint32_t concat_node;  /* the Concat node (append only) */
} cpu_variable;

typedef struct cpu_plan {
    const grt_host_api *host;
    const grt_graph_view *g; /* retained */
    cpu_config cfg;
    cpu_streams *streams; /* NULL = serial */

    uint32_t n_nodes, n_values;
    cpu_node_plan *nodes;
    cpu_value_info *values;
    uint32_t *in_vals;
    uint32_t *rel_vals;
    cpu_tensor *consts;          /* per value: filled for CPU_VAL_CONST */
    grt_compression_info *comps; /* per value: compression of CPU_VAL_CONST values */

    uint32_t n_params;
    uint32_t *param_vals; /* value id of each input */
    uint32_t n_results;
    uint32_t *result_vals; /* value id feeding each output */
    uint32_t n_vars;
    cpu_variable *vars;
    uint32_t max_in, max_out; /* largest n_in / n_out of any node */
    void **folded;            /* exec/fold.h: data of the Constants folded at compile time */
    uint32_t n_folded;
} cpu_plan;

/* Builds the plan of g with configuration cfg (copied). Errors: NOT_SUPPORTED (an op or type
 * the CPU cannot run: the message names the node), SHAPE/INVALID_ARGUMENT (malformed graph or
 * state variables), OUT_OF_MEMORY. Messages go through host->set_error. */
grt_status cpu_plan_create(const grt_host_api *host, const grt_graph_view *g,
                           const cpu_config *cfg, cpu_plan **out);
void cpu_plan_destroy(cpu_plan *plan); /* NULL is a no-op */

/* query_model: supported[node] = 1 for every node the CPU can run. */
grt_status cpu_plan_query(const grt_host_api *host, const grt_graph_view *g, uint8_t *supported);

/* Sets an error "node 'NAME' (OP): <formatted>" through host->set_error; returns status. */
grt_status cpu_plan_node_error(const cpu_plan *plan, uint32_t node, grt_status status,
                               const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

#endif
