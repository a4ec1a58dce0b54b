/*
 * tests/unit/tokenizer/test_cli.c - runs `genrt tokenize -m X.gguf --file CASE` for every test
 * vector of $GENRT_SHARED_DIR/tokenizers and compares the printed ids with X.gguf.out; also
 * checks --add-special on one vocabulary (llama-spm adds BOS 1) and a usage error.
 * argv[1] = the genrt executable, argv[2] = a scratch directory. Exit 77 without the shared
 * folder. Single-threaded.
 */
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEST_UTIL_NO_GENRT
#include "../../common/test_util.h"
#include "vocab_vectors.h"

/* Runs cmd; stdout (first line, without the newline) into out. Returns the exit status. */
static int run(const char *cmd, char *out, size_t cap) {
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    char *nl = strchr(out, '\n');
    if (nl) *nl = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Compares id lists ignoring leading/trailing blanks. */
static int same_ids(const char *a, const char *b) {
    while (*a == ' ') a++;
    while (*b == ' ') b++;
    size_t la = strlen(a), lb = strlen(b);
    while (la && a[la - 1] == ' ') la--;
    while (lb && b[lb - 1] == ' ') lb--;
    return la == lb && !memcmp(a, b, la);
}

/* Where run_vocab finds the genrt executable and the scratch folder. */
typedef struct cli_ctx {
    const char *genrt, *scratch;
} cli_ctx;

static void run_vocab(const char *dir, const char *name, void *ctx) {
    const cli_ctx *c = ctx;
    const char *genrt = c->genrt, *scratch = c->scratch;
    char path[900], cmd[8192], got[65536];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    vv_cases v;
    int loaded = vv_load(&v, path);
    CHECKF(loaded, "%s: cannot read .inp/.out", name);
    if (!loaded) goto done;
    const char *s, *line;
    size_t cases = 0;
    for (; vv_next(&v, &s, &line); cases++) {
        char casefile[1200];
        snprintf(casefile, sizeof casefile, "%s/case.txt", scratch);
        FILE *f = fopen(casefile, "wb");
        CHECK(f != NULL);
        if (!f) break;
        fwrite(s, 1, strlen(s), f);
        fclose(f);
        snprintf(cmd, sizeof cmd, "'%s' tokenize -m '%s' --file '%s'", genrt, path, casefile);
        int rc = run(cmd, got, sizeof got);
        CHECKF(rc == 0, "%s case %zu: exit %d", name, cases, rc);
        CHECKF(same_ids(got, line), "%s case %zu: got '%s' want '%s'", name, cases, got, line);
    }
    CHECKF(cases > 0, "%s: no cases", name);
    printf("%s: %zu cases through the CLI\n", name, cases);
done:
    vv_free(&v);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: test_tokenizer_cli GENRT SCRATCH_DIR\n");
        return 2;
    }
    char dir[800], cmd[4096], got[4096];
    cli_ctx ctx = {argv[1], argv[2]};
    long n = vv_for_each_vocab(dir, sizeof dir, run_vocab, &ctx);
    if (n < 0) return 77;
    CHECK(n > 0);
    /* --add-special with a TEXT argument: llama-spm adds BOS (1). */
    snprintf(cmd, sizeof cmd, "'%s' tokenize -m '%s/ggml-vocab-llama-spm.gguf' --add-special "
             "'Hello world'", argv[1], dir);
    CHECK(run(cmd, got, sizeof got) == 0);
    CHECKF(same_ids(got, "1 15043 3186"), "--add-special gave '%s'", got);
    /* usage errors exit 2 */
    snprintf(cmd, sizeof cmd, "'%s' tokenize 'no model' 2>/dev/null", argv[1]);
    CHECK(run(cmd, got, sizeof got) == 2);
    snprintf(cmd, sizeof cmd, "'%s' tokenize -m /nonexistent/x.gguf hi 2>/dev/null", argv[1]);
    CHECK(run(cmd, got, sizeof got) == 1);
    return test_summary("unit.tokenizer.cli");
}
