/*
 * passes/compress_internal.h - core-private pieces of weight compression (genrt/compress.h):
 * the group quantizer (compress_quant.c) and the mixed-precision selection, exposed for the pass
 * (compress.c) and for unit tests. Pure functions on caller-owned buffers; reentrant.
 */
#ifndef GENRT_PASSES_COMPRESS_INTERNAL_H
#define GENRT_PASSES_COMPRESS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* Quantizes w[rows][cols] in groups of `group` (divides cols) along each row to `bits` (4 or 8),
 * sym or asym (see genrt/compress.h for the formulas). q: rows*cols values (int8/uint8, or packed
 * two per byte for 4 bits, low nibble first: (rows*cols+1)/2 bytes); scales: rows*cols/group f16;
 * zp (asym only, else NULL): rows*cols/group values packed like q. */
void grt_cq_quantize(const float *w, int64_t rows, int64_t cols, int64_t group, int bits, int sym,
                     uint8_t *q, uint16_t *scales, uint8_t *zp);
/* Inverse: out[rows][cols] = (q - z) * s. */
void grt_cq_dequantize(const uint8_t *q, const uint16_t *scales, const uint8_t *zp, int64_t rows,
                       int64_t cols, int64_t group, int bits, int sym, float *out);
/* NNCF's data-free sensitivity (WEIGHT_QUANTIZATION_ERROR): the max over rows of the mean squared
 * error of INT8_ASYM per-channel quantization. -1 on allocation failure. */
double grt_cq_int8_error(const float *w, int64_t rows, int64_t cols);
/* Ratio assignment as NNCF does it: layers sorted by score 1/(err+eps) ascending (largest error
 * first, ties by index) go to 4-bit while (weights in 4-bit incl. this one)/total < ratio; ratio 1
 * puts every layer in 4-bit. is4[n] receives 0/1. Returns 0, -1 on allocation failure. */
int grt_cq_select(const double *err, const int64_t *numel, size_t n, double ratio, int *is4);

#endif
