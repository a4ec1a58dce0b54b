/*
 * exec/plan.c - builds the CPU execution plan of a graph view (see plan.h): value ids, kernel
 * resolution, constants (zero copy), state variables and liveness. Runs once per compile.
 */
#include "plan.h"

#include "fold.h"
#include "fuse.h"
#include "tile.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static grt_status node_error_v(const grt_host_api *host, const grt_graph_view *g, uint32_t node,
                               grt_status status, const char *fmt, va_list ap)
{
    char detail[400];
    vsnprintf(detail, sizeof(detail), fmt, ap);
    const char *name = host->node_name(g, node);
    return cpu_host_error(host, status, "node '%s' (%s): %s", name ? name : "?",
                          cpu_exec_op_name(host->node_op(g, node)), detail);
}

static grt_status graph_node_error(const grt_host_api *host, const grt_graph_view *g,
                                   uint32_t node, grt_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

static grt_status graph_node_error(const grt_host_api *host, const grt_graph_view *g,
                                   uint32_t node, grt_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    grt_status st = node_error_v(host, g, node, status, fmt, ap);
    va_end(ap);
    return st;
}

grt_status cpu_plan_node_error(const cpu_plan *plan, uint32_t node, grt_status status,
                               const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    grt_status st = node_error_v(plan->host, plan->g, node, status, fmt, ap);
    va_end(ap);
    return st;
}

static int is_plan_op(grt_op_type op)
{
    return op == GRT_OP_PARAMETER || op == GRT_OP_CONSTANT || op == GRT_OP_RESULT ||
           op == GRT_OP_READ_VALUE || op == GRT_OP_ASSIGN;
}

/* Input element types of a node into types[] (at most GRT cap); returns the count or -1. */
static int input_types(const grt_host_api *host, const grt_graph_view *g, uint32_t node,
                       grt_element_type *types, uint32_t cap)
{
    uint32_t n = host->node_input_count(g, node);
    if (n > cap)
        return -1;
    for (uint32_t i = 0; i < n; i++) {
        grt_port src;
        grt_shape shape;
        if (host->node_input(g, node, i, &src) != GRT_OK ||
            host->node_output_type(g, src.node, src.port, &types[i], &shape) != GRT_OK)
            return -1;
    }
    return (int)n;
}

/* Describes why a compute node is unsupported (for the error message). */
static grt_status unsupported(const grt_host_api *host, const grt_graph_view *g, uint32_t node,
                              const grt_element_type *types, int n, int have_kernel)
{
    char list[160] = "";
    size_t used = 0;
    for (int i = 0; i < n && used < sizeof(list); i++) {
        int w = snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "",
                         cpu_exec_type_name(types[i]));
        used += w > 0 ? (size_t)w : 0;
    }
    if (!have_kernel)
        return graph_node_error(host, g, node, GRT_ERROR_NOT_SUPPORTED,
                                "op not supported by the CPU plugin");
    return graph_node_error(host, g, node, GRT_ERROR_NOT_SUPPORTED,
                            "input element types (%s) not supported by the CPU plugin", list);
}

#define CPU_MAX_NODE_INPUTS 64

grt_status cpu_plan_query(const grt_host_api *host, const grt_graph_view *g, uint8_t *supported)
{
    grt_element_type types[CPU_MAX_NODE_INPUTS];
    uint32_t n = host->graph_node_count(g);
    for (uint32_t i = 0; i < n; i++) {
        grt_op_type op = host->node_op(g, i);
        if (is_plan_op(op)) {
            supported[i] = 1;
            continue;
        }
        int nt = input_types(host, g, i, types, CPU_MAX_NODE_INPUTS);
        supported[i] = (uint8_t)(nt >= 0 && cpu_kernel_lookup(op) != NULL &&
                                 cpu_kernel_supports(op, types, (uint32_t)nt));
    }
    return GRT_OK;
}

/* Reads the string attribute variable_id. */
static grt_status variable_id(const grt_host_api *host, const grt_graph_view *g, uint32_t node,
                              const char **out)
{
    grt_attr_value v;
    if (host->node_attr(g, node, "variable_id", &v) != GRT_OK || v.type != GRT_ATTR_STRING ||
        !v.u.s)
        return graph_node_error(host, g, node, GRT_ERROR_INVALID_ARGUMENT,
                                "missing STRING attribute 'variable_id'");
    *out = v.u.s;
    return GRT_OK;
}

static int64_t find_var(const cpu_plan *p, const char *id)
{
    for (uint32_t i = 0; i < p->n_vars; i++)
        if (strcmp(p->vars[i].id, id) == 0)
            return i;
    return -1;
}

/* Constant node: zero-copy tensor over the graph's data. */
static grt_status plan_constant(cpu_plan *p, uint32_t node)
{
    const grt_host_api *host = p->host;
    uint32_t v = p->nodes[node].out_first;
    cpu_tensor *t = &p->consts[v];
    grt_compression_info *ci = &p->comps[v];
    const void *data = NULL;
    size_t bytes = 0;
    int ok = 0;
    char sb[96];

    t->type = p->values[v].type;
    t->shape = p->values[v].pshape;
    if (!cpu_shape_is_static(&t->shape))
        return graph_node_error(host, p->g, node, GRT_ERROR_SHAPE, "constant with dynamic shape %s",
                                cpu_shape_str(&t->shape, sb, sizeof(sb)));
    if (host->const_data(p->g, node, &data, &bytes) != GRT_OK)
        return graph_node_error(host, p->g, node, GRT_ERROR_INTERNAL, "no constant data");
    memset(ci, 0, sizeof(*ci));
    ci->struct_size = sizeof(*ci);
    if (host->const_compression(p->g, node, ci) != GRT_OK)
        return graph_node_error(host, p->g, node, GRT_ERROR_INTERNAL,
                                "compression info unavailable");
    grt_element_type storage = ci->kind == GRT_COMPRESSION_NONE ? t->type
                                                                : (grt_element_type)ci->storage_type;
    size_t need = cpu_dense_bytes(storage, &t->shape, &ok);
    if (!ok || bytes < need)
        return graph_node_error(host, p->g, node, GRT_ERROR_FORMAT,
                                "constant data has %zu bytes, shape %s of %s needs %zu", bytes,
                                cpu_shape_str(&t->shape, sb, sizeof(sb)), cpu_exec_type_name(storage),
                                need);
    t->data = (void *)(uintptr_t)data; /* kernels never write inputs */
    t->bytes = bytes;
    t->comp = ci->kind == GRT_COMPRESSION_NONE ? NULL : ci;
    return GRT_OK;
}

/* ReadValue node: registers (or joins) its variable. */
static grt_status plan_read_value(cpu_plan *p, uint32_t node)
{
    const grt_host_api *host = p->host;
    cpu_node_plan *np = &p->nodes[node];
    const char *id = NULL;
    grt_attr_value sv;
    grt_status st = variable_id(host, p->g, node, &id);
    if (st != GRT_OK)
        return st;
    int64_t idx = find_var(p, id);
    if (idx < 0) {
        cpu_variable *var = &p->vars[p->n_vars];
        memset(var, 0, sizeof(*var));
        var->id = id;
        var->type = p->values[np->out_first].type;
        var->read_node = node;
        var->init_val = -1;
        var->init_const = -1;
        var->assign_node = CPU_NO_USE;
        var->shape = p->values[np->out_first].pshape;
        if (host->node_attr(p->g, node, "shape", &sv) == GRT_OK && sv.type == GRT_ATTR_INTS) {
            if (sv.u.ints.count > GRT_MAX_RANK)
                return graph_node_error(host, p->g, node, GRT_ERROR_SHAPE,
                                        "attribute 'shape' has rank %zu > %d", sv.u.ints.count,
                                        GRT_MAX_RANK);
            var->shape.rank = (uint32_t)sv.u.ints.count;
            for (size_t i = 0; i < sv.u.ints.count; i++)
                var->shape.dims[i] = sv.u.ints.data[i] < 0 ? GRT_DYNAMIC : sv.u.ints.data[i];
        }
        if (np->n_in == 1) {
            uint32_t iv = p->in_vals[np->in_first];
            var->init_val = iv;
            if (p->values[iv].kind == CPU_VAL_CONST)
                var->init_const = p->values[iv].producer;
        }
        idx = p->n_vars++;
    } else if (p->vars[idx].type != p->values[np->out_first].type) {
        return graph_node_error(host, p->g, node, GRT_ERROR_SHAPE,
                                "variable '%s' read with two element types", id);
    }
    np->var = (int32_t)idx;
    p->values[np->out_first].kind = CPU_VAL_STATE;
    return GRT_OK;
}

static grt_status plan_assign(cpu_plan *p, uint32_t node)
{
    const grt_host_api *host = p->host;
    cpu_node_plan *np = &p->nodes[node];
    const char *id = NULL;
    grt_status st = variable_id(host, p->g, node, &id);
    if (st != GRT_OK)
        return st;
    int64_t idx = find_var(p, id);
    if (idx < 0)
        return graph_node_error(host, p->g, node, GRT_ERROR_SHAPE,
                                "variable '%s' has no ReadValue", id);
    cpu_variable *var = &p->vars[idx];
    if (var->assign_node != CPU_NO_USE)
        return graph_node_error(host, p->g, node, GRT_ERROR_SHAPE,
                                "variable '%s' has a second Assign", id);
    if (np->n_in != 1)
        return graph_node_error(host, p->g, node, GRT_ERROR_SHAPE, "expects 1 input, has %u",
                                np->n_in);
    uint32_t v = p->in_vals[np->in_first];
    if (p->values[v].type != var->type)
        return graph_node_error(host, p->g, node, GRT_ERROR_SHAPE,
                                "assigns %s to variable '%s' of type %s",
                                cpu_exec_type_name(p->values[v].type), id, cpu_exec_type_name(var->type));
    var->assign_node = node;
    var->assign_val = v;
    np->var = (int32_t)idx;
    return GRT_OK;
}

/* Pass 1: node table, value ids and input value ids. */
static grt_status plan_structure(cpu_plan *p)
{
    const grt_host_api *host = p->host;
    uint32_t n_in_total = 0;
    for (uint32_t i = 0; i < p->n_nodes; i++) {
        cpu_node_plan *np = &p->nodes[i];
        np->op = host->node_op(p->g, i);
        np->name = host->node_name(p->g, i);
        np->n_in = host->node_input_count(p->g, i);
        np->n_out = host->node_output_count(p->g, i);
        np->var = -1;
        np->param = -1;
        np->in_first = n_in_total;
        np->out_first = p->n_values;
        if (np->n_in > CPU_MAX_NODE_INPUTS || np->n_out > CPU_MAX_NODE_INPUTS)
            return graph_node_error(host, p->g, i, GRT_ERROR_NOT_SUPPORTED,
                                    "%u inputs / %u outputs exceed the CPU plugin's limit of %d",
                                    np->n_in, np->n_out, CPU_MAX_NODE_INPUTS);
        n_in_total += np->n_in;
        p->n_values += np->n_out;
        if (np->n_in > p->max_in)
            p->max_in = np->n_in;
        if (np->n_out > p->max_out)
            p->max_out = np->n_out;
    }
    p->values = calloc(p->n_values ? p->n_values : 1, sizeof(*p->values));
    p->in_vals = calloc(n_in_total ? n_in_total : 1, sizeof(*p->in_vals));
    p->consts = calloc(p->n_values ? p->n_values : 1, sizeof(*p->consts));
    p->comps = calloc(p->n_values ? p->n_values : 1, sizeof(*p->comps));
    p->vars = calloc(p->n_nodes ? p->n_nodes : 1, sizeof(*p->vars));
    if (!p->values || !p->in_vals || !p->consts || !p->comps || !p->vars)
        return cpu_host_error(host, GRT_ERROR_OUT_OF_MEMORY, "CPU: out of memory building plan");
    for (uint32_t i = 0; i < p->n_nodes; i++) {
        cpu_node_plan *np = &p->nodes[i];
        for (uint32_t o = 0; o < np->n_out; o++) {
            cpu_value_info *vi = &p->values[np->out_first + o];
            if (host->node_output_type(p->g, i, o, &vi->type, &vi->pshape) != GRT_OK)
                return graph_node_error(host, p->g, i, GRT_ERROR_INTERNAL,
                                        "output %u has no type", o);
            vi->producer = i;
            vi->kind = CPU_VAL_ARENA;
            vi->last_use = CPU_NO_USE;
        }
        for (uint32_t k = 0; k < np->n_in; k++) {
            grt_port src;
            if (host->node_input(p->g, i, k, &src) != GRT_OK || src.node >= i ||
                src.port >= p->nodes[src.node].n_out)
                return graph_node_error(host, p->g, i, GRT_ERROR_SHAPE,
                                        "input %u is not an earlier node's output", k);
            p->in_vals[np->in_first + k] = p->nodes[src.node].out_first + src.port;
        }
    }
    return GRT_OK;
}

/* Pass 2: per-op classification, kernels, parameters/results, variables. */
static grt_status plan_ops(cpu_plan *p)
{
    const grt_host_api *host = p->host;
    grt_element_type types[CPU_MAX_NODE_INPUTS];
    grt_status st = GRT_OK;

    for (uint32_t i = 0; i < p->n_nodes && st == GRT_OK; i++) {
        cpu_node_plan *np = &p->nodes[i];
        switch (np->op) {
        case GRT_OP_PARAMETER:
            if (np->n_out != 1)
                return graph_node_error(host, p->g, i, GRT_ERROR_SHAPE, "expects 1 output");
            p->values[np->out_first].kind = CPU_VAL_INPUT;
            break;
        case GRT_OP_CONSTANT:
            if (np->n_out != 1)
                return graph_node_error(host, p->g, i, GRT_ERROR_SHAPE, "expects 1 output");
            p->values[np->out_first].kind = CPU_VAL_CONST;
            st = plan_constant(p, i);
            break;
        case GRT_OP_READ_VALUE:
            if (np->n_out != 1 || np->n_in > 1)
                return graph_node_error(host, p->g, i, GRT_ERROR_SHAPE,
                                        "expects 0 or 1 input and 1 output");
            st = plan_read_value(p, i);
            break;
        case GRT_OP_RESULT:
        case GRT_OP_ASSIGN:
            break;
        default: {
            for (uint32_t k = 0; k < np->n_in; k++)
                types[k] = p->values[p->in_vals[np->in_first + k]].type;
            np->fn = cpu_kernel_lookup(np->op);
            if (!np->fn || !cpu_kernel_supports(np->op, types, np->n_in))
                return unsupported(host, p->g, i, types, (int)np->n_in, np->fn != NULL);
            break;
        }
        }
    }
    for (uint32_t i = 0; i < p->n_nodes && st == GRT_OK; i++)
        if (p->nodes[i].op == GRT_OP_ASSIGN)
            st = plan_assign(p, i);
    if (st != GRT_OK)
        return st;
    for (uint32_t k = 0; k < p->n_vars; k++)
        if (p->vars[k].assign_node == CPU_NO_USE)
            return graph_node_error(host, p->g, p->vars[k].read_node, GRT_ERROR_SHAPE,
                                    "variable '%s' has no Assign", p->vars[k].id);

    p->n_params = host->graph_parameter_count(p->g);
    p->n_results = host->graph_result_count(p->g);
    p->param_vals = calloc(p->n_params ? p->n_params : 1, sizeof(*p->param_vals));
    p->result_vals = calloc(p->n_results ? p->n_results : 1, sizeof(*p->result_vals));
    if (!p->param_vals || !p->result_vals)
        return cpu_host_error(host, GRT_ERROR_OUT_OF_MEMORY, "CPU: out of memory building plan");
    for (uint32_t k = 0; k < p->n_params; k++) {
        uint32_t node = host->graph_parameter_node(p->g, k);
        if (node >= p->n_nodes || p->nodes[node].op != GRT_OP_PARAMETER)
            return cpu_host_error(host, GRT_ERROR_INTERNAL, "CPU: input %u is not a Parameter", k);
        p->nodes[node].param = (int32_t)k;
        p->param_vals[k] = p->nodes[node].out_first;
    }
    for (uint32_t i = 0; i < p->n_nodes; i++)
        if (p->nodes[i].op == GRT_OP_PARAMETER && p->nodes[i].param < 0)
            return graph_node_error(host, p->g, i, GRT_ERROR_INTERNAL,
                                    "Parameter is not a model input");
    for (uint32_t k = 0; k < p->n_results; k++) {
        uint32_t node = host->graph_result_node(p->g, k);
        if (node >= p->n_nodes || p->nodes[node].op != GRT_OP_RESULT || p->nodes[node].n_in != 1)
            return cpu_host_error(host, GRT_ERROR_INTERNAL, "CPU: output %u is not a Result", k);
        p->result_vals[k] = p->in_vals[p->nodes[node].in_first];
    }
    return GRT_OK;
}

/* Marks the variables whose Assign takes Concat(ReadValue, new) along axis 2 of a rank-4 value
 * as in-place appends (see cpu_variable.append). */
static void plan_appends(cpu_plan *p)
{
    for (uint32_t k = 0; k < p->n_vars; k++) {
        cpu_variable *var = &p->vars[k];
        const cpu_value_info *cv = &p->values[var->assign_val];
        uint32_t c = cv->producer;
        cpu_node_plan *cn = &p->nodes[c];
        grt_attr_value axis;
        if (cn->op != GRT_OP_CONCAT || cn->n_in != 2 || cn->n_out != 1 || cv->pshape.rank != 4 ||
            cpu_type_bits(var->type) % 8 != 0 || cpu_type_bits(var->type) == 0 || cn->var >= 0)
            continue;
        if (p->host->node_attr(p->g, c, "axis", &axis) != GRT_OK || axis.type != GRT_ATTR_INT ||
            (axis.u.i != 2 && axis.u.i != -2))
            continue;
        uint32_t past = p->in_vals[cn->in_first];
        const cpu_value_info *pv = &p->values[past];
        if (pv->kind != CPU_VAL_STATE || p->nodes[pv->producer].op != GRT_OP_READ_VALUE ||
            p->nodes[pv->producer].var != (int32_t)k || p->in_vals[cn->in_first + 1] == past)
            continue;
        /* Consumers: the ReadValue feeds only the Concat; the Concat feeds kernels and its own
         * Assign only (a Result, another Assign or a ReadValue init would need dense memory). */
        int ok = 1;
        for (uint32_t i = 0; ok && i < p->n_nodes; i++) {
            const cpu_node_plan *np = &p->nodes[i];
            for (uint32_t j = 0; ok && j < np->n_in; j++) {
                uint32_t v = p->in_vals[np->in_first + j];
                if (v == past && i != c)
                    ok = 0;
                if (v == var->assign_val && is_plan_op(np->op) && i != var->assign_node)
                    ok = 0;
            }
        }
        if (!ok)
            continue;
        var->append = 1;
        var->concat_node = c;
        cn->var = (int32_t)k;
        p->values[var->assign_val].kind = CPU_VAL_STATE;
    }
}

/* Pass 3: liveness and release lists. */
static grt_status plan_liveness(cpu_plan *p)
{
    uint32_t *count = NULL;
    uint32_t total = 0;
    for (uint32_t i = 0; i < p->n_nodes; i++) {
        const cpu_node_plan *np = &p->nodes[i];
        for (uint32_t k = 0; k < np->n_in; k++) {
            cpu_value_info *vi = &p->values[p->in_vals[np->in_first + k]];
            if (np->op == GRT_OP_RESULT || np->op == GRT_OP_ASSIGN) {
                vi->keep = 1;
                if (vi->n_keep_uses < UINT16_MAX)
                    vi->n_keep_uses++;
            } else {
                vi->last_use = i; /* nodes run in id order: the last seen consumer is the last */
            }
        }
    }
    count = calloc(p->n_nodes ? p->n_nodes : 1, sizeof(*count));
    if (!count)
        return cpu_host_error(p->host, GRT_ERROR_OUT_OF_MEMORY, "CPU: out of memory");
    for (uint32_t v = 0; v < p->n_values; v++) {
        const cpu_value_info *vi = &p->values[v];
        if (vi->kind != CPU_VAL_ARENA || vi->keep)
            continue;
        count[vi->last_use == CPU_NO_USE ? vi->producer : vi->last_use]++;
        total++;
    }
    p->rel_vals = calloc(total ? total : 1, sizeof(*p->rel_vals));
    if (!p->rel_vals) {
        free(count);
        return cpu_host_error(p->host, GRT_ERROR_OUT_OF_MEMORY, "CPU: out of memory");
    }
    uint32_t off = 0;
    for (uint32_t i = 0; i < p->n_nodes; i++) {
        p->nodes[i].rel_first = off;
        p->nodes[i].n_rel = 0;
        off += count[i];
    }
    for (uint32_t v = 0; v < p->n_values; v++) {
        const cpu_value_info *vi = &p->values[v];
        if (vi->kind != CPU_VAL_ARENA || vi->keep)
            continue;
        cpu_node_plan *np = &p->nodes[vi->last_use == CPU_NO_USE ? vi->producer : vi->last_use];
        p->rel_vals[np->rel_first + np->n_rel++] = v;
    }
    free(count);
    for (uint32_t k = 0; k < p->n_vars; k++) {
        const cpu_value_info *vi = &p->values[p->vars[k].assign_val];
        p->vars[k].adopt = vi->kind == CPU_VAL_ARENA && vi->n_keep_uses == 1;
    }
    return GRT_OK;
}

grt_status cpu_plan_create(const grt_host_api *host, const grt_graph_view *g,
                           const cpu_config *cfg, cpu_plan **out)
{
    grt_status st = GRT_OK;
    cpu_plan *p = calloc(1, sizeof(*p));
    if (!p)
        return cpu_host_error(host, GRT_ERROR_OUT_OF_MEMORY, "CPU: out of memory compiling model");
    p->host = host;
    p->g = g;
    host->graph_retain(g);
    p->cfg = *cfg;
    p->n_nodes = host->graph_node_count(g);
    p->nodes = calloc(p->n_nodes ? p->n_nodes : 1, sizeof(*p->nodes));
    if (!p->nodes) {
        st = cpu_host_error(host, GRT_ERROR_OUT_OF_MEMORY, "CPU: out of memory compiling model");
        goto fail;
    }
    st = plan_structure(p);
    if (st != GRT_OK)
        goto fail;
    st = plan_ops(p);
    if (st != GRT_OK)
        goto fail;
    plan_appends(p);
    if ((st = cpu_fold_plan(p)) != GRT_OK) /* exec/fold.h */
        goto fail;
    if (cpu_fuse_enabled() && (st = cpu_fuse_plan(p)) != GRT_OK) /* exec/fuse.h */
        goto fail;
    st = plan_liveness(p);
    if (st != GRT_OK)
        goto fail;
    int degraded = 0;
    p->streams = cpu_streams_create(p->cfg.resolved_streams, p->cfg.threads_per_stream,
                                    p->cfg.enable_pinning, &degraded);
    if (!p->streams) {
        st = cpu_host_error(host, GRT_ERROR_OUT_OF_MEMORY, "CPU: out of memory compiling model");
        goto fail;
    }
    if (degraded && host->log)
        host->log(GRT_LOG_WARNING, "CPU", "could not start a stream's thread pool; it runs "
                                          "single-threaded");
    st = cpu_plan_tile_weights(p, NULL); /* exec/tile.h */
    if (st != GRT_OK)
        goto fail;
    *out = p;
    return GRT_OK;

fail:
    cpu_plan_destroy(p);
    return st;
}

void cpu_plan_destroy(cpu_plan *plan)
{
    if (!plan)
        return;
    cpu_streams_destroy(plan->streams);
    cpu_plan_untile_weights(plan);
    cpu_fold_free(plan);
    free(plan->nodes);
    free(plan->values);
    free(plan->in_vals);
    free(plan->rel_vals);
    free(plan->consts);
    free(plan->comps);
    free(plan->param_vals);
    free(plan->result_vals);
    free(plan->vars);
    if (plan->g)
        plan->host->graph_release(plan->g);
    free(plan);
}
