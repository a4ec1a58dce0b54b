/*
 * plugin.c - entry points and the slot table of the CPU device plugin (libgenrt_cpu.so).
 *
 * Exports grt_plugin_probe and grt_plugin_init only; everything else is static or hidden.
 * The plugin has one device ("CPU"). Compiled models are execution plans (exec/plan.h); infer
 * requests run them (exec/request.h). Asynchronous infer is left to the core (start_async/wait
 * are NULL).
 *
 * Ownership: the slot table and the host pointer are process globals set by grt_plugin_init and
 * valid until shutdown. Threading: as in genrt/plugin.h; the plugin keeps no mutable global
 * state beyond what init writes once.
 */
#include <genrt/plugin.h>

#include "exec/plan.h"
#include "exec/request.h"
#include "properties.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define CPU_PLUGIN_NAME "CPU"
#define CPU_PLUGIN_VERSION "0.1.0"
#define CPU_PROBE_SCORE 100

/* Size of the v1.0 host table: the slots up to infer_shapes. */
#define CPU_HOST_API_V1_SIZE (offsetof(grt_host_api, infer_shapes) + sizeof(void *))

struct grt_compiled_handle {
    cpu_plan *plan;
};

struct grt_request_handle {
    cpu_request *rq;
};

static const grt_host_api *g_host;
static uint32_t g_host_minor; /* negotiated: min(host minor, GRT_ABI_MINOR) */

static grt_status bad_device(uint32_t device)
{
    return cpu_host_error(g_host, GRT_ERROR_NOT_FOUND, "CPU: no device %u (the plugin has 1)",
                          device);
}

static grt_status null_arg(const char *what)
{
    return cpu_host_error(g_host, GRT_ERROR_INVALID_ARGUMENT, "CPU: NULL %s", what);
}

static void cpu_shutdown(void)
{
    g_host = NULL;
}

static grt_status cpu_device_count(uint32_t *count)
{
    if (!count)
        return null_arg("count");
    *count = 1;
    return GRT_OK;
}

static grt_status cpu_get_property(uint32_t device, const char *key, grt_value *out)
{
    if (device != 0)
        return bad_device(device);
    return cpu_props_get(g_host, key, out);
}

static grt_status cpu_check_property(uint32_t device, const char *key, const grt_value *value)
{
    if (device != 0)
        return bad_device(device);
    return cpu_props_check(g_host, key, value);
}

static grt_status cpu_supported_properties(uint32_t device, const grt_property_info **infos,
                                           size_t *count)
{
    if (device != 0)
        return bad_device(device);
    if (!infos || !count)
        return null_arg("output pointer");
    cpu_props_table(infos, count);
    return GRT_OK;
}

static grt_status cpu_query_model(uint32_t device, const grt_graph_view *g, uint8_t *supported)
{
    if (device != 0)
        return bad_device(device);
    if (!g || !supported)
        return null_arg("graph or output array");
    return cpu_plan_query(g_host, g, supported);
}

static grt_status cpu_compile_model(uint32_t device, const grt_graph_view *g,
                                    const grt_property *props, size_t n_props,
                                    grt_compiled_handle **out)
{
    cpu_config cfg;
    cpu_plan *plan = NULL;
    grt_compiled_handle *cm = NULL;
    grt_status st;
    if (device != 0)
        return bad_device(device);
    if (!g || !out || (n_props && !props))
        return null_arg("graph, properties or output handle");
    st = cpu_config_parse(g_host, props, n_props, &cfg);
    if (st != GRT_OK)
        return st;
    cm = calloc(1, sizeof(*cm));
    if (!cm)
        return cpu_host_error(g_host, GRT_ERROR_OUT_OF_MEMORY, "CPU: out of memory");
    st = cpu_plan_create(g_host, g, &cfg, &plan);
    if (st != GRT_OK)
        goto fail;
    cm->plan = plan;
    *out = cm;
    return GRT_OK;

fail:
    free(cm);
    return st;
}

static void cpu_compiled_destroy(grt_compiled_handle *cm)
{
    if (!cm)
        return;
    cpu_plan_destroy(cm->plan);
    free(cm);
}

static grt_status cpu_compiled_get_property(grt_compiled_handle *cm, const char *key,
                                            grt_value *out)
{
    if (!cm)
        return null_arg("compiled model");
    return cpu_config_get(g_host, &cm->plan->cfg, key, out);
}

static grt_status cpu_request_create_slot(grt_compiled_handle *cm, grt_request_handle **out)
{
    grt_request_handle *h = NULL;
    grt_status st;
    if (!cm || !out)
        return null_arg("compiled model or output handle");
    h = calloc(1, sizeof(*h));
    if (!h)
        return cpu_host_error(g_host, GRT_ERROR_OUT_OF_MEMORY, "CPU: out of memory");
    st = cpu_request_create(cm->plan, &h->rq);
    if (st != GRT_OK)
        goto fail;
    *out = h;
    return GRT_OK;

fail:
    free(h);
    return st;
}

static void cpu_request_destroy_slot(grt_request_handle *rq)
{
    if (!rq)
        return;
    cpu_request_destroy(rq->rq);
    free(rq);
}

static grt_status cpu_request_set_input_slot(grt_request_handle *rq, uint32_t index,
                                             const grt_tensor_desc *desc)
{
    if (!rq)
        return null_arg("infer request");
    return cpu_request_set_input(rq->rq, index, desc);
}

static grt_status cpu_request_get_output_slot(grt_request_handle *rq, uint32_t index,
                                              grt_tensor_desc *desc)
{
    if (!rq || !desc)
        return null_arg("infer request or descriptor");
    return cpu_request_get_output(rq->rq, index, desc);
}

static grt_status cpu_request_infer_slot(grt_request_handle *rq)
{
    if (!rq)
        return null_arg("infer request");
    return cpu_request_infer(rq->rq);
}

static grt_status cpu_state_count_slot(grt_request_handle *rq, uint32_t *count)
{
    if (!rq || !count)
        return null_arg("infer request or count");
    *count = cpu_request_state_count(rq->rq);
    return GRT_OK;
}

static grt_status cpu_state_name_slot(grt_request_handle *rq, uint32_t index, const char **name)
{
    if (!rq || !name)
        return null_arg("infer request or name");
    return cpu_request_state_name(rq->rq, index, name);
}

static grt_status cpu_state_get_slot(grt_request_handle *rq, uint32_t index,
                                     grt_tensor_desc *desc)
{
    if (!rq || !desc)
        return null_arg("infer request or descriptor");
    return cpu_request_state_get(rq->rq, index, desc);
}

static grt_status cpu_state_set_slot(grt_request_handle *rq, uint32_t index,
                                     const grt_tensor_desc *desc)
{
    if (!rq)
        return null_arg("infer request");
    return cpu_request_state_set(rq->rq, index, desc);
}

static grt_status cpu_state_reset_slot(grt_request_handle *rq, uint32_t index)
{
    if (!rq)
        return null_arg("infer request");
    return cpu_request_state_reset(rq->rq, index);
}

static const grt_plugin_api k_api = {
    .struct_size = sizeof(grt_plugin_api),
    .abi_major = GRT_ABI_MAJOR,
    .abi_minor = GRT_ABI_MINOR,
    .reserved = 0,
    .name = CPU_PLUGIN_NAME,
    .version = CPU_PLUGIN_VERSION,
    .shutdown = cpu_shutdown,
    .device_count = cpu_device_count,
    .get_property = cpu_get_property,
    .check_property = cpu_check_property,
    .supported_properties = cpu_supported_properties,
    .query_model = cpu_query_model,
    .compile_model = cpu_compile_model,
    .compiled_destroy = cpu_compiled_destroy,
    .compiled_get_property = cpu_compiled_get_property,
    .request_create = cpu_request_create_slot,
    .request_destroy = cpu_request_destroy_slot,
    .request_set_input = cpu_request_set_input_slot,
    .request_get_output = cpu_request_get_output_slot,
    .request_infer = cpu_request_infer_slot,
    .request_start_async = NULL, /* the core runs request_infer on its own thread */
    .request_wait = NULL,
    .state_count = cpu_state_count_slot,
    .state_name = cpu_state_name_slot,
    .state_get = cpu_state_get_slot,
    .state_set = cpu_state_set_slot,
    .state_reset = cpu_state_reset_slot,
};

GRT_EXPORT int32_t grt_plugin_probe(grt_plugin_probe_info *info)
{
    if (info) {
        /* write only the fields that fit in the caller's struct */
        if (info->struct_size >= offsetof(grt_plugin_probe_info, abi_minor) + sizeof(uint32_t)) {
            info->abi_major = GRT_ABI_MAJOR;
            info->abi_minor = GRT_ABI_MINOR;
        }
        if (info->struct_size >= offsetof(grt_plugin_probe_info, device_count) + sizeof(uint32_t))
            info->device_count = 1;
        if (info->struct_size >= offsetof(grt_plugin_probe_info, name) + sizeof(const char *))
            info->name = CPU_PLUGIN_NAME;
        if (info->struct_size >= offsetof(grt_plugin_probe_info, version) + sizeof(const char *))
            info->version = CPU_PLUGIN_VERSION;
    }
    return CPU_PROBE_SCORE;
}

GRT_EXPORT grt_status grt_plugin_init(uint32_t host_abi_major, uint32_t host_abi_minor,
                                      const grt_host_api *host, const grt_plugin_api **out_api)
{
    if (!host || !out_api) {
        if (host && host->set_error)
            host->set_error(GRT_ERROR_INVALID_ARGUMENT, "CPU: grt_plugin_init: NULL argument");
        return GRT_ERROR_INVALID_ARGUMENT;
    }
    if (host_abi_major != GRT_ABI_MAJOR) {
        if (host->set_error)
            host->set_error(GRT_ERROR_ABI, "CPU: plugin ABI major 1 does not match the host's");
        return GRT_ERROR_ABI;
    }
    if (host->struct_size < CPU_HOST_API_V1_SIZE || !host->set_error || !host->graph_retain ||
        !host->graph_release || !host->graph_node_count || !host->graph_parameter_count ||
        !host->graph_parameter_node || !host->graph_result_count || !host->graph_result_node ||
        !host->node_op || !host->node_name || !host->node_input_count || !host->node_input ||
        !host->node_output_count || !host->node_output_type || !host->node_attr ||
        !host->const_data || !host->const_compression || !host->infer_shapes) {
        if (host->set_error)
            host->set_error(GRT_ERROR_ABI, "CPU: host API table is truncated or lacks a v1.0 slot");
        return GRT_ERROR_ABI;
    }
    /* Minor negotiation: no host slot past v1.0 is used yet; a newer slot would be called only
     * when g_host_minor says the host has it. */
    g_host_minor = GRT_ABI_MINOR;
    if (host_abi_minor < g_host_minor)
        g_host_minor = host_abi_minor;
    g_host = host;
    cpu_props_init();
    *out_api = &k_api;
    return GRT_OK;
}
