/*
 * tests/unit/cpu_kernels/test_reduce.c - TopK (modes, sort orders, axes, ties) and ArgMax (first
 * maximum, keep_dims) against reference selection loops.
 */
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "suites.h"

static void test_topk(grt_element_type t, int64_t axis, int64_t k, int mode, int sort)
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
        th_set(&X, i, (double)(th_rand() % 5) - 2);
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
                    double v = th_get(&X, (o * D + d) * inner + in);
                    double bv = best < D ? th_get(&X, (o * D + best) * inner + in) : 0;
                    if (best == D || (mode ? v < bv : v > bv))
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
                    th_get(&V, oi) != th_get(&X, (o * D + sel[r]) * inner + in)) {
                    TH_CHECK(0, "topk axis %lld k %lld mode %d sort %d: rank %lld got index %lld "
                             "want %zu", (long long)axis, (long long)k, mode, sort, (long long)r,
                             (long long)gi, sel[r]);
                    goto done;
                }
            }
        }
done:
    th_free(&X);
    th_free(&V);
    th_free(&I);
}

static void test_argmax(grt_element_type t, int64_t axis, int keep)
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
        th_set(&X, i, (double)(th_rand() % 4));
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
                if (th_get(&X, (o * D + d) * inner + in) > th_get(&X, (o * D + best) * inner + in))
                    best = d;
            int64_t got = ((int64_t *)Y.data)[o * inner + in];
            if (got != (int64_t)best) {
                TH_CHECK(0, "argmax axis %lld: got %lld want %zu", (long long)axis,
                         (long long)got, best);
                goto done;
            }
        }
done:
    th_free(&X);
    th_free(&Y);
}

void suite_reduce(void)
{
    static const grt_element_type ft[] = {GRT_F32, GRT_F16, GRT_BF16};
    for (size_t t = 0; t < 3; t++) {
        for (int mode = 0; mode < 2; mode++)
            for (int sort = 0; sort < 2; sort++) {
                test_topk(ft[t], -1, 2, mode, sort);
                test_topk(ft[t], 1, 5, mode, sort);
                test_topk(ft[t], 0, 3, mode, sort);
                test_topk(ft[t], 1, 9, mode, sort);
                test_topk(ft[t], -2, 1, mode, sort);
            }
        test_argmax(ft[t], -1, 0);
        test_argmax(ft[t], 0, 1);
        test_argmax(ft[t], 1, 0);
    }
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
