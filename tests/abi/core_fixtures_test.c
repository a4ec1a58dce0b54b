/*
 * tests/abi/core_fixtures_test.c - the core's plugin loader against the ABI fixture plugins,
 * through the public API only.
 *
 *     genrt_abi_core_fixtures FIXTURE_DIR
 *
 * Sets GENRT_PLUGIN_PATH to FIXTURE_DIR (before grt_core_create) and checks: the working fixtures
 * (ADDER, ADDEROLD with a truncated table, ADDERNEW with a larger one) are available devices and
 * run a model correctly; the broken ones (wrong ABI major, failing init, missing
 * grt_plugin_init, probe score 0) are listed by grt_core_skipped_plugins with a reason naming the
 * cause and are logged through the grt_set_log_callback sink with the same reason; the core
 * never calls a slot past a table's struct_size; properties reach the plugin; an unsupported op
 * is reported; and a compiled model keeps its plugin loaded after the core is destroyed. Prints "ok"/"FAIL" lines; exit status 1 if any check failed.
 * Threading: single-threaded. Ownership: everything created is destroyed before exit.
 */
#include <genrt/genrt.h>
#include <genrt/plugin.h> /* grt_log_level */

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int g_tests, g_errors;

/* Log messages received through grt_set_log_callback (level, component and text). */
#define MAX_LOGS 64
static struct {
    int level;
    char component[32];
    char message[1024];
} g_logs[MAX_LOGS];
static int g_n_logs;

static void collect_log(void *user, int level, const char *component, const char *message) {
    int *calls = user;
    (*calls)++;
    if (g_n_logs >= MAX_LOGS)
        return;
    g_logs[g_n_logs].level = level;
    snprintf(g_logs[g_n_logs].component, sizeof g_logs[0].component, "%s", component);
    snprintf(g_logs[g_n_logs].message, sizeof g_logs[0].message, "%s", message);
    g_n_logs++;
}

/* The first logged WARNING from the core that mentions `file` and `cause`, or NULL. */
static const char *find_log(const char *file, const char *cause) {
    for (int i = 0; i < g_n_logs; i++)
        if (g_logs[i].level == GRT_LOG_WARNING && strcmp(g_logs[i].component, "core") == 0 &&
            strstr(g_logs[i].message, file) && strcasestr(g_logs[i].message, cause))
            return g_logs[i].message;
    return NULL;
}

/* 1 if a shared object whose path contains `name` is mapped into this process (Linux). */
static int is_mapped(const char *name) {
    char line[1024];
    int found = 0;
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return -1;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, name) != NULL;
    fclose(f);
    return found;
}

static int check(int cond, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    g_tests++;
    if (!cond)
        g_errors++;
    fputs(cond ? "ok   " : "FAIL: ", stdout);
    vprintf(fmt, ap);
    if (!cond && grt_last_error()[0])
        printf(" (last error: \"%s\")", grt_last_error());
    fputc('\n', stdout);
    va_end(ap);
    return cond;
}

static int has_device(grt_core *core, const char *name) {
    const char *const *names = NULL;
    size_t n = 0;
    if (grt_core_available_devices(core, &names, &n) != GRT_OK)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return 1;
    return 0;
}

/* The skip reason of the plugin file whose name contains `file`, or NULL. */
static const char *skip_reason(grt_core *core, const char *file) {
    const char *const *reasons = NULL;
    size_t n = 0;
    if (grt_core_skipped_plugins(core, &reasons, &n) != GRT_OK)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (strstr(reasons[i], file))
            return reasons[i];
    return NULL;
}

/* x [2,3] + y [3] -> out [2,3]; or relu(x) when relu != 0. */
static grt_model *build_model(int relu) {
    const int64_t dx[2] = {2, 3}, dy[1] = {3};
    grt_model *m = NULL;
    grt_port x, y, out;
    uint32_t node;
    if (grt_model_create(relu ? "relu_model" : "add_model", &m) != GRT_OK)
        return NULL;
    if (grt_model_add_parameter(m, "x", GRT_F32, 2, dx, &x) != GRT_OK)
        goto fail;
    if (relu) {
        if (grt_model_add_op(m, GRT_OP_RELU, "relu_node", 1, &x, 0, NULL, &node) != GRT_OK)
            goto fail;
    } else {
        grt_port in[2];
        if (grt_model_add_parameter(m, "y", GRT_F32, 1, dy, &y) != GRT_OK)
            goto fail;
        in[0] = x;
        in[1] = y;
        if (grt_model_add_op(m, GRT_OP_ADD, "add_node", 2, in, 0, NULL, &node) != GRT_OK)
            goto fail;
    }
    out.node = node;
    out.port = 0;
    if (grt_model_add_result(m, "out", out) != GRT_OK)
        goto fail;
    return m;
fail:
    grt_model_destroy(m);
    return NULL;
}

/* Creates a request on cm, runs x + y and compares with the reference. */
static void run_add(grt_compiled_model *cm, const char *dev) {
    float x[6], y[3], ref[6];
    const int64_t dx[2] = {2, 3}, dy[1] = {3};
    grt_infer_request *rq = NULL;
    grt_tensor *tx = NULL, *ty = NULL, *out = NULL;
    const float *o;
    int ok = 1;

    for (int i = 0; i < 6; i++)
        x[i] = (float)i * 0.5f - 1.0f;
    for (int i = 0; i < 3; i++)
        y[i] = (float)(i + 1) * 10.0f;
    for (int i = 0; i < 6; i++)
        ref[i] = x[i] + y[i % 3];
    if (!check(grt_compiled_model_create_infer_request(cm, &rq) == GRT_OK, "%s: create request",
               dev))
        goto done;
    if (!check(grt_tensor_wrap(GRT_F32, 2, dx, NULL, x, sizeof x, &tx) == GRT_OK &&
                   grt_tensor_wrap(GRT_F32, 1, dy, NULL, y, sizeof y, &ty) == GRT_OK,
               "%s: wrap input tensors", dev))
        goto done;
    if (!check(grt_infer_request_set_input(rq, 0, tx) == GRT_OK &&
                   grt_infer_request_set_input(rq, 1, ty) == GRT_OK,
               "%s: set inputs", dev))
        goto done;
    if (!check(grt_infer_request_infer(rq) == GRT_OK, "%s: infer", dev))
        goto done;
    if (!check(grt_infer_request_get_output(rq, 0, &out) == GRT_OK && out &&
                   grt_tensor_element_type(out) == GRT_F32 && grt_tensor_element_count(out) == 6 &&
                   grt_tensor_is_dense(out),
               "%s: output is a dense f32 tensor of 6 elements", dev))
        goto done;
    o = grt_tensor_data(out);
    for (int i = 0; i < 6; i++)
        ok &= fabsf(o[i] - ref[i]) <= 1e-6f * (1.0f + fabsf(ref[i]));
    check(ok, "%s: output equals x + y (broadcast)", dev);
    check(grt_infer_request_state_count(rq) == 0,
          "%s: no state variables (the core read no slot past struct_size)", dev);
done:
    grt_infer_request_destroy(rq);
    grt_tensor_destroy(tx);
    grt_tensor_destroy(ty);
}

static void check_skipped(grt_core *core) {
    static const struct {
        const char *file, *device, *cause;
    } k[] = {
        {"libgenrt_fixture_major2", "ADDERMAJOR", "ABI major"},
        {"libgenrt_fixture_failinit", "ADDERFAIL", "simulated device initialisation failure"},
        {"libgenrt_fixture_nosym", "ADDERNOINIT", "grt_plugin_init"},
        {"libgenrt_fixture_score0", "ADDERZERO", "score"},
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        const char *r = skip_reason(core, k[i].file);
        check(!has_device(core, k[i].device), "%s is not an available device", k[i].device);
        check(r && strcasestr(r, k[i].cause), "%s is skipped with a reason mentioning \"%s\" "
              "(reason: %s)", k[i].file, k[i].cause, r ? r : "none");
        check(find_log(k[i].file, k[i].cause) != NULL,
              "%s: a WARNING from \"core\" mentioning \"%s\" reached the log callback",
              k[i].file, k[i].cause);
    }
}

static void check_properties(grt_core *core, const grt_model *add) {
    grt_compiled_model *cm = NULL;
    grt_value v;
    memset(&v, 0, sizeof v);
    check(grt_core_get_property(core, "ADDER", GRT_PROP_FULL_DEVICE_NAME, &v) == GRT_OK &&
              v.type == GRT_VALUE_STRING && strstr(v.u.s, "ADDER"),
          "ADDER: FULL_DEVICE_NAME comes from the plugin");
    grt_value_clear(&v);
    check(grt_core_set_property_str(core, "ADDER", GRT_PROP_INFERENCE_NUM_THREADS, "many") ==
              GRT_ERROR_INVALID_ARGUMENT,
          "ADDER: INFERENCE_NUM_THREADS=\"many\" is rejected with INVALID_ARGUMENT");
    check(grt_core_set_property_str(core, "ADDER", GRT_PROP_INFERENCE_NUM_THREADS, "3") == GRT_OK,
          "ADDER: INFERENCE_NUM_THREADS=3 is accepted");
    if (check(grt_core_compile_model(core, add, "ADDER", NULL, 0, &cm) == GRT_OK,
              "ADDER: compile after setting a property")) {
        check(grt_compiled_model_get_property(cm, GRT_PROP_INFERENCE_NUM_THREADS, &v) == GRT_OK &&
                  v.type == GRT_VALUE_INT && v.u.i == 3,
              "ADDER: the core passed INFERENCE_NUM_THREADS=3 to compile_model");
        grt_value_clear(&v);
    }
    grt_compiled_model_destroy(cm);
}

static void check_unsupported(grt_core *core) {
    grt_model *relu = build_model(1);
    grt_compiled_model *cm = NULL;
    uint8_t sup[8];
    grt_status st;
    if (!check(relu != NULL, "build a ReLU model"))
        return;
    memset(sup, 0xEE, sizeof sup);
    check(grt_core_query_model(core, relu, "ADDER", sup) == GRT_OK && sup[0] == 1 && sup[1] == 0,
          "ADDER: query_model marks the ReLU node unsupported");
    st = grt_core_compile_model(core, relu, "ADDER", NULL, 0, &cm);
    check(st == GRT_ERROR_NOT_SUPPORTED && strstr(grt_last_error(), "relu_node"),
          "ADDER: compiling ReLU fails with NOT_SUPPORTED naming the node (%s: %s)",
          grt_status_str(st), grt_last_error());
    grt_compiled_model_destroy(cm);
    grt_model_destroy(relu);
}

int main(int argc, char **argv) {
    static const char *const working[] = {"ADDER", "ADDEROLD", "ADDERNEW"};
    grt_core *core = NULL;
    grt_model *add = NULL;
    grt_compiled_model *kept = NULL;
    int log_calls = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: genrt_abi_core_fixtures FIXTURE_DIR\n");
        return 2;
    }
    setenv("GENRT_PLUGIN_PATH", argv[1], 1);
    grt_set_log_callback(collect_log, &log_calls);
    if (!check(grt_core_create(NULL, &core) == GRT_OK, "grt_core_create with GENRT_PLUGIN_PATH=%s",
               argv[1]))
        goto done;
    add = build_model(0);
    if (!check(add != NULL, "build an Add model"))
        goto done;
    for (size_t i = 0; i < sizeof working / sizeof working[0]; i++) {
        grt_compiled_model *cm = NULL;
        if (!check(has_device(core, working[i]), "%s is an available device", working[i]))
            continue;
        if (check(grt_core_compile_model(core, add, working[i], NULL, 0, &cm) == GRT_OK,
                  "%s: compile the Add model", working[i]))
            run_add(cm, working[i]);
        grt_compiled_model_destroy(cm);
    }
    check(log_calls > 0 && log_calls == g_n_logs, "the log callback got %d messages with its "
          "user pointer", log_calls);
    check_skipped(core);
    check_properties(core, add);
    check_unsupported(core);

    /* A compiled model keeps its plugin loaded: destroy the core and the model, then run. */
    check(grt_core_compile_model(core, add, "ADDERNEW", NULL, 0, &kept) == GRT_OK,
          "ADDERNEW: compile the model that outlives the core");
    grt_core_destroy(core);
    core = NULL;
    grt_model_destroy(add);
    add = NULL;
    if (kept)
        run_add(kept, "ADDERNEW after grt_core_destroy");
    check(is_mapped("libgenrt_fixture_new.so") != 0,
          "ADDERNEW's plugin is still mapped while its compiled model lives");
    grt_compiled_model_destroy(kept);
    kept = NULL;
    printf("     after the last object: libgenrt_fixture_new.so %s\n",
           is_mapped("libgenrt_fixture_new.so") == 1 ? "is still mapped (not unloaded)"
                                                     : "was unloaded");
done:
    grt_set_log_callback(NULL, NULL);
    grt_compiled_model_destroy(kept);
    grt_model_destroy(add);
    grt_core_destroy(core);
    printf("%d tests and %d errors\n", g_tests, g_errors);
    return g_errors != 0;
}
