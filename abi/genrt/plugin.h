/*
 * genrt/plugin.h - the GenRT device plugin ABI, version 1.
 *
 * A device plugin is a shared object that exports two C symbols:
 *
 *   int32_t grt_plugin_probe(grt_plugin_probe_info *info);
 *       Cheap: no device initialisation beyond discovery. Fills `info` (the caller sets
 *       info->struct_size first; the plugin writes only fields that fit) and returns a score:
 *       0 = cannot run on this machine, higher = better suited. Must not allocate memory that
 *       outlives the call; strings it writes are static.
 *
 *   grt_status grt_plugin_init(uint32_t host_abi_major, uint32_t host_abi_minor,
 *                              const grt_host_api *host, const grt_plugin_api **out_api);
 *       Called once per load. The plugin must return GRT_ERROR_ABI if host_abi_major differs
 *       from its own GRT_ABI_MAJOR. It negotiates the minor version: it may use host slots only
 *       up to min(host_abi_minor, its own minor) and it reports its own minor in
 *       (*out_api)->abi_minor. `host` stays valid until `shutdown` returns. *out_api is a
 *       plugin-owned table that stays valid until `shutdown` returns.
 *
 * Versioning (the SQLite io_methods rule): the slot tables below only grow by appending slots;
 * every struct starts with `struct_size`; a caller checks struct_size (or abi_minor) before
 * touching a slot added after v1.0, and a NULL slot means "not supported" (or "use the core
 * default" where the slot says so). Enums never renumber.
 * A slot table may be shorter than this header's struct (a plugin built against an older minor):
 * its struct_size must reach at least past the last mandatory slot (request_infer); the host
 * treats every slot beyond struct_size as NULL and never reads it.
 *
 * Threading, unless a slot says otherwise: the core serialises calls on one plugin object
 * (plugin, compiled model, infer request); different infer requests of one compiled model may be
 * used from different threads at the same time; a compiled model may be used to create requests
 * concurrently with requests running.
 *
 * Errors: a slot returns a grt_status and, for any status but GRT_OK, should first call
 * host->set_error() with a message naming the node/tensor/property/device concerned.
 * Plugins never abort(), exit() or write to stdout.
 */
#ifndef GENRT_PLUGIN_H
#define GENRT_PLUGIN_H

#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GRT_ABI_MAJOR 1
#define GRT_ABI_MINOR 0

/* Opaque handles. */
typedef struct grt_graph_view grt_graph_view;         /* core-owned, read-only graph */
typedef struct grt_compiled_handle grt_compiled_handle; /* plugin-owned compiled model */
typedef struct grt_request_handle grt_request_handle;   /* plugin-owned infer request */

/* ---------------------------------------------------------------------------------------------
 * Probe information. Frozen v1 prefix; appended fields are written only if struct_size allows.
 */
typedef struct grt_plugin_probe_info {
    uint32_t struct_size;  /* in: set by the caller to sizeof its struct */
    uint32_t abi_major;    /* out: the plugin's GRT_ABI_MAJOR */
    uint32_t abi_minor;    /* out: the plugin's GRT_ABI_MINOR */
    uint32_t device_count; /* out: devices found by discovery (may be 0) */
    const char *name;      /* out: device type name, e.g. "CPU", "GPU" (static string) */
    const char *version;   /* out: plugin version string (static) */
} grt_plugin_probe_info;

/* ---------------------------------------------------------------------------------------------
 * Host API: services the core offers to plugins. Owned by the core; valid until the plugin's
 * `shutdown` returns. All slots are thread-safe.
 *
 * Graph view accessors: a grt_graph_view is an immutable snapshot of a model. It is valid for the
 * duration of the slot call that received it; a plugin that keeps pointers into it (e.g. constant
 * data, to avoid a copy of the weights) calls graph_retain() and later graph_release().
 * Nodes are numbered 0..node_count-1 in topological order (every input of node i is an output
 * of a node j < i). Pointers returned by the accessors live as long as the view.
 */
typedef struct grt_host_api {
    uint32_t struct_size;
    uint32_t abi_major;
    uint32_t abi_minor;
    uint32_t reserved;

    /* Sets the calling thread's last-error message (copied). Returns `status` for convenience. */
    grt_status (*set_error)(grt_status status, const char *message);
    /* Logs a message through the application's log callback (copied; may be dropped). */
    void (*log)(grt_log_level level, const char *plugin, const char *message);

    void (*graph_retain)(const grt_graph_view *g);
    void (*graph_release)(const grt_graph_view *g);
    uint32_t (*graph_node_count)(const grt_graph_view *g);
    /* Parameters (inputs) and results (outputs) in the model's order; return node ids. */
    uint32_t (*graph_parameter_count)(const grt_graph_view *g);
    uint32_t (*graph_parameter_node)(const grt_graph_view *g, uint32_t index);
    uint32_t (*graph_result_count)(const grt_graph_view *g);
    uint32_t (*graph_result_node)(const grt_graph_view *g, uint32_t index);

    grt_op_type (*node_op)(const grt_graph_view *g, uint32_t node);
    const char *(*node_name)(const grt_graph_view *g, uint32_t node);
    uint32_t (*node_input_count)(const grt_graph_view *g, uint32_t node);
    /* The producer of input `index` of `node`. GRT_ERROR_INVALID_ARGUMENT if out of range. */
    grt_status (*node_input)(const grt_graph_view *g, uint32_t node, uint32_t index, grt_port *src);
    uint32_t (*node_output_count)(const grt_graph_view *g, uint32_t node);
    /* Element type and (possibly dynamic) shape of an output. */
    grt_status (*node_output_type)(const grt_graph_view *g, uint32_t node, uint32_t port,
                                   grt_element_type *type, grt_shape *shape);
    /* An attribute by name; GRT_ERROR_NOT_FOUND if the node has no such attribute. */
    grt_status (*node_attr)(const grt_graph_view *g, uint32_t node, const char *name,
                            grt_attr_value *out);
    /* Raw data of a Constant (the quantized values if compressed). NOT_FOUND if not a Constant.
     * The data is 64-byte aligned and read-only. */
    grt_status (*const_data)(const grt_graph_view *g, uint32_t node, const void **data,
                             size_t *bytes);
    /* Compression of a Constant; out->kind = GRT_COMPRESSION_NONE if not compressed.
     * The caller sets out->struct_size. */
    grt_status (*const_compression)(const grt_graph_view *g, uint32_t node,
                                    grt_compression_info *out);
    /* Shape inference of one node for concrete (or partial) input shapes, e.g. at run time with
     * dynamic dims resolved: in_shapes has node_input_count entries, out_shapes receives
     * node_output_count entries. Same rules the core validated the graph with. */
    grt_status (*infer_shapes)(const grt_graph_view *g, uint32_t node, const grt_shape *in_shapes,
                               grt_shape *out_shapes);
    /* Slots appended after ABI 1.0 go below this line. */
} grt_host_api;

/* ---------------------------------------------------------------------------------------------
 * Plugin API: what a plugin offers the core. Plugin-owned, valid until `shutdown` returns.
 *
 * A plugin holds no per-application mutable configuration: the core keeps the properties an
 * application set on a device and passes them (merged with the compile-time ones) to
 * compile_model. Devices are numbered 0..device_count-1.
 */
typedef struct grt_plugin_api {
    uint32_t struct_size;
    uint32_t abi_major;
    uint32_t abi_minor;
    uint32_t reserved;
    const char *name;    /* device type, e.g. "CPU" (same as probe) */
    const char *version; /* plugin version string */

    /* Releases everything the plugin holds. Called once, after every object it created was
     * destroyed. May be NULL. */
    void (*shutdown)(void);

    grt_status (*device_count)(uint32_t *count);

    /* Read a device property. Strings/lists written into *out are plugin-owned and stay valid
     * until the next get_property call on the same plugin (the core copies them at once; calls
     * are serialised). NOT_FOUND for an unknown key. The core answers SUPPORTED_PROPERTIES
     * itself from supported_properties. */
    grt_status (*get_property)(uint32_t device, const char *key, grt_value *out);

    /* Checks that `value` is acceptable for the mutable property `key` without storing it.
     * NOT_FOUND for an unknown key, INVALID_ARGUMENT for a bad value or a read-only key. */
    grt_status (*check_property)(uint32_t device, const char *key, const grt_value *value);

    /* The properties of a device: a plugin-owned static array. */
    grt_status (*supported_properties)(uint32_t device, const grt_property_info **infos,
                                       size_t *count);

    /* For each node of g, writes supported[node] = 1 if the device can execute it, else 0.
     * `supported` has graph_node_count(g) entries. */
    grt_status (*query_model)(uint32_t device, const grt_graph_view *g, uint8_t *supported);

    /* Compiles g for the device with properties props[0..n_props-1] (already validated by
     * check_property; later entries override earlier ones). On success *out is a new handle
     * that the core destroys with compiled_destroy. */
    grt_status (*compile_model)(uint32_t device, const grt_graph_view *g, const grt_property *props,
                                size_t n_props, grt_compiled_handle **out);
    void (*compiled_destroy)(grt_compiled_handle *cm);
    /* A property of a compiled model (its effective configuration), strings as get_property. */
    grt_status (*compiled_get_property)(grt_compiled_handle *cm, const char *key, grt_value *out);

    grt_status (*request_create)(grt_compiled_handle *cm, grt_request_handle **out);
    void (*request_destroy)(grt_request_handle *rq);
    /* Binds input `index` (graph_parameter order). The plugin borrows desc->data until the input
     * is bound again or the request is destroyed; the descriptor itself is copied. The shape must
     * be compatible with the parameter's (dynamic dims may take any value). */
    grt_status (*request_set_input)(grt_request_handle *rq, uint32_t index,
                                    const grt_tensor_desc *desc);
    /* Describes output `index` (graph_result order) after an infer. The memory is plugin-owned
     * and valid until the next infer or the request's destruction. The caller sets
     * desc->struct_size. */
    grt_status (*request_get_output)(grt_request_handle *rq, uint32_t index, grt_tensor_desc *desc);
    /* Runs the model synchronously on the bound inputs, updating state variables in place. */
    grt_status (*request_infer)(grt_request_handle *rq);
    /* Optional asynchronous pair; NULL = the core runs request_infer on a thread of its own.
     * After start_async returns GRT_OK the core calls wait exactly once. */
    grt_status (*request_start_async)(grt_request_handle *rq);
    grt_status (*request_wait)(grt_request_handle *rq);

    /* State variables (one per distinct ReadValue variable_id), in a stable order. */
    grt_status (*state_count)(grt_request_handle *rq, uint32_t *count);
    /* Variable id; plugin-owned string valid while the request lives. */
    grt_status (*state_name)(grt_request_handle *rq, uint32_t index, const char **name);
    /* Current value; memory plugin-owned, valid until the next infer/state call on rq. */
    grt_status (*state_get)(grt_request_handle *rq, uint32_t index, grt_tensor_desc *desc);
    /* Replaces the value (copied). */
    grt_status (*state_set)(grt_request_handle *rq, uint32_t index, const grt_tensor_desc *desc);
    /* Resets to the initial value (the ReadValue's init input, or an empty/zero tensor). */
    grt_status (*state_reset)(grt_request_handle *rq, uint32_t index);
    /* Slots appended after ABI 1.0 go below this line. */
} grt_plugin_api;

/* Exported entry points (types for dlsym). */
typedef int32_t (*grt_plugin_probe_fn)(grt_plugin_probe_info *info);
typedef grt_status (*grt_plugin_init_fn)(uint32_t host_abi_major, uint32_t host_abi_minor,
                                         const grt_host_api *host, const grt_plugin_api **out_api);

#define GRT_PLUGIN_PROBE_SYMBOL "grt_plugin_probe"
#define GRT_PLUGIN_INIT_SYMBOL "grt_plugin_init"

/* ---------------------------------------------------------------------------------------------
 * Layout assertions (LP64). A change here is an ABI break.
 */
#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L && UINTPTR_MAX == 0xFFFFFFFFFFFFFFFFu
_Static_assert(sizeof(grt_shape) == 72, "grt_shape layout");
_Static_assert(sizeof(grt_port) == 8, "grt_port layout");
_Static_assert(sizeof(grt_attr_value) == 24, "grt_attr_value layout");
_Static_assert(sizeof(grt_value) == 24, "grt_value layout");
_Static_assert(sizeof(grt_property) == 32, "grt_property layout");
_Static_assert(sizeof(grt_property_info) == 32, "grt_property_info layout");
_Static_assert(sizeof(grt_tensor_desc) == 160, "grt_tensor_desc layout");
_Static_assert(sizeof(grt_compression_info) == 64, "grt_compression_info layout");
_Static_assert(sizeof(grt_plugin_probe_info) == 32, "grt_plugin_probe_info layout");
_Static_assert(sizeof(grt_host_api) == 16 + 19 * sizeof(void *), "grt_host_api v1.0 layout");
_Static_assert(sizeof(grt_plugin_api) == 32 + 21 * sizeof(void *), "grt_plugin_api v1.0 layout");
#endif

#ifdef __cplusplus
}
#endif
#endif /* GENRT_PLUGIN_H */
