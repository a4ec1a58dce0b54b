/*
 * genrt/model.h - models: read from a file, build with the graph builder, save, inspect, reshape.
 *
 * A grt_model owns its graph. Weights are either copied in (builder) or mapped from the file
 * (grt_model_read); a mapping stays alive as long as any model or compiled model uses it.
 * Compiling a model takes a snapshot: later changes to the model do not affect compiled models.
 * Thread-safety: a model must not be modified while another thread uses it; reading from several
 * threads (including compiling) is safe.
 *
 * Graph builder: nodes are added in topological order (inputs must already exist). An output of a
 * node is named by a grt_port {node id, output port}. Each add call validates the node and runs
 * shape inference; on failure the model is left unchanged. Op semantics: docs/OPSET.md.
 */
#ifndef GENRT_MODEL_H
#define GENRT_MODEL_H

#include <genrt/status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct grt_core grt_core;
typedef struct grt_model grt_model;

/* New empty model. name may be NULL. */
GRT_EXPORT grt_status grt_model_create(const char *name, grt_model **out);
/* NULL is a no-op. Compiled models of it stay valid. */
GRT_EXPORT void grt_model_destroy(grt_model *model);

/* Reads a model file; the format is detected from its contents (GenRT IR; more formats in later
 * versions). core may be NULL. Errors: NOT_FOUND/IO (file), FORMAT (corrupt, truncated or hostile
 * contents; the message names the file and what is wrong), NOT_SUPPORTED (newer IR version). */
GRT_EXPORT grt_status grt_model_read(grt_core *core, const char *path, grt_model **out);

/* Writes the model as a GenRT IR file (see docs/IR_FORMAT.md), atomically (temporary file +
 * rename). Errors: IO, SHAPE (the model fails validation, e.g. it has no Result). */
GRT_EXPORT grt_status grt_model_save(const grt_model *model, const char *path);

/* --- builder ------------------------------------------------------------------------------ */

/* A model input. dims may contain GRT_DYNAMIC. name must be unique among inputs. */
GRT_EXPORT grt_status grt_model_add_parameter(grt_model *model, const char *name,
                                              grt_element_type type, size_t rank,
                                              const int64_t *dims, grt_port *out);

/* A constant; `data` (dense, `bytes` long, must match type and dims) is copied. */
GRT_EXPORT grt_status grt_model_add_constant(grt_model *model, const char *name,
                                             grt_element_type type, size_t rank,
                                             const int64_t *dims, const void *data, size_t bytes,
                                             grt_port *out);

/* A compressed constant of logical element type `type` (F32/F16/BF16) and shape dims, from
 * quantized values `q` (storage type and packing as in grt_compression_info, q_bytes long) and
 * the scales / zero points described by `info`; everything is copied. Validates sizes and that
 * info->group_size divides the last dimension. */
GRT_EXPORT grt_status grt_model_add_compressed_constant(grt_model *model, const char *name,
                                                        grt_element_type type, size_t rank,
                                                        const int64_t *dims, const void *q,
                                                        size_t q_bytes,
                                                        const grt_compression_info *info,
                                                        grt_port *out);

/* Any other op (not Parameter/Constant/Result). inputs[n_inputs] are producer ports, attrs
 * the op's attributes (strings and arrays are copied). *out_node receives the new node id; its
 * outputs are ports 0..k-1. Errors: INVALID_ARGUMENT (bad input port, unknown or ill-typed
 * attribute), SHAPE (shape/type inference failed; the message names the node). */
GRT_EXPORT grt_status grt_model_add_op(grt_model *model, grt_op_type op, const char *name,
                                       size_t n_inputs, const grt_port *inputs, size_t n_attrs,
                                       const grt_attribute *attrs, uint32_t *out_node);

/* A model output fed by `value`. name must be unique among outputs. */
GRT_EXPORT grt_status grt_model_add_result(grt_model *model, const char *name, grt_port value);

/* --- inspection -------------------------------------------------------------------------- */

/* Borrowed; valid while the model lives. */
GRT_EXPORT const char *grt_model_name(const grt_model *model);
GRT_EXPORT size_t grt_model_node_count(const grt_model *model);
GRT_EXPORT size_t grt_model_input_count(const grt_model *model);
GRT_EXPORT size_t grt_model_output_count(const grt_model *model);
/* Name (borrowed, valid until the model changes), element type and partial shape of input/output
 * `index`. Any out pointer may be NULL. Errors: INVALID_ARGUMENT (index out of range). */
GRT_EXPORT grt_status grt_model_input(const grt_model *model, size_t index, const char **name,
                                      grt_element_type *type, grt_shape *shape);
GRT_EXPORT grt_status grt_model_output(const grt_model *model, size_t index, const char **name,
                                       grt_element_type *type, grt_shape *shape);
/* Index of the input/output called name. Errors: NOT_FOUND. */
GRT_EXPORT grt_status grt_model_input_index(const grt_model *model, const char *name,
                                            size_t *index);
GRT_EXPORT grt_status grt_model_output_index(const grt_model *model, const char *name,
                                             size_t *index);

/* Gives inputs new (partial) shapes and re-runs shape inference over the whole graph; on failure
 * the model is unchanged. names[i] gets shapes[i]. Errors: NOT_FOUND (input name), SHAPE. */
GRT_EXPORT grt_status grt_model_reshape(grt_model *model, size_t count, const char *const *names,
                                        const grt_shape *shapes);

#ifdef __cplusplus
}
#endif
#endif
