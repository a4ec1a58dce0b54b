/*
 * exec/request.c - the CPU infer request and its interpreter loop (see request.h).
 */
#include "request.h"

#include "memory.h"
#include "state.h"
#include "util.h"

#include "../kernels/attention/sdpa_kv.h"
#include "../kernels/kutil.h"
#include "../threads/scratch.h"

#include <stdlib.h>
#include <string.h>

struct cpu_request {
    cpu_plan *plan;
    cpu_pool *pool; /* the stream this request runs on (plan->streams); NULL = serial */
    grt_tensor_desc *inputs; /* [n_params] copies of the bound descriptors */
    uint8_t *bound;          /* [n_params] */
    void **dense;            /* [n_params] dense copies of strided inputs (grown as needed) */
    size_t *dense_cap;
    cpu_arena arena;
    cpu_tensor *vals;   /* [n_values] tensors of the current infer */
    cpu_buf_id *buf;    /* [n_values] arena buffer of each computed value, -1 if none */
    cpu_state *states;  /* [n_vars] */
    cpu_buf_id *assign_tmp; /* [n_vars] scratch for copying Assign values */
    cpu_tensor *tin, *tout; /* [max_in], [max_out] */
    cpu_buf_id *tmp_in;     /* [max_in] dense copies of strided inputs of the running node */
    grt_shape *sin, *sout;
    /* Shape cache: the output shapes host->infer_shapes gave node i (sc_out[out_first ..]) for the
     * input shapes in sc_in[in_first ..], valid when sc_ok[i]. The host infers from shapes and
     * attributes only, so equal input shapes give equal outputs: in decode most nodes see the
     * same shapes every step and skip the call. */
    grt_shape *sc_in, *sc_out;
    uint8_t *sc_ok;
    int has_output;
};

static const char *input_name(const cpu_request *rq, uint32_t index)
{
    const cpu_plan *p = rq->plan;
    const char *n = p->nodes[p->values[p->param_vals[index]].producer].name;
    return n ? n : "?";
}

grt_status cpu_request_create(cpu_plan *plan, cpu_request **out)
{
    const grt_host_api *host = plan->host;
    cpu_request *rq = calloc(1, sizeof(*rq));
    if (!rq)
        return cpu_host_error(host, GRT_ERROR_OUT_OF_MEMORY, "CPU: out of memory");
    rq->plan = plan;
    rq->pool = cpu_streams_pool(plan->streams, cpu_streams_next(plan->streams));
    cpu_arena_init(&rq->arena);
    size_t np = plan->n_params ? plan->n_params : 1, nv = plan->n_values ? plan->n_values : 1;
    size_t ns = plan->n_vars ? plan->n_vars : 1;
    size_t mi = plan->max_in ? plan->max_in : 1, mo = plan->max_out ? plan->max_out : 1;
    rq->inputs = calloc(np, sizeof(*rq->inputs));
    rq->bound = calloc(np, sizeof(*rq->bound));
    rq->dense = calloc(np, sizeof(*rq->dense));
    rq->dense_cap = calloc(np, sizeof(*rq->dense_cap));
    rq->vals = calloc(nv, sizeof(*rq->vals));
    rq->buf = malloc(nv * sizeof(*rq->buf));
    rq->states = calloc(ns, sizeof(*rq->states));
    rq->assign_tmp = malloc(ns * sizeof(*rq->assign_tmp));
    rq->tin = calloc(mi, sizeof(*rq->tin));
    rq->tout = calloc(mo, sizeof(*rq->tout));
    rq->tmp_in = malloc(mi * sizeof(*rq->tmp_in));
    rq->sin = calloc(mi, sizeof(*rq->sin));
    rq->sout = calloc(mo, sizeof(*rq->sout));
    size_t n_in_all = 1;
    for (uint32_t i = 0; i < plan->n_nodes; i++)
        if (plan->nodes[i].in_first + plan->nodes[i].n_in > n_in_all)
            n_in_all = plan->nodes[i].in_first + plan->nodes[i].n_in;
    rq->sc_in = calloc(n_in_all, sizeof(*rq->sc_in));
    rq->sc_out = calloc(nv, sizeof(*rq->sc_out));
    rq->sc_ok = calloc(plan->n_nodes ? plan->n_nodes : 1, 1);
    if (!rq->inputs || !rq->bound || !rq->dense || !rq->dense_cap || !rq->vals || !rq->buf ||
        !rq->states || !rq->assign_tmp || !rq->tin || !rq->tout || !rq->sin || !rq->sout ||
        !rq->tmp_in || !rq->sc_in || !rq->sc_out || !rq->sc_ok) {
        cpu_request_destroy(rq);
        return cpu_host_error(host, GRT_ERROR_OUT_OF_MEMORY, "CPU: out of memory");
    }
    for (uint32_t v = 0; v < plan->n_values; v++) {
        rq->buf[v] = -1;
        if (plan->values[v].kind == CPU_VAL_CONST)
            rq->vals[v] = plan->consts[v];
    }
    for (uint32_t k = 0; k < plan->n_vars; k++)
        cpu_state_init(&rq->states[k], &plan->vars[k], &plan->cfg);
    *out = rq;
    return GRT_OK;
}

void cpu_request_destroy(cpu_request *rq)
{
    if (!rq)
        return;
    if (rq->states)
        for (uint32_t k = 0; k < rq->plan->n_vars; k++)
            cpu_state_free(&rq->states[k]);
    if (rq->dense)
        for (uint32_t k = 0; k < rq->plan->n_params; k++)
            cpu_aligned_free(rq->dense[k]);
    cpu_arena_destroy(&rq->arena);
    free(rq->inputs);
    free(rq->bound);
    free(rq->dense);
    free(rq->dense_cap);
    free(rq->vals);
    free(rq->buf);
    free(rq->states);
    free(rq->assign_tmp);
    free(rq->tin);
    free(rq->tout);
    free(rq->tmp_in);
    free(rq->sin);
    free(rq->sout);
    free(rq->sc_in);
    free(rq->sc_out);
    free(rq->sc_ok);
    free(rq);
}

grt_status cpu_request_set_input(cpu_request *rq, uint32_t index, const grt_tensor_desc *desc)
{
    const cpu_plan *p = rq->plan;
    const grt_host_api *host = p->host;
    char a[96], b[96];
    size_t span = 0;
    int ok = 0;
    if (index >= p->n_params)
        return cpu_host_error(host, GRT_ERROR_INVALID_ARGUMENT,
                              "CPU: input index %u out of range (%u inputs)", index, p->n_params);
    if (!desc || desc->struct_size < sizeof(grt_tensor_desc))
        return cpu_host_error(host, GRT_ERROR_INVALID_ARGUMENT,
                              "CPU: input '%s': missing or truncated tensor descriptor",
                              input_name(rq, index));
    const cpu_value_info *vi = &p->values[p->param_vals[index]];
    if ((grt_element_type)desc->element_type != vi->type)
        return cpu_host_error(host, GRT_ERROR_SHAPE, "CPU: input '%s': element type %s, expected %s",
                              input_name(rq, index),
                              cpu_exec_type_name((grt_element_type)desc->element_type),
                              cpu_exec_type_name(vi->type));
    if (!cpu_shape_matches(&vi->pshape, &desc->shape))
        return cpu_host_error(host, GRT_ERROR_SHAPE,
                              "CPU: input '%s': shape %s is incompatible with %s",
                              input_name(rq, index), cpu_shape_str(&desc->shape, a, sizeof(a)),
                              cpu_shape_str(&vi->pshape, b, sizeof(b)));
    size_t numel = cpu_shape_numel(&desc->shape, &ok);
    if (!ok || cpu_desc_span(desc, &span) != 0 ||
        (numel > 0 && (!desc->data || desc->byte_size < span)))
        return cpu_host_error(host, GRT_ERROR_INVALID_ARGUMENT,
                              "CPU: input '%s': data of %zu bytes does not cover shape %s with its "
                              "strides (%zu bytes needed)",
                              input_name(rq, index), desc->byte_size,
                              cpu_shape_str(&desc->shape, a, sizeof(a)), span);
    rq->inputs[index] = *desc;
    rq->bound[index] = 1;
    return GRT_OK;
}

/* Parameter node: a view of the bound input, or a dense copy of a strided one. */
static grt_status bind_parameter(cpu_request *rq, uint32_t index, cpu_tensor *t)
{
    const grt_tensor_desc *d = &rq->inputs[index];
    int ok = 0;
    size_t bytes = cpu_dense_bytes((grt_element_type)d->element_type, &d->shape, &ok);
    t->type = (grt_element_type)d->element_type;
    t->shape = d->shape;
    t->bytes = bytes;
    t->comp = NULL;
    memset(t->strides, 0, sizeof(t->strides));
    if (cpu_desc_is_dense(d) || bytes == 0) {
        t->data = d->data;
        return GRT_OK;
    }
    if (rq->dense_cap[index] < bytes) {
        void *nb = cpu_aligned_alloc(bytes);
        if (!nb)
            return cpu_host_error(rq->plan->host, GRT_ERROR_OUT_OF_MEMORY,
                                  "CPU: input '%s': cannot allocate a dense copy of %zu bytes",
                                  input_name(rq, index), bytes);
        cpu_aligned_free(rq->dense[index]);
        rq->dense[index] = nb;
        rq->dense_cap[index] = bytes;
    }
    cpu_copy_to_dense(d, rq->dense[index]);
    t->data = rq->dense[index];
    return GRT_OK;
}

/* Fills state k with its initial value if it has none. `init` is the init input's tensor of the
 * current infer, or NULL outside an infer (then only a Constant init or zeros can be used). */
static grt_status ensure_state(cpu_request *rq, uint32_t k, const cpu_tensor *init, int *done)
{
    cpu_state *s = &rq->states[k];
    const cpu_variable *var = s->var;
    const grt_host_api *host = rq->plan->host;
    *done = 1;
    if (s->initialized)
        return GRT_OK;
    if (var->init_val >= 0 && !init && var->init_const >= 0)
        init = &rq->plan->consts[var->init_val];
    if (var->init_val < 0)
        return cpu_state_store_zeros(host, s);
    if (!init) {
        *done = 0; /* computed init: only known during an infer */
        return GRT_OK;
    }
    if (init->comp)
        return cpu_host_error(host, GRT_ERROR_NOT_SUPPORTED,
                              "state variable '%s': compressed constant as initial value",
                              var->id);
    return cpu_state_store(host, s, &init->shape, init->data);
}

static void release_values(cpu_request *rq, const cpu_node_plan *np)
{
    for (uint32_t r = 0; r < np->n_rel; r++) {
        uint32_t v = rq->plan->rel_vals[np->rel_first + r];
        cpu_arena_release(&rq->arena, rq->buf[v]);
        rq->buf[v] = -1;
    }
}

/* Decodes KV view *t (rank 4, t->kv set, kernel.h) into dense dst of type t->type; -1 when the
 * row buffer cannot be allocated. */
static int densify_kv(const cpu_tensor *t, uint8_t *dst)
{
    size_t D = (size_t)t->shape.dims[3];
    float *row = cpu_scratch(0, (D ? D : 1) * sizeof(float));
    size_t r = 0;
    if (!row)
        return -1;
    for (int64_t b = 0; b < t->shape.dims[0]; b++)
        for (int64_t h = 0; h < t->shape.dims[1]; h++)
            for (int64_t s = 0; s < t->shape.dims[2]; s++, r++) {
                size_t at = (size_t)(b * t->strides[0] + h * t->strides[1] + s * t->strides[2]) /
                            (D ? D : 1) * t->kv->row_bytes;
                cpu_kv_decode_rows(t->kv, cpu_isa_active(), (const uint8_t *)t->data + at, 1, D, row);
                cpu_store_row(t->type, dst, r * D, D, row);
            }
    return 0;
}

/* Replaces strided view *t by a dense copy in a new arena buffer (*id, released by the caller). */
static grt_status densify(cpu_request *rq, uint32_t node, cpu_tensor *t, cpu_buf_id *id)
{
    int ok = 0;
    size_t es = cpu_type_bits(t->type) / 8;
    size_t bytes = cpu_dense_bytes(t->type, &t->shape, &ok);
    if (!ok || cpu_arena_acquire(&rq->arena, bytes, id) != 0)
        return cpu_plan_node_error(rq->plan, node, GRT_ERROR_OUT_OF_MEMORY,
                                   "cannot allocate %zu bytes for a dense copy of a state view", bytes);
    uint8_t *dst = cpu_arena_data(&rq->arena, *id);
    const uint8_t *src = t->data;
    if (t->kv) { /* a KV view in its storage precision (kernel.h): decode row by row */
        if (densify_kv(t, dst) != 0)
            return cpu_plan_node_error(rq->plan, node, GRT_ERROR_OUT_OF_MEMORY,
                                       "cannot allocate a row buffer to decode a KV view");
        t->data = dst;
        t->bytes = bytes;
        t->kv = NULL;
        memset(t->strides, 0, sizeof(t->strides));
        return GRT_OK;
    }
    uint32_t r = t->shape.rank;
    size_t numel = cpu_shape_numel(&t->shape, &ok), row = r ? (size_t)t->shape.dims[r - 1] : 1;
    int64_t idx[GRT_MAX_RANK] = {0};
    for (size_t done = 0; row && done < numel; done += row) {
        int64_t off = 0;
        for (uint32_t d = 0; d + 1 < r; d++)
            off += idx[d] * t->strides[d];
        if (r == 0 || t->strides[r - 1] == 1) {
            memcpy(dst + done * es, src + (size_t)off * es, row * es);
        } else {
            for (size_t c = 0; c < row; c++)
                memcpy(dst + (done + c) * es, src + (size_t)(off + (int64_t)c * t->strides[r - 1]) * es, es);
        }
        for (int d = (int)r - 2; d >= 0; d--) { /* next row index */
            if (++idx[d] < t->shape.dims[d])
                break;
            idx[d] = 0;
        }
    }
    t->data = dst;
    t->bytes = bytes;
    memset(t->strides, 0, sizeof(t->strides));
    return GRT_OK;
}

/* Concat of an in-place append variable: writes the new rows into the state buffer; the output
 * is a view of it (see cpu_variable.append). */
static grt_status run_append(cpu_request *rq, uint32_t node)
{
    const cpu_plan *p = rq->plan;
    const cpu_node_plan *np = &p->nodes[node];
    cpu_tensor nw = rq->vals[p->in_vals[np->in_first + 1]];
    cpu_buf_id tmp = -1;
    grt_status st = GRT_OK;
    if (cpu_tensor_is_strided(&nw))
        st = densify(rq, node, &nw, &tmp);
    if (st == GRT_OK) /* errors name the variable */
        st = cpu_state_append(p->host, &rq->states[np->var], &nw, &rq->vals[np->out_first]);
    cpu_arena_release(&rq->arena, tmp);
    return st;
}

/* a[0..n) and b[0..n) have the same ranks and dims. */
static int same_shapes(const grt_shape *a, const grt_shape *b, uint32_t n)
{
    for (uint32_t k = 0; k < n; k++)
        if (a[k].rank != b[k].rank ||
            memcmp(a[k].dims, b[k].dims, sizeof(a[k].dims[0]) * a[k].rank) != 0)
            return 0;
    return 1;
}

/* rq->sout = the output shapes of node for the input shapes in rq->sin: from the shape cache when
 * they are the ones of the node's last inference, else from the host (then cached). */
static grt_status node_shapes(cpu_request *rq, uint32_t node)
{
    const cpu_plan *p = rq->plan;
    const cpu_node_plan *np = &p->nodes[node];
    grt_shape *ci = rq->sc_in + np->in_first, *co = rq->sc_out + np->out_first;
    if (rq->sc_ok[node] && same_shapes(ci, rq->sin, np->n_in)) {
        memcpy(rq->sout, co, sizeof(*co) * np->n_out);
        return GRT_OK;
    }
    rq->sc_ok[node] = 0;
    grt_status st = p->host->infer_shapes(p->g, node, rq->sin, rq->sout);
    if (st != GRT_OK)
        return st; /* the host named the node */
    memcpy(ci, rq->sin, sizeof(*ci) * np->n_in);
    memcpy(co, rq->sout, sizeof(*co) * np->n_out);
    rq->sc_ok[node] = 1;
    return GRT_OK;
}

/* Output shapes, arena buffers and the kernel call of a compute node whose inputs are in rq->tin
 * (their shapes in rq->sin). */
static grt_status call_kernel(cpu_request *rq, uint32_t node)
{
    const cpu_plan *p = rq->plan;
    const cpu_node_plan *np = &p->nodes[node];
    int ok = 0;
    char sb[96];
    grt_status st = node_shapes(rq, node);
    if (st != GRT_OK)
        return st;
    for (uint32_t o = 0; o < np->n_out; o++) {
        uint32_t v = np->out_first + o;
        cpu_tensor *t = &rq->vals[v];
        size_t bytes = cpu_dense_bytes(p->values[v].type, &rq->sout[o], &ok);
        if (!ok)
            return cpu_plan_node_error(p, node, GRT_ERROR_SHAPE, "output %u has shape %s", o,
                                       cpu_shape_str(&rq->sout[o], sb, sizeof(sb)));
        if (cpu_arena_acquire(&rq->arena, bytes, &rq->buf[v]) != 0)
            return cpu_plan_node_error(p, node, GRT_ERROR_OUT_OF_MEMORY,
                                       "cannot allocate %zu bytes for output %u", bytes, o);
        t->type = p->values[v].type;
        t->shape = rq->sout[o];
        t->data = cpu_arena_data(&rq->arena, rq->buf[v]);
        t->bytes = bytes;
        t->comp = NULL;
        memset(t->strides, 0, sizeof(t->strides));
        rq->tout[o] = *t;
    }
    cpu_kernel_ctx ctx = {p->host, p->g, node, rq->pool, p->cfg.dq_group_size,
                          p->cfg.inference_precision == CPU_PREC_BF16};
    return np->fn(&ctx, rq->tin, np->n_in, rq->tout, np->n_out);
}

/* A compute node. Strided inputs (state views) are given as dense copies except to the kernels
 * that read them in place (SDPA k and v). */
static grt_status run_kernel(cpu_request *rq, uint32_t node)
{
    const cpu_plan *p = rq->plan;
    const cpu_node_plan *np = &p->nodes[node];
    grt_status st = GRT_OK;
    for (uint32_t k = 0; k < np->n_in; k++) {
        rq->tin[k] = rq->vals[p->in_vals[np->in_first + k]];
        rq->sin[k] = rq->tin[k].shape;
        rq->tmp_in[k] = -1;
        if (st == GRT_OK && cpu_tensor_is_strided(&rq->tin[k]) &&
            !(np->op == GRT_OP_SDPA && (k == 1 || k == 2)))
            st = densify(rq, node, &rq->tin[k], &rq->tmp_in[k]);
    }
    if (st == GRT_OK)
        st = call_kernel(rq, node);
    for (uint32_t k = 0; k < np->n_in; k++)
        cpu_arena_release(&rq->arena, rq->tmp_in[k]);
    return st;
}

/* End of infer: every variable takes its Assign'd value. Copies needed (the value is a constant,
 * an input, another state or also an output) go to arena buffers first, so that no state is
 * overwritten before all have been read; then each state adopts its buffer without a copy. */
static grt_status commit_states(cpu_request *rq)
{
    const cpu_plan *p = rq->plan;
    grt_status st = GRT_OK;
    char a[96], b[96];
    for (uint32_t k = 0; k < p->n_vars; k++) {
        const cpu_variable *var = &p->vars[k];
        const cpu_tensor *t = &rq->vals[var->assign_val];
        rq->assign_tmp[k] = -1;
        if (!cpu_shape_matches(&var->shape, &t->shape))
            return cpu_plan_node_error(p, var->assign_node, GRT_ERROR_SHAPE,
                                       "value of shape %s does not fit variable '%s' %s",
                                       cpu_shape_str(&t->shape, a, sizeof(a)), var->id,
                                       cpu_shape_str(&var->shape, b, sizeof(b)));
    }
    for (uint32_t k = 0; k < p->n_vars && st == GRT_OK; k++) {
        const cpu_variable *var = &p->vars[k];
        const cpu_tensor *t = &rq->vals[var->assign_val];
        if (var->append || var->adopt ||
            (t->data == rq->states[k].data && t->bytes == rq->states[k].bytes))
            continue;
        if (cpu_arena_acquire(&rq->arena, t->bytes, &rq->assign_tmp[k]) != 0) {
            st = cpu_plan_node_error(p, var->assign_node, GRT_ERROR_OUT_OF_MEMORY,
                                     "cannot allocate %zu bytes for variable '%s'", t->bytes,
                                     var->id);
            break;
        }
        if (t->bytes)
            memcpy(cpu_arena_data(&rq->arena, rq->assign_tmp[k]), t->data, t->bytes);
    }
    if (st != GRT_OK) {
        for (uint32_t k = 0; k < p->n_vars; k++)
            cpu_arena_release(&rq->arena, rq->assign_tmp[k]);
        return st;
    }
    for (uint32_t k = 0; k < p->n_vars; k++) {
        const cpu_variable *var = &p->vars[k];
        const cpu_tensor *t = &rq->vals[var->assign_val];
        if (var->append) {
            cpu_state_commit_append(&rq->states[k]); /* the new rows are already in place */
            continue;
        }
        cpu_buf_id id = var->adopt ? rq->buf[var->assign_val] : rq->assign_tmp[k];
        if (id < 0)
            continue; /* Assign(ReadValue): unchanged */
        cpu_state_adopt(&rq->states[k], &rq->arena, id, &t->shape);
        if (var->adopt)
            rq->buf[var->assign_val] = -1;
    }
    return GRT_OK;
}

grt_status cpu_request_infer(cpu_request *rq)
{
    cpu_plan *p = rq->plan;
    grt_status st = GRT_OK;
    int done = 0;

    rq->has_output = 0;
    for (uint32_t k = 0; k < p->n_params; k++)
        if (!rq->bound[k])
            return cpu_host_error(p->host, GRT_ERROR_INVALID_ARGUMENT,
                                  "CPU: input '%s' is not bound", input_name(rq, k));
    cpu_arena_release_all(&rq->arena);
    for (uint32_t v = 0; v < p->n_values; v++)
        rq->buf[v] = -1;

    for (uint32_t i = 0; i < p->n_nodes && st == GRT_OK; i++) {
        const cpu_node_plan *np = &p->nodes[i];
        switch (np->op) {
        case GRT_OP_PARAMETER:
            st = bind_parameter(rq, (uint32_t)np->param, &rq->vals[np->out_first]);
            break;
        case GRT_OP_CONSTANT:
        case GRT_OP_RESULT:
        case GRT_OP_ASSIGN:
            break;
        case GRT_OP_READ_VALUE: {
            const cpu_tensor *init = np->n_in ? &rq->vals[p->in_vals[np->in_first]] : NULL;
            st = ensure_state(rq, (uint32_t)np->var, init, &done);
            if (st == GRT_OK)
                cpu_state_view(&rq->states[np->var], &rq->vals[np->out_first]);
            break;
        }
        default:
            st = np->var >= 0 ? run_append(rq, i) : run_kernel(rq, i);
            break;
        }
        release_values(rq, np);
    }
    if (st == GRT_OK)
        st = commit_states(rq);
    if (st == GRT_OK)
        rq->has_output = 1;
    return st;
}

grt_status cpu_request_get_output(cpu_request *rq, uint32_t index, grt_tensor_desc *desc)
{
    const cpu_plan *p = rq->plan;
    if (index >= p->n_results)
        return cpu_host_error(p->host, GRT_ERROR_INVALID_ARGUMENT,
                              "CPU: output index %u out of range (%u outputs)", index,
                              p->n_results);
    if (!rq->has_output)
        return cpu_host_error(p->host, GRT_ERROR_BUSY, "CPU: no infer has completed on this request");
    const cpu_tensor *t = &rq->vals[p->result_vals[index]];
    if (t->comp)
        return cpu_host_error(p->host, GRT_ERROR_NOT_SUPPORTED,
                              "CPU: output %u is a compressed constant", index);
    desc->element_type = t->type;
    desc->shape = t->shape;
    memset(desc->strides, 0, sizeof(desc->strides));
    cpu_dense_strides(&t->shape, cpu_type_bits(t->type) / 8, desc->strides);
    desc->data = t->data;
    desc->byte_size = t->bytes;
    return GRT_OK;
}

uint32_t cpu_request_state_count(const cpu_request *rq)
{
    return rq->plan->n_vars;
}

static grt_status check_state_index(const cpu_request *rq, uint32_t index)
{
    if (index >= rq->plan->n_vars)
        return cpu_host_error(rq->plan->host, GRT_ERROR_INVALID_ARGUMENT,
                              "CPU: state index %u out of range (%u states)", index,
                              rq->plan->n_vars);
    return GRT_OK;
}

grt_status cpu_request_state_name(cpu_request *rq, uint32_t index, const char **name)
{
    grt_status st = check_state_index(rq, index);
    if (st == GRT_OK)
        *name = rq->plan->vars[index].id;
    return st;
}

grt_status cpu_request_state_get(cpu_request *rq, uint32_t index, grt_tensor_desc *desc)
{
    int done = 0;
    grt_status st = check_state_index(rq, index);
    if (st == GRT_OK)
        st = ensure_state(rq, index, NULL, &done);
    if (st != GRT_OK)
        return st;
    cpu_state *s = &rq->states[index];
    if (!done) {
        /* the initial value is computed by the graph at the next infer: report zeros meanwhile */
        st = cpu_state_store_zeros(rq->plan->host, s);
        s->initialized = 0;
        if (st != GRT_OK)
            return st;
    }
    return cpu_state_describe_dense(rq->plan->host, s, desc);
}

grt_status cpu_request_state_set(cpu_request *rq, uint32_t index, const grt_tensor_desc *desc)
{
    grt_status st = check_state_index(rq, index);
    if (st != GRT_OK)
        return st;
    if (!desc || desc->struct_size < sizeof(grt_tensor_desc))
        return cpu_host_error(rq->plan->host, GRT_ERROR_INVALID_ARGUMENT,
                              "CPU: state '%s': missing or truncated tensor descriptor",
                              rq->plan->vars[index].id);
    return cpu_state_store_desc(rq->plan->host, &rq->states[index], desc);
}

grt_status cpu_request_state_reset(cpu_request *rq, uint32_t index)
{
    grt_status st = check_state_index(rq, index);
    if (st == GRT_OK)
        rq->states[index].initialized = 0; /* the initial value is taken at next use */
    return st;
}

uint64_t cpu_request_arena_allocations(const cpu_request *rq)
{
    return rq->arena.allocations;
}

grt_status cpu_request_state_stats(const cpu_request *rq, uint32_t index, cpu_state_stats *out)
{
    grt_status st = check_state_index(rq, index);
    if (st != GRT_OK)
        return st;
    const cpu_state *s = &rq->states[index];
    out->in_place = rq->plan->vars[index].append;
    out->data = s->data;
    out->rows_cap = s->rows_cap;
    out->moved_bytes = s->moved_bytes;
    out->appended_bytes = s->appended_bytes;
    out->storage = s->storage;
    out->value_bytes = s->bytes;
    out->capacity_bytes = s->data ? s->cap : 0;
    return GRT_OK;
}
