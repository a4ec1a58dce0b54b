/*
 * frontends/random.c - grt_model_create_random: the LLM graph of a Hugging Face config.json with
 * seeded random weights, for speed and memory benchmarks of real model shapes.
 *
 * Every tensor gets its own generator seeded from (seed, canonical name), so a tensor's values do
 * not depend on the order the builder asks for them. Matrices, embeddings and biases are
 * ~N(0, 0.02^2) (Irwin-Hall sum of four uniforms: fast, bounded, right mean and variance); RMSNorm
 * weights are exactly 1.0. Values are generated directly in the requested element type into one
 * heap blob per tensor. Stateless; thread-safe.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "frontends/hf_config.h"
#include "frontends/llm.h"
#include "ir/graph.h"
#include "util/error.h"

#define RANDOM_STD 0.02

typedef struct random_ctx {
    uint64_t seed;
    grt_element_type type;
} random_ctx;

static uint64_t splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t hash_name(const char *s) {
    uint64_t h = 0xCBF29CE484222325ull; /* FNV-1a */
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 0x100000001B3ull;
    return h;
}

/* Round-to-nearest-even conversions of finite floats. */
static uint16_t to_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    u += 0x7FFFu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

static uint16_t to_f16(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    uint16_t sign = (uint16_t)((u >> 16) & 0x8000u);
    uint32_t a = u & 0x7FFFFFFFu;
    if (a >= 0x477FF000u) return sign | 0x7C00u; /* overflow -> inf (never for our scale) */
    if (a < 0x38800000u) {                        /* subnormal or zero */
        if (a < 0x33000000u) return sign;
        uint32_t m = (a & 0x7FFFFFu) | 0x800000u;
        int shift = 126 - (int)(a >> 23); /* 14..24 */
        uint32_t half = 1u << (shift - 1), rem = m & ((1u << shift) - 1), r = m >> shift;
        if (rem > half || (rem == half && (r & 1u))) r++;
        return sign | (uint16_t)r;
    }
    uint32_t r = a - 0x38000000u; /* rebias exponent 127 -> 15 */
    uint32_t rem = r & 0x1FFFu;
    r >>= 13;
    if (rem > 0x1000u || (rem == 0x1000u && (r & 1u))) r++;
    return sign | (uint16_t)r;
}

static void store(void *dst, grt_element_type type, size_t i, float v) {
    if (type == GRT_F32) ((float *)dst)[i] = v;
    else if (type == GRT_F16) ((uint16_t *)dst)[i] = to_f16(v);
    else ((uint16_t *)dst)[i] = to_bf16(v);
}

static int is_norm(const char *name) {
    const char *dot = strrchr(name, '.');
    return dot && !strcmp(dot, ".weight") && dot - name >= 5 && !strncmp(dot - 5, "_norm", 5);
}

static grt_status random_weight(void *user, grt_model *model, const char *name, size_t rank, const int64_t *dims,
                                grt_port *out) {
    const random_ctx *c = user;
    grt_ir_blob *blob = NULL;
    uint64_t numel = 1;
    for (size_t i = 0; i < rank; i++) {
        if (dims[i] < 0 || (dims[i] && numel > UINT64_MAX / (uint64_t)dims[i]))
            return grt_error(GRT_ERROR_SHAPE, "random weights: tensor '%s' has a bad shape", name);
        numel *= (uint64_t)dims[i];
    }
    size_t esize = c->type == GRT_F32 ? 4 : 2;
    if (numel > SIZE_MAX / esize) return grt_error(GRT_ERROR_OUT_OF_MEMORY, "random weights: tensor '%s' too large", name);
    size_t n = (size_t)numel;
    grt_status st = grt_ir_blob_alloc(n * esize, &blob);
    if (st != GRT_OK) return grt_error_wrap(st, "random weights: tensor '%s'", name);
    void *dst = grt_ir_blob_mutable(blob);
    if (is_norm(name)) {
        for (size_t i = 0; i < n; i++) store(dst, c->type, i, 1.0f);
    } else {
        uint64_t state = c->seed ^ hash_name(name);
        /* Sum of four 16-bit uniforms: mean 4 * 32767.5, std 65536 / sqrt(3) (approximately). */
        const float scale = (float)(RANDOM_STD * sqrt(3.0) / 65536.0), mean = 4.0f * 32767.5f;
        for (size_t i = 0; i < n; i++) {
            uint64_t r = splitmix64(&state);
            float s = (float)((r & 0xFFFFu) + ((r >> 16) & 0xFFFFu) + ((r >> 32) & 0xFFFFu) + (r >> 48));
            store(dst, c->type, i, (s - mean) * scale);
        }
    }
    st = grt_ir_graph_add_constant(&model->g, name, c->type, rank, dims, blob, dst, n * esize, NULL, out);
    grt_ir_blob_release(blob); /* the constant holds its own reference */
    return st;
}

GRT_EXPORT grt_status grt_model_create_random(const char *config_path, uint64_t seed, grt_element_type weight_type,
                                              grt_model **out) {
    grt_hf_config hc;
    grt_model *model = NULL;
    grt_status st;
    if (!config_path || !out) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "grt_model_create_random: NULL argument");
    *out = NULL;
    if (weight_type != GRT_F32 && weight_type != GRT_F16 && weight_type != GRT_BF16)
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "grt_model_create_random: weight type must be f32, f16 or bf16");
    st = grt_hf_config_read(config_path, &hc);
    if (st != GRT_OK) return st;
    random_ctx c = {seed, weight_type};
    char name[96];
    snprintf(name, sizeof name, "random-%s", hc.llm.arch);
    st = grt_model_create(name, &model);
    if (st != GRT_OK) return st;
    st = grt_llm_build(&hc.llm, random_weight, &c, config_path, model);
    if (st != GRT_OK) {
        grt_model_destroy(model);
        return st;
    }
    *out = model;
    return GRT_OK;
}
