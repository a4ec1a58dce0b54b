/*
 * tools/cli/bench_model.h - what `genrt bench` needs to know about a model's weights to turn its
 * timings into bandwidth and compute rates: bytes of every constant, of the MatMul weights and of
 * one embedding row, and the multiply-accumulates per token. Read from the GenRT IR file's JSON
 * graph (docs/IR_FORMAT.md; other formats are first saved to a temporary IR file), since the public
 * API does not expose constants. Single-threaded; the caller owns the struct.
 */
#ifndef GENRT_CLI_BENCH_MODEL_H
#define GENRT_CLI_BENCH_MODEL_H

#include <genrt/genrt.h>
#include <stddef.h>

typedef struct grt_bench_weights {
    double model_bytes;     /* every Constant: values + scales + zero points */
    double matmul_bytes;    /* Constants that are the weight (2nd input) of a MatMul, once each */
    double matmul_macs;     /* multiply-accumulates per token over those weights (element count) */
    double embed_row_bytes; /* one row of the embedding Gather table(s) (table bytes / rows) */
    int64_t vocab;          /* rows of the embedding table, 0 if none */
    int compressed;         /* 1 when most MatMul weight bytes are int8/int4 compressed */
    char weight_desc[48];   /* dominant MatMul weight format: "f16", "i8_sym_per-channel", "u4_asym_g32" */
} grt_bench_weights;

/* Fills *out from the IR file at path. Returns GRT_OK, or IO / FORMAT with grt_last_error() naming
 * the file and what is wrong. */
grt_status grt_bench_weights_from_ir(const char *path, grt_bench_weights *out);

/* Same for a model already read: `path` itself when it is a GenRT IR file, else `model` saved to a
 * temporary IR file (in $TMPDIR or /tmp, removed afterwards). */
grt_status grt_bench_weights_of(const char *path, const grt_model *model, grt_bench_weights *out);

#endif
