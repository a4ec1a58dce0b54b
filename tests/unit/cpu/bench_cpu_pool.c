/*
 * bench_cpu_pool.c - micro benchmark of the CPU thread pool's per-region overhead (not a test:
 * it asserts nothing; timings on a shared machine are noisy, compare runs made back to back).
 * Uses only cpu_pool_create / cpu_parallel_for / cpu_pool_destroy, so the same file builds
 * against an older threads/pool.c for before/after numbers (plugins/cpu/README.md, Threads).
 *
 *   bench_cpu_pool [threads=2] [regions=20000]
 * prints, per region: an empty region of `threads` chunks, and a region of `threads` items of
 * a few microseconds each against the ideal split of the same work run serially.
 */
#include "threads/pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void work_fn(void *arg, size_t begin, size_t end)
{
    volatile double x = 0;
    (void)arg;
    for (size_t i = begin; i < end; i++)
        for (int k = 0; k < 400; k++)
            x += (double)k;
}

static void empty_fn(void *arg, size_t begin, size_t end)
{
    (void)arg;
    (void)begin;
    (void)end;
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 2;
    int n = argc > 2 ? atoi(argv[2]) : 20000;
    if (threads < 2 || n < 1) {
        fprintf(stderr, "usage: bench_cpu_pool [threads>=2] [regions>=1]\n");
        return 2;
    }
    cpu_pool *pool = cpu_pool_create(threads);
    if (!pool) {
        fprintf(stderr, "cpu_pool_create(%d) failed\n", threads);
        return 1;
    }
    size_t items = (size_t)threads;
    double t0 = now_us();
    for (int i = 0; i < n; i++)
        work_fn(NULL, 0, items);
    double serial = (now_us() - t0) / n;
    for (int i = 0; i < n / 10; i++) /* warm up */
        cpu_parallel_for(pool, items, 1, work_fn, NULL);
    t0 = now_us();
    for (int i = 0; i < n; i++)
        cpu_parallel_for(pool, items, 1, work_fn, NULL);
    double par = (now_us() - t0) / n;
    t0 = now_us();
    for (int i = 0; i < n; i++)
        cpu_parallel_for(pool, items, 1, empty_fn, NULL);
    double empty = (now_us() - t0) / n;
    printf("threads %d: empty region %.2f us; region of %d x %.2f us work %.2f us = %.2f us over "
           "the ideal split\n",
           threads, empty, threads, serial / (double)items, par, par - serial / (double)threads);
    cpu_pool_destroy(pool);
    return 0;
}
