/*
 * test_cpu_e2e.c - runs tiny graphs on the CPU plugin through the public API (libgenrt):
 *   1. Parameter [2, ?] -> ReLU -> Result, with two input shapes and a strided input, compared
 *      with a plain reference; errors for an unbound input and a wrong shape;
 *   2. a stateful graph: kv = Concat(ReadValue(kv), x) -> Assign(kv), out = ReLU(kv) (the state
 *      adopts the Concat buffer), and acc = Add(ReadValue(acc, init = Constant), x2) -> Assign,
 *      acc_out = acc (copy path): three infers, state get/set, reset.
 *   3. two threads, each with its own request of one compiled model (4 pool threads), infer at
 *      the same time on a large input;
 * Needs the CPU plugin in the build tree (GENRT_PLUGIN_PATH).
 */
#include <genrt/genrt.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#define REQUIRE(cond, ...)                                                                         \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            CHECKF(cond, __VA_ARGS__);                                                             \
            goto done;                                                                             \
        }                                                                                          \
    } while (0)

/* Compares output `index` of rq with expected[n] and the shape dims[rank]. */
static void check_output(grt_infer_request *rq, size_t index, size_t rank, const int64_t *dims,
                         const float *expected, size_t n, const char *what)
{
    grt_tensor *out = NULL;
    grt_status st = grt_infer_request_get_output(rq, index, &out);
    CHECKF(st == GRT_OK && out, "%s: get_output", what);
    if (st != GRT_OK || !out)
        return;
    CHECKF(grt_tensor_element_type(out) == GRT_F32, "%s: type", what);
    CHECKF(grt_tensor_rank(out) == rank, "%s: rank %zu", what, grt_tensor_rank(out));
    if (grt_tensor_rank(out) != rank)
        return;
    for (size_t i = 0; i < rank; i++)
        CHECKF(grt_tensor_dims(out)[i] == dims[i], "%s: dim %zu is %lld, expected %lld", what, i,
               (long long)grt_tensor_dims(out)[i], (long long)dims[i]);
    CHECKF(grt_tensor_element_count(out) == n, "%s: %zu elements, expected %zu", what,
           grt_tensor_element_count(out), n);
    if (grt_tensor_element_count(out) != n)
        return;
    const float *y = grt_tensor_data(out);
    for (size_t i = 0; i < n; i++)
        CHECKF(y[i] == expected[i], "%s: element %zu is %g, expected %g", what, i, y[i],
               expected[i]);
}

/* Compiles m on "CPU" with INFERENCE_NUM_THREADS = threads. */
static grt_status compile_threads(grt_core *core, grt_model *m, int64_t threads,
                                  grt_compiled_model **cm)
{
    grt_property prop;
    memset(&prop, 0, sizeof(prop));
    prop.key = GRT_PROP_INFERENCE_NUM_THREADS;
    prop.value.type = GRT_VALUE_INT;
    prop.value.u.i = threads;
    return grt_core_compile_model(core, m, "CPU", &prop, 1, cm);
}

static void test_relu(grt_core *core)
{
    grt_model *m = NULL;
    grt_compiled_model *cm = NULL;
    grt_infer_request *rq = NULL;
    grt_tensor *x = NULL, *xs = NULL, *bad = NULL;
    int64_t pdims[2] = {2, GRT_DYNAMIC};
    grt_value v;

    REQUIRE((m = test_unary_model("relu", GRT_OP_RELU, "relu", 2, pdims)) != NULL, "relu model");
    REQUIRE(compile_threads(core, m, 2, &cm) == GRT_OK, "compile");
    memset(&v, 0, sizeof(v));
    CHECKF(grt_compiled_model_get_property(cm, GRT_PROP_INFERENCE_NUM_THREADS, &v) == GRT_OK &&
               v.type == GRT_VALUE_INT && v.u.i == 2,
           "compiled INFERENCE_NUM_THREADS is 2");
    grt_value_clear(&v);
    REQUIRE(grt_compiled_model_create_infer_request(cm, &rq) == GRT_OK, "create request");

    CHECKF(grt_infer_request_infer(rq) != GRT_OK && strstr(grt_last_error(), "x"),
           "infer with an unbound input fails naming it");

    for (int rep = 0; rep < 3; rep++) {
        int64_t cols = rep == 1 ? 5 : 3;
        int64_t dims[2] = {2, cols};
        float ref[10];
        REQUIRE(grt_tensor_create(GRT_F32, 2, dims, &x) == GRT_OK, "tensor");
        float *xd = grt_tensor_data(x);
        for (int64_t i = 0; i < 2 * cols; i++) {
            xd[i] = (float)((i * 7) % 5) - 2.0f + 0.25f * (float)rep;
            ref[i] = xd[i] > 0 ? xd[i] : 0.0f;
        }
        REQUIRE(grt_infer_request_set_input(rq, 0, x) == GRT_OK, "set_input");
        REQUIRE(grt_infer_request_infer(rq) == GRT_OK, "infer %d", rep);
        check_output(rq, 0, 2, dims, ref, (size_t)(2 * cols), "relu");
        grt_tensor_destroy(x);
        x = NULL;
    }

    /* strided input: column 1..3 of a [2, 6] buffer */
    {
        float buf[12], ref[6];
        int64_t dims[2] = {2, 3}, strides[2] = {6 * sizeof(float), 2 * sizeof(float)};
        for (int i = 0; i < 12; i++)
            buf[i] = (float)(i - 6);
        for (int r = 0; r < 2; r++)
            for (int c = 0; c < 3; c++) {
                float s = buf[r * 6 + c * 2];
                ref[r * 3 + c] = s > 0 ? s : 0.0f;
            }
        REQUIRE(grt_tensor_wrap(GRT_F32, 2, dims, strides, buf, sizeof(buf), &xs) == GRT_OK,
                "wrap strided");
        REQUIRE(grt_infer_request_set_input(rq, 0, xs) == GRT_OK, "set strided input");
        REQUIRE(grt_infer_request_infer(rq) == GRT_OK, "infer strided");
        check_output(rq, 0, 2, dims, ref, 6, "relu strided");
    }

    /* wrong static dim is rejected naming the input */
    {
        int64_t dims[2] = {3, 3};
        REQUIRE(grt_tensor_create(GRT_F32, 2, dims, &bad) == GRT_OK, "tensor");
        CHECKF(grt_infer_request_set_input(rq, 0, bad) != GRT_OK,
               "shape [3, 3] rejected for [2, ?]");
    }

done:
    grt_tensor_destroy(x);
    grt_tensor_destroy(xs);
    grt_tensor_destroy(bad);
    grt_infer_request_destroy(rq);
    grt_compiled_model_destroy(cm);
    grt_model_destroy(m);
}

static grt_attribute attr_str(const char *name, const char *s)
{
    grt_attribute a;
    memset(&a, 0, sizeof(a));
    a.name = name;
    a.value.type = GRT_ATTR_STRING;
    a.value.u.s = s;
    return a;
}

static grt_attribute attr_int(const char *name, int64_t i)
{
    grt_attribute a;
    memset(&a, 0, sizeof(a));
    a.name = name;
    a.value.type = GRT_ATTR_INT;
    a.value.u.i = i;
    return a;
}

static grt_attribute attr_ints(const char *name, const int64_t *v, size_t n)
{
    grt_attribute a;
    memset(&a, 0, sizeof(a));
    a.name = name;
    a.value.type = GRT_ATTR_INTS;
    a.value.u.ints.data = v;
    a.value.u.ints.count = n;
    return a;
}

/* Index of the state called name, or -1. */
static long find_state(grt_infer_request *rq, const char *name)
{
    for (size_t i = 0; i < grt_infer_request_state_count(rq); i++) {
        grt_state *s = NULL;
        if (grt_infer_request_state(rq, i, &s) == GRT_OK && strcmp(grt_state_name(s), name) == 0)
            return (long)i;
    }
    return -1;
}

static void test_state(grt_core *core)
{
    grt_model *m = NULL;
    grt_compiled_model *cm = NULL;
    grt_infer_request *rq = NULL;
    grt_tensor *x = NULL, *x2 = NULL, *got = NULL, *setv = NULL;
    grt_port px, px2, pinit, p;
    uint32_t rv = 0, cat = 0, relu = 0, asg = 0, rv2 = 0, add = 0, asg2 = 0;
    int64_t xdims[2] = {1, GRT_DYNAMIC}, kv_shape[2] = {1, -1}, acc_dims[2] = {1, 2};
    const float init[2] = {10.0f, 20.0f};
    float kv_ref[16];
    size_t kv_len = 0;
    float acc_ref[2] = {10.0f, 20.0f};

    REQUIRE(grt_model_create("state", &m) == GRT_OK, "model_create");
    REQUIRE(grt_model_add_parameter(m, "x", GRT_F32, 2, xdims, &px) == GRT_OK, "x");
    REQUIRE(grt_model_add_parameter(m, "x2", GRT_F32, 2, acc_dims, &px2) == GRT_OK, "x2");
    {
        grt_attribute a[3] = {attr_str("variable_id", "kv"), attr_int("element_type", GRT_F32),
                              attr_ints("shape", kv_shape, 2)};
        REQUIRE(grt_model_add_op(m, GRT_OP_READ_VALUE, "kv_read", 0, NULL, 3, a, &rv) == GRT_OK,
                "ReadValue kv");
    }
    {
        grt_port in[2] = {{rv, 0}, px};
        grt_attribute a[1] = {attr_int("axis", 1)};
        REQUIRE(grt_model_add_op(m, GRT_OP_CONCAT, "kv_cat", 2, in, 1, a, &cat) == GRT_OK,
                "Concat");
    }
    p.node = cat;
    p.port = 0;
    {
        grt_attribute a[1] = {attr_str("variable_id", "kv")};
        REQUIRE(grt_model_add_op(m, GRT_OP_ASSIGN, "kv_assign", 1, &p, 1, a, &asg) == GRT_OK,
                "Assign kv");
    }
    REQUIRE(grt_model_add_op(m, GRT_OP_RELU, "kv_relu", 1, &p, 0, NULL, &relu) == GRT_OK, "ReLU");
    p.node = relu;
    REQUIRE(grt_model_add_result(m, "out", p) == GRT_OK, "result out");
    REQUIRE(grt_model_add_constant(m, "acc_init", GRT_F32, 2, acc_dims, init, sizeof(init),
                                   &pinit) == GRT_OK,
            "init constant");
    {
        grt_attribute a[3] = {attr_str("variable_id", "acc"), attr_int("element_type", GRT_F32),
                              attr_ints("shape", acc_dims, 2)};
        REQUIRE(grt_model_add_op(m, GRT_OP_READ_VALUE, "acc_read", 1, &pinit, 3, a, &rv2) ==
                    GRT_OK,
                "ReadValue acc");
    }
    {
        grt_port in[2] = {{rv2, 0}, px2};
        REQUIRE(grt_model_add_op(m, GRT_OP_ADD, "acc_add", 2, in, 0, NULL, &add) == GRT_OK, "Add");
    }
    p.node = add;
    {
        grt_attribute a[1] = {attr_str("variable_id", "acc")};
        REQUIRE(grt_model_add_op(m, GRT_OP_ASSIGN, "acc_assign", 1, &p, 1, a, &asg2) == GRT_OK,
                "Assign acc");
    }
    REQUIRE(grt_model_add_result(m, "acc_out", p) == GRT_OK, "result acc_out");

    REQUIRE(grt_core_compile_model(core, m, "CPU", NULL, 0, &cm) == GRT_OK, "compile");
    REQUIRE(grt_compiled_model_create_infer_request(cm, &rq) == GRT_OK, "request");
    REQUIRE(grt_infer_request_state_count(rq) == 2, "2 state variables");
    long ikv = find_state(rq, "kv"), iacc = find_state(rq, "acc");
    REQUIRE(ikv >= 0 && iacc >= 0, "states named kv and acc");

    /* before any infer: kv is empty [1, 0], acc is its init */
    {
        grt_state *s = NULL;
        REQUIRE(grt_infer_request_state(rq, (size_t)iacc, &s) == GRT_OK, "state acc");
        REQUIRE(grt_state_get(s, &got) == GRT_OK, "state_get acc");
        CHECKF(grt_tensor_element_count(got) == 2 && ((float *)grt_tensor_data(got))[1] == 20.0f,
               "initial acc is the init constant");
        grt_tensor_destroy(got);
        got = NULL;
        REQUIRE(grt_infer_request_state(rq, (size_t)ikv, &s) == GRT_OK, "state kv");
        REQUIRE(grt_state_get(s, &got) == GRT_OK, "state_get kv");
        CHECKF(grt_tensor_rank(got) == 2 && grt_tensor_dims(got)[1] == 0, "initial kv is [1, 0]");
        grt_tensor_destroy(got);
        got = NULL;
    }

    for (int round = 0; round < 2; round++) {
        for (int step = 0; step < 3; step++) {
            int64_t d[2] = {1, 2};
            REQUIRE(grt_tensor_create(GRT_F32, 2, d, &x) == GRT_OK, "x");
            REQUIRE(grt_tensor_create(GRT_F32, 2, d, &x2) == GRT_OK, "x2");
            float *xd = grt_tensor_data(x), *x2d = grt_tensor_data(x2);
            for (int i = 0; i < 2; i++) {
                xd[i] = (float)(step * 2 + i + 1);
                x2d[i] = (float)(step + 1) * (i ? -1.0f : 1.0f);
                kv_ref[kv_len + (size_t)i] = xd[i];
                acc_ref[i] += x2d[i];
            }
            kv_len += 2;
            REQUIRE(grt_infer_request_set_input(rq, 0, x) == GRT_OK, "set x");
            REQUIRE(grt_infer_request_set_input(rq, 1, x2) == GRT_OK, "set x2");
            REQUIRE(grt_infer_request_infer(rq) == GRT_OK, "infer round %d step %d", round, step);
            int64_t od[2] = {1, (int64_t)kv_len};
            check_output(rq, 0, 2, od, kv_ref, kv_len, "kv out");
            check_output(rq, 1, 2, acc_dims, acc_ref, 2, "acc out");
            grt_tensor_destroy(x);
            grt_tensor_destroy(x2);
            x = x2 = NULL;
        }
        /* the state holds the last value */
        grt_state *s = NULL;
        REQUIRE(grt_infer_request_state(rq, (size_t)ikv, &s) == GRT_OK, "state kv");
        REQUIRE(grt_state_get(s, &got) == GRT_OK, "state_get kv");
        CHECKF(grt_tensor_element_count(got) == kv_len &&
                   memcmp(grt_tensor_data(got), kv_ref, kv_len * sizeof(float)) == 0,
               "kv state after 3 infers");
        grt_tensor_destroy(got);
        got = NULL;
        /* a new conversation */
        REQUIRE(grt_infer_request_reset_state(rq) == GRT_OK, "reset");
        kv_len = 0;
        acc_ref[0] = 10.0f;
        acc_ref[1] = 20.0f;
    }

    /* state_set: kv = [100] then one infer appends x */
    {
        grt_state *s = NULL;
        int64_t d[2] = {1, 1};
        REQUIRE(grt_tensor_create(GRT_F32, 2, d, &setv) == GRT_OK, "tensor");
        ((float *)grt_tensor_data(setv))[0] = 100.0f;
        REQUIRE(grt_infer_request_state(rq, (size_t)ikv, &s) == GRT_OK, "state kv");
        REQUIRE(grt_state_set(s, setv) == GRT_OK, "state_set kv");
        int64_t xd[2] = {1, 2};
        REQUIRE(grt_tensor_create(GRT_F32, 2, xd, &x) == GRT_OK, "x");
        REQUIRE(grt_tensor_create(GRT_F32, 2, xd, &x2) == GRT_OK, "x2");
        ((float *)grt_tensor_data(x))[0] = 5.0f;
        ((float *)grt_tensor_data(x))[1] = 6.0f;
        REQUIRE(grt_infer_request_set_input(rq, 0, x) == GRT_OK, "set x");
        REQUIRE(grt_infer_request_set_input(rq, 1, x2) == GRT_OK, "set x2");
        REQUIRE(grt_infer_request_infer(rq) == GRT_OK, "infer after state_set");
        const float want[3] = {100.0f, 5.0f, 6.0f};
        int64_t od[2] = {1, 3};
        check_output(rq, 0, 2, od, want, 3, "kv after state_set");
        /* wrong type is rejected */
        grt_tensor *wrong = NULL;
        if (grt_tensor_create(GRT_I32, 2, d, &wrong) == GRT_OK) {
            CHECKF(grt_state_set(s, wrong) != GRT_OK, "state_set with i32 rejected");
            grt_tensor_destroy(wrong);
        }
    }

done:
    grt_tensor_destroy(x);
    grt_tensor_destroy(x2);
    grt_tensor_destroy(got);
    grt_tensor_destroy(setv);
    grt_infer_request_destroy(rq);
    grt_compiled_model_destroy(cm);
    grt_model_destroy(m);
}

/* Two requests of one compiled model run concurrently (they share the model's pool). */
typedef struct conc_arg {
    grt_compiled_model *cm;
    float bias;
    int ok;
} conc_arg;

enum { CONC_COLS = 50000 };

static void *conc_main(void *varg)
{
    conc_arg *a = varg;
    grt_infer_request *rq = NULL;
    grt_tensor *x = NULL, *out = NULL;
    int64_t dims[2] = {2, CONC_COLS};
    a->ok = 0;
    if (grt_compiled_model_create_infer_request(a->cm, &rq) != GRT_OK ||
        grt_tensor_create(GRT_F32, 2, dims, &x) != GRT_OK)
        goto done;
    float *xd = grt_tensor_data(x);
    for (int rep = 0; rep < 20; rep++) {
        for (size_t i = 0; i < 2 * CONC_COLS; i++)
            xd[i] = (float)((int)(i % 7) - 3 + rep) + a->bias;
        if (grt_infer_request_set_input(rq, 0, x) != GRT_OK || grt_infer_request_infer(rq) != GRT_OK ||
            grt_infer_request_get_output(rq, 0, &out) != GRT_OK ||
            grt_tensor_element_count(out) != 2 * CONC_COLS)
            goto done;
        const float *y = grt_tensor_data(out);
        for (size_t i = 0; i < 2 * CONC_COLS; i++)
            if (y[i] != (xd[i] > 0 ? xd[i] : 0.0f))
                goto done;
    }
    a->ok = 1;
done:
    grt_tensor_destroy(x);
    grt_infer_request_destroy(rq);
    return NULL;
}

static void test_concurrent(grt_core *core)
{
    grt_model *m = NULL;
    grt_compiled_model *cm = NULL;
    int64_t pdims[2] = {2, GRT_DYNAMIC};
    pthread_t t[2];
    conc_arg a[2];
    int started = 0;

    REQUIRE((m = test_unary_model("relu", GRT_OP_RELU, "relu", 2, pdims)) != NULL, "relu model");
    REQUIRE(compile_threads(core, m, 4, &cm) == GRT_OK, "compile");
    for (int i = 0; i < 2; i++) {
        a[i].cm = cm;
        a[i].bias = i ? 0.5f : -0.5f;
        a[i].ok = 0;
        if (pthread_create(&t[i], NULL, conc_main, &a[i]) == 0)
            started |= 1 << i;
    }
    for (int i = 0; i < 2; i++)
        if (started & (1 << i))
            pthread_join(t[i], NULL);
    CHECKF(started == 3 && a[0].ok && a[1].ok, "concurrent requests gave wrong results");
done:
    grt_compiled_model_destroy(cm);
    grt_model_destroy(m);
}

int main(void)
{
    grt_core *core = NULL;
    const char *const *names = NULL;
    size_t n = 0, has_cpu = 0;
    if (grt_core_create(NULL, &core) != GRT_OK) {
        fprintf(stderr, "grt_core_create failed: %s\n", grt_last_error());
        return 1;
    }
    if (grt_core_available_devices(core, &names, &n) == GRT_OK)
        for (size_t i = 0; i < n; i++)
            has_cpu |= strcmp(names[i], "CPU") == 0;
    if (!has_cpu) {
        fprintf(stderr, "FAIL: the CPU plugin was not found (GENRT_PLUGIN_PATH=%s)\n",
                getenv("GENRT_PLUGIN_PATH") ? getenv("GENRT_PLUGIN_PATH") : "");
        grt_core_destroy(core);
        return 1;
    }
    test_relu(core);
    test_state(core);
    test_concurrent(core);
    grt_core_destroy(core);
    return test_summary("test_cpu_e2e");
}
