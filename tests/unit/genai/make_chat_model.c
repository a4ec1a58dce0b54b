/*
 * tests/unit/genai/make_chat_model.c - writes a tiny "chat" LLM for the `genrt chat` test:
 * usage: genai_make_chat_model VOCAB.gguf OUT.genrtir [GENERATION_CONFIG_JSON] (the JSON text, stored
 * as the metadata "generation.huggingface.config" like the HF frontend does). The model has the LLM interface
 * (input_ids, position_ids -> logits) and the tokenizer metadata of VOCAB.gguf; after the token
 * " ok" it always predicts EOS, after any other token " ok" — so every reply is " ok".
 * Exit 0 ok, 1 failure (message on stderr), 77 if the vocabulary cannot be read.
 */
#include <genrt/genrt.h>
#include <genrt/tokenizer.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: %s VOCAB.gguf OUT.genrtir [GENERATION_CONFIG_JSON]\n", argv[0]);
        return 1;
    }
    grt_model *vocab = NULL, *m = NULL;
    grt_tokenizer *tok = NULL;
    int32_t *ok_ids = NULL;
    size_t n_ok = 0;
    int64_t *cls = NULL;
    float *rows = NULL;
    int rc = 1;
    grt_status st;
    if (grt_model_read(NULL, argv[1], &vocab) != GRT_OK ||
        grt_tokenizer_create_from_model(vocab, &tok) != GRT_OK) {
        printf("skip: cannot read the vocabulary %s: %s\n", argv[1], grt_last_error());
        rc = 77;
        goto done;
    }
    int64_t V = (int64_t)grt_tokenizer_vocab_size(tok);
    int32_t eos = grt_tokenizer_eos(tok);
    if ((st = grt_tokenizer_encode(tok, " ok", 3, 0, &ok_ids, &n_ok)) || n_ok != 1 || eos < 0) {
        fprintf(stderr, "' ok' is not one token or no EOS\n");
        goto done;
    }
    cls = calloc((size_t)V, sizeof *cls);
    rows = malloc(2 * (size_t)V * sizeof *rows);
    if (!cls || !rows) goto done;
    cls[ok_ids[0]] = 1;
    for (int64_t v = 0; v < V; v++) {
        rows[v] = v == ok_ids[0] ? 5.0f : -1.0f; /* class 0: say " ok" */
        rows[V + v] = v == eos ? 5.0f : -1.0f;   /* class 1: end */
    }
    int64_t dyn[2] = {1, GRT_DYNAMIC}, rdims[2] = {2, V};
    grt_port ids, pos, ct, rt, c, logits;
    uint32_t node;
    if ((st = grt_model_create("chat-script", &m)) ||
        (st = grt_model_add_parameter(m, "input_ids", GRT_I64, 2, dyn, &ids)) ||
        (st = grt_model_add_parameter(m, "position_ids", GRT_I64, 2, dyn, &pos)) ||
        (st = grt_model_add_constant(m, "class", GRT_I64, 1, &V, cls, (size_t)V * sizeof *cls,
                                     &ct)) ||
        (st = grt_model_add_constant(m, "rows", GRT_F32, 2, rdims, rows,
                                     2 * (size_t)V * sizeof *rows, &rt)))
        goto fail;
    grt_port g1[2] = {ct, ids};
    if ((st = grt_model_add_op(m, GRT_OP_GATHER, "class_of", 2, g1, 0, NULL, &node))) goto fail;
    c = (grt_port){node, 0};
    grt_port g2[2] = {rt, c};
    if ((st = grt_model_add_op(m, GRT_OP_GATHER, "logits_of", 2, g2, 0, NULL, &node))) goto fail;
    logits = (grt_port){node, 0};
    if ((st = grt_model_add_result(m, "logits", logits))) goto fail;
    /* position_ids is part of the interface but unused: keep it alive through a Result */
    if ((st = grt_model_add_result(m, "positions", pos))) goto fail;
    for (size_t i = 0; i < grt_model_meta_count(vocab); i++) {
        const char *key = grt_model_meta_key(vocab, i);
        grt_meta_value v;
        if (!key || strncmp(key, "tokenizer.", 10)) continue;
        if ((st = grt_model_get_meta(vocab, key, &v)) || (st = grt_model_set_meta(m, key, &v)))
            goto fail;
    }
    if (argc == 4) {
        grt_meta_value gv = {.type = GRT_META_STRING};
        gv.u.str.data = argv[3];
        gv.u.str.len = strlen(argv[3]);
        if ((st = grt_model_set_meta(m, "generation.huggingface.config", &gv))) goto fail;
    }
    if ((st = grt_model_save(m, argv[2]))) goto fail;
    rc = 0;
    goto done;
fail:
    fprintf(stderr, "make_chat_model: %s: %s\n", grt_status_str(st), grt_last_error());
done:
    grt_free(ok_ids);
    free(cls);
    free(rows);
    grt_tokenizer_destroy(tok);
    grt_model_destroy(m);
    grt_model_destroy(vocab);
    return rc;
}
