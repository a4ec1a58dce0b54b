/*
 * tests/models/test_kv_precision.c - KV_CACHE_PRECISION on a real model: stories260K (llama2.c
 * checkpoint) decoded greedily from BOS for 96 tokens with the KV cache kept in f32, f16, bf16
 * and u8. The CPU execution plan runs directly on the model's graph view (core host API, no
 * plugin loading) so the stored bytes of every KV state can be read from the state statistics.
 * Checks: the f32 run's tokens equal reference.json's greedy_from_bos; f16, bf16 and u8 fed the
 * f32 tokens (teacher forcing) keep every logit within a tolerance of f32's and pick f32's token
 * wherever f32's top-2 margin exceeds twice the step's logit deviation (at step 37 stories260K's
 * top-2 gap is 0.003, below f16 rounding, so free-running greedy output diverges there for every
 * reduced precision: the first differing token is printed, not asserted); f16 / bf16 store
 * exactly half of f32; u8 stores less than f16 (values + per-group f16 scale and min: with this
 * model's head size 8 a row is 8 + 4 bytes against 16, so "half of f16" is not reachable; the
 * ratio is printed); u8's free-running greedy tokens equal f16's for all 96 steps (the issue's
 * "u8 versus f16, greedy tokens unchanged"). Usage: test_kv_precision MODEL_DIR. Skips (77) when the model is missing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <genrt/genrt.h>

#include "exec/plan.h"
#include "exec/request.h"
#include "exec/util.h"
#include "ir/graph_view.h"
#include "runtime/plugin_registry.h"
#include "test_util.h"

#define STEPS 96
#define VOCAB 512

/* Binds a [1, 1] i64 tensor to input `index`. */
static grt_status bind_id(cpu_request *rq, uint32_t index, int64_t *value)
{
    grt_tensor_desc d;
    memset(&d, 0, sizeof d);
    d.struct_size = sizeof d;
    d.element_type = GRT_I64;
    d.shape.rank = 2;
    d.shape.dims[0] = d.shape.dims[1] = 1;
    cpu_dense_strides(&d.shape, 8, d.strides);
    d.data = value;
    d.byte_size = 8;
    return cpu_request_set_input(rq, index, &d);
}

/* Greedy decoding of STEPS tokens after BOS with the KV cache in `prec`; *kv_bytes = stored bytes
 * of all in-place KV states at the end. Returns the number of failed checks' worth of status. */
/* force != NULL: input token i is force[i] (teacher forcing) instead of the previous argmax;
 * logits [STEPS][VOCAB] receives every step's logits. */
static grt_status decode(const grt_graph_view *view, const grt_model *m, cpu_precision prec,
                         const int64_t *force, int64_t *toks, float *logits, size_t *kv_bytes)
{
    const grt_host_api *host = grt_runtime_host_api();
    cpu_config cfg;
    cpu_plan *plan = NULL;
    cpu_request *rq = NULL;
    size_t ids = 0, pos = 0, out = 0;
    grt_status st = cpu_config_parse(host, NULL, 0, &cfg);
    cfg.resolved_threads = 2;
    cfg.kv_cache_precision = prec;
    if (st == GRT_OK)
        st = grt_model_input_index(m, "input_ids", &ids);
    if (st == GRT_OK)
        st = grt_model_input_index(m, "position_ids", &pos);
    if (st == GRT_OK)
        st = grt_model_output_index(m, "logits", &out);
    if (st == GRT_OK)
        st = cpu_plan_create(host, view, &cfg, &plan);
    if (st == GRT_OK)
        st = cpu_request_create(plan, &rq);
    toks[0] = 1;
    for (int i = 0; st == GRT_OK && i < STEPS; i++) {
        int64_t p = i;
        grt_tensor_desc lg;
        int64_t in = force ? force[i] : toks[i];
        st = bind_id(rq, (uint32_t)ids, &in);
        if (st == GRT_OK)
            st = bind_id(rq, (uint32_t)pos, &p);
        if (st == GRT_OK)
            st = cpu_request_infer(rq);
        if (st == GRT_OK)
            st = cpu_request_get_output(rq, (uint32_t)out, &lg);
        if (st == GRT_OK && (lg.element_type != GRT_F32 || lg.byte_size < VOCAB * 4))
            st = GRT_ERROR_SHAPE;
        if (st != GRT_OK)
            break;
        const float *x = lg.data;
        memcpy(logits + (size_t)i * VOCAB, x, VOCAB * sizeof(float));
        int64_t best = 0;
        for (int64_t v = 1; v < VOCAB; v++)
            best = x[v] > x[best] ? v : best;
        toks[i + 1] = best;
    }
    *kv_bytes = 0;
    for (uint32_t k = 0; st == GRT_OK && k < cpu_request_state_count(rq); k++) {
        cpu_state_stats ss;
        st = cpu_request_state_stats(rq, k, &ss);
        if (st == GRT_OK && ss.in_place)
            *kv_bytes += ss.value_bytes;
    }
    cpu_request_destroy(rq);
    cpu_plan_destroy(plan);
    return st;
}

/* reference.json's greedy_from_bos (n tokens); 0 if unreadable. */
static size_t read_reference(const char *dir, int64_t *ref, size_t cap)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/reference.json", dir);
    FILE *f = fopen(path, "rb");
    size_t n = 0;
    if (!f)
        return 0;
    static char buf[1 << 21];
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = 0;
    cJSON *root = cJSON_Parse(buf);
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(root, "greedy_from_bos"), *it;
    cJSON_ArrayForEach(it, g) if (n < cap && cJSON_IsNumber(it)) ref[n++] = (int64_t)it->valuedouble;
    cJSON_Delete(root);
    return n;
}

int main(int argc, char **argv)
{
    static const char *const names[4] = {"f32", "f16", "bf16", "u8"};
    char path[1024];
    grt_core *core = NULL;
    grt_model *m = NULL;
    const grt_graph_view *view = NULL;
    static int64_t toks[4][STEPS + 1], forced[STEPS + 1], ref[STEPS + 1];
    static float lg[2][STEPS * VOCAB]; /* f32, and the precision under test (teacher forced) */
    static const double tol[4] = {0, 0.15, 1.0, 1.0}; /* max |logit - f32 logit| (measured
                                                        * 0.06, 0.42, 0.43) */
    size_t unused = 0;
    size_t bytes[4] = {0};
    if (argc < 2) {
        fprintf(stderr, "usage: %s MODEL_DIR\n", argv[0]);
        return 2;
    }
    snprintf(path, sizeof path, "%s/stories260K.bin", argv[1]);
    FILE *probe = fopen(path, "rb");
    if (!probe) {
        printf("skip: %s not found\n", path);
        return 77;
    }
    fclose(probe);
    CHECK_OK(grt_core_create(NULL, &core));
    if (core)
        CHECK_OK(grt_model_read(core, path, &m));
    if (m)
        CHECK_OK(grt_ir_snapshot(m, &view));
    for (int p = 0; view && p < 4; p++) {
        CHECK_OK(decode(view, m, (cpu_precision)p, NULL, toks[p], lg[1], &bytes[p]));
        int diff = -1;
        for (int i = 0; p && i <= STEPS && diff < 0; i++)
            diff = toks[p][i] != toks[0][i] ? i : -1;
        printf("KV %-4s: %zu bytes of KV state after %d tokens (%.3f of f32); greedy: ", names[p],
               bytes[p], STEPS, bytes[0] ? (double)bytes[p] / (double)bytes[0] : 0.0);
        if (diff < 0)
            printf("same %d tokens as f32\n", STEPS);
        else
            printf("first difference at token %d (%lld, f32 %lld)\n", diff, (long long)toks[p][diff],
                   (long long)toks[0][diff]);
        if (p == 0) { /* the f32 run's logits along its own tokens */
            CHECK_OK(decode(view, m, CPU_PREC_F32, toks[0], forced, lg[0], &unused));
            continue;
        }
        CHECK_OK(decode(view, m, (cpu_precision)p, toks[0], forced, lg[1], &unused));
        double worst = 0;
        int flips = 0;
        for (int i = 0; i < STEPS; i++) {
            const float *a = lg[0] + (size_t)i * VOCAB, *b = lg[1] + (size_t)i * VOCAB;
            double dev = 0, top = -1e30, second = -1e30;
            for (int v = 0; v < VOCAB; v++) {
                dev = fmax(dev, fabs((double)a[v] - b[v]));
                if (a[v] > top) {
                    second = top;
                    top = a[v];
                } else if (a[v] > second) {
                    second = a[v];
                }
            }
            worst = fmax(worst, dev);
            flips += forced[i + 1] != toks[0][i + 1] && top - second > 2 * dev;
        }
        printf("KV %-4s: teacher forced, max logit deviation %.4f, clear-margin flips %d\n",
               names[p], worst, flips);
        CHECKF(worst <= tol[p] && flips == 0, "KV %s: logits deviate by %g (tolerance %g), %d flips",
               names[p], worst, tol[p], flips);
    }
    size_t n = read_reference(argv[1], ref, STEPS + 1);
    CHECKF(n > 1 && !memcmp(ref, toks[0], n * sizeof ref[0]),
           "f32 tokens differ from greedy_from_bos (%zu reference tokens)", n);
    CHECKF(bytes[0] > 0 && bytes[1] * 2 == bytes[0] && bytes[2] * 2 == bytes[0],
           "f16 / bf16 KV bytes %zu / %zu are not half of f32's %zu", bytes[1], bytes[2], bytes[0]);
    CHECKF(bytes[3] * 4 <= bytes[1] * 3, "u8 KV bytes %zu are not at most 3/4 of f16's %zu",
           bytes[3], bytes[1]);
    /* issue 5's reading: u8 against f16, greedy tokens unchanged for all 96 steps */
    int u8_vs_f16 = -1;
    for (int i = 0; i <= STEPS && u8_vs_f16 < 0; i++)
        u8_vs_f16 = toks[3][i] != toks[1][i] ? i : -1;
    printf("KV u8 against f16: %s\n", u8_vs_f16 < 0 ? "same 96 greedy tokens" : "tokens differ");
    CHECKF(u8_vs_f16 < 0, "u8 KV greedy token %d differs from f16 KV's (%lld vs %lld)", u8_vs_f16,
           u8_vs_f16 < 0 ? 0LL : (long long)toks[3][u8_vs_f16],
           u8_vs_f16 < 0 ? 0LL : (long long)toks[1][u8_vs_f16]);
    grt_ir_view_release(view);
    grt_model_destroy(m);
    grt_core_destroy(core);
    TEST_EXIT("test_kv_precision");
}
