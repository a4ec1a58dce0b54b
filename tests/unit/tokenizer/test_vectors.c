/*
 * tests/unit/tokenizer/test_vectors.c - every test vector of $GENRT_SHARED_DIR/tokenizers
 * (llama.cpp's format: X.gguf.inp holds strings separated by "\n__ggml_vocab_test__\n", X.gguf.out
 * one line of ids per string, no BOS/EOS) must encode exactly through the library, loading the
 * tokenizer from the vocabulary-only GGUF file. Byte-level BPE vocabularies must also decode back
 * to the input. Exit 77 when the shared folder is absent. Single-threaded.
 */
#include <genrt/tokenizer.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/test_util.h"

#define SEP "\n__ggml_vocab_test__\n"

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) buf[n] = '\0', *len = (size_t)n;
    return buf;
}

static void run_vocab(const char *dir, const char *name) {
    char path[1024], inp[1100], outp[1100];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(inp, sizeof inp, "%s.inp", path);
    snprintf(outp, sizeof outp, "%s.out", path);
    size_t il = 0, ol = 0;
    char *in = slurp(inp, &il), *out = slurp(outp, &ol);
    grt_tokenizer *tok = NULL;
    CHECKF(in && out, "%s: cannot read .inp/.out", name);
    CHECK_OK(grt_tokenizer_create_from_file(path, &tok));
    if (!in || !out || !tok) goto done;
    int byte_level = strstr(name, "gpt-2") || strstr(name, "falcon") || strstr(name, "deepseek");
    char *s = in, *line = out;
    size_t cases = 0, failed = 0;
    for (;;) {
        char *sep = strstr(s, SEP);
        if (!sep) break;
        *sep = '\0';
        char *nl = strchr(line, '\n');
        if (!nl) break;
        *nl = '\0';
        /* expected ids */
        int32_t want[4096];
        size_t nw = 0;
        for (char *p = line; *p && nw < 4096;) {
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
        s = sep + strlen(SEP);
        line = nl + 1;
    }
    CHECKF(cases > 0, "%s: no test cases", name);
    printf("%s: %zu cases, %zu failed\n", name, cases, failed);
done:
    grt_tokenizer_destroy(tok);
    free(in);
    free(out);
}

int main(void) {
    const char *shared = getenv("GENRT_SHARED_DIR");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tokenizers", shared ? shared : "../shared");
    DIR *d = opendir(dir);
    if (!d) {
        printf("SKIP: %s not found (set GENRT_SHARED_DIR)\n", dir);
        return 77;
    }
    size_t vocabs = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 5, ".gguf")) continue;
        run_vocab(dir, e->d_name);
        vocabs++;
    }
    closedir(d);
    CHECKF(vocabs > 0, "no *.gguf vocabularies in %s", dir);
    return test_summary("unit.tokenizer.vectors");
}
