/*
 * test_cpu_arena.c - unit test of the CPU plugin's activation arena (plugins/cpu/exec/memory.h):
 * alignment, best-fit reuse after release, growth of the largest free buffer, no allocation when
 * an infer's acquire/release sequence repeats, buffer exchange (state adoption), and a randomized
 * liveness simulation checking that live buffers never overlap or get clobbered.
 */
#include "exec/memory.h"
#include "exec/util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEST_UTIL_NO_GENRT
#include "test_util.h"

static void test_basic(void)
{
    cpu_arena a;
    cpu_buf_id x = -1, y = -1, z = -1, w = -1;
    cpu_arena_init(&a);
    CHECKF(cpu_arena_acquire(&a, 0, &x) == 0, "acquire 0 bytes");
    CHECKF(cpu_arena_data(&a, x) != NULL, "empty buffer has a data pointer");
    CHECKF(cpu_arena_acquire(&a, 1000, &y) == 0 && cpu_arena_cap(&a, y) >= 1000, "acquire 1000");
    CHECKF(((uintptr_t)cpu_arena_data(&a, y) % CPU_ALIGNMENT) == 0, "64-byte aligned");
    CHECKF(x != y, "two live values get two buffers");
    cpu_arena_release(&a, y);
    CHECKF(cpu_arena_acquire(&a, 900, &z) == 0 && z == y, "released buffer is reused");
    cpu_arena_release(&a, z);
    cpu_arena_release(&a, x);
    /* best fit: 500 bytes goes to the 64-byte buffer? no: it must take the 1000-byte one */
    CHECKF(cpu_arena_acquire(&a, 500, &w) == 0 && w == y, "best fit picks the sufficient buffer");
    cpu_arena_release(&a, w);
    /* best fit among two sufficient ones picks the smaller */
    CHECKF(cpu_arena_acquire(&a, 10, &w) == 0 && w == x, "best fit picks the smallest sufficient");
    cpu_arena_release(&a, w);
    /* growth: a request larger than any free buffer grows the largest free one */
    uint64_t before = a.allocations;
    uint32_t nbufs = a.n_bufs;
    CHECKF(cpu_arena_acquire(&a, 5000, &w) == 0 && w == y && cpu_arena_cap(&a, w) >= 5000,
           "largest free buffer grows");
    CHECKF(a.n_bufs == nbufs && a.allocations == before + 1, "growth is one allocation");
    cpu_arena_release(&a, -1); /* no-op */
    cpu_arena_release_all(&a);
    CHECKF(a.bufs[0].in_use == 0 && a.bufs[1].in_use == 0, "release_all frees everything");
    cpu_arena_destroy(&a);
    cpu_arena_destroy(&a); /* destroyed arena is reusable/empty */
}

static void test_exchange(void)
{
    cpu_arena a;
    cpu_buf_id id = -1;
    cpu_arena_init(&a);
    CHECKF(cpu_arena_acquire(&a, 256, &id) == 0, "acquire");
    memset(cpu_arena_data(&a, id), 0x5a, 256);
    void *state = cpu_aligned_alloc(128);
    size_t cap = 128;
    void *old_arena_mem = cpu_arena_data(&a, id);
    cpu_arena_exchange(&a, id, &state, &cap);
    CHECKF(state == old_arena_mem && cap >= 256, "caller receives the arena buffer");
    CHECKF(((unsigned char *)state)[255] == 0x5a, "contents move without a copy");
    CHECKF(cpu_arena_cap(&a, id) == 128, "arena takes the caller's block");
    cpu_arena_release(&a, id);
    cpu_buf_id again = -1;
    CHECKF(cpu_arena_acquire(&a, 1024, &again) == 0 && again == id && cpu_arena_cap(&a, id) >= 1024,
           "the exchanged block is grown when too small");
    cpu_aligned_free(state);
    cpu_arena_destroy(&a);
}

/* A pseudo "plan": value i has size sizes[i] and dies after step death[i] (>= i). */
enum { N_VALUES = 200 };

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
}

static int run_plan(cpu_arena *a, const size_t *sizes, const int *death)
{
    cpu_buf_id ids[N_VALUES];
    int errors = 0;
    cpu_arena_release_all(a);
    for (int i = 0; i < N_VALUES; i++) {
        if (cpu_arena_acquire(a, sizes[i], &ids[i]) != 0)
            return 1;
        /* the new buffer must not be any live value's buffer */
        for (int j = 0; j < i; j++)
            if (ids[j] >= 0 && ids[j] == ids[i])
                errors++;
        memset(cpu_arena_data(a, ids[i]), (unsigned char)(i + 1), sizes[i]);
        /* values dying at step i: verify their contents survived, then release */
        for (int j = 0; j <= i; j++) {
            if (ids[j] < 0 || death[j] != i)
                continue;
            const unsigned char *d = cpu_arena_data(a, ids[j]);
            for (size_t k = 0; k < sizes[j]; k++)
                if (d[k] != (unsigned char)(j + 1)) {
                    errors++;
                    break;
                }
            cpu_arena_release(a, ids[j]);
            ids[j] = -1;
        }
    }
    return errors;
}

static void test_liveness_sim(void)
{
    size_t sizes[N_VALUES];
    int death[N_VALUES];
    for (int i = 0; i < N_VALUES; i++) {
        sizes[i] = (rnd() % 4 == 0) ? 0 : (size_t)(rnd() % 5000);
        death[i] = i + (int)(rnd() % 6);
        if (death[i] >= N_VALUES)
            death[i] = N_VALUES - 1;
    }
    cpu_arena a;
    cpu_arena_init(&a);
    CHECKF(run_plan(&a, sizes, death) == 0, "first run: live buffers clobbered or shared");
    uint64_t allocs = a.allocations;
    uint32_t nbufs = a.n_bufs;
    CHECKF(nbufs < N_VALUES / 2, "buffers are reused (%u buffers for %d values)", nbufs, N_VALUES);
    for (int rep = 0; rep < 3; rep++)
        CHECKF(run_plan(&a, sizes, death) == 0, "repeat run: live buffers clobbered or shared");
    CHECKF(a.allocations == allocs, "steady state allocates nothing (%llu -> %llu)",
           (unsigned long long)allocs, (unsigned long long)a.allocations);
    CHECKF(a.n_bufs == nbufs, "steady state creates no buffer");
    /* a smaller problem after a larger one still keeps live values apart */
    for (int i = 0; i < N_VALUES; i++)
        sizes[i] /= 2;
    CHECKF(run_plan(&a, sizes, death) == 0, "smaller run");
    cpu_arena_destroy(&a);
}

int main(void)
{
    test_basic();
    test_exchange();
    test_liveness_sim();
    return test_summary("test_cpu_arena");
}
