/* tests/unit/runtime/test_e2e.c - the runtime end to end on the CPU plugin, through the public
 * API only: Parameter -> ReLU -> Result compiled on "CPU", inputs bound and checked, sync and
 * async infer compared with a plain ReLU, outputs refreshed per infer, BUSY/timeout behaviour,
 * properties, and a compiled model outliving its core. Skips (77) if no CPU device loads. */
#include <stdlib.h>

#include <genrt/genrt.h>

#include "test_util.h"

static grt_model *relu_model(int64_t d0) {
    int64_t dims[2] = {d0, 8};
    return test_unary_model("relu", GRT_OP_RELU, "relu", 2, dims);
}

/* Fills x[n] with a deterministic mix of signs and checks y[n] == max(x, 0). */
static void fill(float *x, size_t n, int seed) {
    for (size_t i = 0; i < n; i++) x[i] = (float)((int)((i * 7 + (size_t)seed * 13) % 17) - 8) * 0.5f;
}

static int relu_matches(const grt_tensor *y, const float *x, size_t n) {
    if (!y || grt_tensor_element_type(y) != GRT_F32 || grt_tensor_element_count(y) != n ||
        !grt_tensor_is_dense(y))
        return 0;
    const float *p = grt_tensor_data(y);
    for (size_t i = 0; i < n; i++) {
        float want = x[i] > 0 ? x[i] : 0.0f;
        if (p[i] != want) return 0;
    }
    return 1;
}

int main(void) {
    grt_core *core = NULL;
    grt_model *model = NULL;
    grt_compiled_model *cm = NULL;
    grt_infer_request *rq = NULL, *rq2 = NULL;
    grt_tensor *x = NULL, *bad = NULL, *y = NULL;
    float xa[4 * 8], xb[4 * 8];
    int rc = 77;

    if (grt_core_create(NULL, &core) != GRT_OK) {
        fprintf(stderr, "grt_core_create failed: %s\n", grt_last_error());
        return 1;
    }
    const char *const *names = NULL;
    size_t n = 0;
    int have_cpu = 0;
    CHECK_ERR(grt_core_available_devices(core, &names, &n), GRT_OK, NULL);
    for (size_t i = 0; i < n; i++) have_cpu |= !strcmp(names[i], "CPU");
    if (!have_cpu) {
        const char *const *r = NULL;
        size_t nr = 0;
        grt_core_skipped_plugins(core, &r, &nr);
        printf("skipped: no CPU device (%zu plugins skipped%s%s)\n", nr, nr ? ": " : "",
               nr ? r[0] : "");
        goto done;
    }
    rc = 1;

    /* properties */
    grt_value v;
    CHECK_ERR(grt_core_get_property(core, "CPU", GRT_PROP_SUPPORTED_PROPERTIES, &v), GRT_OK, NULL);
    CHECK(v.type == GRT_VALUE_STRING_LIST && v.u.list.count > 0);
    grt_value_clear(&v);
    CHECK_ERR(grt_core_get_property(core, "CPU", GRT_PROP_AVAILABLE_DEVICES, &v), GRT_OK, NULL);
    CHECK(v.type == GRT_VALUE_STRING_LIST && v.u.list.count == 1 &&
          !strcmp(v.u.list.items[0], "CPU"));
    grt_value_clear(&v);
    CHECK_ERR(grt_core_get_property(core, "CPU", "NO_SUCH_KEY", &v), GRT_ERROR_NOT_FOUND,
              "NO_SUCH_KEY");
    CHECK_ERR(grt_core_set_property_str(core, "CPU", "NO_SUCH_KEY", "1"), GRT_ERROR_NOT_FOUND,
              "NO_SUCH_KEY");
    CHECK_ERR(grt_core_set_property_str(core, "CPU", GRT_PROP_SUPPORTED_PROPERTIES, "1"),
              GRT_ERROR_INVALID_ARGUMENT, "read-only");
    const grt_property_info *infos = NULL;
    size_t n_infos = 0;
    CHECK_ERR(grt_core_supported_properties(core, "CPU", &infos, &n_infos), GRT_OK, NULL);
    for (size_t i = 0; i < n_infos; i++) {
        if (!strcmp(infos[i].name, GRT_PROP_INFERENCE_NUM_THREADS) && infos[i].is_mutable) {
            CHECK_ERR(grt_core_set_property_str(core, "CPU", GRT_PROP_INFERENCE_NUM_THREADS, "2"),
                      GRT_OK, NULL);
            CHECK_ERR(grt_core_set_property_str(core, "CPU", GRT_PROP_INFERENCE_NUM_THREADS, "two"),
                      GRT_ERROR_INVALID_ARGUMENT, "'two'");
            CHECK_ERR(grt_core_get_property(core, "CPU", GRT_PROP_INFERENCE_NUM_THREADS, &v), GRT_OK,
                      NULL);
            CHECK(v.type == GRT_VALUE_INT && v.u.i == 2);
            grt_value_clear(&v);
        }
        if (!infos[i].is_mutable) {
            CHECK_ERR(grt_core_set_property_str(core, "CPU", infos[i].name, "1"),
                      GRT_ERROR_INVALID_ARGUMENT, "read-only");
        }
    }

    /* compile with a dynamic first dimension; the model can go before the compiled model */
    model = relu_model(GRT_DYNAMIC);
    CHECK(model != NULL);
    if (!model) goto done;
    CHECK_ERR(grt_core_compile_model(core, model, "CPU", NULL, 0, &cm), GRT_OK, NULL);
    grt_model_destroy(model);
    model = NULL;
    if (!cm) goto done;
    CHECK(!strcmp(grt_compiled_model_device(cm), "CPU"));
    CHECK(grt_compiled_model_input_count(cm) == 1 && grt_compiled_model_output_count(cm) == 1);
    const char *iname = NULL;
    grt_element_type itype = GRT_UNDEFINED;
    grt_shape ishape;
    CHECK_ERR(grt_compiled_model_input(cm, 0, &iname, &itype, &ishape), GRT_OK, NULL);
    CHECK(iname && !strcmp(iname, "x") && itype == GRT_F32 && ishape.rank == 2 &&
          ishape.dims[0] == GRT_DYNAMIC && ishape.dims[1] == 8);
    CHECK_ERR(grt_compiled_model_input(cm, 1, NULL, NULL, NULL), GRT_ERROR_INVALID_ARGUMENT, NULL);

    /* the compiled model outlives the core */
    grt_core_destroy(core);
    core = NULL;

    CHECK_ERR(grt_compiled_model_create_infer_request(cm, &rq), GRT_OK, NULL);
    if (!rq) goto done;
    CHECK_ERR(grt_infer_request_infer(rq), GRT_ERROR_INVALID_ARGUMENT, "input 'x'");
    CHECK_ERR(grt_infer_request_get_output(rq, 0, &y), GRT_ERROR_BUSY, "no infer");

    int64_t dims[2] = {4, 8}, wrong[2] = {4, 7};
    fill(xa, 32, 1);
    fill(xb, 32, 5);
    CHECK_ERR(grt_tensor_wrap(GRT_F32, 2, dims, NULL, xa, sizeof xa, &x), GRT_OK, NULL);
    CHECK_ERR(grt_tensor_wrap(GRT_F32, 2, wrong, NULL, xa, sizeof xa, &bad), GRT_OK, NULL);
    CHECK_ERR(grt_infer_request_set_input(rq, 0, bad), GRT_ERROR_SHAPE, "input 'x'");
    grt_tensor_destroy(bad);
    CHECK_ERR(grt_tensor_wrap(GRT_I32, 2, dims, NULL, xa, sizeof xa, &bad), GRT_OK, NULL);
    CHECK_ERR(grt_infer_request_set_input(rq, 0, bad), GRT_ERROR_SHAPE, "element type");
    CHECK_ERR(grt_infer_request_set_input(rq, 3, x), GRT_ERROR_INVALID_ARGUMENT, "index 3");
    CHECK_ERR(grt_infer_request_set_tensor(rq, "nope", x), GRT_ERROR_NOT_FOUND, "'nope'");

    /* sync infer */
    CHECK_ERR(grt_infer_request_set_tensor(rq, "x", x), GRT_OK, NULL);
    CHECK_ERR(grt_infer_request_infer(rq), GRT_OK, NULL);
    CHECK_ERR(grt_infer_request_get_tensor(rq, "y", &y), GRT_OK, NULL);
    CHECK(relu_matches(y, xa, 32));
    CHECK(y && grt_tensor_rank(y) == 2 && grt_tensor_dims(y)[0] == 4);

    /* new data in the same bound memory: outputs refreshed */
    memcpy(xa, xb, sizeof xa);
    CHECK_ERR(grt_infer_request_infer(rq), GRT_OK, NULL);
    CHECK_ERR(grt_infer_request_get_output(rq, 0, &y), GRT_OK, NULL);
    CHECK(relu_matches(y, xb, 32));

    /* async, several rounds, with a second request running at the same time */
    CHECK_ERR(grt_compiled_model_create_infer_request(cm, &rq2), GRT_OK, NULL);
    grt_tensor *x2 = NULL;
    int64_t dims2[2] = {2, 8};
    float xc[16];
    fill(xc, 16, 9);
    CHECK_ERR(grt_tensor_wrap(GRT_F32, 2, dims2, NULL, xc, sizeof xc, &x2), GRT_OK, NULL);
    if (rq2) CHECK_ERR(grt_infer_request_set_input(rq2, 0, x2), GRT_OK, NULL);
    for (int round = 0; round < 5; round++) {
        fill(xa, 32, 20 + round);
        memcpy(xb, xa, sizeof xa);
        CHECK_ERR(grt_infer_request_start_async(rq), GRT_OK, NULL);
        if (rq2) CHECK_ERR(grt_infer_request_start_async(rq2), GRT_OK, NULL);
        grt_status st = grt_infer_request_set_input(rq, 0, x);
        CHECK(st == GRT_OK || st == GRT_ERROR_BUSY); /* BUSY unless it already finished */
        CHECK_ERR(grt_infer_request_wait(rq, -1), GRT_OK, NULL);
        CHECK_ERR(grt_infer_request_wait(rq, 0), GRT_OK, NULL); /* nothing running */
        CHECK_ERR(grt_infer_request_get_output(rq, 0, &y), GRT_OK, NULL);
        CHECK(relu_matches(y, xb, 32));
        if (rq2) {
            grt_tensor *y2 = NULL;
            CHECK_ERR(grt_infer_request_wait(rq2, 10000), GRT_OK, NULL);
            CHECK_ERR(grt_infer_request_get_output(rq2, 0, &y2), GRT_OK, NULL);
            CHECK(relu_matches(y2, xc, 16));
        }
    }
    /* destroy while an async infer may still run: destroy waits */
    if (rq2) CHECK_ERR(grt_infer_request_start_async(rq2), GRT_OK, NULL);
    grt_infer_request_destroy(rq2);
    rq2 = NULL;
    grt_tensor_destroy(x2);

    CHECK(grt_infer_request_state_count(rq) == 0);
    CHECK_ERR(grt_infer_request_reset_state(rq), GRT_OK, NULL);
    grt_value pv;
    grt_status pst = grt_compiled_model_get_property(cm, GRT_PROP_INFERENCE_NUM_THREADS, &pv);
    CHECK(pst == GRT_OK || pst == GRT_ERROR_NOT_FOUND);
    if (pst == GRT_OK) grt_value_clear(&pv);
    rc = 0;
done:
    grt_infer_request_destroy(rq2);
    grt_infer_request_destroy(rq);
    /* destroying the compiled model before its last request would also be safe; here in order */
    grt_compiled_model_destroy(cm);
    grt_tensor_destroy(x);
    grt_tensor_destroy(bad);
    grt_model_destroy(model);
    grt_core_destroy(core);
    if (rc == 77) return 77;
    return test_summary("runtime_e2e") || rc;
}
