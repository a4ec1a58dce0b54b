/*
 * tools/cli/util.c - helpers shared by the subcommands: error reporting, value printing and the
 * device-property options (cli.h). Single-threaded; nothing here allocates.
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

int grt_cli_property_option(const grt_cli_command *cmd, int argc, char **argv, int *i, grt_cli_props *props) {
    static const char *const opts[][2] = {{"--threads", GRT_PROP_INFERENCE_NUM_THREADS},
                                          {"--kv-precision", GRT_PROP_KV_CACHE_PRECISION},
                                          {"--dq-group", GRT_PROP_DYNAMIC_QUANTIZATION_GROUP_SIZE},
                                          {"--precision", GRT_PROP_INFERENCE_PRECISION_HINT},
                                          {"-P", NULL}};
    const char *a = argv[*i];
    size_t k;
    const size_t n_opts = sizeof opts / sizeof opts[0];
    for (k = 0; k < n_opts; k++)
        if (!strcmp(a, opts[k][0])) break;
    if (k == n_opts) return 0;
    if (*i + 1 >= argc) return grt_cli_usage_error(cmd, "missing value for", a), -1;
    if (props->n == GRT_CLI_MAX_PROPS) return grt_cli_usage_error(cmd, "too many property options at", a), -1;
    const char *v = argv[++*i];
    if (opts[k][1]) {
        props->keys[props->n] = opts[k][1];
        props->values[props->n] = v;
    } else {
        const char *eq = strchr(v, '=');
        size_t klen = eq ? (size_t)(eq - v) : 0;
        if (!eq || !klen || klen >= sizeof props->storage[0])
            return grt_cli_usage_error(cmd, "bad -P value (want KEY=VALUE)", v), -1;
        memcpy(props->storage[props->n], v, klen);
        props->storage[props->n][klen] = '\0';
        props->keys[props->n] = props->storage[props->n];
        props->values[props->n] = eq + 1;
    }
    props->n++;
    return 1;
}

int grt_cli_apply_properties(const char *cmd, grt_core *core, const char *device, const grt_cli_props *props) {
    for (size_t k = 0; props && k < props->n; k++) {
        grt_status st = grt_core_set_property_str(core, device, props->keys[k], props->values[k]);
        if (st) {
            fprintf(stderr, "genrt %s: cannot set %s=%s on %s: %s: %s\n", cmd, props->keys[k], props->values[k],
                    device, grt_status_str(st), grt_last_error() ? grt_last_error() : "");
            return GRT_CLI_EXIT_FAIL;
        }
    }
    return GRT_CLI_EXIT_OK;
}
