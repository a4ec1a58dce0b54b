/*
 * tests/ops/ref/ref_matmul.c - reference MatMul (rank-1 promotion, transposes, batch broadcast)
 * and the dequantisation formula of compressed constants. Double accumulation; reentrant.
 */
#include "ref.h"

#include <string.h>

int ref_matmul(const ref_tensor *a, const ref_tensor *b, int transpose_a, int transpose_b,
               ref_tensor *out)
{
    int64_t ad[GRT_MAX_RANK], bd[GRT_MAX_RANK];
    size_t ar = a->rank, br = b->rank;
    int a_vec = ar == 1, b_vec = br == 1;
    memset(out, 0, sizeof(*out));
    if (ar == 0 || br == 0)
        return -1;
    if (a_vec) { /* [K] -> [1, K] */
        ad[0] = 1;
        ad[1] = a->dims[0];
        ar = 2;
        transpose_a = 0;
    } else {
        memcpy(ad, a->dims, ar * sizeof(int64_t));
    }
    if (b_vec) { /* [K] -> [K, 1] */
        bd[0] = b->dims[0];
        bd[1] = 1;
        br = 2;
        transpose_b = 0;
    } else {
        memcpy(bd, b->dims, br * sizeof(int64_t));
    }
    int64_t m = transpose_a ? ad[ar - 1] : ad[ar - 2];
    int64_t k = transpose_a ? ad[ar - 2] : ad[ar - 1];
    int64_t kb = transpose_b ? bd[br - 1] : bd[br - 2];
    int64_t n = transpose_b ? bd[br - 2] : bd[br - 1];
    if (k != kb)
        return -1;
    int64_t batch[GRT_MAX_RANK];
    size_t nb;
    if (ref_broadcast_shape(ar - 2, ad, br - 2, bd, &nb, batch) != 0)
        return -1;
    int64_t od[GRT_MAX_RANK];
    size_t orank = 0;
    for (size_t i = 0; i < nb; i++)
        od[orank++] = batch[i];
    if (!a_vec)
        od[orank++] = m;
    if (!b_vec)
        od[orank++] = n;
    if (ref_tensor_alloc(out, a->type, orank, od) != 0)
        return -1;
    size_t nbatch = ref_numel(nb, batch);
    int64_t idx[GRT_MAX_RANK];
    for (size_t bi = 0; bi < nbatch; bi++) {
        size_t rem = bi;
        for (size_t d = nb; d-- > 0;) {
            idx[d] = (int64_t)(rem % (size_t)batch[d]);
            rem /= (size_t)batch[d];
        }
        size_t aoff = ref_broadcast_offset(ar - 2, ad, nb, idx) * (size_t)(m * k);
        size_t boff = ref_broadcast_offset(br - 2, bd, nb, idx) * (size_t)(k * n);
        double *o = out->v + bi * (size_t)(m * n);
        for (int64_t i = 0; i < m; i++) {
            for (int64_t j = 0; j < n; j++) {
                double acc = 0.0;
                for (int64_t p = 0; p < k; p++) {
                    double x = a->v[aoff + (size_t)(transpose_a ? p * m + i : i * k + p)];
                    double y = b->v[boff + (size_t)(transpose_b ? j * k + p : p * n + j)];
                    acc += x * y;
                }
                o[i * n + j] = acc;
            }
        }
    }
    return 0;
}

void ref_dequant(const double *q, const double *scales, const double *zp, int64_t rows, int64_t k,
                 int64_t group, double *w)
{
    int64_t ng = k / group;
    for (int64_t r = 0; r < rows; r++) {
        for (int64_t c = 0; c < k; c++) {
            int64_t gi = r * ng + c / group;
            double z = zp ? zp[gi] : 0.0;
            w[r * k + c] = (q[r * k + c] - z) * scales[gi];
        }
    }
}
