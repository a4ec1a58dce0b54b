/*
 * threads/scratch.h - per-thread scratch memory for kernels, so that nothing is allocated per
 * token once a model has run one infer of each shape.
 *
 * cpu_scratch(slot, bytes) returns a 64-byte aligned buffer of at least `bytes` bytes owned by
 * the calling thread. Each thread has CPU_SCRATCH_SLOTS independent slots (a kernel that needs
 * two buffers at once uses two slots; a kernel must not call another kernel while it holds a
 * slot). The buffer grows (never shrinks) when a larger size is asked for: the previous contents
 * are then lost. NULL on out of memory (the caller reports it). Buffers are freed when the thread
 * exits (pool workers at cpu_pool_destroy, other threads at pthread exit); the main thread's are
 * freed at process exit by cpu_scratch_release_thread() or left to the OS.
 *
 * Threading: a slot is private to its thread; no locking.
 */
#ifndef GENRT_CPU_SCRATCH_H
#define GENRT_CPU_SCRATCH_H

#include <stddef.h>

#define CPU_SCRATCH_SLOTS 4

void *cpu_scratch(int slot, size_t bytes);
/* Frees the calling thread's buffers now. */
void cpu_scratch_release_thread(void);

#endif
