/*
 * frontends/gguf_quant.c - ggml block formats: block sizes, f16 conversion, lossless repacking of
 * Q8_0 / Q4_0 / Q4_1 blocks into GenRT compressed-constant arrays (values + scales + zero
 * points) and back, and dequantization of the other block formats (K-quants, Q5_x, Q8_1) to f32.
 * Layouts follow ggml's block structs (little-endian, f16 = IEEE half). See gguf.h.
 * Pure functions; reentrant.
 */
#include "frontends/gguf.h"

#include <math.h>
#include <string.h>

float gguf_f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
    if (exp == 0) {
        if (man == 0) {
            bits = sign;
        } else { /* subnormal */
            int e = -1;
            do {
                e++;
                man <<= 1;
            } while (!(man & 0x400));
            bits = sign | (uint32_t)(127 - 15 - e) << 23 | (man & 0x3ff) << 13;
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | man << 13;
    } else {
        bits = sign | (exp + 112) << 23 | man << 13;
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

uint16_t gguf_f32_to_f16(float f) { /* round to nearest even */
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000, a = x & 0x7fffffffu;
    if (a > 0x7f800000u) return (uint16_t)(sign | 0x7e00);        /* NaN */
    if (a >= 0x477ff000u) return (uint16_t)(sign | 0x7c00);       /* overflow -> inf */
    if (a < 0x38800000u) {                                       /* subnormal or zero */
        if (a < 0x33000000u) return (uint16_t)sign;
        uint32_t e = a >> 23, m = (a & 0x7fffff) | 0x800000, shift = 126 - e;
        uint32_t r = m >> shift, rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
        if (rem > half || (rem == half && (r & 1))) r++;
        return (uint16_t)(sign | r);
    }
    uint32_t r = a + 0xfff + ((a >> 13) & 1);
    return (uint16_t)(sign | ((r - 0x38000000u) >> 13));
}

static const struct {
    uint32_t type;
    const char *name;
    uint16_t elems, bytes;
} k_types[] = {
    {GGML_F32, "F32", 1, 4},      {GGML_F16, "F16", 1, 2},        {GGML_Q4_0, "Q4_0", 32, 18},
    {GGML_Q4_1, "Q4_1", 32, 20},  {GGML_Q5_0, "Q5_0", 32, 22},    {GGML_Q5_1, "Q5_1", 32, 24},
    {GGML_Q8_0, "Q8_0", 32, 34},  {GGML_Q8_1, "Q8_1", 32, 36},    {GGML_Q2_K, "Q2_K", 256, 84},
    {GGML_Q3_K, "Q3_K", 256, 110}, {GGML_Q4_K, "Q4_K", 256, 144}, {GGML_Q5_K, "Q5_K", 256, 176},
    {GGML_Q6_K, "Q6_K", 256, 210}, {GGML_Q8_K, "Q8_K", 256, 292}, {GGML_I8, "I8", 1, 1},
    {GGML_I16, "I16", 1, 2},      {GGML_I32, "I32", 1, 4},        {GGML_I64, "I64", 1, 8},
    {GGML_F64, "F64", 1, 8},      {GGML_BF16, "BF16", 1, 2},
};

int ggml_type_block(uint32_t type, size_t *block_elems, size_t *block_bytes) {
    for (size_t i = 0; i < sizeof k_types / sizeof k_types[0]; i++)
        if (k_types[i].type == type) {
            *block_elems = k_types[i].elems;
            *block_bytes = k_types[i].bytes;
            return 1;
        }
    return 0;
}

const char *ggml_type_name(uint32_t type) {
    for (size_t i = 0; i < sizeof k_types / sizeof k_types[0]; i++)
        if (k_types[i].type == type) return k_types[i].name;
    return "unknown";
}

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static void wr16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static float rdh(const uint8_t *p) { return gguf_f16_to_f32(rd16(p)); }

void gguf_q8_0_split(const uint8_t *blocks, size_t n, int8_t *q, uint16_t *scales) {
    for (size_t b = 0; b < n / 32; b++, blocks += 34) {
        scales[b] = rd16(blocks);
        memcpy(q + b * 32, blocks + 2, 32);
    }
}

void gguf_q8_0_join(const int8_t *q, const uint16_t *scales, size_t n, uint8_t *blocks) {
    for (size_t b = 0; b < n / 32; b++, blocks += 34) {
        wr16(blocks, scales[b]);
        memcpy(blocks + 2, q + b * 32, 32);
    }
}

/* ggml nibble j of a 16-byte block (0..31): j < 16 low nibble of byte j, else high of j - 16. */
static int ggml_nib(const uint8_t *qs, int j) { return j < 16 ? qs[j] & 0xf : qs[j - 16] >> 4; }

/* Our packing: element i of the block -> byte i/2, low nibble for even i. */
static void put_nib(uint8_t *out, int i, int v) {
    if (i & 1) out[i >> 1] = (uint8_t)((out[i >> 1] & 0x0f) | (v & 0xf) << 4);
    else out[i >> 1] = (uint8_t)((out[i >> 1] & 0xf0) | (v & 0xf));
}

void gguf_q4_0_split(const uint8_t *blocks, size_t n, uint8_t *q, uint16_t *scales) {
    for (size_t b = 0; b < n / 32; b++, blocks += 18) {
        scales[b] = rd16(blocks);
        uint8_t *o = q + b * 16;
        for (int j = 0; j < 32; j++) put_nib(o, j, ggml_nib(blocks + 2, j) - 8); /* two's complement nibble */
    }
}

void gguf_q4_0_join(const uint8_t *q, const uint16_t *scales, size_t n, uint8_t *blocks) {
    for (size_t b = 0; b < n / 32; b++, blocks += 18) {
        const uint8_t *in = q + b * 16;
        wr16(blocks, scales[b]);
        for (int j = 0; j < 16; j++) {
            int lo = ((in[j >> 1] >> ((j & 1) * 4)) & 0xf) ^ 8; /* signed nibble v -> v + 8 */
            int k = j + 16;
            int hi = ((in[k >> 1] >> ((k & 1) * 4)) & 0xf) ^ 8;
            blocks[2 + j] = (uint8_t)(lo | hi << 4);
        }
    }
}

void gguf_q4_1_split(const uint8_t *blocks, size_t n, uint8_t *q, uint16_t *scales, float *zps) {
    for (size_t b = 0; b < n / 32; b++, blocks += 20) {
        uint16_t dh = rd16(blocks), mh = rd16(blocks + 2);
        float d = gguf_f16_to_f32(dh), m = gguf_f16_to_f32(mh);
        uint8_t *o = q + b * 16;
        if (d == 0.0f) { /* every value is m: (0 - (-1)) * m */
            memset(o, 0, 16);
            scales[b] = m == 0.0f ? 0 : mh;
            zps[b] = m == 0.0f ? 0.0f : -1.0f;
            continue;
        }
        scales[b] = dh;
        zps[b] = -m / d;
        for (int j = 0; j < 32; j++) put_nib(o, j, ggml_nib(blocks + 4, j));
    }
}

void gguf_q4_1_join(const uint8_t *q, const uint16_t *scales, const float *zps, size_t n, uint8_t *blocks) {
    for (size_t b = 0; b < n / 32; b++, blocks += 20) {
        const uint8_t *in = q + b * 16;
        float s = gguf_f16_to_f32(scales[b]);
        wr16(blocks, scales[b]);
        wr16(blocks + 2, gguf_f32_to_f16(-zps[b] * s));
        for (int j = 0; j < 16; j++) {
            int k = j + 16;
            int lo = (in[j >> 1] >> ((j & 1) * 4)) & 0xf, hi = (in[k >> 1] >> ((k & 1) * 4)) & 0xf;
            blocks[4 + j] = (uint8_t)(lo | hi << 4);
        }
    }
}

/* ggml get_scale_min_k4: 6-bit scale and min j (0..7) of a Q4_K / Q5_K block. */
static void scale_min_k4(int j, const uint8_t *q, uint8_t *d, uint8_t *m) {
    if (j < 4) {
        *d = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *d = (uint8_t)((q[j + 4] & 0xf) | ((q[j - 4] >> 6) << 4));
        *m = (uint8_t)((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

static void deq_q2_k(const uint8_t *x, float *y) { /* scales[16] qs[64] d dmin */
    const uint8_t *sc = x, *q = x + 16;
    float d = rdh(x + 80), mn = rdh(x + 82);
    int is = 0;
    for (int n = 0; n < 256; n += 128, q += 32)
        for (int shift = 0; shift < 8; shift += 2)
            for (int h = 0; h < 2; h++) {
                uint8_t s = sc[is++];
                float dl = d * (float)(s & 0xf), ml = mn * (float)(s >> 4);
                for (int l = 0; l < 16; l++) *y++ = dl * (float)((q[l + 16 * h] >> shift) & 3) - ml;
            }
}

static void deq_q3_k(const uint8_t *x, float *y) { /* hmask[32] qs[64] scales[12] d */
    const uint8_t *hm = x, *q = x + 32;
    float d = rdh(x + 108);
    uint32_t aux[4];
    int8_t sc[16];
    memcpy(aux, x + 96, 12);
    uint32_t tmp = aux[2];
    const uint32_t k1 = 0x03030303, k2 = 0x0f0f0f0f;
    aux[2] = ((aux[0] >> 4) & k2) | (((tmp >> 4) & k1) << 4);
    aux[3] = ((aux[1] >> 4) & k2) | (((tmp >> 6) & k1) << 4);
    aux[0] = (aux[0] & k2) | (((tmp >> 0) & k1) << 4);
    aux[1] = (aux[1] & k2) | (((tmp >> 2) & k1) << 4);
    memcpy(sc, aux, 16);
    int is = 0;
    uint8_t m = 1;
    for (int n = 0; n < 256; n += 128, q += 32)
        for (int shift = 0; shift < 8; shift += 2, m = (uint8_t)(m << 1))
            for (int h = 0; h < 2; h++) {
                float dl = d * (float)(sc[is++] - 32);
                for (int l = 0; l < 16; l++) {
                    int i = l + 16 * h;
                    *y++ = dl * (float)(((q[i] >> shift) & 3) - ((hm[i] & m) ? 0 : 4));
                }
            }
}

static void deq_q45_k(const uint8_t *x, float *y, int five) { /* d dmin scales[12] (qh[32]) qs[128] */
    float d = rdh(x), mn = rdh(x + 2);
    const uint8_t *sc = x + 4, *qh = x + 16, *q = x + (five ? 48 : 16);
    uint8_t u1 = 1, u2 = 2;
    for (int j = 0, is = 0; j < 256; j += 64, is += 2, q += 32) {
        uint8_t s, m;
        scale_min_k4(is, sc, &s, &m);
        float d1 = d * s, m1 = mn * m;
        scale_min_k4(is + 1, sc, &s, &m);
        float d2 = d * s, m2 = mn * m;
        for (int l = 0; l < 32; l++) *y++ = d1 * (float)((q[l] & 0xf) + (five && (qh[l] & u1) ? 16 : 0)) - m1;
        for (int l = 0; l < 32; l++) *y++ = d2 * (float)((q[l] >> 4) + (five && (qh[l] & u2) ? 16 : 0)) - m2;
        u1 = (uint8_t)(u1 << 2);
        u2 = (uint8_t)(u2 << 2);
    }
}

static void deq_q6_k(const uint8_t *x, float *y) { /* ql[128] qh[64] scales[16] d */
    const uint8_t *ql = x, *qh = x + 128;
    const int8_t *sc = (const int8_t *)(x + 192);
    float d = rdh(x + 208);
    for (int n = 0; n < 256; n += 128, y += 128, ql += 64, qh += 32, sc += 8)
        for (int l = 0; l < 32; l++) {
            int is = l / 16;
            int q1 = ((ql[l] & 0xf) | ((qh[l] >> 0) & 3) << 4) - 32;
            int q2 = ((ql[l + 32] & 0xf) | ((qh[l] >> 2) & 3) << 4) - 32;
            int q3 = ((ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4) - 32;
            int q4 = ((ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4) - 32;
            y[l] = d * (float)sc[is] * (float)q1;
            y[l + 32] = d * (float)sc[is + 2] * (float)q2;
            y[l + 64] = d * (float)sc[is + 4] * (float)q3;
            y[l + 96] = d * (float)sc[is + 6] * (float)q4;
        }
}

static void deq_q5_01(const uint8_t *x, float *y, int has_min) { /* d (m) qh[4] qs[16] */
    float d = rdh(x), m = has_min ? rdh(x + 2) : 0.0f;
    const uint8_t *qhp = x + (has_min ? 4 : 2), *qs = qhp + 4;
    uint32_t qh = (uint32_t)qhp[0] | (uint32_t)qhp[1] << 8 | (uint32_t)qhp[2] << 16 | (uint32_t)qhp[3] << 24;
    int off = has_min ? 0 : 16;
    for (int j = 0; j < 16; j++) {
        int h0 = ((qh >> j) << 4) & 0x10, h1 = (qh >> (j + 12)) & 0x10;
        y[j] = (float)(((qs[j] & 0xf) | h0) - off) * d + m;
        y[j + 16] = (float)(((qs[j] >> 4) | h1) - off) * d + m;
    }
}

int gguf_dequantize(uint32_t type, const uint8_t *src, size_t n, float *dst) {
    size_t be, bb;
    if (!ggml_type_block(type, &be, &bb)) return 0;
    for (size_t b = 0; b < n / be; b++, src += bb, dst += be) {
        switch (type) {
        case GGML_F32: memcpy(dst, src, 4); break;
        case GGML_F16: *dst = rdh(src); break;
        case GGML_BF16: {
            uint32_t u = (uint32_t)rd16(src) << 16;
            memcpy(dst, &u, 4);
            break;
        }
        case GGML_Q8_0:
        case GGML_Q8_1: {
            float d = rdh(src);
            const int8_t *q = (const int8_t *)(src + (type == GGML_Q8_0 ? 2 : 4));
            for (int j = 0; j < 32; j++) dst[j] = d * (float)q[j];
            break;
        }
        case GGML_Q4_0:
        case GGML_Q4_1: {
            float d = rdh(src), m = type == GGML_Q4_1 ? rdh(src + 2) : 0.0f;
            const uint8_t *qs = src + (type == GGML_Q4_1 ? 4 : 2);
            for (int j = 0; j < 32; j++)
                dst[j] = type == GGML_Q4_1 ? (float)ggml_nib(qs, j) * d + m : (float)(ggml_nib(qs, j) - 8) * d;
            break;
        }
        case GGML_Q5_0: deq_q5_01(src, dst, 0); break;
        case GGML_Q5_1: deq_q5_01(src, dst, 1); break;
        case GGML_Q2_K: deq_q2_k(src, dst); break;
        case GGML_Q3_K: deq_q3_k(src, dst); break;
        case GGML_Q4_K: deq_q45_k(src, dst, 0); break;
        case GGML_Q5_K: deq_q45_k(src, dst, 1); break;
        case GGML_Q6_K: deq_q6_k(src, dst); break;
        default: return 0;
        }
    }
    return 1;
}
