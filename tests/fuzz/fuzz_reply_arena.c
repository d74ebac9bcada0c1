/* fuzz_reply_arena.c — hiredis replies built in an arena (app/redis/rconn_arena) from arbitrary
 * server bytes, fed in pieces. Properties: the arena's reader accepts, refuses and builds exactly
 * what a reader with hiredis' own functions does, reply by reply (same tree); every reply and
 * every reply cut short goes back to the arena, which is freed with the reader (ASan: no leak,
 * no use after free, with the arena released before the reader as rconn does). The same for the
 * synchronous connections' capped heap replies (app/redis/rreply), freed by freeReplyObject. */
#include <stdbool.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "app/redis/rconn_arena.h"
#include "app/redis/rreply.h"
#include "tests/unit/reply_same.h"

/* Whether the bytes hold "*N" with N over 100000 anywhere (1), or with N in (100000,
 * RCONN_ARENA_MAX_ELEMENTS] (2: takes precedence): hiredis' own functions would calloc N
 * pointers (gigabytes, which the fuzzer counts as a crash) where the arena refuses past
 * RCONN_ARENA_MAX_ELEMENTS; such inputs run through the arena reader alone, and through the
 * capped heap reader too unless it would calloc hundreds of megabytes for them (2). */
static int huge_array(const char *p, size_t n)
{
    int found = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] != '*')
            continue;
        unsigned long long v = 0;
        for (size_t j = i + 1; j < n && p[j] >= '0' && p[j] <= '9' && v <= 1ull << 32; j++)
            v = v * 10 + (unsigned)(p[j] - '0');
        if (v > 100000 && v <= RCONN_ARENA_MAX_ELEMENTS)
            return 2;
        if (v > 100000)
            found = 1;
    }
    return found;
}

/* Feeds r the bytes in pieces and frees every reply it builds, until it fails. */
static void drain(redisReader *r, const char *bytes, size_t n, size_t piece)
{
    for (size_t off = 0; off < n && r->err == 0; off += piece) {
        redisReaderFeed(r, bytes + off, n - off < piece ? n - off : piece);
        void *got = NULL;
        while (redisReaderGetReply(r, &got) == REDIS_OK && got != NULL)
            r->fn->freeObject(got);
    }
}

/* The arena reader alone, then (heap) the capped heap reader alone: whatever they build is
 * freed, and so is the arena. */
static void arena_alone(const char *bytes, size_t n, size_t piece, bool heap)
{
    redisReader *r = redisReaderCreate();
    struct rconn_arena *a = rconn_arena_new();
    rconn_arena_attach(a, r);
    drain(r, bytes, n, piece);
    rconn_arena_release(a);
    redisReaderFree(r);
    if (heap) {
        r = redisReaderCreate();
        rreply_cap_reader(r);
        drain(r, bytes, n, piece);
        redisReaderFree(r);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the first byte picks the piece size, so replies are cut at many places */
    size_t piece = size ? (size_t)data[0] % 64 + 1 : 1;
    const char *bytes = (const char *)data + (size ? 1 : 0);
    size_t n = size ? size - 1 : 0;
    int huge = huge_array(bytes, n);
    if (huge) {
        arena_alone(bytes, n, piece, huge == 1);
        return 0;
    }
    redisReader *ref = redisReaderCreate(), *ar = redisReaderCreate(), *hp = redisReaderCreate();
    struct rconn_arena *a = rconn_arena_new();
    rconn_arena_attach(a, ar);
    rreply_cap_reader(hp);
    /* every other reply of the arena reader stays alive while the next is built: it must stay
     * intact (compared with hiredis' copy when it is finally freed) */
    int held = 0;
    void *late = NULL, *late_want = NULL;
    for (size_t off = 0; off < n; off += piece) {
        size_t k = n - off < piece ? n - off : piece;
        int fr = redisReaderFeed(ref, bytes + off, k), fa = redisReaderFeed(ar, bytes + off, k);
        FUZZ_CHECK(fr == fa && redisReaderFeed(hp, bytes + off, k) == fr);
        for (;;) {
            void *want = NULL, *got = NULL, *heap = NULL;
            int rr = redisReaderGetReply(ref, &want), ra = redisReaderGetReply(ar, &got);
            FUZZ_CHECK(rr == ra && redisReaderGetReply(hp, &heap) == rr);
            FUZZ_CHECK((want == NULL) == (got == NULL) && (want == NULL) == (heap == NULL));
            if (want == NULL)
                break;
            FUZZ_CHECK(reply_same(want, got) && reply_same(want, heap));
            freeReplyObject(heap);
            if (late) {
                FUZZ_CHECK(reply_same(late_want, late));
                ar->fn->freeObject(late);
                freeReplyObject(late_want);
                late = late_want = NULL;
            }
            if ((held++ & 1) == 0) {
                late = got;
                late_want = want;
            } else {
                ar->fn->freeObject(got);
                freeReplyObject(want);
            }
        }
        if (ref->err) {
            FUZZ_CHECK(ar->err != 0 && hp->err != 0);
            break;
        }
    }
    if (late) {
        FUZZ_CHECK(reply_same(late_want, late));
        ar->fn->freeObject(late);
        freeReplyObject(late_want);
    }
    struct rconn_arena_stats st;
    rconn_arena_get_stats(a, &st);
    FUZZ_CHECK(st.live == (ar->reply != NULL ? 1u : 0u));
    rconn_arena_release(a); /* before the reader, as rconn does: a partial reply frees it */
    redisReaderFree(ar);
    redisReaderFree(hp);
    redisReaderFree(ref);
    return 0;
}
