/*
 * tests/ops/ops_convert.c - Convert conformance: float -> integer (round half to even,
 * saturation), float -> boolean (x != 0), float -> f16/bf16 (round to nearest even, overflow to
 * inf), widening/narrowing between float types and integer -> float, with hand-picked edge values
 * followed by random ones.
 */
#include "harness.h"

#include <math.h>

typedef struct cvt_case {
    grt_element_type src, dst;
} cvt_case;

/* Edge values first (those representable in src), then random values. */
static ref_tensor cvt_input(ot_ctx *c, grt_element_type src, grt_element_type dst, int64_t n)
{
    static const double edges[] = {
        0.0,   -0.0,   0.5,     1.5,      2.5,       -0.5,         -1.5,   -2.5,     3.49,
        127.5, 128.0,  -128.5,  -129.0,   255.5,     256.0,        300.0,  -300.0,   1e-8,
        65504, 65519,  65520,   1e5,      -1e5,      1.00048828125, 1.0009765625, 1.00390625,
        1.005859375, 2147483520.0, 3e9, -3e9, 1e19, -1e19, 1e30, 5.9604644775390625e-08, 7.0, -8.0};
    ref_tensor x = ot_tensor(c, src, 1, &n, NULL);
    if (!x.v)
        return x;
    size_t ne = sizeof(edges) / sizeof(edges[0]), k = 0;
    for (size_t i = 0; i < ne && k < (size_t)n; i++) {
        double v = edges[i];
        if (ref_is_float_type(src)) {
            double r = ref_round_float(v, src);
            if (r != r || r == 1.0 / 0.0 || r == -1.0 / 0.0)
                continue;
            x.v[k++] = r;
        } else if (ref_convert_value(v, src) == v && fabs(v) <= 65504.0 &&
                   (!ref_is_int_type(dst) || ref_convert_value(v, dst) == v)) {
            /* exactly representable, and in range where int -> int/f16 leaves it unspecified */
            x.v[k++] = v;
        }
    }
    for (; k < (size_t)n; k++) {
        if (src == GRT_BOOLEAN)
            x.v[k] = (double)(ot_rand_u64(c) & 1);
        else if (ref_is_float_type(src))
            x.v[k] = ref_round_float(ot_uniform(c, -300, 300), src);
        else if (src == GRT_U8)
            x.v[k] = (double)(ot_rand_u64(c) % 256);
        else if (src == GRT_I8)
            x.v[k] = (double)(ot_rand_u64(c) % 256) - 128.0;
        else
            x.v[k] = dst == GRT_F16 ? (double)(int64_t)(ot_rand_u64(c) % 120001) - 60000.0
                                    : (double)(int64_t)(ot_rand_u64(c) % 2000001) - 1000000.0;
    }
    return x;
}

static void cvt_fn(ot_ctx *c, const void *arg)
{
    const cvt_case *p = arg;
    ref_tensor x = cvt_input(c, p->src, p->dst, 97), y;
    grt_port px = ot_param(c, &x);
    if (!ot_ok(c) || ot_ref(c, ref_convert(&x, p->dst, &y), &y, "Convert") != 0)
        return;
    grt_attribute at[1] = {OT_AI("destination_type", p->dst)};
    ot_result(c, ot_op(c, GRT_OP_CONVERT, 1, &px, 1, at), &y);
    /* rounding is part of the contract: exact for every destination */
    ot_set_tol(c, 0, 1e-300);
    ot_run(c);
}

static const cvt_case k_cases[] = {
    {GRT_F32, GRT_I32},  {GRT_F32, GRT_I64},     {GRT_F32, GRT_I8},   {GRT_F32, GRT_U8},
    {GRT_F32, GRT_BOOLEAN}, {GRT_F32, GRT_F16},  {GRT_F32, GRT_BF16}, {GRT_F32, GRT_F32},
    {GRT_F16, GRT_F32},  {GRT_F16, GRT_BF16},    {GRT_F16, GRT_I32},  {GRT_BF16, GRT_F32},
    {GRT_BF16, GRT_F16}, {GRT_BF16, GRT_I64},    {GRT_I32, GRT_F32},  {GRT_I64, GRT_F32},
    {GRT_I32, GRT_I64},  {GRT_I64, GRT_I32},     {GRT_I32, GRT_F16},  {GRT_U8, GRT_F32},
    {GRT_I8, GRT_F32},   {GRT_BOOLEAN, GRT_F32}, {GRT_I32, GRT_BOOLEAN}, {GRT_F16, GRT_BOOLEAN},
};

void ot_register_convert(ot_registry *r)
{
    for (size_t i = 0; i < sizeof(k_cases) / sizeof(k_cases[0]); i++)
        ot_add(r, "convert", GRT_OP_CONVERT, cvt_fn, &k_cases[i], "convert %s -> %s",
               ot_type_name(k_cases[i].src), ot_type_name(k_cases[i].dst));
}
