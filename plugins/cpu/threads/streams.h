/*
 * threads/streams.h - the execution streams of a compiled model: each stream is a thread pool
 * on its own disjoint set of CPUs, so infer requests on different streams run in parallel
 * without sharing workers (OpenVINO's NUM_STREAMS). PERFORMANCE_HINT LATENCY is one stream on
 * all threads; THROUGHPUT is several (properties.h resolves the counts).
 *
 * Stream s takes placement slots [s * tps, (s + 1) * tps) of the process topology
 * (threads/topology.h: P-cores first, SMT siblings last); its pool pins worker i to slot i when
 * pinning is on. A stream of one thread has no pool (requests on it run serially on their own
 * thread). Infer requests are given streams round-robin at creation.
 *
 * Ownership: created and destroyed by the compiled model (exec/plan.h), after all its requests.
 * Threading: cpu_streams_next is thread-safe; the rest is immutable after creation.
 */
#ifndef GENRT_CPU_STREAMS_H
#define GENRT_CPU_STREAMS_H

#include "pool.h"

typedef struct cpu_streams cpu_streams;

/* n_streams (>= 1) streams of threads_per_stream (>= 1) threads, workers pinned when `pin`.
 * NULL on out of memory. A stream whose pool cannot be started runs serially; *degraded (may be
 * NULL) is then set to 1. */
cpu_streams *cpu_streams_create(int n_streams, int threads_per_stream, int pin, int *degraded);
void cpu_streams_destroy(cpu_streams *s); /* NULL is a no-op */

int cpu_streams_count(const cpu_streams *s); /* 1 for NULL */

/* Stream for a new infer request: 0, 1, ..., n-1, 0, ... (thread-safe). 0 for NULL. */
int cpu_streams_next(cpu_streams *s);

/* Pool of stream `stream` (NULL = serial, also for NULL s or an index out of range). */
cpu_pool *cpu_streams_pool(const cpu_streams *s, int stream);

#endif
