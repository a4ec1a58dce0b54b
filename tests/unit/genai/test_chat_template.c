/*
 * tests/unit/genai/test_chat_template.c - chat templates of real models (the .jinja files in
 * templates/, see templates/README.md) rendered for 3-message conversations and compared with
 * strings derived by hand from the template semantics; the ChatML fallback; raise_exception;
 * Jinja features the templates rely on (whitespace control, scoping, namespace, slices, filters,
 * tests); syntax and evaluation errors; hostile templates (deep nesting, endless loops).
 * Usage: genai_chat_template_test <templates dir>.
 */
#include "test_util.h"

#include <genrt/generate.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *g_dir;

/* The template file's text without the final newline the file adds (caller frees). */
static char *load(const char *name) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        CHECKF(0, "cannot open %s", path);
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    size_t got = s ? fread(s, 1, (size_t)n, f) : 0;
    fclose(f);
    if (!s) return NULL;
    s[got] = '\0';
    if (got && s[got - 1] == '\n') s[got - 1] = '\0';
    return s;
}

/* A: system + user + assistant; B: user + assistant + user. */
static const grt_chat_message conv_a[3] = {
    {"system", "Be brief."}, {"user", "Hi"}, {"assistant", "Hello!"}};
static const grt_chat_message conv_b[3] = {
    {"user", "Hi"}, {"assistant", "Hello!"}, {"user", "Bye"}};

static void expect(const char *file, const grt_chat_message *msgs, int gen, const char *bos,
                   const char *eos, const char *want) {
    char *tmpl = load(file), *out = NULL;
    if (!tmpl) return;
    grt_status st = grt_chat_apply_template(tmpl, msgs, 3, gen, bos, eos, &out);
    CHECKF(st == GRT_OK, "%s: %s", file, grt_status_str(st));
    if (out) CHECKF(!strcmp(out, want), "%s:\n got: [%s]\nwant: [%s]", file, out, want);
    grt_free(out);
    free(tmpl);
}

static void expect_inline(const char *tmpl, int gen, const char *want) {
    char *out = NULL;
    grt_status st = grt_chat_apply_template(tmpl, conv_a, 3, gen, "<s>", "</s>", &out);
    CHECKF(st == GRT_OK, "[%s]: %s", tmpl, grt_status_str(st));
    if (out) CHECKF(!strcmp(out, want), "[%s]\n got: [%s]\nwant: [%s]", tmpl, out, want);
    grt_free(out);
}

static void expect_error(const char *tmpl, const grt_chat_message *msgs, grt_status want,
                         const char *needle) {
    char *out = NULL;
    CHECK_ERR(grt_chat_apply_template(tmpl, msgs, 3, 1, "<s>", "</s>", &out), want, needle);
    CHECK(out == NULL);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s TEMPLATES_DIR\n", argv[0]);
        return 2;
    }
    g_dir = argv[1];

    expect("llama2.jinja", conv_a, 1, "<s>", "</s>",
           "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello! </s>");
    expect("llama2.jinja", conv_b, 1, "<s>", "</s>",
           "<s>[INST] Hi [/INST] Hello! </s><s>[INST] Bye [/INST]");
    expect("llama3.jinja", conv_a, 1, "<|begin_of_text|>", "<|eot_id|>",
           "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
           "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
           "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"
           "<|start_header_id|>assistant<|end_header_id|>\n\n");
    expect("llama3.jinja", conv_b, 0, "<|begin_of_text|>", "<|eot_id|>",
           "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
           "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"
           "<|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|>");
    expect("mistral.jinja", conv_b, 1, "<s>", "</s>",
           "<s>[INST] Hi [/INST]Hello!</s>[INST] Bye [/INST]");
    expect("phi3.jinja", conv_a, 0, "<s>", "<|endoftext|>",
           "<|system|>\nBe brief.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\nHello!<|end|>\n"
           "<|endoftext|>");
    expect("phi3.jinja", conv_b, 1, "<s>", "<|endoftext|>",
           "<|user|>\nHi<|end|>\n<|assistant|>\nHello!<|end|>\n<|user|>\nBye<|end|>\n"
           "<|assistant|>\n");
    expect("smollm2.jinja", conv_b, 1, "", "<|im_end|>",
           "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging "
           "Face<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!"
           "<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n");
    expect("smollm2.jinja", conv_a, 0, "", "<|im_end|>",
           "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
           "<|im_start|>assistant\nHello!<|im_end|>\n");
    expect("tinyllama.jinja", conv_a, 1, "<s>", "</s>",
           "<|system|>\nBe brief.</s>\n<|user|>\nHi</s>\n<|assistant|>\nHello!</s>\n"
           "<|assistant|>\n");
    expect("tinyllama.jinja", conv_b, 0, "<s>", "</s>",
           "<|user|>\nHi</s>\n<|assistant|>\nHello!</s>\n<|user|>\nBye</s>\n");
    expect("qwen2.5.jinja", conv_b, 1, "", "<|im_end|>",
           "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful "
           "assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!"
           "<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n");
    expect("qwen2.5.jinja", conv_a, 0, "", "<|im_end|>",
           "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
           "<|im_start|>assistant\nHello!<|im_end|>\n");
    /* Qwen3: the last assistant turn after the last user query gets an (empty) think block */
    expect("qwen3.jinja", conv_a, 1, "", "<|im_end|>",
           "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
           "<|im_start|>assistant\n<think>\n\n</think>\n\nHello!<|im_end|>\n"
           "<|im_start|>assistant\n");
    expect("qwen3.jinja", conv_b, 1, "", "<|im_end|>",
           "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n"
           "<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n");
    {
        /* Qwen3 strips reasoning from earlier assistant turns */
        const grt_chat_message m[3] = {
            {"user", "Hi"}, {"assistant", "<think>\nhmm\n</think>\n\nHello!"}, {"user", "Bye"}};
        char *tmpl = load("qwen3.jinja"), *out = NULL;
        CHECK_OK(grt_chat_apply_template(tmpl, m, 3, 0, "", "", &out));
        if (out)
            CHECKF(!strcmp(out, "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!"
                                "<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n"),
                   "qwen3 reasoning: [%s]", out);
        grt_free(out);
        free(tmpl);
    }

    /* ChatML fallback (NULL or empty template) */
    {
        const char *want = "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi"
                           "<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n"
                           "<|im_start|>assistant\n";
        char *out = NULL;
        CHECK_OK(grt_chat_apply_template(NULL, conv_a, 3, 1, NULL, NULL, &out));
        if (out) CHECKF(!strcmp(out, want), "chatml: [%s]", out);
        grt_free(out);
        out = NULL;
        CHECK_OK(grt_chat_apply_template("", conv_a, 2, 0, NULL, NULL, &out));
        if (out)
            CHECK(!strcmp(out, "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi"
                               "<|im_end|>\n"));
        grt_free(out);
    }

    /* raise_exception: Llama 2 and Mistral refuse non-alternating roles */
    {
        char *t = load("mistral.jinja");
        if (t)
            expect_error(t, conv_a, GRT_ERROR_INVALID_ARGUMENT,
                         "Conversation roles must alternate");
        free(t);
        const grt_chat_message bad[3] = {{"user", "a"}, {"user", "b"}, {"assistant", "c"}};
        t = load("llama2.jinja");
        if (t) expect_error(t, bad, GRT_ERROR_INVALID_ARGUMENT, "must alternate");
        free(t);
    }

    /* Jinja features */
    expect_inline("{{ 'a' ~ 1 ~ none ~ true }}|{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 / 2 }}",
                  0, "a1NoneTrue|3 -4 2 3.5");
    expect_inline("{{ messages | length }} {{ messages[-1].content | upper }} "
                  "{{ messages[0]['role'] | lower | capitalize }} {{ '  x  ' | trim }}.",
                  0, "3 HELLO! System x.");
    expect_inline("{% for m in messages %}{{ loop.index }}/{{ loop.length }}{% if loop.first %}F{% "
                  "elif loop.last %}L{% else %}-{% endif %}{{ loop.revindex0 }} {% endfor %}",
                  0, "1/3F2 2/3-1 3/3L0 ");
    expect_inline("{% set x = 1 %}{% for m in messages %}{% set x = x + 1 %}{% endfor %}{{ x }}"
                  "{% set ns = namespace(n=1) %}{% for m in messages %}{% set ns.n = ns.n * 2 %}"
                  "{% endfor %}{{ ns.n }}",
                  0, "18");
    expect_inline("{{ undefined_var is defined }} {{ undefined_var | default('d') }} "
                  "{{ '' | default('e', true) }} {{ none is none }} {{ 3 is odd }} "
                  "{{ messages[0] is mapping }} {{ 'x' is string }} {{ 1 is not string }}",
                  0, "False d e True True True True True");
    expect_inline("{{ 'ab' in 'cabd' }} {{ 'z' not in 'abc' }} {{ 2 in [1, 2] }} "
                  "{{ 'role' in messages[0] }} {{ 1 < 2 and 2 <= 2 and not 3 > 4 }}",
                  0, "True True True True True");
    expect_inline("{{ [1, 2, 3][::-1] }} {{ 'hello'[1:3] }} {{ [1, 2, 3, 4][1:] | join(',') }} "
                  "{{ 'a,b' .split(',')[-1] }} {{ ' x '.strip() }}{{ 'xyz'.startswith('xy') }}",
                  0, "[3, 2, 1] el 2,3,4 b xTrue");
    expect_inline("{{ {'a': [1, 'q\"'], 'b': none, 'c': true, 'd': 1.5} | tojson }} "
                  "{{ 'yes' if messages else 'no' }} {{ 'yes' if not messages else 'no' }}",
                  0, "{\"a\": [1, \"q\\\"\"], \"b\": null, \"c\": true, \"d\": 1.5} yes no");
    expect_inline("{% for k, v in {'x': 1, 'y': 2}.items() %}{{ k }}={{ v }};{% endfor %}"
                  "{% for m in messages if m.role != 'system' %}{{ m.role[0] }}{% endfor %}"
                  "{% for m in [] %}x{% else %}empty{% endfor %}",
                  0,
                  "x=1;y=2;ua"
                  "empty");
    expect_inline("a  \n  {%- if true -%}  \n b {{- ' c ' -}} d{% endif %} {# comment #}\ne\n"
                  "    {% if true %}\nf\n    {% endif %}\ng",
                  0, "ab c d e\nf\ng");
    expect_inline("{{ bos_token }}{{ eos_token }}{{ add_generation_prompt }}", 1, "<s></s>True");
    expect_inline("{{ \"it's\" + ' \\\"q\\\"\\n' }}", 0, "it's \"q\"\n");

    /* errors name the line */
    expect_error("line1\n{% if x %}unclosed", conv_a, GRT_ERROR_FORMAT, "line 2");
    expect_error("{{ 1 + }}", conv_a, GRT_ERROR_FORMAT, "expected an expression");
    expect_error("{% macro m() %}{% endmacro %}", conv_a, GRT_ERROR_FORMAT, "macro");
    expect_error("\n\n{{ messages | nosuchfilter }}", conv_a, GRT_ERROR_INVALID_ARGUMENT,
                 "line 3: unsupported filter 'nosuchfilter'");
    expect_error("{{ 'x' ", conv_a, GRT_ERROR_FORMAT, "not closed");
    expect_error("{{ raise_exception('custom stop') }}", conv_a, GRT_ERROR_INVALID_ARGUMENT,
                 "custom stop");
    expect_error("{{ 1 / 0 }}", conv_a, GRT_ERROR_INVALID_ARGUMENT, "division by zero");
    /* hostile templates fail cleanly: deep nesting, long chains, endless loops */
    {
        size_t n = 100000;
        char *t = malloc(4 * n + 64);
        if (t) {
            size_t k = 0;
            k += (size_t)sprintf(t + k, "{{ ");
            for (size_t i = 0; i < n; i++)
                t[k++] = '(';
            t[k++] = '1';
            for (size_t i = 0; i < n; i++)
                t[k++] = ')';
            strcpy(t + k, " }}");
            expect_error(t, conv_a, GRT_ERROR_FORMAT, "nested too deeply");
            k = (size_t)sprintf(t, "{{ 1");
            for (size_t i = 0; i < n / 2; i++)
                k += (size_t)sprintf(t + k, "+1");
            strcpy(t + k, " }}");
            expect_error(t, conv_a, GRT_ERROR_INVALID_ARGUMENT, "nested too deeply");
            k = (size_t)sprintf(t, "{%% if false %%}");
            for (size_t i = 0; i < n / 20; i++)
                k += (size_t)sprintf(t + k, "{%% elif false %%}");
            strcpy(t + k, "{% endif %}");
            expect_error(t, conv_a, GRT_ERROR_FORMAT, "too deeply");
            k = 0;
            for (size_t i = 0; i < 1000; i++)
                k += (size_t)sprintf(t + k, "{%% if true %%}");
            expect_error(t, conv_a, GRT_ERROR_FORMAT, "too deeply");
            free(t);
        }
        expect_error("{% for a in range(3000000) %}{% set x = 1 %}{% set y = 2 %}{% set z = 3 %}"
                     "{% set w = 4 %}{% set v = 5 %}{% set u = 6 %}{% set t = 7 %}{% endfor %}",
                     conv_a, GRT_ERROR_INVALID_ARGUMENT, "too long");
        /* a render that needs more memory than the arena allows stops with OUT_OF_MEMORY */
        expect_error("{% for a in range(100000) %}{% for b in range(1000) %}{% endfor %}"
                     "{% endfor %}",
                     conv_a, GRT_ERROR_OUT_OF_MEMORY, NULL);
        expect_error("{{ 'x' * 3 }}", conv_a, GRT_ERROR_INVALID_ARGUMENT, "unsupported operand");
    }
    {
        const grt_chat_message nul[3] = {{"user", NULL}, {"a", "b"}, {"c", "d"}};
        expect_error("x", nul, GRT_ERROR_INVALID_ARGUMENT, "message 0");
    }
    return test_summary("genai.chat_template");
}
