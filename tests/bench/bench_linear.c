/*
 * tests/bench/bench_linear.c - times the CPU plugin's MatMul kernel on the linear layers of
 * TinyLlama-1.1B (K = 2048: N = 2048, 5632, 256; K = 5632: N = 2048) for f32/f16/bf16 and
 * compressed int8/int4 weights, M = 1 (decode: GB/s of weight bytes) and M = 512 (prefill: GOPs,
 * 2 ops per multiply-add), with the process CPU time per call (all threads) for loaded machines.
 * M = 1 rotates over weight copies totalling > 96 MiB (--rotate) so decode numbers stream from
 * memory. Built with the tests, never run by ctest.
 *
 * Usage: bench_linear [--isa scalar|avx2|avx512|amx] [--threads N] [--dq G] [--m M[,M..]]
 *                     [--w FMT[,FMT..]] [--shapes KxN[,KxN..]] [--time SECONDS] [--peak]
 *                     [--hot] [--tiled] [--rotate MIB] [--bf16]
 *   --shapes: weight shapes K x N instead of the TinyLlama ones (at most 16).
 *   FMT: f32 f16 bf16 int8 (I8 sym, per channel) int8a (U8 asym, per channel) int4-g32,
 *        int4-g128 (I4 sym) int4a-g128 (U4 asym, u4 zero points), int4a-g32, int8-g32 (I8 sym),
 *        int8a-g128 (U8 asym), int4 (I4 sym, per channel: no group parameters to stream, to
 *        tell their cost from the values'); default: all.
 *   --dq: DYNAMIC_QUANTIZATION_GROUP_SIZE for compressed weights (default 32; 0 = f32 activations).
 *   --peak: also measure the AVX2 int8 peak (vpmaddubsw + vpmaddwd + vpaddd) on every thread.
 *   --hot: M = 1 uses one weight copy (cached when it fits in L2/L3): the kernel's compute ceiling,
 *          to tell a compute-bound decode kernel from a memory-bound one. Each call also pays a
 *          fixed ~3 us (activation quantization, the parallel region): use shapes of >= 1 MiB
 *          per thread, or the figure is that overhead (docs/PERF.md "int4 decode, second look").
 *   --tiled: compressed weights in the tiled layout the plan builds (kernels/matmul/dq.h), else
 *          row-major. Either way their values sit in a 2 MiB-aligned huge-page-advised copy, so
 *          the two runs differ only in the layout.
 *   --rotate: MiB of weight copies M = 1 rotates over (default twice the L3 the C library
 *          reports, at least 96; at most 4096 copies), so the weights stream from memory. The
 *          copies are clones of the first, so a large rotation costs memcpy time, not quantizing.
 *   --bf16: INFERENCE_PRECISION_HINT bf16 (the AMX-BF16 GEMM from M 16 where the CPU has it).
 *          Without it, compressed weights at prompt sizes take that GEMM too on AMX-BF16 CPUs
 *          (linear_bf16.c); GENRT_CPU_BF16_GEMM=0 keeps them on the int8 GEMM.
 * Prints one line per (format, shape, M). Timings on a shared machine are noisy: compare ratios
 * from one run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/mman.h>
#include <unistd.h>

#include "arch/isa.h"
#include "harness.h"
#include "kernels/matmul/dq.h"
#include "peak.h"

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double now(void)
{
    return clock_s(CLOCK_MONOTONIC);
}

typedef struct wfmt {
    const char *name;
    grt_element_type type;    /* float type, or GRT_UNDEFINED for compressed */
    grt_element_type storage; /* compressed */
    int64_t G;                /* 0 = per channel */
} wfmt;

static const wfmt fmts[] = {
    {"f32", GRT_F32, GRT_UNDEFINED, 0},        {"f16", GRT_F16, GRT_UNDEFINED, 0},
    {"bf16", GRT_BF16, GRT_UNDEFINED, 0},      {"int8", GRT_UNDEFINED, GRT_I8, 0},
    {"int8a", GRT_UNDEFINED, GRT_U8, 0},       {"int4-g32", GRT_UNDEFINED, GRT_I4, 32},
    {"int4-g128", GRT_UNDEFINED, GRT_I4, 128}, {"int4a-g128", GRT_UNDEFINED, GRT_U4, 128},
    {"int4a-g32", GRT_UNDEFINED, GRT_U4, 32},  {"int8-g32", GRT_UNDEFINED, GRT_I8, 32},
    {"int8a-g128", GRT_UNDEFINED, GRT_U8, 128}, {"int4", GRT_UNDEFINED, GRT_I4, 0},
};

static int listed(const char *list, const char *name)
{
    if (list == NULL)
        return 1;
    size_t n = strlen(name);
    for (const char *p = list; (p = strstr(p, name)) != NULL; p += n)
        if ((p == list || p[-1] == ',') && (p[n] == 0 || p[n] == ','))
            return 1;
    return 0;
}

typedef struct peak_arg {
    uint64_t iters;
} peak_arg;

static void peak_range(void *arg, size_t begin, size_t end)
{
    peak_arg *p = arg;
    for (size_t i = begin; i < end; i++)
        bench_peak_avx2_ops(p->iters);
}

static void run_peak(int threads)
{
#ifdef GENRT_CPU_X86
    if (cpu_isa_supported() < CPU_ISA_AVX2) {
        printf("peak: skipped (no AVX2)\n");
        return;
    }
    peak_arg p = {200u * 1000u * 1000u / 6};
    double t0 = now(), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    bench_peak_avx2_ops(p.iters);
    double t1 = now(), c1 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    double ops1 = (double)p.iters * 6 * 64 / (t1 - t0);
    printf("peak avx2 int8, 1 thread per CPU second: %.1f GOPs\n",
           (double)p.iters * 6 * 64 / (c1 - c0) * 1e-9);
    t0 = now();
    cpu_parallel_for(th_pool, (size_t)threads, 1, peak_range, &p);
    t1 = now();
    double opsn = (double)threads * (double)p.iters * 6 * 64 / (t1 - t0);
    printf("peak avx2 int8 (maddubs+madd+add): 1 thread %.1f GOPs, %d threads %.1f GOPs\n",
           ops1 * 1e-9, threads, opsn * 1e-9);
#else
    (void)threads;
    printf("peak: skipped (not x86-64)\n");
#endif
}

/* Times one MatMul; returns wall seconds per call and *cpu_s = process CPU seconds per call (all
 * threads: on a loaded machine, CPU time / threads is the time the kernel would take alone).
 * Calls rotate over the nw weight copies W[0..nw) so that decode shapes stream from memory. */
static double time_matmul(const cpu_tensor *A, const cpu_tensor *W, size_t nw, cpu_tensor *O,
                          double min_s, double *cpu_s)
{
    th_attr_reset();
    th_attr_int("transpose_b", 1);
    grt_status st = th_run(GRT_OP_MATMUL, (cpu_tensor[]){*A, W[0]}, 2, O, 1); /* warm-up */
    if (st != GRT_OK) {
        printf("matmul failed: %s\n", th_last_error());
        return -1;
    }
    int reps = 0;
    double t0 = now(), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID), t;
    do {
        th_run(GRT_OP_MATMUL, (cpu_tensor[]){*A, W[(size_t)reps % nw]}, 2, O, 1);
        reps++;
        t = now() - t0;
    } while (t < min_s || reps < (int)nw);
    *cpu_s = (clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0) / reps;
    return t / reps;
}

#define MAX_COPIES 4096
static double rotate_bytes; /* --rotate MIB; 0: default_rotate() */

/* Twice the L3 (a 480 MiB L3 was seen here; 96 MiB held it on earlier machines), >= 96 MiB. */
static double default_rotate(void)
{
    long l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
    double two = l3 > 0 ? 2.0 * (double)l3 : 0;
    return two > 96.0 * (1 << 20) ? two : 96.0 * (1 << 20);
}

static int hot;   /* --hot: never rotate */
static int tiled; /* --tiled: tiled compressed weights */

/* The values of compressed weight q [N, K] in huge-page memory, tiled or row-major. */
static uint8_t *layout_copy(const qw *q, grt_element_type storage, size_t N, size_t K)
{
    int bits = cpu_dq_storage_bits(storage);
    cpu_dq_w w;
    if (tiled)
        return cpu_dq_weight(q->t.data, &q->ci, N, K, &w) ? cpu_dq_tiled_new(&w, NULL) : NULL;
    size_t bytes = bits == 8 ? N * K : N * K / 2;
    void *p = NULL;
    if (posix_memalign(&p, (size_t)2 << 20, bytes) != 0)
        return NULL;
    madvise(p, bytes, MADV_HUGEPAGE);
    memcpy(p, q->t.data, bytes);
    return p;
}

static void bench_one(const wfmt *f, size_t K, size_t N, size_t M, double min_s)
{
    int64_t wd[2] = {(int64_t)N, (int64_t)K}, ad[2] = {(int64_t)M, (int64_t)K},
            od[2] = {(int64_t)M, (int64_t)N};
    cpu_tensor A = th_tensor(GRT_F32, 2, ad), O = th_tensor(GRT_F32, 2, od);
    static cpu_tensor W[MAX_COPIES];
    th_fill(&A, -1, 1);
    static qw q[MAX_COPIES];
    static uint8_t *copies[MAX_COPIES];
    double wbytes = 0;
    size_t nw = 1;
    for (size_t c = 0; c < nw; c++) {
        if (f->type != GRT_UNDEFINED) {
            W[c] = th_tensor(f->type, 2, wd);
            if (c == 0)
                th_fill(&W[c], -0.1f, 0.1f);
            else
                memcpy(W[c].data, W[0].data, W[0].bytes); /* a clone: the caches see new lines */
            wbytes = (double)W[c].bytes;
        } else {
            if (c == 0) {
                q[c] = th_make_qw(GRT_F32, 2, wd, f->storage, f->G ? f->G : (int64_t)K, GRT_F16);
                free(q[c].ref); /* the dequantized doubles (8 bytes per weight) are not used */
                q[c].ref = NULL;
            } else if ((q[c] = th_clone_qw(&q[0])).t.data == NULL) {
                nw = c; /* out of memory: rotate over the copies made */
                break;
            }
            W[c] = q[c].t;
            W[c].comp = &q[c].ci;
            copies[c] = cpu_dq_tileable(cpu_dq_storage_bits(f->storage), K)
                            ? layout_copy(&q[c], f->storage, N, K)
                            : NULL;
            if (copies[c] != NULL && tiled)
                W[c].dq_tiled = copies[c];
            else if (copies[c] != NULL)
                W[c].data = copies[c];
            wbytes = (double)(W[c].bytes + q[c].ci.scales_bytes + q[c].ci.zero_points_bytes);
        }
        if (c == 0 && M == 1 && !hot) { /* decode: enough copies to overflow the caches */
            double rb = rotate_bytes > 0 ? rotate_bytes : default_rotate();
            nw = (size_t)(rb / wbytes) + 1 < MAX_COPIES ? (size_t)(rb / wbytes) + 1 : MAX_COPIES;
        }
    }
    double cpu = 0, s = time_matmul(&A, W, nw, &O, min_s, &cpu);
    if (s > 0) {
        double gbs = wbytes / s * 1e-9, gops = 2.0 * (double)M * (double)N * (double)K / s * 1e-9;
        printf("%-11s K %5zu N %5zu M %4zu: %9.3f ms %7.2f GB/s %8.2f GOPs | cpu %9.3f ms | %zu copies\n",
               f->name, K, N, M, s * 1e3, gbs, gops, cpu * 1e3, nw);
        fflush(stdout);
    }
    for (size_t c = 0; c < nw; c++) {
        if (f->type != GRT_UNDEFINED)
            th_free(&W[c]);
        else
            th_free_qw(&q[c]);
        free(copies[c]);
        copies[c] = NULL;
    }
    th_free(&A);
    th_free(&O);
}

int main(int argc, char **argv)
{
    const char *isa = NULL, *wlist = NULL, *mlist = "1,512", *slist = NULL;
    int threads = 2, peak = 0;
    double min_s = 0.5;
    th_dq_group_size = 32;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--peak") == 0) {
            peak = 1;
        } else if (strcmp(argv[i], "--hot") == 0) {
            hot = 1;
        } else if (strcmp(argv[i], "--tiled") == 0) {
            tiled = 1;
        } else if (strcmp(argv[i], "--bf16") == 0) {
            th_bf16 = 1;
        } else if (v != NULL && strcmp(argv[i], "--isa") == 0) {
            isa = argv[++i];
        } else if (v != NULL && strcmp(argv[i], "--threads") == 0) {
            threads = atoi(argv[++i]);
        } else if (v != NULL && strcmp(argv[i], "--dq") == 0) {
            th_dq_group_size = atoll(argv[++i]);
        } else if (v != NULL && strcmp(argv[i], "--m") == 0) {
            mlist = argv[++i];
        } else if (v != NULL && strcmp(argv[i], "--w") == 0) {
            wlist = argv[++i];
        } else if (v != NULL && strcmp(argv[i], "--shapes") == 0) {
            slist = argv[++i];
        } else if (v != NULL && strcmp(argv[i], "--rotate") == 0) {
            rotate_bytes = atof(argv[++i]) * (1 << 20);
        } else if (v != NULL && strcmp(argv[i], "--time") == 0) {
            min_s = atof(argv[++i]);
        } else {
            fprintf(stderr, "usage: bench_linear [--isa scalar|avx2|avx512|amx] [--threads N] [--dq G] "
                            "[--m M,..] [--w FMT,..] [--shapes KxN,..] [--time S] [--peak] [--hot] "
                            "[--tiled] [--rotate MIB] [--bf16]\n");
            return 2;
        }
    }
    if (!th_bench_setup(isa, threads)) {
        fprintf(stderr, "bench_linear: unknown --isa %s (scalar, avx2, avx512 or amx)\n", isa);
        return 2;
    }
    printf("isa %s, %d thread(s), dq group %lld%s\n", cpu_isa_name(cpu_isa_active()), threads,
           (long long)th_dq_group_size, th_bf16 ? ", bf16" : "");
    if (peak)
        run_peak(threads);
    size_t shapes[16][2] = {{2048, 2048}, {2048, 5632}, {2048, 256}, {5632, 2048}};
    size_t ns = 4;
    if (slist != NULL) { /* "KxN,KxN,..." */
        ns = 0;
        for (const char *p = slist; p != NULL && *p && ns < 16;
             p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
            char *x;
            shapes[ns][0] = (size_t)strtoul(p, &x, 10);
            shapes[ns][1] = *x == 'x' ? (size_t)strtoul(x + 1, NULL, 10) : 0;
            if (shapes[ns][0] == 0 || shapes[ns][1] == 0) {
                fprintf(stderr, "bench_linear: bad --shapes entry at '%s' (want KxN)\n", p);
                return 2;
            }
            ns++;
        }
    }
    for (size_t f = 0; f < sizeof fmts / sizeof fmts[0]; f++) {
        if (!listed(wlist, fmts[f].name))
            continue;
        for (const char *m = mlist; m != NULL && *m; m = strchr(m, ',') ? strchr(m, ',') + 1 : NULL)
            for (size_t s = 0; s < ns; s++)
                bench_one(&fmts[f], shapes[s][0], shapes[s][1], (size_t)atol(m), min_s);
    }
    cpu_pool_destroy(th_pool);
    return 0;
}
