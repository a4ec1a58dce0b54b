/*
 * threads/scratch.c - per-thread grow-only scratch buffers (see scratch.h).
 */
#include "scratch.h"

#include <pthread.h>
#include <stdlib.h>

typedef struct scratch_set {
    void *p[CPU_SCRATCH_SLOTS];
    size_t cap[CPU_SCRATCH_SLOTS];
} scratch_set;

static pthread_key_t g_key;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static int g_key_ok;

static void set_free(void *arg)
{
    scratch_set *s = arg;
    if (s == NULL)
        return;
    for (int i = 0; i < CPU_SCRATCH_SLOTS; i++)
        free(s->p[i]);
    free(s);
}

static void make_key(void)
{
    g_key_ok = pthread_key_create(&g_key, set_free) == 0;
}

void *cpu_scratch(int slot, size_t bytes)
{
    if (slot < 0 || slot >= CPU_SCRATCH_SLOTS)
        return NULL;
    pthread_once(&g_once, make_key);
    if (!g_key_ok)
        return NULL;
    scratch_set *s = pthread_getspecific(g_key);
    if (s == NULL) {
        s = calloc(1, sizeof *s);
        if (s == NULL || pthread_setspecific(g_key, s) != 0) {
            free(s);
            return NULL;
        }
    }
    if (bytes == 0)
        bytes = 64;
    if (s->cap[slot] < bytes) {
        size_t cap = (bytes + 63) & ~(size_t)63;
        if (cap < 2 * s->cap[slot])
            cap = (2 * s->cap[slot] + 63) & ~(size_t)63;
        void *p = aligned_alloc(64, cap);
        if (p == NULL)
            return NULL;
        free(s->p[slot]);
        s->p[slot] = p;
        s->cap[slot] = cap;
    }
    return s->p[slot];
}

void cpu_scratch_release_thread(void)
{
    pthread_once(&g_once, make_key);
    if (!g_key_ok)
        return;
    scratch_set *s = pthread_getspecific(g_key);
    pthread_setspecific(g_key, NULL);
    set_free(s);
}
