/*
 * exec/memory.h - the activation arena of one CPU infer request.
 *
 * The arena owns a set of 64-byte aligned buffers that persist across infers. During an infer the
 * plan acquires a buffer for each computed value and releases it after the value's last consumer;
 * a released buffer goes back to the free list and is reused by a later value of sufficient size
 * (best fit; if no free buffer is large enough the largest free one is grown). Because an infer
 * with the same shapes repeats the same acquire/release sequence, steady-state infers allocate
 * nothing.
 *
 * Buffers are named by an index (cpu_buf_id) that stays valid until cpu_arena_destroy.
 * cpu_arena_exchange lets a state variable adopt a buffer without a copy (the arena takes the
 * state's old memory in return).
 *
 * Ownership: the arena owns every buffer it hands out. Threading: not synchronised; one arena
 * belongs to one infer request.
 */
#ifndef GENRT_CPU_EXEC_MEMORY_H
#define GENRT_CPU_EXEC_MEMORY_H

#include <stddef.h>
#include <stdint.h>

typedef int32_t cpu_buf_id; /* -1 = none */

typedef struct cpu_arena_buffer {
    void *data;  /* 64-byte aligned, NULL until first needed */
    size_t cap;  /* bytes usable at data */
    int in_use;
} cpu_arena_buffer;

typedef struct cpu_arena {
    cpu_arena_buffer *bufs;
    uint32_t n_bufs, cap_bufs;
    size_t total_bytes; /* sum of cap over all buffers */
    uint64_t allocations; /* number of malloc calls made so far (for tests and stats) */
} cpu_arena;

void cpu_arena_init(cpu_arena *a);
/* Frees every buffer. The arena can be reused after cpu_arena_init. */
void cpu_arena_destroy(cpu_arena *a);

/* A buffer of at least `bytes` (0 is allowed: the buffer still has a valid data pointer).
 * Returns 0 on success, -1 on out of memory (the arena is unchanged). */
int cpu_arena_acquire(cpu_arena *a, size_t bytes, cpu_buf_id *out);
/* Returns a buffer to the free list. Releasing -1 or a free buffer is a no-op. */
void cpu_arena_release(cpu_arena *a, cpu_buf_id id);
/* Marks every buffer free (start of an infer). */
void cpu_arena_release_all(cpu_arena *a);

void *cpu_arena_data(const cpu_arena *a, cpu_buf_id id);
size_t cpu_arena_cap(const cpu_arena *a, cpu_buf_id id);

/* Swaps the memory of buffer `id` with an outside block (*data, *cap): the caller gets the
 * buffer's memory and the arena takes ownership of the outside block (which must come from
 * cpu_aligned_alloc, or be NULL with *cap = 0). The buffer stays acquired. */
void cpu_arena_exchange(cpu_arena *a, cpu_buf_id id, void **data, size_t *cap);

#endif
