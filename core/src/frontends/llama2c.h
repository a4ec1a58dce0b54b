/*
 * frontends/llama2c.h - the llama2.c legacy checkpoint format (Karpathy's run.c "version 0"):
 * 7 int32 header fields (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len; a
 * positive vocab_size means the classifier shares the token embedding, a negative one that a
 * separate classifier of |vocab_size| rows follows the legacy RoPE tables), then f32 tensors.
 * The file has no magic: the probe claims a regular file whose header is plausible and whose size
 * is exactly what that header implies. Registered in ir/read.c's format table.
 * Stateless; thread-safe.
 */
#ifndef GENRT_FRONTENDS_LLAMA2C_H
#define GENRT_FRONTENDS_LLAMA2C_H

#include "ir/read.h"

/* The format table entry "llama2.c" (see grt_model_format in ir/read.h). */
int grt_llama2c_probe(const char *path, int is_dir, const uint8_t *head, size_t n);
grt_status grt_llama2c_load(grt_core *core, const char *path, grt_model **out);

#endif
