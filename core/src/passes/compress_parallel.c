/*
 * passes/compress_parallel.c - the parallel loop of weight compression (see compress_internal.h):
 * runs independent per-weight jobs on a few pthreads that take the next index from an atomic
 * counter. Jobs write only their own outputs, so results do not depend on the thread count or
 * the order. Owns nothing after return; the thread-count override is a process-wide atomic.
 */
#include "passes/compress_internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#define MAX_THREADS 64

static atomic_int g_threads; /* 0 = one per online CPU */

void grt_cq_set_threads(int n) { atomic_store(&g_threads, n < 0 ? 0 : n); }

typedef struct {
    atomic_size_t next;
    size_t n;
    void (*fn)(void *, size_t);
    void *ctx;
} par_job;

static void *worker(void *arg) {
    par_job *j = arg;
    for (size_t i; (i = atomic_fetch_add(&j->next, 1)) < j->n;) j->fn(j->ctx, i);
    return NULL;
}

void grt_cq_parallel(size_t n, void (*fn)(void *ctx, size_t i), void *ctx) {
    par_job job = {.n = n, .fn = fn, .ctx = ctx};
    pthread_t th[MAX_THREADS];
    long want = atomic_load(&g_threads);
    if (want <= 0) want = sysconf(_SC_NPROCESSORS_ONLN);
    if (want < 1) want = 1;
    if (want > MAX_THREADS) want = MAX_THREADS;
    if ((size_t)want > n) want = (long)n;
    atomic_init(&job.next, 0);
    int started = 0;
    /* the calling thread is one of the workers; a thread that cannot start leaves its share to the others */
    for (long t = 1; t < want; t++)
        if (!pthread_create(&th[started], NULL, worker, &job)) started++;
    worker(&job);
    for (int t = 0; t < started; t++) pthread_join(th[t], NULL);
}
