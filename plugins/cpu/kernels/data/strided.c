/*
 * kernels/data/strided.c - dense copy out of a strided view (see strided.h). The innermost dim is
 * a tight loop specialised by element size; outer dims advance with an odometer.
 */
#include "strided.h"

#include <string.h>

#define COPY_ROW(T)                                                                               \
    do {                                                                                          \
        const T *s = (const T *)src + off;                                                        \
        T *d = (T *)dst + done;                                                                   \
        for (int64_t i = 0; i < n; i++)                                                           \
            d[i] = s[i * st];                                                             \
    } while (0)

void cpu_strided_copy(void *dst, const void *src, size_t es, uint32_t rank, const int64_t *dims,
                      int64_t base, const int64_t *strides)
{
    int64_t n = rank ? dims[rank - 1] : 1;
    int64_t st = rank ? strides[rank - 1] : 0;
    size_t rows = 1;
    for (uint32_t d = 0; d + 1 < rank; d++)
        rows *= (size_t)dims[d];
    if (n <= 0 || rows == 0)
        return;
    int64_t idx[8] = {0};
    int64_t off = base;
    size_t done = 0;
    for (size_t r = 0; r < rows; r++) {
        switch (es) {
        case 1: COPY_ROW(uint8_t); break;
        case 2: COPY_ROW(uint16_t); break;
        case 4: COPY_ROW(uint32_t); break;
        case 8: COPY_ROW(uint64_t); break;
        default:
            for (int64_t i = 0; i < n; i++)
                memcpy((char *)dst + (done + (size_t)i) * es,
                       (const char *)src + (size_t)(off + i * st) * es, es);
            break;
        }
        done += (size_t)n;
        for (uint32_t d = rank - 1; d-- > 0;) {
            idx[d]++;
            off += strides[d];
            if (idx[d] < dims[d])
                break;
            off -= idx[d] * strides[d];
            idx[d] = 0;
        }
    }
}
