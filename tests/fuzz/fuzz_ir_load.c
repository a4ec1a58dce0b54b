/*
 * fuzz_ir_load.c - fuzz target of the GenRT IR loader: the input bytes become a file (memfd)
 * that grt_model_read loads; a model that loads is inspected, snapshotted, walked through the
 * host API accessors (including infer_shapes with its own shapes), saved and read back (the
 * copy must have the same structure), then reshaped with its dynamic input dims set to 3. The JSON checksum of an input whose header is intact is
 * recomputed first so that mutations reach the JSON parser and the validator (the checksum check
 * itself is covered by tests/unit/ir). Any failure to load must be a clean status, never a crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <genrt/genrt.h>

#include "ir/graph_view.h"
#include "ir/serialize_format.h"

#define HARNESS_BUG(msg)                                                                          \
    do {                                                                                          \
        fprintf(stderr, "fuzz_ir_load: %s\n", msg);                                               \
        abort();                                                                                  \
    } while (0)

static void walk_view(const grt_graph_view *v) {
    grt_host_api api;
    memset(&api, 0, sizeof api);
    grt_ir_fill_host_api(&api);
    uint32_t n = api.graph_node_count(v);
    grt_shape *in = NULL;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t ni = api.node_input_count(v, i), no = api.node_output_count(v, i);
        grt_shape outs[4];
        grt_shape *tmp = realloc(in, (ni ? ni : 1) * sizeof *in);
        if (!tmp) break;
        in = tmp;
        for (uint32_t k = 0; k < ni; k++) {
            grt_port p;
            if (api.node_input(v, i, k, &p) != GRT_OK || p.node >= i) HARNESS_BUG("bad input port");
            if (api.node_output_type(v, p.node, p.port, NULL, &in[k]) != GRT_OK) HARNESS_BUG("bad producer");
        }
        if (api.infer_shapes(v, i, in, outs) != GRT_OK) HARNESS_BUG("infer_shapes failed on a loaded graph");
        for (uint32_t k = 0; k < no; k++) {
            grt_shape s;
            grt_element_type t;
            if (api.node_output_type(v, i, k, &t, &s) != GRT_OK || memcmp(&s, &outs[k], sizeof s) != 0)
                HARNESS_BUG("infer_shapes disagrees with the stored shape");
        }
        const void *data;
        size_t bytes;
        if (api.node_op(v, i) == GRT_OP_CONSTANT) {
            if (api.const_data(v, i, &data, &bytes) != GRT_OK || ((uintptr_t)data % 64) != 0) HARNESS_BUG("const data");
            volatile uint8_t sink = 0;
            for (size_t b = 0; b < bytes; b += 4096) sink ^= ((const uint8_t *)data)[b];
            if (bytes) sink ^= ((const uint8_t *)data)[bytes - 1];
            (void)sink;
        }
    }
    free(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint8_t *copy = malloc(size ? size : 1);
    char path[64], saved[64];
    grt_model *m = NULL, *m2 = NULL;
    if (!copy) return 0;
    if (size) memcpy(copy, data, size);
    if (size >= GRT_IR_HEADER_SIZE && memcmp(copy, GRT_IR_MAGIC, GRT_IR_MAGIC_SIZE) == 0) {
        uint64_t off = grt_ir_get_u64(copy + 16), len = grt_ir_get_u64(copy + 24);
        if (off <= size && len <= size - off) grt_ir_put_u64(copy + 48, grt_ir_fnv1a64(copy + off, (size_t)len));
    }
    int fd = memfd_create("fuzz_ir", MFD_CLOEXEC);
    if (fd < 0) goto done;
    if (size && write(fd, copy, size) != (ssize_t)size) goto done;
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    if (grt_model_read(NULL, path, &m) != GRT_OK) goto done;
    if (grt_model_input_count(m) + grt_model_output_count(m) > grt_model_node_count(m)) HARNESS_BUG("io counts");
    for (size_t i = 0; i < grt_model_output_count(m); i++) {
        const char *name;
        size_t idx;
        if (grt_model_output(m, i, &name, NULL, NULL) != GRT_OK || grt_model_output_index(m, name, &idx) != GRT_OK ||
            idx != i)
            HARNESS_BUG("output lookup");
    }
    const grt_graph_view *v = NULL;
    if (grt_ir_snapshot(m, &v) != GRT_OK) HARNESS_BUG("snapshot of a loaded model failed");
    walk_view(v);
    grt_ir_view_release(v);
    snprintf(saved, sizeof saved, "/tmp/genrt_fuzz_ir_%d.bin", (int)getpid());
    if (grt_model_save(m, saved) != GRT_OK) HARNESS_BUG("save of a loaded model failed");
    if (grt_model_read(NULL, saved, &m2) != GRT_OK) HARNESS_BUG("saved model does not load");
    if (grt_model_node_count(m2) != grt_model_node_count(m) || grt_model_input_count(m2) != grt_model_input_count(m))
        HARNESS_BUG("round trip changed the graph");
    unlink(saved);
    /* Reshape every dynamic input dim to 3 (any status; on success the model stays valid). */
    size_t n_in = grt_model_input_count(m);
    if (n_in && n_in <= 64) {
        const char *names[64];
        grt_shape shapes[64];
        for (size_t i = 0; i < n_in; i++) {
            if (grt_model_input(m, i, &names[i], NULL, &shapes[i]) != GRT_OK) HARNESS_BUG("input");
            for (uint32_t d = 0; d < shapes[i].rank; d++)
                if (shapes[i].dims[d] < 0) shapes[i].dims[d] = 3;
        }
        size_t before = grt_model_node_count(m);
        grt_status st = grt_model_reshape(m, n_in, names, shapes);
        if (st != GRT_OK && st != GRT_ERROR_SHAPE) HARNESS_BUG("reshape status");
        if (st == GRT_OK) {
            if (grt_ir_snapshot(m, &v) != GRT_OK) HARNESS_BUG("snapshot after reshape failed");
            walk_view(v);
            grt_ir_view_release(v);
        }
        if (grt_model_node_count(m) != before) HARNESS_BUG("reshape changed the node count");
    }
done:
    grt_model_destroy(m2);
    grt_model_destroy(m);
    if (fd >= 0) close(fd);
    free(copy);
    return 0;
}
