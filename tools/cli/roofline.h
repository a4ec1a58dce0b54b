/*
 * tools/cli/roofline.h - this machine's limits for LLM inference, measured by `genrt roofline` and
 * `genrt bench` so speeds can be reported as fractions of them:
 *   - memory read bandwidth: N threads each sum a disjoint slice of one buffer (default 1 GiB, far
 *     beyond the last-level cache) with the widest vector loads the CPU has; best of 5 passes;
 *   - fp32 FMA peak: 12 independent vfmadd chains per thread (registers only), 2 flops per lane;
 *   - int8 dot-product peak: AVX-512 VNNI vpdpbusd when the CPU has it (64 MACs per instruction),
 *     else the AVX2 sequence an int8 GEMM kernel uses: vpmaddubsw (u8 x s8 -> s16, 32 MACs) +
 *     vpmaddwd by ones (-> s32) + vpaddd into the accumulator; 2 ops per MAC.
 * The variant (avx512, avx2, scalar) is chosen at run time from __builtin_cpu_supports; each ISA
 * variant lives in its own file compiled with that ISA's flags (roofline_avx2.c, roofline_avx512.c).
 * Threading: grt_roofline_measure starts and joins its own threads (pinned to CPUs 0..N-1 when
 * possible); call it from one thread at a time. Nothing is printed.
 */
#ifndef GENRT_CLI_ROOFLINE_H
#define GENRT_CLI_ROOFLINE_H

#include <stddef.h>

/* One ISA variant of the three measurement loops (roofline_<isa>.c). */
typedef struct grt_roofline_isa {
    const char *name;       /* "avx512", "avx2", "scalar" */
    const char *int8_method; /* the instruction sequence of the int8 loop, for the report */
    /* Reads bytes (a multiple of 256) from p; returns a value depending on every byte. */
    double (*read)(const void *p, size_t bytes);
    /* iters iterations of the FMA / int8 loop; returns a value depending on the results. */
    double (*fma)(long iters);
    double (*int8)(long iters);
    double flops_per_iter; /* fp32 flops (2 per FMA lane) per iteration of fma() */
    double macs_per_iter;  /* int8 multiply-accumulates per iteration of int8() */
} grt_roofline_isa;

/* The variants compiled into this build (NULL where not compiled for this architecture). */
const grt_roofline_isa *grt_roofline_isa_avx512(void);
const grt_roofline_isa *grt_roofline_isa_avx2(void);
const grt_roofline_isa *grt_roofline_isa_scalar(void);

/* The variant for `name` ("avx512", "avx2", "scalar"), or the best one this CPU runs when name is
 * NULL. Returns NULL when the name is unknown or the CPU (or the build) lacks it. */
const grt_roofline_isa *grt_roofline_isa_select(const char *name);

typedef struct grt_roofline {
    int threads;
    size_t bytes;        /* buffer size of the bandwidth test */
    const char *isa;     /* variant used */
    const char *int8_method;
    double read_gbps;    /* 1e9 bytes / s, best of 5 */
    double fp32_gflops;  /* 1e9 flops / s, best of 3 */
    double int8_gops;    /* 1e9 ops / s (2 per MAC), best of 3 */
} grt_roofline;

/* Measures with `threads` (>= 1) threads over a buffer of `bytes` (>= 1 MiB; rounded down to a
 * multiple of 256 x threads) using variant `isa`. Returns 0, or -1 with errno set (ENOMEM: the
 * buffer; EINVAL: bad arguments; or pthread's error). */
int grt_roofline_measure(const grt_roofline_isa *isa, size_t bytes, int threads, grt_roofline *out);

#endif
