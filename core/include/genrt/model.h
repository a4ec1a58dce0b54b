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


/* --- metadata ------------------------------------------------------------------------------
 * A model carries typed key/value metadata (OpenVINO's rt_info, GGUF's metadata): architecture,
 * tokenizer vocabulary and merges, chat template, generation defaults... It is saved in the IR
 * file and written to GGUF. Keys are UTF-8 strings (GGUF spelling where one exists, e.g.
 * "general.architecture", "tokenizer.ggml.tokens", "tokenizer.chat_template"). Setting a key
 * replaces its value; values are copied. Strings are byte strings with explicit lengths (they may
 * hold any byte but are also NUL-terminated for convenience). */
typedef enum grt_meta_type {
    GRT_META_NONE = 0,
    GRT_META_INT = 1,          /* i */
    GRT_META_FLOAT = 2,        /* f */
    GRT_META_STRING = 3,       /* str.data[str.len] */
    GRT_META_INT_ARRAY = 4,    /* ints.data[ints.count] */
    GRT_META_FLOAT_ARRAY = 5,  /* floats.data[floats.count] */
    GRT_META_STRING_ARRAY = 6  /* strs.data[strs.count], strs.lens[strs.count] */
} grt_meta_type;

typedef struct grt_meta_value {
    uint32_t type; /* grt_meta_type */
    uint32_t reserved;
    union {
        int64_t i;
        double f;
        struct {
            const char *data;
            size_t len;
        } str;
        struct {
            const int64_t *data;
            size_t count;
        } ints;
        struct {
            const double *data;
            size_t count;
        } floats;
        struct {
            const char *const *data;
            const size_t *lens;
            size_t count;
        } strs;
    } u;
} grt_meta_value;

/* Sets key to a copy of *value. Errors: INVALID_ARGUMENT (NULL, bad type, string array with a NULL
 * entry), OUT_OF_MEMORY. */
GRT_EXPORT grt_status grt_model_set_meta(grt_model *model, const char *key,
                                         const grt_meta_value *value);
/* The value of key: pointers borrowed, valid until the key is set again or removed, or the model
 * destroyed. Errors: NOT_FOUND (the message names the key). */
GRT_EXPORT grt_status grt_model_get_meta(const grt_model *model, const char *key,
                                         grt_meta_value *out);
/* Removes key (no-op if absent). */
GRT_EXPORT grt_status grt_model_remove_meta(grt_model *model, const char *key);
/* Keys in insertion order: key `index` (borrowed like get_meta's pointers). */
GRT_EXPORT size_t grt_model_meta_count(const grt_model *model);
GRT_EXPORT const char *grt_model_meta_key(const grt_model *model, size_t index);


/* --- more formats --------------------------------------------------------------------------- */

/* Writes the model in `format`: "ir" (as grt_model_save) or "gguf" (GGUF v3, readable by
 * llama.cpp; only when every weight has a GGUF equivalent: F32, F16, BF16, Q8_0 (int8 sym group 32,
 * f16 scales), Q4_0 (int4 sym group 32), Q4_1 (int4 asym group 32); the model must come from the LLM
 * builder so its tensors have GGUF names). Errors: INVALID_ARGUMENT (unknown format),
 * NOT_SUPPORTED (a tensor or op with no GGUF equivalent: the message names it), IO. */
GRT_EXPORT grt_status grt_model_save_as(const grt_model *model, const char *path,
                                        const char *format);

/* A decoder LLM with the architecture of a Hugging Face config.json (Llama, Mistral, TinyLlama,
 * SmolLM, Qwen2/2.5, Qwen3, Phi-3) and seeded random weights of realistic scale, for speed and
 * memory benchmarks. weight_type: GRT_F32, GRT_F16 or GRT_BF16. Errors: NOT_FOUND/IO/FORMAT
 * (config file), NOT_SUPPORTED (architecture: the message names it), OUT_OF_MEMORY. */
GRT_EXPORT grt_status grt_model_create_random(const char *config_path, uint64_t seed,
                                              grt_element_type weight_type, grt_model **out);

#ifdef __cplusplus
}
#endif
#endif
