/*
 * threads/streams.c - execution streams (see streams.h): one pool per stream on consecutive
 * placement slots of the topology, and a round-robin counter for new infer requests.
 */
#include "streams.h"

#include "topology.h"

#include <stdatomic.h>
#include <stdlib.h>

struct cpu_streams {
    int n;
    atomic_uint next;
    cpu_pool **pools; /* [n], NULL = serial */
};

cpu_streams *cpu_streams_create(int n_streams, int threads_per_stream, int pin, int *degraded)
{
    int bad = 0;
    int *cpus = NULL;
    if (n_streams < 1)
        n_streams = 1;
    if (threads_per_stream < 1)
        threads_per_stream = 1;
    cpu_streams *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->n = n_streams;
    atomic_init(&s->next, 0);
    s->pools = calloc((size_t)n_streams, sizeof(*s->pools));
    cpus = malloc(sizeof(int) * (size_t)threads_per_stream);
    if (!s->pools || !cpus) {
        free(cpus);
        cpu_streams_destroy(s);
        return NULL;
    }
    const cpu_topology *topo = cpu_topology_get();
    for (int i = 0; i < n_streams && threads_per_stream > 1; i++) {
        cpu_topology_place(topo, i * threads_per_stream, threads_per_stream, cpus);
        s->pools[i] = cpu_pool_create_ex(threads_per_stream, pin ? cpus : NULL, -1);
        bad |= s->pools[i] == NULL;
    }
    free(cpus);
    if (degraded)
        *degraded = bad;
    return s;
}

void cpu_streams_destroy(cpu_streams *s)
{
    if (!s)
        return;
    for (int i = 0; s->pools && i < s->n; i++)
        cpu_pool_destroy(s->pools[i]);
    free(s->pools);
    free(s);
}

int cpu_streams_count(const cpu_streams *s)
{
    return s ? s->n : 1;
}

int cpu_streams_next(cpu_streams *s)
{
    if (!s)
        return 0;
    return (int)(atomic_fetch_add_explicit(&s->next, 1, memory_order_relaxed) % (unsigned)s->n);
}

cpu_pool *cpu_streams_pool(const cpu_streams *s, int stream)
{
    if (!s || stream < 0 || stream >= s->n)
        return NULL;
    return s->pools[stream];
}
