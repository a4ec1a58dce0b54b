/*
 * tests/unit/cpu_kernels/test_matmul.c - MatMul: float types, mixed A/B float types (f16/bf16
 * weight with f32 activations and the reverse; output = A's type), transposes, broadcast batches,
 * rank-1 operands, block edges, and compressed B (int8/int4, sym/asym, per channel and groups).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "suites.h"

/* Reference: values of A/B as doubles (a_ref/b_ref) with the given logical shapes. */
static void ref_matmul(const double *a, const grt_shape *sa, int ta, const double *b,
                       const grt_shape *sb, int tb, const grt_shape *so, double *out)
{
    grt_shape A = *sa, B = *sb;
    int a1 = A.rank == 1, b1 = B.rank == 1;
    if (a1) {
        A.rank = 2; A.dims[1] = A.dims[0]; A.dims[0] = 1; ta = 0;
    }
    if (b1) {
        B.rank = 2; B.dims[1] = 1; tb = 0;
    }
    size_t M = (size_t)(ta ? A.dims[A.rank - 1] : A.dims[A.rank - 2]);
    size_t K = (size_t)(ta ? A.dims[A.rank - 2] : A.dims[A.rank - 1]);
    size_t N = (size_t)(tb ? B.dims[B.rank - 2] : B.dims[B.rank - 1]);
    grt_shape ab = A, bb = B, ob = {0};
    ab.rank -= 2;
    bb.rank -= 2;
    ob.rank = ab.rank > bb.rank ? ab.rank : bb.rank;
    for (uint32_t i = 0; i < ob.rank; i++) {
        int64_t da = i + ab.rank >= ob.rank ? ab.dims[i + ab.rank - ob.rank] : 1;
        int64_t db = i + bb.rank >= ob.rank ? bb.dims[i + bb.rank - ob.rank] : 1;
        ob.dims[i] = da == 1 ? db : da;
    }
    size_t nb = 1;
    for (uint32_t i = 0; i < ob.rank; i++)
        nb *= (size_t)ob.dims[i];
    (void)so;
    for (size_t bi = 0; bi < nb; bi++) {
        size_t ma = th_bcast_offset(&ob, &ab, bi), mb = th_bcast_offset(&ob, &bb, bi);
        for (size_t m = 0; m < M; m++)
            for (size_t n = 0; n < N; n++) {
                double s = 0;
                for (size_t k = 0; k < K; k++) {
                    double av = a[ma * M * K + (ta ? k * M + m : m * K + k)];
                    double bv = b[mb * K * N + (tb ? n * K + k : k * N + n)];
                    s += av * bv;
                }
                out[(bi * M + m) * N + n] = s;
            }
    }
}

typedef struct mcase {
    uint32_t ra; int64_t a[4];
    uint32_t rb; int64_t b[4];
    int ta, tb;
    uint32_t ro; int64_t o[4];
} mcase;

static const mcase mcases[] = {
    {2, {3, 5}, 2, {5, 4}, 0, 0, 2, {3, 4}},
    {2, {5, 3}, 2, {4, 5}, 1, 1, 2, {3, 4}},
    {2, {1, 300}, 2, {70, 300}, 0, 1, 2, {1, 70}},           /* K and N block edges, decode */
    {2, {67, 260}, 2, {260, 65}, 0, 0, 2, {67, 65}},          /* M, N, K all past one block */
    {4, {2, 1, 3, 6}, 3, {3, 6, 5}, 0, 0, 4, {2, 3, 3, 5}},   /* broadcast batches */
    {3, {2, 6, 3}, 2, {6, 5}, 1, 0, 3, {2, 3, 5}},            /* 2D B shared by the batch */
    {1, {7}, 2, {7, 4}, 0, 0, 1, {4}},                        /* rank-1 A */
    {3, {2, 3, 7}, 1, {7}, 0, 0, 2, {2, 3}},                  /* rank-1 B */
    {1, {9}, 1, {9}, 0, 0, 0, {0}},                           /* dot product */
    {2, {4, 0}, 2, {0, 3}, 0, 0, 2, {4, 3}},                  /* K = 0: zeros */
};

/* A and the output of type t, B of type bt. */
static void test_float(grt_element_type t, grt_element_type bt, const mcase *c)
{
    th_attr_reset();
    th_attr_int("transpose_a", c->ta);
    th_attr_int("transpose_b", c->tb);
    cpu_tensor A = th_tensor(t, c->ra, c->a), B = th_tensor(bt, c->rb, c->b);
    cpu_tensor O = th_tensor(t, c->ro, c->o);
    th_fill(&A, -1, 1);
    th_fill(&B, -1, 1);
    grt_status st = th_run(GRT_OP_MATMUL, (cpu_tensor[]){A, B}, 2, &O, 1);
    TH_CHECK(st == GRT_OK, "matmul types %d x %d failed: %s", t, bt, th_last_error());
    double *a = th_values(&A), *b = th_values(&B), *ref = calloc(th_numel(&O) + 1, sizeof(double));
    ref_matmul(a, &A.shape, c->ta, b, &B.shape, c->tb, &O.shape, ref);
    th_compare(&O, ref, 1, "matmul");
    free(a);
    free(b);
    free(ref);
    th_free(&A);
    th_free(&B);
    th_free(&O);
}

static void test_compressed(grt_element_type t, grt_element_type storage, int64_t G,
                            grt_element_type scale_type, int tb, uint32_t rb, const int64_t *bd,
                            uint32_t ra, const int64_t *ad, uint32_t ro, const int64_t *od)
{
    th_attr_reset();
    th_attr_int("transpose_b", tb);
    cpu_tensor A = th_tensor(t, ra, ad), O = th_tensor(t, ro, od);
    th_fill(&A, -1, 1);
    qw w = th_make_qw(t, rb, bd, storage, G, scale_type);
    cpu_tensor B = w.t;
    B.comp = &w.ci;
    grt_status st = th_run(GRT_OP_MATMUL, (cpu_tensor[]){A, B}, 2, &O, 1);
    TH_CHECK(st == GRT_OK, "compressed matmul failed: %s", th_last_error());
    double *a = th_values(&A), *ref = calloc(th_numel(&O) + 1, sizeof(double));
    ref_matmul(a, &A.shape, 0, w.ref, &B.shape, tb, &O.shape, ref);
    char what[96];
    snprintf(what, sizeof what, "compressed matmul (storage %d, G %lld, scale %d, tb %d)",
             (int)storage, (long long)G, (int)scale_type, tb);
    th_compare(&O, ref, 2, what);
    free(a);
    free(ref);
    th_free_qw(&w);
    th_free(&A);
    th_free(&O);
}

static void test_errors(void)
{
    th_attr_reset();
    int64_t a[2] = {2, 3}, b[2] = {4, 5}, o[2] = {2, 5};
    cpu_tensor A = th_tensor(GRT_F32, 2, a), B = th_tensor(GRT_F32, 2, b), O = th_tensor(GRT_F32, 2, o);
    TH_CHECK(th_run(GRT_OP_MATMUL, (cpu_tensor[]){A, B}, 2, &O, 1) == GRT_ERROR_SHAPE,
             "K mismatch must fail");
    TH_CHECK(strstr(th_last_error(), "(MatMul)") != NULL, "message: %s", th_last_error());
    /* A group size that does not divide K is rejected. */
    int64_t bd[2] = {5, 4};
    qw w = th_make_qw(GRT_F32, 2, bd, GRT_I8, 4, GRT_F32);
    cpu_tensor Bq = w.t;
    Bq.comp = &w.ci;
    w.ci.group_size = 3;
    int64_t a2[2] = {2, 4}, o2[2] = {2, 5};
    cpu_tensor A2 = th_tensor(GRT_F32, 2, a2), O2 = th_tensor(GRT_F32, 2, o2);
    th_attr_int("transpose_b", 1);
    TH_CHECK(th_run(GRT_OP_MATMUL, (cpu_tensor[]){A2, Bq}, 2, &O2, 1) == GRT_ERROR_INVALID_ARGUMENT,
             "bad group size must fail");
    w.ci.group_size = 4;
    w.ci.scales_bytes = 4; /* truncated scales */
    TH_CHECK(th_run(GRT_OP_MATMUL, (cpu_tensor[]){A2, Bq}, 2, &O2, 1) == GRT_ERROR_INVALID_ARGUMENT,
             "short scales must fail");
    th_free_qw(&w);
    th_free(&A);
    th_free(&B);
    th_free(&O);
    th_free(&A2);
    th_free(&O2);
}

void suite_matmul(void)
{
    static const grt_element_type ft[] = {GRT_F32, GRT_F16, GRT_BF16};
    for (size_t t = 0; t < 3; t++)
        for (size_t c = 0; c < sizeof mcases / sizeof mcases[0]; c++)
            test_float(ft[t], ft[t], &mcases[c]);
    /* Mixed: f32 activations with f16/bf16 weights (the LLM case), the reverse, f16 x bf16. */
    static const grt_element_type mix[][2] = {{GRT_F32, GRT_F16}, {GRT_F32, GRT_BF16},
                                              {GRT_F16, GRT_F32}, {GRT_BF16, GRT_F16}};
    for (size_t t = 0; t < 4; t++)
        for (size_t c = 0; c < sizeof mcases / sizeof mcases[0]; c++)
            test_float(mix[t][0], mix[t][1], &mcases[c]);
    static const grt_element_type both[3] = {GRT_F32, GRT_F16, GRT_BF16};
    TH_CHECK(cpu_kernel_supports(GRT_OP_MATMUL, (grt_element_type[]){GRT_F32, GRT_F16}, 2) &&
                 cpu_kernel_supports(GRT_OP_MATMUL, (grt_element_type[]){GRT_F32, GRT_BF16}, 2) &&
                 cpu_kernel_supports(GRT_OP_MATMUL, both + 1, 2),
             "MatMul must support mixed float A/B");
    TH_CHECK(!cpu_kernel_supports(GRT_OP_MATMUL, (grt_element_type[]){GRT_F32, GRT_I32}, 2) &&
                 !cpu_kernel_supports(GRT_OP_MATMUL, (grt_element_type[]){GRT_I8, GRT_F32}, 2),
             "MatMul must reject integer A/B");
    static const grt_element_type st[] = {GRT_I8, GRT_U8, GRT_I4, GRT_U4};
    for (size_t s = 0; s < 4; s++) {
        /* [N, K] weight (transpose_b), per channel and groups; decode and prefill. */
        int64_t bd[2] = {70, 96}, ad1[2] = {1, 96}, od1[2] = {1, 70}, ad2[3] = {2, 35, 96},
                od2[3] = {2, 35, 70};
        test_compressed(GRT_F32, st[s], 96, GRT_F32, 1, 2, bd, 2, ad1, 2, od1);
        test_compressed(GRT_F32, st[s], 32, GRT_F16, 1, 2, bd, 3, ad2, 3, od2);
        test_compressed(GRT_F16, st[s], 16, GRT_F16, 1, 2, bd, 2, ad1, 2, od1);
        test_compressed(GRT_BF16, st[s], 8, GRT_F32, 1, 2, bd, 2, ad1, 2, od1);
        /* [K, N] weight (no transpose): groups run along N. */
        int64_t bk[2] = {40, 66}, ak[2] = {3, 40}, ok[2] = {3, 66};
        test_compressed(GRT_F32, st[s], 11, GRT_F32, 0, 2, bk, 2, ak, 2, ok);
        /* Odd K: int4 rows straddle bytes. Batched 3D weight. */
        int64_t bo[3] = {2, 5, 33}, ao[3] = {2, 4, 33}, oo[3] = {2, 4, 5};
        test_compressed(GRT_F32, st[s], 11, GRT_F16, 1, 3, bo, 3, ao, 3, oo);
    }
    /* Real-valued (f16/f32) zero points, as GGUF Q4_1 maps to (u4, group 32). */
    static const grt_element_type zt[] = {GRT_F16, GRT_F32};
    for (size_t z = 0; z < 2; z++) {
        th_qw_zp_type = zt[z];
        int64_t bd[2] = {24, 64}, ad[2] = {3, 64}, od[2] = {3, 24}, bo[2] = {5, 33}, ao[2] = {2, 33},
                oo[2] = {2, 5};
        test_compressed(GRT_F32, GRT_U4, 32, GRT_F16, 1, 2, bd, 2, ad, 2, od);
        test_compressed(GRT_F32, GRT_U8, 16, GRT_F32, 1, 2, bd, 2, ad, 2, od);
        test_compressed(GRT_F32, GRT_U4, 11, GRT_F16, 1, 2, bo, 2, ao, 2, oo);
    }
    th_qw_zp_type = GRT_UNDEFINED;
    test_errors();
}
