/*
 * tests/unit/cpu_kernels/harness.c - fake host and tensor helpers (see harness.h).
 */
#include "harness.h"
#include "arch/isa.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/fp16.h"

int th_failures;
cpu_pool *th_pool;

int th_bench_setup(const char *isa, int threads)
{
    cpu_isa want;
    if (isa != NULL && !cpu_isa_by_name(isa, &want))
        return 0;
    if (isa != NULL)
        cpu_isa_force(want);
    th_pool = threads > 1 ? cpu_pool_create(threads) : NULL;
    return 1;
}
float th_qw_scale_max = 0.2f;
grt_element_type th_qw_zp_type = GRT_UNDEFINED;
int64_t th_dq_group_size = 0;
int th_bf16 = 0;

#define TH_MAX_ATTRS 16

static struct {
    char name[32];
    grt_attr_value v;
    int64_t ints[GRT_MAX_RANK * 2];
} attrs[TH_MAX_ATTRS];
static int n_attrs;
static char last_error[512];
static grt_op_type cur_op;

void th_attr_reset(void)
{
    n_attrs = 0;
}

static grt_attr_value *attr_slot(const char *name)
{
    if (n_attrs >= TH_MAX_ATTRS) {
        printf("harness: too many attributes\n");
        exit(1);
    }
    snprintf(attrs[n_attrs].name, sizeof attrs[n_attrs].name, "%s", name);
    memset(&attrs[n_attrs].v, 0, sizeof attrs[n_attrs].v);
    return &attrs[n_attrs++].v;
}

void th_attr_int(const char *name, int64_t v)
{
    grt_attr_value *a = attr_slot(name);
    a->type = GRT_ATTR_INT;
    a->u.i = v;
}

void th_attr_float(const char *name, double v)
{
    grt_attr_value *a = attr_slot(name);
    a->type = GRT_ATTR_FLOAT;
    a->u.f = v;
}

void th_attr_ints(const char *name, const int64_t *v, size_t n)
{
    if (n > GRT_MAX_RANK * 2) {
        printf("harness: INTS attribute too long\n");
        exit(1);
    }
    grt_attr_value *a = attr_slot(name);
    int64_t *store = attrs[n_attrs - 1].ints;
    memcpy(store, v, n * sizeof *v);
    a->type = GRT_ATTR_INTS;
    a->u.ints.data = store;
    a->u.ints.count = n;
}

const char *th_last_error(void)
{
    return last_error;
}

static grt_status fake_set_error(grt_status st, const char *msg)
{
    snprintf(last_error, sizeof last_error, "%s", msg);
    return st;
}

static grt_status fake_node_attr(const grt_graph_view *g, uint32_t node, const char *name,
                                 grt_attr_value *out)
{
    (void)g;
    (void)node;
    for (int i = 0; i < n_attrs; i++)
        if (strcmp(attrs[i].name, name) == 0) {
            *out = attrs[i].v;
            return GRT_OK;
        }
    return GRT_ERROR_NOT_FOUND;
}

static const char *fake_node_name(const grt_graph_view *g, uint32_t node)
{
    (void)g;
    (void)node;
    return "test_node";
}

static grt_op_type fake_node_op(const grt_graph_view *g, uint32_t node)
{
    (void)g;
    (void)node;
    return cur_op;
}

static const grt_host_api fake_host = {
    .struct_size = sizeof(grt_host_api),
    .abi_major = GRT_ABI_MAJOR,
    .abi_minor = GRT_ABI_MINOR,
    .set_error = fake_set_error,
    .node_op = fake_node_op,
    .node_name = fake_node_name,
    .node_attr = fake_node_attr,
};

static size_t esize(grt_element_type t)
{
    switch (t) {
    case GRT_F32: case GRT_I32: return 4;
    case GRT_F16: case GRT_BF16: return 2;
    case GRT_I64: return 8;
    default: return 1;
    }
}

size_t th_numel(const cpu_tensor *t)
{
    size_t n = 1;
    for (uint32_t i = 0; i < t->shape.rank; i++)
        n *= (size_t)t->shape.dims[i];
    return n;
}

cpu_tensor th_tensor(grt_element_type type, uint32_t rank, const int64_t *dims)
{
    cpu_tensor t;
    memset(&t, 0, sizeof t);
    t.type = type;
    t.shape.rank = rank;
    for (uint32_t i = 0; i < rank; i++)
        t.shape.dims[i] = dims[i];
    t.bytes = th_numel(&t) * esize(type);
    t.data = calloc(1, t.bytes ? t.bytes : 1);
    if (t.data == NULL) {
        printf("harness: out of memory\n");
        exit(1);
    }
    return t;
}

void th_free(cpu_tensor *t)
{
    free(t->data);
    t->data = NULL;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

uint32_t th_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

float th_randf(float lo, float hi)
{
    return lo + (hi - lo) * (float)(th_rand() & 0xffffff) / 16777216.0f;
}

double th_get(const cpu_tensor *t, size_t i)
{
    switch (t->type) {
    case GRT_F32: return ((const float *)t->data)[i];
    case GRT_F16: return cpu_f16_to_f32(((const uint16_t *)t->data)[i]);
    case GRT_BF16: return cpu_bf16_to_f32(((const uint16_t *)t->data)[i]);
    case GRT_I64: return (double)((const int64_t *)t->data)[i];
    case GRT_I32: return ((const int32_t *)t->data)[i];
    case GRT_I8: return ((const int8_t *)t->data)[i];
    default: return ((const uint8_t *)t->data)[i];
    }
}

void th_set(cpu_tensor *t, size_t i, double v)
{
    switch (t->type) {
    case GRT_F32: ((float *)t->data)[i] = (float)v; break;
    case GRT_F16: ((uint16_t *)t->data)[i] = cpu_f32_to_f16((float)v); break;
    case GRT_BF16: ((uint16_t *)t->data)[i] = cpu_f32_to_bf16((float)v); break;
    case GRT_I64: ((int64_t *)t->data)[i] = (int64_t)v; break;
    case GRT_I32: ((int32_t *)t->data)[i] = (int32_t)v; break;
    case GRT_I8: ((int8_t *)t->data)[i] = (int8_t)v; break;
    default: ((uint8_t *)t->data)[i] = (uint8_t)v; break;
    }
}

double *th_values(const cpu_tensor *t)
{
    size_t n = th_numel(t);
    double *v = malloc(sizeof(double) * (n + 1));
    if (v == NULL) {
        printf("harness: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++)
        v[i] = th_get(t, i);
    return v;
}

void th_fill(cpu_tensor *t, float lo, float hi)
{
    size_t n = th_numel(t);
    for (size_t i = 0; i < n; i++)
        th_set(t, i, th_randf(lo, hi));
}

grt_status th_call(grt_op_type op, cpu_kernel_fn fn, const cpu_tensor *in, uint32_t n_in,
                   cpu_tensor *out, uint32_t n_out)
{
    cur_op = op;
    last_error[0] = 0;
    cpu_kernel_ctx ctx = {&fake_host, NULL, 7, th_pool, th_dq_group_size, th_bf16};
    return fn(&ctx, in, n_in, out, n_out);
}

void th_each_isa(const char *what, void (*fn)(void))
{
    for (int isa = CPU_ISA_SCALAR; isa <= CPU_ISA_AVX512; isa++) {
        if ((cpu_isa)isa > cpu_isa_supported()) {
            printf("skip %s on %s: this CPU supports only %s\n", what, cpu_isa_name((cpu_isa)isa),
                   cpu_isa_name(cpu_isa_supported()));
            continue;
        }
        cpu_isa prev = cpu_isa_force((cpu_isa)isa);
        fn();
        cpu_isa_force(prev);
    }
}

grt_status th_run(grt_op_type op, const cpu_tensor *in, uint32_t n_in, cpu_tensor *out,
                  uint32_t n_out)
{
    cpu_kernel_fn fn = cpu_kernel_lookup(op);
    if (fn == NULL) {
        th_failures++;
        printf("FAIL: no kernel for op %d\n", (int)op);
        return GRT_ERROR_NOT_SUPPORTED;
    }
    cur_op = op;
    last_error[0] = 0;
    cpu_kernel_ctx ctx = {&fake_host, NULL, 7, th_pool, th_dq_group_size, th_bf16};
    return fn(&ctx, in, n_in, out, n_out);
}

double th_tol(grt_element_type t)
{
    return t == GRT_F32 ? 1e-4 : t == GRT_F16 ? 4e-3 : 2e-2;
}

int th_compare(const cpu_tensor *t, const double *ref, double scale, const char *what)
{
    size_t n = th_numel(t);
    double tol = th_tol(t->type) * scale;
    for (size_t i = 0; i < n; i++) {
        double a = th_get(t, i), b = ref[i];
        int ok = (isnan(a) && isnan(b)) || (isinf(b) && a == b) || fabs(a - b) <= tol * (1 + fabs(b));
        if (!ok) {
            th_failures++;
            printf("FAIL %s: element %zu got %.7g expected %.7g (type %d)\n", what, i, a, b,
                   (int)t->type);
            return 0;
        }
    }
    return 1;
}

grt_shape th_shape(uint32_t rank, const int64_t *dims)
{
    grt_shape s;
    memset(&s, 0, sizeof s);
    s.rank = rank;
    for (uint32_t i = 0; i < rank; i++)
        s.dims[i] = dims[i];
    return s;
}

size_t th_bcast_offset(const grt_shape *out, const grt_shape *in, size_t i)
{
    size_t off = 0, mul = 1;
    for (uint32_t d = out->rank; d-- > 0;) {
        size_t idx = i % (size_t)out->dims[d];
        i /= (size_t)out->dims[d];
        if (d + in->rank < out->rank)
            continue;
        uint32_t di = d + in->rank - out->rank;
        size_t dim = (size_t)in->dims[di];
        off += (dim == 1 ? 0 : idx) * mul;
        mul *= dim;
    }
    return off;
}

static void set_nib(uint8_t *p, size_t i, int v)
{
    uint8_t nib = (uint8_t)(v & 0xf);
    p[i >> 1] = (uint8_t)((i & 1) ? (p[i >> 1] & 0x0f) | (nib << 4) : (p[i >> 1] & 0xf0) | nib);
}

qw th_make_qw(grt_element_type ftype, uint32_t rank, const int64_t *dims, grt_element_type storage,
              int64_t G, grt_element_type scale_type)
{
    qw w;
    memset(&w, 0, sizeof w);
    size_t n = 1;
    for (uint32_t i = 0; i < rank; i++)
        n *= (size_t)dims[i];
    size_t K = (size_t)dims[rank - 1], rows = n / K, gpr = K / (size_t)G, groups = rows * gpr;
    int four = storage == GRT_I4 || storage == GRT_U4;
    int asym = storage == GRT_U4 || storage == GRT_U8;
    w.t.type = ftype;
    w.t.shape = th_shape(rank, dims);
    w.t.bytes = four ? (n + 1) / 2 : n;
    w.t.data = calloc(1, w.t.bytes + 1);
    w.scales = calloc(groups + 1, 4);
    int fz = asym && (th_qw_zp_type == GRT_F16 || th_qw_zp_type == GRT_F32);
    w.zps = asym ? calloc(groups + 1, fz ? 4 : 1) : NULL;
    cpu_tensor zt = {.type = th_qw_zp_type, .data = w.zps, .bytes = groups * 4};
    w.ref = malloc(sizeof(double) * (n + 1));
    cpu_tensor st = {.type = scale_type, .data = w.scales, .bytes = groups * 4};
    for (size_t g = 0; g < groups; g++) {
        th_set(&st, g, th_randf(0.05f, 1.0f) * th_qw_scale_max);
        if (fz) {
            th_set(&zt, g, th_randf(0.0f, four ? 15.0f : 255.0f));
        } else if (asym) {
            int z = (int)(th_rand() % (four ? 16 : 256));
            if (four)
                set_nib(w.zps, g, z);
            else
                ((uint8_t *)w.zps)[g] = (uint8_t)z;
        }
    }
    for (size_t i = 0; i < n; i++) {
        size_t g = (i / K) * gpr + (i % K) / (size_t)G;
        int q;
        switch (storage) {
        case GRT_I8: q = (int)(th_rand() % 255) - 127; ((int8_t *)w.t.data)[i] = (int8_t)q; break;
        case GRT_U8: q = (int)(th_rand() % 256); ((uint8_t *)w.t.data)[i] = (uint8_t)q; break;
        case GRT_I4: q = (int)(th_rand() % 16) - 8; set_nib(w.t.data, i, q); break;
        default: q = (int)(th_rand() % 16); set_nib(w.t.data, i, q); break;
        }
        double z = 0;
        if (fz)
            z = th_get(&zt, g);
        else if (asym)
            z = four ? (((uint8_t *)w.zps)[g >> 1] >> ((g & 1) * 4)) & 0xf : ((uint8_t *)w.zps)[g];
        w.ref[i] = ((double)q - z) * th_get(&st, g);
    }
    w.ci.struct_size = sizeof w.ci;
    w.ci.kind = asym ? GRT_COMPRESSION_ASYM : GRT_COMPRESSION_SYM;
    w.ci.storage_type = storage;
    w.ci.scale_type = scale_type;
    w.ci.group_size = G;
    w.ci.scales = w.scales;
    w.ci.scales_bytes = groups * (scale_type == GRT_F16 ? 2 : 4);
    w.ci.zero_points = w.zps;
    w.ci.zero_points_bytes = fz ? groups * (th_qw_zp_type == GRT_F16 ? 2 : 4)
                             : asym ? (four ? (groups + 1) / 2 : groups) : 0;
    w.ci.zero_point_type = fz ? (uint32_t)th_qw_zp_type : asym ? (uint32_t)storage : GRT_UNDEFINED;
    return w;
}

static void *dup_bytes(const void *src, size_t n)
{
    void *p = src != NULL ? malloc(n + 4) : NULL;
    if (p != NULL)
        memcpy(p, src, n);
    return p;
}

qw th_clone_qw(const qw *src)
{
    qw w = *src;
    w.ref = NULL;
    w.t.data = dup_bytes(src->t.data, src->t.bytes);
    w.scales = dup_bytes(src->scales, src->ci.scales_bytes);
    w.zps = dup_bytes(src->zps, src->ci.zero_points_bytes);
    if (w.t.data == NULL || w.scales == NULL || (src->zps != NULL && w.zps == NULL)) {
        th_free_qw(&w);
        w.t.data = w.scales = w.zps = NULL;
    }
    w.ci.scales = w.scales;
    w.ci.zero_points = w.zps;
    return w;
}

void th_free_qw(qw *w)
{
    free(w->t.data);
    free(w->scales);
    free(w->zps);
    free(w->ref);
}

