/*
 * tools/genai/src/eval.c - accuracy evaluation (genrt/eval.h): strided perplexity, KL-divergence
 * statistics between two models, sampling of evaluation sequences. Public API of genrt only.
 * Ownership: borrows the compiled models; creates and destroys its own infer requests and tensors.
 * Threading: reentrant (no global state besides the thread-local last error).
 */
#include <genrt/eval.h>
#include <genrt/generate.h>

#include "eval_util.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

grt_status grt_eval_run_sequence(grt_infer_request *rq, const int32_t *ids, size_t n, const float **logits,
                                 size_t *vocab) {
    grt_status st;
    grt_tensor *t_ids = NULL, *t_pos = NULL, *out = NULL;
    int64_t dims[2] = {1, (int64_t)n};
    for (size_t i = 0; i < n; i++)
        if (ids[i] < 0) return grt_gen_error(GRT_ERROR_INVALID_ARGUMENT, "eval: negative token id %d", (int)ids[i]);
    if ((st = grt_infer_request_reset_state(rq)) || (st = grt_tensor_create(GRT_I64, 2, dims, &t_ids)) ||
        (st = grt_tensor_create(GRT_I64, 2, dims, &t_pos)))
        goto fail;
    int64_t *pi = grt_tensor_data(t_ids), *pp = grt_tensor_data(t_pos);
    for (size_t i = 0; i < n; i++) {
        pi[i] = ids[i];
        pp[i] = (int64_t)i;
    }
    if ((st = grt_infer_request_set_tensor(rq, "input_ids", t_ids)) ||
        (st = grt_infer_request_set_tensor(rq, "position_ids", t_pos)) || (st = grt_infer_request_infer(rq)) ||
        (st = grt_infer_request_get_tensor(rq, "logits", &out)))
        goto fail;
    const int64_t *od = grt_tensor_dims(out);
    if (grt_tensor_element_type(out) != GRT_F32 || grt_tensor_rank(out) != 3 || od[0] != 1 ||
        od[1] != (int64_t)n || od[2] <= 0 || !grt_tensor_is_dense(out)) {
        st = grt_gen_error(GRT_ERROR_SHAPE, "eval: output 'logits' is not f32 [1, %zu, V]", n);
        goto fail;
    }
    *vocab = (size_t)od[2];
    *logits = grt_tensor_data(out);
    for (size_t i = 0; i < n; i++)
        if ((size_t)ids[i] >= *vocab) {
            st = grt_gen_error(GRT_ERROR_INVALID_ARGUMENT, "eval: token id %d at %zu is out of range for the vocabulary (%zu)",
                            (int)ids[i], i, *vocab);
            goto fail;
        }
fail:
    grt_tensor_destroy(t_ids);
    grt_tensor_destroy(t_pos);
    return st;
}

double grt_eval_log_norm(const float *row, size_t v) {
    double mx = row[0], s = 0.0;
    for (size_t i = 1; i < v; i++)
        if (row[i] > mx) mx = row[i];
    for (size_t i = 0; i < v; i++) s += exp((double)row[i] - mx);
    return mx + log(s);
}

size_t grt_eval_argmax(const float *row, size_t v) {
    size_t best = 0;
    for (size_t i = 1; i < v; i++)
        if (row[i] > row[best]) best = i;
    return best;
}

grt_status grt_eval_perplexity(grt_compiled_model *cm, const int32_t *ids, size_t n, size_t ctx, size_t stride,
                               grt_eval_progress_fn progress, void *user, grt_perplexity_result *out) {
    if (out) memset(out, 0, sizeof *out);
    if (!cm || !ids || !out) return grt_gen_error(GRT_ERROR_INVALID_ARGUMENT, "eval perplexity: NULL argument");
    if (n < 2) return grt_gen_error(GRT_ERROR_INVALID_ARGUMENT, "eval perplexity: need at least 2 tokens, got %zu", n);
    if (ctx < 2) return grt_gen_error(GRT_ERROR_INVALID_ARGUMENT, "eval perplexity: context %zu < 2", ctx);
    if (stride == 0 || stride > ctx)
        return grt_gen_error(GRT_ERROR_INVALID_ARGUMENT, "eval perplexity: stride %zu not in [1, context %zu]", stride, ctx);
    size_t total = 1;
    for (size_t b = 0; b + ctx < n; b += stride) total++;
    grt_infer_request *rq = NULL;
    grt_status st = grt_compiled_model_create_infer_request(cm, &rq);
    if (st) return st;
    double nll = 0.0;
    size_t scored = 0, windows = 0, prev_end = 0;
    for (size_t b = 0;; b += stride) {
        size_t end = b + ctx < n ? b + ctx : n;
        const float *logits;
        size_t v;
        if ((st = grt_eval_run_sequence(rq, ids + b, end - b, &logits, &v))) goto fail;
        size_t first = prev_end > b + 1 ? prev_end : b + 1; /* first position scored */
        for (size_t j = first; j < end; j++) {
            const float *row = logits + (j - 1 - b) * v;
            nll += grt_eval_log_norm(row, v) - (double)row[ids[j]];
            scored++;
        }
        prev_end = end;
        windows++;
        if (progress) progress(user, windows, total);
        if (end == n) break;
    }
    out->nll = nll;
    out->n_tokens = scored;
    out->n_windows = windows;
    out->ppl = exp(nll / (double)scored);
fail:
    grt_infer_request_destroy(rq);
    return st;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

grt_status grt_eval_kld(grt_compiled_model *model, grt_compiled_model *base, const int32_t *ids, size_t n_seqs,
                        size_t seq_len, grt_eval_progress_fn progress, void *user, grt_kld_result *out) {
    if (out) memset(out, 0, sizeof *out);
    if (!model || !base || !ids || !out) return grt_gen_error(GRT_ERROR_INVALID_ARGUMENT, "eval kld: NULL argument");
    if (n_seqs == 0 || seq_len < 2)
        return grt_gen_error(GRT_ERROR_INVALID_ARGUMENT, "eval kld: need >= 1 sequence of >= 2 tokens (got %zu of %zu)",
                          n_seqs, seq_len);
    grt_infer_request *rq_m = NULL, *rq_b = NULL;
    double *klds = NULL, *pm = NULL;
    size_t n_pos = n_seqs * (seq_len - 1), k = 0, agree = 0, pm_cap = 0;
    double sum_kld = 0.0, sum_dp2 = 0.0;
    grt_status st;
    if ((st = grt_compiled_model_create_infer_request(model, &rq_m)) ||
        (st = grt_compiled_model_create_infer_request(base, &rq_b)))
        goto fail;
    if (!(klds = malloc(n_pos * sizeof *klds))) {
        st = grt_gen_error(GRT_ERROR_OUT_OF_MEMORY, "eval kld: out of memory");
        goto fail;
    }
    for (size_t s = 0; s < n_seqs; s++) {
        const int32_t *seq = ids + s * seq_len;
        const float *lm, *lb;
        size_t vm, vb;
        if ((st = grt_eval_run_sequence(rq_m, seq, seq_len, &lm, &vm)) || (st = grt_eval_run_sequence(rq_b, seq, seq_len, &lb, &vb)))
            goto fail;
        if (vm != vb) {
            st = grt_gen_error(GRT_ERROR_INVALID_ARGUMENT, "eval kld: vocabulary sizes differ (model %zu, base %zu)", vm, vb);
            goto fail;
        }
        if (pm_cap < vm) {
            free(pm);
            if (!(pm = malloc(vm * sizeof *pm))) {
                st = grt_gen_error(GRT_ERROR_OUT_OF_MEMORY, "eval kld: out of memory");
                goto fail;
            }
            pm_cap = vm;
        }
        for (size_t j = 0; j + 1 < seq_len; j++) {
            const float *rm = lm + j * vm, *rb = lb + j * vm;
            double zm = grt_eval_log_norm(rm, vm), zb = grt_eval_log_norm(rb, vm), kl = 0.0;
            for (size_t t = 0; t < vm; t++) {
                double lpb = (double)rb[t] - zb, lpm = (double)rm[t] - zm;
                kl += exp(lpb) * (lpb - lpm);
            }
            if (kl < 0.0) kl = 0.0; /* rounding */
            klds[k++] = kl;
            sum_kld += kl;
            agree += grt_eval_argmax(rm, vm) == grt_eval_argmax(rb, vm);
            int32_t next = seq[j + 1];
            double dp = exp((double)rm[next] - zm) - exp((double)rb[next] - zb);
            sum_dp2 += dp * dp;
        }
        if (progress) progress(user, s + 1, n_seqs);
    }
    qsort(klds, n_pos, sizeof *klds, cmp_double);
    size_t rank = (size_t)ceil(0.99 * (double)n_pos); /* nearest rank, 1-based */
    out->kld_mean = sum_kld / (double)n_pos;
    out->kld_max = klds[n_pos - 1];
    out->kld_p99 = klds[(rank ? rank : 1) - 1];
    out->top1 = (double)agree / (double)n_pos;
    out->rms_dp = sqrt(sum_dp2 / (double)n_pos);
    out->n_tokens = n_pos;
fail:
    free(klds);
    free(pm);
    grt_infer_request_destroy(rq_m);
    grt_infer_request_destroy(rq_b);
    return st;
}

grt_status grt_eval_sample_sequences(grt_compiled_model *cm, int32_t first, size_t n_seqs, size_t seq_len,
                                     uint64_t seed, grt_eval_progress_fn progress, void *user, int32_t **ids) {
    if (ids) *ids = NULL;
    if (!cm || !ids) return grt_gen_error(GRT_ERROR_INVALID_ARGUMENT, "eval sample: NULL argument");
    if (n_seqs == 0 || seq_len < 2 || first < 0)
        return grt_gen_error(GRT_ERROR_INVALID_ARGUMENT,
                          "eval sample: need >= 1 sequence of >= 2 tokens and a first token >= 0");
    grt_llm_session *ss = NULL;
    grt_generation_result res;
    memset(&res, 0, sizeof res);
    int32_t *all = malloc(n_seqs * seq_len * sizeof *all);
    grt_status st = GRT_OK;
    if (!all) return grt_gen_error(GRT_ERROR_OUT_OF_MEMORY, "eval sample: out of memory");
    if ((st = grt_llm_session_create(cm, NULL, &ss))) goto fail;
    for (size_t s = 0; s < n_seqs; s++) {
        grt_generation_config cfg;
        grt_generation_config_defaults(&cfg);
        cfg.max_new_tokens = (int64_t)(seq_len - 1);
        cfg.stop_at_eos = 0;
        cfg.sampler.temperature = 1.0f;
        cfg.sampler.seed = seed + s;
        if ((st = grt_llm_session_reset(ss)) ||
            (st = grt_llm_session_generate(ss, &first, 1, &cfg, NULL, NULL, &res)))
            goto fail;
        if (res.n_ids != seq_len - 1) {
            st = grt_gen_error(GRT_ERROR_INVALID_ARGUMENT, "eval sample: generation stopped after %zu of %zu tokens",
                            res.n_ids, seq_len - 1);
            goto fail;
        }
        all[s * seq_len] = first;
        memcpy(all + s * seq_len + 1, res.ids, res.n_ids * sizeof *all);
        grt_generation_result_clear(&res);
        if (progress) progress(user, s + 1, n_seqs);
    }
    *ids = all;
    all = NULL;
fail:
    grt_generation_result_clear(&res);
    grt_llm_session_destroy(ss);
    free(all);
    return st;
}
