/*
 * arch/avx512/dq_gemm_avx512.c - AVX-512 VNNI GEMM of the dynamic-quantization linear path (see
 * kernels/matmul/dq.h for the formula and layouts). Entered only when cpu_isa_active() >=
 * CPU_ISA_AVX512.
 *
 * Packed panels, broadcast formulation, as the AVX2 GEMM (arch/avx2/dq_avx2.c) but for vpdpbusd:
 * W rows are taken NR = 32 at a time and unpacked once per call into a panel in the calling
 * thread's scratch: per 32-block and step (4 consecutive k), two 64-byte vectors of [16 outputs][4
 * k] u8 values (4-bit: u4; 8-bit: the s8 value + 128, i.e. xor 0x80), so one broadcast of 4
 * activation bytes feeds 16 outputs and vpdpbusd (u8 x s8 -> s32, 4 MACs per lane) does the rest.
 * The u8 flip of 8-bit weights adds 128 * sum(qa) per block, removed with the zero-point term
 * (the panel's sw * (zp + 128), a->zs filled for every weight on this ISA).
 *
 * Micro-kernel: MR = 6 activation rows x 32 outputs: 12 int32 block sums and 12 float group sums
 * in registers. Per block (8 steps of 2 loads, 6 broadcasts, 12 vpdpbusd) each block sum is
 * converted and added with its activation scale (cvt, fma); at the end of a weight group, or of a
 * K chunk, the group sums times the group's scales are added to out (the first segment of a row
 * stores). Group 32 (a group per block) instead multiplies each block sum by its group's scales
 * (cvt, mul, fma) and adds one segment per K chunk, which saves a load, add and store of out per
 * block and output vector (int4-g32 GEMM 412-450 -> 609-662 GOP/s, docs/PERF.md). K is walked in chunks of KC blocks so that the panel's chunk (16 KiB) stays in L1 while
 * all M rows pass over it. The zero-point term sum_g sw * zp' * zs is subtracted per output row
 * after the last chunk. The last panel of a range may be short: masked loads and stores.
 *
 * Reentrant, no allocation (pbuf = the caller's scratch, cpu_dq_pbuf_floats); writes only
 * out[m * ldo + n] for n in [n0, n1).
 */
#include <immintrin.h>
#include <string.h>

#include "arch/avx2/dq_pack_avx2.h"
#include "kernels/matmul/dq.h"
#include "arch/avx512/lanes512.h"

#define MR CPU_DQ_MR512                     /* activation rows per micro-tile */
#define NR CPU_DQ_PANEL512                  /* W rows per panel (two vectors of 16 outputs) */
#define PANEL_BLOCK (NR * CPU_DQ_BLOCK)     /* panel bytes per 32-block */
#define KC 16                               /* blocks per K chunk (16 KiB of panel) */

void cpu_dq_pack_panel512(const cpu_dq_w *w, size_t n, size_t nr, uint8_t *pw, float *swg,
                          float *swzp, float *tmp)
{
    const size_t ngw = w->ngw;
    const uint8_t flip = w->bits == 8 ? 0x80 : 0;
    const __m256i xr = _mm256_set1_epi8((char)(w->xor_mask ^ flip));
    for (size_t v = 0; v < NR / 8; v++) /* rows past nr: zero (and sw 0) */
        dqp_pack_rows8(w, n, nr, v, xr, pw, PANEL_BLOCK, 128);
    const float zshift = w->bits == 8 ? 128.0f : 0.0f;
    for (size_t o = 0; o < NR; o++) {
        if (o >= nr) {
            for (size_t g = 0; g < ngw; g++)
                swg[g * NR + o] = swzp[g * NR + o] = 0.0f;
            continue;
        }
        cpu_dq_row_params(w, n + o, tmp, tmp + ngw);
        for (size_t g = 0; g < ngw; g++) {
            swg[g * NR + o] = tmp[g];
            swzp[g * NR + o] = tmp[g] * (tmp[ngw + g] + zshift);
        }
    }
}

/* s[j][0..1] = the int32 dots of block b of activation rows j < R of the row group xg with the
 * panel block pb (32 outputs). */
static inline __attribute__((always_inline)) void block_dots(const int8_t *xg, size_t b,
                                                             const uint8_t *pb, const int R,
                                                             __m512i s[MR][2])
{
    for (int j = 0; j < R; j++)
        s[j][0] = s[j][1] = _mm512_setzero_si512();
#pragma GCC unroll 8
    for (int st = 0; st < 8; st++) {
        const __m512i w0 = _mm512_loadu_si512(pb + st * 128);
        const __m512i w1 = _mm512_loadu_si512(pb + st * 128 + 64);
        for (int j = 0; j < R; j++) {
            int32_t xv;
            memcpy(&xv, xg + (b * 8 + (size_t)st) * 4 * MR + (size_t)j * 4, 4);
            const __m512i x = _mm512_set1_epi32(xv);
            s[j][0] = _mm512_dpbusd_epi32(s[j][0], w0, x);
            s[j][1] = _mm512_dpbusd_epi32(s[j][1], w1, x);
        }
    }
}

/* out[m0 + j][n .. n + 32) (+)= f[j] * (sw0 | sw1) for j < R: stored when first, else added. */
static inline __attribute__((always_inline)) void add_segment(float *out, size_t ldo, size_t m0,
                                                              size_t n, const int R,
                                                              __m512 f[MR][2], int first,
                                                              __m512 sw0, __m512 sw1,
                                                              __mmask16 k0, __mmask16 k1)
{
    for (int j = 0; j < R; j++) {
        float *o = out + (m0 + (size_t)j) * ldo + n;
        __m512 r0 = _mm512_mul_ps(f[j][0], sw0), r1 = _mm512_mul_ps(f[j][1], sw1);
        if (!first) {
            r0 = _mm512_add_ps(r0, _mm512_maskz_loadu_ps(k0, o));
            r1 = _mm512_add_ps(r1, _mm512_maskz_loadu_ps(k1, o + 16));
        }
        _mm512_mask_storeu_ps(o, k0, r0);
        _mm512_mask_storeu_ps(o + 16, k1, r1);
    }
}

/* Blocks [b0, b1) of out[m0 + j][n .. n + 32) for j < R from one packed panel: added to out, or
 * stored where b0 == 0. k0 / k1: the output masks of the two vectors. */
static inline __attribute__((always_inline)) void
micro(const cpu_dq_act *a, const int R, size_t m0, size_t bpg, const uint8_t *pw,
      const float *swg, size_t b0, size_t b1, float *out, size_t ldo, size_t n, __mmask16 k0,
      __mmask16 k1)
{
    const size_t K = a->K, nb = a->nb;
    const int8_t *xg = a->qp + m0 * K; /* the row group's [nb][8][MR][4] values */
    const float *sap[MR];
    for (int j = 0; j < R; j++)
        sap[j] = a->sa + (m0 + (size_t)j) * nb;
    __m512 f[MR][2];
    __m512i s[MR][2];
    if (bpg == 1) { /* group 32: the group scale joins the block's, one segment per chunk */
        for (int j = 0; j < R; j++)
            f[j][0] = f[j][1] = _mm512_setzero_ps();
        for (size_t b = b0; b < b1; b++) {
            block_dots(xg, b, pw + b * PANEL_BLOCK, R, s);
            const __m512 sw0 = _mm512_loadu_ps(swg + b * NR);
            const __m512 sw1 = _mm512_loadu_ps(swg + b * NR + 16);
            for (int j = 0; j < R; j++) {
                const __m512 sa = _mm512_set1_ps(sap[j][b]);
                f[j][0] = _mm512_fmadd_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(s[j][0]), sw0), sa,
                                          f[j][0]);
                f[j][1] = _mm512_fmadd_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(s[j][1]), sw1), sa,
                                          f[j][1]);
            }
        }
        const __m512 one = _mm512_set1_ps(1.0f);
        add_segment(out, ldo, m0, n, R, f, b0 == 0, one, one, k0, k1);
        return;
    }
    for (size_t b = b0; b < b1;) {
        const size_t g = b / bpg, ge = (g + 1) * bpg, be = ge < b1 ? ge : b1;
        const int first = b == 0;
        for (int j = 0; j < R; j++)
            f[j][0] = f[j][1] = _mm512_setzero_ps();
        for (; b < be; b++) {
            block_dots(xg, b, pw + b * PANEL_BLOCK, R, s);
            for (int j = 0; j < R; j++) {
                const __m512 sa = _mm512_set1_ps(sap[j][b]);
                f[j][0] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s[j][0]), sa, f[j][0]);
                f[j][1] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s[j][1]), sa, f[j][1]);
            }
        }
        add_segment(out, ldo, m0, n, R, f, first, _mm512_loadu_ps(swg + g * NR),
                    _mm512_loadu_ps(swg + g * NR + 16), k0, k1);
    }
}

/* out[m][n .. n + 32) -= sum_g swzp[g] * zs[m][g] for every m. */
static void zero_points(const cpu_dq_act *a, const float *swzp, float *out, size_t ldo, size_t n,
                        __mmask16 k0, __mmask16 k1)
{
    const size_t ngw = a->ngw;
    for (size_t m = 0; m < a->M; m++) {
        const float *zs = a->zs + m * ngw;
        __m512 c0 = _mm512_setzero_ps(), c1 = _mm512_setzero_ps();
        for (size_t g = 0; g < ngw; g++) {
            const __m512 z = _mm512_set1_ps(zs[g]);
            c0 = _mm512_fmadd_ps(_mm512_loadu_ps(swzp + g * NR), z, c0);
            c1 = _mm512_fmadd_ps(_mm512_loadu_ps(swzp + g * NR + 16), z, c1);
        }
        float *o = out + m * ldo + n;
        _mm512_mask_storeu_ps(o, k0, _mm512_sub_ps(_mm512_maskz_loadu_ps(k0, o), c0));
        _mm512_mask_storeu_ps(o + 16, k1, _mm512_sub_ps(_mm512_maskz_loadu_ps(k1, o + 16), c1));
    }
}

void cpu_dq_rows_avx512(const cpu_dq_act *a, const cpu_dq_w *w, size_t n0, size_t n1, float *out,
                        size_t ldo, float *pbuf)
{
    if (a->zs == NULL || a->qp == NULL) { /* linear_dq.c fills both for this kernel */
        cpu_dq_rows_avx2(a, w, n0, n1, out, ldo, pbuf);
        return;
    }
    const size_t nb = a->nb, ngw = w->ngw, bpg = w->G / CPU_DQ_BLOCK;
    uint8_t *pw = (uint8_t *)pbuf; /* K * 32 bytes: keeps the floats after it 64-byte aligned */
    float *swg = pbuf + nb * PANEL_BLOCK / sizeof(float), *swzp = swg + ngw * NR;
    float *tmp = swzp + ngw * NR;
    for (size_t n = n0; n < n1; n += NR) {
        const size_t nr = n1 - n < NR ? n1 - n : NR;
        const __mmask16 k0 = cpu_avx512_lanes(nr), k1 = cpu_avx512_lanes(nr > 16 ? nr - 16 : 0);
        cpu_dq_pack_panel512(w, n, nr, pw, swg, swzp, tmp);
        for (size_t c0 = 0; c0 < nb; c0 += KC) {
            const size_t c1 = c0 + KC < nb ? c0 + KC : nb;
            size_t m0 = 0;
            for (; m0 + MR <= a->M; m0 += MR)
                micro(a, MR, m0, bpg, pw, swg, c0, c1, out, ldo, n, k0, k1);
            switch (a->M - m0) {
            case 5: micro(a, 5, m0, bpg, pw, swg, c0, c1, out, ldo, n, k0, k1); break;
            case 4: micro(a, 4, m0, bpg, pw, swg, c0, c1, out, ldo, n, k0, k1); break;
            case 3: micro(a, 3, m0, bpg, pw, swg, c0, c1, out, ldo, n, k0, k1); break;
            case 2: micro(a, 2, m0, bpg, pw, swg, c0, c1, out, ldo, n, k0, k1); break;
            case 1: micro(a, 1, m0, bpg, pw, swg, c0, c1, out, ldo, n, k0, k1); break;
            default: break;
            }
        }
        zero_points(a, swzp, out, ldo, n, k0, k1);
    }
}
