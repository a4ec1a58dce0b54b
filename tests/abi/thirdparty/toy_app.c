/*
 * toy_app.c - a third-party application: finds the out-of-tree "TOY" device through
 * GENRT_PLUGIN_PATH and runs out = relu(x) + y on it with the public GenRT API, comparing the
 * result with a plain reference. Exit status 0 on success, 1 with a message on failure.
 * Single-threaded; every object it creates is destroyed before exit.
 */
#include <genrt/genrt.h>
#include <genrt/plugin.h> /* GRT_ABI_MAJOR: the ABI the TOY plugin was built for */

#include <math.h>
#include <stdio.h>
#include <string.h>

#define CHECK(call, what)                                                                          \
    do {                                                                                           \
        grt_status st_ = (call);                                                                   \
        if (st_ != GRT_OK) {                                                                       \
            fprintf(stderr, "toy_app: %s: %s: %s\n", what, grt_status_str(st_), grt_last_error()); \
            goto done;                                                                             \
        }                                                                                          \
    } while (0)

int main(void) {
    const int64_t dims[2] = {2, 3};
    float x[6] = {-1.5f, 2.0f, -0.25f, 4.0f, 0.0f, -3.0f}, y[6] = {1, 2, 3, 4, 5, 6};
    const char *const *names = NULL;
    size_t n_names = 0;
    grt_core *core = NULL;
    grt_model *model = NULL;
    grt_compiled_model *cm = NULL;
    grt_infer_request *rq = NULL;
    grt_tensor *tx = NULL, *ty = NULL, *out = NULL;
    grt_port px, py, in[2], res;
    uint32_t relu, add;
    const float *o;
    int found = 0, rc = 1;

    if (grt_get_version()->abi_major != GRT_ABI_MAJOR) {
        fprintf(stderr, "toy_app: libgenrt implements ABI major %u, headers say %d\n",
                grt_get_version()->abi_major, GRT_ABI_MAJOR);
        return 1;
    }
    CHECK(grt_core_create(NULL, &core), "create core");
    CHECK(grt_core_available_devices(core, &names, &n_names), "list devices");
    for (size_t i = 0; i < n_names; i++)
        found |= strcmp(names[i], "TOY") == 0;
    if (!found) {
        const char *const *skipped = NULL;
        size_t n_skipped = 0;
        fprintf(stderr, "toy_app: device TOY not found (is GENRT_PLUGIN_PATH set?)\n");
        if (grt_core_skipped_plugins(core, &skipped, &n_skipped) == GRT_OK)
            for (size_t i = 0; i < n_skipped; i++)
                fprintf(stderr, "  skipped: %s\n", skipped[i]);
        goto done;
    }

    CHECK(grt_model_create("toy", &model), "create model");
    CHECK(grt_model_add_parameter(model, "x", GRT_F32, 2, dims, &px), "add x");
    CHECK(grt_model_add_parameter(model, "y", GRT_F32, 2, dims, &py), "add y");
    CHECK(grt_model_add_op(model, GRT_OP_RELU, "relu", 1, &px, 0, NULL, &relu), "add relu");
    in[0].node = relu;
    in[0].port = 0;
    in[1] = py;
    CHECK(grt_model_add_op(model, GRT_OP_ADD, "add", 2, in, 0, NULL, &add), "add add");
    res.node = add;
    res.port = 0;
    CHECK(grt_model_add_result(model, "out", res), "add result");

    CHECK(grt_core_compile_model(core, model, "TOY", NULL, 0, &cm), "compile on TOY");
    CHECK(grt_compiled_model_create_infer_request(cm, &rq), "create request");
    CHECK(grt_tensor_wrap(GRT_F32, 2, dims, NULL, x, sizeof x, &tx), "wrap x");
    CHECK(grt_tensor_wrap(GRT_F32, 2, dims, NULL, y, sizeof y, &ty), "wrap y");
    CHECK(grt_infer_request_set_input(rq, 0, tx), "set x");
    CHECK(grt_infer_request_set_input(rq, 1, ty), "set y");
    CHECK(grt_infer_request_infer(rq), "infer");
    CHECK(grt_infer_request_get_output(rq, 0, &out), "get output");
    if (grt_tensor_element_count(out) != 6 || grt_tensor_element_type(out) != GRT_F32) {
        fprintf(stderr, "toy_app: output is not 6 f32 values\n");
        goto done;
    }
    o = grt_tensor_data(out);
    for (int i = 0; i < 6; i++) {
        float want = (x[i] > 0.0f ? x[i] : 0.0f) + y[i];
        if (fabsf(o[i] - want) > 1e-6f) {
            fprintf(stderr, "toy_app: out[%d] = %g, expected %g\n", i, o[i], want);
            goto done;
        }
    }
    printf("toy_app: relu(x) + y on TOY matches the reference\n");
    rc = 0;
done:
    grt_infer_request_destroy(rq);
    grt_tensor_destroy(tx);
    grt_tensor_destroy(ty);
    grt_compiled_model_destroy(cm);
    grt_model_destroy(model);
    grt_core_destroy(core);
    return rc;
}
