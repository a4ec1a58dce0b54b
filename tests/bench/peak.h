/* tests/bench/peak.h - peak-throughput probes of bench_linear (one file per ISA). */
#ifndef GENRT_BENCH_PEAK_H
#define GENRT_BENCH_PEAK_H

#include <stdint.h>

/* Runs `iters` iterations of the AVX2 int8 loop; returns the int8 ops done (2 per MAC). */
double bench_peak_avx2_ops(uint64_t iters);

#endif
