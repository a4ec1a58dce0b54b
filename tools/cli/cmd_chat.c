/*
 * tools/cli/cmd_chat.c - `genrt chat`: an interactive chat with an LLM. Reads user turns from
 * stdin (one line each; /reset starts a new conversation, /exit or end of input quits), applies
 * the model's chat template (ChatML if it has none) to the whole history and streams the reply;
 * the session reuses the KV cache for the part of the conversation it has already seen.
 * Single-threaded; everything created is released before returning.
 */
#include "cmd_generate.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char k_usage[] =
    "usage: genrt chat -m MODEL [-d DEVICE] [--system TEXT] [-n N] [sampling options]\n"
    "\n"
    "Interactive chat: type a message and press Enter; the reply streams to stdout.\n"
    "  /reset   start a new conversation      /exit   quit (so does end of input)\n"
    "\n"
    "  -m, --model PATH      model with a tokenizer (GGUF, Hugging Face folder, GenRT IR)\n"
    "  -d, --device NAME     device (default CPU)\n"
    "  --system TEXT         system message at the start of each conversation\n"
    "  -n, --max-tokens N    longest reply in tokens (default 512)\n"
    "sampling (defaults: temperature 0.8, top-k 40, top-p 0.95, seed 0):\n"
    "  --temperature T  --top-k K  --top-p P  --min-p P  --seed S\n"
    "  --repeat-penalty R  --presence-penalty P  --frequency-penalty P\n"
    "A Hugging Face model's generation_config.json replaces these defaults; options win.\n"
    GRT_CLI_PROPERTY_OPTIONS_HELP;

typedef struct history {
    grt_chat_message *msgs;
    char **owned; /* strings to free, parallel to msgs */
    size_t n, cap;
} history;

static int history_add(history *h, const char *role, const char *content, size_t len) {
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 16;
        grt_chat_message *m = realloc(h->msgs, cap * sizeof *m);
        if (m) h->msgs = m;
        char **o = realloc(h->owned, cap * sizeof *o);
        if (o) h->owned = o;
        if (!m || !o) return -1;
        h->cap = cap;
    }
    char *c = malloc(len + 1);
    if (!c) return -1;
    memcpy(c, content, len);
    c[len] = '\0';
    h->msgs[h->n].role = role;
    h->msgs[h->n].content = c;
    h->owned[h->n] = c;
    h->n++;
    return 0;
}

static void history_clear(history *h, size_t keep) {
    while (h->n > keep)
        free(h->owned[--h->n]);
}

static int on_text(void *user, int32_t token, const char *text, size_t len) {
    (void)user;
    (void)token;
    if (len) fwrite(text, 1, len, stdout);
    fflush(stdout);
    return 0;
}

/* Adds the id of `text` as a stop token when the tokenizer encodes it as one special token. */
static void add_stop_token(const grt_tokenizer *tok, const char *text, int32_t *stops, size_t *n) {
    int32_t *ids = NULL;
    size_t k = 0;
    if (grt_tokenizer_encode(tok, text, strlen(text), 0, &ids, &k) == GRT_OK && k == 1 &&
        grt_tokenizer_is_special(tok, ids[0]))
        stops[(*n)++] = ids[0];
    grt_free(ids);
    grt_clear_error();
}

static int run(int argc, char **argv) {
    const grt_cli_command *cmd = &grt_cli_cmd_chat;
    const char *model = NULL, *device = "CPU", *system_msg = NULL;
    grt_generation_config cfg;
    grt_cli_props props = {0};
    grt_cli_generation_init(&cfg);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        int so = grt_cli_sampling_option(cmd, argc, argv, &i, &cfg.sampler);
        if (!so) so = grt_cli_property_option(cmd, argc, argv, &i, &props);
        if (so < 0) return GRT_CLI_EXIT_USAGE;
        if (so) continue;
        if ((!strcmp(a, "-m") || !strcmp(a, "--model")) && has)
            model = argv[++i];
        else if ((!strcmp(a, "-d") || !strcmp(a, "--device")) && has)
            device = argv[++i];
        else if (!strcmp(a, "--system") && has)
            system_msg = argv[++i];
        else if ((!strcmp(a, "-n") || !strcmp(a, "--max-tokens")) && has) {
            char *end = NULL;
            long long n = strtoll(argv[++i], &end, 10);
            if (!*argv[i] || *end || n <= 0) return grt_cli_usage_error(cmd, "bad value for", a);
            cfg.max_new_tokens = n;
        } else
            return grt_cli_usage_error(cmd, "unknown option or missing value", a);
    }
    if (!model) return grt_cli_usage_error(cmd, "missing -m MODEL", NULL);

    grt_cli_llm llm;
    int rc = grt_cli_llm_open("chat", model, device, &props, &llm);
    if (rc != GRT_CLI_EXIT_OK) return rc;
    rc = GRT_CLI_EXIT_FAIL;
    history h = {0};
    char *line = NULL, *text = NULL;
    int32_t *ids = NULL;
    size_t line_cap = 0;
    int32_t stop_tokens[20];
    size_t n_stop = 0;
    if (!llm.tok) {
        fprintf(stderr,
                "genrt chat: %s has no tokenizer; chat needs one (try genrt generate "
                "--prompt-ids)\n",
                model);
        goto done;
    }
    if (grt_cli_generation_defaults("chat", &llm, &cfg, 512, stop_tokens, 16, &n_stop) != GRT_CLI_EXIT_OK)
        goto done;
    add_stop_token(llm.tok, "<|im_end|>", stop_tokens, &n_stop);
    add_stop_token(llm.tok, "<|eot_id|>", stop_tokens, &n_stop);
    add_stop_token(llm.tok, "<|end|>", stop_tokens, &n_stop);
    cfg.stop_tokens = stop_tokens;
    cfg.n_stop_tokens = n_stop;
    const char *tmpl = grt_tokenizer_chat_template(llm.tok);
    int32_t bos = grt_tokenizer_bos(llm.tok), eos = grt_tokenizer_eos(llm.tok);
    const char *bos_s = bos >= 0 ? grt_tokenizer_token(llm.tok, bos) : "";
    const char *eos_s = eos >= 0 ? grt_tokenizer_token(llm.tok, eos) : "";
    size_t base = 0;
    if (system_msg) {
        if (history_add(&h, "system", system_msg, strlen(system_msg))) goto oom;
        base = 1;
    }
    int tty = isatty(0);
    for (;;) {
        if (tty) fputs("> ", stderr);
        ssize_t got = getline(&line, &line_cap, stdin);
        if (got < 0) break;
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            line[--got] = '\0';
        if (!strcmp(line, "/exit")) break;
        if (!strcmp(line, "/reset")) {
            history_clear(&h, base);
            grt_status st = grt_llm_session_reset(llm.session);
            if (st) {
                rc = grt_cli_fail("chat", st);
                goto done;
            }
            fprintf(stderr, "(new conversation)\n");
            continue;
        }
        if (!got) continue;
        if (history_add(&h, "user", line, (size_t)got)) goto oom;
        grt_status st = grt_chat_apply_template(tmpl, h.msgs, h.n, 1, bos_s, eos_s, &text);
        size_t n_ids = 0;
        if (!st) st = grt_tokenizer_encode(llm.tok, text, strlen(text), 0, &ids, &n_ids);
        grt_generation_result res;
        memset(&res, 0, sizeof res);
        if (!st) st = grt_llm_session_generate(llm.session, ids, n_ids, &cfg, on_text, NULL, &res);
        if (st) {
            rc = grt_cli_fail("chat", st);
            goto done;
        }
        printf("\n");
        fflush(stdout);
        grt_cli_print_stats(&res, n_ids);
        int bad = history_add(&h, "assistant", res.text ? res.text : "", res.text_len);
        grt_generation_result_clear(&res);
        grt_free(text);
        grt_free(ids);
        text = NULL;
        ids = NULL;
        if (bad) goto oom;
    }
    rc = GRT_CLI_EXIT_OK;
    goto done;
oom:
    rc = grt_cli_fail("chat", GRT_ERROR_OUT_OF_MEMORY);
done:
    history_clear(&h, 0);
    free(h.msgs);
    free(h.owned);
    free(line);
    grt_free(text);
    grt_free(ids);
    grt_cli_llm_close(&llm);
    return rc;
}

const grt_cli_command grt_cli_cmd_chat = {"chat", "interactive chat with an LLM", k_usage, run};
