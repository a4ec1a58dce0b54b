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
