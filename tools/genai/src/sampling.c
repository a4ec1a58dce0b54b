/*
 * tools/genai/src/sampling.c - token samplers: penalties, greedy, temperature, top-k, top-p,
 * min-p and a seeded xoshiro256** generator (see genrt/generate.h for the order of operations).
 *
 * Ownership: a grt_sampler owns its scratch buffers, grown to the largest vocabulary seen.
 * Threading: one thread per sampler. Logits are never modified; a copy is filtered.
 */
#include "generate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct cand {
    float logit; /* penalized, temperature-scaled logit */
    int32_t id;
    double p; /* probability after softmax / filters */
} cand;

struct grt_sampler {
    grt_sampler_config cfg;
    uint64_t rng[4];  /* xoshiro256** state */
    float *work;      /* penalized logits [cap] */
    uint32_t *counts; /* occurrences in the penalty window [cap], kept all-zero between calls */
    cand *cands;      /* candidates [cap] */
    size_t cap;
};

void grt_sampler_config_defaults(grt_sampler_config *cfg) {
    if (!cfg) return;
    memset(cfg, 0, sizeof *cfg);
    cfg->temperature = 1.0f;
    cfg->top_k = 0;
    cfg->top_p = 1.0f;
    cfg->min_p = 0.0f;
    cfg->repetition_penalty = 1.0f;
    cfg->presence_penalty = 0.0f;
    cfg->frequency_penalty = 0.0f;
    cfg->penalty_last_n = 64;
    cfg->seed = 0;
}

/* splitmix64: expands the seed into the xoshiro state (never all zero). */
static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void grt_sampler_reseed(grt_sampler *s, uint64_t seed) {
    if (!s) return;
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        s->rng[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t next_u64(grt_sampler *s) {
    uint64_t *r = s->rng;
    uint64_t result = rotl(r[1] * 5, 7) * 9;
    uint64_t t = r[1] << 17;
    r[2] ^= r[0];
    r[3] ^= r[1];
    r[1] ^= r[2];
    r[0] ^= r[3];
    r[2] ^= t;
    r[3] = rotl(r[3], 45);
    return result;
}

/* Uniform in [0, 1) with 53 random bits. */
static double next_unit(grt_sampler *s) { return (double)(next_u64(s) >> 11) * 0x1.0p-53; }

static grt_status check_config(const grt_sampler_config *c) {
    if (isnan(c->temperature))
        return grt_gen_error(GRT_ERROR_INVALID_ARGUMENT, "sampler: temperature is NaN");
    if (isnan(c->top_p) || c->top_p < 0)
        return grt_gen_error(GRT_ERROR_INVALID_ARGUMENT, "sampler: top_p %g must be >= 0",
                             (double)c->top_p);
    if (isnan(c->min_p) || c->min_p < 0 || c->min_p > 1)
        return grt_gen_error(GRT_ERROR_INVALID_ARGUMENT, "sampler: min_p %g must be in [0, 1]",
                             (double)c->min_p);
    if (!isfinite(c->repetition_penalty) || c->repetition_penalty <= 0)
        return grt_gen_error(GRT_ERROR_INVALID_ARGUMENT,
                             "sampler: repetition_penalty %g must be > 0",
                             (double)c->repetition_penalty);
    if (!isfinite(c->presence_penalty) || !isfinite(c->frequency_penalty))
        return grt_gen_error(GRT_ERROR_INVALID_ARGUMENT,
                             "sampler: presence/frequency penalty must be finite");
    return GRT_OK;
}

grt_status grt_sampler_create(const grt_sampler_config *cfg, grt_sampler **out) {
    if (!out) return grt_gen_error(GRT_ERROR_INVALID_ARGUMENT, "grt_sampler_create: out is NULL");
    *out = NULL;
    grt_sampler_config def;
    if (!cfg) {
        grt_sampler_config_defaults(&def);
        cfg = &def;
    }
    grt_status st = check_config(cfg);
    if (st) return st;
    grt_sampler *s = calloc(1, sizeof *s);
    if (!s) return grt_gen_error(GRT_ERROR_OUT_OF_MEMORY, "grt_sampler_create: out of memory");
    s->cfg = *cfg;
    grt_sampler_reseed(s, cfg->seed);
    *out = s;
    return GRT_OK;
}

void grt_sampler_destroy(grt_sampler *s) {
    if (!s) return;
    free(s->work);
    free(s->counts);
    free(s->cands);
    free(s);
}

static grt_status reserve(grt_sampler *s, size_t vocab) {
    if (vocab <= s->cap) return GRT_OK;
    float *w = realloc(s->work, vocab * sizeof *w);
    if (w) s->work = w;
    cand *c = realloc(s->cands, vocab * sizeof *c);
    if (c) s->cands = c;
    uint32_t *n = calloc(vocab, sizeof *n);
    if (!w || !c || !n) {
        free(n);
        return grt_gen_error(GRT_ERROR_OUT_OF_MEMORY, "sampler: no memory for %zu logits", vocab);
    }
    free(s->counts);
    s->counts = n;
    s->cap = vocab;
    return GRT_OK;
}

/* Penalties over the last penalty_last_n history tokens; counts[] is left all-zero. */
static void apply_penalties(grt_sampler *s, size_t vocab, const int32_t *hist, size_t n_hist) {
    const grt_sampler_config *c = &s->cfg;
    if (c->repetition_penalty == 1.0f && c->presence_penalty == 0.0f &&
        c->frequency_penalty == 0.0f)
        return;
    size_t start = 0;
    if (c->penalty_last_n > 0 && n_hist > (size_t)c->penalty_last_n)
        start = n_hist - (size_t)c->penalty_last_n;
    for (size_t i = start; i < n_hist; i++)
        if (hist[i] >= 0 && (size_t)hist[i] < vocab) s->counts[hist[i]]++;
    for (size_t i = start; i < n_hist; i++) {
        if (hist[i] < 0 || (size_t)hist[i] >= vocab) continue;
        uint32_t cnt = s->counts[hist[i]];
        if (!cnt) continue; /* already handled */
        s->counts[hist[i]] = 0;
        float *l = &s->work[hist[i]];
        if (c->repetition_penalty != 1.0f)
            *l = *l > 0 ? *l / c->repetition_penalty : *l * c->repetition_penalty;
        *l -= c->presence_penalty + c->frequency_penalty * (float)cnt;
    }
}

/* Descending logit, then ascending id (a total order: results do not depend on qsort). */
static int cand_cmp(const void *a, const void *b) {
    const cand *x = a, *y = b;
    if (x->logit != y->logit) return x->logit > y->logit ? -1 : 1;
    return x->id < y->id ? -1 : (x->id > y->id);
}

/* Moves the k best of c[n] to the front, sorted (min-heap selection, O(n log k)). */
static void select_top_k(cand *c, size_t n, size_t k) {
    /* heap over c[0..k): the root is the worst of the current best k */
    for (size_t i = k / 2; i-- > 0;) {
        size_t j = i;
        for (;;) {
            size_t l = 2 * j + 1, m = j;
            if (l < k && cand_cmp(&c[l], &c[m]) > 0) m = l;
            if (l + 1 < k && cand_cmp(&c[l + 1], &c[m]) > 0) m = l + 1;
            if (m == j) break;
            cand t = c[j];
            c[j] = c[m];
            c[m] = t;
            j = m;
        }
    }
    for (size_t i = k; i < n; i++) {
        if (cand_cmp(&c[i], &c[0]) >= 0) continue; /* not better than the worst kept */
        cand t = c[0];
        c[0] = c[i];
        c[i] = t;
        size_t j = 0;
        for (;;) {
            size_t l = 2 * j + 1, m = j;
            if (l < k && cand_cmp(&c[l], &c[m]) > 0) m = l;
            if (l + 1 < k && cand_cmp(&c[l + 1], &c[m]) > 0) m = l + 1;
            if (m == j) break;
            t = c[j];
            c[j] = c[m];
            c[m] = t;
            j = m;
        }
    }
    qsort(c, k, sizeof *c, cand_cmp);
}

/* Runs every filter; s->cands[0..*n_out) receive the surviving tokens with normalized p. */
static grt_status distribution(grt_sampler *s, const float *logits, size_t vocab,
                               const int32_t *hist, size_t n_hist, size_t *n_out) {
    if (!logits || !vocab || (n_hist && !hist))
        return grt_gen_error(GRT_ERROR_INVALID_ARGUMENT, "sampler: NULL logits/history or vocab 0");
    grt_status st = reserve(s, vocab);
    if (st) return st;
    const grt_sampler_config *c = &s->cfg;
    memcpy(s->work, logits, vocab * sizeof *logits);
    apply_penalties(s, vocab, hist, n_hist);

    size_t n = 0;
    for (size_t i = 0; i < vocab; i++) {
        float l = s->work[i];
        if (isnan(l) || l == -INFINITY) continue; /* masked */
        s->cands[n].logit = l;
        s->cands[n].id = (int32_t)i;
        s->cands[n].p = 0;
        n++;
    }
    if (!n)
        return grt_gen_error(GRT_ERROR_INVALID_ARGUMENT,
                             "sampler: every one of the %zu logits is NaN or -inf", vocab);
    if (!(c->temperature > 0)) { /* greedy: first maximum */
        size_t best = 0;
        for (size_t i = 1; i < n; i++)
            if (s->cands[i].logit > s->cands[best].logit) best = i;
        s->cands[0] = s->cands[best];
        s->cands[0].p = 1.0;
        *n_out = 1;
        return GRT_OK;
    }
    for (size_t i = 0; i < n; i++)
        s->cands[i].logit /= c->temperature;

    int sorted = 0;
    if (c->top_k > 0 && (size_t)c->top_k < n) {
        select_top_k(s->cands, n, (size_t)c->top_k);
        n = (size_t)c->top_k;
        sorted = 1;
    } else if (c->top_p < 1.0f) {
        qsort(s->cands, n, sizeof *s->cands, cand_cmp);
        sorted = 1;
    }

    double mx = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (s->cands[i].logit > mx) mx = s->cands[i].logit;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        s->cands[i].p = exp((double)s->cands[i].logit - mx);
        sum += s->cands[i].p;
    }
    double pmax = 0;
    for (size_t i = 0; i < n; i++) {
        s->cands[i].p /= sum;
        if (s->cands[i].p > pmax) pmax = s->cands[i].p;
    }

    if (sorted && c->top_p < 1.0f) { /* smallest prefix whose mass reaches top_p */
        double cum = 0;
        size_t keep = n;
        for (size_t i = 0; i < n; i++) {
            cum += s->cands[i].p;
            if (cum >= (double)c->top_p) {
                keep = i + 1;
                break;
            }
        }
        n = keep;
    }
    if (c->min_p > 0) {
        double thr = (double)c->min_p * pmax;
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (s->cands[i].p >= thr) s->cands[m++] = s->cands[i];
        n = m; /* the maximum always survives */
    }
    sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += s->cands[i].p;
    for (size_t i = 0; i < n; i++)
        s->cands[i].p /= sum;
    *n_out = n;
    return GRT_OK;
}

grt_status grt_sampler_probs(grt_sampler *s, const float *logits, size_t vocab,
                             const int32_t *history, size_t n_history, float *probs) {
    if (!s || !probs)
        return grt_gen_error(GRT_ERROR_INVALID_ARGUMENT, "grt_sampler_probs: NULL argument");
    size_t n = 0;
    grt_status st = distribution(s, logits, vocab, history, n_history, &n);
    if (st) return st;
    memset(probs, 0, vocab * sizeof *probs);
    for (size_t i = 0; i < n; i++)
        probs[s->cands[i].id] = (float)s->cands[i].p;
    return GRT_OK;
}

grt_status grt_sampler_sample(grt_sampler *s, const float *logits, size_t vocab,
                              const int32_t *history, size_t n_history, int32_t *token) {
    if (!s || !token)
        return grt_gen_error(GRT_ERROR_INVALID_ARGUMENT, "grt_sampler_sample: NULL argument");
    size_t n = 0;
    grt_status st = distribution(s, logits, vocab, history, n_history, &n);
    if (st) return st;
    if (n == 1) {
        *token = s->cands[0].id;
        return GRT_OK;
    }
    double u = next_unit(s), cum = 0;
    for (size_t i = 0; i < n; i++) {
        cum += s->cands[i].p;
        if (u < cum) {
            *token = s->cands[i].id;
            return GRT_OK;
        }
    }
    *token = s->cands[n - 1].id; /* rounding: u >= the computed total */
    return GRT_OK;
}
