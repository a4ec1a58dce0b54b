/*
 * kernels/matmul/dq_prep.c - the data preparation of the dynamic-quantization linear path (see
 * dq.h): int8 quantization of activation rows and expansion of a weight row's group parameters.
 * Pure functions over caller memory; reentrant.
 */
#include <math.h>
#include <string.h>

#include "../fp16.h"
#include "dq.h"

#include <genrt/types.h>

int cpu_dq_weight(const void *data, const grt_compression_info *c, size_t N, size_t K,
                  cpu_dq_w *w)
{
    uint32_t st = c->storage_type;
    uint32_t zt = c->zero_point_type == GRT_UNDEFINED ? st : c->zero_point_type;
    size_t G = (size_t)c->group_size;
    memset(w, 0, sizeof *w);
    if (G == 0 || G % CPU_DQ_BLOCK != 0 || K % G != 0)
        return 0;
    w->data = data;
    w->K = K;
    w->G = G;
    w->ngw = K / G;
    w->scales = c->scales;
    w->scales_f16 = c->scale_type == GRT_F16;
    w->zp_type = zt;
    w->bits = cpu_dq_storage_bits(st);
    if (w->bits == 0)
        return 0;
    w->xor_mask = cpu_dq_storage_xor(st);
    w->has_zp = st != GRT_I8;
    w->N = N;
    if (c->kind == GRT_COMPRESSION_SYM)
        return st == GRT_I8 || st == GRT_I4;
    if (c->kind != GRT_COMPRESSION_ASYM || (st != GRT_U8 && st != GRT_U4))
        return 0;
    if (zt != st && zt != GRT_F16 && zt != GRT_F32)
        return 0;
    w->zps = c->zero_points;
    return 1;
}

void cpu_dq_row_params(const cpu_dq_w *w, size_t n, float *sw, float *zp)
{
    size_t base = n * w->ngw;
    for (size_t g = 0; g < w->ngw; g++)
        sw[g] = w->scales_f16 ? cpu_f16_to_f32(((const uint16_t *)w->scales)[base + g])
                              : ((const float *)w->scales)[base + g];
    if (!w->has_zp) {
        for (size_t g = 0; g < w->ngw; g++)
            zp[g] = 0.0f;
        return;
    }
    /* mapped zero point: U8 stores s8 = u - 128, I4 / U4 store u4 (I4: v ^ 8 = v + 8) */
    float shift = w->bits == 8 ? -128.0f : 0.0f;
    for (size_t g = 0; g < w->ngw; g++) {
        size_t i = base + g;
        float z;
        if (w->zps == NULL)
            z = 8.0f; /* I4 */
        else if (w->zp_type == GRT_F32)
            z = ((const float *)w->zps)[i];
        else if (w->zp_type == GRT_F16)
            z = cpu_f16_to_f32(((const uint16_t *)w->zps)[i]);
        else if (w->zp_type == GRT_U4)
            z = (float)((((const uint8_t *)w->zps)[i >> 1] >> ((i & 1) * 4)) & 0xf);
        else
            z = (float)((const uint8_t *)w->zps)[i];
        zp[g] = z + shift;
    }
}

void cpu_dq_quant_group_scalar(const float *x, size_t n, int8_t *q, float *scale)
{
    float amax = 0.0f;
    for (size_t i = 0; i < n; i++) {
        float v = fabsf(x[i]);
        amax = v > amax ? v : amax;
    }
    *scale = amax / 127.0f;
    float inv = amax > 0.0f ? 127.0f / amax : 0.0f;
    for (size_t i = 0; i < n; i++) {
        long v = lrintf(x[i] * inv);
        q[i] = (int8_t)(v > 127 ? 127 : v < -127 ? -127 : v);
    }
}

void cpu_dq_perm_block_scalar(int8_t *p)
{
    int8_t t[CPU_DQ_BLOCK];
    for (size_t i = 0; i < CPU_DQ_BLOCK / 2; i++) {
        t[i] = p[2 * i];
        t[CPU_DQ_BLOCK / 2 + i] = p[2 * i + 1];
    }
    for (size_t i = 0; i < CPU_DQ_BLOCK; i++)
        p[i] = t[i];
}

void cpu_dq_quantize_rows(const cpu_dq_act *act, const float *a, size_t m0, size_t m1, size_t ga,
                          size_t gw, cpu_dq_group_fn quant, cpu_dq_perm_fn perm)
{
    size_t K = act->K, nb = act->nb, bpa = ga / CPU_DQ_BLOCK, bpw = gw / CPU_DQ_BLOCK;
    for (size_t m = m0; m < m1; m++) {
        int8_t *q = act->q + m * K;
        float *sa = act->sa + m * nb;
        for (size_t g = 0; g < K / ga; g++) {
            float s;
            quant(a + m * K + g * ga, ga, q + g * ga, &s);
            for (size_t b = 0; b < bpa; b++)
                sa[g * bpa + b] = s;
        }
        if (act->zs != NULL) {
            float *zs = act->zs + m * act->ngw;
            for (size_t g = 0; g < act->ngw; g++) {
                float acc = 0.0f;
                for (size_t b = g * bpw; b < (g + 1) * bpw; b++) {
                    int32_t sum = 0;
                    for (size_t i = 0; i < CPU_DQ_BLOCK; i++)
                        sum += q[b * CPU_DQ_BLOCK + i];
                    acc += sa[b] * (float)sum;
                }
                zs[g] = acc;
            }
        }
        if (act->perm4) /* each block: its even elements, then its odd ones */
            for (size_t b = 0; b < nb; b++)
                perm(q + b * CPU_DQ_BLOCK);
        if (act->qp != NULL) { /* row m's units into its row group (dq.h) */
            const size_t R = act->qp_rows, U = act->qp_unit;
            int8_t *g = act->qp + (m / R) * R * K + (m % R) * U;
            if (U == 4) /* constant sizes: inlined moves */
                for (size_t s = 0; s < K / 4; s++)
                    memcpy(g + s * 4 * R, q + s * 4, 4);
            else if (U == CPU_DQ_BLOCK)
                for (size_t s = 0; s < K / CPU_DQ_BLOCK; s++)
                    memcpy(g + s * CPU_DQ_BLOCK * R, q + s * CPU_DQ_BLOCK, CPU_DQ_BLOCK);
            else
                for (size_t s = 0; s < K / (2 * CPU_DQ_BLOCK); s++)
                    memcpy(g + s * 2 * CPU_DQ_BLOCK * R, q + s * 2 * CPU_DQ_BLOCK,
                           2 * CPU_DQ_BLOCK);
        }
    }
}
