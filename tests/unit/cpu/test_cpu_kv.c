/*
 * test_cpu_kv.c - the CPU plugin's in-place KV-cache append (exec/plan.h cpu_variable.append):
 * a stateful graph of the LLM shape (per cache: ReadValue [1, Hkv, S, D] -> Concat(axis 2, new
 * rows) -> Assign and -> SDPA k/v; one cache also feeds an Add, which needs a dense copy) run for
 * 20 steps of 1..5 new rows against a plain reference (history arrays + naive causal GQA
 * attention). Checks that both variables are recognised as in-place, that a step writes only the
 * new rows (appended bytes), that the buffer stays put while capacity suffices and that growth
 * copies far less than a per-token copy of the cache would; state_get returns the dense history,
 * state_set and reset restart from the given / empty history (reusing the buffer).
 * Runs the plan directly (core graph view + host API, no plugin loading), once per
 * KV_CACHE_PRECISION (f32, f16, bf16, u8): the caches are then stored in that precision (storage
 * type and stored bytes per row checked from the state statistics: f16/bf16 half of f32, u8 with
 * its per-group f16 scale and min), attention and state_get match the reference within the
 * precision's rounding, state_get/state_set keep the declared f32 type. The public-API run is
 * repeated with KV_CACHE_PRECISION=u8 set at compile time.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "exec/plan.h"
#include "exec/request.h"
#include "exec/util.h"
#include "ir/graph_view.h"
#include "runtime/plugin_registry.h"
#include "test_util.h"

#define HQ 4
#define HKV 2
#define D 8
#define MAXS 64

typedef struct ref_state {
    float k[HKV][MAXS][D], v[HKV][MAXS][D];
    int len;
} ref_state;

/* The precision under test: KV_CACHE_PRECISION, stored bytes of one row (D values), tolerance of
 * stored values (state_get) and of attention outputs. */
static cpu_precision g_prec = CPU_PREC_F32;
static const size_t k_row_bytes[4] = {D * 4, D * 2, D * 2, D + 4}; /* u8: one group of D */
static const double k_val_tol[4] = {0, 1e-3, 8e-3, 2.0 / 255 / 2 + 2e-3};
static const double k_out_tol[4] = {1e-5, 2e-3, 2e-2, 2e-2};
static const grt_element_type k_storage[4] = {GRT_F32, GRT_F16, GRT_BF16, GRT_U8};

static uint32_t g_rng = 12345;
static float frand(void)
{
    g_rng = g_rng * 1664525u + 1013904223u;
    return (float)((g_rng >> 8) & 0xFFFF) / 32768.0f - 1.0f;
}

static grt_attribute attr_s(const char *n, const char *s)
{
    grt_attribute a = {n, {0}};
    a.value.type = GRT_ATTR_STRING;
    a.value.u.s = s;
    return a;
}
static grt_attribute attr_i(const char *n, int64_t i)
{
    grt_attribute a = {n, {0}};
    a.value.type = GRT_ATTR_INT;
    a.value.u.i = i;
    return a;
}

/* One cache: ReadValue -> Concat(past, new) -> Assign; returns the Concat's port. */
static grt_status add_cache(grt_model *m, const char *var, grt_port nw, grt_port *cat)
{
    static const int64_t shape[4] = {1, HKV, -1, D};
    grt_attribute rv[3] = {attr_s("variable_id", var), attr_i("element_type", GRT_F32), {"shape", {0}}};
    rv[2].value.type = GRT_ATTR_INTS;
    rv[2].value.u.ints.data = shape;
    rv[2].value.u.ints.count = 4;
    grt_attribute ax = attr_i("axis", 2), id = attr_s("variable_id", var);
    uint32_t r = 0, c = 0, a = 0;
    grt_status st = grt_model_add_op(m, GRT_OP_READ_VALUE, var, 0, NULL, 3, rv, &r);
    grt_port in[2] = {{r, 0}, nw};
    if (st == GRT_OK)
        st = grt_model_add_op(m, GRT_OP_CONCAT, "cat", 2, in, 1, &ax, &c);
    if (st == GRT_OK)
        st = grt_model_add_op(m, GRT_OP_ASSIGN, "assign", 1, &(grt_port){c, 0}, 1, &id, &a);
    *cat = (grt_port){c, 0};
    return st;
}

static grt_model *build(void)
{
    grt_model *m = NULL;
    grt_port q = {0, 0}, kn = q, vn = q, ck = q, cv = q;
    uint32_t sd, add;
    static const int64_t qs[4] = {1, HQ, -1, D}, ks[4] = {1, HKV, -1, D};
    grt_attribute causal = attr_i("causal", 1);
    if (grt_model_create("kv", &m) != GRT_OK)
        return NULL;
    grt_status st = grt_model_add_parameter(m, "q", GRT_F32, 4, qs, &q);
    if (st == GRT_OK)
        st = grt_model_add_parameter(m, "k_new", GRT_F32, 4, ks, &kn);
    if (st == GRT_OK)
        st = grt_model_add_parameter(m, "v_new", GRT_F32, 4, ks, &vn);
    if (st == GRT_OK)
        st = add_cache(m, "k_cache", kn, &ck);
    if (st == GRT_OK)
        st = add_cache(m, "v_cache", vn, &cv);
    grt_port sin[3] = {q, ck, cv}, ain[2] = {ck, ck};
    if (st == GRT_OK)
        st = grt_model_add_op(m, GRT_OP_SDPA, "sdpa", 3, sin, 1, &causal, &sd);
    if (st == GRT_OK)
        st = grt_model_add_op(m, GRT_OP_ADD, "k_twice", 2, ain, 0, NULL, &add);
    if (st == GRT_OK)
        st = grt_model_add_result(m, "out", (grt_port){sd, 0});
    if (st == GRT_OK)
        st = grt_model_add_result(m, "k2", (grt_port){add, 0});
    if (st != GRT_OK) {
        fprintf(stderr, "building the model failed: %s\n", grt_last_error());
        grt_model_destroy(m);
        return NULL;
    }
    return m;
}

static grt_tensor_desc desc_of(float *data, int64_t d0, int64_t d1, int64_t d2, int64_t d3)
{
    grt_tensor_desc t;
    memset(&t, 0, sizeof t);
    t.struct_size = sizeof t;
    t.element_type = GRT_F32;
    t.shape.rank = 4;
    t.shape.dims[0] = d0, t.shape.dims[1] = d1, t.shape.dims[2] = d2, t.shape.dims[3] = d3;
    cpu_dense_strides(&t.shape, 4, t.strides);
    t.data = data;
    t.byte_size = (size_t)(d0 * d1 * d2 * d3) * 4;
    return t;
}

static float g_q[HQ * MAXS * D], g_kn[HKV * MAXS * D], g_vn[HKV * MAXS * D];

/* Random inputs of sn new rows into g_q / g_kn / g_vn, appended to the reference history. */
static void gen_inputs(ref_state *R, int sn)
{
    float *q = g_q, *kn = g_kn, *vn = g_vn;
    for (int i = 0; i < HQ * sn * D; i++)
        q[i] = frand();
    for (int h = 0; h < HKV; h++)
        for (int s = 0; s < sn; s++)
            for (int d = 0; d < D; d++) {
                kn[(h * sn + s) * D + d] = R->k[h][R->len + s][d] = frand();
                vn[(h * sn + s) * D + d] = R->v[h][R->len + s][d] = frand();
            }
    R->len += sn;
}

/* Compares the attention output o [1, HQ, sn, D] and k2 = 2 * K [1, HKV, len, D] with the
 * reference (naive causal GQA attention over the history). */
static void compare(const ref_state *R, int sn, const float *o, const float *kk, const char *what)
{
    const float *q = g_q;
    double err = 0;
    for (int h = 0; h < HQ; h++) {
        int hk = h / (HQ / HKV);
        for (int i = 0; i < sn; i++) {
            int lim = i + R->len - sn + 1; /* causal, bottom-right aligned */
            double sc[MAXS], mx = -INFINITY, sum = 0;
            for (int j = 0; j < lim; j++) {
                double dot = 0;
                for (int d = 0; d < D; d++)
                    dot += (double)q[(h * sn + i) * D + d] * R->k[hk][j][d];
                sc[j] = dot / sqrt((double)D);
                mx = sc[j] > mx ? sc[j] : mx;
            }
            for (int j = 0; j < lim; j++)
                sum += (sc[j] = exp(sc[j] - mx));
            for (int d = 0; d < D; d++) {
                double acc = 0;
                for (int j = 0; j < lim; j++)
                    acc += sc[j] / sum * R->v[hk][j][d];
                err = fmax(err, fabs(acc - o[(h * sn + i) * D + d]));
            }
        }
    }
    for (int h = 0; h < HKV; h++)
        for (int j = 0; j < R->len; j++)
            for (int d = 0; d < D; d++)
                err = fmax(err, fabs(2.0 * R->k[h][j][d] - kk[(h * R->len + j) * D + d]));
    CHECKF(err < k_out_tol[g_prec], "%s: max error %g (len %d, KV precision %d)", what, err,
           R->len, (int)g_prec);
}

/* One step of sn new rows through the plan's request, checked against the reference. */
static void step(cpu_request *rq, ref_state *R, int sn, const char *what)
{
    gen_inputs(R, sn);
    grt_tensor_desc dq = desc_of(g_q, 1, HQ, sn, D), dk = desc_of(g_kn, 1, HKV, sn, D),
                    dv = desc_of(g_vn, 1, HKV, sn, D), out, k2;
    CHECK_OK(cpu_request_set_input(rq, 0, &dq));
    CHECK_OK(cpu_request_set_input(rq, 1, &dk));
    CHECK_OK(cpu_request_set_input(rq, 2, &dv));
    CHECK_OK(cpu_request_infer(rq));
    if (cpu_request_get_output(rq, 0, &out) != GRT_OK || cpu_request_get_output(rq, 1, &k2) != GRT_OK) {
        CHECKF(0, "%s: no outputs", what);
        return;
    }
    CHECKF(out.shape.dims[2] == sn && k2.shape.dims[2] == R->len, "%s: output shapes", what);
    compare(R, sn, out.data, k2.data, what);
}

/* state_get of both caches equals the reference history. */
static void check_state_get(cpu_request *rq, const ref_state *R, const char *what)
{
    for (uint32_t k = 0; k < 2; k++) {
        grt_tensor_desc d;
        memset(&d, 0, sizeof d);
        d.struct_size = sizeof d;
        CHECK_OK(cpu_request_state_get(rq, k, &d));
        CHECKF(d.shape.rank == 4 && d.shape.dims[2] == R->len && d.strides[2] == D * 4 &&
                   d.strides[1] == (int64_t)R->len * D * 4,
               "%s: state %u is not dense [1, %d, %d, %d]", what, k, HKV, R->len, D);
        int bad = 0;
        const float *p = d.data;
        CHECKF(d.element_type == GRT_F32, "%s: state %u is not returned as f32", what, k);
        for (int h = 0; p && h < HKV && d.shape.dims[2] == R->len; h++)
            for (int j = 0; j < R->len; j++)
                for (int e = 0; e < D; e++)
                    bad += fabs(p[(h * R->len + j) * D + e] - (k ? R->v : R->k)[h][j][e]) >
                           k_val_tol[g_prec];
        CHECKF(p && bad == 0, "%s: state %u differs from the history (%d values)", what, k, bad);
    }
}

static void run(cpu_plan *plan)
{
    cpu_request *rq = NULL;
    ref_state *R = calloc(1, sizeof *R);
    CHECK_OK(cpu_request_create(plan, &rq));
    if (!rq || !R)
        goto done;
    cpu_state_stats st0, st1;
    for (uint32_t k = 0; k < 2; k++) {
        CHECK_OK(cpu_request_state_stats(rq, k, &st0));
        CHECKF(st0.in_place == 1, "variable %u is not an in-place append", k);
        CHECKF(st0.storage == k_storage[g_prec], "variable %u: stored as type %d, want %d", k,
               (int)st0.storage, (int)k_storage[g_prec]);
    }
    /* 20 steps: a prefill of 5 rows, then mostly single tokens. */
    static const int sched[20] = {5, 1, 1, 1, 1, 1, 1, 3, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1};
    uint64_t per_token_copy = 0; /* what copying the whole cache at every step would cost */
    for (int s = 0; s < 20; s++) {
        char what[32];
        snprintf(what, sizeof what, "step %d", s);
        CHECK_OK(cpu_request_state_stats(rq, 0, &st0));
        step(rq, R, sched[s], what);
        CHECK_OK(cpu_request_state_stats(rq, 0, &st1));
        per_token_copy += (uint64_t)HKV * (uint64_t)R->len * k_row_bytes[g_prec];
        CHECKF(st1.value_bytes == (size_t)HKV * (size_t)R->len * k_row_bytes[g_prec] &&
                   st1.capacity_bytes >= st1.value_bytes,
               "%s: %zu stored bytes (capacity %zu), want %zu per row", what, st1.value_bytes,
               st1.capacity_bytes, k_row_bytes[g_prec]);
        CHECKF(st1.appended_bytes - st0.appended_bytes == (uint64_t)HKV * sched[s] * k_row_bytes[g_prec],
               "%s: %llu bytes appended, want only the new rows", what,
               (unsigned long long)(st1.appended_bytes - st0.appended_bytes));
        if (s > 0 && R->len <= st0.rows_cap)
            CHECKF(st1.data == st0.data && st1.moved_bytes == st0.moved_bytes,
                   "%s: the buffer moved or rows were copied although capacity sufficed", what);
        CHECKF(st1.rows_cap >= R->len, "%s: capacity %lld < length %d", what, (long long)st1.rows_cap,
               R->len);
        if (s == 10)
            check_state_get(rq, R, "state_get after 11 steps");
    }
    CHECK_OK(cpu_request_state_stats(rq, 0, &st1));
    CHECKF(st1.moved_bytes * 4 < per_token_copy, "growth copied %llu bytes (a copy per step: %llu)",
           (unsigned long long)st1.moved_bytes, (unsigned long long)per_token_copy);
    check_state_get(rq, R, "state_get after 20 steps");

    /* state_set: continue from the first 4 rows of the history. */
    {
        static float kh[HKV * 4 * D], vh[HKV * 4 * D];
        for (int h = 0; h < HKV; h++)
            for (int j = 0; j < 4; j++)
                for (int e = 0; e < D; e++) {
                    kh[(h * 4 + j) * D + e] = R->k[h][j][e];
                    vh[(h * 4 + j) * D + e] = R->v[h][j][e];
                }
        grt_tensor_desc dk = desc_of(kh, 1, HKV, 4, D), dv = desc_of(vh, 1, HKV, 4, D);
        CHECK_OK(cpu_request_state_set(rq, 0, &dk));
        CHECK_OK(cpu_request_state_set(rq, 1, &dv));
        R->len = 4;
        check_state_get(rq, R, "state_get after state_set");
        step(rq, R, 1, "after state_set 1");
        step(rq, R, 2, "after state_set 2");
        check_state_get(rq, R, "state_get after state_set + 2 steps");
    }
    /* reset: a new conversation from an empty cache, in the same buffer. */
    CHECK_OK(cpu_request_state_stats(rq, 1, &st0));
    CHECK_OK(cpu_request_state_reset(rq, 0));
    CHECK_OK(cpu_request_state_reset(rq, 1));
    R->len = 0;
    step(rq, R, 3, "after reset 1");
    step(rq, R, 1, "after reset 2");
    check_state_get(rq, R, "state_get after reset");
    CHECK_OK(cpu_request_state_stats(rq, 1, &st1));
    CHECKF(st1.data == st0.data, "reset reallocated the cache buffer");
    /* A shape error (wrong head count) fails cleanly and leaves the state unchanged. */
    {
        static float bad[3 * 1 * D], qq[HQ * D];
        grt_tensor_desc dq = desc_of(qq, 1, HQ, 1, D), dk = desc_of(bad, 1, 3, 1, D);
        CHECK_OK(cpu_request_set_input(rq, 0, &dq));
        CHECK_ST(cpu_request_set_input(rq, 1, &dk), GRT_ERROR_SHAPE);
    }
    check_state_get(rq, R, "state_get after a rejected input");
done:
    cpu_request_destroy(rq);
    free(R);
}

/* One step of sn new rows through a public-API infer request, checked against the reference. */
static void api_step(grt_infer_request *rq, ref_state *R, int sn, const char *what)
{
    grt_tensor *t[3] = {NULL, NULL, NULL}, *out = NULL, *k2 = NULL;
    gen_inputs(R, sn);
    int64_t qd[4] = {1, HQ, sn, D}, kd[4] = {1, HKV, sn, D};
    CHECK_OK(grt_tensor_wrap(GRT_F32, 4, qd, NULL, g_q, sizeof g_q, &t[0]));
    CHECK_OK(grt_tensor_wrap(GRT_F32, 4, kd, NULL, g_kn, sizeof g_kn, &t[1]));
    CHECK_OK(grt_tensor_wrap(GRT_F32, 4, kd, NULL, g_vn, sizeof g_vn, &t[2]));
    for (size_t i = 0; i < 3; i++)
        CHECK_OK(grt_infer_request_set_input(rq, i, t[i]));
    CHECK_OK(grt_infer_request_infer(rq));
    CHECK_OK(grt_infer_request_get_output(rq, 0, &out));
    CHECK_OK(grt_infer_request_get_output(rq, 1, &k2));
    if (out && k2 && grt_tensor_element_count(k2) == (size_t)(HKV * R->len * D))
        compare(R, sn, grt_tensor_data(out), grt_tensor_data(k2), what);
    else
        CHECKF(0, "%s: outputs missing or of the wrong size", what);
    for (size_t i = 0; i < 3; i++)
        grt_tensor_destroy(t[i]);
}

/* The same 20 steps, state_get, reset and state_set through the public API and the loaded CPU
 * plugin (the path a real model takes). */
static void run_api(grt_model *m, const char *kv_precision)
{
    grt_core *core = NULL;
    grt_compiled_model *cm = NULL;
    grt_infer_request *rq = NULL;
    grt_tensor *got = NULL;
    ref_state *R = calloc(1, sizeof *R);
    static const int sched[20] = {6, 1, 1, 1, 1, 4, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1};
    CHECK(R != NULL);
    CHECK_OK(grt_core_create(NULL, &core));
    if (!core || !R)
        goto done;
    grt_property prop = {GRT_PROP_KV_CACHE_PRECISION, {0}};
    prop.value.type = GRT_VALUE_STRING;
    prop.value.u.s = kv_precision;
    CHECK_OK(grt_core_compile_model(core, m, "CPU", &prop, 1, &cm));
    if (cm)
        CHECK_OK(grt_compiled_model_create_infer_request(cm, &rq));
    if (!rq) {
        fprintf(stderr, "the CPU plugin is needed (GENRT_PLUGIN_PATH=%s)\n",
                getenv("GENRT_PLUGIN_PATH") ? getenv("GENRT_PLUGIN_PATH") : "");
        goto done;
    }
    for (int s = 0; s < 23; s++) {
        char what[48];
        if (s == 20) { /* a new conversation */
            CHECK_OK(grt_infer_request_reset_state(rq));
            R->len = 0;
        }
        snprintf(what, sizeof what, "api step %d", s);
        api_step(rq, R, s < 20 ? sched[s] : 2, what);
    }
    /* state_get: the dense history of both caches. */
    for (size_t k = 0; k < 2; k++) {
        grt_state *st = NULL;
        CHECK_OK(grt_infer_request_state(rq, k, &st));
        if (!st || grt_state_get(st, &got) != GRT_OK) {
            CHECKF(0, "state_get %zu", k);
            continue;
        }
        int kv = strcmp(grt_state_name(st), "v_cache") == 0;
        const float *p = grt_tensor_data(got);
        int bad = grt_tensor_element_count(got) != (size_t)(HKV * R->len * D) || !grt_tensor_is_dense(got);
        for (int h = 0; !bad && h < HKV; h++)
            for (int j = 0; j < R->len; j++)
                for (int e = 0; e < D; e++)
                    bad += fabs(p[(h * R->len + j) * D + e] - (kv ? R->v : R->k)[h][j][e]) >
                           k_val_tol[g_prec];
        CHECKF(bad == 0, "api state_get '%s' differs from the history", grt_state_name(st));
        /* state_set of the same value: the next step still matches. */
        CHECK_OK(grt_state_set(st, got));
        grt_tensor_destroy(got);
        got = NULL;
    }
    api_step(rq, R, 1, "api step after state_set");
done:
    grt_tensor_destroy(got);
    grt_infer_request_destroy(rq);
    grt_compiled_model_destroy(cm);
    grt_core_destroy(core);
    free(R);
}

int main(void)
{
    const grt_host_api *host = grt_runtime_host_api();
    const grt_graph_view *view = NULL;
    cpu_plan *plan = NULL;
    cpu_config cfg;
    grt_model *m = build();
    CHECK(m != NULL);
    if (!m || !host)
        TEST_EXIT("test_cpu_kv");
    CHECK_OK(grt_ir_snapshot(m, &view));
    for (int run_no = 0; view && run_no < 8; run_no++) {
        int threads = 1 + run_no % 2;
        g_prec = (cpu_precision)(run_no / 2);
        CHECK_OK(cpu_config_parse(host, NULL, 0, &cfg));
        cfg.resolved_threads = threads;
        cfg.kv_cache_precision = g_prec;
        CHECK_OK(cpu_plan_create(host, view, &cfg, &plan));
        if (plan)
            run(plan);
        cpu_plan_destroy(plan);
        plan = NULL;
    }
    grt_ir_view_release(view);
    g_prec = CPU_PREC_F32;
    run_api(m, "f32");
    g_prec = CPU_PREC_U8;
    run_api(m, "u8");
    grt_model_destroy(m);
    TEST_EXIT("test_cpu_kv");
}
