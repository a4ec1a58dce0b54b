/*
 * tools/genai/src/generation_config.c - grt_generation_config_from_model: generation defaults from
 * the Hugging Face generation_config.json a model carries as the metadata string
 * "generation.huggingface.config" (the HF frontend keeps the file there), parsed with cJSON.
 * Ownership: writes only into the caller's structs / buffer. Thread-safety: reentrant.
 */
#include "generate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#define META_KEY "generation.huggingface.config"

/* A finite number >= 0 under `key`: 1 and *v set; 0 if absent; -1 if present but not one. */
static int get_num(const cJSON *root, const char *key, double *v) {
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!it || cJSON_IsNull(it)) return 0;
    if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble) || it->valuedouble < 0) return -1;
    *v = it->valuedouble;
    return 1;
}

static grt_status bad(const char *key) {
    return grt_gen_error(GRT_ERROR_FORMAT, "%s: '%s' must be a non-negative number", META_KEY, key);
}

grt_status grt_generation_config_from_model(const grt_model *model, grt_generation_config *cfg,
                                            int32_t *stop_tokens, size_t stop_cap, size_t *n_stop_tokens) {
    grt_meta_value mv;
    cJSON *root = NULL;
    grt_status st = GRT_OK;
    double v;
    if (n_stop_tokens) *n_stop_tokens = 0;
    if (!model || !cfg || (stop_cap && !stop_tokens))
        return grt_gen_error(GRT_ERROR_INVALID_ARGUMENT, "grt_generation_config_from_model: NULL argument");
    if (grt_model_get_meta(model, META_KEY, &mv) != GRT_OK) {
        grt_clear_error();
        return GRT_OK; /* no generation_config.json (GGUF, llama2.c, ...): nothing changes */
    }
    if (mv.type != GRT_META_STRING)
        return grt_gen_error(GRT_ERROR_FORMAT, "metadata %s is not a string", META_KEY);
    root = cJSON_ParseWithLength(mv.u.str.data, mv.u.str.len);
    if (!root || !cJSON_IsObject(root)) {
        st = grt_gen_error(GRT_ERROR_FORMAT, "metadata %s: not a JSON object", META_KEY);
        goto done;
    }
    /* validate everything before changing cfg */
    static const char *const nums[] = {"temperature", "top_k", "top_p", "repetition_penalty", "max_new_tokens",
                                       "max_length"};
    for (int i = 0; i < 6; i++)
        if (get_num(root, nums[i], &v) < 0) {
            st = bad(nums[i]);
            goto done;
        }
    const cJSON *ds = cJSON_GetObjectItemCaseSensitive(root, "do_sample");
    if (ds && !cJSON_IsNull(ds) && !cJSON_IsBool(ds)) {
        st = grt_gen_error(GRT_ERROR_FORMAT, "%s: 'do_sample' must be true or false", META_KEY);
        goto done;
    }
    const cJSON *eos = cJSON_GetObjectItemCaseSensitive(root, "eos_token_id");
    size_t ne = 0;
    if (eos && !cJSON_IsNull(eos)) {
        int arr = cJSON_IsArray(eos);
        const cJSON *e = arr ? eos->child : eos;
        for (; e; e = arr ? e->next : NULL) {
            if (!cJSON_IsNumber(e) || e->valuedouble < 0 || e->valuedouble > INT32_MAX ||
                e->valuedouble != floor(e->valuedouble)) {
                st = grt_gen_error(GRT_ERROR_FORMAT, "%s: 'eos_token_id' must be a token id or a list of them",
                                   META_KEY);
                goto done;
            }
            if (ne < stop_cap) stop_tokens[ne] = (int32_t)e->valuedouble;
            ne++;
        }
    }
    if (get_num(root, "temperature", &v) > 0) cfg->sampler.temperature = (float)v;
    if (get_num(root, "top_k", &v) > 0) cfg->sampler.top_k = v > INT32_MAX ? INT32_MAX : (int32_t)v;
    if (get_num(root, "top_p", &v) > 0) cfg->sampler.top_p = (float)v;
    if (get_num(root, "repetition_penalty", &v) > 0) cfg->sampler.repetition_penalty = (float)v;
    if (get_num(root, "max_new_tokens", &v) > 0) cfg->max_new_tokens = (int64_t)v;
    if (get_num(root, "max_length", &v) > 0 && v >= 1 &&
        (cfg->context_length <= 0 || (int64_t)v < cfg->context_length))
        cfg->context_length = (int64_t)v;
    if (cJSON_IsFalse(ds)) cfg->sampler.temperature = 0.0f; /* greedy, whatever the temperature says */
    if (n_stop_tokens) *n_stop_tokens = ne;
done:
    cJSON_Delete(root);
    return st;
}
