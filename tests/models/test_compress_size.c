/*
 * tests/models/test_compress_size.c - size and memory of compressed models (label "long"): a
 * random-weight TinyLlama-1.1B (GENRT_SHARED_DIR/models/configs/tinyllama-1.1b.json, exit 77 if
 * absent) compressed to INT4_ASYM group 128 and to INT8_ASYM per channel and saved as IR files in
 * argv[1]; each file's size must be within 3% of the size computed here from the config (packed
 * values + f16 scales + zero points, embedding and LM head INT8_ASYM per channel by the default
 * all_layers = 0 rule, norm weights uncompressed). Then a fresh process (this program run with
 * --rss FILE) reads the file (weights mmap'd), compiles it on CPU, prefills 8 tokens and decodes
 * 16 greedily, and reports its peak RSS (VmHWM), which must be <= (file size + KV cache bytes) x 1.10.
 * Prints the sizes, times and the peak RSS. Single-threaded; owns what it creates.
 */
#include <genrt/genrt.h>

#include "test_llm.h"
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PROMPT 8
#define DECODE 16

/* TinyLlama-1.1B shape (the config file above). */
enum { H = 2048, FF = 5632, LAYERS = 22, HEADS = 32, KV_HEADS = 4, VOCAB = 32000, HEAD_DIM = H / HEADS };

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Bytes of an [n, k] weight quantized with `bits` (4 or 8), asymmetric, groups of g along k
 * (g = k: per channel): values + f16 scale + zero point (packed like the values) per group. */
static double qbytes(double n, double k, int bits, double g) {
    double groups = n * (k / g);
    return n * k * bits / 8.0 + groups * 2.0 + groups * bits / 8.0;
}

/* Expected IR weight bytes of TinyLlama with its linear layers at `bits`, group g (0 = per channel). */
static double expected_bytes(int bits, double g) {
    const double lin[7][2] = {{H, H}, {KV_HEADS * HEAD_DIM, H}, {KV_HEADS * HEAD_DIM, H}, {H, H},
                              {FF, H}, {FF, H}, {H, FF}};
    double total = 0.0;
    for (int l = 0; l < LAYERS; l++)
        for (int i = 0; i < 7; i++) total += qbytes(lin[i][0], lin[i][1], bits, g > 0 ? g : lin[i][1]);
    total += 2.0 * qbytes(VOCAB, H, 8, H);    /* embedding + LM head: INT8_ASYM per channel */
    total += (2.0 * LAYERS + 1.0) * H * 4.0; /* RMSNorm weights, f32 */
    return total;
}

static long file_size(const char *path) {
    struct stat sb;
    return stat(path, &sb) ? -1 : (long)sb.st_size;
}

/* Peak RSS (VmHWM) of this process in bytes, or -1. */
static long vm_hwm(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6)) kb = strtol(line + 6, NULL, 10);
    if (f) fclose(f);
    return kb < 0 ? -1 : kb * 1024;
}

/* One infer of ids[n] at positions past..; returns the argmax of the last row, -1 on error. */
static int64_t step(grt_infer_request *rq, const int64_t *ids, int64_t past, size_t n) {
    const float *all = NULL;
    int64_t vocab = 0, best = 0;
    if (test_llm_step(rq, ids, n, past, &all, &vocab) != GRT_OK || vocab != VOCAB) return -1;
    const float *l = all + (n - 1) * VOCAB;
    for (int64_t v = 0; v < VOCAB; v++) {
        if (!isfinite(l[v])) return -1;
        if (l[v] > l[best]) best = v;
    }
    return best;
}

/* Child mode: load `path`, generate, print "vmhwm=BYTES tokens=N". */
static int rss_child(const char *path) {
    grt_core *core = NULL;
    grt_model *model = NULL;
    grt_compiled_model *cm = NULL;
    grt_infer_request *rq = NULL;
    int64_t ids[PROMPT] = {1, 450, 4996, 17354, 1701, 432, 17204, 975}, tok = -1;
    int n = 0;
    double t0 = now_s();
    if (!grt_core_create(NULL, &core) && !grt_model_read(core, path, &model) &&
        !grt_core_compile_model(core, model, "CPU", NULL, 0, &cm) && !grt_compiled_model_create_infer_request(cm, &rq)) {
        grt_model_destroy(model); /* the compiled model keeps what it needs */
        model = NULL;
        tok = step(rq, ids, 0, PROMPT);
        for (n = 0; n < DECODE && tok >= 0; n++) tok = step(rq, &tok, PROMPT + n, 1);
    }
    if (tok < 0) fprintf(stderr, "child: %s\n", grt_last_error());
    printf("vmhwm=%ld tokens=%d seconds=%.2f\n", vm_hwm(), tok < 0 ? -1 : n, now_s() - t0);
    grt_infer_request_destroy(rq);
    grt_compiled_model_destroy(cm);
    grt_model_destroy(model);
    grt_core_destroy(core);
    return tok < 0;
}

/* Compresses a fresh random model with (mode, group), saves it to out; checks the size. */
static long make_compressed(const char *config, const char *out, uint32_t mode, int64_t group, int bits, double g) {
    grt_model *m = NULL;
    grt_compress_config cfg;
    grt_compress_config_init(&cfg);
    cfg.mode = mode;
    cfg.group_size = group;
    double t0 = now_s();
    CHECK_OK(grt_model_create_random(config, 1, GRT_F16, &m));
    double t1 = now_s();
    if (m) CHECK_OK(grt_model_compress_weights(m, &cfg, NULL));
    double t2 = now_s();
    if (m) CHECK_OK(grt_model_save(m, out));
    double t3 = now_s();
    grt_model_destroy(m);
    long size = file_size(out);
    double want = expected_bytes(bits, g), dev = (double)size / want - 1.0;
    printf("%s: %ld bytes, expected %.0f (%+.2f%%); random model %.1f s, compress %.1f s, save %.1f s\n", out, size,
           want, dev * 100.0, t1 - t0, t2 - t1, t3 - t2);
    CHECKF(size > 0 && fabs(dev) <= 0.03, "%s: %ld bytes vs expected %.0f", out, size, want);
    return size;
}

/* Runs this program with --rss path in a fresh process; checks its peak RSS. */
static void check_rss(const char *self, const char *path, long size) {
    char cmd[2400], line[256] = "";
    snprintf(cmd, sizeof cmd, "'%s' --rss '%s'", self, path);
    FILE *p = popen(cmd, "r");
    CHECK(p != NULL);
    if (!p) return;
    while (fgets(line, sizeof line, p)) {
    }
    CHECKF(pclose(p) == 0, "child for %s failed", path);
    long hwm = -1;
    int tokens = -1;
    double secs = 0;
    CHECKF(sscanf(line, "vmhwm=%ld tokens=%d seconds=%lf", &hwm, &tokens, &secs) == 3, "child said '%s'", line);
    /* K and V, f32, for every token the cache holds */
    double kv = 2.0 * LAYERS * KV_HEADS * HEAD_DIM * 4.0 * (PROMPT + DECODE), limit = ((double)size + kv) * 1.10;
    printf("%s: peak RSS %.1f MiB, limit (file %.1f MiB + KV %.2f MiB) x 1.10 = %.1f MiB (%.2fx file); %d tokens in "
           "%.1f s\n",
           path, hwm / 1048576.0, size / 1048576.0, kv / 1048576.0, limit / 1048576.0, (double)hwm / (double)size,
           tokens, secs);
    CHECKF(tokens == DECODE, "generated %d tokens", tokens);
    CHECKF(hwm > 0 && (double)hwm <= limit, "%s: peak RSS %ld > limit %.0f", path, hwm, limit);
}

int main(int argc, char **argv) {
    if (argc == 3 && !strcmp(argv[1], "--rss")) return rss_child(argv[2]);
    if (argc < 2) return 2;
    const char *shared = getenv("GENRT_SHARED_DIR");
    char config[1200], self[1024], int4[1200], int8[1200];
    snprintf(config, sizeof config, "%s/models/configs/tinyllama-1.1b.json", shared ? shared : "../shared");
    if (file_size(config) < 0) {
        printf("skipped: %s not found (set GENRT_SHARED_DIR)\n", config);
        return 77;
    }
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return 2;
    self[n] = 0;
    snprintf(int4, sizeof int4, "%s/tinyllama-int4-asym-g128.genrt", argv[1]);
    snprintf(int8, sizeof int8, "%s/tinyllama-int8-asym.genrt", argv[1]);
    long s4 = make_compressed(config, int4, GRT_COMPRESS_INT4_ASYM, 128, 4, 128);
    if (s4 > 0) check_rss(self, int4, s4);
    remove(int4);
    long s8 = make_compressed(config, int8, GRT_COMPRESS_INT8_ASYM, GRT_COMPRESS_GROUP_PER_CHANNEL, 8, 0);
    if (s8 > 0) check_rss(self, int8, s8);
    remove(int8);
    return test_summary("models.compress_size");
}
