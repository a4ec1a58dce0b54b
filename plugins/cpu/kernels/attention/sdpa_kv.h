/*
 * kernels/attention/sdpa_kv.h - rows of a KV cache kept in a storage precision (cpu_kv_format,
 * kernels/kernel.h): the row layout, encoding (exec/state.c, at append / state_set) and decoding
 * (SDPA tiles, state_get, dense copies for other consumers).
 *
 * F16 / BF16 rows: D values. U8 rows (asymmetric, per group of G values along the row): first
 * ceil(D / G) pairs of f16 (scale, min), then D u8 codes; value = code * scale + min, with
 * scale = (max - min) / 255 of the group (0 for a constant group).
 *
 * Threading: pure functions on caller memory; reentrant.
 */
#ifndef GENRT_CPU_SDPA_KV_H
#define GENRT_CPU_SDPA_KV_H

#include "../../arch/isa.h"
#include "../kernel.h"

/* Fills *f for rows of D values stored as `storage` (F16, BF16 or U8). U8 group: dq_group when
 * it is > 0 and divides D, else 32 when it divides D, else D. */
void cpu_kv_format_init(cpu_kv_format *f, grt_element_type storage, size_t D, int64_t dq_group);

/* Encodes the D floats x into one row (f->row_bytes bytes at row). */
void cpu_kv_encode_row(const cpu_kv_format *f, const float *x, size_t D, void *row);

/* Decodes n consecutive rows (n * f->row_bytes bytes) into dst [n, D], using the best code path
 * not above `isa`. */
void cpu_kv_decode_rows(const cpu_kv_format *f, cpu_isa isa, const void *rows, size_t n, size_t D,
                        float *dst);

/* Scalar decoding of one U8 row (also the tail of the SIMD paths). */
void cpu_kv_decode_u8_row(const cpu_kv_format *f, const uint8_t *row, size_t D, float *dst);

#if defined(GENRT_CPU_X86)
/* arch/avx2/sdpa_avx2.c: decode n rows of F16 / BF16 / U8 storage. */
void cpu_kv_decode_rows_avx2(const cpu_kv_format *f, const void *rows, size_t n, size_t D,
                             float *dst);
#endif

#endif
