/*
 * tests/ops/ref/ref_half.c - f16/bf16 conversion, the Convert rounding rules of docs/OPSET.md and
 * packing of values into the dense byte layouts of every element type (I4/U4 two per byte, low
 * nibble first). Written from the IEEE 754 formats; reentrant, no allocation.
 */
#include "ref.h"

#include <math.h>
#include <string.h>

uint16_t ref_f32_to_f16(float f)
{
    uint32_t x;
    memcpy(&x, &f, sizeof(x));
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
    uint32_t a = x & 0x7fffffffu;
    if (a >= 0x7f800000u) /* inf or NaN */
        return (uint16_t)(sign | 0x7c00u | (a > 0x7f800000u ? 0x200u : 0u));
    if (a >= 0x477ff000u) /* >= 65520 rounds to inf */
        return (uint16_t)(sign | 0x7c00u);
    if (a < 0x38800000u) { /* below 2^-14: subnormal f16 (or zero) */
        float af;
        memcpy(&af, &a, sizeof(af));
        double q = rint((double)af * 16777216.0); /* units of 2^-24, round half even */
        return (uint16_t)(sign | (uint16_t)q);
    }
    uint32_t exp = (a >> 23) - 127u + 15u;
    uint32_t mant = a & 0x7fffffu;
    uint32_t h = (exp << 10) | (mant >> 13);
    uint32_t rem = mant & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1u)))
        h++;
    return (uint16_t)(sign | h);
}

float ref_f16_to_f32(uint16_t h)
{
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t mant = h & 0x3ffu;
    float v;
    if (exp == 0)
        v = ldexpf((float)mant, -24);
    else if (exp == 31)
        v = mant ? NAN : INFINITY;
    else
        v = ldexpf((float)(mant | 0x400u), (int)exp - 25);
    return (h & 0x8000u) ? -v : v;
}

uint16_t ref_f32_to_bf16(float f)
{
    uint32_t x;
    memcpy(&x, &f, sizeof(x));
    if ((x & 0x7fffffffu) > 0x7f800000u)
        return (uint16_t)((x >> 16) | 0x40u);
    x += 0x7fffu + ((x >> 16) & 1u);
    return (uint16_t)(x >> 16);
}

float ref_bf16_to_f32(uint16_t h)
{
    uint32_t x = (uint32_t)h << 16;
    float f;
    memcpy(&f, &x, sizeof(f));
    return f;
}

double ref_round_float(double v, grt_element_type t)
{
    switch (t) {
    case GRT_F32: return (double)(float)v;
    case GRT_F16: return (double)ref_f16_to_f32(ref_f32_to_f16((float)v));
    case GRT_BF16: return (double)ref_bf16_to_f32(ref_f32_to_bf16((float)v));
    default: return v;
    }
}

int ref_is_float_type(grt_element_type t)
{
    return t == GRT_F32 || t == GRT_F16 || t == GRT_BF16;
}

int ref_is_int_type(grt_element_type t)
{
    return t == GRT_I64 || t == GRT_I32 || t == GRT_I8 || t == GRT_U8 || t == GRT_I4 ||
           t == GRT_U4 || t == GRT_BOOLEAN;
}

static double saturate_rne(double v, double lo, double hi)
{
    double r = rint(v); /* default rounding mode: nearest even */
    if (r < lo)
        return lo;
    if (r > hi)
        return hi;
    return r;
}

double ref_convert_value(double v, grt_element_type t)
{
    switch (t) {
    case GRT_F32:
    case GRT_F16:
    case GRT_BF16: return ref_round_float(v, t);
    case GRT_I64: return saturate_rne(v, -9223372036854775808.0, 9223372036854775807.0);
    case GRT_I32: return saturate_rne(v, -2147483648.0, 2147483647.0);
    case GRT_I8: return saturate_rne(v, -128.0, 127.0);
    case GRT_U8: return saturate_rne(v, 0.0, 255.0);
    case GRT_I4: return saturate_rne(v, -8.0, 7.0);
    case GRT_U4: return saturate_rne(v, 0.0, 15.0);
    case GRT_BOOLEAN: return v != 0.0 ? 1.0 : 0.0;
    default: return v;
    }
}

size_t ref_type_size(grt_element_type t)
{
    switch (t) {
    case GRT_F32: case GRT_I32: return 4;
    case GRT_F16: case GRT_BF16: return 2;
    case GRT_I64: return 8;
    case GRT_I8: case GRT_U8: case GRT_BOOLEAN: case GRT_I4: case GRT_U4: return 1;
    default: return 0;
    }
}

size_t ref_storage_bytes(grt_element_type t, size_t n)
{
    if (t == GRT_I4 || t == GRT_U4)
        return (n + 1) / 2;
    return n * ref_type_size(t);
}

int ref_pack(grt_element_type t, const double *v, size_t n, void *dst, size_t bytes)
{
    unsigned char *d = dst;
    if (bytes < ref_storage_bytes(t, n) || ref_type_size(t) == 0)
        return -1;
    if (t == GRT_I4 || t == GRT_U4)
        memset(d, 0, ref_storage_bytes(t, n));
    for (size_t i = 0; i < n; i++) {
        double x = v[i];
        switch (t) {
        case GRT_F32: { float f = (float)x; memcpy(d + 4 * i, &f, 4); break; }
        case GRT_F16: { uint16_t h = ref_f32_to_f16((float)x); memcpy(d + 2 * i, &h, 2); break; }
        case GRT_BF16: { uint16_t h = ref_f32_to_bf16((float)x); memcpy(d + 2 * i, &h, 2); break; }
        case GRT_I64: {
            int64_t q = x >= 9223372036854775807.0 ? INT64_MAX
                        : x <= -9223372036854775808.0 ? INT64_MIN : (int64_t)x;
            memcpy(d + 8 * i, &q, 8);
            break;
        }
        case GRT_I32: { int32_t q = (int32_t)x; memcpy(d + 4 * i, &q, 4); break; }
        case GRT_I8: { int8_t q = (int8_t)x; memcpy(d + i, &q, 1); break; }
        case GRT_U8: case GRT_BOOLEAN: d[i] = (unsigned char)x; break;
        case GRT_I4: case GRT_U4: {
            unsigned nib = (unsigned)((int)x) & 0xfu;
            d[i / 2] |= (unsigned char)((i & 1) ? nib << 4 : nib);
            break;
        }
        default: return -1;
        }
    }
    return 0;
}

int ref_unpack(grt_element_type t, const void *src, size_t n, double *v)
{
    const unsigned char *s = src;
    for (size_t i = 0; i < n; i++) {
        switch (t) {
        case GRT_F32: { float f; memcpy(&f, s + 4 * i, 4); v[i] = f; break; }
        case GRT_F16: { uint16_t h; memcpy(&h, s + 2 * i, 2); v[i] = ref_f16_to_f32(h); break; }
        case GRT_BF16: { uint16_t h; memcpy(&h, s + 2 * i, 2); v[i] = ref_bf16_to_f32(h); break; }
        case GRT_I64: { int64_t q; memcpy(&q, s + 8 * i, 8); v[i] = (double)q; break; }
        case GRT_I32: { int32_t q; memcpy(&q, s + 4 * i, 4); v[i] = q; break; }
        case GRT_I8: { int8_t q; memcpy(&q, s + i, 1); v[i] = q; break; }
        case GRT_U8: case GRT_BOOLEAN: v[i] = s[i]; break;
        case GRT_I4: case GRT_U4: {
            unsigned nib = (i & 1) ? (unsigned)(s[i / 2] >> 4) : (unsigned)(s[i / 2] & 0xfu);
            v[i] = (t == GRT_I4 && nib >= 8) ? (double)nib - 16.0 : (double)nib;
            break;
        }
        default: return -1;
        }
    }
    return 0;
}
