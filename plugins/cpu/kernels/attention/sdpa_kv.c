/*
 * kernels/attention/sdpa_kv.c - encoding and scalar decoding of KV-cache rows (see sdpa_kv.h).
 */
#include "sdpa_kv.h"

#include <math.h>
#include <string.h>

#include "../fp16.h"
#include "../kutil.h"

void cpu_kv_format_init(cpu_kv_format *f, grt_element_type storage, size_t D, int64_t dq_group)
{
    f->storage = storage;
    f->group = 0;
    if (storage != GRT_U8) {
        f->row_bytes = D * cpu_elem_size(storage);
        return;
    }
    size_t g = D ? D : 1;
    if (dq_group > 0 && D % (size_t)dq_group == 0)
        g = (size_t)dq_group;
    else if (D % 32 == 0)
        g = 32;
    f->group = (uint32_t)g;
    f->row_bytes = (D + g - 1) / g * 4 + D;
}

void cpu_kv_encode_row(const cpu_kv_format *f, const float *x, size_t D, void *row)
{
    if (f->storage != GRT_U8) {
        cpu_store_row(f->storage, row, 0, D, x);
        return;
    }
    size_t G = f->group, ng = (D + G - 1) / G;
    uint16_t *par = row;
    uint8_t *q = (uint8_t *)row + ng * 4;
    for (size_t g = 0; g < ng; g++) {
        size_t b = g * G, n = D - b < G ? D - b : G;
        float mn = x[b], mx = x[b];
        for (size_t i = 1; i < n; i++) {
            mn = x[b + i] < mn ? x[b + i] : mn;
            mx = x[b + i] > mx ? x[b + i] : mx;
        }
        /* The stored (f16) parameters are the ones the codes are computed against. */
        uint16_t hs = cpu_f32_to_f16((mx - mn) / 255.0f), hm = cpu_f32_to_f16(mn);
        float s = cpu_f16_to_f32(hs), m = cpu_f16_to_f32(hm);
        float inv = s > 0.0f ? 1.0f / s : 0.0f;
        memcpy(par + 2 * g, &hs, 2);
        memcpy(par + 2 * g + 1, &hm, 2);
        for (size_t i = 0; i < n; i++) {
            float c = nearbyintf((x[b + i] - m) * inv);
            q[b + i] = (uint8_t)(c < 0.0f ? 0.0f : c > 255.0f ? 255.0f : c);
        }
    }
}

void cpu_kv_decode_u8_row(const cpu_kv_format *f, const uint8_t *row, size_t D, float *dst)
{
    size_t G = f->group, ng = (D + G - 1) / G;
    const uint8_t *q = row + ng * 4;
    for (size_t g = 0; g < ng; g++) {
        uint16_t hs, hm;
        memcpy(&hs, row + 4 * g, 2);
        memcpy(&hm, row + 4 * g + 2, 2);
        float s = cpu_f16_to_f32(hs), m = cpu_f16_to_f32(hm);
        size_t b = g * G, n = D - b < G ? D - b : G;
        for (size_t i = 0; i < n; i++)
            dst[b + i] = (float)q[b + i] * s + m;
    }
}

void cpu_kv_decode_rows(const cpu_kv_format *f, cpu_isa isa, const void *rows, size_t n, size_t D,
                        float *dst)
{
#if defined(GENRT_CPU_X86)
    if (isa >= CPU_ISA_AVX2) {
        cpu_kv_decode_rows_avx2(f, rows, n, D, dst);
        return;
    }
#else
    (void)isa;
#endif
    if (f->storage != GRT_U8) {
        cpu_load_row(f->storage, rows, 0, n * D, dst);
        return;
    }
    for (size_t r = 0; r < n; r++)
        cpu_kv_decode_u8_row(f, (const uint8_t *)rows + r * f->row_bytes, D, dst + r * D);
}
