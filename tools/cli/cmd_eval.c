/*
 * tools/cli/cmd_eval.c - `genrt eval`: accuracy of a model (libgenrt_genai's genrt/eval.h).
 *   genrt eval perplexity -m MODEL (--text FILE | --ids FILE) [--ctx N] [--stride S]
 *   genrt eval kld -m MODEL --base BASE (--ids FILE | --sample N) [--len L] [--seed S]
 * A progress bar goes to stderr; the last stdout line is machine-readable key=value pairs.
 * Single-threaded; owns and frees everything it creates.
 */
#include "cli.h"

#include <genrt/eval.h>
#include <genrt/tokenizer.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int run_eval(int argc, char **argv);

const grt_cli_command grt_cli_cmd_eval = {
    "eval", "measure a model's accuracy: perplexity, KL divergence against a base model",
    "usage: genrt eval perplexity -m MODEL (--text FILE | --ids FILE) [--ctx N] [--stride S]\n"
    "       genrt eval kld -m MODEL --base BASE (--ids FILE | --sample N) [--len L] [--seed S]\n\n"
    "perplexity: strided sliding-window perplexity. Windows of --ctx tokens start every --stride\n"
    "  tokens; each is run as a fresh sequence and scores only the tokens the previous window did\n"
    "  not. Last line: ppl=... tokens=... windows=...\n"
    "kld: runs MODEL and BASE on the same token sequences and compares their next-token\n"
    "  distributions (llama.cpp's KLD statistics): mean, max and 99th percentile of\n"
    "  KL(base || model), top-1 agreement, RMS of p_model - p_base of the actual next token.\n"
    "  Sequences: --ids FILE cut into chunks of --len tokens (a shorter tail is dropped unless it is\n"
    "  the only chunk), or --sample N sequences of --len tokens sampled from BASE at temperature 1\n"
    "  (for models without a tokenizer). Last line: kld=... kld_max=... kld_p99=... top1=...\n"
    "  rms_dp=... tokens=...\n\n"
    "options:\n"
    "  -m, --model MODEL   model to evaluate\n"
    "  --base BASE         reference model (kld)\n"
    "  --text FILE         UTF-8 text, tokenized with MODEL's tokenizer (perplexity)\n"
    "  --ids FILE          token ids separated by spaces, newlines or commas\n"
    "  --ctx N             window length (default 256)\n"
    "  --stride S          window step, 1..N (default N/2)\n"
    "  --sample N          number of sampled sequences (kld)\n"
    "  --len L             sequence length (kld, default 128)\n"
    "  --seed S            sampling seed (default 0); sequence i uses S + i\n"
    "  --first ID          first token of sampled sequences (default: BOS of BASE's tokenizer, else 1)\n"
    "  -d, --device NAME   device (default CPU)\n",
    run_eval,
};

typedef struct loaded {
    grt_model *model;
    grt_compiled_model *cm;
} loaded;

static void progress_bar(void *user, size_t done, size_t total) {
    const char *what = user;
    int width = 30, fill = total ? (int)((double)done / (double)total * width) : width;
    fprintf(stderr, "\r%s [", what);
    for (int i = 0; i < width; i++) fputc(i < fill ? '#' : '.', stderr);
    fprintf(stderr, "] %zu/%zu", done, total);
    if (done == total) fputc('\n', stderr);
    fflush(stderr);
}

static grt_status load(grt_core *core, const char *path, const char *device, loaded *l) {
    grt_status st = grt_model_read(core, path, &l->model);
    if (!st) st = grt_core_compile_model(core, l->model, device, NULL, 0, &l->cm);
    return st;
}

static void unload(loaded *l) {
    grt_compiled_model_destroy(l->cm);
    grt_model_destroy(l->model);
    memset(l, 0, sizeof *l);
}

/* Reads a whole file into a NUL-terminated malloc'd buffer; NULL (errno set) on failure. */
static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0;
    if (!f) return NULL;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = (n + 4096 + 1) * 2;
            char *nb = realloc(buf, cap);
            if (!nb) goto fail;
            buf = nb;
        }
        size_t r = fread(buf + n, 1, 4096, f);
        n += r;
        if (r < 4096) break;
    }
    if (ferror(f)) goto fail;
    fclose(f);
    buf[n] = 0;
    *len = n;
    return buf;
fail:
    free(buf);
    fclose(f);
    return NULL;
}

/* Parses ids separated by whitespace or commas; 0 ok, -1 bad token (*bad points at it). */
static int parse_ids(char *text, int32_t **ids, size_t *n, char **bad) {
    size_t cap = 0;
    *ids = NULL;
    *n = 0;
    for (char *p = text;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == ',') p++;
        if (!*p) return 0;
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (errno || end == p || v < 0 || v > INT32_MAX || (*end && !strchr(" \t\r\n,", *end))) {
            *bad = p;
            return -1;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 256;
            int32_t *ni = realloc(*ids, cap * sizeof *ni);
            if (!ni) {
                *bad = p;
                return -1;
            }
            *ids = ni;
        }
        (*ids)[(*n)++] = (int32_t)v;
        p = end;
    }
}

static int parse_size(const char *s, size_t *out) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || !s[0] || *end || s[0] == '-') return -1;
    *out = (size_t)v;
    return 0;
}

/* Loads the ids of --ids FILE or the tokenized --text FILE (needs the model's tokenizer). */
static int load_tokens(const char *ids_path, const char *text_path, const grt_model *model, int32_t **ids,
                       size_t *n) {
    const char *path = ids_path ? ids_path : text_path;
    size_t len;
    char *text = read_file(path, &len), *bad = NULL;
    int rc = GRT_CLI_EXIT_FAIL;
    if (!text) {
        fprintf(stderr, "genrt eval: cannot read '%s': %s\n", path, strerror(errno));
        return rc;
    }
    if (ids_path) {
        if (parse_ids(text, ids, n, &bad)) {
            fprintf(stderr, "genrt eval: '%s': bad token id near \"%.20s\"\n", path, bad);
            free(*ids);
            *ids = NULL;
        } else {
            rc = GRT_CLI_EXIT_OK;
        }
    } else {
        grt_tokenizer *tok = NULL;
        grt_status st = grt_tokenizer_create_from_model(model, &tok);
        int32_t *t = NULL;
        if (st == GRT_ERROR_NOT_FOUND) {
            fprintf(stderr, "genrt eval: the model has no tokenizer; give token ids with --ids\n");
        } else if (st || (st = grt_tokenizer_encode(tok, text, len, 1, &t, n))) {
            rc = grt_cli_fail("eval", st);
        } else {
            *ids = malloc((*n ? *n : 1) * sizeof **ids);
            if (*ids) {
                memcpy(*ids, t, *n * sizeof **ids);
                rc = GRT_CLI_EXIT_OK;
            } else {
                fprintf(stderr, "genrt eval: out of memory\n");
            }
        }
        grt_free(t);
        grt_tokenizer_destroy(tok);
    }
    free(text);
    return rc;
}

static int first_token(const grt_model *base) {
    grt_tokenizer *tok = NULL;
    int first = 1;
    if (grt_tokenizer_create_from_model(base, &tok) == GRT_OK && grt_tokenizer_bos(tok) >= 0)
        first = grt_tokenizer_bos(tok);
    grt_clear_error();
    grt_tokenizer_destroy(tok);
    return first;
}

static int run_eval(int argc, char **argv) {
    const grt_cli_command *cmd = &grt_cli_cmd_eval;
    if (argc < 2) return grt_cli_usage_error(cmd, "missing mode (perplexity or kld)", NULL);
    const char *mode = argv[1];
    int ppl = !strcmp(mode, "perplexity"), kld = !strcmp(mode, "kld");
    if (!ppl && !kld) return grt_cli_usage_error(cmd, "unknown mode (want perplexity or kld)", mode);
    const char *model_path = NULL, *base_path = NULL, *text = NULL, *ids_path = NULL, *device = "CPU";
    size_t ctx = 256, stride = 0, n_sample = 0, len = 128, seed = 0, first = 0;
    int have_sample = 0, have_first = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (grt_cli_is_help(a)) {
            fputs(cmd->usage, stdout);
            return GRT_CLI_EXIT_OK;
        }
        if (i + 1 >= argc) return grt_cli_usage_error(cmd, "unknown option or missing value", a);
        const char *v = argv[++i];
        if (!strcmp(a, "-m") || !strcmp(a, "--model")) model_path = v;
        else if (!strcmp(a, "--base") && kld) base_path = v;
        else if (!strcmp(a, "--text") && ppl) text = v;
        else if (!strcmp(a, "--ids")) ids_path = v;
        else if (!strcmp(a, "-d") || !strcmp(a, "--device")) device = v;
        else if (!strcmp(a, "--ctx") && ppl) {
            if (parse_size(v, &ctx) || ctx < 2) return grt_cli_usage_error(cmd, "bad --ctx (want >= 2)", v);
        } else if (!strcmp(a, "--stride") && ppl) {
            if (parse_size(v, &stride) || stride == 0) return grt_cli_usage_error(cmd, "bad --stride (want >= 1)", v);
        } else if (!strcmp(a, "--sample") && kld) {
            if (parse_size(v, &n_sample) || n_sample == 0) return grt_cli_usage_error(cmd, "bad --sample (want >= 1)", v);
            have_sample = 1;
        } else if (!strcmp(a, "--len") && kld) {
            if (parse_size(v, &len) || len < 2) return grt_cli_usage_error(cmd, "bad --len (want >= 2)", v);
        } else if (!strcmp(a, "--seed") && kld) {
            if (parse_size(v, &seed)) return grt_cli_usage_error(cmd, "bad --seed", v);
        } else if (!strcmp(a, "--first") && kld) {
            if (parse_size(v, &first) || first > INT32_MAX) return grt_cli_usage_error(cmd, "bad --first", v);
            have_first = 1;
        } else {
            return grt_cli_usage_error(cmd, "unknown option", a);
        }
    }
    if (!model_path) return grt_cli_usage_error(cmd, "missing -m MODEL", NULL);
    if (ppl && !text == !ids_path) return grt_cli_usage_error(cmd, "give exactly one of --text FILE or --ids FILE", NULL);
    if (kld && !base_path) return grt_cli_usage_error(cmd, "missing --base BASE", NULL);
    if (kld && !have_sample == !ids_path) return grt_cli_usage_error(cmd, "give exactly one of --ids FILE or --sample N", NULL);
    if (ppl && !stride) stride = ctx / 2;
    if (ppl && stride > ctx) return grt_cli_usage_error(cmd, "--stride must not exceed --ctx", NULL);

    int rc = GRT_CLI_EXIT_FAIL;
    grt_core *core = NULL;
    loaded m = {0}, b = {0};
    int32_t *ids = NULL;
    size_t n = 0;
    grt_status st;
    if ((st = grt_core_create(NULL, &core)) || (st = load(core, model_path, device, &m))) goto api_fail;
    if (ppl) {
        if ((rc = load_tokens(ids_path, text, m.model, &ids, &n)) != GRT_CLI_EXIT_OK) goto done;
        if (n < 2) {
            fprintf(stderr, "genrt eval: need at least 2 tokens, got %zu\n", n);
            rc = GRT_CLI_EXIT_FAIL;
            goto done;
        }
        grt_perplexity_result r;
        if ((st = grt_eval_perplexity(m.cm, ids, n, ctx, stride, progress_bar, "perplexity", &r))) goto api_fail;
        printf("ppl=%.6f tokens=%zu windows=%zu\n", r.ppl, r.n_tokens, r.n_windows);
    } else {
        if ((st = load(core, base_path, device, &b))) goto api_fail;
        size_t n_seqs;
        if (ids_path) {
            if ((rc = load_tokens(ids_path, NULL, NULL, &ids, &n)) != GRT_CLI_EXIT_OK) goto done;
            if (n < 2) {
                fprintf(stderr, "genrt eval: need at least 2 tokens, got %zu\n", n);
                rc = GRT_CLI_EXIT_FAIL;
                goto done;
            }
            if (n < len) len = n;
            n_seqs = n / len;
        } else {
            int32_t f = have_first ? (int32_t)first : first_token(b.model);
            if ((st = grt_eval_sample_sequences(b.cm, f, n_sample, len, seed, progress_bar, "sampling", &ids)))
                goto api_fail;
            n_seqs = n_sample;
        }
        grt_kld_result r;
        if ((st = grt_eval_kld(m.cm, b.cm, ids, n_seqs, len, progress_bar, "kld", &r))) goto api_fail;
        printf("kld=%.9g kld_max=%.9g kld_p99=%.9g top1=%.6f rms_dp=%.9g tokens=%zu\n", r.kld_mean, r.kld_max,
               r.kld_p99, r.top1, r.rms_dp, r.n_tokens);
    }
    rc = GRT_CLI_EXIT_OK;
    goto done;
api_fail:
    rc = grt_cli_fail("eval", st);
done:
    if (ids_path || ppl) free(ids);
    else grt_free(ids);
    unload(&m);
    unload(&b);
    grt_core_destroy(core);
    return rc;
}
