/*
 * tools/cli/roofline.c - the roofline measurement driver (see roofline.h): run-time ISA selection,
 * the portable (scalar) variant, and the threads that run a variant's loops in parallel.
 * Threading: grt_roofline_measure creates, pins and joins its worker threads; they all wait for a
 * start signal, and the clock runs from that signal to the last thread's end, so thread start-up
 * is not counted. Ownership: the buffer is allocated and freed here.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "roofline.h"

#include <errno.h>
#include <sys/mman.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* --- scalar variant (any CPU; the compiler may still use the baseline SIMD of the target) --- */

static double scalar_read(const void *p, size_t bytes) {
    const uint64_t *q = p;
    uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    for (size_t i = 0; i + 4 <= bytes / 8; i += 4) {
        a0 += q[i];
        a1 += q[i + 1];
        a2 += q[i + 2];
        a3 += q[i + 3];
    }
    return (double)(a0 ^ a1 ^ a2 ^ a3);
}

static double scalar_fma(long iters) {
    float a[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    volatile float vb = 1.0000001f, vc = 1e-7f;
    float b = vb, c = vc;
    for (long it = 0; it < iters; it++)
        for (int k = 0; k < 8; k++)
            a[k] = a[k] * b + c;
    return (double)(a[0] + a[1] + a[2] + a[3] + a[4] + a[5] + a[6] + a[7]);
}

static double scalar_int8(long iters) {
    int32_t acc[8] = {0};
    volatile uint8_t va = 3;
    volatile int8_t vb = 5;
    uint8_t a = va;
    int8_t b = vb;
    for (long it = 0; it < iters; it++) {
        for (int k = 0; k < 8; k++)
            acc[k] += (int32_t)(uint8_t)(a + k) * b;
        b = (int8_t)(b ^ (int8_t)(it & 1)); /* keeps the products from being hoisted */
    }
    return (double)(acc[0] + acc[1] + acc[2] + acc[3] + acc[4] + acc[5] + acc[6] + acc[7]);
}

static const grt_roofline_isa k_scalar = {"scalar", "scalar C multiply-add (u8 x s8 -> s32)",
                                          scalar_read, scalar_fma, scalar_int8, 16.0, 8.0};

const grt_roofline_isa *grt_roofline_isa_scalar(void) { return &k_scalar; }

#if !defined(__x86_64__)
const grt_roofline_isa *grt_roofline_isa_avx512(void) { return NULL; }
const grt_roofline_isa *grt_roofline_isa_avx2(void) { return NULL; }
#endif

static int cpu_has(const char *isa) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (!strcmp(isa, "avx512"))
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vnni");
    if (!strcmp(isa, "avx2")) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    return !strcmp(isa, "scalar");
}

const grt_roofline_isa *grt_roofline_isa_select(const char *name) {
    const grt_roofline_isa *all[3] = {grt_roofline_isa_avx512(), grt_roofline_isa_avx2(),
                                      grt_roofline_isa_scalar()};
    for (int i = 0; i < 3; i++) {
        if (!all[i] || (name && strcmp(name, all[i]->name))) continue;
        if (cpu_has(all[i]->name)) return all[i];
        if (name) return NULL;
    }
    return NULL;
}

/* --- threads --- */

enum { JOB_READ, JOB_FMA, JOB_INT8 };

typedef struct team {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int go, abort, done;
} team;

typedef struct worker {
    const grt_roofline_isa *isa;
    team *t;
    const unsigned char *p;
    size_t bytes;
    long iters;
    int kind, cpu;
    double sink;
} worker;

static void *worker_main(void *arg) {
    worker *w = arg;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(w->cpu, &set);
    (void)pthread_setaffinity_np(pthread_self(), sizeof set, &set); /* best effort */
    pthread_mutex_lock(&w->t->mu);
    while (!w->t->go && !w->t->abort)
        pthread_cond_wait(&w->t->cv, &w->t->mu);
    int run = !w->t->abort;
    pthread_mutex_unlock(&w->t->mu);
    if (run && w->kind == JOB_READ) w->sink = w->isa->read(w->p, w->bytes);
    else if (run && w->kind == JOB_FMA) w->sink = w->isa->fma(w->iters);
    else if (run) w->sink = w->isa->int8(w->iters);
    pthread_mutex_lock(&w->t->mu);
    w->t->done++;
    pthread_cond_broadcast(&w->t->cv);
    pthread_mutex_unlock(&w->t->mu);
    return NULL;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Runs job `kind` on n threads, all started (and pinned) before the clock starts; *seconds gets
 * the time from the start signal to the last thread's end. Returns 0 or an errno value. */
static int run_parallel(const grt_roofline_isa *isa, int kind, const unsigned char *buf, size_t bytes,
                        long iters, int n, double *seconds) {
    team t = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0};
    pthread_t *th = calloc((size_t)n, sizeof *th);
    worker *w = calloc((size_t)n, sizeof *w);
    int rc = th && w ? 0 : ENOMEM, started = 0;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    size_t slice = bytes / (size_t)n;
    for (int i = 0; i < n && !rc; i++) {
        w[i] = (worker){isa, &t, buf ? buf + (size_t)i * slice : NULL, slice, iters, kind,
                        (int)(ncpu > 0 ? i % ncpu : 0), 0};
        if (!(rc = pthread_create(&th[i], NULL, worker_main, &w[i]))) started++;
    }
    struct timespec pause = {0, 2000000}; /* let the workers reach their wait */
    if (!rc) nanosleep(&pause, NULL);
    pthread_mutex_lock(&t.mu);
    double t0 = now_s();
    if (rc) t.abort = 1;
    else t.go = 1;
    pthread_cond_broadcast(&t.cv);
    while (t.done < started)
        pthread_cond_wait(&t.cv, &t.mu);
    *seconds = now_s() - t0;
    pthread_mutex_unlock(&t.mu);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    free(th);
    free(w);
    return rc;
}

int grt_roofline_measure(const grt_roofline_isa *isa, size_t bytes, int threads, grt_roofline *out) {
    if (!isa || !out || threads < 1 || threads > 1024 || bytes < ((size_t)1 << 20)) {
        errno = EINVAL;
        return -1;
    }
    size_t unit = (size_t)256 * (size_t)threads;
    bytes -= bytes % unit;
    /* 2 MiB aligned and advised for transparent huge pages, as the loaded weights are
     * (core/src/ir/weights.h): with 4 KiB pages TLB misses hold the read loop below the bus. */
    const size_t huge = (size_t)2 << 20, span = (bytes + huge - 1) / huge * huge;
    unsigned char *buf = aligned_alloc(huge, span);
    if (!buf) {
        errno = ENOMEM;
        return -1;
    }
#ifdef MADV_HUGEPAGE
    (void)madvise(buf, span, MADV_HUGEPAGE); /* a hint only */
#endif
    memset(buf, 1, bytes); /* touch every page before timing */
    memset(out, 0, sizeof *out);
    out->threads = threads;
    out->bytes = bytes;
    out->isa = isa->name;
    out->int8_method = isa->int8_method;
    double best = 0, t = 0;
    int rc = 0;
    for (int rep = 0; rep < 5 && !rc; rep++)
        if (!(rc = run_parallel(isa, JOB_READ, buf, bytes, 0, threads, &t)) && (!best || t < best)) best = t;
    free(buf);
    if (!rc) out->read_gbps = (double)bytes / best / 1e9;
    const long iters = 4000000; /* ~0.05-0.2 s per run on current cores */
    for (int kind = JOB_FMA; kind <= JOB_INT8 && !rc; kind++) {
        best = 0;
        for (int rep = 0; rep < 3 && !rc; rep++)
            if (!(rc = run_parallel(isa, kind, NULL, 0, iters, threads, &t)) && (!best || t < best)) best = t;
        if (rc) break;
        double per_s = (double)iters * threads / best;
        if (kind == JOB_FMA) out->fp32_gflops = per_s * isa->flops_per_iter / 1e9;
        else out->int8_gops = per_s * 2.0 * isa->macs_per_iter / 1e9;
    }
    if (rc) {
        errno = rc;
        return -1;
    }
    return 0;
}
