/*
 * tests/unit/cpu_kernels/test_attention.c - RoPE (both modes, partial rotary dims, linear and
 * llama3 scaling, [S] and [B, S] positions) and ScaledDotProductAttention (causal with Sq < Skv
 * and Sq > Skv, GQA, broadcast masks with fully masked rows, custom scale, several key tiles)
 * against direct reference formulas; SDPA reading k / v in place from KV-cache views (strided
 * [B, Hkv, cap, D] rows, stored as f32, f16, bf16 or u8 with per-group scale and min; GQA,
 * causal, decode with the key range split across threads, head sizes 64/80/96/128 and odd ones)
 * with each ISA path forced in turn (AVX-512 skipped with a reason when the CPU lacks it), the
 * dense cases too.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <string.h>

#include "arch/isa.h"
#include "harness.h"
#include "kernels/attention/sdpa_kv.h"
#include "kernels/kutil.h"
#include "suites.h"

static void test_rope(grt_element_type t, int mode, int64_t R, int scaling, int pos_rank,
                      grt_element_type pt)
{
    const int64_t B = 2, H = 3, S = 5, D = 16;
    int64_t xd[4] = {B, H, S, D}, pd[2] = {B, S};
    th_attr_reset();
    th_attr_int("mode", mode);
    if (R)
        th_attr_int("rotary_dims", R);
    th_attr_float("theta", 500000.0);
    th_attr_int("scaling", scaling);
    double factor = 8, lff = 1, hff = 4, orig = 16;
    th_attr_float("factor", factor);
    th_attr_float("low_freq_factor", lff);
    th_attr_float("high_freq_factor", hff);
    th_attr_int("original_max_position", (int64_t)orig);
    cpu_tensor X = th_tensor(t, 4, xd), Y = th_tensor(t, 4, xd);
    cpu_tensor P = pos_rank == 1 ? th_tensor(pt, 1, &pd[1]) : th_tensor(pt, 2, pd);
    th_fill(&X, -1, 1);
    for (size_t i = 0; i < th_numel(&P); i++)
        th_set(&P, i, (double)(th_rand() % 3000));
    TH_CHECK(th_run(GRT_OP_ROPE, (cpu_tensor[]){X, P}, 2, &Y, 1) == GRT_OK, "rope: %s",
             th_last_error());
    int64_t Rr = R ? R : D;
    double *ref = malloc(sizeof(double) * (size_t)(B * H * S * D));
    for (int64_t b = 0; b < B; b++)
        for (int64_t h = 0; h < H; h++)
            for (int64_t s = 0; s < S; s++) {
                size_t base = (size_t)(((b * H + h) * S + s) * D);
                double pos = th_get(&P, (size_t)(pos_rank == 1 ? s : b * S + s));
                for (int64_t d = 0; d < D; d++)
                    ref[base + (size_t)d] = th_get(&X, base + (size_t)d);
                for (int64_t i = 0; i < Rr / 2; i++) {
                    double f = pow(500000.0, -2.0 * (double)i / (double)Rr);
                    if (scaling == 1)
                        f /= factor;
                    if (scaling == 2) {
                        double wl = 2 * M_PI / f;
                        if (wl > orig / lff)
                            f /= factor;
                        else if (wl >= orig / hff) {
                            double sm = (orig / wl - lff) / (hff - lff);
                            f = (1 - sm) * f / factor + sm * f;
                        }
                    }
                    int64_t i0 = mode ? 2 * i : i, i1 = mode ? 2 * i + 1 : i + Rr / 2;
                    double x0 = th_get(&X, base + (size_t)i0), x1 = th_get(&X, base + (size_t)i1);
                    double a = pos * f;
                    ref[base + (size_t)i0] = x0 * cos(a) - x1 * sin(a);
                    ref[base + (size_t)i1] = x0 * sin(a) + x1 * cos(a);
                }
            }
    th_compare(&Y, ref, 3, "rope");
    free(ref);
    th_free(&X);
    th_free(&Y);
    th_free(&P);
}

typedef struct scase {
    int64_t B, Hq, Hkv, Sq, Skv, D, Dv;
    int causal;
    double scale;
    uint32_t mrank; /* 0 = no mask */
    int64_t md[4];
} scase;

static const scase scases[] = {
    {1, 2, 2, 3, 5, 8, 8, 0, 0, 0, {0}},
    {2, 4, 2, 3, 7, 8, 6, 1, 0, 0, {0}},                   /* GQA, causal with a cache */
    {1, 2, 1, 6, 4, 4, 4, 1, 0, 0, {0}},                   /* Sq > Skv: first rows see nothing */
    {1, 2, 2, 20, 150, 16, 16, 1, 0.3, 0, {0}},            /* several tiles and query blocks */
    {2, 2, 1, 4, 9, 8, 8, 0, 0, 2, {4, 9}},                /* mask [Sq, Skv] */
    {2, 2, 2, 3, 70, 8, 8, 1, 0, 4, {2, 1, 3, 70}},        /* mask [B, 1, Sq, Skv] + causal */
    {1, 3, 3, 1, 33, 8, 8, 0, 0, 4, {1, 3, 1, 1}},         /* mask broadcast over keys */
    /* decode with a mask per head and key: the grouped tiles take keys from both halves of a
     * slice, so each score must meet its own key's mask value (GQA 4, uneven halves, slices) */
    {1, 8, 2, 1, 200, 64, 64, 1, 0, 4, {1, 8, 1, 200}},
    {1, 7, 1, 1, 77, 80, 80, 1, 0, 3, {7, 1, 77}},         /* G 7: a 3-row tail; column tail */
};

static void test_sdpa(grt_element_type t, const scase *c)
{
    th_attr_reset();
    th_attr_int("causal", c->causal);
    if (c->scale != 0)
        th_attr_float("scale", c->scale);
    int64_t qd[4] = {c->B, c->Hq, c->Sq, c->D}, kd[4] = {c->B, c->Hkv, c->Skv, c->D},
            vd[4] = {c->B, c->Hkv, c->Skv, c->Dv}, od[4] = {c->B, c->Hq, c->Sq, c->Dv};
    cpu_tensor in[4] = {th_tensor(t, 4, qd), th_tensor(t, 4, kd), th_tensor(t, 4, vd)};
    uint32_t n_in = 3;
    if (c->mrank) {
        in[3] = th_tensor(t, c->mrank, c->md);
        th_fill(&in[3], -2, 2);
        size_t nm = th_numel(&in[3]);
        for (size_t i = 0; i < nm; i += 3)
            th_set(&in[3], i, -INFINITY);
        if (c->mrank == 2) /* one fully masked query row */
            for (int64_t j = 0; j < c->md[1]; j++)
                th_set(&in[3], (size_t)(c->md[1] + j), -INFINITY);
        n_in = 4;
    }
    cpu_tensor O = th_tensor(t, 4, od);
    th_fill(&in[0], -1, 1);
    th_fill(&in[1], -1, 1);
    th_fill(&in[2], -1, 1);
    TH_CHECK(th_run(GRT_OP_SDPA, in, n_in, &O, 1) == GRT_OK, "sdpa %s: %s",
             cpu_isa_name(cpu_isa_active()), th_last_error());
    double scale = c->scale != 0 ? c->scale : 1 / sqrt((double)c->D);
    grt_shape full = {.rank = 4, .dims = {c->B, c->Hq, c->Sq, c->Skv}};
    double *ref = calloc((size_t)(c->B * c->Hq * c->Sq * c->Dv), sizeof(double));
    double *s = malloc(sizeof(double) * (size_t)c->Skv);
    for (int64_t b = 0; b < c->B; b++)
        for (int64_t h = 0; h < c->Hq; h++) {
            int64_t hk = h / (c->Hq / c->Hkv);
            for (int64_t i = 0; i < c->Sq; i++) {
                double mx = -INFINITY;
                for (int64_t j = 0; j < c->Skv; j++) {
                    double v = 0;
                    for (int64_t d = 0; d < c->D; d++)
                        v += th_get(&in[0], (size_t)(((b * c->Hq + h) * c->Sq + i) * c->D + d)) *
                             th_get(&in[1], (size_t)(((b * c->Hkv + hk) * c->Skv + j) * c->D + d));
                    v *= scale;
                    if (c->mrank) {
                        size_t fi = (size_t)(((b * c->Hq + h) * c->Sq + i) * c->Skv + j);
                        v += th_get(&in[3], th_bcast_offset(&full, &in[3].shape, fi));
                    }
                    if (c->causal && j > i + (c->Skv - c->Sq))
                        v = -INFINITY;
                    s[j] = v;
                    mx = fmax(mx, v);
                }
                double *o = ref + ((b * c->Hq + h) * c->Sq + i) * c->Dv;
                if (mx == -INFINITY)
                    continue; /* sees no key: zeros */
                double sum = 0;
                for (int64_t j = 0; j < c->Skv; j++)
                    sum += (s[j] = exp(s[j] - mx));
                for (int64_t j = 0; j < c->Skv; j++)
                    for (int64_t d = 0; d < c->Dv; d++)
                        o[d] += s[j] / sum *
                                th_get(&in[2], (size_t)(((b * c->Hkv + hk) * c->Skv + j) * c->Dv + d));
            }
        }
    char what[96];
    snprintf(what, sizeof what, "sdpa %s %s Hq=%lld Hkv=%lld Sq=%lld Skv=%lld mask rank %u",
             cpu_isa_name(cpu_isa_active()), cpu_type_name(t), (long long)c->Hq,
             (long long)c->Hkv, (long long)c->Sq, (long long)c->Skv, c->mrank);
    th_compare(&O, ref, 2, what);
    free(ref);
    free(s);
    for (uint32_t i = 0; i < n_in; i++)
        th_free(&in[i]);
    th_free(&O);
}

/* A KV-cache view: rows of [B, H, S, D] at row (b * H + h) * cap + s, stored as `st` (GRT_F32:
 * plain strided view, else cpu_kernel.kv), and the values it decodes to (dec, [B, H, S, D]). */
typedef struct kv_view {
    cpu_tensor t;
    cpu_kv_format f;
    double *dec;
} kv_view;

static void make_kv(kv_view *v, grt_element_type st, int64_t B, int64_t H, int64_t S, int64_t cap,
                    int64_t D, int64_t dq)
{
    memset(v, 0, sizeof *v);
    if (st == GRT_F32)
        v->f.row_bytes = (size_t)D * 4;
    else
        cpu_kv_format_init(&v->f, st, (size_t)D, dq);
    size_t nrows = (size_t)(B * H * cap);
    uint8_t *data = calloc(nrows ? nrows : 1, v->f.row_bytes);
    float *x = malloc(sizeof(float) * (size_t)D), *y = malloc(sizeof(float) * (size_t)D);
    v->dec = malloc(sizeof(double) * (size_t)(B * H * S * D));
    double worst = 0;
    for (int64_t r = 0; r < B * H * S; r++) {
        float off = th_randf(-0.5f, 0.5f); /* asymmetric ranges */
        for (int64_t d = 0; d < D; d++)
            x[d] = th_randf(-1, 1) + off;
        uint8_t *row = data + (size_t)((r / S) * cap + r % S) * v->f.row_bytes;
        if (st == GRT_F32)
            memcpy(row, x, sizeof(float) * (size_t)D);
        else
            cpu_kv_encode_row(&v->f, x, (size_t)D, row);
        if (st == GRT_F32)
            memcpy(y, x, sizeof(float) * (size_t)D);
        else
            cpu_kv_decode_rows(&v->f, CPU_ISA_SCALAR, row, 1, (size_t)D, y);
        for (int64_t d = 0; d < D; d++) {
            v->dec[r * D + d] = y[d];
            worst = fmax(worst, fabs((double)y[d] - x[d]));
        }
    }
    /* Round trip: f16 / bf16 rounding, u8 half a step of a range <= 2 (plus f16 parameters). */
    double lim = st == GRT_F32 ? 0 : st == GRT_F16 ? 1e-3 : st == GRT_BF16 ? 8e-3 : 2.0 / 255 / 2 + 2e-3;
    TH_CHECK(worst <= lim, "kv %s D=%lld: round-trip error %g > %g", cpu_type_name(st),
             (long long)D, worst, lim);
    v->t.type = GRT_F32;
    v->t.shape = th_shape(4, (int64_t[]){B, H, S, D});
    v->t.data = data;
    v->t.bytes = nrows * v->f.row_bytes;
    v->t.strides[0] = H * cap * D;
    v->t.strides[1] = cap * D;
    v->t.strides[2] = D;
    v->t.strides[3] = 1;
    v->t.kv = st == GRT_F32 ? NULL : &v->f;
    free(x);
    free(y);
}

/* Plain attention over decoded k / v (double): o [B, Hq, Sq, D]. */
static void ref_attention(const cpu_tensor *q, const double *k, const double *v, int64_t Hkv,
                          int64_t Skv, int causal, double *o)
{
    int64_t B = q->shape.dims[0], Hq = q->shape.dims[1], Sq = q->shape.dims[2], D = q->shape.dims[3];
    double *s = malloc(sizeof(double) * (size_t)(Skv ? Skv : 1));
    for (int64_t b = 0; b < B; b++)
        for (int64_t h = 0; h < Hq; h++)
            for (int64_t i = 0; i < Sq; i++) {
                const double *kh = k + (b * Hkv + h / (Hq / Hkv)) * Skv * D;
                const double *vh = v + (b * Hkv + h / (Hq / Hkv)) * Skv * D;
                double *od = o + ((b * Hq + h) * Sq + i) * D, mx = -INFINITY, sum = 0;
                int64_t lim = causal ? i + Skv - Sq + 1 : Skv;
                memset(od, 0, sizeof(double) * (size_t)D);
                for (int64_t j = 0; j < lim; j++) {
                    s[j] = 0;
                    for (int64_t d = 0; d < D; d++)
                        s[j] += th_get(q, (size_t)(((b * Hq + h) * Sq + i) * D + d)) * kh[j * D + d];
                    s[j] /= sqrt((double)D);
                    mx = fmax(mx, s[j]);
                }
                for (int64_t j = 0; j < lim; j++)
                    sum += (s[j] = exp(s[j] - mx));
                for (int64_t j = 0; j < lim; j++)
                    for (int64_t d = 0; d < D; d++)
                        od[d] += s[j] / sum * vh[j * D + d];
            }
    free(s);
}

/* SDPA on KV-cache views of storage `st` against the reference on their decoded values. */
static void test_sdpa_kv(grt_element_type st, int64_t Hq, int64_t Hkv, int64_t Sq, int64_t Skv,
                         int64_t D, int causal)
{
    const int64_t B = 1, cap = Skv + 5;
    kv_view k, v;
    make_kv(&k, st, B, Hkv, Skv, cap, D, 0);
    make_kv(&v, st, B, Hkv, Skv, cap, D, 16);
    th_attr_reset();
    th_attr_int("causal", causal);
    int64_t qd[4] = {B, Hq, Sq, D};
    cpu_tensor in[3] = {th_tensor(GRT_F32, 4, qd), k.t, v.t}, O = th_tensor(GRT_F32, 4, qd);
    th_fill(&in[0], -1, 1);
    double *ref = malloc(sizeof(double) * (size_t)(B * Hq * Sq * D));
    ref_attention(&in[0], k.dec, v.dec, Hkv, Skv, causal, ref);
    char what[96];
    snprintf(what, sizeof what, "sdpa kv %s %s Hq=%lld Hkv=%lld Sq=%lld Skv=%lld D=%lld",
             cpu_isa_name(cpu_isa_active()), cpu_type_name(st), (long long)Hq, (long long)Hkv,
             (long long)Sq, (long long)Skv, (long long)D);
    TH_CHECK(th_run(GRT_OP_SDPA, in, 3, &O, 1) == GRT_OK, "%s: %s", what, th_last_error());
    th_compare(&O, ref, 4, what);
    free(ref);
    th_free(&in[0]);
    th_free(&O);
    free(k.t.data);
    free(v.t.data);
    free(k.dec);
    free(v.dec);
}

static void suite_sdpa_kv(void)
{
    static const grt_element_type st[] = {GRT_F32, GRT_F16, GRT_BF16, GRT_U8};
    static const int64_t cases[][6] = {
        /* Hq, Hkv, Sq, Skv, D, causal */
        {4, 2, 1, 300, 64, 1},  /* decode, GQA: key range split across threads */
        {8, 1, 1, 130, 80, 0},  /* multi-query */
        {2, 2, 5, 70, 96, 1},   /* prefill chunk after a cache */
        {4, 4, 3, 3, 128, 1},   /* first prefill */
        {6, 2, 2, 40, 7, 1},    /* odd head size: scalar tails */
        {2, 1, 1, 1, 33, 0},    /* one key */
        {12, 2, 1, 45, 20, 1},  /* decode, G 6, head size 20: row, key and lane tails of the
                                 * grouped scores */
        {3, 1, 1, 50, 24, 1},   /* decode, G 3: an odd last row */
        {8, 2, 1, 333, 64, 1},  /* decode: two slices per head of odd length, each read as
                                 * two halves (one of them a key shorter) in several steps */
    };
    for (int isa = CPU_ISA_SCALAR; isa <= CPU_ISA_AVX512; isa++) {
        if ((cpu_isa)isa > cpu_isa_supported()) {
            printf("skip sdpa kv on %s: this CPU supports only %s\n", cpu_isa_name((cpu_isa)isa),
                   cpu_isa_name(cpu_isa_supported()));
            continue;
        }
        cpu_isa prev = cpu_isa_force((cpu_isa)isa);
        for (size_t s = 0; s < sizeof st / sizeof st[0]; s++)
            for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
                test_sdpa_kv(st[s], cases[c][0], cases[c][1], cases[c][2], cases[c][3],
                             cases[c][4], (int)cases[c][5]);
        cpu_isa_force(prev);
    }
}

/* Two keys far above the rest (scores 300 and 250 with scale 1, the others within +-16), at
 * positions 7 and 15 (the last lane of 8-wide blocks): the softmax must put all weight on key 7.
 * The running maximum has to be exact here: one too low by more than exp's input range gives both
 * keys the same clamped weight, so the output would be the mean of their value rows. */
static void test_sdpa_peaked(void)
{
    const int64_t Skv = 29, D = 16;
    th_attr_reset();
    th_attr_int("causal", 0);
    th_attr_float("scale", 1.0);
    int64_t qd[4] = {1, 2, 1, D}, kd[4] = {1, 1, Skv, D};
    cpu_tensor in[3] = {th_tensor(GRT_F32, 4, qd), th_tensor(GRT_F32, 4, kd),
                        th_tensor(GRT_F32, 4, kd)};
    cpu_tensor O = th_tensor(GRT_F32, 4, qd);
    th_fill(&in[0], 1, 1); /* q = 1: a key's score is the sum of its row */
    th_fill(&in[1], -1, 1);
    th_fill(&in[2], -1, 1);
    for (int64_t d = 0; d < D; d++) {
        th_set(&in[1], (size_t)(7 * D + d), 300.0 / (double)D);
        th_set(&in[1], (size_t)(15 * D + d), 250.0 / (double)D);
    }
    TH_CHECK(th_run(GRT_OP_SDPA, in, 3, &O, 1) == GRT_OK, "sdpa peaked: %s", th_last_error());
    double *ref = malloc(sizeof(double) * (size_t)(2 * D));
    for (int64_t h = 0; h < 2; h++)
        for (int64_t d = 0; d < D; d++)
            ref[h * D + d] = th_get(&in[2], (size_t)(7 * D + d));
    char what[64];
    snprintf(what, sizeof what, "sdpa peaked scores isa %s", cpu_isa_name(cpu_isa_active()));
    th_compare(&O, ref, 4, what);
    free(ref);
    for (int i = 0; i < 3; i++)
        th_free(&in[i]);
    th_free(&O);
}

void suite_attention(void)
{
    suite_sdpa_kv();
    static const grt_element_type ft[] = {GRT_F32, GRT_F16, GRT_BF16};
    for (size_t t = 0; t < 3; t++) {
        for (int mode = 0; mode < 2; mode++) {
            test_rope(ft[t], mode, 0, 0, 1, GRT_I64);
            test_rope(ft[t], mode, 8, 1, 2, GRT_I32);
            test_rope(ft[t], mode, 12, 2, 2, GRT_I64);
            test_rope(ft[t], mode, 0, 2, 1, GRT_I32);
        }
        for (int isa = CPU_ISA_SCALAR; isa <= CPU_ISA_AVX512; isa++) {
            if ((cpu_isa)isa > cpu_isa_supported())
                continue; /* suite_sdpa_kv said so */
            cpu_isa prev = cpu_isa_force((cpu_isa)isa);
            for (size_t c = 0; c < sizeof scases / sizeof scases[0]; c++)
                test_sdpa(ft[t], &scases[c]);
            cpu_isa_force(prev);
        }
    }
    test_sdpa_peaked();
}
