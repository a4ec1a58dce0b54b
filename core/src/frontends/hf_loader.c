/*
 * frontends/hf_loader.c - loads a Hugging Face model folder (see hf.h): config.json, the
 * safetensors weights (single or sharded), tensor name mapping to the canonical names of llm.h,
 * and the tokenizer / generation files as metadata. Stateless; thread-safe.
 */
#include "frontends/hf.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "frontends/hf_config.h"
#include "frontends/llm.h"
#include "frontends/safetensors.h"
#include "ir/graph.h"
#include "util/error.h"

#define HF_MAX_JSON (64u * 1024u * 1024u)

typedef struct hf_map {
    const char *canon; /* suffix of "blk.N." or whole name */
    const char *hf;    /* suffix of "model.layers.N." or whole name */
} hf_map;

static const hf_map k_global[] = {
    {"token_embd.weight", "model.embed_tokens.weight"},
    {"output_norm.weight", "model.norm.weight"},
    {"output.weight", "lm_head.weight"},
};

static const hf_map k_layer[] = {
    {"attn_norm.weight", "input_layernorm.weight"},
    {"ffn_norm.weight", "post_attention_layernorm.weight"},
    {"attn_q.weight", "self_attn.q_proj.weight"},
    {"attn_k.weight", "self_attn.k_proj.weight"},
    {"attn_v.weight", "self_attn.v_proj.weight"},
    {"attn_q.bias", "self_attn.q_proj.bias"},
    {"attn_k.bias", "self_attn.k_proj.bias"},
    {"attn_v.bias", "self_attn.v_proj.bias"},
    {"attn_qkv.weight", "self_attn.qkv_proj.weight"},
    {"attn_q_norm.weight", "self_attn.q_norm.weight"},
    {"attn_k_norm.weight", "self_attn.k_norm.weight"},
    {"attn_output.weight", "self_attn.o_proj.weight"},
    {"ffn_gate.weight", "mlp.gate_proj.weight"},
    {"ffn_up.weight", "mlp.up_proj.weight"},
    {"ffn_down.weight", "mlp.down_proj.weight"},
};

int grt_hf_tensor_name(const char *name, int fused_gate_up, char *buf, size_t size) {
    for (size_t i = 0; i < sizeof k_global / sizeof k_global[0]; i++)
        if (!strcmp(name, k_global[i].canon)) return snprintf(buf, size, "%s", k_global[i].hf) < (int)size;
    if (strncmp(name, "blk.", 4)) return 0;
    char *end = NULL;
    unsigned long layer = strtoul(name + 4, &end, 10);
    if (end == name + 4 || *end != '.') return 0;
    const char *suffix = end + 1;
    if (fused_gate_up && !strcmp(suffix, "ffn_up.weight"))
        return snprintf(buf, size, "model.layers.%lu.mlp.gate_up_proj.weight", layer) < (int)size;
    for (size_t i = 0; i < sizeof k_layer / sizeof k_layer[0]; i++)
        if (!strcmp(suffix, k_layer[i].canon))
            return snprintf(buf, size, "model.layers.%lu.%s", layer, k_layer[i].hf) < (int)size;
    return 0;
}

int grt_hf_probe(const char *path, int is_dir, const uint8_t *head, size_t n) {
    (void)head;
    (void)n;
    if (!is_dir) return 0;
    char buf[4096];
    struct stat sb;
    if (snprintf(buf, sizeof buf, "%s/config.json", path) >= (int)sizeof buf) return 0;
    return stat(buf, &sb) == 0 && S_ISREG(sb.st_mode);
}

typedef struct hf_ctx {
    const char *dir;
    grt_st_set set;
    int fused_gate_up;
} hf_ctx;

static void dims_text(char *buf, size_t size, size_t rank, const int64_t *dims) {
    size_t k = (size_t)snprintf(buf, size, "[");
    for (size_t i = 0; i < rank && k < size; i++)
        k += (size_t)snprintf(buf + k, size - k, "%s%lld", i ? ", " : "", (long long)dims[i]);
    if (k < size) snprintf(buf + k, size - k, "]");
}

static grt_status hf_weight(void *user, grt_model *model, const char *name, size_t rank, const int64_t *dims,
                            grt_port *out) {
    hf_ctx *c = user;
    char hf[256];
    if (!grt_hf_tensor_name(name, c->fused_gate_up, hf, sizeof hf))
        return grt_error(GRT_ERROR_NOT_FOUND, "%s: tensor '%s' has no Hugging Face name", c->dir, name);
    const grt_st_tensor *t = grt_st_find(&c->set, hf);
    if (!t) return grt_error(GRT_ERROR_NOT_FOUND, "%s: tensor '%s' (%s) not found", c->dir, hf, name);
    int same = t->rank == rank;
    for (size_t i = 0; same && i < rank; i++) same = t->dims[i] == dims[i];
    if (!same) {
        char want[128], got[128];
        dims_text(want, sizeof want, rank, dims);
        dims_text(got, sizeof got, t->rank, t->dims);
        return grt_error(GRT_ERROR_FORMAT, "%s: tensor '%s' has shape %s, config.json implies %s",
                         c->set.files[t->file].path, hf, got, want);
    }
    const void *data = grt_st_data(&c->set, t);
    if (t->offset % GRT_IR_ALIGN == 0) /* zero-copy into the file mapping */
        return grt_ir_graph_add_constant(&model->g, name, t->type, rank, dims, c->set.files[t->file].blob, data,
                                         (size_t)t->bytes, NULL, out);
    return grt_model_add_constant(model, name, t->type, rank, dims, data, (size_t)t->bytes, out);
}

/* Path of dir/file into buf. */
static int join(char *buf, size_t size, const char *dir, const char *file) {
    return snprintf(buf, size, "%s/%s", dir, file) < (int)size;
}

static int file_exists(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

static grt_status set_string(grt_model *model, const char *key, const char *s, size_t len) {
    grt_meta_value v;
    memset(&v, 0, sizeof v);
    v.type = GRT_META_STRING;
    v.u.str.data = s;
    v.u.str.len = len;
    return grt_model_set_meta(model, key, &v);
}

static grt_status set_int(grt_model *model, const char *key, int64_t i) {
    grt_meta_value v;
    memset(&v, 0, sizeof v);
    v.type = GRT_META_INT;
    v.u.i = i;
    return grt_model_set_meta(model, key, &v);
}

/* The chat template of tokenizer_config.json: a string, or a list of {name, template} (the
 * "default" one, else the first). */
static grt_status set_chat_template(grt_model *model, const char *path, const char *text, size_t len) {
    grt_status st = GRT_OK;
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (!root || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return grt_error(GRT_ERROR_FORMAT, "%s: not a JSON object (malformed JSON)", path);
    }
    const cJSON *ct = cJSON_GetObjectItemCaseSensitive(root, "chat_template"), *pick = NULL;
    if (cJSON_IsString(ct)) pick = ct;
    else if (cJSON_IsArray(ct)) {
        const cJSON *e;
        cJSON_ArrayForEach(e, ct) {
            const cJSON *nm = cJSON_GetObjectItemCaseSensitive(e, "name");
            const cJSON *tp = cJSON_GetObjectItemCaseSensitive(e, "template");
            if (!cJSON_IsString(tp)) continue;
            if (!pick || (cJSON_IsString(nm) && !strcmp(nm->valuestring, "default"))) pick = tp;
        }
    } else if (ct && !cJSON_IsNull(ct)) {
        st = grt_error(GRT_ERROR_FORMAT, "%s: key 'chat_template' must be a string or a list", path);
    }
    if (st == GRT_OK && pick)
        st = set_string(model, "tokenizer.chat_template", pick->valuestring, strlen(pick->valuestring));
    cJSON_Delete(root);
    return st;
}

/* Copies the optional JSON side files into metadata. */
static grt_status add_side_files(grt_model *model, const char *dir, const grt_hf_config *hc) {
    static const char *const files[3] = {"tokenizer.json", "tokenizer_config.json", "generation_config.json"};
    static const char *const keys[3] = {"tokenizer.huggingface.json", "tokenizer.huggingface.config",
                                        "generation.huggingface.config"};
    char path[4096];
    grt_status st = GRT_OK;
    for (int i = 0; i < 3 && st == GRT_OK; i++) {
        char *text = NULL;
        size_t len = 0;
        if (!join(path, sizeof path, dir, files[i]))
            return grt_error(GRT_ERROR_INVALID_ARGUMENT, "%s: path too long", dir);
        if (!file_exists(path)) continue;
        st = grt_st_read_text(path, HF_MAX_JSON, &text, &len);
        if (st == GRT_OK) st = set_string(model, keys[i], text, len);
        if (st == GRT_OK && i == 1) st = set_chat_template(model, path, text, len);
        free(text);
    }
    if (st == GRT_OK && hc->bos_token_id >= 0) st = set_int(model, "tokenizer.ggml.bos_token_id", hc->bos_token_id);
    if (st == GRT_OK && hc->eos_token_id >= 0) st = set_int(model, "tokenizer.ggml.eos_token_id", hc->eos_token_id);
    return st;
}

grt_status grt_hf_load(grt_core *core, const char *dir, grt_model **out) {
    grt_status st;
    grt_model *model = NULL;
    hf_ctx c;
    grt_hf_config hc;
    char path[4096];
    (void)core;
    *out = NULL;
    memset(&c, 0, sizeof c);
    c.dir = dir;
    grt_st_set_init(&c.set);
    if (!join(path, sizeof path, dir, "config.json"))
        return grt_error(GRT_ERROR_INVALID_ARGUMENT, "%s: path too long", dir);
    st = grt_hf_config_read(path, &hc);
    if (st != GRT_OK) return st;
    c.fused_gate_up = hc.llm.fused_gate_up;
    join(path, sizeof path, dir, "model.safetensors.index.json");
    if (file_exists(path)) {
        st = grt_st_add_index(&c.set, path);
    } else {
        join(path, sizeof path, dir, "model.safetensors");
        if (!file_exists(path)) {
            st = grt_error(GRT_ERROR_NOT_FOUND, "%s: no model.safetensors or model.safetensors.index.json", dir);
            goto fail;
        }
        st = grt_st_add_file(&c.set, path);
    }
    if (st != GRT_OK) goto fail;
    /* transformers' PretrainedConfig ties by default; the model classes here do not. Without the
     * key, a checkpoint with no lm_head is tied. */
    if (!hc.tie_given && !grt_st_find(&c.set, "lm_head.weight")) hc.llm.tied_embeddings = 1;
    const char *base = strrchr(dir, '/');
    st = grt_model_create(base && base[1] ? base + 1 : dir, &model);
    if (st != GRT_OK) goto fail;
    st = grt_llm_build(&hc.llm, hf_weight, &c, dir, model);
    if (st != GRT_OK) goto fail;
    st = add_side_files(model, dir, &hc);
    if (st != GRT_OK) goto fail;
    grt_st_set_free(&c.set);
    *out = model;
    return GRT_OK;
fail:
    grt_model_destroy(model);
    grt_st_set_free(&c.set);
    return st;
}
