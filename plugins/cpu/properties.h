/*
 * properties.h - the CPU plugin's properties: the static table (supported_properties), device
 * values (get_property), validation (check_property), the compile-time configuration parsed from
 * the merged properties, and the effective values of a compiled model.
 *
 * Strings returned through grt_value are static (valid for the plugin's lifetime).
 * Threading: everything is reentrant; cpu_props_init must run once (at plugin init) before the
 * other calls (it caches the CPU name and capabilities).
 * Errors are reported through the host's set_error when `host` is non-NULL.
 */
#ifndef GENRT_CPU_PROPERTIES_H
#define GENRT_CPU_PROPERTIES_H

#include <genrt/plugin.h>

typedef enum cpu_perf_hint { CPU_HINT_LATENCY = 0, CPU_HINT_THROUGHPUT = 1 } cpu_perf_hint;
typedef enum cpu_precision {
    CPU_PREC_F32 = 0,
    CPU_PREC_F16 = 1,
    CPU_PREC_BF16 = 2,
    CPU_PREC_U8 = 3
} cpu_precision;

/* Effective configuration of a compiled model. */
typedef struct cpu_config {
    int64_t num_threads;      /* as requested: 0 = all online CPUs */
    int resolved_threads;     /* the real worker count (>= 1) */
    cpu_perf_hint perf_hint;
    cpu_precision inference_precision; /* f32; bf16 honoured by the linear layers on AMX-BF16
                                        * (kernels/matmul/linear_bf16.c); f16 reported only */
    cpu_precision kv_cache_precision;  /* KV cache storage (exec/state.h) */
    int64_t dq_group_size;    /* int8 activation groups (kernels/matmul/linear_dq.c); 0 = off */
    int64_t num_streams;      /* as requested: 0 = AUTO (from perf_hint) */
    int resolved_streams;     /* streams (>= 1) = OPTIMAL_NUMBER_OF_INFER_REQUESTS */
    int threads_per_stream;   /* >= 1; resolved_threads = resolved_streams * threads_per_stream */
    int enable_pinning;       /* 1: pool workers are pinned to one CPU each */
} cpu_config;

/* Caches the CPU model name and the capability list (cheap; idempotent). */
void cpu_props_init(void);

/* Number of online CPUs (>= 1). */
int cpu_online_cpus(void);

/* The static property table. */
void cpu_props_table(const grt_property_info **infos, size_t *count);

/* Device property (defaults for the mutable ones). NOT_FOUND for an unknown key. */
grt_status cpu_props_get(const grt_host_api *host, const char *key, grt_value *out);

/* Validates a value for a mutable key. NOT_FOUND (unknown key), INVALID_ARGUMENT (read-only
 * key, wrong type or bad value; the message names the key and the value). */
grt_status cpu_props_check(const grt_host_api *host, const char *key, const grt_value *value);

/* Defaults, then props[0..n-1] in order (later entries win). Keys this plugin does not know are
 * ignored (the core handles its own); bad values of known keys fail as cpu_props_check. Resolves
 * the thread and stream counts from the topology (threads/topology.h):
 *   threads (INFERENCE_NUM_THREADS = 0): LATENCY with NUM_STREAMS <= 1 one per P-core, else one
 *   per physical core of the affinity mask;
 *   streams (NUM_STREAMS = 0): LATENCY 1; THROUGHPUT threads / t, t = 1 (< 8 threads), 2 (< 32)
 *   or 4 threads per stream; more streams than threads raise threads to one per stream;
 *   threads_per_stream = threads / streams, resolved_threads = streams * threads_per_stream. */
grt_status cpu_config_parse(const grt_host_api *host, const grt_property *props, size_t n,
                            cpu_config *cfg);

/* Effective value of a compiled model's property. NOT_FOUND for an unknown key. */
grt_status cpu_config_get(const grt_host_api *host, const cpu_config *cfg, const char *key,
                          grt_value *out);

#endif
