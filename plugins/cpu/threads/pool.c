/*
 * threads/pool.c - the CPU plugin's persistent thread pool (implements threads/pool.h).
 *
 * Workers are created once (cpu_pool_create) and sleep on a condition variable between jobs.
 * cpu_parallel_for publishes a job under the pool mutex (a generation counter wakes the workers),
 * the caller works on it too, and chunks are claimed with an atomic counter so faster threads take
 * more of them. The caller returns once every participating worker has finished its share.
 *
 * Threading: cpu_parallel_for may be called from several threads at once on one pool; calls are
 * serialised by a dispatch mutex (one job at a time). A nested call (from inside a work item, on any
 * pool) runs inline on the calling thread, so nesting never deadlocks.
 * Ownership: the pool owns its threads; cpu_pool_destroy joins them.
 */
#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

/* Chunks per thread: more than one so uneven work balances out. */
#define CPU_POOL_CHUNKS_PER_THREAD 4

struct cpu_pool {
    int n_threads; /* total, the calling thread included */
    int n_workers; /* n_threads - 1 */
    pthread_t *threads;
    int n_started;

    pthread_mutex_t dispatch; /* one job at a time */
    pthread_mutex_t mu;       /* guards the fields below */
    pthread_cond_t work_cv;   /* workers wait for a new generation */
    pthread_cond_t done_cv;   /* the caller waits for active == 0 */
    uint64_t generation;
    int stop;
    int active; /* participating workers that have not finished the current job */

    /* The current job (written under mu before generation is bumped). */
    cpu_range_fn fn;
    void *arg;
    size_t n;
    size_t n_chunks;
    int participants; /* workers 0..participants-1 take part */
    atomic_size_t next_chunk;
};

typedef struct worker_arg {
    cpu_pool *pool;
    int index;
} worker_arg;

/* Non-zero while this thread executes a work item: nested parallel_for then runs inline. */
static _Thread_local int tls_in_pool_job;

static void run_chunks(cpu_pool *p)
{
    tls_in_pool_job = 1;
    for (;;) {
        size_t c = atomic_fetch_add_explicit(&p->next_chunk, 1, memory_order_relaxed);
        if (c >= p->n_chunks)
            break;
        /* n = q * nc + r: chunks 0..r-1 take q + 1 indices, the others q (q >= grain) */
        size_t q = p->n / p->n_chunks, r = p->n % p->n_chunks;
        size_t begin = c * q + (c < r ? c : r);
        size_t end = begin + q + (c < r ? 1 : 0);
        p->fn(p->arg, begin, end);
    }
    tls_in_pool_job = 0;
}

static void *worker_main(void *varg)
{
    worker_arg *wa = varg;
    cpu_pool *p = wa->pool;
    int index = wa->index;
    uint64_t seen = 0;
    free(wa);

    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->generation == seen)
            pthread_cond_wait(&p->work_cv, &p->mu);
        if (p->stop)
            break;
        seen = p->generation;
        if (index >= p->participants)
            continue;
        pthread_mutex_unlock(&p->mu);
        run_chunks(p);
        pthread_mutex_lock(&p->mu);
        if (--p->active == 0)
            pthread_cond_signal(&p->done_cv);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

cpu_pool *cpu_pool_create(int n_threads)
{
    cpu_pool *p = NULL;
    int sync_init = 0;
    if (n_threads < 1)
        n_threads = 1;
    p = calloc(1, sizeof(*p));
    if (!p)
        goto fail;
    p->n_threads = n_threads;
    p->n_workers = n_threads - 1;
    atomic_init(&p->next_chunk, 0);
    if (pthread_mutex_init(&p->dispatch, NULL) != 0)
        goto fail;
    if (pthread_mutex_init(&p->mu, NULL) != 0) {
        pthread_mutex_destroy(&p->dispatch);
        goto fail;
    }
    if (pthread_cond_init(&p->work_cv, NULL) != 0) {
        pthread_mutex_destroy(&p->mu);
        pthread_mutex_destroy(&p->dispatch);
        goto fail;
    }
    if (pthread_cond_init(&p->done_cv, NULL) != 0) {
        pthread_cond_destroy(&p->work_cv);
        pthread_mutex_destroy(&p->mu);
        pthread_mutex_destroy(&p->dispatch);
        goto fail;
    }
    sync_init = 1;
    if (p->n_workers > 0) {
        p->threads = calloc((size_t)p->n_workers, sizeof(*p->threads));
        if (!p->threads)
            goto fail;
    }
    for (int i = 0; i < p->n_workers; i++) {
        worker_arg *wa = malloc(sizeof(*wa));
        if (!wa)
            goto fail;
        wa->pool = p;
        wa->index = i;
        if (pthread_create(&p->threads[i], NULL, worker_main, wa) != 0) {
            free(wa);
            goto fail;
        }
        p->n_started++;
    }
    return p;

fail:
    if (p && sync_init) {
        cpu_pool_destroy(p);
    } else {
        free(p);
    }
    return NULL;
}

void cpu_pool_destroy(cpu_pool *pool)
{
    if (!pool)
        return;
    pthread_mutex_lock(&pool->mu);
    pool->stop = 1;
    pthread_cond_broadcast(&pool->work_cv);
    pthread_mutex_unlock(&pool->mu);
    for (int i = 0; i < pool->n_started; i++)
        pthread_join(pool->threads[i], NULL);
    pthread_cond_destroy(&pool->done_cv);
    pthread_cond_destroy(&pool->work_cv);
    pthread_mutex_destroy(&pool->mu);
    pthread_mutex_destroy(&pool->dispatch);
    free(pool->threads);
    free(pool);
}

int cpu_pool_threads(const cpu_pool *pool)
{
    return pool ? pool->n_threads : 1;
}

void cpu_parallel_for(cpu_pool *pool, size_t n, size_t grain, cpu_range_fn fn, void *arg)
{
    if (n == 0 || !fn)
        return;
    if (grain == 0)
        grain = 1;
    size_t max_chunks = n / grain;
    if (!pool || pool->n_workers == 0 || tls_in_pool_job || max_chunks <= 1) {
        fn(arg, 0, n);
        return;
    }
    size_t want = (size_t)pool->n_threads * CPU_POOL_CHUNKS_PER_THREAD;
    size_t n_chunks = max_chunks < want ? max_chunks : want;
    /* workers needed besides the caller: at most one per remaining chunk */
    size_t helpers = n_chunks - 1;
    int participants = helpers < (size_t)pool->n_workers ? (int)helpers : pool->n_workers;

    pthread_mutex_lock(&pool->dispatch);
    pthread_mutex_lock(&pool->mu);
    pool->fn = fn;
    pool->arg = arg;
    pool->n = n;
    pool->n_chunks = n_chunks;
    pool->participants = participants;
    pool->active = participants;
    atomic_store_explicit(&pool->next_chunk, 0, memory_order_relaxed);
    pool->generation++;
    pthread_cond_broadcast(&pool->work_cv);
    pthread_mutex_unlock(&pool->mu);

    run_chunks(pool);

    pthread_mutex_lock(&pool->mu);
    while (pool->active > 0)
        pthread_cond_wait(&pool->done_cv, &pool->mu);
    pthread_mutex_unlock(&pool->mu);
    pthread_mutex_unlock(&pool->dispatch);
}
