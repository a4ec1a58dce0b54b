/*
 * exec/state.c - storage of one state variable of a CPU infer request (see state.h).
 */
#include "state.h"

#include "util.h"

#include "../kernels/attention/sdpa_kv.h"
#include "../kernels/kutil.h"

#include <stdlib.h>
#include <string.h>

void cpu_state_init(cpu_state *s, const cpu_variable *var, const cpu_config *cfg)
{
    static const grt_element_type k_storage[] = {GRT_F32, GRT_F16, GRT_BF16, GRT_U8};
    memset(s, 0, sizeof(*s));
    s->var = var;
    s->storage = var->type;
    if (cfg && var->append && cpu_is_float(var->type) &&
        (size_t)cfg->kv_cache_precision < sizeof(k_storage) / sizeof(k_storage[0])) {
        s->storage = k_storage[cfg->kv_cache_precision];
        s->dq_group = cfg->dq_group_size;
    }
}

void cpu_state_free(cpu_state *s)
{
    if (!s)
        return;
    cpu_aligned_free(s->data);
    cpu_aligned_free(s->dense);
    free(s->rowbuf);
    s->rowbuf = NULL;
    s->rowbuf_n = 0;
    s->data = NULL;
    s->dense = NULL;
    s->cap = 0;
    s->dense_cap = 0;
    s->rows_cap = 0;
    s->initialized = 0;
}

/* The value is dense again: rows_cap follows the shape. */
static void set_dense(cpu_state *s)
{
    s->rows_cap = s->shape.rank == 4 ? s->shape.dims[2] : 0;
}

static int is_strided(const cpu_state *s)
{
    return s->shape.rank == 4 && s->rows_cap != s->shape.dims[2];
}

/* Bytes of one row (last axis) of a rank-4 value of `shape` as stored. */
static size_t row_bytes_of(const cpu_state *s, const grt_shape *shape)
{
    if (s->packed)
        return s->fmt.row_bytes;
    return (size_t)shape->dims[3] * (cpu_type_bits(s->var->type) / 8);
}

/* Chooses the row layout for a value of `shape` (packed: rank 4 and storage != declared type) and
 * makes sure the f32 row buffer holds a row. Errors: OUT_OF_MEMORY. */
static grt_status set_layout(const grt_host_api *host, cpu_state *s, const grt_shape *shape)
{
    s->packed = s->storage != s->var->type && shape->rank == 4;
    if (!s->packed)
        return GRT_OK;
    size_t D = (size_t)shape->dims[3];
    cpu_kv_format_init(&s->fmt, s->storage, D, s->dq_group);
    if (s->rowbuf_n < D || !s->rowbuf) {
        float *p = malloc((D ? D : 1) * sizeof(float));
        if (!p)
            return cpu_host_error(host, GRT_ERROR_OUT_OF_MEMORY,
                                  "state variable '%s': cannot allocate a row buffer", s->var->id);
        free(s->rowbuf);
        s->rowbuf = p;
        s->rowbuf_n = D;
    }
    return GRT_OK;
}

/* Encodes `n` rows of D values of the declared type at `src` into stored rows at `dst`. */
static void encode_rows(cpu_state *s, const void *src, size_t n, size_t D, uint8_t *dst)
{
    for (size_t r = 0; r < n; r++) {
        cpu_load_row(s->var->type, src, r * D, D, s->rowbuf);
        cpu_kv_encode_row(&s->fmt, s->rowbuf, D, dst + r * s->fmt.row_bytes);
    }
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

/* Ensures dense_cap >= bytes (contents discarded). */
static grt_status reserve_dense(const grt_host_api *host, cpu_state *s, size_t bytes)
{
    if (s->dense && s->dense_cap >= bytes)
        return GRT_OK;
    void *p = cpu_aligned_alloc(bytes ? bytes : CPU_ALIGNMENT);
    if (!p)
        return cpu_host_error(host, GRT_ERROR_OUT_OF_MEMORY,
                              "state variable '%s': cannot allocate %zu bytes", s->var->id, bytes);
    cpu_aligned_free(s->dense);
    s->dense = p;
    s->dense_cap = bytes;
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
    if (s->packed) /* no overflow: a packed row is at most 4 bytes per value (+ parameters) */
        *bytes = (size_t)(shape->dims[0] * shape->dims[1] * shape->dims[2]) * s->fmt.row_bytes;
    return GRT_OK;
}

grt_status cpu_state_store(const grt_host_api *host, cpu_state *s, const grt_shape *shape,
                           const void *src)
{
    size_t bytes = 0;
    grt_status st = check_shape(host, s, shape);
    if (st == GRT_OK)
        st = set_layout(host, s, shape);
    if (st == GRT_OK)
        st = size_of(host, s, shape, &bytes);
    if (st == GRT_OK)
        st = reserve(host, s, bytes);
    if (st != GRT_OK)
        return st;
    if (bytes && s->packed)
        encode_rows(s, src, bytes / s->fmt.row_bytes, (size_t)shape->dims[3], s->data);
    else if (bytes)
        memmove(s->data, src, bytes);
    s->shape = *shape;
    s->bytes = bytes;
    s->initialized = 1;
    set_dense(s);
    return GRT_OK;
}

grt_status cpu_state_store_zeros(const grt_host_api *host, cpu_state *s)
{
    grt_shape shape = s->var->shape;
    size_t bytes = 0;
    for (uint32_t i = 0; i < shape.rank; i++)
        if (shape.dims[i] < 0)
            shape.dims[i] = 0;
    grt_status st = set_layout(host, s, &shape);
    if (st == GRT_OK)
        st = size_of(host, s, &shape, &bytes);
    if (st == GRT_OK)
        st = reserve(host, s, bytes);
    if (st != GRT_OK)
        return st;
    memset(s->data, 0, bytes); /* also the encoding of zeros (scale 0, min 0, codes 0) */
    s->shape = shape;
    s->bytes = bytes;
    s->initialized = 1;
    set_dense(s);
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
        st = set_layout(host, s, &desc->shape);
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
    if (s->packed) { /* dense copy in the declared type first, then encoded */
        size_t dbytes = cpu_dense_bytes(s->var->type, &desc->shape, &ok);
        st = numel > 0 ? reserve_dense(host, s, dbytes) : GRT_OK;
        if (st == GRT_OK && numel > 0)
            cpu_copy_to_dense(desc, s->dense);
        return st == GRT_OK ? cpu_state_store(host, s, &desc->shape, s->dense) : st;
    }
    st = reserve(host, s, bytes);
    if (st != GRT_OK)
        return st;
    if (numel > 0)
        cpu_copy_to_dense(desc, s->data);
    s->shape = desc->shape;
    s->bytes = bytes;
    s->initialized = 1;
    set_dense(s);
    return GRT_OK;
}

void cpu_state_adopt(cpu_state *s, cpu_arena *arena, cpu_buf_id id, const grt_shape *shape)
{
    int ok = 0;
    cpu_arena_exchange(arena, id, &s->data, &s->cap);
    cpu_arena_release(arena, id);
    s->packed = 0; /* an adopted value is dense in the declared type (never an append variable) */
    s->shape = *shape;
    s->bytes = cpu_dense_bytes(s->var->type, shape, &ok);
    s->initialized = 1;
    set_dense(s);
}

void cpu_state_view(const cpu_state *s, cpu_tensor *t)
{
    t->type = s->var->type;
    t->shape = s->shape;
    t->data = s->data;
    t->bytes = s->bytes;
    t->comp = NULL;
    t->kv = NULL;
    memset(t->strides, 0, sizeof(t->strides));
    if (is_strided(s) || (s->packed && s->shape.rank == 4)) {
        int64_t D = s->shape.dims[3];
        t->strides[0] = s->shape.dims[1] * s->rows_cap * D;
        t->strides[1] = s->rows_cap * D;
        t->strides[2] = D;
        t->strides[3] = 1;
        t->bytes = (size_t)(s->shape.dims[0] * s->shape.dims[1] * s->rows_cap) *
                   row_bytes_of(s, &s->shape);
        t->kv = s->packed ? &s->fmt : NULL;
    }
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

/* Ensures room for `need` rows per block, keeping the first `rows` rows of every block. A new
 * buffer has twice the rows (or `need`), capped by the declared length of axis 2. */
static grt_status grow(const grt_host_api *host, cpu_state *s, size_t blocks, size_t row_bytes,
                       int64_t rows, int64_t need)
{
    if (s->data && need <= s->rows_cap)
        return GRT_OK;
    if (s->data && blocks * row_bytes > 0 && s->cap / (blocks * row_bytes) >= (size_t)need) {
        /* The allocation is big enough (e.g. after a reset or state_set): re-lay it in place,
         * last block first (blocks only move up, never over a block not yet moved). */
        int64_t ncap = (int64_t)(s->cap / (blocks * row_bytes));
        uint8_t *d = s->data;
        for (size_t b = blocks; rows && b-- > 1;) {
            memmove(d + b * (size_t)ncap * row_bytes, d + b * (size_t)s->rows_cap * row_bytes,
                    (size_t)rows * row_bytes);
            s->moved_bytes += (size_t)rows * row_bytes;
        }
        s->rows_cap = ncap;
        return GRT_OK;
    }
    int64_t ncap = s->rows_cap > 0 ? s->rows_cap : 16;
    while (ncap < need)
        ncap = ncap > INT64_MAX / 2 ? need : ncap * 2;
    int64_t declared = s->var->shape.rank == 4 ? s->var->shape.dims[2] : -1;
    if (declared >= need && ncap > declared)
        ncap = declared; /* never more rows than the variable can hold */
    if (blocks && row_bytes && (size_t)ncap > SIZE_MAX / blocks / row_bytes)
        return cpu_host_error(host, GRT_ERROR_OUT_OF_MEMORY,
                              "state variable '%s': %lld rows do not fit in memory", s->var->id,
                              (long long)ncap);
    size_t bytes = blocks * (size_t)ncap * row_bytes;
    uint8_t *nb = cpu_large_alloc(bytes ? bytes : CPU_ALIGNMENT); /* huge pages from 2 MiB */
    if (!nb)
        return cpu_host_error(host, GRT_ERROR_OUT_OF_MEMORY,
                              "state variable '%s': cannot allocate %zu bytes", s->var->id, bytes);
    const uint8_t *old = s->data;
    size_t keep = (size_t)rows * row_bytes;
    for (size_t b = 0; keep && b < blocks; b++)
        memcpy(nb + b * (size_t)ncap * row_bytes, old + b * (size_t)s->rows_cap * row_bytes, keep);
    s->moved_bytes += blocks * keep;
    cpu_aligned_free(s->data);
    s->data = nb;
    s->cap = bytes ? bytes : CPU_ALIGNMENT;
    s->rows_cap = ncap;
    return GRT_OK;
}

grt_status cpu_state_append(const grt_host_api *host, cpu_state *s, const cpu_tensor *nw,
                            cpu_tensor *view)
{
    const grt_shape *ps = &s->shape, *ns = &nw->shape;
    char a[96], b[96];
    if (ps->rank != 4 || ns->rank != 4 || ps->dims[0] != ns->dims[0] ||
        ps->dims[1] != ns->dims[1] || ps->dims[3] != ns->dims[3] || nw->type != s->var->type)
        return cpu_host_error(host, GRT_ERROR_SHAPE,
                              "state variable '%s': cannot append %s to %s along axis 2",
                              s->var->id, cpu_shape_str(ns, a, sizeof(a)),
                              cpu_shape_str(ps, b, sizeof(b)));
    size_t blocks = (size_t)ps->dims[0] * (size_t)ps->dims[1];
    size_t row_bytes = row_bytes_of(s, ps);
    int64_t rows = ps->dims[2], add = ns->dims[2];
    grt_status st = grow(host, s, blocks, row_bytes, rows, rows + add);
    if (st != GRT_OK)
        return st;
    size_t chunk = (size_t)add * row_bytes;
    uint8_t *dst = s->data;
    const uint8_t *src = nw->data;
    size_t D = (size_t)ps->dims[3], es = cpu_type_bits(s->var->type) / 8;
    for (size_t k = 0; chunk && k < blocks; k++) {
        uint8_t *d = dst + (k * (size_t)s->rows_cap + (size_t)rows) * row_bytes;
        if (s->packed)
            encode_rows(s, src + k * (size_t)add * D * es, (size_t)add, D, d);
        else
            memcpy(d, src + k * chunk, chunk);
    }
    s->appended_bytes += blocks * chunk;
    s->pending = *ps;
    s->pending.dims[2] = rows + add;
    /* The view: the state's layout with the new length (strided while capacity is left). */
    grt_shape keep = s->shape;
    s->shape = s->pending;
    cpu_state_view(s, view);
    s->shape = keep;
    if (!cpu_tensor_is_strided(view)) /* capacity exactly used: a dense view */
        view->bytes = blocks * (size_t)(rows + add) * row_bytes;
    return GRT_OK;
}

void cpu_state_commit_append(cpu_state *s)
{
    s->shape = s->pending;
    s->bytes = (size_t)(s->shape.dims[0] * s->shape.dims[1] * s->shape.dims[2]) *
               row_bytes_of(s, &s->shape);
    s->initialized = 1;
}

grt_status cpu_state_describe_dense(const grt_host_api *host, cpu_state *s, grt_tensor_desc *desc)
{
    int ok = 0;
    if (!is_strided(s) && !s->packed) {
        cpu_state_describe(s, desc);
        return GRT_OK;
    }
    size_t dbytes = cpu_dense_bytes(s->var->type, &s->shape, &ok);
    grt_status st = reserve_dense(host, s, dbytes);
    if (st != GRT_OK)
        return st;
    size_t blocks = (size_t)s->shape.dims[0] * (size_t)s->shape.dims[1];
    size_t rows = (size_t)s->shape.dims[2], D = (size_t)s->shape.dims[3];
    size_t row_bytes = row_bytes_of(s, &s->shape), chunk = rows * row_bytes;
    const uint8_t *src = s->data;
    for (size_t k = 0; chunk && k < blocks; k++) {
        const uint8_t *blk = src + k * (size_t)s->rows_cap * row_bytes;
        if (!s->packed) {
            memcpy((uint8_t *)s->dense + k * chunk, blk, chunk);
            continue;
        }
        for (size_t r = 0; r < rows; r++) {
            cpu_kv_decode_rows(&s->fmt, cpu_isa_active(), blk + r * row_bytes, 1, D, s->rowbuf);
            cpu_store_row(s->var->type, s->dense, (k * rows + r) * D, D, s->rowbuf);
        }
    }
    cpu_state_describe(s, desc);
    desc->data = s->dense;
    desc->byte_size = dbytes;
    return GRT_OK;
}
