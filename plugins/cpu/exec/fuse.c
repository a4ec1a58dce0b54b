/*
 * exec/fuse.c - the CPU plan's fusion pass (see fuse.h). Compile time only; allocates a use-count
 * table and the new input table, nothing per infer.
 */
#include "fuse.h"

#include <stdlib.h>
#include <string.h>

#include "../kernels/fused/fused.h"
#include "../kernels/kutil.h"
#include "../kernels/matmul/linear.h"
#include "util.h"

int cpu_fuse_enabled(void)
{
    return cpu_env_enabled("GENRT_CPU_FUSION");
}

#define FUSE_MAX_IN (2 * CPU_LINEAR_MAX_SIBLINGS) /* inputs of a fused node, at most */

typedef struct fuse_ctx {
    cpu_plan *p;
    uint32_t *uses;      /* [n_values] consumer inputs (any node, Result and Assign included) */
    uint32_t *first_use; /* [n_values] first consuming node, CPU_NO_USE if none */
} fuse_ctx;

static uint32_t in_val(const cpu_plan *p, uint32_t node, uint32_t k)
{
    return p->in_vals[p->nodes[node].in_first + k];
}

/* Static dims of a and b agree (dynamic dims are checked by the fused kernel per infer). */
static int same_pshape(const grt_shape *a, const grt_shape *b)
{
    if (a->rank != b->rank)
        return 0;
    for (uint32_t i = 0; i < a->rank; i++)
        if (a->dims[i] != b->dims[i] && a->dims[i] >= 0 && b->dims[i] >= 0)
            return 0;
    return 1;
}

/* Value v is an arena value computed by a single-output node running `fn`. */
static int produced_by(const cpu_plan *p, uint32_t v, cpu_kernel_fn fn)
{
    const cpu_value_info *vi = &p->values[v];
    const cpu_node_plan *np = &p->nodes[vi->producer];
    return vi->kind == CPU_VAL_ARENA && np->fn == fn && np->n_out == 1 && np->var < 0;
}

/* Node `node`, whose single output has no consumer left, becomes a no-op: the request skips
 * Constant nodes, liveness sees no inputs and no arena value (its output is an empty constant). */
static void remove_node(cpu_plan *p, uint32_t node)
{
    cpu_node_plan *np = &p->nodes[node];
    np->op = GRT_OP_CONSTANT;
    np->fn = NULL;
    np->n_in = 0;
    p->values[np->out_first].kind = CPU_VAL_CONST;
    memset(&p->consts[np->out_first], 0, sizeof(p->consts[0]));
}

/* Mul(SiLU(g), u) at Mul node m: returns 1 and rewrites the Mul's inputs to {g, u}. */
static int try_swiglu(fuse_ctx *f, uint32_t m)
{
    cpu_plan *p = f->p;
    cpu_node_plan *mn = &p->nodes[m];
    if (mn->fn != cpu_k_mul || mn->n_in != 2 || mn->n_out != 1)
        return 0;
    for (uint32_t k = 0; k < 2; k++) {
        uint32_t s = in_val(p, m, k), u = in_val(p, m, 1 - k);
        if (s == u || !produced_by(p, s, cpu_k_silu) || f->uses[s] != 1)
            continue;
        uint32_t sn = p->values[s].producer;
        uint32_t g = in_val(p, sn, 0);
        const cpu_value_info *gv = &p->values[g], *uv = &p->values[u];
        grt_element_type t = p->values[s].type;
        if (p->nodes[sn].n_in != 1 || !cpu_is_float(t) || gv->type != t || uv->type != t ||
            p->values[mn->out_first].type != t || !same_pshape(&gv->pshape, &uv->pshape) ||
            !same_pshape(&gv->pshape, &p->values[mn->out_first].pshape))
            continue;
        p->in_vals[mn->in_first] = g;
        p->in_vals[mn->in_first + 1] = u;
        mn->fn = cpu_k_fused_swiglu;
        remove_node(p, sn);
        f->uses[s] = 0;
        return 1;
    }
    return 0;
}

/* RMSNorm(Add(x, r), gamma) at RMSNorm node n: the new inputs {x, gamma, r, sum} into ins[4]. */
static int match_add_rmsnorm(const fuse_ctx *f, uint32_t n, uint32_t ins[4])
{
    const cpu_plan *p = f->p;
    const cpu_node_plan *nn = &p->nodes[n];
    if (nn->fn != cpu_k_rmsnorm || nn->n_in != 2 || nn->n_out != 1)
        return 0;
    uint32_t a = in_val(p, n, 0), gamma = in_val(p, n, 1);
    if (a == gamma || !produced_by(p, a, cpu_k_add) || f->first_use[a] != n)
        return 0;
    uint32_t an = p->values[a].producer;
    if (p->nodes[an].n_in != 2)
        return 0;
    uint32_t x = in_val(p, an, 0), r = in_val(p, an, 1);
    const cpu_value_info *av = &p->values[a], *xv = &p->values[x], *rv = &p->values[r];
    grt_element_type t = av->type;
    if (!cpu_is_float(t) || xv->type != t || rv->type != t || p->values[nn->out_first].type != t ||
        xv->kind == CPU_VAL_STATE || rv->kind == CPU_VAL_STATE ||
        !same_pshape(&xv->pshape, &av->pshape) || !same_pshape(&rv->pshape, &av->pshape))
        return 0;
    ins[0] = x, ins[1] = gamma, ins[2] = r, ins[3] = a;
    return 1;
}

/* Integer attribute `name` of node i (def when absent or not an integer). */
static int64_t node_int(const cpu_plan *p, uint32_t i, const char *name, int64_t def)
{
    grt_attr_value a;
    if (p->host->node_attr(p->g, i, name, &a) != GRT_OK || a.type != GRT_ATTR_INT)
        return def;
    return a.u.i;
}

/* Node i is a linear layer (MatMul(A, W^T), no transpose of A) of a constant compressed weight
 * that a sibling group may take; the fused kernel checks the rest per infer (and runs the
 * MatMuls unfused when they do not fit). */
static int linear_candidate(const cpu_plan *p, uint32_t i)
{
    const cpu_node_plan *np = &p->nodes[i];
    if (np->fn != cpu_k_matmul || np->n_in != 2 || np->n_out != 1 || np->var >= 0)
        return 0;
    uint32_t w = in_val(p, i, 1);
    const grt_compression_info *c = p->consts[w].comp;
    return p->values[w].kind == CPU_VAL_CONST && c != NULL && c->kind != GRT_COMPRESSION_NONE &&
           in_val(p, i, 0) != w && node_int(p, i, "transpose_b", 0) != 0 &&
           node_int(p, i, "transpose_a", 0) == 0;
}

/* Sibling MatMuls: the candidates from node i on that read the same A, with only Constant nodes
 * (nothing at infer) between them, at most CPU_LINEAR_MAX_SIBLINGS. Returns the node after the
 * group; for 2 or more the last member's new inputs {A, W, W_0, out_0, ...} go to ins and the
 * group's size to *k (kernels/fused/fused.h). No consumer of an earlier member's output runs
 * before the last member computes it: only Constants lie between them. */
static uint32_t match_linears(const fuse_ctx *f, uint32_t i, uint32_t *ins, uint32_t *k,
                              uint32_t *last)
{
    const cpu_plan *p = f->p;
    uint32_t mem[CPU_LINEAR_MAX_SIBLINGS], n = 0, j = i;
    *k = 0;
    if (!linear_candidate(p, i))
        return i + 1;
    uint32_t a = in_val(p, i, 0);
    for (; j < p->n_nodes && n < CPU_LINEAR_MAX_SIBLINGS; j++) {
        if (p->nodes[j].op == GRT_OP_CONSTANT)
            continue;
        if (!linear_candidate(p, j) || in_val(p, j, 0) != a)
            break;
        mem[n++] = j;
    }
    if (n < 2)
        return i + 1;
    *k = n;
    *last = mem[n - 1];
    ins[0] = a;
    ins[1] = in_val(p, *last, 1);
    for (uint32_t m = 0; m + 1 < n; m++) {
        ins[2 + 2 * m] = in_val(p, mem[m], 1);
        ins[3 + 2 * m] = p->nodes[mem[m]].out_first;
    }
    return *last + 1;
}

static grt_status count_uses(fuse_ctx *f)
{
    cpu_plan *p = f->p;
    f->uses = calloc(p->n_values ? p->n_values : 1, sizeof(*f->uses));
    f->first_use = malloc((p->n_values ? p->n_values : 1) * sizeof(*f->first_use));
    if (!f->uses || !f->first_use)
        return cpu_host_error(p->host, GRT_ERROR_OUT_OF_MEMORY, "CPU: out of memory fusing ops");
    for (uint32_t v = 0; v < p->n_values; v++)
        f->first_use[v] = CPU_NO_USE;
    for (uint32_t i = 0; i < p->n_nodes; i++)
        for (uint32_t k = 0; k < p->nodes[i].n_in; k++) {
            uint32_t v = in_val(p, i, k);
            f->uses[v]++;
            if (f->first_use[v] == CPU_NO_USE)
                f->first_use[v] = i;
        }
    return GRT_OK;
}

grt_status cpu_fuse_plan(cpu_plan *p)
{
    fuse_ctx f = {p, NULL, NULL};
    uint32_t *nv = NULL, *ins = NULL;
    uint8_t *hit = NULL;
    grt_status st = count_uses(&f);
    if (st != GRT_OK)
        goto done;
    /* Add+RMSNorm needs 4 inputs instead of 2 and sibling MatMuls 2 per MatMul: collect the
     * matches (hit[i]: the node's new input count, ins: the inputs), then rebuild in_vals. */
    ins = calloc(p->n_nodes ? p->n_nodes : 1, FUSE_MAX_IN * sizeof(*ins));
    hit = calloc(p->n_nodes ? p->n_nodes : 1, 1);
    if (!ins || !hit) {
        st = cpu_host_error(p->host, GRT_ERROR_OUT_OF_MEMORY, "CPU: out of memory fusing ops");
        goto done;
    }
    uint32_t total = 0;
    for (uint32_t i = 0; i < p->n_nodes; i++)
        if (match_add_rmsnorm(&f, i, &ins[FUSE_MAX_IN * (size_t)i]))
            hit[i] = 4;
    for (uint32_t i = 0; i < p->n_nodes;) {
        uint32_t li[FUSE_MAX_IN], k, last;
        i = match_linears(&f, i, li, &k, &last);
        if (k >= 2) { /* the group's last member takes the inputs */
            memcpy(&ins[FUSE_MAX_IN * (size_t)last], li, 2 * k * sizeof(*ins));
            hit[last] = (uint8_t)(2 * k);
        }
    }
    for (uint32_t i = 0; i < p->n_nodes; i++)
        total += hit[i] ? hit[i] : p->nodes[i].n_in;
    nv = malloc((total ? total : 1) * sizeof(*nv));
    if (!nv) {
        st = cpu_host_error(p->host, GRT_ERROR_OUT_OF_MEMORY, "CPU: out of memory fusing ops");
        goto done;
    }
    uint32_t off = 0;
    for (uint32_t i = 0; i < p->n_nodes; i++) {
        cpu_node_plan *np = &p->nodes[i];
        const uint32_t *ni = &ins[FUSE_MAX_IN * (size_t)i];
        if (hit[i] && np->fn == cpu_k_rmsnorm) { /* Add+RMSNorm */
            memcpy(&nv[off], ni, 4 * sizeof(*nv));
            p->nodes[p->values[ni[3]].producer].fn = cpu_k_fused_skip;
            np->fn = cpu_k_fused_add_rmsnorm;
            np->n_in = 4;
        } else if (hit[i]) { /* sibling MatMuls: the earlier ones only get output buffers */
            memcpy(&nv[off], ni, hit[i] * sizeof(*nv));
            for (uint32_t m = 3; m < hit[i]; m += 2)
                p->nodes[p->values[ni[m]].producer].fn = cpu_k_fused_skip;
            np->fn = cpu_k_fused_linears;
            np->n_in = hit[i];
        } else {
            memcpy(&nv[off], &p->in_vals[np->in_first], np->n_in * sizeof(*nv));
        }
        np->in_first = off;
        off += np->n_in;
        if (p->max_in < np->n_in)
            p->max_in = np->n_in;
    }
    free(p->in_vals);
    p->in_vals = nv;
    for (uint32_t i = 0; i < p->n_nodes; i++)
        try_swiglu(&f, i);
done:
    free(f.uses);
    free(f.first_use);
    free(ins);
    free(hit);
    return st;
}

void cpu_fuse_count(const cpu_plan *p, cpu_fuse_counts *out)
{
    memset(out, 0, sizeof(*out));
    for (uint32_t i = 0; i < p->n_nodes; i++) {
        out->swiglu += p->nodes[i].fn == cpu_k_fused_swiglu;
        out->add_rmsnorm += p->nodes[i].fn == cpu_k_fused_add_rmsnorm;
        out->linears += p->nodes[i].fn == cpu_k_fused_linears;
    }
}
