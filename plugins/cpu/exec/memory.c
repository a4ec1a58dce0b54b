/*
 * exec/memory.c - the activation arena (see memory.h): persistent buffers with a best-fit free
 * list. Not synchronised; owned by one infer request.
 */
#include "memory.h"

#include "util.h"

#include <stdlib.h>

void cpu_arena_init(cpu_arena *a)
{
    a->bufs = NULL;
    a->n_bufs = 0;
    a->cap_bufs = 0;
    a->total_bytes = 0;
    a->allocations = 0;
}

void cpu_arena_destroy(cpu_arena *a)
{
    if (!a)
        return;
    for (uint32_t i = 0; i < a->n_bufs; i++)
        cpu_aligned_free(a->bufs[i].data);
    free(a->bufs);
    cpu_arena_init(a);
}

static size_t round_cap(size_t bytes)
{
    if (bytes < CPU_ALIGNMENT)
        return CPU_ALIGNMENT;
    if (bytes > SIZE_MAX - CPU_ALIGNMENT)
        return 0;
    return (bytes + CPU_ALIGNMENT - 1) / CPU_ALIGNMENT * CPU_ALIGNMENT;
}

int cpu_arena_acquire(cpu_arena *a, size_t bytes, cpu_buf_id *out)
{
    int64_t best = -1, largest = -1;
    size_t need = round_cap(bytes);
    if (need == 0 || a->n_bufs >= INT32_MAX)
        return -1;
    for (uint32_t i = 0; i < a->n_bufs; i++) {
        const cpu_arena_buffer *b = &a->bufs[i];
        if (b->in_use)
            continue;
        if (b->cap >= need && (best < 0 || b->cap < a->bufs[best].cap))
            best = i;
        if (largest < 0 || b->cap > a->bufs[largest].cap)
            largest = i;
    }
    if (best < 0 && largest >= 0) {
        /* grow the largest free buffer (its contents are dead) */
        cpu_arena_buffer *b = &a->bufs[largest];
        void *p = cpu_aligned_alloc(need);
        if (!p)
            return -1;
        a->allocations++;
        a->total_bytes = a->total_bytes - b->cap + need;
        cpu_aligned_free(b->data);
        b->data = p;
        b->cap = need;
        best = largest;
    }
    if (best < 0) {
        if (a->n_bufs == a->cap_bufs) {
            uint32_t nc = a->cap_bufs ? a->cap_bufs * 2 : 16;
            cpu_arena_buffer *nb = realloc(a->bufs, (size_t)nc * sizeof(*nb));
            if (!nb)
                return -1;
            a->bufs = nb;
            a->cap_bufs = nc;
        }
        void *p = cpu_aligned_alloc(need);
        if (!p)
            return -1;
        a->allocations++;
        a->total_bytes += need;
        a->bufs[a->n_bufs].data = p;
        a->bufs[a->n_bufs].cap = need;
        a->bufs[a->n_bufs].in_use = 0;
        best = a->n_bufs++;
    }
    a->bufs[best].in_use = 1;
    *out = (cpu_buf_id)best;
    return 0;
}

void cpu_arena_release(cpu_arena *a, cpu_buf_id id)
{
    if (id >= 0 && (uint32_t)id < a->n_bufs)
        a->bufs[id].in_use = 0;
}

void cpu_arena_release_all(cpu_arena *a)
{
    for (uint32_t i = 0; i < a->n_bufs; i++)
        a->bufs[i].in_use = 0;
}

void *cpu_arena_data(const cpu_arena *a, cpu_buf_id id)
{
    return (id >= 0 && (uint32_t)id < a->n_bufs) ? a->bufs[id].data : NULL;
}

size_t cpu_arena_cap(const cpu_arena *a, cpu_buf_id id)
{
    return (id >= 0 && (uint32_t)id < a->n_bufs) ? a->bufs[id].cap : 0;
}

void cpu_arena_exchange(cpu_arena *a, cpu_buf_id id, void **data, size_t *cap)
{
    if (id < 0 || (uint32_t)id >= a->n_bufs)
        return;
    cpu_arena_buffer *b = &a->bufs[id];
    void *d = b->data;
    size_t c = b->cap;
    a->total_bytes = a->total_bytes - c + *cap;
    b->data = *data;
    b->cap = *cap;
    *data = d;
    *cap = c;
}
