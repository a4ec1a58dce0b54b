/*
 * ir/graph.h - the internal graph of a model (core-private; plugins see it only through
 * graph_view.h accessors).
 *
 * A graph is an array of nodes in topological order (every input of node i is an output of a
 * node j < i). Each node has an op type, a name, producer ports, up to GRT_IR_MAX_OUTPUTS typed
 * outputs (shapes may hold GRT_DYNAMIC), normalized attributes (every attribute of the op's spec is
 * present after a successful add: defaults are filled in) and, for a Constant, a reference into a
 * shared weight blob (see weights.h) plus optional compression.
 * Parameters and Results are kept in node order; their names are unique among inputs / outputs.
 *
 * Ownership: a graph owns its nodes, names, attribute copies and one blob reference per constant.
 * Every add function validates first and changes nothing on failure.
 * Thread-safety: none (the owner serialises modifications; concurrent reads are fine).
 */
#ifndef GENRT_IR_GRAPH_H
#define GENRT_IR_GRAPH_H

#include <stdatomic.h>
#include <genrt/model.h>
#include <genrt/plugin.h>

#include "ir/metadata.h"
#include "ir/weights.h"

#define GRT_IR_MAX_OUTPUTS 2

typedef struct grt_ir_attr {
    char *name;           /* owned */
    grt_attr_value value; /* strings and arrays owned */
} grt_ir_attr;

typedef struct grt_ir_value_info {
    grt_element_type type;
    grt_shape shape;
} grt_ir_value_info;

typedef struct grt_ir_const {
    grt_ir_blob *blob;         /* one reference held by the node */
    const void *data;          /* into blob; GRT_IR_ALIGN-aligned */
    size_t bytes;
    grt_compression_info comp; /* kind GRT_COMPRESSION_NONE if plain; pointers into blob */
} grt_ir_const;

typedef struct grt_ir_node {
    grt_op_type op;
    char *name; /* owned, never NULL */
    uint32_t n_inputs;
    grt_port *inputs; /* owned */
    uint32_t n_outputs;
    grt_ir_value_info outputs[GRT_IR_MAX_OUTPUTS];
    uint32_t n_attrs;
    grt_ir_attr *attrs; /* owned */
    grt_ir_const *cst;  /* Constant only, owned */
} grt_ir_node;

typedef struct grt_ir_graph {
    char *name; /* owned, never NULL once initialised */
    grt_ir_node *nodes;
    uint32_t n_nodes, cap_nodes;
    uint32_t *params; /* node ids of Parameters, in order */
    uint32_t n_params, cap_params;
    uint32_t *results; /* node ids of Results, in order */
    uint32_t n_results, cap_results;
} grt_ir_graph;

struct grt_model {
    grt_ir_graph g;
    grt_ir_meta meta; /* metadata table (all-zero = empty); not part of snapshots */
};

struct grt_graph_view {
    atomic_uint refs;
    grt_ir_graph g;
};

/* Initialises an empty graph named `name` (NULL -> "model"). Errors: OUT_OF_MEMORY. */
grt_status grt_ir_graph_init(grt_ir_graph *g, const char *name);
void grt_ir_graph_free(grt_ir_graph *g);
/* Deep copy of the structure; constant blobs are shared (retained), never copied. */
grt_status grt_ir_graph_clone(grt_ir_graph *dst, const grt_ir_graph *src);

grt_status grt_ir_graph_add_parameter(grt_ir_graph *g, const char *name, grt_element_type type,
                                      size_t rank, const int64_t *dims, grt_port *out);
/* A constant whose data (and compression scales/zero points) live in `blob`, which the node
 * retains. comp may be NULL (plain). Validates that data/scales/zero points lie inside the blob,
 * are GRT_IR_ALIGN-aligned and that their sizes match the types and shapes. */
grt_status grt_ir_graph_add_constant(grt_ir_graph *g, const char *name, grt_element_type type,
                                     size_t rank, const int64_t *dims, grt_ir_blob *blob,
                                     const void *data, size_t bytes,
                                     const grt_compression_info *comp, grt_port *out);
/* Any op but Parameter/Constant/Result: validates inputs and attributes (copied, normalized)
 * and runs shape inference. Errors: INVALID_ARGUMENT, SHAPE, OUT_OF_MEMORY. */
grt_status grt_ir_graph_add_node(grt_ir_graph *g, grt_op_type op, const char *name,
                                 size_t n_inputs, const grt_port *inputs, size_t n_attrs,
                                 const grt_attribute *attrs, uint32_t *out_node);
grt_status grt_ir_graph_add_result(grt_ir_graph *g, const char *name, grt_port value,
                                   uint32_t *out_node);

/* Type and shape of an output port. Errors: INVALID_ARGUMENT (bad port). */
grt_status grt_ir_graph_port_info(const grt_ir_graph *g, grt_port port, grt_element_type *type,
                                  grt_shape *shape);
/* Element type and shape of model input/output `index` (a Result reports its producer's). */
grt_status grt_ir_graph_io(const grt_ir_graph *g, int is_output, size_t index, const char **name,
                           grt_element_type *type, grt_shape *shape);
/* Re-runs shape inference over every op node in order (after Parameter shapes changed) and
 * checks complete ReadValue/Assign pairs (grt_ir_graph_check_state_shapes).
 * On failure the node outputs are unchanged. Errors: SHAPE, OUT_OF_MEMORY. */
grt_status grt_ir_graph_reinfer(grt_ir_graph *g);
/* Shape inference of node `node` for the given input shapes (node_input_count entries; types
 * come from the producers): writes up to GRT_IR_MAX_OUTPUTS types/shapes and their count.
 * Parameter/Constant report their own output. Errors: INVALID_ARGUMENT (node), SHAPE. */
grt_status grt_ir_graph_infer_node(const grt_ir_graph *g, uint32_t node, const grt_shape *in_shapes,
                                   grt_element_type *out_types, grt_shape *out_shapes,
                                   uint32_t *n_out);
/* Whole-model checks: at least one Result; ReadValue variable ids unique, each with exactly one
 * Assign of the same id, matching element type and compatible shape. Errors: SHAPE. */
grt_status grt_ir_graph_validate(const grt_ir_graph *g);

/* The type/shape part of grt_ir_graph_validate for every complete ReadValue/Assign pair (used
 * after reshape; incomplete pairs of a model under construction are not errors). Errors: SHAPE. */
grt_status grt_ir_graph_check_state_shapes(const grt_ir_graph *g);

/* Attribute of a node by name; NULL if absent. Borrowed (lives as long as the node). */
const grt_attr_value *grt_ir_node_attr(const grt_ir_node *node, const char *name);

/* Element count of a fully static shape; 0 with *ok = 0 if a dim is dynamic/negative or the
 * product overflows int64. */
int64_t grt_ir_shape_numel(const grt_shape *s, int *ok);

#endif
