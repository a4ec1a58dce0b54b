/*
 * fuzz_safetensors.c - fuzz target of the safetensors reader and the Hugging Face folder loader.
 * The input bytes become a file (one memfd, rewritten per input) that is
 *   1. parsed by grt_st_add_file; every tensor of a parsed file is read end to end (so an offset
 *      or size the validator let through out of the mapping is caught by ASan);
 *   2. loaded as model.safetensors of a folder whose config.json is a fixed tiny llama (the shape
 *      of tests/unit/hf's tiny model; seeds: tests/fuzz/corpus/safetensors, from gen_hf_corpus), so
 *      the name mapping, shape checks and graph builder run on mutated headers.
 * Any failure must be a clean status, never a crash or a leak.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <genrt/genrt.h>

#include "frontends/safetensors.h"

#define HARNESS_BUG(msg)                                                                          \
    do {                                                                                          \
        fprintf(stderr, "fuzz_safetensors: %s\n", msg);                                           \
        abort();                                                                                  \
    } while (0)

static const char k_config[] =
    "{\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": \"llama\", \"hidden_size\": 32,"
    " \"intermediate_size\": 48, \"num_hidden_layers\": 2, \"num_attention_heads\": 4,"
    " \"num_key_value_heads\": 2, \"head_dim\": 8, \"vocab_size\": 64, \"max_position_embeddings\": 64,"
    " \"rms_norm_eps\": 1e-05, \"rope_theta\": 10000, \"hidden_act\": \"silu\", \"tie_word_embeddings\": false}";

static int g_fd = -1;
static char g_file[64], g_dir[256];

static void setup(void) {
    char path[320];
    g_fd = memfd_create("fuzz_safetensors", MFD_CLOEXEC);
    if (g_fd < 0) HARNESS_BUG("memfd_create failed");
    snprintf(g_file, sizeof g_file, "/proc/self/fd/%d", g_fd);
    snprintf(g_dir, sizeof g_dir, "/tmp/fuzz_hf_XXXXXX");
    if (!mkdtemp(g_dir)) HARNESS_BUG("mkdtemp failed");
    snprintf(path, sizeof path, "%s/config.json", g_dir);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(k_config, 1, sizeof k_config - 1, f) != sizeof k_config - 1 || fclose(f) != 0)
        HARNESS_BUG("cannot write config.json");
    snprintf(path, sizeof path, "%s/model.safetensors", g_dir);
    if (symlink(g_file, path) != 0) HARNESS_BUG("symlink failed");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (g_fd < 0) setup();
    if (ftruncate(g_fd, 0) != 0 || (size && pwrite(g_fd, data, size, 0) != (ssize_t)size))
        HARNESS_BUG("memfd write failed");

    grt_st_set set;
    grt_st_set_init(&set);
    if (grt_st_add_file(&set, g_file) == GRT_OK) {
        volatile uint8_t acc = 0;
        for (size_t i = 0; i < set.n_tensors; i++) {
            const uint8_t *p = grt_st_data(&set, &set.tensors[i]);
            for (uint64_t k = 0; k < set.tensors[i].bytes; k++) acc ^= p[k];
        }
        (void)acc;
    } else if (!grt_last_error()[0]) {
        HARNESS_BUG("failure without a message");
    }
    grt_st_set_free(&set);

    grt_model *model = NULL;
    grt_status st = grt_model_read(NULL, g_dir, &model);
    if (st == GRT_OK && !model) HARNESS_BUG("OK without a model");
    if (st != GRT_OK && model) HARNESS_BUG("model returned on failure");
    grt_model_destroy(model);
    return 0;
}
