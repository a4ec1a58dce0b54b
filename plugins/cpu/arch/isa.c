/*
 * arch/isa.c - CPUID / XGETBV detection and the active-ISA cap (see isa.h).
 */
#include "isa.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

static uint64_t xgetbv0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}
#endif

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static cpu_isa g_supported = CPU_ISA_SCALAR;
static int g_bf16 = 0;
static int g_amx_bf16 = 0;
static atomic_int g_cap = CPU_ISA_MAX;

/* Asks Linux for the AMX tile data state (XFEATURE_XTILEDATA = 18) for this process; 1 if
 * granted (or already granted). */
static int amx_permission(void)
{
#if defined(__linux__) && defined(SYS_arch_prctl) && (defined(__x86_64__) || defined(__i386__))
    return syscall(SYS_arch_prctl, 0x1023 /* ARCH_REQ_XCOMP_PERM */, 18) == 0;
#else
    return 0;
#endif
}

static void detect(void)
{
    /* the cap first: below AMX the process's tile permission is not even asked for (it grows
     * every signal frame of the process by the tile state, ~8 KiB) */
    const char *env = getenv("GENRT_CPU_ISA");
    cpu_isa cap = CPU_ISA_MAX;
    if (env != NULL && *env != '\0') {
        if (!cpu_isa_by_name(env, &cap))
            cap = CPU_ISA_MAX; /* an unknown name caps nothing */
        atomic_store(&g_cap, (int)cap);
    }
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    if (__get_cpuid_max(0, NULL) >= 7 && __get_cpuid(1, &a, &b, &c, &d)) {
        int osxsave = (c >> 27) & 1, fma = (c >> 12) & 1, f16c = (c >> 29) & 1;
        uint64_t xcr0 = osxsave ? xgetbv0() : 0;
        int ymm_ok = (xcr0 & 0x6) == 0x6;
        int zmm_ok = ymm_ok && (xcr0 & 0xe0) == 0xe0;
        __cpuid_count(7, 0, a, b, c, d);
        int avx2 = (b >> 5) & 1;
        int f = (b >> 16) & 1, dq = (b >> 17) & 1, bw = (b >> 30) & 1, vl = (b >> 31) & 1;
        int vnni = (c >> 11) & 1;
        int amx_tile = (d >> 24) & 1, amx_int8 = (d >> 25) & 1, amx_bf16 = (d >> 22) & 1;
        int tile_ok = zmm_ok && (xcr0 & 0x60000) == 0x60000; /* XTILECFG, XTILEDATA */
        if (ymm_ok && avx2 && fma && f16c)
            g_supported = CPU_ISA_AVX2;
        if (g_supported == CPU_ISA_AVX2 && zmm_ok && f && dq && bw && vl && vnni)
            g_supported = CPU_ISA_AVX512;
        if (g_supported == CPU_ISA_AVX512) {
            __cpuid_count(7, 1, a, b, c, d);
            g_bf16 = (a >> 5) & 1;
            if (cap >= CPU_ISA_AMX && tile_ok && amx_tile && amx_int8 && amx_permission()) {
                g_supported = CPU_ISA_AMX;
                g_amx_bf16 = amx_bf16;
            }
        }
    }
#endif
}

cpu_isa cpu_isa_supported(void)
{
    pthread_once(&g_once, detect);
    return g_supported;
}

int cpu_isa_has_avx512_bf16(void)
{
    pthread_once(&g_once, detect);
    return g_bf16;
}

int cpu_isa_has_amx_bf16(void)
{
    return cpu_isa_active() >= CPU_ISA_AMX && g_amx_bf16;
}

cpu_isa cpu_isa_active(void)
{
    cpu_isa s = cpu_isa_supported();
    cpu_isa cap = (cpu_isa)atomic_load(&g_cap);
    return cap < s ? cap : s;
}

cpu_isa cpu_isa_force(cpu_isa isa)
{
    pthread_once(&g_once, detect);
    return (cpu_isa)atomic_exchange(&g_cap, (int)isa);
}

int cpu_isa_by_name(const char *name, cpu_isa *out)
{
    for (int i = CPU_ISA_SCALAR; i <= CPU_ISA_MAX; i++)
        if (name != NULL && strcasecmp(name, cpu_isa_name((cpu_isa)i)) == 0) {
            *out = (cpu_isa)i;
            return 1;
        }
    return 0;
}

const char *cpu_isa_name(cpu_isa isa)
{
    switch (isa) {
    case CPU_ISA_AVX2: return "avx2";
    case CPU_ISA_AVX512: return "avx512";
    case CPU_ISA_AMX: return "amx";
    default: return "scalar";
    }
}
