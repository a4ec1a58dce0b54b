/*
 * tests/unit/tokenizer/vocab_vectors.c - shared tokenizer test vector reading (vocab_vectors.h).
 */
#include "vocab_vectors.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEP "\n__ggml_vocab_test__\n"

/* The whole file as a NUL-terminated string (malloc'd), or NULL. */
static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) buf[n] = '\0';
    return buf;
}

int vv_load(vv_cases *v, const char *path) {
    char buf[4200];
    memset(v, 0, sizeof *v);
    snprintf(buf, sizeof buf, "%s.inp", path);
    v->in = slurp(buf);
    snprintf(buf, sizeof buf, "%s.out", path);
    v->out = slurp(buf);
    v->next_text = v->in;
    v->next_ids = v->out;
    return v->in && v->out;
}

int vv_next(vv_cases *v, const char **text, const char **ids) {
    if (!v->next_text || !v->next_ids) return 0;
    char *sep = strstr(v->next_text, SEP);
    if (!sep) return 0;
    char *nl = strchr(v->next_ids, '\n');
    if (!nl) return 0;
    *sep = '\0';
    *nl = '\0';
    *text = v->next_text;
    *ids = v->next_ids;
    v->next_text = sep + strlen(SEP);
    v->next_ids = nl + 1;
    return 1;
}

void vv_free(vv_cases *v) {
    free(v->in);
    free(v->out);
    memset(v, 0, sizeof *v);
}

long vv_for_each_vocab(char *dir, size_t cap, void (*fn)(const char *dir, const char *name, void *ctx),
                       void *ctx) {
    const char *shared = getenv("GENRT_SHARED_DIR");
    snprintf(dir, cap, "%s/tokenizers", shared ? shared : "../shared");
    DIR *d = opendir(dir);
    if (!d) {
        printf("SKIP: %s not found (set GENRT_SHARED_DIR)\n", dir);
        return -1;
    }
    long n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 5, ".gguf")) continue;
        fn(dir, e->d_name, ctx);
        n++;
    }
    closedir(d);
    return n;
}
