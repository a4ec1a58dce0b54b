/*
 * tools/cli/util.c - helpers shared by the subcommands: error reporting and value printing.
 * Single-threaded; nothing here allocates.
 */
#include "cli.h"

#include <inttypes.h>
#include <string.h>

int grt_cli_fail(const char *what, grt_status status) {
    const char *msg = grt_last_error();
    fprintf(stderr, "genrt %s: %s%s%s\n", what, grt_status_str(status), (msg && *msg) ? ": " : "",
            msg ? msg : "");
    return GRT_CLI_EXIT_FAIL;
}

int grt_cli_usage_error(const grt_cli_command *cmd, const char *message, const char *arg) {
    fprintf(stderr, "genrt %s: %s%s%s%s\n", cmd->name, message, arg ? " '" : "", arg ? arg : "",
            arg ? "'" : "");
    fprintf(stderr, "see 'genrt %s --help'\n", cmd->name);
    return GRT_CLI_EXIT_USAGE;
}

int grt_cli_is_help(const char *arg) { return !strcmp(arg, "-h") || !strcmp(arg, "--help"); }

void grt_cli_print_value(FILE *out, const grt_value *value) {
    switch ((grt_value_type)value->type) {
    case GRT_VALUE_NONE: fputs("(none)", out); break;
    case GRT_VALUE_BOOL: fputs(value->u.i ? "true" : "false", out); break;
    case GRT_VALUE_INT: fprintf(out, "%" PRId64, value->u.i); break;
    case GRT_VALUE_DOUBLE: fprintf(out, "%g", value->u.f); break;
    case GRT_VALUE_STRING: fputs(value->u.s ? value->u.s : "", out); break;
    case GRT_VALUE_STRING_LIST:
        fputc('[', out);
        for (size_t i = 0; i < value->u.list.count; i++)
            fprintf(out, "%s%s", i ? ", " : "", value->u.list.items[i] ? value->u.list.items[i] : "");
        fputc(']', out);
        break;
    default: fprintf(out, "(unknown value type %u)", (unsigned)value->type); break;
    }
}
