/*
 * test_ir_model.c - the public model API (builder validation, compressed constants, inspection,
 * reshape) and graph views: snapshot validation, the host API accessors (compared with the
 * model they were taken from), infer_shapes with concrete shapes, and view lifetime (a view and
 * its constant data outlive the model; ASan checks the accesses).
 */
#include <stdint.h>
#include <stdlib.h>

#include "../../common/test_util.h"
#include "ir/graph.h"
#include "ir/graph_view.h"
#include "ir_samples.h"

static void test_builder_errors(void) {
    grt_model *m = NULL;
    grt_port p;
    const int64_t d2[] = {2, 3}, dneg[] = {2, -2}, ddyn[] = {-1, 3};
    float data[6] = {0};
    CHECK_OK(grt_model_create(NULL, &m));
    CHECK(!strcmp(grt_model_name(m), "model"));
    CHECK_ST(grt_model_create("x", NULL), GRT_ERROR_INVALID_ARGUMENT);
    CHECK_OK(grt_model_add_parameter(m, "x", GRT_F32, 2, ddyn, &p));
    CHECK_ST(grt_model_add_parameter(m, "x", GRT_F32, 2, d2, &p), GRT_ERROR_INVALID_ARGUMENT);
    CHECK_MSG("duplicate input name");
    CHECK_ST(grt_model_add_parameter(m, NULL, GRT_F32, 2, d2, &p), GRT_ERROR_INVALID_ARGUMENT);
    CHECK_ST(grt_model_add_parameter(m, "y", GRT_UNDEFINED, 2, d2, &p), GRT_ERROR_INVALID_ARGUMENT);
    CHECK_ST(grt_model_add_parameter(m, "y", (grt_element_type)42, 2, d2, &p), GRT_ERROR_INVALID_ARGUMENT);
    CHECK_ST(grt_model_add_parameter(m, "y", GRT_F32, 9, d2, &p), GRT_ERROR_INVALID_ARGUMENT);
    CHECK_ST(grt_model_add_parameter(m, "y", GRT_F32, 2, dneg, &p), GRT_ERROR_INVALID_ARGUMENT);
    CHECK_ST(grt_model_add_parameter(m, "y", GRT_F32, 2, NULL, &p), GRT_ERROR_INVALID_ARGUMENT);
    CHECK_OK(grt_model_add_constant(m, "c", GRT_F32, 2, d2, data, sizeof data, &p));
    CHECK_ST(grt_model_add_constant(m, "c2", GRT_F32, 2, d2, data, sizeof data - 1, &p), GRT_ERROR_INVALID_ARGUMENT);
    CHECK_MSG("constant 'c2'");
    CHECK_ST(grt_model_add_constant(m, "c3", GRT_F32, 2, ddyn, data, sizeof data, &p), GRT_ERROR_INVALID_ARGUMENT);
    CHECK_ST(grt_model_add_constant(m, "c4", GRT_F32, 2, d2, NULL, sizeof data, &p), GRT_ERROR_INVALID_ARGUMENT);
    const int64_t d4[] = {3};
    uint8_t nib[2] = {0x21, 0x03};
    CHECK_OK(grt_model_add_constant(m, "i4", GRT_I4, 1, d4, nib, 2, &p)); /* 3 nibbles -> 2 bytes */
    CHECK_ST(grt_model_add_constant(m, "i4b", GRT_I4, 1, d4, nib, 1, &p), GRT_ERROR_INVALID_ARGUMENT);
    const int64_t huge[] = {INT64_MAX, 2};
    CHECK_ST(grt_model_add_constant(m, "huge", GRT_F32, 2, huge, data, sizeof data, &p), GRT_ERROR_INVALID_ARGUMENT);
    CHECK(grt_model_node_count(m) == 3);
    CHECK_ST(grt_model_add_result(m, "out", (grt_port){7, 0}), GRT_ERROR_INVALID_ARGUMENT);
    CHECK_OK(grt_model_add_result(m, "out", (grt_port){0, 0}));
    CHECK_ST(grt_model_add_result(m, "out", (grt_port){1, 0}), GRT_ERROR_INVALID_ARGUMENT);
    CHECK_MSG("duplicate output name");
    CHECK_ST(grt_model_add_result(m, "r2", (grt_port){3, 0}), GRT_ERROR_INVALID_ARGUMENT); /* Result has no outputs */
    grt_model_destroy(m);
    grt_model_destroy(NULL);
}

static void test_compressed(void) {
    grt_model *m = NULL;
    grt_port p;
    const int64_t d[] = {4, 8}; /* N = 4, K = 8 */
    uint8_t q8[32] = {0}, q4[16] = {0}, sc[64] = {0}, zp[8] = {0};
    CHECK_OK(grt_model_create("c", &m));
    /* sym i8 per channel: scales [4, 1] f32 */
    grt_compression_info ci = {sizeof ci, GRT_COMPRESSION_SYM, GRT_I8, GRT_F32, 8, sc, 16, NULL, 0, 0, 0};
    CHECK_OK(grt_model_add_compressed_constant(m, "w8", GRT_F32, 2, d, q8, 32, &ci, &p));
    /* asym u4 group 4: scales [4, 2] f16 = 16 bytes; zero points [4, 2] u4 = 4 bytes */
    grt_compression_info ca = {sizeof ca, GRT_COMPRESSION_ASYM, GRT_U4, GRT_F16, 4, sc, 16, zp, 4, 0, 0};
    CHECK_OK(grt_model_add_compressed_constant(m, "w4", GRT_F16, 2, d, q4, 16, &ca, &p));
    const grt_ir_const *c = m->g.nodes[p.node].cst;
    CHECK(c && c->comp.kind == GRT_COMPRESSION_ASYM && c->comp.group_size == 4 && c->bytes == 16);
    CHECK(c && ((uintptr_t)c->data % 64) == 0 && ((uintptr_t)c->comp.scales % 64) == 0 &&
          ((uintptr_t)c->comp.zero_points % 64) == 0);
    grt_compression_info bad = ci;
    bad.group_size = 3;
    CHECK_ST(grt_model_add_compressed_constant(m, "g3", GRT_F32, 2, d, q8, 32, &bad, &p), GRT_ERROR_INVALID_ARGUMENT);
    CHECK_MSG("group size 3 does not divide last dim 8");
    bad = ci;
    bad.scales_bytes = 12;
    CHECK_ST(grt_model_add_compressed_constant(m, "sb", GRT_F32, 2, d, q8, 32, &bad, &p), GRT_ERROR_INVALID_ARGUMENT);
    CHECK_MSG("scales have 12 bytes, expected 16");
    CHECK_ST(grt_model_add_compressed_constant(m, "qb", GRT_F32, 2, d, q8, 31, &ci, &p), GRT_ERROR_INVALID_ARGUMENT);
    bad = ci;
    bad.storage_type = GRT_U8;
    CHECK_ST(grt_model_add_compressed_constant(m, "st", GRT_F32, 2, d, q8, 32, &bad, &p), GRT_ERROR_INVALID_ARGUMENT);
    bad = ci;
    bad.zero_points = zp;
    bad.zero_points_bytes = 4;
    CHECK_ST(grt_model_add_compressed_constant(m, "szp", GRT_F32, 2, d, q8, 32, &bad, &p), GRT_ERROR_INVALID_ARGUMENT);
    bad = ca;
    bad.zero_points_bytes = 3;
    CHECK_ST(grt_model_add_compressed_constant(m, "zb", GRT_F16, 2, d, q4, 16, &bad, &p), GRT_ERROR_INVALID_ARGUMENT);
    bad = ci;
    bad.scale_type = GRT_BF16;
    CHECK_ST(grt_model_add_compressed_constant(m, "sct", GRT_F32, 2, d, q8, 32, &bad, &p), GRT_ERROR_INVALID_ARGUMENT);
    CHECK_ST(grt_model_add_compressed_constant(m, "lt", GRT_I32, 2, d, q8, 32, &ci, &p), GRT_ERROR_INVALID_ARGUMENT);
    bad = ci;
    bad.kind = GRT_COMPRESSION_NONE;
    CHECK_ST(grt_model_add_compressed_constant(m, "none", GRT_F32, 2, d, q8, 32, &bad, &p), GRT_ERROR_INVALID_ARGUMENT);
    bad = ci;
    bad.struct_size = 8;
    CHECK_ST(grt_model_add_compressed_constant(m, "ss", GRT_F32, 2, d, q8, 32, &bad, &p), GRT_ERROR_INVALID_ARGUMENT);
    CHECK_ST(grt_model_add_compressed_constant(m, "scal", GRT_F32, 0, d, q8, 1, &ci, &p), GRT_ERROR_INVALID_ARGUMENT);
    CHECK(grt_model_node_count(m) == 2);
    /* A compressed weight feeds MatMul with its logical type. */
    const int64_t xd[] = {-1, 8};
    grt_port x, w = {0, 0};
    uint32_t mm;
    CHECK_OK(grt_model_add_parameter(m, "x", GRT_F32, 2, xd, &x));
    CHECK_OK(grt_model_add_op(m, GRT_OP_MATMUL, "mm", 2, (grt_port[]){x, w}, 1,
                              (grt_attribute[]){{"transpose_b", {GRT_ATTR_INT, 0, {.i = 1}}}}, &mm));
    grt_model_destroy(m);
}

static void test_inspect_reshape(void) {
    grt_model *m = NULL;
    const char *name;
    grt_element_type t;
    grt_shape s;
    size_t idx;
    CHECK_OK(ir_sample_block(&m));
    if (!m) return;
    CHECK(grt_model_input_count(m) == 2 && grt_model_output_count(m) == 4);
    CHECK_OK(grt_model_input(m, 1, &name, &t, &s));
    CHECK(!strcmp(name, "position_ids") && t == GRT_I64 && s.rank == 1 && s.dims[0] == -1);
    CHECK_OK(grt_model_output(m, 0, &name, &t, &s));
    CHECK(!strcmp(name, "logits") && t == GRT_F32 && test_shape_is(&s, 3, (const int64_t[]){1, -1, 32}));
    CHECK_OK(grt_model_output(m, 2, &name, &t, &s));
    CHECK(!strcmp(name, "top_indices") && t == GRT_I64 && test_shape_is(&s, 3, (const int64_t[]){1, -1, 4}));
    CHECK_ST(grt_model_output(m, 4, &name, &t, &s), GRT_ERROR_INVALID_ARGUMENT);
    CHECK_OK(grt_model_input(m, 0, NULL, NULL, NULL));
    CHECK_OK(grt_model_output_index(m, "next_token", &idx));
    CHECK(idx == 3);
    CHECK_ST(grt_model_input_index(m, "nope", &idx), GRT_ERROR_NOT_FOUND);
    CHECK_MSG("nope");

    /* Reshape to a concrete prompt length: the static dims propagate to the outputs. */
    const char *names[] = {"input_ids", "position_ids"};
    grt_shape shapes[2] = {test_shape(2, (const int64_t[]){1, 5}), test_shape(1, (const int64_t[]){5})};
    CHECK_OK(grt_model_reshape(m, 2, names, shapes));
    CHECK_OK(grt_model_output(m, 0, NULL, NULL, &s));
    CHECK(test_shape_is(&s, 3, (const int64_t[]){1, 1, 32}));
    /* A failing reshape (batch 2 against Reshape [1, -1, 16] is fine, but positions [2, 5] is not [S]) is undone. */
    grt_shape bad[2] = {test_shape(2, (const int64_t[]){1, 7}), test_shape(2, (const int64_t[]){3, 7})};
    CHECK_ST(grt_model_reshape(m, 2, names, bad), GRT_ERROR_SHAPE);
    CHECK_MSG("RoPE");
    CHECK_OK(grt_model_input(m, 0, NULL, NULL, &s));
    CHECK(test_shape_is(&s, 2, (const int64_t[]){1, 5}));
    CHECK_OK(grt_model_output(m, 0, NULL, NULL, &s));
    CHECK(test_shape_is(&s, 3, (const int64_t[]){1, 1, 32}));
    CHECK_ST(grt_model_reshape(m, 1, (const char *[]){"zzz"}, shapes), GRT_ERROR_NOT_FOUND);
    grt_shape r9 = shapes[0];
    r9.rank = 9;
    CHECK_ST(grt_model_reshape(m, 1, names, &r9), GRT_ERROR_SHAPE);
    /* Back to dynamic. */
    grt_shape dyn[2] = {test_shape(2, (const int64_t[]){1, -1}), test_shape(1, (const int64_t[]){-1})};
    CHECK_OK(grt_model_reshape(m, 2, names, dyn));
    CHECK_OK(grt_model_output(m, 0, NULL, NULL, &s));
    CHECK(test_shape_is(&s, 3, (const int64_t[]){1, -1, 32}));
    grt_model_destroy(m);
}

static void test_snapshot_validation(void) {
    grt_model *m = NULL;
    const grt_graph_view *v = NULL;
    grt_port x, rv;
    uint32_t id;
    const int64_t d[] = {2, 2};
    const int64_t sh[] = {2, 2};
    grt_attribute a[] = {{"variable_id", {GRT_ATTR_STRING, 0, {.s = "s"}}},
                         {"element_type", {GRT_ATTR_INT, 0, {.i = GRT_F32}}},
                         {"shape", {GRT_ATTR_INTS, 0, {.ints = {sh, 2}}}}};
    CHECK_OK(grt_model_create("state", &m));
    CHECK_OK(grt_model_add_parameter(m, "x", GRT_F32, 2, d, &x));
    CHECK_ST(grt_ir_snapshot(m, &v), GRT_ERROR_SHAPE);
    CHECK_MSG("no Result");
    CHECK_OK(grt_model_add_result(m, "y", x));
    CHECK_OK(grt_model_add_op(m, GRT_OP_READ_VALUE, "rv", 0, NULL, 3, a, &id));
    rv = (grt_port){id, 0};
    CHECK_ST(grt_ir_snapshot(m, &v), GRT_ERROR_SHAPE);
    CHECK_MSG("node 'rv' (ReadValue): variable 's' has 1 ReadValue and 0 Assign");
    grt_port h;
    const int64_t d3[] = {2, 3};
    CHECK_OK(grt_model_add_parameter(m, "h", GRT_F32, 2, d3, &h));
    CHECK_OK(grt_model_add_op(m, GRT_OP_ASSIGN, "bad_assign", 1, &h, 1, a, &id));
    CHECK_ST(grt_ir_snapshot(m, &v), GRT_ERROR_SHAPE);
    CHECK_MSG("incompatible");
    CHECK_ST(grt_model_save(m, "/nonexistent-dir/x.genrtir"), GRT_ERROR_SHAPE);
    grt_model_destroy(m);

    CHECK_OK(grt_model_create("state2", &m));
    CHECK_OK(grt_model_add_parameter(m, "x", GRT_F32, 2, d, &x));
    CHECK_OK(grt_model_add_op(m, GRT_OP_READ_VALUE, "rv", 0, NULL, 3, a, &id));
    rv = (grt_port){id, 0};
    grt_port sum;
    CHECK_OK(grt_model_add_op(m, GRT_OP_ADD, "sum", 2, (grt_port[]){x, rv}, 0, NULL, &id));
    sum = (grt_port){id, 0};
    CHECK_OK(grt_model_add_op(m, GRT_OP_ASSIGN, "as", 1, &sum, 1, a, &id));
    CHECK_OK(grt_model_add_result(m, "y", sum));
    CHECK_OK(grt_ir_snapshot(m, &v));
    grt_ir_view_release(v);
    CHECK_OK(grt_model_add_op(m, GRT_OP_ASSIGN, "as2", 1, &sum, 1, a, &id));
    CHECK_ST(grt_ir_snapshot(m, &v), GRT_ERROR_SHAPE);
    CHECK_MSG("1 ReadValue and 2 Assign");
    grt_model_destroy(m);
}

static void test_view_accessors(void) {
    grt_model *m = NULL;
    const grt_graph_view *v = NULL;
    grt_host_api api;
    memset(&api, 0, sizeof api);
    grt_ir_fill_host_api(&api);
    CHECK(api.graph_retain && api.infer_shapes && api.const_compression && api.node_attr);
    CHECK_OK(ir_sample_block(&m));
    if (!m) return;
    CHECK_OK(grt_ir_snapshot(m, &v));
    if (!v) return;
    const grt_ir_graph *g = &m->g;
    uint32_t n = api.graph_node_count(v);
    CHECK(n == g->n_nodes);
    CHECK(api.graph_parameter_count(v) == 2 && api.graph_result_count(v) == 4);
    CHECK(api.graph_parameter_node(v, 1) == g->params[1] && api.graph_result_node(v, 3) == g->results[3]);
    CHECK(api.graph_parameter_node(v, 2) == UINT32_MAX);
    CHECK(grt_ir_view_io_count(v, 1) == 4);
    const char *nm;
    CHECK_OK(grt_ir_view_io(v, 0, 0, &nm, NULL, NULL));
    CHECK(!strcmp(nm, "input_ids"));
    int mismatches = 0, n_const = 0, n_comp = 0;
    grt_shape in[8], out[2];
    for (uint32_t i = 0; i < n; i++) {
        const grt_ir_node *nd = &g->nodes[i];
        if (api.node_op(v, i) != nd->op || strcmp(api.node_name(v, i), nd->name) != 0 ||
            api.node_input_count(v, i) != nd->n_inputs || api.node_output_count(v, i) != nd->n_outputs)
            mismatches++;
        for (uint32_t k = 0; k < nd->n_inputs && k < 8; k++) {
            grt_port p;
            if (api.node_input(v, i, k, &p) != GRT_OK || p.node != nd->inputs[k].node || p.node >= i) mismatches++;
            if (api.node_output_type(v, p.node, p.port, NULL, &in[k]) != GRT_OK) mismatches++;
        }
        for (uint32_t k = 0; k < nd->n_outputs; k++) {
            grt_element_type t;
            grt_shape s;
            if (api.node_output_type(v, i, k, &t, &s) != GRT_OK || t != nd->outputs[k].type ||
                memcmp(&s, &nd->outputs[k].shape, sizeof s))
                mismatches++;
        }
        /* infer_shapes with the graph's own shapes reproduces the stored outputs. */
        if (api.infer_shapes(v, i, in, out) != GRT_OK) mismatches++;
        for (uint32_t k = 0; k < nd->n_outputs; k++)
            if (memcmp(&out[k], &nd->outputs[k].shape, sizeof out[k])) mismatches++;
        const void *data;
        size_t bytes;
        grt_compression_info ci;
        memset(&ci, 0, sizeof ci);
        ci.struct_size = sizeof ci;
        if (nd->op == GRT_OP_CONSTANT) {
            n_const++;
            if (api.const_data(v, i, &data, &bytes) != GRT_OK || data != nd->cst->data || bytes != nd->cst->bytes ||
                ((uintptr_t)data % 64) != 0)
                mismatches++;
            if (api.const_compression(v, i, &ci) != GRT_OK || ci.kind != nd->cst->comp.kind) mismatches++;
            if (ci.kind != GRT_COMPRESSION_NONE) n_comp++;
        } else {
            if (api.const_data(v, i, &data, &bytes) != GRT_ERROR_NOT_FOUND) mismatches++;
        }
    }
    CHECK(mismatches == 0);
    CHECK(n_const == 14 && n_comp == 4);
    /* Attributes: borrowed values; defaults present. */
    uint32_t rope = UINT32_MAX, topk = UINT32_MAX, rv = UINT32_MAX;
    for (uint32_t i = 0; i < n; i++) {
        if (!strcmp(api.node_name(v, i), "k_rope")) rope = i;
        if (!strcmp(api.node_name(v, i), "topk")) topk = i;
        if (!strcmp(api.node_name(v, i), "k_cache_read")) rv = i;
    }
    grt_attr_value av;
    CHECK_OK(api.node_attr(v, rope, "scaling", &av));
    CHECK(av.type == GRT_ATTR_INT && av.u.i == 2);
    CHECK_OK(api.node_attr(v, rope, "high_freq_factor", &av));
    CHECK(av.type == GRT_ATTR_FLOAT && av.u.f == 4.0);
    CHECK_OK(api.node_attr(v, rv, "variable_id", &av));
    CHECK(av.type == GRT_ATTR_STRING && !strcmp(av.u.s, "k_cache"));
    CHECK_ST(api.node_attr(v, rope, "nope", &av), GRT_ERROR_NOT_FOUND);
    CHECK_ST(api.node_attr(v, n, "mode", &av), GRT_ERROR_INVALID_ARGUMENT);
    /* infer_shapes with concrete run-time shapes. */
    grt_shape ti = test_shape(3, (const int64_t[]){1, 7, 32});
    CHECK_OK(api.infer_shapes(v, topk, &ti, out));
    CHECK(test_shape_is(&out[0], 3, (const int64_t[]){1, 7, 4}) && test_shape_is(&out[1], 3, (const int64_t[]){1, 7, 4}));
    grt_shape tb = test_shape(3, (const int64_t[]){1, 7, 3});
    CHECK_ST(api.infer_shapes(v, topk, &tb, out), GRT_ERROR_SHAPE);
    CHECK_MSG("node 'topk' (TopK)");
    CHECK_ST(api.infer_shapes(v, n + 5, &tb, out), GRT_ERROR_INVALID_ARGUMENT);
    grt_port src;
    CHECK_ST(api.node_input(v, topk, 1, &src), GRT_ERROR_INVALID_ARGUMENT);
    CHECK(api.node_op(v, n) == GRT_OP_UNKNOWN && api.node_name(v, n) == NULL && api.node_input_count(v, n) == 0);
    grt_compression_info small = {8, 0, 0, 0, 0, NULL, 0, NULL, 0, 0, 0};
    CHECK_ST(api.const_compression(v, 2, &small), GRT_ERROR_INVALID_ARGUMENT);

    /* Lifetime: the view (and its constant data) outlives the model; retain/release pair. */
    uint32_t emb = 2;
    const void *data = NULL;
    size_t bytes = 0;
    api.graph_retain(v);
    grt_model_destroy(m);
    CHECK_OK(api.const_data(v, emb, &data, &bytes));
    unsigned sum = 0;
    for (size_t i = 0; i < bytes; i++) sum += ((const uint8_t *)data)[i];
    CHECK(bytes == 512 && sum > 0);
    api.graph_release(v);
    CHECK(api.graph_node_count(v) == n);
    grt_ir_view_release(v);
    grt_ir_view_release(NULL);
}

/* Reshape re-checks ReadValue/Assign pairs: a new input shape that makes an Assign value
 * incompatible with its variable fails and leaves the model unchanged (found by fuzzing). */
static void test_reshape_state(void) {
    grt_model *m = NULL;
    grt_port x;
    uint32_t id;
    grt_shape s;
    const int64_t xd[] = {-1, 4}, var[] = {2, -1};
    grt_attribute a[] = {{"variable_id", {GRT_ATTR_STRING, 0, {.s = "v"}}},
                         {"element_type", {GRT_ATTR_INT, 0, {.i = GRT_F32}}},
                         {"shape", {GRT_ATTR_INTS, 0, {.ints = {var, 2}}}}};
    CHECK_OK(grt_model_create("rs", &m));
    CHECK_OK(grt_model_add_parameter(m, "x", GRT_F32, 2, xd, &x));
    CHECK_OK(grt_model_add_op(m, GRT_OP_READ_VALUE, "rv", 0, NULL, 3, a, &id));
    CHECK_OK(grt_model_add_result(m, "y", (grt_port){id, 0}));
    CHECK_OK(grt_model_add_op(m, GRT_OP_ASSIGN, "as", 1, &x, 1, a, &id));
    const grt_graph_view *v = NULL;
    CHECK_OK(grt_ir_snapshot(m, &v));
    grt_ir_view_release(v);
    const char *names[] = {"x"};
    grt_shape bad = test_shape(2, (const int64_t[]){3, 4}), good = test_shape(2, (const int64_t[]){2, 4});
    CHECK_ST(grt_model_reshape(m, 1, names, &bad), GRT_ERROR_SHAPE);
    CHECK_MSG("node 'as' (Assign)");
    CHECK_OK(grt_model_input(m, 0, NULL, NULL, &s));
    CHECK(test_shape_is(&s, 2, xd));
    CHECK_OK(grt_model_reshape(m, 1, names, &good));
    CHECK_OK(grt_ir_snapshot(m, &v));
    grt_ir_view_release(v);
    grt_model_destroy(m);
}

int main(void) {
    test_reshape_state();
    test_builder_errors();
    test_compressed();
    test_inspect_reshape();
    test_snapshot_validation();
    test_view_accessors();
    TEST_EXIT("test_ir_model");
}
