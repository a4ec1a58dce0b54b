/*
 * tests/unit/cpu_kernels/main.c - kernel-level tests of the CPU plugin: calls each kernel through
 * cpu_kernel_lookup with a fake host and compares with plain reference loops.
 *
 * Usage: test_cpu_kernels [suite]  (elementwise, matmul, data, convert, norm, attention, moe,
 * reduce, linear_dq, linear_fp, linear_bf16, fused; default all). Each suite runs serially (no pool) and on a 3-thread pool.
 * Exit 0 when every check passed, 1 otherwise.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "suites.h"

static const struct {
    const char *name;
    void (*fn)(void);
} suites[] = {
    {"elementwise", suite_elementwise}, {"matmul", suite_matmul}, {"data", suite_data},
    {"convert", suite_convert},         {"norm", suite_norm},     {"attention", suite_attention},
    {"moe", suite_moe},                 {"reduce", suite_reduce},     {"linear_dq", suite_linear_dq},
    {"linear_fp", suite_linear_fp},   {"linear_bf16", suite_linear_bf16},   {"fused", suite_fused},
};

int main(int argc, char **argv)
{
    const char *only = argc > 1 ? argv[1] : NULL;
    int ran = 0;
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++) {
        if (only && strcmp(only, suites[i].name) != 0)
            continue;
        ran++;
        for (int pass = 0; pass < 2; pass++) {
            th_pool = pass ? cpu_pool_create(3) : NULL;
            int before = th_failures;
            suites[i].fn();
            printf("%s (%s): %s\n", suites[i].name, pass ? "pool" : "serial",
                   th_failures == before ? "ok" : "FAILED");
            cpu_pool_destroy(th_pool);
            th_pool = NULL;
        }
    }
    if (ran == 0) {
        printf("unknown suite '%s'\n", only);
        return 1;
    }
    printf("%d failure(s)\n", th_failures);
    return th_failures ? 1 : 0;
}
