/*
 * tests/models/test_llm_builder.c - the LLM graph builder (core/src/frontends/llm.h) against a
 * plain double-precision decoder written out below (llama2.c run.c style, token by token with an
 * explicit KV cache), for the architecture switches the frontends use: half / interleaved RoPE,
 * partial rotary dims, linear and llama3 RoPE scaling, GQA, tied / untied classifier, q/k/v bias,
 * q/k RMSNorm with head_dim != dim / n_heads, fused qkv and gate_up, bf16 weights (fed to MatMul
 * and Gather as stored: no Convert of a whole weight, only of the gathered rows and small gammas).
 * Each small random-weight model is compiled on CPU, fed a prompt in one infer and then two more
 * tokens one at a time (KV state), and every logit is compared. Also: metadata keys, config
 * validation and weight-callback errors (missing tensor, wrong shape).
 * Links the internal core (the builder is not public API); the CPU plugin comes from
 * GENRT_PLUGIN_PATH. Skips (77) without a CPU device. Single-threaded.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <genrt/genrt.h>

#include "frontends/llm.h"
#include "ir/graph.h"
#include "test_rng.h"
#include "test_util.h"

#define T_PROMPT 5
#define T_TOTAL 7
#define TOL 1e-4

/* --- deterministic weights: value = m * 2^-e with |m| <= 255, so exact in bf16 ------------- */

/* Fills w[n] for tensor `name`: norms near 1, biases small, matrices ~ 1/sqrt(in). */
static void gen(const char *name, float *w, size_t n, int64_t in_dim) {
    uint64_t st = test_name_seed(name);
    int is_norm = strstr(name, "norm") != NULL, is_bias = strstr(name, "bias") != NULL;
    int e = 7;
    while (!is_norm && in_dim > 1 && (1ll << (2 * (e - 7))) < in_dim) e++; /* 2^-(e-7) ~ 1/sqrt(in) */
    for (size_t i = 0; i < n; i++) {
        int m = (int)(test_lcg32(&st) % 255u) - 127;
        if (is_norm)
            w[i] = (float)(160 + m / 2) / 128.0f; /* [0.76, 1.74] */
        else
            w[i] = ldexpf((float)m, -(is_bias ? 9 : e));
    }
}

typedef struct wctx {
    int use_bf16;
    const char *missing;   /* this name fails with NOT_FOUND */
    const char *bad_shape; /* this name gets a transposed shape */
} wctx;

static grt_status weight_cb(void *user, grt_model *model, const char *name, size_t rank, const int64_t *dims,
                            grt_port *out) {
    wctx *c = user;
    size_t n = 1;
    for (size_t i = 0; i < rank; i++) n *= (size_t)dims[i];
    if (c->missing && !strcmp(name, c->missing)) return GRT_ERROR_NOT_FOUND;
    float *w = malloc(n * sizeof *w);
    uint16_t *b = malloc(n * sizeof *b);
    grt_status st = GRT_ERROR_OUT_OF_MEMORY;
    int64_t d[8];
    memcpy(d, dims, rank * sizeof *d);
    if (c->bad_shape && !strcmp(name, c->bad_shape) && rank == 2) {
        d[0] = dims[1];
        d[1] = dims[0];
    }
    if (w && b) {
        gen(name, w, n, rank == 2 ? dims[1] : 1);
        if (c->use_bf16) {
            for (size_t i = 0; i < n; i++) {
                uint32_t u;
                memcpy(&u, &w[i], 4);
                b[i] = (uint16_t)(u >> 16); /* exact: the values have <= 8 significant bits */
            }
            st = grt_model_add_constant(model, name, GRT_BF16, rank, d, b, n * 2, out);
        } else {
            st = grt_model_add_constant(model, name, GRT_F32, rank, d, w, n * 4, out);
        }
    }
    free(w);
    free(b);
    return st;
}

/* --- the reference decoder ------------------------------------------------------------------ */

/* Weight `name` ([rows, cols] row-major) as doubles; caller frees. */
static double *ref_w(const char *name, int64_t rows, int64_t cols) {
    size_t n = (size_t)(rows * cols);
    float *f = malloc(n * sizeof *f);
    double *d = malloc(n * sizeof *d);
    if (f && d) {
        gen(name, f, n, cols > 1 && rows > 1 ? cols : 1);
        for (size_t i = 0; i < n; i++) d[i] = f[i];
    }
    free(f);
    return d;
}

static double *ref_lw(int64_t l, const char *suffix, int64_t rows, int64_t cols) {
    char name[96];
    snprintf(name, sizeof name, "blk.%lld.%s", (long long)l, suffix);
    return ref_w(name, rows, cols);
}

/* y[rows] = W[rows, cols] x[cols] (+ bias) */
static void mv(double *y, const double *W, const double *x, int64_t rows, int64_t cols, const double *bias) {
    for (int64_t r = 0; r < rows; r++) {
        double s = bias ? bias[r] : 0.0;
        for (int64_t c = 0; c < cols; c++) s += W[r * cols + c] * x[c];
        y[r] = s;
    }
}

static void rmsnorm(double *y, const double *x, const double *g, int64_t n, double eps) {
    double ss = 0;
    for (int64_t i = 0; i < n; i++) ss += x[i] * x[i];
    double inv = 1.0 / sqrt(ss / (double)n + eps);
    for (int64_t i = 0; i < n; i++) y[i] = x[i] * inv * g[i];
}

static void rope_ref(const grt_llm_config *c, double *v, int64_t pos) {
    int64_t R = c->rotary_dim ? c->rotary_dim : c->head_dim;
    for (int64_t i = 0; i < R / 2; i++) {
        double inv = pow(c->rope_theta, -2.0 * (double)i / (double)R);
        if (c->rope_scaling == 1) inv /= c->rope_factor;
        if (c->rope_scaling == 2) {
            double wl = 2.0 * M_PI / inv, orig = (double)c->rope_original_max_position;
            double lo = orig / c->rope_low_freq_factor, hi = orig / c->rope_high_freq_factor;
            if (wl > lo) {
                inv /= c->rope_factor;
            } else if (wl >= hi) {
                double sm = (orig / wl - c->rope_low_freq_factor) / (c->rope_high_freq_factor - c->rope_low_freq_factor);
                inv = (1 - sm) * inv / c->rope_factor + sm * inv;
            }
        }
        double a = (double)pos * inv, cs = cos(a), sn = sin(a);
        int64_t i0 = c->rope_mode == GRT_LLM_ROPE_INTERLEAVED ? 2 * i : i;
        int64_t i1 = c->rope_mode == GRT_LLM_ROPE_INTERLEAVED ? 2 * i + 1 : i + R / 2;
        double x0 = v[i0], x1 = v[i1];
        v[i0] = x0 * cs - x1 * sn;
        v[i1] = x0 * sn + x1 * cs;
    }
}

/* logits[T][V] of toks[T] at positions 0..T-1, computed token by token. 0 on success. */
static int reference(const grt_llm_config *c, const int64_t *toks, int T, double *logits) {
    const int64_t D = c->dim, F = c->hidden_dim, H = c->n_heads, KV = c->n_kv_heads, hd = c->head_dim;
    const int64_t qd = H * hd, kvd = KV * hd, V = c->vocab_size, L = c->n_layers;
    double *kc = calloc((size_t)(L * T * kvd), sizeof(double)), *vc = calloc((size_t)(L * T * kvd), sizeof(double));
    double *x = calloc((size_t)D, 8), *h = calloc((size_t)D, 8), *q = calloc((size_t)(qd + 2 * kvd), 8);
    double *att = calloc((size_t)qd, 8), *o = calloc((size_t)D, 8), *g = calloc((size_t)(2 * F), 8);
    double *sc = calloc((size_t)T, 8), *emb = ref_w("token_embd.weight", V, D);
    double *onorm = ref_w("output_norm.weight", 1, D);
    double *head = c->tied_embeddings ? emb : ref_w("output.weight", V, D);
    int rc = -1;
    if (!kc || !vc || !x || !h || !q || !att || !o || !g || !sc || !emb || !onorm || !head) goto done;
    for (int t = 0; t < T; t++) {
        memcpy(x, emb + toks[t] * D, (size_t)D * 8);
        for (int64_t l = 0; l < L; l++) {
            double *an = ref_lw(l, "attn_norm.weight", 1, D), *fn = ref_lw(l, "ffn_norm.weight", 1, D);
            double *wo = ref_lw(l, "attn_output.weight", D, qd), *wd = ref_lw(l, "ffn_down.weight", D, F);
            double *wq = NULL, *wk = NULL, *wv = NULL, *bq = NULL, *bk = NULL, *bv = NULL, *qn = NULL, *kn = NULL;
            double *wg = NULL, *wu = NULL;
            rmsnorm(h, x, an, D, c->norm_eps);
            double *k = q + qd, *v = q + qd + kvd;
            if (c->fused_qkv) {
                wq = ref_lw(l, "attn_qkv.weight", qd + 2 * kvd, D);
                if (c->qkv_bias) bq = ref_lw(l, "attn_qkv.bias", 1, qd + 2 * kvd);
                mv(q, wq, h, qd + 2 * kvd, D, bq);
            } else {
                wq = ref_lw(l, "attn_q.weight", qd, D);
                wk = ref_lw(l, "attn_k.weight", kvd, D);
                wv = ref_lw(l, "attn_v.weight", kvd, D);
                if (c->qkv_bias) {
                    bq = ref_lw(l, "attn_q.bias", 1, qd);
                    bk = ref_lw(l, "attn_k.bias", 1, kvd);
                    bv = ref_lw(l, "attn_v.bias", 1, kvd);
                }
                mv(q, wq, h, qd, D, bq);
                mv(k, wk, h, kvd, D, bk);
                mv(v, wv, h, kvd, D, bv);
            }
            if (c->qk_norm) {
                qn = ref_lw(l, "attn_q_norm.weight", 1, hd);
                kn = ref_lw(l, "attn_k_norm.weight", 1, hd);
                for (int64_t i = 0; i < H; i++) rmsnorm(q + i * hd, q + i * hd, qn, hd, c->norm_eps);
                for (int64_t i = 0; i < KV; i++) rmsnorm(k + i * hd, k + i * hd, kn, hd, c->norm_eps);
            }
            for (int64_t i = 0; i < H; i++) rope_ref(c, q + i * hd, t);
            for (int64_t i = 0; i < KV; i++) rope_ref(c, k + i * hd, t);
            memcpy(kc + (l * T + t) * kvd, k, (size_t)kvd * 8);
            memcpy(vc + (l * T + t) * kvd, v, (size_t)kvd * 8);
            for (int64_t i = 0; i < H; i++) {
                int64_t kh = i / (H / KV);
                double mx = -INFINITY, sum = 0;
                for (int j = 0; j <= t; j++) {
                    double s = 0;
                    for (int64_t e = 0; e < hd; e++) s += q[i * hd + e] * kc[(l * T + j) * kvd + kh * hd + e];
                    sc[j] = s / sqrt((double)hd);
                    if (sc[j] > mx) mx = sc[j];
                }
                for (int j = 0; j <= t; j++) sum += (sc[j] = exp(sc[j] - mx));
                for (int64_t e = 0; e < hd; e++) {
                    double a = 0;
                    for (int j = 0; j <= t; j++) a += sc[j] / sum * vc[(l * T + j) * kvd + kh * hd + e];
                    att[i * hd + e] = a;
                }
            }
            mv(o, wo, att, D, qd, NULL);
            for (int64_t i = 0; i < D; i++) x[i] += o[i];
            rmsnorm(h, x, fn, D, c->norm_eps);
            if (c->fused_gate_up) {
                wu = ref_lw(l, "ffn_up.weight", 2 * F, D);
                mv(g, wu, h, 2 * F, D, NULL); /* gate then up */
            } else {
                wg = ref_lw(l, "ffn_gate.weight", F, D);
                wu = ref_lw(l, "ffn_up.weight", F, D);
                mv(g, wg, h, F, D, NULL);
                mv(g + F, wu, h, F, D, NULL);
            }
            for (int64_t i = 0; i < F; i++) g[i] = g[i] / (1.0 + exp(-g[i])) * g[F + i];
            mv(o, wd, g, D, F, NULL);
            for (int64_t i = 0; i < D; i++) x[i] += o[i];
            double *all[] = {an, fn, wo, wd, wq, wk, wv, bq, bk, bv, qn, kn, wg, wu};
            for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) free(all[i]);
        }
        rmsnorm(h, x, onorm, D, c->norm_eps);
        mv(logits + (int64_t)t * V, head, h, V, D, NULL);
    }
    rc = 0;
done:
    if (head != emb) free(head);
    free(emb);
    free(onorm);
    free(kc);
    free(vc);
    free(x);
    free(h);
    free(q);
    free(att);
    free(o);
    free(g);
    free(sc);
    return rc;
}

/* --- graph side ------------------------------------------------------------------------------ */

static grt_status run(grt_infer_request *rq, const int64_t *ids, int n, int64_t pos0, const float **logits) {
    int64_t dims[2] = {1, n}, pos[T_TOTAL];
    grt_tensor *ti = NULL, *tp = NULL, *out = NULL;
    grt_status st;
    for (int i = 0; i < n; i++) pos[i] = pos0 + i;
    *logits = NULL;
    if ((st = grt_tensor_wrap(GRT_I64, 2, dims, NULL, (void *)ids, (size_t)n * 8, &ti)) == GRT_OK &&
        (st = grt_tensor_wrap(GRT_I64, 2, dims, NULL, pos, (size_t)n * 8, &tp)) == GRT_OK &&
        (st = grt_infer_request_set_tensor(rq, "input_ids", ti)) == GRT_OK &&
        (st = grt_infer_request_set_tensor(rq, "position_ids", tp)) == GRT_OK &&
        (st = grt_infer_request_infer(rq)) == GRT_OK &&
        (st = grt_infer_request_get_tensor(rq, "logits", &out)) == GRT_OK)
        *logits = grt_tensor_data(out);
    grt_tensor_destroy(ti);
    grt_tensor_destroy(tp);
    return st;
}

static void base_config(grt_llm_config *c) {
    grt_llm_config_defaults(c);
    c->vocab_size = 40;
    c->dim = 32;
    c->hidden_dim = 48;
    c->n_layers = 2;
    c->n_heads = 4;
    c->n_kv_heads = 2;
    c->head_dim = 8;
    c->max_seq_len = 64;
}

/* bf16 weights: every MatMul B and the Gather table is the bf16 constant itself (no Convert). */
static void check_no_weight_convert(const grt_model *m, const char *what) {
    const grt_ir_graph *g = &m->g;
    size_t direct = 0;
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        const grt_ir_node *n = &g->nodes[i];
        if (n->op != GRT_OP_MATMUL && n->op != GRT_OP_GATHER) continue;
        const grt_ir_node *w = &g->nodes[n->inputs[n->op == GRT_OP_MATMUL ? 1 : 0].node];
        if (w->op == GRT_OP_CONSTANT) {
            CHECKF(w->outputs[0].type == GRT_BF16, "%s: weight '%s' of '%s' is not bf16", what, w->name, n->name);
            direct++;
        }
        CHECKF(w->op != GRT_OP_CONVERT, "%s: '%s' reads a Convert ('%s')", what, n->name, w->name);
    }
    CHECKF(direct > 0, "%s: no MatMul/Gather reads a bf16 weight directly", what);
}

static void compare(grt_core *core, const char *what, const grt_llm_config *cfg, int bf16) {
    static const int64_t toks[T_TOTAL] = {3, 17, 0, 39, 8, 22, 5};
    grt_model *m = NULL;
    grt_compiled_model *cm = NULL;
    grt_infer_request *rq = NULL;
    const float *lg = NULL;
    const int64_t V = cfg->vocab_size;
    double *ref = calloc((size_t)(T_TOTAL * V), sizeof *ref), worst = 0;
    wctx wc = {bf16, NULL, NULL};
    CHECK(ref && reference(cfg, toks, T_TOTAL, ref) == 0);
    CHECK_OK(grt_model_create(what, &m));
    CHECK_OK(grt_llm_build(cfg, weight_cb, &wc, what, m));
    if (bf16 && m) check_no_weight_convert(m, what);
    CHECK_OK(grt_core_compile_model(core, m, "CPU", NULL, 0, &cm));
    if (cm) CHECK_OK(grt_compiled_model_create_infer_request(cm, &rq));
    if (!rq || !ref) goto done;
    CHECK_OK(run(rq, toks, T_PROMPT, 0, &lg)); /* prefill */
    for (int64_t i = 0; lg && i < T_PROMPT * V; i++) {
        double e = fabs(lg[i] - ref[i]);
        if (!(e <= worst)) worst = e;
    }
    for (int t = T_PROMPT; t < T_TOTAL; t++) { /* decode on top of the KV state */
        CHECK_OK(run(rq, &toks[t], 1, t, &lg));
        for (int64_t i = 0; lg && i < V; i++) {
            double e = fabs(lg[i] - ref[t * V + i]);
            if (!(e <= worst)) worst = e;
        }
    }
    CHECKF(worst <= TOL, "%s: max abs logit error %g > %g", what, worst, TOL);
    printf("%s: max abs error %.3g\n", what, worst);
    CHECK(grt_infer_request_state_count(rq) == (size_t)(2 * cfg->n_layers));
done:
    free(ref);
    grt_infer_request_destroy(rq);
    grt_compiled_model_destroy(cm);
    grt_model_destroy(m);
}

static void metadata_and_errors(void) {
    grt_llm_config c;
    grt_model *m = NULL;
    grt_meta_value v;
    wctx wc = {0, NULL, NULL};
    base_config(&c);
    snprintf(c.arch, sizeof c.arch, "qwen2");
    c.rope_scaling = 2;
    c.rope_factor = 8;
    c.rope_low_freq_factor = 1;
    c.rope_high_freq_factor = 4;
    c.rope_original_max_position = 16;
    CHECK_OK(grt_model_create("meta", &m));
    CHECK_OK(grt_llm_build(&c, weight_cb, &wc, "meta.src", m));
    CHECK_OK(grt_model_get_meta(m, "general.architecture", &v));
    CHECK(v.type == GRT_META_STRING && !strcmp(v.u.str.data, "qwen2"));
    CHECK_OK(grt_model_get_meta(m, "qwen2.attention.head_count_kv", &v));
    CHECK(v.type == GRT_META_INT && v.u.i == 2);
    CHECK_OK(grt_model_get_meta(m, "qwen2.feed_forward_length", &v));
    CHECK(v.type == GRT_META_INT && v.u.i == 48);
    CHECK_OK(grt_model_get_meta(m, "qwen2.rope.scaling.type", &v));
    CHECK(v.type == GRT_META_STRING && !strcmp(v.u.str.data, "llama3"));
    CHECK_OK(grt_model_get_meta(m, "qwen2.rope.scaling.factor", &v));
    CHECK(v.type == GRT_META_FLOAT && v.u.f == 8.0);
    grt_model_destroy(m);
    m = NULL;

    /* invalid configs name the key and the source */
    base_config(&c);
    c.n_kv_heads = 3;
    CHECK_ERR(grt_llm_config_validate(&c, "cfg.json"), GRT_ERROR_SHAPE, "n_kv_heads");
    CHECK_MSG("cfg.json");
    base_config(&c);
    c.head_dim = 7;
    CHECK_ERR(grt_llm_config_validate(&c, "cfg.json"), GRT_ERROR_SHAPE, "head_dim");
    base_config(&c);
    c.rotary_dim = 10;
    CHECK_ERR(grt_llm_config_validate(&c, "cfg.json"), GRT_ERROR_SHAPE, "rotary_dim");
    base_config(&c);
    c.norm_eps = 0;
    CHECK_ERR(grt_llm_config_validate(&c, "cfg.json"), GRT_ERROR_SHAPE, "norm_eps");
    base_config(&c);
    c.vocab_size = 0;
    CHECK_OK(grt_model_create("bad", &m));
    CHECK_ERR(grt_llm_build(&c, weight_cb, &wc, "cfg.json", m), GRT_ERROR_SHAPE, "vocab_size");
    CHECK(grt_model_node_count(m) == 0);
    grt_model_destroy(m);
    m = NULL;

    /* weight callback failures are passed up */
    base_config(&c);
    wc.missing = "blk.1.ffn_up.weight";
    CHECK_OK(grt_model_create("missing", &m));
    CHECK_ST(grt_llm_build(&c, weight_cb, &wc, "w.bin", m), GRT_ERROR_NOT_FOUND);
    grt_model_destroy(m);
    m = NULL;
    wc.missing = NULL;
    wc.bad_shape = "blk.0.attn_k.weight";
    CHECK_OK(grt_model_create("shape", &m));
    CHECK_ERR(grt_llm_build(&c, weight_cb, &wc, "w.bin", m), GRT_ERROR_SHAPE, "blk.0.attn_k.weight");
    CHECK_MSG("w.bin");
    CHECK_MSG("[16, 32]");
    grt_model_destroy(m);
    CHECK_ST(grt_llm_build(NULL, weight_cb, &wc, "w.bin", NULL), GRT_ERROR_INVALID_ARGUMENT);
}

int main(void) {
    grt_core *core = NULL;
    grt_llm_config c;
    if (grt_core_create(NULL, &core) != GRT_OK) {
        fprintf(stderr, "grt_core_create: %s\n", grt_last_error());
        return 1;
    }
    if (!test_core_has_device(core, "CPU")) {
        printf("skipped: no CPU device (set GENRT_PLUGIN_PATH)\n");
        grt_core_destroy(core);
        return 77;
    }
    base_config(&c); /* Llama: half rope, untied, GQA */
    compare(core, "llama-half-untied", &c, 0);
    base_config(&c);
    c.rope_mode = GRT_LLM_ROPE_INTERLEAVED;
    c.tied_embeddings = 1;
    compare(core, "interleaved-tied-bf16", &c, 1);
    base_config(&c); /* Qwen2 */
    c.qkv_bias = 1;
    c.tied_embeddings = 1;
    c.rope_theta = 1e6;
    c.n_kv_heads = 1;
    compare(core, "qwen2-bias", &c, 0);
    base_config(&c); /* Qwen3: q/k norm, head_dim 16 with dim 32 and 4 heads */
    c.qk_norm = 1;
    c.head_dim = 16;
    c.norm_eps = 1e-6;
    compare(core, "qwen3-qknorm", &c, 0);
    base_config(&c); /* Phi-3: fused qkv and gate_up, partial rotary */
    c.fused_qkv = 1;
    c.fused_gate_up = 1;
    c.rotary_dim = 4;
    c.n_kv_heads = 4;
    compare(core, "phi3-fused-partial", &c, 0);
    base_config(&c); /* fused qkv with bias */
    c.fused_qkv = 1;
    c.qkv_bias = 1;
    compare(core, "fused-qkv-bias", &c, 0);
    base_config(&c); /* Llama 3 scaling */
    c.rope_scaling = 2;
    c.rope_factor = 8;
    c.rope_low_freq_factor = 1;
    c.rope_high_freq_factor = 4;
    c.rope_original_max_position = 16;
    c.rope_theta = 100;
    compare(core, "llama3-scaling", &c, 0);
    base_config(&c);
    c.rope_scaling = 1;
    c.rope_factor = 2;
    compare(core, "linear-scaling", &c, 0);
    metadata_and_errors();
    grt_core_destroy(core);
    TEST_EXIT("models.llm_builder");
}
