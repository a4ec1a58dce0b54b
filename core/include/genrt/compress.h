/*
 * genrt/compress.h - weight compression of a model (nncf.compress_weights): data-free, or
 * data-aware with calibration token sequences (sensitivity metrics, AWQ, scale estimation, GPTQ).
 *
 * grt_model_compress_weights() rewrites, in place, every 2-D float Constant that feeds a MatMul's
 * second input or an embedding Gather's table into a compressed constant (see grt_compression_info
 * in genrt/types.h): int8/int4 values, f16 scales (and integer zero points for asym modes), int4
 * packed two per byte. Formulas follow NNCF: sym s = signed abs-max / 2^(b-1), q = clamp(round(w/s),
 * -2^(b-1), 2^(b-1)-1); asym (range widened to hold 0) s = (max-min)/(2^b-1), z = clamp(-round(min/s), 0, 2^b-1),
 * q = clamp(round(w/s)+z, 0, 2^b-1). Values are quantized with the f16-rounded scale.
 * Mixed precision (ratio < 1): eligible layers are ranked by NNCF's data-free
 * WEIGHT_QUANTIZATION_ERROR criterion (or a data-aware metric) and the most sensitive share (by
 * weight count) goes to the primary 4-bit mode, the rest to backup_mode.
 * Data-aware (cfg->dataset set): the model (an LLM graph with inputs input_ids and position_ids)
 * is run on the CPU device over up to subset_size sequences; the statistics of every MatMul input
 * drive the data-aware sensitivity metrics (NNCF definitions, see docs/COMPRESSION.md), AWQ
 * (per-input-channel scales folded into the preceding RMSNorm weight or MatMul rows) and scale
 * estimation (per-group scale refinement minimising the activation-weighted error), GPTQ
 * (Hessian-based error-compensating rounding, also for the 8-bit modes).
 *
 * Ownership: the config and ignored_scope strings are borrowed for the call only. The report is
 * owned by the caller and freed with grt_compress_report_free().
 * Errors: INVALID_ARGUMENT (bad struct_size, enum value, ratio outside [0,1], group size not
 * dividing a weight's channel length - the message names the tensor; a data-aware metric, awq,
 * scale_estimation or gptq without a dataset; awq / scale_estimation with an 8-bit mode; gptq
 * with scale_estimation; an empty calibration sequence or negative id), NOT_FOUND
 * (no CPU device for calibration), errors of running the model, OUT_OF_MEMORY. On error the model
 * is unchanged.
 * Thread-safety: the model must not be used concurrently with the call.
 */
#ifndef GENRT_COMPRESS_H
#define GENRT_COMPRESS_H

#include <genrt/model.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum grt_compress_mode {
    GRT_COMPRESS_INT8_ASYM = 0, /* default */
    GRT_COMPRESS_INT8_SYM = 1,
    GRT_COMPRESS_INT4_SYM = 2,
    GRT_COMPRESS_INT4_ASYM = 3
} grt_compress_mode;

typedef enum grt_compress_backup {
    GRT_COMPRESS_BACKUP_INT8_ASYM = 0, /* default */
    GRT_COMPRESS_BACKUP_INT8_SYM = 1,
    GRT_COMPRESS_BACKUP_NONE = 2 /* layers not in 4-bit stay uncompressed */
} grt_compress_backup;

typedef enum grt_sensitivity_metric {
    GRT_SENSITIVITY_WEIGHT_QUANTIZATION_ERROR = 0, /* data-free (default) */
    GRT_SENSITIVITY_HESSIAN_INPUT_ACTIVATION = 1,  /* data-aware (need cfg->dataset) */
    GRT_SENSITIVITY_MEAN_ACTIVATION_VARIANCE = 2,  /* data-aware */
    GRT_SENSITIVITY_MAX_ACTIVATION_VARIANCE = 3,   /* data-aware */
    GRT_SENSITIVITY_MEAN_ACTIVATION_MAGNITUDE = 4  /* data-aware */
} grt_sensitivity_metric;

#define GRT_COMPRESS_GROUP_DEFAULT 0      /* 128 for 4-bit modes, per channel for 8-bit */
#define GRT_COMPRESS_GROUP_PER_CHANNEL -1
#define GRT_COMPRESS_SUBSET_DEFAULT 128 /* NNCF's default subset_size */

/* Calibration data: n token-id sequences, seqs[i] holding lens[i] ids (each run as a fresh
 * sequence from position 0). Borrowed for the call only. */
typedef struct grt_compress_dataset {
    const int32_t *const *seqs;
    const size_t *lens;
    size_t n;
} grt_compress_dataset;

typedef struct grt_compress_config {
    uint32_t struct_size;    /* sizeof(grt_compress_config) */
    uint32_t mode;           /* grt_compress_mode */
    int64_t group_size;      /* GRT_COMPRESS_GROUP_DEFAULT, _PER_CHANNEL or a positive size */
    double ratio;            /* share of eligible weights in the 4-bit mode, [0, 1]; default 1 */
    uint32_t backup_mode;    /* grt_compress_backup */
    int all_layers;          /* 1: embedding and last MatMul also get the primary mode (default 0) */
    const char *const *ignored_scope; /* names or glob patterns (fnmatch) of constants or their
                                         consumer nodes to leave as they are; may be NULL */
    size_t n_ignored_scope;
    uint32_t sensitivity_metric; /* grt_sensitivity_metric */
    int fp16;                /* 1: store the weights left uncompressed (2-D MatMul/Gather ones) as f16 */
    /* Fields below were appended in version 2; a struct_size of GRT_COMPRESS_CONFIG_SIZE_V1
       (callers built before) reads them as NULL / 0. */
    const grt_compress_dataset *dataset; /* calibration sequences; NULL = data-free */
    int64_t subset_size;     /* sequences of dataset used (the first ones); 0 = default 128 */
    int awq;                 /* 1: AWQ on the 4-bit weights (needs dataset and a 4-bit mode) */
    int scale_estimation;    /* 1: scale estimation on the 4-bit weights (needs dataset and a 4-bit mode) */
    int gptq;                /* 1: GPTQ rounding of every quantized MatMul weight, 8- or 4-bit (needs
                                dataset; not with scale_estimation) */
} grt_compress_config;

#define GRT_COMPRESS_CONFIG_SIZE_V1 offsetof(grt_compress_config, dataset)

/* Per-layer outcome. precision: "int8_asym", "int8_sym", "int4_sym", "int4_asym", "f16", "f32"
 * (left as stored) or "ignored". error: relative Frobenius error ||w - dq(q)|| / ||w|| (0 when
 * left as stored; with AWQ / GPTQ, w is the weight as those updated it). */
typedef struct grt_compress_layer {
    char name[128];
    int64_t rows, cols;
    char precision[16];
    int64_t group_size; /* 0 when not quantized */
    double error;
    size_t bytes_before, bytes_after;
} grt_compress_layer;

typedef struct grt_compress_report {
    size_t n_layers;
    grt_compress_layer *layers;
    size_t bytes_before, bytes_after; /* sums over the layers */
} grt_compress_report;

/* Fills cfg with the defaults (INT8_ASYM, default group size, ratio 1, backup INT8_ASYM, ...).
 * cfg->struct_size must not be read by the caller before; it is set here. */
GRT_EXPORT void grt_compress_config_init(grt_compress_config *cfg);

/* Compresses the model's weights in place; `report` may be NULL, else *report receives a new
 * report (owned by the caller; NULL on error). cfg NULL = defaults. */
GRT_EXPORT grt_status grt_model_compress_weights(grt_model *model, const grt_compress_config *cfg,
                                                 grt_compress_report **report);
GRT_EXPORT void grt_compress_report_free(grt_compress_report *report);

#ifdef __cplusplus
}
#endif
#endif
