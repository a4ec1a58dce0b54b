/*
 * exec/tile.c - the CPU plan's weight-tiling pass (see tile.h).
 */
#include "tile.h"

#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/mman.h>
#include <unistd.h>
#endif

#include "../kernels/matmul/dq.h"
#include "util.h"

int cpu_tile_enabled(void)
{
    return cpu_env_enabled("GENRT_CPU_TILE_WEIGHTS");
}

/* Bits of a compressed constant the integer kernels take (0: none). */
static int dq_bits(const cpu_tensor *t)
{
    return t->comp == NULL || t->shape.rank != 2 ? 0 : cpu_dq_storage_bits(t->comp->storage_type);
}

/* Value v (input 1 of MatMul node) is a weight the pass tiles. */
static int wants_tiles(const cpu_plan *p, uint32_t node, uint32_t v)
{
    grt_attr_value tb;
    if (p->values[v].kind != CPU_VAL_CONST || p->consts[v].dq_tiled != NULL)
        return 0;
    const cpu_tensor *t = &p->consts[v];
    int bits = dq_bits(t);
    if (bits == 0 || !cpu_dq_tileable(bits, (size_t)t->shape.dims[1]))
        return 0;
    if (p->host->node_attr(p->g, node, "transpose_b", &tb) != GRT_OK || tb.type != GRT_ATTR_INT ||
        tb.u.i == 0)
        return 0;
    return 1;
}

/* The plan no longer reads the graph's copy of a tiled weight: its whole pages are advised
 * MADV_PAGEOUT, so file-backed ones (a mapped model file) leave memory now and are read again
 * only if another path touches them; anonymous ones stay (or go to swap). A hint: never fails. */
static void release_pages(const void *data, size_t bytes)
{
#if defined(__linux__) && defined(MADV_PAGEOUT)
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    uintptr_t a = ((uintptr_t)data + pg - 1) / pg * pg, e = ((uintptr_t)data + bytes) / pg * pg;
    if (e > a)
        madvise((void *)a, e - a, MADV_PAGEOUT);
#else
    (void)data;
    (void)bytes;
#endif
}

static const char *wname(const cpu_plan *p, uint32_t v)
{
    const char *n = p->nodes[p->values[v].producer].name;
    return n ? n : "?";
}

grt_status cpu_plan_tile_weights(cpu_plan *p, size_t *bytes)
{
    size_t total = 0;
    if (bytes)
        *bytes = 0;
    if (p->cfg.dq_group_size <= 0 || !cpu_tile_enabled())
        return GRT_OK;
    cpu_pool *pool = cpu_streams_pool(p->streams, 0);
    for (uint32_t i = 0; i < p->n_nodes; i++) {
        const cpu_node_plan *np = &p->nodes[i];
        if (np->op != GRT_OP_MATMUL || np->fn == NULL || np->n_in < 2)
            continue; /* input 1: the weight (the sibling inputs of a fused node are tiled at
                       * their own, skipped nodes) */
        uint32_t v = p->in_vals[np->in_first + 1];
        if (!wants_tiles(p, i, v))
            continue;
        cpu_tensor *t = &p->consts[v];
        size_t N = (size_t)t->shape.dims[0], K = (size_t)t->shape.dims[1];
        cpu_dq_w w;
        if (!cpu_dq_weight(t->data, t->comp, N, K, &w))
            continue; /* the integer kernels do not take it: nothing reads a copy */
        uint8_t *copy = cpu_dq_tiled_new(&w, pool);
        if (copy == NULL)
            return cpu_host_error(p->host, GRT_ERROR_OUT_OF_MEMORY,
                                  "CPU: out of memory tiling weight '%s' (%zu x %zu)", wname(p, v),
                                  N, K);
        t->dq_tiled = copy;
        release_pages(t->data, N * cpu_dq_row_bytes(&w)); /* scales and zero points stay in use */
        total += N * cpu_dq_row_bytes(&w) + cpu_dq_tparams_bytes(&w);
    }
    if (bytes)
        *bytes = total;
    return GRT_OK;
}

void cpu_plan_untile_weights(cpu_plan *p)
{
    for (uint32_t v = 0; p->consts && v < p->n_values; v++) {
        cpu_dq_tiled_free((uint8_t *)(uintptr_t)p->consts[v].dq_tiled);
        p->consts[v].dq_tiled = NULL;
    }
}
