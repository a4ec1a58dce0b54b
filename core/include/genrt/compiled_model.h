/*
 * genrt/compiled_model.h - a model compiled for one device.
 *
 * Owns the plugin's compiled handle and keeps the plugin loaded while it lives. It does not need
 * its core, and its infer requests keep it alive: they may be destroyed before or after it (the
 * handle goes when the last of them is gone). Thread-safety: all functions may be called
 * concurrently.
 */
#ifndef GENRT_COMPILED_MODEL_H
#define GENRT_COMPILED_MODEL_H

#include <genrt/core.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct grt_infer_request grt_infer_request;

/* Releases the application's reference. NULL is a no-op. Live infer requests stay usable. */
GRT_EXPORT void grt_compiled_model_destroy(grt_compiled_model *cm);

/* The device name it was compiled for (borrowed, valid while cm lives). */
GRT_EXPORT const char *grt_compiled_model_device(const grt_compiled_model *cm);

/* An effective property (e.g. INFERENCE_NUM_THREADS, PERFORMANCE_HINT). *out is caller-owned:
 * release it with grt_value_clear. Errors: NOT_FOUND. */
GRT_EXPORT grt_status grt_compiled_model_get_property(grt_compiled_model *cm, const char *key,
                                                      grt_value *out);

/* Inputs and outputs, as grt_model_input/grt_model_output of the compiled snapshot (names
 * borrowed, valid while cm lives). Errors: INVALID_ARGUMENT (index out of range). */
GRT_EXPORT size_t grt_compiled_model_input_count(const grt_compiled_model *cm);
GRT_EXPORT size_t grt_compiled_model_output_count(const grt_compiled_model *cm);
GRT_EXPORT grt_status grt_compiled_model_input(const grt_compiled_model *cm, size_t index,
                                               const char **name, grt_element_type *type,
                                               grt_shape *shape);
GRT_EXPORT grt_status grt_compiled_model_output(const grt_compiled_model *cm, size_t index,
                                                const char **name, grt_element_type *type,
                                                grt_shape *shape);

/* New infer request with its own state variables; *out is caller-owned
 * (grt_infer_request_destroy) and holds a reference on cm. Errors: DEVICE. */
GRT_EXPORT grt_status grt_compiled_model_create_infer_request(grt_compiled_model *cm,
                                                              grt_infer_request **out);

#ifdef __cplusplus
}
#endif
#endif
