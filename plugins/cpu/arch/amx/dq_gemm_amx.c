/*
 * arch/amx/dq_gemm_amx.c - AMX GEMM of the dynamic-quantization linear path (see
 * kernels/matmul/dq.h for the formula and layouts). Entered only when cpu_isa_active() >=
 * CPU_ISA_AMX (the OS has granted this process the tile data state, arch/isa.c).
 *
 * Weights: the AVX-512 GEMM's packed panel (cpu_dq_pack_panel512), whose block of 8 steps x
 * [32 rows][4 k] u8 values is, for each half of 16 rows, exactly an AMX B tile: 8 rows (k / 4) of
 * 64 bytes ([16 outputs][4 k]) at a stride of 128 bytes. Activations: a->qp in 16-row groups
 * (cpu_dq_act), so one A tile (16 rows x one 32-block) is 512 contiguous bytes (8 whole lines;
 * from a->q at a stride of K it would be 16 half-used lines; measured the same speed, but the
 * padded groups need no tail copy). tdpbsud (s8 x u8 -> s32) forms the 16 x 16 block dots of one
 * block in a C tile.
 *
 * Units: the int32 dots can run on only while both scales stay the same, i.e. over a run of
 * gcd(activation group, weight group) / 32 blocks. Where that run is a multiple of 64 k
 * (cpu_dq_amx_qp_unit: a->qp_unit 64), the tiles are configured 64 bytes deep (A 16 x 64, B 16
 * rows: one block's 8 steps, then the next one's, at the same 128-byte stride) and a unit is the
 * whole run; else (the default activation group 32) a unit is one block of 32 k. Per unit the C
 * tile is stored (1 KiB, stays in L1) and folded into 16 float accumulators in registers,
 * f[j] += cvt(c[j]) * (sw[g] * sa[j][b]) (load, cvt, mul, fma per row). Units go in pairs through
 * C tiles 0 and 1 (A / B tiles 2, 3 and 4, 5), and the vector units fold the previous pair
 * (stored in the other of two buffer pairs) while the tile unit computes the next (folding each
 * pair right after its own tile store measured 25 % slower). After the last unit the zero-point
 * term sum_g sw * zp' * zs is subtracted in registers and the 16 rows are stored (masked for a
 * short panel half). Micro-tile: 16 activation rows x 16 outputs; the loop over row groups runs
 * inside each half panel, so the half panel (16 x K bytes) stays in L1 / L2 while every row
 * group passes over it.
 *
 * Where the time goes with 32-k units: tdpbsud takes ~4.5 ns for 16 x 16 x 32 MACs whether K is
 * 32 or 64, but per block the tile unit also loads 1 KiB (A, B) and stores 1 KiB (C), ~17 ns per
 * block alone in a microbenchmark, and the fold (~48 vector uops) adds to that rather than
 * overlapping it (docs/PERF.md "AMX GEMM"); the 64-k units of activation group 128 run 1.7x
 * faster.
 *
 * The last row group may be short: its A tiles still have 16 rows (qp's zero padding rows), sa
 * and zs have zeroed rows for them (linear_dq.c), and their results are not stored.
 *
 * The tile configuration is loaded at entry and released at exit (tilerelease), so a thread
 * holds no tile state between calls. Reentrant, no allocation; writes only out[m * ldo + n] for n
 * in [n0, n1).
 */
#include <immintrin.h>
#include <string.h>

#include "kernels/matmul/dq.h"
#include "arch/avx512/lanes512.h"
#include "tilecfg.h"

#define NR CPU_DQ_PANEL512                 /* W rows per panel (two B tiles of 16 outputs) */
#define MT CPU_DQ_AMX_ROWS                 /* activation rows per A / C tile */
#define PANEL_BLOCK (NR * CPU_DQ_BLOCK)    /* panel bytes per 32-block */

/* The tile configuration (palette 1): C tiles 0, 1 (16 rows x 16 int32), A tiles 2, 4 (16 rows x
 * kb s8), B tiles 3, 5 (kb / 4 rows x 64 u8); kb = 32 (one block per tdpbsud) or 64 (two). */
static void load_config(int kb)
{
    cpu_amx_cfg c;
    cpu_amx_cfg_init(&c);
    for (int t = 0; t < 2; t++) {
        cpu_amx_cfg_tile(&c, t, MT, 64);
        cpu_amx_cfg_tile(&c, 2 + 2 * t, MT, (unsigned)kb);
        cpu_amx_cfg_tile(&c, 3 + 2 * t, (unsigned)kb / 4, 64);
    }
    _tile_loadconfig(&c);
}

/* f[j] += cvt(c[j]) * (sw * sa[j * lds]) for the 16 rows of a stored C tile. */
static inline __attribute__((always_inline)) void fold(const int32_t *c, __m512 sw,
                                                       const float *sa, size_t lds, __m512 f[MT])
{
#pragma GCC unroll 16
    for (int j = 0; j < MT; j++) {
        const __m512 d = _mm512_cvtepi32_ps(_mm512_load_si512(c + j * 16));
        f[j] = _mm512_fmadd_ps(d, _mm512_mul_ps(sw, _mm512_set1_ps(sa[j * lds])), f[j]);
    }
}

/* One unit (lu blocks from block b) into C tile tc from A tile ta and B tile tb (literal tile
 * numbers): one tdpbsud per block (kb 32) or per block pair (kb 64), accumulated in the tile. The
 * A tiles of block b start at aq + b * 512 either way (qp_unit 32: [b][16][32]; 64: [b / 2][16][64])
 * and the B tiles at pb + b * PANEL_BLOCK, with a stride of 128 (a block's 8 steps, then the next
 * block's 8: 16 rows of one kb-64 tile). */
#define UNIT_DOT(tc, ta, tb, b, lu, kb)                                                            \
    do {                                                                                           \
        _tile_zero(tc);                                                                            \
        for (size_t bb = (b); bb < (b) + (lu); bb += (kb) / CPU_DQ_BLOCK) {                        \
            _tile_loadd(ta, aq + bb * MT * CPU_DQ_BLOCK, (long)(kb));                              \
            _tile_loadd(tb, pb + bb * PANEL_BLOCK, 2 * 64);                                        \
            _tile_dpbsud(tc, ta, tb);                                                              \
        }                                                                                          \
    } while (0)

/* out[j * ldo + (0 .. 16)] for j < rows: 16 activation rows (A tiles at aq, 512 bytes per block;
 * their block scales sa [16][nb], zero-point sums zs [16][ngw]) times one half panel (B tiles at
 * pb, its group scales swg and sw * zp' swzp, stride NR floats); k masks the outputs. The int32
 * dots run on over units of lu blocks (1, or an even run inside one activation group and one
 * weight group, kb 64) and are folded once per unit. */
static void micro(const int8_t *aq, const float *sa, const float *zs, size_t nb, size_t ngw,
                  size_t bpg, size_t lu, int kb, const uint8_t *pb, const float *swg,
                  const float *swzp, float *out, size_t ldo, size_t rows, __mmask16 k)
{
    int32_t c[2][2][MT * 16] __attribute__((aligned(64))); /* two pairs of stored C tiles */
    __m512 f[MT];
#pragma GCC unroll 16
    for (int j = 0; j < MT; j++)
        f[j] = _mm512_setzero_ps();
    const float *sw = swg; /* the next folded unit's group scales, stepped without a division */
    size_t left = bpg;     /* blocks of that group from the next folded unit on */
#define FOLD(buf, blk)                                                                             \
    do {                                                                                           \
        fold((buf), _mm512_loadu_ps(sw), sa + (blk), nb, f);                                      \
        if ((left -= lu) == 0) {                                                                   \
            sw += NR;                                                                              \
            left = bpg;                                                                            \
        }                                                                                          \
    } while (0)
    /* Pairs of units: the tile unit computes pair p while the vector units fold pair p - 1 from
     * the buffers stored one pass earlier (a fold right after its own tile store waits for the
     * dot, the store and the reload in turn: measured 25 % slower). */
    size_t b = 0, p = 0;
    const size_t l2 = 2 * lu;
    for (; b + l2 <= nb; b += l2, p ^= 1) {
        UNIT_DOT(0, 2, 3, b, lu, kb);
        UNIT_DOT(1, 4, 5, b + lu, lu, kb);
        if (b > 0) {
            FOLD(c[p ^ 1][0], b - l2);
            FOLD(c[p ^ 1][1], b - lu);
        }
        _tile_stored(0, c[p][0], 64);
        _tile_stored(1, c[p][1], 64);
    }
    if (b < nb) /* an odd number of units: the last one */
        UNIT_DOT(0, 2, 3, b, lu, kb);
    if (b > 0) {
        FOLD(c[p ^ 1][0], b - l2);
        FOLD(c[p ^ 1][1], b - lu);
    }
    if (b < nb) {
        _tile_stored(0, c[p][0], 64);
        FOLD(c[p][0], b);
    }
#undef FOLD
    for (size_t g = 0; g < ngw; g++) {
        const __m512 z = _mm512_loadu_ps(swzp + g * NR);
#pragma GCC unroll 16
        for (size_t j = 0; j < MT; j++)
            f[j] = _mm512_fnmadd_ps(z, _mm512_set1_ps(zs[j * ngw + g]), f[j]);
    }
#pragma GCC unroll 16
    for (size_t j = 0; j < MT; j++)
        if (j < rows)
            _mm512_mask_storeu_ps(out + j * ldo, k, f[j]);
}

void cpu_dq_rows_amx(const cpu_dq_act *a, const cpu_dq_w *w, size_t n0, size_t n1, float *out,
                     size_t ldo, float *pbuf)
{
    const size_t unit = cpu_dq_amx_qp_unit(a->ga, w->G);
    if (a->zs == NULL || a->qp == NULL || a->qp_rows != MT || a->qp_unit != unit) {
        cpu_dq_rows_avx2(a, w, n0, n1, out, ldo, pbuf); /* linear_dq.c fills them */
        return;
    }
    const size_t K = a->K, M = a->M, nb = a->nb, ngw = w->ngw, bpg = w->G / CPU_DQ_BLOCK;
    /* units: single blocks, or the runs of blocks sharing both scales when they are even */
    const int kb = (int)unit;
    const size_t lu = kb == CPU_DQ_BLOCK ? 1 : cpu_dq_gcd(a->ga, w->G) / CPU_DQ_BLOCK;
    uint8_t *pw = (uint8_t *)pbuf; /* K * 32 bytes, then the parameters */
    float *swg = pbuf + nb * PANEL_BLOCK / sizeof(float), *swzp = swg + ngw * NR;
    float *tmp = swzp + ngw * NR;
    load_config(kb);
    for (size_t n = n0; n < n1; n += NR) {
        const size_t nr = n1 - n < NR ? n1 - n : NR;
        cpu_dq_pack_panel512(w, n, nr, pw, swg, swzp, tmp);
        for (size_t h = 0; h * 16 < nr; h++) {
            const __mmask16 k = cpu_avx512_lanes(nr - h * 16);
            for (size_t m0 = 0; m0 < M; m0 += MT)
                micro(a->qp + m0 * K, a->sa + m0 * nb, a->zs + m0 * ngw, nb, ngw, bpg,
                      lu, kb, pw + h * 64, swg + h * 16, swzp + h * 16,
                      out + m0 * ldo + n + h * 16, ldo, M - m0 < MT ? M - m0 : MT, k);
        }
    }
    _tile_release();
}
