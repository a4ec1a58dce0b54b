/*
 * test_cpu_pool.c - unit test of the CPU plugin's thread pool (plugins/cpu/threads/pool.h):
 * every index of [0, n) is visited exactly once for many thread/n/grain combinations, chunks
 * respect the grain, nested calls run inline without deadlock, and two threads may share a pool.
 */
#include "threads/pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

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

static void *share_main(void *varg)
{
    share_arg *a = varg;
    a->ok = 1;
    for (int rep = 0; rep < 200; rep++) {
        size_t n = 1000 + (size_t)rep * 7;
        atomic_llong sum;
        atomic_init(&sum, 0);
        cpu_parallel_for(a->pool, n, 3, sum_fn, &sum);
        if (atomic_load(&sum) != (long long)(n * (n - 1) / 2))
            a->ok = 0;
    }
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
        cpu_pool_destroy(pool);
    }
    cpu_pool_destroy(NULL);
    /* create/destroy without any job */
    cpu_pool_destroy(cpu_pool_create(4));
    cpu_pool *p0 = cpu_pool_create(0);
    CHECKF(p0 && cpu_pool_threads(p0) == 1, "cpu_pool_create(0) gives a 1-thread pool");
    cpu_pool_destroy(p0);

    return test_summary("test_cpu_pool");
}
