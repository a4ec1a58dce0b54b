/*
 * ir/model_api.c - the public model API of genrt/model.h except read/save: create/destroy, the
 * graph builder (constants are copied into fresh 64-byte-aligned heap blobs), inspection and
 * reshape. Thread-safety: as documented in genrt/model.h (no internal locking).
 */
#include <stdlib.h>
#include <string.h>

#include "ir/graph.h"
#include "ir/opset.h"
#include "util/error.h"

#define NEED(cond, what)                                                                          \
    do {                                                                                          \
        if (!(cond)) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "%s: NULL argument", what);     \
    } while (0)

GRT_EXPORT grt_status grt_model_create(const char *name, grt_model **out) {
    NEED(out, "grt_model_create");
    *out = NULL;
    grt_model *m = calloc(1, sizeof *m);
    if (!m) return grt_error(GRT_ERROR_OUT_OF_MEMORY, "grt_model_create: out of memory");
    grt_status st = grt_ir_graph_init(&m->g, name);
    if (st != GRT_OK) {
        free(m);
        return st;
    }
    *out = m;
    return GRT_OK;
}

GRT_EXPORT void grt_model_destroy(grt_model *model) {
    if (!model) return;
    grt_ir_graph_free(&model->g);
    grt_ir_meta_free(&model->meta);
    free(model);
}

GRT_EXPORT grt_status grt_model_add_parameter(grt_model *model, const char *name, grt_element_type type,
                                              size_t rank, const int64_t *dims, grt_port *out) {
    NEED(model, "grt_model_add_parameter");
    return grt_ir_graph_add_parameter(&model->g, name, type, rank, dims, out);
}

GRT_EXPORT grt_status grt_model_add_constant(grt_model *model, const char *name, grt_element_type type,
                                             size_t rank, const int64_t *dims, const void *data, size_t bytes,
                                             grt_port *out) {
    grt_ir_blob *blob = NULL;
    NEED(model, "grt_model_add_constant");
    if (bytes && !data)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "constant '%s': NULL data", name ? name : "?");
    grt_status st = grt_ir_blob_alloc(bytes, &blob);
    if (st != GRT_OK) return st;
    if (bytes) memcpy(grt_ir_blob_mutable(blob), data, bytes);
    st = grt_ir_graph_add_constant(&model->g, name, type, rank, dims, blob, grt_ir_blob_data(blob), bytes, NULL, out);
    grt_ir_blob_release(blob); /* the node holds its own reference on success */
    return st;
}

static size_t align_up(size_t v) { return (v + (GRT_IR_ALIGN - 1)) & ~(size_t)(GRT_IR_ALIGN - 1); }

GRT_EXPORT grt_status grt_model_add_compressed_constant(grt_model *model, const char *name, grt_element_type type,
                                                        size_t rank, const int64_t *dims, const void *q,
                                                        size_t q_bytes, const grt_compression_info *info,
                                                        grt_port *out) {
    grt_ir_blob *blob = NULL;
    const char *nm = name ? name : "?";
    NEED(model && info, "grt_model_add_compressed_constant");
    if (info->struct_size < sizeof(grt_compression_info))
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "constant '%s': compression info struct_size %u too small", nm,
                         info->struct_size);
    if (info->kind != GRT_COMPRESSION_SYM && info->kind != GRT_COMPRESSION_ASYM)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "constant '%s': compression kind must be sym or asym", nm);
    if ((q_bytes && !q) || (info->scales_bytes && !info->scales) || (info->zero_points_bytes && !info->zero_points))
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "constant '%s': NULL data, scales or zero points", nm);
    /* Sizes are checked against the shape by the graph; bound them first so the sum cannot wrap. */
    if (q_bytes > SIZE_MAX / 4 || info->scales_bytes > SIZE_MAX / 4 || info->zero_points_bytes > SIZE_MAX / 4)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "constant '%s': sizes too large", nm);
    size_t off_s = align_up(q_bytes), off_z = off_s + align_up(info->scales_bytes);
    size_t total = off_z + info->zero_points_bytes;
    grt_status st = grt_ir_blob_alloc(total, &blob);
    if (st != GRT_OK) return st;
    uint8_t *base = grt_ir_blob_mutable(blob);
    if (q_bytes) memcpy(base, q, q_bytes);
    if (info->scales_bytes) memcpy(base + off_s, info->scales, info->scales_bytes);
    if (info->zero_points_bytes) memcpy(base + off_z, info->zero_points, info->zero_points_bytes);
    grt_compression_info ci = *info;
    ci.struct_size = sizeof ci;
    ci.scales = base + off_s;
    ci.zero_points = info->zero_points ? base + off_z : NULL;
    st = grt_ir_graph_add_constant(&model->g, name, type, rank, dims, blob, base, q_bytes, &ci, out);
    grt_ir_blob_release(blob);
    return st;
}

GRT_EXPORT grt_status grt_model_add_op(grt_model *model, grt_op_type op, const char *name, size_t n_inputs,
                                       const grt_port *inputs, size_t n_attrs, const grt_attribute *attrs,
                                       uint32_t *out_node) {
    NEED(model, "grt_model_add_op");
    return grt_ir_graph_add_node(&model->g, op, name, n_inputs, inputs, n_attrs, attrs, out_node);
}

GRT_EXPORT grt_status grt_model_add_result(grt_model *model, const char *name, grt_port value) {
    NEED(model, "grt_model_add_result");
    return grt_ir_graph_add_result(&model->g, name, value, NULL);
}

GRT_EXPORT const char *grt_model_name(const grt_model *model) { return model ? model->g.name : NULL; }
GRT_EXPORT size_t grt_model_node_count(const grt_model *model) { return model ? model->g.n_nodes : 0; }
GRT_EXPORT size_t grt_model_input_count(const grt_model *model) { return model ? model->g.n_params : 0; }
GRT_EXPORT size_t grt_model_output_count(const grt_model *model) { return model ? model->g.n_results : 0; }

GRT_EXPORT grt_status grt_model_input(const grt_model *model, size_t index, const char **name,
                                      grt_element_type *type, grt_shape *shape) {
    NEED(model, "grt_model_input");
    return grt_ir_graph_io(&model->g, 0, index, name, type, shape);
}

GRT_EXPORT grt_status grt_model_output(const grt_model *model, size_t index, const char **name,
                                       grt_element_type *type, grt_shape *shape) {
    NEED(model, "grt_model_output");
    return grt_ir_graph_io(&model->g, 1, index, name, type, shape);
}

static grt_status io_index(const grt_model *model, int is_output, const char *name, size_t *index) {
    NEED(model && name && index, is_output ? "grt_model_output_index" : "grt_model_input_index");
    const uint32_t *ids = is_output ? model->g.results : model->g.params;
    uint32_t n = is_output ? model->g.n_results : model->g.n_params;
    for (uint32_t i = 0; i < n; i++) {
        if (!strcmp(model->g.nodes[ids[i]].name, name)) {
            *index = i;
            return GRT_OK;
        }
    }
    return grt_error(GRT_ERROR_NOT_FOUND, "model '%s' has no %s named '%s'", model->g.name,
                     is_output ? "output" : "input", name);
}

GRT_EXPORT grt_status grt_model_input_index(const grt_model *model, const char *name, size_t *index) {
    return io_index(model, 0, name, index);
}

GRT_EXPORT grt_status grt_model_output_index(const grt_model *model, const char *name, size_t *index) {
    return io_index(model, 1, name, index);
}

GRT_EXPORT grt_status grt_model_reshape(grt_model *model, size_t count, const char *const *names,
                                        const grt_shape *shapes) {
    grt_shape *saved = NULL;
    grt_status st = GRT_OK;
    NEED(model, "grt_model_reshape");
    if (count && (!names || !shapes)) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "grt_model_reshape: NULL argument");
    grt_ir_graph *g = &model->g;
    for (size_t i = 0; i < count; i++) {
        size_t idx;
        if ((st = io_index(model, 0, names[i], &idx)) != GRT_OK) return st;
        if (shapes[i].rank > GRT_MAX_RANK)
            return grt_error(GRT_ERROR_SHAPE, "reshape: input '%s' rank %u exceeds %d", names[i], shapes[i].rank, GRT_MAX_RANK);
        for (uint32_t d = 0; d < shapes[i].rank; d++)
            if (shapes[i].dims[d] < GRT_DYNAMIC)
                return grt_error(GRT_ERROR_SHAPE, "reshape: input '%s' has bad dim %lld", names[i],
                                 (long long)shapes[i].dims[d]);
    }
    if (g->n_params) {
        saved = malloc(g->n_params * sizeof *saved);
        if (!saved) return grt_error(GRT_ERROR_OUT_OF_MEMORY, "reshape: out of memory");
        for (uint32_t i = 0; i < g->n_params; i++) saved[i] = g->nodes[g->params[i]].outputs[0].shape;
    }
    for (size_t i = 0; i < count; i++) {
        size_t idx = 0;
        io_index(model, 0, names[i], &idx);
        grt_shape s = shapes[i];
        s.reserved = 0;
        for (uint32_t d = s.rank; d < GRT_MAX_RANK; d++) s.dims[d] = 0;
        g->nodes[g->params[idx]].outputs[0].shape = s;
    }
    st = grt_ir_graph_reinfer(g);
    if (st != GRT_OK)
        for (uint32_t i = 0; i < g->n_params; i++) g->nodes[g->params[i]].outputs[0].shape = saved[i];
    free(saved);
    return st;
}
