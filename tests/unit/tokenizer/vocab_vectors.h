/*
 * tests/unit/tokenizer/vocab_vectors.h - reading the shared tokenizer test vectors (llama.cpp's
 * format: X.gguf.inp holds strings separated by "\n__ggml_vocab_test__\n", X.gguf.out one line of
 * ids per string), shared by test_vectors.c (library) and test_cli.c (`genrt tokenize`).
 * Does not need libgenrt. Single-threaded; a vv_cases is owned by its caller (vv_free).
 */
#ifndef GENRT_TESTS_TOKENIZER_VOCAB_VECTORS_H
#define GENRT_TESTS_TOKENIZER_VOCAB_VECTORS_H

#include <stddef.h>

/* The cases of one vocabulary, read whole and split in place. */
typedef struct vv_cases {
    char *in, *out;   /* the .inp and .out files (malloc'd) */
    char *next_text;  /* where the next input string starts */
    char *next_ids;   /* where the next id line starts */
} vv_cases;

/* Reads PATH.inp and PATH.out (PATH = the X.gguf file); 1 on success, 0 if either cannot be read
 * (v is still safe to vv_free). */
int vv_load(vv_cases *v, const char *path);
/* The next case: *text the input string, *ids its expected id line (both NUL-terminated in
 * place). Returns 0 when there is no further complete case. */
int vv_next(vv_cases *v, const char **text, const char **ids);
void vv_free(vv_cases *v);

/* Calls fn(dir, name, ctx) for every *.gguf vocabulary in $GENRT_SHARED_DIR/tokenizers (or
 * ../shared/tokenizers); dir receives the folder (cap bytes). Returns the number of vocabularies,
 * or -1 (after printing "SKIP: ...") when the folder does not exist: the test then exits 77. */
long vv_for_each_vocab(char *dir, size_t cap, void (*fn)(const char *dir, const char *name, void *ctx),
                       void *ctx);

#endif
