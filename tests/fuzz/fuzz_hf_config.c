/*
 * fuzz_hf_config.c - fuzz target of the Hugging Face config.json parser (grt_hf_config_parse):
 * the input bytes are the file's text. A parsed config must have passed validation (positive
 * sizes, Hq % Hkv == 0); a failure must be a clean status with a message. Seeds:
 * tests/fuzz/corpus/hf_config (the shared architecture configs and tiny ones of each architecture).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <genrt/genrt.h>

#include "frontends/hf_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    grt_hf_config c;
    grt_status st = grt_hf_config_parse((const char *)data, size, "config.json", &c);
    if (st == GRT_OK) {
        if (c.llm.dim <= 0 || c.llm.n_heads <= 0 || c.llm.n_kv_heads <= 0 || c.llm.n_heads % c.llm.n_kv_heads)
            abort(); /* validation let an inconsistent config through */
    } else if (!grt_last_error()[0]) {
        abort();
    }
    return 0;
}
