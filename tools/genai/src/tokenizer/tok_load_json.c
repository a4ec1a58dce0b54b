/*
 * tokenizer/tok_load_json.c - a tokenizer from a Hugging Face tokenizer.json (+ optional
 * tokenizer_config.json), parsed with cJSON. Supported: models BPE (byte-level or with byte
 * fallback) and WordPiece; normalizers NFC/NFKC/NFD/NFKD, Lowercase, Prepend, Replace (string),
 * BertNormalizer, StripAccents, Sequence; pre-tokenizers ByteLevel, Split (regex/string,
 * isolated), Digits, Punctuation, Metaspace, Bert/Whitespace (WordPiece), Sequence; decoders
 * ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip, WordPiece; post-processors
 * TemplateProcessing, BertProcessing, RobertaProcessing. Anything else -> NOT_SUPPORTED naming
 * it; malformed JSON or values -> FORMAT naming the file and field. Single-threaded construction.
 */
#include "tok_internal.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VOCAB (1u << 24)

typedef struct ctx {
    const char *what;
    grt_tokenizer *t;
} ctx;

static const char *type_of(const cJSON *o) {
    const cJSON *ty = cJSON_GetObjectItemCaseSensitive(o, "type");
    return cJSON_IsString(ty) ? ty->valuestring : NULL;
}

static int get_bool(const cJSON *o, const char *key, int dflt) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (cJSON_IsBool(v)) return cJSON_IsTrue(v);
    return dflt;
}

static const char *get_str(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static grt_status unsupported(const ctx *c, const char *part, const char *name) {
    return tok_errorf(GRT_ERROR_NOT_SUPPORTED, "%s: %s '%s' is not supported", c->what, part,
                      name ? name : "(no type)");
}

/* Regex-quotes a literal string (\Q...\E cannot hold "\E"; escape per character instead). */
static char *quote_regex(const char *s) {
    size_t n = strlen(s);
    char *o = malloc(n * 2 + 1), *p = o;
    if (!o) return NULL;
    for (size_t i = 0; i < n; i++) {
        if (strchr("\\^$.|?*+()[]{}", s[i])) *p++ = '\\';
        *p++ = s[i];
    }
    *p = '\0';
    return o;
}

static grt_status normalizer(ctx *c, const cJSON *n) {
    grt_tokenizer *t = c->t;
    if (!n || cJSON_IsNull(n)) return GRT_OK;
    const char *ty = type_of(n);
    if (!ty) return tok_errorf(GRT_ERROR_FORMAT, "%s: normalizer without a type", c->what);
    if (!strcmp(ty, "Sequence")) {
        const cJSON *arr = cJSON_GetObjectItemCaseSensitive(n, "normalizers"), *it;
        if (!cJSON_IsArray(arr)) return tok_errorf(GRT_ERROR_FORMAT, "%s: Sequence normalizer without normalizers", c->what);
        cJSON_ArrayForEach(it, arr) {
            grt_status st = normalizer(c, it);
            if (st != GRT_OK) return st;
        }
        return GRT_OK;
    }
    if (t->kind == TOK_MODEL_WPM) { /* WordPiece runs the BERT normalizer itself */
        if (!strcmp(ty, "BertNormalizer")) {
            const cJSON *sa = cJSON_GetObjectItemCaseSensitive(n, "strip_accents");
            t->wpm_lowercase = get_bool(n, "lowercase", 1);
            t->wpm_strip_accents = cJSON_IsBool(sa) ? cJSON_IsTrue(sa) : t->wpm_lowercase;
            t->wpm_chinese = get_bool(n, "handle_chinese_chars", 1);
            return GRT_OK;
        }
        if (!strcmp(ty, "Lowercase")) return t->wpm_lowercase = 1, GRT_OK;
        if (!strcmp(ty, "StripAccents")) return t->wpm_strip_accents = 1, GRT_OK;
        if (!strcmp(ty, "NFD") || !strcmp(ty, "NFC")) return GRT_OK;
        return unsupported(c, "WordPiece normalizer", ty);
    }
    if (!strcmp(ty, "NFC")) return tok_add_norm(t, TOK_NORM_NFC, NULL, NULL);
    if (!strcmp(ty, "NFKC")) return tok_add_norm(t, TOK_NORM_NFKC, NULL, NULL);
    if (!strcmp(ty, "NFD")) return tok_add_norm(t, TOK_NORM_NFD, NULL, NULL);
    if (!strcmp(ty, "NFKD")) return tok_add_norm(t, TOK_NORM_NFKD, NULL, NULL);
    if (!strcmp(ty, "Lowercase")) return tok_add_norm(t, TOK_NORM_LOWERCASE, NULL, NULL);
    if (!strcmp(ty, "Prepend")) {
        const char *p = get_str(n, "prepend");
        if (!p) return tok_errorf(GRT_ERROR_FORMAT, "%s: Prepend normalizer without 'prepend'", c->what);
        return tok_add_norm(t, TOK_NORM_PREPEND, p, NULL);
    }
    if (!strcmp(ty, "Replace")) {
        const cJSON *pat = cJSON_GetObjectItemCaseSensitive(n, "pattern");
        const char *from = get_str(pat, "String"), *to = get_str(n, "content");
        if (!from || !to) return unsupported(c, "Replace normalizer pattern", "Regex");
        return tok_add_norm(t, TOK_NORM_REPLACE, from, to);
    }
    return unsupported(c, "normalizer", ty);
}

static grt_status pre_tokenizer(ctx *c, const cJSON *p) {
    grt_tokenizer *t = c->t;
    if (!p || cJSON_IsNull(p)) return GRT_OK;
    const char *ty = type_of(p);
    if (!ty) return tok_errorf(GRT_ERROR_FORMAT, "%s: pre_tokenizer without a type", c->what);
    if (!strcmp(ty, "Sequence")) {
        const cJSON *arr = cJSON_GetObjectItemCaseSensitive(p, "pretokenizers"), *it;
        if (!cJSON_IsArray(arr)) return tok_errorf(GRT_ERROR_FORMAT, "%s: Sequence pre_tokenizer without pretokenizers", c->what);
        cJSON_ArrayForEach(it, arr) {
            grt_status st = pre_tokenizer(c, it);
            if (st != GRT_OK) return st;
        }
        return GRT_OK;
    }
    if (t->kind == TOK_MODEL_WPM) {
        if (!strcmp(ty, "BertPreTokenizer") || !strcmp(ty, "Whitespace") ||
            !strcmp(ty, "WhitespaceSplit"))
            return GRT_OK;
        return unsupported(c, "WordPiece pre_tokenizer", ty);
    }
    if (!strcmp(ty, "ByteLevel")) {
        t->byte_level = 1;
        if (get_bool(p, "add_prefix_space", 0)) t->prepend = 1;
        if (get_bool(p, "use_regex", 1))
            return tok_add_regex(t, "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)");
        return GRT_OK;
    }
    if (!strcmp(ty, "Split")) {
        const cJSON *pat = cJSON_GetObjectItemCaseSensitive(p, "pattern");
        const char *rx = get_str(pat, "Regex"), *lit = get_str(pat, "String");
        const char *beh = get_str(p, "behavior");
        if (get_bool(p, "invert", 0) || !beh || strcmp(beh, "Isolated"))
            return unsupported(c, "Split behavior", beh ? beh : "inverted");
        if (rx) return tok_add_regex(t, rx);
        if (!lit) return tok_errorf(GRT_ERROR_FORMAT, "%s: Split without a pattern", c->what);
        char *q = quote_regex(lit);
        if (!q) return tok_errorf(GRT_ERROR_OUT_OF_MEMORY, "%s: out of memory", c->what);
        grt_status st = tok_add_regex(t, q);
        free(q);
        return st;
    }
    if (!strcmp(ty, "Digits"))
        return tok_add_regex(t, get_bool(p, "individual_digits", 0) ? "\\p{N}" : "\\p{N}+");
    if (!strcmp(ty, "Punctuation")) {
        const char *beh = get_str(p, "behavior");
        if (beh && !strcmp(beh, "Contiguous")) return tok_add_regex(t, "[\\p{P}!-/:-@\\[-`{-~]+");
        if (!beh || !strcmp(beh, "Isolated")) return tok_add_regex(t, "[\\p{P}!-/:-@\\[-`{-~]");
        return unsupported(c, "Punctuation behavior", beh);
    }
    if (!strcmp(ty, "Metaspace")) {
        const char *scheme = get_str(p, "prepend_scheme");
        t->space_to_meta = 1;
        if (scheme) t->prepend = !strcmp(scheme, "always") ? 1 : !strcmp(scheme, "first") ? 2 : 0;
        else t->prepend = get_bool(p, "add_prefix_space", 1) ? 1 : 0;
        if (get_bool(p, "split", 1))
            return tok_add_regex(t, "\\x{2581}[^\\x{2581}]*|[^\\x{2581}]+");
        return GRT_OK;
    }
    return unsupported(c, "pre_tokenizer", ty);
}

static void decoder(ctx *c, const cJSON *d) {
    grt_tokenizer *t = c->t;
    if (!d || cJSON_IsNull(d)) return;
    const char *ty = type_of(d);
    if (!ty) return;
    if (!strcmp(ty, "Sequence")) {
        const cJSON *arr = cJSON_GetObjectItemCaseSensitive(d, "decoders"), *it;
        cJSON_ArrayForEach(it, arr) decoder(c, it);
    } else if (!strcmp(ty, "Metaspace")) {
        const char *scheme = get_str(d, "prepend_scheme");
        t->space_to_meta = 1;
        t->strip_first_space = scheme ? strcmp(scheme, "never") != 0 : get_bool(d, "add_prefix_space", 1);
    } else if (!strcmp(ty, "Replace")) {
        const cJSON *pat = cJSON_GetObjectItemCaseSensitive(d, "pattern");
        const char *from = get_str(pat, "String");
        if (from && !strcmp(from, "\xE2\x96\x81")) t->space_to_meta = 1;
    } else if (!strcmp(ty, "Strip")) {
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(d, "start");
        if (cJSON_IsNumber(st) && st->valuedouble >= 1) t->strip_first_space = 1;
    }
}

static int32_t token_id(const grt_tokenizer *t, const cJSON *v) {
    const char *s = cJSON_IsString(v) ? v->valuestring : get_str(v, "content");
    return s ? tok_map_get(&t->vocab, s, strlen(s)) : -1;
}

static void post_processor(ctx *c, const cJSON *p) {
    grt_tokenizer *t = c->t;
    const char *ty = p ? type_of(p) : NULL;
    if (!ty) return;
    if (!strcmp(ty, "Sequence")) {
        const cJSON *arr = cJSON_GetObjectItemCaseSensitive(p, "processors"), *it;
        cJSON_ArrayForEach(it, arr) post_processor(c, it);
    } else if (!strcmp(ty, "TemplateProcessing")) {
        const cJSON *single = cJSON_GetObjectItemCaseSensitive(p, "single");
        int n = cJSON_GetArraySize(single);
        for (int k = 0; k < n; k += n - 1 > 0 ? n - 1 : 1) {
            const cJSON *sp = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(single, k), "SpecialToken");
            const char *id = get_str(sp, "id");
            int32_t tid = id ? tok_map_get(&t->vocab, id, strlen(id)) : -1;
            if (tid >= 0 && k == 0) t->bos = tid, t->add_bos = 1;
            else if (tid >= 0) t->eos = tid, t->add_eos = 1;
            if (n < 2) break;
        }
    } else if (!strcmp(ty, "BertProcessing") || !strcmp(ty, "RobertaProcessing")) {
        const cJSON *cls = cJSON_GetObjectItemCaseSensitive(p, "cls");
        const cJSON *sep = cJSON_GetObjectItemCaseSensitive(p, "sep");
        int32_t a = token_id(t, cJSON_GetArrayItem(cls, 0)), b = token_id(t, cJSON_GetArrayItem(sep, 0));
        if (a >= 0) t->cls = t->bos = a, t->add_bos = 1;
        if (b >= 0) t->sep = t->eos = b, t->add_eos = 1;
    }
}

/* Fills t->text from model.vocab and added_tokens (ids may be sparse). */
static grt_status load_vocab(ctx *c, const cJSON *vocab, const cJSON *added, grt_tokenizer **out) {
    size_t max_id = 0, any = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, vocab) {
        if (!cJSON_IsNumber(it) || it->valuedouble < 0 || it->valuedouble >= MAX_VOCAB ||
            !it->string)
            return tok_errorf(GRT_ERROR_FORMAT, "%s: model.vocab has a bad id for '%.60s'", c->what,
                              it->string ? it->string : "");
        if ((size_t)it->valuedouble >= max_id) max_id = (size_t)it->valuedouble;
        any = 1;
    }
    cJSON_ArrayForEach(it, added) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "id");
        if (!cJSON_IsNumber(id) || id->valuedouble < 0 || id->valuedouble >= MAX_VOCAB ||
            !get_str(it, "content"))
            return tok_errorf(GRT_ERROR_FORMAT, "%s: added_tokens entry without a valid id/content", c->what);
        if ((size_t)id->valuedouble >= max_id) max_id = (size_t)id->valuedouble;
        any = 1;
    }
    if (!any) return tok_errorf(GRT_ERROR_FORMAT, "%s: empty vocabulary", c->what);
    grt_tokenizer *t = tok_alloc(max_id + 1);
    if (!t) return tok_errorf(GRT_ERROR_OUT_OF_MEMORY, "%s: out of memory", c->what);
    for (size_t i = 0; i <= max_id; i++) t->type[i] = TOK_TYPE_UNUSED;
    cJSON_ArrayForEach(it, vocab) {
        size_t id = (size_t)it->valuedouble;
        free(t->text[id]);
        if (!(t->text[id] = tok_strndup(it->string, strlen(it->string)))) goto oom;
        t->len[id] = (uint32_t)strlen(it->string);
        t->type[id] = TOK_TYPE_NORMAL;
    }
    size_t n_added = (size_t)cJSON_GetArraySize(added);
    t->specials = calloc(n_added ? n_added : 1, sizeof *t->specials);
    if (!t->specials) goto oom;
    cJSON_ArrayForEach(it, added) {
        size_t id = (size_t)cJSON_GetObjectItemCaseSensitive(it, "id")->valuedouble;
        const char *s = get_str(it, "content");
        free(t->text[id]);
        if (!(t->text[id] = tok_strndup(s, strlen(s)))) goto oom;
        t->len[id] = (uint32_t)strlen(s);
        t->type[id] = get_bool(it, "special", 0) ? TOK_TYPE_CONTROL : TOK_TYPE_USER_DEFINED;
        tok_special *sp = &t->specials[t->n_specials++];
        sp->id = (int32_t)id;
        sp->lstrip = (uint8_t)get_bool(it, "lstrip", 0);
        sp->rstrip = (uint8_t)get_bool(it, "rstrip", 0);
    }
    for (size_t i = 0; i <= max_id; i++)
        if (!t->text[i] && !(t->text[i] = tok_strndup("", 0))) goto oom;
    *out = t;
    return GRT_OK;
oom:
    grt_tokenizer_destroy(t);
    return tok_errorf(GRT_ERROR_OUT_OF_MEMORY, "%s: out of memory", c->what);
}

static grt_status merges_of(ctx *c, const cJSON *merges) {
    size_t n = (size_t)cJSON_GetArraySize(merges), k = 0;
    char **m = calloc(n ? n : 1, sizeof *m);
    size_t *l = calloc(n ? n : 1, sizeof *l);
    grt_status st = GRT_OK;
    const cJSON *it;
    if (!m || !l) goto oom;
    cJSON_ArrayForEach(it, merges) {
        if (cJSON_IsString(it)) {
            m[k] = tok_strndup(it->valuestring, strlen(it->valuestring));
        } else if (cJSON_IsArray(it) && cJSON_GetArraySize(it) == 2 &&
                   cJSON_IsString(cJSON_GetArrayItem(it, 0)) && cJSON_IsString(cJSON_GetArrayItem(it, 1))) {
            const char *a = cJSON_GetArrayItem(it, 0)->valuestring, *b = cJSON_GetArrayItem(it, 1)->valuestring;
            size_t al = strlen(a), bl = strlen(b);
            if ((m[k] = malloc(al + bl + 2))) {
                memcpy(m[k], a, al);
                m[k][al] = ' ';
                memcpy(m[k] + al + 1, b, bl + 1);
            }
        } else {
            st = tok_errorf(GRT_ERROR_FORMAT, "%s: model.merges entry %zu is malformed", c->what, k);
            goto done;
        }
        if (!m[k]) goto oom;
        l[k] = strlen(m[k]);
        k++;
    }
    st = tok_set_merges(c->t, (const char *const *)m, l, k);
    goto done;
oom:
    st = tok_errorf(GRT_ERROR_OUT_OF_MEMORY, "%s: out of memory", c->what);
done:
    for (size_t i = 0; m && i < n; i++) free(m[i]);
    free(m);
    free(l);
    return st;
}

static void apply_config(grt_tokenizer *t, const cJSON *cfg) {
    const cJSON *v;
    int32_t id;
    if (!cfg) return;
    if ((id = token_id(t, cJSON_GetObjectItemCaseSensitive(cfg, "bos_token"))) >= 0) t->bos = id;
    if ((id = token_id(t, cJSON_GetObjectItemCaseSensitive(cfg, "eos_token"))) >= 0) t->eos = id;
    if ((id = token_id(t, cJSON_GetObjectItemCaseSensitive(cfg, "unk_token"))) >= 0) t->unk = id;
    if (cJSON_IsBool(v = cJSON_GetObjectItemCaseSensitive(cfg, "add_bos_token"))) t->add_bos = cJSON_IsTrue(v);
    if (cJSON_IsBool(v = cJSON_GetObjectItemCaseSensitive(cfg, "add_eos_token"))) t->add_eos = cJSON_IsTrue(v);
    v = cJSON_GetObjectItemCaseSensitive(cfg, "chat_template");
    const char *tmpl = cJSON_IsString(v) ? v->valuestring : NULL;
    if (cJSON_IsArray(v)) { /* [{name, template}]: "default", else the first */
        const cJSON *e;
        cJSON_ArrayForEach(e, v) {
            const char *nm = get_str(e, "name"), *tp = get_str(e, "template");
            if (tp && (!tmpl || (nm && !strcmp(nm, "default")))) tmpl = tp;
        }
    }
    if (tmpl) {
        free(t->chat_template);
        t->chat_template = tok_strndup(tmpl, strlen(tmpl));
    }
}

grt_status tok_load_json(const char *json, size_t len, const char *config_json, size_t config_len,
                         const char *what, grt_tokenizer **out) {
    grt_status st = GRT_OK;
    cJSON *root = cJSON_ParseWithLength(json, len), *cfg = NULL;
    ctx c = {what, NULL};
    if (!root || !cJSON_IsObject(root)) {
        st = tok_errorf(GRT_ERROR_FORMAT, "%s: not a JSON object (malformed JSON)", what);
        goto done;
    }
    if (config_json && !(cfg = cJSON_ParseWithLength(config_json, config_len))) {
        st = tok_errorf(GRT_ERROR_FORMAT, "%s: tokenizer_config.json is malformed JSON", what);
        goto done;
    }
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
    const char *mt = type_of(model);
    const cJSON *vocab = cJSON_GetObjectItemCaseSensitive(model, "vocab");
    if (!cJSON_IsObject(model) || !mt) {
        st = tok_errorf(GRT_ERROR_FORMAT, "%s: no \"model\" object with a type", what);
        goto done;
    }
    tok_model_kind kind;
    if (!strcmp(mt, "BPE")) kind = TOK_MODEL_BPE;
    else if (!strcmp(mt, "WordPiece")) kind = TOK_MODEL_WPM;
    else {
        st = unsupported(&c, "tokenizer model", mt);
        goto done;
    }
    if (!cJSON_IsObject(vocab)) {
        st = tok_errorf(GRT_ERROR_FORMAT, "%s: model.vocab is not an object", what);
        goto done;
    }
    const cJSON *added = cJSON_GetObjectItemCaseSensitive(root, "added_tokens");
    if (added && !cJSON_IsArray(added) && !cJSON_IsNull(added)) {
        st = tok_errorf(GRT_ERROR_FORMAT, "%s: added_tokens is not an array", what);
        goto done;
    }
    if ((st = load_vocab(&c, vocab, cJSON_IsArray(added) ? added : NULL, &c.t)) != GRT_OK) goto done;
    grt_tokenizer *t = c.t;
    t->kind = kind;
    if (kind == TOK_MODEL_WPM) {
        const char *pre = get_str(model, "continuing_subword_prefix");
        const cJSON *mx = cJSON_GetObjectItemCaseSensitive(model, "max_input_chars_per_word");
        t->wpm_start_prefix = tok_strndup("", 0);
        t->wpm_cont_prefix = tok_strndup(pre ? pre : "##", strlen(pre ? pre : "##"));
        t->wpm_max_chars = cJSON_IsNumber(mx) && mx->valuedouble > 0 ? (size_t)mx->valuedouble : 100;
        t->wpm_chinese = 1;
        t->strip_first_space = 1;
        if (!t->wpm_start_prefix || !t->wpm_cont_prefix) {
            st = tok_errorf(GRT_ERROR_OUT_OF_MEMORY, "%s: out of memory", what);
            goto done;
        }
    } else {
        const cJSON *merges = cJSON_GetObjectItemCaseSensitive(model, "merges");
        if (!cJSON_IsArray(merges)) {
            st = tok_errorf(GRT_ERROR_FORMAT, "%s: model.merges is not an array", what);
            goto done;
        }
        t->byte_fallback = get_bool(model, "byte_fallback", 0);
        t->ignore_merges = get_bool(model, "ignore_merges", 0);
        if ((st = merges_of(&c, merges)) != GRT_OK) goto done;
    }
    if ((st = tok_finish(t)) != GRT_OK) goto done; /* vocab map, byte ids, specials */
    for (size_t i = 0; i < 256 && t->byte_fallback; i++)
        if (t->byte_ids[i] >= 0 && t->type[t->byte_ids[i]] == TOK_TYPE_NORMAL)
            t->type[t->byte_ids[i]] = TOK_TYPE_BYTE;
    const char *unk = get_str(model, "unk_token");
    if (unk) t->unk = tok_map_get(&t->vocab, unk, strlen(unk));
    if ((st = normalizer(&c, cJSON_GetObjectItemCaseSensitive(root, "normalizer"))) != GRT_OK ||
        (st = pre_tokenizer(&c, cJSON_GetObjectItemCaseSensitive(root, "pre_tokenizer"))) != GRT_OK)
        goto done;
    decoder(&c, cJSON_GetObjectItemCaseSensitive(root, "decoder"));
    post_processor(&c, cJSON_GetObjectItemCaseSensitive(root, "post_processor"));
    if (kind == TOK_MODEL_WPM) {
        if (t->cls < 0) t->cls = tok_map_get(&t->vocab, "[CLS]", 5);
        if (t->sep < 0) t->sep = tok_map_get(&t->vocab, "[SEP]", 5);
        if (t->bos < 0) t->bos = t->cls;
        if (t->eos < 0) t->eos = t->sep;
    }
    apply_config(t, cfg);
    *out = t;
    c.t = NULL;
done:
    grt_tokenizer_destroy(c.t);
    cJSON_Delete(root);
    cJSON_Delete(cfg);
    return st;
}
