/*
 * kernels/matmul/dq_tile.c - the tiled weight layout of the dynamic-quantization path (dq.h):
 * compile-time copies of compressed [N, K] weights with the rows of each tile unit-interleaved.
 * cpu_dq_tile_rows_copy is reentrant and allocation-free; cpu_dq_tiled_new allocates the copy.
 */
#include <stdlib.h>
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

typedef struct tile_job {
    const uint8_t *src;
    int bits;
    uint8_t xor_mask;
    size_t N, K;
    uint8_t *dst;
} tile_job;

static void tile_range(void *arg, size_t begin, size_t end)
{
    const tile_job *j = arg;
    size_t T = (size_t)cpu_dq_tile_rows(j->bits);
    cpu_dq_tile_rows_copy(j->src, j->bits, j->xor_mask, j->N, j->K, begin * T, end * T, j->dst);
}

uint8_t *cpu_dq_tiled_new(const uint8_t *src, uint32_t storage, size_t N, size_t K,
                          cpu_pool *pool)
{
    int bits = cpu_dq_storage_bits(storage);
    if (bits == 0)
        return NULL;
    size_t rb = bits == 8 ? K : K / 2, bytes = N * rb;
    if (!cpu_dq_tileable(bits, K) || N == 0 || bytes / N != rb)
        return NULL;
    void *p = NULL;
    if (bytes >= HUGE_PAGE) {
        if (posix_memalign(&p, HUGE_PAGE, bytes) != 0)
            return NULL;
#ifdef MADV_HUGEPAGE
        madvise(p, bytes - bytes % HUGE_PAGE, MADV_HUGEPAGE); /* a hint: failure is harmless */
#endif
    } else if (posix_memalign(&p, 64, bytes) != 0) {
        return NULL;
    }
    size_t T = (size_t)cpu_dq_tile_rows(bits);
    tile_job j = {src, bits, cpu_dq_storage_xor(storage), N, K, p};
    cpu_parallel_for(pool, (N + T - 1) / T, 64, tile_range, &j);
    return p;
}

void cpu_dq_tiled_free(uint8_t *p)
{
    free(p);
}
