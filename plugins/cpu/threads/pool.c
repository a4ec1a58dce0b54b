/*
 * threads/pool.c - the CPU plugin's persistent thread pool (implements threads/pool.h).
 *
 * Every worker has its own cache line with a start word. A region is published by writing the
 * job fields, resetting the chunk counter and `done`, opening the region in the `join` word
 * (epoch | closed bit | joined count), then bumping the start word of each wanted worker
 * (sequentially consistent); a worker waits for its word to change by spinning (pause) for
 * spin_ns, then by blocking on a futex after announcing itself in `sleeping`, and the dispatcher
 * issues a futex wake only for workers that announced it. A woken worker joins the open region
 * with a CAS on `join` (or skips it if it is closed), claims chunks from an atomic index counter
 * (guided: each chunk is 1 / (2 x threads) of what is left, at least the grain, so faster threads
 * take more and the last chunks, which decide when the region ends, are small) and increments
 * `done`. The caller works on chunks too, then
 * closes the region (fetch_or of the closed bit, which also reads how many joined) and spins,
 * then blocks, until `done` reaches that count. So a worker that was not scheduled in time
 * never delays a region, and only joined workers read the job fields, which the caller does
 * not touch again before they are all done: no lock is held in a region.
 *
 * Threading: regions of one pool are serialised by a dispatch mutex; nested calls run inline
 * (a thread-local flag). Ownership: the pool owns its threads; cpu_pool_destroy joins them.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "pool.h"

#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

/* `join` bit: the region takes no more workers. */
#define POOL_CLOSED (1ull << 31)

typedef struct cpu_worker {
    _Alignas(64) atomic_uint start; /* bumped once per region this worker takes part in */
    atomic_uint sleeping;           /* 1 while the worker is (about to be) blocked on `start` */
    atomic_ullong spin_starts, sleep_starts, sleeps;
    cpu_pool *pool;
    int index; /* 1..n_workers */
    int cpu;   /* pinned CPU, -1 if none */
    pthread_t thread;
} cpu_worker;

struct cpu_pool {
    int n_threads; /* total, the calling thread included */
    int n_workers; /* n_threads - 1 */
    int n_started;
    int64_t spin_ns;
    cpu_worker *workers; /* [n_workers], 64-byte aligned */
    pthread_mutex_t dispatch; /* one region at a time */
    atomic_int stop;
    atomic_ullong regions;

    _Alignas(64) atomic_ullong join; /* epoch << 32 | POOL_CLOSED | joined workers */
    atomic_uint done;                /* joined workers that finished the region */
    atomic_uint caller_sleeping;
    uint32_t epoch;
    /* The current job (written by the dispatcher before the start words are bumped). */
    cpu_range_fn fn;
    void *arg;
    size_t n, grain, split; /* split: a chunk is (n - next) / split indices, at least grain */
    _Alignas(64) atomic_size_t next;
};

/* Non-zero while this thread executes a work item: nested parallel_for then runs inline. */
static _Thread_local int tls_in_pool_job;
/* 1..n-1 on pool workers. */
static _Thread_local int tls_worker_index;

/* ---- waiting -------------------------------------------------------------------------------- */

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Blocks while *word == expected (may return early). */
static void block_on(atomic_uint *word, unsigned expected)
{
#if defined(__linux__)
    syscall(SYS_futex, (unsigned *)word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
#else
    (void)word;
    (void)expected;
    struct timespec ts = {0, 50000};
    nanosleep(&ts, NULL);
#endif
}

static void wake_all(atomic_uint *word)
{
#if defined(__linux__)
    syscall(SYS_futex, (unsigned *)word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
#else
    (void)word;
#endif
}

/* Spins until cond(word, ref) is false or spin_ns passes; returns 1 if it became false. */
static int spin_while(atomic_uint *word, unsigned ref, int equal, int64_t spin_ns)
{
    if (spin_ns <= 0)
        return 0;
    int64_t deadline = 0;
    for (unsigned i = 1;; i++) {
        unsigned v = atomic_load_explicit(word, memory_order_acquire);
        if ((v == ref) != equal)
            return 1;
        cpu_relax();
        if ((i & 63) == 0) {
            int64_t t = now_ns();
            if (deadline == 0)
                deadline = t + spin_ns;
            else if (t >= deadline)
                return 0;
        }
    }
}

/* Worker side: waits until *start != seen; returns the new value. */
static unsigned wait_start(cpu_worker *w, unsigned seen, int64_t spin_ns)
{
    if (spin_while(&w->start, seen, 1, spin_ns)) {
        atomic_fetch_add_explicit(&w->spin_starts, 1, memory_order_relaxed);
        return atomic_load_explicit(&w->start, memory_order_acquire);
    }
    unsigned v;
    atomic_store(&w->sleeping, 1); /* seq_cst: pairs with the dispatcher's bump + check */
    atomic_fetch_add_explicit(&w->sleeps, 1, memory_order_relaxed);
    while ((v = atomic_load(&w->start)) == seen)
        block_on(&w->start, seen);
    atomic_store_explicit(&w->sleeping, 0, memory_order_relaxed);
    atomic_fetch_add_explicit(&w->sleep_starts, 1, memory_order_relaxed);
    return v;
}

/* Caller side: closes the region, then waits until every joined worker is done. */
static void close_and_wait(cpu_pool *p)
{
    unsigned long long j = atomic_fetch_or(&p->join, POOL_CLOSED);
    unsigned joined = (unsigned)(j & (POOL_CLOSED - 1)), v;
    if (atomic_load_explicit(&p->done, memory_order_acquire) == joined)
        return;
    if (spin_while(&p->done, joined, 0, p->spin_ns))
        return;
    atomic_store(&p->caller_sleeping, 1);
    while ((v = atomic_load(&p->done)) != joined)
        block_on(&p->done, v);
    atomic_store_explicit(&p->caller_sleeping, 0, memory_order_relaxed);
}

/* Worker side: 1 if it joined the open region (then it must run it and count itself done). */
static int try_join(cpu_pool *p)
{
    unsigned long long j = atomic_load_explicit(&p->join, memory_order_acquire);
    while (!(j & POOL_CLOSED))
        if (atomic_compare_exchange_weak_explicit(&p->join, &j, j + 1, memory_order_acq_rel,
                                                  memory_order_acquire))
            return 1;
    return 0;
}

/* ---- work ----------------------------------------------------------------------------------- */

static void run_chunks(cpu_pool *p)
{
    tls_in_pool_job = 1;
    const size_t n = p->n, g = p->grain;
    size_t b = atomic_load_explicit(&p->next, memory_order_relaxed);
    while (b < n) {
        size_t left = n - b, size = left / p->split;
        size = size < g ? g : size;
        size = left - size < g ? left : size; /* no chunk smaller than the grain */
        if (atomic_compare_exchange_weak_explicit(&p->next, &b, b + size, memory_order_relaxed,
                                                  memory_order_relaxed)) {
            p->fn(p->arg, b, b + size);
            b = atomic_load_explicit(&p->next, memory_order_relaxed);
        }
    }
    tls_in_pool_job = 0;
}

static void *worker_main(void *varg)
{
    cpu_worker *w = varg;
    cpu_pool *p = w->pool;
    unsigned seen = 0;
    tls_worker_index = w->index;
    for (;;) {
        seen = wait_start(w, seen, p->spin_ns);
        if (atomic_load_explicit(&p->stop, memory_order_acquire))
            break;
        if (!try_join(p))
            continue; /* the region was over before this worker got there */
        run_chunks(p);
        atomic_fetch_add(&p->done, 1); /* seq_cst: pairs with the caller's sleeping + check */
        if (atomic_load(&p->caller_sleeping))
            wake_all(&p->done);
    }
    return NULL;
}

/* ---- life cycle ----------------------------------------------------------------------------- */

static int start_worker(cpu_worker *w, int cpu)
{
    w->cpu = -1;
#if defined(__linux__) && defined(__GLIBC__)
    if (cpu >= 0 && cpu < CPU_SETSIZE) {
        pthread_attr_t attr;
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        if (pthread_attr_init(&attr) == 0) {
            int ok = pthread_attr_setaffinity_np(&attr, sizeof(set), &set) == 0 &&
                     pthread_create(&w->thread, &attr, worker_main, w) == 0;
            pthread_attr_destroy(&attr);
            if (ok) {
                w->cpu = cpu;
                return 0;
            }
        }
    }
#else
    (void)cpu;
#endif
    return pthread_create(&w->thread, NULL, worker_main, w) == 0 ? 0 : -1;
}

static int64_t spin_time_ns(int spin_us, int n_threads)
{
    if (spin_us < 0) {
        const char *env = getenv("GENRT_CPU_SPIN_US");
        spin_us = env && *env ? atoi(env) : CPU_POOL_DEFAULT_SPIN_US;
#if defined(__linux__) && defined(__GLIBC__)
        cpu_set_t set;
        CPU_ZERO(&set);
        if (sched_getaffinity(0, sizeof(set), &set) == 0 && n_threads > CPU_COUNT(&set))
            spin_us = 0; /* oversubscribed: spinning would steal the CPU from working threads */
#else
        (void)n_threads;
#endif
    }
    return spin_us > 0 ? (int64_t)spin_us * 1000 : 0;
}

cpu_pool *cpu_pool_create_ex(int n_threads, const int *cpus, int spin_us)
{
    if (n_threads < 1)
        n_threads = 1;
    cpu_pool *p = aligned_alloc(64, (sizeof(cpu_pool) + 63) & ~(size_t)63);
    if (!p)
        return NULL;
    *p = (cpu_pool){0};
    p->n_threads = n_threads;
    p->n_workers = n_threads - 1;
    p->spin_ns = spin_time_ns(spin_us, n_threads);
    atomic_init(&p->stop, 0);
    atomic_init(&p->regions, 0);
    atomic_init(&p->join, POOL_CLOSED);
    atomic_init(&p->done, 0);
    atomic_init(&p->caller_sleeping, 0);
    atomic_init(&p->next, 0);
    if (pthread_mutex_init(&p->dispatch, NULL) != 0) {
        free(p);
        return NULL;
    }
    if (p->n_workers > 0) {
        p->workers = aligned_alloc(64, sizeof(cpu_worker) * (size_t)p->n_workers);
        if (!p->workers)
            goto fail;
    }
    for (int i = 0; i < p->n_workers; i++) {
        cpu_worker *w = &p->workers[i];
        *w = (cpu_worker){0};
        atomic_init(&w->start, 0);
        atomic_init(&w->sleeping, 0);
        atomic_init(&w->spin_starts, 0);
        atomic_init(&w->sleep_starts, 0);
        atomic_init(&w->sleeps, 0);
        w->pool = p;
        w->index = i + 1;
        if (start_worker(w, cpus ? cpus[i + 1] : -1) != 0)
            goto fail;
        p->n_started++;
    }
    return p;

fail:
    cpu_pool_destroy(p);
    return NULL;
}

cpu_pool *cpu_pool_create(int n_threads)
{
    return cpu_pool_create_ex(n_threads, NULL, -1);
}

void cpu_pool_destroy(cpu_pool *pool)
{
    if (!pool)
        return;
    atomic_store(&pool->stop, 1);
    for (int i = 0; i < pool->n_started; i++) {
        cpu_worker *w = &pool->workers[i];
        atomic_fetch_add(&w->start, 1);
        if (atomic_load(&w->sleeping))
            wake_all(&w->start);
    }
    for (int i = 0; i < pool->n_started; i++)
        pthread_join(pool->workers[i].thread, NULL);
    pthread_mutex_destroy(&pool->dispatch);
    free(pool->workers);
    free(pool);
}

int cpu_pool_threads(const cpu_pool *pool)
{
    return pool ? pool->n_threads : 1;
}

int cpu_pool_thread_cpu(const cpu_pool *pool, int index)
{
    if (!pool || index < 1 || index > pool->n_workers)
        return -1;
    return pool->workers[index - 1].cpu;
}

int cpu_pool_thread_index(void)
{
    return tls_worker_index;
}

void cpu_pool_get_stats(const cpu_pool *pool, cpu_pool_stats *out)
{
    *out = (cpu_pool_stats){0};
    if (!pool)
        return;
    out->regions = atomic_load_explicit(&pool->regions, memory_order_relaxed);
    for (int i = 0; i < pool->n_workers; i++) {
        cpu_worker *w = &pool->workers[i];
        out->spin_starts += atomic_load_explicit(&w->spin_starts, memory_order_relaxed);
        out->sleep_starts += atomic_load_explicit(&w->sleep_starts, memory_order_relaxed);
        out->sleeps += atomic_load_explicit(&w->sleeps, memory_order_relaxed);
        out->blocked_now += (int)atomic_load_explicit(&w->sleeping, memory_order_relaxed);
    }
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
    /* workers needed besides the caller: at most one per further chunk */
    size_t helpers = max_chunks - 1;
    int participants = helpers < (size_t)pool->n_workers ? (int)helpers : pool->n_workers;

    pthread_mutex_lock(&pool->dispatch);
    pool->fn = fn;
    pool->arg = arg;
    pool->n = n;
    pool->grain = grain;
    pool->split = 2 * (size_t)(participants + 1);
    atomic_store_explicit(&pool->next, 0, memory_order_relaxed);
    atomic_store_explicit(&pool->done, 0, memory_order_relaxed);
    pool->epoch++;
    /* opens the region; release: publishes the job to workers that join */
    atomic_store_explicit(&pool->join, (unsigned long long)pool->epoch << 32,
                          memory_order_release);
    atomic_fetch_add_explicit(&pool->regions, 1, memory_order_relaxed);
    for (int i = 0; i < participants; i++) {
        cpu_worker *w = &pool->workers[i];
        atomic_fetch_add(&w->start, 1); /* seq_cst: publishes the job (release) */
        if (atomic_load(&w->sleeping))
            wake_all(&w->start);
    }

    run_chunks(pool);
    close_and_wait(pool);
    pthread_mutex_unlock(&pool->dispatch);
}
