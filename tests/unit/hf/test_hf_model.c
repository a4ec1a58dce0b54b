/*
 * test_hf_model.c - Hugging Face folders end to end on the CPU plugin. For tiny llama, qwen2 (qkv
 * bias, tied embeddings), qwen3 (q/k norm, head_dim key) and phi3 (fused qkv / gate_up) models with
 * seeded weights, the test writes config.json + model.safetensors (+ tokenizer / generation
 * files), loads the folder with grt_model_read and checks:
 *   - the logits of every position (3-token prefill, then 2 decode steps through the KV cache)
 *     against a plain C reference forward pass (abs error <= 1e-4);
 *   - the same weights built directly with grt_llm_build give identical logits;
 *   - unaligned data (copy path) and a sharded checkpoint (index.json) give identical logits;
 *   - BF16 and F16 files match the reference run on the rounded weights;
 *   - llama: the same weights as a llama2.c checkpoint (q/k rows permuted to interleaved RoPE);
 *   - the folder converted (grt_model_save_as) to IR (identical) and GGUF (identical, llama <= 1e-5);
 *   - metadata: tokenizer / generation files, chat template, BOS/EOS ids.
 * Usage: test_hf_model SCRATCH_DIR. Needs the CPU plugin (GENRT_PLUGIN_PATH).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hf_fixture.h"
#include "test_util.h"

static const int64_t k_tokens[5] = {1, 17, 42, 5, 63};
#define N_TOK 5
#define PREFILL 3

static const char *g_scratch;

static void make_dir(char *buf, size_t size, const char *name) {
    snprintf(buf, size, "%s/%s", g_scratch, name);
    mkdir(buf, 0755);
}

static void check_meta_string(const grt_model *m, const char *key, const char *want) {
    grt_meta_value v;
    memset(&v, 0, sizeof v);
    CHECKF(grt_model_get_meta(m, key, &v) == GRT_OK && v.type == GRT_META_STRING && v.u.str.len == strlen(want) &&
               !memcmp(v.u.str.data, want, v.u.str.len),
           "metadata %s", key);
}

/* Loads dir, runs it and compares with `want` (tolerance tol). Returns the logits (caller frees). */
static float *load_and_run(grt_core *core, const char *dir, const tiny_model *m, const float *want, double tol,
                           const char *what) {
    grt_model *model = NULL;
    float *got = NULL;
    size_t n = N_TOK * (size_t)m->cfg.vocab_size;
    grt_status st = grt_model_read(core, dir, &model);
    CHECKF(st == GRT_OK, "%s: read %s", what, dir);
    if (st != GRT_OK) return NULL;
    got = run_logits(core, model, k_tokens, N_TOK, PREFILL, m->cfg.vocab_size);
    CHECKF(got != NULL, "%s: run", what);
    if (got && want) {
        double e = max_abs_diff(got, want, n);
        CHECKF(e <= tol, "%s: max abs error %g > %g", what, e, tol);
    }
    grt_model_destroy(model);
    return got;
}

static void round_weights(tiny_model *m, int bf16) {
    for (size_t i = 0; i < m->n; i++)
        for (size_t k = 0; k < m->t[i].n; k++) {
            float v = m->t[i].data[k];
            if (bf16) {
                uint32_t u;
                memcpy(&u, &v, 4);
                u = (u + 0x7FFFu + ((u >> 16) & 1u)) & 0xFFFF0000u;
                memcpy(&v, &u, 4);
            } else if (fabsf(v) < 6.103515625e-05f) {
                v = 0.0f;
            } else {
                int e;
                float mant = frexpf(v, &e); /* |mant| in [0.5, 1): 11 significant bits */
                v = ldexpf(rintf(ldexpf(mant, 11)), e - 11);
            }
            m->t[i].data[k] = v;
        }
}

static void test_arch(grt_core *core, const char *type) {
    tiny_model m;
    char dir[1024], path[1200], sub[64];
    float *ref = NULL, *hf = NULL, *direct = NULL, *other = NULL;
    grt_model *model = NULL;
    size_t n = N_TOK * 64;
    if (!tiny_model_init(&m, type, 1234)) {
        CHECKF(0, "%s: tiny model", type);
        goto done;
    }
    n = N_TOK * (size_t)m.cfg.vocab_size;
    ref = reference_logits(&m, k_tokens, N_TOK);
    CHECK(ref != NULL);

    /* single aligned file + side files */
    snprintf(sub, sizeof sub, "hf_%s", type);
    make_dir(dir, sizeof dir, sub);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    CHECK(write_safetensors(path, m.t, m.n, "F32", 64));
    CHECK(write_config(dir, &m, NULL));
    snprintf(path, sizeof path, "%s/tokenizer.json", dir);
    CHECK(write_file(path, "{\"model\": {}}", 13));
    snprintf(path, sizeof path, "%s/tokenizer_config.json", dir);
    const char *tc = "{\"bos_token\": \"<s>\", \"chat_template\": \"{{ messages[0]['content'] }}\"}";
    CHECK(write_file(path, tc, strlen(tc)));
    snprintf(path, sizeof path, "%s/generation_config.json", dir);
    CHECK(write_file(path, "{\"temperature\": 0.6}", 20));
    hf = load_and_run(core, dir, &m, ref, 1e-4, type);

    CHECK_OK(grt_model_read(core, dir, &model));
    if (model) {
        check_meta_string(model, "tokenizer.huggingface.json", "{\"model\": {}}");
        check_meta_string(model, "tokenizer.huggingface.config", tc);
        check_meta_string(model, "generation.huggingface.config", "{\"temperature\": 0.6}");
        check_meta_string(model, "tokenizer.chat_template", "{{ messages[0]['content'] }}");
        grt_meta_value v;
        CHECK(grt_model_get_meta(model, "tokenizer.ggml.bos_token_id", &v) == GRT_OK && v.type == GRT_META_INT &&
              v.u.i == 1);
        CHECK(grt_model_get_meta(model, "tokenizer.ggml.eos_token_id", &v) == GRT_OK && v.type == GRT_META_INT &&
              v.u.i == 2);
        grt_model_destroy(model);
        model = NULL;
    }

    /* built directly from the same weights: identical */
    CHECK_OK(grt_model_create("direct", &model));
    if (model && hf) {
        CHECK_OK(grt_llm_build(&m.cfg, tiny_weight, &m, "direct", model));
        direct = run_logits(core, model, k_tokens, N_TOK, PREFILL, m.cfg.vocab_size);
        CHECKF(direct && max_abs_diff(direct, hf, n) == 0.0, "%s: direct build differs from the HF folder", type);
    }
    grt_model_destroy(model);
    model = NULL;

    /* converted (genrt convert's path: read -> save_as) to IR and GGUF and read back: identical */
    static const char *const formats[2] = {"ir", "gguf"};
    for (int f = 0; f < 2 && hf; f++) {
        grt_model *src = NULL, *back = NULL;
        snprintf(sub, sizeof sub, "hf_%s", type);
        snprintf(dir, sizeof dir, "%s/%s", g_scratch, sub);
        snprintf(path, sizeof path, "%s/%s.%s", g_scratch, sub, f ? "gguf" : "genrtir");
        CHECK_OK(grt_model_read(core, dir, &src));
        if (src) CHECK_OK(grt_model_save_as(src, path, formats[f]));
        grt_model_destroy(src);
        CHECK_OK(grt_model_read(core, path, &back));
        if (back) {
            other = run_logits(core, back, k_tokens, N_TOK, PREFILL, m.cfg.vocab_size);
            double e = other ? max_abs_diff(other, hf, n) : 1e9;
            /* GGUF llama stores q/k rows for interleaved RoPE (llama.cpp's layout): same math,
             * another summation order */
            double tol = f && !strcmp(type, "llama") ? 1e-5 : 0.0;
            CHECKF(e <= tol, "%s: HF folder -> %s -> read: logits differ by %g", type, formats[f], e);
            free(other);
        }
        grt_model_destroy(back);
    }

    /* unaligned data (copied constants): identical */
    snprintf(sub, sizeof sub, "hf_%s_unaligned", type);
    make_dir(dir, sizeof dir, sub);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    CHECK(write_safetensors(path, m.t, m.n, "F32", 1));
    CHECK(write_config(dir, &m, NULL));
    other = load_and_run(core, dir, &m, hf, 0.0, "unaligned");
    free(other);

    /* sharded: first half / second half + index */
    snprintf(sub, sizeof sub, "hf_%s_sharded", type);
    make_dir(dir, sizeof dir, sub);
    size_t half = m.n / 2;
    snprintf(path, sizeof path, "%s/model-00001-of-00002.safetensors", dir);
    CHECK(write_safetensors(path, m.t, half, "F32", 64));
    snprintf(path, sizeof path, "%s/model-00002-of-00002.safetensors", dir);
    CHECK(write_safetensors(path, m.t + half, m.n - half, "F32", 8));
    {
        char idx[8192];
        size_t k = (size_t)snprintf(idx, sizeof idx, "{\"metadata\": {\"total_size\": 0}, \"weight_map\": {");
        for (size_t i = 0; i < m.n; i++)
            k += (size_t)snprintf(idx + k, sizeof idx - k, "%s\"%s\": \"model-0000%d-of-00002.safetensors\"",
                                  i ? ", " : "", m.t[i].hf, i < half ? 1 : 2);
        k += (size_t)snprintf(idx + k, sizeof idx - k, "}}");
        snprintf(path, sizeof path, "%s/model.safetensors.index.json", dir);
        CHECK(k < sizeof idx && write_file(path, idx, k));
    }
    CHECK(write_config(dir, &m, NULL));
    other = load_and_run(core, dir, &m, hf, 0.0, "sharded");
    free(other);

    /* llama2.c checkpoint of the same weights (interleaved RoPE, permuted q/k rows) */
    if (!strcmp(type, "llama")) {
        grt_model *l2 = NULL;
        snprintf(path, sizeof path, "%s/tiny_llama.bin", g_scratch);
        CHECK(write_llama2c(path, &m));
        CHECK_OK(grt_model_read(core, path, &l2));
        if (l2 && hf) {
            other = run_logits(core, l2, k_tokens, N_TOK, PREFILL, m.cfg.vocab_size);
            double e = other ? max_abs_diff(other, hf, n) : 1e9;
            printf("llama2.c vs HF folder: max abs logit difference %g\n", e);
            CHECKF(e <= 1e-5, "llama2.c checkpoint vs HF folder: %g", e);
            free(other);
        }
        grt_model_destroy(l2);
    }

    /* half-precision files against the reference on rounded weights */
    for (int bf = 1; bf >= 0; bf--) {
        round_weights(&m, bf);
        free(ref);
        ref = reference_logits(&m, k_tokens, N_TOK);
        snprintf(sub, sizeof sub, "hf_%s_%s", type, bf ? "bf16" : "f16");
        make_dir(dir, sizeof dir, sub);
        snprintf(path, sizeof path, "%s/model.safetensors", dir);
        CHECK(write_safetensors(path, m.t, m.n, bf ? "BF16" : "F16", 64));
        CHECK(write_config(dir, &m, NULL));
        other = load_and_run(core, dir, &m, ref, 1e-4, bf ? "bf16" : "f16");
        free(other);
    }
done:
    free(ref);
    free(hf);
    free(direct);
    tiny_model_free(&m);
}

int main(int argc, char **argv) {
    grt_core *core = NULL;
    if (argc < 2) {
        fprintf(stderr, "usage: test_hf_model SCRATCH_DIR\n");
        return 2;
    }
    g_scratch = argv[1];
    if (grt_core_create(NULL, &core) != GRT_OK) {
        fprintf(stderr, "core: %s\n", grt_last_error());
        return 1;
    }
    static const char *const types[4] = {"llama", "qwen2", "qwen3", "phi3"};
    for (int i = 0; i < 4; i++) test_arch(core, types[i]);
    grt_core_destroy(core);
    return test_summary("test_hf_model");
}
