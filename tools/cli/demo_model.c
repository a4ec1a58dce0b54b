/*
 * tools/cli/demo_model.c - builds the `genrt demo` graph with the public builder API and computes
 * the same math in plain C (see demo_model.h for the graph). Weights are deterministic formulas so
 * the graph and the reference agree without storing data. No global state.
 */
#include "demo_model.h"

#include <math.h>
#include <string.h>

#define DEMO_EPS 1e-6
#define DEMO_SCORE_SCALE 0.35355339f /* 1 / sqrt(D) */

/* Weights. W1 is stored int8 symmetric with one f32 scale per output row (group size D). */
static float gamma_at(int d) { return 1.0f + 0.125f * (float)d; }
static int8_t w1_q(int n, int k) { return (int8_t)(((n * 7 + k * 3) % 23) - 11); }
static float w1_scale(int n) { return 0.02f + 0.002f * (float)n; }
static float w2_at(int h, int d) { return (float)(((h * 5 + d * 11) % 17) - 8) * 0.03f; }

void grt_demo_input(int step, float x[DEMO_T][DEMO_D]) {
    for (int t = 0; t < DEMO_T; t++)
        for (int d = 0; d < DEMO_D; d++)
            x[t][d] = (float)sin(0.7 * (step * DEMO_T + t) + 0.45 * d) * (1.0f + 0.1f * (float)d);
}

/* --- builder ----------------------------------------------------------------------------- */

static grt_attribute attr_int(const char *name, int64_t v) {
    grt_attribute a = {name, {GRT_ATTR_INT, 0, {.i = v}}};
    return a;
}

static grt_attribute attr_float(const char *name, double v) {
    grt_attribute a = {name, {GRT_ATTR_FLOAT, 0, {.f = v}}};
    return a;
}

static grt_attribute attr_string(const char *name, const char *s) {
    grt_attribute a = {name, {GRT_ATTR_STRING, 0, {.s = s}}};
    return a;
}

static grt_attribute attr_ints(const char *name, const int64_t *v, size_t n) {
    grt_attribute a = {name, {GRT_ATTR_INTS, 0, {.ints = {v, n}}}};
    return a;
}

/* Adds an op with one output and returns its port 0 in *out. */
static grt_status op1(grt_model *m, grt_op_type op, const char *name, size_t n_in,
                      const grt_port *in, size_t n_attrs, const grt_attribute *attrs,
                      grt_port *out) {
    uint32_t node = 0;
    grt_status st = grt_model_add_op(m, op, name, n_in, in, n_attrs, attrs, &node);
    if (st == GRT_OK) {
        out->node = node;
        out->port = 0;
    }
    return st;
}

grt_status grt_demo_build(grt_model **out) {
    grt_model *m = NULL;
    float gamma[DEMO_D];                /* [D] */
    int8_t w1q[DEMO_H * DEMO_D];        /* [H, D] int8 */
    float w1s[DEMO_H];                  /* [H, 1] f32 */
    float w2[DEMO_H * DEMO_D];          /* [H, D] */
    for (int d = 0; d < DEMO_D; d++) gamma[d] = gamma_at(d);
    for (int n = 0; n < DEMO_H; n++) {
        w1s[n] = w1_scale(n);
        for (int k = 0; k < DEMO_D; k++) w1q[n * DEMO_D + k] = w1_q(n, k);
        for (int d = 0; d < DEMO_D; d++) w2[n * DEMO_D + d] = w2_at(n, d);
    }

    const int64_t x_dims[2] = {DEMO_T, DEMO_D}, g_dims[1] = {DEMO_D};
    const int64_t w1_dims[2] = {DEMO_H, DEMO_D}, w2_dims[2] = {DEMO_H, DEMO_D};
    const int64_t kv_shape[2] = {GRT_DYNAMIC, DEMO_D}, one_dim[1] = {1};
    const float score_scale = DEMO_SCORE_SCALE;
    grt_port x, g, w1, w2p, norm, mm1, act, mm2, hidden, past, kv, scores, scale, scaled, probs, ctx;
    grt_compression_info ci;
    memset(&ci, 0, sizeof ci);
    ci.struct_size = sizeof ci;
    ci.kind = GRT_COMPRESSION_SYM;
    ci.storage_type = GRT_I8;
    ci.scale_type = GRT_F32;
    ci.group_size = DEMO_D;
    ci.scales = w1s;
    ci.scales_bytes = sizeof w1s;

    grt_status st = grt_model_create("genrt-demo", &m);
    if (st != GRT_OK) return st;
    if ((st = grt_model_add_parameter(m, "x", GRT_F32, 2, x_dims, &x)) != GRT_OK) goto fail;
    if ((st = grt_model_add_constant(m, "gamma", GRT_F32, 1, g_dims, gamma, sizeof gamma, &g)))
        goto fail;
    {
        const grt_attribute a[1] = {attr_float("eps", DEMO_EPS)};
        const grt_port in[2] = {x, g};
        if ((st = op1(m, GRT_OP_RMS_NORM, "norm", 2, in, 1, a, &norm))) goto fail;
    }
    if ((st = grt_model_add_compressed_constant(m, "w1", GRT_F32, 2, w1_dims, w1q, sizeof w1q, &ci,
                                                &w1)))
        goto fail;
    {
        const grt_attribute a[1] = {attr_int("transpose_b", 1)};
        const grt_port in[2] = {norm, w1};
        if ((st = op1(m, GRT_OP_MATMUL, "up", 2, in, 1, a, &mm1))) goto fail;
    }
    if ((st = op1(m, GRT_OP_SILU, "act", 1, &mm1, 0, NULL, &act))) goto fail;
    if ((st = grt_model_add_constant(m, "w2", GRT_F32, 2, w2_dims, w2, sizeof w2, &w2p))) goto fail;
    {
        const grt_port in[2] = {act, w2p};
        if ((st = op1(m, GRT_OP_MATMUL, "down", 2, in, 0, NULL, &mm2))) goto fail;
    }
    {
        const grt_port in[2] = {x, mm2};
        if ((st = op1(m, GRT_OP_ADD, "residual", 2, in, 0, NULL, &hidden))) goto fail;
    }
    {
        const grt_attribute a[3] = {attr_string("variable_id", "kv"),
                                    attr_int("element_type", GRT_F32),
                                    attr_ints("shape", kv_shape, 2)};
        if ((st = op1(m, GRT_OP_READ_VALUE, "kv_past", 0, NULL, 3, a, &past))) goto fail;
    }
    {
        const grt_attribute a[1] = {attr_int("axis", 0)};
        const grt_port in[2] = {past, hidden};
        if ((st = op1(m, GRT_OP_CONCAT, "kv_concat", 2, in, 1, a, &kv))) goto fail;
    }
    {
        const grt_attribute a[1] = {attr_string("variable_id", "kv")};
        uint32_t node = 0;
        if ((st = grt_model_add_op(m, GRT_OP_ASSIGN, "kv_assign", 1, &kv, 1, a, &node))) goto fail;
    }
    {
        const grt_attribute a[1] = {attr_int("transpose_b", 1)};
        const grt_port in[2] = {hidden, kv};
        if ((st = op1(m, GRT_OP_MATMUL, "scores", 2, in, 1, a, &scores))) goto fail;
    }
    if ((st = grt_model_add_constant(m, "score_scale", GRT_F32, 1, one_dim, &score_scale,
                                     sizeof score_scale, &scale)))
        goto fail;
    {
        const grt_port in[2] = {scores, scale};
        if ((st = op1(m, GRT_OP_MUL, "scores_scaled", 2, in, 0, NULL, &scaled))) goto fail;
    }
    {
        const grt_attribute a[1] = {attr_int("axis", -1)};
        if ((st = op1(m, GRT_OP_SOFTMAX, "probs", 1, &scaled, 1, a, &probs))) goto fail;
    }
    {
        const grt_port in[2] = {probs, kv};
        if ((st = op1(m, GRT_OP_MATMUL, "context", 2, in, 0, NULL, &ctx))) goto fail;
    }
    if ((st = grt_model_add_result(m, "hidden", hidden))) goto fail;
    if ((st = grt_model_add_result(m, "probs", probs))) goto fail;
    if ((st = grt_model_add_result(m, "context", ctx))) goto fail;
    *out = m;
    return GRT_OK;
fail:
    grt_model_destroy(m);
    return st;
}

/* --- reference --------------------------------------------------------------------------- */

static float silu(float v) { return v / (1.0f + expf(-v)); }

int grt_demo_ref_step(grt_demo_ref *ref, const float *x /* [T][D] */,
                      float hidden[DEMO_T][DEMO_D], float *probs, float context[DEMO_T][DEMO_D]) {
    if (ref->rows + DEMO_T > DEMO_MAX_ROWS) return -1;
    for (int t = 0; t < DEMO_T; t++) {
        float norm[DEMO_D], act[DEMO_H]; /* [D], [H] */
        double ss = 0.0;
        for (int d = 0; d < DEMO_D; d++) ss += (double)x[t * DEMO_D + d] * x[t * DEMO_D + d];
        float inv = (float)(1.0 / sqrt(ss / DEMO_D + DEMO_EPS));
        for (int d = 0; d < DEMO_D; d++) norm[d] = x[t * DEMO_D + d] * inv * gamma_at(d);
        for (int n = 0; n < DEMO_H; n++) {
            float acc = 0.0f;
            for (int k = 0; k < DEMO_D; k++) acc += norm[k] * ((float)w1_q(n, k) * w1_scale(n));
            act[n] = silu(acc);
        }
        for (int d = 0; d < DEMO_D; d++) {
            float acc = 0.0f;
            for (int h = 0; h < DEMO_H; h++) acc += act[h] * w2_at(h, d);
            hidden[t][d] = x[t * DEMO_D + d] + acc;
        }
    }
    /* kv = concat(past, hidden) along rows. */
    memcpy(ref->kv[ref->rows], hidden, sizeof(float) * DEMO_T * DEMO_D);
    ref->rows += DEMO_T;
    const int s = ref->rows;
    for (int t = 0; t < DEMO_T; t++) {
        float *p = probs + (size_t)t * s; /* [s] */
        float mx = -INFINITY, sum = 0.0f;
        for (int j = 0; j < s; j++) {
            float acc = 0.0f;
            for (int d = 0; d < DEMO_D; d++) acc += hidden[t][d] * ref->kv[j][d];
            p[j] = acc * DEMO_SCORE_SCALE;
            if (p[j] > mx) mx = p[j];
        }
        for (int j = 0; j < s; j++) sum += (p[j] = expf(p[j] - mx));
        for (int j = 0; j < s; j++) p[j] /= sum;
        for (int d = 0; d < DEMO_D; d++) {
            float acc = 0.0f;
            for (int j = 0; j < s; j++) acc += p[j] * ref->kv[j][d];
            context[t][d] = acc;
        }
    }
    return 0;
}
