/*
 * fuzz_tokenizer_json.c - fuzz target of the tokenizer.json loader of libgenrt_genai
 * (tools/genai/src/tokenizer/tok_load_json.c): the input bytes are parsed as a Hugging Face
 * tokenizer.json; a tokenizer that loads must encode a fixed multilingual text (with special-token
 * lookalikes and invalid UTF-8), decode the ids, and stream them through the detokenizer, whose
 * output must equal decode(). Any failure to load must be a clean status, never a crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer/tok_internal.h"

#define HARNESS_BUG(msg)                                                                          \
    do {                                                                                          \
        fprintf(stderr, "fuzz_tokenizer_json: %s\n", msg);                                        \
        abort();                                                                                  \
    } while (0)

static const char k_text[] = "Hello world! the<|end|> \xC3\xA9t\xC3\xA9 \xF0\x9F\xA6\x99 \xE6\x88\x91"
                             "  \n\t3333 [CLS] <s> \xFF\xC3 x";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    grt_tokenizer *tok = NULL;
    if (tok_load_json((const char *)data, size, NULL, 0, "fuzz.json", &tok) != GRT_OK) return 0;
    int32_t *ids = NULL;
    size_t n = 0;
    char *text = NULL;
    grt_detokenizer *d = NULL;
    if (grt_tokenizer_encode(tok, k_text, sizeof k_text - 1, 1, &ids, &n) == GRT_OK) {
        for (size_t i = 0; i < n; i++)
            if (ids[i] < 0 || (size_t)ids[i] >= grt_tokenizer_vocab_size(tok))
                HARNESS_BUG("encode returned an id out of range");
        if (grt_tokenizer_decode(tok, ids, n, 0, &text) != GRT_OK) HARNESS_BUG("decode failed");
        if (grt_detokenizer_create(tok, 0, &d) == GRT_OK) {
            size_t pos = 0, tl = strlen(text);
            for (size_t i = 0; i < n; i++) {
                const char *c;
                size_t cl;
                if (grt_detokenizer_push(d, ids[i], &c, &cl) != GRT_OK) HARNESS_BUG("push failed");
                if (pos + cl > tl || memcmp(text + pos, c, cl)) HARNESS_BUG("stream != decode");
                pos += cl;
            }
            grt_detokenizer_destroy(d);
        }
    }
    for (int32_t id = -1; id <= (int32_t)grt_tokenizer_vocab_size(tok) && id < 64; id++) {
        (void)grt_tokenizer_token(tok, id);
        (void)grt_tokenizer_is_special(tok, id);
    }
    grt_free(text);
    grt_free(ids);
    grt_tokenizer_destroy(tok);
    return 0;
}
