/*
 * test_cpu_pool.c - unit test of the CPU plugin's thread pool (plugins/cpu/threads/pool.h),
 * topology (topology.h) and streams (streams.h): every index of [0, n) is visited exactly once
 * for many thread/n/grain combinations, chunks respect the grain, nested calls run inline without
 * deadlock (same pool and across pools), two threads may share a pool, workers run on the CPU
 * they are pinned to, workers go from spinning to sleeping and back, many regions in a row keep
 * their results, the topology honours the affinity mask, streams are given out round-robin.
 * (The dispatch overhead is measured by bench_cpu_pool.c, not here.)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "threads/pool.h"
#include "threads/streams.h"
#include "threads/topology.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define TEST_UTIL_NO_GENRT
#include "test_util.h"

typedef struct cover_arg {
    atomic_int *hits;
    size_t n, grain;
    atomic_int small_chunks; /* chunks shorter than min(grain, n) */
    atomic_int calls;
} cover_arg;

static void cover_fn(void *varg, size_t begin, size_t end)
{
    cover_arg *a = varg;
    size_t min_len = a->grain < a->n ? a->grain : a->n;
    if (end - begin < min_len || end > a->n || begin >= end)
        atomic_fetch_add(&a->small_chunks, 1);
    for (size_t i = begin; i < end && i < a->n; i++)
        atomic_fetch_add(&a->hits[i], 1);
    atomic_fetch_add(&a->calls, 1);
}

static void check_cover(cpu_pool *pool, size_t n, size_t grain)
{
    cover_arg a;
    a.hits = calloc(n ? n : 1, sizeof(*a.hits));
    a.n = n;
    a.grain = grain ? grain : 1;
    atomic_init(&a.small_chunks, 0);
    atomic_init(&a.calls, 0);
    if (!a.hits) {
        CHECKF(0, "out of memory");
        return;
    }
    for (size_t i = 0; i < n; i++)
        atomic_init(&a.hits[i], 0);
    cpu_parallel_for(pool, n, grain, cover_fn, &a);
    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += atomic_load(&a.hits[i]) != 1;
    CHECKF(bad == 0, "threads=%d n=%zu grain=%zu: %zu indices not visited exactly once",
           cpu_pool_threads(pool), n, grain, bad);
    CHECKF(atomic_load(&a.small_chunks) == 0, "threads=%d n=%zu grain=%zu: chunk below grain",
           cpu_pool_threads(pool), n, grain);
    if (n == 0)
        CHECKF(atomic_load(&a.calls) == 0, "n=0 must not call fn");
    free(a.hits);
}

/* Nested: every outer index runs an inner parallel_for on the same pool. */
typedef struct nest_arg {
    cpu_pool *pool;
    atomic_int *hits; /* [outer * inner] */
    size_t inner;
} nest_arg;

typedef struct inner_arg {
    atomic_int *row;
} inner_arg;

static void inner_fn(void *varg, size_t begin, size_t end)
{
    inner_arg *a = varg;
    for (size_t i = begin; i < end; i++)
        atomic_fetch_add(&a->row[i], 1);
}

static void outer_fn(void *varg, size_t begin, size_t end)
{
    nest_arg *a = varg;
    for (size_t o = begin; o < end; o++) {
        inner_arg ia = {a->hits + o * a->inner};
        cpu_parallel_for(a->pool, a->inner, 1, inner_fn, &ia);
    }
}

static void check_nested(cpu_pool *pool)
{
    enum { OUTER = 37, INNER = 53 };
    static atomic_int hits[OUTER * INNER];
    for (size_t i = 0; i < OUTER * INNER; i++)
        atomic_init(&hits[i], 0);
    nest_arg a = {pool, hits, INNER};
    cpu_parallel_for(pool, OUTER, 1, outer_fn, &a);
    size_t bad = 0;
    for (size_t i = 0; i < OUTER * INNER; i++)
        bad += atomic_load(&hits[i]) != 1;
    CHECKF(bad == 0, "nested: %zu indices not visited exactly once", bad);
}

/* Two threads share one pool (requests of one compiled model do). */
typedef struct share_arg {
    cpu_pool *pool;
    int ok;
} share_arg;

static void sum_fn(void *varg, size_t begin, size_t end)
{
    atomic_llong *sum = varg;
    long long s = 0;
    for (size_t i = begin; i < end; i++)
        s += (long long)i;
    atomic_fetch_add(sum, s);
}

/* Runs `regions` sum regions of n = base + (rep % mod) * step indices; returns how many were
 * wrong (usable from any thread: no CHECK inside). */
static long long run_sums(cpu_pool *pool, int regions, size_t base, size_t step, int mod,
                          size_t grain)
{
    long long bad = 0;
    for (int rep = 0; rep < regions; rep++) {
        size_t n = base + (size_t)(rep % mod) * step;
        atomic_llong sum;
        atomic_init(&sum, 0);
        cpu_parallel_for(pool, n, grain, sum_fn, &sum);
        bad += atomic_load(&sum) != (long long)(n * (n - 1) / 2);
    }
    return bad;
}

static void *share_main(void *varg)
{
    share_arg *a = varg;
    a->ok = run_sums(a->pool, 200, 1000, 7, 200, 3) == 0;
    return NULL;
}

static void check_shared(cpu_pool *pool)
{
    pthread_t t[2];
    share_arg a[2] = {{pool, 0}, {pool, 0}};
    int started = 0;
    for (int i = 0; i < 2; i++)
        if (pthread_create(&t[i], NULL, share_main, &a[i]) == 0)
            started |= 1 << i;
    for (int i = 0; i < 2; i++)
        if (started & (1 << i))
            pthread_join(t[i], NULL);
    CHECKF(started == 3, "could not start test threads");
    CHECKF(a[0].ok && a[1].ok, "shared pool gave wrong sums");
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* ---- pinning ---------------------------------------------------------------------------------- */

typedef struct where_arg {
    atomic_int bad;     /* chunks run by a pinned worker on another CPU */
    atomic_int workers; /* chunks run by workers */
    const cpu_pool *pool;
} where_arg;

static void where_fn(void *varg, size_t begin, size_t end)
{
    where_arg *a = varg;
    int idx = cpu_pool_thread_index();
    if (idx > 0) {
        int want = cpu_pool_thread_cpu(a->pool, idx);
        if (want >= 0 && sched_getcpu() != want)
            atomic_fetch_add(&a->bad, 1);
        atomic_fetch_add(&a->workers, 1);
    }
    /* some work so that workers take chunks */
    volatile double x = 0;
    for (size_t i = begin; i < end; i++)
        for (int k = 0; k < 2000; k++)
            x += (double)k;
}

static void check_pinning(void)
{
    const cpu_topology *t = cpu_topology_get();
    int n = t->n_pus < 4 ? t->n_pus + 1 : 4; /* one more than the CPUs on small machines: wraps */
    int cpus[4];
    cpu_topology_place(t, 0, n, cpus);
    cpu_pool *pool = cpu_pool_create_ex(n, cpus, 50);
    CHECKF(pool != NULL, "pinned pool of %d threads", n);
    if (!pool)
        return;
    CHECKF(cpu_pool_thread_cpu(pool, 0) == -1, "the caller is never pinned");
    CHECKF(cpu_pool_thread_cpu(pool, n) == -1, "index out of range reports -1");
    for (int i = 1; i < n; i++) {
        printf("pool: worker %d pinned to CPU %d (asked %d)\n", i, cpu_pool_thread_cpu(pool, i),
               cpus[i]);
        if (cpus[i] >= 0)
            CHECKF(cpu_pool_thread_cpu(pool, i) == cpus[i], "worker %d pinned to %d, asked %d", i,
                   cpu_pool_thread_cpu(pool, i), cpus[i]);
    }
    where_arg a = {0, 0, pool};
    int worker_chunks = 0;
    for (int rep = 0; rep < 2000 && (rep < 50 || worker_chunks == 0); rep++) {
        cpu_parallel_for(pool, 64, 1, where_fn, &a);
        worker_chunks = atomic_load(&a.workers);
    }
    CHECKF(atomic_load(&a.bad) == 0, "%d chunks ran on a CPU other than the worker's pin",
           atomic_load(&a.bad));
    CHECKF(worker_chunks > 0, "workers never took a chunk");
    CHECKF(cpu_pool_thread_index() == 0, "the test thread is not a worker");
    cpu_pool_destroy(pool);

    /* negative and impossible CPUs leave workers unpinned; the pool still works */
    int odd[3] = {0, -1, 1 << 20};
    pool = cpu_pool_create_ex(3, odd, 0);
    CHECKF(pool && cpu_pool_thread_cpu(pool, 1) == -1 && cpu_pool_thread_cpu(pool, 2) == -1,
           "unpinned workers report -1");
    if (pool)
        check_cover(pool, 1000, 1);
    cpu_pool_destroy(pool);
}

/* ---- spin / sleep ----------------------------------------------------------------------------- */

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Runs regions with some work until the stats field at `off` exceeds `above` (at most ~10 s:
 * on a loaded machine a worker may not get a CPU for a while). Returns the stats. */
static cpu_pool_stats run_until(cpu_pool *pool, size_t off, uint64_t above)
{
    cpu_pool_stats st;
    where_arg a = {0, 0, pool};
    double t0 = now_us();
    do {
        cpu_parallel_for(pool, 16, 1, where_fn, &a);
        cpu_pool_get_stats(pool, &st);
    } while (*(uint64_t *)((char *)&st + off) <= above && now_us() - t0 < 10e6);
    return st;
}

static void check_spin_sleep(void)
{
    cpu_pool_stats st0, st;
    /* spin 0: a worker only ever starts a region after blocking */
    cpu_pool *pool = cpu_pool_create_ex(2, NULL, 0);
    CHECKF(pool != NULL, "pool with spin 0");
    if (!pool)
        return;
    for (int rep = 0; rep < 100; rep++)
        check_cover(pool, 64, 1);
    st = run_until(pool, offsetof(cpu_pool_stats, sleep_starts), 0);
    CHECKF(st.regions >= 100 && st.spin_starts == 0 && st.sleep_starts >= 1 &&
               st.sleep_starts <= st.regions,
           "spin 0: regions %llu spin starts %llu sleep starts %llu", (unsigned long long)st.regions,
           (unsigned long long)st.spin_starts, (unsigned long long)st.sleep_starts);
    cpu_pool_destroy(pool);

    /* spin 2 ms: back-to-back regions start while the worker spins; after an idle pause the
     * worker blocks, and the next region wakes it */
    pool = cpu_pool_create_ex(2, NULL, 2000);
    CHECKF(pool != NULL, "pool with spin 2 ms");
    if (!pool)
        return;
    for (int rep = 0; rep < 200; rep++)
        check_cover(pool, 64, 1);
    st0 = run_until(pool, offsetof(cpu_pool_stats, spin_starts), 0);
    CHECKF(st0.spin_starts > 0, "no region started while the worker was spinning");
    CHECKF(st0.spin_starts + st0.sleep_starts <= st0.regions, "at most one start per region");
    int waited = 0;
    do { /* the worker blocks once its spin time has passed (poll, up to 10 s) */
        sleep_ms(5);
        waited += 5;
        cpu_pool_get_stats(pool, &st);
    } while (st.blocked_now == 0 && waited < 10000);
    CHECKF(st.blocked_now == 1 && st.sleeps >= 1, "the idle worker never blocked");
    st0 = st;
    st = run_until(pool, offsetof(cpu_pool_stats, sleep_starts), st.sleep_starts);
    CHECKF(st.sleep_starts > st0.sleep_starts, "the blocked worker was not woken by a region");
    check_cover(pool, 1000, 1);
    cpu_pool_destroy(pool);
}

/* ---- many regions, nested across pools -------------------------------------------------------- */

static void check_many(cpu_pool *pool, int regions)
{
    long long bad = run_sums(pool, regions, 2, 1, 97, 1);
    CHECKF(bad == 0, "threads=%d: %lld of %d regions in a row gave wrong sums",
           cpu_pool_threads(pool), bad, regions);
}

typedef struct cross_arg {
    cpu_pool *other;
    atomic_llong total;
} cross_arg;

static void cross_fn(void *varg, size_t begin, size_t end)
{
    cross_arg *a = varg;
    for (size_t o = begin; o < end; o++) {
        atomic_llong sum;
        atomic_init(&sum, 0);
        cpu_parallel_for(a->other, 100, 1, sum_fn, &sum); /* inline: nested */
        atomic_fetch_add(&a->total, atomic_load(&sum));
    }
}

static void check_nested_cross(void)
{
    cpu_pool *a = cpu_pool_create(2), *b = cpu_pool_create(2);
    CHECKF(a && b, "two pools");
    if (a && b) {
        cross_arg arg = {b, 0};
        cpu_parallel_for(a, 40, 1, cross_fn, &arg);
        CHECKF(atomic_load(&arg.total) == 40LL * 4950, "nested across pools: total %lld",
               (long long)atomic_load(&arg.total));
    }
    cpu_pool_destroy(a);
    cpu_pool_destroy(b);
}

/* ---- topology and streams --------------------------------------------------------------------- */

static void check_topology_of(const cpu_topology *t, const cpu_set_t *mask)
{
    CHECKF(t->n_pus >= 1 && t->n_cores >= 1 && t->n_cores <= t->n_pus, "counts %d PUs %d cores",
           t->n_pus, t->n_cores);
    CHECKF(t->n_fast_cores >= 1 && t->n_fast_cores <= t->n_cores, "%d fast cores",
           t->n_fast_cores);
    CHECKF(t->n_kinds >= 1 && t->n_numa >= 1, "%d kinds %d NUMA nodes", t->n_kinds, t->n_numa);
    for (int i = 0; i < t->n_pus; i++) {
        const cpu_topo_pu *p = &t->pus[i];
        CHECKF(p->os_index >= 0 && CPU_ISSET(p->os_index, mask), "PU %d (CPU %d) not allowed", i,
               p->os_index);
        CHECKF(p->core >= 0 && p->core < t->n_cores && p->kind < t->n_kinds && p->numa < t->n_numa,
               "PU %d indices", i);
        if (i > 0)
            CHECKF(p->smt >= t->pus[i - 1].smt, "placement order: SMT siblings last");
        for (int j = 0; j < i; j++)
            CHECKF(t->pus[j].os_index != p->os_index, "CPU %d listed twice", p->os_index);
    }
}

static void check_topology(void)
{
    cpu_set_t mask, one;
    const cpu_topology *t = cpu_topology_get();
    CHECKF(sched_getaffinity(0, sizeof(mask), &mask) == 0, "sched_getaffinity");
    printf("topology (%s): %d CPUs, %d cores, %d fast cores, %d kinds, %d NUMA nodes\n",
           t->from_hwloc ? "hwloc" : "fallback", t->n_pus, t->n_cores, t->n_fast_cores,
           t->n_kinds, t->n_numa);
    check_topology_of(t, &mask);
    CHECKF(t->n_pus == CPU_COUNT(&mask), "%d PUs for %d CPUs in the affinity mask", t->n_pus,
           CPU_COUNT(&mask));
    CHECKF(cpu_topology_default_threads(t, 0) == t->n_cores &&
               cpu_topology_default_threads(t, 1) == t->n_fast_cores,
           "default threads");

    /* taskset: a mask of one CPU gives a topology of that CPU only */
    int last = t->pus[t->n_pus - 1].os_index;
    CPU_ZERO(&one);
    CPU_SET(last, &one);
    if (sched_setaffinity(0, sizeof(one), &one) == 0) {
        cpu_topology *t1 = cpu_topology_detect();
        CHECKF(t1 && t1->n_pus == 1 && t1->pus[0].os_index == last && t1->n_cores == 1,
               "restricted to CPU %d: %d PUs", last, t1 ? t1->n_pus : -1);
        if (t1)
            check_topology_of(t1, &one);
        cpu_topology_free(t1);
        CHECKF(sched_setaffinity(0, sizeof(mask), &mask) == 0, "restore the affinity mask");
    }
}

static void check_streams(void)
{
    int degraded = -1;
    cpu_streams *s = cpu_streams_create(3, 2, 1, &degraded);
    CHECKF(s && degraded == 0, "3 streams of 2 threads");
    if (s) {
        CHECKF(cpu_streams_count(s) == 3, "count");
        int seq[7];
        for (int i = 0; i < 7; i++)
            seq[i] = cpu_streams_next(s);
        CHECKF(seq[0] == 0 && seq[1] == 1 && seq[2] == 2 && seq[3] == 0 && seq[6] == 0,
               "round-robin streams");
        for (int i = 0; i < 3; i++) {
            cpu_pool *p = cpu_streams_pool(s, i);
            CHECKF(p && cpu_pool_threads(p) == 2, "stream %d pool", i);
            if (p)
                check_many(p, 50);
        }
        CHECKF(cpu_streams_pool(s, 3) == NULL && cpu_streams_pool(s, -1) == NULL, "range");
    }
    cpu_streams_destroy(s);
    s = cpu_streams_create(2, 1, 1, NULL);
    CHECKF(s && cpu_streams_pool(s, 0) == NULL && cpu_streams_pool(s, 1) == NULL,
           "1-thread streams run serially");
    cpu_streams_destroy(s);
    cpu_streams_destroy(NULL);
    CHECKF(cpu_streams_count(NULL) == 1 && cpu_streams_next(NULL) == 0, "NULL streams");
}

int main(void)
{
    static const int threads[] = {1, 2, 3, 4, 7, 16};
    static const size_t sizes[] = {0, 1, 2, 3, 5, 16, 17, 63, 64, 65, 100, 1000, 4097};
    static const size_t grains[] = {0, 1, 2, 3, 7, 16, 64, 1000, 100000};

    CHECKF(cpu_pool_threads(NULL) == 1, "NULL pool must report 1 thread");
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
        for (size_t g = 0; g < sizeof(grains) / sizeof(grains[0]); g++)
            check_cover(NULL, sizes[s], grains[g]);

    for (size_t t = 0; t < sizeof(threads) / sizeof(threads[0]); t++) {
        cpu_pool *pool = cpu_pool_create(threads[t]);
        CHECKF(pool != NULL, "cpu_pool_create(%d) failed", threads[t]);
        if (!pool)
            continue;
        CHECKF(cpu_pool_threads(pool) == threads[t], "pool reports %d threads, expected %d",
               cpu_pool_threads(pool), threads[t]);
        for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
            for (size_t g = 0; g < sizeof(grains) / sizeof(grains[0]); g++)
                check_cover(pool, sizes[s], grains[g]);
        /* many small jobs in a row: the dispatch must not lose wake-ups */
        for (int rep = 0; rep < 500; rep++)
            check_cover(pool, 8 + (size_t)(rep % 13), 1);
        check_nested(pool);
        check_shared(pool);
        check_many(pool, 3000);
        cpu_pool_destroy(pool);
    }
    cpu_pool_destroy(NULL);
    /* create/destroy without any job */
    cpu_pool_destroy(cpu_pool_create(4));
    cpu_pool *p0 = cpu_pool_create(0);
    CHECKF(p0 && cpu_pool_threads(p0) == 1, "cpu_pool_create(0) gives a 1-thread pool");
    cpu_pool_destroy(p0);

    check_nested_cross();
    check_pinning();
    check_spin_sleep();
    check_topology();
    check_streams();
    return test_summary("test_cpu_pool");
}
