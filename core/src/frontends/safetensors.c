/*
 * frontends/safetensors.c - safetensors parsing and validation (see safetensors.h): one file
 * (mmap + JSON header), and sharded checkpoints through model.safetensors.index.json.
 * Ownership as in the header. Thread-safety: none per set; no global state.
 */
#include "frontends/safetensors.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/error.h"

/* The safetensors specification caps the header at 100 MB. */
#define ST_MAX_HEADER (100u * 1024u * 1024u)
/* JSON numbers are doubles: integers above 2^53 are not exact. */
#define ST_MAX_INT 9007199254740992.0

void grt_st_set_init(grt_st_set *set) { memset(set, 0, sizeof *set); }

void grt_st_set_free(grt_st_set *set) {
    if (!set) return;
    for (size_t i = 0; i < set->n_files; i++) {
        free(set->files[i].path);
        grt_ir_blob_release(set->files[i].blob);
    }
    for (size_t i = 0; i < set->n_tensors; i++) free(set->tensors[i].name);
    free(set->files);
    free(set->tensors);
    memset(set, 0, sizeof *set);
}

const grt_st_tensor *grt_st_find(const grt_st_set *set, const char *name) {
    for (size_t i = 0; i < set->n_tensors; i++)
        if (!strcmp(set->tensors[i].name, name)) return &set->tensors[i];
    return NULL;
}

const void *grt_st_data(const grt_st_set *set, const grt_st_tensor *t) {
    return (const uint8_t *)grt_ir_blob_data(set->files[t->file].blob) + t->offset;
}

static grt_status open_error(const char *path, int err) {
    return grt_error(err == ENOENT ? GRT_ERROR_NOT_FOUND : GRT_ERROR_IO, "%s: cannot open (%s)", path,
                     strerror(err));
}

grt_status grt_st_read_text(const char *path, size_t max_bytes, char **out, size_t *len) {
    grt_status st = GRT_OK;
    char *buf = NULL;
    size_t n = 0;
    struct stat sb;
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return open_error(path, errno);
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        st = grt_error(GRT_ERROR_IO, "%s: not a regular file", path);
        goto fail;
    }
    if ((uint64_t)sb.st_size > max_bytes) {
        st = grt_error(GRT_ERROR_FORMAT, "%s: file too large (%lld bytes, limit %zu)", path,
                       (long long)sb.st_size, max_bytes);
        goto fail;
    }
    buf = malloc((size_t)sb.st_size + 1);
    if (!buf) {
        st = grt_error(GRT_ERROR_OUT_OF_MEMORY, "%s: out of memory", path);
        goto fail;
    }
    while (n < (size_t)sb.st_size) {
        ssize_t r = read(fd, buf + n, (size_t)sb.st_size - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            st = grt_error(GRT_ERROR_IO, "%s: read failed (%s)", path, strerror(errno));
            goto fail;
        }
        if (r == 0) break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    close(fd);
    *out = buf;
    if (len) *len = n;
    return GRT_OK;
fail:
    free(buf);
    close(fd);
    return st;
}

/* A non-negative integer JSON number (exact as a double). */
static int json_uint(const cJSON *v, uint64_t *out) {
    if (!cJSON_IsNumber(v)) return 0;
    double d = v->valuedouble;
    if (!(d >= 0.0) || d > ST_MAX_INT || d != (double)(uint64_t)d) return 0;
    *out = (uint64_t)d;
    return 1;
}

static int parse_dtype(const char *s, grt_element_type *type, size_t *size) {
    if (!strcmp(s, "F32")) *type = GRT_F32, *size = 4;
    else if (!strcmp(s, "F16")) *type = GRT_F16, *size = 2;
    else if (!strcmp(s, "BF16")) *type = GRT_BF16, *size = 2;
    else return 0;
    return 1;
}

/* Parses one header entry into *t (name and file set by the caller). data_size: bytes after the
 * header; base: absolute offset of the data area. */
static grt_status parse_entry(const cJSON *e, const char *path, uint64_t base, uint64_t data_size,
                              grt_st_tensor *t) {
    const char *nm = e->string;
    if (!cJSON_IsObject(e)) return grt_error(GRT_ERROR_FORMAT, "%s: tensor '%s': entry is not an object", path, nm);
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(e, "dtype");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(e, "shape");
    const cJSON *offs = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
    if (!cJSON_IsString(dt)) return grt_error(GRT_ERROR_FORMAT, "%s: tensor '%s': missing or bad 'dtype'", path, nm);
    if (!cJSON_IsArray(shape))
        return grt_error(GRT_ERROR_FORMAT, "%s: tensor '%s': missing or bad 'shape'", path, nm);
    if (!cJSON_IsArray(offs) || cJSON_GetArraySize(offs) != 2)
        return grt_error(GRT_ERROR_FORMAT, "%s: tensor '%s': 'data_offsets' must be [begin, end]", path, nm);
    size_t esize = 0;
    if (!parse_dtype(dt->valuestring, &t->type, &esize))
        return grt_error(GRT_ERROR_NOT_SUPPORTED, "%s: tensor '%s': dtype '%s' not supported (F32, F16, BF16)", path,
                         nm, dt->valuestring);
    int rank = cJSON_GetArraySize(shape);
    if (rank > GRT_MAX_RANK)
        return grt_error(GRT_ERROR_FORMAT, "%s: tensor '%s': rank %d above %d", path, nm, rank, GRT_MAX_RANK);
    t->rank = (size_t)rank;
    uint64_t numel = 1;
    int overflow = 0;
    for (int i = 0; i < rank; i++) {
        uint64_t d;
        if (!json_uint(cJSON_GetArrayItem(shape, i), &d))
            return grt_error(GRT_ERROR_FORMAT, "%s: tensor '%s': shape[%d] is not a non-negative integer", path, nm,
                             i);
        t->dims[i] = (int64_t)d;
        if (d && numel > UINT64_MAX / d) overflow = 1;
        numel *= d;
    }
    uint64_t begin, end;
    if (!json_uint(cJSON_GetArrayItem(offs, 0), &begin) || !json_uint(cJSON_GetArrayItem(offs, 1), &end))
        return grt_error(GRT_ERROR_FORMAT, "%s: tensor '%s': data_offsets are not non-negative integers", path, nm);
    if (begin > end || end > data_size)
        return grt_error(GRT_ERROR_FORMAT,
                         "%s: tensor '%s': data_offsets [%llu, %llu] outside the data area (%llu bytes)", path, nm,
                         (unsigned long long)begin, (unsigned long long)end, (unsigned long long)data_size);
    if (overflow || numel > UINT64_MAX / esize || numel * esize != end - begin)
        return grt_error(GRT_ERROR_FORMAT, "%s: tensor '%s': %llu bytes of data but dtype %s x shape needs %s", path,
                         nm, (unsigned long long)(end - begin), dt->valuestring,
                         overflow ? "more than 2^64" : "a different size");
    t->offset = base + begin;
    t->bytes = end - begin;
    return GRT_OK;
}

static int cmp_offset(const void *a, const void *b) {
    const grt_st_tensor *x = a, *y = b;
    return x->offset < y->offset ? -1 : x->offset > y->offset ? 1 : 0;
}

/* Parses the header of the mapped file `data` (size bytes) into a new array of tensors. */
static grt_status parse_header(const uint8_t *data, uint64_t size, const char *path, size_t file,
                               grt_st_tensor **out, size_t *n_out) {
    grt_status st = GRT_OK;
    cJSON *root = NULL;
    grt_st_tensor *ts = NULL, *sorted = NULL;
    size_t n = 0;
    *out = NULL;
    *n_out = 0;
    if (size < 8) return grt_error(GRT_ERROR_FORMAT, "%s: truncated (%llu bytes, no header length)", path,
                                   (unsigned long long)size);
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--) hlen = (hlen << 8) | data[i];
    if (hlen > size - 8)
        return grt_error(GRT_ERROR_FORMAT, "%s: header length %llu exceeds the file (%llu bytes): truncated?", path,
                         (unsigned long long)hlen, (unsigned long long)size);
    if (hlen > ST_MAX_HEADER)
        return grt_error(GRT_ERROR_FORMAT, "%s: header length %llu above the 100 MB limit", path,
                         (unsigned long long)hlen);
    root = cJSON_ParseWithLength((const char *)data + 8, (size_t)hlen);
    if (!root || !cJSON_IsObject(root)) {
        st = grt_error(GRT_ERROR_FORMAT, "%s: header is not a JSON object", path);
        goto fail;
    }
    size_t count = (size_t)cJSON_GetArraySize(root);
    ts = calloc(count ? count : 1, sizeof *ts);
    if (!ts) {
        st = grt_error(GRT_ERROR_OUT_OF_MEMORY, "%s: out of memory", path);
        goto fail;
    }
    const cJSON *e;
    cJSON_ArrayForEach(e, root) {
        if (!strcmp(e->string, "__metadata__")) {
            const cJSON *m;
            if (!cJSON_IsObject(e)) {
                st = grt_error(GRT_ERROR_FORMAT, "%s: '__metadata__' is not an object", path);
                goto fail;
            }
            cJSON_ArrayForEach(m, e) if (!cJSON_IsString(m)) {
                st = grt_error(GRT_ERROR_FORMAT, "%s: __metadata__ '%s' is not a string", path, m->string);
                goto fail;
            }
            continue;
        }
        for (size_t i = 0; i < n; i++)
            if (!strcmp(ts[i].name, e->string)) {
                st = grt_error(GRT_ERROR_FORMAT, "%s: tensor '%s' appears twice", path, e->string);
                goto fail;
            }
        st = parse_entry(e, path, 8 + hlen, size - 8 - hlen, &ts[n]);
        if (st != GRT_OK) goto fail;
        ts[n].file = file;
        ts[n].name = strdup(e->string);
        if (!ts[n].name) {
            st = grt_error(GRT_ERROR_OUT_OF_MEMORY, "%s: out of memory", path);
            goto fail;
        }
        n++;
    }
    /* No overlap: sort a copy by offset and compare neighbours (empty tensors never overlap). */
    sorted = malloc((n ? n : 1) * sizeof *sorted);
    if (!sorted) {
        st = grt_error(GRT_ERROR_OUT_OF_MEMORY, "%s: out of memory", path);
        goto fail;
    }
    if (n) memcpy(sorted, ts, n * sizeof *ts);
    if (n) qsort(sorted, n, sizeof *sorted, cmp_offset);
    uint64_t prev_end = 0;
    const char *prev = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!sorted[i].bytes) continue;
        if (prev && sorted[i].offset < prev_end) {
            st = grt_error(GRT_ERROR_FORMAT, "%s: tensors '%s' and '%s' overlap", path, prev, sorted[i].name);
            goto fail;
        }
        prev_end = sorted[i].offset + sorted[i].bytes;
        prev = sorted[i].name;
    }
    free(sorted);
    cJSON_Delete(root);
    *out = ts;
    *n_out = n;
    return GRT_OK;
fail:
    free(sorted);
    if (ts)
        for (size_t i = 0; i < n; i++) free(ts[i].name);
    free(ts);
    cJSON_Delete(root);
    return st;
}

grt_status grt_st_add_file(grt_st_set *set, const char *path) {
    grt_status st = GRT_OK;
    grt_ir_blob *blob = NULL;
    grt_st_tensor *ts = NULL;
    size_t n = 0;
    char *pcopy = NULL;
    struct stat sb;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return open_error(path, errno);
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        st = grt_error(GRT_ERROR_IO, "%s: not a regular file", path);
        goto fail;
    }
    if (sb.st_size < 8) {
        st = grt_error(GRT_ERROR_FORMAT, "%s: truncated (%lld bytes, no header length)", path,
                       (long long)sb.st_size);
        goto fail;
    }
    st = grt_ir_blob_map(fd, (size_t)sb.st_size, path, &blob);
    if (st != GRT_OK) goto fail;
    close(fd);
    fd = -1;
    st = parse_header(grt_ir_blob_data(blob), (uint64_t)sb.st_size, path, set->n_files, &ts, &n);
    if (st != GRT_OK) goto fail;
    for (size_t i = 0; i < n; i++)
        if (grt_st_find(set, ts[i].name)) {
            st = grt_error(GRT_ERROR_FORMAT, "%s: tensor '%s' also appears in %s", path, ts[i].name,
                           set->files[grt_st_find(set, ts[i].name)->file].path);
            goto fail;
        }
    pcopy = strdup(path);
    grt_st_file *files = realloc(set->files, (set->n_files + 1) * sizeof *files);
    if (files) set->files = files;
    if (set->n_tensors + n > set->cap_tensors) {
        size_t cap = set->cap_tensors * 2 > set->n_tensors + n ? set->cap_tensors * 2 : set->n_tensors + n + 16;
        grt_st_tensor *nt = realloc(set->tensors, cap * sizeof *nt);
        if (nt) {
            set->tensors = nt;
            set->cap_tensors = cap;
        }
    }
    if (!pcopy || !files || set->n_tensors + n > set->cap_tensors) {
        st = grt_error(GRT_ERROR_OUT_OF_MEMORY, "%s: out of memory", path);
        goto fail;
    }
    set->files[set->n_files].path = pcopy;
    set->files[set->n_files].blob = blob;
    set->n_files++;
    if (n) memcpy(set->tensors + set->n_tensors, ts, n * sizeof *ts);
    set->n_tensors += n;
    free(ts);
    return GRT_OK;
fail:
    if (fd >= 0) close(fd);
    if (ts)
        for (size_t i = 0; i < n; i++) free(ts[i].name);
    free(ts);
    free(pcopy);
    grt_ir_blob_release(blob);
    return st;
}

/* 1 if name is a plain file name (no directory part, not "." or ".."). */
static int plain_file_name(const char *name) {
    return name[0] && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..");
}

grt_status grt_st_add_index(grt_st_set *set, const char *index_path) {
    grt_status st = GRT_OK;
    char *text = NULL, *file = NULL;
    cJSON *root = NULL;
    size_t first_file = set->n_files;
    st = grt_st_read_text(index_path, 64u * 1024u * 1024u, &text, NULL);
    if (st != GRT_OK) return st;
    root = cJSON_Parse(text);
    const cJSON *map = root ? cJSON_GetObjectItemCaseSensitive(root, "weight_map") : NULL;
    if (!root || !cJSON_IsObject(root)) {
        st = grt_error(GRT_ERROR_FORMAT, "%s: not a JSON object", index_path);
        goto fail;
    }
    if (!cJSON_IsObject(map)) {
        st = grt_error(GRT_ERROR_FORMAT, "%s: missing or bad 'weight_map'", index_path);
        goto fail;
    }
    const char *slash = strrchr(index_path, '/');
    size_t dir_len = slash ? (size_t)(slash - index_path + 1) : 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, map) {
        if (!cJSON_IsString(e) || !plain_file_name(e->valuestring)) {
            st = grt_error(GRT_ERROR_FORMAT, "%s: weight_map '%s' is not a plain file name", index_path, e->string);
            goto fail;
        }
        size_t fl = strlen(e->valuestring);
        file = malloc(dir_len + fl + 1);
        if (!file) {
            st = grt_error(GRT_ERROR_OUT_OF_MEMORY, "%s: out of memory", index_path);
            goto fail;
        }
        memcpy(file, index_path, dir_len);
        memcpy(file + dir_len, e->valuestring, fl + 1);
        size_t f = first_file;
        while (f < set->n_files && strcmp(set->files[f].path, file)) f++;
        if (f == set->n_files) {
            st = grt_st_add_file(set, file);
            if (st != GRT_OK) goto fail;
        }
        const grt_st_tensor *t = grt_st_find(set, e->string);
        if (!t || t->file != f) {
            st = grt_error(GRT_ERROR_FORMAT, "%s: tensor '%s' is not in %s", index_path, e->string, file);
            goto fail;
        }
        free(file);
        file = NULL;
    }
    cJSON_Delete(root);
    free(text);
    return GRT_OK;
fail:
    /* Undo the files added by this call. */
    while (set->n_files > first_file) {
        set->n_files--;
        size_t keep = 0;
        for (size_t i = 0; i < set->n_tensors; i++) {
            if (set->tensors[i].file == set->n_files) free(set->tensors[i].name);
            else set->tensors[keep++] = set->tensors[i];
        }
        set->n_tensors = keep;
        free(set->files[set->n_files].path);
        grt_ir_blob_release(set->files[set->n_files].blob);
    }
    free(file);
    cJSON_Delete(root);
    free(text);
    return st;
}
