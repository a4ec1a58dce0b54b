/*
 * tests/unit/cpu_kernels/test_reduce.c - TopK (modes, sort orders, axes, ties) and ArgMax (first
 * maximum, keep_dims) against reference selection loops, for f32/f16/bf16/i32/i64 data. Integer
 * data is compared exactly as int64, including i64 values above 2^53 that differ by 1 (which a
 * kernel comparing through float or double would see as ties).
 */
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "suites.h"

static int is_int(grt_element_type t)
{
    return t == GRT_I32 || t == GRT_I64;
}

/* Element i as int64, exactly (i32/i64 only). */
static int64_t get_int(const cpu_tensor *t, size_t i)
{
    return t->type == GRT_I32 ? ((const int32_t *)t->data)[i] : ((const int64_t *)t->data)[i];
}

/* Stores base + small in element i: exact for integer types, through th_set for floats. */
static void set_val(cpu_tensor *t, size_t i, int64_t base, int64_t small)
{
    if (t->type == GRT_I64)
        ((int64_t *)t->data)[i] = base + small;
    else if (t->type == GRT_I32)
        ((int32_t *)t->data)[i] = (int32_t)(base + small);
    else
        th_set(t, i, (double)small);
}

/* Sign of a - b for elements a, b of t: exact for integer types. */
static int cmp_elem(const cpu_tensor *t, size_t a, size_t b)
{
    if (is_int(t->type)) {
        int64_t x = get_int(t, a), y = get_int(t, b);
        return (x > y) - (x < y);
    }
    double x = th_get(t, a), y = th_get(t, b);
    return (x > y) - (x < y);
}

/* Whether element a of t equals element b of u (same type), exactly for integer types. */
static int same_elem(const cpu_tensor *t, size_t a, const cpu_tensor *u, size_t b)
{
    return is_int(t->type) ? get_int(t, a) == get_int(u, b) : th_get(t, a) == th_get(u, b);
}

/* Input values are base + {-2..2} (base only applies to integer types). */
static void test_topk(grt_element_type t, int64_t axis, int64_t k, int mode, int sort,
                      int64_t base)
{
    int64_t dims[3] = {3, 9, 4};
    uint32_t ax = (uint32_t)(axis < 0 ? axis + 3 : axis);
    th_attr_reset();
    th_attr_int("k", k);
    th_attr_int("axis", axis);
    th_attr_int("mode", mode);
    th_attr_int("sort", sort);
    int64_t od[3] = {3, 9, 4};
    od[ax] = k;
    cpu_tensor X = th_tensor(t, 3, dims), V = th_tensor(t, 3, od), I = th_tensor(GRT_I64, 3, od);
    for (size_t i = 0; i < th_numel(&X); i++) /* few distinct values: many ties */
        set_val(&X, i, base, (int64_t)(th_rand() % 5) - 2);
    TH_CHECK(th_run(GRT_OP_TOPK, &X, 1, (cpu_tensor[]){V, I}, 2) == GRT_OK, "topk: %s",
             th_last_error());
    size_t outer = 1, inner = 1, D = (size_t)dims[ax];
    for (uint32_t i = 0; i < ax; i++)
        outer *= (size_t)dims[i];
    for (uint32_t i = ax + 1; i < 3; i++)
        inner *= (size_t)dims[i];
    int used[16];
    for (size_t o = 0; o < outer; o++)
        for (size_t in = 0; in < inner; in++) {
            size_t sel[16];
            for (size_t d = 0; d < D; d++)
                used[d] = 0;
            for (int64_t r = 0; r < k; r++) { /* best remaining; lower index wins ties */
                size_t best = D;
                for (size_t d = 0; d < D; d++) {
                    if (used[d])
                        continue;
                    if (best == D) {
                        best = d;
                        continue;
                    }
                    int c = cmp_elem(&X, (o * D + d) * inner + in, (o * D + best) * inner + in);
                    if (mode ? c < 0 : c > 0)
                        best = d;
                }
                used[best] = 1;
                sel[r] = best;
            }
            if (!sort) /* by index */
                for (int64_t a = 0; a < k; a++)
                    for (int64_t b = a + 1; b < k; b++)
                        if (sel[b] < sel[a]) {
                            size_t tmp = sel[a];
                            sel[a] = sel[b];
                            sel[b] = tmp;
                        }
            for (int64_t r = 0; r < k; r++) {
                size_t oi = (o * (size_t)k + (size_t)r) * inner + in;
                int64_t gi = ((int64_t *)I.data)[oi];
                if (gi != (int64_t)sel[r] ||
                    !same_elem(&V, oi, &X, (o * D + sel[r]) * inner + in)) {
                    TH_CHECK(0, "topk type %d axis %lld k %lld mode %d sort %d: rank %lld got "
                             "index %lld want %zu (or wrong value)", (int)t, (long long)axis,
                             (long long)k, mode, sort, (long long)r, (long long)gi, sel[r]);
                    goto done;
                }
            }
        }
done:
    th_free(&X);
    th_free(&V);
    th_free(&I);
}

/* Input values are base + {0..3} (base only applies to integer types). */
static void test_argmax(grt_element_type t, int64_t axis, int keep, int64_t base)
{
    int64_t dims[3] = {4, 6, 5};
    uint32_t ax = (uint32_t)(axis < 0 ? axis + 3 : axis);
    th_attr_reset();
    th_attr_int("axis", axis);
    th_attr_int("keep_dims", keep);
    int64_t od[3];
    uint32_t orank = 0;
    for (uint32_t i = 0; i < 3; i++) {
        if (i != ax)
            od[orank++] = dims[i];
        else if (keep)
            od[orank++] = 1;
    }
    cpu_tensor X = th_tensor(t, 3, dims), Y = th_tensor(GRT_I64, orank, od);
    for (size_t i = 0; i < th_numel(&X); i++)
        set_val(&X, i, base, (int64_t)(th_rand() % 4));
    TH_CHECK(th_run(GRT_OP_ARGMAX, &X, 1, &Y, 1) == GRT_OK, "argmax: %s", th_last_error());
    size_t outer = 1, inner = 1, D = (size_t)dims[ax];
    for (uint32_t i = 0; i < ax; i++)
        outer *= (size_t)dims[i];
    for (uint32_t i = ax + 1; i < 3; i++)
        inner *= (size_t)dims[i];
    for (size_t o = 0; o < outer; o++)
        for (size_t in = 0; in < inner; in++) {
            size_t best = 0;
            for (size_t d = 1; d < D; d++)
                if (cmp_elem(&X, (o * D + d) * inner + in, (o * D + best) * inner + in) > 0)
                    best = d;
            int64_t got = ((int64_t *)Y.data)[o * inner + in];
            if (got != (int64_t)best) {
                TH_CHECK(0, "argmax type %d axis %lld: got %lld want %zu", (int)t,
                         (long long)axis, (long long)got, best);
                goto done;
            }
        }
done:
    th_free(&X);
    th_free(&Y);
}

/* A hand-checked line of i64 values above 2^53 that differ by 1: through double they would all
 * be equal (2^60 + 1 and 2^60 + 2 both round to 2^60), so ties would go to index 0. */
static void test_big_i64(void)
{
    const int64_t b = (int64_t)1 << 60;
    const int64_t x[6] = {b, b + 2, b + 1, b + 2, b - 1, b + 1};
    int64_t d[1] = {6}, od[1] = {3};
    cpu_tensor X = th_tensor(GRT_I64, 1, d), V = th_tensor(GRT_I64, 1, od),
               I = th_tensor(GRT_I64, 1, od), Y = th_tensor(GRT_I64, 0, NULL);
    for (size_t i = 0; i < 6; i++)
        ((int64_t *)X.data)[i] = x[i];
    th_attr_reset();
    TH_CHECK(th_run(GRT_OP_ARGMAX, &X, 1, &Y, 1) == GRT_OK, "argmax big i64: %s", th_last_error());
    TH_CHECK(((int64_t *)Y.data)[0] == 1, "argmax big i64: got %lld want 1",
             (long long)((int64_t *)Y.data)[0]);
    static const int64_t want_i[2][3] = {{1, 3, 2}, {4, 0, 2}}; /* largest, smallest */
    for (int mode = 0; mode < 2; mode++) {
        th_attr_reset();
        th_attr_int("k", 3);
        th_attr_int("mode", mode);
        TH_CHECK(th_run(GRT_OP_TOPK, &X, 1, (cpu_tensor[]){V, I}, 2) == GRT_OK,
                 "topk big i64: %s", th_last_error());
        for (size_t r = 0; r < 3; r++) {
            int64_t gi = ((int64_t *)I.data)[r], gv = ((int64_t *)V.data)[r];
            TH_CHECK(gi == want_i[mode][r] && gv == x[want_i[mode][r]],
                     "topk big i64 mode %d rank %zu: got index %lld value %lld, want index %lld",
                     mode, r, (long long)gi, (long long)gv, (long long)want_i[mode][r]);
        }
    }
    th_free(&X);
    th_free(&V);
    th_free(&I);
    th_free(&Y);
}

void suite_reduce(void)
{
    /* base: integer inputs are base + small values; i64 twice, the second above 2^53. */
    static const struct {
        grt_element_type t;
        int64_t base;
    } ft[] = {{GRT_F32, 0},
              {GRT_F16, 0},
              {GRT_BF16, 0},
              {GRT_I32, -1000000},
              {GRT_I64, 0},
              {GRT_I64, ((int64_t)1 << 53) + 7}};
    for (size_t t = 0; t < sizeof ft / sizeof ft[0]; t++) {
        for (int mode = 0; mode < 2; mode++)
            for (int sort = 0; sort < 2; sort++) {
                test_topk(ft[t].t, -1, 2, mode, sort, ft[t].base);
                test_topk(ft[t].t, 1, 5, mode, sort, ft[t].base);
                test_topk(ft[t].t, 0, 3, mode, sort, ft[t].base);
                test_topk(ft[t].t, 1, 9, mode, sort, ft[t].base);
                test_topk(ft[t].t, -2, 1, mode, sort, ft[t].base);
            }
        test_argmax(ft[t].t, -1, 0, ft[t].base);
        test_argmax(ft[t].t, 0, 1, ft[t].base);
        test_argmax(ft[t].t, 1, 0, ft[t].base);
    }
    test_big_i64();
    /* k larger than the dim is an error. */
    int64_t d[1] = {3}, od[1] = {4};
    th_attr_reset();
    th_attr_int("k", 4);
    cpu_tensor X = th_tensor(GRT_F32, 1, d), V = th_tensor(GRT_F32, 1, od),
               I = th_tensor(GRT_I64, 1, od);
    TH_CHECK(th_run(GRT_OP_TOPK, &X, 1, (cpu_tensor[]){V, I}, 2) == GRT_ERROR_INVALID_ARGUMENT,
             "k > dim must fail");
    th_free(&X);
    th_free(&V);
    th_free(&I);
}
