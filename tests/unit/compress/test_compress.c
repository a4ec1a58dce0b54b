/*
 * test_compress.c - weight compression: the group quantizer against a plain double-precision
 * reference on random and edge matrices (ties, odd columns) for every mode and group size, NNCF
 * ratio selection on a constructed case, the same compressed bytes on 1, 2 and 5 threads, invalid configs, and stories260K compressed INT8_ASYM: the first 32 greedy
 * tokens from BOS equal reference.json and the IR file shrinks ~4x.
 * Usage: test_compress MODEL_DIR OUT_DIR
 */
#include <cjson/cJSON.h>
#include <genrt/genrt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "frontends/gguf.h"
#include "ir/graph.h"
#include "passes/compress_internal.h"
#include "test_util.h"

/* Reference: unpacked integers, straight from the formulas in genrt/compress.h. */
static void ref_quant(const float *w, int64_t rows, int64_t cols, int64_t g, int bits, int sym, int *q, float *s,
                      int *z, double *exact) {
    for (int64_t r = 0; r < rows; r++)
        for (int64_t k = 0; k < cols / g; k++) {
            const float *x = w + r * cols + k * g;
            double mn = x[0], mx = x[0];
            for (int64_t j = 0; j < g; j++) {
                if (x[j] < mn) mn = x[j];
                if (x[j] > mx) mx = x[j];
            }
            double sc, lo, hi, zz = 0;
            if (sym) {
                double f = pow(2, bits - 1);
                sc = -mn >= mx ? -mn / f : -mx / f;
                if (fabs(sc) < 1.1920929e-7) sc = 1.1920929e-7;
                lo = -f;
                hi = f - 1;
            } else {
                mn = fmin(mn, 0);
                mx = fmax(mx, 0);
                hi = pow(2, bits) - 1;
                lo = 0;
                sc = (mx - mn) / hi;
                if (sc < 1.1920929e-7) sc = 1.1920929e-7;
            }
            exact[r * (cols / g) + k] = sc;
            sc = gguf_f16_to_f32(gguf_f32_to_f16((float)sc));
            if (!sym) zz = fmin(hi, fmax(lo, -(double)roundf((float)mn / (float)sc)));
            s[r * (cols / g) + k] = (float)sc;
            z[r * (cols / g) + k] = (int)zz;
            for (int64_t j = 0; j < g; j++) {
                double v = round((double)(x[j] / (float)sc)) + zz;
                q[r * cols + k * g + j] = (int)fmin(hi, fmax(lo, v));
            }
        }
}

static int unpack(const uint8_t *p, int64_t i, int bits, int sym) {
    if (bits == 8) return sym ? (int8_t)p[i] : p[i];
    int v = (p[i / 2] >> (4 * (i % 2))) & 15;
    return sym && v > 7 ? v - 16 : v;
}

static void check_quant(const float *w, int64_t rows, int64_t cols, const char *what) {
    int64_t n = rows * cols, groups[4] = {cols, 4, 32, 128};
    for (int bits = 4; bits <= 8; bits += 4)
        for (int sym = 0; sym < 2; sym++)
            for (int gi = 0; gi < 4; gi++) {
                int64_t g = groups[gi], ng = n / g;
                if (cols % g) continue;
                uint8_t *q = calloc((size_t)n, 1), *zp = calloc((size_t)ng, 1);
                uint16_t *s = calloc((size_t)ng, 2);
                int *rq = calloc((size_t)n, sizeof(int)), *rz = calloc((size_t)ng, sizeof(int));
                float *rs = calloc((size_t)ng, sizeof(float)), *dq = calloc((size_t)n, sizeof(float));
                double *ex = calloc((size_t)ng, sizeof(double));
                grt_cq_quantize(w, rows, cols, g, bits, sym, q, s, sym ? NULL : zp);
                ref_quant(w, rows, cols, g, bits, sym, rq, rs, rz, ex);
                int bad = 0;
                for (int64_t i = 0; i < ng && !bad; i++) {
                    bad |= gguf_f16_to_f32(s[i]) != rs[i];
                    if (!sym) bad |= unpack(zp, i, bits, 0) != rz[i];
                }
                for (int64_t i = 0; i < n && !bad; i++) bad |= unpack(q, i, bits, sym) != rq[i];
                CHECKF(!bad, "%s: bits %d sym %d group %lld differs from the reference", what, bits, sym, (long long)g);
                /* dequantized error bounded by half a step per element */
                grt_cq_dequantize(q, s, sym ? NULL : zp, rows, cols, g, bits, sym, dq);
                double worst = 0;
                for (int64_t i = 0; i < n; i++) {
                    /* half a step, plus what rounding the scale to f16 moves the range end by */
                    double step = fabs(rs[i / g]), slack = ldexp(1.0, bits) * fabs(rs[i / g] - ex[i / g]) / step;
                    double e = fabs((double)dq[i] - w[i]) / step - slack;
                    if (!(e <= worst)) worst = e;
                }
                /* signed abs-max / 2^(b-1): the opposite extreme may clip by up to one step */
                CHECKF(worst <= (sym ? 1.0 : 0.5) + 0.02, "%s: bits %d sym %d group %lld err %.3f steps", what,
                       bits, sym, (long long)g, worst);
                free(q); free(zp); free(s); free(rq); free(rz); free(rs); free(dq); free(ex);
            }
}

static void test_quantizer(void) {
    enum { R = 8, C = 256 };
    static float w[R * C];
    srand(7);
    for (int i = 0; i < R * C; i++) w[i] = ((float)rand() / RAND_MAX - 0.5f) * 0.2f;
    check_quant(w, R, C, "random");
    for (int c = 0; c < C; c++) {
        w[0 * C + c] = 0.0f;    /* all-zero row */
        w[1 * C + c] = 0.25f;   /* constant positive row */
        w[2 * C + c] = -3.0f;   /* constant negative row */
    }
    w[3 * C + 5] = 40.0f;       /* outliers */
    w[4 * C + 200] = -55.0f;
    for (int c = 0; c < C; c++) /* exact half steps of scale 1/8 (ties round away from zero) */
        w[5 * C + c] = c % 32 ? (float)(c % 33 - 16) * 0.0625f : -1.0f;
    check_quant(w, R, C, "edge");
    check_quant(w + 5 * C, 1, C, "ties");
    check_quant(w, 3, 5, "odd columns"); /* 4-bit codes starting in the middle of a byte */
}

static void test_select(void) {
    double err[4] = {0.1, 0.4, 0.2, 0.3};
    int64_t n[4] = {100, 100, 100, 100};
    int is4[4];
    CHECK(grt_cq_select(err, n, 4, 0.5, is4) == 0);
    /* largest 8-bit error first: 1 (0.4) fits (0.25 < .5), then 3 would reach 0.5 -> stop */
    CHECK(is4[0] == 0 && is4[1] == 1 && is4[2] == 0 && is4[3] == 0);
    CHECK(grt_cq_select(err, n, 4, 0.8, is4) == 0);
    CHECK(is4[0] == 0 && is4[1] == 1 && is4[2] == 1 && is4[3] == 1);
    CHECK(grt_cq_select(err, n, 4, 1.0, is4) == 0);
    CHECK(is4[0] && is4[1] && is4[2] && is4[3]);
    CHECK(grt_cq_select(err, n, 4, 0.0, is4) == 0);
    CHECK(!is4[0] && !is4[1] && !is4[2] && !is4[3]);
    float w[2 * 4] = {0, 1, 2, 3, 0, 1, 2, 9};
    CHECK(grt_cq_int8_error(w, 2, 4) >= 0);
}

static grt_model *read_model(const char *dir) {
    char p[1024];
    grt_model *m = NULL;
    snprintf(p, sizeof p, "%s/stories260K.bin", dir);
    if (grt_model_read(NULL, p, &m) != GRT_OK) return NULL;
    return m;
}

/* FNV-1a over n bytes. */
static uint64_t fnv(uint64_t h, const void *p, size_t n) {
    for (size_t i = 0; i < n; i++) h = (h ^ ((const uint8_t *)p)[i]) * 1099511628211ull;
    return h;
}

/* Hash of stories260K compressed with cfg on `threads` threads: every constant's bytes, scales,
 * zero points and type, and every report row's precision and error. 0 on failure. */
static uint64_t compressed_hash(const char *dir, const grt_compress_config *cfg, int threads) {
    grt_model *m = read_model(dir);
    grt_compress_report *r = NULL;
    uint64_t h = 14695981039346656037ull;
    if (!m) return 0;
    grt_cq_set_threads(threads);
    grt_status st = grt_model_compress_weights(m, cfg, &r);
    grt_cq_set_threads(0);
    CHECK_OK(st);
    for (uint32_t i = 0; st == GRT_OK && i < m->g.n_nodes; i++) {
        const grt_ir_node *n = &m->g.nodes[i];
        if (n->op != GRT_OP_CONSTANT) continue;
        const grt_compression_info *c = &n->cst->comp;
        h = fnv(h, &n->outputs[0].type, sizeof n->outputs[0].type);
        h = fnv(h, n->cst->data, n->cst->bytes);
        if (c->scales) h = fnv(h, c->scales, c->scales_bytes);
        if (c->zero_points) h = fnv(h, c->zero_points, c->zero_points_bytes);
    }
    for (size_t k = 0; r && k < r->n_layers; k++) {
        h = fnv(h, r->layers[k].precision, strlen(r->layers[k].precision));
        h = fnv(h, &r->layers[k].error, sizeof r->layers[k].error);
    }
    grt_compress_report_free(r);
    grt_model_destroy(m);
    return st == GRT_OK ? h : 0;
}

/* The pass's results do not depend on its thread count (mixed precision with the data-free
 * ranking, the f16 option, every mode). */
static void test_threads(const char *dir) {
    static const uint32_t modes[] = {GRT_COMPRESS_INT4_ASYM, GRT_COMPRESS_INT4_SYM, GRT_COMPRESS_INT8_ASYM,
                                     GRT_COMPRESS_INT8_SYM};
    for (size_t i = 0; i < sizeof modes / sizeof *modes; i++) {
        grt_compress_config c;
        grt_compress_config_init(&c);
        c.mode = modes[i];
        c.ratio = i == 0 ? 0.6 : 1.0;
        c.group_size = i < 2 ? 4 : GRT_COMPRESS_GROUP_DEFAULT;
        c.backup_mode = i == 1 ? GRT_COMPRESS_BACKUP_NONE : c.backup_mode;
        c.ratio = i == 1 ? 0.5 : c.ratio;
        c.fp16 = i == 1;
        uint64_t one = compressed_hash(dir, &c, 1);
        CHECKF(one != 0, "mode %u: compression failed", modes[i]);
        for (int t = 2; t <= 5; t += 3)
            CHECKF(compressed_hash(dir, &c, t) == one, "mode %u: %d threads differ from 1 thread", modes[i], t);
    }
}

/* Replaces every compressed constant of m by its dequantization (plain f32), so that the runtime's
 * compressed path can be compared with the same numbers run uncompressed. */
static grt_status fake_quant(grt_model *m) {
    for (uint32_t i = 0; i < m->g.n_nodes; i++) {
        grt_ir_node *n = &m->g.nodes[i];
        if (n->op != GRT_OP_CONSTANT || n->cst->comp.kind == GRT_COMPRESSION_NONE) continue;
        const grt_compression_info *c = &n->cst->comp;
        int64_t rows = n->outputs[0].shape.dims[0], cols = n->outputs[0].shape.dims[1];
        int bits = c->storage_type == GRT_I4 || c->storage_type == GRT_U4 ? 4 : 8;
        grt_ir_blob *b = NULL;
        grt_status st = grt_ir_blob_alloc((size_t)(rows * cols) * 4, &b);
        if (st != GRT_OK) return st;
        float *d = grt_ir_blob_mutable(b);
        grt_cq_dequantize(n->cst->data, c->scales, c->zero_points, rows, cols, c->group_size, bits,
                          c->kind == GRT_COMPRESSION_SYM, d);
        grt_ir_blob_release(n->cst->blob);
        n->cst->blob = b;
        n->cst->data = d;
        n->cst->bytes = (size_t)(rows * cols) * 4;
        memset(&n->cst->comp, 0, sizeof n->cst->comp);
        n->cst->comp.struct_size = sizeof n->cst->comp;
    }
    return GRT_OK;
}

/* Logits of one infer of ids[n] from position 0 into out[n * V]; returns V or -1. */
static int64_t prefill(grt_core *core, grt_model *m, const int64_t *ids, int64_t n, float *out, size_t cap) {
    grt_compiled_model *cm = NULL;
    grt_infer_request *rq = NULL;
    grt_tensor *ti = NULL, *tp = NULL, *o = NULL;
    int64_t pos[64], d[2] = {1, n}, V = -1;
    for (int64_t i = 0; i < n; i++) pos[i] = i;
    if (grt_core_compile_model(core, m, "CPU", NULL, 0, &cm) != GRT_OK ||
        grt_compiled_model_create_infer_request(cm, &rq) != GRT_OK ||
        grt_tensor_wrap(GRT_I64, 2, d, NULL, (void *)ids, (size_t)n * 8, &ti) != GRT_OK ||
        grt_tensor_wrap(GRT_I64, 2, d, NULL, pos, (size_t)n * 8, &tp) != GRT_OK ||
        grt_infer_request_set_tensor(rq, "input_ids", ti) != GRT_OK ||
        grt_infer_request_set_tensor(rq, "position_ids", tp) != GRT_OK || grt_infer_request_infer(rq) != GRT_OK ||
        grt_infer_request_get_tensor(rq, "logits", &o) != GRT_OK)
        goto done;
    V = grt_tensor_dims(o)[2];
    if ((size_t)(n * V) > cap) {
        V = -1;
        goto done;
    }
    memcpy(out, grt_tensor_data(o), (size_t)(n * V) * sizeof *out);
done:
    grt_tensor_destroy(ti);
    grt_tensor_destroy(tp);
    grt_infer_request_destroy(rq);
    grt_compiled_model_destroy(cm);
    return V;
}

/* For each mode: the compressed model's logits equal those of its fake-quantized f32 twin. */
static void check_runtime_matches(const char *dir, const int64_t *ids, int64_t n) {
    static float a[64 * 4096], b[64 * 4096];
    static const struct { uint32_t mode; int64_t group; int all; } cases[] = {
        {GRT_COMPRESS_INT8_ASYM, -1, 0}, {GRT_COMPRESS_INT8_SYM, -1, 0}, {GRT_COMPRESS_INT8_ASYM, 4, 1},
        {GRT_COMPRESS_INT4_SYM, 4, 0}, {GRT_COMPRESS_INT4_ASYM, 4, 1}, {GRT_COMPRESS_INT4_SYM, -1, 1}};
    grt_core *core = NULL;
    CHECK_OK(grt_core_create(NULL, &core));
    /* f32 activations: the twin comparison is exact, int8 activations would not be */
    if (core)
        CHECK_OK(grt_core_set_property_str(core, "CPU", "DYNAMIC_QUANTIZATION_GROUP_SIZE", "0"));
    for (size_t k = 0; core && k < sizeof cases / sizeof cases[0]; k++) {
        grt_model *m = read_model(dir), *f = read_model(dir);
        grt_compress_config c;
        grt_compress_config_init(&c);
        c.mode = cases[k].mode;
        c.group_size = cases[k].group;
        c.all_layers = cases[k].all;
        CHECK(m && f);
        if (m && f && grt_model_compress_weights(m, &c, NULL) == GRT_OK &&
            grt_model_compress_weights(f, &c, NULL) == GRT_OK && fake_quant(f) == GRT_OK) {
            int64_t va = prefill(core, m, ids, n, a, sizeof a / sizeof a[0]);
            int64_t vb = prefill(core, f, ids, n, b, sizeof b / sizeof b[0]);
            CHECKF(va > 0 && va == vb, "case %zu: prefill failed: %s", k, grt_last_error());
            double worst = 0;
            for (int64_t i = 0; va > 0 && va == vb && i < n * va; i++)
                if (!(fabs((double)a[i] - b[i]) <= worst)) worst = fabs((double)a[i] - b[i]);
            CHECKF(worst < 1e-3, "case %zu (mode %u group %lld): compressed vs fake-quant logits differ by %g", k,
                   cases[k].mode, (long long)cases[k].group, worst);
        } else {
            CHECKF(0, "case %zu: compress failed: %s", k, grt_last_error());
        }
        grt_model_destroy(m);
        grt_model_destroy(f);
    }
    grt_core_destroy(core);
}

static void test_invalid(grt_model *m) {
    grt_compress_config c;
    grt_compress_config_init(&c);
    c.ratio = 1.5;
    CHECK_ERR(grt_model_compress_weights(m, &c, NULL), GRT_ERROR_INVALID_ARGUMENT, "ratio");
    grt_compress_config_init(&c);
    c.mode = 9;
    CHECK_ERR(grt_model_compress_weights(m, &c, NULL), GRT_ERROR_INVALID_ARGUMENT, "mode");
    grt_compress_config_init(&c);
    c.backup_mode = 7;
    CHECK_ERR(grt_model_compress_weights(m, &c, NULL), GRT_ERROR_INVALID_ARGUMENT, "backup_mode");
    grt_compress_config_init(&c);
    c.sensitivity_metric = GRT_SENSITIVITY_HESSIAN_INPUT_ACTIVATION;
    CHECK_ERR(grt_model_compress_weights(m, &c, NULL), GRT_ERROR_INVALID_ARGUMENT, "dataset");
    grt_compress_config_init(&c);
    c.mode = GRT_COMPRESS_INT4_SYM;
    c.group_size = 7;
    CHECK_ERR(grt_model_compress_weights(m, &c, NULL), GRT_ERROR_INVALID_ARGUMENT, "does not divide");
}

static long fsize(const char *p) {
    struct stat sb;
    return stat(p, &sb) ? -1 : (long)sb.st_size;
}

static int64_t argmax(const float *x, int64_t n) {
    int64_t b = 0;
    for (int64_t i = 1; i < n; i++)
        if (x[i] > x[b]) b = i;
    return b;
}

/* Reference of NNCF's data-free sensitivity: max over rows of the mean squared INT8_ASYM error. */
static double ref_int8_error(const float *w, int64_t rows, int64_t cols) {
    int *q = calloc((size_t)cols, sizeof(int)), z;
    float s;
    double ex, worst = 0;
    for (int64_t r = 0; r < rows; r++) {
        ref_quant(w + r * cols, 1, cols, cols, 8, 0, q, &s, &z, &ex);
        double e = 0;
        for (int64_t c = 0; c < cols; c++) {
            double d = (double)(q[c] - z) * s - w[r * cols + c];
            e += d * d;
        }
        if (e / (double)cols > worst) worst = e / (double)cols;
    }
    free(q);
    return worst;
}

static const grt_compress_layer *find_layer(const grt_compress_report *r, const char *name) {
    for (size_t i = 0; r && i < r->n_layers; i++)
        if (!strcmp(r->layers[i].name, name)) return &r->layers[i];
    return NULL;
}

/* Mixed precision, ignored scope, all_layers and fp16 on stories260K. */
static void test_pass_options(const char *dir) {
    grt_model *m = read_model(dir);
    grt_compress_config c;
    grt_compress_report *r = NULL;
    CHECK(m != NULL);
    if (!m) return;
    /* weights as f32 arrays, for the reference ranking */
    size_t nw = 0;
    struct { char name[128]; int64_t rows, cols; double err; int edge; } w[64];
    for (uint32_t i = 0; i < m->g.n_nodes && nw < 64; i++) {
        const grt_ir_node *n = &m->g.nodes[i];
        if (n->op != GRT_OP_CONSTANT || n->outputs[0].shape.rank != 2 || n->outputs[0].type != GRT_F32) continue;
        snprintf(w[nw].name, sizeof w[nw].name, "%s", n->name);
        w[nw].rows = n->outputs[0].shape.dims[0];
        w[nw].cols = n->outputs[0].shape.dims[1];
        w[nw].err = ref_int8_error(n->cst->data, w[nw].rows, w[nw].cols);
        w[nw].edge = !strcmp(n->name, "token_embd.weight") || !strcmp(n->name, "output.weight");
        nw++;
    }
    grt_compress_config_init(&c);
    c.mode = GRT_COMPRESS_INT4_ASYM;
    c.group_size = 4;
    c.ratio = 0.5;
    CHECK_OK(grt_model_compress_weights(m, &c, &r));
    /* reference assignment: non-edge weights by descending int8 error while the share stays < ratio */
    double total = 0, in4 = 0;
    int sel[64] = {0};
    for (size_t i = 0; i < nw; i++) total += w[i].edge ? 0 : (double)(w[i].rows * w[i].cols);
    for (;;) {
        size_t best = nw;
        for (size_t i = 0; i < nw; i++)
            if (!w[i].edge && !sel[i] && (best == nw || w[i].err > w[best].err)) best = i;
        if (best == nw || (in4 + (double)(w[best].rows * w[best].cols)) / total >= c.ratio) break;
        sel[best] = 1;
        in4 += (double)(w[best].rows * w[best].cols);
    }
    CHECK(in4 > 0 && in4 / total < 0.5);
    for (size_t i = 0; r && i < nw; i++) {
        const grt_compress_layer *L = find_layer(r, w[i].name);
        const char *want = sel[i] ? "int4_asym" : "int8_asym";
        CHECKF(L && !strcmp(L->precision, want), "ratio 0.5: %s is %s, want %s", w[i].name, L ? L->precision : "-",
               want);
        CHECKF(L && L->group_size == (sel[i] ? 4 : L->cols), "ratio 0.5: %s group %lld", w[i].name,
               L ? (long long)L->group_size : -1LL);
    }
    grt_compress_report_free(r);
    grt_model_destroy(m);

    /* ignored scope, all_layers, backup NONE + fp16 */
    m = read_model(dir);
    if (!m) return;
    const char *ig[2] = {"blk.0.*", "blk.1.attn_q.weight"};
    grt_compress_config_init(&c);
    c.mode = GRT_COMPRESS_INT4_SYM;
    c.group_size = 4;
    c.ratio = 0.0;
    c.backup_mode = GRT_COMPRESS_BACKUP_NONE;
    c.fp16 = 1;
    c.ignored_scope = ig;
    c.n_ignored_scope = 2;
    r = NULL;
    CHECK_OK(grt_model_compress_weights(m, &c, &r));
    const grt_compress_layer *L;
    CHECK((L = find_layer(r, "blk.0.ffn_up.weight")) && !strcmp(L->precision, "ignored") &&
          L->bytes_after == L->bytes_before);
    CHECK((L = find_layer(r, "blk.1.attn_q.weight")) && !strcmp(L->precision, "ignored"));
    CHECK((L = find_layer(r, "blk.1.attn_k.weight")) && !strcmp(L->precision, "f16") &&
          L->bytes_after * 2 == L->bytes_before && L->error < 1e-3);
    CHECK((L = find_layer(r, "token_embd.weight")) && !strcmp(L->precision, "int8_asym"));
    grt_compress_report_free(r);
    grt_core *core = NULL;
    static float lg[4 * 4096];
    int64_t ids[4] = {1, 461, 461, 401};
    CHECK_OK(grt_core_create(NULL, &core));
    CHECKF(core && prefill(core, m, ids, 4, lg, sizeof lg / sizeof lg[0]) > 0, "f16 model does not run: %s",
           grt_last_error());
    grt_model_destroy(m);

    /* all_layers: the embedding gets the primary mode too */
    m = read_model(dir);
    grt_compress_config_init(&c);
    c.mode = GRT_COMPRESS_INT4_SYM;
    c.group_size = 4;
    c.all_layers = 1;
    r = NULL;
    CHECK(m && grt_model_compress_weights(m, &c, &r) == GRT_OK);
    CHECK((L = find_layer(r, "token_embd.weight")) && !strcmp(L->precision, "int4_sym") && L->group_size == 4);
    CHECKF(m && core && prefill(core, m, ids, 4, lg, sizeof lg / sizeof lg[0]) > 0, "int4 model does not run: %s",
           grt_last_error());
    grt_compress_report_free(r);
    grt_model_destroy(m);
    grt_core_destroy(core);
}

/* Mean over n positions of KL(softmax(x) || softmax(y)); *agree counts equal argmaxes. */
static double mean_kld(const float *xs, const float *ys, int n, int64_t V, int *agree) {
    double kld = 0;
    *agree = 0;
    for (int t = 0; t < n; t++) {
        const float *x = xs + t * V, *y = ys + t * V;
        double mx = x[0], my = y[0], zx = 0, zy = 0;
        for (int64_t v = 1; v < V; v++) {
            if (x[v] > mx) mx = x[v];
            if (y[v] > my) my = y[v];
        }
        for (int64_t v = 0; v < V; v++) {
            zx += exp(x[v] - mx);
            zy += exp(y[v] - my);
        }
        for (int64_t v = 0; v < V; v++) {
            double lp = x[v] - mx - log(zx), lq = y[v] - my - log(zy);
            kld += exp(lp) * (lp - lq);
        }
        *agree += argmax(x, V) == argmax(y, V);
    }
    return kld / n;
}

/* Greedy decoding from BOS, one token per infer; checks the first 32 tokens of reference.json. */
static int greedy_match(grt_model *m, const cJSON *gr) {
    int matched = 0;
    grt_core *core = NULL;
    grt_compiled_model *cm = NULL;
    grt_infer_request *rq = NULL;
    CHECK_OK(grt_core_create(NULL, &core));
    if (core && test_core_has_device(core, "CPU") && grt_core_compile_model(core, m, "CPU", NULL, 0, &cm) == GRT_OK &&
        grt_compiled_model_create_infer_request(cm, &rq) == GRT_OK) {
        int64_t tok = 1;
        int same = 1;
        for (int i = 0; i < 32 && same; i++) {
            int64_t d[2] = {1, 1}, pos = i;
            grt_tensor *ti = NULL, *tp = NULL, *o = NULL;
            CHECK_OK(grt_tensor_wrap(GRT_I64, 2, d, NULL, &tok, 8, &ti));
            CHECK_OK(grt_tensor_wrap(GRT_I64, 2, d, NULL, &pos, 8, &tp));
            CHECK_OK(grt_infer_request_set_tensor(rq, "input_ids", ti));
            CHECK_OK(grt_infer_request_set_tensor(rq, "position_ids", tp));
            CHECK_OK(grt_infer_request_infer(rq));
            CHECK_OK(grt_infer_request_get_tensor(rq, "logits", &o));
            tok = o ? argmax(grt_tensor_data(o), grt_tensor_dims(o)[2]) : -1;
            same = tok == (int64_t)cJSON_GetArrayItem(gr, i + 1)->valuedouble;
            matched += same;
            grt_tensor_destroy(ti);
            grt_tensor_destroy(tp);
        }
    } else {
        fprintf(stderr, "note: CPU plugin unavailable, greedy check not run\n");
        CHECK(0);
    }
    grt_infer_request_destroy(rq);
    grt_compiled_model_destroy(cm);
    grt_core_destroy(core);
    return matched;
}

static void test_e2e(const char *dir, const char *out) {
    char p[1024], a[1024], b[1024];
    snprintf(p, sizeof p, "%s/reference.json", dir);
    FILE *f = fopen(p, "rb");
    if (!f) return;
    static char buf[1 << 20];
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = 0;
    cJSON *root = cJSON_Parse(buf);
    const cJSON *gr = cJSON_GetObjectItemCaseSensitive(root, "greedy_from_bos");
    CHECK(cJSON_GetArraySize(gr) >= 33);
    grt_model *m = read_model(dir);
    CHECK(m != NULL);
    if (!m || cJSON_GetArraySize(gr) < 33) goto done;
    test_invalid(m);
    test_pass_options(dir);
    {
        int64_t ids[33];
        for (int i = 0; i < 33; i++) ids[i] = (int64_t)cJSON_GetArrayItem(gr, i)->valuedouble;
        check_runtime_matches(dir, ids, 33);
    }
    snprintf(a, sizeof a, "%s/s260k_f32.genrt", out);
    snprintf(b, sizeof b, "%s/s260k_int8.genrt", out);
    CHECK_OK(grt_model_save(m, a));
    CHECKF(greedy_match(m, gr) == 32, "f32 model does not reproduce greedy_from_bos (harness broken)");
    static float base[33 * 4096], q[33 * 4096];
    int64_t ids[33], V = -1, Vq = -1;
    for (int i = 0; i < 33; i++) ids[i] = (int64_t)cJSON_GetArrayItem(gr, i)->valuedouble;
    grt_core *core = NULL;
    CHECK_OK(grt_core_create(NULL, &core));
    if (core) V = prefill(core, m, ids, 33, base, sizeof base / sizeof base[0]);
    CHECK(V > 0);
    double kld_pc = 1e9;
    grt_compress_report *rep = NULL;
    CHECK_OK(grt_model_compress_weights(m, NULL, &rep));
    CHECK(rep && rep->n_layers > 0);
    for (size_t i = 0; rep && i < rep->n_layers; i++) {
        CHECKF(!strcmp(rep->layers[i].precision, "int8_asym"), "%s is %s", rep->layers[i].name,
               rep->layers[i].precision);
        CHECKF(rep->layers[i].error < 0.02, "%s error %g", rep->layers[i].name, rep->layers[i].error);
    }
    CHECK_OK(grt_model_save(m, b));
    long sa = fsize(a), sb2 = fsize(b);
    if (rep) {
        /* per channel int8 asym: u8 values + one f16 scale + one u8 zero point per row */
        for (size_t i = 0; i < rep->n_layers; i++) {
            const grt_compress_layer *L = &rep->layers[i];
            CHECKF(L->bytes_before == (size_t)(L->rows * L->cols * 4) &&
                       L->bytes_after == (size_t)(L->rows * L->cols + L->rows * 3),
                   "%s: %zu -> %zu bytes", L->name, L->bytes_before, L->bytes_after);
        }
        /* the file shrinks by the weight bytes saved, up to per-constant overhead (3 arrays aligned
           to 64 bytes + the compression descriptor): at most 256 bytes per weight */
        double saved = (double)rep->bytes_before - (double)rep->bytes_after;
        CHECKF(sa > 0 && sb2 > 0 && (double)(sa - sb2) <= saved &&
                   (double)(sa - sb2) >= saved - 256.0 * (double)rep->n_layers,
               "IR %ld -> %ld bytes, expected about %.0f fewer", sa, sb2, saved);
        printf("stories260K IR: f32 %ld bytes, int8_asym %ld bytes (x%.2f; weights x%.3f)\n", sa, sb2,
               (double)sa / sb2, (double)rep->bytes_before / rep->bytes_after);
    }
    grt_compress_report_free(rep);
    /* per-channel INT8_ASYM: mean KL(f32 || int8) over the 33 teacher-forced positions */
    if (core) Vq = prefill(core, m, ids, 33, q, sizeof q / sizeof q[0]);
    CHECK(Vq == V);
    if (V > 0 && Vq == V) {
        int agree = 0;
        double kld = mean_kld(base, q, 33, V, &agree);
        printf("int8_asym per channel: mean KLD %.2e, top-1 agreement %d/33, greedy prefix %d/32\n", kld, agree,
               greedy_match(m, gr));
        /* stories260K's logit gaps are as small as 0.05, so greedy decoding diverges under int8
           noise (token 2); teacher-forced agreement and KLD are the meaningful measures here */
        CHECKF(kld < 0.05 && agree >= 30, "int8_asym mean KLD %g, top-1 %d/33", kld, agree);
        kld_pc = kld;
    }
    static const struct { const char *what; uint32_t mode; int64_t group; int ign; } var[] = {
        {"int8_asym g4", GRT_COMPRESS_INT8_ASYM, 4, 0}, {"int8_sym", GRT_COMPRESS_INT8_SYM, -1, 0},
        {"int8_asym, embedding f32", GRT_COMPRESS_INT8_ASYM, -1, 1}, {"int4_asym g4", GRT_COMPRESS_INT4_ASYM, 4, 0},
        {"int4_sym g4", GRT_COMPRESS_INT4_SYM, 4, 0}};
    double kl[5] = {0}, kld_pc_ = kld_pc;
    int gm[5] = {0};
    for (size_t k = 0; core && V > 0 && k < sizeof var / sizeof var[0]; k++) {
        grt_model *v = read_model(dir);
        grt_compress_config c;
        const char *ig[1] = {"token_embd*"};
        grt_compress_config_init(&c);
        c.mode = var[k].mode;
        c.group_size = var[k].group;
        c.ignored_scope = var[k].ign ? ig : NULL;
        c.n_ignored_scope = var[k].ign ? 1 : 0;
        int agree = 0, ok = v && grt_model_compress_weights(v, &c, NULL) == GRT_OK &&
                               prefill(core, v, ids, 33, q, sizeof q / sizeof q[0]) == V;
        CHECKF(ok, "%s: %s", var[k].what, grt_last_error());
        if (ok) {
            kl[k] = mean_kld(base, q, 33, V, &agree);
            gm[k] = greedy_match(v, gr);
            printf("%s: mean KLD %.2e, top-1 %d/33, greedy prefix %d/32\n", var[k].what, kl[k], agree, gm[k]);
        }
        grt_model_destroy(v);
    }
    /* smaller groups quantize better; 4-bit is far worse than 8-bit; with the tied embedding / lm head
       kept f32 (ignored_scope), the int8 model reproduces the 32 greedy tokens */
    CHECKF(kl[0] < kld_pc_ && kld_pc_ < kl[3], "KLD ordering: g4 %g, per channel %g, int4 %g", kl[0], kld_pc_, kl[3]);
    CHECKF(gm[2] == 32, "int8_asym with token_embd ignored: greedy prefix %d/32", gm[2]);
    grt_core_destroy(core);
    grt_model_destroy(m);
    m = NULL;
done:
    grt_model_destroy(m);
    cJSON_Delete(root);
}

int main(int argc, char **argv) {
    if (argc < 3) return 2;
    test_quantizer();
    test_select();
    test_threads(argv[1]);
    test_e2e(argv[1], argv[2]);
    return test_summary("compress");
}
