/*
 * test_ir_file.c - the GenRT IR file format: save -> read round trip (graph equal node by node,
 * constants 64-byte aligned and pointing into the file mapping, re-saved bytes identical), saving
 * over the mapped file, and hostile files: truncation at every 1/16 of the file, flipped bytes
 * (header and JSON, with and without a valid checksum), huge sizes, newer version, unknown
 * formats. Every bad file must give a clean FORMAT / NOT_SUPPORTED status naming the file.
 * Usage: test_ir_file <scratch-dir>
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/test_util.h"
#include "ir/graph.h"
#include "ir/graph_view.h"
#include "ir/serialize_format.h"
#include "ir_samples.h"

static char g_dir[3000];

static const char *tmp_path(const char *name) { return ir_scratch_path(g_dir, "ir_test", name); }

static int attr_equal(const grt_attr_value *a, const grt_attr_value *b) {
    if (a->type != b->type) return 0;
    switch (a->type) {
    case GRT_ATTR_INT: return a->u.i == b->u.i;
    case GRT_ATTR_FLOAT: return a->u.f == b->u.f;
    case GRT_ATTR_STRING: return !strcmp(a->u.s, b->u.s);
    case GRT_ATTR_INTS:
        return a->u.ints.count == b->u.ints.count &&
               !memcmp(a->u.ints.data, b->u.ints.data, a->u.ints.count * sizeof(int64_t));
    case GRT_ATTR_FLOATS:
        return a->u.floats.count == b->u.floats.count &&
               !memcmp(a->u.floats.data, b->u.floats.data, a->u.floats.count * sizeof(double));
    default: return 1;
    }
}

/* Returns the number of differences between two graphs. */
static int graph_diff(const grt_ir_graph *a, const grt_ir_graph *b) {
    int d = 0;
    if (strcmp(a->name, b->name) || a->n_nodes != b->n_nodes || a->n_params != b->n_params || a->n_results != b->n_results)
        return 1;
    d += memcmp(a->params, b->params, a->n_params * sizeof *a->params) != 0;
    d += memcmp(a->results, b->results, a->n_results * sizeof *a->results) != 0;
    for (uint32_t i = 0; i < a->n_nodes; i++) {
        const grt_ir_node *x = &a->nodes[i], *y = &b->nodes[i];
        if (x->op != y->op || strcmp(x->name, y->name) || x->n_inputs != y->n_inputs || x->n_outputs != y->n_outputs ||
            x->n_attrs != y->n_attrs || !x->cst != !y->cst) {
            d++;
            continue;
        }
        d += x->n_inputs && memcmp(x->inputs, y->inputs, x->n_inputs * sizeof *x->inputs) != 0;
        d += memcmp(x->outputs, y->outputs, x->n_outputs * sizeof x->outputs[0]) != 0;
        for (uint32_t k = 0; k < x->n_attrs; k++)
            d += strcmp(x->attrs[k].name, y->attrs[k].name) || !attr_equal(&x->attrs[k].value, &y->attrs[k].value);
        if (x->cst) {
            const grt_compression_info *p = &x->cst->comp, *q = &y->cst->comp;
            d += x->cst->bytes != y->cst->bytes || (x->cst->bytes && memcmp(x->cst->data, y->cst->data, x->cst->bytes));
            d += p->kind != q->kind || p->storage_type != q->storage_type || p->scale_type != q->scale_type ||
                 p->group_size != q->group_size || p->scales_bytes != q->scales_bytes ||
                 p->zero_points_bytes != q->zero_points_bytes;
            if (p->kind != GRT_COMPRESSION_NONE && p->scales_bytes == q->scales_bytes)
                d += memcmp(p->scales, q->scales, p->scales_bytes) != 0;
            if (p->kind == GRT_COMPRESSION_ASYM && p->zero_points_bytes == q->zero_points_bytes)
                d += memcmp(p->zero_points, q->zero_points, p->zero_points_bytes) != 0;
        }
    }
    return d;
}

/* Every constant lies 64-byte aligned inside a file mapping. */
static int constants_mapped(const grt_model *m) {
    int ok = 1;
    for (uint32_t i = 0; i < m->g.n_nodes; i++) {
        const grt_ir_const *c = m->g.nodes[i].cst;
        if (!c) continue;
        const uint8_t *base = grt_ir_blob_data(c->blob), *p = c->data;
        ok &= grt_ir_blob_is_mapped(c->blob) && p >= base && p + c->bytes <= base + grt_ir_blob_size(c->blob);
        ok &= ((uintptr_t)p % 64) == 0;
        if (c->comp.kind != GRT_COMPRESSION_NONE) ok &= ((uintptr_t)c->comp.scales % 64) == 0;
        if (c->comp.kind == GRT_COMPRESSION_ASYM) ok &= ((uintptr_t)c->comp.zero_points % 64) == 0;
    }
    return ok;
}

static void test_round_trip(grt_status (*make)(grt_model **), const char *tag) {
    grt_model *m = NULL, *r = NULL, *r2 = NULL;
    char p1[3100], p2[3110];
    snprintf(p1, sizeof p1, "%s", tmp_path(tag));
    snprintf(p2, sizeof p2, "%s.2", p1);
    CHECK_OK(make(&m));
    if (!m) return;
    CHECK_OK(grt_model_save(m, p1));
    CHECK_OK(grt_model_read(NULL, p1, &r));
    if (!r) goto done;
    CHECK(graph_diff(&m->g, &r->g) == 0);
    CHECK(constants_mapped(r));
    if (!getenv("GENRT_MMAP")) /* read mode: the file sits at a huge-page boundary */
        for (uint32_t i = 0; i < r->g.n_nodes; i++)
            if (r->g.nodes[i].cst)
                CHECK((uintptr_t)grt_ir_blob_data(r->g.nodes[i].cst->blob) % ((uintptr_t)2 << 20) == 0);
    CHECK_OK(grt_model_save(r, p2));
    size_t n1, n2;
    uint8_t *b1 = ir_slurp(p1, &n1), *b2 = ir_slurp(p2, &n2);
    CHECK(b1 && b2 && n1 == n2 && !memcmp(b1, b2, n1));
    CHECK(n1 >= 64 && !memcmp(b1, GRT_IR_MAGIC, 8) && grt_ir_get_u32(b1 + 8) == 1 && grt_ir_get_u64(b1 + 32) % 64 == 0);
    free(b1);
    free(b2);
    /* Saving over the file the model is mapped from replaces it atomically; the mapping stays valid. */
    CHECK_OK(grt_model_save(r, p1));
    CHECK_OK(grt_model_read(NULL, p1, &r2));
    if (r2) CHECK(graph_diff(&r->g, &r2->g) == 0);
    const grt_graph_view *v = NULL;
    CHECK_OK(grt_ir_snapshot(r, &v));
    grt_model_destroy(r);
    r = NULL;
    grt_host_api api;
    memset(&api, 0, sizeof api);
    grt_ir_fill_host_api(&api);
    unsigned long sum = 0;
    for (uint32_t i = 0; v && i < api.graph_node_count(v); i++) {
        const void *d;
        size_t bytes;
        if (api.const_data(v, i, &d, &bytes) == GRT_OK)
            for (size_t k = 0; k < bytes; k++) sum += ((const uint8_t *)d)[k];
    }
    CHECK(sum > 0);
    grt_ir_view_release(v);
done:
    unlink(p1);
    unlink(p2);
    grt_model_destroy(m);
    grt_model_destroy(r);
    grt_model_destroy(r2);
}

/* Reads bytes as a file; returns the status (model destroyed). */
static grt_status read_bytes(const uint8_t *p, size_t n, const char *path) {
    grt_model *m = NULL;
    if (!ir_spill(path, p, n)) return GRT_ERROR_IO;
    grt_status st = grt_model_read(NULL, path, &m);
    if (st == GRT_OK) {
        const grt_graph_view *v = NULL;
        CHECK_OK(grt_ir_snapshot(m, &v)); /* a model that loads is valid */
        grt_ir_view_release(v);
    } else {
        CHECK(m == NULL);
        CHECK(!strncmp(grt_last_error(), path, strlen(path))); /* message names the file */
    }
    grt_model_destroy(m);
    return st;
}

static void test_corrupt(void) {
    grt_model *m = NULL;
    const char *good = tmp_path("good");
    char bad[3100];
    snprintf(bad, sizeof bad, "%s", tmp_path("bad"));
    CHECK_OK(ir_sample_block(&m));
    if (!m) return;
    CHECK_OK(grt_model_save(m, good));
    grt_model_destroy(m);
    size_t n;
    uint8_t *f = ir_slurp(good, &n), *c = malloc(n);
    if (!f || !c) {
        CHECK(0);
        goto done;
    }
    CHECK_OK(read_bytes(f, n, bad));
    /* Truncation at every 1/16 of the file. */
    for (int k = 0; k < 16; k++) {
        size_t len = n * (size_t)k / 16;
        grt_status st = read_bytes(f, len, bad);
        CHECK(st == GRT_ERROR_FORMAT);
        if (st != GRT_ERROR_FORMAT) fprintf(stderr, "truncation at %zu/%zu: %s\n", len, n, grt_last_error());
    }
    CHECK_ST(read_bytes(f, n - 1, bad), GRT_ERROR_FORMAT);
    /* Flipped bytes in the header and (checksummed) JSON never load. */
    uint64_t js = grt_ir_get_u64(f + 24);
    int bad_status = 0;
    for (size_t i = 0; i < 64 + js; i += (i < 64 ? 1 : 13)) {
        memcpy(c, f, n);
        c[i] ^= (uint8_t)(1u << (i % 8));
        grt_status st = read_bytes(c, n, bad);
        if (i < 8) bad_status += st != GRT_ERROR_NOT_SUPPORTED; /* magic gone: not our format */
        else if (i >= 8 && i < 12) bad_status += st != GRT_ERROR_FORMAT && st != GRT_ERROR_NOT_SUPPORTED;
        else bad_status += st != GRT_ERROR_FORMAT;
    }
    CHECK(bad_status == 0);
    /* Flips in the JSON with a recomputed checksum reach the parser/validator: no crash; a file
     * that still loads is a valid model (read_bytes checks). */
    for (size_t i = 64; i < 64 + js; i += 3) {
        memcpy(c, f, n);
        c[i] ^= (uint8_t)(0x5a ^ i);
        grt_ir_put_u64(c + 48, grt_ir_fnv1a64(c + 64, js));
        grt_status st = read_bytes(c, n, bad);
        CHECK(st == GRT_OK || st == GRT_ERROR_FORMAT);
    }
    /* Huge or inconsistent sizes and offsets. */
    const struct {
        size_t at;
        uint64_t v;
    } edits[] = {{16, UINT64_MAX}, {24, UINT64_MAX}, {24, UINT64_MAX - 63}, {32, UINT64_MAX - 63}, {40, UINT64_MAX},
                 {40, UINT64_MAX - 100}, {32, 64}, {16, 0}, {24, 0}, {56, 1}, {32, 96}};
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        memcpy(c, f, n);
        grt_ir_put_u64(c + edits[i].at, edits[i].v);
        CHECK_ST(read_bytes(c, n, bad), GRT_ERROR_FORMAT);
    }
    memcpy(c, f, n);
    grt_ir_put_u32(c + 8, 2);
    CHECK_ST(read_bytes(c, n, bad), GRT_ERROR_NOT_SUPPORTED);
    CHECK_MSG("newer");
    grt_ir_put_u32(c + 8, 0);
    CHECK_ST(read_bytes(c, n, bad), GRT_ERROR_FORMAT);
    memcpy(c, f, n);
    grt_ir_put_u32(c + 12, 0x10);
    CHECK_ST(read_bytes(c, n, bad), GRT_ERROR_FORMAT);
    memcpy(c, f, n);
    c[64 + 5] ^= 1; /* checksum mismatch */
    CHECK_ST(read_bytes(c, n, bad), GRT_ERROR_FORMAT);
    CHECK_MSG("checksum");
    grt_ir_put_u32(c + 12, 0); /* checksum off: the JSON error itself is reported */
    CHECK_ST(read_bytes(c, n, bad), GRT_ERROR_FORMAT);
done:
    free(f);
    free(c);
    unlink(good);
    unlink(bad);
}

static void test_other_formats(void) {
    const char *p = tmp_path("other");
    const uint8_t text[] = "hello, this is not a model file at all";
    CHECK_ST(read_bytes(text, sizeof text, p), GRT_ERROR_NOT_SUPPORTED);
    CHECK_MSG(": unknown model format");
    CHECK_ST(read_bytes((const uint8_t *)"GENR", 4, p), GRT_ERROR_FORMAT);
    CHECK_ST(read_bytes(text, 0, p), GRT_ERROR_FORMAT);
    CHECK_MSG("empty file");
    unlink(p);
    grt_model *m = NULL;
    CHECK_ST(grt_model_read(NULL, tmp_path("missing"), &m), GRT_ERROR_NOT_FOUND);
    CHECK_ST(grt_model_read(NULL, g_dir, &m), GRT_ERROR_NOT_SUPPORTED);
    CHECK_ST(grt_model_read(NULL, NULL, &m), GRT_ERROR_INVALID_ARGUMENT);
    CHECK(m == NULL);
    CHECK_OK(ir_sample_mlp(&m));
    CHECK_ST(grt_model_save(m, "/nonexistent-dir/m.genrtir"), GRT_ERROR_IO);
    CHECK_MSG("/nonexistent-dir/m.genrtir");
    grt_model_destroy(m);
}

int main(int argc, char **argv) {
    snprintf(g_dir, sizeof g_dir, "%s", argc > 1 ? argv[1] : "/tmp");
    test_round_trip(ir_sample_mlp, "mlp"); /* weights read into huge-page memory (the default) */
    test_round_trip(ir_sample_block, "block");
    test_round_trip(ir_sample_wide, "wide"); /* int8/int4 weights mapped back from the file */
    setenv("GENRT_MMAP", "1", 1); /* the same through a file mapping */
    test_round_trip(ir_sample_mlp, "mlp-mmap");
    test_round_trip(ir_sample_block, "block-mmap");
    unsetenv("GENRT_MMAP");
    test_corrupt();
    test_other_formats();
    TEST_EXIT("test_ir_file");
}
