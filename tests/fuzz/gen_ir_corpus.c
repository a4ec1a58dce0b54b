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
    if (ir_spill(path, p, n)) return 0;
    fprintf(stderr, "cannot write %s\n", path);
    return 1;
}

/* Writes a copy of `orig` with its JSON text edited (first `from` -> `to`). */
static int put_edit(const char *name, const uint8_t *orig, const char *from, const char *to) {
    size_t n = 0;
    uint8_t *out = ir_edit_json(orig, from, to, &n);
    if (!out) {
        fprintf(stderr, "%s: edit failed\n", name);
        return 1;
    }
    int rc = put_file(name, out, n);
    free(out);
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
    if (!(a = ir_slurp(pa, &na)) || !(b = ir_slurp(pb, &nb)) || !(mt = ir_slurp(pm, &nm))) goto done;
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
    err |= put_edit("forward_ref", a, "[[0,0],[1,0]]", "[[0,0],[4,0]]");
    err |= put_edit("bad_port", a, "[[0,0],[1,0]]", "[[0,0],[1,3]]");
    err |= put_edit("bad_type", a, "\"f32\"", "\"f33\"");
    err |= put_edit("huge_dim", a, "[-1,16]", "[-1,\"9223372036854775807\"]");
    err |= put_edit("huge_offset", a, "\"offset\":0", "\"offset\":\"9223372036854775807\"");
    err |= put_edit("wrong_bytes", a, "\"bytes\":512", "\"bytes\":513");
    err |= put_edit("unknown_op", a, "\"MatMul\"", "\"MatMul2\"");
    err |= put_edit("no_result", a, "\"Result\"", "\"ReLU\"");
    err |= put_edit("k_mismatch", a, "[16,8]", "[15,8]");
    err |= put_edit("bad_json", a, "\"nodes\":[", "\"nodes\":[[");
    /* Edits of the big model. */
    err |= put_edit("block_dup_var", b, "\"v_cache\"", "\"k_cache\"");
    err |= put_edit("block_group", b, "\"group_size\":16", "\"group_size\":5");
    err |= put_edit("block_perm", b, "[0,2,1,3]", "[0,2,2,3]");
    err |= put_file("block_trunc_half", b, nb / 2);
    /* Edits of the metadata section. */
    err |= put_edit("meta_count", mt, "\"count\":6", "\"count\":7");
    err |= put_edit("meta_dup_key", mt, "\"key\":\"binary\"", "\"key\":\"llama.context_length\"");
    err |= put_edit("meta_bad_type", mt, "\"type\":\"strings\"", "\"type\":\"strinks\"");
    err |= put_edit("meta_span", mt, "\"offsets\":{\"offset\":", "\"offsets\":{\"offset\":\"9223372036854775807\",\"x\":");
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
