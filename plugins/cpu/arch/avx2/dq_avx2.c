/*
 * arch/avx2/dq_avx2.c - AVX2 GEMM of the dynamic-quantization linear path (see
 * kernels/matmul/dq.h for the formula and layouts). Entered only when cpu_isa_active() >= AVX2.
 *
 * Packed panels, broadcast formulation. W rows are taken NR = 16 at a time and unpacked once per
 * call into a panel in the calling thread's scratch: per 32-block b and step s (4 consecutive
 * activation positions), two 32-byte vectors of [8 outputs][4 k] values (4-bit: u4 in bytes,
 * 8-bit: s8), so one vpbroadcastd of 4 activation bytes feeds 8 outputs at once and no
 * horizontal sum is needed. The panel also holds each block's weight scale (sw of its group) and
 * each group's sw * zp for the 16 rows. Rows past the end of W are zero (sw = 0).
 *
 * Micro-kernel: MR = 4 activation rows x 16 outputs. 4-bit: vpmaddubsw(u4, s8) lanes are at most
 * 2 * 15 * 127 = 3810, so a block's 8 steps add up in int16 (<= 30480) and cost one vpmaddubsw
 * and one vpaddw per 32 MACs; 8-bit: the sign trick vpmaddubsw(|w|, sign(a, w)) (<= 2 * 128 * 127)
 * then vpmaddwd + vpaddd per step. At each block end one (vpmaddwd,) cvt, mul (sa x sw vector) and
 * fma per accumulator; the zero-point term sum_g sw * zp * zs is subtracted per group at the end.
 * Packing (8 x 8 dword transposes) costs ~3 % of a TinyLlama prefill; for M <= CPU_DQ_GEMV_MAX_M
 * linear_dq.c takes the GEMV instead, which needs no packing. The block's 8 steps are unrolled and
 * an empty asm barrier per row keeps GCC's schedule from spilling a sum (see micro()).
 * Reentrant, no allocation (pbuf = the caller's scratch, cpu_dq_pbuf_floats).
 */
#include <immintrin.h>
#include <string.h>

#include <genrt/types.h>

#include "arch/avx2/convert_avx2.h"
#include "arch/avx2/dq_pack_avx2.h"
#include "kernels/matmul/dq.h"

#define DQ_MR 4  /* activation rows per micro-tile (6 measured no faster for 4-bit) */
#define DQ_NR CPU_DQ_PANEL /* W rows per panel (two vectors of 8 outputs) */
#define DQ_PANEL_BLOCK (DQ_NR * CPU_DQ_BLOCK) /* panel bytes per 32-block */

/* dst[0..n) = f16 or f32 src[0..n) as f32. */
static void load_f32(const void *src, int f16, size_t n, float *dst)
{
    if (f16)
        cpu_avx2_f16_to_f32(src, n, dst);
    else
        memcpy(dst, src, n * sizeof(float));
}

/* cpu_dq_row_params with F16C and vector conversions for the common layouts. */
static void row_params(const cpu_dq_w *w, size_t n, float *sw, float *zp)
{
    size_t ngw = w->ngw, base = n * ngw;
    int hz = w->has_zp && w->zps != NULL;
    if (hz && w->zp_type != GRT_F16 && w->zp_type != GRT_F32 && w->zp_type != GRT_U8) {
        cpu_dq_row_params(w, n, sw, zp); /* u4 zero points */
        return;
    }
    load_f32((const uint16_t *)w->scales + (w->scales_f16 ? base : 2 * base), w->scales_f16, ngw,
             sw);
    float shift = w->bits == 8 ? -128.0f : 0.0f;
    if (!hz) {
        float z = w->has_zp ? 8.0f : 0.0f; /* I4 or I8 */
        for (size_t g = 0; g < ngw; g++)
            zp[g] = z;
        return;
    }
    if (w->zp_type == GRT_U8) {
        const uint8_t *z = (const uint8_t *)w->zps + base;
        for (size_t g = 0; g < ngw; g++)
            zp[g] = (float)z[g] + shift;
        return;
    }
    int f16 = w->zp_type == GRT_F16;
    load_f32((const uint16_t *)w->zps + (f16 ? base : 2 * base), f16, ngw, zp);
    for (size_t g = 0; g < ngw && shift != 0.0f; g++)
        zp[g] += shift;
}

/* The panel of W rows [n, n + nr) (nr <= DQ_NR): pw [nb][8 steps][2][8][4] bytes, swb [nb][16]
 * (each block's weight scale), swzp [ngw][16] (sw * zp per group); tmp: 2 * ngw floats. Each
 * block of 8 rows is unpacked to 8 vectors of 8 steps and transposed to 8 vectors of 8 rows. */
static void pack_panel(const cpu_dq_w *w, size_t n, size_t nr, uint8_t *pw, float *swb,
                       float *swzp, float *tmp)
{
    const size_t K = w->K, nb = K / CPU_DQ_BLOCK, ngw = w->ngw, bpg = w->G / CPU_DQ_BLOCK;
    const __m256i xr = _mm256_set1_epi8((char)w->xor_mask);
    for (size_t v = 0; v < DQ_NR / 8; v++)
        dqp_pack_rows8(w, n, nr, v, xr, pw, DQ_PANEL_BLOCK, 64);
    for (size_t o = 0; o < DQ_NR; o++) {
        if (o >= nr) {
            for (size_t b = 0; b < nb; b++)
                swb[b * DQ_NR + o] = 0.0f;
            for (size_t g = 0; g < ngw; g++)
                swzp[g * DQ_NR + o] = 0.0f;
            continue;
        }
        row_params(w, n + o, tmp, tmp + ngw);
        for (size_t b = 0; b < nb; b++)
            swb[b * DQ_NR + o] = tmp[b / bpg];
        for (size_t g = 0; g < ngw; g++)
            swzp[g * DQ_NR + o] = tmp[g] * tmp[ngw + g];
    }
}

/* out[m0 + j][n .. n + nr) for j < MR from one packed panel. */
static inline __attribute__((always_inline)) void
micro(const cpu_dq_act *a, const int bits, const int MR, int has_zp, size_t m0, const uint8_t *pw,
      const float *swb, const float *swzp, float *out, size_t ldo, size_t n, size_t nr)
{
    const size_t K = a->K, nb = a->nb, ngw = a->ngw;
    const __m256i ones = _mm256_set1_epi16(1);
    const int8_t *xa[DQ_MR];
    const float *sap[DQ_MR];
    for (int j = 0; j < MR; j++) {
        xa[j] = a->q + (m0 + j) * K;
        sap[j] = a->sa + (m0 + j) * nb;
    }
    __m256 f[DQ_MR][2];
    for (int j = 0; j < MR; j++)
        f[j][0] = f[j][1] = _mm256_setzero_ps();
    for (size_t b = 0; b < nb; b++) {
        const uint8_t *pb = pw + b * DQ_PANEL_BLOCK;
        __m256i s[DQ_MR][2];
        for (int j = 0; j < MR; j++)
            s[j][0] = s[j][1] = _mm256_setzero_si256();
#pragma GCC unroll 8
        for (int st = 0; st < 8; st++) {
            __m256i w0 = _mm256_loadu_si256((const __m256i *)(pb + st * 64));
            __m256i w1 = _mm256_loadu_si256((const __m256i *)(pb + st * 64 + 32));
            __m256i a0 = _mm256_setzero_si256(), a1 = a0;
            if (bits == 8) {
                a0 = _mm256_abs_epi8(w0);
                a1 = _mm256_abs_epi8(w1);
            }
            for (int j = 0; j < MR; j++) {
                int32_t xv;
                memcpy(&xv, xa[j] + b * CPU_DQ_BLOCK + st * 4, 4);
                __m256i x = _mm256_set1_epi32(xv);
                if (bits == 4) {
                    s[j][0] = _mm256_add_epi16(s[j][0], _mm256_maddubs_epi16(w0, x));
                    s[j][1] = _mm256_add_epi16(s[j][1], _mm256_maddubs_epi16(w1, x));
                } else {
                    s[j][0] = _mm256_add_epi32(
                        s[j][0],
                        _mm256_madd_epi16(_mm256_maddubs_epi16(a0, _mm256_sign_epi8(x, w0)), ones));
                    s[j][1] = _mm256_add_epi32(
                        s[j][1],
                        _mm256_madd_epi16(_mm256_maddubs_epi16(a1, _mm256_sign_epi8(x, w1)), ones));
                }
                /* Without this barrier GCC hoists all of a step's products ahead of the sums and
                 * spills one sum (its chain then runs through store forwarding): measured 1.5x
                 * slower. */
                __asm__("" : "+x"(s[j][0]), "+x"(s[j][1]));
            }
        }
        const __m256 sw0 = _mm256_loadu_ps(swb + b * DQ_NR), sw1 = _mm256_loadu_ps(swb + b * DQ_NR + 8);
        for (int j = 0; j < MR; j++) {
            __m256 sa = _mm256_broadcast_ss(sap[j] + b);
            __m256i d0 = bits == 4 ? _mm256_madd_epi16(s[j][0], ones) : s[j][0];
            __m256i d1 = bits == 4 ? _mm256_madd_epi16(s[j][1], ones) : s[j][1];
            f[j][0] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(d0), _mm256_mul_ps(sa, sw0), f[j][0]);
            f[j][1] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(d1), _mm256_mul_ps(sa, sw1), f[j][1]);
        }
    }
    if (has_zp)
        for (size_t g = 0; g < ngw; g++) {
            const __m256 z0 = _mm256_loadu_ps(swzp + g * DQ_NR);
            const __m256 z1 = _mm256_loadu_ps(swzp + g * DQ_NR + 8);
            for (int j = 0; j < MR; j++) {
                __m256 zs = _mm256_broadcast_ss(a->zs + (m0 + j) * ngw + g);
                f[j][0] = _mm256_fnmadd_ps(z0, zs, f[j][0]);
                f[j][1] = _mm256_fnmadd_ps(z1, zs, f[j][1]);
            }
        }
    for (int j = 0; j < MR; j++) {
        float *o = out + (m0 + j) * ldo + n;
        if (nr == DQ_NR) {
            _mm256_storeu_ps(o, f[j][0]);
            _mm256_storeu_ps(o + 8, f[j][1]);
        } else {
            float t[DQ_NR];
            _mm256_storeu_ps(t, f[j][0]);
            _mm256_storeu_ps(t + 8, f[j][1]);
            memcpy(o, t, nr * sizeof(float));
        }
    }
}

static inline __attribute__((always_inline)) void
rows(const cpu_dq_act *a, const cpu_dq_w *w, const int bits, size_t n0, size_t n1, float *out,
     size_t ldo, float *pbuf)
{
    const size_t nb = a->nb, ngw = w->ngw;
    float *swb = pbuf, *swzp = swb + nb * DQ_NR, *tmp = swzp + ngw * DQ_NR;
    uint8_t *pw = (uint8_t *)(tmp + 2 * ngw);
    for (size_t n = n0; n < n1; n += DQ_NR) {
        size_t nr = n1 - n < DQ_NR ? n1 - n : DQ_NR;
        pack_panel(w, n, nr, pw, swb, swzp, tmp);
        size_t m0 = 0;
        for (; m0 + DQ_MR <= a->M; m0 += DQ_MR)
            micro(a, bits, DQ_MR, w->has_zp, m0, pw, swb, swzp, out, ldo, n, nr);
        switch (a->M - m0) {
        case 3: micro(a, bits, 3, w->has_zp, m0, pw, swb, swzp, out, ldo, n, nr); break;
        case 2: micro(a, bits, 2, w->has_zp, m0, pw, swb, swzp, out, ldo, n, nr); break;
        case 1: micro(a, bits, 1, w->has_zp, m0, pw, swb, swzp, out, ldo, n, nr); break;
        default: break;
        }
    }
}

void cpu_dq_rows_avx2(const cpu_dq_act *a, const cpu_dq_w *w, size_t n0, size_t n1, float *out,
                      size_t ldo, float *pbuf)
{
    if (w->bits == 4)
        rows(a, w, 4, n0, n1, out, ldo, pbuf);
    else
        rows(a, w, 8, n0, n1, out, ldo, pbuf);
}
