/*
 * frontends/llama2c.c - reads llama2.c legacy checkpoints (format: llama2c.h) into the standard
 * LLM graph (frontends/llm.h): arch "llama", interleaved RoPE (theta 10000), RMSNorm eps 1e-5,
 * SwiGLU, GQA, tied classifier when vocab_size > 0.
 *
 * The file is mapped read-only and validated (header, exact size, every weight finite). Tensors
 * in the file start at 28 + 4k bytes, but IR constants must be GRT_IR_ALIGN (64) aligned, so the
 * weights the graph uses are copied once into one aligned heap blob shared by all constants (the
 * legacy RoPE tables are skipped); the mapping is released when loading ends.
 * Ownership: the returned model is the caller's. Thread-safety: stateless, thread-safe.
 */
#include "frontends/llama2c.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "frontends/llm.h"
#include "ir/graph.h"
#include "util/error.h"

#define L2C_HEADER_BYTES 28

/* Tensors in file order. */
enum {
    T_TOK,      /* [V, dim]                 token_embd.weight */
    T_ATT_NORM, /* [L, dim]                 blk.l.attn_norm.weight */
    T_WQ,       /* [L, Hq*hd = dim, dim]    blk.l.attn_q.weight */
    T_WK,       /* [L, Hkv*hd, dim]         blk.l.attn_k.weight */
    T_WV,       /* [L, Hkv*hd, dim]         blk.l.attn_v.weight */
    T_WO,       /* [L, dim, dim]            blk.l.attn_output.weight */
    T_FFN_NORM, /* [L, dim]                 blk.l.ffn_norm.weight */
    T_W1,       /* [L, hidden, dim]         blk.l.ffn_gate.weight */
    T_W2,       /* [L, dim, hidden]         blk.l.ffn_down.weight */
    T_W3,       /* [L, hidden, dim]         blk.l.ffn_up.weight */
    T_FINAL,    /* [dim]                    output_norm.weight */
    T_FREQ,     /* [seq, hd/2] x 2          legacy RoPE tables (unused) */
    T_CLS,      /* [V, dim]                 output.weight (unshared classifier only) */
    T_COUNT
};

typedef struct l2c_layout {
    int64_t dim, hidden, layers, heads, kv_heads, vocab, seq, head_dim;
    int shared;
    uint64_t count[T_COUNT]; /* f32 elements of each tensor (all layers) */
    uint64_t off[T_COUNT];   /* byte offset in the file */
    uint64_t file_size;      /* exact size the header implies */
} l2c_layout;

/* Validates the header and computes the layout; NULL or the reason it is implausible. */
static const char *l2c_plan(const int32_t h[7], l2c_layout *lo) {
    memset(lo, 0, sizeof *lo);
    lo->dim = h[0];
    lo->hidden = h[1];
    lo->layers = h[2];
    lo->heads = h[3];
    lo->kv_heads = h[4];
    lo->shared = h[5] > 0;
    lo->vocab = h[5] > 0 ? (int64_t)h[5] : -(int64_t)h[5];
    lo->seq = h[6];
    /* Bounds keep every product below 2^63 (largest: layers * hidden * dim < 2^12 * 2^20 * 2^16). */
    if (lo->dim < 2 || lo->dim > (1 << 16)) return "dim out of range [2, 65536]";
    if (lo->hidden < 1 || lo->hidden > (1 << 20)) return "hidden_dim out of range [1, 2^20]";
    if (lo->layers < 1 || lo->layers > (1 << 12)) return "n_layers out of range [1, 4096]";
    if (lo->heads < 1 || lo->heads > lo->dim || lo->dim % lo->heads) return "n_heads does not divide dim";
    if (lo->kv_heads < 1 || lo->kv_heads > lo->heads || lo->heads % lo->kv_heads)
        return "n_kv_heads does not divide n_heads";
    if (lo->vocab < 1 || lo->vocab > (1 << 22)) return "vocab_size out of range [1, 2^22]";
    if (lo->seq < 1 || lo->seq > (1 << 22)) return "seq_len out of range [1, 2^22]";
    lo->head_dim = lo->dim / lo->heads;
    if (lo->head_dim % 2) return "head size dim / n_heads is odd";
    uint64_t d = (uint64_t)lo->dim, hid = (uint64_t)lo->hidden, L = (uint64_t)lo->layers;
    uint64_t kvd = (uint64_t)(lo->kv_heads * lo->head_dim), V = (uint64_t)lo->vocab;
    lo->count[T_TOK] = V * d;
    lo->count[T_ATT_NORM] = L * d;
    lo->count[T_WQ] = L * d * d;
    lo->count[T_WK] = L * kvd * d;
    lo->count[T_WV] = L * kvd * d;
    lo->count[T_WO] = L * d * d;
    lo->count[T_FFN_NORM] = L * d;
    lo->count[T_W1] = L * hid * d;
    lo->count[T_W2] = L * d * hid;
    lo->count[T_W3] = L * hid * d;
    lo->count[T_FINAL] = d;
    lo->count[T_FREQ] = (uint64_t)lo->seq * (uint64_t)lo->head_dim; /* real + imag, hd/2 each */
    lo->count[T_CLS] = lo->shared ? 0 : V * d;
    uint64_t off = L2C_HEADER_BYTES;
    for (int t = 0; t < T_COUNT; t++) {
        lo->off[t] = off;
        off += lo->count[t] * 4u;
    }
    lo->file_size = off;
    return NULL;
}

int grt_llama2c_probe(const char *path, int is_dir, const uint8_t *head, size_t n) {
    int32_t h[7];
    l2c_layout lo;
    struct stat sb;
    if (is_dir || !head || n < L2C_HEADER_BYTES) return 0;
    memcpy(h, head, sizeof h);
    if (l2c_plan(h, &lo)) return 0;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) return 0;
    return (uint64_t)sb.st_size == lo.file_size;
}

/* --- loading ------------------------------------------------------------------------------- */

typedef struct l2c_src {
    const char *path;
    const uint8_t *map; /* whole file */
    l2c_layout lo;
    grt_ir_blob *blob;  /* aligned copy of the used weights */
    size_t cursor;      /* next free byte of blob */
} l2c_src;

static size_t align_up(size_t v) { return (v + (GRT_IR_ALIGN - 1)) & ~(size_t)(GRT_IR_ALIGN - 1); }

/* Maps a canonical name to (tensor, layer); -1 if the checkpoint has no such tensor. */
static int l2c_lookup(const l2c_src *s, const char *name, int64_t *layer) {
    static const struct {
        const char *suffix;
        int tensor;
    } k_layer[] = {{"attn_norm.weight", T_ATT_NORM}, {"attn_q.weight", T_WQ},     {"attn_k.weight", T_WK},
                   {"attn_v.weight", T_WV},          {"attn_output.weight", T_WO}, {"ffn_norm.weight", T_FFN_NORM},
                   {"ffn_gate.weight", T_W1},        {"ffn_down.weight", T_W2},    {"ffn_up.weight", T_W3}};
    *layer = 0;
    if (!strcmp(name, "token_embd.weight")) return T_TOK;
    if (!strcmp(name, "output_norm.weight")) return T_FINAL;
    if (!strcmp(name, "output.weight")) return s->lo.shared ? -1 : T_CLS;
    if (strncmp(name, "blk.", 4) != 0) return -1;
    const char *p = name + 4;
    int64_t l = 0;
    if (*p < '0' || *p > '9') return -1;
    while (*p >= '0' && *p <= '9' && l <= s->lo.layers) l = l * 10 + (*p++ - '0');
    if (*p != '.' || l >= s->lo.layers) return -1;
    for (size_t i = 0; i < sizeof k_layer / sizeof k_layer[0]; i++)
        if (!strcmp(p + 1, k_layer[i].suffix)) {
            *layer = l;
            return k_layer[i].tensor;
        }
    return -1;
}

/* grt_llm_weight_fn: copies the slice of the requested tensor into the aligned blob. */
static grt_status l2c_weight(void *user, grt_model *model, const char *name, size_t rank, const int64_t *dims,
                             grt_port *out) {
    l2c_src *s = user;
    int64_t layer = 0;
    int t = l2c_lookup(s, name, &layer);
    if (t < 0) return grt_error(GRT_ERROR_NOT_FOUND, "%s: llama2.c checkpoint has no tensor '%s'", s->path, name);
    uint64_t per = s->lo.count[t] / (t == T_TOK || t == T_FINAL || t == T_CLS ? 1u : (uint64_t)s->lo.layers);
    uint64_t want = 1;
    for (size_t i = 0; i < rank; i++) want *= (uint64_t)dims[i];
    if (want != per)
        return grt_error(GRT_ERROR_SHAPE, "%s: tensor '%s' has %llu elements, the graph expects %llu", s->path, name,
                         (unsigned long long)per, (unsigned long long)want);
    size_t bytes = (size_t)per * 4u;
    if (s->cursor > grt_ir_blob_size(s->blob) || bytes > grt_ir_blob_size(s->blob) - s->cursor)
        return grt_error(GRT_ERROR_INTERNAL, "%s: weight storage too small for '%s'", s->path, name);
    uint8_t *dst = (uint8_t *)grt_ir_blob_mutable(s->blob) + s->cursor;
    memcpy(dst, s->map + s->lo.off[t] + (uint64_t)layer * per * 4u, bytes);
    const float *f = (const float *)dst;
    for (size_t i = 0; i < (size_t)per; i++)
        if (!isfinite(f[i]))
            return grt_error(GRT_ERROR_FORMAT, "%s: tensor '%s' holds a non-finite value at element %zu", s->path,
                             name, i);
    grt_status st = grt_ir_graph_add_constant(&model->g, name, GRT_F32, rank, dims, s->blob, dst, bytes, NULL, out);
    if (st != GRT_OK) return grt_error_wrap(st, "%s", s->path);
    s->cursor += align_up(bytes);
    return GRT_OK;
}

/* "dir/stories260K.bin" -> "stories260K" */
static void base_name(const char *path, char *out, size_t cap) {
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    snprintf(out, cap, "%s", b);
    char *dot = strrchr(out, '.');
    if (dot && dot != out) *dot = 0;
    if (!out[0]) snprintf(out, cap, "llama2c");
}

grt_status grt_llama2c_load(grt_core *core, const char *path, grt_model **out) {
    l2c_src s;
    grt_llm_config cfg;
    grt_model *m = NULL;
    struct stat sb;
    void *map = MAP_FAILED;
    size_t map_size = 0;
    int fd = -1;
    grt_status st = GRT_OK;
    char name[128];
    (void)core;
    memset(&s, 0, sizeof s);
    s.path = path;
    *out = NULL;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        st = grt_error(errno == ENOENT ? GRT_ERROR_NOT_FOUND : GRT_ERROR_IO, "%s: cannot open (%s)", path,
                       strerror(errno));
        goto fail;
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        st = grt_error(GRT_ERROR_IO, "%s: not a regular file", path);
        goto fail;
    }
    if (sb.st_size < L2C_HEADER_BYTES) {
        st = grt_error(GRT_ERROR_FORMAT, "%s: llama2.c checkpoint truncated: %lld bytes, header needs %d", path,
                       (long long)sb.st_size, L2C_HEADER_BYTES);
        goto fail;
    }
    map_size = (size_t)sb.st_size;
    map = mmap(NULL, map_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
        st = grt_error(GRT_ERROR_IO, "%s: mmap of %zu bytes failed (%s)", path, map_size, strerror(errno));
        goto fail;
    }
    s.map = map;
    int32_t h[7];
    memcpy(h, map, sizeof h);
    const char *why = l2c_plan(h, &s.lo);
    if (why) {
        st = grt_error(GRT_ERROR_FORMAT, "%s: bad llama2.c header: %s", path, why);
        goto fail;
    }
    if (s.lo.file_size != (uint64_t)sb.st_size) {
        st = grt_error(GRT_ERROR_FORMAT, "%s: llama2.c checkpoint has %lld bytes, its header implies %llu (%s)", path,
                       (long long)sb.st_size, (unsigned long long)s.lo.file_size,
                       (uint64_t)sb.st_size < s.lo.file_size ? "truncated" : "trailing data");
        goto fail;
    }
    /* Every tensor but the RoPE tables, each padded to the IR alignment. */
    size_t total = 0;
    for (int t = 0; t < T_COUNT; t++) {
        if (t == T_FREQ) continue;
        uint64_t parts = (t == T_TOK || t == T_FINAL || t == T_CLS) ? 1u : (uint64_t)s.lo.layers;
        total += (size_t)parts * align_up((size_t)(s.lo.count[t] / parts) * 4u);
    }
    if ((st = grt_ir_blob_alloc(total, &s.blob)) != GRT_OK) goto fail;
    grt_llm_config_defaults(&cfg);
    snprintf(cfg.arch, sizeof cfg.arch, "llama");
    cfg.vocab_size = s.lo.vocab;
    cfg.dim = s.lo.dim;
    cfg.hidden_dim = s.lo.hidden;
    cfg.n_layers = s.lo.layers;
    cfg.n_heads = s.lo.heads;
    cfg.n_kv_heads = s.lo.kv_heads;
    cfg.head_dim = s.lo.head_dim;
    cfg.max_seq_len = s.lo.seq;
    cfg.norm_eps = 1e-5;
    cfg.rope_theta = 10000.0;
    cfg.rope_mode = GRT_LLM_ROPE_INTERLEAVED;
    cfg.tied_embeddings = s.lo.shared;
    base_name(path, name, sizeof name);
    if ((st = grt_model_create(name, &m)) != GRT_OK) goto fail;
    if ((st = grt_llm_build(&cfg, l2c_weight, &s, path, m)) != GRT_OK) goto fail;
    grt_meta_value mv;
    memset(&mv, 0, sizeof mv);
    mv.type = GRT_META_STRING;
    mv.u.str.data = name;
    mv.u.str.len = strlen(name);
    if ((st = grt_model_set_meta(m, "general.name", &mv)) != GRT_OK) goto fail;
    /* llama2.c's SentencePiece convention (the vocabulary itself is not in the checkpoint). */
    mv.type = GRT_META_INT;
    mv.u.i = 1;
    if ((st = grt_model_set_meta(m, "tokenizer.ggml.bos_token_id", &mv)) != GRT_OK) goto fail;
    mv.u.i = 2;
    if ((st = grt_model_set_meta(m, "tokenizer.ggml.eos_token_id", &mv)) != GRT_OK) goto fail;
    *out = m;
    m = NULL;
fail:
    grt_model_destroy(m);
    grt_ir_blob_release(s.blob); /* constants hold their own references */
    if (map != MAP_FAILED) munmap(map, map_size);
    if (fd >= 0) close(fd);
    return st;
}
