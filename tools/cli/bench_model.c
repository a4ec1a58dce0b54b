/*
 * tools/cli/bench_model.c - weight statistics of a model for `genrt bench` (bench_model.h), read
 * from the JSON graph of a GenRT IR file (docs/IR_FORMAT.md): the 64-byte header gives the JSON's
 * offset and size; each Constant node has "data" {"bytes"} and an optional "compression" with
 * "scales"/"zero_points" {"bytes"}. A Constant is a MatMul weight when it reaches a MatMul's second
 * input directly or through Convert/Reshape/Transpose/Squeeze/Unsqueeze nodes, an embedding table
 * when it reaches a Gather's first input the same way. Single-threaded; frees what it allocates.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "bench_model.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static grt_status err(grt_status st, const char *path, const char *what) {
    char msg[512];
    snprintf(msg, sizeof msg, "%s: %s", path, what);
    return grt_set_last_error(st, msg);
}

static uint64_t le64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* A JSON integer (number or decimal string, as the IR writer stores large values); -1 if absent. */
static double num(const cJSON *o, const char *key) {
    const cJSON *v = key ? cJSON_GetObjectItemCaseSensitive(o, key) : o;
    if (cJSON_IsNumber(v)) return v->valuedouble;
    if (cJSON_IsString(v) && v->valuestring) return strtod(v->valuestring, NULL);
    return -1;
}

static double span_bytes(const cJSON *o, const char *key) {
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, key);
    double b = s ? num(s, "bytes") : -1;
    return b > 0 ? b : 0;
}

static const char *str(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) && v->valuestring ? v->valuestring : "";
}

/* Reads the JSON graph of the IR file at path into *json (NUL-terminated, caller frees). */
static grt_status read_json(const char *path, char **json) {
    unsigned char h[64];
    grt_status st = GRT_OK;
    FILE *f = fopen(path, "rb");
    if (!f) return err(errno == ENOENT ? GRT_ERROR_NOT_FOUND : GRT_ERROR_IO, path, strerror(errno));
    if (fread(h, 1, 64, f) != 64 || memcmp(h, "GENRTIR", 8)) {
        st = err(GRT_ERROR_FORMAT, path, "not a GenRT IR file");
        goto done;
    }
    uint64_t off = le64(h + 16), size = le64(h + 24);
    if (off < 64 || size == 0 || size > ((uint64_t)1 << 32)) {
        st = err(GRT_ERROR_FORMAT, path, "bad JSON section in the IR header");
        goto done;
    }
    *json = malloc((size_t)size + 1);
    if (!*json) {
        st = err(GRT_ERROR_OUT_OF_MEMORY, path, "out of memory for the JSON graph");
        goto done;
    }
    if (fseeko(f, (off_t)off, SEEK_SET) || fread(*json, 1, (size_t)size, f) != size) {
        free(*json);
        *json = NULL;
        st = err(GRT_ERROR_FORMAT, path, "truncated JSON graph");
        goto done;
    }
    (*json)[size] = '\0';
done:
    fclose(f);
    return st;
}

/* Index of the Constant behind input k of node n (through pass-through ops), or -1. */
static int source_constant(const cJSON *nodes, const int *alias, int n, int k) {
    const cJSON *in = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(nodes, n), "inputs"), k);
    double src = in ? num(cJSON_GetArrayItem(in, 0), NULL) : -1;
    return src >= 0 && src < n ? alias[(int)src] : -1;
}

/* "f16", "u4_asym_g128", "i8_sym_per-channel": the storage format of constant node c. */
static void describe(const cJSON *c, char *out, size_t cap) {
    const cJSON *comp = cJSON_GetObjectItemCaseSensitive(c, "compression");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(c, "output"), "shape");
    if (!comp) {
        snprintf(out, cap, "%s", str(cJSON_GetObjectItemCaseSensitive(c, "output"), "type"));
        return;
    }
    double g = num(comp, "group_size"), k = num(cJSON_GetArrayItem(shape, cJSON_GetArraySize(shape) - 1), NULL);
    if (g == k)
        snprintf(out, cap, "%s_%s_per-channel", str(comp, "storage_type"), str(comp, "kind"));
    else
        snprintf(out, cap, "%s_%s_g%.0f", str(comp, "storage_type"), str(comp, "kind"), g);
}

typedef struct desc_sum {
    char desc[48];
    double bytes;
    int compressed;
} desc_sum;

static grt_status analyse(const char *path, const cJSON *nodes, grt_bench_weights *out) {
    static const char *const pass[] = {"Convert", "Reshape", "Transpose", "Squeeze", "Unsqueeze"};
    int n = cJSON_GetArraySize(nodes);
    int *alias = malloc((size_t)(n ? n : 1) * sizeof *alias);
    unsigned char *role = calloc((size_t)(n ? n : 1), 1); /* bit 0 MatMul weight, bit 1 Gather table */
    desc_sum sums[8];
    size_t n_sums = 0;
    if (!alias || !role) {
        free(alias);
        free(role);
        return err(GRT_ERROR_OUT_OF_MEMORY, path, "out of memory");
    }
    for (int i = 0; i < n; i++) {
        const cJSON *nd = cJSON_GetArrayItem(nodes, i);
        const char *op = str(nd, "op");
        alias[i] = -1;
        if (!strcmp(op, "Constant")) alias[i] = i;
        for (size_t p = 0; p < sizeof pass / sizeof pass[0]; p++)
            if (!strcmp(op, pass[p])) alias[i] = source_constant(nodes, alias, i, 0);
        int w = -1;
        if (!strcmp(op, "MatMul") && (w = source_constant(nodes, alias, i, 1)) >= 0) role[w] |= 1;
        if (!strcmp(op, "Gather") && (w = source_constant(nodes, alias, i, 0)) >= 0) role[w] |= 2;
    }
    for (int i = 0; i < n; i++) {
        const cJSON *nd = cJSON_GetArrayItem(nodes, i);
        if (strcmp(str(nd, "op"), "Constant")) continue;
        const cJSON *comp = cJSON_GetObjectItemCaseSensitive(nd, "compression");
        double bytes = span_bytes(nd, "data") + (comp ? span_bytes(comp, "scales") + span_bytes(comp, "zero_points") : 0);
        out->model_bytes += bytes;
        const cJSON *shape = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(nd, "output"), "shape");
        double elems = 1;
        for (int d = 0; d < cJSON_GetArraySize(shape); d++)
            elems *= num(cJSON_GetArrayItem(shape, d), NULL);
        if (role[i] & 1) {
            out->matmul_bytes += bytes;
            out->matmul_macs += elems;
            char desc[48];
            describe(nd, desc, sizeof desc);
            size_t k = 0;
            while (k < n_sums && strcmp(sums[k].desc, desc))
                k++;
            if (k == n_sums && n_sums < 8) {
                snprintf(sums[n_sums].desc, sizeof sums[0].desc, "%s", desc);
                sums[n_sums].bytes = 0;
                sums[n_sums++].compressed = comp != NULL;
            }
            if (k < n_sums) sums[k].bytes += bytes;
        }
        double rows = num(cJSON_GetArrayItem(shape, 0), NULL);
        if ((role[i] & 2) && rows > 0) {
            out->embed_row_bytes += bytes / rows;
            if (!out->vocab) out->vocab = (int64_t)rows;
        }
    }
    size_t best = 0;
    for (size_t k = 1; k < n_sums; k++)
        if (sums[k].bytes > sums[best].bytes) best = k;
    if (n_sums) {
        snprintf(out->weight_desc, sizeof out->weight_desc, "%s", sums[best].desc);
        out->compressed = sums[best].compressed;
    }
    free(alias);
    free(role);
    return GRT_OK;
}

grt_status grt_bench_weights_from_ir(const char *path, grt_bench_weights *out) {
    memset(out, 0, sizeof *out);
    char *json = NULL;
    grt_status st = read_json(path, &json);
    if (st) return st;
    cJSON *root = cJSON_Parse(json);
    free(json);
    const cJSON *nodes = cJSON_GetObjectItemCaseSensitive(root, "nodes");
    if (!cJSON_IsArray(nodes)) st = err(GRT_ERROR_FORMAT, path, "the JSON graph has no \"nodes\" array");
    else st = analyse(path, nodes, out);
    cJSON_Delete(root);
    return st;
}

grt_status grt_bench_weights_of(const char *path, const grt_model *model, grt_bench_weights *out) {
    unsigned char magic[8] = {0};
    FILE *f = fopen(path, "rb");
    int is_ir = f && fread(magic, 1, 8, f) == 8 && !memcmp(magic, "GENRTIR", 8);
    if (f) fclose(f);
    if (is_ir) return grt_bench_weights_from_ir(path, out);
    const char *dir = getenv("TMPDIR");
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s/genrt-bench-%ld.grt", dir && *dir ? dir : "/tmp", (long)getpid());
    grt_status st = grt_model_save(model, tmp);
    if (!st) st = grt_bench_weights_from_ir(tmp, out);
    remove(tmp);
    return st;
}
