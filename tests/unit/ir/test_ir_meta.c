/*
 * test_ir_meta.c - model metadata (genrt/model.h grt_model_set_meta & co.): set/get/replace/
 * remove and key order, every value type, copies independent of the caller's buffers, invalid
 * arguments, big arrays (150k strings, 20k keys), binary strings (NUL, invalid UTF-8), round trip
 * through grt_model_save / grt_model_read (byte-identical re-save), and corrupted "metadata"
 * sections (JSON edits with a valid checksum, a corrupted offsets table in the blob) that must
 * give GRT_ERROR_FORMAT naming the file.
 * Usage: test_ir_meta <scratch-dir>
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../common/test_util.h"
#include "ir/serialize_format.h"
#include "ir_samples.h"

static char g_dir[3000];

static const char *tmp_path(const char *name) { return ir_scratch_path(g_dir, "meta_test", name); }

static grt_meta_value v_int(int64_t i) {
    grt_meta_value v = {.type = GRT_META_INT};
    v.u.i = i;
    return v;
}
static grt_meta_value v_float(double f) {
    grt_meta_value v = {.type = GRT_META_FLOAT};
    v.u.f = f;
    return v;
}
static grt_meta_value v_str(const char *s, size_t n) {
    grt_meta_value v = {.type = GRT_META_STRING};
    v.u.str.data = s;
    v.u.str.len = n;
    return v;
}
static grt_meta_value v_ints(const int64_t *p, size_t n) {
    grt_meta_value v = {.type = GRT_META_INT_ARRAY};
    v.u.ints.data = p;
    v.u.ints.count = n;
    return v;
}
static grt_meta_value v_floats(const double *p, size_t n) {
    grt_meta_value v = {.type = GRT_META_FLOAT_ARRAY};
    v.u.floats.data = p;
    v.u.floats.count = n;
    return v;
}
static grt_meta_value v_strs(const char *const *p, const size_t *lens, size_t n) {
    grt_meta_value v = {.type = GRT_META_STRING_ARRAY};
    v.u.strs.data = p;
    v.u.strs.lens = lens;
    v.u.strs.count = n;
    return v;
}

/* 1 if the two values are equal bit for bit (floats by bits, strings by bytes + terminator). */
static int value_equal(const grt_meta_value *a, const grt_meta_value *b) {
    if (a->type != b->type) return 0;
    switch (a->type) {
    case GRT_META_INT: return a->u.i == b->u.i;
    case GRT_META_FLOAT: return !memcmp(&a->u.f, &b->u.f, sizeof(double));
    case GRT_META_STRING:
        return a->u.str.len == b->u.str.len && !memcmp(a->u.str.data, b->u.str.data, a->u.str.len) &&
               b->u.str.data[b->u.str.len] == '\0';
    case GRT_META_INT_ARRAY:
    case GRT_META_FLOAT_ARRAY:
        return a->u.ints.count == b->u.ints.count && (a->u.ints.count == 0 || !memcmp(a->u.ints.data, b->u.ints.data, 8 * a->u.ints.count));
    case GRT_META_STRING_ARRAY:
        if (a->u.strs.count != b->u.strs.count) return 0;
        for (size_t i = 0; i < a->u.strs.count; i++)
            if (a->u.strs.lens[i] != b->u.strs.lens[i] || memcmp(a->u.strs.data[i], b->u.strs.data[i], a->u.strs.lens[i]) ||
                b->u.strs.data[i][b->u.strs.lens[i]] != '\0')
                return 0;
        return 1;
    default: return 0;
    }
}

/* Every key of a in the same order, with equal values, in b. */
static int meta_equal(const grt_model *a, const grt_model *b) {
    if (grt_model_meta_count(a) != grt_model_meta_count(b)) return 0;
    for (size_t i = 0; i < grt_model_meta_count(a); i++) {
        grt_meta_value x, y;
        const char *k = grt_model_meta_key(a, i);
        if (!k || !grt_model_meta_key(b, i) || strcmp(k, grt_model_meta_key(b, i))) return 0;
        if (grt_model_get_meta(a, k, &x) != GRT_OK || grt_model_get_meta(b, k, &y) != GRT_OK || !value_equal(&x, &y))
            return 0;
    }
    return 1;
}

static void test_basic(void) {
    grt_model *m = NULL;
    grt_meta_value v, got;
    CHECK_OK(grt_model_create("m", &m));
    if (!m) return;
    CHECK(grt_model_meta_count(m) == 0 && grt_model_meta_key(m, 0) == NULL);
    CHECK_ERR(grt_model_get_meta(m, "general.architecture", &got), GRT_ERROR_NOT_FOUND, "general.architecture");
    char arch[] = "llama";
    v = v_str(arch, 5);
    CHECK_OK(grt_model_set_meta(m, "general.architecture", &v));
    arch[0] = 'X'; /* the model holds a copy */
    v = v_int(2048);
    CHECK_OK(grt_model_set_meta(m, "llama.context_length", &v));
    v = v_float(1e-5);
    CHECK_OK(grt_model_set_meta(m, "llama.attention.layer_norm_rms_epsilon", &v));
    CHECK(grt_model_meta_count(m) == 3);
    CHECK_OK(grt_model_get_meta(m, "general.architecture", &got));
    CHECK(got.type == GRT_META_STRING && got.u.str.len == 5 && !strcmp(got.u.str.data, "llama"));
    CHECK_OK(grt_model_get_meta(m, "llama.context_length", &got));
    CHECK(got.type == GRT_META_INT && got.u.i == 2048);
    /* Replace keeps the position and may change the type. */
    int64_t ids[3] = {1, 2, 3};
    v = v_ints(ids, 3);
    CHECK_OK(grt_model_set_meta(m, "general.architecture", &v));
    ids[1] = 99;
    CHECK(grt_model_meta_count(m) == 3 && !strcmp(grt_model_meta_key(m, 0), "general.architecture"));
    CHECK_OK(grt_model_get_meta(m, "general.architecture", &got));
    CHECK(got.type == GRT_META_INT_ARRAY && got.u.ints.count == 3 && got.u.ints.data[1] == 2);
    /* Remove shifts later keys; removing an absent key is a no-op. */
    CHECK_OK(grt_model_remove_meta(m, "general.architecture"));
    CHECK_OK(grt_model_remove_meta(m, "general.architecture"));
    CHECK(grt_model_meta_count(m) == 2);
    CHECK(!strcmp(grt_model_meta_key(m, 0), "llama.context_length"));
    CHECK(!strcmp(grt_model_meta_key(m, 1), "llama.attention.layer_norm_rms_epsilon"));
    CHECK_ST(grt_model_get_meta(m, "general.architecture", &got), GRT_ERROR_NOT_FOUND);
    CHECK_OK(grt_model_get_meta(m, "llama.attention.layer_norm_rms_epsilon", &got));
    CHECK(got.type == GRT_META_FLOAT && got.u.f == 1e-5);
    v = v_int(7);
    CHECK_OK(grt_model_set_meta(m, "general.architecture", &v)); /* re-added at the end */
    CHECK(!strcmp(grt_model_meta_key(m, 2), "general.architecture"));
    /* Empty values. */
    v = v_str(NULL, 0);
    CHECK_OK(grt_model_set_meta(m, "empty.string", &v));
    CHECK_OK(grt_model_get_meta(m, "empty.string", &got));
    CHECK(got.u.str.len == 0 && got.u.str.data && got.u.str.data[0] == '\0');
    v = v_strs(NULL, NULL, 0);
    CHECK_OK(grt_model_set_meta(m, "empty.strings", &v));
    v = v_floats(NULL, 0);
    CHECK_OK(grt_model_set_meta(m, "empty.floats", &v));
    /* Invalid arguments leave the model unchanged. */
    size_t before = grt_model_meta_count(m);
    v = v_int(1);
    CHECK_ST(grt_model_set_meta(NULL, "k", &v), GRT_ERROR_INVALID_ARGUMENT);
    CHECK_ST(grt_model_set_meta(m, NULL, &v), GRT_ERROR_INVALID_ARGUMENT);
    CHECK_ST(grt_model_set_meta(m, "", &v), GRT_ERROR_INVALID_ARGUMENT);
    CHECK_ST(grt_model_set_meta(m, "k", NULL), GRT_ERROR_INVALID_ARGUMENT);
    CHECK_ST(grt_model_set_meta(m, "bad\xff", &v), GRT_ERROR_INVALID_ARGUMENT);
    v.type = 99;
    CHECK_ERR(grt_model_set_meta(m, "k", &v), GRT_ERROR_INVALID_ARGUMENT, "k");
    const char *with_null[2] = {"a", NULL};
    size_t lens2[2] = {1, 0};
    v = v_strs(with_null, lens2, 2);
    CHECK_ERR(grt_model_set_meta(m, "general.architecture", &v), GRT_ERROR_INVALID_ARGUMENT, "entry 1");
    v = v_ints(NULL, 4);
    CHECK_ST(grt_model_set_meta(m, "general.architecture", &v), GRT_ERROR_INVALID_ARGUMENT);
    CHECK(grt_model_meta_count(m) == before);
    CHECK_OK(grt_model_get_meta(m, "general.architecture", &got));
    CHECK(got.type == GRT_META_INT && got.u.i == 7);
    CHECK_ST(grt_model_get_meta(m, NULL, &got), GRT_ERROR_INVALID_ARGUMENT);
    CHECK(grt_model_meta_count(NULL) == 0 && grt_model_meta_key(NULL, 0) == NULL);
    grt_model_destroy(m);
}

/* Big values: a 150k-token vocabulary, its scores, and 20k distinct keys. */
#define NTOK 150000
static void test_big(void) {
    grt_model *m = NULL;
    grt_meta_value v, got;
    char **toks = calloc(NTOK, sizeof *toks);
    size_t *lens = calloc(NTOK, sizeof *lens);
    double *scores = calloc(NTOK, sizeof *scores);
    CHECK_OK(grt_model_create("big", &m));
    if (!m || !toks || !lens || !scores) goto done;
    for (size_t i = 0; i < NTOK; i++) {
        char buf[32];
        lens[i] = (size_t)snprintf(buf, sizeof buf, "tok_%zu", i);
        if (i % 1000 == 7) lens[i] = 0; /* some empty tokens */
        toks[i] = malloc(lens[i] + 1);
        if (!toks[i]) goto done;
        memcpy(toks[i], buf, lens[i] + 1);
        scores[i] = -(double)i * 0.25;
    }
    v = v_strs((const char *const *)toks, lens, NTOK);
    for (int rep = 0; rep < 3; rep++) CHECK_OK(grt_model_set_meta(m, "tokenizer.ggml.tokens", &v)); /* set replaces */
    v = v_floats(scores, NTOK);
    CHECK_OK(grt_model_set_meta(m, "tokenizer.ggml.scores", &v));
    CHECK(grt_model_meta_count(m) == 2);
    CHECK_OK(grt_model_get_meta(m, "tokenizer.ggml.tokens", &got));
    CHECK(got.u.strs.count == NTOK && !strcmp(got.u.strs.data[149999], "tok_149999") && got.u.strs.lens[7] == 0);
    for (int i = 0; i < 20000; i++) {
        char key[32];
        snprintf(key, sizeof key, "k.%d", i);
        v = v_int(i);
        if (grt_model_set_meta(m, key, &v) != GRT_OK) {
            CHECK(0);
            break;
        }
    }
    int bad = 0;
    for (int i = 0; i < 20000; i += 7) {
        char key[32];
        snprintf(key, sizeof key, "k.%d", i);
        bad += grt_model_get_meta(m, key, &got) != GRT_OK || got.u.i != i || strcmp(grt_model_meta_key(m, 2 + (size_t)i), key);
    }
    CHECK(bad == 0);
    /* Round trip of the big table. */
    const char *p = tmp_path("big.genrtir");
    grt_model *mlp = NULL, *back = NULL;
    CHECK_OK(ir_sample_mlp(&mlp));
    if (mlp) {
        v = v_strs((const char *const *)toks, lens, NTOK);
        CHECK_OK(grt_model_set_meta(mlp, "tokenizer.ggml.tokens", &v));
        v = v_floats(scores, NTOK);
        CHECK_OK(grt_model_set_meta(mlp, "tokenizer.ggml.scores", &v));
        CHECK_OK(grt_model_save(mlp, p));
        CHECK_OK(grt_model_read(NULL, p, &back));
        CHECK(back && meta_equal(mlp, back));
    }
    grt_model_destroy(back);
    grt_model_destroy(mlp);
    unlink(p);
done:
    for (size_t i = 0; toks && i < NTOK; i++) free(toks[i]);
    free(toks);
    free(lens);
    free(scores);
    grt_model_destroy(m);
}

/* A model with every type, extreme values and binary strings. */
static grt_model *full_model(void) {
    grt_model *m = NULL;
    grt_meta_value v;
    if (ir_sample_mlp(&m) != GRT_OK) return NULL;
    static const char bin[] = "a\0b\xff\xc3(\xc0\x80\xed\xa0\x80z"; /* NUL, invalid bytes, overlong, surrogate */
    static const char utf8[] = "{% for m in messages %}\"\\\n\t\x01 caf\xc3\xa9 \xf0\x9f\x98\x80{% endfor %}";
    static const int64_t ints[] = {0, -1, INT64_MIN, INT64_MAX, 9007199254740993LL, 42};
    double floats[] = {0.0, -0.0, 1.0 / 3.0, 1e-310, 1e308, NAN, INFINITY, -INFINITY};
    const char *strs[] = {"<s>", "", "\xe2\x96\x81the", "a\0b", "\xff", "<0x0A>"};
    size_t slens[] = {3, 0, 6, 3, 1, 6};
    int ok = 1;
    v = v_str("llama", 5), ok &= grt_model_set_meta(m, "general.architecture", &v) == GRT_OK;
    v = v_str(utf8, sizeof utf8 - 1), ok &= grt_model_set_meta(m, "tokenizer.chat_template", &v) == GRT_OK;
    v = v_str(bin, sizeof bin - 1), ok &= grt_model_set_meta(m, "binary", &v) == GRT_OK;
    v = v_str("", 0), ok &= grt_model_set_meta(m, "empty", &v) == GRT_OK;
    v = v_int(INT64_MIN), ok &= grt_model_set_meta(m, "int.min", &v) == GRT_OK;
    v = v_int(INT64_MAX), ok &= grt_model_set_meta(m, "int.max", &v) == GRT_OK;
    v = v_float(NAN), ok &= grt_model_set_meta(m, "float.nan", &v) == GRT_OK;
    v = v_float(-INFINITY), ok &= grt_model_set_meta(m, "float.ninf", &v) == GRT_OK;
    v = v_float(-0.0), ok &= grt_model_set_meta(m, "float.nzero", &v) == GRT_OK;
    v = v_float(0.1), ok &= grt_model_set_meta(m, "float.tenth", &v) == GRT_OK;
    v = v_ints(ints, 6), ok &= grt_model_set_meta(m, "ints", &v) == GRT_OK;
    v = v_floats(floats, 8), ok &= grt_model_set_meta(m, "floats", &v) == GRT_OK;
    v = v_strs(strs, slens, 6), ok &= grt_model_set_meta(m, "tokenizer.ggml.tokens", &v) == GRT_OK;
    v = v_ints(NULL, 0), ok &= grt_model_set_meta(m, "ints.empty", &v) == GRT_OK;
    v = v_strs(NULL, NULL, 0), ok &= grt_model_set_meta(m, "strs.empty", &v) == GRT_OK;
    v = v_str("caf\xc3\xa9", 5), ok &= grt_model_set_meta(m, "cl\xc3\xa9.utf8", &v) == GRT_OK;
    if (!ok) {
        grt_model_destroy(m);
        return NULL;
    }
    return m;
}

static void test_round_trip(void) {
    grt_model *m = full_model(), *back = NULL, *plain = NULL, *pback = NULL;
    const char *p1 = tmp_path("full1.genrtir"), *p2 = tmp_path("full2.genrtir");
    uint8_t *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    CHECK(m != NULL);
    if (!m) return;
    CHECK_OK(grt_model_save(m, p1));
    CHECK_OK(grt_model_read(NULL, p1, &back));
    if (back) {
        unlink(p1); /* values must not depend on the file mapping */
        CHECK(meta_equal(m, back));
        grt_meta_value got;
        CHECK_OK(grt_model_get_meta(back, "binary", &got));
        CHECK(got.type == GRT_META_STRING && got.u.str.len == 12 && got.u.str.data[1] == '\0');
        CHECK_OK(grt_model_get_meta(back, "float.nan", &got));
        CHECK(isnan(got.u.f));
        CHECK(grt_model_node_count(back) == grt_model_node_count(m));
        CHECK_OK(grt_model_save(back, p1));
        CHECK_OK(grt_model_save(m, p2));
        a = ir_slurp(p1, &na);
        b = ir_slurp(p2, &nb);
        CHECK(a && b && na == nb && !memcmp(a, b, na)); /* deterministic; re-save identical */
    }
    /* No metadata: no "metadata" section at all (files readable by readers without it). */
    CHECK_OK(ir_sample_mlp(&plain));
    if (plain) {
        CHECK_OK(grt_model_save(plain, p2));
        free(b);
        b = ir_slurp(p2, &nb);
        CHECK(b && nb > 64);
        if (b) {
            char *json = ir_json_text(b);
            CHECK(json && !strstr(json, "\"metadata\""));
            free(json);
        }
        CHECK_OK(grt_model_read(NULL, p2, &pback));
        CHECK(pback && grt_model_meta_count(pback) == 0);
    }
    unlink(p1);
    unlink(p2);
    free(a);
    free(b);
    grt_model_destroy(m);
    grt_model_destroy(back);
    grt_model_destroy(plain);
    grt_model_destroy(pback);
}

/* Writes a copy of file `orig` with the first `from` in its JSON replaced by `to` (checksum and
 * blob offset fixed up) and returns the status of reading it. */
static grt_status read_edit(const uint8_t *orig, const char *from, const char *to, const char *name) {
    size_t n = 0;
    uint8_t *out = ir_edit_json(orig, from, to, &n);
    grt_status st = GRT_ERROR_INTERNAL;
    if (!out) return st;
    const char *p = tmp_path(name);
    grt_model *m = NULL;
    if (ir_spill(p, out, n)) {
        st = grt_model_read(NULL, p, &m);
        if (st != GRT_OK && !strstr(grt_last_error(), p)) {
            fprintf(stderr, "%s: message '%s' does not name the file\n", name, grt_last_error());
            st = GRT_ERROR_INTERNAL;
        }
    }
    grt_model_destroy(m);
    unlink(p);
    free(out);
    return st;
}

static void test_corrupt(void) {
    grt_model *m = NULL;
    grt_meta_value v;
    const char *p = tmp_path("c.genrtir");
    const char *toks[3] = {"ab", "c", "def"};
    size_t lens[3] = {2, 1, 3};
    int64_t ints[2] = {5, 6};
    uint8_t *a = NULL;
    size_t na = 0;
    CHECK_OK(ir_sample_mlp(&m));
    if (!m) return;
    v = v_strs(toks, lens, 3);
    CHECK_OK(grt_model_set_meta(m, "toks", &v));
    v = v_ints(ints, 2);
    CHECK_OK(grt_model_set_meta(m, "ids", &v));
    v = v_int(3);
    CHECK_OK(grt_model_set_meta(m, "n", &v));
    v = v_str("x\0y", 3);
    CHECK_OK(grt_model_set_meta(m, "bin", &v));
    CHECK_OK(grt_model_save(m, p));
    a = ir_slurp(p, &na);
    CHECK(a != NULL);
    if (!a) goto done;
    /* The unmodified file reads back (sanity of the edit helper: a no-op edit). */
    CHECK_OK(read_edit(a, "\"key\":\"n\"", "\"key\":\"n\"", "same"));
    static const char *const edits[][2] = {
        {"\"metadata\":[", "\"metadata\":{\"x\":[]},\"m2\":["},
        {"\"metadata\":[", "\"metadata\":[1,"},
        {"\"key\":\"n\"", "\"key\":\"toks\""},
        {"\"key\":\"n\"", "\"key\":\"\""},
        {"\"key\":\"n\"", "\"key\":7"},
        {"\"key\":\"n\"", "\"kex\":\"n\""},
        {"\"key\":\"n\",\"type\":\"int\"", "\"key\":\"n\",\"type\":\"int8\""},
        {"\"key\":\"n\",\"type\":\"int\"", "\"key\":\"n\",\"type\":5"},
        {"\"key\":\"n\",\"type\":\"int\",\"value\":3", "\"key\":\"n\",\"type\":\"int\",\"value\":3.5"},
        {"\"key\":\"n\",\"type\":\"int\",\"value\":3", "\"key\":\"n\",\"type\":\"float\",\"value\":\"x\""},
        {"\"key\":\"n\",\"type\":\"int\",\"value\":3", "\"key\":\"n\",\"type\":\"string\",\"value\":3"},
        {"\"type\":\"ints\",\"count\":2", "\"type\":\"ints\",\"count\":3"},
        {"\"type\":\"ints\",\"count\":2", "\"type\":\"ints\",\"count\":-1"},
        {"\"type\":\"ints\",\"count\":2", "\"type\":\"ints\",\"count\":\"9223372036854775807\""},
        {"\"type\":\"strings\",\"count\":3", "\"type\":\"strings\",\"count\":2"},
        {"\"type\":\"strings\",\"count\":3,\"offsets\":{\"offset\":", "\"type\":\"strings\",\"count\":3,\"offsets\":{\"offset\":1e30,\"x\":"},
        {"\"type\":\"strings\",\"count\":3,\"offsets\":{\"offset\":", "\"type\":\"strings\",\"count\":3,\"offsets\":{\"offset\":\"9223372036854775000\",\"x\":"},
        {"\"type\":\"strings\",\"count\":3,\"offsets\":", "\"type\":\"strings\",\"count\":3,\"offsets\":7,\"x\":"},
        {"\"type\":\"string\",\"data\":{\"offset\":", "\"type\":\"string\",\"data\":{\"offset\":-64,\"x\":"},
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        grt_status st = read_edit(a, edits[i][0], edits[i][1], "edit");
        CHECKF(st == GRT_ERROR_FORMAT, "edit %zu (%s -> %s) gave %s: %s", i, edits[i][0], edits[i][1], grt_status_str(st),
               grt_last_error());
        if (st == GRT_ERROR_FORMAT) CHECK_MSG("metadata");
    }
    /* Corrupt the offsets table in the blob (not covered by the checksum). */
    {
        uint64_t bo = grt_ir_get_u64(a + 32);
        char *json = ir_json_text(a);
        const char *o = json ? strstr(json, "\"offsets\":{\"offset\":") : NULL;
        CHECK(o != NULL);
        if (o) {
            size_t off = (size_t)strtoull(o + strlen("\"offsets\":{\"offset\":"), NULL, 10);
            uint8_t *c = malloc(na);
            static const uint64_t bad[][4] = {{1, 2, 3, 6}, {0, 2, 1, 6}, {0, 2, 3, 5}, {0, 2, 3, 7}, {0, 99, 3, 6}};
            for (size_t k = 0; c && k < sizeof bad / sizeof bad[0]; k++) {
                memcpy(c, a, na);
                for (int w = 0; w < 4; w++) grt_ir_put_u64(c + bo + off + 8 * (size_t)w, bad[k][w]);
                grt_model *r = NULL;
                CHECK(ir_spill(p, c, na));
                CHECK_ERR(grt_model_read(NULL, p, &r), GRT_ERROR_FORMAT, "offsets");
                CHECK(r == NULL);
                grt_model_destroy(r);
            }
            /* Untouched table reads back. */
            grt_model *r = NULL;
            CHECK(ir_spill(p, a, na));
            CHECK_OK(grt_model_read(NULL, p, &r));
            CHECK(r && meta_equal(m, r));
            grt_model_destroy(r);
            free(c);
        }
        free(json);
    }
done:
    unlink(p);
    free(a);
    grt_model_destroy(m);
}

int main(int argc, char **argv) {
    snprintf(g_dir, sizeof g_dir, "%s", argc > 1 ? argv[1] : ".");
    test_basic();
    test_big();
    test_round_trip();
    test_corrupt();
    TEST_EXIT("test_ir_meta");
}
