/*
 * frontends/gguf_parse.c - GGUF v2/v3 parser: header, metadata key/values, tensor infos,
 * alignment and data section, fully validated against the file size with overflow-safe
 * arithmetic (see gguf.h). The file is mapped read-only; nothing is read out of bounds whatever
 * the contents. Errors are GRT_ERROR_FORMAT "PATH: what" (NOT_SUPPORTED for version 1,
 * big-endian files and unknown tensor types).
 * Ownership: the parsed grt_gguf owns key/name copies and one blob reference.
 * Thread-safety: stateless functions; a parsed file is immutable.
 */
#include "frontends/gguf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/error.h"

typedef struct cursor {
    const char *path;
    const uint8_t *p;
    size_t size, off;
} cursor;

static grt_status ferr(const cursor *c, const char *what, const char *detail) {
    return grt_error(GRT_ERROR_FORMAT, "%s: %s%s%s (at byte %zu)", c->path, what, detail ? ": " : "",
                     detail ? detail : "", c->off);
}

static int need(const cursor *c, size_t n) { return n <= c->size - c->off; }

static int rd_u32(cursor *c, uint32_t *v) {
    if (!need(c, 4)) return 0;
    const uint8_t *b = c->p + c->off;
    *v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    c->off += 4;
    return 1;
}

static int rd_u64(cursor *c, uint64_t *v) {
    uint32_t lo = 0, hi = 0;
    if (!need(c, 8)) return 0;
    rd_u32(c, &lo);
    rd_u32(c, &hi);
    *v = (uint64_t)hi << 32 | lo;
    return 1;
}

/* A GGUF string: u64 length + bytes. *s points into the mapping. */
static int rd_str(cursor *c, const uint8_t **s, size_t *len) {
    uint64_t n;
    size_t save = c->off;
    if (!rd_u64(c, &n) || n > c->size - c->off) {
        c->off = save;
        return 0;
    }
    *s = c->p + c->off;
    *len = (size_t)n;
    c->off += (size_t)n;
    return 1;
}

static size_t scalar_size(uint32_t t) {
    switch (t) {
    case GGUF_U8: case GGUF_I8: case GGUF_BOOL: return 1;
    case GGUF_U16: case GGUF_I16: return 2;
    case GGUF_U32: case GGUF_I32: case GGUF_F32: return 4;
    case GGUF_U64: case GGUF_I64: case GGUF_F64: return 8;
    default: return 0;
    }
}

static char *dup_n(const uint8_t *s, size_t n) {
    char *d = malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

/* Skips one value of type t (arrays recursively), validating lengths and bools. */
static grt_status skip_value(cursor *c, uint32_t t, int depth) {
    if (t == GGUF_STRING) {
        const uint8_t *s;
        size_t n;
        if (!rd_str(c, &s, &n)) return ferr(c, "truncated string value", NULL);
        return GRT_OK;
    }
    if (t == GGUF_ARRAY) {
        uint32_t at;
        uint64_t count;
        if (depth > 4) return ferr(c, "arrays nested too deeply", NULL);
        if (!rd_u32(c, &at) || !rd_u64(c, &count)) return ferr(c, "truncated array header", NULL);
        if (at >= GGUF_VTYPE_COUNT) return ferr(c, "bad array element type", NULL);
        size_t es = scalar_size(at);
        if (es) {
            if (count > (c->size - c->off) / es) return ferr(c, "array runs past the end of the file", NULL);
            if (at == GGUF_BOOL)
                for (uint64_t i = 0; i < count; i++)
                    if (c->p[c->off + i] > 1) return ferr(c, "bool array element is not 0 or 1", NULL);
            c->off += (size_t)count * es;
            return GRT_OK;
        }
        /* strings / nested arrays: each element at least 8 bytes, so count is bounded */
        if (count > (c->size - c->off) / 8) return ferr(c, "array runs past the end of the file", NULL);
        for (uint64_t i = 0; i < count; i++) {
            grt_status st = skip_value(c, at, depth + 1);
            if (st != GRT_OK) return st;
        }
        return GRT_OK;
    }
    size_t es = scalar_size(t);
    if (!es) return ferr(c, "bad metadata value type", NULL);
    if (!need(c, es)) return ferr(c, "truncated metadata value", NULL);
    if (t == GGUF_BOOL && c->p[c->off] > 1) return ferr(c, "bool value is not 0 or 1", NULL);
    c->off += es;
    return GRT_OK;
}

static int cmp_tensor(const void *a, const void *b) {
    return strcmp((*(grt_gguf_tensor *const *)a)->name, (*(grt_gguf_tensor *const *)b)->name);
}

static int cmp_kv(const void *a, const void *b) {
    return strcmp((*(grt_gguf_kv *const *)a)->key, (*(grt_gguf_kv *const *)b)->key);
}

void grt_gguf_close(grt_gguf *f) {
    if (!f) return;
    for (size_t i = 0; i < f->n_kv; i++) free(f->kv[i].key);
    for (size_t i = 0; i < f->n_tensors; i++) free(f->tensors[i].name);
    free(f->kv);
    free(f->tensors);
    free(f->by_name);
    free(f->path);
    grt_ir_blob_release(f->blob);
    free(f);
}

static grt_status parse_kvs(grt_gguf *f, cursor *c) {
    for (size_t i = 0; i < f->n_kv; i++) {
        grt_gguf_kv *kv = &f->kv[i];
        const uint8_t *k;
        size_t kn;
        grt_status st;
        if (!rd_str(c, &k, &kn)) return ferr(c, "truncated metadata key", NULL);
        if (kn == 0 || kn > GGUF_MAX_KEY) return ferr(c, "metadata key length out of range", NULL);
        if (memchr(k, 0, kn)) return ferr(c, "metadata key contains a NUL byte", NULL);
        if (!(kv->key = dup_n(k, kn))) return grt_error(GRT_ERROR_OUT_OF_MEMORY, "%s: out of memory", f->path);
        if (!rd_u32(c, &kv->type)) return ferr(c, "truncated metadata type", kv->key);
        if (kv->type >= GGUF_VTYPE_COUNT) return ferr(c, "bad metadata value type of key", kv->key);
        kv->count = 1;
        size_t start = c->off;
        if (kv->type == GGUF_ARRAY) {
            cursor h = *c;
            if (!rd_u32(&h, &kv->arr_type) || !rd_u64(&h, &kv->count))
                return ferr(c, "truncated array header of key", kv->key);
            if ((st = skip_value(c, GGUF_ARRAY, 0)) != GRT_OK) return grt_error_wrap(st, "key '%s'", kv->key);
            kv->val = c->p + h.off;
            kv->val_bytes = c->off - h.off;
        } else {
            if ((st = skip_value(c, kv->type, 0)) != GRT_OK) return grt_error_wrap(st, "key '%s'", kv->key);
            kv->val = c->p + start;
            kv->val_bytes = c->off - start;
        }
    }
    return GRT_OK;
}

static grt_status parse_tensor_info(grt_gguf *f, cursor *c, grt_gguf_tensor *t) {
    const uint8_t *nm;
    size_t nn;
    if (!rd_str(c, &nm, &nn)) return ferr(c, "truncated tensor name", NULL);
    if (nn == 0 || nn > GGUF_MAX_NAME || memchr(nm, 0, nn)) return ferr(c, "bad tensor name", NULL);
    if (!(t->name = dup_n(nm, nn))) return grt_error(GRT_ERROR_OUT_OF_MEMORY, "%s: out of memory", f->path);
    if (!rd_u32(c, &t->n_dims)) return ferr(c, "truncated tensor info", t->name);
    if (t->n_dims < 1 || t->n_dims > GGUF_MAX_DIMS) return ferr(c, "tensor rank out of range (1..4)", t->name);
    uint64_t numel = 1;
    for (uint32_t d = 0; d < t->n_dims; d++) {
        uint64_t ne;
        if (!rd_u64(c, &ne)) return ferr(c, "truncated tensor dims", t->name);
        if (ne > (uint64_t)INT64_MAX || (ne && numel > (uint64_t)INT64_MAX / ne))
            return ferr(c, "tensor element count overflows", t->name);
        t->ne[d] = (int64_t)ne;
        numel *= ne;
    }
    for (uint32_t d = t->n_dims; d < GGUF_MAX_DIMS; d++) t->ne[d] = 1;
    if (!rd_u32(c, &t->type) || !rd_u64(c, &t->offset)) return ferr(c, "truncated tensor info", t->name);
    size_t be, bb;
    if (!ggml_type_block(t->type, &be, &bb))
        return grt_error(GRT_ERROR_NOT_SUPPORTED, "%s: tensor '%s' has unsupported ggml type %u", f->path, t->name,
                         t->type);
    if ((uint64_t)t->ne[0] % be) return ferr(c, "tensor row is not a whole number of blocks", t->name);
    uint64_t blocks = numel / be;
    if (blocks > (uint64_t)SIZE_MAX / bb) return ferr(c, "tensor size overflows", t->name);
    t->bytes = (size_t)blocks * bb;
    return GRT_OK;
}

grt_status grt_gguf_parse_blob(const char *path, grt_ir_blob *blob, grt_gguf **out) {
    grt_status st;
    grt_gguf *f = calloc(1, sizeof *f);
    cursor c = {path, grt_ir_blob_data(blob), grt_ir_blob_size(blob), 0};
    uint32_t magic_check;
    uint64_t nt, nkv;
    *out = NULL;
    if (!f || !(f->path = dup_n((const uint8_t *)path, strlen(path)))) {
        st = grt_error(GRT_ERROR_OUT_OF_MEMORY, "%s: out of memory", path);
        goto fail;
    }
    f->base = c.p;
    f->size = c.size;
    if (c.size < 4 || memcmp(c.p, GGUF_MAGIC, 4) != 0) {
        st = ferr(&c, "not a GGUF file (bad magic)", NULL);
        goto fail;
    }
    c.off = 4;
    if (!rd_u32(&c, &f->version)) {
        st = ferr(&c, "truncated header", NULL);
        goto fail;
    }
    if (f->version == 1) {
        st = grt_error(GRT_ERROR_NOT_SUPPORTED, "%s: GGUF version 1 is not supported (convert it to v3)", path);
        goto fail;
    }
    if (f->version != 2 && f->version != 3) {
        magic_check = f->version;
        st = grt_error((magic_check & 0xffff) == 0 ? GRT_ERROR_NOT_SUPPORTED : GRT_ERROR_FORMAT,
                       "%s: unsupported GGUF version %u%s", path, f->version,
                       (magic_check & 0xffff) == 0 ? " (big-endian file?)" : "");
        goto fail;
    }
    if (!rd_u64(&c, &nt) || !rd_u64(&c, &nkv)) {
        st = ferr(&c, "truncated header", NULL);
        goto fail;
    }
    /* a key/value needs >= 13 bytes, a tensor info >= 32: bounds the counts by the file size */
    if (nkv > (c.size - c.off) / 13 || nt > (c.size - c.off) / 32) {
        st = ferr(&c, "tensor or key count larger than the file can hold", NULL);
        goto fail;
    }
    f->n_kv = (size_t)nkv;
    f->n_tensors = (size_t)nt;
    f->kv = calloc(f->n_kv ? f->n_kv : 1, sizeof *f->kv);
    f->tensors = calloc(f->n_tensors ? f->n_tensors : 1, sizeof *f->tensors);
    f->by_name = calloc(f->n_tensors ? f->n_tensors : 1, sizeof *f->by_name);
    if (!f->kv || !f->tensors || !f->by_name) {
        st = grt_error(GRT_ERROR_OUT_OF_MEMORY, "%s: out of memory", path);
        goto fail;
    }
    if ((st = parse_kvs(f, &c)) != GRT_OK) goto fail;
    {
        grt_gguf_kv **keys = malloc((f->n_kv ? f->n_kv : 1) * sizeof *keys);
        if (!keys) {
            st = grt_error(GRT_ERROR_OUT_OF_MEMORY, "%s: out of memory", path);
            goto fail;
        }
        for (size_t i = 0; i < f->n_kv; i++) keys[i] = &f->kv[i];
        qsort(keys, f->n_kv, sizeof *keys, cmp_kv);
        for (size_t i = 1; i < f->n_kv; i++)
            if (!strcmp(keys[i - 1]->key, keys[i]->key)) {
                st = grt_error(GRT_ERROR_FORMAT, "%s: duplicate metadata key '%s'", path, keys[i]->key);
                free(keys);
                goto fail;
            }
        free(keys);
    }
    f->alignment = GGUF_DEFAULT_ALIGNMENT;
    const grt_gguf_kv *al = grt_gguf_find_kv(f, "general.alignment");
    if (al) {
        uint32_t a;
        if (al->type != GGUF_U32) {
            st = grt_error(GRT_ERROR_FORMAT, "%s: general.alignment must be uint32", path);
            goto fail;
        }
        memcpy(&a, al->val, 4); /* little-endian host (checked in the writer/loader) */
        if (a == 0 || (a & (a - 1)) || a > (1u << 20)) {
            st = grt_error(GRT_ERROR_FORMAT, "%s: general.alignment %u is not a power of two <= 1 MiB", path, a);
            goto fail;
        }
        f->alignment = a;
    }
    for (size_t i = 0; i < f->n_tensors; i++) {
        if ((st = parse_tensor_info(f, &c, &f->tensors[i])) != GRT_OK) goto fail;
        f->by_name[i] = &f->tensors[i];
    }
    qsort(f->by_name, f->n_tensors, sizeof *f->by_name, cmp_tensor);
    for (size_t i = 1; i < f->n_tensors; i++)
        if (!strcmp(f->by_name[i - 1]->name, f->by_name[i]->name)) {
            st = grt_error(GRT_ERROR_FORMAT, "%s: duplicate tensor '%s'", path, f->by_name[i]->name);
            goto fail;
        }
    /* data section: after the infos, padded to the alignment (may be exactly at EOF if empty) */
    size_t pad = (f->alignment - c.off % f->alignment) % f->alignment;
    if (f->n_tensors && pad > c.size - c.off) {
        st = ferr(&c, "truncated before the tensor data section", NULL);
        goto fail;
    }
    f->data_offset = c.off + pad;
    for (size_t i = 0; i < f->n_tensors; i++) {
        grt_gguf_tensor *t = &f->tensors[i];
        size_t avail = c.size - f->data_offset;
        if (t->offset % f->alignment) {
            st = grt_error(GRT_ERROR_FORMAT, "%s: tensor '%s' offset %llu is not a multiple of the alignment %u", path,
                           t->name, (unsigned long long)t->offset, f->alignment);
            goto fail;
        }
        if (t->offset > avail || t->bytes > avail - (size_t)t->offset) {
            st = grt_error(GRT_ERROR_FORMAT, "%s: tensor '%s' data (%zu bytes at %llu) lies outside the file", path,
                           t->name, t->bytes, (unsigned long long)t->offset);
            goto fail;
        }
        t->data = c.p + f->data_offset + t->offset;
    }
    grt_ir_blob_retain(blob);
    f->blob = blob;
    *out = f;
    return GRT_OK;
fail:
    grt_gguf_close(f);
    return st;
}

grt_status grt_gguf_open(const char *path, grt_gguf **out) {
    struct stat sb;
    grt_ir_blob *blob = NULL;
    grt_status st;
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return grt_error(errno == ENOENT ? GRT_ERROR_NOT_FOUND : GRT_ERROR_IO, "%s: cannot open (%s)", path,
                         strerror(errno));
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return grt_error(GRT_ERROR_IO, "%s: not a regular file", path);
    }
    if (sb.st_size < 24) {
        close(fd);
        return grt_error(GRT_ERROR_FORMAT, "%s: truncated GGUF header (%lld bytes)", path, (long long)sb.st_size);
    }
    if ((uint64_t)sb.st_size > SIZE_MAX) {
        close(fd);
        return grt_error(GRT_ERROR_FORMAT, "%s: file too large", path);
    }
    st = grt_ir_blob_map(fd, (size_t)sb.st_size, path, &blob);
    close(fd);
    if (st != GRT_OK) return st;
    st = grt_gguf_parse_blob(path, blob, out);
    grt_ir_blob_release(blob);
    return st;
}

const grt_gguf_kv *grt_gguf_find_kv(const grt_gguf *f, const char *key) {
    for (size_t i = 0; i < f->n_kv; i++)
        if (f->kv[i].key && !strcmp(f->kv[i].key, key)) return &f->kv[i];
    return NULL;
}

const grt_gguf_tensor *grt_gguf_find_tensor(const grt_gguf *f, const char *name) {
    size_t lo = 0, hi = f->n_tensors;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = strcmp(f->by_name[mid]->name, name);
        if (r == 0) return f->by_name[mid];
        if (r < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

/* Scalar at p of type t as int64 / double (t a scalar type). */
static int scalar_int(uint32_t t, const uint8_t *p, int64_t *out) {
    uint64_t u = 0;
    size_t n = scalar_size(t);
    if (!n || t == GGUF_F32 || t == GGUF_F64) return 0;
    for (size_t i = 0; i < n; i++) u |= (uint64_t)p[i] << (8 * i);
    switch (t) {
    case GGUF_I8: *out = (int8_t)u; break;
    case GGUF_I16: *out = (int16_t)u; break;
    case GGUF_I32: *out = (int32_t)u; break;
    case GGUF_I64: *out = (int64_t)u; break;
    case GGUF_U64: if (u > (uint64_t)INT64_MAX) return 0; *out = (int64_t)u; break;
    default: *out = (int64_t)u; break;
    }
    return 1;
}

static int scalar_float(uint32_t t, const uint8_t *p, double *out) {
    int64_t i;
    if (t == GGUF_F32) {
        float v;
        memcpy(&v, p, 4);
        *out = v;
        return 1;
    }
    if (t == GGUF_F64) {
        memcpy(out, p, 8);
        return 1;
    }
    if (scalar_int(t, p, &i)) {
        *out = (double)i;
        return 1;
    }
    return 0;
}

int grt_gguf_get_int(const grt_gguf *f, const char *key, int64_t *out) {
    const grt_gguf_kv *kv = grt_gguf_find_kv(f, key);
    return kv && kv->type != GGUF_ARRAY && scalar_int(kv->type, kv->val, out);
}

int grt_gguf_get_float(const grt_gguf *f, const char *key, double *out) {
    const grt_gguf_kv *kv = grt_gguf_find_kv(f, key);
    return kv && kv->type != GGUF_ARRAY && scalar_float(kv->type, kv->val, out);
}

int grt_gguf_get_str(const grt_gguf *f, const char *key, const char **s, size_t *len) {
    const grt_gguf_kv *kv = grt_gguf_find_kv(f, key);
    if (!kv || kv->type != GGUF_STRING) return 0;
    uint64_t n = 0;
    for (int i = 0; i < 8; i++) n |= (uint64_t)kv->val[i] << (8 * i);
    *s = (const char *)kv->val + 8;
    *len = (size_t)n;
    return 1;
}

static uint64_t le64(const uint8_t *p) {
    uint64_t n = 0;
    for (int i = 0; i < 8; i++) n |= (uint64_t)p[i] << (8 * i);
    return n;
}

grt_status grt_gguf_to_meta(const grt_gguf *f, grt_model *model) {
    grt_status st = GRT_OK;
    void *buf = NULL;
    size_t *lens = NULL;
    for (size_t k = 0; k < f->n_kv && st == GRT_OK; k++) {
        const grt_gguf_kv *kv = &f->kv[k];
        grt_meta_value v;
        memset(&v, 0, sizeof v);
        if (kv->type == GGUF_STRING) {
            v.type = GRT_META_STRING;
            v.u.str.len = (size_t)le64(kv->val);
            v.u.str.data = (const char *)kv->val + 8;
        } else if (kv->type == GGUF_F32 || kv->type == GGUF_F64) {
            v.type = GRT_META_FLOAT;
            scalar_float(kv->type, kv->val, &v.u.f);
        } else if (kv->type != GGUF_ARRAY) {
            v.type = GRT_META_INT;
            if (!scalar_int(kv->type, kv->val, &v.u.i)) {
                grt_log(GRT_LOG_WARNING, "gguf", "%s: key '%s' (uint64 above INT64_MAX) skipped", f->path, kv->key);
                continue;
            }
        } else {
            size_t n = (size_t)kv->count, es = scalar_size(kv->arr_type);
            const uint8_t *p = kv->val; /* elements (after the array header) */
            if (kv->arr_type == GGUF_ARRAY) {
                grt_log(GRT_LOG_WARNING, "gguf", "%s: key '%s' (nested array) skipped", f->path, kv->key);
                continue;
            }
            if (kv->arr_type == GGUF_STRING) {
                const char **strs = malloc((n ? n : 1) * sizeof *strs);
                lens = malloc((n ? n : 1) * sizeof *lens);
                buf = strs;
                if (!strs || !lens) goto oom;
                for (size_t i = 0; i < n; i++) { /* bounds were validated by skip_value */
                    lens[i] = (size_t)le64(p);
                    strs[i] = (const char *)p + 8;
                    p += 8 + lens[i];
                }
                v.type = GRT_META_STRING_ARRAY;
                v.u.strs.data = strs;
                v.u.strs.lens = lens;
                v.u.strs.count = n;
            } else if (kv->arr_type == GGUF_F32 || kv->arr_type == GGUF_F64) {
                double *d = malloc((n ? n : 1) * sizeof *d);
                if (!(buf = d)) goto oom;
                for (size_t i = 0; i < n; i++) scalar_float(kv->arr_type, p + i * es, &d[i]);
                v.type = GRT_META_FLOAT_ARRAY;
                v.u.floats.data = d;
                v.u.floats.count = n;
            } else {
                int64_t *d = malloc((n ? n : 1) * sizeof *d);
                if (!(buf = d)) goto oom;
                for (size_t i = 0; i < n; i++)
                    if (!scalar_int(kv->arr_type, p + i * es, &d[i])) d[i] = INT64_MAX; /* u64 > INT64_MAX */
                v.type = GRT_META_INT_ARRAY;
                v.u.ints.data = d;
                v.u.ints.count = n;
            }
        }
        st = grt_model_set_meta(model, kv->key, &v);
        if (st != GRT_OK) st = grt_error_wrap(st == GRT_ERROR_OUT_OF_MEMORY ? st : GRT_ERROR_FORMAT, "%s: key '%s'",
                                              f->path, kv->key);
        free(buf);
        free(lens);
        buf = NULL;
        lens = NULL;
    }
    return st;
oom:
    free(buf);
    free(lens);
    return grt_error(GRT_ERROR_OUT_OF_MEMORY, "%s: out of memory reading metadata", f->path);
}
