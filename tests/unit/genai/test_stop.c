/*
 * tests/unit/genai/test_stop.c - the stop-string matcher of the generation loop (white box:
 * tools/genai/src/generate.h): text before a stop string is released, the stop string and what
 * follows are not, a stop string may span several pushes (tokens), a partial match that fails is
 * released, overlapping candidates, several stop strings (the earliest wins).
 */
#include "test_util.h"

#include "generate.h"

#include <stdlib.h>
#include <string.h>

/* Pushes pieces[] one by one like tokens; returns the released text (static buffer) and sets
 * *stopped_at to the piece index where a stop string appeared (-1 if none). At the end, what
 * is still pending is released too (as the generation loop does). */
static const char *run(const char *const *stops, size_t n_stops, const char *const *pieces,
                       size_t n_pieces, int *stopped_at, size_t *held_after) {
    static char out[1024];
    size_t len = 0;
    grt_stop_matcher m;
    grt_stop_matcher_init(&m, stops, n_stops);
    *stopped_at = -1;
    *held_after = 0;
    for (size_t i = 0; i < n_pieces; i++) {
        size_t rel = 0;
        int stopped = 0;
        CHECK_OK(grt_stop_matcher_push(&m, pieces[i], strlen(pieces[i]), &rel, &stopped));
        memcpy(out + len, m.pending, rel);
        len += rel;
        grt_stop_matcher_consume(&m, rel);
        if (i == 0) *held_after = m.len;
        if (stopped) {
            *stopped_at = (int)i;
            break;
        }
    }
    if (*stopped_at < 0) {
        memcpy(out + len, m.pending, m.len);
        len += m.len;
    }
    out[len] = '\0';
    grt_stop_matcher_free(&m);
    return out;
}

int main(void) {
    int at;
    size_t held;
    {
        const char *stops[] = {"</s>"};
        const char *pieces[] = {"Hel", "lo <", "/", "s> tail", "never"};
        const char *r = run(stops, 1, pieces, 5, &at, &held);
        CHECKF(!strcmp(r, "Hello "), "got '%s'", r);
        CHECK(at == 3);
    }
    {
        /* a partial match that fails is released in full, in order */
        const char *stops[] = {"</s>"};
        const char *pieces[] = {"a <", "/x", "yz"};
        const char *r = run(stops, 1, pieces, 3, &at, &held);
        CHECKF(!strcmp(r, "a </xyz"), "got '%s'", r);
        CHECK(at == -1);
        CHECK(held == 1); /* "<" held back after the first piece */
    }
    {
        /* overlapping: "aab" inside "aaab" pushed one byte at a time */
        const char *stops[] = {"aab"};
        const char *pieces[] = {"x", "a", "a", "a", "b", "c"};
        const char *r = run(stops, 1, pieces, 6, &at, &held);
        CHECKF(!strcmp(r, "xa"), "got '%s'", r);
        CHECK(at == 4);
    }
    {
        /* several stop strings: the earliest occurrence wins, whatever the list order */
        const char *stops[] = {"World", "lo W", ""};
        const char *pieces[] = {"Hello World"};
        const char *r = run(stops, 3, pieces, 1, &at, &held);
        CHECKF(!strcmp(r, "Hel"), "got '%s'", r);
        CHECK(at == 0);
    }
    {
        /* stop string inside a single token, multi-byte UTF-8 text around it */
        const char *stops[] = {"\n\nUser:"};
        const char *pieces[] = {"caf\xc3\xa9", " ok\n", "\nUs", "er: more"};
        const char *r = run(stops, 1, pieces, 4, &at, &held);
        CHECKF(!strcmp(r, "caf\xc3\xa9 ok"), "got '%s'", r);
        CHECK(at == 3);
    }
    {
        /* no stop strings: everything is released at once */
        const char *pieces[] = {"abc", "def"};
        const char *r = run(NULL, 0, pieces, 2, &at, &held);
        CHECK(!strcmp(r, "abcdef"));
        CHECK(held == 0);
    }
    return test_summary("genai.stop");
}
