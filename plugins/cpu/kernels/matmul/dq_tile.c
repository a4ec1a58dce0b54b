/*
 * kernels/matmul/dq_tile.c - the tiled weight layout of the dynamic-quantization path (dq.h):
 * compile-time copies of compressed [N, K] weights with the rows of each tile unit-interleaved.
 * cpu_dq_tile_rows_copy is reentrant and allocation-free; cpu_dq_tiled_new allocates the copy and
 * its tile parameters.
 */
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/mman.h>
#endif

#include "dq.h"

#define HUGE_PAGE ((size_t)2 << 20)

void cpu_dq_tile_rows_copy(const uint8_t *src, int bits, uint8_t xor_mask, size_t N, size_t K,
                           size_t n0, size_t n1, uint8_t *dst)
{
    const size_t T = (size_t)cpu_dq_tile_rows(bits), rb = bits == 8 ? K : K / 2, units = rb / 32;
    for (size_t s = n0; s < n1 && s < N; s += T) {
        size_t t = N - s < T ? N - s : T;
        const uint8_t *in = src + s * rb;
        uint8_t *out = dst + s * rb;
        for (size_t u = 0; u < units; u++)
            for (size_t r = 0; r < t; r++) {
                uint8_t *o = out + (u * t + r) * 32;
                const uint8_t *i = in + r * rb + u * 32;
                for (size_t k = 0; k < 32; k++)
                    o[k] = i[k] ^ xor_mask;
            }
    }
}

/* Row n's zero point of group g in the unsigned domain of the tile parameters (dq.h), the value
 * cpu_dq_row_params maps (+ 128 for 8-bit); only for cpu_dq_tparams_ok weights. */
static uint8_t tile_zp(const cpu_dq_w *w, size_t n, size_t g)
{
    size_t i = n * w->ngw + g;
    if (!w->has_zp)
        return 128; /* I8 */
    if (w->zps == NULL)
        return 8; /* I4 (and cpu_dq_row_params' 8 for any missing array) */
    if (w->zp_type == GRT_U4)
        return (((const uint8_t *)w->zps)[i >> 1] >> ((i & 1) * 4)) & 0xf;
    return ((const uint8_t *)w->zps)[i];
}

/* Tile parameters (dq.h) of the tiles of rows [n0, n1) of w, n0 a multiple of T, into tp. */
static void tile_params(const cpu_dq_w *w, size_t n0, size_t n1, uint8_t *tp)
{
    const size_t T = (size_t)cpu_dq_tile_rows(w->bits), ngw = w->ngw;
    for (size_t s = n0; s < n1 && s < w->N; s += T) {
        uint8_t *blk = tp + s * ngw * 3;
        uint16_t *ts = (uint16_t *)blk;
        uint8_t *tz = blk + T * ngw * 2;
        memset(blk, 0, T * ngw * 3);
        for (size_t r = 0; r < T && s + r < w->N; r++) {
            const uint16_t *src = (const uint16_t *)w->scales + (s + r) * ngw;
            for (size_t g = 0; g < ngw; g++) {
                ts[g * T + r] = src[g];
                tz[g * T + r] = tile_zp(w, s + r, g);
            }
        }
    }
}

typedef struct tile_job {
    const cpu_dq_w *w;
    uint8_t *dst, *tp; /* tp: the tile parameters or NULL */
} tile_job;

static void tile_range(void *arg, size_t begin, size_t end)
{
    const tile_job *j = arg;
    const cpu_dq_w *w = j->w;
    size_t T = (size_t)cpu_dq_tile_rows(w->bits);
    cpu_dq_tile_rows_copy(w->data, w->bits, w->xor_mask, w->N, w->K, begin * T, end * T, j->dst);
    if (j->tp != NULL)
        tile_params(w, begin * T, end * T, j->tp);
}

uint8_t *cpu_dq_tiled_new(const cpu_dq_w *w, cpu_pool *pool)
{
    size_t rb = cpu_dq_row_bytes(w), N = w->N, bytes = N * rb;
    if (w->tile != 0 || !cpu_dq_tileable(w->bits, w->K) || N == 0 || bytes / N != rb)
        return NULL;
    size_t tpb = cpu_dq_tparams_bytes(w), all = bytes + tpb;
    void *p = NULL;
    if (all >= HUGE_PAGE) {
        if (posix_memalign(&p, HUGE_PAGE, all) != 0)
            return NULL;
#ifdef MADV_HUGEPAGE
        madvise(p, all - all % HUGE_PAGE, MADV_HUGEPAGE); /* a hint: failure is harmless */
#endif
    } else if (posix_memalign(&p, 64, all) != 0) {
        return NULL;
    }
    size_t T = (size_t)cpu_dq_tile_rows(w->bits);
    tile_job j = {w, p, tpb ? (uint8_t *)p + bytes : NULL};
    cpu_parallel_for(pool, (N + T - 1) / T, 64, tile_range, &j);
    return p;
}

void cpu_dq_tiled_view(cpu_dq_w *w, const uint8_t *tiled)
{
    int ok = cpu_dq_tparams_ok(w);
    w->data = tiled;
    w->tile = cpu_dq_tile_rows(w->bits);
    w->xor_mask = 0; /* it holds mapped values */
    w->tparams = ok ? tiled + w->N * cpu_dq_row_bytes(w) : NULL;
}

void cpu_dq_tiled_free(uint8_t *p)
{
    free(p);
}
