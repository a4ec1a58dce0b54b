/*
 * passes/compress_internal.h - core-private pieces of weight compression (genrt/compress.h):
 * the group quantizer (compress_quant.c) and the mixed-precision selection, exposed for the pass
 * (compress.c) and for unit tests, and the parallel loop the pass runs them in. Pure functions on
 * caller-owned buffers; reentrant.
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
/* The same with caller-given per-group scales scale_in[rows * cols / group] (NULL = the default
 * ones): sym q = clamp(round(w/s)), asym z = clamp(-round(min(min, 0)/s)), both with s rounded to f16. */
void grt_cq_quantize_scaled(const float *w, int64_t rows, int64_t cols, int64_t group, int bits, int sym,
                            const float *scale_in, uint8_t *q, uint16_t *scales, uint8_t *zp);
/* Quantize-dequantize w into out (same layout), scales as in grt_cq_quantize_scaled. */
void grt_cq_fake_quant(const float *w, int64_t rows, int64_t cols, int64_t group, int bits, int sym,
                       const float *scale_in, float *out);
/* Default (f32, not yet f16-rounded) scale of the group x[n]. */
float grt_cq_group_scale(const float *x, int64_t n, int bits, int sym);
/* Quantizes the group x[n] with scale s (rounded to f16 first; returned as f16 bits): codes packed
 * into q at index qbase (q may be NULL), the zero point into *zp (asym; may be NULL), dequantized
 * values into dq[n] (may be NULL). */
uint16_t grt_cq_group_quant(const float *x, int64_t n, int bits, int sym, float s, uint8_t *q, int64_t qbase,
                            int *zp, float *dq);
/* Inverse: out[rows][cols] = (q - z) * s. */
void grt_cq_dequantize(const uint8_t *q, const uint16_t *scales, const uint8_t *zp, int64_t rows,
                       int64_t cols, int64_t group, int bits, int sym, float *out);
/* NNCF's data-free sensitivity (WEIGHT_QUANTIZATION_ERROR): the max over rows of the mean squared
 * error of INT8_ASYM per-channel quantization. -1 on allocation failure. */
double grt_cq_int8_error(const float *w, int64_t rows, int64_t cols);
/* The same, and *frob (may be NULL) = Frobenius norm of the INT8_ASYM error (NNCF's HAWQ weight
 * term). */
double grt_cq_int8_error_frob(const float *w, int64_t rows, int64_t cols, double *frob);
/* Ratio assignment by ascending score (NNCF: lowest sensitivity score to 4-bit first), same rule
 * as below. */
int grt_cq_select_scores(const double *score, const int64_t *numel, size_t n, double ratio, int *is4);
/* Ratio assignment as NNCF does it: layers sorted by score 1/(err+eps) ascending (largest error
 * first, ties by index) go to 4-bit while (weights in 4-bit incl. this one)/total < ratio; ratio 1
 * puts every layer in 4-bit. is4[n] receives 0/1. Returns 0, -1 on allocation failure. */
int grt_cq_select(const double *err, const int64_t *numel, size_t n, double ratio, int *is4);

/* Runs fn(ctx, i) for every i in [0, n) on up to grt_cq_set_threads' count of threads (the
 * caller's included), in no particular order; each call must touch only its own outputs. Returns
 * when all are done (compress_parallel.c). */
void grt_cq_parallel(size_t n, void (*fn)(void *ctx, size_t i), void *ctx);
/* Thread count of grt_cq_parallel for the whole process: 0 (default) = one per online CPU. For
 * tests and tools; not to be called while a compression runs. */
void grt_cq_set_threads(int n);

#endif
