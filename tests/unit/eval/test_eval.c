/*
 * tests/unit/eval/test_eval.c - genrt/eval.h on stories260K through the public API: perplexity and
 * KLD statistics against plain reference computations from logits of separate infer requests,
 * KLD of a model against itself (0, top1 = 1) and against an int4 version (> 0), sampling
 * reproducibility, answer similarity (greedy answers, prefix, F1, ROUGE-L, log-probs) against
 * references, bad arguments. argv[1]: folder holding stories260K.bin. Exit 77 without it.
 */
#include <genrt/eval.h>
#include <genrt/genrt.h>

#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Logits of ids[n] run alone from position 0 in a new infer request: malloc'd n * *vocab. */
static float *ref_logits(grt_compiled_model *cm, const int32_t *ids, size_t n, size_t *vocab) {
    grt_infer_request *rq = NULL;
    grt_tensor *ti = NULL, *tp = NULL, *out = NULL;
    float *res = NULL;
    int64_t dims[2] = {1, (int64_t)n};
    if (grt_compiled_model_create_infer_request(cm, &rq) || grt_tensor_create(GRT_I64, 2, dims, &ti) ||
        grt_tensor_create(GRT_I64, 2, dims, &tp))
        goto done;
    for (size_t i = 0; i < n; i++) {
        ((int64_t *)grt_tensor_data(ti))[i] = ids[i];
        ((int64_t *)grt_tensor_data(tp))[i] = (int64_t)i;
    }
    if (grt_infer_request_set_tensor(rq, "input_ids", ti) || grt_infer_request_set_tensor(rq, "position_ids", tp) ||
        grt_infer_request_infer(rq) || grt_infer_request_get_tensor(rq, "logits", &out))
        goto done;
    *vocab = (size_t)grt_tensor_dims(out)[2];
    res = malloc(n * *vocab * sizeof *res);
    if (res) memcpy(res, grt_tensor_data(out), n * *vocab * sizeof *res);
done:
    grt_tensor_destroy(ti);
    grt_tensor_destroy(tp);
    grt_infer_request_destroy(rq);
    return res;
}

/* ln softmax(row)[t] */
static double ref_logprob(const float *row, size_t v, size_t t) {
    double s = 0.0;
    for (size_t i = 0; i < v; i++) s += exp((double)row[i]);
    return (double)row[t] - log(s);
}

/* Reference strided perplexity (the Hugging Face loop written out). */
static double ref_ppl(grt_compiled_model *cm, const int32_t *ids, size_t n, size_t ctx, size_t stride,
                      size_t *tokens, size_t *windows) {
    double nll = 0.0;
    size_t prev_end = 0;
    *tokens = *windows = 0;
    for (size_t begin = 0; begin < n; begin += stride) {
        size_t end = begin + ctx < n ? begin + ctx : n, trg = end - prev_end, v = 0;
        float *lg = ref_logits(cm, ids + begin, end - begin, &v);
        CHECK(lg != NULL);
        if (!lg) return NAN;
        for (size_t j = end - trg; j < end; j++) {
            if (j == begin) continue; /* a window's first token has no prediction in it */
            nll -= ref_logprob(lg + (j - 1 - begin) * v, v, (size_t)ids[j]);
            ++*tokens;
        }
        free(lg);
        ++*windows;
        prev_end = end;
        if (end == n) break;
    }
    return exp(nll / (double)*tokens);
}

static void test_perplexity(grt_compiled_model *cm) {
    int32_t ids[40];
    for (int i = 0; i < 40; i++) ids[i] = (int32_t)((i * 37 + 1) % 512);
    const size_t cases[][3] = {{40, 16, 6}, {40, 8, 8}, {40, 64, 32}, {23, 10, 1}, {2, 2, 1}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        size_t n = cases[c][0], ctx = cases[c][1], stride = cases[c][2], tok = 0, win = 0;
        grt_perplexity_result r;
        double want = ref_ppl(cm, ids, n, ctx, stride, &tok, &win);
        CHECK_OK(grt_eval_perplexity(cm, ids, n, ctx, stride, NULL, NULL, &r));
        CHECKF(fabs(r.ppl - want) <= 1e-4 * want, "n %zu ctx %zu stride %zu: ppl %.8g, reference %.8g", n, ctx,
               stride, r.ppl, want);
        CHECKF(r.n_tokens == tok && r.n_windows == win, "tokens %zu/%zu windows %zu/%zu", r.n_tokens, tok,
               r.n_windows, win);
        /* with overlap every token but the first is scored once; without, each window loses one */
        CHECK(r.n_tokens == (stride < ctx ? n - 1 : n - win));
    }
    grt_perplexity_result r;
    CHECK_ERR(grt_eval_perplexity(cm, ids, 1, 8, 4, NULL, NULL, &r), GRT_ERROR_INVALID_ARGUMENT, "2 tokens");
    CHECK_ERR(grt_eval_perplexity(cm, ids, 40, 8, 9, NULL, NULL, &r), GRT_ERROR_INVALID_ARGUMENT, "stride");
    CHECK_ERR(grt_eval_perplexity(cm, ids, 40, 8, 0, NULL, NULL, &r), GRT_ERROR_INVALID_ARGUMENT, "stride");
    CHECK_ERR(grt_eval_perplexity(cm, ids, 40, 1, 1, NULL, NULL, &r), GRT_ERROR_INVALID_ARGUMENT, "context");
    CHECK_ERR(grt_eval_perplexity(NULL, ids, 40, 8, 4, NULL, NULL, &r), GRT_ERROR_INVALID_ARGUMENT, NULL);
    int32_t bad[4] = {1, 2, 512, 3};
    CHECK_ERR(grt_eval_perplexity(cm, bad, 4, 4, 4, NULL, NULL, &r), GRT_ERROR_INVALID_ARGUMENT, "out of range");
}

/* Reference KLD statistics of one sequence. */
static void ref_kld(grt_compiled_model *m, grt_compiled_model *b, const int32_t *seq, size_t len, double *mean,
                    double *top1, double *rms) {
    size_t v = 0, vb = 0;
    float *lm = ref_logits(m, seq, len, &v), *lb = ref_logits(b, seq, len, &vb);
    double s = 0.0, agree = 0.0, dp2 = 0.0;
    CHECK(lm && lb && v == vb);
    for (size_t j = 0; lm && lb && j + 1 < len; j++) {
        const float *rm = lm + j * v, *rb = lb + j * v;
        size_t am = 0, ab = 0;
        for (size_t t = 0; t < v; t++) {
            double pb = exp(ref_logprob(rb, v, t));
            s += pb * (ref_logprob(rb, v, t) - ref_logprob(rm, v, t));
            if (rm[t] > rm[am]) am = t;
            if (rb[t] > rb[ab]) ab = t;
        }
        agree += am == ab;
        double dp = exp(ref_logprob(rm, v, (size_t)seq[j + 1])) - exp(ref_logprob(rb, v, (size_t)seq[j + 1]));
        dp2 += dp * dp;
    }
    *mean = s / (double)(len - 1);
    *top1 = agree / (double)(len - 1);
    *rms = sqrt(dp2 / (double)(len - 1));
    free(lm);
    free(lb);
}

static void test_kld(grt_compiled_model *base, grt_compiled_model *int4) {
    const size_t n_seqs = 3, len = 48;
    int32_t *ids = NULL, *again = NULL, *other = NULL;
    CHECK_OK(grt_eval_sample_sequences(base, 1, n_seqs, len, 7, NULL, NULL, &ids));
    CHECK_OK(grt_eval_sample_sequences(base, 1, n_seqs, len, 7, NULL, NULL, &again));
    CHECK_OK(grt_eval_sample_sequences(base, 1, n_seqs, len, 8, NULL, NULL, &other));
    if (!ids || !again || !other) goto done;
    CHECK(!memcmp(ids, again, n_seqs * len * sizeof *ids)); /* same seed, same sequences */
    CHECK(memcmp(ids, other, n_seqs * len * sizeof *ids) != 0);
    CHECK(ids[0] == 1 && ids[len] == 1);
    /* seed 8's first sequence is seed 7's second (sequence i uses seed + i) */
    CHECK(!memcmp(other, ids + len, len * sizeof *ids));

    grt_kld_result r;
    CHECK_OK(grt_eval_kld(base, base, ids, n_seqs, len, NULL, NULL, &r));
    CHECKF(r.kld_mean == 0.0 && r.kld_max == 0.0 && r.top1 == 1.0 && r.rms_dp == 0.0, "self: kld %g top1 %g rms %g",
           r.kld_mean, r.top1, r.rms_dp);
    CHECK(r.n_tokens == n_seqs * (len - 1));

    CHECK_OK(grt_eval_kld(int4, base, ids, n_seqs, len, NULL, NULL, &r));
    CHECKF(r.kld_mean > 1e-4 && r.kld_max >= r.kld_p99 && r.kld_p99 >= 0.0 && r.rms_dp > 0.0 && r.top1 <= 1.0,
           "int4: kld %g max %g p99 %g rms %g", r.kld_mean, r.kld_max, r.kld_p99, r.rms_dp);
    double s = 0.0, t1 = 0.0, dp2 = 0.0;
    for (size_t i = 0; i < n_seqs; i++) {
        double m, a, rms;
        ref_kld(int4, base, ids + i * len, len, &m, &a, &rms);
        s += m;
        t1 += a;
        dp2 += rms * rms;
    }
    s /= (double)n_seqs;
    t1 /= (double)n_seqs;
    dp2 = sqrt(dp2 / (double)n_seqs);
    CHECKF(fabs(r.kld_mean - s) <= 1e-6 * s, "kld %.10g, reference %.10g", r.kld_mean, s);
    CHECKF(fabs(r.top1 - t1) < 1e-12, "top1 %g, reference %g", r.top1, t1);
    CHECKF(fabs(r.rms_dp - dp2) <= 1e-6 * dp2, "rms_dp %.10g, reference %.10g", r.rms_dp, dp2);

    CHECK_ERR(grt_eval_kld(int4, base, ids, 0, len, NULL, NULL, &r), GRT_ERROR_INVALID_ARGUMENT, "sequence");
    CHECK_ERR(grt_eval_kld(int4, base, ids, 1, 1, NULL, NULL, &r), GRT_ERROR_INVALID_ARGUMENT, "sequence");
    int32_t *none = NULL;
    CHECK_ERR(grt_eval_sample_sequences(base, 1, 1, 1, 0, NULL, NULL, &none), GRT_ERROR_INVALID_ARGUMENT, NULL);
    CHECK(none == NULL);
done:
    grt_free(ids);
    grt_free(again);
    grt_free(other);
}

/* Greedy continuation of prompt[np] by n tokens, each from a full re-run (ref_logits): out[n]. */
static int ref_greedy(grt_compiled_model *cm, const int32_t *prompt, size_t np, size_t n, int32_t *out) {
    int32_t *seq = malloc((np + n) * sizeof *seq);
    if (!seq) return -1;
    memcpy(seq, prompt, np * sizeof *seq);
    for (size_t k = 0; k < n; k++) {
        size_t v = 0;
        float *lg = ref_logits(cm, seq, np + k, &v);
        if (!lg) {
            free(seq);
            return -1;
        }
        const float *row = lg + (np + k - 1) * v;
        size_t best = 0;
        for (size_t t = 1; t < v; t++)
            if (row[t] > row[best]) best = t;
        seq[np + k] = out[k] = (int32_t)best;
        free(lg);
    }
    free(seq);
    return 0;
}

/* Reference LCS with the full (na+1) x (nb+1) table. */
static size_t ref_lcs(const int32_t *a, size_t na, const int32_t *b, size_t nb) {
    size_t *t = calloc((na + 1) * (nb + 1), sizeof *t), r;
    if (!t) return (size_t)-1;
    for (size_t i = 1; i <= na; i++)
        for (size_t j = 1; j <= nb; j++) {
            size_t up = t[(i - 1) * (nb + 1) + j], left = t[i * (nb + 1) + j - 1];
            t[i * (nb + 1) + j] = a[i - 1] == b[j - 1] ? t[(i - 1) * (nb + 1) + j - 1] + 1 : (up > left ? up : left);
        }
    r = t[na * (nb + 1) + nb];
    free(t);
    return r;
}

static double ref_f1(double overlap, double na, double nb) {
    if (na == 0 && nb == 0) return 1.0;
    if (overlap == 0) return 0.0;
    return 2.0 * overlap / (na + nb); /* = 2PR/(P+R) */
}

/* Checks one prompt's answers and scores against references; adds the log-prob sums. */
static void check_similarity_prompt(grt_compiled_model *model, grt_compiled_model *base, const int32_t *prompt,
                                    size_t np, size_t max_new, const grt_similarity_prompt *p, double *sm, double *sb) {
    int32_t gm[64], gb[64];
    CHECK(max_new <= 64 && p->n_base == max_new && p->n_model == max_new);
    if (p->n_base != max_new || p->n_model != max_new || ref_greedy(model, prompt, np, max_new, gm) ||
        ref_greedy(base, prompt, np, max_new, gb))
        return;
    CHECK(!memcmp(gb, p->base_ids, max_new * sizeof *gb));
    CHECK(!memcmp(gm, p->model_ids, max_new * sizeof *gm));
    size_t k = 0, overlap = 0;
    while (k < max_new && gb[k] == gm[k]) k++;
    CHECKF(p->prefix == k && p->exact == (k == max_new), "prefix %zu exact %d, reference %zu", p->prefix, p->exact, k);
    int counts[512] = {0};
    for (size_t i = 0; i < max_new; i++)
        if (gb[i] >= 0 && gb[i] < 512) counts[gb[i]]++;
    for (size_t i = 0; i < max_new; i++)
        if (gm[i] >= 0 && gm[i] < 512 && counts[gm[i]] > 0) counts[gm[i]]--, overlap++;
    double f1 = ref_f1((double)overlap, (double)max_new, (double)max_new);
    double rl = ref_f1((double)ref_lcs(gm, max_new, gb, max_new), (double)max_new, (double)max_new);
    CHECKF(fabs(p->token_f1 - f1) < 1e-12 && fabs(p->rouge_l - rl) < 1e-12, "f1 %g rouge_l %g, reference %g %g",
           p->token_f1, p->rouge_l, f1, rl);
    int32_t seq[80];
    memcpy(seq, prompt, np * sizeof *seq);
    memcpy(seq + np, gb, max_new * sizeof *seq);
    size_t vm = 0, vb = 0;
    float *lm = ref_logits(model, seq, np + max_new, &vm), *lb = ref_logits(base, seq, np + max_new, &vb);
    double m = 0.0, b = 0.0;
    for (size_t t = 0; lm && lb && t < max_new; t++) {
        m += ref_logprob(lm + (np - 1 + t) * vm, vm, (size_t)gb[t]);
        b += ref_logprob(lb + (np - 1 + t) * vb, vb, (size_t)gb[t]);
    }
    CHECKF(fabs(p->lp_model - m / (double)max_new) < 1e-4 && fabs(p->lp_base - b / (double)max_new) < 1e-4,
           "lp_model %g lp_base %g, reference %g %g", p->lp_model, p->lp_base, m / (double)max_new,
           b / (double)max_new);
    *sm += m;
    *sb += b;
    free(lm);
    free(lb);
}

static void test_similarity(grt_compiled_model *base, grt_compiled_model *int4) {
    const size_t n = 4, np = 4, max_new = 12;
    int32_t *sampled = NULL, hand[2] = {1, 5};
    grt_similarity_result r;
    CHECK_OK(grt_eval_sample_sequences(base, 1, n - 1, np, 11, NULL, NULL, &sampled));
    if (!sampled) return;
    const int32_t *prompts[4] = {sampled, sampled + np, sampled + 2 * np, hand};
    size_t lens[4] = {np, np, np, 2};

    CHECK_OK(grt_eval_similarity(base, base, prompts, lens, n, max_new, -1, NULL, NULL, &r));
    CHECKF(r.n_prompts == n && r.exact_rate == 1.0 && r.token_f1 == 1.0 && r.rouge_l == 1.0 &&
               r.prefix_mean == (double)max_new && r.prefix_share == 1.0 && fabs(r.similarity - 1.0) < 1e-12 &&
               r.n_answer_tokens == n * max_new,
           "self: exact %g f1 %g rouge %g sim %g", r.exact_rate, r.token_f1, r.rouge_l, r.similarity);
    grt_similarity_result_clear(&r);

    CHECK_OK(grt_eval_similarity(int4, base, prompts, lens, n, max_new, -1, NULL, NULL, &r));
    double sm = 0.0, sb = 0.0, exact = 0.0, f1 = 0.0;
    for (size_t i = 0; i < r.n_prompts && r.n_prompts == n; i++) {
        check_similarity_prompt(int4, base, prompts[i], lens[i], max_new, &r.prompts[i], &sm, &sb);
        exact += r.prompts[i].exact;
        f1 += r.prompts[i].token_f1;
    }
    double tok = (double)(n * max_new);
    CHECKF(fabs(r.exact_rate - exact / n) < 1e-12 && fabs(r.token_f1 - f1 / n) < 1e-12, "exact %g f1 %g",
           r.exact_rate, r.token_f1);
    CHECKF(fabs(r.lp_model - sm / tok) < 1e-4 && fabs(r.lp_base - sb / tok) < 1e-4 &&
               fabs(r.similarity - exp(sm / tok - sb / tok)) < 1e-3 && r.similarity < 1.0,
           "lp_model %g lp_base %g sim %g", r.lp_model, r.lp_base, r.similarity);
    CHECK(r.exact_rate < 1.0); /* int4 group 4 changes some answers of stories260K */
    /* a stop token ends the answer before it */
    int32_t stop = r.n_prompts == n ? r.prompts[0].base_ids[2] : 0;
    grt_similarity_result_clear(&r);
    CHECK_OK(grt_eval_similarity(int4, base, prompts, lens, 1, max_new, stop, NULL, NULL, &r));
    CHECK(r.n_prompts == 1 && r.prompts[0].n_base <= 2);
    grt_similarity_result_clear(&r);
    grt_similarity_result_clear(NULL);

    size_t zero[1] = {0};
    CHECK_ERR(grt_eval_similarity(int4, base, prompts, lens, 0, max_new, -1, NULL, NULL, &r),
              GRT_ERROR_INVALID_ARGUMENT, "prompt");
    CHECK_ERR(grt_eval_similarity(int4, base, prompts, lens, 1, 0, -1, NULL, NULL, &r), GRT_ERROR_INVALID_ARGUMENT,
              "new token");
    CHECK_ERR(grt_eval_similarity(int4, base, prompts, zero, 1, max_new, -1, NULL, NULL, &r),
              GRT_ERROR_INVALID_ARGUMENT, "prompt 0 is empty");
    CHECK(r.prompts == NULL);
    grt_free(sampled);
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    char path[1024];
    snprintf(path, sizeof path, "%s/stories260K.bin", argv[1]);
    FILE *f = fopen(path, "rb");
    if (!f) {
        printf("skip: %s not found\n", path);
        return 77;
    }
    fclose(f);
    grt_core *core = NULL;
    grt_model *m = NULL, *m4 = NULL;
    grt_compiled_model *cm = NULL, *cm4 = NULL;
    grt_compress_config cfg;
    grt_compress_config_init(&cfg);
    cfg.mode = GRT_COMPRESS_INT4_SYM;
    cfg.group_size = 4;
    CHECK_OK(grt_core_create(NULL, &core));
    if (core && !test_core_has_device(core, "CPU")) {
        printf("skip: no CPU plugin\n");
        grt_core_destroy(core);
        return 77;
    }
    CHECK_OK(grt_model_read(core, path, &m));
    CHECK_OK(grt_model_read(core, path, &m4));
    if (m4) CHECK_OK(grt_model_compress_weights(m4, &cfg, NULL));
    if (m) CHECK_OK(grt_core_compile_model(core, m, "CPU", NULL, 0, &cm));
    if (m4) CHECK_OK(grt_core_compile_model(core, m4, "CPU", NULL, 0, &cm4));
    if (cm && cm4) {
        test_perplexity(cm);
        test_kld(cm, cm4);
        test_similarity(cm, cm4);
    }
    grt_compiled_model_destroy(cm);
    grt_compiled_model_destroy(cm4);
    grt_model_destroy(m);
    grt_model_destroy(m4);
    grt_core_destroy(core);
    return test_summary("eval");
}
