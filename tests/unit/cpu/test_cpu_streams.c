/*
 * test_cpu_streams.c - PERFORMANCE_HINT THROUGHPUT on the CPU plugin through the public API:
 * stories260K (llama2.c file given as argv[1]) compiled with 2 streams of 2 threads reports
 * NUM_STREAMS and OPTIMAL_NUMBER_OF_INFER_REQUESTS = 2; two infer requests (one per stream) run
 * a prefill + greedy decode at the same time, on two threads, and must give the same tokens and
 * logits as the same sequences run one after the other. LATENCY compiles report 1 stream.
 * Needs the CPU plugin in the build tree.
 */
#include <genrt/genrt.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_llm.h"
#include "test_util.h"

enum { PROMPT = 8, DECODE = 24, MAX_VOCAB = 4096, REPEATS = 3 };

typedef struct seq_result {
    int64_t tokens[DECODE];
    float last_logits[MAX_VOCAB];
    int64_t vocab;
    grt_status st;
} seq_result;

/* One infer of ids[n] at positions pos0..; returns the last position's logits (borrowed). */
static grt_status step(grt_infer_request *rq, const int64_t *ids, size_t n, int64_t pos0,
                       const float **last, int64_t *vocab)
{
    const float *all = NULL;
    grt_status st = test_llm_step(rq, ids, n, pos0, &all, vocab);
    if (st == GRT_OK && *vocab > MAX_VOCAB)
        st = GRT_ERROR_SHAPE;
    if (st == GRT_OK)
        *last = all + (n - 1) * (size_t)*vocab;
    return st;
}

/* Prefill PROMPT tokens from `seed`, then DECODE greedy tokens. */
static void run_sequence(grt_infer_request *rq, int seed, seq_result *r)
{
    int64_t ids[PROMPT];
    const float *lg = NULL;
    for (int i = 0; i < PROMPT; i++)
        ids[i] = 1 + (seed * 37 + i * 11) % 300;
    r->st = step(rq, ids, PROMPT, 0, &lg, &r->vocab);
    for (int t = 0; t < DECODE && r->st == GRT_OK; t++) {
        int64_t best = 0;
        for (int64_t v = 1; v < r->vocab; v++)
            if (lg[v] > lg[best])
                best = v;
        r->tokens[t] = best;
        memcpy(r->last_logits, lg, sizeof(float) * (size_t)r->vocab);
        r->st = step(rq, &best, 1, PROMPT + t, &lg, &r->vocab);
    }
}

typedef struct thread_arg {
    grt_infer_request *rq;
    int seed;
    seq_result res[REPEATS];
} thread_arg;

static void *thread_main(void *varg)
{
    thread_arg *a = varg;
    for (int k = 0; k < REPEATS; k++) {
        grt_infer_request_reset_state(a->rq);
        run_sequence(a->rq, a->seed, &a->res[k]);
    }
    return NULL;
}

static int64_t prop_int(grt_compiled_model *cm, const char *key)
{
    grt_value v;
    if (grt_compiled_model_get_property(cm, key, &v) != GRT_OK || v.type != GRT_VALUE_INT)
        return -1;
    return v.u.i;
}

static void same(const seq_result *got, const seq_result *want, const char *what)
{
    CHECKF(got->st == GRT_OK && want->st == GRT_OK, "%s: infer failed", what);
    if (got->st != GRT_OK || want->st != GRT_OK)
        return;
    CHECKF(memcmp(got->tokens, want->tokens, sizeof(got->tokens)) == 0, "%s: tokens differ", what);
    double err = 0;
    for (int64_t v = 0; v < want->vocab; v++)
        err = fmax(err, fabs((double)got->last_logits[v] - want->last_logits[v]));
    CHECKF(err <= 1e-5, "%s: logits differ by %g", what, err);
}

/* A compile property: a string when s is non-NULL, else the integer i. */
static grt_property prop(const char *key, const char *s, int64_t i)
{
    grt_property p;
    memset(&p, 0, sizeof(p));
    p.key = key;
    p.value.type = s ? GRT_VALUE_STRING : GRT_VALUE_INT;
    if (s)
        p.value.u.s = s;
    else
        p.value.u.i = i;
    return p;
}

int main(int argc, char **argv)
{
    grt_core *core = NULL;
    grt_model *model = NULL;
    grt_compiled_model *cm = NULL, *lat = NULL;
    grt_infer_request *rq[2] = {NULL, NULL};
    static seq_result serial[2];
    static thread_arg ta[2];
    if (argc < 2) {
        fprintf(stderr, "usage: test_cpu_streams stories260K.bin\n");
        return 1;
    }
    CHECK_OK(grt_core_create(NULL, &core));
    if (!core)
        return test_summary("test_cpu_streams");
    CHECK_OK(grt_model_read(core, argv[1], &model));
    if (!model)
        goto done;

    grt_property props[3] = {prop(GRT_PROP_PERFORMANCE_HINT, "THROUGHPUT", 0),
                             prop(GRT_PROP_INFERENCE_NUM_THREADS, NULL, 4),
                             prop("NUM_STREAMS", NULL, 2)};
    CHECK_OK(grt_core_compile_model(core, model, "CPU", props, 3, &cm));
    CHECK_OK(grt_core_compile_model(core, model, "CPU", NULL, 0, &lat));
    if (!cm || !lat)
        goto done;
    CHECKF(prop_int(cm, "NUM_STREAMS") == 2, "THROUGHPUT NUM_STREAMS is 2");
    CHECKF(prop_int(cm, "OPTIMAL_NUMBER_OF_INFER_REQUESTS") == 2,
           "THROUGHPUT OPTIMAL_NUMBER_OF_INFER_REQUESTS is 2");
    CHECKF(prop_int(cm, GRT_PROP_INFERENCE_NUM_THREADS) == 4, "4 threads in all");
    CHECKF(prop_int(lat, "NUM_STREAMS") == 1 && prop_int(lat, "OPTIMAL_NUMBER_OF_INFER_REQUESTS") == 1,
           "LATENCY has one stream");

    /* reference: the two sequences one after the other on one request */
    CHECK_OK(grt_compiled_model_create_infer_request(cm, &rq[0]));
    if (!rq[0])
        goto done;
    for (int s = 0; s < 2; s++) {
        grt_infer_request_reset_state(rq[0]);
        run_sequence(rq[0], s + 1, &serial[s]);
    }
    grt_infer_request_destroy(rq[0]);
    rq[0] = NULL;

    /* two requests, given streams round-robin, infer at the same time */
    for (int s = 0; s < 2; s++) {
        CHECK_OK(grt_compiled_model_create_infer_request(cm, &rq[s]));
        ta[s].rq = rq[s];
        ta[s].seed = s + 1;
    }
    if (rq[0] && rq[1]) {
        pthread_t t[2];
        int started = 0;
        for (int s = 0; s < 2; s++)
            if (pthread_create(&t[s], NULL, thread_main, &ta[s]) == 0)
                started |= 1 << s;
        for (int s = 0; s < 2; s++)
            if (started & (1 << s))
                pthread_join(t[s], NULL);
        CHECKF(started == 3, "could not start the test threads");
        for (int s = 0; s < 2 && started == 3; s++)
            for (int k = 0; k < REPEATS; k++)
                same(&ta[s].res[k], &serial[s], s ? "stream 1 vs serial" : "stream 0 vs serial");
    }

    /* the LATENCY model gives the same tokens (f32 model: same kernels) */
    grt_infer_request *lq = NULL;
    CHECK_OK(grt_compiled_model_create_infer_request(lat, &lq));
    if (lq) {
        static seq_result r;
        run_sequence(lq, 1, &r);
        CHECKF(r.st == GRT_OK && memcmp(r.tokens, serial[0].tokens, sizeof(r.tokens)) == 0,
               "LATENCY and THROUGHPUT give the same tokens");
    }
    grt_infer_request_destroy(lq);

done:
    grt_infer_request_destroy(rq[0]);
    grt_infer_request_destroy(rq[1]);
    grt_compiled_model_destroy(cm);
    grt_compiled_model_destroy(lat);
    grt_model_destroy(model);
    grt_core_destroy(core);
    return test_summary("test_cpu_streams");
}
