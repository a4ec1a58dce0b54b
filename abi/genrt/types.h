/*
 * genrt/types.h - the shared vocabulary of GenRT: status codes, element types, shapes, op types,
 * attribute and property values, tensor descriptors and compressed-weight descriptors.
 *
 * This header is part of the stable plugin ABI (ABI major 1). It is C99, self-contained and
 * includes nothing from the core. The application API (genrt/genrt.h) reuses it.
 *
 * ABI rules for everything in this file:
 *   - enums are append-only: a value is never renumbered or reused;
 *   - structs whose first field is `struct_size` may grow by appending fields; a reader checks
 *     struct_size before touching a field past the v1 layout;
 *   - grt_shape, grt_port and grt_value are frozen value types (never extended; the layout is
 *     asserted below).
 */
#ifndef GENRT_TYPES_H
#define GENRT_TYPES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define GRT_EXPORT __declspec(dllexport)
#else
#define GRT_EXPORT __attribute__((visibility("default")))
#endif

/* ---------------------------------------------------------------------------------------------
 * Status codes. 0 is success; every fallible call returns one of these and leaves a message in
 * the calling thread's last-error slot (grt_last_error() in the application API). Append-only.
 */
typedef enum grt_status {
    GRT_OK = 0,
    GRT_ERROR_INVALID_ARGUMENT = 1, /* NULL where an object is required, bad value, bad name */
    GRT_ERROR_OUT_OF_MEMORY = 2,
    GRT_ERROR_NOT_FOUND = 3,        /* unknown device, property, tensor, file, node */
    GRT_ERROR_NOT_SUPPORTED = 4,    /* op, element type or feature the device cannot do */
    GRT_ERROR_IO = 5,               /* open/read/write/mmap failure */
    GRT_ERROR_FORMAT = 6,           /* corrupt, truncated or hostile file contents */
    GRT_ERROR_SHAPE = 7,            /* shape/type inference or validation failure */
    GRT_ERROR_DEVICE = 8,           /* device or plugin failure at run time */
    GRT_ERROR_ABI = 9,              /* plugin ABI mismatch (major, struct size, missing slot) */
    GRT_ERROR_INTERNAL = 10,        /* a bug: an invariant did not hold */
    GRT_ERROR_BUSY = 11,            /* the object is in use (e.g. an async infer is running) */
    GRT_ERROR_CANCELLED = 12,
    GRT_ERROR_TIMEOUT = 13
} grt_status;

/* Log levels of the log sink (application API) and of grt_host_api.log (plugins). Append-only. */
typedef enum grt_log_level {
    GRT_LOG_ERROR = 0,
    GRT_LOG_WARNING = 1,
    GRT_LOG_INFO = 2,
    GRT_LOG_DEBUG = 3
} grt_log_level;

/* ---------------------------------------------------------------------------------------------
 * Element types. Sub-byte types (I4/U4) pack two values per byte, the element with the lower
 * index in the low nibble. Append-only.
 */
typedef enum grt_element_type {
    GRT_UNDEFINED = 0,
    GRT_F32 = 1,
    GRT_F16 = 2,
    GRT_BF16 = 3,
    GRT_I64 = 4,
    GRT_I32 = 5,
    GRT_I8 = 6,
    GRT_U8 = 7,
    GRT_I4 = 8,
    GRT_U4 = 9,
    GRT_BOOLEAN = 10, /* one byte per element, 0 or 1 */
    GRT_ELEMENT_TYPE_COUNT_V1 = 11
} grt_element_type;

/* ---------------------------------------------------------------------------------------------
 * Shapes. A dimension of -1 is dynamic (unknown until run time). Rank 0 is a scalar.
 * Frozen value type.
 */
#define GRT_MAX_RANK 8
#define GRT_DYNAMIC ((int64_t)-1)

typedef struct grt_shape {
    uint32_t rank;
    uint32_t reserved; /* 0 */
    int64_t dims[GRT_MAX_RANK];
} grt_shape;

/* An output of a node: (node id, output port). Frozen value type. */
typedef struct grt_port {
    uint32_t node;
    uint32_t port;
} grt_port;

/* ---------------------------------------------------------------------------------------------
 * Opset v1. See docs/OPSET.md for inputs, outputs, attributes and exact semantics of each op.
 * Append-only.
 */
typedef enum grt_op_type {
    GRT_OP_UNKNOWN = 0,
    GRT_OP_PARAMETER = 1,
    GRT_OP_CONSTANT = 2,
    GRT_OP_RESULT = 3,
    GRT_OP_READ_VALUE = 4,
    GRT_OP_ASSIGN = 5,
    GRT_OP_MATMUL = 6,
    GRT_OP_ADD = 7,
    GRT_OP_SUB = 8,
    GRT_OP_MUL = 9,
    GRT_OP_DIV = 10,
    GRT_OP_GATHER = 11,
    GRT_OP_CONCAT = 12,
    GRT_OP_RESHAPE = 13,
    GRT_OP_TRANSPOSE = 14,
    GRT_OP_SLICE = 15,
    GRT_OP_CONVERT = 16,
    GRT_OP_SOFTMAX = 17,
    GRT_OP_SILU = 18,
    GRT_OP_GELU = 19,
    GRT_OP_RELU = 20,
    GRT_OP_RMS_NORM = 21,
    GRT_OP_LAYER_NORM = 22,
    GRT_OP_ROPE = 23,
    GRT_OP_SDPA = 24,
    GRT_OP_MOE = 25,
    GRT_OP_TOPK = 26,
    GRT_OP_ARGMAX = 27,
    GRT_OP_COUNT_V1 = 28
} grt_op_type;

/* ---------------------------------------------------------------------------------------------
 * Attribute values (node attributes of the graph). Pointers inside are borrowed; see the
 * function that produced the value for their lifetime. Frozen value type.
 */
typedef enum grt_attr_type {
    GRT_ATTR_NONE = 0,
    GRT_ATTR_INT = 1,    /* i */
    GRT_ATTR_FLOAT = 2,  /* f */
    GRT_ATTR_STRING = 3, /* s (NUL-terminated UTF-8) */
    GRT_ATTR_INTS = 4,   /* ints.data[ints.count] */
    GRT_ATTR_FLOATS = 5  /* floats.data[floats.count] */
} grt_attr_type;

typedef struct grt_attr_value {
    uint32_t type; /* grt_attr_type */
    uint32_t reserved;
    union {
        int64_t i;
        double f;
        const char *s;
        struct {
            const int64_t *data;
            size_t count;
        } ints;
        struct {
            const double *data;
            size_t count;
        } floats;
    } u;
} grt_attr_value;

/* A named attribute, as passed to the graph builder. */
typedef struct grt_attribute {
    const char *name;
    grt_attr_value value;
} grt_attribute;

/* ---------------------------------------------------------------------------------------------
 * Property values (device and compiled-model configuration). Frozen value type.
 * Ownership of the strings depends on the call that produced the value (stated there).
 */
typedef enum grt_value_type {
    GRT_VALUE_NONE = 0,
    GRT_VALUE_BOOL = 1,       /* i: 0 or 1 */
    GRT_VALUE_INT = 2,        /* i */
    GRT_VALUE_DOUBLE = 3,     /* f */
    GRT_VALUE_STRING = 4,     /* s */
    GRT_VALUE_STRING_LIST = 5 /* list.items[list.count] */
} grt_value_type;

typedef struct grt_value {
    uint32_t type; /* grt_value_type */
    uint32_t reserved;
    union {
        int64_t i;
        double f;
        const char *s;
        struct {
            const char *const *items;
            size_t count;
        } list;
    } u;
} grt_value;

/* A key/value pair, e.g. a compile-time property. */
typedef struct grt_property {
    const char *key;
    grt_value value;
} grt_property;

/* Describes one property a device supports (see the plugin slot supported_properties). */
typedef struct grt_property_info {
    uint32_t struct_size;
    uint32_t value_type; /* grt_value_type */
    const char *name;
    int32_t is_mutable;      /* 1: settable (RW), 0: read-only */
    int32_t reserved;
    const char *description; /* one line, may be NULL */
} grt_property_info;

/* Well-known property names (OpenVINO spelling). */
#define GRT_PROP_SUPPORTED_PROPERTIES "SUPPORTED_PROPERTIES"
#define GRT_PROP_AVAILABLE_DEVICES "AVAILABLE_DEVICES"
#define GRT_PROP_FULL_DEVICE_NAME "FULL_DEVICE_NAME"
#define GRT_PROP_OPTIMIZATION_CAPABILITIES "OPTIMIZATION_CAPABILITIES"
#define GRT_PROP_INFERENCE_NUM_THREADS "INFERENCE_NUM_THREADS"
#define GRT_PROP_PERFORMANCE_HINT "PERFORMANCE_HINT"
#define GRT_PROP_INFERENCE_PRECISION_HINT "INFERENCE_PRECISION_HINT"
#define GRT_PROP_KV_CACHE_PRECISION "KV_CACHE_PRECISION"
#define GRT_PROP_DYNAMIC_QUANTIZATION_GROUP_SIZE "DYNAMIC_QUANTIZATION_GROUP_SIZE"
#define GRT_PROP_DEVICE_PRIORITIES "DEVICE_PRIORITIES"

/* ---------------------------------------------------------------------------------------------
 * Tensor descriptor: how a tensor crosses the ABI. Memory is never transferred: the slot that
 * takes or returns a descriptor states who owns `data` and for how long.
 * strides are in bytes; a descriptor with dense row-major layout has
 * strides[rank-1] = element size and strides[i] = strides[i+1] * dims[i+1]
 * (for I4/U4 tensors only dense layout is allowed and strides are ignored).
 */
typedef struct grt_tensor_desc {
    uint32_t struct_size;
    uint32_t element_type; /* grt_element_type */
    grt_shape shape;       /* fully static */
    int64_t strides[GRT_MAX_RANK];
    void *data;
    size_t byte_size; /* bytes addressable from data */
} grt_tensor_desc;

/* ---------------------------------------------------------------------------------------------
 * Compressed weights. A Constant may hold quantized values q with per-group scales s (and zero
 * points z for asymmetric modes). Groups run along the LAST axis: for a constant of logical shape
 * [..., N, K] and group size G (G divides K; G = K means per channel), element (n, k) is
 *     w[n, k] = (q[n, k] - z[n, k / G]) * s[n, k / G]
 * sym:  storage I8 or I4 (signed), z = 0, no zero-point tensor;
 * asym: storage U8 or U4 (unsigned), z has shape [..., N, K / G] and type zero_point_type: the
 *       storage type (packed like the values), or F16/F32 for a real-valued zero point (e.g.
 *       GGUF Q4_1, w = q * d + m, is s = d, z = -m / d).
 * Scales have shape [..., N, K / G] and type F16 or F32. I4/U4 values (and zero points) are packed
 * two per byte, lower index in the low nibble. The constant's element type (the type of its output)
 * is the dequantized type (F32, F16 or BF16).
 */
typedef enum grt_compression_kind {
    GRT_COMPRESSION_NONE = 0,
    GRT_COMPRESSION_SYM = 1,
    GRT_COMPRESSION_ASYM = 2
} grt_compression_kind;

typedef struct grt_compression_info {
    uint32_t struct_size;
    uint32_t kind;         /* grt_compression_kind */
    uint32_t storage_type; /* I8, I4 (sym) or U8, U4 (asym) */
    uint32_t scale_type;   /* F16 or F32 */
    int64_t group_size;    /* elements per group along the last axis; == K for per channel */
    const void *scales;    /* [..., N, K / G] scale_type */
    size_t scales_bytes;
    const void *zero_points; /* [..., N, K / G] zero_point_type, NULL for sym */
    size_t zero_points_bytes;
    uint32_t zero_point_type; /* asym: storage_type, F16 or F32; GRT_UNDEFINED = storage_type */
    uint32_t reserved;
} grt_compression_info;

#ifdef __cplusplus
}
#endif
#endif /* GENRT_TYPES_H */
