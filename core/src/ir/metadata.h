/*
 * ir/metadata.h - the typed key/value metadata table a model owns (genrt/model.h
 * grt_model_set_meta & co.; saved in the IR file's optional "metadata" section).
 *
 * Keys keep insertion order (setting an existing key replaces its value in place; removing a
 * key shifts the later ones). Lookup is by hash (O(1)); a value is copied into one allocation,
 * so setting a 150k-entry string array is linear in its size. Strings are byte strings with an
 * explicit length and a NUL terminator after the last byte.
 * An all-zero grt_ir_meta is a valid empty table (a calloc'ed model needs no init call).
 * Ownership: the table owns keys and values; grt_ir_meta_free releases everything.
 * Thread-safety: none (the model's owner serialises changes; concurrent reads are fine).
 */
#ifndef GENRT_IR_METADATA_H
#define GENRT_IR_METADATA_H

#include <stddef.h>
#include <stdint.h>

#include <genrt/model.h>

typedef struct grt_ir_meta_entry {
    char *key;        /* owned, NUL-terminated */
    grt_meta_value v; /* pointers into mem */
    void *mem;        /* owned payload (strings, arrays, pointer/length tables) */
} grt_ir_meta_entry;

typedef struct grt_ir_meta {
    grt_ir_meta_entry *entries; /* insertion order */
    size_t count, cap;
    uint32_t *slots;  /* open-addressing hash: entry index + 1, 0 = empty */
    size_t n_slots;   /* power of two, > 2 * count, or 0 */
} grt_ir_meta;

void grt_ir_meta_free(grt_ir_meta *m);
/* Sets key to a deep copy of *value (replacing any previous value; order unchanged).
 * Errors: INVALID_ARGUMENT (NULL/empty key, NULL value, unknown type, NULL data with a non-zero
 * count, NULL string array entry), OUT_OF_MEMORY. On failure the table is unchanged. */
grt_status grt_ir_meta_set(grt_ir_meta *m, const char *key, const grt_meta_value *value);
/* Entry of key, or NULL. Borrowed. */
const grt_ir_meta_entry *grt_ir_meta_find(const grt_ir_meta *m, const char *key);
/* Removes key; returns 1 if it was present. */
int grt_ir_meta_remove(grt_ir_meta *m, const char *key);
/* 1 if p[0..n) is well-formed UTF-8 (no overlong forms, surrogates or code points > U+10FFFF). */
int grt_ir_utf8_valid(const char *p, size_t n);

#endif
