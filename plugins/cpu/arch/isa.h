/*
 * arch/isa.h - run-time choice of the CPU plugin's instruction-set paths.
 *
 * Kernels come in up to four flavours: portable C (CPU_ISA_SCALAR, always available), AVX2
 * (AVX2 + FMA + F16C, files in arch/avx2/ compiled with -mavx2 -mfma -mf16c), AVX-512 (F, BW,
 * VL, DQ, VNNI; BF16 where present: files in arch/avx512/ compiled with the AVX-512 flags) and
 * AMX (AVX-512 plus AMX-TILE and AMX-INT8: files in arch/amx/, which add -mamx-tile -mamx-int8
 * -mamx-bf16; the AMX-BF16 kernels also ask cpu_isa_has_amx_bf16()).
 * Each level includes the ones below it. A kernel asks cpu_isa_active() once per call and takes
 * the best path it has that does not exceed it; no code in arch/avx2, arch/avx512 or arch/amx may
 * run unless cpu_isa_active() allows it.
 *
 * cpu_isa_active() = the best ISA this CPU supports (CPUID + XGETBV: the OS must save the YMM /
 * ZMM state, and for AMX the tile state, which Linux enables per process on request: detection
 * asks for it once with arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA), process-wide; AMX
 * counts as supported only when that succeeds), lowered by the environment variable
 * GENRT_CPU_ISA (scalar | avx2 | avx512 | amx, read once) and by cpu_isa_force() (tests force
 * each path in turn). A request above what the CPU supports is capped at what it supports.
 * GENRT_CPU_ISA below amx also keeps detection from asking for the tile permission (whose tile
 * state enlarges the process's signal frames), and cpu_isa_supported() then stops at avx512.
 *
 * Threading: detection runs once (thread-safe); cpu_isa_force is for tests and must not race
 * with running kernels.
 */
#ifndef GENRT_CPU_ARCH_ISA_H
#define GENRT_CPU_ARCH_ISA_H

#include <stdint.h>

typedef enum cpu_isa {
    CPU_ISA_SCALAR = 0,
    CPU_ISA_AVX2 = 1,   /* AVX2 + FMA + F16C */
    CPU_ISA_AVX512 = 2, /* AVX-512 F/BW/VL/DQ + VNNI (BF16: see cpu_isa_has_avx512_bf16) */
    CPU_ISA_AMX = 3     /* AVX-512 + AMX-TILE + AMX-INT8, tile data enabled by the OS */
} cpu_isa;
#define CPU_ISA_MAX CPU_ISA_AMX

/* Best ISA the hardware (and OS) supports. */
cpu_isa cpu_isa_supported(void);
/* 1 if the CPU has AVX512_BF16 (only meaningful when cpu_isa_supported() >= CPU_ISA_AVX512). */
int cpu_isa_has_avx512_bf16(void);
/* The ISA kernels use now (see above). */
cpu_isa cpu_isa_active(void);
/* 1 if cpu_isa_active() >= CPU_ISA_AMX and the CPU has AMX-BF16 (tdpbf16ps; the bf16 GEMM of
 * INFERENCE_PRECISION_HINT bf16, arch/amx/bf16_gemm_amx.c). */
int cpu_isa_has_amx_bf16(void);
/* Caps the active ISA at `isa` (capped again at cpu_isa_supported()); returns the previous cap.
 * CPU_ISA_MAX removes the cap. Tests only. */
cpu_isa cpu_isa_force(cpu_isa isa);
/* "scalar", "avx2", "avx512", "amx". */
const char *cpu_isa_name(cpu_isa isa);
/* The ISA cpu_isa_name gives `name` (any case) in *out: 1, or 0 for an unknown name. */
int cpu_isa_by_name(const char *name, cpu_isa *out);

#endif
