/*
 * kernels/matmul/onednn.h - optional oneDNN (libdnnl) f32 GEMM for the prefill linear layers.
 *
 * Built only when CMake finds oneDNN (GENRT_CPU_HAVE_ONEDNN); otherwise every call reports
 * "unavailable" and callers use their own kernels. Debian's libdnnl uses the OpenMP runtime
 * (no threadpool interop), so the thread count is set per call with omp_set_num_threads on the
 * calling thread (OpenMP keeps it per thread). Switched off by the environment variable
 * GENRT_CPU_ONEDNN=0 (read once) or by cpu_onednn_enable(0) (tests).
 * Threading: cpu_onednn_sgemm is reentrant; cpu_onednn_enable must not race with kernels.
 */
#ifndef GENRT_CPU_ONEDNN_H
#define GENRT_CPU_ONEDNN_H

#include <stddef.h>

/* 1 if oneDNN is compiled in and enabled. */
int cpu_onednn_available(void);
/* Enables (1) or disables (0) oneDNN; returns the previous setting. Tests only. */
int cpu_onednn_enable(int on);
/* out[M, N] = A[M, K] x W[N, K]^T (all f32, row-major; out row stride ldo >= N) on n_threads
 * threads. Returns 1 when it ran, 0 when oneDNN is unavailable or failed (out is then
 * unspecified; the caller recomputes). */
int cpu_onednn_sgemm(size_t M, size_t N, size_t K, const float *A, const float *W, float *out,
                     size_t ldo, int n_threads);

#endif
