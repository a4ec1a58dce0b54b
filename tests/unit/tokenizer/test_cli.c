/*
 * tests/unit/tokenizer/test_cli.c - runs `genrt tokenize -m X.gguf --file CASE` for every test
 * vector of $GENRT_SHARED_DIR/tokenizers and compares the printed ids with X.gguf.out; also
 * checks --add-special on one vocabulary (llama-spm adds BOS 1) and a usage error.
 * argv[1] = the genrt executable, argv[2] = a scratch directory. Exit 77 without the shared
 * folder. Single-threaded.
 */
#include <dirent.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEST_UTIL_NO_GENRT
#include "../../common/test_util.h"

#define SEP "\n__ggml_vocab_test__\n"

static char *slurp(const char *path) {
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
    if (buf) buf[n] = '\0';
    return buf;
}

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

static void run_vocab(const char *genrt, const char *scratch, const char *dir, const char *name) {
    char path[900], buf[1100], cmd[8192], got[65536];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(buf, sizeof buf, "%s.inp", path);
    char *in = slurp(buf);
    snprintf(buf, sizeof buf, "%s.out", path);
    char *out = slurp(buf);
    CHECKF(in && out, "%s: cannot read .inp/.out", name);
    if (!in || !out) goto done;
    char *s = in, *line = out;
    size_t cases = 0;
    for (char *sep; (sep = strstr(s, SEP)); cases++) {
        *sep = '\0';
        char *nl = strchr(line, '\n');
        if (!nl) break;
        *nl = '\0';
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
        s = sep + strlen(SEP);
        line = nl + 1;
    }
    CHECKF(cases > 0, "%s: no cases", name);
    printf("%s: %zu cases through the CLI\n", name, cases);
done:
    free(in);
    free(out);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: test_tokenizer_cli GENRT SCRATCH_DIR\n");
        return 2;
    }
    const char *shared = getenv("GENRT_SHARED_DIR");
    char dir[800], cmd[4096], got[4096];
    snprintf(dir, sizeof dir, "%s/tokenizers", shared ? shared : "../shared");
    DIR *d = opendir(dir);
    if (!d) {
        printf("SKIP: %s not found (set GENRT_SHARED_DIR)\n", dir);
        return 77;
    }
    struct dirent *e;
    size_t n = 0;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 5, ".gguf")) continue;
        run_vocab(argv[1], argv[2], dir, e->d_name);
        n++;
    }
    closedir(d);
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
