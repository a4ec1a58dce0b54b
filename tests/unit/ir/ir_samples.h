/*
 * ir_samples.h - small models built with the public builder API, shared by the IR unit tests and
 * the fuzz corpus generator (tests/fuzz/gen_ir_corpus.c). Deterministic weights.
 * Each sample function returns a new model owned by the caller (grt_model_destroy) or an error
 * status. Also the file helpers those programs share: scratch paths, whole-file read/write and
 * JSON edits of a saved IR file (the corrupt-file tests and corpus seeds). Single-threaded.
 */
#ifndef GENRT_TEST_IR_SAMPLES_H
#define GENRT_TEST_IR_SAMPLES_H

#include <stddef.h>
#include <stdint.h>

#include <genrt/genrt.h>

/* x [?, 16] f32 -> MatMul [16, 8] -> Add [8] -> ReLU -> "y". */
grt_status ir_sample_mlp(grt_model **out);
/* A stateful decoder block using every op of opset v1 (compressed sym/asym i8/u4/i4 constants,
 * ReadValue/Assign with and without init, RoPE, SDPA, MoE, TopK, ...). Inputs "input_ids" i64
 * [1, ?] and "position_ids" i64 [?]; outputs "logits", "top_values", "top_indices", "next_token". */
grt_status ir_sample_block(grt_model **out);
/* Two MatMuls with compressed weights over 1 MiB each (U8 [520, 4096], I4 [1030, 4096]): the
 * loader maps their pages back from the file (weights.h grt_ir_blob_file_back). */
grt_status ir_sample_wide(grt_model **out);

/* "DIR/TAG_PID_NAME" in one of two static buffers used in turn (so two paths may be held). */
const char *ir_scratch_path(const char *dir, const char *tag, const char *name);
/* The whole file at path (malloc'd, caller frees; *n its size), or NULL if it cannot be read. */
uint8_t *ir_slurp(const char *path, size_t *n);
/* Writes p[0..n) to path; 1 on success, 0 on any open/write/close error. */
int ir_spill(const char *path, const uint8_t *p, size_t n);
/* The JSON text of the IR file image `file` as a NUL-terminated malloc'd string (caller frees),
 * or NULL if out of memory. The header is trusted (files written by grt_model_save). */
char *ir_json_text(const uint8_t *file);
/* A copy of the IR file image `orig` with the first `from` in its JSON replaced by `to`, the JSON
 * size, blob offset and checksum fixed up (malloc'd, *n its size; caller frees), or NULL if out of
 * memory or `from` is not in the JSON (message on stderr). */
uint8_t *ir_edit_json(const uint8_t *orig, const char *from, const char *to, size_t *n);

#endif
