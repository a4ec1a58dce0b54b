/*
 * test_compress_data.c - data-aware weight compression (core/src/passes/compress_{calib,metric,
 * awq,scale_est,gptq,aware}.c): activation statistics and NNCF's four data-aware sensitivity
 * scores against values computed by hand on a 2-sample, 2-channel activation; AWQ lowers the
 * output error of a constructed layer with an outlier input channel (error checked against a plain
 * reference matmul); scale estimation lowers the activation-weighted error; GPTQ lowers the output
 * error of 4- and 8-bit rounding on correlated activations and its result survives the quantizer;
 * config validation (data-aware options without a dataset, old struct_size); stories260K end to
 * end with a small id dataset (HESSIAN ranking + AWQ + scale estimation): mixed precision holds and
 * RMSNorm gammas absorbed AWQ scales. (KLD gains: cli_compress_test.sh, docs/COMPRESSION.md.)
 * Usage: test_compress_data MODEL_DIR
 */
#include <genrt/genrt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/graph.h"
#include "passes/compress_data.h"
#include "passes/compress_internal.h"
#include "test_rng.h"
#include "test_util.h"

static float gauss(uint64_t *st) { /* sum of 4 uniforms, variance 1 */
    float s = 0.0f;
    for (int i = 0; i < 4; i++) s += (float)test_lcg32(st) / 2147483648.0f - 0.5f;
    return s * 1.7320508f;
}

static int near(double a, double b, double rel) { return fabs(a - b) <= rel * fmax(fabs(b), 1e-12); }

static void test_stats_and_metrics(void) {
    /* sample A: x = [[1, 2], [3, -2]]; sample B: x = [[0, 1], [2, 1]] (tokens x channels)
     * A: var = (1, 4), max|x| = (3, 2), mean x^2 = 18/4;  B: var = (1, 0), max|x| = (2, 1), mean x^2 = 6/4 */
    const float a[4] = {1, 2, 3, -2}, b[4] = {0, 1, 2, 1};
    grt_calib_stats s;
    CHECK(grt_calib_stats_init(&s, 2, 3) == 0);
    grt_calib_stats_add(&s, a, 2);
    grt_calib_stats_add(&s, b, 2);
    CHECK(s.n_samples == 2 && s.n_tokens == 4 && s.n_rows == 3);
    CHECK(near(s.sum_abs[0] / 4, 1.5, 1e-12) && near(s.sum_abs[1] / 4, 1.5, 1e-12));
    CHECK(near(s.sum[1] / 4, 0.5, 1e-12) && near(s.sum_sq[0] / 4, 3.5, 1e-12) && s.max_abs[0] == 3.0f);
    CHECK(near(grt_calib_activation_stat(&s, GRT_SENSITIVITY_MEAN_ACTIVATION_VARIANCE), (2.5 + 0.5) / 2, 1e-12));
    CHECK(near(grt_calib_activation_stat(&s, GRT_SENSITIVITY_MAX_ACTIVATION_VARIANCE), (4.0 + 1.0) / 2, 1e-12));
    CHECK(near(grt_calib_activation_stat(&s, GRT_SENSITIVITY_MEAN_ACTIVATION_MAGNITUDE), (2.5 + 1.5) / 2, 1e-12));
    CHECK(near(grt_calib_activation_stat(&s, GRT_SENSITIVITY_HESSIAN_INPUT_ACTIVATION), 2.0 * (4.5 + 1.5) / 2, 1e-12));
    /* W = [0, 255, 100.375]: INT8_ASYM scale 1, zero point 0; only 100.375 -> 100 errs (0.375) */
    const float w[3] = {0.0f, 255.0f, 100.375f};
    double e8 = 0.375 * 0.375 / 3, eps = 1.1920929e-7;
    CHECK(near(grt_calib_score(GRT_SENSITIVITY_HESSIAN_INPUT_ACTIVATION, w, 1, 3, &s), 0.375 * 6.0, 1e-9));
    CHECK(near(grt_calib_score(GRT_SENSITIVITY_MEAN_ACTIVATION_VARIANCE, w, 1, 3, &s), 1.5 / (e8 + eps), 1e-9));
    CHECK(near(grt_calib_score(GRT_SENSITIVITY_MAX_ACTIVATION_VARIANCE, w, 1, 3, &s), 2.5 / (e8 + eps), 1e-9));
    CHECK(near(grt_calib_score(GRT_SENSITIVITY_MEAN_ACTIVATION_MAGNITUDE, w, 1, 3, &s), 2.0 / (e8 + eps), 1e-9));
    /* selection by ascending score */
    const double score[3] = {3.0, 1.0, 2.0};
    const int64_t numel[3] = {10, 10, 10};
    int is4[3];
    CHECK(grt_cq_select_scores(score, numel, 3, 0.7, is4) == 0 && !is4[0] && is4[1] && is4[2]);
    grt_calib_stats_free(&s);
}

/* Reference ||X W^T - (X/s) Q(W s)^T||^2 / n with the quantizer's own dequantization. */
static double ref_out_err(const float *w, int64_t rows, int64_t k, int64_t g, int sym, const float *s,
                          const float *x, int64_t n) {
    float *ws = malloc((size_t)(rows * k) * sizeof *ws), *dq = malloc((size_t)(rows * k) * sizeof *dq);
    uint8_t *q = calloc((size_t)(rows * k), 1), *zp = calloc((size_t)(rows * k), 1);
    uint16_t *sc = calloc((size_t)(rows * k), 2);
    for (int64_t i = 0; i < rows * k; i++) ws[i] = w[i] * (s ? s[i % k] : 1.0f);
    grt_cq_quantize(ws, rows, k, g, 4, sym, q, sc, sym ? NULL : zp);
    grt_cq_dequantize(q, sc, sym ? NULL : zp, rows, k, g, 4, sym, dq);
    double e = 0.0;
    for (int64_t t = 0; t < n; t++)
        for (int64_t r = 0; r < rows; r++) {
            double y = 0.0, yq = 0.0;
            for (int64_t j = 0; j < k; j++) {
                y += (double)x[t * k + j] * w[r * k + j];
                yq += (double)x[t * k + j] / (s ? s[j] : 1.0f) * dq[r * k + j];
            }
            e += (y - yq) * (y - yq);
        }
    free(ws);
    free(dq);
    free(q);
    free(zp);
    free(sc);
    return e / (double)n;
}

static void test_awq(void) {
    enum { K = 16, N = 8, T = 64 };
    uint64_t st = test_name_seed("awq");
    float w[N * K], x[T * K], s[K];
    for (int i = 0; i < N * K; i++) w[i] = gauss(&st);
    for (int t = 0; t < T; t++)
        for (int j = 0; j < K; j++) x[t * K + j] = gauss(&st) * (j == 3 ? 25.0f : 1.0f); /* outlier channel */
    grt_calib_stats cs;
    CHECK(grt_calib_stats_init(&cs, K, T) == 0);
    for (int t = 0; t < T; t += 8) grt_calib_stats_add(&cs, x + t * K, 8);
    for (int sym = 0; sym < 2; sym++)
        for (int g = 8; g <= K; g += 8) {
            const float *ws[1] = {w};
            const int64_t rows[1] = {N};
            double alpha = grt_awq_search(ws, rows, 1, K, g, 4, sym, &cs, s);
            double plain = grt_awq_output_error(w, N, K, g, 4, sym, NULL, x, T);
            double awq = grt_awq_output_error(w, N, K, g, 4, sym, s, x, T);
            CHECKF(near(plain, ref_out_err(w, N, K, g, sym, NULL, x, T), 1e-4), "plain error vs reference");
            CHECKF(near(awq, ref_out_err(w, N, K, g, sym, s, x, T), 1e-4), "awq error vs reference");
            CHECKF(alpha > 0 && awq < 0.9 * plain, "sym %d group %d: alpha %g, AWQ error %g vs plain %g", sym, g,
                   alpha, awq, plain);
            CHECK(s[3] > s[0] && s[3] > s[5]); /* the outlier channel gets the largest scale */
        }
    grt_calib_stats_free(&cs);
}

static void test_scale_estimation(void) {
    enum { K = 32, N = 16 };
    uint64_t st = test_name_seed("scale_estimation");
    float w[N * K], sc[N * K / 8];
    double imp[K];
    for (int i = 0; i < N * K; i++) w[i] = gauss(&st);
    for (int j = 0; j < K; j++) imp[j] = j % 5 == 0 ? 50.0 : 0.5 + (double)(test_lcg32(&st) % 100) / 100.0;
    for (int sym = 0; sym < 2; sym++)
        for (int g = 8; g <= K; g *= 4) {
            CHECK(grt_se_scales(w, N, K, g, 4, sym, imp, sc) == 0);
            double base = grt_se_weighted_error(w, N, K, g, 4, sym, NULL, imp);
            double est = grt_se_weighted_error(w, N, K, g, 4, sym, sc, imp);
            CHECKF(est < 0.9 * base, "sym %d group %d: weighted error %g vs default %g", sym, g, est, base);
            /* and per group never worse: check group by group */
            for (int r = 0; r < N; r++)
                for (int gi = 0; gi < K / g; gi++) {
                    double e0 = grt_se_weighted_error(w + r * K + gi * g, 1, g, g, 4, sym, NULL, imp + gi * g);
                    double e1 = grt_se_weighted_error(w + r * K + gi * g, 1, g, g, 4, sym, &sc[r * (K / g) + gi],
                                                      imp + gi * g);
                    CHECK(e1 <= e0 * (1 + 1e-9));
                }
        }
}

/* GPTQ: output error ||X (W - dq)^T||^2 below plain rounding; the group quantizer with GPTQ's
 * scales reproduces GPTQ's dequantized weights exactly. */
static void test_gptq(void) {
    enum { K = 24, N = 6, T = 96 };
    uint64_t st = test_name_seed("gptq");
    float w[N * K], x[T * K], g[N * K], dq[N * K], sc[N * K];
    for (int i = 0; i < N * K; i++) w[i] = gauss(&st);
    for (int t = 0; t < T; t++) { /* correlated channels: x_j = a + small noise */
        float a = gauss(&st);
        for (int j = 0; j < K; j++) x[t * K + j] = a + 0.3f * gauss(&st);
    }
    for (int bits = 4; bits <= 8; bits += 4)
        for (int sym = 0; sym < 2; sym++) {
            int64_t grp = bits == 4 ? 8 : K;
            memcpy(g, w, sizeof w);
            CHECK(grt_gptq(g, N, K, grp, bits, sym, x, T, sc) == 0);
            grt_cq_fake_quant(g, N, K, grp, bits, sym, sc, dq);
            int same = 1;
            for (int i = 0; i < N * K; i++) same &= dq[i] == g[i];
            CHECKF(same, "bits %d sym %d: GPTQ weights not reproduced by the quantizer", bits, sym);
            double e_rtn = ref_out_err(w, N, K, grp, sym, NULL, x, T), e_gptq = 0.0;
            if (bits == 8) { /* ref_out_err is 4-bit; 8-bit plain rounding through the fake quantizer */
                grt_cq_fake_quant(w, N, K, grp, 8, sym, NULL, dq);
                e_rtn = 0.0;
            }
            for (int t = 0; t < T; t++)
                for (int r = 0; r < N; r++) {
                    double d = 0.0, d8 = 0.0;
                    for (int j = 0; j < K; j++) {
                        d += (double)x[t * K + j] * (w[r * K + j] - g[r * K + j]);
                        d8 += (double)x[t * K + j] * (w[r * K + j] - dq[r * K + j]);
                    }
                    e_gptq += d * d / T;
                    if (bits == 8) e_rtn += d8 * d8 / T;
                }
            CHECKF(e_gptq < 0.8 * e_rtn, "bits %d sym %d: GPTQ output error %g vs rounding %g", bits, sym, e_gptq,
                   e_rtn);
        }
}

static grt_model *read_model(const char *dir) {
    char p[1024];
    grt_model *m = NULL;
    snprintf(p, sizeof p, "%s/stories260K.bin", dir);
    return grt_model_read(NULL, p, &m) == GRT_OK ? m : NULL;
}

static const int32_t SEQ0[] = {1, 403, 407, 261, 378, 261, 299, 271, 400, 262, 318, 317};
static const int32_t SEQ1[] = {1, 280, 282, 352, 345, 424, 420, 271, 317};

static void test_config(const char *dir) {
    grt_model *m = read_model(dir);
    CHECK(m != NULL);
    if (!m) return;
    grt_compress_config c;
    grt_compress_config_init(&c);
    c.mode = GRT_COMPRESS_INT4_SYM;
    c.group_size = 4;
    c.awq = 1;
    CHECK_ERR(grt_model_compress_weights(m, &c, NULL), GRT_ERROR_INVALID_ARGUMENT, "awq is data-aware");
    c.awq = 0;
    c.scale_estimation = 1;
    CHECK_ERR(grt_model_compress_weights(m, &c, NULL), GRT_ERROR_INVALID_ARGUMENT, "needs a calibration dataset");
    c.gptq = 1;
    c.scale_estimation = 0;
    CHECK_ERR(grt_model_compress_weights(m, &c, NULL), GRT_ERROR_INVALID_ARGUMENT, "gptq is data-aware");
    c.scale_estimation = 1;
    const int32_t *seqs[2] = {SEQ0, SEQ1};
    const size_t lens[2] = {12, 0};
    grt_compress_dataset ds = {seqs, lens, 2};
    c.dataset = &ds;
    c.mode = GRT_COMPRESS_INT8_ASYM;
    CHECK_ERR(grt_model_compress_weights(m, &c, NULL), GRT_ERROR_INVALID_ARGUMENT, "cannot be combined");
    c.gptq = 0;
    CHECK_ERR(grt_model_compress_weights(m, &c, NULL), GRT_ERROR_INVALID_ARGUMENT, "needs a 4-bit mode");
    c.mode = GRT_COMPRESS_INT4_SYM;
    CHECK_ERR(grt_model_compress_weights(m, &c, NULL), GRT_ERROR_INVALID_ARGUMENT, "calibration sequence 1 is empty");
    c.subset_size = -1;
    CHECK_ERR(grt_model_compress_weights(m, &c, NULL), GRT_ERROR_INVALID_ARGUMENT, "subset_size");
    /* a caller built against version 1 of the struct: the appended fields are not read */
    grt_compress_config_init(&c);
    c.struct_size = (uint32_t)GRT_COMPRESS_CONFIG_SIZE_V1;
    c.awq = 1; /* beyond the V1 size: ignored */
    grt_compress_report *rep = NULL;
    CHECK_OK(grt_model_compress_weights(m, &c, &rep));
    CHECK(rep && rep->n_layers == 36);
    grt_compress_report_free(rep);
    grt_model_destroy(m);
}

/* Sum of |gamma| of RMSNorm weights and of ffn_up rows' squares, to see that AWQ changed them. */
static double const_sum(const grt_model *m, const char *name) {
    for (uint32_t i = 0; i < m->g.n_nodes; i++) {
        const grt_ir_node *n = &m->g.nodes[i];
        if (n->op != GRT_OP_CONSTANT || strcmp(n->name, name) || n->outputs[0].type != GRT_F32) continue;
        const float *v = n->cst->data;
        double s = 0.0;
        for (size_t j = 0; j < n->cst->bytes / 4; j++) s += fabs(v[j]);
        return s;
    }
    return -1.0;
}

static void test_e2e(const char *dir) {
    grt_model *m = read_model(dir), *base = read_model(dir);
    CHECK(m && base);
    if (!m || !base) goto done;
    const int32_t *seqs[2] = {SEQ0, SEQ1};
    const size_t lens[2] = {12, 9};
    grt_compress_dataset ds = {seqs, lens, 2};
    grt_compress_config c;
    grt_compress_config_init(&c);
    c.mode = GRT_COMPRESS_INT4_ASYM;
    c.group_size = 4;
    c.ratio = 0.6;
    c.dataset = &ds;
    c.sensitivity_metric = GRT_SENSITIVITY_HESSIAN_INPUT_ACTIVATION;
    c.awq = 1;
    c.scale_estimation = 1;
    grt_compress_report *rep = NULL;
    CHECK_OK(grt_model_compress_weights(m, &c, &rep));
    if (!rep) goto done;
    size_t n4 = 0;
    for (size_t i = 0; i < rep->n_layers; i++) n4 += !strcmp(rep->layers[i].precision, "int4_asym");
    CHECKF(n4 > 0 && n4 < 34, "%zu int4 layers", n4);
    grt_compress_report_free(rep);
    /* some RMSNorm gamma absorbed AWQ scales (the norms are f32 constants, left uncompressed) */
    int changed = 0;
    for (int l = 0; l < 5; l++) {
        char nm[64];
        snprintf(nm, sizeof nm, "blk.%d.attn_norm.weight", l);
        changed |= fabs(const_sum(m, nm) - const_sum(base, nm)) > 1e-6;
        snprintf(nm, sizeof nm, "blk.%d.ffn_norm.weight", l);
        changed |= fabs(const_sum(m, nm) - const_sum(base, nm)) > 1e-6;
    }
    CHECK(changed);
done:
    grt_model_destroy(m);
    grt_model_destroy(base);
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    test_stats_and_metrics();
    test_awq();
    test_scale_estimation();
    test_gptq();
    test_config(argv[1]);
    test_e2e(argv[1]);
    return test_summary("compress.data");
}
