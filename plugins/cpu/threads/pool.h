/*
 * threads/pool.h - the CPU plugin's persistent thread pool: pinned workers that spin briefly
 * and then sleep, so a parallel region starts in microseconds and idle workers cost nothing.
 *
 * A pool of n threads has n - 1 workers; the thread calling cpu_parallel_for is the n-th (it is
 * never pinned or otherwise changed by the pool). Worker i (1..n-1) may be pinned to one CPU.
 * After a region a worker spins for the pool's spin time waiting for the next one, then blocks
 * (futex on Linux); the caller likewise spins, then blocks, while waiting for the workers.
 *
 * Ownership: a pool is created by a compiled model (one per stream, threads/streams.h) and
 * destroyed with it. Threading: cpu_parallel_for may be called from several threads at once on
 * one pool; regions are serialised (one at a time). A nested call (from inside a work item, on
 * any pool) runs inline on the calling thread, so nesting never deadlocks. cpu_parallel_for
 * allocates nothing.
 */
#ifndef GENRT_CPU_POOL_H
#define GENRT_CPU_POOL_H

#include <stddef.h>
#include <stdint.h>

typedef struct cpu_pool cpu_pool;

/* Work item: process indices [begin, end). */
typedef void (*cpu_range_fn)(void *arg, size_t begin, size_t end);

/* Default spin time (microseconds) before a waiting thread blocks; GENRT_CPU_SPIN_US overrides
 * it for pools created with spin_us < 0. */
#define CPU_POOL_DEFAULT_SPIN_US 200

/* New pool running `n_threads` threads in total (the calling thread counts as one), unpinned,
 * default spin time. NULL on failure (out of memory / thread creation); callers then run
 * serially. n_threads < 1 counts as 1. */
cpu_pool *cpu_pool_create(int n_threads);

/* As cpu_pool_create; `cpus` (may be NULL) holds n_threads OS CPU numbers: worker i is pinned to
 * cpus[i] (i >= 1; entry 0 belongs to the caller and is not applied; a negative entry leaves that
 * worker unpinned; a CPU that cannot be set leaves it unpinned too). spin_us < 0 = default. */
cpu_pool *cpu_pool_create_ex(int n_threads, const int *cpus, int spin_us);

void cpu_pool_destroy(cpu_pool *pool); /* NULL is a no-op */
int cpu_pool_threads(const cpu_pool *pool); /* 1 for NULL */

/* CPU that thread `index` (1..n_threads-1) is pinned to, -1 when unpinned or out of range
 * (index 0, the caller, is never pinned). */
int cpu_pool_thread_cpu(const cpu_pool *pool, int index);

/* Index of the calling thread within the region it is running: 1..n-1 on a pool worker, 0 on
 * any other thread. */
int cpu_pool_thread_index(void);

/* Counters since creation (relaxed reads; for tests and diagnostics). */
typedef struct cpu_pool_stats {
    uint64_t regions;     /* regions dispatched to workers (inline ones not counted) */
    uint64_t spin_starts; /* region starts a worker picked up while spinning */
    uint64_t sleep_starts; /* region starts a worker picked up after blocking */
    uint64_t sleeps;      /* times a worker blocked */
    int blocked_now;      /* workers blocked at the time of the call */
} cpu_pool_stats;
void cpu_pool_get_stats(const cpu_pool *pool, cpu_pool_stats *out); /* zeros for NULL */

/* Splits [0, n) into contiguous chunks of at least `grain` indices and runs fn on them across the
 * pool's threads; returns when all are done. pool may be NULL (runs fn(arg, 0, n) inline). */
void cpu_parallel_for(cpu_pool *pool, size_t n, size_t grain, cpu_range_fn fn, void *arg);

#endif
