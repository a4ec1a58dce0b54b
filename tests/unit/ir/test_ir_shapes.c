/*
 * test_ir_shapes.c - shape/type inference of every opset v1 op through the builder
 * (grt_model_add_op): static and dynamic dims, attribute defaults, and error cases whose
 * messages name the node. Also checks that a failed add leaves the model unchanged.
 */
#include <stdint.h>
#include <stdlib.h>

#include "ir/graph.h"
#include "../../common/test_util.h"

#define DIMS(...) (sizeof((const int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), (const int64_t[]){__VA_ARGS__}
#define Q GRT_DYNAMIC

static grt_model *g_m;
static int g_pcount;

static grt_port P(grt_element_type t, size_t rank, const int64_t *dims) {
    char name[32];
    grt_port p = {UINT32_MAX, 0};
    snprintf(name, sizeof name, "p%d", g_pcount++);
    CHECK_OK(grt_model_add_parameter(g_m, name, t, rank, dims, &p));
    return p;
}
#define PF(...) P(GRT_F32, DIMS(__VA_ARGS__))

static grt_attribute AI(const char *n, int64_t v) { return (grt_attribute){n, {GRT_ATTR_INT, 0, {.i = v}}}; }
static grt_attribute AF(const char *n, double v) { return (grt_attribute){n, {GRT_ATTR_FLOAT, 0, {.f = v}}}; }
static grt_attribute AL(const char *n, size_t c, const int64_t *v) {
    return (grt_attribute){n, {GRT_ATTR_INTS, 0, {.ints = {v, c}}}};
}

/* Adds op and returns the status; *out gets port 0. */
static grt_status add(grt_op_type op, const char *name, size_t ni, const grt_port *in, size_t na,
                      const grt_attribute *a, grt_port *out) {
    uint32_t id = UINT32_MAX;
    size_t before = grt_model_node_count(g_m);
    grt_status st = grt_model_add_op(g_m, op, name, ni, in, na, a, &id);
    if (st != GRT_OK) CHECK(grt_model_node_count(g_m) == before); /* unchanged on failure */
    if (out) *out = (grt_port){id, 0};
    return st;
}

static void expect(grt_port p, grt_element_type t, size_t rank, const int64_t *dims, int line) {
    grt_element_type got_t = GRT_UNDEFINED;
    grt_shape s = {0};
    if (grt_ir_graph_port_info(&g_m->g, p, &got_t, &s) != GRT_OK || got_t != t || !test_shape_is(&s, rank, dims)) {
        char buf[128];
        g_failures++;
        fprintf(stderr, "line %d: got %s %s\n", line, grt_element_type_name(got_t),
                s.rank <= GRT_MAX_RANK ? (snprintf(buf, sizeof buf, "rank %u", s.rank), buf) : "?");
    }
    g_checks++;
}
#define EXPECT(p, t, ...) expect(p, t, DIMS(__VA_ARGS__), __LINE__)
#define EXPECT0(p, t) expect(p, t, 0, NULL, __LINE__)

static void test_matmul(void) {
    grt_port a = PF(2, 3, 4), b = PF(4, 5), bt = PF(5, 4), v4 = PF(4), o;
    CHECK_OK(add(GRT_OP_MATMUL, "mm", 2, (grt_port[]){a, b}, 0, NULL, &o));
    EXPECT(o, GRT_F32, 2, 3, 5);
    CHECK_OK(add(GRT_OP_MATMUL, "mmt", 2, (grt_port[]){a, bt}, 1, (grt_attribute[]){AI("transpose_b", 1)}, &o));
    EXPECT(o, GRT_F32, 2, 3, 5);
    CHECK_OK(add(GRT_OP_MATMUL, "vec_a", 2, (grt_port[]){v4, b}, 0, NULL, &o));
    EXPECT(o, GRT_F32, 5);
    CHECK_OK(add(GRT_OP_MATMUL, "vec_b", 2, (grt_port[]){a, v4}, 0, NULL, &o));
    EXPECT(o, GRT_F32, 2, 3);
    grt_port at = PF(2, 4, 3);
    CHECK_OK(add(GRT_OP_MATMUL, "ta", 2, (grt_port[]){at, b}, 1, (grt_attribute[]){AI("transpose_a", 1)}, &o));
    EXPECT(o, GRT_F32, 2, 3, 5);
    grt_port x = PF(2, 1, 3, 4), y = PF(5, 4, 6);
    CHECK_OK(add(GRT_OP_MATMUL, "bcast", 2, (grt_port[]){x, y}, 0, NULL, &o));
    EXPECT(o, GRT_F32, 2, 5, 3, 6);
    grt_port dq = PF(Q, Q, 64), dw = PF(Q, 32);
    CHECK_OK(add(GRT_OP_MATMUL, "dyn", 2, (grt_port[]){dq, dw}, 0, NULL, &o));
    EXPECT(o, GRT_F32, Q, Q, 32);
    grt_port k64 = PF(8, 64), k32 = PF(32, 16);
    CHECK_ST(add(GRT_OP_MATMUL, "x", 2, (grt_port[]){k64, k32}, 0, NULL, NULL), GRT_ERROR_SHAPE);
    CHECK_MSG("node 'x' (MatMul): K mismatch 64 vs 32");
    /* Mixed float types (f16/bf16 weight, f32 activations and the reverse): output = A's type. */
    grt_port h = P(GRT_F16, DIMS(4, 5)), hb = P(GRT_BF16, DIMS(5, 4)), ha = P(GRT_F16, DIMS(3, 4));
    CHECK_OK(add(GRT_OP_MATMUL, "mixed", 2, (grt_port[]){a, h}, 0, NULL, &o));
    EXPECT(o, GRT_F32, 2, 3, 5);
    CHECK_OK(add(GRT_OP_MATMUL, "mixed_bf16", 2, (grt_port[]){a, hb}, 1, (grt_attribute[]){AI("transpose_b", 1)}, &o));
    EXPECT(o, GRT_F32, 2, 3, 5);
    CHECK_OK(add(GRT_OP_MATMUL, "mixed_f16_a", 2, (grt_port[]){ha, b}, 0, NULL, &o));
    EXPECT(o, GRT_F16, 3, 5);
    CHECK_ST(add(GRT_OP_MATMUL, "mixed_k", 2, (grt_port[]){a, hb}, 0, NULL, NULL), GRT_ERROR_SHAPE);
    CHECK_MSG("node 'mixed_k' (MatMul): K mismatch 4 vs 5");
    grt_port i = P(GRT_I32, DIMS(4, 4));
    CHECK_ST(add(GRT_OP_MATMUL, "int", 2, (grt_port[]){i, i}, 0, NULL, NULL), GRT_ERROR_SHAPE);
    CHECK_MSG("node 'int' (MatMul): A must be a float type, got i32");
    CHECK_ST(add(GRT_OP_MATMUL, "int_b", 2, (grt_port[]){a, i}, 0, NULL, NULL), GRT_ERROR_SHAPE);
    CHECK_MSG("node 'int_b' (MatMul): B must be a float type, got i32");
    CHECK_ST(add(GRT_OP_MATMUL, "one", 1, &a, 0, NULL, NULL), GRT_ERROR_SHAPE);
    CHECK_MSG("expects 2 inputs");
    grt_port bb = PF(3, 4, 5);
    CHECK_ST(add(GRT_OP_MATMUL, "batch", 2, (grt_port[]){a, bb}, 0, NULL, NULL), GRT_ERROR_SHAPE);
}

static void test_elementwise(void) {
    grt_port a = PF(2, 1, 4), b = PF(3, 1), d = PF(Q, 4), one = PF(1, 4), three = PF(3, 4), o;
    CHECK_OK(add(GRT_OP_ADD, "add", 2, (grt_port[]){a, b}, 0, NULL, &o));
    EXPECT(o, GRT_F32, 2, 3, 4);
    CHECK_OK(add(GRT_OP_SUB, "sub", 2, (grt_port[]){d, one}, 0, NULL, &o));
    EXPECT(o, GRT_F32, Q, 4);
    CHECK_OK(add(GRT_OP_MUL, "mul", 2, (grt_port[]){d, three}, 0, NULL, &o));
    EXPECT(o, GRT_F32, 3, 4);
    grt_port s = PF();
    CHECK_OK(add(GRT_OP_DIV, "div", 2, (grt_port[]){s, a}, 0, NULL, &o));
    EXPECT(o, GRT_F32, 2, 1, 4);
    grt_port e = PF(4, 3);
    CHECK_ST(add(GRT_OP_ADD, "bad", 2, (grt_port[]){three, e}, 0, NULL, NULL), GRT_ERROR_SHAPE);
    CHECK_MSG("node 'bad' (Add): shapes [3,4] and [4,3] do not broadcast");
    grt_port i1 = P(GRT_I32, DIMS(4)), i2 = P(GRT_I32, DIMS(2, 1)), i8 = P(GRT_I8, DIMS(4)), bo = P(GRT_BOOLEAN, DIMS(4));
    CHECK_OK(add(GRT_OP_DIV, "idiv", 2, (grt_port[]){i1, i2}, 0, NULL, &o));
    EXPECT(o, GRT_I32, 2, 4);
    CHECK_ST(add(GRT_OP_ADD, "i8", 2, (grt_port[]){i8, i8}, 0, NULL, NULL), GRT_ERROR_SHAPE);
    CHECK_ST(add(GRT_OP_ADD, "bool", 2, (grt_port[]){bo, bo}, 0, NULL, NULL), GRT_ERROR_SHAPE);
    CHECK_ST(add(GRT_OP_ADD, "mixed", 2, (grt_port[]){i1, one}, 0, NULL, NULL), GRT_ERROR_SHAPE);
    CHECK_MSG("element types differ");
}

static void test_activations(void) {
    grt_port x = P(GRT_BF16, DIMS(2, Q)), i = P(GRT_I32, DIMS(2)), o;
    CHECK_OK(add(GRT_OP_SILU, "silu", 1, &x, 0, NULL, &o));
    EXPECT(o, GRT_BF16, 2, Q);
    CHECK_OK(add(GRT_OP_GELU, "gelu", 1, &x, 1, (grt_attribute[]){AI("approximate", 1)}, &o));
    EXPECT(o, GRT_BF16, 2, Q);
    CHECK_OK(add(GRT_OP_RELU, "relu", 1, &x, 0, NULL, &o));
    CHECK_ST(add(GRT_OP_RELU, "irelu", 1, &i, 0, NULL, NULL), GRT_ERROR_SHAPE);
    CHECK_ST(add(GRT_OP_GELU, "g2", 1, &x, 1, (grt_attribute[]){AI("approximate", 2)}, NULL), GRT_ERROR_SHAPE);
    CHECK_OK(add(GRT_OP_SOFTMAX, "sm", 1, &x, 1, (grt_attribute[]){AI("axis", 0)}, &o));
    EXPECT(o, GRT_BF16, 2, Q);
    CHECK_ST(add(GRT_OP_SOFTMAX, "sm2", 1, &x, 1, (grt_attribute[]){AI("axis", 2)}, NULL), GRT_ERROR_SHAPE);
    CHECK_MSG("axis 2 out of range for rank 2");
    CHECK_ST(add(GRT_OP_SOFTMAX, "smi", 1, &i, 0, NULL, NULL), GRT_ERROR_SHAPE);
    CHECK_OK(add(GRT_OP_CONVERT, "cv", 1, &i, 1, (grt_attribute[]){AI("destination_type", GRT_F16)}, &o));
    EXPECT(o, GRT_F16, 2);
    CHECK_ST(add(GRT_OP_CONVERT, "cv0", 1, &i, 1, (grt_attribute[]){AI("destination_type", 0)}, NULL), GRT_ERROR_SHAPE);
    CHECK_ST(add(GRT_OP_CONVERT, "cv99", 1, &i, 1, (grt_attribute[]){AI("destination_type", 99)}, NULL), GRT_ERROR_SHAPE);
    CHECK_ST(add(GRT_OP_CONVERT, "cvm", 1, &i, 0, NULL, NULL), GRT_ERROR_INVALID_ARGUMENT);
    CHECK_MSG("missing required attribute 'destination_type'");
}

static void test_norms(void) {
    grt_port x = PF(2, Q, 16), g = PF(16), g8 = PF(8), gd = PF(Q), h = P(GRT_F16, DIMS(16)), o;
    CHECK_OK(add(GRT_OP_RMS_NORM, "rms", 2, (grt_port[]){x, g}, 0, NULL, &o));
    EXPECT(o, GRT_F32, 2, Q, 16);
    CHECK_ST(add(GRT_OP_RMS_NORM, "rms8", 2, (grt_port[]){x, g8}, 0, NULL, NULL), GRT_ERROR_SHAPE);
    CHECK_MSG("node 'rms8' (RMSNorm): gamma size 8");
    CHECK_ST(add(GRT_OP_RMS_NORM, "rmsh", 2, (grt_port[]){x, h}, 0, NULL, NULL), GRT_ERROR_SHAPE);
    CHECK_ST(add(GRT_OP_RMS_NORM, "rmse", 2, (grt_port[]){x, g}, 1, (grt_attribute[]){AF("eps", -1.0)}, NULL),
             GRT_ERROR_SHAPE);
    grt_port xd = PF(3, Q);
    CHECK_OK(add(GRT_OP_LAYER_NORM, "ln", 3, (grt_port[]){xd, g, gd}, 0, NULL, &o));
    EXPECT(o, GRT_F32, 3, 16);
    CHECK_OK(add(GRT_OP_LAYER_NORM, "ln2", 2, (grt_port[]){x, g}, 0, NULL, &o));
    CHECK_ST(add(GRT_OP_LAYER_NORM, "ln3", 3, (grt_port[]){x, g, g8}, 0, NULL, NULL), GRT_ERROR_SHAPE);
    CHECK_MSG("beta");
    CHECK_ST(add(GRT_OP_LAYER_NORM, "ln4", 1, &x, 0, NULL, NULL), GRT_ERROR_SHAPE);
}

static void test_gather_concat(void) {
    grt_port d = PF(10, 4), idx = P(GRT_I64, DIMS(2, 3)), fi = PF(2), o;
    CHECK_OK(add(GRT_OP_GATHER, "g", 2, (grt_port[]){d, idx}, 0, NULL, &o));
    EXPECT(o, GRT_F32, 2, 3, 4);
    CHECK_OK(add(GRT_OP_GATHER, "g1", 2, (grt_port[]){d, idx}, 1, (grt_attribute[]){AI("axis", -1)}, &o));
    EXPECT(o, GRT_F32, 10, 2, 3);
    CHECK_ST(add(GRT_OP_GATHER, "gf", 2, (grt_port[]){d, fi}, 0, NULL, NULL), GRT_ERROR_SHAPE);
    CHECK_ST(add(GRT_OP_GATHER, "gb", 2, (grt_port[]){d, idx}, 1, (grt_attribute[]){AI("batch_dims", 1)}, NULL),
             GRT_ERROR_SHAPE);
    CHECK_ST(add(GRT_OP_GATHER, "ga", 2, (grt_port[]){d, idx}, 1, (grt_attribute[]){AI("axis", 2)}, NULL), GRT_ERROR_SHAPE);
    grt_port big = PF(1, 1, 1, 1, 1, 1), bi = P(GRT_I32, DIMS(1, 1, 1, 1));
    CHECK_ST(add(GRT_OP_GATHER, "grank", 2, (grt_port[]){big, bi}, 0, NULL, NULL), GRT_ERROR_SHAPE);
    grt_port a = PF(2, 3), b = PF(2, 5), c = PF(Q, Q), r3 = PF(2, 3, 1), o2;
    CHECK_OK(add(GRT_OP_CONCAT, "cat", 2, (grt_port[]){a, b}, 1, (grt_attribute[]){AI("axis", 1)}, &o));
    EXPECT(o, GRT_F32, 2, 8);
    CHECK_OK(add(GRT_OP_CONCAT, "catd", 3, (grt_port[]){a, c, b}, 1, (grt_attribute[]){AI("axis", -1)}, &o2));
    EXPECT(o2, GRT_F32, 2, Q);
    CHECK_OK(add(GRT_OP_CONCAT, "cat1", 1, &a, 1, (grt_attribute[]){AI("axis", 0)}, &o));
    EXPECT(o, GRT_F32, 2, 3);
    CHECK_ST(add(GRT_OP_CONCAT, "catr", 2, (grt_port[]){a, r3}, 1, (grt_attribute[]){AI("axis", 1)}, NULL), GRT_ERROR_SHAPE);
    CHECK_ST(add(GRT_OP_CONCAT, "cat0", 2, (grt_port[]){a, b}, 1, (grt_attribute[]){AI("axis", 0)}, NULL), GRT_ERROR_SHAPE);
    CHECK_ST(add(GRT_OP_CONCAT, "catn", 2, (grt_port[]){a, b}, 0, NULL, NULL), GRT_ERROR_INVALID_ARGUMENT);
    CHECK_ST(add(GRT_OP_CONCAT, "cat_none", 0, NULL, 1, (grt_attribute[]){AI("axis", 0)}, NULL), GRT_ERROR_SHAPE);
    grt_port h1 = PF(INT64_MAX / 2 + 1), h2 = PF(INT64_MAX / 2 + 1);
    CHECK_ST(add(GRT_OP_CONCAT, "cat_ovf", 2, (grt_port[]){h1, h2}, 1, (grt_attribute[]){AI("axis", 0)}, NULL),
             GRT_ERROR_SHAPE);
}

static void test_reshape_transpose(void) {
    grt_port x = PF(2, 3, 4), d = PF(Q, 3, 4), o;
    CHECK_OK(add(GRT_OP_RESHAPE, "r", 1, &x, 1, (grt_attribute[]){AL("shape", DIMS(0, -1))}, &o));
    EXPECT(o, GRT_F32, 2, 12);
    CHECK_OK(add(GRT_OP_RESHAPE, "r2", 1, &x, 1, (grt_attribute[]){AL("shape", DIMS(6, 4))}, &o));
    EXPECT(o, GRT_F32, 6, 4);
    CHECK_OK(add(GRT_OP_RESHAPE, "r3", 1, &d, 1, (grt_attribute[]){AL("shape", DIMS(0, 12))}, &o));
    EXPECT(o, GRT_F32, Q, 12);
    CHECK_OK(add(GRT_OP_RESHAPE, "r4", 1, &d, 1, (grt_attribute[]){AL("shape", DIMS(-1, 4))}, &o));
    EXPECT(o, GRT_F32, Q, 4);
    CHECK_ST(add(GRT_OP_RESHAPE, "r5", 1, &x, 1, (grt_attribute[]){AL("shape", DIMS(5, -1))}, NULL), GRT_ERROR_SHAPE);
    CHECK_ST(add(GRT_OP_RESHAPE, "r6", 1, &x, 1, (grt_attribute[]){AL("shape", DIMS(-1, -1))}, NULL), GRT_ERROR_SHAPE);
    CHECK_ST(add(GRT_OP_RESHAPE, "r7", 1, &x, 1, (grt_attribute[]){AL("shape", DIMS(5, 5))}, NULL), GRT_ERROR_SHAPE);
    CHECK_MSG("element count mismatch");
    CHECK_ST(add(GRT_OP_RESHAPE, "r8", 1, &x, 2, (grt_attribute[]){AL("shape", DIMS(0, 24)), AI("special_zero", 0)}, NULL),
             GRT_ERROR_SHAPE);
    CHECK_ST(add(GRT_OP_RESHAPE, "r9", 1, &x, 1, (grt_attribute[]){AL("shape", DIMS(-2, 12))}, NULL), GRT_ERROR_SHAPE);
    CHECK_ST(add(GRT_OP_RESHAPE, "r10", 1, &x, 1,
                 (grt_attribute[]){AL("shape", DIMS(INT64_MAX, INT64_MAX, 2))}, NULL), GRT_ERROR_SHAPE);
    CHECK_OK(add(GRT_OP_TRANSPOSE, "t", 1, &d, 1, (grt_attribute[]){AL("perm", DIMS(2, 0, 1))}, &o));
    EXPECT(o, GRT_F32, 4, Q, 3);
    CHECK_ST(add(GRT_OP_TRANSPOSE, "t2", 1, &d, 1, (grt_attribute[]){AL("perm", DIMS(0, 0, 1))}, NULL), GRT_ERROR_SHAPE);
    CHECK_ST(add(GRT_OP_TRANSPOSE, "t3", 1, &d, 1, (grt_attribute[]){AL("perm", DIMS(1, 0))}, NULL), GRT_ERROR_SHAPE);
    CHECK_ST(add(GRT_OP_TRANSPOSE, "t4", 1, &d, 1, (grt_attribute[]){AL("perm", DIMS(0, 1, 3))}, NULL), GRT_ERROR_SHAPE);
}

static void test_slice(void) {
    grt_port x = PF(10, 8), d = PF(Q, 8), o;
    CHECK_OK(add(GRT_OP_SLICE, "s", 1, &x, 2, (grt_attribute[]){AL("starts", DIMS(1)), AL("ends", DIMS(-1))}, &o));
    EXPECT(o, GRT_F32, 8, 8);
    CHECK_OK(add(GRT_OP_SLICE, "s2", 1, &x, 4,
                 (grt_attribute[]){AL("starts", DIMS(1)), AL("ends", DIMS(INT64_MAX)), AL("axes", DIMS(-1)),
                                   AL("steps", DIMS(3))},
                 &o));
    EXPECT(o, GRT_F32, 10, 3);
    CHECK_OK(add(GRT_OP_SLICE, "rev", 1, &x, 3,
                 (grt_attribute[]){AL("starts", DIMS(-1)), AL("ends", DIMS(INT64_MIN)), AL("steps", DIMS(-1))}, &o));
    EXPECT(o, GRT_F32, 10, 8);
    CHECK_OK(add(GRT_OP_SLICE, "rev2", 1, &x, 3,
                 (grt_attribute[]){AL("starts", DIMS(8)), AL("ends", DIMS(1)), AL("steps", DIMS(INT64_MIN))}, &o));
    EXPECT(o, GRT_F32, 1, 8);
    CHECK_OK(add(GRT_OP_SLICE, "empty", 1, &x, 2, (grt_attribute[]){AL("starts", DIMS(100)), AL("ends", DIMS(200))}, &o));
    EXPECT(o, GRT_F32, 0, 8);
    CHECK_OK(add(GRT_OP_SLICE, "two", 1, &x, 2, (grt_attribute[]){AL("starts", DIMS(0, 2)), AL("ends", DIMS(5, 4))}, &o));
    EXPECT(o, GRT_F32, 5, 2);
    CHECK_OK(add(GRT_OP_SLICE, "dyn", 1, &d, 2, (grt_attribute[]){AL("starts", DIMS(-1)), AL("ends", DIMS(INT64_MAX))}, &o));
    EXPECT(o, GRT_F32, Q, 8);
    CHECK_ST(add(GRT_OP_SLICE, "st0", 1, &x, 3,
                 (grt_attribute[]){AL("starts", DIMS(0)), AL("ends", DIMS(1)), AL("steps", DIMS(0))}, NULL),
             GRT_ERROR_SHAPE);
    CHECK_ST(add(GRT_OP_SLICE, "dup", 1, &x, 3,
                 (grt_attribute[]){AL("starts", DIMS(0, 0)), AL("ends", DIMS(1, 1)), AL("axes", DIMS(0, -2))}, NULL),
             GRT_ERROR_SHAPE);
    CHECK_ST(add(GRT_OP_SLICE, "len", 1, &x, 2, (grt_attribute[]){AL("starts", DIMS(0, 0)), AL("ends", DIMS(1))}, NULL),
             GRT_ERROR_SHAPE);
    CHECK_ST(add(GRT_OP_SLICE, "ax", 1, &x, 3,
                 (grt_attribute[]){AL("starts", DIMS(0)), AL("ends", DIMS(1)), AL("axes", DIMS(2))}, NULL),
             GRT_ERROR_SHAPE);
}

static void test_rope_sdpa(void) {
    grt_port x = PF(1, 4, Q, 64), p1 = P(GRT_I64, DIMS(Q)), p2 = P(GRT_I32, DIMS(1, 7)), pf = PF(7), o;
    CHECK_OK(add(GRT_OP_ROPE, "rope", 2, (grt_port[]){x, p1}, 0, NULL, &o));
    EXPECT(o, GRT_F32, 1, 4, Q, 64);
    CHECK_OK(add(GRT_OP_ROPE, "rope2", 2, (grt_port[]){x, p2}, 2, (grt_attribute[]){AI("rotary_dims", 32), AI("mode", 1)}, &o));
    CHECK_ST(add(GRT_OP_ROPE, "rf", 2, (grt_port[]){x, pf}, 0, NULL, NULL), GRT_ERROR_SHAPE);
    CHECK_ST(add(GRT_OP_ROPE, "rd", 2, (grt_port[]){x, p1}, 1, (grt_attribute[]){AI("rotary_dims", 66)}, NULL), GRT_ERROR_SHAPE);
    CHECK_ST(add(GRT_OP_ROPE, "ro", 2, (grt_port[]){x, p1}, 1, (grt_attribute[]){AI("rotary_dims", 3)}, NULL), GRT_ERROR_SHAPE);
    CHECK_ST(add(GRT_OP_ROPE, "rm", 2, (grt_port[]){x, p1}, 1, (grt_attribute[]){AI("mode", 2)}, NULL), GRT_ERROR_SHAPE);
    CHECK_ST(add(GRT_OP_ROPE, "rl3", 2, (grt_port[]){x, p1}, 3,
                 (grt_attribute[]){AI("scaling", 2), AF("low_freq_factor", 4), AF("high_freq_factor", 4)}, NULL),
             GRT_ERROR_SHAPE);
    grt_port x3 = PF(4, 7, 64), p3 = P(GRT_I64, DIMS(1, 1, 7)), p8 = P(GRT_I64, DIMS(2, 7));
    CHECK_ST(add(GRT_OP_ROPE, "r3", 2, (grt_port[]){x3, p1}, 0, NULL, NULL), GRT_ERROR_SHAPE);
    CHECK_ST(add(GRT_OP_ROPE, "rp3", 2, (grt_port[]){x, p3}, 0, NULL, NULL), GRT_ERROR_SHAPE);
    grt_port xs = PF(1, 4, 5, 64);
    CHECK_ST(add(GRT_OP_ROPE, "rb", 2, (grt_port[]){xs, p8}, 0, NULL, NULL), GRT_ERROR_SHAPE);

    grt_port q = PF(1, 8, Q, 64), k = PF(1, 2, Q, 64), v = PF(1, 2, Q, 32);
    CHECK_OK(add(GRT_OP_SDPA, "sdpa", 3, (grt_port[]){q, k, v}, 1, (grt_attribute[]){AI("causal", 1)}, &o));
    EXPECT(o, GRT_F32, 1, 8, Q, 32);
    grt_port q6 = PF(1, 6, 5, 64), k4 = PF(1, 4, 7, 64), v4 = PF(1, 4, 7, 64), kd = PF(1, 2, 7, 32);
    CHECK_ST(add(GRT_OP_SDPA, "gqa", 3, (grt_port[]){q6, k4, v4}, 0, NULL, NULL), GRT_ERROR_SHAPE);
    CHECK_MSG("not a multiple");
    CHECK_ST(add(GRT_OP_SDPA, "dmis", 3, (grt_port[]){q, kd, v}, 0, NULL, NULL), GRT_ERROR_SHAPE);
    grt_port q5 = PF(1, 8, 5, 64), k7 = PF(1, 2, 7, 64), v7 = PF(1, 2, 7, 16);
    grt_port m1 = PF(1, 1, 5, 7), m2 = PF(5, 7), m3 = PF(2, 7), m5 = PF(1, 1, 1, 5, 7);
    CHECK_OK(add(GRT_OP_SDPA, "mask", 4, (grt_port[]){q5, k7, v7, m1}, 1, (grt_attribute[]){AF("scale", 0.125)}, &o));
    EXPECT(o, GRT_F32, 1, 8, 5, 16);
    CHECK_OK(add(GRT_OP_SDPA, "mask2", 4, (grt_port[]){q5, k7, v7, m2}, 0, NULL, &o));
    CHECK_ST(add(GRT_OP_SDPA, "mask3", 4, (grt_port[]){q5, k7, v7, m3}, 0, NULL, NULL), GRT_ERROR_SHAPE);
    CHECK_ST(add(GRT_OP_SDPA, "mask5", 4, (grt_port[]){q5, k7, v7, m5}, 0, NULL, NULL), GRT_ERROR_SHAPE);
    CHECK_ST(add(GRT_OP_SDPA, "two", 2, (grt_port[]){q5, k7}, 0, NULL, NULL), GRT_ERROR_SHAPE);
}

static void test_moe_topk_argmax(void) {
    grt_port x = PF(Q, 16), r = PF(4, 16), g = PF(4, 32, 16), u = PF(4, 32, 16), dn = PF(4, 16, 32), o;
    CHECK_OK(add(GRT_OP_MOE, "moe", 5, (grt_port[]){x, r, g, u, dn}, 1, (grt_attribute[]){AI("top_k", 2)}, &o));
    EXPECT(o, GRT_F32, Q, 16);
    CHECK_ST(add(GRT_OP_MOE, "moe5", 5, (grt_port[]){x, r, g, u, dn}, 1, (grt_attribute[]){AI("top_k", 5)}, NULL),
             GRT_ERROR_SHAPE);
    CHECK_ST(add(GRT_OP_MOE, "moei", 5, (grt_port[]){x, r, g, g, g}, 1, (grt_attribute[]){AI("top_k", 1)}, NULL),
             GRT_ERROR_SHAPE);
    CHECK_ST(add(GRT_OP_MOE, "moek", 5, (grt_port[]){x, r, g, u, dn}, 0, NULL, NULL), GRT_ERROR_INVALID_ARGUMENT);

    grt_port t = PF(3, 10), td = PF(3, Q);
    uint32_t id;
    CHECK_OK(grt_model_add_op(g_m, GRT_OP_TOPK, "topk", 1, &t, 1, (grt_attribute[]){AI("k", 4)}, &id));
    EXPECT(((grt_port){id, 0}), GRT_F32, 3, 4);
    EXPECT(((grt_port){id, 1}), GRT_I64, 3, 4);
    CHECK_OK(add(GRT_OP_TOPK, "topkd", 1, &td, 2, (grt_attribute[]){AI("k", 4), AI("axis", 1)}, &o));
    EXPECT(o, GRT_F32, 3, 4);
    CHECK_ST(add(GRT_OP_TOPK, "topk11", 1, &t, 1, (grt_attribute[]){AI("k", 11)}, NULL), GRT_ERROR_SHAPE);
    CHECK_ST(add(GRT_OP_TOPK, "topk0", 1, &t, 1, (grt_attribute[]){AI("k", 0)}, NULL), GRT_ERROR_SHAPE);
    CHECK_ST(add(GRT_OP_TOPK, "topkm", 1, &t, 2, (grt_attribute[]){AI("k", 1), AI("mode", 3)}, NULL), GRT_ERROR_SHAPE);
    CHECK_OK(add(GRT_OP_ARGMAX, "am", 1, &t, 0, NULL, &o));
    EXPECT(o, GRT_I64, 3);
    CHECK_OK(add(GRT_OP_ARGMAX, "amk", 1, &td, 2, (grt_attribute[]){AI("axis", 0), AI("keep_dims", 1)}, &o));
    EXPECT(o, GRT_I64, 1, Q);
    grt_port s = PF();
    CHECK_ST(add(GRT_OP_ARGMAX, "am0", 1, &s, 0, NULL, NULL), GRT_ERROR_SHAPE);
}

static void test_state_ops(void) {
    const int64_t shape[] = {1, 2, -1, 4};
    grt_attribute rv[] = {{"variable_id", {GRT_ATTR_STRING, 0, {.s = "kv"}}}, AI("element_type", GRT_F32),
                          AL("shape", 4, shape)};
    grt_port o, init = PF(1, 2, 0, 4), bad = PF(1, 3, 0, 4), ih = P(GRT_F16, DIMS(1, 2, 0, 4));
    CHECK_OK(add(GRT_OP_READ_VALUE, "rv", 0, NULL, 3, rv, &o));
    EXPECT(o, GRT_F32, 1, 2, Q, 4);
    CHECK_OK(add(GRT_OP_READ_VALUE, "rv_init", 1, &init, 3, rv, &o));
    CHECK_ST(add(GRT_OP_READ_VALUE, "rv_bad", 1, &bad, 3, rv, NULL), GRT_ERROR_SHAPE);
    CHECK_ST(add(GRT_OP_READ_VALUE, "rv_type", 1, &ih, 3, rv, NULL), GRT_ERROR_SHAPE);
    CHECK_ST(add(GRT_OP_READ_VALUE, "rv_noid", 0, NULL, 2, rv + 1, NULL), GRT_ERROR_INVALID_ARGUMENT);
    grt_attribute rvb[] = {rv[0], AI("element_type", 77), rv[2]};
    CHECK_ST(add(GRT_OP_READ_VALUE, "rv_et", 0, NULL, 3, rvb, NULL), GRT_ERROR_SHAPE);
    uint32_t id;
    CHECK_OK(grt_model_add_op(g_m, GRT_OP_ASSIGN, "as", 1, &o, 1, rv, &id));
    CHECK_ST(grt_model_add_op(g_m, GRT_OP_ASSIGN, "as0", 0, NULL, 1, rv, &id), GRT_ERROR_SHAPE);
}

static void test_attributes_and_ports(void) {
    grt_port x = PF(2, 2), o;
    CHECK_ST(add(GRT_OP_SOFTMAX, "unk", 1, &x, 1, (grt_attribute[]){AI("axes", 0)}, NULL), GRT_ERROR_INVALID_ARGUMENT);
    CHECK_MSG("node 'unk' (Softmax): unknown attribute 'axes'");
    CHECK_ST(add(GRT_OP_SOFTMAX, "ty", 1, &x, 1, (grt_attribute[]){AF("axis", 1.0)}, NULL), GRT_ERROR_INVALID_ARGUMENT);
    CHECK_MSG("must be INT");
    CHECK_ST(add(GRT_OP_SOFTMAX, "dup", 1, &x, 2, (grt_attribute[]){AI("axis", 0), AI("axis", 1)}, NULL),
             GRT_ERROR_INVALID_ARGUMENT);
    grt_port g = PF(2);
    CHECK_OK(add(GRT_OP_RMS_NORM, "int_for_float", 2, (grt_port[]){x, g}, 1, (grt_attribute[]){AI("eps", 0)}, &o));
    const grt_attr_value *eps = grt_ir_node_attr(&g_m->g.nodes[o.node], "eps");
    CHECK(eps && eps->type == GRT_ATTR_FLOAT && eps->u.f == 0.0);
    CHECK_ST(add(GRT_OP_RMS_NORM, "nan", 2, (grt_port[]){x, g}, 1, (grt_attribute[]){AF("eps", 0.0 / 0.0)}, NULL),
             GRT_ERROR_INVALID_ARGUMENT);
    CHECK_ST(add(GRT_OP_RELU, "port", 1, (grt_port[]){{x.node, 1}}, 0, NULL, NULL), GRT_ERROR_INVALID_ARGUMENT);
    CHECK_ST(add(GRT_OP_RELU, "node", 1, (grt_port[]){{99999, 0}}, 0, NULL, NULL), GRT_ERROR_INVALID_ARGUMENT);
    CHECK_ST(add(GRT_OP_PARAMETER, "param", 0, NULL, 0, NULL, NULL), GRT_ERROR_INVALID_ARGUMENT);
    CHECK_ST(add(GRT_OP_RESULT, "res", 1, &x, 0, NULL, NULL), GRT_ERROR_INVALID_ARGUMENT);
    CHECK_ST(add((grt_op_type)999, "bogus", 1, &x, 0, NULL, NULL), GRT_ERROR_INVALID_ARGUMENT);
    CHECK_ST(add(GRT_OP_RELU, "null_inputs", 1, NULL, 0, NULL, NULL), GRT_ERROR_INVALID_ARGUMENT);
    /* Defaults are filled in: a node without attributes reports them. */
    CHECK_OK(add(GRT_OP_SLICE, "defaults", 1, &x, 2, (grt_attribute[]){AL("starts", DIMS(0, 1)), AL("ends", DIMS(1, 2))}, &o));
    const grt_attr_value *axes = grt_ir_node_attr(&g_m->g.nodes[o.node], "axes");
    const grt_attr_value *steps = grt_ir_node_attr(&g_m->g.nodes[o.node], "steps");
    CHECK(axes && axes->u.ints.count == 2 && axes->u.ints.data[1] == 1);
    CHECK(steps && steps->u.ints.count == 2 && steps->u.ints.data[0] == 1);
    /* Unnamed nodes get a generated name. */
    CHECK_OK(add(GRT_OP_RELU, NULL, 1, &x, 0, NULL, &o));
    CHECK(strncmp(g_m->g.nodes[o.node].name, "ReLU_", 5) == 0);
}

int main(void) {
    CHECK_OK(grt_model_create("shapes", &g_m));
    if (!g_m) return 1;
    test_matmul();
    test_elementwise();
    test_activations();
    test_norms();
    test_gather_concat();
    test_reshape_transpose();
    test_slice();
    test_rope_sdpa();
    test_moe_topk_argmax();
    test_state_ops();
    test_attributes_and_ports();
    grt_model_destroy(g_m);
    TEST_EXIT("test_ir_shapes");
}
