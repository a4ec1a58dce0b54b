/*
 * frontends/hf_config.c - parsing of Hugging Face config.json files into grt_llm_config (see
 * hf_config.h). Stateless; thread-safe.
 */
#include "frontends/hf_config.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "frontends/safetensors.h"
#include "util/error.h"

typedef struct hf_arch {
    const char *model_type;   /* config "model_type" */
    const char *architecture; /* config "architectures"[0] */
    const char *arch;         /* grt_llm_config.arch (GGUF spelling) */
    int qkv_bias, qk_norm, fused;
    double default_eps;
} hf_arch;

static const hf_arch k_archs[] = {
    {"llama", "LlamaForCausalLM", "llama", 0, 0, 0, 1e-6},
    {"mistral", "MistralForCausalLM", "llama", 0, 0, 0, 1e-6},
    {"qwen2", "Qwen2ForCausalLM", "qwen2", 1, 0, 0, 1e-6},
    {"qwen3", "Qwen3ForCausalLM", "qwen3", 0, 1, 0, 1e-6},
    {"phi3", "Phi3ForCausalLM", "phi3", 0, 0, 1, 1e-5},
};

typedef struct parse_ctx {
    const cJSON *root;
    const char *src;
} parse_ctx;

/* Integer key: 1 found, 0 absent (or null), -1 present but not a whole number in range. */
static int get_int(const parse_ctx *c, const char *key, int64_t *out) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->root, key);
    if (!v || cJSON_IsNull(v)) return 0;
    if (!cJSON_IsNumber(v)) return -1;
    double d = v->valuedouble;
    if (!(fabs(d) <= 9007199254740992.0) || d != floor(d)) return -1;
    *out = (int64_t)d;
    return 1;
}

static grt_status need_int(const parse_ctx *c, const char *key, int64_t min, int64_t *out) {
    int r = get_int(c, key, out);
    if (r == 0) return grt_error(GRT_ERROR_FORMAT, "%s: missing key '%s'", c->src, key);
    if (r < 0 || *out < min)
        return grt_error(GRT_ERROR_FORMAT, "%s: key '%s' must be an integer >= %lld", c->src, key, (long long)min);
    return GRT_OK;
}

static grt_status opt_int(const parse_ctx *c, const char *key, int64_t min, int64_t *out) {
    int64_t v = 0;
    int r = get_int(c, key, &v);
    if (r < 0 || (r > 0 && v < min))
        return grt_error(GRT_ERROR_FORMAT, "%s: key '%s' must be an integer >= %lld", c->src, key, (long long)min);
    if (r > 0) *out = v;
    return GRT_OK;
}

static grt_status opt_num(const parse_ctx *c, const cJSON *obj, const char *key, double *out) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v)) return GRT_OK;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || !(v->valuedouble > 0))
        return grt_error(GRT_ERROR_FORMAT, "%s: key '%s' must be a positive number", c->src, key);
    *out = v->valuedouble;
    return GRT_OK;
}

static grt_status opt_bool(const parse_ctx *c, const char *key, int *out, int *given) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->root, key);
    if (given) *given = 0;
    if (!v || cJSON_IsNull(v)) return GRT_OK;
    if (!cJSON_IsBool(v)) return grt_error(GRT_ERROR_FORMAT, "%s: key '%s' must be true or false", c->src, key);
    *out = cJSON_IsTrue(v);
    if (given) *given = 1;
    return GRT_OK;
}

static grt_status find_arch(const parse_ctx *c, const hf_arch **out) {
    const cJSON *mt = cJSON_GetObjectItemCaseSensitive(c->root, "model_type");
    const cJSON *archs = cJSON_GetObjectItemCaseSensitive(c->root, "architectures");
    const cJSON *a0 = cJSON_IsArray(archs) ? cJSON_GetArrayItem(archs, 0) : NULL;
    const char *aname = cJSON_IsString(a0) ? a0->valuestring : NULL;
    if (mt && !cJSON_IsString(mt)) return grt_error(GRT_ERROR_FORMAT, "%s: key 'model_type' must be a string", c->src);
    for (size_t i = 0; i < sizeof k_archs / sizeof k_archs[0]; i++) {
        if (mt ? !strcmp(mt->valuestring, k_archs[i].model_type)
               : (aname && !strcmp(aname, k_archs[i].architecture))) {
            *out = &k_archs[i];
            return GRT_OK;
        }
    }
    if (mt)
        return grt_error(GRT_ERROR_NOT_SUPPORTED,
                         "%s: model_type '%s' (architecture %s) is not supported (llama, mistral, qwen2, qwen3, phi3)",
                         c->src, mt->valuestring, aname ? aname : "?");
    if (aname)
        return grt_error(GRT_ERROR_NOT_SUPPORTED, "%s: architecture '%s' is not supported", c->src, aname);
    return grt_error(GRT_ERROR_FORMAT, "%s: neither 'model_type' nor 'architectures' is given", c->src);
}

static grt_status parse_rope_scaling(const parse_ctx *c, grt_llm_config *cfg) {
    const cJSON *rs = cJSON_GetObjectItemCaseSensitive(c->root, "rope_scaling");
    grt_status st;
    if (!rs || cJSON_IsNull(rs)) return GRT_OK;
    if (!cJSON_IsObject(rs)) return grt_error(GRT_ERROR_FORMAT, "%s: key 'rope_scaling' must be an object", c->src);
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(rs, "rope_type");
    if (!type) type = cJSON_GetObjectItemCaseSensitive(rs, "type");
    if (!cJSON_IsString(type))
        return grt_error(GRT_ERROR_FORMAT, "%s: rope_scaling needs a string 'rope_type'", c->src);
    const char *t = type->valuestring;
    if (!strcmp(t, "default")) return GRT_OK;
    if (strcmp(t, "llama3") && strcmp(t, "linear"))
        return grt_error(GRT_ERROR_NOT_SUPPORTED, "%s: rope_scaling type '%s' is not supported (llama3, linear)",
                         c->src, t);
    if (!cJSON_GetObjectItemCaseSensitive(rs, "factor"))
        return grt_error(GRT_ERROR_FORMAT, "%s: rope_scaling needs 'factor'", c->src);
    if ((st = opt_num(c, rs, "factor", &cfg->rope_factor)) != GRT_OK) return st;
    if (!strcmp(t, "linear")) {
        cfg->rope_scaling = 1;
        return GRT_OK;
    }
    cfg->rope_scaling = 2;
    cfg->rope_low_freq_factor = 1.0;
    cfg->rope_high_freq_factor = 4.0;
    cfg->rope_original_max_position = 8192;
    if ((st = opt_num(c, rs, "low_freq_factor", &cfg->rope_low_freq_factor)) != GRT_OK) return st;
    if ((st = opt_num(c, rs, "high_freq_factor", &cfg->rope_high_freq_factor)) != GRT_OK) return st;
    double omp = (double)cfg->rope_original_max_position;
    if ((st = opt_num(c, rs, "original_max_position_embeddings", &omp)) != GRT_OK) return st;
    if (omp != floor(omp) || omp > 1e12)
        return grt_error(GRT_ERROR_FORMAT, "%s: rope_scaling 'original_max_position_embeddings' must be an integer",
                         c->src);
    cfg->rope_original_max_position = (int64_t)omp;
    return GRT_OK;
}

static grt_status parse_fields(const parse_ctx *c, grt_hf_config *out) {
    grt_llm_config *cfg = &out->llm;
    const hf_arch *a = NULL;
    grt_status st;
    if ((st = find_arch(c, &a)) != GRT_OK) return st;
    snprintf(cfg->arch, sizeof cfg->arch, "%s", a->arch);
    cfg->qkv_bias = a->qkv_bias;
    cfg->qk_norm = a->qk_norm;
    cfg->fused_qkv = cfg->fused_gate_up = a->fused;
    cfg->rope_mode = GRT_LLM_ROPE_HALF;
    cfg->norm_eps = a->default_eps;
    if ((st = need_int(c, "vocab_size", 1, &cfg->vocab_size)) != GRT_OK) return st;
    if ((st = need_int(c, "hidden_size", 1, &cfg->dim)) != GRT_OK) return st;
    if ((st = need_int(c, "intermediate_size", 1, &cfg->hidden_dim)) != GRT_OK) return st;
    if ((st = need_int(c, "num_hidden_layers", 1, &cfg->n_layers)) != GRT_OK) return st;
    if ((st = need_int(c, "num_attention_heads", 1, &cfg->n_heads)) != GRT_OK) return st;
    cfg->n_kv_heads = cfg->n_heads;
    if ((st = opt_int(c, "num_key_value_heads", 1, &cfg->n_kv_heads)) != GRT_OK) return st;
    cfg->head_dim = cfg->dim / cfg->n_heads;
    if ((st = opt_int(c, "head_dim", 1, &cfg->head_dim)) != GRT_OK) return st;
    cfg->max_seq_len = 2048;
    if ((st = opt_int(c, "max_position_embeddings", 1, &cfg->max_seq_len)) != GRT_OK) return st;
    if ((st = opt_num(c, c->root, "rms_norm_eps", &cfg->norm_eps)) != GRT_OK) return st;
    if ((st = opt_num(c, c->root, "rope_theta", &cfg->rope_theta)) != GRT_OK) return st;
    double prf = 1.0;
    if ((st = opt_num(c, c->root, "partial_rotary_factor", &prf)) != GRT_OK) return st;
    if (prf > 1.0) return grt_error(GRT_ERROR_FORMAT, "%s: key 'partial_rotary_factor' must be <= 1", c->src);
    if (prf < 1.0) cfg->rotary_dim = (int64_t)((double)cfg->head_dim * prf);
    if ((st = parse_rope_scaling(c, cfg)) != GRT_OK) return st;
    const cJSON *act = cJSON_GetObjectItemCaseSensitive(c->root, "hidden_act");
    if (act && (!cJSON_IsString(act) || strcmp(act->valuestring, "silu")))
        return grt_error(GRT_ERROR_NOT_SUPPORTED, "%s: hidden_act '%s' is not supported (silu)", c->src,
                         cJSON_IsString(act) ? act->valuestring : "?");
    int flag = 0;
    if ((st = opt_bool(c, "mlp_bias", &flag, NULL)) != GRT_OK) return st;
    if (flag) return grt_error(GRT_ERROR_NOT_SUPPORTED, "%s: key 'mlp_bias' = true is not supported", c->src);
    flag = 0;
    if ((st = opt_bool(c, "attention_bias", &flag, NULL)) != GRT_OK) return st;
    if (flag && !cfg->qkv_bias)
        return grt_error(GRT_ERROR_NOT_SUPPORTED, "%s: key 'attention_bias' = true is not supported for %s", c->src,
                         a->model_type);
    int tied = 0;
    if ((st = opt_bool(c, "tie_word_embeddings", &tied, &out->tie_given)) != GRT_OK) return st;
    cfg->tied_embeddings = tied;
    out->bos_token_id = out->eos_token_id = -1;
    if (get_int(c, "bos_token_id", &out->bos_token_id) < 0) out->bos_token_id = -1;
    const cJSON *eos = cJSON_GetObjectItemCaseSensitive(c->root, "eos_token_id");
    if (cJSON_IsArray(eos)) eos = cJSON_GetArrayItem(eos, 0);
    if (cJSON_IsNumber(eos) && eos->valuedouble >= 0 && eos->valuedouble < 9e15)
        out->eos_token_id = (int64_t)eos->valuedouble;
    st = grt_llm_config_validate(cfg, c->src);
    if (st == GRT_ERROR_SHAPE) { /* an inconsistent config.json is a format error of that file */
        char msg[512];
        snprintf(msg, sizeof msg, "%s", grt_last_error());
        return grt_error(GRT_ERROR_FORMAT, "%s", msg);
    }
    return st;
}

grt_status grt_hf_config_parse(const char *json, size_t len, const char *source, grt_hf_config *out) {
    parse_ctx c = {NULL, source ? source : "config.json"};
    memset(out, 0, sizeof *out);
    grt_llm_config_defaults(&out->llm);
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!root || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return grt_error(GRT_ERROR_FORMAT, "%s: not a JSON object (malformed JSON)", c.src);
    }
    c.root = root;
    grt_status st = parse_fields(&c, out);
    cJSON_Delete(root);
    return st;
}

grt_status grt_hf_config_read(const char *path, grt_hf_config *out) {
    char *text = NULL;
    size_t len = 0;
    grt_status st = grt_st_read_text(path, 16u * 1024u * 1024u, &text, &len);
    if (st != GRT_OK) return st;
    st = grt_hf_config_parse(text, len, path, out);
    free(text);
    return st;
}
