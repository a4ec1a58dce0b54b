/*
 * tools/cli/cmd_convert.c - `genrt convert`: writes a model read from any supported format (GenRT
 * IR, GGUF, Hugging Face folder, llama2.c) as a GenRT IR or GGUF file, or builds a random-weight
 * model from a Hugging Face config.json (grt_model_create_random) for benchmarks, optionally with
 * its weights compressed (--weight-format and the `genrt compress` options).
 * Single-threaded; owns and frees everything it creates.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int run_convert(int argc, char **argv);

const grt_cli_command grt_cli_cmd_convert = {
    "convert", "convert a model to a GenRT IR or GGUF file, or make a random-weight model",
    "usage: genrt convert -m MODEL -o OUT [--format ir|gguf] [--weight-format fp16|int8|int4]\n"
    "                     [compression options]\n"
    "       genrt convert --random-weights --config CONFIG.json [--seed N]\n"
    "                     [--weight-type f16|f32|bf16] -o OUT [--format ir|gguf]\n\n"
    "Reads MODEL (GenRT IR, GGUF, a Hugging Face folder with config.json and safetensors, or a\n"
    "llama2.c checkpoint) and writes it to OUT, or builds the architecture of a Hugging Face\n"
    "config.json with seeded random weights of realistic scale (for speed and memory benchmarks).\n\n"
    "options:\n"
    "  -m, --model MODEL        model file or folder to convert\n"
    "  -o, --output OUT         file to write (atomically)\n"
    "  --format ir|gguf         output format (default ir); gguf needs GGUF-compatible weights\n"
    "  --random-weights         random weights instead of -m (needs --config)\n"
    "  --config CONFIG.json     Hugging Face config.json of the architecture\n"
    "  --seed N                 random seed (default 0)\n"
    "  --weight-type T          f16 (default), f32 or bf16\n"
    "  --weight-format F        compress the weights: int8 (= --mode int8_asym), int4 (= --mode\n"
    "                           int4_asym, group 128) or fp16 (MatMul weights stored as f16)\n"
    "compression options (as in `genrt compress`; they override --weight-format's presets):\n"
    GRT_CLI_COMPRESS_OPTIONS_HELP,
    run_convert,
};

static int run_convert(int argc, char **argv) {
    const grt_cli_command *cmd = &grt_cli_cmd_convert;
    const char *model_path = NULL, *out_path = NULL, *format = "ir", *config = NULL;
    int random = 0;
    uint64_t seed = 0;
    grt_element_type wtype = GRT_F16;
    grt_model *model = NULL;
    grt_status st;
    grt_compress_config cfg;
    grt_compress_report *rep = NULL;
    const char **scope = calloc((size_t)argc + 1, sizeof *scope);
    int compress = 0, used, rc;
    if (!scope) return grt_cli_fail("convert", GRT_ERROR_OUT_OF_MEMORY);
    grt_compress_config_init(&cfg);
    cfg.ignored_scope = scope;
    for (int i = 1; i + 1 < argc; i++) { /* the preset first, so that explicit options override it */
        if (strcmp(argv[i], "--weight-format")) continue;
        const char *wf = argv[i + 1];
        compress = 1;
        if (!strcmp(wf, "int8")) {
            cfg.mode = GRT_COMPRESS_INT8_ASYM;
        } else if (!strcmp(wf, "int4")) {
            cfg.mode = GRT_COMPRESS_INT4_ASYM;
        } else if (!strcmp(wf, "fp16")) { /* nothing quantized: every MatMul weight kept, as f16 */
            cfg.mode = GRT_COMPRESS_INT4_SYM;
            cfg.group_size = GRT_COMPRESS_GROUP_PER_CHANNEL;
            cfg.ratio = 0.0;
            cfg.backup_mode = GRT_COMPRESS_BACKUP_NONE;
            cfg.all_layers = 1;
            cfg.fp16 = 1;
        } else {
            free(scope);
            return grt_cli_usage_error(cmd, "unknown weight format", wf);
        }
    }
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        if (!strcmp(opt, "--random-weights")) {
            random = 1;
            continue;
        }
        if (!strcmp(opt, "--weight-format")) {
            i++;
            continue;
        }
        if ((rc = grt_cli_compress_option(cmd, argc, argv, &i, &cfg, scope, &used)) != 0) {
            free(scope);
            return rc;
        }
        if (used) {
            compress = 1;
            continue;
        }
        int known = !strcmp(opt, "-m") || !strcmp(opt, "--model") || !strcmp(opt, "-o") ||
                    !strcmp(opt, "--output") || !strcmp(opt, "--format") || !strcmp(opt, "--config") ||
                    !strcmp(opt, "--seed") || !strcmp(opt, "--weight-type");
        if (!known || i + 1 >= argc) {
            free(scope);
            return grt_cli_usage_error(cmd, known ? "missing value for" : "unknown option", opt);
        }
        const char *val = argv[++i];
        if (!strcmp(opt, "-m") || !strcmp(opt, "--model")) model_path = val;
        else if (!strcmp(opt, "-o") || !strcmp(opt, "--output")) out_path = val;
        else if (!strcmp(opt, "--config")) config = val;
        else if (!strcmp(opt, "--format")) {
            if (strcmp(val, "ir") && strcmp(val, "gguf")) {
                free(scope);
                return grt_cli_usage_error(cmd, "unknown format", val);
            }
            format = val;
        } else if (!strcmp(opt, "--seed")) {
            char *end = NULL;
            errno = 0;
            unsigned long long s = strtoull(val, &end, 0);
            if (errno || !end || *end || val[0] == '-' || !val[0]) {
                free(scope);
                return grt_cli_usage_error(cmd, "bad seed", val);
            }
            seed = (uint64_t)s;
        } else {
            if (!strcmp(val, "f16")) wtype = GRT_F16;
            else if (!strcmp(val, "f32")) wtype = GRT_F32;
            else if (!strcmp(val, "bf16")) wtype = GRT_BF16;
            else {
                free(scope);
                return grt_cli_usage_error(cmd, "unknown weight type", val);
            }
        }
    }
    rc = GRT_CLI_EXIT_USAGE;
    if (!out_path) {
        grt_cli_usage_error(cmd, "missing -o OUT", NULL);
        goto done;
    }
    if (random && (!config || model_path)) {
        grt_cli_usage_error(cmd, "--random-weights needs --config and no -m", NULL);
        goto done;
    }
    if (!random && (!model_path || config)) {
        grt_cli_usage_error(cmd, "give -m MODEL (or --random-weights --config CONFIG.json)", NULL);
        goto done;
    }
    st = random ? grt_model_create_random(config, seed, wtype, &model) : grt_model_read(NULL, model_path, &model);
    if (st == GRT_OK && compress) st = grt_cli_compress_weights(model, &cfg, &rep);
    if (st == GRT_OK) st = grt_model_save_as(model, out_path, format);
    if (st != GRT_OK) {
        rc = grt_cli_fail("convert", st);
        goto done;
    }
    if (rep) grt_cli_print_compress_report(stdout, rep);
    fprintf(stderr, "genrt convert: wrote %s (%s)\n", out_path, format);
    rc = GRT_CLI_EXIT_OK;
done:
    grt_compress_report_free(rep);
    grt_model_destroy(model);
    free(scope);
    return rc;
}
