/*
 * hf_fixture.c - tiny models, file writers, reference forward pass and CPU runner for the Hugging
 * Face frontend tests (see hf_fixture.h). Single-threaded.
 */
#include "hf_fixture.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- tiny model ------------------------------------------------------------------------------- */

static uint64_t g_rng;

static float rnd_normal(void) {
    /* splitmix64 + Box-Muller: plain and exact enough for test data */
    double u[2];
    for (int i = 0; i < 2; i++) {
        uint64_t z = (g_rng += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        u[i] = ((double)(z >> 11) + 0.5) / 9007199254740992.0;
    }
    return (float)(sqrt(-2.0 * log(u[0])) * cos(6.283185307179586 * u[1]));
}

static int add(tiny_model *m, const char *name, const char *hf, int64_t d0, int64_t d1, int is_norm) {
    if (m->n >= TINY_MAX_TENSORS) return 0;
    tiny_tensor *t = &m->t[m->n++];
    snprintf(t->name, sizeof t->name, "%s", name);
    snprintf(t->hf, sizeof t->hf, "%s", hf);
    t->rank = d1 ? 2 : 1;
    t->dims[0] = d0;
    t->dims[1] = d1;
    t->n = (size_t)(d0 * (d1 ? d1 : 1));
    t->data = malloc(t->n * sizeof(float));
    if (!t->data) return 0;
    for (size_t i = 0; i < t->n; i++) t->data[i] = is_norm ? 1.0f + 0.1f * rnd_normal() : 0.1f * rnd_normal();
    return 1;
}

int tiny_model_init(tiny_model *m, const char *model_type, uint64_t seed) {
    memset(m, 0, sizeof *m);
    grt_llm_config *c = &m->cfg;
    grt_llm_config_defaults(c);
    m->model_type = model_type;
    snprintf(c->arch, sizeof c->arch, "%s", !strcmp(model_type, "llama") ? "llama" : model_type);
    c->vocab_size = 64;
    c->dim = 32;
    c->hidden_dim = 48;
    c->n_layers = 2;
    c->n_heads = 4;
    c->n_kv_heads = 2;
    c->head_dim = 8;
    c->max_seq_len = 64;
    c->norm_eps = 1e-5;
    c->rope_theta = 10000.0;
    c->rope_mode = GRT_LLM_ROPE_HALF;
    if (!strcmp(model_type, "qwen2")) c->qkv_bias = c->tied_embeddings = 1;
    else if (!strcmp(model_type, "qwen3")) c->qk_norm = 1, c->head_dim = 16;
    else if (!strcmp(model_type, "phi3")) c->fused_qkv = c->fused_gate_up = 1;
    else if (strcmp(model_type, "llama")) return 0;
    g_rng = seed;
    int64_t d = c->dim, hd = c->head_dim, q = c->n_heads * hd, kv = c->n_kv_heads * hd, h = c->hidden_dim;
    char n1[64], n2[96];
    int ok = add(m, "token_embd.weight", "model.embed_tokens.weight", c->vocab_size, d, 0);
#define L(canon, hfname, d0, d1, norm)                                                                  \
    do {                                                                                           \
        snprintf(n1, sizeof n1, "blk.%d.%s", l, canon);                                            \
        snprintf(n2, sizeof n2, "model.layers.%d.%s", l, hfname);                                  \
        ok = ok && add(m, n1, n2, d0, d1, norm);                                                   \
    } while (0)
    for (int l = 0; l < (int)c->n_layers; l++) {
        L("attn_norm.weight", "input_layernorm.weight", d, 0, 1);
        if (c->fused_qkv) {
            L("attn_qkv.weight", "self_attn.qkv_proj.weight", q + 2 * kv, d, 0);
        } else {
            L("attn_q.weight", "self_attn.q_proj.weight", q, d, 0);
            L("attn_k.weight", "self_attn.k_proj.weight", kv, d, 0);
            L("attn_v.weight", "self_attn.v_proj.weight", kv, d, 0);
        }
        if (c->qkv_bias) {
            L("attn_q.bias", "self_attn.q_proj.bias", q, 0, 0);
            L("attn_k.bias", "self_attn.k_proj.bias", kv, 0, 0);
            L("attn_v.bias", "self_attn.v_proj.bias", kv, 0, 0);
        }
        if (c->qk_norm) {
            L("attn_q_norm.weight", "self_attn.q_norm.weight", hd, 0, 1);
            L("attn_k_norm.weight", "self_attn.k_norm.weight", hd, 0, 1);
        }
        L("attn_output.weight", "self_attn.o_proj.weight", d, q, 0);
        L("ffn_norm.weight", "post_attention_layernorm.weight", d, 0, 1);
        if (c->fused_gate_up) {
            L("ffn_up.weight", "mlp.gate_up_proj.weight", 2 * h, d, 0);
        } else {
            L("ffn_gate.weight", "mlp.gate_proj.weight", h, d, 0);
            L("ffn_up.weight", "mlp.up_proj.weight", h, d, 0);
        }
        L("ffn_down.weight", "mlp.down_proj.weight", d, h, 0);
    }
#undef L
    ok = ok && add(m, "output_norm.weight", "model.norm.weight", d, 0, 1);
    if (!c->tied_embeddings) ok = ok && add(m, "output.weight", "lm_head.weight", c->vocab_size, d, 0);
    return ok;
}

void tiny_model_free(tiny_model *m) {
    for (size_t i = 0; i < m->n; i++) free(m->t[i].data);
    m->n = 0;
}

const tiny_tensor *tiny_find(const tiny_model *m, const char *name) {
    for (size_t i = 0; i < m->n; i++)
        if (!strcmp(m->t[i].name, name)) return &m->t[i];
    return NULL;
}

grt_status tiny_weight(void *user, grt_model *model, const char *name, size_t rank, const int64_t *dims,
                       grt_port *out) {
    const tiny_tensor *t = tiny_find(user, name);
    if (!t || t->rank != rank || t->dims[0] != dims[0] || (rank == 2 && t->dims[1] != dims[1]))
        return GRT_ERROR_NOT_FOUND;
    return grt_model_add_constant(model, name, GRT_F32, rank, dims, t->data, t->n * sizeof(float), out);
}

/* --- writers ---------------------------------------------------------------------------------- */

int write_file(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    int ok = fwrite(data, 1, n, f) == n;
    return (fclose(f) == 0) && ok;
}

static uint16_t f16_bits(float v) {
    /* round-to-nearest-even, normal range only (test values are small and not tiny) */
    uint32_t u;
    memcpy(&u, &v, 4);
    uint32_t sign = (u >> 16) & 0x8000u, a = u & 0x7FFFFFFFu;
    if (a < 0x38800000u) return (uint16_t)sign; /* flush tiny values to zero */
    uint32_t r = a - 0x38000000u, rem = r & 0x1FFFu;
    r >>= 13;
    if (rem > 0x1000u || (rem == 0x1000u && (r & 1u))) r++;
    return (uint16_t)(sign | r);
}

int write_safetensors(const char *path, const tiny_tensor *t, size_t n, const char *dtype, size_t align) {
    size_t es = !strcmp(dtype, "F32") ? 4 : 2, off = 0, cap = 256 + n * 200, len = 0;
    char *hdr = malloc(cap);
    if (!hdr) return 0;
    len += (size_t)snprintf(hdr + len, cap - len, "{\"__metadata__\":{\"format\":\"pt\"}");
    for (size_t i = 0; i < n; i++) {
        size_t bytes = t[i].n * es;
        if (t[i].rank == 2)
            len += (size_t)snprintf(hdr + len, cap - len, ",\"%s\":{\"dtype\":\"%s\",\"shape\":[%lld,%lld],"
                                    "\"data_offsets\":[%zu,%zu]}", t[i].hf, dtype, (long long)t[i].dims[0],
                                    (long long)t[i].dims[1], off, off + bytes);
        else
            len += (size_t)snprintf(hdr + len, cap - len, ",\"%s\":{\"dtype\":\"%s\",\"shape\":[%lld],"
                                    "\"data_offsets\":[%zu,%zu]}", t[i].hf, dtype, (long long)t[i].dims[0], off,
                                    off + bytes);
        off += bytes;
    }
    len += (size_t)snprintf(hdr + len, cap - len, "}");
    /* pad the header with spaces so the data starts at a multiple of align (or just off it) */
    size_t data_start = 8 + len;
    if (align > 1) data_start = (data_start + align - 1) / align * align;
    else if (data_start % 64 == 0) data_start++;
    size_t total = data_start + off;
    uint8_t *buf = calloc(1, total);
    if (!buf) {
        free(hdr);
        return 0;
    }
    uint64_t hl = data_start - 8;
    for (int i = 0; i < 8; i++) buf[i] = (uint8_t)(hl >> (8 * i));
    memcpy(buf + 8, hdr, len);
    memset(buf + 8 + len, ' ', hl - len);
    size_t pos = data_start;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < t[i].n; k++) {
            float v = t[i].data[k];
            if (es == 4) {
                memcpy(buf + pos, &v, 4);
            } else {
                uint32_t u;
                memcpy(&u, &v, 4);
                uint16_t h = !strcmp(dtype, "F16") ? f16_bits(v) : (uint16_t)((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
                memcpy(buf + pos, &h, 2);
            }
            pos += es;
        }
    int ok = write_file(path, buf, total);
    free(buf);
    free(hdr);
    return ok;
}

int write_config(const char *dir, const tiny_model *m, const char *extra) {
    const grt_llm_config *c = &m->cfg;
    char path[1024], text[2048];
    const char *archs = !strcmp(m->model_type, "llama") ? "LlamaForCausalLM"
                        : !strcmp(m->model_type, "qwen2") ? "Qwen2ForCausalLM"
                        : !strcmp(m->model_type, "qwen3") ? "Qwen3ForCausalLM" : "Phi3ForCausalLM";
    snprintf(path, sizeof path, "%s/config.json", dir);
    int n = snprintf(text, sizeof text,
                     "{\"architectures\": [\"%s\"], \"model_type\": \"%s\", \"hidden_size\": %lld,\n"
                     " \"intermediate_size\": %lld, \"num_hidden_layers\": %lld, \"num_attention_heads\": %lld,\n"
                     " \"num_key_value_heads\": %lld, \"head_dim\": %lld, \"vocab_size\": %lld,\n"
                     " \"max_position_embeddings\": %lld, \"rms_norm_eps\": %g, \"rope_theta\": %g,\n"
                     " \"hidden_act\": \"silu\", \"tie_word_embeddings\": %s, \"bos_token_id\": 1,\n"
                     " \"eos_token_id\": [2, 3]%s%s}\n",
                     archs, m->model_type, (long long)c->dim, (long long)c->hidden_dim, (long long)c->n_layers,
                     (long long)c->n_heads, (long long)c->n_kv_heads, (long long)c->head_dim,
                     (long long)c->vocab_size, (long long)c->max_seq_len, c->norm_eps, c->rope_theta,
                     c->tied_embeddings ? "true" : "false", extra && *extra ? ", " : "", extra ? extra : "");
    return n > 0 && (size_t)n < sizeof text && write_file(path, text, (size_t)n);
}

/* Appends tensor `name` (rows permuted from half to interleaved RoPE pairs when permute_hd). */
static int put(FILE *f, const tiny_model *m, const char *name, int64_t permute_hd) {
    const tiny_tensor *t = tiny_find(m, name);
    if (!t) return 0;
    if (!permute_hd) return fwrite(t->data, sizeof(float), t->n, f) == t->n;
    int64_t cols = t->dims[1], half = permute_hd / 2;
    for (int64_t r = 0; r < t->dims[0]; r++) {
        /* llama2.c row h*hd + 2j + s holds HF row h*hd + s*hd/2 + j */
        int64_t h = r / permute_hd, j = (r % permute_hd) / 2, s = r % 2;
        const float *src = t->data + (h * permute_hd + s * half + j) * cols;
        if (fwrite(src, sizeof(float), (size_t)cols, f) != (size_t)cols) return 0;
    }
    return 1;
}

int write_llama2c(const char *path, const tiny_model *m) {
    const grt_llm_config *c = &m->cfg;
    static const char *const per_layer[9] = {"attn_norm", "attn_q", "attn_k", "attn_v", "attn_output",
                                             "ffn_norm", "ffn_gate", "ffn_down", "ffn_up"};
    if (strcmp(m->model_type, "llama")) return 0;
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    int32_t h[7] = {(int32_t)c->dim, (int32_t)c->hidden_dim, (int32_t)c->n_layers, (int32_t)c->n_heads,
                    (int32_t)c->n_kv_heads, (int32_t)(c->tied_embeddings ? c->vocab_size : -c->vocab_size),
                    (int32_t)c->max_seq_len};
    int ok = fwrite(h, sizeof h, 1, f) == 1 && put(f, m, "token_embd.weight", 0);
    char name[64];
    for (int k = 0; k < 9 && ok; k++)
        for (int l = 0; l < (int)c->n_layers && ok; l++) {
            snprintf(name, sizeof name, "blk.%d.%s.weight", l, per_layer[k]);
            ok = put(f, m, name, k == 1 || k == 2 ? c->head_dim : 0);
        }
    ok = ok && put(f, m, "output_norm.weight", 0);
    size_t nfreq = (size_t)(c->max_seq_len * c->head_dim); /* freq_cis_real + freq_cis_imag (unused) */
    for (size_t i = 0; i < nfreq && ok; i++) {
        float z = 0.0f;
        ok = fwrite(&z, sizeof z, 1, f) == 1;
    }
    if (!c->tied_embeddings) ok = ok && put(f, m, "output.weight", 0);
    return (fclose(f) == 0) && ok;
}

/* --- reference forward -------------------------------------------------------------------------- */

static const float *W(const tiny_model *m, int l, const char *suffix) {
    char name[64];
    if (l >= 0) snprintf(name, sizeof name, "blk.%d.%s", l, suffix);
    else snprintf(name, sizeof name, "%s", suffix);
    const tiny_tensor *t = tiny_find(m, name);
    return t ? t->data : NULL;
}

/* y[rows] = w[rows, cols] x[cols] (+ b) */
static void matvec(float *y, const float *w, const float *x, const float *b, int64_t rows, int64_t cols) {
    for (int64_t r = 0; r < rows; r++) {
        double s = b ? b[r] : 0.0;
        for (int64_t k = 0; k < cols; k++) s += (double)w[r * cols + k] * x[k];
        y[r] = (float)s;
    }
}

static void rmsnorm(float *y, const float *x, const float *w, int64_t n, double eps) {
    double ss = 0;
    for (int64_t i = 0; i < n; i++) ss += (double)x[i] * x[i];
    double inv = 1.0 / sqrt(ss / (double)n + eps);
    for (int64_t i = 0; i < n; i++) y[i] = (float)(x[i] * inv * w[i]);
}

static void rope_half(float *v, int64_t heads, int64_t hd, int64_t pos, double theta) {
    for (int64_t h = 0; h < heads; h++)
        for (int64_t i = 0; i < hd / 2; i++) {
            double ang = (double)pos * pow(theta, -2.0 * (double)i / (double)hd);
            float *a = v + h * hd + i, *b = a + hd / 2;
            double x0 = *a, x1 = *b;
            *a = (float)(x0 * cos(ang) - x1 * sin(ang));
            *b = (float)(x0 * sin(ang) + x1 * cos(ang));
        }
}

float *reference_logits(const tiny_model *m, const int64_t *tokens, size_t n_tokens) {
    const grt_llm_config *c = &m->cfg;
    int64_t d = c->dim, hd = c->head_dim, H = c->n_heads, Hkv = c->n_kv_heads, hid = c->hidden_dim;
    int64_t q_n = H * hd, kv_n = Hkv * hd, V = c->vocab_size, L = c->n_layers, T = (int64_t)n_tokens;
    float *logits = calloc((size_t)(T * V), sizeof(float));
    float *kc = calloc((size_t)(L * T * kv_n), sizeof(float)), *vc = calloc((size_t)(L * T * kv_n), sizeof(float));
    float *x = calloc((size_t)d, 4), *xn = calloc((size_t)d, 4), *qkv = calloc((size_t)(q_n + 2 * kv_n), 4);
    float *att = calloc((size_t)q_n, 4), *o = calloc((size_t)d, 4), *gu = calloc((size_t)(2 * hid), 4);
    float *sc = calloc((size_t)T, 4);
    int ok = logits && kc && vc && x && xn && qkv && att && o && gu && sc;
    for (int64_t p = 0; ok && p < T; p++) {
        memcpy(x, W(m, -1, "token_embd.weight") + tokens[p] * d, (size_t)d * 4);
        for (int l = 0; l < L; l++) {
            rmsnorm(xn, x, W(m, l, "attn_norm.weight"), d, c->norm_eps);
            float *q = qkv, *k = qkv + q_n, *v = qkv + q_n + kv_n;
            if (c->fused_qkv) {
                matvec(qkv, W(m, l, "attn_qkv.weight"), xn, NULL, q_n + 2 * kv_n, d);
            } else {
                matvec(q, W(m, l, "attn_q.weight"), xn, c->qkv_bias ? W(m, l, "attn_q.bias") : NULL, q_n, d);
                matvec(k, W(m, l, "attn_k.weight"), xn, c->qkv_bias ? W(m, l, "attn_k.bias") : NULL, kv_n, d);
                matvec(v, W(m, l, "attn_v.weight"), xn, c->qkv_bias ? W(m, l, "attn_v.bias") : NULL, kv_n, d);
            }
            if (c->qk_norm) {
                for (int64_t h = 0; h < H; h++) rmsnorm(q + h * hd, q + h * hd, W(m, l, "attn_q_norm.weight"), hd, c->norm_eps);
                for (int64_t h = 0; h < Hkv; h++) rmsnorm(k + h * hd, k + h * hd, W(m, l, "attn_k_norm.weight"), hd, c->norm_eps);
            }
            rope_half(q, H, hd, p, c->rope_theta);
            rope_half(k, Hkv, hd, p, c->rope_theta);
            memcpy(kc + (l * T + p) * kv_n, k, (size_t)kv_n * 4);
            memcpy(vc + (l * T + p) * kv_n, v, (size_t)kv_n * 4);
            for (int64_t h = 0; h < H; h++) {
                int64_t g = h / (H / Hkv);
                double mx = -1e300, sum = 0;
                for (int64_t t = 0; t <= p; t++) {
                    double s = 0;
                    for (int64_t i = 0; i < hd; i++) s += (double)q[h * hd + i] * kc[(l * T + t) * kv_n + g * hd + i];
                    sc[t] = (float)(s / sqrt((double)hd));
                    if (sc[t] > mx) mx = sc[t];
                }
                for (int64_t t = 0; t <= p; t++) sum += exp(sc[t] - mx);
                for (int64_t i = 0; i < hd; i++) {
                    double a = 0;
                    for (int64_t t = 0; t <= p; t++) a += exp(sc[t] - mx) / sum * vc[(l * T + t) * kv_n + g * hd + i];
                    att[h * hd + i] = (float)a;
                }
            }
            matvec(o, W(m, l, "attn_output.weight"), att, NULL, d, q_n);
            for (int64_t i = 0; i < d; i++) x[i] += o[i];
            rmsnorm(xn, x, W(m, l, "ffn_norm.weight"), d, c->norm_eps);
            if (c->fused_gate_up) {
                matvec(gu, W(m, l, "ffn_up.weight"), xn, NULL, 2 * hid, d);
            } else {
                matvec(gu, W(m, l, "ffn_gate.weight"), xn, NULL, hid, d);
                matvec(gu + hid, W(m, l, "ffn_up.weight"), xn, NULL, hid, d);
            }
            for (int64_t i = 0; i < hid; i++) gu[i] = (float)(gu[i] / (1.0 + exp(-(double)gu[i])) * gu[hid + i]);
            matvec(o, W(m, l, "ffn_down.weight"), gu, NULL, d, hid);
            for (int64_t i = 0; i < d; i++) x[i] += o[i];
        }
        rmsnorm(xn, x, W(m, -1, "output_norm.weight"), d, c->norm_eps);
        matvec(logits + p * V, W(m, -1, c->tied_embeddings ? "token_embd.weight" : "output.weight"), xn, NULL, V, d);
    }
    free(kc), free(vc), free(x), free(xn), free(qkv), free(att), free(o), free(gu), free(sc);
    if (!ok) {
        free(logits);
        return NULL;
    }
    return logits;
}

/* --- CPU runner --------------------------------------------------------------------------------- */

float *run_logits(grt_core *core, const grt_model *model, const int64_t *tokens, size_t n_tokens, size_t prefill,
                  int64_t vocab) {
    grt_compiled_model *cm = NULL;
    grt_infer_request *rq = NULL;
    float *logits = calloc(n_tokens * (size_t)vocab, sizeof(float));
    int64_t *pos = calloc(n_tokens, sizeof(int64_t));
    int ok = logits && pos && prefill >= 1 && prefill <= n_tokens;
    for (size_t i = 0; ok && i < n_tokens; i++) pos[i] = (int64_t)i;
    ok = ok && grt_core_compile_model(core, model, "CPU", NULL, 0, &cm) == GRT_OK;
    ok = ok && grt_compiled_model_create_infer_request(cm, &rq) == GRT_OK;
    for (size_t at = 0; ok && at < n_tokens;) {
        size_t s = at == 0 ? prefill : 1;
        int64_t dims[2] = {1, (int64_t)s};
        grt_tensor *ids = NULL, *ps = NULL, *out = NULL;
        ok = grt_tensor_wrap(GRT_I64, 2, dims, NULL, (void *)(tokens + at), s * 8, &ids) == GRT_OK &&
             grt_tensor_wrap(GRT_I64, 2, dims, NULL, pos + at, s * 8, &ps) == GRT_OK &&
             grt_infer_request_set_tensor(rq, "input_ids", ids) == GRT_OK &&
             grt_infer_request_set_tensor(rq, "position_ids", ps) == GRT_OK &&
             grt_infer_request_infer(rq) == GRT_OK && grt_infer_request_get_tensor(rq, "logits", &out) == GRT_OK &&
             grt_tensor_element_type(out) == GRT_F32 && grt_tensor_element_count(out) == s * (size_t)vocab &&
             grt_tensor_is_dense(out);
        if (ok) memcpy(logits + at * (size_t)vocab, grt_tensor_data(out), s * (size_t)vocab * sizeof(float));
        else fprintf(stderr, "run_logits: step at %zu failed: %s\n", at, grt_last_error());
        grt_tensor_destroy(ids);
        grt_tensor_destroy(ps);
        at += s;
    }
    if (!ok && !rq) fprintf(stderr, "run_logits: compile failed: %s\n", grt_last_error());
    grt_infer_request_destroy(rq);
    grt_compiled_model_destroy(cm);
    free(pos);
    if (!ok) {
        free(logits);
        return NULL;
    }
    return logits;
}

double max_abs_diff(const float *a, const float *b, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        double e = fabs((double)a[i] - (double)b[i]);
        if (!(e <= m)) m = e; /* NaN propagates as a failure */
    }
    return m;
}
