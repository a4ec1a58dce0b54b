/*
 * tokenizer/tok_load_meta.c - a tokenizer from model metadata: GGUF's tokenizer.ggml.* keys
 * (model llama = SentencePiece, gpt2 = byte-level BPE with the pre-tokenizer of
 * tokenizer.ggml.pre, bert = WordPiece), or a Hugging Face tokenizer.json kept by the folder
 * frontend as "tokenizer.huggingface.json". Defaults follow llama.cpp's llama_vocab loader.
 * Single-threaded construction; the result is immutable.
 */
#include "tok_internal.h"

#include <stdlib.h>
#include <string.h>

static int meta(const grt_model *m, const char *key, grt_meta_value *v) {
    return grt_model_get_meta(m, key, v) == GRT_OK;
}

/* Integer key (bools are ints) into *out when present and of the right type. */
static grt_status meta_int(const grt_model *m, const char *key, int64_t *out) {
    grt_meta_value v;
    if (!meta(m, key, &v)) return GRT_OK;
    if (v.type != GRT_META_INT)
        return tok_errorf(GRT_ERROR_FORMAT, "tokenizer: metadata key '%s' is not an integer", key);
    *out = v.u.i;
    return GRT_OK;
}

static grt_status meta_id(const grt_model *m, const char *key, size_t n_vocab, int32_t *out) {
    int64_t v = *out;
    grt_status st = meta_int(m, key, &v);
    if (st != GRT_OK) return st;
    *out = (v >= 0 && (uint64_t)v < n_vocab) ? (int32_t)v : -1; /* llama.cpp ignores bad ids */
    return GRT_OK;
}

static grt_status load_ggml(const grt_model *m, const char *model_name, grt_tokenizer **out) {
    grt_status st = GRT_OK;
    grt_tokenizer *t = NULL;
    grt_meta_value toks, v;
    tok_model_kind kind;
    if (!strcmp(model_name, "llama")) kind = TOK_MODEL_SPM;
    else if (!strcmp(model_name, "gpt2")) kind = TOK_MODEL_BPE;
    else if (!strcmp(model_name, "bert")) kind = TOK_MODEL_WPM;
    else if (!strcmp(model_name, "no_vocab") || !strcmp(model_name, "none"))
        return tok_errorf(GRT_ERROR_NOT_FOUND, "tokenizer: the model has no vocabulary "
                          "(tokenizer.ggml.model = '%s')", model_name);
    else
        return tok_errorf(GRT_ERROR_NOT_SUPPORTED, "tokenizer: tokenizer type '%s' "
                          "(tokenizer.ggml.model) is not supported", model_name);
    if (!meta(m, "tokenizer.ggml.tokens", &toks) || toks.type != GRT_META_STRING_ARRAY ||
        toks.u.strs.count == 0 || toks.u.strs.count > INT32_MAX)
        return tok_errorf(GRT_ERROR_FORMAT, "tokenizer: tokenizer.ggml.tokens is missing or not a "
                          "non-empty string array");
    size_t n = toks.u.strs.count;
    t = tok_alloc(n);
    if (!t) goto oom;
    t->kind = kind;
    for (size_t i = 0; i < n; i++) {
        t->text[i] = tok_strndup(toks.u.strs.data[i], toks.u.strs.lens[i]);
        if (!t->text[i]) goto oom;
        t->len[i] = (uint32_t)toks.u.strs.lens[i];
        t->type[i] = TOK_TYPE_NORMAL;
    }
    if (meta(m, "tokenizer.ggml.scores", &v)) {
        if (v.type != GRT_META_FLOAT_ARRAY || v.u.floats.count != n) {
            st = tok_errorf(GRT_ERROR_FORMAT, "tokenizer: tokenizer.ggml.scores must be %zu floats", n);
            goto fail;
        }
        for (size_t i = 0; i < n; i++) t->scores[i] = (float)v.u.floats.data[i];
    }
    if (meta(m, "tokenizer.ggml.token_type", &v)) {
        if (v.type != GRT_META_INT_ARRAY || v.u.ints.count != n) {
            st = tok_errorf(GRT_ERROR_FORMAT, "tokenizer: tokenizer.ggml.token_type must be %zu "
                            "integers", n);
            goto fail;
        }
        for (size_t i = 0; i < n; i++) {
            int64_t ty = v.u.ints.data[i];
            t->type[i] = (ty >= 0 && ty <= TOK_TYPE_BYTE) ? (uint8_t)ty : TOK_TYPE_NORMAL;
        }
    }
    if (kind == TOK_MODEL_SPM) {
        t->bos = 1, t->eos = 2, t->unk = 0;
        t->add_bos = 1;
        t->byte_fallback = 1;
        t->space_to_meta = 1;
        int64_t asp = 1;
        if ((st = meta_int(m, "tokenizer.ggml.add_space_prefix", &asp)) != GRT_OK) goto fail;
        t->prepend = asp ? 1 : 0;
        t->strip_first_space = asp ? 1 : 0;
    } else if (kind == TOK_MODEL_BPE) {
        t->bos = 11, t->eos = 11;
        t->byte_level = 1;
        const char *pre = "default";
        if (meta(m, "tokenizer.ggml.pre", &v)) {
            if (v.type != GRT_META_STRING) {
                st = tok_errorf(GRT_ERROR_FORMAT, "tokenizer: tokenizer.ggml.pre is not a string");
                goto fail;
            }
            pre = v.u.str.data;
        }
        if ((st = tok_set_pre_preset(t, pre)) != GRT_OK) goto fail;
        if (!meta(m, "tokenizer.ggml.merges", &v) || v.type != GRT_META_STRING_ARRAY) {
            st = tok_errorf(GRT_ERROR_FORMAT, "tokenizer: tokenizer.ggml.merges is missing or not a "
                            "string array");
            goto fail;
        }
        if ((st = tok_set_merges(t, v.u.strs.data, v.u.strs.lens, v.u.strs.count)) != GRT_OK) goto fail;
    } else {
        t->unk = 100, t->sep = 102, t->pad = 0, t->cls = 101, t->mask = 103;
        t->add_bos = t->add_eos = 1;
        t->wpm_lowercase = t->wpm_strip_accents = t->wpm_chinese = 1;
        t->strip_first_space = 1;
        t->wpm_start_prefix = tok_strndup("\xE2\x96\x81", 3);
        t->wpm_cont_prefix = tok_strndup("", 0);
        if (!t->wpm_start_prefix || !t->wpm_cont_prefix) goto oom;
    }
    if ((st = meta_id(m, "tokenizer.ggml.bos_token_id", n, &t->bos)) != GRT_OK ||
        (st = meta_id(m, "tokenizer.ggml.eos_token_id", n, &t->eos)) != GRT_OK ||
        (st = meta_id(m, "tokenizer.ggml.unknown_token_id", n, &t->unk)) != GRT_OK ||
        (st = meta_id(m, "tokenizer.ggml.seperator_token_id", n, &t->sep)) != GRT_OK ||
        (st = meta_id(m, "tokenizer.ggml.padding_token_id", n, &t->pad)) != GRT_OK ||
        (st = meta_id(m, "tokenizer.ggml.cls_token_id", n, &t->cls)) != GRT_OK ||
        (st = meta_id(m, "tokenizer.ggml.mask_token_id", n, &t->mask)) != GRT_OK)
        goto fail;
    if (t->bos >= (int32_t)n) t->bos = -1;
    if (t->eos >= (int32_t)n) t->eos = -1;
    if (t->unk >= (int32_t)n) t->unk = -1;
    if (kind == TOK_MODEL_WPM) {
        if (t->cls >= (int32_t)n) t->cls = -1;
        if (t->sep >= (int32_t)n) t->sep = -1;
        if (t->bos < 0) t->bos = t->cls;
        if (t->eos < 0) t->eos = t->sep;
    }
    int64_t ab = t->add_bos, ae = t->add_eos;
    if ((st = meta_int(m, "tokenizer.ggml.add_bos_token", &ab)) != GRT_OK ||
        (st = meta_int(m, "tokenizer.ggml.add_eos_token", &ae)) != GRT_OK)
        goto fail;
    t->add_bos = ab != 0, t->add_eos = ae != 0;
    if (meta(m, "tokenizer.chat_template", &v) && v.type == GRT_META_STRING &&
        !(t->chat_template = tok_strndup(v.u.str.data, v.u.str.len)))
        goto oom;
    if ((st = tok_finish(t)) != GRT_OK) goto fail;
    *out = t;
    return GRT_OK;
oom:
    st = tok_errorf(GRT_ERROR_OUT_OF_MEMORY, "tokenizer: out of memory loading %zu tokens",
                    toks.u.strs.count);
fail:
    grt_tokenizer_destroy(t);
    return st;
}

grt_status tok_load_meta(const grt_model *model, grt_tokenizer **out) {
    grt_meta_value v, cfg;
    if (meta(model, "tokenizer.ggml.model", &v)) {
        if (v.type != GRT_META_STRING)
            return tok_errorf(GRT_ERROR_FORMAT, "tokenizer: tokenizer.ggml.model is not a string");
        return load_ggml(model, v.u.str.data, out);
    }
    if (meta(model, "tokenizer.huggingface.json", &v)) {
        if (v.type != GRT_META_STRING)
            return tok_errorf(GRT_ERROR_FORMAT, "tokenizer: tokenizer.huggingface.json is not a string");
        const char *c = NULL;
        size_t cl = 0;
        if (meta(model, "tokenizer.huggingface.config", &cfg) && cfg.type == GRT_META_STRING)
            c = cfg.u.str.data, cl = cfg.u.str.len;
        grt_status st = tok_load_json(v.u.str.data, v.u.str.len, c, cl, "tokenizer.huggingface.json", out);
        if (st == GRT_OK && !(*out)->chat_template && meta(model, "tokenizer.chat_template", &v) &&
            v.type == GRT_META_STRING) {
            (*out)->chat_template = tok_strndup(v.u.str.data, v.u.str.len);
            if (!(*out)->chat_template) {
                grt_tokenizer_destroy(*out);
                *out = NULL;
                return tok_errorf(GRT_ERROR_OUT_OF_MEMORY, "tokenizer: out of memory");
            }
        }
        return st;
    }
    return tok_errorf(GRT_ERROR_NOT_FOUND, "tokenizer: the model has no tokenizer (no "
                      "tokenizer.ggml.model or tokenizer.huggingface.json metadata)");
}
