/*
 * frontends/gguf_load.c - GGUF file -> model: metadata (every key), the architecture's
 * grt_llm_config, and weights served to the LLM builder by canonical (GGUF) name:
 *   F32 / F16 / BF16  plain constants pointing into the file mapping when 64-byte aligned (else
 *                     copied);
 *   Q8_0 -> int8 sym group 32 (f16 scales); Q4_0 -> int4 sym group 32; Q4_1 -> uint4 asym group 32
 *                     with f16 scales and f32 zero points (repacked, never dequantized);
 *   K-quants, Q5_0/Q5_1 -> dequantized and re-quantized to int8 sym group 32 (warning naming the
 *                     tensor).
 * A GGUF without tensors (a vocabulary file) gives a model with metadata and no graph.
 * Ownership: the returned model is the caller's. Thread-safety: reentrant.
 */
#include "frontends/gguf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontends/llm.h"
#include "ir/graph.h"
#include "util/error.h"

typedef struct loader {
    const grt_gguf *f;
} loader;

static size_t align64(size_t v) { return (v + 63) & ~(size_t)63; }

/* Adds block-quantized tensor t as a compressed constant whose values, scales (and zero points)
 * live in one fresh 64-byte-aligned heap blob: Q8_0 / Q4_0 / Q4_1 repacked, other block types
 * dequantized and re-quantized to int8 sym group 32. */
static grt_status add_repacked(grt_model *m, const grt_gguf_tensor *t, size_t rank, const int64_t *dims,
                               grt_port *out) {
    size_t n = 1;
    for (size_t i = 0; i < rank; i++) n *= (size_t)dims[i];
    size_t groups = n / 32, qb, sb = groups * 2, zb = 0;
    grt_compression_info ci;
    memset(&ci, 0, sizeof ci);
    ci.struct_size = sizeof ci;
    ci.group_size = 32;
    ci.scale_type = GRT_F16;
    switch (t->type) {
    case GGML_Q8_0: ci.kind = GRT_COMPRESSION_SYM; ci.storage_type = GRT_I8; qb = n; break;
    case GGML_Q4_0: ci.kind = GRT_COMPRESSION_SYM; ci.storage_type = GRT_I4; qb = n / 2; break;
    case GGML_Q4_1:
        ci.kind = GRT_COMPRESSION_ASYM;
        ci.storage_type = GRT_U4;
        ci.zero_point_type = GRT_F32;
        qb = n / 2;
        zb = groups * 4;
        break;
    default: /* any other block type: dequantize, re-quantize to int8 sym g32 */
        ci.kind = GRT_COMPRESSION_SYM;
        ci.storage_type = GRT_I8;
        qb = n;
        break;
    }
    size_t off_s = align64(qb), off_z = off_s + align64(sb);
    grt_ir_blob *blob = NULL;
    grt_status st = grt_ir_blob_alloc(off_z + zb, &blob);
    if (st != GRT_OK) return st;
    uint8_t *base = grt_ir_blob_mutable(blob);
    uint16_t *scales = (uint16_t *)(void *)(base + off_s);
    switch (t->type) {
    case GGML_Q8_0: gguf_q8_0_split(t->data, n, (int8_t *)base, scales); break;
    case GGML_Q4_0: gguf_q4_0_split(t->data, n, base, scales); break;
    case GGML_Q4_1: gguf_q4_1_split(t->data, n, base, scales, (float *)(void *)(base + off_z)); break;
    default: {
        float *tmp = malloc(t->bytes ? n * sizeof(float) : 1);
        if (!tmp || !gguf_dequantize(t->type, t->data, n, tmp)) {
            free(tmp);
            grt_ir_blob_release(blob);
            return tmp ? grt_error(GRT_ERROR_NOT_SUPPORTED, "tensor '%s': ggml type %s not supported", t->name,
                                   ggml_type_name(t->type))
                       : grt_error(GRT_ERROR_OUT_OF_MEMORY, "tensor '%s': out of memory", t->name);
        }
        for (size_t g = 0; g < groups; g++) {
            float amax = 0.0f;
            for (int j = 0; j < 32; j++) amax = fmaxf(amax, fabsf(tmp[g * 32 + j]));
            uint16_t sh = gguf_f32_to_f16(amax / 127.0f);
            float s = gguf_f16_to_f32(sh), inv = s > 0.0f ? 1.0f / s : 0.0f;
            scales[g] = sh;
            for (int j = 0; j < 32; j++) {
                float q = roundf(tmp[g * 32 + j] * inv);
                ((int8_t *)base)[g * 32 + j] = (int8_t)(q > 127.0f ? 127 : q < -127.0f ? -127 : q);
            }
        }
        free(tmp);
        break;
    }
    }
    ci.scales = scales;
    ci.scales_bytes = sb;
    ci.zero_points = zb ? base + off_z : NULL;
    ci.zero_points_bytes = zb;
    st = grt_ir_graph_add_constant(&m->g, t->name, GRT_F32, rank, dims, blob, base, qb, &ci, out);
    grt_ir_blob_release(blob);
    return st;
}

static grt_status weight_cb(void *user, grt_model *m, const char *name, size_t rank, const int64_t *dims,
                            grt_port *out) {
    const loader *L = user;
    const grt_gguf_tensor *t = grt_gguf_find_tensor(L->f, name);
    if (!t) return grt_error(GRT_ERROR_NOT_FOUND, "%s: tensor '%s' not found", L->f->path, name);
    int same = rank >= 1 && rank <= GGUF_MAX_DIMS; /* ne[] is padded with 1s past n_dims */
    for (size_t i = 0; same && i < rank; i++) same = t->ne[rank - 1 - i] == dims[i];
    for (size_t i = rank; same && i < GGUF_MAX_DIMS; i++) same = t->ne[i] == 1;
    if (!same || rank == 0)
        return grt_error(GRT_ERROR_FORMAT, "%s: tensor '%s' has shape [%lld, %lld, %lld, %lld] (ggml order), expected %zu dims [%lld ...]",
                         L->f->path, name, (long long)t->ne[0], (long long)t->ne[1], (long long)t->ne[2],
                         (long long)t->ne[3], rank, rank ? (long long)dims[0] : 0LL);
    grt_element_type et;
    switch (t->type) {
    case GGML_F32: et = GRT_F32; break;
    case GGML_F16: et = GRT_F16; break;
    case GGML_BF16: et = GRT_BF16; break;
    case GGML_Q8_0:
    case GGML_Q4_0:
    case GGML_Q4_1: return add_repacked(m, t, rank, dims, out);
    case GGML_Q2_K: case GGML_Q3_K: case GGML_Q4_K: case GGML_Q5_K: case GGML_Q6_K: case GGML_Q5_0:
    case GGML_Q5_1: case GGML_Q8_1:
        if (dims[rank - 1] % 32)
            return grt_error(GRT_ERROR_NOT_SUPPORTED, "%s: tensor '%s' (%s) rows are not a multiple of 32", L->f->path,
                             name, ggml_type_name(t->type));
        grt_log(GRT_LOG_WARNING, "gguf", "%s: tensor '%s' (%s) re-quantized to int8 group 32", L->f->path, name,
                ggml_type_name(t->type));
        return add_repacked(m, t, rank, dims, out);
    default:
        return grt_error(GRT_ERROR_NOT_SUPPORTED, "%s: tensor '%s' has ggml type %s, not a weight type", L->f->path,
                         name, ggml_type_name(t->type));
    }
    if (((uintptr_t)t->data % GRT_IR_ALIGN) == 0)
        return grt_ir_graph_add_constant(&m->g, name, et, rank, dims, L->f->blob, t->data, t->bytes, NULL, out);
    return grt_model_add_constant(m, name, et, rank, dims, t->data, t->bytes, out); /* unaligned: copy */
}

/* Integer key "<arch>.<suffix>". */
static int arch_int(const grt_gguf *f, const char *arch, const char *suffix, int64_t *v) {
    char key[128];
    snprintf(key, sizeof key, "%s.%s", arch, suffix);
    return grt_gguf_get_int(f, key, v);
}

static int arch_float(const grt_gguf *f, const char *arch, const char *suffix, double *v) {
    char key[128];
    snprintf(key, sizeof key, "%s.%s", arch, suffix);
    return grt_gguf_get_float(f, key, v);
}

/* Divisors of rope_freqs.weight recomputed from the candidate config match the tensor. */
static int freqs_match(const grt_llm_config *c, int64_t R, const float *d, int64_t n) {
    float *ref = malloc((size_t)n * sizeof *ref);
    int ok = ref != NULL;
    if (ok) gguf_llama3_rope_factors(c->rope_theta, R, c->rope_factor, c->rope_low_freq_factor,
                                     c->rope_high_freq_factor, (double)c->rope_original_max_position, ref);
    for (int64_t i = 0; ok && i < n; i++) ok = fabs((double)ref[i] - d[i]) <= 1e-6 * fabs((double)d[i]);
    free(ref);
    return ok;
}

/* llama3 parameters from llama.cpp's rope_freqs.weight (per-pair divisors): factor = the largest
 * divisor; low / high / original context from the standard Llama 3.1 / 3.2 values, else fitted
 * to the transition band (only the wavelengths orig/low and orig/high matter: low = 1 is taken);
 * accepted only when the recomputed divisors match the tensor to 1e-6 relative. */
static grt_status rope_from_freqs(const grt_gguf *f, const grt_gguf_tensor *t, grt_llm_config *c) {
    const double pi = 3.14159265358979323846;
    int64_t R = c->rotary_dim ? c->rotary_dim : c->head_dim, n = R / 2;
    if (t->type != GGML_F32 || t->n_dims != 1 || t->ne[0] != n || n < 1)
        return grt_error(GRT_ERROR_NOT_SUPPORTED, "%s: tensor 'rope_freqs.weight' must be F32 [%lld] (rotary dims / 2)",
                         f->path, (long long)n);
    float *d = malloc((size_t)n * sizeof *d);
    if (!d) return grt_error(GRT_ERROR_OUT_OF_MEMORY, "%s: out of memory", f->path);
    memcpy(d, t->data, (size_t)n * sizeof *d);
    double fac = 0.0;
    int all_one = 1;
    for (int64_t i = 0; i < n; i++) {
        if (!(d[i] >= 1.0f) || !isfinite(d[i])) fac = -1.0;
        if (fac >= 0.0 && d[i] > fac) fac = d[i];
        all_one &= d[i] == 1.0f;
    }
    grt_status st = GRT_OK;
    if (all_one) goto done; /* no scaling */
    grt_llm_config k = *c;
    k.rope_scaling = 2;
    k.rope_factor = fac;
    k.rope_low_freq_factor = 1.0;
    k.rope_high_freq_factor = 4.0;
    k.rope_original_max_position = 8192;
    int ok = fac > 1.0 && freqs_match(&k, R, d, n);
    if (!ok && fac > 1.0) {
        /* transition band: smooth = (x - 1/lo) / (1/hi - 1/lo), x = 1/wavelength */
        double xs[2] = {0, 0}, ss[2] = {0, 0}, wmax1 = 0.0, wminf = 0.0;
        int nt = 0;
        for (int64_t i = 0; i < n; i++) {
            double inv = 1.0 / pow(c->rope_theta, (double)(2 * i) / (double)R), w = 2.0 * pi / inv;
            if (d[i] == 1.0f) wmax1 = w;
            else if ((double)d[i] == fac) { if (wminf == 0.0) wminf = w; }
            else {
                int j = nt == 0 ? 0 : 1;
                xs[j] = 1.0 / w;
                ss[j] = (1.0 / d[i] - 1.0 / fac) / (1.0 - 1.0 / fac);
                nt++;
            }
        }
        double lo = 0.0, hi = 0.0;
        if (nt >= 2 && xs[0] != xs[1] && ss[0] != ss[1]) {
            double a = (ss[1] - ss[0]) / (xs[1] - xs[0]), ilo = xs[0] - ss[0] / a;
            lo = 1.0 / ilo;
            hi = 1.0 / (ilo + 1.0 / a);
        } else if (nt == 1) { /* one point: assume the standard high/low ratio 4 */
            lo = (3.0 * ss[0] + 1.0) / xs[0];
            hi = lo / 4.0;
        } else if (nt == 0 && wminf > 0.0) { /* a step: any band between the two groups */
            lo = floor(wminf * 0.999);
            hi = (wmax1 + lo) / 2.0;
        }
        if (lo > 0.0 && hi > 0.0 && lo > hi && lo < 1e12) {
            k.rope_original_max_position = (int64_t)llround(lo);
            k.rope_high_freq_factor = (double)k.rope_original_max_position / hi;
            ok = freqs_match(&k, R, d, n);
        }
    }
    if (!ok) {
        st = grt_error(GRT_ERROR_NOT_SUPPORTED, "%s: tensor 'rope_freqs.weight' does not match llama3 RoPE scaling "
                       "(max divisor %g): per-dimension rope factors not supported", f->path, fac);
        goto done;
    }
    *c = k;
done:
    free(d);
    return st;
}

/* RoPE scaling: our exact genrt.llm.rope_* keys, else <arch>.rope.scaling.type (none / linear,
 * or llama3 with its genrt.llm.rope_*_freq_factor keys), else llama.cpp's rope_freqs.weight. */
static grt_status rope_scaling(const grt_gguf *f, const char *arch, grt_llm_config *c) {
    const char *st;
    size_t sl;
    char key[128];
    int have_type = grt_gguf_get_str(f, "genrt.llm.rope_scaling", &st, &sl);
    int ours = have_type;
    if (!have_type) {
        snprintf(key, sizeof key, "%s.rope.scaling.type", arch);
        have_type = grt_gguf_get_str(f, key, &st, &sl);
    }
    if (have_type && !(sl == 4 && !memcmp(st, "none", 4))) {
        if (sl == 6 && !memcmp(st, "linear", 6)) {
            c->rope_scaling = 1;
            if (!(ours ? grt_gguf_get_float(f, "genrt.llm.rope_factor", &c->rope_factor)
                       : arch_float(f, arch, "rope.scaling.factor", &c->rope_factor)))
                return grt_error(GRT_ERROR_FORMAT, "%s: linear rope scaling without a factor key", f->path);
        } else if (sl == 6 && !memcmp(st, "llama3", 6)) {
            c->rope_scaling = 2;
            int ok = ours ? grt_gguf_get_float(f, "genrt.llm.rope_factor", &c->rope_factor) &&
                                grt_gguf_get_int(f, "genrt.llm.rope_original_context_length",
                                                 &c->rope_original_max_position)
                          : arch_float(f, arch, "rope.scaling.factor", &c->rope_factor) &&
                                arch_int(f, arch, "rope.scaling.original_context_length",
                                         &c->rope_original_max_position);
            ok = ok && grt_gguf_get_float(f, "genrt.llm.rope_low_freq_factor", &c->rope_low_freq_factor) &&
                 grt_gguf_get_float(f, "genrt.llm.rope_high_freq_factor", &c->rope_high_freq_factor);
            if (!ok)
                return grt_error(GRT_ERROR_FORMAT, "%s: llama3 rope scaling without genrt.llm.rope_factor / "
                                 "rope_low_freq_factor / rope_high_freq_factor / rope_original_context_length",
                                 f->path);
        } else {
            return grt_error(GRT_ERROR_NOT_SUPPORTED, "%s: rope scaling '%.*s' not supported", f->path,
                             (int)(sl > 32 ? 32 : sl), st);
        }
    }
    if (grt_gguf_find_tensor(f, "rope_factors_long.weight") || grt_gguf_find_tensor(f, "rope_factors_short.weight"))
        return grt_error(GRT_ERROR_NOT_SUPPORTED, "%s: per-dimension rope factors (rope_factors_long / rope_factors_short) "
                         "not supported", f->path);
    const grt_gguf_tensor *rf = grt_gguf_find_tensor(f, "rope_freqs.weight");
    if (rf && c->rope_scaling == 0) return rope_from_freqs(f, rf, c);
    if (rf && c->rope_scaling == 1)
        return grt_error(GRT_ERROR_NOT_SUPPORTED, "%s: tensor 'rope_freqs.weight' together with linear rope scaling",
                         f->path);
    return GRT_OK;
}

static grt_status make_config(const grt_gguf *f, grt_llm_config *c) {
    const char *as;
    size_t al;
    char arch[32];
    grt_llm_config_defaults(c);
    if (!grt_gguf_get_str(f, "general.architecture", &as, &al))
        return grt_error(GRT_ERROR_FORMAT, "%s: missing string key general.architecture", f->path);
    if (al >= sizeof arch || memchr(as, 0, al))
        return grt_error(GRT_ERROR_NOT_SUPPORTED, "%s: unsupported architecture '%.*s'", f->path, (int)(al > 64 ? 64 : al), as);
    memcpy(arch, as, al);
    arch[al] = 0;
    int llama = !strcmp(arch, "llama") || !strcmp(arch, "mistral");
    int qwen2 = !strcmp(arch, "qwen2"), qwen3 = !strcmp(arch, "qwen3"), phi3 = !strcmp(arch, "phi3");
    if (!llama && !qwen2 && !qwen3 && !phi3)
        return grt_error(GRT_ERROR_NOT_SUPPORTED, "%s: unsupported architecture '%s' (supported: llama, mistral, qwen2, qwen3, phi3)",
                         f->path, arch);
    snprintf(c->arch, sizeof c->arch, "%s", arch);
    static const char *const need[] = {"embedding_length", "block_count", "feed_forward_length",
                                       "attention.head_count"};
    int64_t *dst[] = {&c->dim, &c->n_layers, &c->hidden_dim, &c->n_heads};
    for (int i = 0; i < 4; i++)
        if (!arch_int(f, arch, need[i], dst[i]))
            return grt_error(GRT_ERROR_FORMAT, "%s: missing integer key %s.%s", f->path, arch, need[i]);
    c->n_kv_heads = c->n_heads;
    arch_int(f, arch, "attention.head_count_kv", &c->n_kv_heads);
    c->head_dim = c->n_heads > 0 ? c->dim / c->n_heads : 0;
    arch_int(f, arch, "attention.key_length", &c->head_dim);
    c->max_seq_len = 2048;
    arch_int(f, arch, "context_length", &c->max_seq_len);
    arch_float(f, arch, "attention.layer_norm_rms_epsilon", &c->norm_eps);
    arch_float(f, arch, "rope.freq_base", &c->rope_theta);
    arch_int(f, arch, "rope.dimension_count", &c->rotary_dim);
    if (c->rotary_dim == c->head_dim) c->rotary_dim = 0;
    grt_status rs = rope_scaling(f, arch, c);
    if (rs != GRT_OK) return rs;
    /* ggml's llama uses "normal" rope on weights permuted to the interleaved layout; the others NeoX */
    c->rope_mode = llama ? GRT_LLM_ROPE_INTERLEAVED : GRT_LLM_ROPE_HALF;
    const grt_gguf_tensor *emb = grt_gguf_find_tensor(f, "token_embd.weight");
    const grt_gguf_kv *toks = grt_gguf_find_kv(f, "tokenizer.ggml.tokens");
    int64_t vs;
    if (arch_int(f, arch, "vocab_size", &vs)) c->vocab_size = vs;
    else if (emb && emb->n_dims == 2) c->vocab_size = emb->ne[1];
    else if (toks && toks->type == GGUF_ARRAY) c->vocab_size = (int64_t)toks->count;
    c->tied_embeddings = grt_gguf_find_tensor(f, "output.weight") == NULL;
    c->qkv_bias = grt_gguf_find_tensor(f, "blk.0.attn_q.bias") != NULL;
    c->qk_norm = grt_gguf_find_tensor(f, "blk.0.attn_q_norm.weight") != NULL;
    c->fused_qkv = grt_gguf_find_tensor(f, "blk.0.attn_qkv.weight") != NULL;
    c->fused_gate_up = grt_gguf_find_tensor(f, "blk.0.ffn_gate.weight") == NULL &&
                       grt_gguf_find_tensor(f, "blk.0.ffn_up.weight") != NULL;
    return grt_llm_config_validate(c, f->path);
}

int grt_gguf_probe(const char *path, int is_dir, const uint8_t *head, size_t n) {
    (void)path;
    return !is_dir && n >= 4 && memcmp(head, GGUF_MAGIC, 4) == 0;
}

grt_status grt_gguf_load(grt_core *core, const char *path, grt_model **out) {
    grt_gguf *f = NULL;
    grt_model *m = NULL;
    grt_status st;
    const char *nm;
    size_t nl;
    char name[128] = "gguf";
    (void)core;
    *out = NULL;
    if ((st = grt_gguf_open(path, &f)) != GRT_OK) return st;
    if (grt_gguf_get_str(f, "general.name", &nm, &nl) && nl > 0 && nl < sizeof name && !memchr(nm, 0, nl)) {
        memcpy(name, nm, nl);
        name[nl] = 0;
    }
    if ((st = grt_model_create(name, &m)) != GRT_OK) goto fail;
    if ((st = grt_gguf_to_meta(f, m)) != GRT_OK) goto fail;
    if (f->n_tensors > 0) {
        grt_llm_config cfg;
        loader L = {f};
        if ((st = make_config(f, &cfg)) != GRT_OK) goto fail;
        if ((st = grt_llm_build(&cfg, weight_cb, &L, path, m)) != GRT_OK) goto fail;
    }
    grt_gguf_close(f);
    *out = m;
    return GRT_OK;
fail:
    grt_model_destroy(m);
    grt_gguf_close(f);
    return st;
}
