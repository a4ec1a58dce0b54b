/*
 * runtime/state.c - state variables of an infer request (the KV cache of stateful models):
 * names, copies of the current value, set and reset, through the plugin's state slots.
 *
 * Ownership: state objects belong to their request (rq->states); grt_state_get returns a new
 * caller-owned tensor. Threading: like the request (one application thread at a time; BUSY while
 * an async infer runs).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/request_internal.h"

grt_status grt_request_init_states(grt_infer_request *rq) {
    const grt_plugin_api *api = &rq->plugin->api;
    uint32_t count = 0;
    if (!api->state_count) return GRT_OK;
    grt_clear_error();
    grt_status st = api->state_count(rq->handle, &count);
    if (st != GRT_OK) return grt_plugin_call_failed(st, "state_count on '%s'", rq->cm->device_name);
    if (count == 0) return GRT_OK;
    rq->states = calloc(count, sizeof *rq->states);
    if (!rq->states) return grt_error(GRT_ERROR_OUT_OF_MEMORY, "state objects: out of memory");
    for (uint32_t i = 0; i < count; i++) {
        const char *name = NULL;
        char fallback[32];
        if (api->state_name) {
            grt_clear_error();
            st = api->state_name(rq->handle, i, &name);
            if (st != GRT_OK)
                return grt_plugin_call_failed(st, "state_name %u on '%s'", i, rq->cm->device_name);
        }
        if (!name) {
            snprintf(fallback, sizeof fallback, "state%u", i);
            name = fallback;
        }
        rq->states[i].rq = rq;
        rq->states[i].index = i;
        rq->states[i].name = strdup(name);
        rq->n_states = i + 1;
        if (!rq->states[i].name)
            return grt_error(GRT_ERROR_OUT_OF_MEMORY, "state objects: out of memory");
    }
    return GRT_OK;
}

void grt_request_free_states(grt_infer_request *rq) {
    for (size_t i = 0; i < rq->n_states; i++) free(rq->states[i].name);
    free(rq->states);
    rq->states = NULL;
    rq->n_states = 0;
}

size_t grt_infer_request_state_count(grt_infer_request *rq) { return rq ? rq->n_states : 0; }

grt_status grt_infer_request_state(grt_infer_request *rq, size_t index, grt_state **out) {
    if (!rq || !out)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "grt_infer_request_state: NULL argument");
    *out = NULL;
    if (index >= rq->n_states)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT,
                         "state index %zu out of range (request has %zu)", index, rq->n_states);
    *out = &rq->states[index];
    return GRT_OK;
}

const char *grt_state_name(const grt_state *state) { return state ? state->name : NULL; }

/* Checks the request is idle and the plugin has `slot`. */
static grt_status state_ready(grt_state *state, int has_slot, const char *what) {
    if (!state) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "%s: state is NULL", what);
    grt_status st = grt_request_check_idle(state->rq, what);
    if (st != GRT_OK) return st;
    if (!has_slot)
        return grt_error(GRT_ERROR_NOT_SUPPORTED, "%s: device '%s' does not support it (state '%s')",
                         what, state->rq->cm->device_name, state->name);
    return GRT_OK;
}

grt_status grt_state_get(grt_state *state, grt_tensor **out) {
    grt_tensor_desc desc;
    char what[300];
    if (!out) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "grt_state_get: out is NULL");
    *out = NULL;
    const grt_plugin_api *api = state ? &state->rq->plugin->api : NULL;
    grt_status st = state_ready(state, api && api->state_get, "grt_state_get");
    if (st != GRT_OK) return st;
    memset(&desc, 0, sizeof desc);
    desc.struct_size = sizeof desc;
    grt_clear_error();
    st = api->state_get(state->rq->handle, state->index, &desc);
    if (st != GRT_OK) return grt_plugin_call_failed(st, "state '%s'", state->name);
    snprintf(what, sizeof what, "state '%s'", state->name);
    return grt_tensor_copy_from_desc(&desc, what, out);
}

grt_status grt_state_set(grt_state *state, const grt_tensor *value) {
    grt_tensor_desc desc;
    if (!value) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "grt_state_set: value is NULL");
    const grt_plugin_api *api = state ? &state->rq->plugin->api : NULL;
    grt_status st = state_ready(state, api && api->state_set, "grt_state_set");
    if (st != GRT_OK) return st;
    grt_tensor_to_desc(value, &desc);
    grt_clear_error();
    st = api->state_set(state->rq->handle, state->index, &desc);
    if (st != GRT_OK) return grt_plugin_call_failed(st, "state '%s'", state->name);
    return GRT_OK;
}

grt_status grt_state_reset(grt_state *state) {
    const grt_plugin_api *api = state ? &state->rq->plugin->api : NULL;
    grt_status st =
        state_ready(state, api && api->state_reset, "grt_state_reset");
    if (st != GRT_OK) return st;
    grt_clear_error();
    st = api->state_reset(state->rq->handle, state->index);
    if (st != GRT_OK) return grt_plugin_call_failed(st, "state '%s'", state->name);
    return GRT_OK;
}

grt_status grt_infer_request_reset_state(grt_infer_request *rq) {
    if (!rq) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "grt_infer_request_reset_state: rq is NULL");
    for (size_t i = 0; i < rq->n_states; i++) {
        grt_status st = grt_state_reset(&rq->states[i]);
        if (st != GRT_OK) return st;
    }
    return GRT_OK;
}
