/*
 * exec/state.c - storage of one state variable of a CPU infer request (see state.h).
 */
#include "state.h"

#include "util.h"

#include <string.h>

void cpu_state_init(cpu_state *s, const cpu_variable *var)
{
    memset(s, 0, sizeof(*s));
    s->var = var;
}

void cpu_state_free(cpu_state *s)
{
    if (!s)
        return;
    cpu_aligned_free(s->data);
    s->data = NULL;
    s->cap = 0;
    s->initialized = 0;
}

static grt_status check_shape(const grt_host_api *host, const cpu_state *s, const grt_shape *shape)
{
    char a[96], b[96];
    if (!cpu_shape_matches(&s->var->shape, shape))
        return cpu_host_error(host, GRT_ERROR_SHAPE,
                              "state variable '%s': shape %s is incompatible with declared %s",
                              s->var->id, cpu_shape_str(shape, a, sizeof(a)),
                              cpu_shape_str(&s->var->shape, b, sizeof(b)));
    return GRT_OK;
}

/* Ensures cap >= bytes (old contents are discarded). */
static grt_status reserve(const grt_host_api *host, cpu_state *s, size_t bytes)
{
    if (s->data && s->cap >= bytes)
        return GRT_OK;
    void *p = cpu_aligned_alloc(bytes);
    if (!p)
        return cpu_host_error(host, GRT_ERROR_OUT_OF_MEMORY,
                              "state variable '%s': cannot allocate %zu bytes", s->var->id, bytes);
    cpu_aligned_free(s->data);
    s->data = p;
    s->cap = bytes < CPU_ALIGNMENT ? CPU_ALIGNMENT : bytes;
    return GRT_OK;
}

static grt_status size_of(const grt_host_api *host, const cpu_state *s, const grt_shape *shape,
                          size_t *bytes)
{
    int ok = 0;
    char a[96];
    *bytes = cpu_dense_bytes(s->var->type, shape, &ok);
    if (!ok)
        return cpu_host_error(host, GRT_ERROR_SHAPE, "state variable '%s': invalid shape %s",
                              s->var->id, cpu_shape_str(shape, a, sizeof(a)));
    return GRT_OK;
}

grt_status cpu_state_store(const grt_host_api *host, cpu_state *s, const grt_shape *shape,
                           const void *src)
{
    size_t bytes = 0;
    grt_status st = check_shape(host, s, shape);
    if (st == GRT_OK)
        st = size_of(host, s, shape, &bytes);
    if (st == GRT_OK)
        st = reserve(host, s, bytes);
    if (st != GRT_OK)
        return st;
    if (bytes)
        memmove(s->data, src, bytes);
    s->shape = *shape;
    s->bytes = bytes;
    s->initialized = 1;
    return GRT_OK;
}

grt_status cpu_state_store_zeros(const grt_host_api *host, cpu_state *s)
{
    grt_shape shape = s->var->shape;
    size_t bytes = 0;
    for (uint32_t i = 0; i < shape.rank; i++)
        if (shape.dims[i] < 0)
            shape.dims[i] = 0;
    grt_status st = size_of(host, s, &shape, &bytes);
    if (st == GRT_OK)
        st = reserve(host, s, bytes);
    if (st != GRT_OK)
        return st;
    memset(s->data, 0, bytes);
    s->shape = shape;
    s->bytes = bytes;
    s->initialized = 1;
    return GRT_OK;
}

grt_status cpu_state_store_desc(const grt_host_api *host, cpu_state *s,
                                const grt_tensor_desc *desc)
{
    size_t bytes = 0;
    int ok = 0;
    if ((grt_element_type)desc->element_type != s->var->type)
        return cpu_host_error(host, GRT_ERROR_SHAPE,
                              "state variable '%s': element type %s, expected %s", s->var->id,
                              cpu_exec_type_name((grt_element_type)desc->element_type),
                              cpu_exec_type_name(s->var->type));
    grt_status st = check_shape(host, s, &desc->shape);
    if (st == GRT_OK)
        st = size_of(host, s, &desc->shape, &bytes);
    if (st != GRT_OK)
        return st;
    size_t span = 0;
    if (cpu_desc_span(desc, &span) != 0)
        return cpu_host_error(host, GRT_ERROR_INVALID_ARGUMENT,
                              "state variable '%s': invalid strides", s->var->id);
    size_t numel = cpu_shape_numel(&desc->shape, &ok);
    if (numel > 0 && (!desc->data || desc->byte_size < span))
        return cpu_host_error(host, GRT_ERROR_INVALID_ARGUMENT,
                              "state variable '%s': tensor of %zu bytes is too small (%zu needed)",
                              s->var->id, desc->byte_size, span);
    st = reserve(host, s, bytes);
    if (st != GRT_OK)
        return st;
    if (numel > 0)
        cpu_copy_to_dense(desc, s->data);
    s->shape = desc->shape;
    s->bytes = bytes;
    s->initialized = 1;
    return GRT_OK;
}

void cpu_state_adopt(cpu_state *s, cpu_arena *arena, cpu_buf_id id, const grt_shape *shape)
{
    int ok = 0;
    cpu_arena_exchange(arena, id, &s->data, &s->cap);
    cpu_arena_release(arena, id);
    s->shape = *shape;
    s->bytes = cpu_dense_bytes(s->var->type, shape, &ok);
    s->initialized = 1;
}

void cpu_state_view(const cpu_state *s, cpu_tensor *t)
{
    t->type = s->var->type;
    t->shape = s->shape;
    t->data = s->data;
    t->bytes = s->bytes;
    t->comp = NULL;
}

void cpu_state_describe(const cpu_state *s, grt_tensor_desc *desc)
{
    desc->element_type = s->var->type;
    desc->shape = s->shape;
    memset(desc->strides, 0, sizeof(desc->strides));
    cpu_dense_strides(&s->shape, cpu_type_bits(s->var->type) / 8, desc->strides);
    desc->data = s->data;
    desc->byte_size = s->bytes;
}
