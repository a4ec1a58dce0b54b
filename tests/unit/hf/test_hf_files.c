/*
 * test_hf_files.c - safetensors and config.json parsing of the Hugging Face frontend: a valid
 * file's tensor table and data, every corruption the validator must catch (truncation, header
 * length, JSON, offsets, sizes, overlap, duplicates, dtypes, sharded index errors) with clean
 * errors naming the file and tensor/key, folder-level errors through grt_model_read, and
 * config.json for every supported architecture plus unsupported / malformed ones.
 * Usage: test_hf_files SCRATCH_DIR. No plugin needed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "frontends/hf_config.h"
#include "frontends/safetensors.h"
#include "ir/graph.h"
#include "hf_fixture.h"
#include "test_util.h"

static const char *g_scratch;

/* Writes a safetensors file: header text (padded to 8), then data_bytes bytes 0,1,2,... ;
 * hlen_override != 0 replaces the header length field. Returns the path (static buffer). */
static const char *make_st(const char *name, const char *header, size_t data_bytes, uint64_t hlen_override) {
    static char path[1024];
    size_t hl = strlen(header), padded = (hl + 7) / 8 * 8;
    uint8_t *buf = calloc(1, 8 + padded + data_bytes + 1);
    if (!buf) return NULL;
    uint64_t field = hlen_override ? hlen_override : padded;
    for (int i = 0; i < 8; i++) buf[i] = (uint8_t)(field >> (8 * i));
    memcpy(buf + 8, header, hl);
    memset(buf + 8 + hl, ' ', padded - hl);
    for (size_t i = 0; i < data_bytes; i++) buf[8 + padded + i] = (uint8_t)i;
    snprintf(path, sizeof path, "%s/%s", g_scratch, name);
    int ok = write_file(path, buf, 8 + padded + data_bytes);
    free(buf);
    return ok ? path : NULL;
}

static void expect_st_error(const char *name, const char *header, size_t data_bytes, uint64_t hlen, grt_status want,
                            const char *needle) {
    grt_st_set set;
    grt_st_set_init(&set);
    const char *path = make_st(name, header, data_bytes, hlen);
    CHECK(path != NULL);
    if (!path) return;
    grt_status st = grt_st_add_file(&set, path);
    CHECKF(st == want, "%s: status %d, expected %d (%s)", name, st, want, grt_last_error());
    CHECKF(strstr(grt_last_error(), name) != NULL, "%s: message names the file: %s", name, grt_last_error());
    if (needle) CHECKF(strstr(grt_last_error(), needle) != NULL, "%s: message mentions '%s': %s", name, needle,
                       grt_last_error());
    CHECK(set.n_tensors == 0 && set.n_files == 0);
    grt_st_set_free(&set);
}

static void test_safetensors_valid(void) {
    grt_st_set set;
    grt_st_set_init(&set);
    const char *path = make_st("ok.safetensors",
                               "{\"__metadata__\": {\"format\": \"pt\"}, \"b\": {\"dtype\": \"BF16\", \"shape\": [4], "
                               "\"data_offsets\": [24, 32]}, \"a\": {\"dtype\": \"F32\", \"shape\": [2, 3], "
                               "\"data_offsets\": [0, 24]}, \"e\": {\"dtype\": \"F16\", \"shape\": [0, 5], "
                               "\"data_offsets\": [32, 32]}}",
                               32, 0);
    CHECK_OK(grt_st_add_file(&set, path));
    CHECK(set.n_tensors == 3 && set.n_files == 1);
    const grt_st_tensor *a = grt_st_find(&set, "a"), *b = grt_st_find(&set, "b"), *e = grt_st_find(&set, "e");
    CHECK(a && a->type == GRT_F32 && a->rank == 2 && a->dims[0] == 2 && a->dims[1] == 3 && a->bytes == 24);
    CHECK(b && b->type == GRT_BF16 && b->rank == 1 && b->dims[0] == 4 && b->bytes == 8);
    CHECK(e && e->type == GRT_F16 && e->bytes == 0);
    CHECK(grt_st_find(&set, "__metadata__") == NULL && grt_st_find(&set, "c") == NULL);
    if (a && b) {
        const uint8_t *pa = grt_st_data(&set, a), *pb = grt_st_data(&set, b);
        CHECK(pa[0] == 0 && pa[23] == 23 && pb[0] == 24 && pb[7] == 31);
    }
    /* the same names again (another file) are refused and the set is unchanged */
    CHECK_ERR(grt_st_add_file(&set, path), GRT_ERROR_FORMAT, "also appears");
    CHECK(set.n_tensors == 3 && set.n_files == 1);
    grt_st_set_free(&set);
}

static void test_safetensors_errors(void) {
    grt_st_set set;
    grt_st_set_init(&set);
    char path[1024];
    snprintf(path, sizeof path, "%s/tiny.safetensors", g_scratch);
    CHECK(write_file(path, "\x10\0\0", 3));
    CHECK_ERR(grt_st_add_file(&set, path), GRT_ERROR_FORMAT, "truncated");
    snprintf(path, sizeof path, "%s/does_not_exist.safetensors", g_scratch);
    CHECK_ERR(grt_st_add_file(&set, path), GRT_ERROR_NOT_FOUND, "does_not_exist");
    grt_st_set_free(&set);

    const char *one = "{\"w\": {\"dtype\": \"F32\", \"shape\": [2, 2], \"data_offsets\": [0, 16]}}";
    expect_st_error("hlen_big.safetensors", one, 16, 1000000, GRT_ERROR_FORMAT, "header length");
    expect_st_error("hlen_huge.safetensors", one, 16, UINT64_MAX - 3, GRT_ERROR_FORMAT, "header length");
    expect_st_error("truncated_data.safetensors", one, 12, 0, GRT_ERROR_FORMAT, "'w'");
    expect_st_error("not_json.safetensors", "{\"w\": {\"dtype\": ", 0, 0, GRT_ERROR_FORMAT, "JSON");
    expect_st_error("array.safetensors", "[1, 2]", 0, 0, GRT_ERROR_FORMAT, "JSON object");
    expect_st_error("size.safetensors", "{\"w\": {\"dtype\": \"F32\", \"shape\": [2, 2], \"data_offsets\": [0, 12]}}",
                    16, 0, GRT_ERROR_FORMAT, "'w'");
    expect_st_error("order.safetensors", "{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [8, 4]}}", 16,
                    0, GRT_ERROR_FORMAT, "'w'");
    expect_st_error("overlap.safetensors",
                    "{\"x\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, "
                    "\"y\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}",
                    16, 0, GRT_ERROR_FORMAT, "overlap");
    expect_st_error("dup.safetensors",
                    "{\"x\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}, "
                    "\"x\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}",
                    8, 0, GRT_ERROR_FORMAT, "twice");
    expect_st_error("dtype.safetensors", "{\"qw\": {\"dtype\": \"I8\", \"shape\": [4], \"data_offsets\": [0, 4]}}", 4,
                    0, GRT_ERROR_NOT_SUPPORTED, "'qw'");
    expect_st_error("negdim.safetensors", "{\"w\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}",
                    4, 0, GRT_ERROR_FORMAT, "shape");
    expect_st_error("fracdim.safetensors", "{\"w\": {\"dtype\": \"F32\", \"shape\": [1.5], \"data_offsets\": [0, 4]}}",
                    4, 0, GRT_ERROR_FORMAT, "shape");
    expect_st_error("overflow.safetensors",
                    "{\"w\": {\"dtype\": \"F32\", \"shape\": [4294967296, 4294967296, 16], \"data_offsets\": [0, 0]}}",
                    4, 0, GRT_ERROR_FORMAT, "'w'");
    expect_st_error("rank.safetensors",
                    "{\"w\": {\"dtype\": \"F32\", \"shape\": [1,1,1,1,1,1,1,1,1], \"data_offsets\": [0, 4]}}", 4, 0,
                    GRT_ERROR_FORMAT, "rank");
    expect_st_error("nodtype.safetensors", "{\"w\": {\"shape\": [1], \"data_offsets\": [0, 4]}}", 4, 0,
                    GRT_ERROR_FORMAT, "dtype");
    expect_st_error("offs.safetensors", "{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0]}}", 4, 0,
                    GRT_ERROR_FORMAT, "data_offsets");
    expect_st_error("meta.safetensors", "{\"__metadata__\": {\"k\": 3}}", 0, 0, GRT_ERROR_FORMAT, "__metadata__");
}

static void test_index_errors(void) {
    grt_st_set set;
    grt_st_set_init(&set);
    char path[1024];
    make_st("shard_a.safetensors", "{\"x\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 4, 0);
    make_st("shard_b.safetensors", "{\"y\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 4, 0);
    snprintf(path, sizeof path, "%s/good.index.json", g_scratch);
    const char *good = "{\"weight_map\": {\"x\": \"shard_a.safetensors\", \"y\": \"shard_b.safetensors\"}}";
    CHECK(write_file(path, good, strlen(good)));
    CHECK_OK(grt_st_add_index(&set, path));
    CHECK(set.n_files == 2 && grt_st_find(&set, "x") && grt_st_find(&set, "y"));
    grt_st_set_free(&set);

    static const char *const bad[4][2] = {
        {"{\"weight_map\": {\"x\": \"../shard_a.safetensors\"}}", "plain file name"},
        {"{\"weight_map\": {\"x\": \"shard_b.safetensors\"}}", "'x'"},
        {"{\"weight_map\": {\"x\": \"missing.safetensors\"}}", "missing.safetensors"},
        {"{\"weight_map\": [1]", "JSON"},
    };
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/bad%d.index.json", g_scratch, i);
        CHECK(write_file(path, bad[i][0], strlen(bad[i][0])));
        grt_status st = grt_st_add_index(&set, path);
        CHECKF(st != GRT_OK && strstr(grt_last_error(), bad[i][1]), "bad index %d: %s", i, grt_last_error());
        CHECK(set.n_files == 0 && set.n_tensors == 0);
    }
    grt_st_set_free(&set);
}

static void expect_config(const char *json, grt_status want, const char *needle, grt_hf_config *out) {
    grt_hf_config tmp;
    grt_status st = grt_hf_config_parse(json, strlen(json), "cfg.json", out ? out : &tmp);
    CHECKF(st == want, "config %.60s...: status %d, expected %d (%s)", json, st, want, grt_last_error());
    if (needle && st != GRT_OK)
        CHECKF(strstr(grt_last_error(), needle) && strstr(grt_last_error(), "cfg.json"),
               "config error names '%s' and the file: %s", needle, grt_last_error());
}

#define BASE "\"hidden_size\": 64, \"intermediate_size\": 128, \"num_hidden_layers\": 2, " \
             "\"num_attention_heads\": 4, \"vocab_size\": 100"

static void test_configs(void) {
    grt_hf_config c;
    expect_config("{\"model_type\": \"llama\", " BASE "}", GRT_OK, NULL, &c);
    CHECK(!strcmp(c.llm.arch, "llama") && c.llm.n_kv_heads == 4 && c.llm.head_dim == 16 && c.llm.max_seq_len == 2048);
    CHECK(c.llm.rope_mode == GRT_LLM_ROPE_HALF && !c.llm.qkv_bias && !c.llm.fused_qkv && !c.tie_given);
    CHECK(c.bos_token_id == -1 && c.eos_token_id == -1);
    expect_config("{\"architectures\": [\"MistralForCausalLM\"], \"num_key_value_heads\": 2, \"rope_theta\": 1e6, "
                  "\"rms_norm_eps\": 1e-5, \"eos_token_id\": 2, " BASE "}", GRT_OK, NULL, &c);
    CHECK(!strcmp(c.llm.arch, "llama") && c.llm.n_kv_heads == 2 && c.llm.rope_theta == 1e6 && c.llm.norm_eps == 1e-5);
    CHECK(c.eos_token_id == 2);
    expect_config("{\"model_type\": \"qwen2\", \"tie_word_embeddings\": true, " BASE "}", GRT_OK, NULL, &c);
    CHECK(!strcmp(c.llm.arch, "qwen2") && c.llm.qkv_bias && c.llm.tied_embeddings && c.tie_given);
    expect_config("{\"model_type\": \"qwen3\", \"head_dim\": 32, " BASE "}", GRT_OK, NULL, &c);
    CHECK(!strcmp(c.llm.arch, "qwen3") && c.llm.qk_norm && c.llm.head_dim == 32 && !c.llm.qkv_bias);
    expect_config("{\"model_type\": \"phi3\", " BASE "}", GRT_OK, NULL, &c);
    CHECK(!strcmp(c.llm.arch, "phi3") && c.llm.fused_qkv && c.llm.fused_gate_up && c.llm.norm_eps == 1e-5);
    expect_config("{\"model_type\": \"llama\", \"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 32.0, "
                  "\"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 8192}, "
                  BASE "}", GRT_OK, NULL, &c);
    CHECK(c.llm.rope_scaling == 2 && c.llm.rope_factor == 32.0 && c.llm.rope_high_freq_factor == 4.0 &&
          c.llm.rope_original_max_position == 8192);
    expect_config("{\"model_type\": \"llama\", \"rope_scaling\": {\"type\": \"linear\", \"factor\": 2}, " BASE "}",
                  GRT_OK, NULL, &c);
    CHECK(c.llm.rope_scaling == 1 && c.llm.rope_factor == 2.0);

    expect_config("{\"model_type\": \"gpt2\", " BASE "}", GRT_ERROR_NOT_SUPPORTED, "gpt2", NULL);
    expect_config("{\"model_type\": \"mixtral\", \"architectures\": [\"MixtralForCausalLM\"], " BASE "}",
                  GRT_ERROR_NOT_SUPPORTED, "mixtral", NULL);
    expect_config("{\"architectures\": [\"FalconForCausalLM\"], " BASE "}", GRT_ERROR_NOT_SUPPORTED,
                  "FalconForCausalLM", NULL);
    expect_config("{" BASE "}", GRT_ERROR_FORMAT, "model_type", NULL);
    expect_config("{\"model_type\": \"llama\", \"hidden_size\": 64}", GRT_ERROR_FORMAT, "vocab_size", NULL);
    expect_config("{\"model_type\": \"llama\", \"num_key_value_heads\": \"2\", " BASE "}", GRT_ERROR_FORMAT,
                  "num_key_value_heads", NULL);
    expect_config("{\"model_type\": \"llama\", \"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4}, " BASE "}",
                  GRT_ERROR_NOT_SUPPORTED, "yarn", NULL);
    expect_config("{\"model_type\": \"llama\", \"hidden_act\": \"gelu\", " BASE "}", GRT_ERROR_NOT_SUPPORTED, "gelu",
                  NULL);
    expect_config("{\"model_type\": \"llama\", \"tie_word_embeddings\": 1, " BASE "}", GRT_ERROR_FORMAT,
                  "tie_word_embeddings", NULL);
    expect_config("{\"model_type\": \"llama\", \"hidden_size\": 64.5, \"intermediate_size\": 128, "
                  "\"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"vocab_size\": 100}",
                  GRT_ERROR_FORMAT, "hidden_size", NULL);
    expect_config("{\"model_type\": \"llama\", " BASE, GRT_ERROR_FORMAT, "JSON", NULL);
    expect_config("{\"model_type\": \"llama\", \"num_key_value_heads\": 3, " BASE "}", GRT_ERROR_FORMAT, "cfg.json", NULL);
}

/* Folder-level errors through grt_model_read. */
static void test_folder_errors(void) {
    tiny_model m;
    char dir[1024], path[1200];
    grt_model *model = NULL;
    if (!tiny_model_init(&m, "llama", 7)) {
        CHECK(0);
        return;
    }
    snprintf(dir, sizeof dir, "%s/hf_bad", g_scratch);
    mkdir(dir, 0755);
    CHECK(write_config(dir, &m, NULL));
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    remove(path);
    CHECK_ERR(grt_model_read(NULL, dir, &model), GRT_ERROR_NOT_FOUND, "model.safetensors");
    /* the last tensor (lm_head) missing */
    CHECK(write_safetensors(path, m.t, m.n - 1, "F32", 64));
    CHECK_ERR(grt_model_read(NULL, dir, &model), GRT_ERROR_NOT_FOUND, "lm_head.weight");
    /* a truncated file */
    CHECK(write_safetensors(path, m.t, m.n, "F32", 64));
    FILE *f = fopen(path, "r+b");
    CHECK(f != NULL);
    if (f) {
        fseek(f, 0, SEEK_END);
        long size = ftell(f);
        fclose(f);
        CHECK(truncate(path, size - 100) == 0);
    }
    CHECK_ERR(grt_model_read(NULL, dir, &model), GRT_ERROR_FORMAT, "model.safetensors");
    /* a shape that does not match config.json */
    m.t[0].dims[1] = 16;
    m.t[0].n = (size_t)(m.t[0].dims[0] * 16);
    CHECK(write_safetensors(path, m.t, m.n, "F32", 64));
    CHECK_ERR(grt_model_read(NULL, dir, &model), GRT_ERROR_FORMAT, "model.embed_tokens.weight");
    /* malformed config.json */
    snprintf(path, sizeof path, "%s/config.json", dir);
    CHECK(write_file(path, "{\"model_type\": ", 15));
    CHECK_ERR(grt_model_read(NULL, dir, &model), GRT_ERROR_FORMAT, "config.json");
    CHECK(model == NULL);
    tiny_model_free(&m);
}

/* grt_model_create_random: deterministic per seed, different across seeds, norms 1.0, matrices
 * with mean ~0 and std ~0.02 in the requested element type. */
static void test_random(void) {
    tiny_model m;
    char dir[1024], path[1200];
    grt_model *a = NULL, *b = NULL, *c = NULL;
    if (!tiny_model_init(&m, "qwen2", 3)) {
        CHECK(0);
        return;
    }
    snprintf(dir, sizeof dir, "%s/random_cfg", g_scratch);
    mkdir(dir, 0755);
    CHECK(write_config(dir, &m, NULL));
    snprintf(path, sizeof path, "%s/config.json", dir);
    CHECK_OK(grt_model_create_random(path, 5, GRT_F32, &a));
    CHECK_OK(grt_model_create_random(path, 5, GRT_F32, &b));
    CHECK_OK(grt_model_create_random(path, 6, GRT_F32, &c));
    grt_model *d = NULL;
    CHECK_ERR(grt_model_create_random(path, 5, GRT_I8, &d), GRT_ERROR_INVALID_ARGUMENT, "weight type");
    snprintf(path, sizeof path, "%s/nope.json", dir);
    CHECK_ERR(grt_model_create_random(path, 5, GRT_F32, &d), GRT_ERROR_NOT_FOUND, "nope.json");
    if (a && b && c) {
        CHECK(a->g.n_nodes == b->g.n_nodes && a->g.n_nodes == c->g.n_nodes);
        size_t n_const = 0, n_norm = 0, same_ab = 1, same_ac = 0;
        for (uint32_t i = 0; i < a->g.n_nodes && i < c->g.n_nodes; i++) {
            const grt_ir_node *na = &a->g.nodes[i], *nb = &b->g.nodes[i], *nc = &c->g.nodes[i];
            if (na->op != GRT_OP_CONSTANT || !na->cst || !nb->cst || !nc->cst) continue;
            if (!strstr(na->name, ".weight") && !strstr(na->name, ".bias")) continue;
            n_const++;
            const float *x = na->cst->data;
            size_t n = na->cst->bytes / 4;
            same_ab &= na->cst->bytes == nb->cst->bytes && !memcmp(x, nb->cst->data, na->cst->bytes);
            if (!strstr(na->name, "norm")) /* norms are 1.0 whatever the seed */
                same_ac |= na->cst->bytes == nc->cst->bytes && !memcmp(x, nc->cst->data, na->cst->bytes);
            if (strstr(na->name, "norm")) {
                n_norm++;
                int ones = 1;
                for (size_t k = 0; k < n; k++) ones &= x[k] == 1.0f;
                CHECKF(ones, "random norm %s is all 1.0", na->name);
            } else if (!strcmp(na->name, "token_embd.weight")) {
                double sum = 0, sq = 0;
                for (size_t k = 0; k < n; k++) sum += x[k], sq += (double)x[k] * x[k];
                double mean = sum / (double)n, sd = sqrt(sq / (double)n - mean * mean);
                CHECKF(fabs(mean) < 0.002 && sd > 0.018 && sd < 0.022, "random scale: mean %g std %g", mean, sd);
            }
        }
        CHECKF(n_const >= 10 && n_norm >= 5, "random model constants: %zu (%zu norms)", n_const, n_norm);
        CHECK(same_ab);
        CHECKF(!same_ac, "a different seed gives different weights");
    }
    grt_model_destroy(a);
    grt_model_destroy(b);
    grt_model_destroy(c);
    tiny_model_free(&m);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: test_hf_files SCRATCH_DIR\n");
        return 2;
    }
    g_scratch = argv[1];
    test_safetensors_valid();
    test_safetensors_errors();
    test_index_errors();
    test_configs();
    test_folder_errors();
    test_random();
    return test_summary("test_hf_files");
}
