/*
 * tests/unit/cpu_kernels/test_data.c - Gather (plain and compressed data, negative and
 * out-of-range indices), Concat, Reshape, Transpose and Slice against reference index loops.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "suites.h"

static void fill_any(cpu_tensor *t)
{
    size_t n = th_numel(t);
    for (size_t i = 0; i < n; i++)
        th_set(t, i, t->type == GRT_BOOLEAN ? (double)(th_rand() & 1)
                     : t->type == GRT_U8   ? (double)(th_rand() % 256)
                                           : (double)((int)(th_rand() % 200) - 100) / 4);
}

static int same_elem(const cpu_tensor *a, size_t i, const cpu_tensor *b, size_t j)
{
    return th_get(a, i) == th_get(b, j);
}

static void test_gather(grt_element_type t, grt_element_type it, uint32_t rank, const int64_t *dims,
                        int64_t axis, uint32_t irank, const int64_t *idims)
{
    th_attr_reset();
    th_attr_int("axis", axis);
    cpu_tensor D = th_tensor(t, rank, dims), I = th_tensor(it, irank, idims);
    uint32_t ax = (uint32_t)(axis < 0 ? axis + rank : axis);
    int64_t od[8];
    uint32_t orank = 0;
    for (uint32_t i = 0; i < ax; i++)
        od[orank++] = dims[i];
    for (uint32_t i = 0; i < irank; i++)
        od[orank++] = idims[i];
    for (uint32_t i = ax + 1; i < rank; i++)
        od[orank++] = dims[i];
    cpu_tensor O = th_tensor(t, orank, od);
    fill_any(&D);
    size_t ni = th_numel(&I);
    for (size_t i = 0; i < ni; i++) /* in [-dim, dim) */
        th_set(&I, i, (double)((int64_t)(th_rand() % (uint32_t)(2 * dims[ax])) - dims[ax]));
    TH_CHECK(th_run(GRT_OP_GATHER, (cpu_tensor[]){D, I}, 2, &O, 1) == GRT_OK, "gather: %s",
             th_last_error());
    size_t outer = 1, inner = 1;
    for (uint32_t i = 0; i < ax; i++)
        outer *= (size_t)dims[i];
    for (uint32_t i = ax + 1; i < rank; i++)
        inner *= (size_t)dims[i];
    for (size_t o = 0; o < outer; o++)
        for (size_t k = 0; k < ni; k++) {
            int64_t v = (int64_t)th_get(&I, k);
            if (v < 0)
                v += dims[ax];
            for (size_t in = 0; in < inner; in++)
                if (!same_elem(&O, (o * ni + k) * inner + in, &D,
                               (o * (size_t)dims[ax] + (size_t)v) * inner + in)) {
                    TH_CHECK(0, "gather type %d axis %lld mismatch at %zu/%zu/%zu", t,
                             (long long)axis, o, k, in);
                    goto done;
                }
        }
done:
    /* Out of range index: error naming the node. */
    if (ni > 0) {
        th_set(&I, ni - 1, (double)dims[ax]);
        TH_CHECK(th_run(GRT_OP_GATHER, (cpu_tensor[]){D, I}, 2, &O, 1) ==
                     GRT_ERROR_INVALID_ARGUMENT, "out-of-range index must fail");
        TH_CHECK(strstr(th_last_error(), "test_node") && strstr(th_last_error(), "(Gather)"),
                 "message names the node: %s", th_last_error());
        th_set(&I, ni - 1, (double)(-dims[ax] - 1));
        TH_CHECK(th_run(GRT_OP_GATHER, (cpu_tensor[]){D, I}, 2, &O, 1) ==
                     GRT_ERROR_INVALID_ARGUMENT, "index < -dim must fail");
    }
    th_free(&D);
    th_free(&I);
    th_free(&O);
}

/* Embedding lookup from a compressed table [V, H] (axis 0) and along the last axis. */
static void test_gather_compressed(grt_element_type storage, int64_t G, grt_element_type ft,
                                   int64_t axis)
{
    th_attr_reset();
    th_attr_int("axis", axis);
    int64_t dims[2] = {11, 24}, idims[2] = {2, 3};
    qw w = th_make_qw(ft, 2, dims, storage, G, GRT_F16);
    cpu_tensor D = w.t;
    D.comp = &w.ci;
    cpu_tensor I = th_tensor(GRT_I64, 2, idims);
    int64_t dim = dims[axis];
    for (size_t i = 0; i < 6; i++)
        ((int64_t *)I.data)[i] = (int64_t)(th_rand() % (uint32_t)(2 * dim)) - dim;
    int64_t od[3] = {axis ? 11 : 2, axis ? 2 : 3, axis ? 3 : 24};
    cpu_tensor O = th_tensor(ft, 3, od);
    TH_CHECK(th_run(GRT_OP_GATHER, (cpu_tensor[]){D, I}, 2, &O, 1) == GRT_OK,
             "compressed gather: %s", th_last_error());
    double ref[11 * 6 * 24];
    for (size_t i = 0; i < th_numel(&O); i++) {
        size_t a = i / (size_t)(od[1] * od[2]), b = (i / (size_t)od[2]) % (size_t)od[1],
               c = i % (size_t)od[2];
        int64_t v;
        if (axis == 0) {
            v = ((int64_t *)I.data)[a * 3 + b];
            v = v < 0 ? v + dim : v;
            ref[i] = w.ref[(size_t)v * 24 + c];
        } else {
            v = ((int64_t *)I.data)[b * 3 + c];
            v = v < 0 ? v + dim : v;
            ref[i] = w.ref[a * 24 + (size_t)v];
        }
    }
    th_compare(&O, ref, 1, "compressed gather");
    th_free_qw(&w);
    th_free(&I);
    th_free(&O);
}

static void test_concat(grt_element_type t, int64_t axis)
{
    th_attr_reset();
    th_attr_int("axis", axis);
    int64_t d0[3] = {2, 3, 4}, d1[3] = {2, 3, 4}, d2[3] = {2, 3, 4};
    uint32_t ax = (uint32_t)(axis < 0 ? axis + 3 : axis);
    d0[ax] = 1;
    d1[ax] = 0; /* an empty input */
    d2[ax] = 5;
    cpu_tensor in[3] = {th_tensor(t, 3, d0), th_tensor(t, 3, d1), th_tensor(t, 3, d2)};
    int64_t od[3] = {2, 3, 4};
    od[ax] = 6;
    cpu_tensor O = th_tensor(t, 3, od);
    for (int i = 0; i < 3; i++)
        fill_any(&in[i]);
    TH_CHECK(th_run(GRT_OP_CONCAT, in, 3, &O, 1) == GRT_OK, "concat: %s", th_last_error());
    for (size_t i = 0; i < th_numel(&O); i++) {
        int64_t idx[3] = {(int64_t)(i / (size_t)(od[1] * od[2])),
                          (int64_t)((i / (size_t)od[2]) % (size_t)od[1]), (int64_t)(i % (size_t)od[2])};
        int which = idx[ax] < 1 ? 0 : 2;
        if (which == 2)
            idx[ax] -= 1;
        const int64_t *sd = which ? d2 : d0;
        size_t src = (size_t)((idx[0] * sd[1] + idx[1]) * sd[2] + idx[2]);
        if (!same_elem(&O, i, &in[which], src)) {
            TH_CHECK(0, "concat type %d axis %lld mismatch at %zu", t, (long long)axis, i);
            break;
        }
    }
    d0[(ax + 1) % 3] += 1; /* mismatched non-axis dim */
    cpu_tensor bad = th_tensor(t, 3, d0);
    cpu_tensor in2[2] = {bad, in[2]};
    TH_CHECK(th_run(GRT_OP_CONCAT, in2, 2, &O, 1) == GRT_ERROR_SHAPE, "concat dim mismatch");
    th_free(&bad);
    for (int i = 0; i < 3; i++)
        th_free(&in[i]);
    th_free(&O);
}

static void test_reshape(void)
{
    th_attr_reset();
    int64_t d[3] = {2, 3, 4}, od[2] = {6, 4}, bd[2] = {5, 5};
    cpu_tensor X = th_tensor(GRT_I64, 3, d), Y = th_tensor(GRT_I64, 2, od), Z = th_tensor(GRT_I64, 2, bd);
    fill_any(&X);
    TH_CHECK(th_run(GRT_OP_RESHAPE, &X, 1, &Y, 1) == GRT_OK, "reshape");
    TH_CHECK(memcmp(X.data, Y.data, X.bytes) == 0, "reshape copies the data");
    TH_CHECK(th_run(GRT_OP_RESHAPE, &X, 1, &Z, 1) == GRT_ERROR_SHAPE, "reshape count mismatch");
    th_free(&X);
    th_free(&Y);
    th_free(&Z);
}

static void test_transpose(grt_element_type t, uint32_t rank, const int64_t *dims, const int64_t *perm)
{
    th_attr_reset();
    th_attr_ints("perm", perm, rank);
    int64_t od[8];
    for (uint32_t i = 0; i < rank; i++)
        od[i] = dims[perm[i]];
    cpu_tensor X = th_tensor(t, rank, dims), Y = th_tensor(t, rank, od);
    fill_any(&X);
    TH_CHECK(th_run(GRT_OP_TRANSPOSE, &X, 1, &Y, 1) == GRT_OK, "transpose: %s", th_last_error());
    size_t n = th_numel(&Y);
    for (size_t i = 0; i < n; i++) {
        int64_t oi[8], ii[8];
        size_t r = i;
        for (uint32_t d = rank; d-- > 0;) {
            oi[d] = (int64_t)(r % (size_t)od[d]);
            r /= (size_t)od[d];
        }
        for (uint32_t d = 0; d < rank; d++)
            ii[perm[d]] = oi[d];
        size_t src = 0;
        for (uint32_t d = 0; d < rank; d++)
            src = src * (size_t)dims[d] + (size_t)ii[d];
        if (!same_elem(&Y, i, &X, src)) {
            TH_CHECK(0, "transpose type %d rank %u mismatch at %zu", t, rank, i);
            break;
        }
    }
    th_free(&X);
    th_free(&Y);
}

/* Python-slicing reference for one axis: fills idx[] and returns the count. */
static int64_t py_slice(int64_t dim, int64_t b, int64_t e, int64_t s, int64_t *idx)
{
    int64_t n = 0;
    if (b < 0) b += dim;
    if (e < 0) e += dim;
    if (s > 0) {
        b = b < 0 ? 0 : b > dim ? dim : b;
        e = e < 0 ? 0 : e > dim ? dim : e;
        for (int64_t i = b; i < e; i += s) idx[n++] = i;
    } else {
        b = b < -1 ? -1 : b > dim - 1 ? dim - 1 : b;
        e = e < -1 ? -1 : e > dim - 1 ? dim - 1 : e;
        for (int64_t i = b; i > e; i += s) idx[n++] = i;
    }
    return n;
}

static void test_slice(grt_element_type t, const int64_t *starts, const int64_t *ends,
                       const int64_t *axes, const int64_t *steps, size_t n)
{
    th_attr_reset();
    th_attr_ints("starts", starts, n);
    th_attr_ints("ends", ends, n);
    if (axes)
        th_attr_ints("axes", axes, n);
    if (steps)
        th_attr_ints("steps", steps, n);
    int64_t dims[3] = {4, 5, 6};
    int64_t sel[3][8], cnt[3];
    for (int d = 0; d < 3; d++) {
        cnt[d] = dims[d];
        for (int64_t i = 0; i < dims[d]; i++)
            sel[d][i] = i;
    }
    for (size_t i = 0; i < n; i++) {
        int64_t ax = axes ? (axes[i] < 0 ? axes[i] + 3 : axes[i]) : (int64_t)i;
        cnt[ax] = py_slice(dims[ax], starts[i], ends[i], steps ? steps[i] : 1, sel[ax]);
    }
    cpu_tensor X = th_tensor(t, 3, dims), Y = th_tensor(t, 3, cnt);
    fill_any(&X);
    TH_CHECK(th_run(GRT_OP_SLICE, &X, 1, &Y, 1) == GRT_OK, "slice: %s", th_last_error());
    size_t k = 0;
    for (int64_t a = 0; a < cnt[0]; a++)
        for (int64_t b = 0; b < cnt[1]; b++)
            for (int64_t c = 0; c < cnt[2]; c++, k++) {
                size_t src = (size_t)((sel[0][a] * 5 + sel[1][b]) * 6 + sel[2][c]);
                if (!same_elem(&Y, k, &X, src)) {
                    TH_CHECK(0, "slice mismatch at %zu", k);
                    goto out;
                }
            }
out:
    th_free(&X);
    th_free(&Y);
}

void suite_data(void)
{
    static const grt_element_type types[] = {GRT_F32, GRT_F16, GRT_I64, GRT_U8, GRT_BOOLEAN,
                                             GRT_I8, GRT_BF16, GRT_I32};
    int64_t d3[3] = {3, 4, 5}, i1[1] = {7}, i2[2] = {2, 3}, i0[1] = {0}, d1[1] = {6};
    for (size_t t = 0; t < 8; t++) {
        test_gather(types[t], GRT_I64, 3, d3, 0, 2, i2);
        test_gather(types[t], GRT_I32, 3, d3, -1, 1, i1);
        test_gather(types[t], GRT_I32, 3, d3, 1, 0, i0); /* scalar index drops the axis */
        test_gather(types[t], GRT_I64, 1, d1, 0, 1, i1);
        test_concat(types[t], -1);
        test_concat(types[t], 0);
        test_concat(types[t], 1);
        int64_t p3[3] = {2, 0, 1}, p4[4] = {3, 1, 0, 2}, d4[4] = {2, 3, 1, 5}, p2[2] = {1, 0},
                d2[2] = {7, 9};
        test_transpose(types[t], 3, d3, p3);
        test_transpose(types[t], 4, d4, p4);
        test_transpose(types[t], 2, d2, p2);
    }
    static const grt_element_type qs[] = {GRT_I8, GRT_U8, GRT_I4, GRT_U4};
    for (size_t s = 0; s < 4; s++) {
        test_gather_compressed(qs[s], 24, GRT_F32, 0);
        test_gather_compressed(qs[s], 8, GRT_F16, 0);
        test_gather_compressed(qs[s], 6, GRT_BF16, 1);
    }
    test_reshape();
    {
        int64_t s[3] = {1, -4, 0}, e[3] = {3, 100, -1}, st[3] = {1, 2, 2};
        test_slice(GRT_F32, s, e, NULL, st, 3);
        int64_t s2[2] = {-1, 10}, e2[2] = {-100, 0}, ax2[2] = {-1, 0}, st2[2] = {-2, -1};
        test_slice(GRT_I64, s2, e2, ax2, st2, 2);
        int64_t s3[1] = {2}, e3[1] = {2}, ax3[1] = {1};
        test_slice(GRT_U8, s3, e3, ax3, NULL, 1); /* empty */
        int64_t s4[1] = {INT64_MAX}, e4[1] = {INT64_MIN}, ax4[1] = {2}, st4[1] = {-1};
        test_slice(GRT_F16, s4, e4, ax4, st4, 1); /* full reverse with extreme bounds */
        int64_t s5[1] = {0}, e5[1] = {1}, ax5[1] = {2}, st5[1] = {INT64_MAX};
        test_slice(GRT_I32, s5, e5, ax5, st5, 1);
    }
}
