/*
 * ir/serialize_write.c - grt_model_save: writes a model as a GenRT IR v1 file
 * (docs/IR_FORMAT.md). The file is written to a temporary name in the same folder and renamed
 * over `path`, so saving over the file a model was mapped from is safe. Output is deterministic.
 * Thread-safety: reads the model only (safe with concurrent readers).
 */
#include <cjson/cJSON.h>
#include <errno.h>
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

static cJSON *json_shape(const grt_shape *s) {
    cJSON *a = cJSON_CreateArray();
    for (uint32_t i = 0; a && i < s->rank; i++)
        if (!grt_ir_json_put(a, NULL, grt_ir_json_int(s->dims[i]))) {
            cJSON_Delete(a);
            return NULL;
        }
    return a;
}

static cJSON *json_attr(const grt_attr_value *v) {
    cJSON *o = cJSON_CreateObject(), *a = NULL;
    if (!o) return NULL;
    switch (v->type) {
    case GRT_ATTR_INT:
        if (grt_ir_json_put(o, "int", grt_ir_json_int(v->u.i))) return o;
        break;
    case GRT_ATTR_FLOAT:
        if (grt_ir_json_put(o, "float", cJSON_CreateNumber(v->u.f))) return o;
        break;
    case GRT_ATTR_STRING:
        if (grt_ir_json_put(o, "string", cJSON_CreateString(v->u.s))) return o;
        break;
    case GRT_ATTR_INTS:
        if (!grt_ir_json_put(o, "ints", a = cJSON_CreateArray())) break;
        for (size_t i = 0; i < v->u.ints.count; i++)
            if (!grt_ir_json_put(a, NULL, grt_ir_json_int(v->u.ints.data[i]))) goto fail;
        return o;
    case GRT_ATTR_FLOATS:
        if (!grt_ir_json_put(o, "floats", a = cJSON_CreateArray())) break;
        for (size_t i = 0; i < v->u.floats.count; i++)
            if (!grt_ir_json_put(a, NULL, cJSON_CreateNumber(v->u.floats.data[i]))) goto fail;
        return o;
    default: break;
    }
fail:
    cJSON_Delete(o);
    return NULL;
}

/* Blob placement of one constant (data, scales, zero points). */
typedef struct placement {
    size_t data, scales, zp;
} placement;

static cJSON *json_node(const grt_ir_node *n, const placement *pl) {
    cJSON *o = cJSON_CreateObject(), *arr;
    if (!o || !grt_ir_json_put(o, "op", cJSON_CreateString(grt_ir_op_name(n->op))) ||
        !grt_ir_json_put(o, "name", cJSON_CreateString(n->name)))
        goto fail;
    if (n->n_inputs) {
        if (!grt_ir_json_put(o, "inputs", arr = cJSON_CreateArray())) goto fail;
        for (uint32_t i = 0; i < n->n_inputs; i++) {
            cJSON *p = cJSON_CreateArray();
            if (!grt_ir_json_put(arr, NULL, p) || !grt_ir_json_put(p, NULL, grt_ir_json_int(n->inputs[i].node)) ||
                !grt_ir_json_put(p, NULL, grt_ir_json_int(n->inputs[i].port)))
                goto fail;
        }
    }
    if (n->op == GRT_OP_PARAMETER || n->op == GRT_OP_CONSTANT) {
        cJSON *out = cJSON_CreateObject();
        if (!grt_ir_json_put(o, "output", out) ||
            !grt_ir_json_put(out, "type", cJSON_CreateString(grt_element_type_name(n->outputs[0].type))) ||
            !grt_ir_json_put(out, "shape", json_shape(&n->outputs[0].shape)))
            goto fail;
    }
    if (n->n_attrs) {
        if (!grt_ir_json_put(o, "attrs", arr = cJSON_CreateObject())) goto fail;
        for (uint32_t i = 0; i < n->n_attrs; i++)
            if (!grt_ir_json_put(arr, n->attrs[i].name, json_attr(&n->attrs[i].value))) goto fail;
    }
    if (n->cst) {
        const grt_compression_info *ci = &n->cst->comp;
        if (!grt_ir_json_put(o, "data", grt_ir_json_span(pl->data, n->cst->bytes))) goto fail;
        if (ci->kind != GRT_COMPRESSION_NONE) {
            cJSON *c = cJSON_CreateObject();
            if (!grt_ir_json_put(o, "compression", c) ||
                !grt_ir_json_put(c, "kind", cJSON_CreateString(ci->kind == GRT_COMPRESSION_SYM ? "sym" : "asym")) ||
                !grt_ir_json_put(c, "storage_type",
                                 cJSON_CreateString(grt_element_type_name((grt_element_type)ci->storage_type))) ||
                !grt_ir_json_put(c, "scale_type",
                                 cJSON_CreateString(grt_element_type_name((grt_element_type)ci->scale_type))) ||
                !grt_ir_json_put(c, "group_size", grt_ir_json_int(ci->group_size)) ||
                !grt_ir_json_put(c, "scales", grt_ir_json_span(pl->scales, ci->scales_bytes)))
                goto fail;
            if (ci->kind == GRT_COMPRESSION_ASYM &&
                (!grt_ir_json_put(c, "zero_points", grt_ir_json_span(pl->zp, ci->zero_points_bytes)) ||
                 !grt_ir_json_put(c, "zero_point_type",
                      cJSON_CreateString(grt_element_type_name((grt_element_type)(
                          ci->zero_point_type ? ci->zero_point_type : ci->storage_type))))))
                goto fail;
        }
    }
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

GRT_EXPORT grt_status grt_model_save(const grt_model *model, const char *path) {
    grt_status st;
    placement *pl = NULL;
    size_t *moffs = NULL; /* metadata blob parts, 2 per entry */
    cJSON *root = NULL, *nodes;
    char *json = NULL, *tmp = NULL;
    FILE *f = NULL;
    int fd = -1;
    if (!model || !path) return grt_error(GRT_ERROR_INVALID_ARGUMENT, "grt_model_save: NULL argument");
    const grt_ir_graph *g = &model->g;
    if ((st = grt_ir_graph_validate(g)) != GRT_OK) return grt_error_wrap(st, "%s: cannot save", path);
    pl = calloc(g->n_nodes ? g->n_nodes : 1, sizeof *pl);
    if (!pl) goto oom;
    size_t cur = 0;
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        const grt_ir_const *c = g->nodes[i].cst;
        if (!c) continue;
        pl[i].data = cur;
        cur = grt_ir_align_up(cur + c->bytes);
        if (c->comp.kind != GRT_COMPRESSION_NONE) {
            pl[i].scales = cur;
            cur = grt_ir_align_up(cur + c->comp.scales_bytes);
            pl[i].zp = cur;
            cur = grt_ir_align_up(cur + c->comp.zero_points_bytes);
        }
    }
    if (model->meta.count) { /* metadata arrays and binary strings follow the constants */
        if (!(moffs = calloc(2 * model->meta.count, sizeof *moffs))) goto oom;
        if ((st = grt_ir_meta_layout(&model->meta, cur, moffs, &cur)) != GRT_OK) goto done;
    }
    size_t blob_size = cur;
    root = cJSON_CreateObject();
    if (!root || !grt_ir_json_put(root, "format", cJSON_CreateString(GRT_IR_FORMAT_NAME)) ||
        !grt_ir_json_put(root, "version", grt_ir_json_int(GRT_IR_FORMAT_VERSION)) ||
        !grt_ir_json_put(root, "name", cJSON_CreateString(g->name)) ||
        !grt_ir_json_put(root, "nodes", nodes = cJSON_CreateArray()))
        goto oom;
    for (uint32_t i = 0; i < g->n_nodes; i++)
        if (!grt_ir_json_put(nodes, NULL, json_node(&g->nodes[i], &pl[i]))) goto oom;
    if (model->meta.count && !grt_ir_json_put(root, "metadata", grt_ir_meta_to_json(&model->meta, moffs))) goto oom;
    json = cJSON_PrintUnformatted(root);
    if (!json) goto oom;
    size_t json_size = strlen(json);
    size_t blob_offset = grt_ir_align_up(GRT_IR_HEADER_SIZE + json_size);

    uint8_t hdr[GRT_IR_HEADER_SIZE] = {0};
    memcpy(hdr, GRT_IR_MAGIC, GRT_IR_MAGIC_SIZE);
    grt_ir_put_u32(hdr + 8, GRT_IR_FORMAT_VERSION);
    grt_ir_put_u32(hdr + 12, GRT_IR_FLAG_CHECKSUM);
    grt_ir_put_u64(hdr + 16, GRT_IR_HEADER_SIZE);
    grt_ir_put_u64(hdr + 24, json_size);
    grt_ir_put_u64(hdr + 32, blob_offset);
    grt_ir_put_u64(hdr + 40, blob_size);
    grt_ir_put_u64(hdr + 48, grt_ir_fnv1a64(json, json_size));

    size_t plen = strlen(path);
    tmp = malloc(plen + 16);
    if (!tmp) goto oom;
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp.XXXXXX", 12);
    fd = mkstemp(tmp);
    if (fd < 0) {
        st = grt_error(GRT_ERROR_IO, "%s: cannot create file (%s)", path, strerror(errno));
        free(tmp);
        tmp = NULL;
        goto done;
    }
    if (fchmod(fd, 0644) != 0) goto io;
    f = fdopen(fd, "wb");
    if (!f) goto io;
    fd = -1;
    if (!grt_ir_write_all(f, hdr, sizeof hdr) || !grt_ir_write_all(f, json, json_size) ||
        !grt_ir_write_zeros(f, blob_offset - GRT_IR_HEADER_SIZE - json_size))
        goto io;
    size_t pos = 0; /* position inside the blob */
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        const grt_ir_const *c = g->nodes[i].cst;
        if (!c) continue;
        const void *parts[3] = {c->data, c->comp.scales, c->comp.zero_points};
        size_t offs[3] = {pl[i].data, pl[i].scales, pl[i].zp};
        size_t lens[3] = {c->bytes, c->comp.scales_bytes, c->comp.zero_points_bytes};
        int nparts = c->comp.kind == GRT_COMPRESSION_NONE ? 1 : 3;
        for (int k = 0; k < nparts; k++) {
            if (!grt_ir_write_zeros(f, offs[k] - pos) || !grt_ir_write_all(f, parts[k], lens[k])) goto io;
            pos = offs[k] + lens[k];
        }
    }
    if (model->meta.count && !grt_ir_meta_write_blob(&model->meta, moffs, f, &pos)) goto io;
    if (!grt_ir_write_zeros(f, blob_size - pos)) goto io;
    if (fflush(f) != 0 || ferror(f)) goto io;
    if (fclose(f) != 0) {
        f = NULL;
        goto io;
    }
    f = NULL;
    if (rename(tmp, path) != 0) goto io;
    free(tmp);
    tmp = NULL;
    st = GRT_OK;
    goto done;
io:
    st = grt_error(GRT_ERROR_IO, "%s: write failed (%s)", path, strerror(errno));
    goto done;
oom:
    st = grt_error(GRT_ERROR_OUT_OF_MEMORY, "%s: out of memory while saving", path);
done:
    if (f) fclose(f);
    if (fd >= 0) close(fd);
    if (tmp) {
        unlink(tmp);
        free(tmp);
    }
    cJSON_free(json);
    cJSON_Delete(root);
    free(pl);
    free(moffs);
    return st;
}
