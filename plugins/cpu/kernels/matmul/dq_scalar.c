/*
 * kernels/matmul/dq_scalar.c - portable C row kernel of the dynamic-quantization linear path
 * (see dq.h for the formula and layouts). The reference the ISA kernels are tested against;
 * used when cpu_isa_active() == CPU_ISA_SCALAR. Reentrant, no allocation.
 */
#include "dq.h"

/* Exact int32 dot of weight row n's block b with the activation block qa[32]. */
static int32_t block_dot(const cpu_dq_w *w, size_t n, size_t b, const int8_t *qa)
{
    int32_t dot = 0;
    const uint8_t *p = cpu_dq_block(w, n, b); /* either layout */
    if (w->bits == 8) {
        for (size_t i = 0; i < CPU_DQ_BLOCK; i++)
            dot += (int32_t)(int8_t)(p[i] ^ w->xor_mask) * qa[i];
    } else {
        for (size_t i = 0; i < CPU_DQ_BLOCK / 2; i++) { /* qa is even-then-odd */
            uint8_t v = p[i] ^ w->xor_mask;
            dot += (int32_t)(v & 0xf) * qa[i] + (int32_t)(v >> 4) * qa[CPU_DQ_BLOCK / 2 + i];
        }
    }
    return dot;
}

void cpu_dq_rows_scalar(const cpu_dq_act *a, const cpu_dq_w *w, size_t n0, size_t n1, float *out,
                        size_t ldo, float *pbuf)
{
    size_t bpg = w->G / CPU_DQ_BLOCK;
    float *sw = pbuf, *zp = pbuf + w->ngw;
    for (size_t n = n0; n < n1; n++) {
        cpu_dq_row_params(w, n, sw, zp);
        for (size_t m = 0; m < a->M; m++) {
            const int8_t *qa = a->q + m * a->K;
            const float *sa = a->sa + m * a->nb;
            float acc = 0.0f;
            for (size_t g = 0; g < w->ngw; g++) {
                float gacc = 0.0f;
                for (size_t b = g * bpg; b < (g + 1) * bpg; b++)
                    gacc += sa[b] * (float)block_dot(w, n, b, qa + b * CPU_DQ_BLOCK);
                if (w->has_zp)
                    gacc -= zp[g] * a->zs[m * a->ngw + g];
                acc += sw[g] * gacc;
            }
            out[m * ldo + n] = acc;
        }
    }
}
