/*
 * tools/cli/cmd_generate.c - `genrt generate`: generates from a prompt (text through the model's
 * tokenizer, or token ids) with a compiled stateful LLM, streaming text (or ids with --ids) to
 * stdout and TTFT, tokens/s and peak memory to stderr. Also the helpers `genrt chat` shares
 * (cmd_generate.h). Single-threaded; everything created is released before returning.
 */
#include "cmd_generate.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static const char k_usage[] =
    "usage: genrt generate -m MODEL (-p TEXT | --prompt-ids \"1 2 3\") [-n N] [--temperature T]\n"
    "                      [--top-k K] [--top-p P] [--seed S] [--ids] [-d DEVICE] [options]\n"
    "\n"
    "Generates a continuation of the prompt and streams it to stdout; prints TTFT, tokens/s\n"
    "and peak memory to stderr. Temperature 0 is greedy decoding.\n"
    "\n"
    "  -m, --model PATH        model file or folder (GenRT IR, GGUF, Hugging Face, llama2.c)\n"
    "  -p, --prompt TEXT       prompt text (needs a tokenizer in the model; BOS added as its\n"
    "                          config says)\n"
    "  --prompt-ids \"IDS\"      prompt as token ids separated by spaces or commas\n"
    "  -n, --max-tokens N      new tokens to generate (default 128)\n"
    "  -d, --device NAME       device (default CPU)\n"
    "  --ids                   print the generated token ids, space-separated, instead of text\n"
    "  --stop TEXT             stop when TEXT is generated (repeatable; TEXT is not printed)\n"
    "  --ignore-eos            do not stop at the end-of-sequence token\n"
    "sampling (defaults: temperature 0.8, top-k 40, top-p 0.95, seed 0):\n"
    "  --temperature T  --top-k K  --top-p P  --min-p P  --seed S\n"
    "  --repeat-penalty R  --presence-penalty P  --frequency-penalty P\n"
    "A Hugging Face model's generation_config.json (temperature, top_k, top_p, repetition_penalty,\n"
    "max_new_tokens, max_length, do_sample, eos_token_id) replaces these defaults; options win.\n"
    GRT_CLI_PROPERTY_OPTIONS_HELP;

void grt_cli_llm_close(grt_cli_llm *llm) {
    grt_llm_session_destroy(llm->session);
    grt_tokenizer_destroy(llm->tok);
    grt_compiled_model_destroy(llm->cm);
    grt_model_destroy(llm->model);
    grt_core_destroy(llm->core);
    memset(llm, 0, sizeof *llm);
}

static int64_t context_length(const grt_model *model) {
    grt_meta_value v;
    char key[96];
    if (grt_model_get_meta(model, "general.architecture", &v) != GRT_OK ||
        v.type != GRT_META_STRING)
        return 0;
    snprintf(key, sizeof key, "%.*s.context_length", (int)(v.u.str.len < 64 ? v.u.str.len : 64),
             v.u.str.data);
    if (grt_model_get_meta(model, key, &v) != GRT_OK || v.type != GRT_META_INT) return 0;
    return v.u.i;
}

int grt_cli_llm_open(const char *cmd, const char *path, const char *device, const grt_cli_props *props,
                     grt_cli_llm *llm) {
    memset(llm, 0, sizeof *llm);
    grt_status st;
    if ((st = grt_core_create(NULL, &llm->core)) == GRT_OK &&
        grt_cli_apply_properties(cmd, llm->core, device, props) != GRT_CLI_EXIT_OK) {
        grt_cli_llm_close(llm);
        return GRT_CLI_EXIT_FAIL;
    }
    if (st ||
        (st = grt_model_read(llm->core, path, &llm->model)))
        goto fail;
    llm->context_length = context_length(llm->model);
    st = grt_tokenizer_create_from_model(llm->model, &llm->tok);
    if (st == GRT_ERROR_NOT_FOUND) {
        llm->tok = NULL;
        grt_clear_error();
    } else if (st) {
        goto fail;
    }
    if ((st = grt_core_compile_model(llm->core, llm->model, device, NULL, 0, &llm->cm)) ||
        (st = grt_llm_session_create(llm->cm, llm->tok, &llm->session)))
        goto fail;
    return GRT_CLI_EXIT_OK;
fail:;
    int rc = grt_cli_fail(cmd, st);
    grt_cli_llm_close(llm);
    return rc;
}

static int parse_double(const char *s, double *out) {
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

static int parse_int(const char *s, long long *out) {
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end) return -1;
    *out = v;
    return 0;
}

int grt_cli_sampling_option(const grt_cli_command *cmd, int argc, char **argv, int *i,
                            grt_sampler_config *cfg) {
    static const char *const opts[] = {"--temperature",
                                       "--top-k",
                                       "--top-p",
                                       "--min-p",
                                       "--repeat-penalty",
                                       "--presence-penalty",
                                       "--frequency-penalty",
                                       "--seed"};
    const char *a = argv[*i];
    int k;
    for (k = 0; k < 8; k++)
        if (!strcmp(a, opts[k])) break;
    if (k == 8) return 0;
    if (*i + 1 >= argc) return grt_cli_usage_error(cmd, "missing value for", a), -1;
    const char *v = argv[++*i];
    double d = 0;
    long long n = 0;
    int bad;
    if (k == 1 || k == 7)
        bad = parse_int(v, &n) || n < 0 || (k == 1 && n > INT32_MAX);
    else
        bad = parse_double(v, &d) || d < 0;
    if (bad) return grt_cli_usage_error(cmd, "bad value for option", a), -1;
    switch (k) {
    case 0: cfg->temperature = (float)d; break;
    case 1: cfg->top_k = (int32_t)n; break;
    case 2: cfg->top_p = (float)d; break;
    case 3: cfg->min_p = (float)d; break;
    case 4: cfg->repetition_penalty = (float)d; break;
    case 5: cfg->presence_penalty = (float)d; break;
    case 6: cfg->frequency_penalty = (float)d; break;
    default: cfg->seed = (uint64_t)n; break;
    }
    return 1;
}

void grt_cli_generation_init(grt_generation_config *cfg) {
    grt_generation_config_defaults(cfg);
    cfg->max_new_tokens = GRT_CLI_UNSET;
    cfg->sampler.temperature = GRT_CLI_UNSET;
    cfg->sampler.top_k = GRT_CLI_UNSET;
    cfg->sampler.top_p = GRT_CLI_UNSET;
    cfg->sampler.repetition_penalty = GRT_CLI_UNSET;
}

int grt_cli_generation_defaults(const char *cmd, const grt_cli_llm *llm, grt_generation_config *cfg,
                                int64_t dflt_max_new, int32_t *stops, size_t cap, size_t *n_stops) {
    grt_generation_config d;
    grt_meta_value mv;
    grt_generation_config_defaults(&d);
    d.max_new_tokens = dflt_max_new;
    d.sampler.temperature = 0.8f;
    d.sampler.top_k = 40;
    d.sampler.top_p = 0.95f;
    d.context_length = llm->context_length;
    grt_status st = grt_generation_config_from_model(llm->model, &d, stops, cap, n_stops);
    if (st) return grt_cli_fail(cmd, st);
    if (*n_stops > cap) *n_stops = cap;
    if (cfg->sampler.temperature < 0) cfg->sampler.temperature = d.sampler.temperature;
    if (cfg->sampler.top_k < 0) cfg->sampler.top_k = d.sampler.top_k;
    if (cfg->sampler.top_p < 0) cfg->sampler.top_p = d.sampler.top_p;
    if (cfg->sampler.repetition_penalty < 0) cfg->sampler.repetition_penalty = d.sampler.repetition_penalty;
    if (cfg->max_new_tokens < 0) cfg->max_new_tokens = d.max_new_tokens;
    cfg->context_length = d.context_length;
    if (grt_model_get_meta(llm->model, "generation.huggingface.config", &mv) == GRT_OK) {
        fprintf(stderr,
                "generation defaults from generation_config.json: temperature %g, top-k %d, top-p %g, "
                "repeat-penalty %g, max tokens %lld, context %lld, %zu eos stop token(s)\n",
                (double)cfg->sampler.temperature, (int)cfg->sampler.top_k, (double)cfg->sampler.top_p,
                (double)cfg->sampler.repetition_penalty, (long long)cfg->max_new_tokens,
                (long long)cfg->context_length, *n_stops);
    }
    grt_clear_error();
    return GRT_CLI_EXIT_OK;
}

void grt_cli_print_stats(const grt_generation_result *res, size_t n_prompt) {
    struct rusage ru;
    double peak_mib = 0;
    if (getrusage(RUSAGE_SELF, &ru) == 0) peak_mib = (double)ru.ru_maxrss / 1024.0; /* KiB */
    double tps = res->n_ids > 1 && res->decode_s > 0 ? (double)(res->n_ids - 1) / res->decode_s : 0;
    fprintf(stderr,
            "prompt %zu tokens (%zu run), generated %zu tokens, TTFT %.1f ms, %.2f tokens/s, "
            "peak memory %.1f MiB\n",
            n_prompt, res->n_prompt_fed, res->n_ids, res->ttft_s * 1e3, tps, peak_mib);
}

/* "1 2, 3" -> ids (malloc'd). Returns -1 on a bad number. */
static int parse_ids(const char *s, int32_t **ids, size_t *n) {
    size_t cap = 16, k = 0;
    int32_t *v = malloc(cap * sizeof *v);
    if (!v) return -1;
    const char *p = s;
    for (;;) {
        while (*p == ' ' || *p == ',' || *p == '\t' || *p == '\n')
            p++;
        if (!*p) break;
        char *end = NULL;
        errno = 0;
        long long x = strtoll(p, &end, 10);
        if (errno || end == p || x < 0 || x > INT32_MAX ||
            (*end && *end != ' ' && *end != ',' && *end != '\t' && *end != '\n')) {
            free(v);
            return -1;
        }
        if (k == cap) {
            int32_t *q = realloc(v, 2 * cap * sizeof *q);
            if (!q) {
                free(v);
                return -1;
            }
            v = q;
            cap *= 2;
        }
        v[k++] = (int32_t)x;
        p = end;
    }
    *ids = v;
    *n = k;
    return 0;
}

typedef struct stream_ctx {
    int ids;
    size_t count;
} stream_ctx;

static int on_token(void *user, int32_t token, const char *text, size_t len) {
    stream_ctx *c = user;
    if (c->ids) {
        if (token >= 0) printf("%s%d", c->count++ ? " " : "", (int)token);
    } else if (len) {
        fwrite(text, 1, len, stdout);
    }
    fflush(stdout);
    return 0;
}

static int run(int argc, char **argv) {
    const grt_cli_command *cmd = &grt_cli_cmd_generate;
    const char *model = NULL, *prompt = NULL, *prompt_ids = NULL, *device = "CPU";
    const char **stops = NULL;
    size_t n_stops = 0;
    int ids_out = 0, rc = GRT_CLI_EXIT_FAIL;
    grt_generation_config cfg;
    grt_cli_props props = {0};
    int32_t eos_stops[16];
    size_t n_eos = 0;
    grt_cli_generation_init(&cfg);
    stops = calloc((size_t)argc, sizeof *stops);
    if (!stops) return grt_cli_fail("generate", GRT_ERROR_OUT_OF_MEMORY);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        int so = grt_cli_sampling_option(cmd, argc, argv, &i, &cfg.sampler);
        if (!so) so = grt_cli_property_option(cmd, argc, argv, &i, &props);
        if (so < 0) {
            free(stops);
            return GRT_CLI_EXIT_USAGE;
        }
        if (so) continue;
        if ((!strcmp(a, "-m") || !strcmp(a, "--model")) && has)
            model = argv[++i];
        else if ((!strcmp(a, "-p") || !strcmp(a, "--prompt")) && has)
            prompt = argv[++i];
        else if (!strcmp(a, "--prompt-ids") && has)
            prompt_ids = argv[++i];
        else if ((!strcmp(a, "-d") || !strcmp(a, "--device")) && has)
            device = argv[++i];
        else if (!strcmp(a, "--stop") && has)
            stops[n_stops++] = argv[++i];
        else if (!strcmp(a, "--ids"))
            ids_out = 1;
        else if (!strcmp(a, "--ignore-eos"))
            cfg.stop_at_eos = 0;
        else if ((!strcmp(a, "-n") || !strcmp(a, "--max-tokens")) && has) {
            long long n = 0;
            if (parse_int(argv[++i], &n) || n <= 0) {
                free(stops);
                return grt_cli_usage_error(cmd, "bad value for option", a);
            }
            cfg.max_new_tokens = n;
        } else {
            free(stops);
            return grt_cli_usage_error(cmd, "unknown option or missing value", a);
        }
    }
    if (!model || !!prompt == !!prompt_ids) {
        free(stops);
        return grt_cli_usage_error(
            cmd, !model ? "missing -m MODEL" : "give exactly one of -p TEXT or --prompt-ids", NULL);
    }
    int32_t *ids = NULL;
    size_t n_ids = 0;
    if (prompt_ids && (parse_ids(prompt_ids, &ids, &n_ids) || !n_ids)) {
        free(ids);
        free(stops);
        return grt_cli_usage_error(cmd, "bad --prompt-ids (want non-negative integers)",
                                   prompt_ids);
    }
    cfg.stop_strings = stops;
    cfg.n_stop_strings = n_stops;

    grt_cli_llm llm;
    grt_generation_result res;
    memset(&res, 0, sizeof res);
    if ((rc = grt_cli_llm_open("generate", model, device, &props, &llm)) != GRT_CLI_EXIT_OK) goto done;
    if ((rc = grt_cli_generation_defaults("generate", &llm, &cfg, 128, eos_stops, 16, &n_eos)) != GRT_CLI_EXIT_OK)
        goto done;
    rc = GRT_CLI_EXIT_FAIL;
    if (cfg.stop_at_eos) { /* --ignore-eos also ignores generation_config.json's eos ids */
        cfg.stop_tokens = eos_stops;
        cfg.n_stop_tokens = n_eos;
    }
    if (prompt) {
        if (!llm.tok) {
            fprintf(stderr,
                    "genrt generate: %s has no tokenizer, so -p TEXT cannot be encoded; "
                    "give the prompt as token ids with --prompt-ids\n",
                    model);
            goto done;
        }
        grt_status st = grt_tokenizer_encode(llm.tok, prompt, strlen(prompt), 1, &ids, &n_ids);
        if (st) {
            rc = grt_cli_fail("generate", st);
            goto done;
        }
        if (!n_ids) {
            fprintf(stderr, "genrt generate: the prompt encodes to no tokens\n");
            goto done;
        }
    }
    if (ids_out || !llm.tok) ids_out = 1;
    stream_ctx sc = {ids_out, 0};
    grt_status st = grt_llm_session_generate(llm.session, ids, n_ids, &cfg, on_token, &sc, &res);
    if (st) {
        printf("\n");
        rc = grt_cli_fail("generate", st);
        goto done;
    }
    printf("\n");
    if (fflush(stdout) != 0) goto done;
    grt_cli_print_stats(&res, n_ids);
    rc = GRT_CLI_EXIT_OK;
done:
    grt_generation_result_clear(&res);
    if (prompt)
        grt_free(ids);
    else
        free(ids);
    free(stops);
    if (llm.core || llm.model) grt_cli_llm_close(&llm);
    return rc;
}

const grt_cli_command grt_cli_cmd_generate = {"generate", "generate text from a prompt with an LLM",
                                              k_usage, run};
