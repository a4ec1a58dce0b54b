/*
 * ir/serialize_read.c - loads a GenRT IR v1 file (docs/IR_FORMAT.md). The whole file is mapped
 * read-only; constants point into the mapping (no copy), which lives while any model or view
 * holds one of its constants. Every offset, size, count, type, rank, dim and index read from the
 * file is validated with overflow-safe arithmetic; nodes go through the same validated builder
 * path as the public API (inputs must name earlier nodes; shape inference is re-run).
 * A truncated, corrupt or hostile file gives GRT_ERROR_FORMAT "PATH: what is wrong".
 * Thread-safety: no shared state; safe to call from several threads.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ir/graph.h"
#include "ir/opset.h"
#include "ir/serialize_format.h"
#include "ir/serialize_meta.h"
#include "ir/serialize_util.h"
#include "util/error.h"

#define MAX_JSON_ATTRS 64

typedef struct loader {
    const char *path;
    grt_ir_graph *g;
    grt_ir_blob *map;      /* the whole file */
    int fd;                /* the open file (grt_ir_blob_file_back) */
    const uint8_t *blob;   /* weight blob inside the mapping */
    uint64_t blob_size;
    uint32_t node;         /* node being loaded, for messages */
} loader;

static grt_status ferr(const loader *L, const char *fmt, ...) GRT_PRINTF(2, 3);
static grt_status ferr(const loader *L, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return grt_error(GRT_ERROR_FORMAT, "%s: %s", L->path, msg);
}

static const char *str_item(const cJSON *o, const char *key) {
    const cJSON *s = grt_ir_json_item(o, key);
    return cJSON_IsString(s) ? s->valuestring : NULL;
}

static size_t arr_size(const cJSON *a) {
    size_t n = 0;
    for (const cJSON *c = a ? a->child : NULL; c; c = c->next) n++;
    return n;
}

static grt_status parse_type(loader *L, const cJSON *o, const char *key, grt_element_type *t) {
    const char *s = str_item(o, key);
    if (!s || grt_element_type_from_name(s, t) != GRT_OK)
        return ferr(L, "node %u: '%s' is not an element type name", L->node, key);
    return GRT_OK;
}

/* "output": {"type": "f32", "shape": [..]} of a Parameter / Constant. */
static grt_status parse_output(loader *L, const cJSON *jn, grt_element_type *type, grt_shape *shape) {
    const cJSON *o = grt_ir_json_item(jn, "output"), *sh;
    grt_status st;
    if (!cJSON_IsObject(o)) return ferr(L, "node %u: missing 'output' object", L->node);
    if ((st = parse_type(L, o, "type", type)) != GRT_OK) return st;
    sh = grt_ir_json_item(o, "shape");
    if (!cJSON_IsArray(sh)) return ferr(L, "node %u: output 'shape' must be an array", L->node);
    size_t rank = arr_size(sh);
    if (rank > GRT_MAX_RANK) return ferr(L, "node %u: rank %zu exceeds %d", L->node, rank, GRT_MAX_RANK);
    memset(shape, 0, sizeof *shape);
    shape->rank = (uint32_t)rank;
    size_t i = 0;
    for (const cJSON *d = sh->child; d; d = d->next, i++)
        if (!grt_ir_json_i64(d, &shape->dims[i]) || shape->dims[i] < GRT_DYNAMIC)
            return ferr(L, "node %u: bad dim at axis %zu", L->node, i);
    return GRT_OK;
}

/* {"offset": o, "bytes": n} inside the weight blob -> pointer. */
static grt_status parse_span(loader *L, const cJSON *o, const char *what, const void **p, size_t *bytes) {
    int64_t off = 0, n = 0;
    grt_ir_span_result r = grt_ir_json_span_get(o, L->blob_size, &off, &n);
    if (r == GRT_IR_SPAN_MALFORMED) return ferr(L, "node %u: %s needs integer 'offset' and 'bytes' >= 0", L->node, what);
    if (r == GRT_IR_SPAN_OUTSIDE)
        return ferr(L, "node %u: %s [%lld, +%lld) lies outside the weight blob (%llu bytes)", L->node, what, (long long)off,
                    (long long)n, (unsigned long long)L->blob_size);
    *p = L->blob + off;
    *bytes = (size_t)n;
    return GRT_OK;
}

static grt_status parse_inputs(loader *L, const cJSON *jn, grt_port **out, size_t *n_out) {
    const cJSON *a = grt_ir_json_item(jn, "inputs");
    *out = NULL;
    *n_out = 0;
    if (!a) return GRT_OK;
    if (!cJSON_IsArray(a)) return ferr(L, "node %u: 'inputs' must be an array", L->node);
    size_t n = arr_size(a);
    if (n == 0) return GRT_OK;
    if (n > GRT_IR_MAX_INPUTS) return ferr(L, "node %u: %zu inputs exceed %u", L->node, n, GRT_IR_MAX_INPUTS);
    grt_port *p = calloc(n, sizeof *p);
    if (!p) return grt_error(GRT_ERROR_OUT_OF_MEMORY, "%s: out of memory", L->path);
    size_t i = 0;
    for (const cJSON *c = a->child; c; c = c->next, i++) {
        int64_t nd, pt;
        if (!cJSON_IsArray(c) || arr_size(c) != 2 || !grt_ir_json_i64(c->child, &nd) ||
            !grt_ir_json_i64(c->child->next, &pt) || nd < 0 || pt < 0 || nd >= (int64_t)L->node ||
            pt >= GRT_IR_MAX_OUTPUTS) {
            free(p);
            return ferr(L, "node %u: input %zu must be [earlier node, port]", L->node, i);
        }
        p[i] = (grt_port){(uint32_t)nd, (uint32_t)pt};
    }
    *out = p;
    *n_out = n;
    return GRT_OK;
}

static void free_attrs(grt_attribute *a, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (a[i].value.type == GRT_ATTR_INTS) free((void *)a[i].value.u.ints.data);
        if (a[i].value.type == GRT_ATTR_FLOATS) free((void *)a[i].value.u.floats.data);
    }
    free(a);
}

/* One attribute {"int": 1} | {"float": 0.5} | {"string": "s"} | {"ints": [..]} | {"floats": [..]};
 * strings are borrowed from the JSON tree. */
static grt_status parse_attr(loader *L, const cJSON *j, grt_attribute *a) {
    const cJSON *v = cJSON_IsObject(j) ? j->child : NULL;
    a->name = j->string;
    if (!v || v->next || !v->string) return ferr(L, "node %u: attribute '%s' must be an object with one typed value", L->node, j->string);
    if (!strcmp(v->string, "int")) {
        a->value.type = GRT_ATTR_INT;
        if (grt_ir_json_i64(v, &a->value.u.i)) return GRT_OK;
    } else if (!strcmp(v->string, "float")) {
        a->value.type = GRT_ATTR_FLOAT;
        a->value.u.f = v->valuedouble;
        if (cJSON_IsNumber(v) && isfinite(v->valuedouble)) return GRT_OK;
    } else if (!strcmp(v->string, "string")) {
        a->value.type = GRT_ATTR_STRING;
        a->value.u.s = v->valuestring;
        if (cJSON_IsString(v) && v->valuestring) return GRT_OK;
    } else if (!strcmp(v->string, "ints") || !strcmp(v->string, "floats")) {
        int ints = v->string[0] == 'i';
        size_t n = arr_size(v), i = 0;
        if (!cJSON_IsArray(v) || n > GRT_IR_MAX_ATTR_LIST) goto bad;
        void *data = malloc((n ? n : 1) * 8);
        if (!data) return grt_error(GRT_ERROR_OUT_OF_MEMORY, "%s: out of memory", L->path);
        a->value.type = ints ? GRT_ATTR_INTS : GRT_ATTR_FLOATS;
        a->value.u.ints.data = data; /* same layout for floats; freed by free_attrs */
        a->value.u.ints.count = n;
        for (const cJSON *c = v->child; c; c = c->next, i++) {
            if (ints ? !grt_ir_json_i64(c, &((int64_t *)data)[i]) : !(cJSON_IsNumber(c) && isfinite(c->valuedouble)))
                goto bad;
            if (!ints) ((double *)data)[i] = c->valuedouble;
        }
        return GRT_OK;
    }
bad:
    return ferr(L, "node %u: attribute '%s' has a bad value", L->node, j->string);
}

static grt_status parse_attrs(loader *L, const cJSON *jn, grt_attribute **out, size_t *n_out) {
    const cJSON *o = grt_ir_json_item(jn, "attrs");
    grt_status st;
    *out = NULL;
    *n_out = 0;
    if (!o) return GRT_OK;
    if (!cJSON_IsObject(o)) return ferr(L, "node %u: 'attrs' must be an object", L->node);
    size_t n = arr_size(o);
    if (n > MAX_JSON_ATTRS) return ferr(L, "node %u: too many attributes (%zu)", L->node, n);
    if (n == 0) return GRT_OK;
    grt_attribute *a = calloc(n, sizeof *a);
    if (!a) return grt_error(GRT_ERROR_OUT_OF_MEMORY, "%s: out of memory", L->path);
    size_t i = 0;
    for (const cJSON *c = o->child; c; c = c->next, i++) {
        if ((st = parse_attr(L, c, &a[i])) != GRT_OK) {
            free_attrs(a, n);
            return st;
        }
    }
    *out = a;
    *n_out = n;
    return GRT_OK;
}

static grt_status parse_compression(loader *L, const cJSON *c, grt_compression_info *ci) {
    grt_status st;
    grt_element_type t;
    const char *kind = str_item(c, "kind");
    memset(ci, 0, sizeof *ci);
    ci->struct_size = sizeof *ci;
    if (!cJSON_IsObject(c)) return ferr(L, "node %u: 'compression' must be an object", L->node);
    if (kind && !strcmp(kind, "sym")) ci->kind = GRT_COMPRESSION_SYM;
    else if (kind && !strcmp(kind, "asym")) ci->kind = GRT_COMPRESSION_ASYM;
    else return ferr(L, "node %u: compression kind must be \"sym\" or \"asym\"", L->node);
    if ((st = parse_type(L, c, "storage_type", &t)) != GRT_OK) return st;
    ci->storage_type = t;
    if ((st = parse_type(L, c, "scale_type", &t)) != GRT_OK) return st;
    ci->scale_type = t;
    if (!grt_ir_json_i64(grt_ir_json_item(c, "group_size"), &ci->group_size))
        return ferr(L, "node %u: bad compression group_size", L->node);
    if ((st = parse_span(L, grt_ir_json_item(c, "scales"), "scales", &ci->scales, &ci->scales_bytes)) != GRT_OK) return st;
    if (ci->kind == GRT_COMPRESSION_ASYM && (st = parse_span(L, grt_ir_json_item(c, "zero_points"), "zero_points",
                                                             &ci->zero_points, &ci->zero_points_bytes)) != GRT_OK)
        return st;
    /* zero_point_type (asym only): absent in older files = the storage type. */
    ci->zero_point_type = ci->kind == GRT_COMPRESSION_ASYM ? ci->storage_type : GRT_UNDEFINED;
    if (ci->kind == GRT_COMPRESSION_ASYM && grt_ir_json_item(c, "zero_point_type")) {
        if ((st = parse_type(L, c, "zero_point_type", &t)) != GRT_OK) return st;
        ci->zero_point_type = t;
    }
    return GRT_OK;
}

/* Turns a builder error (INVALID_ARGUMENT / SHAPE) into a FORMAT error naming the file. */
static grt_status wrap(loader *L, grt_status st) {
    if (st == GRT_OK || st == GRT_ERROR_OUT_OF_MEMORY) return st;
    return grt_error_wrap(GRT_ERROR_FORMAT, "%s: node %u", L->path, L->node);
}

static grt_status load_node(loader *L, const cJSON *jn) {
    grt_status st;
    grt_port *inputs = NULL;
    grt_attribute *attrs = NULL;
    size_t n_in = 0, n_attrs = 0;
    grt_element_type type;
    grt_shape shape;
    if (!cJSON_IsObject(jn)) return ferr(L, "node %u is not an object", L->node);
    const char *ops = str_item(jn, "op"), *name = str_item(jn, "name");
    if (!ops || !name) return ferr(L, "node %u: needs string 'op' and 'name'", L->node);
    grt_op_type op = grt_ir_op_from_name(ops);
    if (op == GRT_OP_UNKNOWN) return ferr(L, "node %u: unknown op '%.64s'", L->node, ops);
    if ((st = parse_inputs(L, jn, &inputs, &n_in)) != GRT_OK) return st;
    if ((st = parse_attrs(L, jn, &attrs, &n_attrs)) != GRT_OK) goto done;
    if (op == GRT_OP_PARAMETER || op == GRT_OP_CONSTANT) {
        if (n_in || n_attrs) {
            st = ferr(L, "node %u: %s takes no inputs or attributes", L->node, ops);
            goto done;
        }
        if ((st = parse_output(L, jn, &type, &shape)) != GRT_OK) goto done;
    }
    if (op == GRT_OP_PARAMETER) {
        st = wrap(L, grt_ir_graph_add_parameter(L->g, name, type, shape.rank, shape.dims, NULL));
    } else if (op == GRT_OP_CONSTANT) {
        const void *data = NULL;
        size_t bytes = 0;
        grt_compression_info ci;
        const cJSON *jc = grt_ir_json_item(jn, "compression");
        if ((st = parse_span(L, grt_ir_json_item(jn, "data"), "data", &data, &bytes)) != GRT_OK) goto done;
        if (jc && (st = parse_compression(L, jc, &ci)) != GRT_OK) goto done;
        /* int8/int4 weights: the CPU plugin keeps its own tiled copy (plugins/cpu/exec/tile.h) and
         * releases these pages, which must be file-backed for that (weights.h) */
        if (jc && (ci.storage_type == GRT_I8 || ci.storage_type == GRT_U8 || ci.storage_type == GRT_I4 ||
                   ci.storage_type == GRT_U4))
            grt_ir_blob_file_back(L->map, L->fd, data, bytes);
        st = wrap(L, grt_ir_graph_add_constant(L->g, name, type, shape.rank, shape.dims, L->map, data, bytes,
                                               jc ? &ci : NULL, NULL));
    } else if (op == GRT_OP_RESULT) {
        if (n_in != 1 || n_attrs) {
            st = ferr(L, "node %u: Result needs exactly one input and no attributes", L->node);
            goto done;
        }
        st = wrap(L, grt_ir_graph_add_result(L->g, name, inputs[0], NULL));
    } else {
        st = wrap(L, grt_ir_graph_add_node(L->g, op, name, n_in, inputs, n_attrs, attrs, NULL));
    }
done:
    free(inputs);
    free_attrs(attrs, n_attrs);
    return st;
}

static grt_status parse_header(loader *L, const uint8_t *p, uint64_t file_size, grt_ir_header *h) {
    h->version = grt_ir_get_u32(p + 8);
    h->flags = grt_ir_get_u32(p + 12);
    h->json_offset = grt_ir_get_u64(p + 16);
    h->json_size = grt_ir_get_u64(p + 24);
    h->blob_offset = grt_ir_get_u64(p + 32);
    h->blob_size = grt_ir_get_u64(p + 40);
    h->checksum = grt_ir_get_u64(p + 48);
    h->reserved = grt_ir_get_u64(p + 56);
    if (memcmp(p, GRT_IR_MAGIC, GRT_IR_MAGIC_SIZE) != 0) return ferr(L, "bad magic");
    if (h->version == 0) return ferr(L, "bad format version 0");
    if (h->version > GRT_IR_FORMAT_VERSION)
        return grt_error(GRT_ERROR_NOT_SUPPORTED, "%s: IR format version %u is newer than supported version %u", L->path,
                         h->version, GRT_IR_FORMAT_VERSION);
    if (h->flags & ~GRT_IR_KNOWN_FLAGS) return ferr(L, "unknown header flags 0x%x", h->flags);
    if (h->reserved != 0) return ferr(L, "reserved header field is not 0");
    if (h->json_offset < GRT_IR_HEADER_SIZE || h->json_size == 0 || h->json_offset > file_size ||
        h->json_size > file_size - h->json_offset)
        return ferr(L, "JSON section [%llu, +%llu) outside the file (%llu bytes; truncated?)",
                    (unsigned long long)h->json_offset, (unsigned long long)h->json_size, (unsigned long long)file_size);
    if (h->blob_offset < GRT_IR_HEADER_SIZE || h->blob_offset % GRT_IR_ALIGN)
        return ferr(L, "blob offset %llu is not a multiple of %d after the header", (unsigned long long)h->blob_offset,
                    GRT_IR_ALIGN);
    if (h->blob_offset > file_size || h->blob_size > file_size - h->blob_offset)
        return ferr(L, "weight blob [%llu, +%llu) outside the file (%llu bytes; truncated?)",
                    (unsigned long long)h->blob_offset, (unsigned long long)h->blob_size, (unsigned long long)file_size);
    if (h->blob_size && h->json_offset < h->blob_offset + h->blob_size && h->blob_offset < h->json_offset + h->json_size)
        return ferr(L, "JSON and blob sections overlap");
    return GRT_OK;
}

static grt_status parse_root(loader *L, const cJSON *root, uint32_t version) {
    int64_t v;
    grt_status st;
    if (!cJSON_IsObject(root)) return ferr(L, "JSON graph is not an object");
    const char *fmt = str_item(root, "format"), *name = str_item(root, "name");
    const cJSON *nodes = grt_ir_json_item(root, "nodes");
    if (!fmt || strcmp(fmt, GRT_IR_FORMAT_NAME)) return ferr(L, "JSON 'format' is not \"%s\"", GRT_IR_FORMAT_NAME);
    if (!grt_ir_json_i64(grt_ir_json_item(root, "version"), &v) || v != (int64_t)version)
        return ferr(L, "JSON 'version' differs from header version %u", version);
    if (!cJSON_IsArray(nodes)) return ferr(L, "JSON 'nodes' must be an array");
    if ((st = grt_ir_graph_init(L->g, name)) != GRT_OK) return st;
    L->node = 0;
    for (const cJSON *jn = nodes->child; jn; jn = jn->next, L->node++) {
        if (L->node == UINT32_MAX) return ferr(L, "too many nodes");
        if ((st = load_node(L, jn)) != GRT_OK) return st;
    }
    if ((st = grt_ir_graph_validate(L->g)) != GRT_OK) return grt_error_wrap(GRT_ERROR_FORMAT, "%s", L->path);
    return GRT_OK;
}

/* The optional "metadata" section (absent in files written before it existed). */
static grt_status parse_metadata(loader *L, const cJSON *root, grt_model *m) {
    const cJSON *md = grt_ir_json_item(root, "metadata");
    return md ? grt_ir_meta_from_json(L->path, md, L->blob, L->blob_size, &m->meta) : GRT_OK;
}

grt_status grt_ir_load(const char *path, grt_model **out) {
    grt_status st;
    grt_ir_header h;
    cJSON *root = NULL;
    grt_model *m = NULL;
    struct stat sb;
    loader L = {.path = path, .fd = -1};
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return grt_error(errno == ENOENT ? GRT_ERROR_NOT_FOUND : GRT_ERROR_IO, "%s: cannot open (%s)", path, strerror(errno));
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return grt_error(GRT_ERROR_IO, "%s: not a regular file", path);
    }
    if ((uint64_t)sb.st_size < GRT_IR_HEADER_SIZE) {
        close(fd);
        return grt_error(GRT_ERROR_FORMAT, "%s: truncated header (%lld of %u bytes)", path, (long long)sb.st_size,
                         GRT_IR_HEADER_SIZE);
    }
    st = grt_ir_blob_read(fd, (size_t)sb.st_size, path, &L.map);
    if (st != GRT_OK) {
        close(fd);
        return st;
    }
    L.fd = fd; /* open until the constants are made (grt_ir_blob_file_back) */
    const uint8_t *base = grt_ir_blob_data(L.map);
    uint64_t size = (uint64_t)sb.st_size;
    if ((st = parse_header(&L, base, size, &h)) != GRT_OK) goto done;
    const char *json = (const char *)base + h.json_offset;
    if ((h.flags & GRT_IR_FLAG_CHECKSUM) && grt_ir_fnv1a64(json, (size_t)h.json_size) != h.checksum) {
        st = ferr(&L, "JSON checksum mismatch (corrupted file)");
        goto done;
    }
    L.blob = base + h.blob_offset;
    L.blob_size = h.blob_size;
    const char *end = NULL;
    root = cJSON_ParseWithLengthOpts(json, (size_t)h.json_size, &end, 0);
    if (!root) {
        size_t at = (end && end >= json && end <= json + h.json_size) ? (size_t)(end - json) : 0;
        st = ferr(&L, "invalid JSON graph near byte %zu", at);
        goto done;
    }
    for (const char *p = end; p && p < json + h.json_size; p++) {
        if (*p != ' ' && *p != '\n' && *p != '\r' && *p != '\t' && *p != '\0') {
            st = ferr(&L, "trailing bytes after the JSON graph");
            goto done;
        }
    }
    m = calloc(1, sizeof *m);
    if (!m) {
        st = grt_error(GRT_ERROR_OUT_OF_MEMORY, "%s: out of memory", path);
        goto done;
    }
    L.g = &m->g;
    if ((st = parse_root(&L, root, h.version)) != GRT_OK) goto done;
    if ((st = parse_metadata(&L, root, m)) != GRT_OK) goto done;
    *out = m;
    m = NULL;
done:
    if (m) {
        grt_ir_graph_free(&m->g);
        grt_ir_meta_free(&m->meta);
        free(m);
    }
    cJSON_Delete(root);
    close(fd);
    grt_ir_blob_release(L.map); /* constants hold their own references */
    return st;
}
