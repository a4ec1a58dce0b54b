/*
 * tests/abi/abi_mock_host.c - the mock host API of genrt_abi_check: a tiny in-memory graph with
 * the graph-view accessors, set_error/log recorders and reference counting that detects a plugin
 * reading a graph it did not retain.
 *
 * Independent of the GenRT core on purpose: a plugin must work with any host that honours
 * abi/genrt/plugin.h, so the checker implements the host side itself.
 * Ownership: graphs belong to the checker (mock_graph_destroy) plus one reference per plugin
 * retain. Threading: every accessor and counter may be used from plugin worker threads (atomics);
 * the set_error message is per thread, like the real host's.
 */
#include "abi_check.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MOCK_MAX_NODES 16
#define MOCK_MAX_IO 4
#define MOCK_NAME_LEN 32
#define MOCK_GRAPH_MAGIC 0x4d4f434bu /* "MOCK" */

typedef struct mock_node {
    grt_op_type op;
    char name[MOCK_NAME_LEN];
    uint32_t n_in;
    uint32_t in[2];   /* producer node ids (port 0) */
    uint32_t n_out;   /* 0 for Result, else 1 */
    grt_element_type type;
    grt_shape shape;
} mock_node;

struct grt_graph_view {
    uint32_t magic;
    char name[MOCK_NAME_LEN];
    uint32_t n_nodes;
    mock_node nodes[MOCK_MAX_NODES];
    uint32_t n_params, params[MOCK_MAX_IO];
    uint32_t n_results, results[MOCK_MAX_IO];
    _Atomic int refs;
    _Atomic int in_call;
    _Atomic int retains, releases, stale, bad, over;
};

/* --- error / log recorders ---------------------------------------------------------------- */

static _Thread_local char t_message[512];
static _Thread_local int t_error_calls;
static _Atomic int g_log_calls;
static _Atomic int g_trap_calls;

static grt_status host_set_error(grt_status status, const char *message) {
    snprintf(t_message, sizeof t_message, "%s", message ? message : "(null message)");
    t_error_calls++;
    return status;
}

static void host_log(grt_log_level level, const char *plugin, const char *message) {
    (void)level;
    (void)plugin;
    (void)message;
    atomic_fetch_add(&g_log_calls, 1);
}

void mock_error_reset(void) {
    t_message[0] = '\0';
    t_error_calls = 0;
}
int mock_error_count(void) { return t_error_calls; }
const char *mock_error_message(void) { return t_message; }
int mock_log_count(void) { return atomic_load(&g_log_calls); }
int mock_trap_count(void) { return atomic_load(&g_trap_calls); }

/* --- graph access ------------------------------------------------------------------------- */

/* Validates g for an accessor call: counts accesses to a graph the plugin does not hold. */
static int usable(const grt_graph_view *cg) {
    grt_graph_view *g = (grt_graph_view *)cg;
    if (!g || g->magic != MOCK_GRAPH_MAGIC)
        return 0;
    if (!atomic_load(&g->in_call) && atomic_load(&g->refs) <= 1)
        atomic_fetch_add(&g->stale, 1);
    return 1;
}

static const mock_node *node_at(const grt_graph_view *cg, uint32_t node) {
    grt_graph_view *g = (grt_graph_view *)cg;
    if (!usable(cg))
        return NULL;
    if (node >= g->n_nodes) {
        atomic_fetch_add(&g->bad, 1);
        return NULL;
    }
    return &g->nodes[node];
}

static void bad_index(const grt_graph_view *cg) {
    atomic_fetch_add(&((grt_graph_view *)cg)->bad, 1);
}

static void graph_retain(const grt_graph_view *cg) {
    grt_graph_view *g = (grt_graph_view *)cg;
    if (!g || g->magic != MOCK_GRAPH_MAGIC)
        return;
    atomic_fetch_add(&g->refs, 1);
    atomic_fetch_add(&g->retains, 1);
}

static void graph_release(const grt_graph_view *cg) {
    grt_graph_view *g = (grt_graph_view *)cg;
    if (!g || g->magic != MOCK_GRAPH_MAGIC)
        return;
    atomic_fetch_add(&g->releases, 1);
    /* The checker's own reference is never dropped by a plugin release. */
    if (atomic_fetch_sub(&g->refs, 1) <= 1) {
        atomic_fetch_add(&g->refs, 1);
        atomic_fetch_add(&g->over, 1);
    }
}

static uint32_t graph_node_count(const grt_graph_view *g) {
    return usable(g) ? g->n_nodes : 0;
}

static uint32_t graph_parameter_count(const grt_graph_view *g) {
    return usable(g) ? g->n_params : 0;
}

static uint32_t graph_parameter_node(const grt_graph_view *g, uint32_t index) {
    if (!usable(g))
        return 0;
    if (index >= g->n_params) {
        bad_index(g);
        return 0;
    }
    return g->params[index];
}

static uint32_t graph_result_count(const grt_graph_view *g) {
    return usable(g) ? g->n_results : 0;
}

static uint32_t graph_result_node(const grt_graph_view *g, uint32_t index) {
    if (!usable(g))
        return 0;
    if (index >= g->n_results) {
        bad_index(g);
        return 0;
    }
    return g->results[index];
}

static grt_op_type node_op(const grt_graph_view *g, uint32_t node) {
    const mock_node *n = node_at(g, node);
    return n ? n->op : GRT_OP_UNKNOWN;
}

static const char *node_name(const grt_graph_view *g, uint32_t node) {
    const mock_node *n = node_at(g, node);
    return n ? n->name : "";
}

static uint32_t node_input_count(const grt_graph_view *g, uint32_t node) {
    const mock_node *n = node_at(g, node);
    return n ? n->n_in : 0;
}

static grt_status node_input(const grt_graph_view *g, uint32_t node, uint32_t index,
                             grt_port *src) {
    const mock_node *n = node_at(g, node);
    if (!n || !src || index >= n->n_in) {
        if (n)
            bad_index(g);
        return host_set_error(GRT_ERROR_INVALID_ARGUMENT, "mock host: node_input out of range");
    }
    src->node = n->in[index];
    src->port = 0;
    return GRT_OK;
}

static uint32_t node_output_count(const grt_graph_view *g, uint32_t node) {
    const mock_node *n = node_at(g, node);
    return n ? n->n_out : 0;
}

static grt_status node_output_type(const grt_graph_view *g, uint32_t node, uint32_t port,
                                   grt_element_type *type, grt_shape *shape) {
    const mock_node *n = node_at(g, node);
    if (!n || port >= n->n_out) {
        if (n)
            bad_index(g);
        return host_set_error(GRT_ERROR_INVALID_ARGUMENT, "mock host: node_output_type range");
    }
    if (type)
        *type = n->type;
    if (shape)
        *shape = n->shape;
    return GRT_OK;
}

static grt_status node_attr(const grt_graph_view *g, uint32_t node, const char *name,
                            grt_attr_value *out) {
    const mock_node *n = node_at(g, node);
    if (!n)
        return host_set_error(GRT_ERROR_INVALID_ARGUMENT, "mock host: node_attr: bad node");
    (void)out;
    /* The checker's graphs use only ops without attributes (all defaults). */
    return host_set_error(GRT_ERROR_NOT_FOUND, name ? "mock host: no such attribute"
                                                    : "mock host: NULL attribute name");
}

static grt_status const_data(const grt_graph_view *g, uint32_t node, const void **data,
                             size_t *bytes) {
    const mock_node *n = node_at(g, node);
    (void)data;
    (void)bytes;
    if (!n)
        return host_set_error(GRT_ERROR_INVALID_ARGUMENT, "mock host: const_data: bad node");
    return host_set_error(GRT_ERROR_NOT_FOUND, "mock host: const_data: node is not a Constant");
}

static grt_status const_compression(const grt_graph_view *g, uint32_t node,
                                    grt_compression_info *out) {
    const mock_node *n = node_at(g, node);
    (void)out;
    if (!n)
        return host_set_error(GRT_ERROR_INVALID_ARGUMENT, "mock host: const_compression: node");
    return host_set_error(GRT_ERROR_NOT_FOUND, "mock host: const_compression: not a Constant");
}

/* Numpy broadcasting of two shapes (dynamic against 1 stays dynamic). */
static grt_status broadcast(const grt_shape *a, const grt_shape *b, grt_shape *out) {
    uint32_t rank = a->rank > b->rank ? a->rank : b->rank;
    memset(out, 0, sizeof *out);
    out->rank = rank;
    for (uint32_t i = 0; i < rank; i++) {
        int64_t da = i < rank - a->rank ? 1 : a->dims[i - (rank - a->rank)];
        int64_t db = i < rank - b->rank ? 1 : b->dims[i - (rank - b->rank)];
        if (da == db || db == 1)
            out->dims[i] = da;
        else if (da == 1)
            out->dims[i] = db;
        else if (da == GRT_DYNAMIC || db == GRT_DYNAMIC)
            out->dims[i] = da == GRT_DYNAMIC ? db : da;
        else
            return host_set_error(GRT_ERROR_SHAPE, "mock host: shapes do not broadcast");
    }
    return GRT_OK;
}

static grt_status infer_shapes(const grt_graph_view *g, uint32_t node, const grt_shape *in_shapes,
                               grt_shape *out_shapes) {
    const mock_node *n = node_at(g, node);
    if (!n || (!in_shapes && n->n_in) || (!out_shapes && n->n_out))
        return host_set_error(GRT_ERROR_INVALID_ARGUMENT, "mock host: infer_shapes arguments");
    switch (n->op) {
    case GRT_OP_PARAMETER: out_shapes[0] = n->shape; return GRT_OK;
    case GRT_OP_RESULT: return GRT_OK;
    case GRT_OP_RELU: out_shapes[0] = in_shapes[0]; return GRT_OK;
    case GRT_OP_ADD: return broadcast(&in_shapes[0], &in_shapes[1], &out_shapes[0]);
    default:
        return host_set_error(GRT_ERROR_NOT_SUPPORTED, "mock host: infer_shapes: unknown op");
    }
}

/* --- host tables ------------------------------------------------------------------------- */

static void trap_slot(void) { atomic_fetch_add(&g_trap_calls, 1); }

typedef struct future_host_api {
    grt_host_api v1;
    void (*future[8])(void); /* slots of a hypothetical later minor */
} future_host_api;

static void fill_host(grt_host_api *h, uint32_t size, uint32_t major, uint32_t minor) {
    memset(h, 0, sizeof *h);
    h->struct_size = size;
    h->abi_major = major;
    h->abi_minor = minor;
    h->set_error = host_set_error;
    h->log = host_log;
    h->graph_retain = graph_retain;
    h->graph_release = graph_release;
    h->graph_node_count = graph_node_count;
    h->graph_parameter_count = graph_parameter_count;
    h->graph_parameter_node = graph_parameter_node;
    h->graph_result_count = graph_result_count;
    h->graph_result_node = graph_result_node;
    h->node_op = node_op;
    h->node_name = node_name;
    h->node_input_count = node_input_count;
    h->node_input = node_input;
    h->node_output_count = node_output_count;
    h->node_output_type = node_output_type;
    h->node_attr = node_attr;
    h->const_data = const_data;
    h->const_compression = const_compression;
    h->infer_shapes = infer_shapes;
}

const grt_host_api *mock_host_api(uint32_t major, uint32_t minor) {
    static grt_host_api current;
    static future_host_api future;
    if (minor <= GRT_ABI_MINOR) {
        fill_host(&current, (uint32_t)sizeof current, major, minor);
        return &current;
    }
    fill_host(&future.v1, (uint32_t)sizeof future, major, minor);
    for (size_t i = 0; i < sizeof future.future / sizeof future.future[0]; i++)
        future.future[i] = trap_slot;
    return &future.v1;
}

/* --- graph builder ------------------------------------------------------------------------ */

mock_graph *mock_graph_create(const char *name) {
    grt_graph_view *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->magic = MOCK_GRAPH_MAGIC;
    snprintf(g->name, sizeof g->name, "%s", name);
    atomic_init(&g->refs, 1);
    return g;
}

static uint32_t add_node(mock_graph *g, grt_op_type op, const char *name, uint32_t n_in,
                         const uint32_t *inputs, uint32_t n_out, grt_element_type type,
                         uint32_t rank, const int64_t *dims) {
    mock_node *n;
    if (g->n_nodes >= MOCK_MAX_NODES || n_in > 2 || rank > GRT_MAX_RANK)
        return UINT32_MAX; /* checker bug; the graphs are fixed and small */
    n = &g->nodes[g->n_nodes];
    n->op = op;
    snprintf(n->name, sizeof n->name, "%s", name);
    n->n_in = n_in;
    for (uint32_t i = 0; i < n_in; i++)
        n->in[i] = inputs[i];
    n->n_out = n_out;
    n->type = type;
    n->shape.rank = rank;
    for (uint32_t i = 0; i < rank; i++)
        n->shape.dims[i] = dims[i];
    return g->n_nodes++;
}

uint32_t mock_graph_parameter(mock_graph *g, const char *name, grt_element_type type,
                              uint32_t rank, const int64_t *dims) {
    uint32_t id = add_node(g, GRT_OP_PARAMETER, name, 0, NULL, 1, type, rank, dims);
    if (id != UINT32_MAX && g->n_params < MOCK_MAX_IO)
        g->params[g->n_params++] = id;
    return id;
}

uint32_t mock_graph_op(mock_graph *g, grt_op_type op, const char *name, uint32_t n_in,
                       const uint32_t *inputs, grt_element_type type, uint32_t rank,
                       const int64_t *dims) {
    return add_node(g, op, name, n_in, inputs, 1, type, rank, dims);
}

uint32_t mock_graph_result(mock_graph *g, const char *name, uint32_t input) {
    uint32_t id = add_node(g, GRT_OP_RESULT, name, 1, &input, 0, GRT_UNDEFINED, 0, NULL);
    if (id != UINT32_MAX && g->n_results < MOCK_MAX_IO)
        g->results[g->n_results++] = id;
    return id;
}

uint32_t mock_graph_node_count(const mock_graph *g) { return g->n_nodes; }
const char *mock_graph_name(const mock_graph *g) { return g->name; }
void mock_graph_enter(mock_graph *g) { atomic_store(&g->in_call, 1); }
void mock_graph_leave(mock_graph *g) { atomic_store(&g->in_call, 0); }

void mock_graph_stats_get(const mock_graph *cg, mock_graph_stats *out) {
    grt_graph_view *g = (grt_graph_view *)cg;
    out->refs = atomic_load(&g->refs);
    out->retains = atomic_load(&g->retains);
    out->releases = atomic_load(&g->releases);
    out->stale_accesses = atomic_load(&g->stale);
    out->bad_indices = atomic_load(&g->bad);
    out->over_releases = atomic_load(&g->over);
}

void mock_graph_destroy(mock_graph *g) {
    if (!g)
        return;
    if (atomic_fetch_sub(&g->refs, 1) == 1) {
        g->magic = 0;
        free(g);
    }
}
