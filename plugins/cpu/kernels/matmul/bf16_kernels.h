/*
 * kernels/matmul/bf16_kernels.h - the AMX-BF16 kernels behind cpu_linear_bf16 (linear_bf16.c):
 * out[M, N] = A[M, K] x W[N, K]^T with A and W rounded to bf16 and products summed in f32 by
 * tdpbf16ps (INFERENCE_PRECISION_HINT bf16; compressed weights in place of the int8 GEMM). Only
 * when cpu_isa_has_amx_bf16() (arch/isa.h); implemented in arch/amx/bf16_gemm_amx.c.
 *
 * Layouts (K a multiple of 32; a "block" is 32 consecutive k):
 *   activations: bf16 rows [Mp][lda] (Mp = M rounded up to 16, rows past M zero), so an AMX A tile
 *     (16 rows x one block) is 16 rows of 64 bytes at a stride of lda * 2 bytes. With perm4 each
 *     block holds its 16 even k first, then its 16 odd k (the order of 4-bit weight panels).
 *   W panel: CPU_BF16_NR rows of W as [K / 32 blocks][2 halves][16 k pairs][16 rows][2] bf16:
 *     per block, two AMX B tiles (rows [0, 16) and [16, 32) of the panel), 1 KiB each; rows of
 *     the panel past the weight's end are zero.
 * Everything is reentrant and allocation-free; tile state is configured on entry to
 * cpu_amx_bf16_gemm and released before it returns.
 */
#ifndef GENRT_CPU_BF16_KERNELS_H
#define GENRT_CPU_BF16_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "fp_kernels.h"

#define CPU_BF16_NR 32                     /* W rows per panel */
#define CPU_BF16_MR 16                     /* activation rows per A tile */
#define CPU_BF16_PANEL_BLOCK (CPU_BF16_NR * 32) /* bf16 values of a panel per block */

#ifdef GENRT_CPU_X86
/* dst rows [0, 16) (row stride ldd values) = bf16 of a rows [0, rows) (row stride lda floats),
 * K values each (K % 32 == 0), blocks permuted with perm4; rows [rows, 16) zero. */
void cpu_amx_bf16_act(const float *a, size_t lda, size_t rows, size_t K, int perm4, uint16_t *dst,
                      size_t ldd);
/* The W panel (layout above) from the dynamic-quantization GEMM's panel cpu_dq_pack_panel512:
 * pw [nb][8 steps][32 rows][4] u8, value = u * swg[g][r] - swzp[g][r] for block b in weight group
 * g = b / bpg (swg, swzp: [ngw][32]). Its k order is the one of pw (4-bit: blocks permuted). */
void cpu_amx_bf16_panel_dq(const uint8_t *pw, const float *swg, const float *swzp, size_t nb,
                           size_t bpg, uint16_t *pt);
/* The W panel of rows [n, n + nr) (nr <= CPU_BF16_NR) of a plain f32 / f16 / bf16 w (natural k
 * order); tmp: 16 * 16 uint32 scratch. */
void cpu_amx_bf16_panel_fp(const cpu_fpw *w, size_t n, size_t nr, uint16_t *pt, uint32_t *tmp);
/* out[m, j] = sum_k act[m, k] * panel_p[j, k] for m < M, the np panels at pt (each nb * 1024
 * values apart) and j < nvalid outputs of them (the last panel may be short); act: rows of lda
 * values in the layout above, rows up to M rounded to 16 readable. Output row stride ldo. */
void cpu_amx_bf16_gemm(const uint16_t *act, size_t lda, size_t M, const uint16_t *pt, size_t nb,
                       size_t np, size_t nvalid, float *out, size_t ldo);
#endif

#endif
