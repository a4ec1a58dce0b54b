/*
 * frontends/gguf_write.c - grt_model_save_as(model, path, "gguf"): a GGUF v3 file readable by
 * llama.cpp, written atomically (temporary file + rename).
 *   metadata  every model metadata key (INT -> uint32 when it fits, else int32/int64; FLOAT ->
 *             float32; arrays likewise; strings as is), general.alignment = 32;
 *   tensors   the Constants named *.weight / *.bias (the LLM builder's GGUF names), ggml order of
 *             dims (reversed): F32/F16/BF16 as is; int8 sym g32 f16 scales -> Q8_0; int4 sym g32
 *             f16 -> Q4_0; uint4 asym g32 f16 (any zero point type) -> Q4_1 (m = -z * s); anything
 *             else is NOT_SUPPORTED naming the tensor. Offsets are 64-byte aligned (a multiple of
 *             the file's 32).
 *   rope      ggml runs llama/mistral with interleaved rope and qwen2/qwen3/phi3 with half
 *             rotation: when the model's RoPE mode differs, the rows of attn_q / attn_k (weights
 *             and biases) are permuted per head so llama.cpp computes the same thing.
 *   llama3    a RoPE with llama3 scaling is written the way llama.cpp's converter does it: the
 *             tensor rope_freqs.weight (F32 [R/2], the divisor of each pair's inv_freq, from
 *             gguf_llama3_rope_factors) and no <arch>.rope.scaling.* keys (llama.cpp would read
 *             rope.scaling.factor as an extra linear scale); the exact parameters go under
 *             genrt.llm.rope_scaling = "llama3", genrt.llm.rope_factor / rope_low_freq_factor /
 *             rope_high_freq_factor (float64) and genrt.llm.rope_original_context_length.
 * Ownership: reads the model only. Thread-safety: reentrant.
 */
#include "frontends/gguf.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ir/graph.h"
#include "util/error.h"

#define OUT_ALIGN 32
#define TENSOR_ALIGN 64

typedef struct wtensor {
    const grt_ir_node *node; /* NULL for a tensor made by the writer (raw, name) */
    const char *name;
    const uint8_t *raw;      /* F32 data of a writer-made tensor */
    uint32_t type;  /* ggml_type */
    uint32_t n_dims;
    uint64_t ne[GGUF_MAX_DIMS];
    size_t bytes, row_bytes, rows;
    uint64_t offset;
    int permute;    /* 1: half -> interleaved, 2: interleaved -> half (rows per head) */
    int64_t head_dim;
} wtensor;

typedef struct wctx {
    FILE *fp;
    int err;
    uint64_t pos;
} wctx;

static void w_bytes(wctx *w, const void *p, size_t n) {
    if (!w->err && n && fwrite(p, 1, n, w->fp) != n) w->err = errno ? errno : EIO;
    w->pos += n;
}
static void w_u32(wctx *w, uint32_t v) {
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    w_bytes(w, b, 4);
}
static void w_u64(wctx *w, uint64_t v) {
    w_u32(w, (uint32_t)v);
    w_u32(w, (uint32_t)(v >> 32));
}
static void w_str(wctx *w, const char *s, size_t n) {
    w_u64(w, n);
    w_bytes(w, s, n);
}
static void w_pad(wctx *w, size_t a) {
    static const uint8_t z[TENSOR_ALIGN];
    size_t p = (size_t)((a - w->pos % a) % a);
    w_bytes(w, z, p);
}

static int ends_with(const char *s, const char *suf) {
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

/* Picks the ggml type of a constant; NOT_SUPPORTED names it. */
static grt_status classify(const grt_ir_node *n, wtensor *t) {
    const grt_ir_const *c = n->cst;
    const grt_compression_info *ci = &c->comp;
    const grt_shape *s = &n->outputs[0].shape;
    if (s->rank < 1 || s->rank > GGUF_MAX_DIMS)
        return grt_error(GRT_ERROR_NOT_SUPPORTED, "tensor '%s': rank %u has no GGUF equivalent", n->name, s->rank);
    t->node = n;
    t->n_dims = s->rank;
    for (uint32_t i = 0; i < s->rank; i++) t->ne[i] = (uint64_t)s->dims[s->rank - 1 - i];
    size_t K = (size_t)t->ne[0], rows = 1;
    for (uint32_t i = 1; i < s->rank; i++) rows *= (size_t)t->ne[i];
    t->rows = rows;
    if (ci->kind == GRT_COMPRESSION_NONE) {
        switch (n->outputs[0].type) {
        case GRT_F32: t->type = GGML_F32; t->row_bytes = K * 4; break;
        case GRT_F16: t->type = GGML_F16; t->row_bytes = K * 2; break;
        case GRT_BF16: t->type = GGML_BF16; t->row_bytes = K * 2; break;
        default:
            return grt_error(GRT_ERROR_NOT_SUPPORTED, "tensor '%s': element type %s has no GGUF equivalent", n->name,
                             grt_element_type_name(n->outputs[0].type));
        }
    } else {
        int g32 = ci->group_size == 32 && ci->scale_type == GRT_F16 && K % 32 == 0;
        if (g32 && ci->kind == GRT_COMPRESSION_SYM && ci->storage_type == GRT_I8) {
            t->type = GGML_Q8_0;
            t->row_bytes = K / 32 * 34;
        } else if (g32 && ci->kind == GRT_COMPRESSION_SYM && ci->storage_type == GRT_I4) {
            t->type = GGML_Q4_0;
            t->row_bytes = K / 32 * 18;
        } else if (g32 && ci->kind == GRT_COMPRESSION_ASYM && ci->storage_type == GRT_U4) {
            t->type = GGML_Q4_1;
            t->row_bytes = K / 32 * 20;
        } else {
            return grt_error(GRT_ERROR_NOT_SUPPORTED,
                             "tensor '%s': compression (%s %s, group %lld, %s scales) has no GGUF equivalent "
                             "(Q8_0 = i8 sym g32, Q4_0 = i4 sym g32, Q4_1 = u4 asym g32, f16 scales)",
                             n->name, ci->kind == GRT_COMPRESSION_SYM ? "sym" : "asym",
                             grt_element_type_name((grt_element_type)ci->storage_type), (long long)ci->group_size,
                             grt_element_type_name((grt_element_type)ci->scale_type));
        }
    }
    t->bytes = t->row_bytes * rows;
    return GRT_OK;
}

/* Encodes row r of tensor t into out (row_bytes). */
static void encode_row(const wtensor *t, size_t r, uint8_t *out) {
    if (!t->node) {
        memcpy(out, t->raw + r * t->row_bytes, t->row_bytes);
        return;
    }
    const grt_ir_const *c = t->node->cst;
    const grt_compression_info *ci = &c->comp;
    size_t K = (size_t)t->ne[0], gr = K / 32;
    switch (t->type) {
    case GGML_F32:
    case GGML_F16:
    case GGML_BF16: memcpy(out, (const uint8_t *)c->data + r * t->row_bytes, t->row_bytes); break;
    case GGML_Q8_0:
        gguf_q8_0_join((const int8_t *)c->data + r * K, (const uint16_t *)ci->scales + r * gr, K, out);
        break;
    case GGML_Q4_0:
        gguf_q4_0_join((const uint8_t *)c->data + r * K / 2, (const uint16_t *)ci->scales + r * gr, K, out);
        break;
    default: { /* Q4_1 */
        float z[64];
        const uint16_t *sc = (const uint16_t *)ci->scales + r * gr;
        const uint8_t *q = (const uint8_t *)c->data + r * K / 2;
        for (size_t g0 = 0; g0 < gr; g0 += 64) {
            size_t ng = gr - g0 < 64 ? gr - g0 : 64;
            for (size_t g = 0; g < ng; g++) {
                size_t gi = r * gr + g0 + g;
                switch (ci->zero_point_type) {
                case GRT_F32: z[g] = ((const float *)ci->zero_points)[gi]; break;
                case GRT_F16: z[g] = gguf_f16_to_f32(((const uint16_t *)ci->zero_points)[gi]); break;
                default: z[g] = (float)((((const uint8_t *)ci->zero_points)[gi / 2] >> ((gi & 1) * 4)) & 15); break;
                }
            }
            gguf_q4_1_join(q + g0 * 16, sc + g0, z, ng * 32, out + g0 * 20);
        }
        break;
    }
    }
}

/* Source row of output row r for a per-head rope permutation. */
static size_t src_row(const wtensor *t, size_t r) {
    if (!t->permute) return r;
    size_t hd = (size_t)t->head_dim, h = r / hd, k = r % hd, half = hd / 2;
    if (t->permute == 1) return h * hd + (k % 2) * half + k / 2; /* interleaved k = 2i + j <- half j*hd/2 + i */
    return h * hd + 2 * (k % half) + k / half;                    /* half k = j*hd/2 + i <- interleaved 2i + j */
}

/* RoPE parameters of the graph's first RoPE node. */
typedef struct rope_info {
    int mode;     /* -1 none, -2 partial rotary, else the `mode` attribute */
    int scaling;  /* `scaling` attribute */
    double theta, factor, low, high;
    int64_t orig;
} rope_info;

static double attr_f(const grt_ir_node *n, const char *name, double dflt) {
    const grt_attr_value *a = grt_ir_node_attr(n, name);
    return !a ? dflt : a->type == GRT_ATTR_FLOAT ? a->u.f : a->type == GRT_ATTR_INT ? (double)a->u.i : dflt;
}

static void graph_rope(const grt_ir_graph *g, rope_info *r) {
    memset(r, 0, sizeof *r);
    r->mode = -1;
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        const grt_ir_node *n = &g->nodes[i];
        if (n->op != GRT_OP_ROPE) continue;
        r->mode = attr_f(n, "rotary_dims", 0) != 0 ? -2 : (int)attr_f(n, "mode", 0);
        r->scaling = (int)attr_f(n, "scaling", 0);
        r->theta = attr_f(n, "theta", 10000.0);
        r->factor = attr_f(n, "factor", 1.0);
        r->low = attr_f(n, "low_freq_factor", 1.0);
        r->high = attr_f(n, "high_freq_factor", 4.0);
        r->orig = (int64_t)attr_f(n, "original_max_position", 8192);
        return;
    }
}

void gguf_llama3_rope_factors(double theta, int64_t rotary_dim, double factor, double low, double high,
                              double orig, float *out) {
    const double pi = 3.14159265358979323846;
    double lo_wave = orig / low, hi_wave = orig / high;
    for (int64_t i = 0; i < rotary_dim / 2; i++) {
        /* inv_freq as the converter computes it: theta ** (2i / R) in f32, then 1 / that */
        float e = (float)(2 * i) / (float)rotary_dim;
        float inv = 1.0f / powf((float)theta, e);
        double wave = 2.0 * pi / (double)inv, d;
        if (wave < hi_wave) d = 1.0;
        else if (wave > lo_wave) d = factor;
        else {
            double smooth = (orig / wave - low) / (high - low);
            d = 1.0 / ((1.0 - smooth) / factor + smooth);
        }
        out[i] = (float)d;
    }
}

static void w_kv_f64(wctx *w, const char *key, double v) {
    w_str(w, key, strlen(key));
    w_u32(w, GGUF_F64);
    w_bytes(w, &v, 8);
}

/* Keys replaced by the genrt.llm.rope_* ones (and rope_freqs.weight) for llama3 scaling. */
static int llama3_replaced(const char *key, const char *arch) {
    static const char *const sfx[] = {".rope.scaling.type", ".rope.scaling.factor",
                                      ".rope.scaling.original_context_length"};
    size_t al = strlen(arch);
    if (!strncmp(key, "genrt.llm.rope_", 15) && strcmp(key, "genrt.llm.rope_mode")) return 1;
    if (strncmp(key, arch, al)) return 0;
    for (int i = 0; i < 3; i++)
        if (!strcmp(key + al, sfx[i])) return 1;
    return 0;
}

static grt_status write_meta(wctx *w, const grt_model *m, const char *arch, const rope_info *ri,
                             size_t *count_out, int dry) {
    size_t count = 0;
    int llama3 = ri->scaling == 2;
    for (size_t i = 0; i < grt_model_meta_count(m); i++) {
        const char *key = grt_model_meta_key(m, i);
        grt_meta_value v;
        if (!key || grt_model_get_meta(m, key, &v) != GRT_OK) continue;
        if (!strcmp(key, "general.alignment") || !strcmp(key, "genrt.llm.rope_mode")) continue;
        if (llama3 && llama3_replaced(key, arch)) continue;
        count++;
        if (dry) continue;
        w_str(w, key, strlen(key));
        switch (v.type) {
        case GRT_META_INT:
            if (v.u.i >= 0 && v.u.i <= (int64_t)UINT32_MAX) {
                w_u32(w, GGUF_U32);
                w_u32(w, (uint32_t)v.u.i);
            } else if (v.u.i >= INT32_MIN && v.u.i <= INT32_MAX) {
                w_u32(w, GGUF_I32);
                w_u32(w, (uint32_t)(int32_t)v.u.i);
            } else {
                w_u32(w, GGUF_I64);
                w_u64(w, (uint64_t)v.u.i);
            }
            break;
        case GRT_META_FLOAT: {
            float f = (float)v.u.f;
            w_u32(w, GGUF_F32);
            w_bytes(w, &f, 4);
            break;
        }
        case GRT_META_STRING:
            w_u32(w, GGUF_STRING);
            w_str(w, v.u.str.data, v.u.str.len);
            break;
        case GRT_META_INT_ARRAY: {
            int fits = 1;
            for (size_t k = 0; k < v.u.ints.count; k++)
                fits &= v.u.ints.data[k] >= INT32_MIN && v.u.ints.data[k] <= INT32_MAX;
            w_u32(w, GGUF_ARRAY);
            w_u32(w, fits ? GGUF_I32 : GGUF_I64);
            w_u64(w, v.u.ints.count);
            for (size_t k = 0; k < v.u.ints.count; k++) {
                if (fits) w_u32(w, (uint32_t)(int32_t)v.u.ints.data[k]);
                else w_u64(w, (uint64_t)v.u.ints.data[k]);
            }
            break;
        }
        case GRT_META_FLOAT_ARRAY:
            w_u32(w, GGUF_ARRAY);
            w_u32(w, GGUF_F32);
            w_u64(w, v.u.floats.count);
            for (size_t k = 0; k < v.u.floats.count; k++) {
                float f = (float)v.u.floats.data[k];
                w_bytes(w, &f, 4);
            }
            break;
        case GRT_META_STRING_ARRAY:
            w_u32(w, GGUF_ARRAY);
            w_u32(w, GGUF_STRING);
            w_u64(w, v.u.strs.count);
            for (size_t k = 0; k < v.u.strs.count; k++) w_str(w, v.u.strs.data[k], v.u.strs.lens[k]);
            break;
        default:
            return grt_error(GRT_ERROR_NOT_SUPPORTED, "metadata key '%s': type %u has no GGUF equivalent", key, v.type);
        }
    }
    if (llama3) {
        count += 5;
        if (!dry) {
            const char *k = "genrt.llm.rope_scaling";
            w_str(w, k, strlen(k));
            w_u32(w, GGUF_STRING);
            w_str(w, "llama3", 6);
            w_kv_f64(w, "genrt.llm.rope_factor", ri->factor);
            w_kv_f64(w, "genrt.llm.rope_low_freq_factor", ri->low);
            w_kv_f64(w, "genrt.llm.rope_high_freq_factor", ri->high);
            k = "genrt.llm.rope_original_context_length";
            w_str(w, k, strlen(k));
            w_u32(w, GGUF_U64);
            w_u64(w, (uint64_t)ri->orig);
        }
    }
    *count_out = count + 1; /* + general.alignment */
    return GRT_OK;
}

static int64_t meta_int(const grt_model *m, const char *arch, const char *suffix, int64_t dflt) {
    char key[128];
    grt_meta_value v;
    snprintf(key, sizeof key, "%s.%s", arch, suffix);
    return grt_model_get_meta(m, key, &v) == GRT_OK && v.type == GRT_META_INT ? v.u.i : dflt;
}

grt_status grt_gguf_write(const grt_model *model, const char *path) {
    const grt_ir_graph *g = &model->g;
    wtensor *ts = NULL;
    size_t nt = 0, n_kv = 0;
    uint8_t *row = NULL;
    float *freqs = NULL;
    char *tmp = NULL;
    wctx w = {0};
    grt_status st;
    grt_meta_value av;
    char arch[32] = "";
    if (grt_model_get_meta(model, "general.architecture", &av) != GRT_OK || av.type != GRT_META_STRING ||
        av.u.str.len == 0 || av.u.str.len >= sizeof arch)
        return grt_error(GRT_ERROR_NOT_SUPPORTED, "%s: the model has no general.architecture metadata (GGUF needs "
                         "a model from the LLM builder)", path);
    memcpy(arch, av.u.str.data, av.u.str.len);
    int want_mode = !strcmp(arch, "llama") || !strcmp(arch, "mistral") ? 1
                    : !strcmp(arch, "qwen2") || !strcmp(arch, "qwen3") || !strcmp(arch, "phi3") ? 0 : -1;
    rope_info ri;
    graph_rope(g, &ri);
    int mode = ri.mode;
    int64_t hq = meta_int(model, arch, "attention.head_count", 0);
    int64_t hd = meta_int(model, arch, "attention.key_length",
                          hq > 0 ? meta_int(model, arch, "embedding_length", 0) / hq : 0);
    int permute = want_mode >= 0 && mode >= 0 && mode != want_mode ? (want_mode == 1 ? 1 : 2) : 0;
    if (mode == -2 && want_mode >= 0)
        return grt_error(GRT_ERROR_NOT_SUPPORTED, "%s: partial rotary RoPE cannot be written as GGUF '%s'", path, arch);
    if (permute && (hd <= 0 || hd % 2))
        return grt_error(GRT_ERROR_NOT_SUPPORTED, "%s: cannot permute attention weights (head_dim %lld)", path,
                         (long long)hd);
    if (ri.scaling == 2 && (hd <= 0 || hd % 2 || mode < 0))
        return grt_error(GRT_ERROR_NOT_SUPPORTED, "%s: llama3 RoPE scaling needs a full-rotary head_dim (got %lld)", path,
                         (long long)hd);
    if (!(ts = calloc((size_t)g->n_nodes + 1, sizeof *ts))) return grt_error(GRT_ERROR_OUT_OF_MEMORY, "%s", path);
    uint64_t off = 0;
    size_t max_row = 1;
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        const grt_ir_node *n = &g->nodes[i];
        if (n->op != GRT_OP_CONSTANT || (!ends_with(n->name, ".weight") && !ends_with(n->name, ".bias"))) continue;
        wtensor *t = &ts[nt];
        if ((st = classify(n, t)) != GRT_OK) goto fail;
        t->name = n->name;
        if (permute && (strstr(n->name, ".attn_q.") || strstr(n->name, ".attn_k."))) {
            if (t->n_dims > 2 || (n->outputs[0].shape.dims[0] % hd)) {
                st = grt_error(GRT_ERROR_NOT_SUPPORTED, "tensor '%s': cannot permute rows for rope", n->name);
                goto fail;
            }
            t->permute = permute;
            t->head_dim = hd;
            if (t->n_dims == 1) { /* a bias: each element is a row */
                t->rows = (size_t)t->ne[0];
                t->row_bytes = t->bytes / t->rows;
            }
        } else if (permute && strstr(n->name, ".attn_qkv.")) {
            st = grt_error(GRT_ERROR_NOT_SUPPORTED, "tensor '%s': fused qkv with a different rope mode", n->name);
            goto fail;
        }
        t->offset = off;
        off += (t->bytes + TENSOR_ALIGN - 1) / TENSOR_ALIGN * TENSOR_ALIGN;
        if (t->row_bytes > max_row) max_row = t->row_bytes;
        nt++;
    }
    if (ri.scaling == 2) { /* llama.cpp's form of llama3 scaling: per-pair divisors */
        if (!(freqs = malloc((size_t)hd / 2 * sizeof *freqs))) {
            st = grt_error(GRT_ERROR_OUT_OF_MEMORY, "%s: out of memory", path);
            goto fail;
        }
        gguf_llama3_rope_factors(ri.theta, hd, ri.factor, ri.low, ri.high, (double)ri.orig, freqs);
        wtensor *t = &ts[nt++];
        t->name = "rope_freqs.weight";
        t->raw = (const uint8_t *)freqs;
        t->type = GGML_F32;
        t->n_dims = 1;
        t->ne[0] = (uint64_t)hd / 2;
        t->rows = 1;
        t->row_bytes = t->bytes = (size_t)hd / 2 * sizeof *freqs;
        t->offset = off;
        off += (t->bytes + TENSOR_ALIGN - 1) / TENSOR_ALIGN * TENSOR_ALIGN;
        if (t->row_bytes > max_row) max_row = t->row_bytes;
    }
    if ((st = write_meta(&w, model, arch, &ri, &n_kv, 1)) != GRT_OK) goto fail;
    size_t pl = strlen(path);
    if (!(tmp = malloc(pl + 16)) || !(row = malloc(max_row))) {
        st = grt_error(GRT_ERROR_OUT_OF_MEMORY, "%s: out of memory", path);
        goto fail;
    }
    snprintf(tmp, pl + 16, "%s.tmp%ld", path, (long)getpid() % 100000);
    if (!(w.fp = fopen(tmp, "wb"))) {
        st = grt_error(GRT_ERROR_IO, "%s: cannot create (%s)", tmp, strerror(errno));
        goto fail;
    }
    w_bytes(&w, GGUF_MAGIC, 4);
    w_u32(&w, 3);
    w_u64(&w, nt);
    w_u64(&w, n_kv);
    w_str(&w, "general.alignment", strlen("general.alignment"));
    w_u32(&w, GGUF_U32);
    w_u32(&w, OUT_ALIGN);
    if ((st = write_meta(&w, model, arch, &ri, &n_kv, 0)) != GRT_OK) goto fail;
    for (size_t i = 0; i < nt; i++) {
        w_str(&w, ts[i].name, strlen(ts[i].name));
        w_u32(&w, ts[i].n_dims);
        for (uint32_t d = 0; d < ts[i].n_dims; d++) w_u64(&w, ts[i].ne[d]);
        w_u32(&w, ts[i].type);
        w_u64(&w, ts[i].offset);
    }
    w_pad(&w, OUT_ALIGN);
    uint64_t data0 = w.pos;
    for (size_t i = 0; i < nt && !w.err; i++) {
        const wtensor *t = &ts[i];
        static const uint8_t zeros[TENSOR_ALIGN];
        while (w.pos - data0 < t->offset) {
            uint64_t gap = t->offset - (w.pos - data0);
            w_bytes(&w, zeros, gap < TENSOR_ALIGN ? (size_t)gap : TENSOR_ALIGN);
        }
        for (size_t r = 0; r < t->rows; r++) {
            size_t sr = src_row(t, r);
            if (t->n_dims == 1 && t->permute) /* bias element */
                memcpy(row, (const uint8_t *)t->node->cst->data + sr * t->row_bytes, t->row_bytes);
            else
                encode_row(t, sr, row);
            w_bytes(&w, row, t->row_bytes);
        }
    }
    w_pad(&w, OUT_ALIGN);
    if (fclose(w.fp) != 0 && !w.err) w.err = errno ? errno : EIO;
    w.fp = NULL;
    if (w.err) {
        st = grt_error(GRT_ERROR_IO, "%s: write failed (%s)", tmp, strerror(w.err));
        remove(tmp);
        goto fail;
    }
    if (rename(tmp, path) != 0) {
        st = grt_error(GRT_ERROR_IO, "%s: cannot rename into place (%s)", path, strerror(errno));
        remove(tmp);
        goto fail;
    }
    st = GRT_OK;
fail:
    if (w.fp) {
        fclose(w.fp);
        remove(tmp);
    }
    free(tmp);
    free(row);
    free(freqs);
    free(ts);
    return st;
}
