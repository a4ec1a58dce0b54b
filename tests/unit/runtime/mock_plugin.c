/*
 * tests/unit/runtime/mock_plugin.c - a small device plugin ("MOCKRT", two devices) that the
 * runtime tests load through GENRT_PLUGIN_PATH to reach what the CPU plugin may not exercise:
 * plugin-side async (start_async + wait on a thread of its own), a slow infer (DELAY_MS property)
 * for BUSY/TIMEOUT, state variables, query_model rejecting ops, compiled properties.
 *
 * Semantics: graphs Parameter(f32) -> ReLU -> Result only; query_model marks every other op
 * unsupported. Each request has one state "counter" (f32 [1]) that each infer increments.
 * Built against abi/ only. Threading: one request is used by one thread at a time (the core's
 * contract); its async thread is joined in request_wait.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <genrt/plugin.h>

static const grt_host_api *g_host;

typedef struct grt_compiled_handle {
    int64_t delay_ms;
} mock_cm;

typedef struct grt_request_handle {
    mock_cm *cm;
    grt_tensor_desc in; /* bound input (data borrowed) */
    int bound;
    float *out;         /* output buffer, plugin-owned */
    size_t out_count;
    float counter;      /* state "counter" */
    pthread_t thread;
    grt_status async_status;
} mock_rq;

static const grt_property_info k_props[] = {
    {sizeof(grt_property_info), GRT_VALUE_STRING, "FULL_DEVICE_NAME", 0, 0, "mock device"},
    {sizeof(grt_property_info), GRT_VALUE_INT, "DELAY_MS", 1, 0, "sleep per infer"},
};

static grt_status dev_count(uint32_t *count) {
    *count = 2;
    return GRT_OK;
}

static grt_status get_prop(uint32_t device, const char *key, grt_value *out) {
    static char name[32];
    if (!strcmp(key, "FULL_DEVICE_NAME")) {
        name[0] = '\0';
        strcat(name, device ? "Mock device 1" : "Mock device 0");
        out->type = GRT_VALUE_STRING;
        out->u.s = name;
        return GRT_OK;
    }
    if (!strcmp(key, "DELAY_MS")) {
        out->type = GRT_VALUE_INT;
        out->u.i = 0;
        return GRT_OK;
    }
    return g_host->set_error(GRT_ERROR_NOT_FOUND, "MOCKRT: unknown property");
}

static grt_status check_prop(uint32_t device, const char *key, const grt_value *v) {
    if (!strcmp(key, "DELAY_MS") && v->type == GRT_VALUE_INT && v->u.i >= 0 && v->u.i <= 10000)
        return GRT_OK;
    return g_host->set_error(GRT_ERROR_INVALID_ARGUMENT, "MOCKRT: DELAY_MS must be 0..10000");
}

static grt_status supported(uint32_t device, const grt_property_info **infos, size_t *count) {
    *infos = k_props;
    *count = 2;
    return GRT_OK;
}

static int op_ok(grt_op_type op) {
    return op == GRT_OP_PARAMETER || op == GRT_OP_RELU || op == GRT_OP_RESULT;
}

static grt_status query(uint32_t device, const grt_graph_view *g, uint8_t *sup) {
    uint32_t n = g_host->graph_node_count(g);
    for (uint32_t i = 0; i < n; i++) sup[i] = (uint8_t)op_ok(g_host->node_op(g, i));
    return GRT_OK;
}

static grt_status compile(uint32_t device, const grt_graph_view *g, const grt_property *props,
                          size_t n_props, grt_compiled_handle **out) {
    if (g_host->graph_parameter_count(g) != 1 || g_host->graph_result_count(g) != 1)
        return g_host->set_error(GRT_ERROR_NOT_SUPPORTED, "MOCKRT: one input and one output only");
    mock_cm *cm = calloc(1, sizeof *cm);
    if (!cm) return g_host->set_error(GRT_ERROR_OUT_OF_MEMORY, "MOCKRT: out of memory");
    for (size_t i = 0; i < n_props; i++) {
        if (!strcmp(props[i].key, "DELAY_MS")) cm->delay_ms = props[i].value.u.i;
    }
    *out = cm;
    return GRT_OK;
}

static void cm_destroy(grt_compiled_handle *cm) { free(cm); }

static grt_status cm_prop(grt_compiled_handle *cm, const char *key, grt_value *out) {
    if (strcmp(key, "DELAY_MS") != 0)
        return g_host->set_error(GRT_ERROR_NOT_FOUND, "MOCKRT: unknown compiled property");
    out->type = GRT_VALUE_INT;
    out->u.i = cm->delay_ms;
    return GRT_OK;
}

static grt_status rq_create(grt_compiled_handle *cm, grt_request_handle **out) {
    mock_rq *rq = calloc(1, sizeof *rq);
    if (!rq) return g_host->set_error(GRT_ERROR_OUT_OF_MEMORY, "MOCKRT: out of memory");
    rq->cm = cm;
    *out = rq;
    return GRT_OK;
}

static void rq_destroy(grt_request_handle *rq) {
    free(rq->out);
    free(rq);
}

static grt_status set_input(grt_request_handle *rq, uint32_t index, const grt_tensor_desc *d) {
    if (d->element_type != GRT_F32)
        return g_host->set_error(GRT_ERROR_NOT_SUPPORTED, "MOCKRT: f32 only");
    rq->in = *d;
    rq->bound = 1;
    return GRT_OK;
}

static size_t count_of(const grt_tensor_desc *d) {
    size_t n = 1;
    for (uint32_t i = 0; i < d->shape.rank; i++) n *= (size_t)d->shape.dims[i];
    return n;
}

static grt_status get_output(grt_request_handle *rq, uint32_t index, grt_tensor_desc *d) {
    if (!rq->out && rq->out_count)
        return g_host->set_error(GRT_ERROR_DEVICE, "MOCKRT: no output yet");
    d->element_type = GRT_F32;
    d->shape = rq->in.shape;
    int64_t s = 4;
    for (uint32_t i = d->shape.rank; i-- > 0;) {
        d->strides[i] = s;
        s *= d->shape.dims[i];
    }
    d->data = rq->out;
    d->byte_size = rq->out_count * sizeof(float);
    return GRT_OK;
}

static grt_status infer(grt_request_handle *rq) {
    if (!rq->bound) return g_host->set_error(GRT_ERROR_INVALID_ARGUMENT, "MOCKRT: unbound input");
    if (rq->cm->delay_ms > 0) {
        struct timespec ts = {rq->cm->delay_ms / 1000, (rq->cm->delay_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    size_t n = count_of(&rq->in);
    float *out = realloc(rq->out, (n ? n : 1) * sizeof *out);
    if (!out) return g_host->set_error(GRT_ERROR_OUT_OF_MEMORY, "MOCKRT: out of memory");
    rq->out = out;
    rq->out_count = n;
    const float *x = rq->in.data; /* dense inputs only, as the test binds */
    for (size_t i = 0; i < n; i++) out[i] = x[i] > 0 ? x[i] : 0.0f;
    rq->counter += 1.0f;
    return GRT_OK;
}

static void *async_main(void *p) {
    mock_rq *rq = p;
    rq->async_status = infer(rq);
    return NULL;
}

static grt_status start_async(grt_request_handle *rq) {
    if (pthread_create(&rq->thread, NULL, async_main, rq) != 0)
        return g_host->set_error(GRT_ERROR_DEVICE, "MOCKRT: no thread");
    return GRT_OK;
}

static grt_status wait_async(grt_request_handle *rq) {
    pthread_join(rq->thread, NULL);
    return rq->async_status;
}

static grt_status st_count(grt_request_handle *rq, uint32_t *count) {
    *count = 1;
    return GRT_OK;
}

static grt_status st_name(grt_request_handle *rq, uint32_t index, const char **name) {
    *name = "counter";
    return GRT_OK;
}

static grt_status st_get(grt_request_handle *rq, uint32_t index, grt_tensor_desc *d) {
    d->element_type = GRT_F32;
    d->shape.rank = 1;
    d->shape.dims[0] = 1;
    d->strides[0] = 4;
    d->data = &rq->counter;
    d->byte_size = sizeof rq->counter;
    return GRT_OK;
}

static grt_status st_set(grt_request_handle *rq, uint32_t index, const grt_tensor_desc *d) {
    if (d->element_type != GRT_F32 || count_of(d) != 1)
        return g_host->set_error(GRT_ERROR_SHAPE, "MOCKRT: state 'counter' is f32 [1]");
    rq->counter = *(const float *)d->data;
    return GRT_OK;
}

static grt_status st_reset(grt_request_handle *rq, uint32_t index) {
    rq->counter = 0.0f;
    return GRT_OK;
}

static const grt_plugin_api k_api = {
    sizeof(grt_plugin_api), GRT_ABI_MAJOR, GRT_ABI_MINOR, 0, "MOCKRT", "test",
    NULL, dev_count, get_prop, check_prop, supported, query, compile, cm_destroy, cm_prop,
    rq_create, rq_destroy, set_input, get_output, infer, start_async, wait_async,
    st_count, st_name, st_get, st_set, st_reset,
};

GRT_EXPORT int32_t grt_plugin_probe(grt_plugin_probe_info *info) {
    if (info->struct_size >= sizeof *info) {
        info->abi_major = GRT_ABI_MAJOR;
        info->abi_minor = GRT_ABI_MINOR;
        info->device_count = 2;
        info->name = "MOCKRT";
        info->version = "test";
    }
    return 1;
}

GRT_EXPORT grt_status grt_plugin_init(uint32_t major, uint32_t minor, const grt_host_api *host,
                                      const grt_plugin_api **out) {
    if (major != GRT_ABI_MAJOR) return GRT_ERROR_ABI;
    g_host = host;
    *out = &k_api;
    return GRT_OK;
}
