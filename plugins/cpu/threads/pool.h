/*
 * threads/pool.h - the CPU plugin's thread pool (a simple persistent pool; hwloc-driven
 * placement comes later).
 *
 * Ownership: a pool is created by a compiled model and destroyed with it. Threading: one
 * parallel_for runs at a time per pool (the caller serialises; the plugin gives each concurrently
 * running infer request its own pool or runs it serially).
 */
#ifndef GENRT_CPU_POOL_H
#define GENRT_CPU_POOL_H

#include <stddef.h>

typedef struct cpu_pool cpu_pool;

/* Work item: process indices [begin, end). */
typedef void (*cpu_range_fn)(void *arg, size_t begin, size_t end);

/* New pool running `n_threads` workers in total (the calling thread counts as one). NULL on
 * failure (out of memory / thread creation); callers then run serially. */
cpu_pool *cpu_pool_create(int n_threads);
void cpu_pool_destroy(cpu_pool *pool); /* NULL is a no-op */
int cpu_pool_threads(const cpu_pool *pool); /* 1 for NULL */

/* Splits [0, n) into contiguous chunks of at least `grain` indices and runs fn on them across the
 * pool's threads; returns when all are done. pool may be NULL (runs fn(arg, 0, n) inline). */
void cpu_parallel_for(cpu_pool *pool, size_t n, size_t grain, cpu_range_fn fn, void *arg);

#endif
