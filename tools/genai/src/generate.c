/*
 * tools/genai/src/generate.c - the generation loop over a compiled stateful LLM
 * (grt_llm_session): KV-cache prefix reuse, one-infer prefill, token-by-token decode, stop
 * tokens, stop strings (grt_stop_matcher), streaming with cancellation, timing.
 *
 * Ownership: a session owns its infer request, sampler-independent buffers and the list of
 * tokens in the KV cache; the compiled model and tokenizer are borrowed. Threading: one thread
 * per session.
 */
#include "generate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* --- configs and results -------------------------------------------------------------------- */

void grt_generation_config_defaults(grt_generation_config *cfg) {
    if (!cfg) return;
    memset(cfg, 0, sizeof *cfg);
    cfg->max_new_tokens = 256;
    cfg->stop_at_eos = 1;
    grt_sampler_config_defaults(&cfg->sampler);
}

void grt_generation_result_clear(grt_generation_result *res) {
    if (!res) return;
    grt_free(res->ids);
    grt_free(res->text);
    memset(res, 0, sizeof *res);
}

/* --- session ------------------------------------------------------------------------------ */

struct grt_llm_session {
    grt_compiled_model *cm;   /* borrowed */
    const grt_tokenizer *tok; /* borrowed, may be NULL */
    grt_infer_request *rq;
    int32_t *cache; /* tokens whose K/V are in the state [n_cache], capacity cap */
    size_t n_cache, cap;
};

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

grt_status grt_llm_session_create(grt_compiled_model *cm, const grt_tokenizer *tok,
                                  grt_llm_session **out) {
    if (!out || !cm)
        return grt_gen_error(GRT_ERROR_INVALID_ARGUMENT, "grt_llm_session_create: NULL argument");
    *out = NULL;
    static const char *const inputs[] = {"input_ids", "position_ids"};
    size_t n_in = grt_compiled_model_input_count(cm), n_out = grt_compiled_model_output_count(cm);
    for (size_t k = 0; k < 2; k++) {
        int found = 0;
        for (size_t i = 0; i < n_in && !found; i++) {
            const char *name = NULL;
            if (grt_compiled_model_input(cm, i, &name, NULL, NULL) == GRT_OK && name &&
                !strcmp(name, inputs[k]))
                found = 1;
        }
        if (!found)
            return grt_gen_error(GRT_ERROR_INVALID_ARGUMENT,
                                 "generate: the model has no input '%s' (not an LLM graph)",
                                 inputs[k]);
    }
    int found = 0;
    for (size_t i = 0; i < n_out && !found; i++) {
        const char *name = NULL;
        if (grt_compiled_model_output(cm, i, &name, NULL, NULL) == GRT_OK && name &&
            !strcmp(name, "logits"))
            found = 1;
    }
    if (!found)
        return grt_gen_error(GRT_ERROR_INVALID_ARGUMENT,
                             "generate: the model has no output 'logits' (not an LLM graph)");
    grt_llm_session *s = calloc(1, sizeof *s);
    if (!s) return grt_gen_error(GRT_ERROR_OUT_OF_MEMORY, "generate: out of memory");
    s->cm = cm;
    s->tok = tok;
    grt_status st = grt_compiled_model_create_infer_request(cm, &s->rq);
    if (st) {
        free(s);
        return st;
    }
    *out = s;
    return GRT_OK;
}

void grt_llm_session_destroy(grt_llm_session *s) {
    if (!s) return;
    grt_infer_request_destroy(s->rq);
    free(s->cache);
    free(s);
}

grt_status grt_llm_session_reset(grt_llm_session *s) {
    if (!s) return grt_gen_error(GRT_ERROR_INVALID_ARGUMENT, "grt_llm_session_reset: NULL");
    s->n_cache = 0;
    return grt_infer_request_reset_state(s->rq);
}

size_t grt_llm_session_position(const grt_llm_session *s) { return s ? s->n_cache : 0; }

static grt_status cache_append(grt_llm_session *s, const int32_t *ids, size_t n) {
    if (s->n_cache + n > s->cap) {
        size_t cap = s->cap ? s->cap : 256;
        while (cap < s->n_cache + n)
            cap *= 2;
        int32_t *p = realloc(s->cache, cap * sizeof *p);
        if (!p) return grt_gen_error(GRT_ERROR_OUT_OF_MEMORY, "generate: out of memory");
        s->cache = p;
        s->cap = cap;
    }
    memcpy(s->cache + s->n_cache, ids, n * sizeof *ids);
    s->n_cache += n;
    return GRT_OK;
}

/* Runs ids[n] at positions n_cache.. in one infer; *logits (borrowed until the next infer) gets
 * the last position's row of vocab floats. */
static grt_status run_step(grt_llm_session *s, const int32_t *ids, size_t n, const float **logits,
                           size_t *vocab) {
    grt_status st = GRT_OK;
    grt_tensor *t_ids = NULL, *t_pos = NULL, *out = NULL;
    int64_t dims[2] = {1, (int64_t)n};
    if ((st = grt_tensor_create(GRT_I64, 2, dims, &t_ids)) ||
        (st = grt_tensor_create(GRT_I64, 2, dims, &t_pos)))
        goto fail;
    int64_t *pi = grt_tensor_data(t_ids), *pp = grt_tensor_data(t_pos);
    for (size_t i = 0; i < n; i++) {
        pi[i] = ids[i];
        pp[i] = (int64_t)(s->n_cache + i);
    }
    if ((st = grt_infer_request_set_tensor(s->rq, "input_ids", t_ids)) ||
        (st = grt_infer_request_set_tensor(s->rq, "position_ids", t_pos)))
        goto fail;
    if ((st = grt_infer_request_infer(s->rq))) goto fail;
    if ((st = grt_infer_request_get_tensor(s->rq, "logits", &out))) goto fail;
    const int64_t *od = grt_tensor_dims(out);
    if (grt_tensor_element_type(out) != GRT_F32 || grt_tensor_rank(out) != 3 || od[0] != 1 ||
        od[1] != (int64_t)n || od[2] <= 0 || !grt_tensor_is_dense(out)) {
        st = grt_gen_error(GRT_ERROR_SHAPE, "generate: output 'logits' is not f32 [1, %zu, V]", n);
        goto fail;
    }
    *vocab = (size_t)od[2];
    *logits = (const float *)grt_tensor_data(out) + (n - 1) * (size_t)od[2];
    st = cache_append(s, ids, n);
fail:
    /* the request borrows the inputs only until the next set; unbinding is not needed because
     * every step binds new tensors before inferring */
    grt_tensor_destroy(t_ids);
    grt_tensor_destroy(t_pos);
    return st;
}

typedef struct gen_state {
    grt_stop_matcher stop;
    grt_detokenizer *detok;
    char *text;
    size_t text_len, text_cap;
    int32_t *ids;
    size_t n_ids, ids_cap;
} gen_state;

static grt_status text_append(gen_state *g, const char *t, size_t n) {
    if (g->text_len + n + 1 > g->text_cap) {
        size_t cap = g->text_cap ? g->text_cap : 256;
        while (cap < g->text_len + n + 1)
            cap *= 2;
        char *p = realloc(g->text, cap);
        if (!p) return grt_gen_error(GRT_ERROR_OUT_OF_MEMORY, "generate: out of memory");
        g->text = p;
        g->text_cap = cap;
    }
    if (n) memcpy(g->text + g->text_len, t, n);
    g->text_len += n;
    g->text[g->text_len] = '\0';
    return GRT_OK;
}

/* Feeds text through the stop matcher; *emit and *emit_len receive what became final (pointer into
 * the result text), *stopped whether a stop string appeared. */
static grt_status pass_text(gen_state *g, const char *t, size_t n, const char **emit,
                            size_t *emit_len, int *stopped) {
    size_t rel = 0;
    grt_status st = grt_stop_matcher_push(&g->stop, t, n, &rel, stopped);
    if (st) return st;
    size_t start = g->text_len;
    if ((st = text_append(g, g->stop.pending, rel))) return st;
    grt_stop_matcher_consume(&g->stop, rel);
    *emit = g->text + start;
    *emit_len = rel;
    return GRT_OK;
}

static int is_stop_token(const grt_llm_session *s, const grt_generation_config *cfg, int32_t id) {
    if (cfg->stop_at_eos && s->tok && id == grt_tokenizer_eos(s->tok)) return 1;
    for (size_t i = 0; i < cfg->n_stop_tokens; i++)
        if (cfg->stop_tokens[i] == id) return 1;
    return 0;
}

static grt_status copy_out(gen_state *g, int with_text, grt_generation_result *res) {
    res->ids = g->n_ids ? malloc(g->n_ids * sizeof *res->ids) : NULL;
    if (g->n_ids && !res->ids) return grt_gen_error(GRT_ERROR_OUT_OF_MEMORY, "generate: OOM");
    if (g->n_ids) memcpy(res->ids, g->ids, g->n_ids * sizeof *res->ids);
    res->n_ids = g->n_ids;
    if (with_text) {
        grt_status st = text_append(g, "", 0); /* ensures a buffer */
        if (st) return st;
        res->text = g->text;
        res->text_len = g->text_len;
        g->text = NULL;
    }
    return GRT_OK;
}

grt_status grt_llm_session_generate(grt_llm_session *s, const int32_t *context, size_t n_context,
                                    const grt_generation_config *cfg_in, grt_stream_fn stream,
                                    void *user, grt_generation_result *res) {
    if (res) memset(res, 0, sizeof *res);
    if (!s || !context || !n_context || !res)
        return grt_gen_error(GRT_ERROR_INVALID_ARGUMENT,
                             "grt_llm_session_generate: NULL argument or empty context");
    grt_generation_config cfg;
    if (cfg_in)
        cfg = *cfg_in;
    else
        grt_generation_config_defaults(&cfg);
    if ((cfg.n_stop_tokens && !cfg.stop_tokens) || (cfg.n_stop_strings && !cfg.stop_strings))
        return grt_gen_error(GRT_ERROR_INVALID_ARGUMENT, "generate: NULL stop list with a count");
    double t0 = now_s(), t_first = 0;
    grt_status st = GRT_OK;
    grt_sampler *sampler = NULL;
    gen_state g;
    memset(&g, 0, sizeof g);
    grt_stop_matcher_init(&g.stop, cfg.stop_strings, cfg.n_stop_strings);
    int32_t *hist = NULL; /* context + generated tokens, for penalties */
    size_t n_hist = 0;
    if ((st = grt_sampler_create(&cfg.sampler, &sampler))) goto fail;
    if (s->tok && (st = grt_detokenizer_create(s->tok, 1, &g.detok))) goto fail;

    /* reuse the cached prefix; the last context token is always run to get logits */
    size_t common = 0;
    while (common < s->n_cache && common < n_context && s->cache[common] == context[common])
        common++;
    if (common == n_context) common--;
    if (common < s->n_cache) {
        if ((st = grt_llm_session_reset(s))) goto fail;
        common = 0;
    }
    if (cfg.context_length > 0 && n_context > (size_t)cfg.context_length) {
        st = grt_gen_error(GRT_ERROR_INVALID_ARGUMENT,
                           "generate: the prompt has %zu tokens, the context length is %lld",
                           n_context, (long long)cfg.context_length);
        goto fail;
    }
    size_t hist_cap = n_context + (cfg.max_new_tokens > 0 ? (size_t)cfg.max_new_tokens : 256) + 1;
    hist = malloc(hist_cap * sizeof *hist);
    if (!hist) {
        st = grt_gen_error(GRT_ERROR_OUT_OF_MEMORY, "generate: out of memory");
        goto fail;
    }
    memcpy(hist, context, n_context * sizeof *hist);
    n_hist = n_context;

    const float *logits = NULL;
    size_t vocab = 0;
    res->n_prompt_fed = n_context - common;
    if ((st = run_step(s, context + common, n_context - common, &logits, &vocab))) {
        char why[512];
        snprintf(why, sizeof why, "%s", grt_last_error());
        st = grt_gen_error(st, "generate: prefill of %zu tokens failed: %s", n_context - common,
                           why);
        goto fail;
    }
    int32_t stop = GRT_STOP_NONE;
    for (;;) {
        int32_t tok = 0;
        if ((st = grt_sampler_sample(sampler, logits, vocab, hist, n_hist, &tok))) goto fail;
        if (!t_first) t_first = now_s();
        if (is_stop_token(s, &cfg, tok)) {
            stop = GRT_STOP_TOKEN;
            break;
        }
        const char *piece = "";
        size_t piece_len = 0, emit_len = 0;
        const char *emit = "";
        int stopped = 0;
        if (g.detok) {
            if ((st = grt_detokenizer_push(g.detok, tok, &piece, &piece_len))) goto fail;
            if ((st = pass_text(&g, piece, piece_len, &emit, &emit_len, &stopped))) goto fail;
        }
        if (g.n_ids == g.ids_cap) {
            size_t cap = g.ids_cap ? g.ids_cap * 2 : 64;
            int32_t *p = realloc(g.ids, cap * sizeof *p);
            if (!p) {
                st = grt_gen_error(GRT_ERROR_OUT_OF_MEMORY, "generate: out of memory");
                goto fail;
            }
            g.ids = p;
            g.ids_cap = cap;
        }
        g.ids[g.n_ids++] = tok;
        if (n_hist == hist_cap) {
            int32_t *p = realloc(hist, 2 * hist_cap * sizeof *p);
            if (!p) {
                st = grt_gen_error(GRT_ERROR_OUT_OF_MEMORY, "generate: out of memory");
                goto fail;
            }
            hist = p;
            hist_cap *= 2;
        }
        hist[n_hist++] = tok;
        if (stream && stream(user, tok, emit, emit_len)) {
            stop = GRT_STOP_CANCELLED;
            break;
        }
        if (stopped) {
            stop = GRT_STOP_STRING;
            break;
        }
        if (cfg.max_new_tokens > 0 && g.n_ids >= (size_t)cfg.max_new_tokens) {
            stop = GRT_STOP_MAX_TOKENS;
            break;
        }
        if (cfg.context_length > 0 && s->n_cache + 1 > (size_t)cfg.context_length) {
            stop = GRT_STOP_CONTEXT;
            break;
        }
        if ((st = run_step(s, &tok, 1, &logits, &vocab))) {
            char why[512];
            snprintf(why, sizeof why, "%s", grt_last_error());
            st = grt_gen_error(st, "generate: decode step at position %zu failed: %s", s->n_cache,
                               why);
            goto fail;
        }
    }
    /* flush the text still held back (not after a stop string or a cancel) */
    if (g.detok && stop != GRT_STOP_STRING && stop != GRT_STOP_CANCELLED) {
        const char *rest = "", *emit = "";
        size_t rest_len = 0, emit_len = 0;
        int stopped = 0;
        if ((st = grt_detokenizer_flush(g.detok, &rest, &rest_len))) goto fail;
        if ((st = pass_text(&g, rest, rest_len, &emit, &emit_len, &stopped))) goto fail;
        if (stopped)
            stop = GRT_STOP_STRING;
        else if (g.stop.len) { /* a held-back prefix that never completed: it is text */
            if ((st = text_append(&g, g.stop.pending, g.stop.len))) goto fail;
            emit = g.text + g.text_len - g.stop.len - emit_len;
            emit_len += g.stop.len;
        }
        if (emit_len && stream) stream(user, -1, emit, emit_len);
    }
    res->stop_reason = stop;
    if ((st = copy_out(&g, g.detok != NULL, res))) goto fail;
    res->ttft_s = t_first - t0;
    res->decode_s = now_s() - t_first;
fail:
    if (st) grt_generation_result_clear(res);
    grt_sampler_destroy(sampler);
    grt_detokenizer_destroy(g.detok);
    grt_stop_matcher_free(&g.stop);
    free(g.text);
    free(g.ids);
    free(hist);
    return st;
}
