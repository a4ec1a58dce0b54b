/*
 * toy_plugin.c - "TOY", a third-party GenRT device plugin written against the installed plugin
 * ABI header <genrt/plugin.h> alone: f32 ReLU and Add (both inputs of one static shape), one device.
 *
 * compile_model copies what it needs out of the graph view (op, inputs, static shapes), so the
 * plugin never keeps the view and needs no graph_retain. Requests own one buffer per computed
 * node and borrow bound input memory.
 * Threading: no mutable global state besides the host pointer set by init; each request is
 * used by one thread at a time (plugin.h).
 */
#include <genrt/plugin.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOY_NAME "TOY"

static const grt_host_api *host;

static grt_status toy_error(grt_status st, const char *what, const char *detail) {
    char msg[200];
    snprintf(msg, sizeof msg, "TOY: %s%s%s", what, detail ? ": " : "", detail ? detail : "");
    return host->set_error(st, msg);
}

typedef struct toy_node {
    grt_op_type op;
    uint32_t in[2];
    uint32_t param; /* Parameter: its input index */
    grt_shape shape;
    size_t count; /* elements */
} toy_node;

typedef struct toy_model {
    uint32_t n, n_params, n_results;
    toy_node *nodes;
    uint32_t *params, *results; /* node ids; results[] holds the Result's producer */
} toy_model;

typedef struct toy_request {
    toy_model *m;
    const float **inputs; /* borrowed, NULL = unbound */
    float **values;       /* per node (NULL for Parameter/Result) */
    int ran;
} toy_request;

/* --- graph inspection --------------------------------------------------------------------- */

static int static_f32(const grt_graph_view *g, uint32_t node, grt_shape *shape) {
    grt_element_type t;
    if (host->node_output_type(g, node, 0, &t, shape) != GRT_OK || t != GRT_F32)
        return 0;
    for (uint32_t i = 0; i < shape->rank; i++)
        if (shape->dims[i] < 0)
            return 0;
    return 1;
}

static int supported(const grt_graph_view *g, uint32_t node) {
    grt_shape s, a, b;
    grt_port p, q;
    switch (host->node_op(g, node)) {
    case GRT_OP_RESULT: return 1;
    case GRT_OP_PARAMETER: return static_f32(g, node, &s);
    case GRT_OP_RELU:
        return host->node_input(g, node, 0, &p) == GRT_OK && static_f32(g, p.node, &a) &&
               static_f32(g, node, &s);
    case GRT_OP_ADD:
        if (host->node_input(g, node, 0, &p) != GRT_OK ||
            host->node_input(g, node, 1, &q) != GRT_OK || !static_f32(g, p.node, &a) ||
            !static_f32(g, q.node, &b) || !static_f32(g, node, &s) || a.rank != b.rank)
            return 0;
        return memcmp(a.dims, b.dims, a.rank * sizeof a.dims[0]) == 0;
    default: return 0;
    }
}

/* --- devices and properties --------------------------------------------------------------- */

static const grt_property_info toy_props[] = {
    {sizeof(grt_property_info), GRT_VALUE_STRING, GRT_PROP_FULL_DEVICE_NAME, 0, 0, "device name"},
};

static grt_status toy_device_count(uint32_t *count) {
    *count = 1;
    return GRT_OK;
}

static grt_status toy_get_property(uint32_t device, const char *key, grt_value *out) {
    if (device != 0)
        return toy_error(GRT_ERROR_NOT_FOUND, "no such device", NULL);
    if (key && strcmp(key, GRT_PROP_FULL_DEVICE_NAME) == 0) {
        memset(out, 0, sizeof *out);
        out->type = GRT_VALUE_STRING;
        out->u.s = "Toy reference device (third-party plugin)";
        return GRT_OK;
    }
    return toy_error(GRT_ERROR_NOT_FOUND, "unknown property", key);
}

static grt_status toy_check_property(uint32_t device, const char *key, const grt_value *value) {
    (void)value;
    if (device != 0)
        return toy_error(GRT_ERROR_NOT_FOUND, "no such device", NULL);
    if (key && strcmp(key, GRT_PROP_FULL_DEVICE_NAME) == 0)
        return toy_error(GRT_ERROR_INVALID_ARGUMENT, "read-only property", key);
    return toy_error(GRT_ERROR_NOT_FOUND, "unknown property", key);
}

static grt_status toy_supported_properties(uint32_t device, const grt_property_info **infos,
                                           size_t *count) {
    if (device != 0)
        return toy_error(GRT_ERROR_NOT_FOUND, "no such device", NULL);
    *infos = toy_props;
    *count = sizeof toy_props / sizeof toy_props[0];
    return GRT_OK;
}

static grt_status toy_query_model(uint32_t device, const grt_graph_view *g, uint8_t *sup) {
    uint32_t n = host->graph_node_count(g);
    if (device != 0)
        return toy_error(GRT_ERROR_NOT_FOUND, "no such device", NULL);
    for (uint32_t i = 0; i < n; i++)
        sup[i] = (uint8_t)supported(g, i);
    return GRT_OK;
}

/* --- compiled model ----------------------------------------------------------------------- */

static void toy_compiled_destroy(grt_compiled_handle *h) {
    toy_model *m = (toy_model *)h;
    if (!m)
        return;
    free(m->nodes);
    free(m->params);
    free(m->results);
    free(m);
}

static grt_status toy_compile_model(uint32_t device, const grt_graph_view *g,
                                    const grt_property *props, size_t n_props,
                                    grt_compiled_handle **out) {
    toy_model *m = calloc(1, sizeof *m);
    grt_port p;
    (void)props;
    (void)n_props;
    if (device != 0) {
        free(m);
        return toy_error(GRT_ERROR_NOT_FOUND, "no such device", NULL);
    }
    if (!m)
        return toy_error(GRT_ERROR_OUT_OF_MEMORY, "compile", NULL);
    m->n = host->graph_node_count(g);
    m->n_params = host->graph_parameter_count(g);
    m->n_results = host->graph_result_count(g);
    m->nodes = calloc(m->n + 1, sizeof *m->nodes);
    m->params = calloc(m->n_params + 1, sizeof *m->params);
    m->results = calloc(m->n_results + 1, sizeof *m->results);
    if (!m->nodes || !m->params || !m->results) {
        toy_compiled_destroy((grt_compiled_handle *)m);
        return toy_error(GRT_ERROR_OUT_OF_MEMORY, "compile", NULL);
    }
    for (uint32_t i = 0; i < m->n; i++) {
        toy_node *t = &m->nodes[i];
        if (!supported(g, i)) {
            toy_compiled_destroy((grt_compiled_handle *)m);
            return toy_error(GRT_ERROR_NOT_SUPPORTED, "unsupported node", host->node_name(g, i));
        }
        t->op = host->node_op(g, i);
        for (uint32_t k = 0; k < host->node_input_count(g, i) && k < 2; k++)
            if (host->node_input(g, i, k, &p) == GRT_OK)
                t->in[k] = p.node;
        if (t->op != GRT_OP_RESULT) {
            static_f32(g, i, &t->shape);
            t->count = 1;
            for (uint32_t d = 0; d < t->shape.rank; d++)
                t->count *= (size_t)t->shape.dims[d];
        }
    }
    for (uint32_t k = 0; k < m->n_params; k++) {
        m->params[k] = host->graph_parameter_node(g, k);
        m->nodes[m->params[k]].param = k;
    }
    for (uint32_t k = 0; k < m->n_results; k++)
        m->results[k] = m->nodes[host->graph_result_node(g, k)].in[0];
    *out = (grt_compiled_handle *)m;
    return GRT_OK;
}

/* --- requests ----------------------------------------------------------------------------- */

static void toy_request_destroy(grt_request_handle *h) {
    toy_request *r = (toy_request *)h;
    if (!r)
        return;
    for (uint32_t i = 0; r->values && i < r->m->n; i++)
        free(r->values[i]);
    free(r->values);
    free((void *)r->inputs);
    free(r);
}

static grt_status toy_request_create(grt_compiled_handle *h, grt_request_handle **out) {
    toy_model *m = (toy_model *)h;
    toy_request *r = calloc(1, sizeof *r);
    if (!r)
        return toy_error(GRT_ERROR_OUT_OF_MEMORY, "request", NULL);
    r->m = m;
    r->inputs = calloc(m->n_params + 1, sizeof *r->inputs);
    r->values = calloc(m->n + 1, sizeof *r->values);
    if (!r->inputs || !r->values) {
        toy_request_destroy((grt_request_handle *)r);
        return toy_error(GRT_ERROR_OUT_OF_MEMORY, "request", NULL);
    }
    for (uint32_t i = 0; i < m->n; i++) {
        grt_op_type op = m->nodes[i].op;
        if (op != GRT_OP_RELU && op != GRT_OP_ADD)
            continue;
        r->values[i] = malloc(m->nodes[i].count * sizeof(float) + 1);
        if (!r->values[i]) {
            toy_request_destroy((grt_request_handle *)r);
            return toy_error(GRT_ERROR_OUT_OF_MEMORY, "request", NULL);
        }
    }
    *out = (grt_request_handle *)r;
    return GRT_OK;
}

static grt_status toy_request_set_input(grt_request_handle *h, uint32_t index,
                                        const grt_tensor_desc *d) {
    toy_request *r = (toy_request *)h;
    const toy_node *p;
    int64_t stride = 4;
    if (index >= r->m->n_params)
        return toy_error(GRT_ERROR_INVALID_ARGUMENT, "set_input", "index out of range");
    p = &r->m->nodes[r->m->params[index]];
    if (d->element_type != GRT_F32)
        return toy_error(GRT_ERROR_SHAPE, "set_input", "element type must be f32");
    if (d->shape.rank != p->shape.rank ||
        memcmp(d->shape.dims, p->shape.dims, p->shape.rank * sizeof p->shape.dims[0]) != 0)
        return toy_error(GRT_ERROR_SHAPE, "set_input", "shape differs from the parameter's");
    for (int i = (int)p->shape.rank - 1; i >= 0; i--) {
        if (p->shape.dims[i] > 1 && d->strides[i] != stride)
            return toy_error(GRT_ERROR_NOT_SUPPORTED, "set_input", "only dense tensors");
        stride *= p->shape.dims[i];
    }
    if (d->byte_size < p->count * sizeof(float) || (!d->data && p->count))
        return toy_error(GRT_ERROR_INVALID_ARGUMENT, "set_input", "buffer too small");
    r->inputs[index] = d->data;
    return GRT_OK;
}

static const float *value_of(const toy_request *r, uint32_t node) {
    const toy_node *t = &r->m->nodes[node];
    return t->op == GRT_OP_PARAMETER ? r->inputs[t->param] : r->values[node];
}

static grt_status toy_request_infer(grt_request_handle *h) {
    toy_request *r = (toy_request *)h;
    r->ran = 0;
    for (uint32_t k = 0; k < r->m->n_params; k++)
        if (!r->inputs[k])
            return toy_error(GRT_ERROR_INVALID_ARGUMENT, "infer", "an input is not bound");
    for (uint32_t i = 0; i < r->m->n; i++) {
        const toy_node *t = &r->m->nodes[i];
        const float *a = t->op == GRT_OP_RELU || t->op == GRT_OP_ADD ? value_of(r, t->in[0]) : NULL;
        float *y = r->values[i];
        if (t->op == GRT_OP_RELU)
            for (size_t e = 0; e < t->count; e++)
                y[e] = a[e] > 0.0f ? a[e] : 0.0f;
        else if (t->op == GRT_OP_ADD) {
            const float *b = value_of(r, t->in[1]);
            for (size_t e = 0; e < t->count; e++)
                y[e] = a[e] + b[e];
        }
    }
    r->ran = 1;
    return GRT_OK;
}

static grt_status toy_request_get_output(grt_request_handle *h, uint32_t index,
                                         grt_tensor_desc *d) {
    toy_request *r = (toy_request *)h;
    const toy_node *t;
    if (index >= r->m->n_results)
        return toy_error(GRT_ERROR_INVALID_ARGUMENT, "get_output", "index out of range");
    if (!r->ran)
        return toy_error(GRT_ERROR_BUSY, "get_output", "no infer has completed");
    t = &r->m->nodes[r->m->results[index]];
    d->element_type = GRT_F32;
    d->shape = t->shape;
    for (int i = (int)t->shape.rank - 1; i >= 0; i--)
        d->strides[i] = i == (int)t->shape.rank - 1 ? 4 : d->strides[i + 1] * t->shape.dims[i + 1];
    d->data = (void *)value_of(r, r->m->results[index]);
    d->byte_size = t->count * sizeof(float);
    return GRT_OK;
}

static void toy_shutdown(void) { host = NULL; }

static const grt_plugin_api toy_api = {
    .struct_size = sizeof(grt_plugin_api),
    .abi_major = GRT_ABI_MAJOR,
    .abi_minor = GRT_ABI_MINOR,
    .name = TOY_NAME,
    .version = "1.0.0",
    .shutdown = toy_shutdown,
    .device_count = toy_device_count,
    .get_property = toy_get_property,
    .check_property = toy_check_property,
    .supported_properties = toy_supported_properties,
    .query_model = toy_query_model,
    .compile_model = toy_compile_model,
    .compiled_destroy = toy_compiled_destroy,
    .request_create = toy_request_create,
    .request_destroy = toy_request_destroy,
    .request_set_input = toy_request_set_input,
    .request_get_output = toy_request_get_output,
    .request_infer = toy_request_infer,
};

GRT_EXPORT int32_t grt_plugin_probe(grt_plugin_probe_info *info) {
    grt_plugin_probe_info v = {0, GRT_ABI_MAJOR, GRT_ABI_MINOR, 1, TOY_NAME, "1.0.0"};
    size_t n = info->struct_size < sizeof v ? info->struct_size : sizeof v;
    if (n > sizeof v.struct_size) /* write only what the caller's struct holds */
        memcpy((char *)info + sizeof v.struct_size, (const char *)&v + sizeof v.struct_size,
               n - sizeof v.struct_size);
    return 10;
}

GRT_EXPORT grt_status grt_plugin_init(uint32_t major, uint32_t minor, const grt_host_api *h,
                                      const grt_plugin_api **out) {
    (void)minor;
    if (major != GRT_ABI_MAJOR || !h || h->struct_size < sizeof(grt_host_api))
        return GRT_ERROR_ABI;
    host = h;
    *out = &toy_api;
    return GRT_OK;
}
