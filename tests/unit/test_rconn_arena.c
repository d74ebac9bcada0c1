/* test_rconn_arena.c — hiredis replies built in an arena (app/redis/rconn_arena): every reply
 * type and nested arrays equal what hiredis' own functions build, memory is reused across
 * replies, large and hostile sizes, and the arena's lifetime around the reader that uses it.
 * Also the synchronous connections' capped heap replies (app/redis/rreply): the same trees,
 * freed by freeReplyObject, and the same hostile sizes refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "app/redis/rconn_arena.h"
#include "app/redis/rreply.h"
#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif
#ifdef TEST_ASAN
#include <sanitizer/asan_interface.h>
#endif
#include "tests/unit/reply_same.h"

/* A reader building into a fresh arena. */
static redisReader *arena_reader(struct rconn_arena **out)
{
    redisReader *r = redisReaderCreate();
    *out = rconn_arena_new();
    rconn_arena_attach(*out, r);
    return r;
}

/* Feeds bytes to r and returns the one reply they make (or NULL when they make none yet). */
static void *feed_get(redisReader *r, const char *bytes, size_t n)
{
    void *got = NULL;
    assert_int_equal(redisReaderFeed(r, bytes, n), REDIS_OK);
    assert_int_equal(redisReaderGetReply(r, &got), REDIS_OK);
    return got;
}

/* Parses bytes with both readers, checks the trees are equal, frees both. fed_by_byte feeds
 * the arena reader one byte at a time (replies cut at every possible point). */
static void check_same(redisReader *ar, const char *bytes, size_t n, int by_byte)
{
    redisReader *ref = redisReaderCreate();
    void *want = NULL, *got = NULL;
    assert_int_equal(redisReaderFeed(ref, bytes, n), REDIS_OK);
    assert_int_equal(redisReaderGetReply(ref, &want), REDIS_OK);
    assert_non_null(want);
    if (by_byte) {
        for (size_t i = 0; i < n && got == NULL; i++) {
            assert_int_equal(redisReaderFeed(ar, bytes + i, 1), REDIS_OK);
            assert_int_equal(redisReaderGetReply(ar, &got), REDIS_OK);
            if (i + 1 < n)
                assert_null(got);
        }
    } else {
        assert_int_equal(redisReaderFeed(ar, bytes, n), REDIS_OK);
        assert_int_equal(redisReaderGetReply(ar, &got), REDIS_OK);
    }
    assert_non_null(got);
    assert_true(reply_same(want, got));
    ar->fn->freeObject(got);
    freeReplyObject(want);
    redisReaderFree(ref);
}

#define S(lit) lit, sizeof(lit) - 1

/* One reply of every type, nested ones included: what both kinds of reader are checked on. */
static const struct {
    const char *bytes;
    size_t n;
} every_type[] = {
    {S("+OK\r\n")},
    {S("-ERR wrong number of arguments\r\n")},
    {S("-MOVED 3999 127.0.0.1:6381\r\n")},
    {S(":-9223372036854775808\r\n")},
    {S(":42\r\n")},
    {S("$-1\r\n")},
    {S("*-1\r\n")},
    {S("$0\r\n\r\n")},
    {S("$5\r\na\0b\r\n\r\n")}, /* binary: NUL, CR, LF inside */
    {S("*0\r\n")},
    {S("*3\r\n$7\r\nmessage\r\n$4\r\nroom\r\n$2\r\nhi\r\n")},
    {S("*3\r\n$9\r\nsubscribe\r\n$4\r\nroom\r\n:1\r\n")},
    {S("*4\r\n:1\r\n$-1\r\n*-1\r\n-ERR in array\r\n")},
};
#define EVERY_TYPE (sizeof every_type / sizeof every_type[0])

/* check_same on every_type, whole and byte by byte. */
static void check_every_type(redisReader *r)
{
    for (int by_byte = 0; by_byte <= 1; by_byte++)
        for (size_t i = 0; i < EVERY_TYPE; i++)
            check_same(r, every_type[i].bytes, every_type[i].n, by_byte);
}

static void test_every_type(void **state)
{
    (void)state;
    struct rconn_arena *a;
    redisReader *r = arena_reader(&a);
    assert_ptr_equal(rconn_arena_of(r), a);
    check_every_type(r);
    struct rconn_arena_stats st;
    rconn_arena_get_stats(a, &st);
    assert_int_equal(st.replies, 2 * EVERY_TYPE);
    assert_int_equal(st.live, 0);
    redisReaderFree(r);
    rconn_arena_release(a);
}

static void test_nested(void **state)
{
    (void)state;
    struct rconn_arena *a;
    redisReader *r = arena_reader(&a);
    /* XREAD: [[stream, [[id, [f, v, ...]], ...]], ...] */
    const char xread[] =
        "*2\r\n"
        "*2\r\n$10\r\nwr:ev:{p0}\r\n*2\r\n"
        "*2\r\n$3\r\n1-0\r\n*4\r\n$6\r\nmetric\r\n$3\r\ncpu\r\n$5\r\nvalue\r\n$1\r\n1\r\n"
        "*2\r\n$3\r\n2-0\r\n*0\r\n"
        "*2\r\n$10\r\nwr:ev:{p1}\r\n*0\r\n";
    check_same(r, S(xread), 0);
    check_same(r, S(xread), 1);
    /* the deepest nesting hiredis accepts (7 levels below the root) */
    check_same(r, S("*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*2\r\n:7\r\n$1\r\nx\r\n"), 0);
    redisReaderFree(r);
    rconn_arena_release(a);
}

/* An XREAD-shaped reply of n entries of 8 fields each, into buf; returns its length. */
static size_t make_xread(char *buf, size_t cap, unsigned n, unsigned seed)
{
    size_t len = (size_t)snprintf(buf, cap, "*1\r\n*2\r\n$10\r\nwr:ev:{p0}\r\n*%u\r\n", n);
    for (unsigned i = 0; i < n; i++) {
        char id[32], val[32];
        int il = snprintf(id, sizeof(id), "%u-%u", seed, i);
        int vl = snprintf(val, sizeof(val), "%u.5", i * 7 + seed);
        len += (size_t)snprintf(buf + len, cap - len,
                                "*2\r\n$%d\r\n%s\r\n*8\r\n$6\r\nmetric\r\n$10\r\nlatency_ms\r\n"
                                "$5\r\nvalue\r\n$%d\r\n%s\r\n$2\r\nts\r\n$13\r\n1700000000000\r\n"
                                "$6\r\nlabels\r\n$21\r\nregion=eu,service=api\r\n",
                                il, id, vl, val);
    }
    return len;
}

static void test_reuse_across_replies(void **state)
{
    (void)state;
    size_t cap = 4u << 20;
    char *buf = malloc(cap);
    struct rconn_arena *a;
    redisReader *r = arena_reader(&a);
    struct rconn_arena_stats st;
    uint64_t made_after_warmup = 0;
    for (unsigned round = 0; round < 12; round++) {
        size_t n = make_xread(buf, cap, 2000, round);
        check_same(r, buf, n, 0);
        rconn_arena_get_stats(a, &st);
        assert_int_equal(st.live, 0);
        if (round == 4)
            made_after_warmup = st.blocks_made;
    }
    /* A steady reply size settles in one kept block: no allocation once warm. */
    assert_int_equal(st.blocks_made, made_after_warmup);
    assert_true(st.kept >= 2000 * 8 * sizeof(redisReply));
    /* A smaller reply reuses the same block. */
    check_same(r, S("+OK\r\n"), 0);
    rconn_arena_get_stats(a, &st);
    assert_int_equal(st.blocks_made, made_after_warmup);
    redisReaderFree(r);
    rconn_arena_release(a);
    free(buf);
}

static void test_larger_than_first_block(void **state)
{
    (void)state;
    struct rconn_arena *a;
    redisReader *r = arena_reader(&a);
    /* a string 256 times the first block */
    size_t big = RCONN_ARENA_FIRST_BLOCK * 256;
    char *buf = malloc(big + 64);
    size_t n = (size_t)snprintf(buf, 64, "$%zu\r\n", big);
    for (size_t i = 0; i < big; i++)
        buf[n + i] = (char)('a' + i % 26);
    memcpy(buf + n + big, "\r\n", 2);
    check_same(r, buf, n + big + 2, 0);
    /* an array whose element vector alone is larger than the first block, in a small array */
    size_t elems = RCONN_ARENA_FIRST_BLOCK;
    char *arr = malloc(elems * 4 + 64);
    size_t m = (size_t)snprintf(arr, 64, "*2\r\n:1\r\n*%zu\r\n", elems);
    for (size_t i = 0; i < elems; i++) {
        memcpy(arr + m, ":7\r\n", 4);
        m += 4;
    }
    check_same(r, arr, m, 0);
    check_same(r, arr, m, 0);
    free(arr);
    free(buf);
    redisReaderFree(r);
    rconn_arena_release(a);
}

/* Headers that promise more than anyone should reserve, and protocol errors mid-reply: the
 * reader fails cleanly, and the partly built reply goes back to the arena (no leak). */
static void test_hostile_sizes(void **state)
{
    (void)state;
    const char *bad[] = {
        "*2147483647\r\n",            /* INT_MAX elements: refused by the arena */
        "*2\r\n*100000000\r\n",       /* nested, over RCONN_ARENA_MAX_ELEMENTS */
        "*3\r\n:1\r\n*-7\r\n",        /* hiredis: out of range */
        "*2\r\n$3\r\nabc\r\n$-5\r\n", /* hiredis: bulk length out of range */
        "*2\r\n:1\r\n:1x\r\n",        /* bad integer mid-array */
        "*1\r\n?\r\n",                /* protocol byte */
        "*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", /* too deep */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct rconn_arena *a;
        redisReader *r = arena_reader(&a);
        void *got = NULL;
        assert_int_equal(redisReaderFeed(r, bad[i], strlen(bad[i])), REDIS_OK);
        assert_int_equal(redisReaderGetReply(r, &got), REDIS_ERR);
        assert_null(got);
        assert_true(r->err != 0);
        struct rconn_arena_stats st;
        rconn_arena_get_stats(a, &st);
        assert_int_equal(st.live, 0); /* the partial reply was handed back */
        redisReaderFree(r);
        rconn_arena_release(a);
    }
    /* A refused array is "Out of memory" for hiredis, as with its own functions at the limit. */
    struct rconn_arena *a;
    redisReader *r = arena_reader(&a);
    void *got = NULL;
    redisReaderFeed(r, bad[0], strlen(bad[0]));
    assert_int_equal(redisReaderGetReply(r, &got), REDIS_ERR);
    assert_int_equal(r->err, REDIS_ERR_OOM);
    redisReaderFree(r);
    rconn_arena_release(a);
}

/* Two replies alive at once: freeing the first must not recycle the second's memory. */
static void test_two_live_replies(void **state)
{
    (void)state;
    struct rconn_arena *a;
    redisReader *r = arena_reader(&a);
    const char two[] = "*2\r\n$3\r\nfoo\r\n:1\r\n*2\r\n$3\r\nbar\r\n:2\r\n";
    void *first = NULL, *second = NULL;
    redisReaderFeed(r, S(two));
    assert_int_equal(redisReaderGetReply(r, &first), REDIS_OK);
    assert_int_equal(redisReaderGetReply(r, &second), REDIS_OK);
    assert_non_null(first);
    assert_non_null(second);
    r->fn->freeObject(first);
    const redisReply *s = second;
    assert_string_equal(s->element[0]->str, "bar");
    assert_int_equal(s->element[1]->integer, 2);
    /* a third reply built now must not land on the second */
    void *third = NULL;
    redisReaderFeed(r, S("$5\r\nXXXXX\r\n"));
    assert_int_equal(redisReaderGetReply(r, &third), REDIS_OK);
    assert_string_equal(s->element[0]->str, "bar");
    assert_string_equal(((redisReply *)third)->str, "XXXXX");
    r->fn->freeObject(third);
    r->fn->freeObject(second);
    struct rconn_arena_stats st;
    rconn_arena_get_stats(a, &st);
    assert_int_equal(st.live, 0);
    redisReaderFree(r);
    rconn_arena_release(a);
}

/* The owner lets go while a reply lives (hiredis frees the reply after the callback that
 * released the arena, or frees a partial one in redisReaderFree): the arena goes with the last
 * reply. Under ASan, a leak or a use after free here fails the test. */
static void test_release_with_live_reply(void **state)
{
    (void)state;
    /* a whole reply, freed after the release */
    struct rconn_arena *a;
    redisReader *r = arena_reader(&a);
    void *got = feed_get(r, S("*2\r\n$3\r\nfoo\r\n:1\r\n"));
    rconn_arena_release(a);
    assert_string_equal(((redisReply *)got)->element[0]->str, "foo");
    r->fn->freeObject(got);
    redisReaderFree(r);

    /* a partial reply, freed by redisReaderFree after the release */
    r = arena_reader(&a);
    assert_null(feed_get(r, S("*3\r\n$3\r\nfoo\r\n:1\r\n$10\r\nabc")));
    struct rconn_arena_stats st;
    rconn_arena_get_stats(a, &st);
    assert_int_equal(st.live, 1);
    rconn_arena_release(a);
    redisReaderFree(r);

    /* no reply at all: freed by the release itself */
    r = arena_reader(&a);
    rconn_arena_release(a);
    redisReaderFree(r);
    rconn_arena_release(NULL);
}

/* Under ASan a reply kept past its release reads poison, as freed memory would with hiredis'
 * own functions (replies are borrowed); elsewhere this test only checks the memory is reused. */
static void test_freed_reply_poisoned(void **state)
{
    (void)state;
    struct rconn_arena *a;
    redisReader *r = arena_reader(&a);
    void *got = feed_get(r, S("*2\r\n$3\r\nfoo\r\n:1\r\n"));
    const redisReply *rep = got;
    const char *str = rep->element[0]->str;
    assert_string_equal(str, "foo");
#ifdef TEST_ASAN
    assert_false(__asan_address_is_poisoned(str));
#endif
    r->fn->freeObject(got);
#ifdef TEST_ASAN
    assert_true(__asan_address_is_poisoned(rep));
    assert_true(__asan_address_is_poisoned(str));
#endif
    /* the next reply reuses the block (and is readable) */
    got = feed_get(r, S("+OK\r\n"));
    assert_string_equal(((redisReply *)got)->str, "OK");
    r->fn->freeObject(got);
    redisReaderFree(r);
    rconn_arena_release(a);
}

/* The synchronous connections' replies: hiredis' layout (check_same frees them with the reader's
 * freeObject, which is freeReplyObject; ASan checks every block), headers over the cap refused
 * with hiredis' out-of-memory error, replies cut short by an error freed without a leak. */
static void test_sync_replies_capped(void **state)
{
    (void)state;
    redisReader *r = redisReaderCreate();
    rreply_cap_reader(r);
    assert_ptr_equal(r->fn->freeObject, freeReplyObject);
    assert_null(rconn_arena_of(r));
    check_every_type(r);
    check_same(r, S("*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*2\r\n:7\r\n$1\r\nx\r\n"), 1);
    redisReaderFree(r);

    const char *bad[] = {
        "*2147483647\r\n",                       /* refused: over RCONN_ARENA_MAX_ELEMENTS */
        "*2\r\n$3\r\nabc\r\n*100000000\r\n",     /* nested, after a string */
        "*3\r\n:1\r\n*1\r\n$2\r\nok\r\n:1x\r\n", /* bad integer after a nested array */
        "*2\r\n$3\r\nabc\r\n$-5\r\n",            /* hiredis: bulk length out of range */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        r = redisReaderCreate();
        rreply_cap_reader(r);
        void *got = NULL;
        assert_int_equal(redisReaderFeed(r, bad[i], strlen(bad[i])), REDIS_OK);
        assert_int_equal(redisReaderGetReply(r, &got), REDIS_ERR);
        assert_null(got);
        if (i < 2)
            assert_int_equal(r->err, REDIS_ERR_OOM);
        else
            assert_int_equal(r->err, REDIS_ERR_PROTOCOL);
        redisReaderFree(r); /* frees the part built (LeakSanitizer in make check) */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_type),
        cmocka_unit_test(test_nested),
        cmocka_unit_test(test_reuse_across_replies),
        cmocka_unit_test(test_larger_than_first_block),
        cmocka_unit_test(test_hostile_sizes),
        cmocka_unit_test(test_two_live_replies),
        cmocka_unit_test(test_release_with_live_reply),
        cmocka_unit_test(test_freed_reply_poisoned),
        cmocka_unit_test(test_sync_replies_capped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
