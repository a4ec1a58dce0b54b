/*
 * tests/unit/tokenizer/test_json.c - tokenizers from Hugging Face tokenizer.json files written by
 * the test (no shared data needed): a byte-level BPE (GPT-2 regex, merge ranks, a special added
 * token), a SentencePiece-style BPE (Prepend/Replace normalizer, byte fallback, BOS template,
 * tokenizer_config.json with a chat template) and a WordPiece (BERT normalizer, ##, [UNK],
 * CLS/SEP). Expected ids are worked out by hand from the merge rules. Also the errors: malformed
 * JSON, unsupported model type, bad ids, missing file. argv[1] = scratch directory.
 */
#include <genrt/tokenizer.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../common/test_util.h"

static const char *g_dir;

static const char *write_file(const char *name, const char *text) {
    static char path[2][1200];
    static int k;
    char *p = path[k++ & 1];
    snprintf(p, 1200, "%s/%s", g_dir, name);
    FILE *f = fopen(p, "wb");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    return p;
}

static int ids_are(const grt_tokenizer *tok, const char *text, int add, const int32_t *want, size_t n) {
    int32_t *ids = NULL;
    size_t got = 0;
    if (grt_tokenizer_encode(tok, text, strlen(text), add, &ids, &got) != GRT_OK) return 0;
    int ok = got == n && !memcmp(ids, want, n * sizeof *ids);
    if (!ok) {
        fprintf(stderr, "'%s' ->", text);
        for (size_t i = 0; i < got; i++) fprintf(stderr, " %d", (int)ids[i]);
        fprintf(stderr, "\n");
    }
    grt_free(ids);
    return ok;
}

static int decodes_to(const grt_tokenizer *tok, const int32_t *ids, size_t n, int skip, const char *want) {
    char *s = NULL;
    if (grt_tokenizer_decode(tok, ids, n, skip, &s) != GRT_OK) return 0;
    int ok = !strcmp(s, want);
    if (!ok) fprintf(stderr, "decoded '%s', want '%s'\n", s, want);
    grt_free(s);
    return ok;
}

/* GPT-2 bytes_to_unicode, written out plainly for the test. */
static unsigned byte_char(unsigned b) {
    int printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174);
    if (printable) return b;
    unsigned n = 0;
    for (unsigned i = 0; i < b; i++)
        if (!((i >= 33 && i <= 126) || (i >= 161 && i <= 172) || (i >= 174))) n++;
    return 256 + n;
}

static void test_byte_level(void) {
    static char json[65536];
    size_t o = 0;
    o += (size_t)snprintf(json + o, sizeof json - o,
                          "{\"added_tokens\":[{\"id\":260,\"content\":\"<|end|>\",\"special\":true}],"
                          "\"normalizer\":null,\"pre_tokenizer\":{\"type\":\"ByteLevel\","
                          "\"add_prefix_space\":false,\"use_regex\":true},"
                          "\"decoder\":{\"type\":\"ByteLevel\"},\"model\":{\"type\":\"BPE\",\"vocab\":{");
    for (unsigned b = 0; b < 256; b++) {
        unsigned c = byte_char(b);
        char u[8];
        if (c < 0x80) {
            if (c == '"' || c == '\\') snprintf(u, sizeof u, "\\%c", (char)c);
            else snprintf(u, sizeof u, "%c", (char)c);
        } else {
            snprintf(u, sizeof u, "%c%c", (char)(0xC0 | (c >> 6)), (char)(0x80 | (c & 0x3F)));
        }
        o += (size_t)snprintf(json + o, sizeof json - o, "\"%s\":%u,", u, b);
    }
    o += (size_t)snprintf(json + o, sizeof json - o,
                          "\"th\":256,\"\xC4\xA0th\":257,\"the\":258,\"\xC4\xA0the\":259},"
                          "\"merges\":[\"t h\",\"\xC4\xA0 th\",[\"th\",\"e\"],\"\xC4\xA0th e\"]}}");
    grt_tokenizer *tok = NULL;
    CHECK_OK(grt_tokenizer_create_from_file(write_file("bl.json", json), &tok));
    if (!tok) return;
    CHECK(grt_tokenizer_vocab_size(tok) == 261);
    CHECK(ids_are(tok, "the the", 0, (const int32_t[]){258, 259}, 2));
    CHECK(ids_are(tok, "the<|end|> the", 0, (const int32_t[]){258, 260, 259}, 3));
    CHECK(ids_are(tok, "tea", 0, (const int32_t[]){116, 101, 97}, 3));
    CHECK(ids_are(tok, "\n", 0, (const int32_t[]){10}, 1));
    CHECK(grt_tokenizer_is_special(tok, 260));
    CHECK(decodes_to(tok, (const int32_t[]){258, 260, 259}, 3, 1, "the the"));
    CHECK(decodes_to(tok, (const int32_t[]){258, 260, 259}, 3, 0, "the<|end|> the"));
    CHECK(decodes_to(tok, (const int32_t[]){0xC3, 0xA9}, 2, 0, "\xC3\xA9"));
    grt_tokenizer_destroy(tok);
}

static void test_spm_bpe(void) {
    static char json[32768];
    size_t o = 0;
    char sub[1200];
    snprintf(sub, sizeof sub, "%s/spm", g_dir);
    mkdir(sub, 0755);
    o += (size_t)snprintf(json + o, sizeof json - o,
        "{\"added_tokens\":[{\"id\":0,\"content\":\"<unk>\",\"special\":true},"
        "{\"id\":1,\"content\":\"<s>\",\"special\":true},{\"id\":2,\"content\":\"</s>\",\"special\":true}],"
        "\"normalizer\":{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"Prepend\",\"prepend\":\"\xE2\x96\x81\"},"
        "{\"type\":\"Replace\",\"pattern\":{\"String\":\" \"},\"content\":\"\xE2\x96\x81\"}]},"
        "\"pre_tokenizer\":null,"
        "\"post_processor\":{\"type\":\"TemplateProcessing\",\"single\":[{\"SpecialToken\":{\"id\":\"<s>\",\"type_id\":0}},"
        "{\"Sequence\":{\"id\":\"A\",\"type_id\":0}}]},"
        "\"decoder\":{\"type\":\"Sequence\",\"decoders\":[{\"type\":\"Replace\",\"pattern\":{\"String\":\"\xE2\x96\x81\"},\"content\":\" \"},"
        "{\"type\":\"ByteFallback\"},{\"type\":\"Fuse\"},{\"type\":\"Strip\",\"content\":\" \",\"start\":1,\"stop\":0}]},"
        "\"model\":{\"type\":\"BPE\",\"byte_fallback\":true,\"unk_token\":\"<unk>\",\"vocab\":{\"<unk>\":0,\"<s>\":1,\"</s>\":2,");
    for (unsigned b = 0; b < 256; b++) o += (size_t)snprintf(json + o, sizeof json - o, "\"<0x%02X>\":%u,", b, 3 + b);
    o += (size_t)snprintf(json + o, sizeof json - o,
        "\"\xE2\x96\x81\":259,\"h\":260,\"e\":261,\"l\":262,\"o\":263,\"\xE2\x96\x81h\":264,\"ll\":265,"
        "\"\xE2\x96\x81he\":266,\"llo\":267,\"\xE2\x96\x81hello\":268},"
        "\"merges\":[\"\xE2\x96\x81 h\",\"l l\",\"\xE2\x96\x81h e\",\"ll o\",\"\xE2\x96\x81he llo\"]}}");
    write_file("spm/tokenizer_config.json", "{\"add_bos_token\":true,\"add_eos_token\":false,"
               "\"bos_token\":{\"content\":\"<s>\"},\"eos_token\":\"</s>\",\"chat_template\":\"{{ x }}\"}");
    grt_tokenizer *tok = NULL;
    CHECK_OK(grt_tokenizer_create_from_file(write_file("spm/tokenizer.json", json), &tok));
    if (!tok) return;
    CHECK(grt_tokenizer_bos(tok) == 1 && grt_tokenizer_eos(tok) == 2);
    CHECK(grt_tokenizer_chat_template(tok) && !strcmp(grt_tokenizer_chat_template(tok), "{{ x }}"));
    CHECK(ids_are(tok, "hello \xC3\xA9", 1, (const int32_t[]){1, 268, 259, 3 + 0xC3, 3 + 0xA9}, 5));
    CHECK(ids_are(tok, "hello</s>hello", 0, (const int32_t[]){268, 2, 268}, 3));
    CHECK(decodes_to(tok, (const int32_t[]){1, 268, 259, 3 + 0xC3, 3 + 0xA9}, 5, 1, "hello \xC3\xA9"));
    CHECK(decodes_to(tok, (const int32_t[]){1, 268}, 2, 0, "<s> hello"));
    grt_tokenizer_destroy(tok);
    /* the folder form finds tokenizer.json + tokenizer_config.json */
    char folder[1200];
    snprintf(folder, sizeof folder, "%s/spm", g_dir);
    CHECK_OK(grt_tokenizer_create_from_file(folder, &tok));
    CHECK(tok && grt_tokenizer_chat_template(tok) != NULL);
    grt_tokenizer_destroy(tok);
}

static void test_wordpiece(void) {
    const char *json =
        "{\"added_tokens\":[{\"id\":0,\"content\":\"[PAD]\",\"special\":true},"
        "{\"id\":1,\"content\":\"[UNK]\",\"special\":true},{\"id\":2,\"content\":\"[CLS]\",\"special\":true},"
        "{\"id\":3,\"content\":\"[SEP]\",\"special\":true}],"
        "\"normalizer\":{\"type\":\"BertNormalizer\",\"clean_text\":true,\"handle_chinese_chars\":true,"
        "\"strip_accents\":null,\"lowercase\":true},\"pre_tokenizer\":{\"type\":\"BertPreTokenizer\"},"
        "\"post_processor\":{\"type\":\"BertProcessing\",\"sep\":[\"[SEP]\",3],\"cls\":[\"[CLS]\",2]},"
        "\"decoder\":{\"type\":\"WordPiece\",\"prefix\":\"##\"},"
        "\"model\":{\"type\":\"WordPiece\",\"unk_token\":\"[UNK]\",\"continuing_subword_prefix\":\"##\","
        "\"max_input_chars_per_word\":100,\"vocab\":{\"[PAD]\":0,\"[UNK]\":1,\"[CLS]\":2,\"[SEP]\":3,"
        "\"hel\":4,\"##lo\":5,\",\":6,\"world\":7,\"\xE4\xB8\x80\":8}}}";
    grt_tokenizer *tok = NULL;
    CHECK_OK(grt_tokenizer_create_from_file(write_file("wp.json", json), &tok));
    if (!tok) return;
    CHECK(ids_are(tok, "Hello, WORLD!", 1, (const int32_t[]){2, 4, 5, 6, 7, 1, 3}, 7));
    CHECK(ids_are(tok, "W\xC3\xB6rld\xE4\xB8\x80x", 0, (const int32_t[]){7, 8, 1}, 3));
    CHECK(ids_are(tok, "helx", 0, (const int32_t[]){1}, 1));
    CHECK(decodes_to(tok, (const int32_t[]){4, 5, 6, 7}, 4, 0, "hello , world"));
    grt_tokenizer_destroy(tok);
}

static void test_errors(void) {
    grt_tokenizer *tok = NULL;
    CHECK_ERR(grt_tokenizer_create_from_file(write_file("bad1.json", "{\"model\": {\"type\": \"BPE\", "), &tok),
              GRT_ERROR_FORMAT, "malformed");
    CHECK_ERR(grt_tokenizer_create_from_file(write_file("bad2.json", "{\"model\":{\"type\":\"Unigram\",\"vocab\":[]}}"), &tok),
              GRT_ERROR_NOT_SUPPORTED, "Unigram");
    CHECK_ERR(grt_tokenizer_create_from_file(write_file("bad3.json", "{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":-4},\"merges\":[]}}"), &tok),
              GRT_ERROR_FORMAT, "bad id");
    CHECK_ERR(grt_tokenizer_create_from_file(write_file("bad4.json", "{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[7]}}"), &tok),
              GRT_ERROR_FORMAT, "merges");
    CHECK_ERR(grt_tokenizer_create_from_file(write_file("bad5.json", "{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[]},"
              "\"pre_tokenizer\":{\"type\":\"Split\",\"pattern\":{\"Regex\":\"(\"},\"behavior\":\"Isolated\"}}"), &tok),
              GRT_ERROR_FORMAT, "regex");
    CHECK_ERR(grt_tokenizer_create_from_file("/nonexistent/tokenizer.json", &tok), GRT_ERROR_NOT_FOUND, "nonexistent");
    CHECK(tok == NULL);
    CHECK_ERR(grt_tokenizer_encode(NULL, "x", 1, 0, NULL, NULL), GRT_ERROR_INVALID_ARGUMENT, NULL);
    grt_tokenizer_destroy(NULL);
}

int main(int argc, char **argv) {
    g_dir = argc > 1 ? argv[1] : ".";
    test_byte_level();
    test_spm_bpe();
    test_wordpiece();
    test_errors();
    return test_summary("unit.tokenizer.json");
}
