/*
 * tests/unit/tokenizer/test_vectors.c - every test vector of $GENRT_SHARED_DIR/tokenizers
 * (llama.cpp's format: X.gguf.inp holds strings separated by "\n__ggml_vocab_test__\n", X.gguf.out
 * one line of ids per string, no BOS/EOS) must encode exactly through the library, loading the
 * tokenizer from the vocabulary-only GGUF file. Byte-level BPE vocabularies must also decode back
 * to the input. Exit 77 when the shared folder is absent. Single-threaded.
 */
#include <genrt/tokenizer.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/test_util.h"
#include "vocab_vectors.h"

static void run_vocab(const char *dir, const char *name, void *ctx) {
    char path[1024];
    (void)ctx;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    vv_cases vc;
    int loaded = vv_load(&vc, path);
    grt_tokenizer *tok = NULL;
    CHECKF(loaded, "%s: cannot read .inp/.out", name);
    CHECK_OK(grt_tokenizer_create_from_file(path, &tok));
    if (!loaded || !tok) goto done;
    int byte_level = strstr(name, "gpt-2") || strstr(name, "falcon") || strstr(name, "deepseek");
    const char *s, *line;
    size_t cases = 0, failed = 0;
    while (vv_next(&vc, &s, &line)) {
        /* expected ids */
        int32_t want[4096];
        size_t nw = 0;
        for (const char *p = line; *p && nw < 4096;) {
            char *e;
            long v = strtol(p, &e, 10);
            if (e == p) break;
            want[nw++] = (int32_t)v;
            p = e;
        }
        int32_t *ids = NULL;
        size_t n = 0;
        CHECK_OK(grt_tokenizer_encode(tok, s, strlen(s), 0, &ids, &n));
        int same = n == nw && (n == 0 || !memcmp(ids, want, n * sizeof *ids));
        CHECKF(same, "%s case %zu: '%s' gave %zu ids, want %zu", name, cases, s, n, nw);
        if (!same) {
            failed++;
            fprintf(stderr, "  got :");
            for (size_t i = 0; i < n; i++) fprintf(stderr, " %d", (int)ids[i]);
            fprintf(stderr, "\n  want:%s\n", line);
        }
        if (byte_level && same) {
            char *text = NULL;
            CHECK_OK(grt_tokenizer_decode(tok, ids, n, 0, &text));
            CHECKF(text && !strcmp(text, s), "%s case %zu: decode gave '%s'", name, cases,
                   text ? text : "(null)");
            grt_free(text);
        }
        grt_free(ids);
        cases++;
    }
    CHECKF(cases > 0, "%s: no test cases", name);
    printf("%s: %zu cases, %zu failed\n", name, cases, failed);
done:
    grt_tokenizer_destroy(tok);
    vv_free(&vc);
}

int main(void) {
    char dir[1024];
    long vocabs = vv_for_each_vocab(dir, sizeof dir, run_vocab, NULL);
    if (vocabs < 0) return 77;
    CHECKF(vocabs > 0, "no *.gguf vocabularies in %s", dir);
    return test_summary("unit.tokenizer.vectors");
}
