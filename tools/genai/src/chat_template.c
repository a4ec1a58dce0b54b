/*
 * tools/genai/src/chat_template.c - grt_chat_apply_template: renders a conversation with a
 * model's Jinja chat template (jinja*.c), or with ChatML when the model has none.
 *
 * Reentrant: each call uses its own arena. The result is copied to a caller-owned string.
 */
#include "generate.h"
#include "jinja.h"

#include <stdlib.h>
#include <string.h>

static const char k_chatml[] =
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

grt_status grt_chat_apply_template(const char *tmpl, const grt_chat_message *messages, size_t n,
                                   int add_generation_prompt, const char *bos_token,
                                   const char *eos_token, char **out) {
    if (!out || (n && !messages))
        return grt_gen_error(GRT_ERROR_INVALID_ARGUMENT, "grt_chat_apply_template: NULL argument");
    *out = NULL;
    if (!tmpl || !*tmpl) tmpl = k_chatml;
    grt_status st = GRT_OK;
    char *text = NULL;
    jinja_arena *a = jinja_arena_create();
    if (!a) return grt_gen_error(GRT_ERROR_OUT_OF_MEMORY, "chat template: out of memory");
    jv msgs = jv_list(a, n);
    if (msgs.t != JV_LIST) goto oom;
    for (size_t i = 0; i < n; i++) {
        const char *role = messages[i].role, *content = messages[i].content;
        if (!role || !content) {
            st = grt_gen_error(GRT_ERROR_INVALID_ARGUMENT,
                               "chat template: message %zu has a NULL role or content", i);
            goto done;
        }
        jv d = jv_dict(a);
        jv r = jv_str(a, role, strlen(role)), c = jv_str(a, content, strlen(content));
        if (d.t != JV_DICT || r.t != JV_STR || c.t != JV_STR || jdict_set(a, d.u.d, "role", r) ||
            jdict_set(a, d.u.d, "content", c))
            goto oom;
        msgs.u.l->items[i] = d;
    }
    const char *names[] = {"messages", "add_generation_prompt", "bos_token", "eos_token"};
    jv vals[4];
    vals[0] = msgs;
    vals[1] = jv_bool(add_generation_prompt);
    vals[2] = jv_str(a, bos_token ? bos_token : "", bos_token ? strlen(bos_token) : 0);
    vals[3] = jv_str(a, eos_token ? eos_token : "", eos_token ? strlen(eos_token) : 0);
    if (vals[2].t != JV_STR || vals[3].t != JV_STR) goto oom;
    if ((st = grt_jinja_render(tmpl, a, names, vals, 4, &text))) goto done;
    size_t len = strlen(text);
    /* hand back memory the caller frees with grt_free (same C allocator) */
    *out = malloc(len + 1);
    if (!*out) goto oom;
    memcpy(*out, text, len + 1);
    goto done;
oom:
    st = grt_gen_error(GRT_ERROR_OUT_OF_MEMORY, "chat template: out of memory");
done:
    free(text);
    jinja_arena_destroy(a);
    return st;
}
