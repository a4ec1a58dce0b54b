/*
 * tools/cli/cmd_bench.c - `genrt bench`: LLM speed on one device. Compiles the model, then r times:
 * resets the KV cache, runs a prefill of p random token ids (one infer), picks the first token
 * (argmax), and runs n single-token decode steps. Reports the fastest prefill and the fastest decode
 * phase over the repetitions, TTFT, TPOT, peak RSS, weight and KV bytes, the bytes a decode step must read, and the
 * decode bandwidth and prefill compute as fractions of this machine's roofline (roofline.h),
 * measured first in a child process so its 1 GiB buffer is not in the peak RSS.
 * Progress goes to stderr; stdout ends with one key=value line. Uses the public API only.
 * Single-threaded (the plugin and the roofline child run their own threads); frees everything.
 */
#include "bench_model.h"
#include "cli.h"
#include "roofline.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char k_usage[] =
    "usage: genrt bench -m MODEL [-p 512] [-n 64] [-r 3] [-d CPU] [--kv-precision P] [--threads N]\n"
    "                   [--dq-group N] [--precision P] [-P KEY=VALUE]... [--no-roofline] [--seed S]\n"
    "\n"
    "Measures an LLM's speed: r repetitions (KV cache reset between them) of a prefill of p random\n"
    "token ids followed by n decode steps; reports the fastest prefill and decode. Prints prefill and\n"
    "decode tokens/s, TTFT (prefill + first token), TPOT (mean decode step), peak RSS, weight and KV\n"
    "bytes, bytes read per decode token (every MatMul weight incl. the LM head + one embedding row + KV\n"
    "cache at the mean decode context) and, unless --no-roofline, decode bandwidth and prefill\n"
    "compute as fractions of `genrt roofline` measured in the same run (before and after, the\n"
    "better of the two). Progress on stderr; the\n"
    "last stdout line is key=value (see docs/PERF.md).\n"
    "\n"
    "  -m, --model PATH    model (GenRT IR, GGUF, Hugging Face folder, llama2.c)\n"
    "  -p, --prompt N      prefill tokens (default 512)\n"
    "  -n, --decode N      decode steps (default 64)\n"
    "  -r, --reps N        repetitions (default 3)\n"
    "  -d, --device NAME   device (default CPU)\n"
    "  --seed S            seed of the random prompt ids (default 0)\n"
    "  --no-roofline       skip the roofline measurement (fractions are then not reported)\n"
    "  --roofline-bytes N  buffer of the bandwidth test in MiB (default 1024)\n" GRT_CLI_PROPERTY_OPTIONS_HELP;

typedef struct bench_opts {
    const char *model, *device;
    long long p, n, r, seed, roof_mib;
    int roofline;
    grt_cli_props props;
} bench_opts;

typedef struct bench_result {
    double prefill_s, ttft_s, tpot_s; /* best repetition */
    int64_t kv_positions;             /* tokens in the KV cache at the end */
    double kv_row_bytes;              /* KV bytes per cached position, all layers, K and V */
    char kv_precision[16];
    char precision[16]; /* INFERENCE_PRECISION_HINT of the compiled model ("?" if none) */
    long long dq_group; /* DYNAMIC_QUANTIZATION_GROUP_SIZE of the compiled model (-1 if none) */
    long long threads;
} bench_result;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int parse_count(const char *s, long long lo, long long *out) {
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > 1000000000LL) return -1;
    *out = v;
    return 0;
}

static int parse_args(int argc, char **argv, bench_opts *o) {
    const grt_cli_command *cmd = &grt_cli_cmd_bench;
    memset(o, 0, sizeof *o);
    o->device = "CPU";
    o->p = 512, o->n = 64, o->r = 3, o->roof_mib = 1024, o->roofline = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        int po = grt_cli_property_option(cmd, argc, argv, &i, &o->props);
        if (po < 0) return GRT_CLI_EXIT_USAGE;
        if (po) continue;
        long long *num = NULL, lo = 1;
        if ((!strcmp(a, "-m") || !strcmp(a, "--model")) && has) o->model = argv[++i];
        else if ((!strcmp(a, "-d") || !strcmp(a, "--device")) && has) o->device = argv[++i];
        else if (!strcmp(a, "--no-roofline")) o->roofline = 0;
        else if ((!strcmp(a, "-p") || !strcmp(a, "--prompt")) && has) num = &o->p;
        else if ((!strcmp(a, "-n") || !strcmp(a, "--decode")) && has) num = &o->n, lo = 0;
        else if ((!strcmp(a, "-r") || !strcmp(a, "--reps")) && has) num = &o->r;
        else if (!strcmp(a, "--seed") && has) num = &o->seed, lo = 0;
        else if (!strcmp(a, "--roofline-bytes") && has) num = &o->roof_mib;
        else return grt_cli_usage_error(cmd, "unknown option or missing value", a);
        if (num && parse_count(argv[++i], lo, num)) return grt_cli_usage_error(cmd, "bad value for option", a);
    }
    if (!o->model) return grt_cli_usage_error(cmd, "missing -m MODEL", NULL);
    return GRT_CLI_EXIT_OK;
}

/* Threads the device will use: --threads / -P INFERENCE_NUM_THREADS, 0 or absent = online CPUs. */
static long long threads_of(const grt_cli_props *props) {
    long long t = 0;
    for (size_t k = 0; k < props->n; k++)
        if (!strcmp(props->keys[k], GRT_PROP_INFERENCE_NUM_THREADS)) t = atoll(props->values[k]);
    if (t <= 0) t = sysconf(_SC_NPROCESSORS_ONLN);
    return t > 0 ? t : 1;
}

/* Measures the roofline in a child process (its buffer stays out of our peak RSS). */
static int roofline_in_child(int threads, size_t bytes, grt_roofline *r) {
    int fd[2];
    if (pipe(fd)) return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return -1;
    }
    if (pid == 0) {
        close(fd[0]);
        const grt_roofline_isa *isa = grt_roofline_isa_select(NULL);
        int ok = isa && !grt_roofline_measure(isa, bytes, threads, r);
        if (ok && write(fd[1], r, sizeof *r) != (ssize_t)sizeof *r) ok = 0;
        _exit(ok ? 0 : 1);
    }
    close(fd[1]);
    ssize_t got = read(fd[0], r, sizeof *r);
    close(fd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (got != (ssize_t)sizeof *r || !WIFEXITED(status) || WEXITSTATUS(status)) return -1;
    /* the string pointers refer to static data, identical in parent and child */
    return 0;
}

/* Measures the roofline (in a child) and prints it to stderr; 0 or -1. */
static int measure_roofline(long long threads, long long mib, const char *when, grt_roofline *r) {
    fprintf(stderr, "bench: measuring the roofline %s with %lld thread(s) over %lld MiB...\n", when, threads, mib);
    if (roofline_in_child((int)threads, (size_t)mib << 20, r)) {
        fprintf(stderr, "genrt bench: the roofline measurement failed (try --no-roofline)\n");
        return -1;
    }
    fprintf(stderr, "bench: roofline %s: read %.2f GB/s, fp32 %.1f GFLOP/s, int8 %.1f GOP/s (%s)\n", when,
            r->read_gbps, r->fp32_gflops, r->int8_gops, r->isa);
    return 0;
}

/* The better of two roofline measurements, figure by figure: on a shared machine the limits move
 * with the neighbours' load, and the higher reading is the stricter bar. */
static void roofline_best(grt_roofline *a, const grt_roofline *b) {
    a->read_gbps = a->read_gbps > b->read_gbps ? a->read_gbps : b->read_gbps;
    a->fp32_gflops = a->fp32_gflops > b->fp32_gflops ? a->fp32_gflops : b->fp32_gflops;
    a->int8_gops = a->int8_gops > b->int8_gops ? a->int8_gops : b->int8_gops;
}

/* Binds input_ids / position_ids = ids[n] at positions pos.., infers (taking *infer_s seconds),
 * returns argmax of the last logits row in *next. */
static grt_status step(grt_infer_request *rq, const int64_t *ids, int64_t n, int64_t pos, int32_t *next,
                       double *infer_s) {
    grt_tensor *t_ids = NULL, *t_pos = NULL, *out = NULL;
    int64_t dims[2] = {1, n};
    grt_status st;
    if ((st = grt_tensor_create(GRT_I64, 2, dims, &t_ids)) || (st = grt_tensor_create(GRT_I64, 2, dims, &t_pos)))
        goto done;
    int64_t *pi = grt_tensor_data(t_ids), *pp = grt_tensor_data(t_pos);
    for (int64_t i = 0; i < n; i++) {
        pi[i] = ids[i];
        pp[i] = pos + i;
    }
    if ((st = grt_infer_request_set_tensor(rq, "input_ids", t_ids)) ||
        (st = grt_infer_request_set_tensor(rq, "position_ids", t_pos)))
        goto done;
    double t0 = now_s();
    if ((st = grt_infer_request_infer(rq))) goto done;
    *infer_s = now_s() - t0;
    if ((st = grt_infer_request_get_tensor(rq, "logits", &out))) goto done;
    const int64_t *od = grt_tensor_dims(out);
    if (grt_tensor_element_type(out) != GRT_F32 || grt_tensor_rank(out) != 3 || od[1] != n || od[2] <= 0 ||
        !grt_tensor_is_dense(out)) {
        st = grt_set_last_error(GRT_ERROR_SHAPE, "bench: output 'logits' is not f32 [1, n, vocab]");
        goto done;
    }
    const float *row = (const float *)grt_tensor_data(out) + (size_t)(n - 1) * (size_t)od[2];
    int32_t best = 0;
    for (int64_t v = 1; v < od[2]; v++)
        if (row[v] > row[best]) best = (int32_t)v;
    *next = best;
done:
    grt_tensor_destroy(t_ids);
    grt_tensor_destroy(t_pos);
    return st;
}

static int64_t prop_int(grt_compiled_model *cm, const char *key, int64_t dflt) {
    grt_value v;
    if (grt_compiled_model_get_property(cm, key, &v) != GRT_OK) return grt_clear_error(), dflt;
    int64_t r = v.type == GRT_VALUE_INT ? v.u.i : v.type == GRT_VALUE_STRING && v.u.s ? atoll(v.u.s) : dflt;
    grt_value_clear(&v);
    return r;
}

/* KV bytes per cached position from the state shapes [1, Hkv, S, D] and the KV precision (u8 rows:
 * D codes + an f16 scale and min per group, the CPU plugin's layout in kernels/kernel.h). */
static void kv_layout(grt_compiled_model *cm, grt_infer_request *rq, bench_result *res) {
    grt_value v;
    snprintf(res->kv_precision, sizeof res->kv_precision, "f32");
    if (grt_compiled_model_get_property(cm, GRT_PROP_KV_CACHE_PRECISION, &v) == GRT_OK) {
        if (v.type == GRT_VALUE_STRING && v.u.s) snprintf(res->kv_precision, sizeof res->kv_precision, "%s", v.u.s);
        grt_value_clear(&v);
    }
    grt_clear_error();
    snprintf(res->precision, sizeof res->precision, "?");
    if (grt_compiled_model_get_property(cm, GRT_PROP_INFERENCE_PRECISION_HINT, &v) == GRT_OK) {
        if (v.type == GRT_VALUE_STRING && v.u.s) snprintf(res->precision, sizeof res->precision, "%s", v.u.s);
        grt_value_clear(&v);
    }
    grt_clear_error();
    res->dq_group = prop_int(cm, GRT_PROP_DYNAMIC_QUANTIZATION_GROUP_SIZE, -1);
    int64_t dq = prop_int(cm, GRT_PROP_DYNAMIC_QUANTIZATION_GROUP_SIZE, 0);
    res->kv_row_bytes = 0;
    for (size_t k = 0; k < grt_infer_request_state_count(rq); k++) {
        grt_state *s = NULL;
        grt_tensor *t = NULL;
        if (grt_infer_request_state(rq, k, &s) || grt_state_get(s, &t)) {
            grt_clear_error();
            continue;
        }
        const int64_t *d = grt_tensor_dims(t);
        size_t rank = grt_tensor_rank(t);
        if (rank == 4) {
            double D = (double)d[3], per_pos = (double)d[0] * (double)d[1], row;
            if (!strcmp(res->kv_precision, "u8")) {
                int64_t g = dq > 0 && d[3] % dq == 0 ? dq : d[3] % 32 == 0 ? 32 : (d[3] ? d[3] : 1);
                row = (double)((d[3] + g - 1) / g * 4) + D;
            } else {
                row = D * (!strcmp(res->kv_precision, "f32") ? 4 : 2);
            }
            res->kv_row_bytes += per_pos * row;
        }
        grt_tensor_destroy(t);
    }
}

static int run_bench(const bench_opts *o, grt_compiled_model *cm, int64_t vocab, bench_result *res) {
    grt_infer_request *rq = NULL;
    int64_t *ids = malloc((size_t)o->p * sizeof *ids);
    grt_status st = ids ? grt_compiled_model_create_infer_request(cm, &rq) : GRT_ERROR_OUT_OF_MEMORY;
    if (st) goto fail;
    uint64_t x = (uint64_t)o->seed * 6364136223846793005ULL + 1442695040888963407ULL;
    for (long long i = 0; i < o->p; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        ids[i] = (int64_t)((x >> 33) % (uint64_t)vocab);
    }
    res->prefill_s = res->ttft_s = res->tpot_s = 0;
    for (long long rep = 0; rep < o->r; rep++) {
        if ((st = grt_infer_request_reset_state(rq))) goto fail;
        int32_t tok = 0;
        double t0 = now_s(), prefill = 0, dummy = 0;
        if ((st = step(rq, ids, o->p, 0, &tok, &prefill))) goto fail;
        double ttft = now_s() - t0, t1 = now_s();
        for (long long i = 0; i < o->n; i++) {
            int64_t id = tok;
            if ((st = step(rq, &id, 1, o->p + i, &tok, &dummy))) goto fail;
        }
        double tpot = o->n ? (now_s() - t1) / (double)o->n : 0;
        fprintf(stderr, "bench: rep %lld/%lld: prefill %lld tokens %.1f ms, %lld decode steps %.2f ms each\n", rep + 1,
                o->r, o->p, ttft * 1e3, o->n, tpot * 1e3);
        if (!rep || ttft < res->ttft_s) res->ttft_s = ttft, res->prefill_s = prefill;
        if (!rep || tpot < res->tpot_s) res->tpot_s = tpot;
    }
    res->kv_positions = o->p + o->n;
    kv_layout(cm, rq, res);
    grt_infer_request_destroy(rq);
    free(ids);
    return GRT_CLI_EXIT_OK;
fail:;
    int rc = grt_cli_fail("bench", st);
    grt_infer_request_destroy(rq);
    free(ids);
    return rc;
}

static double peak_rss_mib(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    double kib = 0;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6)) kib = atof(line + 6);
    if (f) fclose(f);
    struct rusage ru;
    if (kib <= 0 && getrusage(RUSAGE_SELF, &ru) == 0) kib = (double)ru.ru_maxrss;
    return kib / 1024.0;
}

static void report(const bench_opts *o, const grt_bench_weights *w, const bench_result *res, const grt_roofline *roof) {
    double prefill_tps = res->prefill_s > 0 ? (double)o->p / res->prefill_s : 0;
    double decode_tps = res->tpot_s > 0 ? 1.0 / res->tpot_s : 0;
    /* decode step i (0-based) attends to p + i + 1 positions: mean p + (n + 1) / 2 */
    double mean_ctx = (double)o->p + ((double)o->n + 1.0) / 2.0;
    double kv_read = res->kv_row_bytes * mean_ctx;
    double bytes_tok = w->matmul_bytes + w->embed_row_bytes + kv_read;
    double decode_gbps = decode_tps * bytes_tok / 1e9;
    double prefill_gops = 2.0 * w->matmul_macs * prefill_tps / 1e9;
    double peak = roof ? (w->compressed ? roof->int8_gops : roof->fp32_gflops) : 0;
    double mib = 1024.0 * 1024.0;
    printf("model          %s (%s MatMul weights)\n", o->model, w->weight_desc[0] ? w->weight_desc : "?");
    printf("threads        %lld, KV cache %s, precision hint %s, dq group %lld\n", res->threads,
           res->kv_precision, res->precision, res->dq_group);
    printf("prefill        %lld tokens: %.2f tokens/s (%.1f GOP/s", o->p, prefill_tps, prefill_gops);
    if (roof) printf(", %.1f%% of the %s peak %.1f GOP/s", 100.0 * prefill_gops / peak, w->compressed ? "int8" : "fp32", peak);
    printf(")\n");
    printf("TTFT           %.1f ms\n", res->ttft_s * 1e3);
    printf("decode         %lld steps: %.2f tokens/s, TPOT %.2f ms\n", o->n, decode_tps, res->tpot_s * 1e3);
    printf("bytes/token    %.2f MiB = MatMul weights %.2f MiB + embedding row %.1f KiB + KV %.2f MiB "
           "(mean context %.1f)\n",
           bytes_tok / mib, w->matmul_bytes / mib, w->embed_row_bytes / 1024.0, kv_read / mib, mean_ctx);
    printf("decode traffic %.2f GB/s", decode_gbps);
    if (roof) printf(" = %.1f%% of the measured read bandwidth %.2f GB/s", 100.0 * decode_gbps / roof->read_gbps, roof->read_gbps);
    printf("\nmemory         model %.1f MiB, KV %.2f MiB at %lld positions, peak RSS %.1f MiB\n",
           w->model_bytes / mib, res->kv_row_bytes * (double)res->kv_positions / mib, (long long)res->kv_positions,
           peak_rss_mib());
    printf("model=%s weights=%s threads=%lld kv_precision=%s precision=%s dq_group=%lld p=%lld n=%lld "
           "r=%lld prefill_tps=%.3f "
           "decode_tps=%.3f ttft_ms=%.3f tpot_ms=%.4f peak_rss_mib=%.1f model_bytes=%.0f kv_bytes=%.0f "
           "bytes_per_token=%.0f decode_GBps=%.4f prefill_GOPs=%.3f",
           o->model, w->weight_desc[0] ? w->weight_desc : "?", res->threads, res->kv_precision, res->precision,
           res->dq_group, o->p, o->n, o->r,
           prefill_tps, decode_tps, res->ttft_s * 1e3, res->tpot_s * 1e3, peak_rss_mib(), w->model_bytes,
           res->kv_row_bytes * (double)res->kv_positions, bytes_tok, decode_gbps, prefill_gops);
    if (roof)
        printf(" read_GBps=%.3f peak_GOPs=%.2f peak_kind=%s decode_bw_frac=%.4f prefill_peak_frac=%.4f", roof->read_gbps,
               peak, w->compressed ? "int8" : "fp32", decode_gbps / roof->read_gbps, prefill_gops / peak);
    printf("\n");
}

static int run(int argc, char **argv) {
    bench_opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc != GRT_CLI_EXIT_OK) return rc;
    bench_result res;
    memset(&res, 0, sizeof res);
    res.threads = threads_of(&o.props);
    grt_roofline roof, *proof = NULL;
    if (o.roofline) {
        if (measure_roofline(res.threads, o.roof_mib, "before", &roof)) return GRT_CLI_EXIT_FAIL;
        proof = &roof;
    }
    grt_core *core = NULL;
    grt_model *model = NULL;
    grt_compiled_model *cm = NULL;
    grt_bench_weights w;
    grt_status st;
    rc = GRT_CLI_EXIT_FAIL;
    fprintf(stderr, "bench: reading %s\n", o.model);
    if ((st = grt_core_create(NULL, &core)) || (st = grt_model_read(core, o.model, &model)) ||
        (st = grt_bench_weights_of(o.model, model, &w))) {
        rc = grt_cli_fail("bench", st);
        goto done;
    }
    if (grt_cli_apply_properties("bench", core, o.device, &o.props) != GRT_CLI_EXIT_OK) goto done;
    fprintf(stderr, "bench: compiling for %s\n", o.device);
    if ((st = grt_core_compile_model(core, model, o.device, NULL, 0, &cm))) {
        rc = grt_cli_fail("bench", st);
        goto done;
    }
    grt_model_destroy(model); /* the compiled model keeps what it needs */
    model = NULL;
    if (w.vocab <= 0) {
        fprintf(stderr, "genrt bench: %s has no token embedding (Gather of a constant table)\n", o.model);
        goto done;
    }
    int64_t t = prop_int(cm, GRT_PROP_INFERENCE_NUM_THREADS, 0);
    if (t > 0) res.threads = t;
    if ((rc = run_bench(&o, cm, w.vocab, &res)) == GRT_CLI_EXIT_OK) {
        grt_roofline after;
        if (proof && measure_roofline(res.threads, o.roof_mib, "after", &after)) {
            rc = GRT_CLI_EXIT_FAIL;
            goto done;
        }
        if (proof) roofline_best(&roof, &after);
        report(&o, &w, &res, proof);
        rc = fflush(stdout) ? GRT_CLI_EXIT_FAIL : GRT_CLI_EXIT_OK;
    }
done:
    grt_compiled_model_destroy(cm);
    grt_model_destroy(model);
    grt_core_destroy(core);
    return rc;
}

const grt_cli_command grt_cli_cmd_bench = {"bench", "measure an LLM's prefill and decode speed", k_usage, run};
