/*
 * tests/abi/abi_check_graphs.c - genrt_abi_check: graph checks. For each tiny graph of the mock
 * host (ReLU, Add, broadcasting Add, Add with a dynamic dim, an op outside the opset) it runs
 * query_model, compile_model, two infer requests with reference comparison, the error paths
 * (bad index, wrong element type/rank/dim, output before infer) and finally checks that the
 * plugin's graph_retain/graph_release calls balance once everything is destroyed.
 *
 * Reference results are computed here with plain loops (ReLU, numpy-broadcast Add).
 * Ownership: every plugin object created here is destroyed here. Threading: main thread only.
 */
#include "abi_check.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define MAX_ELEMS 64
#define OP_OUTSIDE_OPSET ((grt_op_type)9999)

typedef struct gcase {
    const char *name;
    grt_op_type op;
    uint32_t n_in;
    grt_shape graph_in[2]; /* parameter shapes in the graph (may be dynamic) */
    grt_shape graph_out;
    uint32_t n_runs;
    grt_shape run_in[2][2]; /* [run][input]: concrete shapes */
} gcase;

#define S1(a) {1, 0, {a}}
#define S2(a, b) {2, 0, {a, b}}

static const gcase k_cases[] = {
    {"relu", GRT_OP_RELU, 1, {S2(2, 3)}, S2(2, 3), 1, {{S2(2, 3)}}},
    {"add", GRT_OP_ADD, 2, {S2(2, 3), S2(2, 3)}, S2(2, 3), 1, {{S2(2, 3), S2(2, 3)}}},
    {"add_broadcast", GRT_OP_ADD, 2, {S2(2, 3), S1(3)}, S2(2, 3), 1, {{S2(2, 3), S1(3)}}},
    {"add_dynamic", GRT_OP_ADD, 2, {S2(GRT_DYNAMIC, 3), S1(3)}, S2(GRT_DYNAMIC, 3), 2,
     {{S2(2, 3), S1(3)}, {S2(4, 3), S1(3)}}},
};

/* --- helpers ----------------------------------------------------------------------------- */

static size_t elems(const grt_shape *s) {
    size_t n = 1;
    for (uint32_t i = 0; i < s->rank; i++)
        n *= (size_t)s->dims[i];
    return n;
}

static grt_tensor_desc make_desc(grt_element_type type, const grt_shape *s, void *data) {
    grt_tensor_desc d;
    memset(&d, 0, sizeof d);
    d.struct_size = (uint32_t)sizeof d;
    d.element_type = type;
    d.shape = *s;
    for (int i = (int)s->rank - 1; i >= 0; i--)
        d.strides[i] = i == (int)s->rank - 1 ? 4 : d.strides[i + 1] * s->dims[i + 1];
    d.data = data;
    d.byte_size = elems(s) * 4;
    return d;
}

static void fill(float *x, size_t n, unsigned seed) {
    uint32_t st = seed * 2654435761u + 12345u;
    for (size_t i = 0; i < n; i++) {
        st = st * 1664525u + 1013904223u;
        x[i] = (float)((int)(st >> 24) - 128) / 32.0f; /* [-4, 4), negatives included */
    }
}

static void out_shape(const gcase *c, const grt_shape *in, grt_shape *out) {
    memset(out, 0, sizeof *out);
    if (c->n_in == 1) {
        *out = in[0];
        return;
    }
    out->rank = in[0].rank > in[1].rank ? in[0].rank : in[1].rank;
    for (uint32_t i = 0; i < out->rank; i++) {
        uint32_t r = out->rank;
        int64_t a = i < r - in[0].rank ? 1 : in[0].dims[i - (r - in[0].rank)];
        int64_t b = i < r - in[1].rank ? 1 : in[1].dims[i - (r - in[1].rank)];
        out->dims[i] = a == 1 ? b : a;
    }
}

/* Offset of output element `flat` in input `in` under numpy broadcasting. */
static size_t bcast_index(const grt_shape *out, const grt_shape *in, size_t flat) {
    size_t idx = 0, stride = 1;
    for (int i = (int)out->rank - 1; i >= 0; i--) {
        size_t coord = flat % (size_t)out->dims[i];
        int j = i - ((int)out->rank - (int)in->rank);
        flat /= (size_t)out->dims[i];
        if (j < 0)
            continue;
        if (in->dims[j] != 1)
            idx += coord * stride;
        stride *= (size_t)in->dims[j];
    }
    return idx;
}

/* The reference: plain loops. */
static void reference(const gcase *c, float *const *in, const grt_shape *in_shapes, float *out,
                      const grt_shape *os) {
    size_t n = elems(os);
    for (size_t i = 0; i < n; i++) {
        if (c->op == GRT_OP_RELU)
            out[i] = in[0][i] > 0.0f ? in[0][i] : 0.0f;
        else
            out[i] = in[0][bcast_index(os, &in_shapes[0], i)] +
                     in[1][bcast_index(os, &in_shapes[1], i)];
    }
}

static mock_graph *build(const gcase *c) {
    uint32_t ins[2], op;
    mock_graph *g = mock_graph_create(c->name);
    if (!g)
        return NULL;
    for (uint32_t i = 0; i < c->n_in; i++)
        ins[i] = mock_graph_parameter(g, i == 0 ? "x" : "y", GRT_F32, c->graph_in[i].rank,
                                      c->graph_in[i].dims);
    op = mock_graph_op(g, c->op, c->op == OP_OUTSIDE_OPSET ? "mystery_op" : c->name, c->n_in,
                       ins, GRT_F32, c->graph_out.rank, c->graph_out.dims);
    mock_graph_result(g, "out", op);
    return g;
}

/* Reads output 0 of rq, checks its descriptor against shape `s` and compares with `ref`. */
static void check_output(const grt_plugin_api *api, grt_request_handle *rq, const gcase *c,
                         const char *what_, const grt_shape *s, const float *ref) {
    grt_tensor_desc d;
    grt_status st;
    size_t n = elems(s), max_off = 0, bad = 0, worst = 0;
    int shape_ok;
    char what[128];

    snprintf(what, sizeof what, "%s: %s", c->name, what_);
    memset(&d, 0, sizeof d);
    d.struct_size = (uint32_t)sizeof d;
    mock_error_reset();
    st = api->request_get_output(rq, 0, &d);
    if (!abi_expect(st == GRT_OK, "%s: request_get_output (%s)", what, abi_status_name(st)))
        return;
    shape_ok = d.element_type == GRT_F32 && d.shape.rank == s->rank && d.data;
    for (uint32_t i = 0; shape_ok && i < s->rank; i++) {
        shape_ok = d.shape.dims[i] == s->dims[i] && d.strides[i] >= 0;
        max_off += (size_t)(s->dims[i] - 1) * (size_t)d.strides[i];
    }
    if (!abi_expect(shape_ok && max_off + 4 <= d.byte_size,
                    "%s: output descriptor is f32 of the expected shape within byte_size", what))
        return;
    for (size_t i = 0; i < n; i++) {
        size_t flat = i, off = 0;
        float v;
        for (int k = (int)s->rank - 1; k >= 0; k--) {
            off += (flat % (size_t)s->dims[k]) * (size_t)d.strides[k];
            flat /= (size_t)s->dims[k];
        }
        memcpy(&v, (const unsigned char *)d.data + off, sizeof v);
        if (!(fabsf(v - ref[i]) <= 1e-5f * (1.0f + fabsf(ref[i])))) {
            if (!bad)
                worst = i;
            bad++;
        }
    }
    abi_expect(bad == 0, "%s: output matches the reference (%zu of %zu differ; first at %zu)", what,
               bad, n, worst);
}

static void expect_error(grt_status st, const char *what) {
    abi_expect(st != GRT_OK, "%s fails cleanly (%s)", what, abi_status_name(st));
    if (st != GRT_OK)
        abi_expect(mock_error_count() > 0 && mock_error_message()[0],
                   "%s: set_error called with a message", what);
}

/* --- one graph --------------------------------------------------------------------------- */

typedef struct run_data {
    float in[2][MAX_ELEMS];
    float ref[MAX_ELEMS];
    grt_shape os;
} run_data;

static void prepare(const gcase *c, const grt_shape *shapes, unsigned seed, run_data *r) {
    float *ins[2] = {r->in[0], r->in[1]};
    for (uint32_t i = 0; i < c->n_in; i++)
        fill(r->in[i], elems(&shapes[i]), seed * 7 + i);
    out_shape(c, shapes, &r->os);
    reference(c, ins, shapes, r->ref, &r->os);
}

static int bind(const grt_plugin_api *api, grt_request_handle *rq, const gcase *c,
                const grt_shape *shapes, run_data *r, const char *what) {
    for (uint32_t i = 0; i < c->n_in; i++) {
        grt_tensor_desc d = make_desc(GRT_F32, &shapes[i], r->in[i]);
        grt_status st;
        mock_error_reset();
        st = api->request_set_input(rq, i, &d);
        if (!abi_expect(st == GRT_OK, "%s: set_input %u (%s)", what, i, abi_status_name(st)))
            return -1;
    }
    return 0;
}

static void bad_inputs(const grt_plugin_api *api, grt_request_handle *rq, const gcase *c,
                       run_data *r) {
    char what[96];
    grt_shape s = c->run_in[0][0], rank1 = S1(0), wrong = c->run_in[0][0];
    grt_tensor_desc d;

    d = make_desc(GRT_F32, &s, r->in[0]);
    mock_error_reset();
    snprintf(what, sizeof what, "%s: set_input with index %u (out of range)", c->name, c->n_in);
    expect_error(api->request_set_input(rq, c->n_in, &d), what);

    d = make_desc(GRT_I32, &s, r->in[0]);
    mock_error_reset();
    snprintf(what, sizeof what, "%s: set_input with element type i32 (graph: f32)", c->name);
    expect_error(api->request_set_input(rq, 0, &d), what);

    rank1.dims[0] = (int64_t)elems(&s);
    d = make_desc(GRT_F32, &rank1, r->in[0]);
    mock_error_reset();
    snprintf(what, sizeof what, "%s: set_input with rank 1 (graph: rank %u)", c->name, s.rank);
    expect_error(api->request_set_input(rq, 0, &d), what);

    wrong.dims[wrong.rank - 1] += 1; /* the last dim is static in every case */
    d = make_desc(GRT_F32, &wrong, r->in[0]);
    mock_error_reset();
    snprintf(what, sizeof what, "%s: set_input with a wrong static dim", c->name);
    expect_error(api->request_set_input(rq, 0, &d), what);
}

static void check_stats(const mock_graph *g, const char *name) {
    mock_graph_stats s;
    mock_graph_stats_get(g, &s);
    abi_expect(s.refs == 1 && s.retains == s.releases && s.over_releases == 0,
               "%s: graph_retain/graph_release balanced after destroy (%d retains, %d releases, "
               "%d over-releases)", name, s.retains, s.releases, s.over_releases);
    abi_expect(s.stale_accesses == 0, "%s: graph never read outside a call without a retain "
               "(%d stale accesses)", name, s.stale_accesses);
    abi_expect(s.bad_indices == 0, "%s: no accessor called with an out-of-range index (%d)", name,
               s.bad_indices);
}

/* Returns 1 if the device runs every op node of g (per query_model; 1 if query_model is NULL). */
static int query(const grt_plugin_api *api, uint32_t dev, mock_graph *g, const gcase *c) {
    uint8_t sup[17];
    uint32_t n = mock_graph_node_count(g);
    int well_formed = 1, all = 1;
    grt_status st;

    if (!ABI_SLOT(api, query_model))
        return 1;
    memset(sup, 0xEE, sizeof sup);
    mock_error_reset();
    mock_graph_enter(g);
    st = api->query_model(dev, g, sup);
    mock_graph_leave(g);
    if (!abi_expect(st == GRT_OK, "%s: query_model (%s)", c->name, abi_status_name(st)))
        return 0;
    for (uint32_t i = 0; i < n; i++)
        well_formed &= sup[i] == 0 || sup[i] == 1;
    abi_expect(well_formed && sup[n] == 0xEE,
               "%s: query_model writes 0/1 for each of the %u nodes and nothing more", c->name, n);
    for (uint32_t i = 0; i < n; i++)
        all &= sup[i] == 1;
    if (c->op == OP_OUTSIDE_OPSET)
        abi_expect(sup[c->n_in] == 0, "%s: query_model marks op type 9999 unsupported", c->name);
    return all && well_formed;
}

static void run_requests(const grt_plugin_api *api, grt_compiled_handle *cm, const gcase *c) {
    grt_request_handle *r1 = NULL, *r2 = NULL;
    run_data a, b;
    char what[96];
    grt_status st;

    st = api->request_create(cm, &r1);
    if (!abi_expect(st == GRT_OK && r1, "%s: request_create #1 (%s)", c->name, abi_status_name(st)))
        goto done;
    st = api->request_create(cm, &r2);
    if (!abi_expect(st == GRT_OK && r2, "%s: request_create #2 (%s)", c->name, abi_status_name(st)))
        goto done;

    prepare(c, c->run_in[0], 1, &a);
    prepare(c, c->run_in[0], 2, &b);
    mock_error_reset();
    snprintf(what, sizeof what, "%s: request_get_output before any infer", c->name);
    expect_error(api->request_get_output(r1, 0, &(grt_tensor_desc){.struct_size =
                                                     sizeof(grt_tensor_desc)}),
                 what);
    mock_error_reset();
    snprintf(what, sizeof what, "%s: request_infer with no input bound", c->name);
    expect_error(api->request_infer(r1), what);
    bad_inputs(api, r1, c, &a);

    if (bind(api, r1, c, c->run_in[0], &a, c->name) || bind(api, r2, c, c->run_in[0], &b, c->name))
        goto done;
    st = api->request_infer(r1);
    if (!abi_expect(st == GRT_OK, "%s: infer request #1 (%s)", c->name, abi_status_name(st)))
        goto done;
    check_output(api, r1, c, "request #1", &a.os, a.ref);
    st = api->request_infer(r2);
    if (!abi_expect(st == GRT_OK, "%s: infer request #2 (%s)", c->name, abi_status_name(st)))
        goto done;
    check_output(api, r2, c, "request #2", &b.os, b.ref);
    check_output(api, r1, c, "request #1 after #2 ran (outputs are per request)", &a.os, a.ref);

    mock_error_reset();
    snprintf(what, sizeof what, "%s: request_get_output with index 1 (out of range)", c->name);
    expect_error(api->request_get_output(r1, 1, &(grt_tensor_desc){.struct_size =
                                                     sizeof(grt_tensor_desc)}),
                 what);

    /* Inputs are borrowed: changing the bound memory changes the next result. */
    prepare(c, c->run_in[0], 3, &b);
    memcpy(a.in, b.in, sizeof a.in);
    memcpy(a.ref, b.ref, sizeof a.ref);
    st = api->request_infer(r1);
    if (abi_expect(st == GRT_OK, "%s: infer again on the same bound (modified) memory (%s)",
                   c->name, abi_status_name(st)))
        check_output(api, r1, c, "re-run reads the bound memory at infer time", &a.os, a.ref);

    for (uint32_t run = 1; run < c->n_runs; run++) {
        prepare(c, c->run_in[run], 4 + run, &a);
        if (bind(api, r1, c, c->run_in[run], &a, "new input shape"))
            goto done;
        st = api->request_infer(r1);
        if (abi_expect(st == GRT_OK, "%s: infer with new dynamic dims (%s)", c->name,
                       abi_status_name(st)))
            check_output(api, r1, c, "new dynamic dims", &a.os, a.ref);
    }

    if (ABI_SLOT(api, request_start_async) && ABI_SLOT(api, request_wait)) {
        st = api->request_start_async(r2);
        if (abi_expect(st == GRT_OK, "%s: request_start_async (%s)", c->name, abi_status_name(st))) {
            st = api->request_wait(r2);
            if (abi_expect(st == GRT_OK, "%s: request_wait (%s)", c->name, abi_status_name(st)))
                check_output(api, r2, c, "async infer", &b.os, b.ref);
        }
    }
    if (ABI_SLOT(api, state_count)) {
        uint32_t n = 99;
        st = api->state_count(r1, &n);
        abi_expect(st == GRT_OK && n == 0, "%s: state_count is 0 for a graph without ReadValue "
                   "(%s, %u)", c->name, abi_status_name(st), n);
    }
done:
    if (r1)
        api->request_destroy(r1);
    if (r2)
        api->request_destroy(r2);
}

static void check_case(const grt_plugin_api *api, uint32_t dev, const gcase *c) {
    grt_compiled_handle *cm = NULL;
    mock_graph *g = build(c);
    grt_status st;
    int supported;

    if (!abi_expect(g != NULL, "%s: build the mock graph", c->name))
        return;
    supported = query(api, dev, g, c);
    mock_error_reset();
    mock_graph_enter(g);
    st = api->compile_model(dev, g, NULL, 0, &cm);
    mock_graph_leave(g);
    if (c->op == OP_OUTSIDE_OPSET || !supported) {
        char what[96];
        snprintf(what, sizeof what, "%s: compile_model of a graph with an unsupported node",
                 c->name);
        expect_error(st, what);
        if (!supported && c->op != OP_OUTSIDE_OPSET)
            abi_ok("%s: not supported by the device: run checks skipped", c->name);
        if (st == GRT_OK && cm)
            api->compiled_destroy(cm);
        goto done;
    }
    if (!abi_expect(st == GRT_OK && cm, "%s: compile_model (%s)", c->name, abi_status_name(st)))
        goto done;
    if (ABI_SLOT(api, compiled_get_property)) {
        grt_value v;
        memset(&v, 0, sizeof v);
        mock_error_reset();
        st = api->compiled_get_property(cm, "GENRT_ABI_CHECK_NO_SUCH_KEY", &v);
        abi_expect(st == GRT_ERROR_NOT_FOUND, "%s: compiled_get_property of an unknown key "
                   "returns NOT_FOUND (%s)", c->name, abi_status_name(st));
    }
    run_requests(api, cm, c);
    api->compiled_destroy(cm);
done:
    check_stats(g, c->name);
    mock_graph_destroy(g);
}

void abi_check_graphs(abi_plugin *p) {
    static const gcase outside = {"unknown_op", OP_OUTSIDE_OPSET, 1, {S2(2, 3)}, S2(2, 3), 1,
                                  {{S2(2, 3)}}};
    for (size_t i = 0; i < sizeof k_cases / sizeof k_cases[0]; i++)
        check_case(p->api, p->device, &k_cases[i]);
    check_case(p->api, p->device, &outside);
}
