/*
 * tests/unit/gguf/test_gguf.c - GGUF frontend: block repacking (Q8_0 / Q4_0 / Q4_1) against a
 * plain reference of ggml's formulas and back, reading a synthetic llama GGUF into a model
 * (metadata, config, compressed constants with real-valued zero points, IR round trip), unknown
 * architecture, truncated and corrupted files (FORMAT, never a crash), vocabulary-only files, and
 * every vocab GGUF of $GENRT_SHARED_DIR/tokenizers (skipped part if absent).
 * Usage: test_gguf SCRATCH_DIR
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <genrt/genrt.h>

#include "frontends/gguf.h"
#include "gguf_synth.h"
#include "ir/graph.h"
#include "test_util.h"

static uint32_t g_seed = 12345;
static uint32_t rnd(void) {
    g_seed ^= g_seed << 13;
    g_seed ^= g_seed >> 17;
    g_seed ^= g_seed << 5;
    return g_seed;
}

/* Plain ggml reference: element j of a 32-element block. */
static float ref_q4_0(const uint8_t *blk, int j) {
    float d = gguf_f16_to_f32((uint16_t)(blk[0] | blk[1] << 8));
    int nib = j < 16 ? blk[2 + j] & 15 : blk[2 + j - 16] >> 4;
    return (float)(nib - 8) * d;
}
static float ref_q4_1(const uint8_t *blk, int j) {
    float d = gguf_f16_to_f32((uint16_t)(blk[0] | blk[1] << 8)), m = gguf_f16_to_f32((uint16_t)(blk[2] | blk[3] << 8));
    int nib = j < 16 ? blk[4 + j] & 15 : blk[4 + j - 16] >> 4;
    return (float)nib * d + m;
}

static int nib_at(const uint8_t *q, size_t i) { return (q[i / 2] >> ((i & 1) * 4)) & 15; }

static void random_half(uint8_t *p, float lo, float hi) {
    float v = lo + (hi - lo) * (float)(rnd() % 10000) / 10000.0f;
    uint16_t h = gguf_f32_to_f16(v);
    p[0] = (uint8_t)h;
    p[1] = (uint8_t)(h >> 8);
}

static void test_blocks(void) {
    enum { NB = 8, N = NB * 32 };
    uint8_t q8[NB * 34], q4[NB * 18], q41[NB * 20], back[NB * 34];
    int8_t v8[N];
    uint8_t v4[N / 2];
    uint16_t sc[NB];
    float zp[NB];
    for (size_t i = 0; i < sizeof q8; i++) q8[i] = (uint8_t)rnd();
    for (size_t i = 0; i < sizeof q4; i++) q4[i] = (uint8_t)rnd();
    for (size_t i = 0; i < sizeof q41; i++) q41[i] = (uint8_t)rnd();
    for (int b = 0; b < NB; b++) {
        random_half(q8 + b * 34, -0.1f, 0.1f);
        random_half(q4 + b * 18, -0.1f, 0.1f);
        random_half(q41 + b * 20, 0.001f, 0.05f);
        random_half(q41 + b * 20 + 2, -0.5f, 0.5f);
    }
    /* Q4_1 edge blocks: d == 0 (all values m), d == m == 0 */
    q41[20] = q41[21] = 0;
    q41[40] = q41[41] = q41[42] = q41[43] = 0;
    /* Q8_0 */
    gguf_q8_0_split(q8, N, v8, sc);
    for (int i = 0; i < N; i++) {
        float d = gguf_f16_to_f32((uint16_t)(q8[i / 32 * 34] | q8[i / 32 * 34 + 1] << 8));
        CHECKF((float)v8[i] * gguf_f16_to_f32(sc[i / 32]) == d * (float)(int8_t)q8[i / 32 * 34 + 2 + i % 32],
               "Q8_0 element %d", i);
    }
    gguf_q8_0_join(v8, sc, N, back);
    CHECK(memcmp(back, q8, sizeof q8) == 0);
    /* Q4_0: signed nibbles in our order, lower index low nibble */
    gguf_q4_0_split(q4, N, v4, sc);
    for (int i = 0; i < N; i++) {
        int v = nib_at(v4, (size_t)i);
        v = v >= 8 ? v - 16 : v;
        CHECKF((float)v * gguf_f16_to_f32(sc[i / 32]) == ref_q4_0(q4 + i / 32 * 18, i % 32), "Q4_0 element %d", i);
    }
    gguf_q4_0_join(v4, sc, N, back);
    CHECK(memcmp(back, q4, sizeof q4) == 0);
    /* Q4_1: (q - z) * s with f32 z = -m/d */
    gguf_q4_1_split(q41, N, v4, sc, zp);
    for (int i = 0; i < N; i++) {
        float got = ((float)nib_at(v4, (size_t)i) - zp[i / 32]) * gguf_f16_to_f32(sc[i / 32]);
        float want = ref_q4_1(q41 + i / 32 * 20, i % 32);
        CHECKF(fabsf(got - want) <= 1e-6f * (1.0f + fabsf(want)), "Q4_1 element %d: %g vs %g", i, got, want);
    }
    gguf_q4_1_join(v4, sc, zp, N, back);
    for (int i = 0; i < N; i++) {
        float want = ref_q4_1(q41 + i / 32 * 20, i % 32), got = ref_q4_1(back + i / 32 * 20, i % 32);
        CHECKF(fabsf(got - want) <= 1e-3f * (1.0f + fabsf(want)), "Q4_1 join element %d: %g vs %g", i, got, want);
    }
    /* dequantize agrees with the references */
    float deq[N];
    CHECK(gguf_dequantize(GGML_Q4_1, q41, N, deq));
    for (int i = 0; i < N; i++) CHECK(deq[i] == ref_q4_1(q41 + i / 32 * 20, i % 32));
    /* f16 conversion round trips every finite half */
    int bad = 0;
    for (uint32_t h = 0; h < 0x10000; h++)
        if (((h >> 10) & 31) != 31 && gguf_f32_to_f16(gguf_f16_to_f32((uint16_t)h)) != h) bad++;
    CHECKF(bad == 0, "%d halves do not round trip", bad);
}


/* K-quants: gguf_dequantize (ggml's loop form) against element-wise formulas from the block
 * descriptions, on random blocks with small f16 d / dmin. */
static float hf(const uint8_t *p) { return gguf_f16_to_f32((uint16_t)(p[0] | p[1] << 8)); }
static void k_scale_min(const uint8_t *q, int j, int *sc, int *m) {
    *sc = j < 4 ? q[j] & 63 : (q[j + 4] & 15) | (q[j - 4] >> 6) << 4;
    *m = j < 4 ? q[j + 4] & 63 : (q[j + 4] >> 4) | (q[j] >> 6) << 4;
}
static float kref(uint32_t type, const uint8_t *b, int e) {
    int n = e / 128, r = e % 128, j = r / 32, h = (r % 32) / 16, l = r % 16, i = 16 * h + l;
    switch (type) {
    case GGML_Q2_K: {
        int sc = b[8 * n + 2 * j + h], q = (b[16 + 32 * n + i] >> (2 * j)) & 3;
        return hf(b + 80) * (float)(sc & 15) * (float)q - hf(b + 82) * (float)(sc >> 4);
    }
    case GGML_Q3_K: {
        int is = 8 * n + 2 * j + h, q = (b[32 + 32 * n + i] >> (2 * j)) & 3;
        if (!(b[i] & (1 << (4 * n + j)))) q -= 4;
        const uint8_t *s = b + 96;
        int sc = (is < 8 ? s[is] & 15 : s[is - 8] >> 4) | ((s[8 + is % 4] >> (2 * (is / 4))) & 3) << 4;
        return hf(b + 108) * (float)(sc - 32) * (float)q;
    }
    case GGML_Q4_K:
    case GGML_Q5_K: {
        int c = e / 64, hi = (e % 64) / 32, ll = e % 32, five = type == GGML_Q5_K, sc, m;
        const uint8_t *qs = b + (five ? 48 : 16);
        int q = hi ? qs[32 * c + ll] >> 4 : qs[32 * c + ll] & 15;
        if (five) q += 16 * ((b[16 + ll] >> (2 * c + hi)) & 1);
        k_scale_min(b + 4, 2 * c + hi, &sc, &m);
        return hf(b) * (float)sc * (float)q - hf(b + 2) * (float)m;
    }
    default: { /* Q6_K */
        int quarter = r / 32, l32 = r % 32;
        uint8_t lb = b[64 * n + l32 + (quarter & 1) * 32];
        int q = ((quarter < 2 ? lb & 15 : lb >> 4) | ((b[128 + 32 * n + l32] >> (2 * quarter)) & 3) << 4) - 32;
        return hf(b + 208) * (float)(int8_t)b[192 + 8 * n + l32 / 16 + 2 * quarter] * (float)q;
    }
    }
}

static void test_kquants(void) {
    static const struct {
        uint32_t type;
        size_t bytes, d_at[2];
    } ks[] = {{GGML_Q2_K, 84, {80, 82}}, {GGML_Q3_K, 110, {108, 108}}, {GGML_Q4_K, 144, {0, 2}},
              {GGML_Q5_K, 176, {0, 2}}, {GGML_Q6_K, 210, {208, 208}}};
    uint8_t blk[2 * 210];
    float out[512];
    for (size_t k = 0; k < sizeof ks / sizeof ks[0]; k++) {
        for (size_t i = 0; i < sizeof blk; i++) blk[i] = (uint8_t)rnd();
        for (int b = 0; b < 2; b++) {
            random_half(blk + b * ks[k].bytes + ks[k].d_at[0], 0.001f, 0.01f);
            if (ks[k].d_at[1] != ks[k].d_at[0]) random_half(blk + b * ks[k].bytes + ks[k].d_at[1], 0.001f, 0.01f);
        }
        CHECK(gguf_dequantize(ks[k].type, blk, 512, out));
        int bad = 0;
        for (int e = 0; e < 512; e++) {
            float want = kref(ks[k].type, blk + (e / 256) * ks[k].bytes, e % 256);
            bad += fabsf(out[e] - want) > 1e-6f * (1.0f + fabsf(want));
        }
        CHECKF(bad == 0, "%s: %d values differ", ggml_type_name(ks[k].type), bad);
    }
}

static int write_file(const char *path, const uint8_t *d, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    int ok = fwrite(d, 1, n, f) == n;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static const grt_ir_node *find_const(const grt_model *m, const char *name) {
    for (uint32_t i = 0; i < m->g.n_nodes; i++)
        if (m->g.nodes[i].op == GRT_OP_CONSTANT && !strcmp(m->g.nodes[i].name, name)) return &m->g.nodes[i];
    return NULL;
}

static void test_model(const char *dir) {
    uint8_t *d = NULL;
    size_t n = 0;
    char path[512], irpath[512];
    grt_model *m = NULL, *m2 = NULL;
    grt_meta_value v;
    CHECK(gguf_synth_llama(7, &d, &n) == 0);
    if (!d) return;
    snprintf(path, sizeof path, "%s/synth.gguf", dir);
    CHECK(write_file(path, d, n) == 0);
    CHECK_OK(grt_model_read(NULL, path, &m));
    if (m) {
        CHECK(grt_model_node_count(m) > 10);
        CHECK_OK(grt_model_get_meta(m, "tokenizer.ggml.tokens", &v));
        CHECK(v.type == GRT_META_STRING_ARRAY && v.u.strs.count == 64 && !strcmp(v.u.strs.data[5], "tok5"));
        CHECK_OK(grt_model_get_meta(m, "tokenizer.chat_template", &v));
        CHECK(v.type == GRT_META_STRING && strstr(v.u.str.data, "messages"));
        CHECK_OK(grt_model_get_meta(m, "tokenizer.ggml.scores", &v));
        CHECK(v.type == GRT_META_FLOAT_ARRAY && v.u.floats.count == 64 && v.u.floats.data[3] == -3.0);
        CHECK_OK(grt_model_get_meta(m, "general.architecture", &v));
        CHECK(v.type == GRT_META_STRING && !strcmp(v.u.str.data, "llama"));
        /* blk.0.attn_v.weight is Q4_1 [32 x 64]: u4 asym, f32 zero points, values = ggml's */
        grt_gguf *f = NULL;
        CHECK_OK(grt_gguf_open(path, &f));
        const grt_gguf_tensor *t = f ? grt_gguf_find_tensor(f, "blk.0.attn_v.weight") : NULL;
        const grt_ir_node *c = find_const(m, "blk.0.attn_v.weight");
        CHECK(t && c && c->cst && t->type == GGML_Q4_1);
        if (t && c && c->cst) {
            const grt_compression_info *ci = &c->cst->comp;
            CHECK(ci->kind == GRT_COMPRESSION_ASYM && ci->storage_type == GRT_U4 && ci->zero_point_type == GRT_F32 &&
                  ci->group_size == 32 && c->outputs[0].shape.dims[0] == 32 && c->outputs[0].shape.dims[1] == 64);
            int bad = 0;
            for (size_t i = 0; i < 32 * 64; i++) {
                float want = ref_q4_1(t->data + i / 32 * 20, (int)(i % 32));
                float got = ((float)nib_at(c->cst->data, i) - ((const float *)ci->zero_points)[i / 32]) *
                            gguf_f16_to_f32(((const uint16_t *)ci->scales)[i / 32]);
                bad += fabsf(got - want) > 1e-6f * (1.0f + fabsf(want));
            }
            CHECKF(bad == 0, "%d Q4_1 values differ", bad);
        }
        /* F32 norm weights are zero-copy when aligned; Q4_0 maps to i4 sym */
        const grt_ir_node *q40 = find_const(m, "blk.0.attn_k.weight");
        CHECK(q40 && q40->cst && q40->cst->comp.kind == GRT_COMPRESSION_SYM && q40->cst->comp.storage_type == GRT_I4);
        grt_gguf_close(f);
        /* the IR file keeps the f32 zero points */
        snprintf(irpath, sizeof irpath, "%s/synth.grt", dir);
        CHECK_OK(grt_model_save(m, irpath));
        CHECK_OK(grt_model_read(NULL, irpath, &m2));
        const grt_ir_node *c2 = m2 ? find_const(m2, "blk.0.attn_v.weight") : NULL;
        CHECK(c2 && c && c2->cst->comp.zero_point_type == GRT_F32 &&
              !memcmp(c2->cst->comp.zero_points, c->cst->comp.zero_points, c->cst->comp.zero_points_bytes));
        grt_model_destroy(m2);
        grt_model_destroy(m);
    }
    /* truncated files: every cut is a FORMAT error naming the file */
    size_t step = n / 301 + 1;
    for (size_t cut = 4; cut < n; cut += step) {
        CHECK(write_file(path, d, cut) == 0);
        m = NULL;
        grt_status st = grt_model_read(NULL, path, &m);
        CHECKF(st == GRT_ERROR_FORMAT && m == NULL && strstr(grt_last_error(), path), "cut at %zu: %s", cut,
               grt_status_str(st));
        grt_model_destroy(m);
    }
    /* corrupted bytes: a clean status either way (ASan/UBSan catch the rest) */
    uint8_t *e = malloc(n);
    for (int k = 0; e && k < 200; k++) {
        memcpy(e, d, n);
        for (int j = 0; j < 4; j++) e[rnd() % (n < 4096 ? n : 4096)] ^= (uint8_t)(1u << (rnd() % 8));
        CHECK(write_file(path, e, n) == 0);
        m = NULL;
        grt_status st = grt_model_read(NULL, path, &m);
        CHECK((st == GRT_OK) == (m != NULL));
        grt_model_destroy(m);
    }
    /* unknown architecture */
    if (e) {
        memcpy(e, d, n);
        uint8_t *p = memmem(e, n, "llama", 5);
        if (p) memcpy(p, "gemmx", 5);
        CHECK(write_file(path, e, n) == 0);
        CHECK_ERR(grt_model_read(NULL, path, &m), GRT_ERROR_NOT_SUPPORTED, "gemmx");
    }
    /* version 1 and bad alignment */
    if (e) {
        memcpy(e, d, n);
        e[4] = 1;
        CHECK(write_file(path, e, n) == 0);
        CHECK_ERR(grt_model_read(NULL, path, &m), GRT_ERROR_NOT_SUPPORTED, "version 1");
    }
    free(e);
    free(d);
}

/* llama.cpp's convert_hf_to_gguf.py llama3 rope_factors (inv_freq in f32 like torch), written
 * here independently of the core. */
static void ref_rope_freqs(double theta, int R, double factor, double low, double high, double orig, float *out) {
    for (int i = 0; i < R / 2; i++) {
        double inv = (double)(float)(1.0 / pow(theta, (double)(2 * i) / R));
        double wl = 2.0 * 3.14159265358979323846 / inv, d;
        if (wl < orig / high) d = 1.0;
        else if (wl > orig / low) d = factor;
        else {
            double sm = (orig / wl - low) / (high - low);
            d = 1.0 / ((1.0 - sm) / factor + sm);
        }
        out[i] = (float)d;
    }
}

static double rope_attr(const grt_model *m, const char *name) {
    for (uint32_t i = 0; i < m->g.n_nodes; i++)
        if (m->g.nodes[i].op == GRT_OP_ROPE) {
            const grt_attr_value *a = grt_ir_node_attr(&m->g.nodes[i], name);
            return !a ? -1.0 : a->type == GRT_ATTR_FLOAT ? a->u.f : (double)a->u.i;
        }
    return -1.0;
}

/* Reads the synthetic llama (theta 10000, rotary 16: 8 pairs) carrying rope_freqs.weight for the
 * given llama3 parameters; returns the model or NULL (status in *st). */
static grt_model *read_with_freqs(const char *path, const float *fr, size_t n, grt_status *st) {
    uint8_t *d = NULL;
    size_t sz = 0;
    grt_model *m = NULL;
    *st = GRT_ERROR_INTERNAL;
    CHECK(gguf_synth_llama_freqs(3, fr, n, &d, &sz) == 0);
    if (d && write_file(path, d, sz) == 0) *st = grt_model_read(NULL, path, &m);
    free(d);
    return m;
}

/* llama.cpp's form of Llama 3.1+ RoPE scaling (no genrt keys): the standard Llama 3.2 values
 * (factor 32), a non-standard set recovered from the transition band, a tensor that matches no
 * llama3 config and a wrong length (both NOT_SUPPORTED naming the tensor). */
static void test_rope_freqs(const char *dir) {
    char path[512];
    float fr[8], got[8];
    grt_status st;
    snprintf(path, sizeof path, "%s/rope_freqs.gguf", dir);
    ref_rope_freqs(10000.0, 16, 32.0, 1.0, 4.0, 8192.0, fr);
    CHECK(fr[5] == 1.0f && fr[6] > 1.0f && fr[6] < 32.0f && fr[7] == 32.0f); /* one pair in the band */
    grt_model *m = read_with_freqs(path, fr, 8, &st);
    CHECKF(st == GRT_OK && m, "factor 32: %s", grt_last_error());
    if (m) {
        CHECK(rope_attr(m, "scaling") == 2.0 && rope_attr(m, "factor") == 32.0 && rope_attr(m, "low_freq_factor") == 1.0 &&
              rope_attr(m, "high_freq_factor") == 4.0 && rope_attr(m, "original_max_position") == 8192.0);
        grt_model_destroy(m);
    }
    /* non-standard: factor 16, band [1024, 4096] (wavelength 1987 inside, 6283 and 19869 above) */
    ref_rope_freqs(10000.0, 16, 16.0, 1.0, 4.0, 4096.0, fr);
    m = read_with_freqs(path, fr, 8, &st);
    CHECKF(st == GRT_OK && m, "factor 16: %s", grt_last_error());
    if (m) {
        CHECK(rope_attr(m, "scaling") == 2.0 && rope_attr(m, "factor") == 16.0);
        ref_rope_freqs(rope_attr(m, "theta"), 16, rope_attr(m, "factor"), rope_attr(m, "low_freq_factor"),
                       rope_attr(m, "high_freq_factor"), rope_attr(m, "original_max_position"), got);
        for (int i = 0; i < 8; i++) CHECKF(fabsf(got[i] - fr[i]) <= 1e-6f * fr[i], "pair %d: %g vs %g", i, got[i], fr[i]);
        grt_model_destroy(m);
    }
    /* all ones: no scaling */
    for (int i = 0; i < 8; i++) fr[i] = 1.0f;
    m = read_with_freqs(path, fr, 8, &st);
    CHECK(st == GRT_OK && m && rope_attr(m, "scaling") == 0.0);
    grt_model_destroy(m);
    /* mismatch: a transition-band value off by 1e-3, then a non-monotonic table */
    ref_rope_freqs(10000.0, 16, 32.0, 1.0, 4.0, 8192.0, fr);
    fr[6] *= 1.001f;
    m = read_with_freqs(path, fr, 8, &st);
    CHECK(st == GRT_ERROR_NOT_SUPPORTED && !m && strstr(grt_last_error(), "rope_freqs.weight"));
    grt_model_destroy(m);
    ref_rope_freqs(10000.0, 16, 32.0, 1.0, 4.0, 8192.0, fr);
    fr[2] = 3.0f;
    m = read_with_freqs(path, fr, 8, &st);
    CHECK(st == GRT_ERROR_NOT_SUPPORTED && !m && strstr(grt_last_error(), "rope_freqs.weight"));
    grt_model_destroy(m);
    /* wrong length */
    m = read_with_freqs(path, fr, 7, &st);
    CHECK(st == GRT_ERROR_NOT_SUPPORTED && !m && strstr(grt_last_error(), "rope_freqs.weight"));
    grt_model_destroy(m);
}

static void test_vocab(const char *dir) {
    uint8_t *d = NULL;
    size_t n = 0;
    char path[512];
    grt_model *m = NULL;
    grt_meta_value v;
    CHECK(gguf_synth_vocab(&d, &n) == 0);
    snprintf(path, sizeof path, "%s/vocab.gguf", dir);
    CHECK(d && write_file(path, d, n) == 0);
    CHECK_OK(grt_model_read(NULL, path, &m));
    CHECK(m && grt_model_node_count(m) == 0);
    CHECK(m && grt_model_get_meta(m, "tokenizer.ggml.tokens", &v) == GRT_OK && v.u.strs.count == 3 &&
          v.u.strs.lens[2] == 2);
    grt_model_destroy(m);
    free(d);
}

/* Returns 1 if the shared folder was found. */
static int test_shared_vocabs(void) {
    const char *sh = getenv("GENRT_SHARED_DIR");
    char dirp[512], path[1024];
    int found = 0;
    if (!sh) return 0;
    snprintf(dirp, sizeof dirp, "%s/tokenizers", sh);
    DIR *dd = opendir(dirp);
    if (!dd) return 0;
    for (struct dirent *de; (de = readdir(dd));) {
        size_t l = strlen(de->d_name);
        if (l < 5 || strcmp(de->d_name + l - 5, ".gguf")) continue;
        snprintf(path, sizeof path, "%s/%s", dirp, de->d_name);
        grt_model *m = NULL;
        grt_meta_value v;
        CHECK_OK(grt_model_read(NULL, path, &m));
        CHECKF(m && grt_model_get_meta(m, "tokenizer.ggml.tokens", &v) == GRT_OK &&
                   v.type == GRT_META_STRING_ARRAY && v.u.strs.count > 100,
               "%s: tokens", path);
        CHECKF(m && grt_model_get_meta(m, "tokenizer.ggml.model", &v) == GRT_OK, "%s: tokenizer model", path);
        grt_model_destroy(m);
        found++;
    }
    closedir(dd);
    printf("%d shared vocab GGUF files read\n", found);
    return found > 0;
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : ".";
    test_blocks();
    test_kquants();
    test_vocab(dir);
    test_model(dir);
    test_rope_freqs(dir);
    int shared = test_shared_vocabs();
    printf("%d checks, %d failures%s\n", g_checks, g_failures, shared ? "" : " (shared vocab files not found: skipped)");
    return g_failures ? 1 : 0;
}
