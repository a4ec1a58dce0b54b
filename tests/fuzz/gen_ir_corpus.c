/*
 * gen_ir_corpus.c - writes the seed corpus of fuzz_ir_load into a folder: valid IR files of the
 * sample models (tests/unit/ir/ir_samples.c), truncated and mutated copies, and hand-edited JSON
 * variants (forward references, bad types, huge offsets, newer version). Deterministic.
 * Usage: gen_ir_corpus <out-dir>   (exit 0 on success; the folder must exist or is created)
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ir/serialize_format.h"
#include "ir_samples.h"

static const char *g_dir;

static int put_file(const char *name, const uint8_t *p, size_t n) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(p, 1, n, f) != n)) {
        fprintf(stderr, "cannot write %s\n", path);
        if (f) fclose(f);
        return 1;
    }
    return fclose(f) != 0;
}

static uint8_t *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc(len > 0 ? (size_t)len : 1);
    if (p && fread(p, 1, (size_t)len, f) != (size_t)len) {
        free(p);
        p = NULL;
    }
    fclose(f);
    *n = (size_t)len;
    return p;
}

/* Rebuilds a file from `orig` with its JSON text replaced (first `from` -> `to`). */
static int put_edit(const char *name, const uint8_t *orig, size_t n, const char *from, const char *to) {
    uint64_t jo = grt_ir_get_u64(orig + 16), js = grt_ir_get_u64(orig + 24), bo = grt_ir_get_u64(orig + 32),
             bs = grt_ir_get_u64(orig + 40);
    char *json = malloc(js + 1);
    if (!json) return 1;
    memcpy(json, orig + jo, js);
    json[js] = '\0';
    char *hit = strstr(json, from);
    if (!hit) {
        fprintf(stderr, "%s: pattern '%s' not found\n", name, from);
        free(json);
        return 1;
    }
    size_t pre = (size_t)(hit - json), nj = js - strlen(from) + strlen(to);
    size_t nbo = (64 + nj + 63) / 64 * 64, total = nbo + bs;
    uint8_t *out = calloc(1, total);
    if (!out) {
        free(json);
        return 1;
    }
    memcpy(out, orig, 64);
    memcpy(out + 64, json, pre);
    memcpy(out + 64 + pre, to, strlen(to));
    memcpy(out + 64 + pre + strlen(to), hit + strlen(from), js - pre - strlen(from));
    memcpy(out + nbo, orig + bo, bs);
    grt_ir_put_u64(out + 24, nj);
    grt_ir_put_u64(out + 32, nbo);
    grt_ir_put_u64(out + 48, grt_ir_fnv1a64(out + 64, nj));
    int rc = put_file(name, out, total);
    (void)n;
    free(out);
    free(json);
    return rc;
}

/* The MLP with metadata of every type (string arrays and a binary string go to the blob). */
static grt_status meta_sample(grt_model **out) {
    static const char *const toks[] = {"<unk>", "<s>", "</s>", "\xe2\x96\x81\x61", "", "<0xFF>"};
    static const size_t lens[] = {5, 3, 4, 4, 0, 6};
    static const int64_t types[] = {2, 3, 3, 1, 1, 6};
    static const double scores[] = {0.0, -1.5, -2.25, -3.0, -4.0, -5.0};
    grt_meta_value v[6];
    static const char *const keys[] = {"general.architecture", "llama.context_length", "tokenizer.ggml.tokens",
                                       "tokenizer.ggml.token_type", "tokenizer.ggml.scores", "binary"};
    grt_status st = ir_sample_mlp(out);
    memset(v, 0, sizeof v);
    v[0].type = GRT_META_STRING, v[0].u.str.data = "llama", v[0].u.str.len = 5;
    v[1].type = GRT_META_INT, v[1].u.i = 2048;
    v[2].type = GRT_META_STRING_ARRAY, v[2].u.strs.data = toks, v[2].u.strs.lens = lens, v[2].u.strs.count = 6;
    v[3].type = GRT_META_INT_ARRAY, v[3].u.ints.data = types, v[3].u.ints.count = 6;
    v[4].type = GRT_META_FLOAT_ARRAY, v[4].u.floats.data = scores, v[4].u.floats.count = 6;
    v[5].type = GRT_META_STRING, v[5].u.str.data = "a\0\xff", v[5].u.str.len = 3;
    for (int i = 0; st == GRT_OK && i < 6; i++) st = grt_model_set_meta(*out, keys[i], &v[i]);
    return st;
}

int main(int argc, char **argv) {
    grt_model *mlp = NULL, *blk = NULL, *meta = NULL;
    uint8_t *a = NULL, *b = NULL, *mt = NULL;
    size_t na = 0, nb = 0, nm = 0;
    char pa[4096], pb[4096], pm[4096];
    int rc = 1;
    if (argc != 2) {
        fprintf(stderr, "usage: gen_ir_corpus <out-dir>\n");
        return 2;
    }
    g_dir = argv[1];
    if (mkdir(g_dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "cannot create %s\n", g_dir);
        return 1;
    }
    snprintf(pa, sizeof pa, "%s/valid_mlp.genrtir", g_dir);
    snprintf(pb, sizeof pb, "%s/valid_block.genrtir", g_dir);
    snprintf(pm, sizeof pm, "%s/valid_meta.genrtir", g_dir);
    if (ir_sample_mlp(&mlp) != GRT_OK || ir_sample_block(&blk) != GRT_OK || grt_model_save(mlp, pa) != GRT_OK ||
        grt_model_save(blk, pb) != GRT_OK ||
        meta_sample(&meta) != GRT_OK || grt_model_save(meta, pm) != GRT_OK) {
        fprintf(stderr, "building samples failed: %s\n", grt_last_error());
        goto done;
    }
    if (!(a = slurp(pa, &na)) || !(b = slurp(pb, &nb)) || !(mt = slurp(pm, &nm))) goto done;
    int err = 0;
    /* Truncations and flips of the small model. */
    err |= put_file("trunc_header", a, 40);
    err |= put_file("trunc_json", a, 64 + (na - 64) / 3);
    err |= put_file("trunc_blob", a, na - 100);
    err |= put_file("trunc_magic", a, 5);
    uint8_t *c = malloc(na);
    if (!c) goto done;
    memcpy(c, a, na);
    grt_ir_put_u32(c + 8, 2);
    err |= put_file("version_2", c, na);
    memcpy(c, a, na);
    grt_ir_put_u64(c + 40, UINT64_MAX - 8);
    err |= put_file("huge_blob_size", c, na);
    memcpy(c, a, na);
    grt_ir_put_u64(c + 32, 65);
    err |= put_file("misaligned_blob", c, na);
    memcpy(c, a, na);
    c[64 + 10] ^= 0x20;
    err |= put_file("flipped_json_byte", c, na);
    free(c);
    /* JSON edits of the small model. */
    err |= put_edit("forward_ref", a, na, "[[0,0],[1,0]]", "[[0,0],[4,0]]");
    err |= put_edit("bad_port", a, na, "[[0,0],[1,0]]", "[[0,0],[1,3]]");
    err |= put_edit("bad_type", a, na, "\"f32\"", "\"f33\"");
    err |= put_edit("huge_dim", a, na, "[-1,16]", "[-1,\"9223372036854775807\"]");
    err |= put_edit("huge_offset", a, na, "\"offset\":0", "\"offset\":\"9223372036854775807\"");
    err |= put_edit("wrong_bytes", a, na, "\"bytes\":512", "\"bytes\":513");
    err |= put_edit("unknown_op", a, na, "\"MatMul\"", "\"MatMul2\"");
    err |= put_edit("no_result", a, na, "\"Result\"", "\"ReLU\"");
    err |= put_edit("k_mismatch", a, na, "[16,8]", "[15,8]");
    err |= put_edit("bad_json", a, na, "\"nodes\":[", "\"nodes\":[[");
    /* Edits of the big model. */
    err |= put_edit("block_dup_var", b, nb, "\"v_cache\"", "\"k_cache\"");
    err |= put_edit("block_group", b, nb, "\"group_size\":16", "\"group_size\":5");
    err |= put_edit("block_perm", b, nb, "[0,2,1,3]", "[0,2,2,3]");
    err |= put_file("block_trunc_half", b, nb / 2);
    /* Edits of the metadata section. */
    err |= put_edit("meta_count", mt, nm, "\"count\":6", "\"count\":7");
    err |= put_edit("meta_dup_key", mt, nm, "\"key\":\"binary\"", "\"key\":\"llama.context_length\"");
    err |= put_edit("meta_bad_type", mt, nm, "\"type\":\"strings\"", "\"type\":\"strinks\"");
    err |= put_edit("meta_span", mt, nm, "\"offsets\":{\"offset\":", "\"offsets\":{\"offset\":\"9223372036854775807\",\"x\":");
    rc = err ? 1 : 0;
    printf("corpus written to %s\n", g_dir);
done:
    free(a);
    free(b);
    free(mt);
    grt_model_destroy(meta);
    grt_model_destroy(mlp);
    grt_model_destroy(blk);
    return rc;
}
