/*
 * test_hf_long.c - benchmark-style check (label "long", not in the default run): a random-weight
 * TinyLlama-1.1B (GENRT_SHARED_DIR/models/configs/tinyllama-1.1b.json, exit 77 if absent) with f16
 * weights prefills a 512-token prompt in one infer, then decodes 64 tokens greedily through the KV
 * cache on CPU. Prints build / prefill / decode times and the peak RSS (getrusage); fails on any
 * error or non-finite logits.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include <genrt/genrt.h>

#include "test_util.h"

#define PROMPT 512
#define DECODE 64
#define VOCAB 32000

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* One infer of n tokens at positions past..past+n-1; returns the argmax of the last position's
 * logits, or -1 on error. */
static int64_t step(grt_infer_request *rq, const int64_t *ids, int64_t past, size_t n) {
    int64_t dims[2] = {1, (int64_t)n}, *pos = malloc(n * sizeof *pos), best = -1;
    grt_tensor *ti = NULL, *tp = NULL, *out = NULL;
    if (!pos) return -1;
    for (size_t i = 0; i < n; i++) pos[i] = past + (int64_t)i;
    if (grt_tensor_wrap(GRT_I64, 2, dims, NULL, (void *)ids, n * 8, &ti) == GRT_OK &&
        grt_tensor_wrap(GRT_I64, 2, dims, NULL, pos, n * 8, &tp) == GRT_OK &&
        grt_infer_request_set_tensor(rq, "input_ids", ti) == GRT_OK &&
        grt_infer_request_set_tensor(rq, "position_ids", tp) == GRT_OK && grt_infer_request_infer(rq) == GRT_OK &&
        grt_infer_request_get_tensor(rq, "logits", &out) == GRT_OK &&
        grt_tensor_element_count(out) == n * VOCAB) {
        const float *l = (const float *)grt_tensor_data(out) + (n - 1) * VOCAB;
        best = 0;
        for (int64_t v = 0; v < VOCAB; v++) {
            if (!isfinite(l[v])) {
                best = -1;
                break;
            }
            if (l[v] > l[best]) best = v;
        }
    }
    grt_tensor_destroy(ti);
    grt_tensor_destroy(tp);
    free(pos);
    return best;
}

int main(void) {
    const char *shared = getenv("GENRT_SHARED_DIR");
    char path[1200];
    struct stat sb;
    snprintf(path, sizeof path, "%s/models/configs/tinyllama-1.1b.json", shared ? shared : "../shared");
    if (stat(path, &sb) != 0) {
        printf("skipped: %s not found (set GENRT_SHARED_DIR)\n", path);
        return 77;
    }
    grt_core *core = NULL;
    grt_model *model = NULL;
    grt_compiled_model *cm = NULL;
    grt_infer_request *rq = NULL;
    int64_t ids[PROMPT];
    uint64_t s = 7;
    for (int i = 0; i < PROMPT; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        ids[i] = (int64_t)((s >> 33) % VOCAB);
    }
    double t0 = now_s();
    CHECK_OK(grt_core_create(NULL, &core));
    CHECK_OK(grt_model_create_random(path, 1, GRT_F16, &model));
    double t1 = now_s();
    if (model) CHECK_OK(grt_core_compile_model(core, model, "CPU", NULL, 0, &cm));
    grt_model_destroy(model); /* the compiled model keeps the weights */
    if (cm) CHECK_OK(grt_compiled_model_create_infer_request(cm, &rq));
    double t2 = now_s(), t3 = t2, t4 = t2;
    if (rq) {
        int64_t tok = step(rq, ids, 0, PROMPT);
        CHECKF(tok >= 0, "prefill of %d tokens", PROMPT);
        t3 = now_s();
        for (int i = 0; i < DECODE && tok >= 0; i++) {
            tok = step(rq, &tok, PROMPT + i, 1);
            CHECKF(tok >= 0, "decode step %d", i);
        }
        t4 = now_s();
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("random TinyLlama-1.1B f16 on CPU: build %.2f s, compile %.2f s, prefill %d tokens %.2f s (%.1f tok/s), "
           "decode %d tokens %.2f s (%.2f tok/s), peak RSS %.1f MiB\n",
           t1 - t0, t2 - t1, PROMPT, t3 - t2, PROMPT / (t3 - t2 > 0 ? t3 - t2 : 1), DECODE, t4 - t3,
           DECODE / (t4 - t3 > 0 ? t4 - t3 : 1), (double)ru.ru_maxrss / 1024.0);
    grt_infer_request_destroy(rq);
    grt_compiled_model_destroy(cm);
    grt_core_destroy(core);
    return test_summary("test_hf_long");
}
