/*
 * ir/graph.c - node storage of the internal graph: init/free/clone, the validated add functions
 * (Parameter, Constant, op nodes, Result), port queries and whole-graph re-inference.
 * Ownership and threading: see graph.h (no locking; callers serialise modifications).
 */
#include "ir/graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/opset.h"
#include "util/error.h"

#define OOM(what) grt_error(GRT_ERROR_OUT_OF_MEMORY, "%s: out of memory", what)

grt_status grt_ir_graph_init(grt_ir_graph *g, const char *name) {
    memset(g, 0, sizeof *g);
    g->name = strdup(name ? name : "model");
    return g->name ? GRT_OK : OOM("model");
}

static void node_free(grt_ir_node *n) {
    free(n->name);
    free(n->inputs);
    grt_ir_attrs_free(n->attrs, n->n_attrs);
    if (n->cst) {
        grt_ir_blob_release(n->cst->blob);
        free(n->cst);
    }
    memset(n, 0, sizeof *n);
}

void grt_ir_graph_free(grt_ir_graph *g) {
    if (!g) return;
    for (uint32_t i = 0; i < g->n_nodes; i++) node_free(&g->nodes[i]);
    free(g->nodes);
    free(g->params);
    free(g->results);
    free(g->name);
    memset(g, 0, sizeof *g);
}

/* Ensures room for one more element in *arr (capacity *cap). Returns 0 on OOM/overflow. */
static int grow(void **arr, uint32_t *cap, uint32_t count, size_t elem) {
    if (count < *cap) return 1;
    if (count >= UINT32_MAX / 2) return 0;
    uint32_t nc = *cap ? *cap * 2 : 16;
    void *p = realloc(*arr, (size_t)nc * elem);
    if (!p) return 0;
    *arr = p;
    *cap = nc;
    return 1;
}

static grt_status node_copy(grt_ir_node *d, const grt_ir_node *s) {
    memset(d, 0, sizeof *d);
    d->op = s->op;
    d->n_outputs = s->n_outputs;
    memcpy(d->outputs, s->outputs, sizeof d->outputs);
    d->name = strdup(s->name);
    if (!d->name) goto oom;
    if (s->n_inputs) {
        d->inputs = malloc(s->n_inputs * sizeof *d->inputs);
        if (!d->inputs) goto oom;
        memcpy(d->inputs, s->inputs, s->n_inputs * sizeof *d->inputs);
        d->n_inputs = s->n_inputs;
    }
    if (grt_ir_attrs_copy(s->attrs, s->n_attrs, &d->attrs) != GRT_OK) goto oom;
    d->n_attrs = s->n_attrs;
    if (s->cst) {
        d->cst = malloc(sizeof *d->cst);
        if (!d->cst) goto oom;
        *d->cst = *s->cst;
        grt_ir_blob_retain(d->cst->blob);
    }
    return GRT_OK;
oom:
    node_free(d);
    return OOM("graph copy");
}

grt_status grt_ir_graph_clone(grt_ir_graph *dst, const grt_ir_graph *src) {
    grt_status st = grt_ir_graph_init(dst, src->name);
    if (st != GRT_OK) return st;
    if (src->n_nodes) {
        dst->nodes = calloc(src->n_nodes, sizeof *dst->nodes);
        if (!dst->nodes) goto oom;
        dst->cap_nodes = src->n_nodes;
        for (uint32_t i = 0; i < src->n_nodes; i++) {
            if ((st = node_copy(&dst->nodes[i], &src->nodes[i])) != GRT_OK) goto fail;
            dst->n_nodes = i + 1;
        }
    }
    if (src->n_params) {
        dst->params = malloc(src->n_params * sizeof *dst->params);
        if (!dst->params) goto oom;
        memcpy(dst->params, src->params, src->n_params * sizeof *dst->params);
        dst->n_params = dst->cap_params = src->n_params;
    }
    if (src->n_results) {
        dst->results = malloc(src->n_results * sizeof *dst->results);
        if (!dst->results) goto oom;
        memcpy(dst->results, src->results, src->n_results * sizeof *dst->results);
        dst->n_results = dst->cap_results = src->n_results;
    }
    return GRT_OK;
oom:
    st = OOM("graph copy");
fail:
    grt_ir_graph_free(dst);
    return st;
}

int64_t grt_ir_shape_numel(const grt_shape *s, int *ok) {
    int64_t n = 1;
    *ok = 0;
    if (s->rank > GRT_MAX_RANK) return 0;
    for (uint32_t i = 0; i < s->rank; i++) {
        int64_t d = s->dims[i];
        if (d < 0) return 0;
        if (d != 0 && n > INT64_MAX / d) return 0;
        n *= d;
    }
    *ok = 1;
    return n;
}

const grt_attr_value *grt_ir_node_attr(const grt_ir_node *node, const char *name) {
    for (uint32_t i = 0; i < node->n_attrs; i++)
        if (!strcmp(node->attrs[i].name, name)) return &node->attrs[i].value;
    return NULL;
}

grt_status grt_ir_graph_port_info(const grt_ir_graph *g, grt_port port, grt_element_type *type,
                                  grt_shape *shape) {
    if (port.node >= g->n_nodes || port.port >= g->nodes[port.node].n_outputs)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "port {%u, %u} does not exist", port.node, port.port);
    const grt_ir_value_info *v = &g->nodes[port.node].outputs[port.port];
    if (type) *type = v->type;
    if (shape) *shape = v->shape;
    return GRT_OK;
}

grt_status grt_ir_graph_io(const grt_ir_graph *g, int is_output, size_t index, const char **name,
                           grt_element_type *type, grt_shape *shape) {
    size_t count = is_output ? g->n_results : g->n_params;
    if (index >= count)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "%s index %zu out of range (%zu)", is_output ? "output" : "input",
                         index, count);
    const grt_ir_node *n = &g->nodes[is_output ? g->results[index] : g->params[index]];
    if (name) *name = n->name;
    if (is_output) return grt_ir_graph_port_info(g, n->inputs[0], type, shape);
    if (type) *type = n->outputs[0].type;
    if (shape) *shape = n->outputs[0].shape;
    return GRT_OK;
}

/* Checks type/rank/dims of a builder-provided tensor type. allow_dynamic: Parameter. */
static grt_status check_type_shape(const char *what, const char *name, grt_element_type type, size_t rank,
                                   const int64_t *dims, int allow_dynamic, grt_shape *out) {
    if ((unsigned)type == 0 || (unsigned)type >= GRT_ELEMENT_TYPE_COUNT_V1)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "%s '%s': bad element type %d", what, name, (int)type);
    if (rank > GRT_MAX_RANK)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "%s '%s': rank %zu exceeds %d", what, name, rank, GRT_MAX_RANK);
    if (rank && !dims) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "%s '%s': NULL dims", what, name);
    memset(out, 0, sizeof *out);
    out->rank = (uint32_t)rank;
    for (size_t i = 0; i < rank; i++) {
        if (dims[i] < (allow_dynamic ? GRT_DYNAMIC : 0))
            return grt_error(GRT_ERROR_INVALID_ARGUMENT, "%s '%s': bad dim %lld at axis %zu", what, name,
                             (long long)dims[i], i);
        out->dims[i] = dims[i];
    }
    return GRT_OK;
}

/* Appends a node (takes ownership of its allocations on success only). */
static grt_status append_node(grt_ir_graph *g, grt_ir_node *n, uint32_t *out_id) {
    if (!grow((void **)&g->nodes, &g->cap_nodes, g->n_nodes, sizeof *g->nodes)) return OOM(n->name);
    if (n->op == GRT_OP_PARAMETER && !grow((void **)&g->params, &g->cap_params, g->n_params, sizeof *g->params))
        return OOM(n->name);
    if (n->op == GRT_OP_RESULT && !grow((void **)&g->results, &g->cap_results, g->n_results, sizeof *g->results))
        return OOM(n->name);
    uint32_t id = g->n_nodes;
    g->nodes[g->n_nodes++] = *n;
    if (n->op == GRT_OP_PARAMETER) g->params[g->n_params++] = id;
    if (n->op == GRT_OP_RESULT) g->results[g->n_results++] = id;
    memset(n, 0, sizeof *n);
    if (out_id) *out_id = id;
    return GRT_OK;
}

static char *make_name(const char *name, grt_op_type op, uint32_t id) {
    if (name && name[0]) return strdup(name);
    char buf[64];
    snprintf(buf, sizeof buf, "%s_%u", grt_ir_op_name(op), id);
    return strdup(buf);
}

grt_status grt_ir_graph_add_parameter(grt_ir_graph *g, const char *name, grt_element_type type,
                                      size_t rank, const int64_t *dims, grt_port *out) {
    grt_ir_node n = {0};
    grt_status st;
    if (!name || !name[0]) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "parameter: empty or NULL name");
    for (uint32_t i = 0; i < g->n_params; i++)
        if (!strcmp(g->nodes[g->params[i]].name, name))
            return grt_error(GRT_ERROR_INVALID_ARGUMENT, "parameter '%s': duplicate input name", name);
    if ((st = check_type_shape("parameter", name, type, rank, dims, 1, &n.outputs[0].shape)) != GRT_OK) return st;
    n.op = GRT_OP_PARAMETER;
    n.n_outputs = 1;
    n.outputs[0].type = type;
    if (!(n.name = strdup(name))) return OOM(name);
    uint32_t id;
    if ((st = append_node(g, &n, &id)) != GRT_OK) {
        node_free(&n);
        return st;
    }
    if (out) *out = (grt_port){id, 0};
    return GRT_OK;
}

/* p (may be NULL if bytes == 0 is not allowed) lies inside blob, aligned. */
static grt_status check_span(const char *name, const char *what, const grt_ir_blob *blob, const void *p, size_t bytes) {
    const uint8_t *base = grt_ir_blob_data(blob);
    size_t size = grt_ir_blob_size(blob);
    uintptr_t up = (uintptr_t)p, ub = (uintptr_t)base;
    if (!p || up < ub || up - ub > size || bytes > size - (up - ub))
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "constant '%s': %s lies outside its weight storage", name, what);
    if (up % GRT_IR_ALIGN)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "constant '%s': %s is not %d-byte aligned", name, what, GRT_IR_ALIGN);
    return GRT_OK;
}

static grt_status check_compression(const char *name, grt_element_type type, const grt_shape *s, int64_t numel,
                                    const grt_ir_blob *blob, size_t bytes, const grt_compression_info *ci) {
    grt_status st;
    int ok;
    if (type != GRT_F32 && type != GRT_F16 && type != GRT_BF16)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "constant '%s': compressed type must be f32/f16/bf16, got %s", name,
                         grt_element_type_name(type));
    if (ci->kind == GRT_COMPRESSION_SYM) {
        if (ci->storage_type != GRT_I8 && ci->storage_type != GRT_I4)
            return grt_error(GRT_ERROR_INVALID_ARGUMENT, "constant '%s': sym storage must be i8 or i4", name);
    } else if (ci->kind == GRT_COMPRESSION_ASYM) {
        if (ci->storage_type != GRT_U8 && ci->storage_type != GRT_U4)
            return grt_error(GRT_ERROR_INVALID_ARGUMENT, "constant '%s': asym storage must be u8 or u4", name);
    } else {
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "constant '%s': bad compression kind %u", name, ci->kind);
    }
    if (ci->scale_type != GRT_F16 && ci->scale_type != GRT_F32)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "constant '%s': scale type must be f16 or f32", name);
    if (s->rank < 1) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "constant '%s': compressed constant needs rank >= 1", name);
    int64_t k = s->dims[s->rank - 1];
    if (ci->group_size < 1 || k < 1 || k % ci->group_size)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "constant '%s': group size %lld does not divide last dim %lld", name,
                         (long long)ci->group_size, (long long)k);
    size_t qb = grt_element_bytes((grt_element_type)ci->storage_type, (size_t)numel, &ok);
    if (!ok || qb != bytes)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "constant '%s': quantized data has %zu bytes, expected %zu", name,
                         bytes, qb);
    size_t groups = (size_t)(numel / ci->group_size);
    size_t sb = grt_element_bytes((grt_element_type)ci->scale_type, groups, &ok);
    if (!ok || sb != ci->scales_bytes)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "constant '%s': scales have %zu bytes, expected %zu", name,
                         ci->scales_bytes, sb);
    if ((st = check_span(name, "scales", blob, ci->scales, sb)) != GRT_OK) return st;
    if (ci->kind == GRT_COMPRESSION_ASYM) {
        uint32_t zt = ci->zero_point_type == GRT_UNDEFINED ? ci->storage_type : ci->zero_point_type;
        if (zt != ci->storage_type && zt != GRT_F16 && zt != GRT_F32)
            return grt_error(GRT_ERROR_INVALID_ARGUMENT, "constant '%s': zero point type must be the storage type, f16 or f32",
                             name);
        size_t zb = grt_element_bytes((grt_element_type)zt, groups, &ok);
        if (!ok || zb != ci->zero_points_bytes)
            return grt_error(GRT_ERROR_INVALID_ARGUMENT, "constant '%s': zero points have %zu bytes, expected %zu", name,
                             ci->zero_points_bytes, zb);
        if ((st = check_span(name, "zero points", blob, ci->zero_points, zb)) != GRT_OK) return st;
    } else if (ci->zero_points || ci->zero_points_bytes) {
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "constant '%s': sym compression must not have zero points", name);
    }
    return GRT_OK;
}

grt_status grt_ir_graph_add_constant(grt_ir_graph *g, const char *name, grt_element_type type,
                                     size_t rank, const int64_t *dims, grt_ir_blob *blob,
                                     const void *data, size_t bytes,
                                     const grt_compression_info *comp, grt_port *out) {
    grt_ir_node n = {0};
    grt_status st;
    int ok;
    if (!(n.name = make_name(name, GRT_OP_CONSTANT, g->n_nodes))) return OOM("constant");
    if (!blob) {
        st = grt_error(GRT_ERROR_INVALID_ARGUMENT, "constant '%s': no weight storage", n.name);
        goto fail;
    }
    if ((st = check_type_shape("constant", n.name, type, rank, dims, 0, &n.outputs[0].shape)) != GRT_OK) goto fail;
    int64_t numel = grt_ir_shape_numel(&n.outputs[0].shape, &ok);
    if (!ok) {
        st = grt_error(GRT_ERROR_INVALID_ARGUMENT, "constant '%s': element count overflows", n.name);
        goto fail;
    }
    if ((st = check_span(n.name, "data", blob, data, bytes)) != GRT_OK) goto fail;
    if (comp && comp->kind != GRT_COMPRESSION_NONE) {
        if ((st = check_compression(n.name, type, &n.outputs[0].shape, numel, blob, bytes, comp)) != GRT_OK) goto fail;
    } else {
        size_t want = grt_element_bytes(type, (size_t)numel, &ok);
        if (!ok || (uint64_t)numel > SIZE_MAX || want != bytes) {
            st = grt_error(GRT_ERROR_INVALID_ARGUMENT, "constant '%s': data has %zu bytes, %s %s needs %zu", n.name, bytes,
                           grt_element_type_name(type), "tensor", want);
            goto fail;
        }
    }
    n.cst = calloc(1, sizeof *n.cst);
    if (!n.cst) {
        st = OOM(n.name);
        goto fail;
    }
    n.cst->data = data;
    n.cst->bytes = bytes;
    n.cst->comp.struct_size = sizeof n.cst->comp;
    if (comp && comp->kind != GRT_COMPRESSION_NONE) {
        n.cst->comp = *comp;
        n.cst->comp.struct_size = sizeof n.cst->comp;
        if (comp->kind == GRT_COMPRESSION_SYM) {
            n.cst->comp.zero_points = NULL;
            n.cst->comp.zero_point_type = GRT_UNDEFINED;
        } else if (comp->zero_point_type == GRT_UNDEFINED) {
            n.cst->comp.zero_point_type = comp->storage_type; /* normalized: always explicit for asym */
        }
    }
    n.op = GRT_OP_CONSTANT;
    n.n_outputs = 1;
    n.outputs[0].type = type;
    uint32_t id;
    if ((st = append_node(g, &n, &id)) != GRT_OK) goto fail;
    grt_ir_blob_retain(blob);
    g->nodes[id].cst->blob = blob;
    if (out) *out = (grt_port){id, 0};
    return GRT_OK;
fail:
    node_free(&n);
    return st;
}

/* Runs inference of an op over producer outputs `outs` (per node) or explicit in_shapes. */
static grt_status run_infer(const grt_ir_graph *g, const grt_ir_value_info (*outs)[GRT_IR_MAX_OUTPUTS],
                            grt_op_type op, const char *name, const grt_port *inputs, uint32_t n_in,
                            const grt_ir_attr *attrs, uint32_t n_attrs, const grt_shape *in_shapes,
                            grt_ir_infer_ctx *c) {
    grt_element_type *types = NULL;
    grt_shape *shapes = NULL;
    grt_status st;
    if (n_in) {
        types = malloc(n_in * sizeof *types);
        shapes = malloc(n_in * sizeof *shapes);
        if (!types || !shapes) {
            st = OOM(name);
            goto done;
        }
    }
    for (uint32_t i = 0; i < n_in; i++) {
        grt_port p = inputs[i];
        const grt_ir_value_info *v = outs ? &outs[p.node][p.port] : &g->nodes[p.node].outputs[p.port];
        types[i] = v->type;
        shapes[i] = in_shapes ? in_shapes[i] : v->shape;
    }
    memset(c, 0, sizeof *c);
    c->op = op;
    c->node_name = name;
    c->attrs = attrs;
    c->n_attrs = n_attrs;
    c->n_in = n_in;
    c->in_types = types;
    c->in_shapes = shapes;
    st = grt_ir_infer(c);
    c->in_types = NULL;
    c->in_shapes = NULL;
done:
    free(types);
    free(shapes);
    return st;
}

grt_status grt_ir_graph_add_node(grt_ir_graph *g, grt_op_type op, const char *name,
                                 size_t n_inputs, const grt_port *inputs, size_t n_attrs,
                                 const grt_attribute *attrs, uint32_t *out_node) {
    grt_ir_node n = {0};
    grt_ir_infer_ctx c;
    grt_status st;
    const grt_ir_op_info *info = grt_ir_op_info_get(op);
    if (!(n.name = make_name(name, op, g->n_nodes))) return OOM("node");
    if (!info || op == GRT_OP_PARAMETER || op == GRT_OP_CONSTANT || op == GRT_OP_RESULT) {
        st = grt_error(GRT_ERROR_INVALID_ARGUMENT, "node '%s': op %d cannot be added with add_op", n.name, (int)op);
        goto fail;
    }
    if (n_inputs > GRT_IR_MAX_INPUTS || (n_inputs && !inputs)) {
        st = grt_error(GRT_ERROR_INVALID_ARGUMENT, "node '%s' (%s): bad input list (%zu inputs)", n.name, info->name, n_inputs);
        goto fail;
    }
    for (size_t i = 0; i < n_inputs; i++) {
        if (inputs[i].node >= g->n_nodes || inputs[i].port >= g->nodes[inputs[i].node].n_outputs) {
            st = grt_error(GRT_ERROR_INVALID_ARGUMENT, "node '%s' (%s): input %zu refers to missing port {%u, %u}", n.name,
                           info->name, i, inputs[i].node, inputs[i].port);
            goto fail;
        }
    }
    if ((st = grt_ir_attrs_normalize(op, n.name, n_attrs, attrs, &n.attrs, &n.n_attrs)) != GRT_OK) goto fail;
    if ((st = run_infer(g, NULL, op, n.name, inputs, (uint32_t)n_inputs, n.attrs, n.n_attrs, NULL, &c)) != GRT_OK)
        goto fail;
    n.op = op;
    n.n_outputs = c.n_out;
    for (uint32_t i = 0; i < c.n_out; i++) {
        n.outputs[i].type = c.out_types[i];
        n.outputs[i].shape = c.out_shapes[i];
    }
    if (n_inputs) {
        if (!(n.inputs = malloc(n_inputs * sizeof *n.inputs))) {
            st = OOM(n.name);
            goto fail;
        }
        memcpy(n.inputs, inputs, n_inputs * sizeof *n.inputs);
        n.n_inputs = (uint32_t)n_inputs;
    }
    if ((st = append_node(g, &n, out_node)) != GRT_OK) goto fail;
    return GRT_OK;
fail:
    node_free(&n);
    return st;
}

grt_status grt_ir_graph_add_result(grt_ir_graph *g, const char *name, grt_port value, uint32_t *out_node) {
    grt_ir_node n = {0};
    grt_status st;
    if (!name || !name[0]) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "result: empty or NULL name");
    for (uint32_t i = 0; i < g->n_results; i++)
        if (!strcmp(g->nodes[g->results[i]].name, name))
            return grt_error(GRT_ERROR_INVALID_ARGUMENT, "result '%s': duplicate output name", name);
    if (value.node >= g->n_nodes || value.port >= g->nodes[value.node].n_outputs)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "result '%s': missing port {%u, %u}", name, value.node, value.port);
    n.op = GRT_OP_RESULT;
    n.name = strdup(name);
    n.inputs = malloc(sizeof *n.inputs);
    if (!n.name || !n.inputs) {
        st = OOM(name);
        goto fail;
    }
    n.inputs[0] = value;
    n.n_inputs = 1;
    if ((st = append_node(g, &n, out_node)) != GRT_OK) goto fail;
    return GRT_OK;
fail:
    node_free(&n);
    return st;
}

grt_status grt_ir_graph_infer_node(const grt_ir_graph *g, uint32_t node, const grt_shape *in_shapes,
                                   grt_element_type *out_types, grt_shape *out_shapes, uint32_t *n_out) {
    if (node >= g->n_nodes) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "infer_shapes: node %u out of range", node);
    const grt_ir_node *n = &g->nodes[node];
    if (n->op == GRT_OP_PARAMETER || n->op == GRT_OP_CONSTANT) {
        out_types[0] = n->outputs[0].type;
        out_shapes[0] = n->outputs[0].shape;
        *n_out = 1;
        return GRT_OK;
    }
    if (n->n_inputs && !in_shapes)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "infer_shapes: node '%s': NULL input shapes", n->name);
    grt_ir_infer_ctx c;
    grt_status st = run_infer(g, NULL, n->op, n->name, n->inputs, n->n_inputs, n->attrs, n->n_attrs, in_shapes, &c);
    if (st != GRT_OK) return st;
    for (uint32_t i = 0; i < c.n_out; i++) {
        out_types[i] = c.out_types[i];
        out_shapes[i] = c.out_shapes[i];
    }
    *n_out = c.n_out;
    return GRT_OK;
}

grt_status grt_ir_graph_reinfer(grt_ir_graph *g) {
    grt_status st = GRT_OK;
    grt_ir_value_info(*outs)[GRT_IR_MAX_OUTPUTS] = NULL, (*old)[GRT_IR_MAX_OUTPUTS] = NULL;
    if (g->n_nodes == 0) return GRT_OK;
    outs = calloc(g->n_nodes, sizeof *outs);
    old = calloc(g->n_nodes, sizeof *old);
    if (!outs || !old) {
        st = OOM("reshape");
        goto done;
    }
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        const grt_ir_node *n = &g->nodes[i];
        if (n->op == GRT_OP_PARAMETER || n->op == GRT_OP_CONSTANT) {
            memcpy(outs[i], n->outputs, sizeof outs[i]);
            continue;
        }
        grt_ir_infer_ctx c;
        st = run_infer(g, (const grt_ir_value_info(*)[GRT_IR_MAX_OUTPUTS])outs, n->op, n->name, n->inputs, n->n_inputs,
                       n->attrs, n->n_attrs, NULL, &c);
        if (st != GRT_OK) goto done;
        if (c.n_out != n->n_outputs) {
            st = grt_error(GRT_ERROR_INTERNAL, "node '%s': output count changed", n->name);
            goto done;
        }
        for (uint32_t k = 0; k < c.n_out; k++) {
            outs[i][k].type = c.out_types[k];
            outs[i][k].shape = c.out_shapes[k];
        }
    }
    /* Commit, then check the state variables against their new values; undo on failure. */
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        memcpy(old[i], g->nodes[i].outputs, sizeof old[i]);
        memcpy(g->nodes[i].outputs, outs[i], sizeof outs[i]);
    }
    if ((st = grt_ir_graph_check_state_shapes(g)) != GRT_OK)
        for (uint32_t i = 0; i < g->n_nodes; i++) memcpy(g->nodes[i].outputs, old[i], sizeof old[i]);
done:
    free(outs);
    free(old);
    return st;
}
