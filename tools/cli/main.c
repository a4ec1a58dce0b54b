/*
 * tools/cli/main.c - entry point of the `genrt` tool: dispatches argv[1] to a subcommand.
 *
 *   genrt <command> [options]      run a command (exit 0 ok, 1 failure, 2 usage error)
 *   genrt help [command]           list commands / show a command's help
 *   genrt <command> --help         same as `genrt help <command>`
 *   genrt --version                same as `genrt version`
 *
 * Adding a command: write cmd_<name>.c exporting a grt_cli_command, declare it in cli.h and add it
 * to g_commands below. Single-threaded.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const grt_cli_command *const g_commands[] = {
    &grt_cli_cmd_bench,
    &grt_cli_cmd_chat,
    &grt_cli_cmd_compress,
    &grt_cli_cmd_convert,
    &grt_cli_cmd_devices,
    &grt_cli_cmd_demo,
    &grt_cli_cmd_eval,
    &grt_cli_cmd_generate,
    &grt_cli_cmd_roofline,
    &grt_cli_cmd_tokenize,
    &grt_cli_cmd_version,
};
#define N_COMMANDS (sizeof g_commands / sizeof g_commands[0])

static const grt_cli_command *find_command(const char *name) {
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (!strcmp(g_commands[i]->name, name)) return g_commands[i];
    return NULL;
}

static void print_usage(FILE *out) {
    fprintf(out, "usage: genrt <command> [options]\n"
                 "       genrt help [command]\n"
                 "       genrt --version\n\n"
                 "GenRT, a plugin-based inference runtime.\n\ncommands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-10s %s\n", g_commands[i]->name, g_commands[i]->summary);
    fprintf(out, "  %-10s %s\n", "help", "show this list or a command's help");
    fprintf(out, "\nenvironment:\n"
                 "  GENRT_PLUGIN_PATH  extra plugin directories (colon-separated)\n"
                 "  GENRT_LOG          error|warning|info|debug: what the library logs to stderr\n"
                 "                     (default: warning)\n");
}

/* The tool prints the library's warnings and errors (e.g. a GGUF tensor re-quantized on load, a
 * plugin skipped) to stderr; GENRT_LOG=info|debug shows more, GENRT_LOG=error less. */
static int g_log_level = GRT_LOG_WARNING;

static void log_to_stderr(void *user, int level, const char *component, const char *message) {
    (void)user;
    static const char *const names[] = {"error", "warning", "info", "debug"};
    if (level > g_log_level) return;
    fprintf(stderr, "genrt: %s: %s: %s\n", names[level & 3], component, message);
}

static void setup_logging(void) {
    const char *e = getenv("GENRT_LOG");
    if (e && !strcmp(e, "error")) g_log_level = GRT_LOG_ERROR;
    else if (e && !strcmp(e, "info")) g_log_level = GRT_LOG_INFO;
    else if (e && !strcmp(e, "debug")) g_log_level = GRT_LOG_DEBUG;
    grt_set_log_callback(log_to_stderr, NULL);
}

static int run_help(int argc, char **argv) {
    if (argc < 2) {
        print_usage(stdout);
        return GRT_CLI_EXIT_OK;
    }
    const grt_cli_command *cmd = find_command(argv[1]);
    if (!cmd) {
        fprintf(stderr, "genrt help: unknown command '%s'\n\n", argv[1]);
        print_usage(stderr);
        return GRT_CLI_EXIT_USAGE;
    }
    fputs(cmd->usage, stdout);
    return GRT_CLI_EXIT_OK;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        print_usage(stderr);
        return GRT_CLI_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (grt_cli_is_help(name) || !strcmp(name, "help")) return run_help(argc - 1, argv + 1);
    if (!strcmp(name, "--version") || !strcmp(name, "-V")) name = "version";

    const grt_cli_command *cmd = find_command(name);
    if (!cmd) {
        fprintf(stderr, "genrt: unknown command '%s'\n\n", name);
        print_usage(stderr);
        return GRT_CLI_EXIT_USAGE;
    }
    /* `genrt <cmd> --help` anywhere on the line shows the command's help. */
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--")) break;
        if (grt_cli_is_help(argv[i])) {
            fputs(cmd->usage, stdout);
            return GRT_CLI_EXIT_OK;
        }
    }
    setup_logging();
    return cmd->run(argc - 1, argv + 1);
}
