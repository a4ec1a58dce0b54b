/*
 * tests/ops/harness.c - implementation of the op conformance harness (see harness.h): graph
 * building with failure short-circuiting, compressed-constant generation, binding, running and
 * the normalised-error comparison. Single-threaded; owns everything it creates.
 */
#include "harness.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------- */

void ot_add(ot_registry *r, const char *family, grt_op_type op, ot_fn fn, const void *arg,
            const char *fmt, ...)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        ot_case *n = realloc(r->cases, cap * sizeof(*n));
        if (!n) {
            r->oom = 1;
            return;
        }
        r->cases = n;
        r->cap = cap;
    }
    ot_case *k = &r->cases[r->n++];
    memset(k, 0, sizeof(*k));
    snprintf(k->family, sizeof(k->family), "%s", family);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(k->name, sizeof(k->name), fmt, ap);
    va_end(ap);
    k->op = op;
    k->fn = fn;
    k->arg = arg;
}

/* ---------------------------------------------------------------------------------------- */

void ot_ctx_init(ot_ctx *c, grt_core *core, const char *device, uint64_t seed)
{
    memset(c, 0, sizeof(*c));
    c->core = core;
    c->device = device;
    c->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
    c->worst_nmse = 0.0;
    c->worst_err = 0.0;
}

void ot_ctx_finish(ot_ctx *c)
{
    grt_infer_request_destroy(c->rq);
    grt_compiled_model_destroy(c->cm);
    grt_model_destroy(c->model);
    for (size_t i = 0; i < c->n_in; i++)
        grt_tensor_destroy(c->in[i].bound);
    for (size_t i = 0; i < c->n_allocs; i++)
        free(c->allocs[i]);
    free(c->allocs);
    c->rq = NULL;
    c->cm = NULL;
    c->model = NULL;
    c->allocs = NULL;
    c->n_allocs = c->cap_allocs = 0;
    c->n_in = c->n_out = 0;
}

static void vset(ot_ctx *c, ot_status r, const char *fmt, va_list ap)
{
    if (c->result != OT_PASS)
        return; /* keep the first failure */
    c->result = r;
    vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
}

void ot_fail(ot_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(c, OT_FAIL, fmt, ap);
    va_end(ap);
}

void ot_skip(ot_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(c, OT_SKIP, fmt, ap);
    va_end(ap);
}

int ot_check(ot_ctx *c, int cond, const char *fmt, ...)
{
    if (!cond) {
        va_list ap;
        va_start(ap, fmt);
        vset(c, OT_FAIL, fmt, ap);
        va_end(ap);
    }
    return cond;
}

/* Fails with the API status and last error. */
static void api_fail(ot_ctx *c, grt_status st, const char *what)
{
    ot_fail(c, "%s: %s: %s", what, grt_status_str(st), grt_last_error());
}

const char *ot_type_name(grt_element_type t)
{
    switch (t) {
    case GRT_F32: return "f32";
    case GRT_F16: return "f16";
    case GRT_BF16: return "bf16";
    case GRT_I64: return "i64";
    case GRT_I32: return "i32";
    case GRT_I8: return "i8";
    case GRT_U8: return "u8";
    case GRT_I4: return "i4";
    case GRT_U4: return "u4";
    case GRT_BOOLEAN: return "boolean";
    default: return "undefined";
    }
}

/* ---------------------------------------------------------------------------------------- */

uint64_t ot_rand_u64(ot_ctx *c)
{
    uint64_t z = (c->rng += 0x9e3779b97f4a7c15ull); /* splitmix64 */
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

double ot_uniform(ot_ctx *c, double lo, double hi)
{
    return lo + (hi - lo) * ((double)(ot_rand_u64(c) >> 11) * 0x1.0p-53);
}

static void track(ot_ctx *c, void *p)
{
    if (!p)
        return;
    if (c->n_allocs == c->cap_allocs) {
        size_t cap = c->cap_allocs ? c->cap_allocs * 2 : 32;
        void **n = realloc(c->allocs, cap * sizeof(*n));
        if (!n) {
            free(p);
            ot_fail(c, "out of memory in the harness");
            return;
        }
        c->allocs = n;
        c->cap_allocs = cap;
    }
    c->allocs[c->n_allocs++] = p;
}

void ot_keep(ot_ctx *c, ref_tensor *t)
{
    track(c, t->v);
}

int ot_ref(ot_ctx *c, int rc, ref_tensor *t, const char *what)
{
    if (rc != 0) {
        ot_fail(c, "reference %s rejected the case's inputs (a bug in the test)", what);
        return -1;
    }
    ot_keep(c, t);
    return 0;
}

ref_tensor ot_tensor(ot_ctx *c, grt_element_type type, size_t rank, const int64_t *dims,
                     const double *vals)
{
    ref_tensor t;
    if (ref_tensor_alloc(&t, type, rank, dims) != 0) {
        ot_fail(c, "cannot allocate a reference tensor");
        memset(&t, 0, sizeof(t));
        t.type = type;
        return t;
    }
    size_t n = ref_numel(rank, dims);
    if (vals)
        for (size_t i = 0; i < n; i++)
            t.v[i] = vals[i];
    ot_keep(c, &t);
    return t;
}

ref_tensor ot_rand(ot_ctx *c, grt_element_type type, size_t rank, const int64_t *dims, double lo,
                   double hi)
{
    ref_tensor t = ot_tensor(c, type, rank, dims, NULL);
    size_t n = t.v ? ref_numel(rank, dims) : 0;
    for (size_t i = 0; i < n; i++) {
        if (ref_is_float_type(type))
            t.v[i] = ref_round_float(ot_uniform(c, lo, hi), type);
        else
            t.v[i] = floor(ot_uniform(c, lo, hi + 1.0));
    }
    return t;
}

/* ---------------------------------------------------------------------------------------- */

static int ensure_model(ot_ctx *c)
{
    if (!ot_ok(c))
        return -1;
    if (c->model)
        return 0;
    grt_status st = grt_model_create("op_test", &c->model);
    if (st != GRT_OK) {
        api_fail(c, st, "grt_model_create");
        return -1;
    }
    return 0;
}

grt_port ot_param_decl(ot_ctx *c, grt_element_type type, size_t rank, const int64_t *decl_dims,
                       const ref_tensor *value)
{
    grt_port p = {0, 0};
    if (ensure_model(c) != 0)
        return p;
    if (c->n_in == OT_MAX_IO) {
        ot_fail(c, "too many inputs");
        return p;
    }
    ot_input *in = &c->in[c->n_in];
    memset(in, 0, sizeof(*in));
    snprintf(in->name, sizeof(in->name), "in%zu", c->n_in);
    in->type = type;
    grt_status st = grt_model_add_parameter(c->model, in->name, type, rank, decl_dims, &p);
    if (st != GRT_OK) {
        api_fail(c, st, "grt_model_add_parameter");
        return p;
    }
    if (value)
        in->value = *value;
    c->n_in++;
    return p;
}

grt_port ot_param_dynamic(ot_ctx *c, grt_element_type type, size_t rank)
{
    int64_t decl[GRT_MAX_RANK];
    if (rank > GRT_MAX_RANK) {
        ot_fail(c, "ot_param_dynamic: rank %zu", rank);
        return (grt_port){0, 0};
    }
    for (size_t i = 0; i < rank; i++)
        decl[i] = GRT_DYNAMIC;
    return ot_param_decl(c, type, rank, decl, NULL);
}

grt_port ot_param(ot_ctx *c, const ref_tensor *value)
{
    return ot_param_decl(c, value->type, value->rank, value->dims, value);
}

void ot_set_input(ot_ctx *c, size_t index, const ref_tensor *value)
{
    if (index >= c->n_in) {
        ot_fail(c, "ot_set_input: no input %zu", index);
        return;
    }
    c->in[index].value = *value;
}

static void *pack_alloc(ot_ctx *c, const ref_tensor *t, size_t *bytes)
{
    size_t n = ref_numel(t->rank, t->dims);
    *bytes = ref_storage_bytes(t->type, n);
    void *buf = malloc(*bytes ? *bytes : 1);
    if (!buf) {
        ot_fail(c, "out of memory in the harness");
        return NULL;
    }
    if (ref_pack(t->type, t->v, n, buf, *bytes) != 0) {
        free(buf);
        ot_fail(c, "cannot pack a %s tensor", ot_type_name(t->type));
        return NULL;
    }
    track(c, buf);
    return buf;
}

grt_port ot_const(ot_ctx *c, const ref_tensor *value)
{
    grt_port p = {0, 0};
    char name[32];
    size_t bytes;
    if (ensure_model(c) != 0)
        return p;
    void *buf = pack_alloc(c, value, &bytes);
    if (!buf)
        return p;
    snprintf(name, sizeof(name), "const%zu", grt_model_node_count(c->model));
    grt_status st = grt_model_add_constant(c->model, name, value->type, value->rank, value->dims,
                                           buf, bytes, &p);
    if (st != GRT_OK)
        api_fail(c, st, "grt_model_add_constant");
    return p;
}

grt_port ot_qconst(ot_ctx *c, grt_element_type type, size_t rank, const int64_t *dims,
                   grt_element_type storage, int64_t group, grt_element_type scale_type,
                   ref_tensor *deq)
{
    return ot_qconst_zp(c, type, rank, dims, storage, group, scale_type, GRT_UNDEFINED, deq);
}

grt_port ot_qconst_zp(ot_ctx *c, grt_element_type type, size_t rank, const int64_t *dims,
                      grt_element_type storage, int64_t group, grt_element_type scale_type,
                      grt_element_type zp_type, ref_tensor *deq)
{
    grt_port p = {0, 0};
    char name[32];
    memset(deq, 0, sizeof(*deq));
    if (ensure_model(c) != 0)
        return p;
    if (rank < 1 || dims[rank - 1] < 1) {
        ot_fail(c, "ot_qconst: bad shape");
        return p;
    }
    int64_t k = dims[rank - 1];
    int64_t g = group ? group : k;
    int64_t rows = (int64_t)(ref_numel(rank, dims) / (size_t)k), ng = k / g;
    int asym = storage == GRT_U8 || storage == GRT_U4;
    double qlo = storage == GRT_I8 ? -128 : storage == GRT_I4 ? -8 : 0;
    double qhi = storage == GRT_I8 ? 127 : storage == GRT_I4 ? 7 : storage == GRT_U8 ? 255 : 15;
    double half = storage == GRT_I8 || storage == GRT_U8 ? 127.0 : 7.0;
    ref_tensor q = ot_rand(c, storage, rank, dims, qlo, qhi);
    int64_t sd[GRT_MAX_RANK];
    memcpy(sd, dims, rank * sizeof(int64_t));
    sd[rank - 1] = ng;
    ref_tensor s = ot_rand(c, scale_type, rank, sd, 0.5 / half, 1.5 / half);
    ref_tensor z = {0};
    if (asym) /* zero points near the middle of the range */
        z = ot_rand(c, zp_type == GRT_UNDEFINED ? storage : zp_type, rank, sd, qhi / 2 - 2,
                    qhi / 2 + 2);
    if (!ot_ok(c))
        return p;
    if (ref_tensor_alloc(deq, type, rank, dims) != 0) {
        ot_fail(c, "out of memory in the harness");
        return p;
    }
    ot_keep(c, deq);
    ref_dequant(q.v, s.v, asym ? z.v : NULL, rows, k, g, deq->v);
    size_t qb, sb, zb = 0;
    void *qbuf = pack_alloc(c, &q, &qb);
    void *sbuf = pack_alloc(c, &s, &sb);
    void *zbuf = asym ? pack_alloc(c, &z, &zb) : NULL;
    if (!ot_ok(c))
        return p;
    grt_compression_info info;
    memset(&info, 0, sizeof(info));
    info.struct_size = sizeof(info);
    info.kind = asym ? GRT_COMPRESSION_ASYM : GRT_COMPRESSION_SYM;
    info.storage_type = storage;
    info.scale_type = scale_type;
    info.group_size = g;
    info.scales = sbuf;
    info.scales_bytes = sb;
    info.zero_points = zbuf;
    info.zero_points_bytes = zb;
    info.zero_point_type = asym ? zp_type : GRT_UNDEFINED;
    snprintf(name, sizeof(name), "qconst%zu", grt_model_node_count(c->model));
    grt_status st = grt_model_add_compressed_constant(c->model, name, type, rank, dims, qbuf, qb,
                                                      &info, &p);
    if (st != GRT_OK)
        api_fail(c, st, "grt_model_add_compressed_constant");
    return p;
}

uint32_t ot_node(ot_ctx *c, grt_op_type op, size_t n_in, const grt_port *in, size_t n_attr,
                 const grt_attribute *attrs)
{
    uint32_t id = 0;
    char name[32];
    if (ensure_model(c) != 0)
        return 0;
    snprintf(name, sizeof(name), "node%zu", grt_model_node_count(c->model));
    grt_status st = grt_model_add_op(c->model, op, name, n_in, in, n_attr, attrs, &id);
    if (st != GRT_OK) {
        api_fail(c, st, "grt_model_add_op");
        return 0;
    }
    return id;
}

grt_port ot_op(ot_ctx *c, grt_op_type op, size_t n_in, const grt_port *in, size_t n_attr,
               const grt_attribute *attrs)
{
    grt_port p = {ot_node(c, op, n_in, in, n_attr, attrs), 0};
    return p;
}

void ot_result(ot_ctx *c, grt_port value, const ref_tensor *expect)
{
    if (ensure_model(c) != 0)
        return;
    if (c->n_out == OT_MAX_IO) {
        ot_fail(c, "too many outputs");
        return;
    }
    ot_output *o = &c->out[c->n_out];
    memset(o, 0, sizeof(*o));
    snprintf(o->name, sizeof(o->name), "out%zu", c->n_out);
    grt_status st = grt_model_add_result(c->model, o->name, value);
    if (st != GRT_OK) {
        api_fail(c, st, "grt_model_add_result");
        return;
    }
    if (expect) {
        o->expect = *expect;
        o->has_expect = 1;
    }
    c->n_out++;
}

void ot_set_expect(ot_ctx *c, size_t index, const ref_tensor *expect)
{
    if (index >= c->n_out) {
        ot_fail(c, "ot_set_expect: no output %zu", index);
        return;
    }
    c->out[index].expect = *expect;
    c->out[index].has_expect = 1;
}

void ot_set_tol(ot_ctx *c, size_t index, double tol)
{
    if (index < c->n_out)
        c->out[index].tol = tol;
}

/* ---------------------------------------------------------------------------------------- */

int ot_compile(ot_ctx *c)
{
    if (!ot_ok(c) || ensure_model(c) != 0)
        return -1;
    if (c->rq)
        return 0;
    grt_status st = grt_core_compile_model(c->core, c->model, c->device, NULL, 0, &c->cm);
    if (st == GRT_ERROR_NOT_SUPPORTED && c->skip_unsupported) {
        ot_skip(c, "not supported by %s: %s", c->device, grt_last_error());
        return -1;
    }
    if (st != GRT_OK) {
        api_fail(c, st, "grt_core_compile_model");
        return -1;
    }
    st = grt_compiled_model_create_infer_request(c->cm, &c->rq);
    if (st != GRT_OK) {
        api_fail(c, st, "grt_compiled_model_create_infer_request");
        return -1;
    }
    return 0;
}

/* Binds every input's current value; returns the first failing status (GRT_OK if all bound). */
static grt_status bind_inputs(ot_ctx *c)
{
    for (size_t i = 0; i < c->n_in; i++) {
        ot_input *in = &c->in[i];
        grt_tensor *t = NULL;
        const ref_tensor *v = &in->value;
        grt_status st = grt_tensor_create(v->type, v->rank, v->dims, &t);
        if (st != GRT_OK) {
            api_fail(c, st, "grt_tensor_create");
            return st;
        }
        size_t n = ref_numel(v->rank, v->dims);
        if (n && ref_pack(v->type, v->v, n, grt_tensor_data(t), grt_tensor_byte_size(t)) != 0) {
            grt_tensor_destroy(t);
            ot_fail(c, "cannot pack input %s", in->name);
            return GRT_ERROR_INTERNAL;
        }
        st = grt_infer_request_set_tensor(c->rq, in->name, t);
        if (st != GRT_OK) {
            grt_tensor_destroy(t);
            return st;
        }
        grt_tensor_destroy(in->bound); /* the request now borrows t instead */
        in->bound = t;
    }
    return GRT_OK;
}

static int find_output(ot_ctx *c, const char *name, size_t *index)
{
    size_t n = grt_compiled_model_output_count(c->cm);
    for (size_t i = 0; i < n; i++) {
        const char *nm = NULL;
        if (grt_compiled_model_output(c->cm, i, &nm, NULL, NULL) == GRT_OK && nm &&
            strcmp(nm, name) == 0) {
            *index = i;
            return 0;
        }
    }
    return -1;
}

static double default_tol(grt_element_type t)
{
    switch (t) {
    case GRT_F32: return 1e-5;
    case GRT_F16: return 1e-3;
    case GRT_BF16: return 1e-2;
    default: return 0.0;
    }
}

/* Reads a (possibly strided) tensor into doubles. */
static int read_tensor(const grt_tensor *t, double *v, size_t n)
{
    grt_element_type type = grt_tensor_element_type(t);
    const unsigned char *base = grt_tensor_data(t);
    if (n == 0)
        return 0;
    if (!base)
        return -1;
    if (type == GRT_I4 || type == GRT_U4 || grt_tensor_is_dense(t))
        return ref_unpack(type, base, n, v);
    size_t rank = grt_tensor_rank(t);
    const int64_t *dims = grt_tensor_dims(t), *strides = grt_tensor_strides(t);
    for (size_t i = 0; i < n; i++) {
        size_t rem = i;
        int64_t off = 0;
        for (size_t d = rank; d-- > 0;) {
            off += (int64_t)(rem % (size_t)dims[d]) * strides[d];
            rem /= (size_t)dims[d];
        }
        if (ref_unpack(type, base + off, 1, v + i) != 0)
            return -1;
    }
    return 0;
}

const char *ot_shape_str(char *buf, size_t cap, size_t rank, const int64_t *dims)
{
    size_t len = 0;
    len += (size_t)snprintf(buf, cap, "[");
    for (size_t i = 0; i < rank && len < cap; i++)
        len += (size_t)snprintf(buf + len, cap - len, i ? ",%lld" : "%lld", (long long)dims[i]);
    if (len < cap)
        snprintf(buf + len, cap - len, "]");
    return buf;
}

int ot_compare(ot_ctx *c, const char *what, const grt_tensor *t, const ref_tensor *e, double tol)
{
    char s1[128], s2[128];
    grt_element_type type = grt_tensor_element_type(t);
    size_t rank = grt_tensor_rank(t);
    const int64_t *dims = grt_tensor_dims(t);
    if (type != e->type) {
        ot_fail(c, "%s: element type %s, expected %s", what, ot_type_name(type),
                ot_type_name(e->type));
        return -1;
    }
    ot_shape_str(s1, sizeof(s1), rank, dims);
    ot_shape_str(s2, sizeof(s2), e->rank, e->dims);
    if (rank != e->rank || (rank && memcmp(dims, e->dims, rank * sizeof(int64_t)) != 0)) {
        ot_fail(c, "%s: shape %s, expected %s", what, s1, s2);
        return -1;
    }
    size_t n = ref_numel(e->rank, e->dims);
    double *v = malloc((n ? n : 1) * sizeof(double));
    if (!v) {
        ot_fail(c, "out of memory in the harness");
        return -1;
    }
    if (read_tensor(t, v, n) != 0) {
        free(v);
        ot_fail(c, "%s: cannot read the output tensor", what);
        return -1;
    }
    if (tol <= 0.0)
        tol = default_tol(type);
    int rc = 0;
    if (!ref_is_float_type(type)) { /* exact */
        for (size_t i = 0; i < n; i++) {
            if (v[i] != e->v[i]) {
                ot_fail(c, "%s %s %s: element %zu is %.17g, expected %.17g", what,
                        ot_type_name(type), s2, i, v[i], e->v[i]);
                rc = -1;
                break;
            }
        }
        free(v);
        return rc;
    }
    double scale = 1.0, num = 0.0, den = 0.0, maxabs = 0.0;
    size_t worst = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(e->v[i]))
            scale = fmax(scale, fabs(e->v[i]));
    for (size_t i = 0; i < n; i++) {
        double a = v[i], b = e->v[i];
        if (!isfinite(b)) {
            if (!(a == b || (isnan(a) && isnan(b)))) {
                ot_fail(c, "%s: element %zu is %g, expected %g", what, i, a, b);
                rc = -1;
                break;
            }
            continue;
        }
        if (!isfinite(a)) {
            ot_fail(c, "%s %s %s: element %zu is %g, expected %.9g", what, ot_type_name(type),
                    s2, i, a, b);
            rc = -1;
            break;
        }
        double d = fabs(a - b);
        num += d * d;
        den += b * b;
        if (d > maxabs) {
            maxabs = d;
            worst = i;
        }
    }
    if (rc == 0) {
        double nmse = den > 0.0 ? num / den : num;
        double err = maxabs / scale;
        if (nmse > c->worst_nmse)
            c->worst_nmse = nmse;
        if (err > c->worst_err)
            c->worst_err = err;
        if (err > tol || nmse > tol * tol) {
            ot_fail(c,
                    "%s %s %s: nmse %.3g, max err %.3g (tol %.1g) at element %zu: got %.9g, "
                    "expected %.9g",
                    what, ot_type_name(type), s2, nmse, err, tol, worst, v[worst], e->v[worst]);
            rc = -1;
        }
    }
    free(v);
    return rc;
}

int ot_run_with(ot_ctx *c, const ref_tensor *x, const ref_tensor *expect)
{
    ot_set_input(c, 0, x);
    ot_set_expect(c, 0, expect);
    return ot_run(c);
}

int ot_run(ot_ctx *c)
{
    char what[64];
    if (ot_compile(c) != 0)
        return -1;
    grt_status st = bind_inputs(c);
    if (st != GRT_OK) {
        api_fail(c, st, "binding inputs");
        return -1;
    }
    c->runs++;
    st = grt_infer_request_infer(c->rq);
    if (st != GRT_OK) {
        snprintf(what, sizeof(what), "infer #%d", c->runs);
        api_fail(c, st, what);
        return -1;
    }
    for (size_t i = 0; i < c->n_out && ot_ok(c); i++) {
        ot_output *o = &c->out[i];
        size_t index;
        grt_tensor *t = NULL;
        if (!o->has_expect)
            continue;
        if (find_output(c, o->name, &index) != 0) {
            ot_fail(c, "compiled model has no output '%s'", o->name);
            return -1;
        }
        st = grt_infer_request_get_output(c->rq, index, &t);
        if (st != GRT_OK) {
            api_fail(c, st, "grt_infer_request_get_output");
            return -1;
        }
        snprintf(what, sizeof(what), "infer #%d %s", c->runs, o->name);
        if (ot_compare(c, what, t, &o->expect, o->tol) != 0)
            return -1;
    }
    return ot_ok(c) ? 0 : -1;
}

int ot_run_expect_error(ot_ctx *c, const char *what)
{
    if (ot_compile(c) != 0)
        return -1;
    grt_clear_error();
    grt_status st = bind_inputs(c);
    if (!ot_ok(c))
        return -1;
    if (st == GRT_OK)
        st = grt_infer_request_infer(c->rq);
    if (st == GRT_OK) {
        ot_fail(c, "%s: expected an error status, got GRT_OK", what);
        return -1;
    }
    const char *msg = grt_last_error();
    if (!msg || !msg[0]) {
        ot_fail(c, "%s: failed with %s but left no last-error message", what,
                grt_status_str(st));
        return -1;
    }
    return 0;
}
