/*
 * frontends/gguf.h - GGUF (ggml's model file format, versions 2 and 3) for the core: the parser
 * (gguf_parse.c), the ggml block formats (gguf_quant.c), the loader into an LLM graph
 * (gguf_load.c) and the writer (gguf_write.c). Spec: ggml docs/gguf.md; docs/FORMATS.md.
 *
 * Parsed file: every count, length, offset, type and dimension is validated with overflow-safe
 * arithmetic before use; keys and tensor infos point into a read-only mapping of the file (the
 * blob), which the parsed file holds one reference on.
 * Ownership: grt_gguf_open returns a grt_gguf owned by the caller (grt_gguf_close).
 * Thread-safety: a parsed file is immutable; reading it from several threads is safe.
 */
#ifndef GENRT_FRONTENDS_GGUF_H
#define GENRT_FRONTENDS_GGUF_H

#include <stddef.h>
#include <stdint.h>

#include <genrt/model.h>

#include "ir/weights.h"

#define GGUF_MAGIC "GGUF"
#define GGUF_DEFAULT_ALIGNMENT 32
#define GGUF_MAX_DIMS 4
#define GGUF_MAX_NAME 256        /* tensor names (ggml itself allows 64) */
#define GGUF_MAX_KEY 65535

/* Metadata value types (GGUF spec). */
typedef enum gguf_vtype {
    GGUF_U8 = 0, GGUF_I8 = 1, GGUF_U16 = 2, GGUF_I16 = 3, GGUF_U32 = 4, GGUF_I32 = 5,
    GGUF_F32 = 6, GGUF_BOOL = 7, GGUF_STRING = 8, GGUF_ARRAY = 9, GGUF_U64 = 10, GGUF_I64 = 11,
    GGUF_F64 = 12, GGUF_VTYPE_COUNT = 13
} gguf_vtype;

/* ggml tensor types this reader knows the block layout of. */
typedef enum ggml_type {
    GGML_F32 = 0, GGML_F16 = 1, GGML_Q4_0 = 2, GGML_Q4_1 = 3, GGML_Q5_0 = 6, GGML_Q5_1 = 7,
    GGML_Q8_0 = 8, GGML_Q8_1 = 9, GGML_Q2_K = 10, GGML_Q3_K = 11, GGML_Q4_K = 12, GGML_Q5_K = 13,
    GGML_Q6_K = 14, GGML_Q8_K = 15, GGML_I8 = 24, GGML_I16 = 25, GGML_I32 = 26, GGML_I64 = 27,
    GGML_F64 = 28, GGML_BF16 = 30
} ggml_type;

typedef struct grt_gguf_kv {
    char *key;            /* owned copy, NUL-terminated */
    uint32_t type;        /* gguf_vtype */
    uint32_t arr_type;    /* element type of an ARRAY */
    uint64_t count;       /* ARRAY element count; 1 otherwise */
    const uint8_t *val;   /* payload in the mapping (after the type / array header) */
    size_t val_bytes;
} grt_gguf_kv;

typedef struct grt_gguf_tensor {
    char *name;              /* owned copy, NUL-terminated */
    uint32_t n_dims;
    int64_t ne[GGUF_MAX_DIMS]; /* ggml order: ne[0] is the innermost (contiguous) dim */
    uint32_t type;           /* ggml_type */
    uint64_t offset;         /* relative to the data section */
    size_t bytes;
    const uint8_t *data;     /* in the mapping */
} grt_gguf_tensor;

typedef struct grt_gguf {
    char *path;
    grt_ir_blob *blob; /* one reference */
    const uint8_t *base;
    size_t size;
    uint32_t version;
    uint32_t alignment;
    size_t data_offset;
    size_t n_kv;
    grt_gguf_kv *kv;
    size_t n_tensors;
    grt_gguf_tensor *tensors;   /* file order */
    grt_gguf_tensor **by_name;  /* sorted by name (lookup) */
} grt_gguf;

/* Maps and parses `path`. Errors: NOT_FOUND/IO (file), FORMAT ("PATH: what"), NOT_SUPPORTED
 * (version 1, big-endian file, unknown tensor type: message names it). */
grt_status grt_gguf_open(const char *path, grt_gguf **out);
/* Parses an already mapped blob (retained on success). Errors as grt_gguf_open. */
grt_status grt_gguf_parse_blob(const char *path, grt_ir_blob *blob, grt_gguf **out);
void grt_gguf_close(grt_gguf *f); /* NULL is a no-op */

const grt_gguf_kv *grt_gguf_find_kv(const grt_gguf *f, const char *key);
const grt_gguf_tensor *grt_gguf_find_tensor(const grt_gguf *f, const char *name);
/* Scalar getters: 1 if key exists with a compatible scalar type (any integer / bool for
 * get_int, any number for get_float), 0 otherwise. get_str: borrowed, not NUL-terminated. */
int grt_gguf_get_int(const grt_gguf *f, const char *key, int64_t *out);
int grt_gguf_get_float(const grt_gguf *f, const char *key, double *out);
int grt_gguf_get_str(const grt_gguf *f, const char *key, const char **s, size_t *len);

/* Copies every key into the model's metadata (integers/bools -> INT, floats -> FLOAT, strings,
 * arrays of them; nested arrays are skipped with a warning). Errors: OUT_OF_MEMORY, FORMAT. */
grt_status grt_gguf_to_meta(const grt_gguf *f, grt_model *model);

/* --- block formats (gguf_quant.c) --------------------------------------------------------- */

/* Elements and bytes per block of a ggml type; 0 if unknown. */
int ggml_type_block(uint32_t type, size_t *block_elems, size_t *block_bytes);
const char *ggml_type_name(uint32_t type);

/* Q8_0 blocks (f16 d, i8 q[32]) <-> int8 values + f16 scales (n elements, n % 32 == 0). */
void gguf_q8_0_split(const uint8_t *blocks, size_t n, int8_t *q, uint16_t *scales);
void gguf_q8_0_join(const int8_t *q, const uint16_t *scales, size_t n, uint8_t *blocks);
/* Q4_0 blocks (f16 d, 16 bytes: element j low nibble of byte j, element j+16 high nibble, value
 * nib - 8) <-> packed signed int4 (lower index in the low nibble) + f16 scales. */
void gguf_q4_0_split(const uint8_t *blocks, size_t n, uint8_t *q, uint16_t *scales);
void gguf_q4_0_join(const uint8_t *q, const uint16_t *scales, size_t n, uint8_t *blocks);
/* Q4_1 blocks (f16 d, f16 m, 16 bytes nibbles, w = nib * d + m) <-> packed u4 + f16 scales s = d
 * + f32 zero points z = -m / d. A block with d == 0 (all values m) becomes q = 0, z = -1, s = m
 * (exact); d == m == 0 gives s = z = 0. join inverts split (z * s must be -m; d = s). */
void gguf_q4_1_split(const uint8_t *blocks, size_t n, uint8_t *q, uint16_t *scales, float *zps);
void gguf_q4_1_join(const uint8_t *q, const uint16_t *scales, const float *zps, size_t n,
                    uint8_t *blocks);
/* Dequantizes n elements of a K-quant (Q2_K..Q6_K), Q5_0/Q5_1/Q8_1 or plain type to f32.
 * Returns 0 if the type is not supported. */
int gguf_dequantize(uint32_t type, const uint8_t *src, size_t n, float *dst);

float gguf_f16_to_f32(uint16_t h);
uint16_t gguf_f32_to_f16(float f);

/* --- loader / writer ---------------------------------------------------------------------- */

/* grt_model_read's GGUF entry (read.c). */
int grt_gguf_probe(const char *path, int is_dir, const uint8_t *head, size_t n);
grt_status grt_gguf_load(grt_core *core, const char *path, grt_model **out);
/* llama3 RoPE scaling as llama.cpp stores it (tensor rope_freqs.weight): out[i], i < R/2, is the
 * divisor of pair i's inv_freq = theta^(-2i/R) (computed in f32 like llama.cpp's converter):
 * 1 when the wavelength 2*pi/inv_freq < orig/high, factor when > orig/low, else
 * 1 / ((1 - smooth) / factor + smooth) with smooth = (orig/wavelength - low) / (high - low) —
 * the RoPE op's llama3 formula (docs/OPSET.md) written as a divisor. (gguf_write.c) */
void gguf_llama3_rope_factors(double theta, int64_t rotary_dim, double factor, double low, double high,
                              double orig, float *out);
/* grt_model_save_as(model, path, "gguf"). */
grt_status grt_gguf_write(const grt_model *model, const char *path);

#endif
