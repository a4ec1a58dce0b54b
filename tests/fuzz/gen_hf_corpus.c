/*
 * gen_hf_corpus.c - writes the seed corpora of fuzz_safetensors and fuzz_hf_config
 * (tests/fuzz/corpus/safetensors and corpus/hf_config were produced by
 * `gen_hf_corpus tests/fuzz/corpus`): the tiny llama of tests/unit/hf as F32 (64-byte aligned),
 * BF16 (unaligned) and F16 safetensors, a two-tensor file, and config.json of each tiny
 * architecture. Usage: gen_hf_corpus OUT_DIR (creates OUT_DIR/safetensors and OUT_DIR/hf_config).
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hf_fixture.h"

int main(int argc, char **argv) {
    char dir[1024], path[1200];
    tiny_model m;
    int ok = 1;
    if (argc != 2) {
        fprintf(stderr, "usage: gen_hf_corpus OUT_DIR\n");
        return 2;
    }
    mkdir(argv[1], 0755);
    snprintf(dir, sizeof dir, "%s/safetensors", argv[1]);
    mkdir(dir, 0755);
    if (!tiny_model_init(&m, "llama", 99)) return 1;
    snprintf(path, sizeof path, "%s/llama_f32", dir);
    ok &= write_safetensors(path, m.t, m.n, "F32", 64);
    snprintf(path, sizeof path, "%s/llama_bf16", dir);
    ok &= write_safetensors(path, m.t, m.n, "BF16", 1);
    snprintf(path, sizeof path, "%s/llama_f16", dir);
    ok &= write_safetensors(path, m.t, m.n, "F16", 8);
    snprintf(path, sizeof path, "%s/two_tensors", dir);
    ok &= write_safetensors(path, m.t + 1, 2, "F32", 8);
    tiny_model_free(&m);
    snprintf(dir, sizeof dir, "%s/hf_config", argv[1]);
    mkdir(dir, 0755);
    static const char *const types[4] = {"llama", "qwen2", "qwen3", "phi3"};
    for (int i = 0; i < 4 && ok; i++) {
        char sub[1100];
        if (!tiny_model_init(&m, types[i], 1)) return 1;
        snprintf(sub, sizeof sub, "%s/tmp_%s", dir, types[i]);
        mkdir(sub, 0755);
        ok &= write_config(sub, &m, i == 0 ? "\"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0}" : "");
        snprintf(path, sizeof path, "%s/config.json", sub);
        char dst[1200];
        snprintf(dst, sizeof dst, "%s/tiny_%s.json", dir, types[i]);
        ok &= rename(path, dst) == 0 && rmdir(sub) == 0;
        tiny_model_free(&m);
    }
    printf("gen_hf_corpus: %s\n", ok ? "done" : "FAILED");
    return ok ? 0 : 1;
}
