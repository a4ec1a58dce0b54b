/*
 * tokenizer/tokenizer.c - the public grt_tokenizer object: creation from a model or a file,
 * destruction and the read-only queries of genrt/tokenizer.h. Encoding is in tok_encode.c,
 * decoding in tok_decode.c. Thread-safety: a finished tokenizer is immutable.
 */
#include "tok_internal.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void grt_tokenizer_destroy(grt_tokenizer *t) {
    if (!t) return;
    for (size_t i = 0; i < t->n_vocab; i++) free(t->text[i]);
    free(t->text);
    free(t->len);
    free(t->scores);
    free(t->type);
    tok_map_free(&t->vocab);
    tok_map_free(&t->merges);
    free(t->merge_store);
    for (size_t i = 0; i < t->n_norms; i++) {
        free(t->norms[i].arg);
        free(t->norms[i].arg2);
    }
    free(t->norms);
    for (size_t i = 0; i < t->n_regex; i++) pcre2_code_free(t->regex[i]);
    free(t->regex);
    free(t->specials);
    free(t->wpm_start_prefix);
    free(t->wpm_cont_prefix);
    free(t->chat_template);
    free(t);
}

grt_status grt_tokenizer_create_from_model(const grt_model *model, grt_tokenizer **out) {
    if (!model || !out)
        return tok_errorf(GRT_ERROR_INVALID_ARGUMENT, "grt_tokenizer_create_from_model: NULL argument");
    *out = NULL;
    return tok_load_meta(model, out);
}

/* Reads a whole file (max 1 GiB). */
static grt_status read_file(const char *path, char **data, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0;
    if (!f) return tok_errorf(GRT_ERROR_NOT_FOUND, "%s: cannot open", path);
    for (;;) {
        if (n + 65536 + 1 > cap) {
            cap = cap ? cap * 2 : 1 << 20;
            if (cap > ((size_t)1 << 30)) {
                fclose(f);
                free(buf);
                return tok_errorf(GRT_ERROR_FORMAT, "%s: file too large for a tokenizer", path);
            }
            char *p = realloc(buf, cap);
            if (!p) {
                fclose(f);
                free(buf);
                return tok_errorf(GRT_ERROR_OUT_OF_MEMORY, "%s: out of memory", path);
            }
            buf = p;
        }
        size_t r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0) break;
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        return tok_errorf(GRT_ERROR_IO, "%s: read error", path);
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return GRT_OK;
}

static grt_status from_json_files(const char *json_path, const char *config_path,
                                  grt_tokenizer **out) {
    char *json = NULL, *cfg = NULL;
    size_t jl = 0, cl = 0;
    grt_status st = read_file(json_path, &json, &jl);
    if (st != GRT_OK) return st;
    if (config_path) {
        struct stat sb;
        if (stat(config_path, &sb) == 0 && (st = read_file(config_path, &cfg, &cl)) != GRT_OK) {
            free(json);
            return st;
        }
    }
    st = tok_load_json(json, jl, cfg, cl, json_path, out);
    free(json);
    free(cfg);
    return st;
}

grt_status grt_tokenizer_create_from_file(const char *path, grt_tokenizer **out) {
    struct stat sb;
    grt_status st;
    if (!path || !out)
        return tok_errorf(GRT_ERROR_INVALID_ARGUMENT, "grt_tokenizer_create_from_file: NULL argument");
    *out = NULL;
    if (stat(path, &sb) != 0) return tok_errorf(GRT_ERROR_NOT_FOUND, "%s: no such file", path);
    if (S_ISDIR(sb.st_mode)) { /* a Hugging Face model folder */
        size_t n = strlen(path) + 32;
        char *j = malloc(n), *c = malloc(n);
        if (!j || !c) {
            free(j);
            free(c);
            return tok_errorf(GRT_ERROR_OUT_OF_MEMORY, "%s: out of memory", path);
        }
        snprintf(j, n, "%s/tokenizer.json", path);
        snprintf(c, n, "%s/tokenizer_config.json", path);
        if (stat(j, &sb) != 0)
            st = tok_errorf(GRT_ERROR_NOT_FOUND, "%s: the folder has no tokenizer.json", path);
        else
            st = from_json_files(j, c, out);
        free(j);
        free(c);
        return st;
    }
    /* A JSON file starts with '{' (after whitespace); anything else goes to grt_model_read. */
    FILE *f = fopen(path, "rb");
    if (!f) return tok_errorf(GRT_ERROR_NOT_FOUND, "%s: cannot open", path);
    int c;
    do c = fgetc(f);
    while (c == ' ' || c == '\t' || c == '\n' || c == '\r');
    fclose(f);
    if (c == '{') {
        /* tokenizer_config.json beside it, if any */
        size_t n = strlen(path) + 32;
        char *cfgp = malloc(n);
        if (!cfgp) return tok_errorf(GRT_ERROR_OUT_OF_MEMORY, "%s: out of memory", path);
        const char *slash = strrchr(path, '/');
        int dl = slash ? (int)(slash - path + 1) : 0;
        snprintf(cfgp, n, "%.*stokenizer_config.json", dl, path);
        st = from_json_files(path, strcmp(cfgp, path) ? cfgp : NULL, out);
        free(cfgp);
        return st;
    }
    grt_model *model = NULL;
    st = grt_model_read(NULL, path, &model);
    if (st != GRT_OK) return st;
    st = tok_load_meta(model, out);
    grt_model_destroy(model);
    return st;
}

size_t grt_tokenizer_vocab_size(const grt_tokenizer *tok) { return tok ? tok->n_vocab : 0; }
int32_t grt_tokenizer_bos(const grt_tokenizer *tok) { return tok ? tok->bos : -1; }
int32_t grt_tokenizer_eos(const grt_tokenizer *tok) { return tok ? tok->eos : -1; }

const char *grt_tokenizer_token(const grt_tokenizer *tok, int32_t id) {
    if (!tok || id < 0 || (size_t)id >= tok->n_vocab) return NULL;
    return tok->text[id];
}

int grt_tokenizer_is_special(const grt_tokenizer *tok, int32_t id) {
    if (!tok || id < 0 || (size_t)id >= tok->n_vocab) return 0;
    return tok->type[id] == TOK_TYPE_CONTROL || tok->type[id] == TOK_TYPE_UNKNOWN ||
           id == tok->bos || id == tok->eos;
}

const char *grt_tokenizer_chat_template(const grt_tokenizer *tok) {
    return tok ? tok->chat_template : NULL;
}
