/*
 * threads/topology.c - CPU topology detection (see topology.h): hwloc when available
 * (GENRT_CPU_HWLOC), else one core per CPU of the affinity mask. Both paths fill raw PUs and
 * share the renumbering and ordering below.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "topology.h"

#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(GENRT_CPU_HWLOC)
#include <hwloc.h>
#endif

/* ---- shared: renumbering and ordering ------------------------------------------------------ */

/* Replaces the values of field `off` of pus[0..n) by their dense rank (0..k-1); returns k. */
static int densify(cpu_topo_pu *pus, int n, size_t off)
{
    int k = 0;
    int *map = malloc(sizeof(int) * (size_t)(2 * n));
    if (!map)
        return 1; /* keep the raw values; they are only used for ordering */
    int *raw = map, *sorted = map + n;
    for (int i = 0; i < n; i++)
        raw[i] = *(int *)((char *)&pus[i] + off);
    /* distinct sorted values (n is small: insertion sort) */
    for (int i = 0; i < n; i++) {
        int v = raw[i], j = 0;
        while (j < k && sorted[j] < v)
            j++;
        if (j < k && sorted[j] == v)
            continue;
        memmove(&sorted[j + 1], &sorted[j], sizeof(int) * (size_t)(k - j));
        sorted[j] = v;
        k++;
    }
    for (int i = 0; i < n; i++) {
        int j = 0;
        while (sorted[j] != raw[i])
            j++;
        *(int *)((char *)&pus[i] + off) = j;
    }
    free(map);
    return k > 0 ? k : 1;
}

static int pu_order(const void *a, const void *b)
{
    const cpu_topo_pu *x = a, *y = b;
    if (x->smt != y->smt)
        return x->smt < y->smt ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    if (x->numa != y->numa)
        return x->numa < y->numa ? -1 : 1;
    if (x->core != y->core)
        return x->core < y->core ? -1 : 1;
    return x->os_index < y->os_index ? -1 : x->os_index > y->os_index;
}

/* Dense indices, SMT ranks among the allowed PUs of each core, counts, placement order. */
static void finish(cpu_topology *t)
{
    int n = t->n_pus;
    t->n_cores = densify(t->pus, n, offsetof(cpu_topo_pu, core));
    t->n_numa = densify(t->pus, n, offsetof(cpu_topo_pu, numa));
    t->n_kinds = densify(t->pus, n, offsetof(cpu_topo_pu, kind));
    for (int i = 0; i < n; i++) {
        t->pus[i].smt = 0;
        for (int j = 0; j < i; j++)
            if (t->pus[j].core == t->pus[i].core)
                t->pus[i].smt++;
    }
    t->n_fast_cores = 0;
    for (int i = 0; i < n; i++)
        t->n_fast_cores += t->pus[i].smt == 0 && t->pus[i].kind == 0;
    qsort(t->pus, (size_t)n, sizeof(*t->pus), pu_order);
}

static int allowed_mask(cpu_set_t *set)
{
    CPU_ZERO(set);
    return sched_getaffinity(0, sizeof(*set), set) == 0 && CPU_COUNT(set) > 0;
}

/* ---- hwloc ----------------------------------------------------------------------------------- */

#if defined(GENRT_CPU_HWLOC)
static int kind_of(hwloc_topology_t topo, int nr, hwloc_bitmap_t tmp, unsigned os, int ranked)
{
    for (int k = 0; k < nr; k++) {
        int eff = -1;
        if (hwloc_cpukinds_get_info(topo, (unsigned)k, tmp, &eff, NULL, NULL, 0) != 0)
            continue;
        if (hwloc_bitmap_isset(tmp, os))
            return ranked ? nr - 1 - k : 0; /* hwloc lists the most performant kind last */
    }
    return 0;
}

/* 1 on success (t->pus filled), 0 to fall back. */
static int detect_hwloc(cpu_topology *t, const cpu_set_t *mask)
{
    hwloc_topology_t topo;
    hwloc_bitmap_t tmp = NULL;
    int ok = 0;
    if (hwloc_topology_init(&topo) != 0)
        return 0;
    if (hwloc_topology_load(topo) != 0)
        goto done;
    tmp = hwloc_bitmap_alloc();
    int n_all = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
    if (!tmp || n_all <= 0)
        goto done;
    t->pus = calloc((size_t)n_all, sizeof(*t->pus));
    if (!t->pus)
        goto done;
    int nr = hwloc_cpukinds_get_nr(topo, 0), ranked = nr > 1;
    for (int k = 0; k < nr && ranked; k++) {
        int eff = -1;
        if (hwloc_cpukinds_get_info(topo, (unsigned)k, NULL, &eff, NULL, NULL, 0) != 0 || eff < 0)
            ranked = 0; /* unknown efficiencies: kinds are not ordered, treat them alike */
    }
    int n_numa = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE);
    for (int i = 0; i < n_all; i++) {
        hwloc_obj_t pu = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PU, (unsigned)i);
        if (!pu || pu->os_index >= CPU_SETSIZE || !CPU_ISSET(pu->os_index, mask))
            continue;
        hwloc_obj_t core = hwloc_get_ancestor_obj_by_type(topo, HWLOC_OBJ_CORE, pu);
        cpu_topo_pu *p = &t->pus[t->n_pus++];
        p->os_index = (int)pu->os_index;
        p->core = core ? (int)core->logical_index : n_all + i; /* no core object: its own core */
        p->kind = kind_of(topo, nr, tmp, pu->os_index, ranked);
        p->numa = 0;
        for (int m = 0; m < n_numa; m++) {
            hwloc_obj_t node = hwloc_get_obj_by_type(topo, HWLOC_OBJ_NUMANODE, (unsigned)m);
            if (node && node->cpuset && hwloc_bitmap_isset(node->cpuset, pu->os_index)) {
                p->numa = (int)node->logical_index;
                break;
            }
        }
    }
    ok = t->n_pus > 0;
    t->from_hwloc = ok;
done:
    if (!ok) {
        free(t->pus);
        t->pus = NULL;
        t->n_pus = 0;
    }
    hwloc_bitmap_free(tmp);
    hwloc_topology_destroy(topo);
    return ok;
}
#endif

/* ---- fallback ------------------------------------------------------------------------------- */

static int detect_plain(cpu_topology *t, const cpu_set_t *mask, int have_mask)
{
    long n_conf = sysconf(_SC_NPROCESSORS_CONF);
    int limit = n_conf > 0 && n_conf < CPU_SETSIZE ? (int)n_conf : CPU_SETSIZE;
    t->pus = calloc((size_t)limit, sizeof(*t->pus));
    if (!t->pus)
        return 0;
    for (int c = 0; c < limit; c++) {
        if (have_mask && !CPU_ISSET(c, mask))
            continue;
        cpu_topo_pu *p = &t->pus[t->n_pus++];
        p->os_index = c;
        p->core = c;
    }
    if (t->n_pus == 0) { /* no mask and no count: one CPU, unknown number */
        t->pus[0].os_index = -1;
        t->n_pus = 1;
    }
    return 1;
}

/* ---- public --------------------------------------------------------------------------------- */

cpu_topology *cpu_topology_detect(void)
{
    cpu_set_t mask;
    int have_mask = allowed_mask(&mask);
    cpu_topology *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    int ok = 0;
#if defined(GENRT_CPU_HWLOC)
    ok = have_mask && detect_hwloc(t, &mask);
#endif
    if (!ok && !detect_plain(t, &mask, have_mask)) {
        free(t);
        return NULL;
    }
    finish(t);
    return t;
}

void cpu_topology_free(cpu_topology *t)
{
    if (!t)
        return;
    free(t->pus);
    free(t);
}

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static cpu_topology *g_topo;
static cpu_topo_pu g_single_pu = {-1, 0, 0, 0, 0};
static cpu_topology g_single = {1, 1, 1, 1, 1, 0, &g_single_pu};

static void detect_once(void)
{
    g_topo = cpu_topology_detect();
}

#if defined(__GNUC__)
/* Frees the process topology when the plugin is unloaded (dlclose) or the program exits, so
 * leak checkers see no lost block. Nothing may use it after that. */
__attribute__((destructor)) static void free_at_unload(void)
{
    cpu_topology_free(g_topo);
    g_topo = NULL;
}
#endif

const cpu_topology *cpu_topology_get(void)
{
    pthread_once(&g_once, detect_once);
    return g_topo ? g_topo : &g_single;
}

int cpu_topology_default_threads(const cpu_topology *t, int fast_only)
{
    int n = fast_only ? t->n_fast_cores : t->n_cores;
    return n > 0 ? n : 1;
}

void cpu_topology_place(const cpu_topology *t, int first, int n, int *cpus)
{
    for (int i = 0; i < n; i++)
        cpus[i] = t->pus[(first + i) % t->n_pus].os_index;
}
