/* tests/unit/runtime/test_names_props.c - device name parsing/formatting, property text
 * conversion, value copies and the property store. */
#include <stdlib.h>

#include "runtime/device_name.h"
#include "runtime/properties.h"
#include "test_util.h"

static void test_device_names(void) {
    grt_device_name n;
    CHECK_ERR(grt_device_name_parse("CPU", &n), GRT_OK, NULL);
    CHECK(!strcmp(n.type, "CPU") && !n.has_index && n.index == 0 && !n.auto_list);
    CHECK_ERR(grt_device_name_parse("GPU.1", &n), GRT_OK, NULL);
    CHECK(!strcmp(n.type, "GPU") && n.has_index && n.index == 1);
    CHECK_ERR(grt_device_name_parse("GPU.0", &n), GRT_OK, NULL);
    CHECK(n.has_index && n.index == 0);
    CHECK_ERR(grt_device_name_parse("AUTO:GPU,CPU", &n), GRT_OK, NULL);
    CHECK(!strcmp(n.type, "AUTO") && n.auto_list && !strcmp(n.auto_list, "GPU,CPU"));
    CHECK_ERR(grt_device_name_parse("AUTO", &n), GRT_OK, NULL);
    CHECK(!strcmp(n.type, "AUTO") && !n.auto_list);

    CHECK_ERR(grt_device_name_parse("", &n), GRT_ERROR_INVALID_ARGUMENT, "empty");
    CHECK_ERR(grt_device_name_parse(NULL, &n), GRT_ERROR_INVALID_ARGUMENT, "empty");
    CHECK_ERR(grt_device_name_parse("GPU.", &n), GRT_ERROR_INVALID_ARGUMENT, "'GPU.'");
    CHECK_ERR(grt_device_name_parse("GPU.x", &n), GRT_ERROR_INVALID_ARGUMENT, "'GPU.x'");
    CHECK_ERR(grt_device_name_parse("GPU.-1", &n), GRT_ERROR_INVALID_ARGUMENT, "GPU.-1");
    CHECK_ERR(grt_device_name_parse("GPU.99999999999", &n), GRT_ERROR_INVALID_ARGUMENT, "range");
    CHECK_ERR(grt_device_name_parse(".1", &n), GRT_ERROR_INVALID_ARGUMENT, "empty device type");
    CHECK_ERR(grt_device_name_parse("G PU", &n), GRT_ERROR_INVALID_ARGUMENT, "'G PU'");
    CHECK_ERR(grt_device_name_parse("AUTO:", &n), GRT_ERROR_INVALID_ARGUMENT, "AUTO:");
    char longname[100];
    memset(longname, 'A', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    CHECK_ERR(grt_device_name_parse(longname, &n), GRT_ERROR_INVALID_ARGUMENT, "too long");

    char buf[32];
    grt_device_name_format("CPU", 1, 0, buf, sizeof buf);
    CHECK(!strcmp(buf, "CPU"));
    grt_device_name_format("GPU", 2, 1, buf, sizeof buf);
    CHECK(!strcmp(buf, "GPU.1"));
    grt_device_name_format("GPU", 3, 0, buf, sizeof buf);
    CHECK(!strcmp(buf, "GPU.0"));

    CHECK(grt_device_type_valid("CPU") && grt_device_type_valid("MY_NPU2"));
    CHECK(!grt_device_type_valid("") && !grt_device_type_valid(NULL) &&
          !grt_device_type_valid("GPU.1") && !grt_device_type_valid("A:B"));
}

static void test_text(void) {
    grt_value v;
    const char *trues[] = {"true", "TRUE", "yes", "YES", "1"};
    const char *falses[] = {"false", "False", "no", "NO", "0"};
    for (size_t i = 0; i < 5; i++) {
        CHECK_ERR(grt_value_from_text(GRT_VALUE_BOOL, "K", trues[i], &v), GRT_OK, NULL);
        CHECK(v.type == GRT_VALUE_BOOL && v.u.i == 1);
        CHECK_ERR(grt_value_from_text(GRT_VALUE_BOOL, "K", falses[i], &v), GRT_OK, NULL);
        CHECK(v.type == GRT_VALUE_BOOL && v.u.i == 0);
    }
    CHECK_ERR(grt_value_from_text(GRT_VALUE_BOOL, "ENABLE_X", "maybe", &v),
              GRT_ERROR_INVALID_ARGUMENT, "'ENABLE_X': 'maybe'");

    CHECK_ERR(grt_value_from_text(GRT_VALUE_INT, "N", "42", &v), GRT_OK, NULL);
    CHECK(v.type == GRT_VALUE_INT && v.u.i == 42);
    CHECK_ERR(grt_value_from_text(GRT_VALUE_INT, "N", "-7", &v), GRT_OK, NULL);
    CHECK(v.u.i == -7);
    CHECK_ERR(grt_value_from_text(GRT_VALUE_INT, "N", "9223372036854775807", &v), GRT_OK, NULL);
    CHECK(v.u.i == INT64_MAX);
    const char *bad_ints[] = {"", "4x", "x", "1.5", " 4", "99999999999999999999"};
    for (size_t i = 0; i < 6; i++)
        CHECK_ERR(grt_value_from_text(GRT_VALUE_INT, "INFERENCE_NUM_THREADS", bad_ints[i], &v),
                  GRT_ERROR_INVALID_ARGUMENT, "'INFERENCE_NUM_THREADS'");

    CHECK_ERR(grt_value_from_text(GRT_VALUE_DOUBLE, "D", "0.25", &v), GRT_OK, NULL);
    CHECK(v.type == GRT_VALUE_DOUBLE && v.u.f == 0.25);
    CHECK_ERR(grt_value_from_text(GRT_VALUE_DOUBLE, "D", "-3", &v), GRT_OK, NULL);
    CHECK(v.u.f == -3.0);
    CHECK_ERR(grt_value_from_text(GRT_VALUE_DOUBLE, "D", "nan", &v), GRT_ERROR_INVALID_ARGUMENT,
              "'nan'");
    CHECK_ERR(grt_value_from_text(GRT_VALUE_DOUBLE, "D", "1e999", &v), GRT_ERROR_INVALID_ARGUMENT,
              "'1e999'");
    CHECK_ERR(grt_value_from_text(GRT_VALUE_DOUBLE, "D", "abc", &v), GRT_ERROR_INVALID_ARGUMENT,
              "'D'");

    CHECK_ERR(grt_value_from_text(GRT_VALUE_STRING, "HINT", "LATENCY", &v), GRT_OK, NULL);
    CHECK(v.type == GRT_VALUE_STRING && !strcmp(v.u.s, "LATENCY"));
    grt_value_clear(&v);
    CHECK(v.type == GRT_VALUE_NONE);

    CHECK_ERR(grt_value_from_text(GRT_VALUE_STRING_LIST, "L", "GPU, CPU ,NPU", &v), GRT_OK, NULL);
    CHECK(v.type == GRT_VALUE_STRING_LIST && v.u.list.count == 3);
    if (v.u.list.count == 3)
        CHECK(!strcmp(v.u.list.items[0], "GPU") && !strcmp(v.u.list.items[1], "CPU") &&
              !strcmp(v.u.list.items[2], "NPU"));
    grt_value_clear(&v);
    CHECK_ERR(grt_value_from_text(GRT_VALUE_STRING_LIST, "L", "", &v), GRT_OK, NULL);
    CHECK(v.u.list.count == 0);
    grt_value_clear(&v);
    CHECK_ERR(grt_value_from_text(GRT_VALUE_NONE, "K", "x", &v), GRT_ERROR_INVALID_ARGUMENT, "'K'");
}

static void test_coerce_store(void) {
    grt_value v = {.type = GRT_VALUE_INT, .u.i = 3};
    CHECK(grt_value_coerce(&v, GRT_VALUE_DOUBLE) && v.type == GRT_VALUE_DOUBLE && v.u.f == 3.0);
    v.type = GRT_VALUE_INT;
    v.u.i = 1;
    CHECK(grt_value_coerce(&v, GRT_VALUE_BOOL) && v.u.i == 1);
    v.type = GRT_VALUE_INT;
    v.u.i = 2;
    CHECK(!grt_value_coerce(&v, GRT_VALUE_BOOL));
    v.type = GRT_VALUE_STRING;
    v.u.s = "x";
    CHECK(!grt_value_coerce(&v, GRT_VALUE_INT));

    grt_prop_store s = {0};
    grt_value a = {.type = GRT_VALUE_STRING, .u.s = "LATENCY"};
    grt_value b = {.type = GRT_VALUE_INT, .u.i = 4};
    const char *items[] = {"a", "b"};
    grt_value l = {.type = GRT_VALUE_STRING_LIST};
    l.u.list.items = items;
    l.u.list.count = 2;
    CHECK_ERR(grt_prop_store_set(&s, "PERFORMANCE_HINT", &a), GRT_OK, NULL);
    CHECK_ERR(grt_prop_store_set(&s, "INFERENCE_NUM_THREADS", &b), GRT_OK, NULL);
    CHECK_ERR(grt_prop_store_set(&s, "LIST", &l), GRT_OK, NULL);
    a.u.s = "THROUGHPUT";
    CHECK_ERR(grt_prop_store_set(&s, "PERFORMANCE_HINT", &a), GRT_OK, NULL);
    CHECK(s.count == 3);
    const grt_value *f = grt_prop_store_find(&s, "PERFORMANCE_HINT");
    CHECK(f && f->type == GRT_VALUE_STRING && f->u.s != a.u.s && !strcmp(f->u.s, "THROUGHPUT"));
    f = grt_prop_store_find(&s, "LIST");
    CHECK(f && f->u.list.count == 2 && f->u.list.items != items && !strcmp(f->u.list.items[1], "b"));
    CHECK(grt_prop_store_find(&s, "NOPE") == NULL);

    grt_prop_store m = {0};
    b.u.i = 8;
    CHECK_ERR(grt_prop_store_set(&m, "INFERENCE_NUM_THREADS", &b), GRT_OK, NULL);
    CHECK_ERR(grt_prop_store_merge(&m, &s), GRT_OK, NULL);
    f = grt_prop_store_find(&m, "INFERENCE_NUM_THREADS");
    CHECK(m.count == 3 && f && f->u.i == 4); /* later entries override */
    grt_prop_store_free(&m);
    grt_prop_store_free(&s);
    grt_prop_store_free(NULL);

    grt_value bad = {.type = 77};
    grt_value out;
    CHECK_ERR(grt_value_copy(&bad, &out), GRT_ERROR_INVALID_ARGUMENT, "77");
}

int main(void) {
    test_device_names();
    test_text();
    test_coerce_store();
    return test_summary("runtime_names_props");
}
