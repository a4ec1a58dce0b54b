/*
 * tools/cli/cli.h - the `genrt` command-line tool: the subcommand table and shared helpers.
 *
 * Each subcommand lives in its own file (cmd_<name>.c) and exports one grt_cli_command. main.c
 * dispatches on argv[1]. A subcommand's run() receives argv with argv[0] = the subcommand name
 * and returns the process exit status: 0 success, 1 failure (message on stderr), 2 usage error.
 * Ownership: commands own everything they create and free it before returning.
 * Threading: single-threaded.
 */
#ifndef GENRT_CLI_H
#define GENRT_CLI_H

#include <genrt/genrt.h>
#include <stdio.h>

#define GRT_CLI_EXIT_OK 0
#define GRT_CLI_EXIT_FAIL 1
#define GRT_CLI_EXIT_USAGE 2

typedef struct grt_cli_command {
    const char *name;    /* "devices" */
    const char *summary; /* one line for `genrt help` */
    const char *usage;   /* full help text for `genrt <cmd> --help` (starts with "usage:") */
    int (*run)(int argc, char **argv);
} grt_cli_command;

extern const grt_cli_command grt_cli_cmd_version;
extern const grt_cli_command grt_cli_cmd_devices;
extern const grt_cli_command grt_cli_cmd_demo;
extern const grt_cli_command grt_cli_cmd_generate;
extern const grt_cli_command grt_cli_cmd_chat;
extern const grt_cli_command grt_cli_cmd_tokenize;
extern const grt_cli_command grt_cli_cmd_convert;
extern const grt_cli_command grt_cli_cmd_compress;
extern const grt_cli_command grt_cli_cmd_eval;
extern const grt_cli_command grt_cli_cmd_bench;
extern const grt_cli_command grt_cli_cmd_roofline;

/* Weight-compression options shared by `compress` and `convert` (cmd_compress.c):
 * grt_cli_compress_option consumes argv[*i] (and its value) when it is one of them (*consumed = 1;
 * ignored-scope patterns go to scope[], which needs argc entries; returns 0 or a usage exit
 * status); grt_cli_print_compress_report prints the per-layer table and the totals;
 * GRT_CLI_COMPRESS_OPTIONS_HELP holds the help lines. */
#define GRT_CLI_COMPRESS_OPTIONS_HELP                                                                       \
    "  --mode M                 int8_asym (default), int8_sym, int4_sym or int4_asym\n"            \
    "  --group-size N           -1 = per channel; default 128 for 4-bit, per channel for 8-bit\n"  \
    "  --ratio R                share of the eligible weights in the 4-bit mode, 0..1 (default 1)\n" \
    "  --backup-mode B          int8_asym (default), int8_sym or none: precision of the rest\n"    \
    "  --all-layers             the embedding and the last MatMul get the 4-bit mode too\n"        \
    "  --ignored-scope PATTERN  leave weights (or their consumer nodes) matching the name or glob\n" \
    "                           pattern as they are; repeatable\n"                                 \
    "  --sensitivity-metric S   weight_quantization_error (default), or data-aware (need a dataset):\n" \
    "                           hessian_input_activation, mean_activation_variance,\n"            \
    "                           max_activation_variance, mean_activation_magnitude\n"             \
    "  --fp16                   store the weights left uncompressed as f16\n"                     \
    "calibration data (data-aware compression; the model runs on CPU over it):\n"                \
    "  --dataset FILE           token ids (one sequence a line, separated by spaces/commas) or\n" \
    "                           text (one sample a line, encoded with the model's tokenizer)\n"   \
    "  --dataset-sample N       N sequences sampled from the model itself (models without a\n"    \
    "                           tokenizer), of --dataset-len L tokens (default 64)\n"            \
    "  --subset-size N          sequences used (default 128)\n"                                  \
    "  --awq                    AWQ scales for the 4-bit weights (int4 modes)\n"                   \
    "  --scale-estimation       refine the 4-bit group scales on the activations (int4 modes)\n" \
    "  --gptq                   GPTQ error-compensating rounding (any mode; not with --scale-estimation)\n"
int grt_cli_compress_option(const grt_cli_command *cmd, int argc, char **argv, int *i, grt_compress_config *cfg,
                            const char **scope, int *consumed);
void grt_cli_print_compress_report(FILE *out, const grt_compress_report *r);
/* Calibration options (compress_dataset.c): grt_cli_compress_data_option takes --dataset,
 * --dataset-sample, --dataset-len and --subset-size with their value (returns 0 or a usage exit
 * status); grt_cli_compress_weights loads the dataset they name for `model` (tokenizer, or
 * sampling on CPU), checks that data-aware options have one, and runs grt_model_compress_weights.
 * Errors are set as the last error (print with grt_cli_fail). */
int grt_cli_compress_data_option(const grt_cli_command *cmd, const char *opt, const char *val,
                                 grt_compress_config *cfg);
grt_status grt_cli_compress_weights(grt_model *model, grt_compress_config *cfg, grt_compress_report **rep);

/* Device-property options shared by `generate`, `chat` and `bench` (util.c): --kv-precision P,
 * --threads N, --dq-group N and -P KEY=VALUE (repeatable) are collected as text by
 * grt_cli_property_option (returns 1 when argv[*i] was one and advances *i past its value, 0 when
 * it is not one, -1 after printing a usage error) and set on the core for `device` by
 * grt_cli_apply_properties before compiling (the device checks and converts the values; returns
 * GRT_CLI_EXIT_OK or prints the error and returns GRT_CLI_EXIT_FAIL). Strings are borrowed from
 * argv. */
#define GRT_CLI_MAX_PROPS 16
typedef struct grt_cli_props {
    const char *keys[GRT_CLI_MAX_PROPS];
    const char *values[GRT_CLI_MAX_PROPS];
    char storage[GRT_CLI_MAX_PROPS][128]; /* keys split from -P KEY=VALUE */
    size_t n;
} grt_cli_props;
#define GRT_CLI_PROPERTY_OPTIONS_HELP                                                                       \
    "device properties (set on the device before compiling; see `genrt devices`):\n"                        \
    "  --threads N             INFERENCE_NUM_THREADS (0 = one per physical core)\n"                      \
    "  --kv-precision P        KV_CACHE_PRECISION: f32, f16, bf16 or u8\n"                                 \
    "  --dq-group N            DYNAMIC_QUANTIZATION_GROUP_SIZE (0 = off)\n"                                \
    "  --precision P           INFERENCE_PRECISION_HINT: f32, f16 or bf16 (CPU: bf16 = AMX prefill)\n"     \
    "  -P KEY=VALUE            any other property, e.g. -P PERFORMANCE_HINT=LATENCY (repeatable)\n"
int grt_cli_property_option(const grt_cli_command *cmd, int argc, char **argv, int *i, grt_cli_props *props);
int grt_cli_apply_properties(const char *cmd, grt_core *core, const char *device, const grt_cli_props *props);

/* Prints "genrt <what>: <status name>: <grt_last_error()>" to stderr and returns
 * GRT_CLI_EXIT_FAIL. */
int grt_cli_fail(const char *what, grt_status status);

/* Prints "genrt <cmd>: <message>", then "see 'genrt <cmd> --help'" to stderr and returns
 * GRT_CLI_EXIT_USAGE. */
int grt_cli_usage_error(const grt_cli_command *cmd, const char *message, const char *arg);

/* 1 if arg is "-h" or "--help". */
int grt_cli_is_help(const char *arg);

/* Writes a property value as text ("4", "LATENCY", "[CPU, GPU]", "true"). */
void grt_cli_print_value(FILE *out, const grt_value *value);

#endif
