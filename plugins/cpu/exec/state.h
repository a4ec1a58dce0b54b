/*
 * exec/state.h - the value of one state variable inside a CPU infer request.
 *
 * A cpu_state owns one 64-byte aligned buffer holding the variable's current value (dense).
 * ReadValue hands kernels a read-only view of it (no copy); at the end of an infer the Assign'd
 * value is adopted by exchanging buffers with the request's arena (cpu_state_adopt), so the state
 * is updated without copying the tensor. Until first use (and after a reset) the state is
 * "uninitialized" and takes its initial value lazily: the ReadValue's init input if it has one,
 * else zeros of the declared shape with dynamic dims 0.
 *
 * In-place KV append (cpu_variable.append): the value [B, H, S, D] is kept in layout
 * [B, H, rows_cap, D] with rows_cap >= S; cpu_state_append writes only the new rows (growing the
 * buffer geometrically, x2, when they do not fit: the only time old rows are copied) and the new
 * length is taken at commit (cpu_state_commit_append), so a failed infer leaves the state as it
 * was. Every other store makes the value dense again (rows_cap = S), reusing the allocation.
 *
 * KV_CACHE_PRECISION (cpu_config.kv_cache_precision): an append variable of a float type is
 * stored in that precision when it differs from the declared type ("packed": f16, bf16, or u8 with
 * per-group f16 scale and min, layout in kernels/attention/sdpa_kv.h). Rows are encoded when they
 * are stored (append, state_set, initial value) and decoded by state_get (which still returns the
 * declared type), by SDPA tile by tile, and for other consumers into dense copies. Every other
 * variable keeps its declared type. `bytes`, `cap` and `row_bytes` count stored bytes.
 *
 * Ownership: the request owns its states; pointers into a state's buffer (outputs, state_get
 * descriptors) stay valid until the next infer or state call. Threading: not synchronised; one
 * request is used by one thread at a time.
 */
#ifndef GENRT_CPU_EXEC_STATE_H
#define GENRT_CPU_EXEC_STATE_H

#include "memory.h"
#include "plan.h"

typedef struct cpu_state {
    const cpu_variable *var;
    int initialized;
    grt_shape shape; /* current value's shape (static) */
    size_t bytes;    /* dense byte size of the current value */
    void *data;      /* owned (cpu_aligned_alloc), NULL until first stored */
    size_t cap;
    int64_t rows_cap;       /* rank 4: rows per [b, h] block in `data` (== dims[2] when dense) */
    grt_shape pending;      /* shape after the append of the running infer */
    void *dense;            /* state_get's dense copy of a strided value (owned) */
    size_t dense_cap;
    uint64_t moved_bytes;   /* bytes of old rows copied by growth (statistics for tests) */
    uint64_t appended_bytes; /* bytes of new rows written by appends */
    grt_element_type storage; /* element type the rows are kept in (var->type unless packed) */
    int64_t dq_group;         /* DYNAMIC_QUANTIZATION_GROUP_SIZE (u8 group choice) */
    int packed;               /* 1: rows are kept in `fmt` (storage != var->type, rank 4) */
    cpu_kv_format fmt;        /* packed row layout; views point at it */
    float *rowbuf;            /* one row as f32 (packed encode / decode), owned */
    size_t rowbuf_n;
} cpu_state;

/* `cfg` (may be NULL = declared type) chooses the storage of an append variable. */
void cpu_state_init(cpu_state *s, const cpu_variable *var, const cpu_config *cfg);
void cpu_state_free(cpu_state *s);

/* Stores a copy of dense `src` (`shape`, the variable's type). Errors: SHAPE (shape incompatible
 * with the declared one; the message names the variable), OUT_OF_MEMORY. */
grt_status cpu_state_store(const grt_host_api *host, cpu_state *s, const grt_shape *shape,
                           const void *src);
/* Stores zeros of the declared shape with dynamic dims 0. */
grt_status cpu_state_store_zeros(const grt_host_api *host, cpu_state *s);
/* Stores a copy of a caller's tensor (state_set): checks type, shape and strides/size. */
grt_status cpu_state_store_desc(const grt_host_api *host, cpu_state *s,
                                const grt_tensor_desc *desc);

/* Makes the state's value the contents of arena buffer `id` (`shape`, dense) without a copy: the
 * arena takes the state's previous buffer in exchange and `id` is released. */
void cpu_state_adopt(cpu_state *s, cpu_arena *arena, cpu_buf_id id, const grt_shape *shape);

/* A read-only tensor view of the current value (no copy; strided while rows_cap > dims[2]). */
void cpu_state_view(const cpu_state *s, cpu_tensor *t);

/* In-place append of `nw` ([B, H, Sn, D], dense, the variable's type) after the current rows:
 * *view becomes the concatenation [B, H, S + Sn, D] as a view of the state buffer (strided when
 * capacity is left). The state's value changes only at cpu_state_commit_append. Errors: SHAPE
 * (B, H or D differ; the message names the variable and `node`), OUT_OF_MEMORY. */
grt_status cpu_state_append(const grt_host_api *host, cpu_state *s, const cpu_tensor *nw,
                            cpu_tensor *view);
/* Takes the length of the last cpu_state_append as the value. */
void cpu_state_commit_append(cpu_state *s);
/* Like cpu_state_describe but always dense: a strided value is copied into s->dense (valid until
 * the next infer or state call). Errors: OUT_OF_MEMORY. */
grt_status cpu_state_describe_dense(const grt_host_api *host, cpu_state *s, grt_tensor_desc *desc);
/* Describes the current value (dense); desc->struct_size is left as the caller set it. */
void cpu_state_describe(const cpu_state *s, grt_tensor_desc *desc);

#endif
