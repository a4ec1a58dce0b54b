/*
 * tests/ops/ops_state.c - ReadValue/Assign conformance through stateful graphs run over several
 * infers: an accumulator (zero-initialised static state), a growing KV-cache-like concat (dynamic
 * state starting empty, f32 and f16), a state initialised from a Constant `init` input, plus the
 * state API: query/get/set/reset per variable, reset of the whole request, and independence of
 * two requests of one compiled model.
 */
#include "harness.h"

#include <string.h>

static grt_port read_value(ot_ctx *c, const char *id, grt_element_type t, size_t rank,
                           const int64_t *shape, const grt_port *init)
{
    grt_attribute at[3] = {OT_AS("variable_id", id), OT_AI("element_type", t),
                           OT_AINTS("shape", shape, rank)};
    return ot_op(c, GRT_OP_READ_VALUE, init ? 1 : 0, init, 3, at);
}

static void assign(ot_ctx *c, const char *id, grt_port value)
{
    grt_attribute at[1] = {OT_AS("variable_id", id)};
    ot_node(c, GRT_OP_ASSIGN, 1, &value, 1, at);
}

/* Finds the request's state called id. */
static grt_state *find_state(ot_ctx *c, grt_infer_request *rq, const char *id)
{
    size_t n = grt_infer_request_state_count(rq);
    for (size_t i = 0; i < n; i++) {
        grt_state *s = NULL;
        if (grt_infer_request_state(rq, i, &s) == GRT_OK && s && grt_state_name(s) &&
            strcmp(grt_state_name(s), id) == 0)
            return s;
    }
    ot_fail(c, "request has %zu state(s), none called '%s'", n, id);
    return NULL;
}

/* Compares the value of state `id` with expect. */
static void check_state(ot_ctx *c, grt_infer_request *rq, const char *id, const ref_tensor *e)
{
    grt_state *s = find_state(c, rq, id);
    grt_tensor *t = NULL;
    if (!s)
        return;
    grt_status st = grt_state_get(s, &t);
    if (st != GRT_OK) {
        ot_fail(c, "grt_state_get('%s'): %s: %s", id, grt_status_str(st), grt_last_error());
        return;
    }
    ot_compare(c, "state value", t, e, 0);
    grt_tensor_destroy(t);
}

/* acc = ReadValue(zeros [2,3]) + x; Assign(acc); Result(acc). */
static void accumulate_fn(ot_ctx *c, const void *arg)
{
    (void)arg;
    const int64_t dims[2] = {2, 3};
    grt_port px = ot_param_decl(c, GRT_F32, 2, dims, NULL);
    grt_port rv = read_value(c, "acc", GRT_F32, 2, dims, NULL);
    grt_port sum = ot_op(c, GRT_OP_ADD, 2, OT_PORTS(rv, px), 0, NULL);
    assign(c, "acc", sum);
    ot_result(c, sum, NULL);
    ref_tensor total = ot_tensor(c, GRT_F32, 2, dims, NULL);
    for (int step = 0; step < 3 && ot_ok(c); step++) {
        ref_tensor x = ot_rand(c, GRT_F32, 2, dims, -1, 1), y;
        if (ot_ref(c, ref_binary(GRT_OP_ADD, &total, &x, &y), &y, "Add") != 0)
            return;
        total = y;
        ot_run_with(c, &x, &total);
    }
    if (!ot_ok(c))
        return;
    check_state(c, c->rq, "acc", &total);
    /* reset: back to zeros */
    grt_status st = grt_infer_request_reset_state(c->rq);
    if (!ot_check(c, st == GRT_OK, "reset_state: %s", grt_status_str(st)))
        return;
    ref_tensor x = ot_rand(c, GRT_F32, 2, dims, -1, 1);
    ot_set_input(c, 0, &x);
    ot_set_expect(c, 0, &x);
    if (ot_run(c) != 0)
        return;
    /* set: state = v, then v + x */
    ref_tensor v = ot_rand(c, GRT_F32, 2, dims, -1, 1), y;
    grt_tensor *tv = NULL;
    grt_state *s = find_state(c, c->rq, "acc");
    if (!s || grt_tensor_create(GRT_F32, 2, dims, &tv) != GRT_OK)
        return;
    ref_pack(GRT_F32, v.v, 6, grt_tensor_data(tv), grt_tensor_byte_size(tv));
    st = grt_state_set(s, tv);
    grt_tensor_destroy(tv); /* the state copies it */
    if (!ot_check(c, st == GRT_OK, "grt_state_set: %s: %s", grt_status_str(st), grt_last_error()))
        return;
    if (ot_ref(c, ref_binary(GRT_OP_ADD, &v, &x, &y), &y, "Add") != 0)
        return;
    ot_set_expect(c, 0, &y);
    if (ot_run(c) != 0)
        return;
    /* per-variable reset */
    st = grt_state_reset(s);
    if (!ot_check(c, st == GRT_OK, "grt_state_reset: %s", grt_status_str(st)))
        return;
    ot_set_expect(c, 0, &x);
    ot_run(c);
}

/* cache = Concat(ReadValue([1, ?, 4] empty), x [1, ?, 4], axis -2); lengths 3, 2, 1; a second
 * request starts from an empty cache; reset restarts. */
static void kv_fn(ot_ctx *c, const void *arg)
{
    const grt_element_type *tp = arg;
    grt_element_type t = *tp;
    const int64_t decl[3] = {1, GRT_DYNAMIC, 4};
    grt_port px = ot_param_decl(c, t, 3, decl, NULL);
    grt_port rv = read_value(c, "kv", t, 3, decl, NULL);
    grt_attribute at[1] = {OT_AI("axis", -2)};
    grt_port cat = ot_op(c, GRT_OP_CONCAT, 2, OT_PORTS(rv, px), 1, at);
    assign(c, "kv", cat);
    ot_result(c, cat, NULL);
    ref_tensor cache = ot_tensor(c, t, 3, OT_DIMS(1, 0, 4), NULL);
    static const int64_t lens[3] = {3, 2, 1};
    ref_tensor first = {0};
    for (int step = 0; step < 3 && ot_ok(c); step++) {
        ref_tensor x = ot_rand(c, t, 3, OT_DIMS(1, lens[step], 4), -1, 1), y;
        const ref_tensor *parts[2] = {&cache, &x};
        if (step == 0)
            first = x;
        if (ot_ref(c, ref_concat(2, parts, -2, &y), &y, "Concat") != 0)
            return;
        cache = y;
        ot_run_with(c, &x, &cache);
    }
    if (!ot_ok(c))
        return;
    check_state(c, c->rq, "kv", &cache);
    /* a second request of the same compiled model has its own, empty state */
    grt_infer_request *rq2 = NULL;
    grt_tensor *tx = NULL, *out = NULL;
    grt_status st = grt_compiled_model_create_infer_request(c->cm, &rq2);
    if (st == GRT_OK)
        st = grt_tensor_create(t, 3, first.dims, &tx);
    if (st == GRT_OK) {
        ref_pack(t, first.v, ref_numel(3, first.dims), grt_tensor_data(tx),
                 grt_tensor_byte_size(tx));
        st = grt_infer_request_set_input(rq2, 0, tx);
    }
    if (st == GRT_OK)
        st = grt_infer_request_infer(rq2);
    if (st == GRT_OK)
        st = grt_infer_request_get_output(rq2, 0, &out);
    if (st == GRT_OK)
        ot_compare(c, "second request", out, &first, 0);
    else
        ot_fail(c, "second request: %s: %s", grt_status_str(st), grt_last_error());
    grt_infer_request_destroy(rq2);
    grt_tensor_destroy(tx);
    if (!ot_ok(c))
        return;
    check_state(c, c->rq, "kv", &cache); /* untouched by rq2 */
    st = grt_infer_request_reset_state(c->rq);
    if (!ot_check(c, st == GRT_OK, "reset_state: %s", grt_status_str(st)))
        return;
    ot_run_with(c, &first, &first);
}

/* y = ReadValue(init = Constant k) * x; Assign(y): k*x1, k*x1*x2, reset, k*x3. */
static void init_fn(ot_ctx *c, const void *arg)
{
    (void)arg;
    const int64_t dims[2] = {3, 5};
    ref_tensor k = ot_rand(c, GRT_F32, 2, dims, 0.5, 1.5);
    grt_port pk = ot_const(c, &k);
    grt_port px = ot_param_decl(c, GRT_F32, 2, dims, NULL);
    grt_port rv = read_value(c, "prod", GRT_F32, 2, dims, &pk);
    grt_port y = ot_op(c, GRT_OP_MUL, 2, OT_PORTS(rv, px), 0, NULL);
    assign(c, "prod", y);
    ot_result(c, y, NULL);
    ref_tensor cur = k;
    for (int step = 0; step < 3 && ot_ok(c); step++) {
        ref_tensor x = ot_rand(c, GRT_F32, 2, dims, 0.5, 1.5), e;
        if (step == 2) {
            grt_status st = grt_infer_request_reset_state(c->rq);
            if (!ot_check(c, st == GRT_OK, "reset_state: %s", grt_status_str(st)))
                return;
            cur = k;
        }
        if (ot_ref(c, ref_binary(GRT_OP_MUL, &cur, &x, &e), &e, "Mul") != 0)
            return;
        cur = e;
        ot_run_with(c, &x, &cur);
    }
}

void ot_register_state(ot_registry *r)
{
    static const grt_element_type f32 = GRT_F32, f16 = GRT_F16;
    ot_add(r, "state", GRT_OP_READ_VALUE, accumulate_fn, NULL,
           "state accumulate f32 [2,3] x3 + get/reset/set/state-reset");
    ot_add(r, "state", GRT_OP_ASSIGN, kv_fn, &f32,
           "state kv-concat f32 [1,?,4] lens 3,2,1 + second request + reset");
    ot_add(r, "state", GRT_OP_ASSIGN, kv_fn, &f16,
           "state kv-concat f16 [1,?,4] lens 3,2,1 + second request + reset");
    ot_add(r, "state", GRT_OP_READ_VALUE, init_fn, NULL, "state init=Constant f32 [3,5] x3 + reset");
}
