/*
 * ir/graph_view.c - immutable, reference-counted snapshots of a model (grt_graph_view) and the
 * host API accessors plugins use to read them (see graph_view.h and genrt/plugin.h).
 * A snapshot deep-copies the graph structure; constant blobs are shared by reference count.
 * Thread-safety: views are read-only; retain/release are atomic; accessors are thread-safe.
 * Accessors are defensive: a bad node id gives 0 / NULL / GRT_OP_UNKNOWN or INVALID_ARGUMENT.
 */
#include "ir/graph_view.h"

#include <stdlib.h>
#include <string.h>

#include "ir/graph.h"
#include "ir/opset.h"
#include "util/error.h"

grt_status grt_ir_snapshot(const grt_model *model, const grt_graph_view **out) {
    if (!model || !out) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "snapshot: NULL argument");
    *out = NULL;
    grt_status st = grt_ir_graph_validate(&model->g);
    if (st != GRT_OK) return st;
    struct grt_graph_view *v = calloc(1, sizeof *v);
    if (!v) return grt_error(GRT_ERROR_OUT_OF_MEMORY, "snapshot: out of memory");
    if ((st = grt_ir_graph_clone(&v->g, &model->g)) != GRT_OK) {
        free(v);
        return st;
    }
    atomic_init(&v->refs, 1u);
    *out = v;
    return GRT_OK;
}

void grt_ir_view_retain(const grt_graph_view *view) {
    if (view) atomic_fetch_add_explicit(&((struct grt_graph_view *)view)->refs, 1u, memory_order_relaxed);
}

void grt_ir_view_release(const grt_graph_view *view) {
    struct grt_graph_view *v = (struct grt_graph_view *)view;
    if (!v) return;
    if (atomic_fetch_sub_explicit(&v->refs, 1u, memory_order_acq_rel) != 1u) return;
    grt_ir_graph_free(&v->g);
    free(v);
}

size_t grt_ir_view_io_count(const grt_graph_view *view, int is_output) {
    if (!view) return 0;
    return is_output ? view->g.n_results : view->g.n_params;
}

grt_status grt_ir_view_io(const grt_graph_view *view, int is_output, size_t index, const char **name,
                          grt_element_type *type, grt_shape *shape) {
    if (!view) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "graph view: NULL");
    return grt_ir_graph_io(&view->g, is_output, index, name, type, shape);
}

/* --- host API slots ------------------------------------------------------------------------- */

static const grt_ir_node *node_of(const grt_graph_view *g, uint32_t node) {
    return (g && node < g->g.n_nodes) ? &g->g.nodes[node] : NULL;
}

static uint32_t h_node_count(const grt_graph_view *g) { return g ? g->g.n_nodes : 0; }
static uint32_t h_param_count(const grt_graph_view *g) { return g ? g->g.n_params : 0; }
static uint32_t h_result_count(const grt_graph_view *g) { return g ? g->g.n_results : 0; }

static uint32_t h_param_node(const grt_graph_view *g, uint32_t i) {
    return (g && i < g->g.n_params) ? g->g.params[i] : UINT32_MAX;
}

static uint32_t h_result_node(const grt_graph_view *g, uint32_t i) {
    return (g && i < g->g.n_results) ? g->g.results[i] : UINT32_MAX;
}

static grt_op_type h_node_op(const grt_graph_view *g, uint32_t node) {
    const grt_ir_node *n = node_of(g, node);
    return n ? n->op : GRT_OP_UNKNOWN;
}

static const char *h_node_name(const grt_graph_view *g, uint32_t node) {
    const grt_ir_node *n = node_of(g, node);
    return n ? n->name : NULL;
}

static uint32_t h_input_count(const grt_graph_view *g, uint32_t node) {
    const grt_ir_node *n = node_of(g, node);
    return n ? n->n_inputs : 0;
}

static uint32_t h_output_count(const grt_graph_view *g, uint32_t node) {
    const grt_ir_node *n = node_of(g, node);
    return n ? n->n_outputs : 0;
}

static grt_status bad_node(uint32_t node) {
    return grt_error(GRT_ERROR_INVALID_ARGUMENT, "graph view: node %u out of range", node);
}

static grt_status h_node_input(const grt_graph_view *g, uint32_t node, uint32_t index, grt_port *src) {
    const grt_ir_node *n = node_of(g, node);
    if (!n) return bad_node(node);
    if (index >= n->n_inputs || !src)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "node '%s': input %u out of range (%u)", n->name, index, n->n_inputs);
    *src = n->inputs[index];
    return GRT_OK;
}

static grt_status h_output_type(const grt_graph_view *g, uint32_t node, uint32_t port, grt_element_type *type,
                                grt_shape *shape) {
    const grt_ir_node *n = node_of(g, node);
    if (!n) return bad_node(node);
    if (port >= n->n_outputs)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "node '%s': output %u out of range (%u)", n->name, port, n->n_outputs);
    if (type) *type = n->outputs[port].type;
    if (shape) *shape = n->outputs[port].shape;
    return GRT_OK;
}

static grt_status h_node_attr(const grt_graph_view *g, uint32_t node, const char *name, grt_attr_value *out) {
    const grt_ir_node *n = node_of(g, node);
    if (!n) return bad_node(node);
    if (!name || !out) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "node '%s': NULL attribute argument", n->name);
    const grt_attr_value *v = grt_ir_node_attr(n, name);
    if (!v) return grt_error(GRT_ERROR_NOT_FOUND, "node '%s' (%s) has no attribute '%s'", n->name, grt_ir_op_name(n->op), name);
    *out = *v;
    return GRT_OK;
}

static grt_status h_const_data(const grt_graph_view *g, uint32_t node, const void **data, size_t *bytes) {
    const grt_ir_node *n = node_of(g, node);
    if (!n) return bad_node(node);
    if (!n->cst) return grt_error(GRT_ERROR_NOT_FOUND, "node '%s' is not a Constant", n->name);
    if (data) *data = n->cst->data;
    if (bytes) *bytes = n->cst->bytes;
    return GRT_OK;
}

static grt_status h_const_compression(const grt_graph_view *g, uint32_t node, grt_compression_info *out) {
    const grt_ir_node *n = node_of(g, node);
    if (!n) return bad_node(node);
    if (!n->cst) return grt_error(GRT_ERROR_NOT_FOUND, "node '%s' is not a Constant", n->name);
    if (!out || out->struct_size < sizeof(grt_compression_info))
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "node '%s': compression info struct_size too small", n->name);
    uint32_t size = out->struct_size;
    memcpy(out, &n->cst->comp, sizeof n->cst->comp);
    out->struct_size = size;
    return GRT_OK;
}

static grt_status h_infer_shapes(const grt_graph_view *g, uint32_t node, const grt_shape *in_shapes,
                                 grt_shape *out_shapes) {
    grt_element_type types[GRT_IR_MAX_OUTPUTS];
    grt_shape shapes[GRT_IR_MAX_OUTPUTS];
    uint32_t n_out = 0;
    if (!g) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "infer_shapes: NULL graph view");
    grt_status st = grt_ir_graph_infer_node(&g->g, node, in_shapes, types, shapes, &n_out);
    if (st != GRT_OK) return st;
    if (n_out && !out_shapes) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "infer_shapes: NULL output shapes");
    for (uint32_t i = 0; i < n_out; i++) out_shapes[i] = shapes[i];
    return GRT_OK;
}

void grt_ir_fill_host_api(grt_host_api *api) {
    if (!api) return;
    api->graph_retain = grt_ir_view_retain;
    api->graph_release = grt_ir_view_release;
    api->graph_node_count = h_node_count;
    api->graph_parameter_count = h_param_count;
    api->graph_parameter_node = h_param_node;
    api->graph_result_count = h_result_count;
    api->graph_result_node = h_result_node;
    api->node_op = h_node_op;
    api->node_name = h_node_name;
    api->node_input_count = h_input_count;
    api->node_input = h_node_input;
    api->node_output_count = h_output_count;
    api->node_output_type = h_output_type;
    api->node_attr = h_node_attr;
    api->const_data = h_const_data;
    api->const_compression = h_const_compression;
    api->infer_shapes = h_infer_shapes;
}
