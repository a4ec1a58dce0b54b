/* tests/unit/runtime/test_tensor.c - grt_tensor create/wrap/strides/overflow and the
 * tensor <-> grt_tensor_desc helpers, checked against plain index arithmetic. */
#include <stdint.h>
#include <stdlib.h>

#include "runtime/tensor_internal.h"
#include "test_util.h"

static void test_create(void) {
    int64_t dims[3] = {2, 3, 5};
    grt_tensor *t = NULL;
    CHECK_ERR(grt_tensor_create(GRT_F32, 3, dims, &t), GRT_OK, NULL);
    if (!t) return;
    CHECK(grt_tensor_element_type(t) == GRT_F32);
    CHECK(grt_tensor_rank(t) == 3);
    CHECK(grt_tensor_element_count(t) == 30);
    CHECK(grt_tensor_byte_size(t) == 120);
    CHECK(((uintptr_t)grt_tensor_data(t) % 64) == 0);
    CHECK(grt_tensor_is_dense(t));
    const int64_t *s = grt_tensor_strides(t);
    CHECK(s[2] == 4 && s[1] == 20 && s[0] == 60);
    const float *f = grt_tensor_data(t);
    int zero = 1;
    for (int i = 0; i < 30; i++) zero &= f[i] == 0.0f;
    CHECK(zero);
    grt_tensor_destroy(t);

    /* scalar and empty tensors */
    CHECK_ERR(grt_tensor_create(GRT_I64, 0, NULL, &t), GRT_OK, NULL);
    CHECK(t && grt_tensor_element_count(t) == 1 && grt_tensor_byte_size(t) == 8);
    grt_tensor_destroy(t);
    int64_t empty[2] = {0, 7};
    CHECK_ERR(grt_tensor_create(GRT_F16, 2, empty, &t), GRT_OK, NULL);
    CHECK(t && grt_tensor_element_count(t) == 0 && grt_tensor_byte_size(t) == 0);
    grt_tensor_destroy(t);

    /* sub-byte types pack two per byte, rounding up */
    int64_t odd[2] = {3, 5};
    CHECK_ERR(grt_tensor_create(GRT_U4, 2, odd, &t), GRT_OK, NULL);
    CHECK(t && grt_tensor_byte_size(t) == 8);
    grt_tensor_destroy(t);

    /* bad arguments */
    int64_t neg[2] = {2, -1};
    CHECK_ERR(grt_tensor_create(GRT_F32, 2, neg, &t), GRT_ERROR_INVALID_ARGUMENT, "negative");
    CHECK(t == NULL);
    CHECK_ERR(grt_tensor_create(GRT_UNDEFINED, 1, dims, &t), GRT_ERROR_INVALID_ARGUMENT,
              "element type");
    CHECK_ERR(grt_tensor_create((grt_element_type)99, 1, dims, &t), GRT_ERROR_INVALID_ARGUMENT,
              "element type");
    int64_t many[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    CHECK_ERR(grt_tensor_create(GRT_F32, 9, many, &t), GRT_ERROR_INVALID_ARGUMENT, "rank");
    CHECK_ERR(grt_tensor_create(GRT_F32, 2, NULL, &t), GRT_ERROR_INVALID_ARGUMENT, "dims");
    int64_t huge[3] = {INT64_MAX / 2, 4, 4};
    CHECK_ERR(grt_tensor_create(GRT_F32, 3, huge, &t), GRT_ERROR_INVALID_ARGUMENT, "overflow");
    int64_t huge2[2] = {(int64_t)1 << 62, 2};
    CHECK_ERR(grt_tensor_create(GRT_U8, 2, huge2, &t), GRT_ERROR_INVALID_ARGUMENT, "overflow");
    int64_t zero_huge[3] = {0, (int64_t)1 << 40, (int64_t)1 << 40};
    CHECK_ERR(grt_tensor_create(GRT_F32, 3, zero_huge, &t), GRT_ERROR_INVALID_ARGUMENT,
              "overflow");
    grt_tensor_destroy(NULL);
}

static void test_wrap(void) {
    float buf[24];
    for (int i = 0; i < 24; i++) buf[i] = (float)i;
    int64_t dims[2] = {4, 6};
    grt_tensor *t = NULL;
    CHECK_ERR(grt_tensor_wrap(GRT_F32, 2, dims, NULL, buf, sizeof buf, &t), GRT_OK, NULL);
    CHECK(t && grt_tensor_data(t) == buf && grt_tensor_is_dense(t));
    CHECK(t && grt_tensor_strides(t)[0] == 24 && grt_tensor_strides(t)[1] == 4);
    grt_tensor_destroy(t); /* must not free buf */
    CHECK(buf[23] == 23.0f);

    /* too small */
    CHECK_ERR(grt_tensor_wrap(GRT_F32, 2, dims, NULL, buf, sizeof buf - 1, &t),
              GRT_ERROR_INVALID_ARGUMENT, "too small");
    CHECK_ERR(grt_tensor_wrap(GRT_F32, 2, dims, NULL, NULL, sizeof buf, &t),
              GRT_ERROR_INVALID_ARGUMENT, "NULL");

    /* a transposed view of the 4x6 buffer: shape [6,4], strides {4, 24} */
    int64_t tdims[2] = {6, 4}, tstr[2] = {4, 24};
    CHECK_ERR(grt_tensor_wrap(GRT_F32, 2, tdims, tstr, buf, sizeof buf, &t), GRT_OK, NULL);
    CHECK(t && !grt_tensor_is_dense(t));
    if (t) {
        grt_tensor_desc d;
        grt_tensor_to_desc(t, &d);
        CHECK(d.struct_size == sizeof d && d.shape.rank == 2 && d.strides[0] == 4 &&
              d.strides[1] == 24 && d.data == buf && d.byte_size == sizeof buf);
        grt_tensor *copy = NULL;
        CHECK_ERR(grt_tensor_copy_from_desc(&d, "t", &copy), GRT_OK, NULL);
        if (copy) {
            const float *c = grt_tensor_data(copy);
            int ok = grt_tensor_is_dense(copy);
            for (int i = 0; i < 6; i++)
                for (int j = 0; j < 4; j++) ok &= c[i * 4 + j] == buf[j * 6 + i];
            CHECK(ok);
            grt_tensor_destroy(copy);
        }
        grt_tensor_destroy(t);
    }

    /* a strided view reaching past the buffer */
    int64_t bad[2] = {4, 28};
    CHECK_ERR(grt_tensor_wrap(GRT_F32, 2, dims, bad, buf, sizeof buf, &t),
              GRT_ERROR_INVALID_ARGUMENT, "too small");
    /* strides not a multiple of the element size, or negative */
    int64_t odd[2] = {24, 2};
    CHECK_ERR(grt_tensor_wrap(GRT_F32, 2, dims, odd, buf, sizeof buf, &t),
              GRT_ERROR_INVALID_ARGUMENT, "stride 1");
    int64_t negs[2] = {-24, 4};
    CHECK_ERR(grt_tensor_wrap(GRT_F32, 2, dims, negs, buf, sizeof buf, &t),
              GRT_ERROR_INVALID_ARGUMENT, "stride 0");
    /* overflowing strides */
    int64_t ovf[2] = {INT64_MAX / 2, 4};
    CHECK_ERR(grt_tensor_wrap(GRT_F32, 2, dims, ovf, buf, sizeof buf, &t),
              GRT_ERROR_INVALID_ARGUMENT, NULL);
    /* misaligned data */
    CHECK_ERR(grt_tensor_wrap(GRT_F32, 1, dims, NULL, (char *)buf + 1, 20, &t),
              GRT_ERROR_INVALID_ARGUMENT, "aligned");
    /* broadcast (stride 0) is allowed and needs one element */
    int64_t bstr[2] = {0, 4};
    CHECK_ERR(grt_tensor_wrap(GRT_F32, 2, dims, bstr, buf, 24, &t), GRT_OK, NULL);
    grt_tensor_destroy(t);
    /* empty tensor may have NULL data */
    int64_t edims[1] = {0};
    CHECK_ERR(grt_tensor_wrap(GRT_F32, 1, edims, NULL, NULL, 0, &t), GRT_OK, NULL);
    grt_tensor_destroy(t);
}

static void test_desc(void) {
    float buf[6] = {1, 2, 3, 4, 5, 6};
    grt_tensor_desc d;
    memset(&d, 0, sizeof d);
    d.struct_size = sizeof d;
    d.element_type = GRT_F32;
    d.shape.rank = 2;
    d.shape.dims[0] = 2;
    d.shape.dims[1] = 3;
    d.strides[0] = 12;
    d.strides[1] = 4;
    d.data = buf;
    d.byte_size = sizeof buf;
    grt_tensor t;
    memset(&t, 0, sizeof t);
    CHECK_ERR(grt_tensor_set_from_desc(&t, &d, "output 'y'"), GRT_OK, NULL);
    CHECK(t.borrowed && t.data == buf && grt_tensor_element_count(&t) == 6);
    grt_tensor_destroy(&t); /* borrowed: a no-op */

    grt_tensor_desc bad = d;
    bad.byte_size = 8;
    CHECK_ERR(grt_tensor_set_from_desc(&t, &bad, "output 'y'"), GRT_ERROR_DEVICE, "output 'y'");
    bad = d;
    bad.struct_size = 8;
    CHECK_ERR(grt_tensor_set_from_desc(&t, &bad, "output 'y'"), GRT_ERROR_DEVICE, "output 'y'");
    bad = d;
    bad.shape.dims[1] = -1;
    CHECK_ERR(grt_tensor_set_from_desc(&t, &bad, "output 'y'"), GRT_ERROR_DEVICE, "negative");
    bad = d;
    bad.shape.rank = 12;
    CHECK_ERR(grt_tensor_set_from_desc(&t, &bad, "output 'y'"), GRT_ERROR_DEVICE, "rank");
    CHECK(t.data == buf && t.rank == 2); /* unchanged on failure */
}

int main(void) {
    test_create();
    test_wrap();
    test_desc();
    return test_summary("runtime_tensor");
}
