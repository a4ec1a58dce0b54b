/*
 * tests/unit/gguf/gguf_synth.h - builds small GGUF v3 files in memory for tests and the fuzz
 * corpus, written from the GGUF specification (independently of the core's parser).
 * gguf_synth_llama: a tiny llama model (vocab 64, dim 64, 2 layers, 4 heads, 2 kv heads, ffn 96)
 * whose tensors use F32, F16, BF16, Q8_0, Q4_0, Q4_1 and Q4_K, with seeded random weights, plus
 * tokenizer metadata. The caller frees *out. Returns 0 on success.
 */
#ifndef GENRT_TEST_GGUF_SYNTH_H
#define GENRT_TEST_GGUF_SYNTH_H

#include <stddef.h>
#include <stdint.h>

int gguf_synth_llama(uint32_t seed, uint8_t **out, size_t *size);
/* The same model plus an F32 tensor rope_freqs.weight [n_freqs] holding rope_freqs (llama.cpp's
 * llama3 RoPE scaling); rope_freqs NULL gives gguf_synth_llama's file. */
int gguf_synth_llama_freqs(uint32_t seed, const float *rope_freqs, size_t n_freqs, uint8_t **out, size_t *size);
/* Only metadata (a vocabulary file): 3 tokens, a chat template. */
int gguf_synth_vocab(uint8_t **out, size_t *size);

#endif
