/*
 * tools/cli/compress_dataset.c - the calibration-data options of `genrt compress` / `convert`
 * (--dataset FILE, --dataset-sample N, --dataset-len L, --subset-size N) and
 * grt_cli_compress_weights, which turns them into a grt_compress_dataset for the model being
 * compressed: a token-id file (ids separated by spaces/commas, one sequence a line), a text file
 * (one sample a non-empty line, encoded with the model's tokenizer, BOS added), or sequences
 * sampled from the model itself on CPU (grt_eval_sample_sequences, seed 1000 + i, first token BOS
 * or 1). The parsed options live in one file-scope record: the CLI runs one command per process
 * and is single-threaded. Loaded sequences are freed after each compression.
 */
#include "cli.h"

#include <errno.h>
#include <genrt/eval.h>
#include <genrt/tokenizer.h>
#include <stdlib.h>
#include <string.h>

#define CALIB_SEED 1000 /* sampled calibration sequences differ from `genrt eval --sample` (seed 0) */

static struct {
    const char *path;       /* --dataset */
    size_t sample, len;     /* --dataset-sample N, --dataset-len L */
    int32_t **seqs;
    size_t *lens, n;
    grt_compress_dataset ds;
} calib = {NULL, 0, 64, NULL, NULL, 0, {NULL, NULL, 0}};

static int parse_count(const char *v, size_t *out) {
    char *end = NULL;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || !v[0] || *end || x <= 0) return -1;
    *out = (size_t)x;
    return 0;
}

int grt_cli_compress_data_option(const grt_cli_command *cmd, const char *opt, const char *val,
                                 grt_compress_config *cfg) {
    size_t n;
    if (!strcmp(opt, "--dataset")) {
        calib.path = val;
    } else if (parse_count(val, &n)) {
        return grt_cli_usage_error(cmd, "expected a positive count for", opt);
    } else if (!strcmp(opt, "--dataset-sample")) {
        calib.sample = n;
    } else if (!strcmp(opt, "--dataset-len")) {
        calib.len = n;
    } else {
        cfg->subset_size = (int64_t)n;
    }
    if (calib.path || calib.sample) cfg->dataset = &calib.ds;
    return 0;
}

static void calib_free(void) {
    for (size_t i = 0; i < calib.n; i++) free(calib.seqs[i]);
    free(calib.seqs);
    free(calib.lens);
    calib.seqs = NULL;
    calib.lens = NULL;
    calib.n = 0;
    memset(&calib.ds, 0, sizeof calib.ds);
}

static grt_status add_seq(int32_t *ids, size_t n) {
    int32_t **s = realloc(calib.seqs, (calib.n + 1) * sizeof *s);
    if (s) calib.seqs = s;
    size_t *l = realloc(calib.lens, (calib.n + 1) * sizeof *l);
    if (l) calib.lens = l;
    if (!s || !l) {
        free(ids);
        return grt_set_last_error(GRT_ERROR_OUT_OF_MEMORY, "compress: out of memory for the dataset");
    }
    calib.seqs[calib.n] = ids;
    calib.lens[calib.n++] = n;
    return GRT_OK;
}

/* One sequence of ids from line[len] (only digits and separators); lineno for messages. */
static grt_status ids_from_line(const char *line, size_t len, size_t lineno) {
    int32_t *ids = malloc((len / 2 + 1) * sizeof *ids);
    size_t n = 0;
    if (!ids) return grt_set_last_error(GRT_ERROR_OUT_OF_MEMORY, "compress: out of memory for the dataset");
    for (size_t i = 0; i < len;) {
        if (line[i] < '0' || line[i] > '9') {
            i++;
            continue;
        }
        long long v = 0;
        while (i < len && line[i] >= '0' && line[i] <= '9' && v <= INT32_MAX) v = v * 10 + (line[i++] - '0');
        if (v > INT32_MAX) {
            free(ids);
            char msg[160];
            snprintf(msg, sizeof msg, "compress: --dataset %s line %zu: token id out of range", calib.path, lineno);
            return grt_set_last_error(GRT_ERROR_INVALID_ARGUMENT, msg);
        }
        ids[n++] = (int32_t)v;
    }
    if (!n) {
        free(ids);
        return GRT_OK;
    }
    return add_seq(ids, n);
}

static char *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    if (!f) return NULL;
    if (!fseek(f, 0, SEEK_END)) {
        long sz = ftell(f);
        if (sz >= 0 && !fseek(f, 0, SEEK_SET) && (buf = malloc((size_t)sz + 1))) {
            *len = fread(buf, 1, (size_t)sz, f);
            buf[*len] = 0;
        }
    }
    fclose(f);
    return buf;
}

static grt_status load_file(const grt_model *model) {
    size_t len = 0;
    char *text = read_all(calib.path, &len), msg[600];
    grt_tokenizer *tok = NULL;
    grt_status st = GRT_OK;
    if (!text) {
        snprintf(msg, sizeof msg, "compress: cannot read --dataset %s", calib.path);
        return grt_set_last_error(GRT_ERROR_IO, msg);
    }
    int ids = 1; /* a token-id file holds only digits and separators */
    for (size_t i = 0; i < len && ids; i++)
        if (!text[i] || !strchr("0123456789 ,\t\r\n", text[i])) ids = 0;
    if (!ids && grt_tokenizer_create_from_model(model, &tok) != GRT_OK) {
        snprintf(msg, sizeof msg, "compress: --dataset %s is text but the model has no tokenizer (give token ids, "
                 "one sequence a line, or use --dataset-sample N)", calib.path);
        st = grt_set_last_error(GRT_ERROR_INVALID_ARGUMENT, msg);
        goto done;
    }
    size_t lineno = 0;
    for (char *p = text; p < text + len && st == GRT_OK; lineno++) {
        char *nl = memchr(p, '\n', (size_t)(text + len - p));
        size_t ll = nl ? (size_t)(nl - p) : (size_t)(text + len - p);
        if (ids) {
            st = ids_from_line(p, ll, lineno + 1);
        } else if (ll && !(ll == 1 && p[0] == '\r')) {
            int32_t *t = NULL;
            size_t n = 0;
            if ((st = grt_tokenizer_encode(tok, p, ll, 1, &t, &n)) == GRT_OK && n) {
                int32_t *own = malloc(n * sizeof *own);
                if (own) memcpy(own, t, n * sizeof *own);
                st = own ? add_seq(own, n) : grt_set_last_error(GRT_ERROR_OUT_OF_MEMORY, "compress: out of memory");
            }
            grt_free(t);
        }
        p += ll + 1;
    }
    if (st == GRT_OK && !calib.n) {
        snprintf(msg, sizeof msg, "compress: --dataset %s holds no sequence", calib.path);
        st = grt_set_last_error(GRT_ERROR_INVALID_ARGUMENT, msg);
    }
done:
    grt_tokenizer_destroy(tok);
    free(text);
    return st;
}

static grt_status load_sampled(const grt_model *model) {
    grt_core *core = NULL;
    grt_compiled_model *cm = NULL;
    grt_tokenizer *tok = NULL;
    int32_t *ids = NULL, first = 1;
    grt_status st;
    if (calib.len < 2) return grt_set_last_error(GRT_ERROR_INVALID_ARGUMENT, "compress: --dataset-len must be >= 2");
    if (grt_tokenizer_create_from_model(model, &tok) == GRT_OK && grt_tokenizer_bos(tok) >= 0)
        first = grt_tokenizer_bos(tok);
    grt_tokenizer_destroy(tok);
    if ((st = grt_core_create(NULL, &core)) || (st = grt_core_compile_model(core, model, "CPU", NULL, 0, &cm)) ||
        (st = grt_eval_sample_sequences(cm, first, calib.sample, calib.len, CALIB_SEED, NULL, NULL, &ids)))
        goto done;
    for (size_t i = 0; i < calib.sample && st == GRT_OK; i++) {
        int32_t *s = malloc(calib.len * sizeof *s);
        if (!s) {
            st = grt_set_last_error(GRT_ERROR_OUT_OF_MEMORY, "compress: out of memory");
            break;
        }
        memcpy(s, ids + i * calib.len, calib.len * sizeof *s);
        st = add_seq(s, calib.len);
    }
done:
    grt_free(ids);
    grt_compiled_model_destroy(cm);
    grt_core_destroy(core);
    return st;
}

grt_status grt_cli_compress_weights(grt_model *model, grt_compress_config *cfg, grt_compress_report **rep) {
    static const char *const metrics[] = {"weight_quantization_error", "hessian_input_activation",
                                          "mean_activation_variance", "max_activation_variance",
                                          "mean_activation_magnitude"};
    char msg[200];
    grt_status st;
    if (calib.path && calib.sample)
        return grt_set_last_error(GRT_ERROR_INVALID_ARGUMENT, "give either --dataset FILE or --dataset-sample N");
    if (!cfg->dataset && (cfg->awq || cfg->scale_estimation || cfg->gptq || cfg->sensitivity_metric)) {
        snprintf(msg, sizeof msg, "%s is data-aware: it needs --dataset FILE or --dataset-sample N",
                 cfg->awq ? "--awq" : cfg->scale_estimation ? "--scale-estimation" : cfg->gptq ? "--gptq"
                 : cfg->sensitivity_metric < 5 ? metrics[cfg->sensitivity_metric] : "the metric");
        return grt_set_last_error(GRT_ERROR_INVALID_ARGUMENT, msg);
    }
    if (cfg->subset_size && !cfg->dataset)
        return grt_set_last_error(GRT_ERROR_INVALID_ARGUMENT, "--subset-size needs --dataset or --dataset-sample");
    if (cfg->dataset == &calib.ds) {
        if ((st = calib.path ? load_file(model) : load_sampled(model)) != GRT_OK) {
            calib_free();
            return st;
        }
        calib.ds.seqs = (const int32_t *const *)calib.seqs;
        calib.ds.lens = calib.lens;
        calib.ds.n = calib.n;
    }
    st = grt_model_compress_weights(model, cfg, rep);
    calib_free();
    return st;
}
