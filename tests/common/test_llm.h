/*
 * tests/common/test_llm.h - one step of an imported LLM through the public API, shared by the
 * model tests: the graph interface of core/src/frontends/llm.h (inputs input_ids and position_ids
 * [1, n] i64, output logits [1, n, V] f32).
 *
 * test_llm_step binds ids[0..n) at positions pos0 .. pos0 + n - 1, runs one infer and returns the
 * logits (borrowed from the request, valid until its next infer) and V. The input tensors wrap
 * the caller's ids and a local position array and are released before returning (the request
 * borrows inputs only for the infer that ran). Errors: the failing call's status, or
 * GRT_ERROR_SHAPE when the logits are not a dense f32 [1, n, V]. Header-only; reentrant.
 */
#ifndef GENRT_TESTS_COMMON_TEST_LLM_H
#define GENRT_TESTS_COMMON_TEST_LLM_H

#include <stdint.h>
#include <stdlib.h>

#include <genrt/genrt.h>

static inline grt_status test_llm_step(grt_infer_request *rq, const int64_t *ids, size_t n,
                                       int64_t pos0, const float **logits, int64_t *vocab)
{
    int64_t dims[2] = {1, (int64_t)n};
    int64_t *pos = malloc((n ? n : 1) * sizeof *pos);
    grt_tensor *ti = NULL, *tp = NULL, *out = NULL;
    grt_status st = pos ? GRT_OK : GRT_ERROR_OUT_OF_MEMORY;
    *logits = NULL;
    *vocab = 0;
    for (size_t i = 0; pos && i < n; i++)
        pos[i] = pos0 + (int64_t)i;
    if (st != GRT_OK ||
        (st = grt_tensor_wrap(GRT_I64, 2, dims, NULL, (void *)ids, n * sizeof *ids, &ti)) != GRT_OK ||
        (st = grt_tensor_wrap(GRT_I64, 2, dims, NULL, pos, n * sizeof *pos, &tp)) != GRT_OK ||
        (st = grt_infer_request_set_tensor(rq, "input_ids", ti)) != GRT_OK ||
        (st = grt_infer_request_set_tensor(rq, "position_ids", tp)) != GRT_OK ||
        (st = grt_infer_request_infer(rq)) != GRT_OK ||
        (st = grt_infer_request_get_tensor(rq, "logits", &out)) != GRT_OK)
        goto done;
    const int64_t *d = grt_tensor_dims(out);
    if (grt_tensor_element_type(out) != GRT_F32 || grt_tensor_rank(out) != 3 || d[0] != 1 ||
        d[1] != (int64_t)n || !grt_tensor_is_dense(out)) {
        st = GRT_ERROR_SHAPE;
        goto done;
    }
    *logits = grt_tensor_data(out);
    *vocab = d[2];
done:
    grt_tensor_destroy(ti);
    grt_tensor_destroy(tp);
    free(pos);
    return st;
}

#endif
