/*
 * threads/topology.h - the CPUs this process may run on: physical cores, SMT siblings, core
 * types (P/E cores ranked by hwloc cpukinds efficiency) and NUMA nodes, plus the order in which
 * the thread pools place threads on them.
 *
 * Detection uses hwloc when the plugin is built with it (GENRT_CPU_HWLOC) and falls back to one
 * core per CPU otherwise. Only the CPUs of the process affinity mask (taskset, cgroup cpusets)
 * are listed.
 *
 * Ownership: cpu_topology_get returns a process-wide object detected once (freed by a
 * destructor when the plugin is unloaded or the process exits);
 * cpu_topology_detect returns a fresh one the caller frees with cpu_topology_free.
 * Threading: cpu_topology_get is thread-safe (pthread_once); a topology is immutable.
 */
#ifndef GENRT_CPU_TOPOLOGY_H
#define GENRT_CPU_TOPOLOGY_H

/* One logical CPU (processing unit). */
typedef struct cpu_topo_pu {
    int os_index; /* CPU number for sched_setaffinity / sched_getcpu */
    int core;     /* dense physical core index, 0..n_cores-1 */
    int smt;      /* 0 for the first PU of its core, 1.. for its SMT siblings */
    int kind;     /* 0 = the most performant core type (P-cores), 1.. less (E-cores) */
    int numa;     /* dense NUMA node index, 0 when unknown */
} cpu_topo_pu;

typedef struct cpu_topology {
    int n_pus;        /* allowed logical CPUs (>= 1) */
    int n_cores;      /* physical cores with at least one allowed PU */
    int n_kinds;      /* core types (>= 1) */
    int n_numa;       /* NUMA nodes (>= 1) */
    int n_fast_cores; /* physical cores of kind 0 */
    int from_hwloc;   /* 1: detected with hwloc; 0: fallback */
    /* [n_pus] in placement order: first PUs (smt 0) of kind-0 cores, then of kind 1, ..., then
     * the SMT siblings in the same order; within a kind by NUMA node, then core. */
    cpu_topo_pu *pus;
} cpu_topology;

/* The process topology, detected at the first call. Never NULL (a 1-CPU topology when even the
 * fallback fails). */
const cpu_topology *cpu_topology_get(void);

/* Detects the topology now. NULL on out of memory. */
cpu_topology *cpu_topology_detect(void);
void cpu_topology_free(cpu_topology *t); /* NULL is a no-op */

/* Default thread count: LATENCY (fast_only = 1) one thread per kind-0 physical core, otherwise
 * one per physical core. */
int cpu_topology_default_threads(const cpu_topology *t, int fast_only);

/* OS CPU numbers for `n` threads starting at placement slot `first` (see pus), wrapping around
 * when more threads than PUs are asked for. cpus[n] is filled. */
void cpu_topology_place(const cpu_topology *t, int first, int n, int *cpus);

#endif
