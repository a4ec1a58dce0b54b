/*
 * tests/ops/ref_selftest.c - checks the reference implementations of tests/ops/ref against
 * hand-computed values and algebraic identities (transposes, mode permutations, GQA as repeated
 * heads), so that op conformance failures can be trusted to be the device's. No device needed.
 * Prints one line per failed check and "N checks, M failed"; exits 1 on failure.
 */
#include "ref/ref.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int g_checks, g_failed;

static void check(int cond, const char *what)
{
    g_checks++;
    if (!cond) {
        g_failed++;
        printf("FAIL: %s\n", what);
    }
}

static int near(const double *a, const double *b, size_t n, double tol)
{
    for (size_t i = 0; i < n; i++)
        if (!(fabs(a[i] - b[i]) <= tol))
            return 0;
    return 1;
}

static ref_tensor mk(grt_element_type t, size_t rank, const int64_t *dims, const double *v)
{
    ref_tensor x;
    if (ref_tensor_alloc(&x, t, rank, dims) != 0)
        abort(); /* test program only */
    size_t n = ref_numel(rank, dims);
    for (size_t i = 0; i < n && v; i++)
        x.v[i] = v[i];
    return x;
}

static double lcg(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return ((*s >> 8) & 0xffff) / 32768.0 - 1.0;
}

static ref_tensor rnd(size_t rank, const int64_t *dims, unsigned seed)
{
    ref_tensor x = mk(GRT_F32, rank, dims, NULL);
    size_t n = ref_numel(rank, dims);
    for (size_t i = 0; i < n; i++)
        x.v[i] = lcg(&seed);
    return x;
}

static void test_half(void)
{
    check(ref_f32_to_f16(1.0f) == 0x3c00, "f16(1)");
    check(ref_f32_to_f16(-2.0f) == 0xc000, "f16(-2)");
    check(ref_f32_to_f16(65504.0f) == 0x7bff, "f16 max");
    check(ref_f32_to_f16(65520.0f) == 0x7c00, "f16 overflow to inf");
    check(ref_f32_to_f16(65519.0f) == 0x7bff, "f16 just below the overflow threshold");
    check(ref_f32_to_f16(5.9604644775390625e-08f) == 0x0001, "f16 smallest subnormal");
    check(ref_f32_to_f16(2.98023223876953125e-08f) == 0x0000, "f16 half of smallest: to even 0");
    check(ref_f32_to_f16(1.00048828125f) == 0x3c00, "f16 tie rounds to even (down)");
    check(ref_f32_to_f16(1.00146484375f) == 0x3c02, "f16 tie rounds to even (up)");
    check(ref_f16_to_f32(0x3555) == 0.333251953125f, "f16 -> f32");
    check(ref_f16_to_f32(0x0001) == 5.9604644775390625e-08f, "f16 subnormal -> f32");
    check(ref_f32_to_bf16(1.0f) == 0x3f80, "bf16(1)");
    check(ref_f32_to_bf16(1.00390625f) == 0x3f80, "bf16 tie to even (down)");
    check(ref_f32_to_bf16(1.01171875f) == 0x3f82, "bf16 tie to even (up)");
    check(ref_bf16_to_f32(0xc040) == -3.0f, "bf16 -> f32");
    check(ref_convert_value(2.5, GRT_I32) == 2.0 && ref_convert_value(-3.5, GRT_I32) == -4.0,
          "convert rounds half to even");
    check(ref_convert_value(300, GRT_I8) == 127 && ref_convert_value(-1, GRT_U8) == 0,
          "convert saturates");
    check(ref_convert_value(0.1, GRT_BOOLEAN) == 1 && ref_convert_value(-0.0, GRT_BOOLEAN) == 0,
          "convert to boolean");
    double v[5] = {-8, 7, 3, -1, 5}, back[5];
    unsigned char packed[3];
    ref_pack(GRT_I4, v, 5, packed, 3);
    check(packed[0] == 0x78 && packed[1] == 0xf3 && packed[2] == 0x05, "i4 packing, low nibble first");
    ref_unpack(GRT_I4, packed, 5, back);
    check(near(v, back, 5, 0), "i4 unpack");
    double u[3] = {15, 0, 9}, ub[3];
    ref_pack(GRT_U4, u, 3, packed, 2);
    ref_unpack(GRT_U4, packed, 3, ub);
    check(packed[0] == 0x0f && packed[1] == 0x09 && near(u, ub, 3, 0), "u4 pack/unpack");
}

static void test_matmul(void)
{
    ref_tensor a = mk(GRT_F32, 2, (int64_t[]){2, 3}, (double[]){1, 2, 3, 4, 5, 6});
    ref_tensor b = mk(GRT_F32, 2, (int64_t[]){3, 2}, (double[]){7, 8, 9, 10, 11, 12});
    ref_tensor y, at, bt, y2;
    check(ref_matmul(&a, &b, 0, 0, &y) == 0 && y.rank == 2 && y.dims[0] == 2 && y.dims[1] == 2 &&
              near(y.v, (double[]){58, 64, 139, 154}, 4, 0),
          "matmul 2x3x2");
    ref_transpose(&a, 2, (int64_t[]){1, 0}, &at);
    ref_transpose(&b, 2, (int64_t[]){1, 0}, &bt);
    check(ref_matmul(&at, &bt, 1, 1, &y2) == 0 && near(y.v, y2.v, 4, 0), "matmul ta tb");
    ref_tensor_free(&y2);
    ref_tensor v = mk(GRT_F32, 1, (int64_t[]){3}, (double[]){1, 0, -1});
    check(ref_matmul(&a, &v, 0, 0, &y2) == 0 && y2.rank == 1 && y2.dims[0] == 2 &&
              near(y2.v, (double[]){-2, -2}, 2, 0),
          "matmul rank-1 B");
    ref_tensor_free(&y2);
    check(ref_matmul(&v, &v, 0, 0, &y2) == 0 && y2.rank == 0 && y2.v[0] == 2, "matmul dot");
    ref_tensor_free(&y2);
    /* batch broadcast [2,1,2,3] x [3,3,2] -> [2,3,2,2]; batch (1,2) uses a[1], b[2] */
    ref_tensor ba = rnd(4, (int64_t[]){2, 1, 2, 3}, 1), bb = rnd(3, (int64_t[]){3, 3, 2}, 2);
    check(ref_matmul(&ba, &bb, 0, 0, &y2) == 0 && y2.rank == 4 && y2.dims[1] == 3, "bcast shape");
    double e = 0;
    for (int k = 0; k < 3; k++)
        e += ba.v[6 + 3 + k] * bb.v[12 + k * 2 + 1]; /* a[1,0,1,k] * b[2,k,1] */
    check(fabs(y2.v[(1 * 3 + 2) * 4 + 3] - e) < 1e-12, "bcast value");
    ref_tensor_free(&y2);
    double q[4] = {-8, 7, 3, 0}, s[2] = {0.5, 2}, z[2] = {1, 2}, w[4];
    ref_dequant(q, s, NULL, 1, 4, 2, w);
    check(near(w, (double[]){-4, 3.5, 6, 0}, 4, 0), "dequant sym");
    ref_dequant(q, s, z, 1, 4, 2, w);
    check(near(w, (double[]){-4.5, 3, 2, -4}, 4, 0), "dequant asym");
    ref_tensor_free(&a); ref_tensor_free(&b); ref_tensor_free(&y); ref_tensor_free(&at);
    ref_tensor_free(&bt); ref_tensor_free(&v); ref_tensor_free(&ba); ref_tensor_free(&bb);
}

static void test_eltwise(void)
{
    ref_tensor a = mk(GRT_I32, 1, (int64_t[]){4}, (double[]){7, -7, 5, 3});
    ref_tensor b = mk(GRT_I32, 1, (int64_t[]){4}, (double[]){2, 2, 0, -2});
    ref_tensor y;
    check(ref_binary(GRT_OP_DIV, &a, &b, &y) == 0 && near(y.v, (double[]){3, -3, 0, -1}, 4, 0),
          "integer div truncates, /0 = 0");
    ref_tensor_free(&y);
    ref_tensor c = mk(GRT_I32, 2, (int64_t[]){2, 1}, (double[]){10, 20});
    check(ref_binary(GRT_OP_ADD, &c, &a, &y) == 0 && y.dims[0] == 2 && y.dims[1] == 4 &&
              near(y.v, (double[]){17, 3, 15, 13, 27, 13, 25, 23}, 8, 0),
          "broadcast add");
    ref_tensor_free(&y);
    ref_tensor x = mk(GRT_F32, 1, (int64_t[]){3}, (double[]){-1, 0, 2});
    ref_unary(GRT_OP_RELU, &x, 0, &y);
    check(near(y.v, (double[]){0, 0, 2}, 3, 0), "relu");
    ref_tensor_free(&y);
    ref_unary(GRT_OP_GELU, &x, 0, &y);
    check(near(y.v, (double[]){-0.15865525393145707, 0, 1.9544997361036416}, 3, 1e-12), "gelu");
    ref_tensor_free(&y);
    ref_unary(GRT_OP_GELU, &x, 1, &y);
    check(near(y.v, (double[]){-0.15880800939172324, 0, 1.9545976940871754}, 3, 1e-12), "gelu tanh");
    ref_tensor_free(&y);
    ref_unary(GRT_OP_SILU, &x, 0, &y);
    check(near(y.v, (double[]){-0.2689414213699951, 0, 1.7615941559557649}, 3, 1e-12), "silu");
    ref_tensor_free(&y);
    ref_tensor big = mk(GRT_F32, 2, (int64_t[]){2, 2}, (double[]){1000, 1000, 0, 1});
    check(ref_softmax(&big, -1, &y) == 0 &&
              near(y.v, (double[]){0.5, 0.5, 0.2689414213699951, 0.7310585786300049}, 4, 1e-12),
          "softmax last axis, large values");
    ref_tensor_free(&y);
    check(ref_softmax(&big, 0, &y) == 0 && fabs(y.v[0] - 1.0) < 1e-12 && y.v[2] < 1e-300,
          "softmax axis 0");
    ref_tensor_free(&y);
    ref_tensor g = mk(GRT_F32, 1, (int64_t[]){2}, (double[]){1, 2});
    ref_tensor r = mk(GRT_F32, 1, (int64_t[]){2}, (double[]){3, 4});
    ref_rms_norm(&r, &g, 0, &y);
    check(near(y.v, (double[]){3 / sqrt(12.5), 8 / sqrt(12.5)}, 2, 1e-12), "rmsnorm");
    ref_tensor_free(&y);
    ref_layer_norm(&r, &g, &g, 0, &y);
    check(near(y.v, (double[]){0, 4}, 2, 1e-12), "layernorm");
    ref_tensor_free(&y);
    ref_tensor_free(&a); ref_tensor_free(&b); ref_tensor_free(&c); ref_tensor_free(&x);
    ref_tensor_free(&big); ref_tensor_free(&g); ref_tensor_free(&r);
}

static void test_shape(void)
{
    ref_tensor d = mk(GRT_F32, 2, (int64_t[]){3, 2}, (double[]){0, 1, 2, 3, 4, 5});
    ref_tensor i = mk(GRT_I64, 1, (int64_t[]){2}, (double[]){-1, 0});
    ref_tensor y, y2;
    check(ref_gather(&d, &i, 0, &y) == 0 && near(y.v, (double[]){4, 5, 0, 1}, 4, 0), "gather");
    ref_tensor_free(&y);
    check(ref_gather(&d, &i, -1, &y) == 0 && y.dims[0] == 3 && y.dims[1] == 2 &&
              near(y.v, (double[]){1, 0, 3, 2, 5, 4}, 6, 0),
          "gather axis -1");
    ref_tensor_free(&y);
    ref_tensor bad = mk(GRT_I64, 1, (int64_t[]){1}, (double[]){3});
    check(ref_gather(&d, &bad, 0, &y) == -1, "gather out of range");
    const ref_tensor *parts[2] = {&d, &d};
    check(ref_concat(2, parts, 1, &y) == 0 && y.dims[1] == 4 &&
              near(y.v, (double[]){0, 1, 0, 1, 2, 3, 2, 3}, 8, 0),
          "concat axis 1");
    ref_tensor_free(&y);
    check(ref_reshape(&d, 2, (int64_t[]){0, -1}, 1, &y) == 0 && y.dims[0] == 3 && y.dims[1] == 2,
          "reshape special zero");
    ref_tensor_free(&y);
    check(ref_reshape(&d, 2, (int64_t[]){4, -1}, 1, &y) == -1, "reshape bad count");
    check(ref_transpose(&d, 2, (int64_t[]){1, 0}, &y) == 0 &&
              near(y.v, (double[]){0, 2, 4, 1, 3, 5}, 6, 0),
          "transpose");
    ref_tensor_free(&y);
    ref_tensor s = mk(GRT_F32, 1, (int64_t[]){10}, (double[]){0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    check(ref_slice(&s, 1, (int64_t[]){8}, (int64_t[]){1}, NULL, (int64_t[]){-3}, &y) == 0 &&
              y.dims[0] == 3 && near(y.v, (double[]){8, 5, 2}, 3, 0),
          "slice negative step");
    ref_tensor_free(&y);
    check(ref_slice(&s, 1, (int64_t[]){-1}, (int64_t[]){-1000}, NULL, (int64_t[]){-1}, &y) == 0 &&
              y.dims[0] == 10 && y.v[0] == 9 && y.v[9] == 0,
          "slice reverse all");
    ref_tensor_free(&y);
    check(ref_slice(&s, 1, (int64_t[]){-3}, (int64_t[]){INT64_MAX}, NULL, NULL, &y) == 0 &&
              y.dims[0] == 3 && y.v[0] == 7,
          "slice clamp");
    ref_tensor_free(&y);
    check(ref_slice(&s, 1, (int64_t[]){5}, (int64_t[]){2}, NULL, NULL, &y) == 0 && y.dims[0] == 0,
          "slice empty");
    ref_tensor_free(&y);
    check(ref_slice(&d, 1, (int64_t[]){1}, (int64_t[]){3}, (int64_t[]){-2}, NULL, &y) == 0 &&
              ref_reshape(&y, 1, (int64_t[]){-1}, 0, &y2) == 0 &&
              near(y2.v, (double[]){2, 3, 4, 5}, 4, 0),
          "slice axes");
    ref_tensor_free(&y); ref_tensor_free(&y2);
    ref_tensor_free(&d); ref_tensor_free(&i); ref_tensor_free(&bad); ref_tensor_free(&s);
}

static void test_rope(void)
{
    ref_rope_params p;
    ref_rope_defaults(&p);
    /* D = 2: one pair rotated by pos * 1 */
    ref_tensor x = mk(GRT_F32, 4, (int64_t[]){1, 1, 2, 2}, (double[]){1, 0, 1, 0});
    ref_tensor pos = mk(GRT_I64, 1, (int64_t[]){2}, (double[]){0, 1});
    ref_tensor y, y2;
    check(ref_rope(&x, &pos, &p, &y) == 0 && near(y.v, (double[]){1, 0, cos(1.0), sin(1.0)}, 4, 1e-12),
          "rope rotation");
    ref_tensor_free(&y);
    /* mode 1 on x equals mode 0 on the de-interleaved x */
    ref_tensor a = rnd(4, (int64_t[]){1, 2, 3, 8}, 3), b = rnd(4, (int64_t[]){1, 2, 3, 8}, 3);
    for (int r = 0; r < 6; r++)
        for (int i = 0; i < 4; i++) {
            b.v[r * 8 + i] = a.v[r * 8 + 2 * i];
            b.v[r * 8 + 4 + i] = a.v[r * 8 + 2 * i + 1];
        }
    ref_tensor pos3 = mk(GRT_I64, 1, (int64_t[]){3}, (double[]){3, 7, 11});
    p.mode = 1;
    ref_rope(&a, &pos3, &p, &y);
    p.mode = 0;
    ref_rope(&b, &pos3, &p, &y2);
    int ok = 1;
    for (int r = 0; r < 6; r++)
        for (int i = 0; i < 4; i++)
            ok &= fabs(y.v[r * 8 + 2 * i] - y2.v[r * 8 + i]) < 1e-12 &&
                  fabs(y.v[r * 8 + 2 * i + 1] - y2.v[r * 8 + 4 + i]) < 1e-12;
    check(ok, "rope interleaved = half rotation on permuted dims");
    ref_tensor_free(&y); ref_tensor_free(&y2);
    /* partial rotary dims leave the tail untouched */
    p.rotary_dims = 4;
    ref_rope(&b, &pos3, &p, &y);
    check(y.v[4] == b.v[4] && y.v[7] == b.v[7] && y.v[0] != b.v[0], "rope rotary_dims tail");
    ref_tensor_free(&y);
    /* llama3 bands with theta 5e5, R 16: pair 7 scaled by 1/8, pair 0 unchanged */
    ref_tensor e = mk(GRT_F32, 4, (int64_t[]){1, 1, 1, 16}, NULL);
    for (int i = 0; i < 16; i++)
        e.v[i] = i < 8 ? 1 : 0;
    ref_tensor p1 = mk(GRT_I64, 1, (int64_t[]){1}, (double[]){50});
    ref_rope_defaults(&p);
    p.theta = 500000;
    p.scaling = 2;
    p.factor = 8;
    ref_rope(&e, &p1, &p, &y);
    double inv7 = pow(500000.0, -14.0 / 16.0) / 8, inv0 = 1.0, inv4 = pow(500000.0, -0.5);
    double wl4 = 2 * M_PI / inv4, sm = (8192.0 / wl4 - 1) / 3;
    double inv4s = (1 - sm) * inv4 / 8 + sm * inv4;
    check(fabs(y.v[7] - cos(50 * inv7)) < 1e-12 && fabs(y.v[15] - sin(50 * inv7)) < 1e-12 &&
              fabs(y.v[0] - cos(50 * inv0)) < 1e-12 && fabs(y.v[4] - cos(50 * inv4s)) < 1e-12 &&
              sm > 0 && sm < 1,
          "rope llama3 bands");
    ref_tensor_free(&y);
    ref_tensor_free(&x); ref_tensor_free(&pos); ref_tensor_free(&a); ref_tensor_free(&b);
    ref_tensor_free(&pos3); ref_tensor_free(&e); ref_tensor_free(&p1);
}

static void test_sdpa(void)
{
    /* one head, D 1: q = 0 gives uniform weights over visible keys */
    ref_tensor q = mk(GRT_F32, 4, (int64_t[]){1, 1, 2, 1}, (double[]){0, 0});
    ref_tensor k = mk(GRT_F32, 4, (int64_t[]){1, 1, 3, 1}, (double[]){1, 2, 3});
    ref_tensor v = mk(GRT_F32, 4, (int64_t[]){1, 1, 3, 1}, (double[]){3, 6, 9});
    ref_tensor y, y2;
    check(ref_sdpa(&q, &k, &v, NULL, 1, 0, &y) == 0 && near(y.v, (double[]){4.5, 6}, 2, 1e-12),
          "sdpa causal bottom-right");
    ref_tensor_free(&y);
    ref_tensor q4 = mk(GRT_F32, 4, (int64_t[]){1, 1, 4, 1}, (double[]){0, 0, 0, 0});
    check(ref_sdpa(&q4, &k, &v, NULL, 1, 0, &y) == 0 &&
              near(y.v, (double[]){0, 3, 4.5, 6}, 4, 1e-12),
          "sdpa causal row with no key gives zeros");
    ref_tensor_free(&y);
    ref_tensor m = mk(GRT_F32, 2, (int64_t[]){2, 3}, (double[]){0, -INFINITY, 0, 0, 0, -INFINITY});
    check(ref_sdpa(&q, &k, &v, &m, 0, 0, &y) == 0 && near(y.v, (double[]){6, 4.5}, 2, 1e-12),
          "sdpa mask");
    ref_tensor_free(&y);
    /* GQA: Hq 4, Hkv 2 equals MHA with kv heads repeated */
    ref_tensor gq = rnd(4, (int64_t[]){1, 4, 3, 4}, 5), gk = rnd(4, (int64_t[]){1, 2, 5, 4}, 6),
               gv = rnd(4, (int64_t[]){1, 2, 5, 4}, 7);
    ref_tensor rk = mk(GRT_F32, 4, (int64_t[]){1, 4, 5, 4}, NULL),
               rv = mk(GRT_F32, 4, (int64_t[]){1, 4, 5, 4}, NULL);
    for (int h = 0; h < 4; h++) {
        memcpy(rk.v + h * 20, gk.v + (h / 2) * 20, 20 * sizeof(double));
        memcpy(rv.v + h * 20, gv.v + (h / 2) * 20, 20 * sizeof(double));
    }
    ref_sdpa(&gq, &gk, &gv, NULL, 1, 0.7, &y);
    ref_sdpa(&gq, &rk, &rv, NULL, 1, 0.7, &y2);
    check(near(y.v, y2.v, 48, 1e-12), "sdpa gqa");
    ref_tensor_free(&y); ref_tensor_free(&y2);
    ref_tensor_free(&q); ref_tensor_free(&k); ref_tensor_free(&v); ref_tensor_free(&q4);
    ref_tensor_free(&m); ref_tensor_free(&gq); ref_tensor_free(&gk); ref_tensor_free(&gv);
    ref_tensor_free(&rk); ref_tensor_free(&rv);
}

static void test_moe_reduce(void)
{
    /* T 1, H 1, E 2, I 1: router logits (1, 0); top-1 -> expert 0 only, weight 1 */
    ref_tensor x = mk(GRT_F32, 2, (int64_t[]){1, 1}, (double[]){2});
    ref_tensor r = mk(GRT_F32, 2, (int64_t[]){2, 1}, (double[]){0.5, 0});
    ref_tensor g = mk(GRT_F32, 3, (int64_t[]){2, 1, 1}, (double[]){1, 1});
    ref_tensor u = mk(GRT_F32, 3, (int64_t[]){2, 1, 1}, (double[]){3, 1});
    ref_tensor d = mk(GRT_F32, 3, (int64_t[]){2, 1, 1}, (double[]){0.5, 100});
    ref_tensor y;
    double silu2 = 2 / (1 + exp(-2.0));
    check(ref_moe(&x, &r, &g, &u, &d, 1, 1, &y) == 0 && fabs(y.v[0] - 0.5 * silu2 * 6) < 1e-12,
          "moe top-1 normalized");
    ref_tensor_free(&y);
    double p0 = 1 / (1 + exp(-1.0));
    check(ref_moe(&x, &r, &g, &u, &d, 1, 0, &y) == 0 && fabs(y.v[0] - p0 * 0.5 * silu2 * 6) < 1e-12,
          "moe top-1 unnormalized");
    ref_tensor_free(&y);
    r.v[0] = 0; /* tie: expert 0 wins */
    check(ref_moe(&x, &r, &g, &u, &d, 1, 1, &y) == 0 && fabs(y.v[0] - 0.5 * silu2 * 6) < 1e-12,
          "moe tie to lower index");
    ref_tensor_free(&y);
    ref_tensor t = mk(GRT_F32, 1, (int64_t[]){6}, (double[]){1, 3, 3, -1, 2, 3});
    ref_tensor tv, ti;
    check(ref_topk(&t, 3, 0, 0, 1, &tv, &ti) == 0 && near(tv.v, (double[]){3, 3, 3}, 3, 0) &&
              near(ti.v, (double[]){1, 2, 5}, 3, 0),
          "topk max ties");
    ref_tensor_free(&tv); ref_tensor_free(&ti);
    check(ref_topk(&t, 2, -1, 1, 1, &tv, &ti) == 0 && near(tv.v, (double[]){-1, 1}, 2, 0) &&
              near(ti.v, (double[]){3, 0}, 2, 0),
          "topk min");
    ref_tensor_free(&tv); ref_tensor_free(&ti);
    check(ref_topk(&t, 3, 0, 0, 0, &tv, &ti) == 0 && near(ti.v, (double[]){1, 2, 5}, 3, 0),
          "topk sort by index");
    ref_tensor_free(&tv); ref_tensor_free(&ti);
    check(ref_topk(&t, 4, 0, 0, 0, &y, &ti) == 0 && near(ti.v, (double[]){1, 2, 4, 5}, 4, 0),
          "topk sort by index order");
    ref_tensor_free(&tv); ref_tensor_free(&ti); ref_tensor_free(&y);
    check(ref_argmax(&t, 0, 0, &y) == 0 && y.rank == 0 && y.v[0] == 1, "argmax first max");
    ref_tensor_free(&y);
    ref_tensor m = mk(GRT_F32, 2, (int64_t[]){2, 3}, (double[]){1, 5, 2, 7, 0, 7});
    check(ref_argmax(&m, 0, 1, &y) == 0 && y.rank == 2 && y.dims[0] == 1 &&
              near(y.v, (double[]){1, 0, 1}, 3, 0),
          "argmax axis 0 keep_dims");
    ref_tensor_free(&y);
    ref_tensor_free(&x); ref_tensor_free(&r); ref_tensor_free(&g); ref_tensor_free(&u);
    ref_tensor_free(&d); ref_tensor_free(&t); ref_tensor_free(&m);
}

int main(void)
{
    test_half();
    test_matmul();
    test_eltwise();
    test_shape();
    test_rope();
    test_sdpa();
    test_moe_reduce();
    printf("%d checks, %d failed\n", g_checks, g_failed);
    return g_failed ? 1 : 0;
}
