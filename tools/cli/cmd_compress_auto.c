/*
 * tools/cli/cmd_compress_auto.c - `genrt compress --auto --max-kld X`: searches the compression
 * setting (mode int4_sym / int4_asym / int8_asym, group size, 4-bit ratio) for the smallest model
 * whose KL divergence to the uncompressed model (grt_eval_kld on sequences sampled from it) stays
 * at or under X, prints the table of what it tried and writes the chosen model.
 * Search: every candidate is compressed once to learn its weight bytes (group sizes that do not
 * divide a weight's channels are skipped), then candidates are evaluated from the smallest up
 * until one passes, so the first passing one is the smallest passing one. Device properties
 * (--dq-group, --threads, --kv-precision, -P) apply to both compiled models; data options
 * (--dataset ...) reach the compressor through grt_cli_compress_weights. Single-threaded (the
 * compressor and the device use their own threads); owns and frees everything it creates.
 */
#include "cli.h"

#include <genrt/eval.h>
#include <genrt/tokenizer.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CANDIDATES 96

typedef struct candidate {
    uint32_t mode;  /* grt_compress_mode */
    int64_t group;  /* > 0 or GRT_COMPRESS_GROUP_PER_CHANNEL */
    double ratio;   /* 4-bit share (1 for int8) */
    size_t bytes;   /* weight bytes after compression */
} candidate;

typedef struct auto_opts {
    const char *in, *out, *format, *device;
    double max_kld;
    size_t n_sample, len, seed;
    grt_cli_props props; /* device properties (--dq-group, --threads, -P ...) for the evaluation */
} auto_opts;

static const char *const k_mode_names[] = {"int8_asym", "int8_sym", "int4_sym", "int4_asym"};

static void describe(const candidate *c, char *buf, size_t n) {
    char g[24];
    if (c->group > 0) snprintf(g, sizeof g, "g%lld", (long long)c->group);
    else snprintf(g, sizeof g, "per-channel");
    if (c->mode == GRT_COMPRESS_INT8_ASYM) snprintf(buf, n, "%s %s", k_mode_names[c->mode], g);
    else snprintf(buf, n, "%s %s r%.1f", k_mode_names[c->mode], g, c->ratio);
}

/* Fills cand[] with the search grid; returns the count. */
static size_t make_grid(candidate *cand) {
    static const int64_t groups[] = {128, 64, 32, 16, 8, 4, GRT_COMPRESS_GROUP_PER_CHANNEL};
    static const double ratios[] = {1.0, 0.8, 0.6, 0.4, 0.2};
    static const uint32_t modes[] = {GRT_COMPRESS_INT4_SYM, GRT_COMPRESS_INT4_ASYM};
    size_t n = 0;
    cand[n++] = (candidate){GRT_COMPRESS_INT8_ASYM, GRT_COMPRESS_GROUP_PER_CHANNEL, 1.0, 0};
    for (size_t m = 0; m < 2; m++)
        for (size_t g = 0; g < sizeof groups / sizeof *groups; g++)
            for (size_t r = 0; r < sizeof ratios / sizeof *ratios; r++)
                cand[n++] = (candidate){modes[m], groups[g], ratios[r], 0};
    return n;
}

/* Reads opts->in and compresses it with base_cfg + the candidate's setting (through
 * grt_cli_compress_weights, so --dataset / --dataset-sample feed the data-aware options; AWQ and
 * scale estimation apply to the 4-bit candidates only). */
static grt_status compress_candidate(const auto_opts *o, const grt_compress_config *base_cfg, candidate *c,
                                     grt_model **model) {
    grt_compress_config cfg = *base_cfg;
    grt_compress_report *rep = NULL;
    cfg.mode = c->mode;
    cfg.group_size = c->group;
    cfg.ratio = c->ratio;
    if (c->mode != GRT_COMPRESS_INT4_SYM && c->mode != GRT_COMPRESS_INT4_ASYM) cfg.awq = cfg.scale_estimation = 0;
    grt_status st = grt_model_read(NULL, o->in, model);
    if (!st) st = grt_cli_compress_weights(*model, &cfg, &rep);
    if (!st) c->bytes = rep->bytes_after;
    grt_compress_report_free(rep);
    if (st) {
        grt_model_destroy(*model);
        *model = NULL;
    }
    return st;
}

static int cmp_bytes(const void *a, const void *b) {
    const candidate *x = a, *y = b;
    return (x->bytes > y->bytes) - (x->bytes < y->bytes);
}

static grt_status compile(grt_core *core, const auto_opts *o, const grt_model *m, grt_compiled_model **cm) {
    return grt_core_compile_model(core, m, o->device, NULL, 0, cm);
}

/* 1 if the property options set `key`. */
static int props_set(const grt_cli_props *p, const char *key) {
    for (size_t k = 0; k < p->n; k++)
        if (!strcmp(p->keys[k], key)) return 1;
    return 0;
}

static int32_t bos_or_one(const grt_model *m) {
    grt_tokenizer *tok = NULL;
    int32_t first = 1;
    if (grt_tokenizer_create_from_model(m, &tok) == GRT_OK && grt_tokenizer_bos(tok) >= 0) first = grt_tokenizer_bos(tok);
    grt_tokenizer_destroy(tok);
    grt_clear_error();
    return first;
}

/* The search once the options are parsed. */
static int search(const auto_opts *o, const grt_compress_config *base_cfg) {
    candidate cand[MAX_CANDIDATES];
    size_t n = make_grid(cand), kept = 0, skipped = 0;
    grt_core *core = NULL;
    grt_model *base = NULL, *m = NULL;
    grt_compiled_model *base_cm = NULL, *cm = NULL;
    int32_t *ids = NULL;
    int rc = GRT_CLI_EXIT_FAIL;
    grt_value dq = {0};
    grt_status st;
    if ((st = grt_core_create(NULL, &core))) goto api_fail;
    if (grt_cli_apply_properties("compress", core, o->device, &o->props) != GRT_CLI_EXIT_OK) goto done;
    if ((st = grt_model_read(core, o->in, &base)) ||
        (st = compile(core, o, base, &base_cm)) ||
        (st = grt_eval_sample_sequences(base_cm, bos_or_one(base), o->n_sample, o->len, o->seed, NULL, NULL, &ids)))
        goto api_fail;
    if (grt_compiled_model_get_property(base_cm, "DYNAMIC_QUANTIZATION_GROUP_SIZE", &dq) == GRT_OK &&
        dq.type == GRT_VALUE_INT)
        printf("device %s, DYNAMIC_QUANTIZATION_GROUP_SIZE=%lld (%s)\n", o->device, (long long)dq.u.i,
               props_set(&o->props, "DYNAMIC_QUANTIZATION_GROUP_SIZE") ? "set" : "plugin default");
    else
        printf("device %s, DYNAMIC_QUANTIZATION_GROUP_SIZE not reported\n", o->device);
    grt_clear_error();
    for (size_t i = 0; i < n; i++) {
        st = compress_candidate(o, base_cfg, &cand[i], &m);
        if (st == GRT_ERROR_INVALID_ARGUMENT && cand[i].group > 0) {
            skipped++; /* the group size does not divide some weight's channels */
            grt_clear_error();
            continue;
        }
        if (st) goto api_fail;
        grt_model_destroy(m);
        m = NULL;
        cand[kept++] = cand[i];
    }
    qsort(cand, kept, sizeof *cand, cmp_bytes);
    printf("%zu settings, %zu skipped (group size does not divide the channels); trying from the smallest:\n", kept,
           skipped);
    printf("%-28s %12s %12s %8s\n", "setting", "weight_bytes", "kld", "top1");
    for (size_t i = 0; i < kept; i++) {
        char name[64];
        grt_kld_result r;
        describe(&cand[i], name, sizeof name);
        if ((st = compress_candidate(o, base_cfg, &cand[i], &m)) || (st = compile(core, o, m, &cm)) ||
            (st = grt_eval_kld(cm, base_cm, ids, o->n_sample, o->len, NULL, NULL, &r)))
            goto api_fail;
        int ok = r.kld_mean <= o->max_kld;
        printf("%-28s %12zu %12.4g %8.4f%s\n", name, cand[i].bytes, r.kld_mean, r.top1, ok ? "  <- chosen" : "");
        fflush(stdout);
        grt_compiled_model_destroy(cm);
        cm = NULL;
        if (ok) {
            if ((st = grt_model_save_as(m, o->out, o->format))) goto api_fail;
            printf("chosen=%s weight_bytes=%zu kld=%.9g top1=%.6f max_kld=%g tried=%zu\n", name, cand[i].bytes,
                   r.kld_mean, r.top1, o->max_kld, i + 1);
            fprintf(stderr, "genrt compress: wrote %s (%s)\n", o->out, o->format);
            rc = GRT_CLI_EXIT_OK;
            goto done;
        }
        grt_model_destroy(m);
        m = NULL;
    }
    fprintf(stderr, "genrt compress: no setting keeps the KLD <= %g; nothing written\n", o->max_kld);
    goto done;
api_fail:
    rc = grt_cli_fail("compress", st);
done:
    grt_value_clear(&dq);
    grt_free(ids);
    grt_compiled_model_destroy(cm);
    grt_compiled_model_destroy(base_cm);
    grt_model_destroy(m);
    grt_model_destroy(base);
    grt_core_destroy(core);
    return rc;
}

static int parse_num(const char *s, double lo, double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || !s[0] || *end || !(v >= lo)) return -1;
    *out = v;
    return 0;
}

int grt_cli_compress_auto(const grt_cli_command *cmd, int argc, char **argv) {
    auto_opts o = {.format = "ir", .device = "CPU", .max_kld = -1.0, .n_sample = 8, .len = 64};
    grt_compress_config cfg;
    const char **scope = calloc((size_t)argc + 1, sizeof *scope);
    int rc = GRT_CLI_EXIT_USAGE, used;
    if (!scope) return grt_cli_fail("compress", GRT_ERROR_OUT_OF_MEMORY);
    grt_compress_config_init(&cfg);
    cfg.ignored_scope = scope;
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        double v;
        if (!strcmp(opt, "--auto")) continue;
        if (!strcmp(opt, "--mode") || !strcmp(opt, "--group-size") || !strcmp(opt, "--ratio")) {
            rc = grt_cli_usage_error(cmd, "--auto searches the mode, group size and ratio itself; drop", opt);
            goto done;
        }
        if ((rc = grt_cli_compress_option(cmd, argc, argv, &i, &cfg, scope, &used)) != 0) goto done;
        rc = GRT_CLI_EXIT_USAGE;
        if (used) continue;
        static char dq_group[] = "--dq-group";
        if (!strcmp(opt, "--dq-group-size")) argv[i] = dq_group; /* the old spelling of --dq-group */
        int po = grt_cli_property_option(cmd, argc, argv, &i, &o.props);
        if (po < 0) goto done;
        if (po) continue;
        if (i + 1 >= argc) {
            rc = grt_cli_usage_error(cmd, "unknown option or missing value", opt);
            goto done;
        }
        const char *val = argv[++i];
        if (!strcmp(opt, "-m") || !strcmp(opt, "--model")) o.in = val;
        else if (!strcmp(opt, "-o") || !strcmp(opt, "--output")) o.out = val;
        else if (!strcmp(opt, "-d") || !strcmp(opt, "--device")) o.device = val;
        else if (!strcmp(opt, "--format") && (!strcmp(val, "ir") || !strcmp(val, "gguf"))) o.format = val;
        else if (!strcmp(opt, "--max-kld") && !parse_num(val, 0.0, &v)) o.max_kld = v;
        else if (!strcmp(opt, "--auto-sample") && !parse_num(val, 1.0, &v) && v == (size_t)v) o.n_sample = (size_t)v;
        else if (!strcmp(opt, "--auto-len") && !parse_num(val, 2.0, &v) && v == (size_t)v) o.len = (size_t)v;
        else if (!strcmp(opt, "--seed") && !parse_num(val, 0.0, &v) && v == (size_t)v) o.seed = (size_t)v;
        else {
            rc = grt_cli_usage_error(cmd, "unknown option or bad value", opt);
            goto done;
        }
    }
    if (!o.in || !o.out) rc = grt_cli_usage_error(cmd, "need -m IN and -o OUT", NULL);
    else if (o.max_kld < 0) rc = grt_cli_usage_error(cmd, "--auto needs --max-kld X (X >= 0)", NULL);
    else rc = search(&o, &cfg);
done:
    free(scope);
    return rc;
}
