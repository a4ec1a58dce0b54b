/*
 * tests/unit/genai/test_sampling.c - samplers against hand-computed distributions: greedy (ties,
 * masked tokens), temperature, top-k, top-p (exactly the nucleus), min-p, repetition/presence/
 * frequency penalties with a window, seeded multinomial frequencies over 10^5 draws,
 * reproducibility of seeds, and argument errors.
 */
#include "test_util.h"

#include <genrt/generate.h>

#include <math.h>
#include <stdlib.h>

#define V 4

static grt_sampler *make(float temp, int top_k, float top_p, float min_p, uint64_t seed) {
    grt_sampler_config c;
    grt_sampler_config_defaults(&c);
    c.temperature = temp;
    c.top_k = top_k;
    c.top_p = top_p;
    c.min_p = min_p;
    c.seed = seed;
    grt_sampler *s = NULL;
    CHECK_OK(grt_sampler_create(&c, &s));
    return s;
}

/* Compares the sampler's distribution for logits with want[V]. */
static void check_probs(grt_sampler *s, const float *logits, const int32_t *hist, size_t n_hist,
                        const double *want, const char *what) {
    float p[V];
    CHECK_OK(grt_sampler_probs(s, logits, V, hist, n_hist, p));
    for (int i = 0; i < V; i++)
        CHECKF(fabs(p[i] - want[i]) < 1e-6, "%s: p[%d] = %.7f, want %.7f", what, i, (double)p[i],
               want[i]);
}

int main(void) {
    /* logits = log(p) so that softmax gives p back exactly */
    const double p[V] = {0.1, 0.2, 0.3, 0.4};
    float lg[V];
    for (int i = 0; i < V; i++)
        lg[i] = (float)log(p[i]);

    /* greedy: argmax, lowest id on ties, -inf and NaN never chosen */
    {
        grt_sampler *s = make(0.0f, 0, 1.0f, 0.0f, 1);
        int32_t t = -1;
        CHECK_OK(grt_sampler_sample(s, lg, V, NULL, 0, &t));
        CHECK(t == 3);
        const float ties[V] = {1.0f, 5.0f, 5.0f, -INFINITY};
        CHECK_OK(grt_sampler_sample(s, ties, V, NULL, 0, &t));
        CHECK(t == 1);
        const float masked[V] = {-INFINITY, NAN, 0.5f, -INFINITY};
        CHECK_OK(grt_sampler_sample(s, masked, V, NULL, 0, &t));
        CHECK(t == 2);
        const double onehot[V] = {0, 0, 0, 1};
        check_probs(s, lg, NULL, 0, onehot, "greedy");
        const float all_masked[V] = {-INFINITY, -INFINITY, NAN, -INFINITY};
        CHECK_ERR(grt_sampler_sample(s, all_masked, V, NULL, 0, &t), GRT_ERROR_INVALID_ARGUMENT,
                  "-inf");
        grt_sampler_destroy(s);
    }
    /* temperature 1 is the softmax itself; temperature 0.5 squares the probabilities */
    {
        grt_sampler *s = make(1.0f, 0, 1.0f, 0.0f, 1);
        check_probs(s, lg, NULL, 0, p, "temperature 1");
        grt_sampler_destroy(s);
        s = make(0.5f, 0, 1.0f, 0.0f, 1);
        const double sq[V] = {0.01 / 0.30, 0.04 / 0.30, 0.09 / 0.30, 0.16 / 0.30};
        check_probs(s, lg, NULL, 0, sq, "temperature 0.5");
        grt_sampler_destroy(s);
        s = make(2.0f, 0, 1.0f, 0.0f, 1); /* p^(1/2) normalized */
        double z = sqrt(0.1) + sqrt(0.2) + sqrt(0.3) + sqrt(0.4);
        const double rt[V] = {sqrt(0.1) / z, sqrt(0.2) / z, sqrt(0.3) / z, sqrt(0.4) / z};
        check_probs(s, lg, NULL, 0, rt, "temperature 2");
        grt_sampler_destroy(s);
    }
    /* top-k 2 keeps {0.3, 0.4}; top-k >= V keeps all */
    {
        grt_sampler *s = make(1.0f, 2, 1.0f, 0.0f, 1);
        const double want[V] = {0, 0, 0.3 / 0.7, 0.4 / 0.7};
        check_probs(s, lg, NULL, 0, want, "top-k 2");
        grt_sampler_destroy(s);
        s = make(1.0f, 10, 1.0f, 0.0f, 1);
        check_probs(s, lg, NULL, 0, p, "top-k 10");
        grt_sampler_destroy(s);
    }
    /* top-p: the nucleus is the smallest set of most likely tokens whose mass reaches p */
    {
        grt_sampler *s = make(1.0f, 0, 0.5f, 0.0f, 1); /* 0.4 < 0.5 <= 0.4 + 0.3 */
        const double w1[V] = {0, 0, 0.3 / 0.7, 0.4 / 0.7};
        check_probs(s, lg, NULL, 0, w1, "top-p 0.5");
        grt_sampler_destroy(s);
        s = make(1.0f, 0, 0.35f, 0.0f, 1); /* the top token alone */
        const double w2[V] = {0, 0, 0, 1};
        check_probs(s, lg, NULL, 0, w2, "top-p 0.35");
        grt_sampler_destroy(s);
        s = make(1.0f, 0, 0.75f, 0.0f, 1); /* 0.7 < 0.75 <= 0.9 */
        const double w3[V] = {0, 0.2 / 0.9, 0.3 / 0.9, 0.4 / 0.9};
        check_probs(s, lg, NULL, 0, w3, "top-p 0.75");
        grt_sampler_destroy(s);
        s = make(1.0f, 3, 0.6f, 0.0f, 1); /* top-k 3 renormalizes to {2,3,4}/9; 4/9 < 0.6 */
        check_probs(s, lg, NULL, 0, w1, "top-k 3 + top-p 0.6");
        grt_sampler_destroy(s);
    }
    /* min-p: keep p >= min_p * p_max (0.6 * 0.4 = 0.24 keeps 0.3 and 0.4) */
    {
        grt_sampler *s = make(1.0f, 0, 1.0f, 0.6f, 1);
        const double want[V] = {0, 0, 0.3 / 0.7, 0.4 / 0.7};
        check_probs(s, lg, NULL, 0, want, "min-p 0.6");
        grt_sampler_destroy(s);
        s = make(1.0f, 0, 1.0f, 0.4f, 1); /* 0.16: drops only 0.1 */
        const double w2[V] = {0, 0.2 / 0.9, 0.3 / 0.9, 0.4 / 0.9};
        check_probs(s, lg, NULL, 0, w2, "min-p 0.4");
        grt_sampler_destroy(s);
    }
    /* penalties: logits {2, -1, 0.5, 3}, history {0, 1, 1}:
     * repetition 2: l0 = 2/2 = 1, l1 = -1*2 = -2; presence 0.5 and frequency 0.25 (counts 1, 2):
     * l0 = 1 - 0.5 - 0.25 = 0.25, l1 = -2 - 0.5 - 0.5 = -3. */
    {
        const float pl[V] = {2.0f, -1.0f, 0.5f, 3.0f};
        const int32_t hist[3] = {0, 1, 1};
        grt_sampler_config c;
        grt_sampler_config_defaults(&c);
        c.repetition_penalty = 2.0f;
        c.presence_penalty = 0.5f;
        c.frequency_penalty = 0.25f;
        grt_sampler *s = NULL;
        CHECK_OK(grt_sampler_create(&c, &s));
        double e[V] = {exp(0.25), exp(-3.0), exp(0.5), exp(3.0)}, z = e[0] + e[1] + e[2] + e[3];
        double want[V];
        for (int i = 0; i < V; i++)
            want[i] = e[i] / z;
        check_probs(s, pl, hist, 3, want, "penalties");
        /* history ids out of range are ignored */
        const int32_t bad_hist[5] = {0, 1, 1, 77, -3};
        check_probs(s, pl, bad_hist, 5, want, "penalties, out-of-range history");
        grt_sampler_destroy(s);
        /* window of the last 2 tokens {1, 1}: only token 1 is penalized */
        c.penalty_last_n = 2;
        CHECK_OK(grt_sampler_create(&c, &s));
        double e2[V] = {exp(2.0), exp(-3.0), exp(0.5), exp(3.0)};
        z = e2[0] + e2[1] + e2[2] + e2[3];
        for (int i = 0; i < V; i++)
            want[i] = e2[i] / z;
        check_probs(s, pl, hist, 3, want, "penalty window");
        grt_sampler_destroy(s);
        /* greedy with a repetition penalty moves away from the repeated argmax */
        grt_sampler_config_defaults(&c);
        c.temperature = 0;
        c.repetition_penalty = 4.0f; /* 3 -> 0.75 < 2 */
        CHECK_OK(grt_sampler_create(&c, &s));
        const int32_t h3[1] = {3};
        int32_t t = -1;
        CHECK_OK(grt_sampler_sample(s, pl, V, h3, 1, &t));
        CHECK(t == 0);
        grt_sampler_destroy(s);
    }
    /* seeded multinomial: frequencies over 10^5 draws within 5 standard deviations */
    {
        const int n = 100000;
        grt_sampler *s = make(1.0f, 0, 1.0f, 0.0f, 1234);
        int counts[V] = {0};
        int32_t first[32];
        for (int i = 0; i < n; i++) {
            int32_t t = -1;
            CHECK_OK(grt_sampler_sample(s, lg, V, NULL, 0, &t));
            if (t < 0 || t >= V) {
                CHECK(0);
                break;
            }
            if (i < 32) first[i] = t;
            counts[t]++;
        }
        for (int i = 0; i < V; i++) {
            double f = (double)counts[i] / n, sd = sqrt(p[i] * (1 - p[i]) / n);
            CHECKF(fabs(f - p[i]) < 5 * sd, "token %d frequency %.4f, want %.4f +- %.4f", i, f,
                   p[i], 5 * sd);
        }
        /* the same seed replays the same draws; reseed restarts; another seed differs */
        grt_sampler *s2 = make(1.0f, 0, 1.0f, 0.0f, 1234);
        grt_sampler *s3 = make(1.0f, 0, 1.0f, 0.0f, 4321);
        grt_sampler_reseed(s, 1234);
        int same = 1, same_reseed = 1, same_other = 1;
        for (int i = 0; i < 32; i++) {
            int32_t a = -1, b = -1, c = -1;
            CHECK_OK(grt_sampler_sample(s2, lg, V, NULL, 0, &a));
            CHECK_OK(grt_sampler_sample(s, lg, V, NULL, 0, &b));
            CHECK_OK(grt_sampler_sample(s3, lg, V, NULL, 0, &c));
            same &= a == first[i];
            same_reseed &= b == first[i];
            same_other &= c == first[i];
        }
        CHECK(same);
        CHECK(same_reseed);
        CHECK(!same_other);
        grt_sampler_destroy(s);
        grt_sampler_destroy(s2);
        grt_sampler_destroy(s3);
    }
    /* top-k 1 with sampling is deterministic */
    {
        grt_sampler *s = make(1.5f, 1, 1.0f, 0.0f, 99);
        for (int i = 0; i < 100; i++) {
            int32_t t = -1;
            CHECK_OK(grt_sampler_sample(s, lg, V, NULL, 0, &t));
            CHECK(t == 3);
        }
        grt_sampler_destroy(s);
    }
    /* a larger vocabulary: top-k selection agrees with a full sort */
    {
        enum { BIG = 5000, K = 37 };
        float *big = malloc(BIG * sizeof *big), *pr = malloc(BIG * sizeof *pr);
        uint32_t x = 12345;
        for (int i = 0; i < BIG; i++) {
            x = x * 1664525u + 1013904223u;
            big[i] = (float)(x >> 8) / (float)(1u << 24) * 10.0f;
        }
        grt_sampler *s = make(1.0f, K, 1.0f, 0.0f, 5);
        CHECK_OK(grt_sampler_probs(s, big, BIG, NULL, 0, pr));
        /* reference: the K-th largest logit by counting */
        int kept = 0;
        double sum = 0;
        for (int i = 0; i < BIG; i++) {
            int greater = 0;
            for (int j = 0; j < BIG; j++)
                greater += big[j] > big[i] || (big[j] == big[i] && j < i);
            int in = greater < K;
            kept += pr[i] > 0;
            sum += pr[i];
            CHECKF(in == (pr[i] > 0), "token %d kept=%d want %d", i, pr[i] > 0, in);
            if (in != (pr[i] > 0)) break;
        }
        CHECK(kept == K);
        CHECK(fabs(sum - 1.0) < 1e-5);
        grt_sampler_destroy(s);
        free(big);
        free(pr);
    }
    /* argument errors name the parameter */
    {
        grt_sampler_config c;
        grt_sampler_config_defaults(&c);
        grt_sampler *s = NULL;
        c.top_p = NAN;
        CHECK_ERR(grt_sampler_create(&c, &s), GRT_ERROR_INVALID_ARGUMENT, "top_p");
        CHECK(s == NULL);
        grt_sampler_config_defaults(&c);
        c.repetition_penalty = 0;
        CHECK_ERR(grt_sampler_create(&c, &s), GRT_ERROR_INVALID_ARGUMENT, "repetition_penalty");
        grt_sampler_config_defaults(&c);
        c.min_p = 2;
        CHECK_ERR(grt_sampler_create(&c, &s), GRT_ERROR_INVALID_ARGUMENT, "min_p");
        CHECK_OK(grt_sampler_create(NULL, &s)); /* defaults */
        int32_t t;
        CHECK_ERR(grt_sampler_sample(s, NULL, V, NULL, 0, &t), GRT_ERROR_INVALID_ARGUMENT, NULL);
        CHECK_ERR(grt_sampler_sample(s, lg, 0, NULL, 0, &t), GRT_ERROR_INVALID_ARGUMENT, NULL);
        grt_sampler_destroy(s);
        grt_sampler_destroy(NULL);
    }
    return test_summary("genai.sampling");
}
