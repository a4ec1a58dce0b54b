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
    "  --sensitivity-metric S   weight_quantization_error (default; the data-aware ones need a\n"  \
    "                           dataset and are not supported yet)\n"                              \
    "  --fp16                   store the weights left uncompressed as f16\n"
int grt_cli_compress_option(const grt_cli_command *cmd, int argc, char **argv, int *i, grt_compress_config *cfg,
                            const char **scope, int *consumed);
void grt_cli_print_compress_report(FILE *out, const grt_compress_report *r);

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
