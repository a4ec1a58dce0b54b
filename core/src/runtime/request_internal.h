/*
 * runtime/request_internal.h - the grt_infer_request and grt_state structs, shared by
 * infer_request.c (binding, infer, async) and state.c (state variables).
 *
 * Ownership: a request holds a reference on its compiled model and its plugin, owns the plugin's
 * request handle, its borrowed output wrappers and its state objects; bound inputs are borrowed
 * from the application.
 * Threading: one application thread uses a request at a time; while an async infer runs, the
 * worker thread owns the plugin handle and the outputs, and rq->lock/rq->cond publish its end.
 */
#ifndef GENRT_RUNTIME_REQUEST_INTERNAL_H
#define GENRT_RUNTIME_REQUEST_INTERNAL_H

#include <pthread.h>

#include "runtime/core_internal.h"
#include "runtime/tensor_internal.h"

struct grt_state {
    grt_infer_request *rq;
    uint32_t index;
    char *name;
};

typedef enum grt_async_phase {
    GRT_ASYNC_IDLE = 0,    /* nothing running */
    GRT_ASYNC_RUNNING = 1, /* the worker thread is running */
    GRT_ASYNC_DONE = 2     /* the worker finished; not yet joined */
} grt_async_phase;

struct grt_infer_request {
    grt_compiled_model *cm; /* one reference */
    grt_plugin *plugin;     /* one reference */
    grt_request_handle *handle;
    size_t n_inputs, n_outputs;
    grt_tensor **bound;   /* bound[n_inputs]: borrowed application tensors, NULL = unbound */
    grt_tensor *outputs;  /* outputs[n_outputs]: borrowed wrappers of plugin memory */
    int have_outputs;     /* 1 after an infer succeeded */
    grt_state *states;    /* states[n_states] */
    size_t n_states;

    pthread_mutex_t lock;
    pthread_cond_t cond; /* signalled when phase becomes DONE */
    grt_async_phase phase;
    pthread_t thread;
    int thread_joinable;
    int result_pending;       /* an async result not yet returned by wait */
    grt_status async_status;  /* result of the last async run */
    char async_error[1024];   /* its error message (the worker's last error) */
};

/* GRT_ERROR_BUSY while an async infer runs; joins a finished one (its result stays pending for
 * grt_infer_request_wait). */
grt_status grt_request_check_idle(grt_infer_request *rq, const char *what);

/* state.c: creates rq->states from the plugin's state slots. Errors: DEVICE, OUT_OF_MEMORY. */
grt_status grt_request_init_states(grt_infer_request *rq);
void grt_request_free_states(grt_infer_request *rq);

#endif
