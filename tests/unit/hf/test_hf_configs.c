/*
 * test_hf_configs.c - the shared architecture configs (GENRT_SHARED_DIR/models/configs, exit 77 if
 * absent): each parses into the expected grt_llm_config (a few fields checked per file), the MoE
 * one is refused naming its architecture, and a random-weight SmolLM2-360M (f16) is built and runs
 * one 4-token infer on CPU with finite, non-constant logits. Label "models".
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "frontends/hf_config.h"
#include "hf_fixture.h"
#include "test_util.h"

static char g_dir[1024];

static int parse(const char *file, grt_hf_config *c) {
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", g_dir, file);
    grt_status st = grt_hf_config_read(path, c);
    CHECKF(st == GRT_OK, "%s parses", file);
    return st == GRT_OK;
}

int main(void) {
    const char *shared = getenv("GENRT_SHARED_DIR");
    struct stat sb;
    grt_hf_config c;
    snprintf(g_dir, sizeof g_dir, "%s/models/configs", shared ? shared : "../shared");
    if (stat(g_dir, &sb) != 0) {
        printf("skipped: %s not found (set GENRT_SHARED_DIR)\n", g_dir);
        return 77;
    }
    if (parse("llama-3.2-1b.json", &c)) {
        const grt_llm_config *l = &c.llm;
        CHECK(!strcmp(l->arch, "llama") && l->dim == 2048 && l->n_layers == 16 && l->n_kv_heads == 8);
        CHECK(l->head_dim == 64 && l->vocab_size == 128256 && l->rope_theta == 500000.0 && l->tied_embeddings);
        CHECK(l->rope_scaling == 2 && l->rope_factor == 32.0 && l->rope_low_freq_factor == 1.0 &&
              l->rope_high_freq_factor == 4.0 && l->rope_original_max_position == 8192);
        CHECK(c.bos_token_id == 128000 && c.eos_token_id == 128001);
    }
    if (parse("qwen2.5-0.5b.json", &c)) {
        const grt_llm_config *l = &c.llm;
        CHECK(!strcmp(l->arch, "qwen2") && l->qkv_bias && l->tied_embeddings && l->n_heads == 14);
        CHECK(l->n_kv_heads == 2 && l->head_dim == 64 && l->norm_eps == 1e-6 && l->hidden_dim == 4864);
    }
    if (parse("qwen3-0.6b.json", &c)) {
        const grt_llm_config *l = &c.llm;
        CHECK(!strcmp(l->arch, "qwen3") && l->qk_norm && !l->qkv_bias && l->head_dim == 128 && l->n_layers == 28);
        CHECK(l->n_heads * l->head_dim == 2048 && l->dim == 1024 && l->max_seq_len == 40960);
    }
    if (parse("smollm2-360m.json", &c)) {
        const grt_llm_config *l = &c.llm;
        CHECK(l->dim == 960 && l->n_heads == 15 && l->n_kv_heads == 5 && l->head_dim == 64 && l->n_layers == 32);
        CHECK(l->tied_embeddings && l->rope_theta == 100000.0 && l->rope_scaling == 0);
    }
    if (parse("tinyllama-1.1b.json", &c)) {
        const grt_llm_config *l = &c.llm;
        CHECK(l->dim == 2048 && l->hidden_dim == 5632 && l->n_layers == 22 && l->n_kv_heads == 4);
        CHECK(!l->tied_embeddings && l->vocab_size == 32000 && l->max_seq_len == 2048);
    }
    char path[1200];
    snprintf(path, sizeof path, "%s/moe-mixtral-tiny.json", g_dir);
    CHECK_ERR(grt_hf_config_read(path, &c), GRT_ERROR_NOT_SUPPORTED, "mixtral");

    /* a random SmolLM2-360M runs one infer of 4 tokens */
    grt_core *core = NULL;
    grt_model *model = NULL;
    snprintf(path, sizeof path, "%s/smollm2-360m.json", g_dir);
    CHECK_OK(grt_core_create(NULL, &core));
    CHECK_OK(grt_model_create_random(path, 42, GRT_F16, &model));
    if (core && model) {
        static const int64_t toks[4] = {1, 1000, 20000, 49151};
        float *logits = run_logits(core, model, toks, 4, 4, 49152);
        CHECK(logits != NULL);
        if (logits) {
            int finite = 1;
            double lo = 1e30, hi = -1e30;
            for (size_t i = 0; i < 4 * 49152; i++) {
                if (!isfinite(logits[i])) finite = 0;
                if (logits[i] < lo) lo = logits[i];
                if (logits[i] > hi) hi = logits[i];
            }
            CHECKF(finite && hi - lo > 1e-3, "smollm2 random logits finite and varied (range %g..%g)", lo, hi);
            free(logits);
        }
    }
    grt_model_destroy(model);
    grt_core_destroy(core);
    return test_summary("test_hf_configs");
}
