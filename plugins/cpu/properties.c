/*
 * properties.c - the CPU plugin's property table, device values, validation and compile-time
 * configuration (see properties.h). The CPU name and the capability list are detected once
 * (pthread_once) from /proc/cpuinfo and cpuid (x86) or the auxiliary vector (aarch64).
 */
#include "properties.h"

#include "exec/util.h"
#include "threads/topology.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define CPU_PROPS_X86 1
#elif defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#define CPU_PROPS_ARM64 1
#endif

/* Upper bound for INFERENCE_NUM_THREADS and NUM_STREAMS (oversubscription is allowed). */
#define CPU_MAX_THREADS 1024

#define CPU_PROP_NUM_STREAMS "NUM_STREAMS"
#define CPU_PROP_OPTIMAL_REQUESTS "OPTIMAL_NUMBER_OF_INFER_REQUESTS"
#define CPU_PROP_PINNING "ENABLE_CPU_PINNING"

/* One table row: value type, key, mutable (settable at compile time), description. */
#define PROP(type, key, mut, desc) {sizeof(grt_property_info), type, key, mut, 0, desc}

static const grt_property_info k_props[] = {
    PROP(GRT_VALUE_STRING_LIST, GRT_PROP_AVAILABLE_DEVICES, 0,
         "Device names of this plugin: [\"CPU\"]"),
    PROP(GRT_VALUE_STRING, GRT_PROP_FULL_DEVICE_NAME, 0,
         "Processor model name (from /proc/cpuinfo)"),
    PROP(GRT_VALUE_STRING_LIST, GRT_PROP_OPTIMIZATION_CAPABILITIES, 0,
         "Precisions with hardware support: FP32, FP16 (F16C/fp16), BF16 (avx512_bf16/amx/bf16), "
         "INT8"),
    PROP(GRT_VALUE_INT, GRT_PROP_INFERENCE_NUM_THREADS, 1,
         "Threads per compiled model, all streams together; 0 = one per physical core (LATENCY: "
         "per P-core) of the process affinity mask"),
    PROP(GRT_VALUE_STRING, GRT_PROP_PERFORMANCE_HINT, 1, "LATENCY or THROUGHPUT"),
    PROP(GRT_VALUE_STRING, GRT_PROP_INFERENCE_PRECISION_HINT, 1,
         "f32 (default), f16 or bf16; bf16: prompt-sized MatMuls round activations and weights to "
         "bf16 on AMX-BF16 CPUs (AMX tdpbf16ps); f16 is accepted and reported"),
    PROP(GRT_VALUE_STRING, GRT_PROP_KV_CACHE_PRECISION, 1,
         "f32, f16, bf16 or u8: storage of the KV cache (u8: per-group scale and min)"),
    PROP(GRT_VALUE_INT, GRT_PROP_DYNAMIC_QUANTIZATION_GROUP_SIZE, 1,
         "int8 activation groups of compressed-weight MatMuls (default 32); 0 = off"),
    PROP(GRT_VALUE_STRING_LIST, "EXECUTION_DEVICES", 0,
         "Devices a compiled model runs on: [\"CPU\"]"),
    PROP(GRT_VALUE_INT, CPU_PROP_NUM_STREAMS, 1,
         "Infer requests that run in parallel, each stream on its own cores; 0 = AUTO (LATENCY: "
         "1, THROUGHPUT: threads / 1, 2 or 4)"),
    PROP(GRT_VALUE_INT, CPU_PROP_OPTIMAL_REQUESTS, 0,
         "Infer requests to create for full use of the device: the number of streams"),
    PROP(GRT_VALUE_BOOL, CPU_PROP_PINNING, 1,
         "Pin each worker thread to one CPU (default true)"),
};

#undef PROP

static const char *const k_devices[] = {"CPU"};
static const char *const k_hint_names[] = {"LATENCY", "THROUGHPUT"};
static const char *const k_prec_names[] = {"f32", "f16", "bf16", "u8"};

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static char g_cpu_name[256] = "CPU";
static const char *g_caps[8];
static size_t g_n_caps;

/* ---- detection --------------------------------------------------------------------------- */

static void detect_name(void)
{
    char line[512];
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    while (fgets(line, sizeof(line), f)) {
        /* x86: "model name"; some arm kernels: "Model" or "Hardware" */
        if (strncmp(line, "model name", 10) != 0 && strncmp(line, "Model", 5) != 0)
            continue;
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        size_t len = strlen(v);
        while (len > 0 && isspace((unsigned char)v[len - 1]))
            v[--len] = '\0';
        if (len > 0) {
            snprintf(g_cpu_name, sizeof(g_cpu_name), "%s", v);
            break;
        }
    }
    fclose(f);
}

#if defined(CPU_PROPS_X86)
static uint64_t read_xcr0(void)
{
    uint32_t lo = 0, hi = 0;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}
#endif

static void detect_caps(void)
{
    int fp16 = 0, bf16 = 0;
#if defined(CPU_PROPS_X86)
    unsigned a = 0, b = 0, c = 0, d = 0;
    int avx_os = 0, avx512_os = 0, amx_os = 0;
    if (__get_cpuid(1, &a, &b, &c, &d)) {
        int osxsave = (c >> 27) & 1;
        if (osxsave) {
            uint64_t xcr0 = read_xcr0();
            avx_os = (xcr0 & 0x6) == 0x6;
            avx512_os = avx_os && (xcr0 & 0xE0) == 0xE0;
            amx_os = (xcr0 & 0x60000) == 0x60000;
        }
        fp16 = avx_os && ((c >> 29) & 1); /* F16C: hardware f16 <-> f32 conversion */
    }
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        if (avx512_os && ((d >> 23) & 1)) /* AVX512_FP16 */
            fp16 = 1;
        if (amx_os && ((d >> 22) & 1)) /* AMX_BF16 */
            bf16 = 1;
        unsigned a1 = 0, b1 = 0, c1 = 0, d1 = 0;
        if (a >= 1 && __get_cpuid_count(7, 1, &a1, &b1, &c1, &d1) && avx512_os && ((a1 >> 5) & 1))
            bf16 = 1; /* AVX512_BF16 */
    }
#elif defined(CPU_PROPS_ARM64)
    unsigned long hw = getauxval(AT_HWCAP), hw2 = getauxval(AT_HWCAP2);
    fp16 = (hw >> 9) & 1;   /* HWCAP_FPHP */
    bf16 = (hw2 >> 14) & 1; /* HWCAP2_BF16 */
#endif
    g_n_caps = 0;
    g_caps[g_n_caps++] = "FP32";
    if (fp16)
        g_caps[g_n_caps++] = "FP16";
    if (bf16)
        g_caps[g_n_caps++] = "BF16";
    g_caps[g_n_caps++] = "INT8"; /* int8/int4 compressed weights run on every CPU */
}

static void detect_all(void)
{
    detect_name();
    detect_caps();
}

void cpu_props_init(void)
{
    pthread_once(&g_once, detect_all);
}

int cpu_online_cpus(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) == 0) {
        int n = CPU_COUNT(&set);
        if (n > 0)
            return n;
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        return 1;
    return n > CPU_MAX_THREADS ? CPU_MAX_THREADS : (int)n;
}

/* ---- helpers ------------------------------------------------------------------------------ */

static const grt_property_info *find_info(const char *key)
{
    for (size_t i = 0; i < sizeof(k_props) / sizeof(k_props[0]); i++)
        if (strcmp(k_props[i].name, key) == 0)
            return &k_props[i];
    return NULL;
}

static const char *value_type_name(uint32_t t)
{
    switch (t) {
    case GRT_VALUE_BOOL: return "a boolean";
    case GRT_VALUE_INT: return "an integer";
    case GRT_VALUE_DOUBLE: return "a number";
    case GRT_VALUE_STRING: return "a string";
    case GRT_VALUE_STRING_LIST: return "a string list";
    default: return "no value";
    }
}

/* Integer from an INT value or a decimal string. 0 on success. */
static int value_to_int(const grt_value *v, int64_t *out)
{
    if (v->type == GRT_VALUE_INT) {
        *out = v->u.i;
        return 0;
    }
    if (v->type == GRT_VALUE_STRING && v->u.s && v->u.s[0]) {
        char *end = NULL;
        errno = 0;
        long long x = strtoll(v->u.s, &end, 10);
        if (errno == 0 && end && *end == '\0') {
            *out = x;
            return 0;
        }
    }
    return -1;
}

/* Index of s in names[n] (case-insensitive), -1 if absent. */
static int match_name(const char *s, const char *const *names, int n)
{
    for (int i = 0; i < n && s; i++)
        if (strcasecmp(s, names[i]) == 0)
            return i;
    return -1;
}

static grt_status set_string(grt_value *out, const char *s)
{
    out->type = GRT_VALUE_STRING;
    out->reserved = 0;
    out->u.s = s;
    return GRT_OK;
}

static grt_status set_int(grt_value *out, int64_t i)
{
    out->type = GRT_VALUE_INT;
    out->reserved = 0;
    out->u.i = i;
    return GRT_OK;
}

static grt_status set_list(grt_value *out, const char *const *items, size_t n)
{
    out->type = GRT_VALUE_STRING_LIST;
    out->reserved = 0;
    out->u.list.items = items;
    out->u.list.count = n;
    return GRT_OK;
}

/* ---- public ------------------------------------------------------------------------------- */

void cpu_props_table(const grt_property_info **infos, size_t *count)
{
    *infos = k_props;
    *count = sizeof(k_props) / sizeof(k_props[0]);
}

static void config_defaults(cpu_config *cfg)
{
    cfg->num_threads = 0;
    cfg->resolved_threads = 1;
    cfg->perf_hint = CPU_HINT_LATENCY;
    cfg->inference_precision = CPU_PREC_F32;
    cfg->kv_cache_precision = CPU_PREC_F32;
    cfg->dq_group_size = 32; /* as OpenVINO's CPU plugin; 0 = off */
    cfg->num_streams = 0;
    cfg->resolved_streams = 1;
    cfg->threads_per_stream = 1;
    cfg->enable_pinning = 1;
}

/* Effective value of a key from a configuration (device defaults when cfg is the defaults). */
static grt_status get_common(const grt_host_api *host, const cpu_config *cfg, int compiled,
                             const char *key, grt_value *out)
{
    if (!key || !out)
        return cpu_host_error(host, GRT_ERROR_INVALID_ARGUMENT, "CPU: NULL property key or value");
    cpu_props_init();
    if (strcmp(key, GRT_PROP_AVAILABLE_DEVICES) == 0 || strcmp(key, "EXECUTION_DEVICES") == 0)
        return set_list(out, k_devices, 1);
    if (strcmp(key, GRT_PROP_FULL_DEVICE_NAME) == 0)
        return set_string(out, g_cpu_name);
    if (strcmp(key, GRT_PROP_OPTIMIZATION_CAPABILITIES) == 0)
        return set_list(out, g_caps, g_n_caps);
    if (strcmp(key, GRT_PROP_INFERENCE_NUM_THREADS) == 0)
        return set_int(out, compiled ? cfg->resolved_threads : cfg->num_threads);
    if (strcmp(key, GRT_PROP_PERFORMANCE_HINT) == 0)
        return set_string(out, k_hint_names[cfg->perf_hint]);
    if (strcmp(key, GRT_PROP_INFERENCE_PRECISION_HINT) == 0)
        return set_string(out, k_prec_names[cfg->inference_precision]);
    if (strcmp(key, GRT_PROP_KV_CACHE_PRECISION) == 0)
        return set_string(out, k_prec_names[cfg->kv_cache_precision]);
    if (strcmp(key, GRT_PROP_DYNAMIC_QUANTIZATION_GROUP_SIZE) == 0)
        return set_int(out, cfg->dq_group_size);
    if (strcmp(key, CPU_PROP_NUM_STREAMS) == 0)
        return set_int(out, compiled ? cfg->resolved_streams : cfg->num_streams);
    if (strcmp(key, CPU_PROP_OPTIMAL_REQUESTS) == 0)
        return set_int(out, cfg->resolved_streams);
    if (strcmp(key, CPU_PROP_PINNING) == 0) {
        set_int(out, cfg->enable_pinning);
        out->type = GRT_VALUE_BOOL;
        return GRT_OK;
    }
    return cpu_host_error(host, GRT_ERROR_NOT_FOUND, "CPU: unknown property '%s'", key);
}

grt_status cpu_props_get(const grt_host_api *host, const char *key, grt_value *out)
{
    cpu_config cfg;
    config_defaults(&cfg);
    return get_common(host, &cfg, 0, key, out);
}

/* INVALID_ARGUMENT: "property KEY expects EXPECT, got VALUE" (the string, or the value type). */
static grt_status type_error(const grt_host_api *host, const char *key, const grt_value *v,
                             const char *expect)
{
    if (v->type == GRT_VALUE_STRING)
        return cpu_host_error(host, GRT_ERROR_INVALID_ARGUMENT,
                              "CPU: property '%s' expects %s, got '%s'", key, expect,
                              v->u.s ? v->u.s : "(null)");
    return cpu_host_error(host, GRT_ERROR_INVALID_ARGUMENT, "CPU: property '%s' expects %s, got %s",
                          key, expect, value_type_name(v->type));
}

/* A boolean from a BOOL/INT 0 or 1 or a string true/false/yes/no/1/0. */
static grt_status apply_bool(const grt_host_api *host, const char *key, const grt_value *v,
                             int *out)
{
    static const char *const k_bool_names[] = {"false", "true", "no", "yes", "0", "1"};
    if ((v->type == GRT_VALUE_BOOL || v->type == GRT_VALUE_INT) && (v->u.i == 0 || v->u.i == 1)) {
        *out = (int)v->u.i;
        return GRT_OK;
    }
    int idx = v->type == GRT_VALUE_STRING ? match_name(v->u.s, k_bool_names, 6) : -1;
    if (idx >= 0) {
        *out = idx & 1;
        return GRT_OK;
    }
    return type_error(host, key, v, "a boolean");
}

/* Parses one known mutable key into cfg (cfg may be a scratch copy). */
static grt_status apply_one(const grt_host_api *host, const char *key, const grt_value *v,
                            cpu_config *cfg)
{
    int64_t i = 0;
    if (strcmp(key, CPU_PROP_PINNING) == 0)
        return apply_bool(host, key, v, &cfg->enable_pinning);
    int is_streams = strcmp(key, CPU_PROP_NUM_STREAMS) == 0;
    if (is_streams && v->type == GRT_VALUE_STRING && v->u.s && strcasecmp(v->u.s, "AUTO") == 0) {
        cfg->num_streams = 0;
        return GRT_OK;
    }
    if (strcmp(key, GRT_PROP_INFERENCE_NUM_THREADS) == 0 || is_streams ||
        strcmp(key, GRT_PROP_DYNAMIC_QUANTIZATION_GROUP_SIZE) == 0) {
        int is_threads = key[0] == 'I';
        int bounded = is_threads || is_streams;
        if (value_to_int(v, &i) != 0)
            return type_error(host, key, v, "an integer");
        if (i < 0)
            return cpu_host_error(host, GRT_ERROR_INVALID_ARGUMENT,
                                  "CPU: property '%s' must be >= 0, got %lld", key, (long long)i);
        if (bounded && i > CPU_MAX_THREADS)
            return cpu_host_error(host, GRT_ERROR_INVALID_ARGUMENT,
                                  "CPU: property '%s' must be <= %d, got %lld", key,
                                  CPU_MAX_THREADS, (long long)i);
        if (is_threads)
            cfg->num_threads = i;
        else if (is_streams)
            cfg->num_streams = i;
        else
            cfg->dq_group_size = i;
        return GRT_OK;
    }

    const char *const *names = NULL;
    int n_names = 0;
    const char *expect = "";
    if (strcmp(key, GRT_PROP_PERFORMANCE_HINT) == 0) {
        names = k_hint_names;
        n_names = 2;
        expect = "LATENCY or THROUGHPUT";
    } else if (strcmp(key, GRT_PROP_INFERENCE_PRECISION_HINT) == 0) {
        names = k_prec_names;
        n_names = 3;
        expect = "f32, f16 or bf16";
    } else if (strcmp(key, GRT_PROP_KV_CACHE_PRECISION) == 0) {
        names = k_prec_names;
        n_names = 4;
        expect = "f32, f16, bf16 or u8";
    } else {
        return cpu_host_error(host, GRT_ERROR_NOT_FOUND, "CPU: unknown property '%s'", key);
    }
    if (v->type != GRT_VALUE_STRING || !v->u.s)
        return cpu_host_error(host, GRT_ERROR_INVALID_ARGUMENT,
                              "CPU: property '%s' expects a string (%s), got %s", key, expect,
                              value_type_name(v->type));
    int idx = match_name(v->u.s, names, n_names);
    if (idx < 0)
        return cpu_host_error(host, GRT_ERROR_INVALID_ARGUMENT,
                              "CPU: property '%s' got '%s'; expected %s", key, v->u.s, expect);
    if (names == k_hint_names)
        cfg->perf_hint = (cpu_perf_hint)idx;
    else if (n_names == 3)
        cfg->inference_precision = (cpu_precision)idx;
    else
        cfg->kv_cache_precision = (cpu_precision)idx;
    return GRT_OK;
}

grt_status cpu_props_check(const grt_host_api *host, const char *key, const grt_value *value)
{
    cpu_config scratch;
    if (!key || !value)
        return cpu_host_error(host, GRT_ERROR_INVALID_ARGUMENT, "CPU: NULL property key or value");
    const grt_property_info *info = find_info(key);
    if (!info)
        return cpu_host_error(host, GRT_ERROR_NOT_FOUND, "CPU: unknown property '%s'", key);
    if (!info->is_mutable)
        return cpu_host_error(host, GRT_ERROR_INVALID_ARGUMENT, "CPU: property '%s' is read-only",
                              key);
    config_defaults(&scratch);
    return apply_one(host, key, value, &scratch);
}

/* Thread and stream counts (the rules are in properties.h). */
static void resolve_streams(cpu_config *cfg)
{
    const cpu_topology *topo = cpu_topology_get();
    int latency = cfg->perf_hint == CPU_HINT_LATENCY;
    int threads = (int)cfg->num_threads;
    if (threads <= 0)
        threads = cpu_topology_default_threads(topo, latency && cfg->num_streams <= 1);
    int streams = (int)cfg->num_streams;
    if (streams <= 0) {
        int per = threads < 8 ? 1 : threads < 32 ? 2 : 4;
        streams = latency ? 1 : threads / per;
    }
    if (streams < 1)
        streams = 1;
    if (threads < streams)
        threads = streams;
    cfg->resolved_streams = streams;
    cfg->threads_per_stream = threads / streams;
    cfg->resolved_threads = streams * cfg->threads_per_stream;
}

grt_status cpu_config_parse(const grt_host_api *host, const grt_property *props, size_t n,
                            cpu_config *cfg)
{
    config_defaults(cfg);
    for (size_t i = 0; i < n; i++) {
        const grt_property_info *info = props[i].key ? find_info(props[i].key) : NULL;
        if (!info || !info->is_mutable)
            continue; /* not ours (the core's own keys) or read-only: nothing to configure */
        grt_status st = apply_one(host, props[i].key, &props[i].value, cfg);
        if (st != GRT_OK)
            return st;
    }
    resolve_streams(cfg);
    return GRT_OK;
}

grt_status cpu_config_get(const grt_host_api *host, const cpu_config *cfg, const char *key,
                          grt_value *out)
{
    return get_common(host, cfg, 1, key, out);
}
