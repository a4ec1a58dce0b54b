/*
 * tests/unit/genai/test_generate.c - the generation loop (grt_llm_session) through the public API
 * on the CPU plugin, with a tiny "script" LLM built with the graph builder: its logits at
 * position p are one-hot on script[p + 1] (logits = Gather(table, position_ids + 0 * input_ids)),
 * so the output tells whether positions are tracked right. Checks: max_new_tokens, stop tokens,
 * cancellation from the callback, KV-prefix reuse (only new tokens are run) and reset, context
 * length, greedy vs plain argmax; with a real tokenizer (GPT-2 vocabulary from GENRT_SHARED_DIR,
 * skipped if absent): streamed text, stop strings spanning tokens (text before them is emitted,
 * the stop string is not), EOS. Exits 77 if no CPU device loads.
 */
#include "test_util.h"

#include <genrt/generate.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXP 64 /* script positions */

typedef struct script_llm {
    grt_core *core;
    grt_compiled_model *cm;
} script_llm;

/* Builds and compiles the script model: vocab V, script[n] (n <= MAXP). */
static grt_status build(script_llm *s, int64_t vocab, const int32_t *script, size_t n) {
    grt_model *m = NULL;
    grt_status st;
    float *table = calloc((size_t)(MAXP * vocab), sizeof *table);
    if (!table) return GRT_ERROR_OUT_OF_MEMORY;
    for (size_t p = 0; p < MAXP; p++) {
        int32_t next = p + 1 < n ? script[p + 1] : 0;
        for (int64_t v = 0; v < vocab; v++)
            table[p * (size_t)vocab + (size_t)v] = v == next ? 5.0f : -1.0f;
    }
    int64_t dyn[2] = {1, GRT_DYNAMIC}, tdims[2] = {MAXP, vocab}, one = 1, zero = 0;
    grt_port ids, pos, tab, z, prod, idx, logits;
    uint32_t node;
    if ((st = grt_model_create("script", &m)) ||
        (st = grt_model_add_parameter(m, "input_ids", GRT_I64, 2, dyn, &ids)) ||
        (st = grt_model_add_parameter(m, "position_ids", GRT_I64, 2, dyn, &pos)) ||
        (st = grt_model_add_constant(m, "table", GRT_F32, 2, tdims, table,
                                     (size_t)(MAXP * vocab) * sizeof(float), &tab)) ||
        (st = grt_model_add_constant(m, "zero", GRT_I64, 1, &one, &zero, sizeof zero, &z)))
        goto done;
    grt_port in2[2] = {ids, z};
    if ((st = grt_model_add_op(m, GRT_OP_MUL, "mul", 2, in2, 0, NULL, &node))) goto done;
    prod = (grt_port){node, 0};
    grt_port in3[2] = {pos, prod};
    if ((st = grt_model_add_op(m, GRT_OP_ADD, "add", 2, in3, 0, NULL, &node))) goto done;
    idx = (grt_port){node, 0};
    grt_port in4[2] = {tab, idx};
    if ((st = grt_model_add_op(m, GRT_OP_GATHER, "gather", 2, in4, 0, NULL, &node))) goto done;
    logits = (grt_port){node, 0};
    if ((st = grt_model_add_result(m, "logits", logits)) ||
        (st = grt_core_compile_model(s->core, m, "CPU", NULL, 0, &s->cm)))
        goto done;
done:
    grt_model_destroy(m);
    free(table);
    return st;
}

typedef struct cb_state {
    int cancel_after; /* cancel when this many tokens were seen (0: never) */
    int calls;
    int32_t tokens[256];
    char text[4096];
    size_t text_len;
    int tail_calls; /* calls with token -1 */
} cb_state;

static int on_token(void *user, int32_t token, const char *text, size_t len) {
    cb_state *c = user;
    if (token < 0)
        c->tail_calls++;
    else if (c->calls < 256)
        c->tokens[c->calls++] = token;
    if (len && c->text_len + len < sizeof c->text) {
        memcpy(c->text + c->text_len, text, len);
        c->text_len += len;
        c->text[c->text_len] = '\0';
    }
    return c->cancel_after && c->calls >= c->cancel_after;
}

static void greedy_cfg(grt_generation_config *cfg, int64_t max_new) {
    grt_generation_config_defaults(cfg);
    cfg->sampler.temperature = 0;
    cfg->max_new_tokens = max_new;
}

static void ids_only(script_llm *s) {
    const int32_t script[10] = {3, 9, 4, 4, 7, 1, 8, 2, 6, 5};
    const int64_t V = 10;
    if (build(s, V, script, 10) != GRT_OK) {
        CHECK(0);
        return;
    }
    grt_llm_session *ss = NULL;
    CHECK_OK(grt_llm_session_create(s->cm, NULL, &ss));
    if (!ss) return;
    grt_generation_config cfg;
    grt_generation_result res;
    cb_state cb;

    /* prompt script[0..2), 4 new tokens: script[2..6) */
    greedy_cfg(&cfg, 4);
    memset(&cb, 0, sizeof cb);
    CHECK_OK(grt_llm_session_generate(ss, script, 2, &cfg, on_token, &cb, &res));
    CHECK(res.n_ids == 4 && res.stop_reason == GRT_STOP_MAX_TOKENS);
    CHECK(res.n_prompt_fed == 2);
    CHECK(res.text == NULL);
    for (size_t i = 0; i < res.n_ids && i < 4; i++)
        CHECK(res.ids[i] == script[2 + i]);
    CHECK(cb.calls == 4 && !memcmp(cb.tokens, script + 2, 4 * sizeof(int32_t)));
    CHECK(grt_llm_session_position(ss) == 5); /* the last sampled token is not run yet */
    grt_generation_result_clear(&res);

    /* continue the conversation: only the new tokens are run, positions continue */
    greedy_cfg(&cfg, 2);
    CHECK_OK(grt_llm_session_generate(ss, script, 7, &cfg, NULL, NULL, &res));
    CHECK(res.n_prompt_fed == 2); /* script[5], script[6] */
    CHECK(res.n_ids == 2 && res.ids[0] == script[7] && res.ids[1] == script[8]);
    grt_generation_result_clear(&res);

    /* a context that diverges from the cache resets it and runs everything */
    const int32_t other[3] = {3, 1, 1};
    greedy_cfg(&cfg, 1);
    CHECK_OK(grt_llm_session_generate(ss, other, 3, &cfg, NULL, NULL, &res));
    CHECK(res.n_prompt_fed == 3);
    CHECK(res.n_ids == 1 && res.ids[0] == script[3]);
    grt_generation_result_clear(&res);

    /* explicit reset */
    CHECK_OK(grt_llm_session_reset(ss));
    CHECK(grt_llm_session_position(ss) == 0);

    /* stop token: script[4] == 7 stops after script[2], script[3] */
    greedy_cfg(&cfg, 10);
    const int32_t stop7 = 7;
    cfg.stop_tokens = &stop7;
    cfg.n_stop_tokens = 1;
    memset(&cb, 0, sizeof cb);
    CHECK_OK(grt_llm_session_generate(ss, script, 2, &cfg, on_token, &cb, &res));
    CHECK(res.stop_reason == GRT_STOP_TOKEN);
    CHECK(res.n_ids == 2 && cb.calls == 2); /* the stop token is neither returned nor streamed */
    grt_generation_result_clear(&res);

    /* cancel from the callback after 3 tokens */
    greedy_cfg(&cfg, 10);
    memset(&cb, 0, sizeof cb);
    cb.cancel_after = 3;
    CHECK_OK(grt_llm_session_generate(ss, script, 1, &cfg, on_token, &cb, &res));
    CHECK(res.stop_reason == GRT_STOP_CANCELLED && res.n_ids == 3);
    grt_generation_result_clear(&res);

    /* context length: prompt 2 + generated tokens may not run past 6 positions */
    greedy_cfg(&cfg, 0);
    cfg.context_length = 6;
    CHECK_OK(grt_llm_session_generate(ss, script, 2, &cfg, NULL, NULL, &res));
    CHECK(res.stop_reason == GRT_STOP_CONTEXT);
    CHECK(res.n_ids == 5); /* positions 2..5 run, the 5th sampled token is not */
    grt_generation_result_clear(&res);
    cfg.context_length = 1;
    CHECK_ERR(grt_llm_session_generate(ss, script, 2, &cfg, NULL, NULL, &res),
              GRT_ERROR_INVALID_ARGUMENT, "context length");
    CHECK(res.ids == NULL && res.n_ids == 0);

    /* bad arguments; positions past the table are an infer error naming the step */
    CHECK_ERR(grt_llm_session_generate(ss, script, 0, &cfg, NULL, NULL, &res),
              GRT_ERROR_INVALID_ARGUMENT, NULL);
    greedy_cfg(&cfg, 2);
    int32_t far[MAXP + 4];
    for (size_t i = 0; i < MAXP + 4; i++)
        far[i] = 1;
    grt_status st = grt_llm_session_generate(ss, far, MAXP + 4, &cfg, NULL, NULL, &res);
    CHECK(st != GRT_OK);
    CHECK_MSG("prefill");
    grt_llm_session_destroy(ss);
    grt_compiled_model_destroy(s->cm);
    s->cm = NULL;
}

/* Text, stop strings and EOS with the GPT-2 vocabulary. */
static void with_tokenizer(script_llm *s) {
    const char *dir = getenv("GENRT_SHARED_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/tokenizers/ggml-vocab-gpt-2.gguf", dir ? dir : "../shared");
    grt_tokenizer *tok = NULL;
    if (grt_tokenizer_create_from_file(path, &tok) != GRT_OK) {
        printf("skip tokenizer part: %s: %s\n", path, grt_last_error());
        return;
    }
    const char *story = "Once upon a time, there was a cat. THE END. More text";
    int32_t *ids = NULL;
    size_t n = 0;
    CHECK_OK(grt_tokenizer_encode(tok, story, strlen(story), 0, &ids, &n));
    int64_t V = (int64_t)grt_tokenizer_vocab_size(tok);
    if (!ids || n < 8 || n > MAXP || build(s, V, ids, n) != GRT_OK) {
        CHECK(0);
        goto done;
    }
    grt_llm_session *ss = NULL;
    CHECK_OK(grt_llm_session_create(s->cm, tok, &ss));
    grt_generation_config cfg;
    grt_generation_result res;
    cb_state cb;

    /* all the rest of the story: streamed text == result text == the story after "Once" */
    greedy_cfg(&cfg, (int64_t)n - 1);
    cfg.stop_at_eos = 0;
    memset(&cb, 0, sizeof cb);
    CHECK_OK(grt_llm_session_generate(ss, ids, 1, &cfg, on_token, &cb, &res));
    const char *rest = story + 4;
    CHECKF(res.text && !strcmp(res.text, rest), "text [%s]", res.text ? res.text : "(null)");
    CHECKF(!strcmp(cb.text, rest), "streamed [%s]", cb.text);
    grt_generation_result_clear(&res);

    /* stop string spanning tokens: ". THE END" -> everything before it, not the stop string */
    const char *stops[2] = {"zzz", "cat. THE"};
    greedy_cfg(&cfg, 40);
    cfg.stop_strings = stops;
    cfg.n_stop_strings = 2;
    memset(&cb, 0, sizeof cb);
    CHECK_OK(grt_llm_session_generate(ss, ids, 1, &cfg, on_token, &cb, &res));
    CHECK(res.stop_reason == GRT_STOP_STRING);
    CHECKF(res.text && !strcmp(res.text, " upon a time, there was a "), "stop text [%s]",
           res.text ? res.text : "(null)");
    CHECKF(!strcmp(cb.text, " upon a time, there was a "), "stop streamed [%s]", cb.text);
    grt_generation_result_clear(&res);

    /* a stop-string prefix that never completes is released at the end */
    const char *stop_tail[1] = {" More text and"};
    greedy_cfg(&cfg, (int64_t)n - 1);
    cfg.stop_strings = stop_tail;
    cfg.n_stop_strings = 1;
    memset(&cb, 0, sizeof cb);
    CHECK_OK(grt_llm_session_generate(ss, ids, 1, &cfg, on_token, &cb, &res));
    CHECK(res.stop_reason == GRT_STOP_MAX_TOKENS);
    CHECKF(!strcmp(cb.text, rest), "tail streamed [%s]", cb.text);
    CHECK(cb.tail_calls == 1);
    grt_generation_result_clear(&res);

    /* EOS stops when the tokenizer has one and stop_at_eos is set */
    int32_t eos = grt_tokenizer_eos(tok);
    if (eos >= 0) {
        int32_t script[4] = {ids[0], ids[1], eos, ids[2]};
        grt_llm_session_destroy(ss);
        grt_compiled_model_destroy(s->cm);
        s->cm = NULL;
        ss = NULL;
        if (build(s, V, script, 4) == GRT_OK) {
            CHECK_OK(grt_llm_session_create(s->cm, tok, &ss));
            greedy_cfg(&cfg, 5);
            CHECK_OK(grt_llm_session_generate(ss, script, 1, &cfg, NULL, NULL, &res));
            CHECK(res.stop_reason == GRT_STOP_TOKEN && res.n_ids == 1);
            grt_generation_result_clear(&res);
        }
    }
    grt_llm_session_destroy(ss);
done:
    grt_compiled_model_destroy(s->cm);
    s->cm = NULL;
    grt_free(ids);
    grt_tokenizer_destroy(tok);
}

int main(void) {
    script_llm s = {0};
    const char *const *names = NULL;
    size_t count = 0;
    if (grt_core_create(NULL, &s.core) != GRT_OK ||
        grt_core_available_devices(s.core, &names, &count) != GRT_OK || !count) {
        printf("skip: no device: %s\n", grt_last_error());
        grt_core_destroy(s.core);
        return 77;
    }
    ids_only(&s);
    with_tokenizer(&s);
    CHECK_ERR(grt_llm_session_create(NULL, NULL, NULL), GRT_ERROR_INVALID_ARGUMENT, NULL);
    grt_core_destroy(s.core);
    return test_summary("genai.generate");
}
