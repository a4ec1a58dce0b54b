/*
 * kernels/matmul/dq.h - shared pieces of the dynamic-quantization linear path (linear_dq.c):
 * out[M, N] = A[M, K] x W[N, K]^T with W a compressed int8/int4 constant and A quantized to int8
 * per group of DYNAMIC_QUANTIZATION_GROUP_SIZE along K.
 *
 * Work unit: a block of 32 consecutive k (CPU_DQ_BLOCK). Every activation group and weight group
 * is a whole number of blocks, so each block has one activation scale sa and one weight scale sw
 * (and zero point zp). Per block the kernels form the exact int32 dot of the stored values, then
 *   out[m, n] = sum_g sw[n,g] * (sum_{b in g} sa[m,b] * dot[m,n,b] - zp[n,g] * zs[m,g])
 * with zs[m,g] = sum_{b in g} sa[m,b] * sum(qa[m, block b]) (weight group g), so zero points cost
 * one multiply-add per weight group. Stored weight values are first mapped so that 8-bit values are
 * s8 (U8: v ^ 0x80, zp - 128) and 4-bit values are u4 (I4: v ^ 8, zp = 8): one xor per byte.
 *
 * Activation layout: int8 rows [M][K]; for 4-bit weights each 32-block is stored permuted, its 16
 * even elements first, then its 16 odd ones, matching the low / high nibbles of the 16 weight bytes.
 *
 * Weight layouts (cpu_dq_w.tile). Row-major (tile 0): the compressed constant as stored, row n at
 * n * row_bytes. Tiled (tile T > 0, a copy built once at compile time by cpu_dq_tiled_new): rows are
 * grouped in tiles of T (the last tile may be shorter, t = N - tile start rows) and each tile is
 * stored unit-interleaved: a unit is 32 bytes of one row (8-bit: one 32-block; 4-bit: two 32-blocks,
 * a pair), and the tile holds unit 0 of its t rows, then unit 1 of its t rows, ... So a decode GEMV
 * that walks a tile reads one sequential stream instead of T streams one row apart, which the
 * memory system serves at close to its read bandwidth (docs/PERF.md "Tiled weights"). The tile
 * of rows [s, s + t) occupies the same bytes [s * row_bytes, (s + t) * row_bytes) as in row-major
 * order; cpu_dq_block() addresses a block in either layout. The tiled copy holds the mapped values
 * (the xor above already applied, so kernels reading it use xor_mask 0). Scales and zero points
 * stay [N][ngw]; when cpu_dq_tparams_ok(), the same allocation also holds them per tile (tile
 * parameters, after the tiled bytes: cpu_dq_w.tparams), in the order a GEMV walks a tile:
 *   tile i (rows [i*T, i*T + T), rows past N zero) at tparams + i * ngw * T * 3 bytes:
 *   [ngw][T] f16 scales, then [ngw][T] u8 zero points in the unsigned domain of the VNNI kernels
 *   (8-bit: the stored U8 zero point, 128 for I8; 4-bit: the u4 zero point, 8 for I4),
 * so one group's scales and zero points of all T rows are one short vector, with no transpose and
 * no per-row work per tile (docs/PERF.md "Tile parameters").
 *
 * Threading: cpu_dq_act is built once per call and then only read; the row kernels write disjoint
 * output columns [n0, n1) and are reentrant. Nothing here allocates; callers pass scratch.
 */
#ifndef GENRT_CPU_MATMUL_DQ_H
#define GENRT_CPU_MATMUL_DQ_H

#include <stddef.h>
#include <stdint.h>

#include <genrt/types.h>

#include "../../arch/isa.h"
#include "../../threads/pool.h"

#define CPU_DQ_BLOCK 32

/* Activations quantized for one call (storage owned by the caller's scratch). */
typedef struct cpu_dq_act {
    size_t M, K, nb;  /* nb = K / CPU_DQ_BLOCK */
    size_t ngw;       /* weight groups per row (zs columns) */
    size_t ga;        /* activation group (DYNAMIC_QUANTIZATION_GROUP_SIZE); 0 = unknown */
    int perm4;        /* blocks stored even-then-odd (4-bit weights) */
    int8_t *q;        /* [M][K] values in [-127, 127] */
    float *sa;        /* [M][nb] scale of each block's activation group */
    int8_t *qp;       /* NULL, or q again in a GEMM's row-group order: groups of qp_rows rows,
                       * [M / qp_rows rounded up][K / qp_unit][qp_rows][qp_unit] values (qp_unit 4, 32 or 64); the
                       * AVX-512 GEMM: 6 rows (CPU_DQ_MR512) x 4 values (a vpdpbusd step), the
                       * AMX GEMM: 16 rows (CPU_DQ_AMX_ROWS) x 32 or 64 values (one A tile per
                       * block or block pair, 512 or 1024 contiguous bytes). Rows past M in the last group are zero. */
    size_t qp_rows, qp_unit;
    float *zs;        /* [M][ngw] (see above); filled when the weight has zero points and for
                       * every 8-bit weight on the AVX-512 kernels (cpu_dq_act_needs_zs).
                       * For the AMX GEMM sa and zs have rows up to M rounded up to 16, the rows
                       * past M zero (linear_dq.c) */
} cpu_dq_act;

/* Bits of the kernels' values for a compressed storage type (I8/U8: 8, I4/U4: 4; 0: not taken). */
static inline int cpu_dq_storage_bits(uint32_t storage)
{
    switch ((grt_element_type)storage) {
    case GRT_I8:
    case GRT_U8: return 8;
    case GRT_I4:
    case GRT_U4: return 4;
    default: return 0;
    }
}

/* The xor that maps stored bytes of `storage` to kernel values (see above): U8 0x80, I4 0x88. */
static inline uint8_t cpu_dq_storage_xor(uint32_t storage)
{
    return storage == GRT_U8 ? 0x80 : storage == GRT_I4 ? 0x88 : 0;
}

/* A compressed weight [N, K] seen by the kernels. */
typedef struct cpu_dq_w {
    const uint8_t *data; /* 8-bit: N*K bytes; 4-bit: N*K/2 bytes, low nibble = even element */
    int bits;            /* 8 or 4 */
    int tile;            /* 0: row-major; T > 0: tiled with T rows per tile (see above) */
    size_t N;            /* rows (the height of the last tile) */
    uint8_t xor_mask;    /* applied to every stored byte: 0x80 (U8), 0x88 (I4) or 0 */
    int has_zp;          /* zero-point correction needed (U8, U4, I4) */
    size_t K, G, ngw;    /* G = weight group (multiple of 32), ngw = K / G */
    const void *scales;  /* [N][ngw] f16 or f32 */
    int scales_f16;
    const void *zps;     /* [N][ngw] u8, u4 (packed), f16 or f32; NULL when not stored */
    uint32_t zp_type;    /* grt_element_type of zps */
    const uint8_t *tparams; /* tiled weights only: the tile parameters (see above) or NULL */
} cpu_dq_w;

/* Fills *w (row-major view: tile 0, tparams NULL) for the compressed [N, K] constant with stored
 * bytes `data` and compression c; 0 when the kernels of this path do not take it (storage type,
 * group size not a multiple of CPU_DQ_BLOCK dividing K, zero-point type). */
int cpu_dq_weight(const void *data, const grt_compression_info *c, size_t N, size_t K,
                  cpu_dq_w *w);

/* Rows per tile of the tiled layout for `bits`-bit weights: the AVX2 GEMV's tile height. */
#define CPU_DQ_TILE8 8
#define CPU_DQ_TILE4 4
static inline int cpu_dq_tile_rows(int bits)
{
    return bits == 8 ? CPU_DQ_TILE8 : CPU_DQ_TILE4;
}

/* Bytes of one W row. */
static inline size_t cpu_dq_row_bytes(const cpu_dq_w *w)
{
    return w->bits == 8 ? w->K : w->K / 2;
}

/* Row n's unit u (32 bytes, see above) and the distance in bytes from one of its units to the
 * next: in row-major order the row's own bytes, in tiled order a whole tile's unit row. */
static inline const uint8_t *cpu_dq_unit(const cpu_dq_w *w, size_t n, size_t u, size_t *stride)
{
    if (w->tile == 0) {
        *stride = 32;
        return w->data + n * cpu_dq_row_bytes(w) + u * 32;
    }
    size_t T = (size_t)w->tile, s = n - n % T, t = w->N - s < T ? w->N - s : T;
    *stride = t * 32;
    return w->data + s * cpu_dq_row_bytes(w) + (u * t + (n - s)) * 32;
}

/* The stored bytes of row n's 32-block b (8-bit: 32 bytes; 4-bit: 16 bytes), in either layout. */
static inline const uint8_t *cpu_dq_block(const cpu_dq_w *w, size_t n, size_t b)
{
    size_t stride;
    if (w->bits == 8)
        return cpu_dq_unit(w, n, b, &stride);
    return cpu_dq_unit(w, n, b / 2, &stride) + (b % 2) * 16;
}

/* Whether the tiled layout applies to a [N, K] weight of `bits` bits: K a whole number of units. */
static inline int cpu_dq_tileable(int bits, size_t K)
{
    return K > 0 && K % (bits == 8 ? 32 : 64) == 0;
}

/* Splits rows [n0, n1) of a weight with tiles of T rows at the whole tiles: [n0, *t0) before the
 * first whole tile, [*t0, *t1) whole tiles, [*t1, n1) the rest (a short last tile). */
static inline void cpu_dq_tile_split(size_t n0, size_t n1, size_t T, size_t *t0, size_t *t1)
{
    size_t a = (n0 + T - 1) / T * T;
    a = a < n1 ? a : n1;
    *t0 = a;
    *t1 = a + (n1 - a) / T * T;
}

/* Copies row-major stored bytes src [N][row_bytes] into dst (same size) in the tiled layout with
 * cpu_dq_tile_rows(bits) rows per tile (kernels/matmul/dq_tile.c), each byte xor-ed with
 * xor_mask. Rows [n0, n1) only, n0 a multiple of the tile height (so threads can split the work);
 * no allocation. */
void cpu_dq_tile_rows_copy(const uint8_t *src, int bits, uint8_t xor_mask, size_t N, size_t K,
                           size_t n0, size_t n1, uint8_t *dst);

/* Whether tiled copies of w carry tile parameters: f16 scales and u8 / u4 zero points (or none). */
static inline int cpu_dq_tparams_ok(const cpu_dq_w *w)
{
    return w->scales_f16 &&
           (w->zps == NULL || w->zp_type == GRT_U8 || w->zp_type == GRT_U4);
}

/* Bytes of the tile parameters of w (0 when !cpu_dq_tparams_ok). */
static inline size_t cpu_dq_tparams_bytes(const cpu_dq_w *w)
{
    size_t T = (size_t)cpu_dq_tile_rows(w->bits);
    return cpu_dq_tparams_ok(w) ? (w->N + T - 1) / T * T * w->ngw * 3 : 0;
}

/* The tile parameters of the tile whose first row is n (n % T == 0, T = w->tile): its [ngw][T] f16
 * scales and its [ngw][T] u8 zero points (w->tparams != NULL). */
static inline const uint16_t *cpu_dq_tile_scales(const cpu_dq_w *w, size_t n)
{
    return (const uint16_t *)(w->tparams + n * w->ngw * 3);
}
static inline const uint8_t *cpu_dq_tile_zps(const cpu_dq_w *w, size_t n)
{
    return w->tparams + n * w->ngw * 3 + (size_t)w->tile * w->ngw * 2;
}

/* A tiled copy of the row-major weight w (cpu_dq_weight; cpu_dq_tileable), values mapped
 * (w->xor_mask applied), followed by its tile parameters when cpu_dq_tparams_ok(w), in new memory
 * (2 MiB aligned and advised for huge pages when large); rows split over `pool` (may be NULL).
 * NULL when out of memory or not tileable. The caller owns it: cpu_dq_tiled_free(p). A kernel
 * view of it: cpu_dq_tiled_view. */
uint8_t *cpu_dq_tiled_new(const cpu_dq_w *w, cpu_pool *pool);
void cpu_dq_tiled_free(uint8_t *p);
/* Turns the row-major view w into the view of its tiled copy `tiled` (from cpu_dq_tiled_new). */
void cpu_dq_tiled_view(cpu_dq_w *w, const uint8_t *tiled);

/* Row kernel: out[m * ldo + n] for m in [0, a->M), n in [n0, n1). `pbuf` holds at least
 * cpu_dq_pbuf_floats(w) floats (the caller's per-thread scratch). */
typedef void (*cpu_dq_rows_fn)(const cpu_dq_act *a, const cpu_dq_w *w, size_t n0, size_t n1,
                               float *out, size_t ldo, float *pbuf);

/* W rows per work item when N is split over threads (a multiple of CPU_DQ_PANEL). */
#define CPU_DQ_NB 32
/* Most activation rows for which linear_dq.c takes the GEMV instead of the packing GEMM: measured
 * (bench_linear --m 4,6,8) the GEMV is ahead at 4 rows, even at 6, behind at 8 for 4-bit. */
#define CPU_DQ_GEMV_MAX_M 5
/* W rows the AVX2 GEMM unpacks at once into a panel (arch/avx2/dq_avx2.c), and the AVX-512 one
 * (arch/avx512/dq_gemm_avx512.c). */
#define CPU_DQ_PANEL 16
#define CPU_DQ_PANEL512 32
/* Activation rows per micro-tile of the AVX-512 GEMM (the row groups of cpu_dq_act.qp). */
#define CPU_DQ_MR512 6

/* Activation rows of an AMX tile (the AMX GEMM's row group). */
#define CPU_DQ_AMX_ROWS 16
/* Whether linear_dq.c takes the AMX GEMM for M activation rows and activation unit `unit`
 * (cpu_dq_amx_qp_unit). The last row group's padding costs as much as real rows. With 32-wide
 * units (a fold per block) AMX only when M >= 16 and at most an eighth of the padded rows are
 * padding: bench_linear --isa avx512|amx --m .. --w int8 --shapes 2048x5632, GOP/s, AVX-512 /
 * AMX: M 6 230 / 191, 12 399 / 370, 16 467 / 481, 17 482 / 381, 20 484 / 417, 24 566 / 497,
 * 31 591 / 593, 32 577 / 623, 40 662 / 591, 48 670 / 733, 64 765 / 841, 100 813 / 848, 128
 * 832 / 915. With 64-wide units (--dq 128) AMX from M 8: M 6 252 / 227, 8 292 / 304, 12 385 /
 * 446, 17 458 / 508, 24 547 / 702, 40 633 / 974. */
static inline int cpu_dq_amx_takes(size_t M, size_t unit)
{
    size_t Mp = (M + CPU_DQ_AMX_ROWS - 1) / CPU_DQ_AMX_ROWS * CPU_DQ_AMX_ROWS;
    if (unit == 2 * CPU_DQ_BLOCK)
        return M >= 8;
    return M >= CPU_DQ_AMX_ROWS && (Mp - M) * 8 <= Mp;
}

static inline size_t cpu_dq_gcd(size_t a, size_t b)
{
    while (b != 0) {
        size_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* The AMX GEMM's activation unit (cpu_dq_act.qp_unit) for activation group ga and weight group G:
 * 64 (two blocks per tdpbsud, the dots run on over the blocks that share both scales) when those
 * runs, gcd(ga, G), are a multiple of 64, else 32. */
static inline size_t cpu_dq_amx_qp_unit(size_t ga, size_t G)
{
    return ga > 0 && cpu_dq_gcd(ga, G) % (2 * CPU_DQ_BLOCK) == 0 ? 2 * CPU_DQ_BLOCK
                                                                 : CPU_DQ_BLOCK;
}

/* pbuf floats a row kernel needs: the larger panel (32 rows x K bytes), its per-block and
 * per-group parameters (32 floats each), and one row's sw and zp (2 * ngw). */
static inline size_t cpu_dq_pbuf_floats(const cpu_dq_w *w)
{
    return CPU_DQ_PANEL512 * w->K / 4 + CPU_DQ_PANEL512 * (w->K / CPU_DQ_BLOCK + w->ngw) +
           2 * w->ngw;
}

/* sw[g], zp[g] (g < ngw) of weight row n, zp already mapped as described above (0 when the
 * weight has no zero-point correction). */
void cpu_dq_row_params(const cpu_dq_w *w, size_t n, float *sw, float *zp);

/* One activation group: q[0..n) and *scale (n a multiple of 32), as described below. */
typedef void (*cpu_dq_group_fn)(const float *x, size_t n, int8_t *q, float *scale);
/* Reorders one 32-byte block in place: even elements first, then odd ones. */
typedef void (*cpu_dq_perm_fn)(int8_t *block);

/* Quantizes rows [m0, m1) of A [M, K] (row stride K) into act with activation group ga (a multiple
 * of 32 dividing K): scale = max|x| / 127, q = round-to-nearest-even(x * (127 / max|x|)); an
 * all-zero group gets scale 0 and q = 0. Fills q and sa, zs when zs != NULL (weight group gw) and
 * qp when qp != NULL.
 * quant / perm: the ISA's group quantizer and block permutation (cpu_dq_quant_group_scalar, ...). */
void cpu_dq_quantize_rows(const cpu_dq_act *act, const float *a, size_t m0, size_t m1, size_t ga,
                          size_t gw, cpu_dq_group_fn quant, cpu_dq_perm_fn perm);
void cpu_dq_quant_group_scalar(const float *x, size_t n, int8_t *q, float *scale);
void cpu_dq_perm_block_scalar(int8_t *block);

/* Scalar kernel (portable C, the reference). */
void cpu_dq_rows_scalar(const cpu_dq_act *a, const cpu_dq_w *w, size_t n0, size_t n1, float *out,
                        size_t ldo, float *pbuf);
#ifdef GENRT_CPU_X86
/* AVX2 GEMM over packed panels (arch/avx2/dq_avx2.c), any M: only when cpu_isa_active() >=
 * CPU_ISA_AVX2. */
void cpu_dq_rows_avx2(const cpu_dq_act *a, const cpu_dq_w *w, size_t n0, size_t n1, float *out,
                      size_t ldo, float *pbuf);
/* AVX2 decode GEMV (arch/avx2/dq_gemv_avx2.c), same contract (any M: each W tile is reused from
 * cache across the rows), chosen for M <= CPU_DQ_GEMV_MAX_M. Whole tiles of a tiled weight go to
 * cpu_dq_gemv_tiled_avx2 when its pbuf needs fit (they do for M <= CPU_DQ_GEMV_MAX_M).
 * Only for weights cpu_dq_gemv_avx2_ok() accepts (nonzero): 8-bit, or 4-bit with an even number
 * of 32-blocks per row and groups of 1 or an even number of blocks. */
void cpu_dq_gemv_avx2(const cpu_dq_act *a, const cpu_dq_w *w, size_t n0, size_t n1, float *out,
                      size_t ldo, float *pbuf);
int cpu_dq_gemv_avx2_ok(const cpu_dq_w *w);
/* The AVX2 GEMV on whole tiles of a tiled weight (arch/avx2/dq_gemv_tiled_avx2.c), called by
 * cpu_dq_gemv_avx2 for rows [n0, n1) with n0 % T == 0 and n1 % T == 0 or n1 == N (T = w->tile)
 * when the weight's xor_mask is 0. pbuf: cpu_dq_gemv_tiled_pbuf_floats(a, w) floats. */
void cpu_dq_gemv_tiled_avx2(const cpu_dq_act *a, const cpu_dq_w *w, size_t n0, size_t n1,
                            float *out, size_t ldo, float *pbuf);
size_t cpu_dq_gemv_tiled_pbuf_floats(const cpu_dq_act *a, const cpu_dq_w *w);
void cpu_dq_quant_group_avx2(const float *x, size_t n, int8_t *q, float *scale);
void cpu_dq_perm_block_avx2(int8_t *block);
/* AVX-512 VNNI decode GEMV (arch/avx512/dq_gemv_avx512.c), the contract of cpu_dq_gemv_avx2 (and
 * only for weights it accepts): whole tiles of a tiled weight run on vpdpbusd, the rest on
 * cpu_dq_gemv_avx2. Needs a->zs for every weight (cpu_dq_act_needs_zs). Only when
 * cpu_isa_active() >= CPU_ISA_AVX512. */
void cpu_dq_gemv_avx512(const cpu_dq_act *a, const cpu_dq_w *w, size_t n0, size_t n1, float *out,
                        size_t ldo, float *pbuf);
/* AVX-512 VNNI GEMM over packed panels (arch/avx512/dq_gemm_avx512.c), any M, the contract of
 * cpu_dq_rows_avx2; needs a->zs for every weight. Only when cpu_isa_active() >= CPU_ISA_AVX512. */
void cpu_dq_rows_avx512(const cpu_dq_act *a, const cpu_dq_w *w, size_t n0, size_t n1, float *out,
                        size_t ldo, float *pbuf);
/* The AVX-512 GEMM's panel of W rows [n, n + nr) (nr <= CPU_DQ_PANEL512), also the AMX GEMM's:
 * pw [nb][8 steps][32 rows][4] u8 (8-bit: s8 + 128; 4-bit: u4), swg [ngw][32] group scales, swzp
 * [ngw][32] sw * zp' (zp' = mapped zero point, + 128 for 8-bit); rows past nr are zero. tmp:
 * 2 * ngw floats. Only when cpu_isa_active() >= CPU_ISA_AVX512. */
void cpu_dq_pack_panel512(const cpu_dq_w *w, size_t n, size_t nr, uint8_t *pw, float *swg,
                          float *swzp, float *tmp);
/* AMX GEMM (arch/amx/dq_gemm_amx.c), any M, the contract of cpu_dq_rows_avx512; needs a->zs for
 * every weight and a->qp in its order (16 rows x cpu_dq_amx_qp_unit(a->ga, w->G) values, sa / zs
 * padded, see cpu_dq_act): tdpbsud on 16 x 16 tiles per 32-block, or per run of blocks sharing
 * both scales when those runs are a whole number of 64-wide steps. Only when cpu_isa_active() >=
 * CPU_ISA_AMX. */
void cpu_dq_rows_amx(const cpu_dq_act *a, const cpu_dq_w *w, size_t n0, size_t n1, float *out,
                     size_t ldo, float *pbuf);
#endif

/* Whether the activation sums zs must be filled for weight w when the kernels of `isa` run:
 * always for zero-point weights; for the rest (I8) when the AVX-512 kernels run, since vpdpbusd
 * multiplies u8 weights (s8 + 128) and removes 128 * sum(qa) afterwards. */
static inline int cpu_dq_act_needs_zs(const cpu_dq_w *w, cpu_isa isa)
{
    return w->has_zp || isa >= CPU_ISA_AVX512;
}

#endif
