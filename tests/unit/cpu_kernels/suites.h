/* tests/unit/cpu_kernels/suites.h - the test suites (one file each). */
#ifndef GENRT_TEST_CPU_KERNELS_SUITES_H
#define GENRT_TEST_CPU_KERNELS_SUITES_H

void suite_elementwise(void);
void suite_matmul(void);
void suite_data(void);
void suite_convert(void);
void suite_norm(void);
void suite_attention(void);
void suite_moe(void);
void suite_reduce(void);
void suite_linear_fp(void);
void suite_linear_dq(void);
void suite_linear_bf16(void);
void suite_fused(void);

#endif
