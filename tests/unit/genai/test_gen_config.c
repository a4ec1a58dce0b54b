/*
 * tests/unit/genai/test_gen_config.c - grt_generation_config_from_model: a model carrying a Hugging
 * Face generation_config.json as the metadata "generation.huggingface.config" (set with
 * grt_model_set_meta, as the HF frontend does) gives those defaults; do_sample false is greedy;
 * eos_token_id as an int or a list becomes stop tokens; max_length caps the context; absent keys
 * and a model without the metadata change nothing; malformed JSON / wrong types are FORMAT errors
 * naming the key and leave the config unchanged.
 */
#include <genrt/generate.h>
#include <genrt/genrt.h>

#include <string.h>

#include "test_util.h"

static grt_model *model_with(const char *json) {
    grt_model *m = NULL;
    CHECK_OK(grt_model_create("gen_config", &m));
    if (m && json) {
        grt_meta_value v = {.type = GRT_META_STRING};
        v.u.str.data = json;
        v.u.str.len = strlen(json);
        CHECK_OK(grt_model_set_meta(m, "generation.huggingface.config", &v));
    }
    return m;
}

static void base(grt_generation_config *c) {
    grt_generation_config_defaults(c);
    c->max_new_tokens = 128;
    c->context_length = 2048;
    c->sampler.temperature = 0.8f;
    c->sampler.top_k = 40;
    c->sampler.top_p = 0.95f;
}

int main(void) {
    grt_generation_config c;
    int32_t stops[4] = {-1, -1, -1, -1};
    size_t n = 99;
    /* a Llama-3.1-style file: sampling on, a list of eos ids */
    grt_model *m = model_with("{\"bos_token_id\": 128000, \"do_sample\": true, \"eos_token_id\": [128001, 128008, "
                              "128009], \"temperature\": 0.6, \"top_p\": 0.9, \"top_k\": 20, "
                              "\"repetition_penalty\": 1.1, \"max_new_tokens\": 77, \"transformers_version\": \"4.43\"}");
    base(&c);
    CHECK_OK(grt_generation_config_from_model(m, &c, stops, 4, &n));
    CHECK(c.sampler.temperature == 0.6f && c.sampler.top_p == 0.9f && c.sampler.top_k == 20 &&
          c.sampler.repetition_penalty == 1.1f && c.max_new_tokens == 77 && c.context_length == 2048);
    CHECK(n == 3 && stops[0] == 128001 && stops[1] == 128008 && stops[2] == 128009 && stops[3] == -1);
    /* explicit options applied afterwards win (what the CLI does) */
    c.sampler.temperature = 0.0f;
    c.max_new_tokens = 5;
    CHECK(c.sampler.temperature == 0.0f && c.sampler.top_k == 20);
    /* more eos ids than room: count all, write stop_cap */
    stops[0] = stops[1] = -1;
    CHECK_OK(grt_generation_config_from_model(m, &c, stops, 2, &n));
    CHECK(n == 3 && stops[0] == 128001 && stops[1] == 128008);
    grt_model_destroy(m);

    /* do_sample false -> greedy; a single eos id; max_length caps the context; top_k absent */
    m = model_with("{\"do_sample\": false, \"temperature\": 0.7, \"eos_token_id\": 2, \"max_length\": 512}");
    base(&c);
    CHECK_OK(grt_generation_config_from_model(m, &c, stops, 4, &n));
    CHECK(c.sampler.temperature == 0.0f && c.sampler.top_k == 40 && c.sampler.top_p == 0.95f &&
          c.max_new_tokens == 128 && c.context_length == 512);
    CHECK(n == 1 && stops[0] == 2);
    /* max_length above the model's context leaves it; no context yet takes max_length */
    grt_model_destroy(m);
    m = model_with("{\"max_length\": 4096, \"eos_token_id\": null}");
    base(&c);
    CHECK_OK(grt_generation_config_from_model(m, &c, stops, 4, &n));
    CHECK(c.context_length == 2048 && n == 0 && c.sampler.temperature == 0.8f);
    c.context_length = 0;
    CHECK_OK(grt_generation_config_from_model(m, &c, NULL, 0, NULL));
    CHECK(c.context_length == 4096);
    grt_model_destroy(m);

    /* no metadata (a GGUF or llama2.c model): nothing changes */
    m = model_with(NULL);
    base(&c);
    grt_generation_config before = c;
    CHECK_OK(grt_generation_config_from_model(m, &c, stops, 4, &n));
    CHECK(n == 0 && !memcmp(&before, &c, sizeof c));
    grt_model_destroy(m);

    /* errors: FORMAT naming the key, config untouched */
    static const char *const bad[] = {"not json", "[1, 2]", "{\"temperature\": \"hot\"}", "{\"top_k\": -3}",
                                      "{\"do_sample\": 1}", "{\"eos_token_id\": [1, \"x\"]}",
                                      "{\"eos_token_id\": 2.5}"};
    static const char *const needle[] = {"generation.huggingface.config", "JSON object", "temperature", "top_k",
                                         "do_sample", "eos_token_id", "eos_token_id"};
    for (int i = 0; i < 7; i++) {
        m = model_with(bad[i]);
        base(&c);
        before = c;
        CHECK_ERR(grt_generation_config_from_model(m, &c, stops, 4, &n), GRT_ERROR_FORMAT, needle[i]);
        CHECKF(!memcmp(&before, &c, sizeof c), "config changed by bad JSON %d", i);
        grt_model_destroy(m);
    }
    CHECK_ERR(grt_generation_config_from_model(NULL, &c, NULL, 0, NULL), GRT_ERROR_INVALID_ARGUMENT, "NULL");
    printf("%d checks, %d failures\n", g_checks, g_failures);
    return g_failures ? 1 : 0;
}
