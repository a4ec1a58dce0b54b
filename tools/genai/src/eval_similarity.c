/*
 * tools/genai/src/eval_similarity.c - grt_eval_similarity (genrt/eval.h): greedy answers of a
 * model and its base to the same prompts, compared by exact match, common prefix, token F1,
 * ROUGE-L and the log-probability each model gives the base's answer. Public API of genrt only.
 * Ownership: borrows the compiled models and prompts; the result owns the answers it returns.
 * Threading: reentrant (creates its own sessions and infer requests).
 */
#include <genrt/eval.h>
#include <genrt/generate.h>

#include "eval_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Greedy answer of at most max_new tokens after prompt[n] (session reset first). *ids is malloc'd. */
static grt_status answer(grt_llm_session *ss, const int32_t *prompt, size_t n, size_t max_new, int32_t stop,
                         int32_t **ids, size_t *n_ids) {
    grt_generation_config cfg;
    grt_generation_result res;
    memset(&res, 0, sizeof res);
    grt_generation_config_defaults(&cfg);
    cfg.max_new_tokens = (int64_t)max_new;
    cfg.stop_at_eos = 0;
    cfg.stop_tokens = stop >= 0 ? &stop : NULL;
    cfg.n_stop_tokens = stop >= 0;
    cfg.sampler.temperature = 0.0f;
    grt_status st = grt_llm_session_reset(ss);
    if (!st) st = grt_llm_session_generate(ss, prompt, n, &cfg, NULL, NULL, &res);
    if (st) return st;
    *n_ids = res.n_ids;
    *ids = malloc((res.n_ids ? res.n_ids : 1) * sizeof **ids);
    if (!*ids) st = grt_gen_error(GRT_ERROR_OUT_OF_MEMORY, "eval similarity: out of memory");
    else memcpy(*ids, res.ids, res.n_ids * sizeof **ids);
    grt_generation_result_clear(&res);
    return st;
}

/* F1 from an overlap count and the two lengths; 1 when both are empty. */
static double f1(size_t overlap, size_t na, size_t nb) {
    if (na == 0 && nb == 0) return 1.0;
    if (overlap == 0) return 0.0;
    double p = (double)overlap / (double)na, r = (double)overlap / (double)nb;
    return 2.0 * p * r / (p + r);
}

/* Size of the multiset intersection of a[na] and b[nb] (ids compared by value). */
static size_t bag_overlap(const int32_t *a, size_t na, const int32_t *b, size_t nb, unsigned char *used) {
    size_t common = 0;
    memset(used, 0, nb);
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++)
            if (!used[j] && b[j] == a[i]) {
                used[j] = 1;
                common++;
                break;
            }
    return common;
}

/* Length of the longest common subsequence of a[na] and b[nb]; row[nb + 1] is scratch. */
static size_t lcs(const int32_t *a, size_t na, const int32_t *b, size_t nb, size_t *row) {
    memset(row, 0, (nb + 1) * sizeof *row);
    for (size_t i = 0; i < na; i++) {
        size_t diag = 0; /* row[j] of the previous i */
        for (size_t j = 1; j <= nb; j++) {
            size_t up = row[j];
            row[j] = a[i] == b[j - 1] ? diag + 1 : (row[j - 1] > up ? row[j - 1] : up);
            diag = up;
        }
    }
    return row[nb];
}

/* Sum over t < n_ans of ln p(ans[t] | prompt, ans[0..t)) under the model of rq; *vocab set. */
static grt_status answer_logprob(grt_infer_request *rq, const int32_t *seq, size_t n_prompt, size_t n_ans,
                                 double *sum, size_t *vocab) {
    const float *logits;
    grt_status st = grt_eval_run_sequence(rq, seq, n_prompt + n_ans - 1, &logits, vocab);
    if (st) return st;
    *sum = 0.0;
    for (size_t t = 0; t < n_ans; t++) {
        const float *row = logits + (n_prompt - 1 + t) * *vocab;
        *sum += (double)row[seq[n_prompt + t]] - grt_eval_log_norm(row, *vocab);
    }
    return GRT_OK;
}

/* Fills the comparison fields of p (answers set) and adds the log-probabilities to the sums. */
static grt_status compare(grt_infer_request *rq_m, grt_infer_request *rq_b, const int32_t *prompt, size_t n_prompt,
                          grt_similarity_prompt *p, double *sum_m, double *sum_b) {
    size_t nb = p->n_base, nm = p->n_model, k = 0;
    grt_status st = GRT_OK;
    while (k < nb && k < nm && p->base_ids[k] == p->model_ids[k]) k++;
    p->prefix = k;
    p->exact = k == nb && k == nm;
    size_t *row = malloc((nb + 1) * sizeof *row);
    unsigned char *used = malloc(nb + 1);
    int32_t *seq = malloc((n_prompt + nb) * sizeof *seq);
    if (!row || !used || !seq) {
        st = grt_gen_error(GRT_ERROR_OUT_OF_MEMORY, "eval similarity: out of memory");
        goto done;
    }
    p->token_f1 = f1(bag_overlap(p->model_ids, nm, p->base_ids, nb, used), nm, nb);
    p->rouge_l = f1(lcs(p->model_ids, nm, p->base_ids, nb, row), nm, nb);
    if (nb) {
        double lm, lb;
        size_t vm, vb;
        memcpy(seq, prompt, n_prompt * sizeof *seq);
        memcpy(seq + n_prompt, p->base_ids, nb * sizeof *seq);
        if ((st = answer_logprob(rq_m, seq, n_prompt, nb, &lm, &vm)) ||
            (st = answer_logprob(rq_b, seq, n_prompt, nb, &lb, &vb)))
            goto done;
        if (vm != vb) {
            st = grt_gen_error(GRT_ERROR_INVALID_ARGUMENT, "eval similarity: vocabulary sizes differ (model %zu, base %zu)",
                                vm, vb);
            goto done;
        }
        p->lp_model = lm / (double)nb;
        p->lp_base = lb / (double)nb;
        *sum_m += lm;
        *sum_b += lb;
    }
done:
    free(row);
    free(used);
    free(seq);
    return st;
}

grt_status grt_eval_similarity(grt_compiled_model *model, grt_compiled_model *base, const int32_t *const *prompts,
                               const size_t *prompt_lens, size_t n_prompts, size_t max_new_tokens, int32_t stop_token,
                               grt_eval_progress_fn progress, void *user, grt_similarity_result *out) {
    if (out) memset(out, 0, sizeof *out);
    if (!model || !base || !prompts || !prompt_lens || !out)
        return grt_gen_error(GRT_ERROR_INVALID_ARGUMENT, "eval similarity: NULL argument");
    if (n_prompts == 0 || max_new_tokens == 0)
        return grt_gen_error(GRT_ERROR_INVALID_ARGUMENT, "eval similarity: need >= 1 prompt and >= 1 new token");
    for (size_t i = 0; i < n_prompts; i++)
        if (!prompts[i] || prompt_lens[i] == 0)
            return grt_gen_error(GRT_ERROR_INVALID_ARGUMENT, "eval similarity: prompt %zu is empty", i);
    grt_llm_session *ss_m = NULL, *ss_b = NULL;
    grt_infer_request *rq_m = NULL, *rq_b = NULL;
    grt_similarity_result r;
    memset(&r, 0, sizeof r);
    double sum_m = 0.0, sum_b = 0.0;
    grt_status st;
    if ((st = grt_llm_session_create(model, NULL, &ss_m)) || (st = grt_llm_session_create(base, NULL, &ss_b)) ||
        (st = grt_compiled_model_create_infer_request(model, &rq_m)) ||
        (st = grt_compiled_model_create_infer_request(base, &rq_b)))
        goto fail;
    if (!(r.prompts = calloc(n_prompts, sizeof *r.prompts))) {
        st = grt_gen_error(GRT_ERROR_OUT_OF_MEMORY, "eval similarity: out of memory");
        goto fail;
    }
    r.n_prompts = n_prompts;
    for (size_t i = 0; i < n_prompts; i++) {
        grt_similarity_prompt *p = &r.prompts[i];
        if ((st = answer(ss_b, prompts[i], prompt_lens[i], max_new_tokens, stop_token, &p->base_ids, &p->n_base)) ||
            (st = answer(ss_m, prompts[i], prompt_lens[i], max_new_tokens, stop_token, &p->model_ids, &p->n_model)) ||
            (st = compare(rq_m, rq_b, prompts[i], prompt_lens[i], p, &sum_m, &sum_b)))
            goto fail;
        size_t longest = p->n_base > p->n_model ? p->n_base : p->n_model;
        r.exact_rate += p->exact;
        r.prefix_mean += (double)p->prefix;
        r.prefix_share += longest ? (double)p->prefix / (double)longest : 1.0;
        r.token_f1 += p->token_f1;
        r.rouge_l += p->rouge_l;
        r.n_answer_tokens += p->n_base;
        if (progress) progress(user, i + 1, n_prompts);
    }
    double n = (double)n_prompts;
    r.exact_rate /= n;
    r.prefix_mean /= n;
    r.prefix_share /= n;
    r.token_f1 /= n;
    r.rouge_l /= n;
    if (r.n_answer_tokens) {
        r.lp_model = sum_m / (double)r.n_answer_tokens;
        r.lp_base = sum_b / (double)r.n_answer_tokens;
    }
    r.similarity = exp(r.lp_model - r.lp_base);
    *out = r;
    memset(&r, 0, sizeof r);
fail:
    grt_similarity_result_clear(&r);
    grt_infer_request_destroy(rq_m);
    grt_infer_request_destroy(rq_b);
    grt_llm_session_destroy(ss_m);
    grt_llm_session_destroy(ss_b);
    return st;
}

void grt_similarity_result_clear(grt_similarity_result *r) {
    if (!r) return;
    for (size_t i = 0; r->prompts && i < r->n_prompts; i++) {
        free(r->prompts[i].base_ids);
        free(r->prompts[i].model_ids);
    }
    free(r->prompts);
    memset(r, 0, sizeof *r);
}
