/*
 * test_cpu_fuse.c - the CPU plan's rewrite passes: fusion (exec/fuse.h) on the bundled stories260K
 * model:
 * the plan built with GENRT_CPU_FUSION=1 finds one SwiGLU per layer and 2 x layers Add+RMSNorm
 * pairs (none with fusion off); prefill of 8 tokens then 24 greedy decode steps give identical
 * tokens and logits within 1e-5 with fusion on and off, serial and on a 2-thread pool. Then the
 * same with the weights compressed to int8 (per channel): the plan also groups the Q / K / V and
 * gate / up MatMuls (2 x layers sibling groups, cpu_k_fused_linears). Constant folding
 * (exec/fold.h) on a random-weight 2-layer llama with f16 weights: its norm weights' Converts
 * (2 x layers + 1) become Constants, with the same tokens and logits as with folding off.
 * Runs the plan directly (core graph view + host API, no plugin loading).
 * Usage: test_cpu_fuse MODEL_DIR (holding stories260K.bin); skips (77) when it is missing.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <genrt/compress.h>
#include <genrt/genrt.h>

#include "exec/fold.h"
#include "exec/fuse.h"
#include "exec/plan.h"
#include "exec/request.h"
#include "exec/util.h"
#include "ir/graph_view.h"
#include "runtime/plugin_registry.h"
#include "test_util.h"

#define LAYERS 5 /* stories260K */
#define PREFILL 8
#define STEPS 24
#define VOCAB 512

typedef struct run_out {
    int64_t tokens[STEPS];
    float logits[STEPS + 1][VOCAB]; /* last position of the prefill, then each decode step */
} run_out;

static grt_tensor_desc ids_desc(int64_t *data, int64_t n)
{
    grt_tensor_desc t;
    memset(&t, 0, sizeof t);
    t.struct_size = sizeof t;
    t.element_type = GRT_I64;
    t.shape.rank = 2;
    t.shape.dims[0] = 1;
    t.shape.dims[1] = n;
    cpu_dense_strides(&t.shape, 8, t.strides);
    t.data = data;
    t.byte_size = (size_t)n * 8;
    return t;
}

/* One infer of n tokens at position pos; copies the last position's logits into out. */
static int infer(cpu_request *rq, const int64_t *tok, int64_t n, int64_t pos, float *out)
{
    int64_t ids[PREFILL], posv[PREFILL];
    for (int64_t i = 0; i < n; i++)
        ids[i] = tok[i], posv[i] = pos + i;
    grt_tensor_desc a = ids_desc(ids, n), b = ids_desc(posv, n), lg;
    if (cpu_request_set_input(rq, 0, &a) != GRT_OK || cpu_request_set_input(rq, 1, &b) != GRT_OK ||
        cpu_request_infer(rq) != GRT_OK || cpu_request_get_output(rq, 0, &lg) != GRT_OK ||
        lg.element_type != GRT_F32 || lg.byte_size < VOCAB * sizeof(float)) {
        fprintf(stderr, "infer failed: %s\n", grt_last_error());
        return 0;
    }
    memcpy(out, (const char *)lg.data + lg.byte_size - VOCAB * sizeof(float), VOCAB * sizeof(float));
    return 1;
}

static int argmax(const float *x)
{
    int best = 0;
    for (int i = 1; i < VOCAB; i++)
        if (x[i] > x[best])
            best = i;
    return best;
}

/* What a plan must have fused / folded (layers: SwiGLU = layers, Add+RMSNorm = 2 x layers when
 * fusion is on). */
typedef struct want_t {
    uint32_t layers, linears, folded;
} want_t;

/* Builds the plan with fusion and folding on or off, checks the pattern counts, runs prefill +
 * decode. */
static void run(const grt_graph_view *view, int fusion, int fold, int threads, const want_t *w,
                run_out *o)
{
    const grt_host_api *host = grt_runtime_host_api();
    cpu_plan *plan = NULL;
    cpu_request *rq = NULL;
    cpu_config cfg;
    cpu_fuse_counts fc;
    setenv("GENRT_CPU_FUSION", fusion ? "1" : "0", 1);
    setenv("GENRT_CPU_FOLD", fold ? "1" : "0", 1);
    CHECK_OK(cpu_config_parse(host, NULL, 0, &cfg));
    cfg.resolved_threads = threads;
    CHECK_OK(cpu_plan_create(host, view, &cfg, &plan));
    if (!plan)
        return;
    cpu_fuse_count(plan, &fc);
    CHECKF(fc.swiglu == (fusion ? w->layers : 0) && fc.add_rmsnorm == (fusion ? 2 * w->layers : 0) &&
               fc.linears == (fusion ? w->linears : 0),
           "fusion %d: %u SwiGLU, %u Add+RMSNorm, %u sibling MatMul groups fused", fusion,
           fc.swiglu, fc.add_rmsnorm, fc.linears);
    CHECKF(cpu_fold_count(plan) == (fold ? w->folded : 0), "fold %d: %u nodes folded, want %u",
           fold, cpu_fold_count(plan), fold ? w->folded : 0);
    CHECK_OK(cpu_request_create(plan, &rq));
    static const int64_t prompt[PREFILL] = {1, 403, 407, 261, 378, 386, 285, 268};
    int ok = rq && infer(rq, prompt, PREFILL, 0, o->logits[0]);
    for (int s = 0; ok && s < STEPS; s++) {
        o->tokens[s] = argmax(o->logits[s]);
        ok = infer(rq, &o->tokens[s], 1, PREFILL + s, o->logits[s + 1]);
    }
    CHECKF(ok, "fusion %d threads %d: inference failed", fusion, threads);
    cpu_request_destroy(rq);
    cpu_plan_destroy(plan);
}

/* Same greedy tokens and logits within 1e-5. */
static void compare(const run_out *on, const run_out *off, const char *what, int threads)
{
    double err = 0;
    for (int s = 0; s <= STEPS; s++)
        for (int i = 0; i < VOCAB; i++)
            err = fmax(err, fabs((double)on->logits[s][i] - off->logits[s][i]));
    CHECKF(memcmp(on->tokens, off->tokens, sizeof on->tokens) == 0,
           "%s, threads %d: greedy tokens differ", what, threads);
    CHECKF(err <= 1e-5, "%s, threads %d: logits differ by %g", what, threads, err);
    printf("%s, threads %d: max |logit difference| = %g\n", what, threads, err);
}

/* Folding on a random 2-layer llama with f16 weights (its RMSNorm weights are converted to f32 by
 * Convert nodes): 2 x 2 + 1 Converts folded, results as with folding off. */
static void test_fold(run_out *on, run_out *off)
{
    static const char cfg[] =
        "{\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": \"llama\", "
        "\"hidden_size\": 64, \"intermediate_size\": 128, \"num_hidden_layers\": 2, "
        "\"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"vocab_size\": 512, "
        "\"max_position_embeddings\": 256, \"rms_norm_eps\": 1e-05, \"rope_theta\": 10000.0, "
        "\"hidden_act\": \"silu\", \"tie_word_embeddings\": false}";
    char path[] = "/tmp/genrt_fold_cfg_XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    CHECKF(f != NULL && fputs(cfg, f) >= 0, "cannot write %s", path);
    if (f)
        fclose(f);
    grt_model *m = NULL;
    const grt_graph_view *view = NULL;
    CHECK_OK(grt_model_create_random(path, 7, GRT_F16, &m));
    unlink(path);
    if (m)
        CHECK_OK(grt_ir_snapshot(m, &view));
    want_t w = {2, 0, 2 * 2 + 1};
    for (int threads = 1; view && on && off && threads <= 2; threads++) {
        run(view, 1, 1, threads, &w, on);
        run(view, 1, 0, threads, &w, off);
        compare(on, off, "f16 random, folding on / off", threads);
    }
    if (view)
        grt_ir_view_release(view);
    grt_model_destroy(m);
}

int main(int argc, char **argv)
{
    char path[1024];
    grt_core *core = NULL;
    grt_model *m = NULL;
    const grt_graph_view *view = NULL;
    snprintf(path, sizeof path, "%s/stories260K.bin", argc > 1 ? argv[1] : "models/stories260K");
    FILE *f = fopen(path, "rb");
    if (!f) {
        printf("skip: %s not found\n", path);
        return 77;
    }
    fclose(f);
    CHECK_OK(grt_core_create(NULL, &core));
    CHECK_OK(grt_model_read(core, path, &m));
    if (m)
        CHECK_OK(grt_ir_snapshot(m, &view));
    run_out *on = calloc(1, sizeof *on), *off = calloc(1, sizeof *off);
    for (int compressed = 0; compressed < 2; compressed++) {
        if (compressed) { /* int8 weights: the sibling MatMuls group too */
            grt_compress_config cc;
            grt_compress_config_init(&cc);
            cc.group_size = GRT_COMPRESS_GROUP_PER_CHANNEL;
            if (view)
                grt_ir_view_release(view);
            view = NULL;
            CHECK_OK(grt_model_compress_weights(m, &cc, NULL));
            CHECK_OK(grt_ir_snapshot(m, &view));
        }
        want_t w = {LAYERS, compressed ? 2 * LAYERS : 0, 0};
        for (int threads = 1; view && on && off && threads <= 2; threads++) {
            run(view, 1, 1, threads, &w, on);
            run(view, 0, 1, threads, &w, off);
            compare(on, off, compressed ? "int8, fusion on / off" : "f32, fusion on / off",
                    threads);
        }
    }
    if (view)
        grt_ir_view_release(view);
    view = NULL;
    test_fold(on, off);
    unsetenv("GENRT_CPU_FUSION");
    unsetenv("GENRT_CPU_FOLD");
    free(on);
    free(off);
    grt_model_destroy(m);
    grt_core_destroy(core);
    TEST_EXIT("test_cpu_fuse");
}
