/*
 * ir_samples.h - small models built with the public builder API, shared by the IR unit tests and
 * the fuzz corpus generator (tests/fuzz/gen_ir_corpus.c). Deterministic weights.
 * Each function returns a new model owned by the caller (grt_model_destroy) or an error status.
 */
#ifndef GENRT_TEST_IR_SAMPLES_H
#define GENRT_TEST_IR_SAMPLES_H

#include <genrt/genrt.h>

/* x [?, 16] f32 -> MatMul [16, 8] -> Add [8] -> ReLU -> "y". */
grt_status ir_sample_mlp(grt_model **out);
/* A stateful decoder block using every op of opset v1 (compressed sym/asym i8/u4/i4 constants,
 * ReadValue/Assign with and without init, RoPE, SDPA, MoE, TopK, ...). Inputs "input_ids" i64
 * [1, ?] and "position_ids" i64 [?]; outputs "logits", "top_values", "top_indices", "next_token". */
grt_status ir_sample_block(grt_model **out);

#endif
