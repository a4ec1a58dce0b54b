/*
 * tools/cli/cmd_demo.c - `genrt demo`: builds a small transformer-style graph (demo_model.c),
 * saves it as a GenRT IR file, reads it back, compiles it on a device, runs it several times
 * (the "kv" state variable grows by T rows per run) and checks every output against the plain-C
 * reference. Prints "demo: OK" and exits 0, or says what differs and exits 1.
 * Single-threaded; owns and frees everything it creates (the temporary IR file included).
 */
#include "cli.h"
#include "demo_model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEMO_ATOL 1e-4
#define DEMO_RTOL 1e-3

/* Asks the device for exact f32 math where it has the knobs (a device may otherwise choose bf16
 * or quantize activations dynamically, which the tolerance above does not allow). */
static grt_status request_exact_math(grt_core *core, const char *device) {
    const grt_property_info *infos = NULL;
    size_t n = 0;
    grt_status st = grt_core_supported_properties(core, device, &infos, &n);
    if (st != GRT_OK) return st;
    for (size_t i = 0; i < n; i++) {
        const char *value = NULL;
        if (!infos[i].is_mutable || !infos[i].name) continue;
        if (!strcmp(infos[i].name, GRT_PROP_INFERENCE_PRECISION_HINT)) value = "f32";
        else if (!strcmp(infos[i].name, GRT_PROP_DYNAMIC_QUANTIZATION_GROUP_SIZE)) value = "0";
        if (value && (st = grt_core_set_property_str(core, device, infos[i].name, value)) != GRT_OK)
            return st;
    }
    return GRT_OK;
}

static void print_shape(const grt_tensor *t) {
    const int64_t *dims = grt_tensor_dims(t);
    printf("[");
    for (size_t i = 0; i < grt_tensor_rank(t); i++)
        printf("%s%lld", i ? ", " : "", (long long)dims[i]);
    printf("]");
}

/* Prints output `name` (an f32 [rows, cols] tensor) and compares it with ref[rows][cols].
 * Returns 0 if it matches, 1 if not (with a message on stderr), -1 on an API error. */
static int check_output(grt_infer_request *rq, const char *name, const float *ref, int64_t rows,
                        int64_t cols) {
    grt_tensor *t = NULL;
    grt_status st = grt_infer_request_get_tensor(rq, name, &t);
    if (st != GRT_OK) {
        grt_cli_fail("demo", st);
        return -1;
    }
    printf("  %-8s ", name);
    print_shape(t);
    printf("\n");
    const int64_t *dims = grt_tensor_dims(t), *strides = grt_tensor_strides(t);
    if (grt_tensor_element_type(t) != GRT_F32 || grt_tensor_rank(t) != 2 || dims[0] != rows ||
        dims[1] != cols) {
        fprintf(stderr, "genrt demo: output '%s' is %s rank %zu, expected f32 [%lld, %lld]\n", name,
                grt_element_type_name(grt_tensor_element_type(t)), grt_tensor_rank(t),
                (long long)rows, (long long)cols);
        return 1;
    }
    const char *base = grt_tensor_data(t);
    int bad = 0;
    for (int64_t i = 0; i < rows; i++) {
        printf("    ");
        for (int64_t j = 0; j < cols; j++) {
            float got;
            memcpy(&got, base + i * strides[0] + j * strides[1], sizeof got);
            float want = ref[i * cols + j];
            printf("%s%8.4f", j ? " " : "", got);
            if (!(fabs((double)got - want) <= DEMO_ATOL + DEMO_RTOL * fabs((double)want))) {
                if (!bad)
                    fprintf(stderr, "genrt demo: output '%s'[%lld, %lld] = %g, reference %g\n",
                            name, (long long)i, (long long)j, got, want);
                bad = 1;
            }
        }
        printf("\n");
    }
    return bad;
}

/* Prints the shapes of the request's state variables. Returns 0, or -1 on an API error. */
static int print_states(grt_infer_request *rq, int64_t expect_rows) {
    for (size_t i = 0; i < grt_infer_request_state_count(rq); i++) {
        grt_state *state = NULL;
        grt_tensor *value = NULL;
        grt_status st = grt_infer_request_state(rq, i, &state);
        if (st == GRT_OK) st = grt_state_get(state, &value);
        if (st != GRT_OK) {
            grt_cli_fail("demo", st);
            return -1;
        }
        printf("  state '%s' ", grt_state_name(state));
        print_shape(value);
        printf("\n");
        int ok = grt_tensor_rank(value) == 2 && grt_tensor_dims(value)[0] == expect_rows;
        grt_tensor_destroy(value);
        if (!ok) {
            fprintf(stderr, "genrt demo: state '%s' should have %lld rows\n", grt_state_name(state),
                    (long long)expect_rows);
            return 1;
        }
    }
    return 0;
}

static int run_demo(int argc, char **argv) {
    const char *device = "CPU", *out_path = NULL;
    int steps = 3;
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        if (!strcmp(opt, "-d") || !strcmp(opt, "-o") || !strcmp(opt, "-n")) {
            if (i + 1 >= argc) return grt_cli_usage_error(&grt_cli_cmd_demo, "missing value for", opt);
            const char *val = argv[++i];
            if (opt[1] == 'd') device = val;
            else if (opt[1] == 'o') out_path = val;
            else {
                char *end = NULL;
                long n = strtol(val, &end, 10);
                if (!*val || *end || n < 1 || n > DEMO_MAX_STEPS)
                    return grt_cli_usage_error(&grt_cli_cmd_demo, "bad step count (1..8)", val);
                steps = (int)n;
            }
        } else {
            return grt_cli_usage_error(&grt_cli_cmd_demo, "unknown option", opt);
        }
    }

    int rc = GRT_CLI_EXIT_FAIL;
    char tmp_path[4096] = "";
    grt_core *core = NULL;
    grt_model *built = NULL, *model = NULL;
    grt_compiled_model *cm = NULL;
    grt_infer_request *rq = NULL;
    grt_tensor *x = NULL;
    grt_status st = GRT_OK;
    grt_demo_ref ref;
    const int64_t x_dims[2] = {DEMO_T, DEMO_D};
    int mismatch = 0;
    memset(&ref, 0, sizeof ref);

    if (!out_path) {
        const char *dir = getenv("TMPDIR");
        snprintf(tmp_path, sizeof tmp_path, "%s/genrt-demo-XXXXXX", dir && *dir ? dir : "/tmp");
        int fd = mkstemp(tmp_path);
        if (fd < 0) {
            fprintf(stderr, "genrt demo: cannot create a temporary file in %s\n", tmp_path);
            tmp_path[0] = '\0';
            goto fail;
        }
        close(fd);
        out_path = tmp_path;
    }

    st = grt_demo_build(&built);
    if (st != GRT_OK) goto api_fail;
    printf("built model '%s': %zu nodes, %zu input, %zu outputs\n", grt_model_name(built),
           grt_model_node_count(built), grt_model_input_count(built), grt_model_output_count(built));
    if ((st = grt_model_save(built, out_path)) != GRT_OK) goto api_fail;
    printf("saved IR file %s\n", out_path);
    if ((st = grt_core_create(NULL, &core)) != GRT_OK) goto api_fail;
    if ((st = grt_model_read(core, out_path, &model)) != GRT_OK) goto api_fail;
    printf("read it back: %zu nodes\n", grt_model_node_count(model));
    if (grt_model_node_count(model) != grt_model_node_count(built) ||
        grt_model_output_count(model) != 3) {
        fprintf(stderr, "genrt demo: the model read back from %s differs from the one saved\n",
                out_path);
        goto fail;
    }
    if ((st = request_exact_math(core, device)) != GRT_OK) goto api_fail;
    if ((st = grt_core_compile_model(core, model, device, NULL, 0, &cm)) != GRT_OK) goto api_fail;
    printf("compiled on %s\n", grt_compiled_model_device(cm));
    if ((st = grt_compiled_model_create_infer_request(cm, &rq)) != GRT_OK) goto api_fail;
    if ((st = grt_tensor_create(GRT_F32, 2, x_dims, &x)) != GRT_OK) goto api_fail;
    if ((st = grt_infer_request_set_tensor(rq, "x", x)) != GRT_OK) goto api_fail;

    for (int step = 0; step < steps; step++) {
        float xin[DEMO_T][DEMO_D], hidden[DEMO_T][DEMO_D], context[DEMO_T][DEMO_D];
        float probs[DEMO_T * DEMO_MAX_ROWS];
        grt_demo_input(step, xin);
        memcpy(grt_tensor_data(x), xin, sizeof xin);
        if (grt_demo_ref_step(&ref, &xin[0][0], hidden, probs, context) != 0) goto fail;
        if ((st = grt_infer_request_infer(rq)) != GRT_OK) goto api_fail;
        printf("run %d:\n", step + 1);
        int r = check_output(rq, "hidden", &hidden[0][0], DEMO_T, DEMO_D);
        if (r >= 0) r |= check_output(rq, "probs", probs, DEMO_T, ref.rows);
        if (r >= 0) r |= check_output(rq, "context", &context[0][0], DEMO_T, DEMO_D);
        if (r >= 0) r |= print_states(rq, ref.rows);
        if (r < 0) goto fail;
        mismatch |= r;
    }
    if (mismatch) {
        fprintf(stderr, "demo: FAILED (outputs differ from the reference)\n");
        goto fail;
    }
    printf("demo: OK\n");
    rc = GRT_CLI_EXIT_OK;
    goto fail;
api_fail:
    rc = grt_cli_fail("demo", st);
fail:
    grt_infer_request_destroy(rq);
    grt_tensor_destroy(x);
    grt_compiled_model_destroy(cm);
    grt_model_destroy(model);
    grt_model_destroy(built);
    grt_core_destroy(core);
    if (tmp_path[0]) unlink(tmp_path);
    return rc;
}

const grt_cli_command grt_cli_cmd_demo = {
    "demo",
    "build, save, reload, compile and run a small stateful graph",
    "usage: genrt demo [-d DEVICE] [-o FILE.grt] [-n STEPS]\n\n"
    "Builds a small transformer-style graph with the graph builder (RMSNorm, MatMul with an\n"
    "int8-compressed weight, SiLU, MatMul, residual Add, a ReadValue/Concat/Assign state and\n"
    "Softmax attention over it), saves it as a GenRT IR file, reads it back, compiles it and runs\n"
    "it STEPS times, showing the state grow. Every output is checked against a plain-C\n"
    "computation of the same math; prints \"demo: OK\" or exits with status 1.\n\n"
    "options:\n"
    "  -d DEVICE    device to run on (default CPU)\n"
    "  -o FILE.grt  keep the IR file here (default: a temporary file, removed afterwards)\n"
    "  -n STEPS     number of runs, 1..8 (default 3)\n",
    run_demo,
};
