/*
 * tests/bench/bench_onednn_bf16.c - times oneDNN's bf16 matmul primitive (AMX brgemm where the
 * CPU has it) on the TinyLlama linear shapes at M = 512, the baseline the CPU plugin's own bf16
 * GEMM (kernels/matmul/linear_bf16.c, `bench_linear --m 512 --w bf16 --bf16`) was measured
 * against: "keep whichever wins per shape". Inputs are already bf16 (the plugin's figure includes
 * rounding f32 activations and building its weight panels), weights either as the plugin stores
 * them (W[N][K]) or in oneDNN's preferred layout (a reorder done once, outside the timing).
 * Built only when CMake finds oneDNN; never run by ctest.
 *
 * Usage: bench_onednn_bf16 [--m M] [--time S]   (threads: OMP_NUM_THREADS)
 */
#include <dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

#define CK(x)                                                                                      \
    do {                                                                                           \
        dnnl_status_t s_ = (x);                                                                    \
        if (s_ != dnnl_success) {                                                                  \
            printf("%s failed: status %d\n", #x, (int)s_);                                         \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

/* One shape: M x K bf16 activations times W [N][K] bf16 (any_layout: oneDNN's own layout). */
static int run(dnnl_engine_t eng, dnnl_stream_t st, long M, long K, long N, int any_layout,
               double min_s)
{
    dnnl_memory_desc_t a, b, c;
    dnnl_dims_t ad = {M, K}, bd = {K, N}, cd = {M, N};
    CK(dnnl_memory_desc_init_by_tag(&a, 2, ad, dnnl_bf16, dnnl_ab));
    CK(dnnl_memory_desc_init_by_tag(&b, 2, bd, dnnl_bf16, any_layout ? dnnl_format_tag_any : dnnl_ba));
    CK(dnnl_memory_desc_init_by_tag(&c, 2, cd, dnnl_f32, dnnl_ab));
    dnnl_matmul_desc_t md;
    CK(dnnl_matmul_desc_init(&md, &a, &b, NULL, &c));
    dnnl_primitive_desc_t pd;
    CK(dnnl_primitive_desc_create(&pd, &md, NULL, eng, NULL));
    const char *impl = "?";
    dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl);
    dnnl_primitive_t p;
    CK(dnnl_primitive_create(&p, pd));
    const dnnl_memory_desc_t *bq = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    dnnl_memory_t am, bm, cm;
    CK(dnnl_memory_create(&am, &a, eng, DNNL_MEMORY_ALLOCATE));
    CK(dnnl_memory_create(&bm, bq, eng, DNNL_MEMORY_ALLOCATE));
    CK(dnnl_memory_create(&cm, &c, eng, DNNL_MEMORY_ALLOCATE));
    void *ap, *bp;
    dnnl_memory_get_data_handle(am, &ap);
    dnnl_memory_get_data_handle(bm, &bp);
    memset(ap, 0x3e, (size_t)(M * K) * 2); /* bf16 0x3e3e: about 0.19, finite */
    memset(bp, 0x3e, dnnl_memory_desc_get_size(bq));
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}};
    CK(dnnl_primitive_execute(p, st, 3, args)); /* warm-up */
    CK(dnnl_stream_wait(st));
    int reps = 0;
    double t0 = now(), t;
    do {
        dnnl_primitive_execute(p, st, 3, args);
        dnnl_stream_wait(st);
        reps++;
        t = now() - t0;
    } while (t < min_s);
    printf("%-10s K %5ld N %5ld M %4ld: %9.3f ms %8.2f GOPs (%s)\n",
           any_layout ? "own-layout" : "W[N][K]", K, N, M, t / reps * 1e3,
           2.0 * (double)M * (double)N * (double)K / (t / reps) * 1e-9, impl);
    dnnl_memory_destroy(am);
    dnnl_memory_destroy(bm);
    dnnl_memory_destroy(cm);
    dnnl_primitive_destroy(p);
    dnnl_primitive_desc_destroy(pd);
    return 0;
}

int main(int argc, char **argv)
{
    long M = 512;
    double min_s = 1.0;
    for (int i = 1; i < argc; i++) {
        if (i + 1 < argc && strcmp(argv[i], "--m") == 0)
            M = atol(argv[++i]);
        else if (i + 1 < argc && strcmp(argv[i], "--time") == 0)
            min_s = atof(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_onednn_bf16 [--m M] [--time S]\n");
            return 2;
        }
    }
    dnnl_engine_t eng;
    dnnl_stream_t st;
    CK(dnnl_engine_create(&eng, dnnl_cpu, 0));
    CK(dnnl_stream_create(&st, eng, dnnl_stream_default_flags));
    static const long shapes[4][2] = {{2048, 2048}, {2048, 5632}, {2048, 256}, {5632, 2048}};
    int rc = 0;
    for (int any = 0; any < 2 && rc == 0; any++)
        for (int i = 0; i < 4 && rc == 0; i++)
            rc = run(eng, st, M, shapes[i][0], shapes[i][1], any, min_s);
    dnnl_stream_destroy(st);
    dnnl_engine_destroy(eng);
    return rc;
}
