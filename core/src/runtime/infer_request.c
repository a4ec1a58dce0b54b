/*
 * runtime/infer_request.c - grt_infer_request: binding inputs (with type/shape checks against
 * the compiled model), synchronous and asynchronous infer, and outputs as borrowed tensors that
 * point at the plugin's memory and are refreshed after each infer.
 *
 * Asynchronous runs: if the plugin has request_start_async and request_wait, start_async runs in
 * the caller's thread and a worker thread calls request_wait; otherwise the worker thread runs
 * request_infer. Either way the worker refreshes the outputs and publishes its status and error
 * message under rq->lock, and grt_infer_request_wait waits on rq->cond with a timeout.
 * Ownership and threading: see request_internal.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ir/graph_view.h"
#include "runtime/request_internal.h"

static const grt_plugin_api *api_of(const grt_infer_request *rq) { return &rq->plugin->api; }

grt_status grt_compiled_model_create_infer_request(grt_compiled_model *cm,
                                                   grt_infer_request **out) {
    grt_infer_request *rq = NULL;
    grt_request_handle *h = NULL;
    pthread_condattr_t attr;
    grt_status st;
    if (!out)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "create_infer_request: out is NULL");
    *out = NULL;
    if (!cm) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "create_infer_request: model is NULL");
    pthread_mutex_lock(&cm->lock);
    grt_clear_error();
    st = cm->plugin->api.request_create(cm->handle, &h);
    pthread_mutex_unlock(&cm->lock);
    if (st != GRT_OK)
        return grt_plugin_call_failed(st, "creating an infer request on '%s'", cm->device_name);
    if (!h)
        return grt_error(GRT_ERROR_DEVICE, "creating an infer request on '%s': no handle returned",
                         cm->device_name);
    rq = calloc(1, sizeof *rq);
    if (!rq) goto oom;
    rq->handle = h;
    rq->n_inputs = cm->n_inputs;
    rq->n_outputs = cm->n_outputs;
    rq->bound = calloc(rq->n_inputs ? rq->n_inputs : 1, sizeof *rq->bound);
    rq->outputs = calloc(rq->n_outputs ? rq->n_outputs : 1, sizeof *rq->outputs);
    if (!rq->bound || !rq->outputs) goto oom;
    for (size_t i = 0; i < rq->n_outputs; i++) rq->outputs[i].borrowed = 1;
    grt_compiled_model_retain(cm);
    rq->cm = cm;
    grt_plugin_retain(cm->plugin);
    rq->plugin = cm->plugin;
    pthread_mutex_init(&rq->lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&rq->cond, &attr);
    pthread_condattr_destroy(&attr);
    st = grt_request_init_states(rq);
    if (st != GRT_OK) {
        grt_infer_request_destroy(rq);
        return st;
    }
    *out = rq;
    return GRT_OK;
oom:
    if (rq) {
        free(rq->bound);
        free(rq->outputs);
        free(rq);
    }
    cm->plugin->api.request_destroy(h);
    return grt_error(GRT_ERROR_OUT_OF_MEMORY, "creating an infer request: out of memory");
}

grt_status grt_request_check_idle(grt_infer_request *rq, const char *what) {
    pthread_mutex_lock(&rq->lock);
    if (rq->phase == GRT_ASYNC_RUNNING) {
        pthread_mutex_unlock(&rq->lock);
        return grt_error(GRT_ERROR_BUSY,
                         "%s: an async infer is running (call grt_infer_request_wait first)",
                         what);
    }
    if (rq->phase == GRT_ASYNC_DONE) {
        if (rq->thread_joinable) pthread_join(rq->thread, NULL);
        rq->thread_joinable = 0;
        rq->phase = GRT_ASYNC_IDLE;
        rq->result_pending = 1;
    }
    pthread_mutex_unlock(&rq->lock);
    return GRT_OK;
}

/* Name of input/output index of the compiled model ("?" if unavailable). */
static const char *io_name(const grt_infer_request *rq, int is_output, size_t index) {
    const char *name = NULL;
    grt_element_type t;
    grt_shape s;
    if (grt_ir_view_io(rq->cm->view, is_output, index, &name, &t, &s) != GRT_OK || !name)
        return "?";
    return name;
}

/* "[2,?,8]" into buf. */
static const char *shape_str(const grt_shape *s, char *buf, size_t size) {
    size_t used = (size_t)snprintf(buf, size, "[");
    for (uint32_t i = 0; i < s->rank && used < size; i++) {
        if (s->dims[i] < 0)
            used += (size_t)snprintf(buf + used, size - used, "%s?", i ? "," : "");
        else
            used += (size_t)snprintf(buf + used, size - used, "%s%lld", i ? "," : "",
                                     (long long)s->dims[i]);
    }
    if (used < size) snprintf(buf + used, size - used, "]");
    return buf;
}

/* SHAPE error unless type/dims fit the model's type and partial shape. `what` names the tensor. */
static grt_status check_compatible(const char *what, grt_element_type type, size_t rank,
                                   const int64_t *dims, grt_element_type want_type,
                                   const grt_shape *want, grt_status status) {
    char a[160], b[160];
    grt_shape got;
    memset(&got, 0, sizeof got);
    got.rank = (uint32_t)rank;
    for (size_t i = 0; i < rank && i < GRT_MAX_RANK; i++) got.dims[i] = dims[i];
    if (type != want_type)
        return grt_error(status, "%s: element type %s does not match the model's %s", what,
                         grt_element_type_name(type), grt_element_type_name(want_type));
    if (rank != want->rank)
        return grt_error(status, "%s: shape %s has rank %zu, the model expects %s", what,
                         shape_str(&got, a, sizeof a), rank, shape_str(want, b, sizeof b));
    for (size_t i = 0; i < rank; i++) {
        if (want->dims[i] >= 0 && want->dims[i] != dims[i])
            return grt_error(status, "%s: shape %s does not match the model's %s (dimension %zu)",
                             what, shape_str(&got, a, sizeof a), shape_str(want, b, sizeof b), i);
    }
    return GRT_OK;
}

grt_status grt_infer_request_set_input(grt_infer_request *rq, size_t index, grt_tensor *tensor) {
    const char *name = NULL;
    grt_element_type type = GRT_UNDEFINED;
    grt_shape shape;
    grt_tensor_desc desc;
    char what[300];
    if (!rq || !tensor)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "grt_infer_request_set_input: NULL argument");
    grt_status st = grt_request_check_idle(rq, "grt_infer_request_set_input");
    if (st != GRT_OK) return st;
    if (index >= rq->n_inputs)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "input index %zu out of range (model has %zu)",
                         index, rq->n_inputs);
    st = grt_ir_view_io(rq->cm->view, 0, index, &name, &type, &shape);
    if (st != GRT_OK) return st;
    snprintf(what, sizeof what, "input '%s'", name ? name : "?");
    st = check_compatible(what, tensor->type, tensor->rank, tensor->dims, type, &shape,
                          GRT_ERROR_SHAPE);
    if (st != GRT_OK) return st;
    grt_tensor_to_desc(tensor, &desc);
    grt_clear_error();
    st = api_of(rq)->request_set_input(rq->handle, (uint32_t)index, &desc);
    if (st != GRT_OK) return grt_plugin_call_failed(st, "%s", what);
    rq->bound[index] = tensor;
    return GRT_OK;
}

grt_status grt_infer_request_set_tensor(grt_infer_request *rq, const char *name,
                                        grt_tensor *tensor) {
    if (!rq || !name)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "grt_infer_request_set_tensor: NULL argument");
    for (size_t i = 0; i < rq->n_inputs; i++) {
        if (!strcmp(io_name(rq, 0, i), name)) return grt_infer_request_set_input(rq, i, tensor);
    }
    return grt_error(GRT_ERROR_NOT_FOUND, "the model has no input called '%s'", name);
}

/* Re-reads every output descriptor from the plugin after an infer. */
static grt_status refresh_outputs(grt_infer_request *rq) {
    for (size_t i = 0; i < rq->n_outputs; i++) {
        const char *name = NULL;
        grt_element_type type = GRT_UNDEFINED;
        grt_shape shape;
        grt_tensor_desc desc;
        char what[300];
        grt_status st = grt_ir_view_io(rq->cm->view, 1, i, &name, &type, &shape);
        if (st != GRT_OK) return st;
        snprintf(what, sizeof what, "output '%s'", name ? name : "?");
        memset(&desc, 0, sizeof desc);
        desc.struct_size = sizeof desc;
        grt_clear_error();
        st = api_of(rq)->request_get_output(rq->handle, (uint32_t)i, &desc);
        if (st != GRT_OK) return grt_plugin_call_failed(st, "%s", what);
        grt_tensor tmp = rq->outputs[i];
        st = grt_tensor_set_from_desc(&tmp, &desc, what);
        if (st != GRT_OK) return st;
        st = check_compatible(what, tmp.type, tmp.rank, tmp.dims, type, &shape, GRT_ERROR_DEVICE);
        if (st != GRT_OK) return grt_error_wrap(st, "plugin '%s'", rq->plugin->name);
        rq->outputs[i] = tmp;
    }
    rq->have_outputs = 1;
    return GRT_OK;
}

static grt_status check_bound(grt_infer_request *rq) {
    for (size_t i = 0; i < rq->n_inputs; i++) {
        if (!rq->bound[i])
            return grt_error(GRT_ERROR_INVALID_ARGUMENT, "input '%s' (index %zu) is not bound",
                             io_name(rq, 0, i), i);
    }
    return GRT_OK;
}

/* Runs (or, after start_async, waits for) one infer and refreshes the outputs. */
static grt_status run_body(grt_infer_request *rq, int plugin_async) {
    grt_clear_error();
    grt_status st = plugin_async ? api_of(rq)->request_wait(rq->handle)
                                 : api_of(rq)->request_infer(rq->handle);
    if (st != GRT_OK) return grt_plugin_call_failed(st, "infer on '%s'", rq->cm->device_name);
    return refresh_outputs(rq);
}

grt_status grt_infer_request_infer(grt_infer_request *rq) {
    if (!rq) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "grt_infer_request_infer: rq is NULL");
    grt_status st = grt_request_check_idle(rq, "grt_infer_request_infer");
    if (st != GRT_OK) return st;
    st = check_bound(rq);
    if (st != GRT_OK) return st;
    rq->result_pending = 0;
    rq->have_outputs = 0;
    return run_body(rq, 0);
}

typedef struct async_arg {
    grt_infer_request *rq;
    int plugin_async;
} async_arg;

static void finish_async(grt_infer_request *rq, grt_status st) {
    pthread_mutex_lock(&rq->lock);
    rq->async_status = st;
    snprintf(rq->async_error, sizeof rq->async_error, "%s", st == GRT_OK ? "" : grt_last_error());
    rq->phase = GRT_ASYNC_DONE;
    pthread_cond_broadcast(&rq->cond);
    pthread_mutex_unlock(&rq->lock);
}

static void *async_worker(void *p) {
    async_arg *a = p;
    grt_infer_request *rq = a->rq;
    int plugin_async = a->plugin_async;
    free(a);
    finish_async(rq, run_body(rq, plugin_async));
    return NULL;
}

grt_status grt_infer_request_start_async(grt_infer_request *rq) {
    if (!rq)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "grt_infer_request_start_async: rq is NULL");
    grt_status st = grt_request_check_idle(rq, "grt_infer_request_start_async");
    if (st != GRT_OK) return st;
    st = check_bound(rq);
    if (st != GRT_OK) return st;
    async_arg *a = malloc(sizeof *a);
    if (!a) return grt_error(GRT_ERROR_OUT_OF_MEMORY, "start_async: out of memory");
    a->rq = rq;
    a->plugin_async = api_of(rq)->request_start_async && api_of(rq)->request_wait;
    rq->result_pending = 0;
    rq->have_outputs = 0;
    if (a->plugin_async) {
        grt_clear_error();
        st = api_of(rq)->request_start_async(rq->handle);
        if (st != GRT_OK) {
            free(a);
            return grt_plugin_call_failed(st, "start_async on '%s'", rq->cm->device_name);
        }
    }
    pthread_mutex_lock(&rq->lock);
    rq->phase = GRT_ASYNC_RUNNING;
    pthread_mutex_unlock(&rq->lock);
    if (pthread_create(&rq->thread, NULL, async_worker, a) == 0) {
        rq->thread_joinable = 1;
        return GRT_OK;
    }
    /* No thread available: complete the run here; wait() reports its status. */
    rq->thread_joinable = 0;
    async_worker(a);
    return GRT_OK;
}

grt_status grt_infer_request_wait(grt_infer_request *rq, int64_t timeout_ms) {
    struct timespec deadline;
    if (!rq) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "grt_infer_request_wait: rq is NULL");
    if (timeout_ms >= 0) {
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += (time_t)(timeout_ms / 1000);
        deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
    }
    pthread_mutex_lock(&rq->lock);
    while (rq->phase == GRT_ASYNC_RUNNING) {
        if (timeout_ms < 0) {
            pthread_cond_wait(&rq->cond, &rq->lock);
        } else if (pthread_cond_timedwait(&rq->cond, &rq->lock, &deadline) == ETIMEDOUT &&
                   rq->phase == GRT_ASYNC_RUNNING) {
            pthread_mutex_unlock(&rq->lock);
            return grt_error(GRT_ERROR_TIMEOUT, "infer on '%s' still running after %lld ms",
                             rq->cm->device_name, (long long)timeout_ms);
        }
    }
    if (rq->phase == GRT_ASYNC_DONE) {
        if (rq->thread_joinable) pthread_join(rq->thread, NULL);
        rq->thread_joinable = 0;
        rq->phase = GRT_ASYNC_IDLE;
        rq->result_pending = 1;
    }
    grt_status st = GRT_OK;
    if (rq->result_pending) {
        rq->result_pending = 0;
        st = rq->async_status;
        if (st != GRT_OK) grt_error(st, "%s", rq->async_error);
    }
    pthread_mutex_unlock(&rq->lock);
    return st;
}

static grt_status get_output(grt_infer_request *rq, size_t index, grt_tensor **out) {
    grt_status st = grt_request_check_idle(rq, "grt_infer_request_get_output");
    if (st != GRT_OK) return st;
    if (index >= rq->n_outputs)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT,
                         "output index %zu out of range (model has %zu)", index, rq->n_outputs);
    if (!rq->have_outputs)
        return grt_error(GRT_ERROR_BUSY, "output '%s': no infer has completed on this request",
                         io_name(rq, 1, index));
    *out = &rq->outputs[index];
    return GRT_OK;
}

grt_status grt_infer_request_get_output(grt_infer_request *rq, size_t index, grt_tensor **out) {
    if (!rq || !out)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "grt_infer_request_get_output: NULL argument");
    *out = NULL;
    return get_output(rq, index, out);
}

grt_status grt_infer_request_get_tensor(grt_infer_request *rq, const char *name,
                                        grt_tensor **out) {
    if (!rq || !name || !out)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "grt_infer_request_get_tensor: NULL argument");
    *out = NULL;
    for (size_t i = 0; i < rq->n_outputs; i++) {
        if (!strcmp(io_name(rq, 1, i), name)) return get_output(rq, i, out);
    }
    return grt_error(GRT_ERROR_NOT_FOUND, "the model has no output called '%s'", name);
}

void grt_infer_request_destroy(grt_infer_request *rq) {
    if (!rq) return;
    grt_infer_request_wait(rq, -1);
    grt_request_free_states(rq);
    api_of(rq)->request_destroy(rq->handle);
    pthread_cond_destroy(&rq->cond);
    pthread_mutex_destroy(&rq->lock);
    free(rq->bound);
    free(rq->outputs);
    grt_compiled_model_release(rq->cm);
    grt_plugin_release(rq->plugin);
    free(rq);
}
