/*
 * ir/validate.c - whole-model validation run when a model is snapshotted, saved or read:
 * at least one Result; ReadValue variable ids unique, each paired with exactly one Assign of the
 * same id whose input has the variable's element type and a compatible shape (and no Assign
 * without its ReadValue). Read-only over the graph; thread-safe for concurrent readers.
 */
#include <stdlib.h>
#include <string.h>

#include "ir/graph.h"
#include "ir/opset.h"
#include "util/error.h"

static const char *var_id(const grt_ir_node *n) {
    const grt_attr_value *v = grt_ir_node_attr(n, "variable_id");
    return (v && v->type == GRT_ATTR_STRING) ? v->u.s : "";
}

static grt_status check_assign(const grt_ir_graph *g, const grt_ir_node *rv, const grt_ir_node *as) {
    const grt_ir_value_info *var = &rv->outputs[0];
    grt_element_type t;
    grt_shape s;
    char b1[128], b2[128];
    if (grt_ir_graph_port_info(g, as->inputs[0], &t, &s) != GRT_OK)
        return grt_error(GRT_ERROR_SHAPE, "node '%s' (Assign): bad input", as->name);
    if (t != var->type)
        return grt_error(GRT_ERROR_SHAPE, "node '%s' (Assign): value type %s differs from variable '%s' type %s", as->name,
                         grt_element_type_name(t), var_id(rv), grt_element_type_name(var->type));
    int ok = s.rank == var->shape.rank;
    for (uint32_t i = 0; ok && i < s.rank; i++) {
        int64_t d;
        ok = grt_ir_dim_merge(s.dims[i], var->shape.dims[i], &d);
    }
    if (!ok)
        return grt_error(GRT_ERROR_SHAPE, "node '%s' (Assign): value shape %s incompatible with variable '%s' shape %s",
                         as->name, grt_ir_shape_str(&s, b1, sizeof b1), var_id(rv),
                         grt_ir_shape_str(&var->shape, b2, sizeof b2));
    return GRT_OK;
}

typedef struct state_ref {
    const char *id;
    const grt_ir_node *node;
} state_ref;

static int cmp_state(const void *a, const void *b) {
    const state_ref *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    if (c) return c;
    return (int)x->node->op - (int)y->node->op; /* ReadValue (4) before Assign (5) */
}

/* strict: every variable must have exactly one ReadValue and one Assign; otherwise only complete
 * pairs are checked for type/shape compatibility. */
static grt_status validate_state(const grt_ir_graph *g, int strict) {
    grt_status st = GRT_OK;
    state_ref *refs = NULL;
    uint32_t n = 0;
    for (uint32_t i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].op == GRT_OP_READ_VALUE || g->nodes[i].op == GRT_OP_ASSIGN) n++;
    if (n == 0) return GRT_OK;
    refs = malloc(n * sizeof *refs);
    if (!refs) return grt_error(GRT_ERROR_OUT_OF_MEMORY, "model '%s': out of memory", g->name);
    n = 0;
    for (uint32_t i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].op == GRT_OP_READ_VALUE || g->nodes[i].op == GRT_OP_ASSIGN)
            refs[n++] = (state_ref){var_id(&g->nodes[i]), &g->nodes[i]};
    qsort(refs, n, sizeof *refs, cmp_state);
    /* Sorted by (id, op): each id must appear as exactly [ReadValue, Assign]. */
    for (uint32_t i = 0; i < n;) {
        uint32_t j = i;
        while (j < n && !strcmp(refs[j].id, refs[i].id)) j++;
        const grt_ir_node *first = refs[i].node;
        if (j - i != 2 || refs[i].node->op != GRT_OP_READ_VALUE || refs[i + 1].node->op != GRT_OP_ASSIGN) {
            if (!strict) {
                i = j;
                continue;
            }
            uint32_t n_rv = 0, n_as = 0;
            for (uint32_t k = i; k < j; k++) {
                if (refs[k].node->op == GRT_OP_READ_VALUE) n_rv++;
                else n_as++;
            }
            st = grt_error(GRT_ERROR_SHAPE,
                           "node '%s' (%s): variable '%s' has %u ReadValue and %u Assign nodes (needs exactly 1 each)",
                           first->name, grt_ir_op_name(first->op), refs[i].id, n_rv, n_as);
            goto done;
        }
        if ((st = check_assign(g, refs[i].node, refs[i + 1].node)) != GRT_OK) goto done;
        i = j;
    }
done:
    free(refs);
    return st;
}

grt_status grt_ir_graph_validate(const grt_ir_graph *g) {
    if (g->n_results == 0) return grt_error(GRT_ERROR_SHAPE, "model '%s' has no Result", g->name);
    return validate_state(g, 1);
}

grt_status grt_ir_graph_check_state_shapes(const grt_ir_graph *g) { return validate_state(g, 0); }
