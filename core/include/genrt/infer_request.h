/*
 * genrt/infer_request.h - running a compiled model: bind inputs, infer (sync or async), read
 * outputs, query and reset state variables (the KV cache of stateful LLMs).
 *
 * Ownership: input tensors are borrowed by the request until rebound or the request is destroyed
 * (the caller keeps them alive). Output tensors and state objects are owned by the request:
 * borrowed pointers valid until the next infer / set call, or the request's destruction.
 * Thread-safety: one request is used by one thread at a time; different requests of one compiled
 * model may run concurrently. While an async infer runs, only grt_infer_request_wait may be called
 * on the request (others return GRT_ERROR_BUSY).
 */
#ifndef GENRT_INFER_REQUEST_H
#define GENRT_INFER_REQUEST_H

#include <genrt/compiled_model.h>
#include <genrt/tensor.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct grt_state grt_state;

/* NULL is a no-op; waits for a running async infer first. */
GRT_EXPORT void grt_infer_request_destroy(grt_infer_request *rq);

/* Binds input `index` / the input called `name`. Type must match; shape must be compatible.
 * Errors: INVALID_ARGUMENT/NOT_FOUND (index or name), SHAPE (type or shape mismatch), BUSY. */
GRT_EXPORT grt_status grt_infer_request_set_input(grt_infer_request *rq, size_t index,
                                                  grt_tensor *tensor);
GRT_EXPORT grt_status grt_infer_request_set_tensor(grt_infer_request *rq, const char *name,
                                                   grt_tensor *tensor);

/* Output `index` / the output called `name` after an infer (borrowed; see above).
 * Errors: INVALID_ARGUMENT/NOT_FOUND, BUSY (no infer completed yet: message says so). */
GRT_EXPORT grt_status grt_infer_request_get_output(grt_infer_request *rq, size_t index,
                                                   grt_tensor **out);
GRT_EXPORT grt_status grt_infer_request_get_tensor(grt_infer_request *rq, const char *name,
                                                   grt_tensor **out);

/* Runs synchronously. Errors: INVALID_ARGUMENT (an input is unbound), SHAPE, DEVICE, BUSY. */
GRT_EXPORT grt_status grt_infer_request_infer(grt_infer_request *rq);

/* Starts an infer and returns at once; grt_infer_request_wait returns its status (the errors of
 * grt_infer_request_infer). Errors here: BUSY (one is already running). */
GRT_EXPORT grt_status grt_infer_request_start_async(grt_infer_request *rq);
/* Waits for the async infer started last (GRT_OK at once if none is running).
 * timeout_ms < 0 waits forever; GRT_ERROR_TIMEOUT if it is still running after timeout_ms. */
GRT_EXPORT grt_status grt_infer_request_wait(grt_infer_request *rq, int64_t timeout_ms);

/* State variables. */
GRT_EXPORT size_t grt_infer_request_state_count(grt_infer_request *rq);
/* Borrowed state object valid while the request lives. Errors: INVALID_ARGUMENT (index). */
GRT_EXPORT grt_status grt_infer_request_state(grt_infer_request *rq, size_t index,
                                              grt_state **out);
/* Resets every state variable (a new conversation). Errors: as grt_state_reset. */
GRT_EXPORT grt_status grt_infer_request_reset_state(grt_infer_request *rq);

/* Variable id (borrowed, valid while the request lives). */
GRT_EXPORT const char *grt_state_name(const grt_state *state);
/* Copy of the current value: a new caller-owned tensor (destroy with grt_tensor_destroy). */
GRT_EXPORT grt_status grt_state_get(grt_state *state, grt_tensor **out);
/* Replaces the value (copied; the caller keeps `value`). */
GRT_EXPORT grt_status grt_state_set(grt_state *state, const grt_tensor *value);
/* Sets the value back to the variable's initial value. */
GRT_EXPORT grt_status grt_state_reset(grt_state *state);
/* The three state calls: Errors: BUSY (an async infer is running), NOT_SUPPORTED (the device's
 * plugin has no such slot), SHAPE/DEVICE (reported by the plugin, e.g. a value of the wrong
 * type or shape). */

#ifdef __cplusplus
}
#endif
#endif
