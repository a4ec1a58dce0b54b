/*
 * tools/cli/cmd_compress.c - `genrt compress`: weight compression of a model
 * (grt_model_compress_weights; data-free, or data-aware with the calibration options of
 * compress_dataset.c) written as a GenRT IR or GGUF file, with a per-layer table and the
 * total weight size. Also the option parser and report printer that `genrt convert` reuses.
 * Single-threaded; owns and frees everything it creates.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int run_compress(int argc, char **argv);
/* `--auto`: the search of cmd_compress_auto.c */
int grt_cli_compress_auto(const grt_cli_command *cmd, int argc, char **argv);

const grt_cli_command grt_cli_cmd_compress = {
    "compress", "compress a model's weights to int8/int4 (NNCF-style, data-free or data-aware)",
    "usage: genrt compress -m IN -o OUT [--mode M] [--group-size N] [--ratio R]\n"
    "                      [--backup-mode B] [--all-layers] [--ignored-scope PATTERN]...\n"
    "                      [--fp16] [--format ir|gguf]\n"
    "                      [--dataset FILE | --dataset-sample N [--dataset-len L]] [--subset-size N]\n"
    "                      [--sensitivity-metric S] [--awq] [--scale-estimation | --gptq]\n"
    "       genrt compress --auto --max-kld X -m IN -o OUT [--auto-sample N] [--auto-len L]\n"
    "                      [--seed S] [-d DEVICE] [--dq-group N] [--threads N] [-P KEY=VALUE]...\n"
    "                      [other options but mode/group/ratio, --dataset ... included]\n\n"
    "Quantizes the MatMul and embedding weights of IN (any format genrt reads) and writes OUT.\n"
    "Prints one line per weight (name, shape, precision, group size, relative error, bytes) and\n"
    "the total weight size before and after.\n"
    "--auto tries int8_asym and int4_sym/int4_asym with group sizes 128..4 or per channel and ratios\n"
    "1..0.2 from the smallest up, and writes the first whose mean KLD to IN (on --auto-sample sequences\n"
    "of --auto-len tokens sampled from IN, default 8 x 64) is <= X; --dq-group N (old spelling\n"
    "--dq-group-size), --threads, --kv-precision and -P set device properties for the evaluation.\n\n"
    "options:\n"
    "  -m, --model IN           model file or folder\n"
    "  -o, --output OUT         file to write (atomically)\n"
    "  --format ir|gguf         output format (default ir)\n" GRT_CLI_COMPRESS_OPTIONS_HELP,
    run_compress,
};

static int parse_enum(const char *val, const char *const *names, int n) {
    for (int i = 0; i < n; i++)
        if (!strcmp(val, names[i])) return i;
    return -1;
}

int grt_cli_compress_option(const grt_cli_command *cmd, int argc, char **argv, int *i, grt_compress_config *cfg,
                            const char **scope, int *consumed) {
    static const char *const modes[] = {"int8_asym", "int8_sym", "int4_sym", "int4_asym"};
    static const char *const backups[] = {"int8_asym", "int8_sym", "none"};
    static const char *const metrics[] = {"weight_quantization_error", "hessian_input_activation",
                                          "mean_activation_variance", "max_activation_variance",
                                          "mean_activation_magnitude"};
    const char *opt = argv[*i];
    *consumed = 1;
    if (!strcmp(opt, "--all-layers")) {
        cfg->all_layers = 1;
        return 0;
    }
    if (!strcmp(opt, "--fp16")) {
        cfg->fp16 = 1;
        return 0;
    }
    if (!strcmp(opt, "--awq") || !strcmp(opt, "--scale-estimation") || !strcmp(opt, "--gptq")) {
        *(opt[2] == 'a' ? &cfg->awq : opt[2] == 's' ? &cfg->scale_estimation : &cfg->gptq) = 1;
        return 0;
    }
    int data = !strcmp(opt, "--dataset") || !strcmp(opt, "--dataset-sample") || !strcmp(opt, "--dataset-len") ||
               !strcmp(opt, "--subset-size");
    int known = data || !strcmp(opt, "--mode") || !strcmp(opt, "--group-size") || !strcmp(opt, "--ratio") ||
                !strcmp(opt, "--backup-mode") || !strcmp(opt, "--ignored-scope") ||
                !strcmp(opt, "--sensitivity-metric");
    if (!known) {
        *consumed = 0;
        return 0;
    }
    if (*i + 1 >= argc) return grt_cli_usage_error(cmd, "missing value for", opt);
    const char *val = argv[++*i];
    if (data) return grt_cli_compress_data_option(cmd, opt, val, cfg); /* compress_dataset.c */
    char *end = NULL;
    int k;
    if (!strcmp(opt, "--mode")) {
        if ((k = parse_enum(val, modes, 4)) < 0) return grt_cli_usage_error(cmd, "unknown mode", val);
        cfg->mode = (uint32_t)k;
    } else if (!strcmp(opt, "--backup-mode")) {
        if ((k = parse_enum(val, backups, 3)) < 0) return grt_cli_usage_error(cmd, "unknown backup mode", val);
        cfg->backup_mode = (uint32_t)k;
    } else if (!strcmp(opt, "--sensitivity-metric")) {
        if ((k = parse_enum(val, metrics, 5)) < 0) return grt_cli_usage_error(cmd, "unknown sensitivity metric", val);
        cfg->sensitivity_metric = (uint32_t)k;
    } else if (!strcmp(opt, "--group-size")) {
        errno = 0;
        long long g = strtoll(val, &end, 10);
        if (errno || !end || *end || !val[0] || g == 0 || g < -1)
            return grt_cli_usage_error(cmd, "bad group size", val);
        cfg->group_size = g;
    } else if (!strcmp(opt, "--ratio")) {
        errno = 0;
        double r = strtod(val, &end);
        if (errno || !end || *end || !val[0]) return grt_cli_usage_error(cmd, "bad ratio", val);
        cfg->ratio = r; /* range checked by the library */
    } else {
        scope[cfg->n_ignored_scope++] = val;
    }
    return 0;
}

void grt_cli_print_compress_report(FILE *out, const grt_compress_report *r) {
    fprintf(out, "%-40s %-14s %-10s %6s %10s %12s\n", "weight", "shape", "precision", "group", "rel.err", "bytes");
    for (size_t i = 0; i < r->n_layers; i++) {
        const grt_compress_layer *L = &r->layers[i];
        char shape[48], group[24];
        snprintf(shape, sizeof shape, "[%lld, %lld]", (long long)L->rows, (long long)L->cols);
        if (L->group_size) snprintf(group, sizeof group, "%lld", (long long)L->group_size);
        else snprintf(group, sizeof group, "-");
        fprintf(out, "%-40s %-14s %-10s %6s %10.2e %12zu\n", L->name, shape, L->precision, group, L->error,
                L->bytes_after);
    }
    fprintf(out, "weights: %zu -> %zu bytes (x%.2f smaller)\n", r->bytes_before, r->bytes_after,
            r->bytes_after ? (double)r->bytes_before / (double)r->bytes_after : 0.0);
}

static int run_compress(int argc, char **argv) {
    const grt_cli_command *cmd = &grt_cli_cmd_compress;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--auto")) return grt_cli_compress_auto(cmd, argc, argv);
    const char *in = NULL, *out = NULL, *format = "ir";
    grt_compress_config cfg;
    grt_compress_report *rep = NULL;
    grt_model *model = NULL;
    const char **scope = calloc((size_t)argc + 1, sizeof *scope);
    int rc = GRT_CLI_EXIT_FAIL, used;
    grt_status st;
    if (!scope) return grt_cli_fail("compress", GRT_ERROR_OUT_OF_MEMORY);
    grt_compress_config_init(&cfg);
    cfg.ignored_scope = scope;
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        if ((rc = grt_cli_compress_option(cmd, argc, argv, &i, &cfg, scope, &used)) != 0) goto done;
        if (used) continue;
        rc = GRT_CLI_EXIT_USAGE;
        if (strcmp(opt, "-m") && strcmp(opt, "--model") && strcmp(opt, "-o") && strcmp(opt, "--output") &&
            strcmp(opt, "--format")) {
            rc = grt_cli_usage_error(cmd, "unknown option", opt);
            goto done;
        }
        if (i + 1 >= argc) {
            rc = grt_cli_usage_error(cmd, "missing value for", opt);
            goto done;
        }
        const char *val = argv[++i];
        if (!strcmp(opt, "-m") || !strcmp(opt, "--model")) in = val;
        else if (!strcmp(opt, "-o") || !strcmp(opt, "--output")) out = val;
        else if (strcmp(val, "ir") && strcmp(val, "gguf")) {
            rc = grt_cli_usage_error(cmd, "unknown format", val);
            goto done;
        } else format = val;
    }
    if (!in || !out) {
        rc = grt_cli_usage_error(cmd, "need -m IN and -o OUT", NULL);
        goto done;
    }
    if ((st = grt_model_read(NULL, in, &model)) != GRT_OK ||
        (st = grt_cli_compress_weights(model, &cfg, &rep)) != GRT_OK ||
        (st = grt_model_save_as(model, out, format)) != GRT_OK) {
        rc = grt_cli_fail("compress", st);
        goto done;
    }
    grt_cli_print_compress_report(stdout, rep);
    fprintf(stderr, "genrt compress: wrote %s (%s)\n", out, format);
    rc = GRT_CLI_EXIT_OK;
done:
    grt_compress_report_free(rep);
    grt_model_destroy(model);
    free(scope);
    return rc;
}
