/*
 * tests/ops/ops_matmul.c - MatMul conformance cases: shapes (odd, dims of 1, empty), transposes,
 * rank-1 promotion, batch broadcasting, f32/f16/bf16, mixed float types (B's type differs from
 * A's: f16/bf16 weights with f32 activations and the reverse; output = A's type), constant and
 * compressed B (int8/int4, sym/asym, group 32/64/per channel, f16/f32 scales) and dynamic M over
 * two infers.
 */
#include "harness.h"

#include <stdio.h>

typedef struct mm_case {
    grt_element_type t;
    size_t ar, br;
    int64_t a[4], b[4];
    int ta, tb;
    int b_const;
    grt_element_type storage; /* UNDEFINED: not compressed */
    int64_t group;            /* 0 = per channel */
    grt_element_type scale_t;
    grt_element_type zp_t; /* asym zero point type; UNDEFINED = storage type */
    grt_element_type bt;   /* B's (logical) type; UNDEFINED = t */
} mm_case;

static grt_element_type mm_btype(const mm_case *p)
{
    return p->bt != GRT_UNDEFINED ? p->bt : p->t;
}

/* Compressed B: plugins may quantize A to int8 per group (DYNAMIC_QUANTIZATION_GROUP_SIZE, CPU
 * default 32), a relative error of up to ~1/254 per element of A. */
#define MM_DQ_TOL 2e-2

static void mm_fn(ot_ctx *c, const void *arg)
{
    const mm_case *p = arg;
    ref_tensor a = ot_rand(c, p->t, p->ar, p->a, -1, 1), b, y;
    grt_port pa = ot_param(c, &a), pb;
    if (p->storage != GRT_UNDEFINED) {
        pb = ot_qconst_zp(c, mm_btype(p), p->br, p->b, p->storage, p->group, p->scale_t, p->zp_t,
                          &b);
    } else {
        b = ot_rand(c, mm_btype(p), p->br, p->b, -1, 1);
        pb = p->b_const ? ot_const(c, &b) : ot_param(c, &b);
    }
    if (!ot_ok(c) || ot_ref(c, ref_matmul(&a, &b, p->ta, p->tb, &y), &y, "MatMul") != 0)
        return;
    y.type = p->t;
    grt_attribute at[2] = {OT_AI("transpose_a", p->ta), OT_AI("transpose_b", p->tb)};
    ot_result(c, ot_op(c, GRT_OP_MATMUL, 2, OT_PORTS(pa, pb), 2, at), &y);
    if (p->storage != GRT_UNDEFINED)
        ot_set_tol(c, 0, MM_DQ_TOL);
    ot_run(c);
}

/* A [?, K] x const B [N, K]^T; run with M = 3, then M = 1, then M = 5 on one request. */
static void mm_dynamic_fn(ot_ctx *c, const void *arg)
{
    const mm_case *p = arg;
    ref_tensor b, y;
    grt_port pa = ot_param_decl(c, p->t, 2, OT_DIMS(GRT_DYNAMIC, p->a[1]), NULL), pb;
    if (p->storage != GRT_UNDEFINED)
        pb = ot_qconst_zp(c, mm_btype(p), 2, p->b, p->storage, p->group, p->scale_t, p->zp_t, &b);
    else {
        b = ot_rand(c, mm_btype(p), 2, p->b, -1, 1);
        pb = ot_const(c, &b);
    }
    grt_attribute at[1] = {OT_AI("transpose_b", 1)};
    ot_result(c, ot_op(c, GRT_OP_MATMUL, 2, OT_PORTS(pa, pb), 1, at), NULL);
    if (p->storage != GRT_UNDEFINED)
        ot_set_tol(c, 0, MM_DQ_TOL);
    static const int64_t ms[] = {3, 1, 5};
    for (size_t i = 0; i < 3 && ot_ok(c); i++) {
        ref_tensor a = ot_rand(c, p->t, 2, OT_DIMS(ms[i], p->a[1]), -1, 1);
        if (ot_ref(c, ref_matmul(&a, &b, 0, 1, &y), &y, "MatMul") != 0)
            return;
        y.type = p->t;
        ot_run_with(c, &a, &y);
    }
}

#define F32 GRT_F32
#define F16 GRT_F16
#define BF16 GRT_BF16
static const mm_case k_plain[] = {
    {F32, 2, 2, {3, 5}, {5, 4}, 0, 0, 0, 0, 0, 0, 0, 0},
    {F32, 2, 2, {1, 1}, {1, 1}, 0, 0, 0, 0, 0, 0, 0, 0},
    {F32, 2, 2, {7, 33}, {33, 5}, 0, 0, 0, 0, 0, 0, 0, 0},
    {F32, 2, 2, {1, 17}, {17, 1}, 0, 0, 0, 0, 0, 0, 0, 0},
    {F32, 2, 2, {5, 3}, {5, 4}, 1, 0, 0, 0, 0, 0, 0, 0},
    {F32, 2, 2, {3, 5}, {4, 5}, 0, 1, 0, 0, 0, 0, 0, 0},
    {F32, 2, 2, {5, 3}, {4, 5}, 1, 1, 0, 0, 0, 0, 0, 0},
    {F32, 4, 4, {2, 3, 4, 5}, {2, 3, 5, 6}, 0, 0, 0, 0, 0, 0, 0, 0},
    {F32, 4, 3, {2, 1, 4, 5}, {3, 5, 6}, 0, 0, 0, 0, 0, 0, 0, 0},
    {F32, 2, 3, {4, 5}, {2, 5, 6}, 0, 0, 0, 0, 0, 0, 0, 0},
    {F32, 3, 2, {2, 4, 5}, {6, 5}, 0, 1, 0, 0, 0, 0, 0, 0},
    {F32, 3, 3, {2, 5, 4}, {2, 6, 5}, 1, 1, 0, 0, 0, 0, 0, 0},
    {F32, 1, 2, {5}, {5, 4}, 0, 0, 0, 0, 0, 0, 0, 0},
    {F32, 2, 1, {3, 5}, {5}, 0, 0, 0, 0, 0, 0, 0, 0},
    {F32, 1, 1, {9}, {9}, 0, 0, 0, 0, 0, 0, 0, 0},
    {F32, 3, 1, {2, 3, 5}, {5}, 0, 0, 0, 0, 0, 0, 0, 0},
    {F32, 2, 2, {0, 8}, {8, 4}, 0, 0, 0, 0, 0, 0, 0, 0},
    {F32, 2, 2, {3, 0}, {0, 4}, 0, 0, 0, 0, 0, 0, 0, 0},
    {F32, 2, 2, {4, 256}, {256, 8}, 0, 0, 0, 0, 0, 0, 0, 0},
    {F32, 2, 2, {3, 64}, {16, 64}, 0, 1, 1, 0, 0, 0, 0, 0},
    {F32, 3, 2, {2, 5, 48}, {48, 24}, 0, 0, 1, 0, 0, 0, 0, 0},
    {F16, 2, 2, {8, 64}, {64, 16}, 0, 0, 0, 0, 0, 0, 0, 0},
    {F16, 2, 2, {8, 64}, {16, 64}, 0, 1, 1, 0, 0, 0, 0, 0},
    {F16, 4, 4, {1, 2, 7, 32}, {1, 2, 32, 9}, 0, 0, 0, 0, 0, 0, 0, 0},
    {BF16, 2, 2, {8, 64}, {64, 16}, 0, 0, 0, 0, 0, 0, 0, 0},
    {BF16, 2, 2, {5, 64}, {16, 64}, 0, 1, 1, 0, 0, 0, 0, 0},
    /* mixed: f16/bf16 weight (constant or not) with f32 activations, and the reverse */
    {F32, 2, 2, {1, 64}, {16, 64}, 0, 1, 1, 0, 0, 0, 0, F16},
    {F32, 2, 2, {5, 300}, {70, 300}, 0, 1, 1, 0, 0, 0, 0, BF16},
    {F32, 2, 2, {7, 33}, {33, 5}, 0, 0, 0, 0, 0, 0, 0, F16},
    {F32, 4, 3, {2, 1, 4, 5}, {3, 5, 6}, 0, 0, 0, 0, 0, 0, 0, BF16},
    {F32, 3, 1, {2, 3, 5}, {5}, 0, 0, 1, 0, 0, 0, 0, F16},
    {F16, 2, 2, {8, 64}, {64, 16}, 0, 0, 0, 0, 0, 0, 0, F32},
    {BF16, 2, 2, {5, 3}, {4, 5}, 1, 1, 0, 0, 0, 0, 0, F16},
};

static const mm_case k_dynamic[] = {
    {F32, 2, 2, {0, 64}, {16, 64}, 0, 1, 1, 0, 0, 0, 0, 0},
    {F32, 2, 2, {0, 64}, {16, 64}, 0, 1, 1, GRT_I4, 32, F16, 0, 0},
    {F16, 2, 2, {0, 64}, {16, 64}, 0, 1, 1, GRT_U8, 0, F32, 0, 0},
    {F32, 2, 2, {0, 64}, {16, 64}, 0, 1, 1, GRT_U4, 32, F16, F32, 0},
    {F32, 2, 2, {0, 64}, {16, 64}, 0, 1, 1, 0, 0, 0, 0, F16},
    {F32, 2, 2, {0, 64}, {16, 64}, 0, 1, 1, 0, 0, 0, 0, BF16},
};

static mm_case k_quant[64];
static size_t n_quant;

static void add_mm(ot_registry *r, const mm_case *p, ot_fn fn, const char *prefix)
{
    char a[48], b[48], q[48] = "", bt[16] = "";
    ot_shape_str(a, sizeof(a), p->ar, p->a);
    ot_shape_str(b, sizeof(b), p->br, p->b);
    if (p->storage != GRT_UNDEFINED) {
        char g[24] = "perchannel";
        if (p->group)
            snprintf(g, sizeof(g), "g%lld", (long long)p->group);
        snprintf(q, sizeof(q), " q=%s/%s/s%s%s%s", ot_type_name(p->storage), g,
                 ot_type_name(p->scale_t), p->zp_t ? "/z" : "",
                 p->zp_t ? ot_type_name(p->zp_t) : "");
    }
    if (p->bt != GRT_UNDEFINED)
        snprintf(bt, sizeof(bt), " B=%s", ot_type_name(p->bt));
    if (fn == mm_dynamic_fn)
        snprintf(a, sizeof(a), "[?,%lld]", (long long)p->a[1]);
    ot_add(r, "matmul", GRT_OP_MATMUL, fn, p, "matmul%s %s %sx%s%s%s%s%s%s", prefix,
           ot_type_name(p->t), a, b, bt, p->ta ? " ta" : "", p->tb ? " tb" : "",
           p->b_const ? " constB" : "", q);
}

void ot_register_matmul(ot_registry *r)
{
    for (size_t i = 0; i < sizeof(k_plain) / sizeof(k_plain[0]); i++)
        add_mm(r, &k_plain[i], mm_fn, "");
    /* compressed B: every storage x group x scale type, A [3, 128] x B [24, 128]^T */
    static const grt_element_type storages[] = {GRT_I8, GRT_I4, GRT_U8, GRT_U4};
    static const int64_t groups[] = {32, 64, 0};
    static const grt_element_type scales[] = {GRT_F16, GRT_F32};
    n_quant = 0;
    for (size_t s = 0; s < 4; s++)
        for (size_t g = 0; g < 3; g++)
            for (size_t k = 0; k < 2; k++)
                k_quant[n_quant++] = (mm_case){F32, 2, 2, {3, 128}, {24, 128}, 0, 1, 1,
                                               storages[s], groups[g], scales[k], 0, 0};
    /* f16/bf16 activations, odd K per channel, groups along N (no transpose), batched B */
    k_quant[n_quant++] = (mm_case){F16, 2, 2, {5, 64}, {16, 64}, 0, 1, 1, GRT_I4, 32, F16, 0, 0};
    k_quant[n_quant++] = (mm_case){BF16, 2, 2, {5, 64}, {16, 64}, 0, 1, 1, GRT_U4, 64, F16, 0, 0};
    k_quant[n_quant++] = (mm_case){F32, 2, 2, {2, 33}, {7, 33}, 0, 1, 1, GRT_I8, 0, F32, 0, 0};
    k_quant[n_quant++] = (mm_case){F32, 2, 2, {2, 33}, {7, 33}, 0, 1, 1, GRT_I4, 0, F16, 0, 0};
    k_quant[n_quant++] = (mm_case){F32, 2, 2, {1, 65}, {5, 65}, 0, 1, 1, GRT_U4, 0, F16, 0, 0};
    k_quant[n_quant++] = (mm_case){F32, 2, 2, {3, 16}, {16, 64}, 0, 0, 1, GRT_I8, 32, F32, 0, 0};
    k_quant[n_quant++] = (mm_case){F32, 3, 3, {2, 3, 64}, {2, 8, 64}, 0, 1, 1,
                                   GRT_U8, 32, F16, 0, 0};
    k_quant[n_quant++] = (mm_case){F32, 2, 2, {1, 128}, {1, 128}, 0, 1, 1, GRT_I4, 32, F32, 0, 0};
    /* real-valued (f16/f32) zero points, as GGUF Q4_1 (u4 group 32) needs */
    k_quant[n_quant++] = (mm_case){F32, 2, 2, {3, 128}, {24, 128}, 0, 1, 1,
                                   GRT_U4, 32, F16, F16, 0};
    k_quant[n_quant++] = (mm_case){F32, 2, 2, {3, 128}, {24, 128}, 0, 1, 1,
                                   GRT_U4, 32, F16, F32, 0};
    k_quant[n_quant++] = (mm_case){F16, 2, 2, {5, 64}, {16, 64}, 0, 1, 1, GRT_U8, 0, F32, F32, 0};
    k_quant[n_quant++] = (mm_case){F32, 2, 2, {1, 65}, {5, 65}, 0, 1, 1, GRT_U4, 0, F16, F16, 0};
    /* compressed B whose logical type (f16/bf16) differs from A's f32 */
    k_quant[n_quant++] = (mm_case){F32, 2, 2, {3, 128}, {24, 128}, 0, 1, 1,
                                   GRT_I4, 32, F16, 0, F16};
    k_quant[n_quant++] = (mm_case){F32, 2, 2, {2, 64}, {8, 64}, 0, 1, 1, GRT_U8, 0, F32, 0, BF16};
    for (size_t i = 0; i < n_quant; i++)
        add_mm(r, &k_quant[i], mm_fn, "");
    for (size_t i = 0; i < sizeof(k_dynamic) / sizeof(k_dynamic[0]); i++)
        add_mm(r, &k_dynamic[i], mm_dynamic_fn, " dynamic M=3,1,5");
}
