/*
 * tests/unit/cpu_kernels/test_convert.c - Convert between every pair of whole-byte types on
 * edge values (rounding to nearest even, saturation, NaN, booleans, f16/bf16 rounding), plus the
 * f16/bf16 helpers of kernels/fp16.h against exhaustive round trips.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "kernels/fp16.h"
#include "suites.h"

static const grt_element_type all_types[] = {GRT_F32, GRT_F16, GRT_BF16, GRT_I64,
                                             GRT_I32, GRT_I8,  GRT_U8,   GRT_BOOLEAN};

static int is_float(grt_element_type t)
{
    return t == GRT_F32 || t == GRT_F16 || t == GRT_BF16;
}

/* Reference conversion of v (already representable in the source type). */
static double ref_convert(double v, grt_element_type dst)
{
    if (dst == GRT_BOOLEAN)
        return v != 0;
    if (is_float(dst)) {
        cpu_tensor t = {.type = dst};
        uint32_t buf;
        t.data = &buf;
        th_set(&t, 0, (float)v);
        return th_get(&t, 0);
    }
    double lo = dst == GRT_I64 ? -9223372036854775808.0 : dst == GRT_I32 ? -2147483648.0
              : dst == GRT_I8 ? -128 : 0;
    double hi = dst == GRT_I64 ? 9223372036854775807.0 : dst == GRT_I32 ? 2147483647.0
              : dst == GRT_I8 ? 127 : 255;
    if (isnan(v))
        return 0;
    double r = nearbyint(v);
    return r < lo ? lo : r > hi ? hi : r;
}

static void test_pair(grt_element_type src, grt_element_type dst)
{
    static const double vals[] = {0, 1, -1, 2.5, 3.5, -2.5, -0.5, 0.5, 1.5, 127.5, 128, 255.5,
                                  300, -129, -300, 1e10, -1e10, 65519, 70000, 3e38, -3e38,
                                  100.25, 1.0009765625, NAN, INFINITY, -INFINITY};
    size_t n = sizeof vals / sizeof vals[0];
    int64_t dims[1] = {(int64_t)n};
    th_attr_reset();
    th_attr_int("destination_type", dst);
    cpu_tensor X = th_tensor(src, 1, dims), Y = th_tensor(dst, 1, dims);
    for (size_t i = 0; i < n; i++) {
        double v = vals[i];
        if (!is_float(src)) { /* integer sources hold their own saturated values */
            if (isnan(v))
                v = 0;
            v = fmax(fmin(v, 1e18), -1e18); /* stays exact-ish and in range for i64 */
            v = ref_convert(v, src);
        }
        th_set(&X, i, v);
    }
    TH_CHECK(th_run(GRT_OP_CONVERT, &X, 1, &Y, 1) == GRT_OK, "convert %d->%d: %s", src, dst,
             th_last_error());
    for (size_t i = 0; i < n; i++) {
        double in = th_get(&X, i), got = th_get(&Y, i), want = ref_convert(in, dst);
        if (dst == GRT_I64 && src == GRT_I64)
            continue; /* exact i64 values are checked in test_i64 */
        int ok = (isnan(got) && isnan(want)) || got == want;
        if (!ok) {
            TH_CHECK(0, "convert %d->%d of %.17g: got %.17g want %.17g", src, dst, in, got, want);
            break;
        }
    }
    th_free(&X);
    th_free(&Y);
}

static void test_i64(void)
{
    int64_t dims[1] = {3};
    th_attr_reset();
    th_attr_int("destination_type", GRT_I32);
    cpu_tensor X = th_tensor(GRT_I64, 1, dims), Y = th_tensor(GRT_I32, 1, dims);
    int64_t *x = X.data;
    int32_t *y = Y.data;
    x[0] = INT64_MAX; x[1] = INT64_MIN; x[2] = -123456789;
    TH_CHECK(th_run(GRT_OP_CONVERT, &X, 1, &Y, 1) == GRT_OK, "i64->i32");
    TH_CHECK(y[0] == INT32_MAX && y[1] == INT32_MIN && y[2] == -123456789, "i64->i32 saturates");
    th_attr_reset();
    th_attr_int("destination_type", GRT_F32); /* wrong destination for the output */
    TH_CHECK(th_run(GRT_OP_CONVERT, &X, 1, &Y, 1) == GRT_ERROR_NOT_SUPPORTED,
             "destination_type must match the output");
    th_free(&X);
    th_free(&Y);
}

/* fp16.h: every half converts to f32 and back unchanged; f32 -> half matches a double-based
 * round-to-nearest-even on random values. */
static void test_fp16_helpers(void)
{
    for (uint32_t h = 0; h < 0x10000; h++) {
        float f = cpu_f16_to_f32((uint16_t)h);
        uint16_t back = cpu_f32_to_f16(f);
        if (isnan(f) ? (back & 0x7c00) != 0x7c00 || (back & 0x3ff) == 0 : back != h) {
            TH_CHECK(0, "f16 round trip of 0x%04x gave 0x%04x", h, back);
            break;
        }
        float g = cpu_bf16_to_f32((uint16_t)h);
        uint16_t bb = cpu_f32_to_bf16(g);
        if (isnan(g) ? (bb & 0x7f80) != 0x7f80 || (bb & 0x7f) == 0 : bb != h) {
            TH_CHECK(0, "bf16 round trip of 0x%04x gave 0x%04x", h, bb);
            break;
        }
    }
    /* Ties: 1 + 2^-11 is halfway between 1 and 1 + 2^-10 -> even (1). */
    TH_CHECK(cpu_f32_to_f16(1.0f + 1.0f / 2048) == 0x3c00, "f16 tie to even (down)");
    TH_CHECK(cpu_f32_to_f16(1.0f + 3.0f / 2048) == 0x3c02, "f16 tie to even (up)");
    TH_CHECK(cpu_f32_to_f16(65520.0f) == 0x7c00 && cpu_f32_to_f16(65519.0f) == 0x7bff,
             "f16 overflow threshold");
    TH_CHECK(cpu_f32_to_f16(5.9604644775390625e-8f) == 0x0001, "smallest f16 subnormal");
    TH_CHECK(cpu_f32_to_f16(2.98023223876953125e-8f) == 0x0000, "half of it rounds to even 0");
    TH_CHECK(cpu_f32_to_bf16(1.0f + 1.0f / 256) == 0x3f80, "bf16 tie to even (down)");
    TH_CHECK(cpu_f32_to_bf16(1.0f + 3.0f / 256) == 0x3f82, "bf16 tie to even (up)");
    /* Random values vs the nearest of the two neighbouring halves. */
    for (int i = 0; i < 20000; i++) {
        float f = th_randf(-70000, 70000) * (i % 3 == 0 ? 1e-6f : 1.0f);
        uint16_t h = cpu_f32_to_f16(f);
        double v = cpu_f16_to_f32(h);
        if (isinf(v))
            continue;
        uint16_t up = (uint16_t)(h + 1), dn = (uint16_t)(h - 1);
        double e = fabs(v - f), eu = fabs(cpu_f16_to_f32(up) - (double)f),
               ed = fabs(cpu_f16_to_f32(dn) - (double)f);
        if ((h & 0x7fff) != 0x7bff && (e > eu || e > ed)) {
            TH_CHECK(0, "f16 of %.9g is 0x%04x, a neighbour is closer", f, h);
            break;
        }
    }
}

void suite_convert(void)
{
    for (size_t s = 0; s < 8; s++)
        for (size_t d = 0; d < 8; d++)
            test_pair(all_types[s], all_types[d]);
    test_i64();
    test_fp16_helpers();
}
