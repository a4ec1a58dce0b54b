/*
 * tests/unit/tokenizer/test_detok.c - the streaming detokenizer: fed the ids of multilingual text
 * with emoji one at a time (SentencePiece byte-fallback tokens split characters across tokens),
 * every chunk it returns is whole UTF-8, and the chunks + flush equal grt_tokenizer_decode();
 * flush turns a held-back incomplete sequence into U+FFFD; bad ids are rejected. Uses the
 * vocabularies of $GENRT_SHARED_DIR/tokenizers (exit 77 without them). Single-threaded.
 */
#include <genrt/tokenizer.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/test_util.h"

/* 1 if s[0..n) is complete, valid UTF-8 (plain reference decoder). */
static int valid_utf8(const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t l = u[i] < 0x80 ? 1 : (u[i] >> 5) == 6 ? 2 : (u[i] >> 4) == 14 ? 3 : (u[i] >> 3) == 30 ? 4 : 0;
        if (!l || i + l > n) return 0;
        for (size_t k = 1; k < l; k++)
            if ((u[i + k] & 0xC0) != 0x80) return 0;
        i += l;
    }
    return 1;
}

static const char *k_text = "Hello world! Führer 🦙 ied 4 ½ months, 我想在apple工作 🚀 (normal) "
                            "😶‍🌫️ ✅ Cửa Việt нещо на Български";

static void check_stream(const char *dir, const char *name, int skip_special) {
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    grt_tokenizer *tok = NULL;
    grt_detokenizer *d = NULL;
    int32_t *ids = NULL;
    size_t n = 0;
    char *want = NULL, *got = NULL;
    CHECK_OK(grt_tokenizer_create_from_file(path, &tok));
    if (!tok) return;
    CHECK_OK(grt_tokenizer_encode(tok, k_text, strlen(k_text), 1, &ids, &n));
    CHECK_OK(grt_tokenizer_decode(tok, ids, n, skip_special, &want));
    CHECK_OK(grt_detokenizer_create(tok, skip_special, &d));
    if (!ids || !want || !d) goto done;
    size_t gl = 0;
    got = calloc(strlen(want) + 16, 1);
    for (size_t i = 0; i < n; i++) {
        const char *t = NULL;
        size_t tl = 0;
        CHECK_OK(grt_detokenizer_push(d, ids[i], &t, &tl));
        CHECKF(t && valid_utf8(t, tl), "%s: chunk %zu is not whole UTF-8", name, i);
        if (t && gl + tl <= strlen(want)) memcpy(got + gl, t, tl);
        gl += tl;
    }
    const char *t = NULL;
    size_t tl = 0;
    CHECK_OK(grt_detokenizer_flush(d, &t, &tl));
    CHECK(tl == 0);
    CHECKF(gl == strlen(want) && !memcmp(got, want, gl), "%s: stream '%.*s' != decode '%s'", name,
           (int)gl, got, want);
    /* An incomplete character held back, then flushed as U+FFFD (SentencePiece byte tokens). */
    if (strstr(name, "spm")) {
        int32_t first_byte = -1; /* <0xF0> = 3 + 0xF0 in llama's vocabulary */
        for (int32_t id = 0; id < (int32_t)grt_tokenizer_vocab_size(tok); id++)
            if (!strcmp(grt_tokenizer_token(tok, id), "<0xF0>")) first_byte = id;
        CHECK(first_byte >= 0);
        CHECK_OK(grt_detokenizer_push(d, first_byte, &t, &tl));
        CHECK(tl == 0);
        CHECK_OK(grt_detokenizer_flush(d, &t, &tl));
        CHECK(tl == 3 && !memcmp(t, "\xEF\xBF\xBD", 3));
    }
    CHECK_ERR(grt_detokenizer_push(d, -1, &t, &tl), GRT_ERROR_INVALID_ARGUMENT, "out of range");
    int32_t bad = (int32_t)grt_tokenizer_vocab_size(tok);
    char *x = NULL;
    CHECK_ERR(grt_tokenizer_decode(tok, &bad, 1, 0, &x), GRT_ERROR_INVALID_ARGUMENT, "out of range");
done:
    free(got);
    grt_free(want);
    grt_free(ids);
    grt_detokenizer_destroy(d);
    grt_tokenizer_destroy(tok);
}

int main(void) {
    const char *shared = getenv("GENRT_SHARED_DIR");
    char dir[1024], probe[1200];
    snprintf(dir, sizeof dir, "%s/tokenizers", shared ? shared : "../shared");
    snprintf(probe, sizeof probe, "%s/ggml-vocab-llama-spm.gguf", dir);
    FILE *f = fopen(probe, "rb");
    if (!f) {
        printf("SKIP: %s not found (set GENRT_SHARED_DIR)\n", probe);
        return 77;
    }
    fclose(f);
    const char *names[] = {"ggml-vocab-llama-spm.gguf", "ggml-vocab-gpt-2.gguf",
                           "ggml-vocab-deepseek-llm.gguf", "ggml-vocab-bert-bge.gguf"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        check_stream(dir, names[i], 0);
        check_stream(dir, names[i], 1);
    }
    return test_summary("unit.tokenizer.detok");
}
