/*
 * tools/cli/cmd_roofline.c - `genrt roofline`: measures memory read bandwidth, the fp32 FMA peak
 * and the int8 dot-product peak of this machine (roofline.h), prints them for people and, as the
 * last stdout line, as key=value pairs. Single-threaded apart from the measurement's own workers.
 */
#include "cli.h"
#include "roofline.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char k_usage[] =
    "usage: genrt roofline [-t N] [--bytes SIZE] [--isa avx512|avx2|scalar]\n"
    "\n"
    "Measures this machine's limits for LLM inference, to report speeds as ratios of them:\n"
    "memory read bandwidth (N threads each read a disjoint slice of one buffer; best of 5),\n"
    "fp32 FMA peak (12 independent FMA chains per thread) and int8 dot-product peak (AVX-512\n"
    "VNNI vpdpbusd, else AVX2 vpmaddubsw + vpmaddwd + vpaddd; 2 ops per multiply-accumulate).\n"
    "The last line is machine-readable: threads=.. bytes=.. isa=.. read_GBps=.. fp32_GFLOPs=..\n"
    "int8_GOPs=..\n"
    "\n"
    "  -t, --threads N   threads (default: all online CPUs)\n"
    "  --bytes SIZE      buffer of the bandwidth test, with an optional K, M or G suffix\n"
    "                    (default 1G; at least 1M; make it far larger than the last-level cache)\n"
    "  --isa NAME        force a variant (default: the best this CPU runs)\n";

/* "16M" -> 16 MiB. Returns 0 or -1. */
static int parse_size(const char *s, size_t *out) {
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *s == '-') return -1;
    unsigned shift = 0;
    if (*end == 'K' || *end == 'k') shift = 10;
    else if (*end == 'M' || *end == 'm') shift = 20;
    else if (*end == 'G' || *end == 'g') shift = 30;
    if (shift) end++;
    if (*end || v > (~0ULL >> shift) || (v << shift) > (size_t)-1) return -1;
    *out = (size_t)(v << shift);
    return 0;
}

static int run(int argc, char **argv) {
    const grt_cli_command *cmd = &grt_cli_cmd_roofline;
    long threads = sysconf(_SC_NPROCESSORS_ONLN);
    size_t bytes = (size_t)1 << 30;
    const char *isa_name = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if ((!strcmp(a, "-t") || !strcmp(a, "--threads")) && has) {
            char *end = NULL;
            errno = 0;
            threads = strtol(argv[++i], &end, 10);
            if (errno || end == argv[i] || *end || threads < 1 || threads > 1024)
                return grt_cli_usage_error(cmd, "bad value for option", a);
        } else if (!strcmp(a, "--bytes") && has) {
            if (parse_size(argv[++i], &bytes) || bytes < ((size_t)1 << 20))
                return grt_cli_usage_error(cmd, "bad value for option (want a size >= 1M)", a);
        } else if (!strcmp(a, "--isa") && has) {
            isa_name = argv[++i];
        } else {
            return grt_cli_usage_error(cmd, "unknown option or missing value", a);
        }
    }
    if (threads < 1) threads = 1;
    const grt_roofline_isa *isa = grt_roofline_isa_select(isa_name);
    if (!isa) {
        fprintf(stderr, "genrt roofline: ISA variant '%s' is unknown, not built in, or not supported by this CPU\n",
                isa_name);
        return GRT_CLI_EXIT_FAIL;
    }
    grt_roofline r;
    if (grt_roofline_measure(isa, bytes, (int)threads, &r)) {
        fprintf(stderr, "genrt roofline: measurement failed: %s\n", strerror(errno));
        return GRT_CLI_EXIT_FAIL;
    }
    printf("roofline: %d thread(s), ISA variant %s\n", r.threads, r.isa);
    printf("  memory read bandwidth  %8.2f GB/s     (%zu MiB buffer, best of 5)\n", r.read_gbps,
           r.bytes >> 20);
    printf("  fp32 FMA peak          %8.1f GFLOP/s  (2 flops per FMA lane)\n", r.fp32_gflops);
    printf("  int8 dot-product peak  %8.1f GOP/s    (%s; 2 ops per MAC)\n", r.int8_gops, r.int8_method);
    printf("threads=%d bytes=%zu isa=%s read_GBps=%.3f fp32_GFLOPs=%.2f int8_GOPs=%.2f\n", r.threads, r.bytes,
           r.isa, r.read_gbps, r.fp32_gflops, r.int8_gops);
    return fflush(stdout) ? GRT_CLI_EXIT_FAIL : GRT_CLI_EXIT_OK;
}

const grt_cli_command grt_cli_cmd_roofline = {"roofline", "measure memory bandwidth and compute peaks",
                                              k_usage, run};
