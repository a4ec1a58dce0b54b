/*
 * tests/bench/bench_sdpa.c - times the CPU plugin's ScaledDotProductAttention kernel on f32
 * tensors (Q [1, Hq, Sq, D], K / V [1, Hkv, Skv, D], causal), as decode (Sq = 1) and prompt
 * shapes use it: milliseconds per call and GFLOP/s (4 * Hq * D flops per query row and visible
 * key: the scores and the weighted sum). Not a test: nothing is asserted.
 *
 * Usage: bench_sdpa [--isa scalar|avx2|avx512|amx] [--threads N] [--hq 32] [--hkv 4] [--d 64]
 *                   [--sq 1] [--skv 576] [--time SECONDS]
 * Defaults: TinyLlama-1.1B's attention (32 query heads, 4 KV heads, head size 64), one query
 * position against 576 keys (a 512-token prompt and 64 decode steps).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arch/isa.h"
#include "harness.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    const char *isa = NULL;
    int threads = 2;
    long hq = 32, hkv = 4, d = 64, sq = 1, skv = 576;
    double min_s = 1.0;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        long *target = strcmp(argv[i], "--hq") == 0    ? &hq
                       : strcmp(argv[i], "--hkv") == 0 ? &hkv
                       : strcmp(argv[i], "--d") == 0   ? &d
                       : strcmp(argv[i], "--sq") == 0  ? &sq
                       : strcmp(argv[i], "--skv") == 0 ? &skv
                                                       : NULL;
        if (v != NULL && target != NULL) {
            *target = atol(argv[++i]);
        } else if (v != NULL && strcmp(argv[i], "--isa") == 0) {
            isa = argv[++i];
        } else if (v != NULL && strcmp(argv[i], "--threads") == 0) {
            threads = atoi(argv[++i]);
        } else if (v != NULL && strcmp(argv[i], "--time") == 0) {
            min_s = atof(argv[++i]);
        } else {
            fprintf(stderr, "usage: bench_sdpa [--isa scalar|avx2|avx512|amx] [--threads N] "
                            "[--hq N] [--hkv N] [--d N] [--sq N] [--skv N] [--time S]\n");
            return 2;
        }
    }
    if (hq <= 0 || hkv <= 0 || hq % hkv != 0 || d <= 0 || sq <= 0 || skv < sq) {
        fprintf(stderr, "bench_sdpa: need hq a multiple of hkv, d > 0, 0 < sq <= skv\n");
        return 2;
    }
    if (!th_bench_setup(isa, threads)) {
        fprintf(stderr, "bench_sdpa: unknown --isa %s (scalar, avx2, avx512 or amx)\n", isa);
        return 2;
    }
    int64_t qd[4] = {1, hq, sq, d}, kd[4] = {1, hkv, skv, d};
    cpu_tensor in[3] = {th_tensor(GRT_F32, 4, qd), th_tensor(GRT_F32, 4, kd),
                        th_tensor(GRT_F32, 4, kd)};
    cpu_tensor O = th_tensor(GRT_F32, 4, qd);
    for (int i = 0; i < 3; i++)
        th_fill(&in[i], -1, 1);
    th_attr_reset();
    th_attr_int("causal", 1);
    if (th_run(GRT_OP_SDPA, in, 3, &O, 1) != GRT_OK) { /* warm-up */
        fprintf(stderr, "bench_sdpa: %s\n", th_last_error());
        return 1;
    }
    long reps = 0;
    double t0 = now(), t;
    do {
        th_run(GRT_OP_SDPA, in, 3, &O, 1);
        reps++;
        t = now() - t0;
    } while (t < min_s);
    /* visible keys summed over the query rows: Skv - Sq + 1 + i for row i */
    double keys = (double)sq * (double)(skv - sq + 1) + (double)sq * (double)(sq - 1) / 2.0;
    double flops = 4.0 * (double)hq * (double)d * keys;
    printf("isa %s, %d thread(s): sdpa Hq %ld Hkv %ld D %ld Sq %ld Skv %ld: %.4f ms %.2f GFLOP/s\n",
           cpu_isa_name(cpu_isa_active()), threads, hq, hkv, d, sq, skv, t / (double)reps * 1e3,
           flops * (double)reps / t * 1e-9);
    for (int i = 0; i < 3; i++)
        th_free(&in[i]);
    th_free(&O);
    cpu_pool_destroy(th_pool);
    return 0;
}
