/*
 * tools/cli/cmd_tokenize.c - `genrt tokenize`: prints the token ids of a text, space-separated,
 * using the tokenizer of a model file, a vocabulary-only GGUF, a tokenizer.json or a Hugging Face
 * folder (libgenrt_genai's grt_tokenizer_create_from_file). Single-threaded.
 */
#include "cli.h"

#include <genrt/tokenizer.h>
#include <stdlib.h>
#include <string.h>

static const char k_usage[] =
    "usage: genrt tokenize -m MODEL_OR_VOCAB [--add-special] (TEXT | --file F)\n"
    "\n"
    "Prints the token ids of TEXT (or of the bytes of file F), space-separated, on one line.\n"
    "Special tokens written in the text (e.g. <|im_start|>) are recognised.\n"
    "\n"
    "  -m, --model PATH   a model (GGUF, GenRT IR, Hugging Face folder), a vocabulary-only GGUF\n"
    "                     or a tokenizer.json\n"
    "  --add-special      add BOS/EOS (BERT: [CLS]/[SEP]) as the tokenizer's config says\n"
    "  --file F           tokenize the contents of F instead of TEXT\n"
    "  --decode           also print the text decoded back from the ids (second line)\n";

static char *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0;
    if (!f) return NULL;
    for (;;) {
        if (n + 4096 > cap) {
            cap = cap ? cap * 2 : 65536;
            char *p = realloc(buf, cap);
            if (!p) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = p;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        if (r == 0) break;
        n += r;
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf ? buf : calloc(1, 1);
}

static int run(int argc, char **argv) {
    const char *model = NULL, *file = NULL, *text = NULL;
    int add_special = 0, decode = 0, rc = GRT_CLI_EXIT_FAIL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if ((!strcmp(a, "-m") || !strcmp(a, "--model")) && i + 1 < argc) {
            model = argv[++i];
        } else if (!strcmp(a, "--file") && i + 1 < argc) {
            file = argv[++i];
        } else if (!strcmp(a, "--add-special")) {
            add_special = 1;
        } else if (!strcmp(a, "--decode")) {
            decode = 1;
        } else if (!strcmp(a, "--") && i + 1 < argc && !text) {
            text = argv[++i];
        } else if (a[0] == '-' && a[1] != '\0') {
            return grt_cli_usage_error(&grt_cli_cmd_tokenize, "unknown option or missing value", a);
        } else if (!text) {
            text = a;
        } else {
            return grt_cli_usage_error(&grt_cli_cmd_tokenize, "unexpected argument", a);
        }
    }
    if (!model) return grt_cli_usage_error(&grt_cli_cmd_tokenize, "missing -m MODEL", NULL);
    if (!!file == !!text)
        return grt_cli_usage_error(&grt_cli_cmd_tokenize, "give exactly one of TEXT or --file F", NULL);

    grt_tokenizer *tok = NULL;
    int32_t *ids = NULL;
    size_t n = 0, len = 0;
    char *buf = NULL, *back = NULL;
    if (file) {
        buf = read_all(file, &len);
        if (!buf) {
            fprintf(stderr, "genrt tokenize: cannot read '%s'\n", file);
            goto done;
        }
    } else {
        len = strlen(text);
    }
    grt_status st = grt_tokenizer_create_from_file(model, &tok);
    if (st != GRT_OK) {
        rc = grt_cli_fail("tokenize", st);
        goto done;
    }
    st = grt_tokenizer_encode(tok, file ? buf : text, len, add_special, &ids, &n);
    if (st != GRT_OK) {
        rc = grt_cli_fail("tokenize", st);
        goto done;
    }
    for (size_t i = 0; i < n; i++) printf("%s%d", i ? " " : "", (int)ids[i]);
    printf("\n");
    if (decode) {
        st = grt_tokenizer_decode(tok, ids, n, 0, &back);
        if (st != GRT_OK) {
            rc = grt_cli_fail("tokenize", st);
            goto done;
        }
        printf("%s\n", back);
    }
    rc = fflush(stdout) == 0 ? GRT_CLI_EXIT_OK : GRT_CLI_EXIT_FAIL;
done:
    grt_free(back);
    grt_free(ids);
    free(buf);
    grt_tokenizer_destroy(tok);
    return rc;
}

const grt_cli_command grt_cli_cmd_tokenize = {"tokenize", "print the token ids of a text", k_usage,
                                              run};
