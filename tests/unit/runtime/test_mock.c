/* tests/unit/runtime/test_mock.c - the runtime against the in-tree mock plugin (argv[1]):
 * multi-device names, properties (typed, text, config file, check_property, compiled), query
 * rejection naming the node, plugin-side async with BUSY and TIMEOUT, state variables, and
 * lifetimes (core and compiled model destroyed before the request). Public API only. */
#include <stdlib.h>
#include <unistd.h>

#include <genrt/genrt.h>

#include "test_util.h"

static grt_model *chain_model(grt_op_type op) {
    int64_t dims[1] = {6};
    return test_unary_model("chain", op, "act", 1, dims);
}

static float state_value(grt_infer_request *rq) {
    grt_state *s = NULL;
    grt_tensor *t = NULL;
    float v = -1.0f;
    if (grt_infer_request_state(rq, 0, &s) == GRT_OK && grt_state_get(s, &t) == GRT_OK) {
        v = *(const float *)grt_tensor_data(t);
        *(float *)grt_tensor_data(t) = 1234.0f; /* a copy: must not affect the request */
        grt_tensor_destroy(t);
    }
    return v;
}

static void test_properties(grt_core *core) {
    const char *const *names = NULL;
    size_t n = 0;
    grt_value v;
    CHECK_ERR(grt_core_available_devices(core, &names, &n), GRT_OK, NULL);
    int found = 0;
    for (size_t i = 0; i < n; i++) found += !strcmp(names[i], "MOCKRT.0") + !strcmp(names[i], "MOCKRT.1");
    CHECK(found == 2);
    CHECK_ERR(grt_core_get_property(core, "MOCKRT.1", "FULL_DEVICE_NAME", &v), GRT_OK, NULL);
    CHECK(v.type == GRT_VALUE_STRING && !strcmp(v.u.s, "Mock device 1"));
    grt_value_clear(&v);
    CHECK_ERR(grt_core_get_property(core, "MOCKRT", "FULL_DEVICE_NAME", &v), GRT_OK, NULL);
    CHECK(v.type == GRT_VALUE_STRING && !strcmp(v.u.s, "Mock device 0"));
    grt_value_clear(&v);
    CHECK_ERR(grt_core_get_property(core, "MOCKRT.2", "FULL_DEVICE_NAME", &v), GRT_ERROR_NOT_FOUND,
              "MOCKRT has 2 devices");
    CHECK_ERR(grt_core_get_property(core, "MOCKRT.0", GRT_PROP_AVAILABLE_DEVICES, &v), GRT_OK, NULL);
    CHECK(v.type == GRT_VALUE_STRING_LIST && v.u.list.count == 2);
    grt_value_clear(&v);
    CHECK_ERR(grt_core_get_property(core, "MOCKRT.0", GRT_PROP_SUPPORTED_PROPERTIES, &v), GRT_OK,
              NULL);
    CHECK(v.type == GRT_VALUE_STRING_LIST && v.u.list.count == 2 &&
          !strcmp(v.u.list.items[1], "DELAY_MS"));
    grt_value_clear(&v);

    CHECK_ERR(grt_core_set_property_str(core, "MOCKRT.0", "DELAY_MS", "abc"),
              GRT_ERROR_INVALID_ARGUMENT, "'DELAY_MS': 'abc'");
    CHECK_ERR(grt_core_set_property_str(core, "MOCKRT.0", "DELAY_MS", "20000"),
              GRT_ERROR_INVALID_ARGUMENT, "MOCKRT: DELAY_MS must be");
    CHECK_ERR(grt_core_set_property_str(core, "MOCKRT.0", "FULL_DEVICE_NAME", "x"),
              GRT_ERROR_INVALID_ARGUMENT, "read-only");
    grt_value s = {.type = GRT_VALUE_STRING, .u.s = "5"};
    CHECK_ERR(grt_core_set_property(core, "MOCKRT.0", "DELAY_MS", &s), GRT_ERROR_INVALID_ARGUMENT,
              "expects a int");
    CHECK_ERR(grt_core_set_property_str(core, "MOCKRT.1", "DELAY_MS", "7"), GRT_OK, NULL);
    CHECK_ERR(grt_core_get_property(core, "MOCKRT.1", "DELAY_MS", &v), GRT_OK, NULL);
    CHECK(v.type == GRT_VALUE_INT && v.u.i == 7);
    CHECK_ERR(grt_core_get_property(core, "MOCKRT.0", "DELAY_MS", &v), GRT_OK, NULL);
    CHECK(v.type == GRT_VALUE_INT && v.u.i == 0); /* per device */
}

static void test_config(const char *dir) {
    char path[512];
    snprintf(path, sizeof path, "%s/genrt_mock_config_%d.json", dir, (int)getpid());
    FILE *f = fopen(path, "w");
    if (!f) return;
    fputs("{\"MOCKRT.1\": {\"DELAY_MS\": 5}}", f);
    fclose(f);
    grt_core *core = NULL;
    grt_value v;
    CHECK_ERR(grt_core_create(path, &core), GRT_OK, NULL);
    if (core) {
        CHECK_ERR(grt_core_get_property(core, "MOCKRT.1", "DELAY_MS", &v), GRT_OK, NULL);
        CHECK(v.type == GRT_VALUE_INT && v.u.i == 5);
        grt_core_destroy(core);
    }
    f = fopen(path, "w");
    if (f) {
        fputs("{\"MOCKRT\": {\"DELAY_MS\": \"slow\"}}", f);
        fclose(f);
        CHECK_ERR(grt_core_create(path, &core), GRT_ERROR_INVALID_ARGUMENT, "DELAY_MS");
        CHECK_ERR(grt_core_create(path, &core), GRT_ERROR_INVALID_ARGUMENT, "genrt_mock_config");
    }
    unlink(path);
}

static void test_run(grt_core *core) {
    grt_model *bad = chain_model(GRT_OP_SILU), *good = chain_model(GRT_OP_RELU);
    grt_compiled_model *cm = NULL;
    grt_infer_request *rq = NULL;
    grt_tensor *x = NULL, *y = NULL, *sv = NULL;
    float xs[6] = {-1, 2, -3, 4, 0, 6};
    int64_t dims[1] = {6};
    CHECK(bad && good);
    if (!bad || !good) goto done;
    CHECK_ERR(grt_core_compile_model(core, bad, "MOCKRT", NULL, 0, &cm), GRT_ERROR_NOT_SUPPORTED,
              "node 'act'");
    CHECK(cm == NULL);
    grt_property props[1] = {{"DELAY_MS", {.type = GRT_VALUE_INT, .u.i = 300}}};
    grt_property badp[1] = {{"DELAY_MS", {.type = GRT_VALUE_INT, .u.i = -3}}};
    CHECK_ERR(grt_core_compile_model(core, good, "MOCKRT.1", badp, 1, &cm),
              GRT_ERROR_INVALID_ARGUMENT, "DELAY_MS");
    CHECK_ERR(grt_core_compile_model(core, good, "MOCKRT.1", props, 1, &cm), GRT_OK, NULL);
    if (!cm) goto done;
    CHECK(!strcmp(grt_compiled_model_device(cm), "MOCKRT.1"));
    grt_value v;
    CHECK_ERR(grt_compiled_model_get_property(cm, "DELAY_MS", &v), GRT_OK, NULL);
    CHECK(v.type == GRT_VALUE_INT && v.u.i == 300);
    CHECK_ERR(grt_compiled_model_get_property(cm, "NOPE", &v), GRT_ERROR_NOT_FOUND, "'NOPE'");

    CHECK_ERR(grt_compiled_model_create_infer_request(cm, &rq), GRT_OK, NULL);
    if (!rq) goto done;
    /* the request keeps the compiled model and the plugin alive */
    grt_compiled_model_destroy(cm);
    cm = NULL;
    grt_core_destroy(core);

    CHECK(grt_infer_request_state_count(rq) == 1);
    grt_state *st = NULL;
    CHECK_ERR(grt_infer_request_state(rq, 0, &st), GRT_OK, NULL);
    CHECK(st && !strcmp(grt_state_name(st), "counter"));
    grt_state *none = NULL;
    CHECK_ERR(grt_infer_request_state(rq, 1, &none), GRT_ERROR_INVALID_ARGUMENT, NULL);
    CHECK(none == NULL);

    CHECK_ERR(grt_tensor_wrap(GRT_F32, 1, dims, NULL, xs, sizeof xs, &x), GRT_OK, NULL);
    CHECK_ERR(grt_infer_request_set_input(rq, 0, x), GRT_OK, NULL);
    CHECK_ERR(grt_infer_request_start_async(rq), GRT_OK, NULL);
    CHECK_ERR(grt_infer_request_start_async(rq), GRT_ERROR_BUSY, "async infer is running");
    CHECK_ERR(grt_infer_request_set_input(rq, 0, x), GRT_ERROR_BUSY, NULL);
    CHECK_ERR(grt_infer_request_get_output(rq, 0, &y), GRT_ERROR_BUSY, NULL);
    CHECK_ERR(grt_infer_request_reset_state(rq), GRT_ERROR_BUSY, NULL);
    CHECK_ERR(grt_infer_request_infer(rq), GRT_ERROR_BUSY, NULL);
    CHECK_ERR(grt_infer_request_wait(rq, 20), GRT_ERROR_TIMEOUT, "still running");
    CHECK_ERR(grt_infer_request_wait(rq, -1), GRT_OK, NULL);
    CHECK_ERR(grt_infer_request_get_output(rq, 0, &y), GRT_OK, NULL);
    int ok = y && grt_tensor_element_count(y) == 6;
    for (int i = 0; ok && i < 6; i++)
        ok = ((const float *)grt_tensor_data(y))[i] == (xs[i] > 0 ? xs[i] : 0.0f);
    CHECK(ok);
    CHECK(state_value(rq) == 1.0f);
    CHECK(state_value(rq) == 1.0f);

    int64_t one[1] = {1};
    CHECK_ERR(grt_tensor_create(GRT_F32, 1, one, &sv), GRT_OK, NULL);
    if (sv) *(float *)grt_tensor_data(sv) = 5.0f;
    CHECK_ERR(grt_state_set(st, sv), GRT_OK, NULL);
    CHECK_ERR(grt_infer_request_infer(rq), GRT_OK, NULL);
    CHECK(state_value(rq) == 6.0f);
    grt_tensor_destroy(sv);
    int64_t two[1] = {2};
    CHECK_ERR(grt_tensor_create(GRT_F32, 1, two, &sv), GRT_OK, NULL);
    CHECK_ERR(grt_state_set(st, sv), GRT_ERROR_SHAPE, "counter");
    CHECK_ERR(grt_infer_request_reset_state(rq), GRT_OK, NULL);
    CHECK(state_value(rq) == 0.0f);

    /* an async run nobody waits for: destroy waits for it */
    CHECK_ERR(grt_infer_request_start_async(rq), GRT_OK, NULL);
done:
    grt_infer_request_destroy(rq);
    grt_compiled_model_destroy(cm);
    grt_tensor_destroy(x);
    grt_tensor_destroy(sv);
    grt_model_destroy(bad);
    grt_model_destroy(good);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s <mock plugin .so>\n", argv[0]);
        return 2;
    }
    setenv("GENRT_PLUGIN_PATH", argv[1], 1);
    grt_core *core = NULL;
    CHECK_ERR(grt_core_create(NULL, &core), GRT_OK, NULL);
    if (!core) return test_summary("runtime_mock");
    test_properties(core);
    test_config(argc > 2 ? argv[2] : "/tmp");
    test_run(core); /* destroys core */
    return test_summary("runtime_mock");
}
