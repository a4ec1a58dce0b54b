/*
 * tools/cli/cmd_eval.c - `genrt eval`: accuracy of a model (libgenrt_genai's genrt/eval.h).
 *   genrt eval perplexity -m MODEL (--text FILE | --ids FILE) [--ctx N] [--stride S]
 *   genrt eval kld -m MODEL --base BASE (--ids FILE | --sample N) [--len L] [--seed S]
 *   genrt eval similarity -m MODEL --base BASE (--prompts FILE | --prompt-ids-file FILE | --sample N)
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
    "eval", "measure a model's accuracy: perplexity, KL divergence or answer similarity to a base model",
    "usage: genrt eval perplexity -m MODEL (--text FILE | --ids FILE) [--ctx N] [--stride S]\n"
    "       genrt eval kld -m MODEL --base BASE (--ids FILE | --sample N) [--len L] [--seed S]\n"
    "       genrt eval similarity -m MODEL --base BASE (--prompts FILE | --prompt-ids-file FILE |\n"
    "                             --sample N) [-n TOKENS] [--prompt-len L] [--seed S]\n"
    "       (every mode also takes [-d DEVICE] [--threads N] [--kv-precision P] [--dq-group N]\n"
    "       [-P KEY=VALUE]...: device properties, applied to MODEL and BASE alike)\n\n"
    "perplexity: strided sliding-window perplexity. Windows of --ctx tokens start every --stride\n"
    "  tokens; each is run as a fresh sequence and scores only the tokens the previous window did\n"
    "  not. Last line: ppl=... tokens=... windows=...\n"
    "kld: runs MODEL and BASE on the same token sequences and compares their next-token\n"
    "  distributions (llama.cpp's KLD statistics): mean, max and 99th percentile of\n"
    "  KL(base || model), top-1 agreement, RMS of p_model - p_base of the actual next token.\n"
    "  Sequences: --ids FILE cut into chunks of --len tokens (a shorter tail is dropped unless it is\n"
    "  the only chunk), or --sample N sequences of --len tokens sampled from BASE at temperature 1\n"
    "  (for models without a tokenizer). Last line: kld=... kld_max=... kld_p99=... top1=...\n"
    "  rms_dp=... tokens=...\n"
    "similarity: greedy answers of MODEL and BASE (at most -n tokens, default 32, stopping at EOS\n"
    "  when the tokenizer has one) to each prompt, compared: exact match of the ids, common prefix,\n"
    "  token F1 (bag of ids), ROUGE-L F1 (longest common subsequence), and the mean log-probability\n"
    "  MODEL and BASE give BASE's answer (teacher-forced). Prompts: --prompts FILE (one text prompt\n"
    "  a line, MODEL's tokenizer, BOS added), --prompt-ids-file FILE (one prompt of ids a line) or\n"
    "  --sample N prompts of --prompt-len tokens (default 4) sampled from BASE like kld's.\n"
    "  One line per prompt, then: exact=... prefix=... prefix_share=... f1=... rouge_l=...\n"
    "  lp_model=... lp_base=... similarity=... prompts=... tokens=...\n\n"
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
    "  --prompts FILE      text prompts, one a line (similarity)\n"
    "  --prompt-ids-file FILE  prompts as token ids, one prompt a line (similarity)\n"
    "  -n, --max-new-tokens N  answer length limit (similarity, default 32)\n"
    "  --prompt-len L      length of sampled prompts (similarity, default 4)\n"
    "  -d, --device NAME   device (default CPU)\n" GRT_CLI_PROPERTY_OPTIONS_HELP,
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

/* A prompt list: prompt i is ids[i][lens[i]] (each malloc'd). */
typedef struct prompt_list {
    int32_t **ids;
    size_t *lens;
    size_t n;
} prompt_list;

static void prompts_free(prompt_list *pl) {
    for (size_t i = 0; pl->ids && i < pl->n; i++) free(pl->ids[i]);
    free(pl->ids);
    free(pl->lens);
    memset(pl, 0, sizeof *pl);
}

/* Appends ids[n] (taken over) as the next prompt; -1 when out of memory (ids freed). */
static int prompts_push(prompt_list *pl, int32_t *ids, size_t n) {
    int32_t **ni = realloc(pl->ids, (pl->n + 1) * sizeof *ni);
    if (ni) pl->ids = ni;
    size_t *nl = ni ? realloc(pl->lens, (pl->n + 1) * sizeof *nl) : NULL;
    if (!nl) {
        free(ids);
        return -1;
    }
    pl->lens = nl;
    pl->ids[pl->n] = ids;
    pl->lens[pl->n++] = n;
    return 0;
}

/* One prompt per non-empty line of `path`: token ids (tok NULL) or text encoded with tok (BOS added). */
static int load_prompts(const char *path, const grt_tokenizer *tok, prompt_list *pl) {
    size_t len;
    char *text = read_file(path, &len), *bad = NULL;
    int rc = GRT_CLI_EXIT_OK;
    if (!text) {
        fprintf(stderr, "genrt eval: cannot read '%s': %s\n", path, strerror(errno));
        return GRT_CLI_EXIT_FAIL;
    }
    size_t line_no = 0;
    for (char *line = text; *line && rc == GRT_CLI_EXIT_OK; line_no++) {
        char *nl = strchr(line, '\n'), *next = nl ? nl + 1 : line + strlen(line);
        if (nl) *nl = 0;
        size_t ll = strlen(line);
        if (ll && line[ll - 1] == '\r') line[--ll] = 0;
        int32_t *ids = NULL;
        size_t n = 0;
        if (!ll) {
            line = next;
            continue;
        }
        if (!tok) {
            if (parse_ids(line, &ids, &n, &bad)) {
                fprintf(stderr, "genrt eval: '%s' line %zu: bad token id near \"%.20s\"\n", path, line_no + 1, bad);
                free(ids);
                rc = GRT_CLI_EXIT_FAIL;
                break;
            }
        } else {
            int32_t *t = NULL;
            grt_status st = grt_tokenizer_encode(tok, line, ll, 1, &t, &n);
            if (st) {
                rc = grt_cli_fail("eval", st);
                break;
            }
            if ((ids = malloc((n ? n : 1) * sizeof *ids))) memcpy(ids, t, n * sizeof *ids);
            grt_free(t);
        }
        if (n == 0) {
            free(ids);
        } else if (prompts_push(pl, ids, n)) {
            fprintf(stderr, "genrt eval: out of memory\n");
            rc = GRT_CLI_EXIT_FAIL;
        }
        line = next;
    }
    if (rc == GRT_CLI_EXIT_OK && pl->n == 0) {
        fprintf(stderr, "genrt eval: '%s' holds no prompt\n", path);
        rc = GRT_CLI_EXIT_FAIL;
    }
    free(text);
    return rc;
}

typedef struct eval_opts {
    const char *model_path, *base_path, *text, *ids_path, *prompts, *prompt_ids, *device;
    size_t ctx, stride, n_sample, len, seed, first, max_new, prompt_len;
    int have_sample, have_first;
    grt_cli_props props; /* device properties set before compiling MODEL and BASE */
} eval_opts;

/* `genrt eval similarity` once both models are loaded. */
static int run_similarity(const eval_opts *o, const loaded *m, const loaded *b) {
    grt_tokenizer *tok = NULL;
    prompt_list pl = {0};
    grt_similarity_result r;
    int rc = GRT_CLI_EXIT_FAIL;
    int32_t stop = -1, *sampled = NULL;
    grt_status st = grt_tokenizer_create_from_model(b->model, &tok);
    if (st == GRT_ERROR_NOT_FOUND) {
        tok = NULL;
        grt_clear_error();
    } else if (st) {
        return grt_cli_fail("eval", st);
    }
    memset(&r, 0, sizeof r);
    if (tok && grt_tokenizer_eos(tok) >= 0) stop = grt_tokenizer_eos(tok);
    if (o->prompts && !tok) {
        fprintf(stderr, "genrt eval: the model has no tokenizer; give token ids with --prompt-ids-file\n");
        goto done;
    }
    if (o->prompts || o->prompt_ids) {
        if ((rc = load_prompts(o->prompts ? o->prompts : o->prompt_ids, o->prompts ? tok : NULL, &pl)) != GRT_CLI_EXIT_OK)
            goto done;
        rc = GRT_CLI_EXIT_FAIL;
    } else {
        int32_t f = o->have_first ? (int32_t)o->first : first_token(b->model);
        if ((st = grt_eval_sample_sequences(b->cm, f, o->n_sample, o->prompt_len, o->seed, progress_bar, "sampling",
                                            &sampled)))
            goto api_fail;
        for (size_t i = 0; i < o->n_sample; i++) {
            int32_t *ids = malloc(o->prompt_len * sizeof *ids);
            if (ids) memcpy(ids, sampled + i * o->prompt_len, o->prompt_len * sizeof *ids);
            if (!ids || prompts_push(&pl, ids, o->prompt_len)) {
                fprintf(stderr, "genrt eval: out of memory\n");
                goto done;
            }
        }
    }
    if ((st = grt_eval_similarity(m->cm, b->cm, (const int32_t *const *)pl.ids, pl.lens, pl.n, o->max_new, stop,
                                  progress_bar, "similarity", &r)))
        goto api_fail;
    for (size_t i = 0; i < r.n_prompts; i++) {
        const grt_similarity_prompt *p = &r.prompts[i];
        printf("prompt=%zu exact=%d prefix=%zu f1=%.6f rouge_l=%.6f lp_model=%.6f lp_base=%.6f base_len=%zu "
               "model_len=%zu\n",
               i, p->exact, p->prefix, p->token_f1, p->rouge_l, p->lp_model, p->lp_base, p->n_base, p->n_model);
    }
    printf("exact=%.6f prefix=%.4f prefix_share=%.6f f1=%.6f rouge_l=%.6f lp_model=%.6f lp_base=%.6f "
           "similarity=%.6f prompts=%zu tokens=%zu\n",
           r.exact_rate, r.prefix_mean, r.prefix_share, r.token_f1, r.rouge_l, r.lp_model, r.lp_base, r.similarity,
           r.n_prompts, r.n_answer_tokens);
    rc = GRT_CLI_EXIT_OK;
    goto done;
api_fail:
    rc = grt_cli_fail("eval", st);
done:
    grt_similarity_result_clear(&r);
    grt_free(sampled);
    prompts_free(&pl);
    grt_tokenizer_destroy(tok);
    return rc;
}

/* `genrt eval kld` once both models are loaded. */
static int run_kld(const eval_opts *o, const loaded *m, const loaded *b) {
    int32_t *ids = NULL;
    size_t n = 0, n_seqs, len = o->len;
    int rc = GRT_CLI_EXIT_FAIL;
    grt_status st;
    if (o->ids_path) {
        if ((rc = load_tokens(o->ids_path, NULL, NULL, &ids, &n)) != GRT_CLI_EXIT_OK) return rc;
        rc = GRT_CLI_EXIT_FAIL;
        if (n < 2) {
            fprintf(stderr, "genrt eval: need at least 2 tokens, got %zu\n", n);
            goto done;
        }
        if (n < len) len = n;
        n_seqs = n / len;
    } else {
        int32_t f = o->have_first ? (int32_t)o->first : first_token(b->model);
        if ((st = grt_eval_sample_sequences(b->cm, f, o->n_sample, len, o->seed, progress_bar, "sampling", &ids)))
            goto api_fail;
        n_seqs = o->n_sample;
    }
    grt_kld_result r;
    if ((st = grt_eval_kld(m->cm, b->cm, ids, n_seqs, len, progress_bar, "kld", &r))) goto api_fail;
    printf("kld=%.9g kld_max=%.9g kld_p99=%.9g top1=%.6f rms_dp=%.9g tokens=%zu\n", r.kld_mean, r.kld_max,
           r.kld_p99, r.top1, r.rms_dp, r.n_tokens);
    rc = GRT_CLI_EXIT_OK;
    goto done;
api_fail:
    rc = grt_cli_fail("eval", st);
done:
    if (o->ids_path) free(ids);
    else grt_free(ids);
    return rc;
}

/* `genrt eval perplexity` once the model is loaded. */
static int run_perplexity(const eval_opts *o, const loaded *m) {
    int32_t *ids = NULL;
    size_t n = 0;
    int rc = load_tokens(o->ids_path, o->text, m->model, &ids, &n);
    if (rc != GRT_CLI_EXIT_OK) return rc;
    grt_perplexity_result r;
    grt_status st;
    if (n < 2) {
        fprintf(stderr, "genrt eval: need at least 2 tokens, got %zu\n", n);
        rc = GRT_CLI_EXIT_FAIL;
    } else if ((st = grt_eval_perplexity(m->cm, ids, n, o->ctx, o->stride, progress_bar, "perplexity", &r))) {
        rc = grt_cli_fail("eval", st);
    } else {
        printf("ppl=%.6f tokens=%zu windows=%zu\n", r.ppl, r.n_tokens, r.n_windows);
    }
    free(ids);
    return rc;
}

static int run_eval(int argc, char **argv) {
    const grt_cli_command *cmd = &grt_cli_cmd_eval;
    if (argc < 2) return grt_cli_usage_error(cmd, "missing mode (perplexity, kld or similarity)", NULL);
    const char *mode = argv[1];
    int ppl = !strcmp(mode, "perplexity"), kld = !strcmp(mode, "kld"), sim = !strcmp(mode, "similarity");
    if (!ppl && !kld && !sim) return grt_cli_usage_error(cmd, "unknown mode (want perplexity, kld or similarity)", mode);
    eval_opts o = {.device = "CPU", .ctx = 256, .len = 128, .max_new = 32, .prompt_len = 4};
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (grt_cli_is_help(a)) {
            fputs(cmd->usage, stdout);
            return GRT_CLI_EXIT_OK;
        }
        int po = grt_cli_property_option(cmd, argc, argv, &i, &o.props);
        if (po < 0) return GRT_CLI_EXIT_USAGE;
        if (po) continue;
        if (i + 1 >= argc) return grt_cli_usage_error(cmd, "unknown option or missing value", a);
        const char *v = argv[++i];
        if (!strcmp(a, "-m") || !strcmp(a, "--model")) o.model_path = v;
        else if (!strcmp(a, "--base") && !ppl) o.base_path = v;
        else if (!strcmp(a, "--text") && ppl) o.text = v;
        else if (!strcmp(a, "--ids") && !sim) o.ids_path = v;
        else if (!strcmp(a, "--prompts") && sim) o.prompts = v;
        else if (!strcmp(a, "--prompt-ids-file") && sim) o.prompt_ids = v;
        else if (!strcmp(a, "-d") || !strcmp(a, "--device")) o.device = v;
        else if (!strcmp(a, "--ctx") && ppl) {
            if (parse_size(v, &o.ctx) || o.ctx < 2) return grt_cli_usage_error(cmd, "bad --ctx (want >= 2)", v);
        } else if (!strcmp(a, "--stride") && ppl) {
            if (parse_size(v, &o.stride) || o.stride == 0) return grt_cli_usage_error(cmd, "bad --stride (want >= 1)", v);
        } else if (!strcmp(a, "--sample") && !ppl) {
            if (parse_size(v, &o.n_sample) || o.n_sample == 0)
                return grt_cli_usage_error(cmd, "bad --sample (want >= 1)", v);
            o.have_sample = 1;
        } else if (!strcmp(a, "--len") && kld) {
            if (parse_size(v, &o.len) || o.len < 2) return grt_cli_usage_error(cmd, "bad --len (want >= 2)", v);
        } else if (!strcmp(a, "--prompt-len") && sim) {
            if (parse_size(v, &o.prompt_len) || o.prompt_len < 2)
                return grt_cli_usage_error(cmd, "bad --prompt-len (want >= 2)", v);
        } else if ((!strcmp(a, "-n") || !strcmp(a, "--max-new-tokens")) && sim) {
            if (parse_size(v, &o.max_new) || o.max_new == 0) return grt_cli_usage_error(cmd, "bad -n (want >= 1)", v);
        } else if (!strcmp(a, "--seed") && !ppl) {
            if (parse_size(v, &o.seed)) return grt_cli_usage_error(cmd, "bad --seed", v);
        } else if (!strcmp(a, "--first") && !ppl) {
            if (parse_size(v, &o.first) || o.first > INT32_MAX) return grt_cli_usage_error(cmd, "bad --first", v);
            o.have_first = 1;
        } else {
            return grt_cli_usage_error(cmd, "unknown option", a);
        }
    }
    if (!o.model_path) return grt_cli_usage_error(cmd, "missing -m MODEL", NULL);
    if (ppl && !o.text == !o.ids_path)
        return grt_cli_usage_error(cmd, "give exactly one of --text FILE or --ids FILE", NULL);
    if (!ppl && !o.base_path) return grt_cli_usage_error(cmd, "missing --base BASE", NULL);
    if (kld && !o.have_sample == !o.ids_path)
        return grt_cli_usage_error(cmd, "give exactly one of --ids FILE or --sample N", NULL);
    if (sim && (!!o.have_sample + !!o.prompts + !!o.prompt_ids) != 1)
        return grt_cli_usage_error(cmd, "give exactly one of --prompts FILE, --prompt-ids-file FILE or --sample N",
                                   NULL);
    if (ppl && !o.stride) o.stride = o.ctx / 2;
    if (ppl && o.stride > o.ctx) return grt_cli_usage_error(cmd, "--stride must not exceed --ctx", NULL);

    int rc;
    grt_core *core = NULL;
    loaded m = {0}, b = {0};
    grt_status st;
    if ((st = grt_core_create(NULL, &core))) {
        rc = grt_cli_fail("eval", st);
    } else if ((rc = grt_cli_apply_properties("eval", core, o.device, &o.props)) == GRT_CLI_EXIT_OK) {
        if ((st = load(core, o.model_path, o.device, &m)) || (!ppl && (st = load(core, o.base_path, o.device, &b))))
            rc = grt_cli_fail("eval", st);
        else if (ppl) rc = run_perplexity(&o, &m);
        else if (kld) rc = run_kld(&o, &m, &b);
        else rc = run_similarity(&o, &m, &b);
    }
    unload(&m);
    unload(&b);
    grt_core_destroy(core);
    return rc;
}
