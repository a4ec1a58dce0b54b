/*
 * exec/fold.c - compile-time folding of Converts of Constants (see fold.h).
 */
#include "fold.h"

#include <stdlib.h>

#include "../kernels/kutil.h"
#include "util.h"

/* Node i is a Convert of an uncompressed Constant small enough to fold; *bytes: its output. */
static int foldable(const cpu_plan *p, uint32_t i, size_t *bytes)
{
    const cpu_node_plan *np = &p->nodes[i];
    if (np->op != GRT_OP_CONVERT || np->fn == NULL || np->n_in != 1 || np->n_out != 1 ||
        np->var >= 0)
        return 0;
    uint32_t vi = p->in_vals[np->in_first];
    const cpu_tensor *src = &p->consts[vi];
    size_t es = cpu_elem_size(p->values[np->out_first].type);
    if (p->values[vi].kind != CPU_VAL_CONST || es == 0 || cpu_tensor_is_strided(src) ||
        (src->comp != NULL && src->comp->kind != GRT_COMPRESSION_NONE) ||
        (src->data == NULL && cpu_numel(&src->shape) > 0))
        return 0;
    *bytes = cpu_numel(&src->shape) * es;
    return *bytes <= CPU_FOLD_MAX_BYTES;
}

grt_status cpu_fold_plan(cpu_plan *p)
{
    if (!cpu_env_enabled("GENRT_CPU_FOLD"))
        return GRT_OK;
    for (uint32_t i = 0; i < p->n_nodes; i++) {
        size_t bytes = 0;
        if (!foldable(p, i, &bytes))
            continue;
        cpu_node_plan *np = &p->nodes[i];
        uint32_t vo = np->out_first;
        void **list = realloc(p->folded, sizeof(*list) * (p->n_folded + 1));
        void *buf = malloc(bytes ? bytes : 1);
        if (list != NULL)
            p->folded = list;
        if (list == NULL || buf == NULL) {
            free(buf);
            return cpu_host_error(p->host, GRT_ERROR_OUT_OF_MEMORY,
                                  "CPU: out of memory folding node '%s'", np->name ? np->name : "?");
        }
        cpu_tensor out = {0};
        out.type = p->values[vo].type;
        out.shape = p->consts[p->in_vals[np->in_first]].shape;
        out.data = buf;
        out.bytes = bytes;
        cpu_kernel_ctx ctx = {p->host, p->g, i, NULL, p->cfg.dq_group_size, 0};
        if (np->fn(&ctx, &p->consts[p->in_vals[np->in_first]], 1, &out, 1) != GRT_OK) {
            free(buf); /* left to run (and fail the same way) at infer */
            continue;
        }
        p->folded[p->n_folded++] = buf;
        np->op = GRT_OP_CONSTANT; /* the request skips it; liveness sees no inputs */
        np->fn = NULL;
        np->n_in = 0;
        p->values[vo].kind = CPU_VAL_CONST;
        p->consts[vo] = out;
    }
    return GRT_OK;
}

void cpu_fold_free(cpu_plan *p)
{
    for (uint32_t i = 0; i < p->n_folded; i++)
        free(p->folded[i]);
    free(p->folded);
    p->folded = NULL;
    p->n_folded = 0;
}

uint32_t cpu_fold_count(const cpu_plan *p)
{
    return p->n_folded;
}
