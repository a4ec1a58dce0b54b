/*
 * tests/bench/bench_sdpa.c - times the CPU plugin's ScaledDotProductAttention kernel on f32
 * tensors (Q [1, Hq, Sq, D], K / V [1, Hkv, Skv, D], causal), as decode (Sq = 1) and prompt
 * shapes use it: milliseconds per call and GFLOP/s (4 * Hq * D flops per query row and visible
 * key: the scores and the weighted sum). Not a test: nothing is asserted.
 *
 * Usage: bench_sdpa [--isa scalar|avx2|avx512|amx] [--threads N] [--hq 32] [--hkv 4] [--d 64]
 *                   [--sq 1] [--skv 576] [--time SECONDS] [--copies N]
 * --copies N: rotate over N key / value pairs (default 1: they stay in cache); as many as it takes
 * to exceed the L3 (22 x 2.4 MB x 10 for the default shape and a 480 MiB L3: 200) makes the call
 * read them from memory, as a decode step does after streaming the weights.
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
    long hq = 32, hkv = 4, d = 64, sq = 1, skv = 576, copies = 1;
    double min_s = 1.0;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        long *target = strcmp(argv[i], "--hq") == 0    ? &hq
                       : strcmp(argv[i], "--hkv") == 0 ? &hkv
                       : strcmp(argv[i], "--d") == 0   ? &d
                       : strcmp(argv[i], "--sq") == 0  ? &sq
                       : strcmp(argv[i], "--skv") == 0 ? &skv
                       : strcmp(argv[i], "--copies") == 0 ? &copies
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
                            "[--hq N] [--hkv N] [--d N] [--sq N] [--skv N] [--time S] "
                            "[--copies N]\n");
            return 2;
        }
    }
    if (hq <= 0 || hkv <= 0 || hq % hkv != 0 || d <= 0 || sq <= 0 || skv < sq || copies < 1 ||
        copies > 4096) {
        fprintf(stderr, "bench_sdpa: need hq a multiple of hkv, d > 0, 0 < sq <= skv, "
                        "1 <= copies <= 4096\n");
        return 2;
    }
    if (!th_bench_setup(isa, threads)) {
        fprintf(stderr, "bench_sdpa: unknown --isa %s (scalar, avx2, avx512 or amx)\n", isa);
        return 2;
    }
    int64_t qd[4] = {1, hq, sq, d}, kd[4] = {1, hkv, skv, d};
    cpu_tensor Q = th_tensor(GRT_F32, 4, qd), O = th_tensor(GRT_F32, 4, qd);
    cpu_tensor *kv = calloc(2 * (size_t)copies, sizeof(cpu_tensor));
    if (kv == NULL)
        return 1;
    th_fill(&Q, -1, 1);
    for (long c = 0; c < 2 * copies; c++) {
        kv[c] = th_tensor(GRT_F32, 4, kd);
        if (c < 2)
            th_fill(&kv[c], -1, 1);
        else
            memcpy(kv[c].data, kv[c % 2].data, kv[c].bytes);
    }
    th_attr_reset();
    th_attr_int("causal", 1);
    if (th_run(GRT_OP_SDPA, (cpu_tensor[]){Q, kv[0], kv[1]}, 3, &O, 1) != GRT_OK) { /* warm-up */
        fprintf(stderr, "bench_sdpa: %s\n", th_last_error());
        return 1;
    }
    long reps = 0;
    double t0 = now(), t;
    do {
        long c = reps % copies;
        th_run(GRT_OP_SDPA, (cpu_tensor[]){Q, kv[2 * c], kv[2 * c + 1]}, 3, &O, 1);
        reps++;
        t = now() - t0;
    } while (t < min_s || reps < copies);
    /* visible keys summed over the query rows: Skv - Sq + 1 + i for row i */
    double keys = (double)sq * (double)(skv - sq + 1) + (double)sq * (double)(sq - 1) / 2.0;
    double flops = 4.0 * (double)hq * (double)d * keys;
    double kvb = 2.0 * (double)kv[0].bytes;
    printf("isa %s, %d thread(s): sdpa Hq %ld Hkv %ld D %ld Sq %ld Skv %ld, %ld copies: %.4f ms "
           "%.2f GFLOP/s %.2f GB/s of K+V\n",
           cpu_isa_name(cpu_isa_active()), threads, hq, hkv, d, sq, skv, copies,
           t / (double)reps * 1e3, flops * (double)reps / t * 1e-9, kvb * (double)reps / t * 1e-9);
    th_free(&Q);
    th_free(&O);
    for (long c = 0; c < 2 * copies; c++)
        th_free(&kv[c]);
    free(kv);
    cpu_pool_destroy(th_pool);
    return 0;
}
