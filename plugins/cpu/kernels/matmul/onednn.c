/*
 * kernels/matmul/onednn.c - oneDNN sgemm wrapper (see onednn.h).
 */
#include "onednn.h"

#include "../kutil.h"

#include <stdatomic.h>

#ifdef GENRT_CPU_HAVE_ONEDNN
#include <dnnl.h>
#ifdef GENRT_CPU_ONEDNN_OMP
#include <omp.h>
#endif
#endif

/* -1 = not decided yet (read GENRT_CPU_ONEDNN), 0 = off, 1 = on. */
static atomic_int g_onednn = -1;

int cpu_onednn_available(void)
{
#ifdef GENRT_CPU_HAVE_ONEDNN
    return cpu_kswitch_get(&g_onednn, "GENRT_CPU_ONEDNN");
#else
    return 0;
#endif
}

int cpu_onednn_enable(int on)
{
    int prev = cpu_onednn_available();
    atomic_store(&g_onednn, on ? 1 : 0);
    return prev;
}

int cpu_onednn_sgemm(size_t M, size_t N, size_t K, const float *A, const float *W, float *out,
                     size_t ldo, int n_threads)
{
#ifdef GENRT_CPU_HAVE_ONEDNN
    if (!cpu_onednn_available())
        return 0;
#ifdef GENRT_CPU_ONEDNN_OMP
    omp_set_num_threads(n_threads > 0 ? n_threads : 1);
#else
    (void)n_threads;
#endif
    /* row-major: C[M, N] = A[M, K] x B^T with B = W[N, K] */
    dnnl_status_t s = dnnl_sgemm('N', 'T', (dnnl_dim_t)M, (dnnl_dim_t)N, (dnnl_dim_t)K, 1.0f, A,
                                 (dnnl_dim_t)K, W, (dnnl_dim_t)K, 0.0f, out, (dnnl_dim_t)ldo);
    return s == dnnl_success;
#else
    (void)M, (void)N, (void)K, (void)A, (void)W, (void)out, (void)ldo, (void)n_threads;
    return 0;
#endif
}
