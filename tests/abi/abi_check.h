/*
 * tests/abi/abi_check.h - shared declarations of genrt_abi_check, the plugin ABI conformance suite.
 *
 * genrt_abi_check is standalone: it uses only the plugin ABI headers (abi/genrt/ headers), never the
 * core, so a plugin author can run it on their own .so. It has its own mock host API over a tiny
 * in-memory graph (abi_mock_host.c), the check groups (abi_check_api.c, abi_check_graphs.c) and
 * the driver (abi_check.c) that runs each group in a child process and prints
 * "N tests and M errors".
 *
 * Ownership: everything here is process-global state of the checker (one plugin per process).
 * Threading: the counters and the mock host's error/reference counters are safe to touch from
 * plugin worker threads; the checks themselves run on one thread.
 */
#ifndef GENRT_ABI_CHECK_H
#define GENRT_ABI_CHECK_H

#include <genrt/plugin.h>

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define ABI_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define ABI_PRINTF(a, b)
#endif

/* --- results ------------------------------------------------------------------------------ */

/* Records one passed check and prints "ok   <what>". */
void abi_ok(const char *fmt, ...) ABI_PRINTF(1, 2);
/* Records one failed check and prints "FAIL: <what>". */
void abi_fail(const char *fmt, ...) ABI_PRINTF(1, 2);
/* Prints an informational line ("     <text>") that is not a check. */
void abi_note(const char *fmt, ...) ABI_PRINTF(1, 2);
/* abi_ok or abi_fail depending on cond; returns cond. The message names the check; on failure
 * the last mock-host error message (if any) is appended. */
int abi_expect(int cond, const char *fmt, ...) ABI_PRINTF(2, 3);
/* The counters of this process (a child reports them to the parent). */
void abi_counts(int *tests, int *errors);
const char *abi_status_name(grt_status st);

/* --- the plugin under test ---------------------------------------------------------------- */

typedef struct abi_plugin {
    void *dl;                  /* dlopen handle */
    grt_plugin_probe_fn probe; /* never NULL once loaded */
    grt_plugin_init_fn init;   /* never NULL once loaded */
    const grt_plugin_api *api; /* after a successful init */
    uint32_t device;           /* device index under test (--device) */
    int verbose;
} abi_plugin;

/* Reads slot `field` of the plugin table only if it lies inside api->struct_size; else NULL.
 * This is how a host must read a table from a plugin of an older minor. */
#define ABI_SLOT(api, field)                                                                       \
    ((api)->struct_size >= offsetof(grt_plugin_api, field) + sizeof((api)->field) ? (api)->field  \
                                                                                   : NULL)

/* Checks of the returned table, slots, devices and properties (abi_check_api.c). Return 0 when
 * the graph checks can run (device under test exists and mandatory slots are present). */
int abi_check_api(abi_plugin *p, const char *probe_name);
/* Graph checks (abi_check_graphs.c): query/compile/infer/errors/refcounts. */
void abi_check_graphs(abi_plugin *p);

/* --- mock host (abi_mock_host.c) ---------------------------------------------------------- */

/* A tiny immutable graph, built by the mock_graph_* helpers. Defined in abi_mock_host.c. */
typedef struct grt_graph_view mock_graph;

/* Host tables: v1.0 layout with abi_minor `minor`; for minor > GRT_ABI_MINOR the table is larger
 * (extra trap slots appended, as a future core would have). Static storage. */
const grt_host_api *mock_host_api(uint32_t major, uint32_t minor);

/* set_error bookkeeping: mock_error_reset() clears the count and message of this thread;
 * mock_error_count() is the number of set_error calls since, mock_error_message() the last one. */
void mock_error_reset(void);
int mock_error_count(void);
const char *mock_error_message(void);
/* Number of log calls so far (any thread). */
int mock_log_count(void);
/* Number of calls of the trap slots appended to a future host table (a plugin must not call slots
 * beyond the minor it negotiated). */
int mock_trap_count(void);

/* Builds a graph (refcount 1, owned by the caller). Nodes are added in topological order; each
 * adder returns the node id. Shapes: rank + dims (GRT_DYNAMIC allowed). */
mock_graph *mock_graph_create(const char *name);
uint32_t mock_graph_parameter(mock_graph *g, const char *name, grt_element_type type,
                              uint32_t rank, const int64_t *dims);
/* An op with n_in inputs (output ports 0 of the given nodes) and one output of type/shape. */
uint32_t mock_graph_op(mock_graph *g, grt_op_type op, const char *name, uint32_t n_in,
                       const uint32_t *inputs, grt_element_type type, uint32_t rank,
                       const int64_t *dims);
uint32_t mock_graph_result(mock_graph *g, const char *name, uint32_t input);
uint32_t mock_graph_node_count(const mock_graph *g);
const char *mock_graph_name(const mock_graph *g);
/* Marks the graph as "inside a slot call that received it" (accessors allowed without a retain)
 * or not. Accessor calls while the graph is neither in a call nor retained are counted. */
void mock_graph_enter(mock_graph *g);
void mock_graph_leave(mock_graph *g);
/* Reference bookkeeping: current count (1 = only the checker's own reference), retains and
 * releases made by the plugin, accessor calls on a graph the plugin did not hold, calls with an
 * out-of-range node/port/index, and releases past zero. */
typedef struct mock_graph_stats {
    int refs, retains, releases, stale_accesses, bad_indices, over_releases;
} mock_graph_stats;
void mock_graph_stats_get(const mock_graph *g, mock_graph_stats *out);
/* Drops the checker's reference; frees the graph when the plugin holds none. If the plugin still
 * holds references the graph is leaked on purpose (the plugin may still read it). */
void mock_graph_destroy(mock_graph *g);

#endif
