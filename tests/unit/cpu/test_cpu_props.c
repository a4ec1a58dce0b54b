/*
 * test_cpu_props.c - unit test of the CPU plugin's property table (plugins/cpu/properties.h):
 * the static table, device values, check_property accepting good values and rejecting bad ones
 * with a message naming the key and value, and compile-time parsing (later entries win) with the
 * effective values a compiled model reports.
 */
#include "properties.h"
#include "threads/topology.h"

#include <stdio.h>
#include <string.h>

#define TEST_UTIL_NO_GENRT
#include "test_util.h"

static char g_msg[1024];
static grt_status g_status;

static grt_status fake_set_error(grt_status status, const char *message)
{
    g_status = status;
    snprintf(g_msg, sizeof(g_msg), "%s", message ? message : "");
    return status;
}

static grt_host_api g_host;

static grt_value vint(int64_t i)
{
    grt_value v;
    memset(&v, 0, sizeof(v));
    v.type = GRT_VALUE_INT;
    v.u.i = i;
    return v;
}

static grt_value vstr(const char *s)
{
    grt_value v;
    memset(&v, 0, sizeof(v));
    v.type = GRT_VALUE_STRING;
    v.u.s = s;
    return v;
}

static void expect_ok(const char *key, grt_value v)
{
    grt_status st = cpu_props_check(&g_host, key, &v);
    CHECKF(st == GRT_OK, "%s should be accepted (status %d: %s)", key, (int)st, g_msg);
}

/* Rejected with `status` and a message containing `key` and `needle` (if not NULL). */
static void expect_bad(const char *key, grt_value v, grt_status status, const char *needle)
{
    g_msg[0] = '\0';
    grt_status st = cpu_props_check(&g_host, key, &v);
    CHECKF(st == status, "%s: status %d, expected %d", key, (int)st, (int)status);
    CHECKF(strstr(g_msg, key) != NULL, "message '%s' does not name key %s", g_msg, key);
    if (needle)
        CHECKF(strstr(g_msg, needle) != NULL, "message '%s' does not contain '%s'", g_msg, needle);
}

static void test_table(void)
{
    const grt_property_info *infos = NULL;
    size_t n = 0;
    static const char *const expected[] = {
        GRT_PROP_AVAILABLE_DEVICES, GRT_PROP_FULL_DEVICE_NAME, GRT_PROP_OPTIMIZATION_CAPABILITIES,
        GRT_PROP_INFERENCE_NUM_THREADS, GRT_PROP_PERFORMANCE_HINT,
        GRT_PROP_INFERENCE_PRECISION_HINT, GRT_PROP_KV_CACHE_PRECISION,
        GRT_PROP_DYNAMIC_QUANTIZATION_GROUP_SIZE, "NUM_STREAMS", "OPTIMAL_NUMBER_OF_INFER_REQUESTS",
        "ENABLE_CPU_PINNING"};
    cpu_props_table(&infos, &n);
    CHECKF(n >= sizeof(expected) / sizeof(expected[0]), "table has %zu entries", n);
    for (size_t e = 0; e < sizeof(expected) / sizeof(expected[0]); e++) {
        size_t found = 0;
        for (size_t i = 0; i < n; i++)
            if (strcmp(infos[i].name, expected[e]) == 0)
                found++;
        CHECKF(found == 1, "property %s listed %zu times", expected[e], found);
    }
    for (size_t i = 0; i < n; i++) {
        grt_value v;
        CHECKF(infos[i].struct_size == sizeof(grt_property_info), "struct_size of %s",
               infos[i].name);
        CHECKF(infos[i].description && infos[i].description[0], "%s has a description",
               infos[i].name);
        /* every listed property can be read, with the listed type */
        grt_status st = cpu_props_get(&g_host, infos[i].name, &v);
        CHECKF(st == GRT_OK && v.type == infos[i].value_type, "get %s: status %d type %u",
               infos[i].name, (int)st, v.type);
        /* read-only ones refuse writes */
        if (!infos[i].is_mutable)
            expect_bad(infos[i].name, vstr("x"), GRT_ERROR_INVALID_ARGUMENT, "read-only");
    }
}

static void test_device_values(void)
{
    grt_value v;
    CHECKF(cpu_props_get(&g_host, GRT_PROP_AVAILABLE_DEVICES, &v) == GRT_OK &&
               v.type == GRT_VALUE_STRING_LIST && v.u.list.count == 1 &&
               strcmp(v.u.list.items[0], "CPU") == 0,
           "AVAILABLE_DEVICES is [\"CPU\"]");
    CHECKF(cpu_props_get(&g_host, GRT_PROP_FULL_DEVICE_NAME, &v) == GRT_OK && v.u.s && v.u.s[0],
           "FULL_DEVICE_NAME is a non-empty string");
    CHECKF(cpu_props_get(&g_host, GRT_PROP_OPTIMIZATION_CAPABILITIES, &v) == GRT_OK &&
               v.u.list.count >= 1 && strcmp(v.u.list.items[0], "FP32") == 0,
           "OPTIMIZATION_CAPABILITIES starts with FP32");
    for (size_t i = 0; i < v.u.list.count; i++) {
        const char *c = v.u.list.items[i];
        CHECKF(!strcmp(c, "FP32") || !strcmp(c, "FP16") || !strcmp(c, "BF16") || !strcmp(c, "INT8"),
               "unexpected capability %s", c);
    }
    CHECKF(cpu_props_get(&g_host, GRT_PROP_INFERENCE_NUM_THREADS, &v) == GRT_OK && v.u.i == 0,
           "default INFERENCE_NUM_THREADS is 0");
    CHECKF(cpu_props_get(&g_host, GRT_PROP_PERFORMANCE_HINT, &v) == GRT_OK &&
               strcmp(v.u.s, "LATENCY") == 0,
           "default PERFORMANCE_HINT is LATENCY");
    CHECKF(cpu_props_get(&g_host, "NO_SUCH_KEY", &v) == GRT_ERROR_NOT_FOUND &&
               strstr(g_msg, "NO_SUCH_KEY"),
           "unknown key is NOT_FOUND naming it");
}

static void test_check(void)
{
    expect_ok(GRT_PROP_INFERENCE_NUM_THREADS, vint(0));
    expect_ok(GRT_PROP_INFERENCE_NUM_THREADS, vint(3));
    expect_ok(GRT_PROP_INFERENCE_NUM_THREADS, vstr("8"));
    expect_bad(GRT_PROP_INFERENCE_NUM_THREADS, vint(-1), GRT_ERROR_INVALID_ARGUMENT, "-1");
    expect_bad(GRT_PROP_INFERENCE_NUM_THREADS, vstr("four"), GRT_ERROR_INVALID_ARGUMENT, "four");
    expect_bad(GRT_PROP_INFERENCE_NUM_THREADS, vint(1000000), GRT_ERROR_INVALID_ARGUMENT,
               "1000000");
    expect_ok(GRT_PROP_PERFORMANCE_HINT, vstr("LATENCY"));
    expect_ok(GRT_PROP_PERFORMANCE_HINT, vstr("THROUGHPUT"));
    expect_ok(GRT_PROP_PERFORMANCE_HINT, vstr("throughput"));
    expect_bad(GRT_PROP_PERFORMANCE_HINT, vstr("FAST"), GRT_ERROR_INVALID_ARGUMENT, "FAST");
    expect_bad(GRT_PROP_PERFORMANCE_HINT, vint(1), GRT_ERROR_INVALID_ARGUMENT, NULL);
    expect_ok(GRT_PROP_INFERENCE_PRECISION_HINT, vstr("f32"));
    expect_ok(GRT_PROP_INFERENCE_PRECISION_HINT, vstr("bf16"));
    expect_ok(GRT_PROP_INFERENCE_PRECISION_HINT, vstr("f16"));
    expect_bad(GRT_PROP_INFERENCE_PRECISION_HINT, vstr("u8"), GRT_ERROR_INVALID_ARGUMENT, "u8");
    expect_ok(GRT_PROP_KV_CACHE_PRECISION, vstr("u8"));
    expect_ok(GRT_PROP_KV_CACHE_PRECISION, vstr("f16"));
    expect_bad(GRT_PROP_KV_CACHE_PRECISION, vstr("i4"), GRT_ERROR_INVALID_ARGUMENT, "i4");
    expect_ok(GRT_PROP_DYNAMIC_QUANTIZATION_GROUP_SIZE, vint(32));
    expect_bad(GRT_PROP_DYNAMIC_QUANTIZATION_GROUP_SIZE, vint(-32), GRT_ERROR_INVALID_ARGUMENT,
               "-32");
    expect_ok("NUM_STREAMS", vint(0));
    expect_ok("NUM_STREAMS", vint(4));
    expect_ok("NUM_STREAMS", vstr("AUTO"));
    expect_ok("NUM_STREAMS", vstr("2"));
    expect_bad("NUM_STREAMS", vint(-2), GRT_ERROR_INVALID_ARGUMENT, "-2");
    expect_bad("NUM_STREAMS", vint(5000), GRT_ERROR_INVALID_ARGUMENT, "5000");
    expect_bad("NUM_STREAMS", vstr("many"), GRT_ERROR_INVALID_ARGUMENT, "many");
    expect_bad("OPTIMAL_NUMBER_OF_INFER_REQUESTS", vint(2), GRT_ERROR_INVALID_ARGUMENT,
               "read-only");
    grt_value b = vint(0);
    b.type = GRT_VALUE_BOOL;
    expect_ok("ENABLE_CPU_PINNING", b);
    expect_ok("ENABLE_CPU_PINNING", vstr("NO"));
    expect_ok("ENABLE_CPU_PINNING", vstr("true"));
    expect_bad("ENABLE_CPU_PINNING", vstr("maybe"), GRT_ERROR_INVALID_ARGUMENT, "maybe");
    expect_bad("ENABLE_CPU_PINNING", vint(2), GRT_ERROR_INVALID_ARGUMENT, NULL);
    expect_bad("NO_SUCH_KEY", vint(1), GRT_ERROR_NOT_FOUND, NULL);
    expect_bad(GRT_PROP_FULL_DEVICE_NAME, vstr("x"), GRT_ERROR_INVALID_ARGUMENT, "read-only");
}

/* Parses {PERFORMANCE_HINT hint, INFERENCE_NUM_THREADS threads, NUM_STREAMS streams}. */
static cpu_config parse3(const char *hint, int64_t threads, int64_t streams)
{
    cpu_config cfg;
    grt_property p[3] = {{GRT_PROP_PERFORMANCE_HINT, vstr(hint)},
                         {GRT_PROP_INFERENCE_NUM_THREADS, vint(threads)},
                         {"NUM_STREAMS", vint(streams)}};
    CHECKF(cpu_config_parse(&g_host, p, 3, &cfg) == GRT_OK, "parse %s/%lld/%lld: %s", hint,
           (long long)threads, (long long)streams, g_msg);
    return cfg;
}

static void expect_streams(const char *hint, int64_t threads, int64_t streams, int want_streams,
                           int want_per_stream)
{
    cpu_config c = parse3(hint, threads, streams);
    grt_value v;
    CHECKF(c.resolved_streams == want_streams && c.threads_per_stream == want_per_stream &&
               c.resolved_threads == want_streams * want_per_stream,
           "%s threads %lld streams %lld: got %d streams x %d threads (want %d x %d)", hint,
           (long long)threads, (long long)streams, c.resolved_streams, c.threads_per_stream,
           want_streams, want_per_stream);
    CHECKF(cpu_config_get(&g_host, &c, "NUM_STREAMS", &v) == GRT_OK && v.u.i == want_streams,
           "compiled NUM_STREAMS");
    CHECKF(cpu_config_get(&g_host, &c, "OPTIMAL_NUMBER_OF_INFER_REQUESTS", &v) == GRT_OK &&
               v.u.i == want_streams,
           "compiled OPTIMAL_NUMBER_OF_INFER_REQUESTS");
}

static void check_streams_config(void)
{
    const cpu_topology *topo = cpu_topology_get();
    int cores = topo->n_cores;
    /* THROUGHPUT AUTO: threads / 1, 2 or 4 per stream */
    expect_streams("THROUGHPUT", 2, 0, 2, 1);
    expect_streams("THROUGHPUT", 7, 0, 7, 1);
    expect_streams("THROUGHPUT", 8, 0, 4, 2);
    expect_streams("THROUGHPUT", 16, 0, 8, 2);
    expect_streams("THROUGHPUT", 64, 0, 16, 4);
    expect_streams("THROUGHPUT", 0, 0, cores < 8 ? cores : cores < 32 ? cores / 2 : cores / 4,
                   cores < 8 ? 1 : cores < 32 ? 2 : 4);
    /* explicit NUM_STREAMS wins over the hint; leftover threads are dropped */
    expect_streams("LATENCY", 2, 0, 1, 2);
    expect_streams("LATENCY", 8, 2, 2, 4);
    expect_streams("THROUGHPUT", 7, 2, 2, 3);
    expect_streams("THROUGHPUT", 2, 4, 4, 1); /* more streams than threads: one thread each */
    expect_streams("LATENCY", 0, 2, 2, cores / 2 > 0 ? cores / 2 : 1);
    cpu_config c;
    grt_value v;
    grt_property off = {"ENABLE_CPU_PINNING", vstr("false")};
    CHECKF(cpu_config_parse(&g_host, &off, 1, &c) == GRT_OK && c.enable_pinning == 0 &&
               cpu_config_get(&g_host, &c, "ENABLE_CPU_PINNING", &v) == GRT_OK &&
               v.type == GRT_VALUE_BOOL && v.u.i == 0,
           "ENABLE_CPU_PINNING false");
}

static void test_config(void)
{
    cpu_config cfg;
    grt_value v;
    grt_property props[5];
    props[0].key = GRT_PROP_INFERENCE_NUM_THREADS;
    props[0].value = vint(5);
    props[1].key = GRT_PROP_PERFORMANCE_HINT;
    props[1].value = vstr("THROUGHPUT");
    props[2].key = GRT_PROP_INFERENCE_NUM_THREADS; /* later entry wins */
    props[2].value = vint(2);
    props[3].key = "CACHE_DIR"; /* not ours: ignored */
    props[3].value = vstr("/tmp");
    props[4].key = GRT_PROP_KV_CACHE_PRECISION;
    props[4].value = vstr("u8");
    CHECKF(cpu_config_parse(&g_host, props, 5, &cfg) == GRT_OK, "parse: %s", g_msg);
    CHECKF(cfg.num_threads == 2 && cfg.resolved_threads == 2, "later INFERENCE_NUM_THREADS wins");
    CHECKF(cpu_config_get(&g_host, &cfg, GRT_PROP_INFERENCE_NUM_THREADS, &v) == GRT_OK &&
               v.u.i == 2,
           "compiled INFERENCE_NUM_THREADS");
    CHECKF(cpu_config_get(&g_host, &cfg, GRT_PROP_PERFORMANCE_HINT, &v) == GRT_OK &&
               strcmp(v.u.s, "THROUGHPUT") == 0,
           "compiled PERFORMANCE_HINT");
    CHECKF(cpu_config_get(&g_host, &cfg, GRT_PROP_KV_CACHE_PRECISION, &v) == GRT_OK &&
               strcmp(v.u.s, "u8") == 0,
           "compiled KV_CACHE_PRECISION");
    CHECKF(cpu_config_get(&g_host, &cfg, GRT_PROP_INFERENCE_PRECISION_HINT, &v) == GRT_OK &&
               strcmp(v.u.s, "f32") == 0,
           "default precision f32");

    /* LATENCY: 0 threads resolves to one per P-core, one stream */
    const cpu_topology *topo = cpu_topology_get();
    CHECKF(cpu_config_parse(&g_host, NULL, 0, &cfg) == GRT_OK, "parse defaults");
    CHECKF(cfg.resolved_threads == topo->n_fast_cores && cfg.resolved_threads >= 1,
           "0 threads resolves to %d P-cores (got %d)", topo->n_fast_cores, cfg.resolved_threads);
    CHECKF(cpu_config_get(&g_host, &cfg, GRT_PROP_INFERENCE_NUM_THREADS, &v) == GRT_OK &&
               v.u.i == topo->n_fast_cores,
           "compiled model reports the real thread count");
    CHECKF(cfg.resolved_streams == 1 && cfg.threads_per_stream == cfg.resolved_threads &&
               cfg.enable_pinning == 1,
           "LATENCY: one stream with every thread, pinned");
    CHECKF(cpu_config_get(&g_host, &cfg, "OPTIMAL_NUMBER_OF_INFER_REQUESTS", &v) == GRT_OK &&
               v.type == GRT_VALUE_INT && v.u.i == 1,
           "LATENCY: OPTIMAL_NUMBER_OF_INFER_REQUESTS 1");
    check_streams_config();

    props[0].value = vstr("LOW_POWER");
    props[0].key = GRT_PROP_PERFORMANCE_HINT;
    CHECKF(cpu_config_parse(&g_host, props, 1, &cfg) == GRT_ERROR_INVALID_ARGUMENT &&
               strstr(g_msg, "LOW_POWER"),
           "bad value fails compile naming it");
}

int main(void)
{
    memset(&g_host, 0, sizeof(g_host));
    g_host.struct_size = sizeof(g_host);
    g_host.set_error = fake_set_error;
    cpu_props_init();
    test_table();
    test_device_values();
    test_check();
    test_config();
    return test_summary("test_cpu_props");
}
