/* test_redisurl.c — the Redis URL parser: every accepted form, every error, no password leaks,
 * and a parse/display round trip over generated addresses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/redisurl.h"

static void parse_ok(const char *text, struct redisurl *u)
{
    char err[256] = "untouched";
    int rc = redisurl_parse(text, u, err, sizeof(err));
    if (rc != 0)
        fail_msg("%s: %s", text, err);
    assert_string_equal(err, "");
}

/* Parses a URL that must fail; checks that the message holds want and that *out is zeroed. */
static void parse_bad(const char *text, const char *want)
{
    struct redisurl u;
    char err[256] = "";
    assert_int_equal(redisurl_parse(text, &u, err, sizeof(err)), -1);
    if (strstr(err, want) == NULL)
        fail_msg("%s: got \"%s\", want it to contain \"%s\"", text, err, want);
    assert_null(u.host);
    assert_null(u.path);
    assert_null(u.user);
    assert_null(u.password);
    assert_int_equal(u.port, 0);
    assert_int_equal(u.db, 0);
}

static void test_tcp_forms(void **state)
{
    (void)state;
    struct redisurl u;

    parse_ok("redis://127.0.0.1:6380", &u);
    assert_int_equal(u.kind, REDISURL_TCP);
    assert_string_equal(u.host, "127.0.0.1");
    assert_int_equal(u.port, 6380);
    assert_int_equal(u.db, 0);
    assert_null(u.user);
    assert_null(u.password);
    assert_null(u.path);
    redisurl_free(&u);

    parse_ok("redis://cache.internal", &u);
    assert_string_equal(u.host, "cache.internal");
    assert_int_equal(u.port, 6379);
    redisurl_free(&u);

    parse_ok("redis://h:1/15", &u);
    assert_int_equal(u.port, 1);
    assert_int_equal(u.db, 15);
    redisurl_free(&u);

    parse_ok("redis://h:65535/", &u);
    assert_int_equal(u.port, 65535);
    assert_int_equal(u.db, 0);
    redisurl_free(&u);

    parse_ok("redis://h?db=3", &u);
    assert_int_equal(u.port, 6379);
    assert_int_equal(u.db, 3);
    redisurl_free(&u);

    parse_ok("REDIS://My-Host_1.example:7000/2", &u);
    assert_string_equal(u.host, "My-Host_1.example");
    assert_int_equal(u.port, 7000);
    assert_int_equal(u.db, 2);
    redisurl_free(&u);

    /* redisurl_free leaves a zeroed struct; freeing twice is harmless. */
    assert_null(u.host);
    redisurl_free(&u);
    redisurl_free(NULL);
}

static void test_credentials(void **state)
{
    (void)state;
    struct redisurl u;

    parse_ok("redis://alice:s3cret@h:6379/1", &u);
    assert_string_equal(u.user, "alice");
    assert_string_equal(u.password, "s3cret");
    assert_int_equal(u.db, 1);
    redisurl_free(&u);

    parse_ok("redis://:s3cret@h", &u);
    assert_null(u.user);
    assert_string_equal(u.password, "s3cret");
    redisurl_free(&u);

    /* No ':' in the user part: redis-cli reads it as a password. */
    parse_ok("redis://s3cret@h", &u);
    assert_null(u.user);
    assert_string_equal(u.password, "s3cret");
    redisurl_free(&u);

    /* Percent-decoding, and a password holding ':' (only the first ':' splits). */
    parse_ok("redis://a%20b:p%40ss%3Aw%2Fo%25rd%3f:x@h", &u);
    assert_string_equal(u.user, "a b");
    assert_string_equal(u.password, "p@ss:w/o%rd?:x");
    redisurl_free(&u);

    /* An unencoded '@' in a password: the last '@' ends the user part. */
    parse_ok("redis://:p@ss@h:1", &u);
    assert_string_equal(u.password, "p@ss");
    assert_string_equal(u.host, "h");
    redisurl_free(&u);

    /* An empty password means no AUTH. */
    parse_ok("redis://:@h", &u);
    assert_null(u.user);
    assert_null(u.password);
    redisurl_free(&u);

    /* UTF-8 in a password passes through. */
    parse_ok("redis://:%C3%A9t%C3%A9@h", &u);
    assert_string_equal(u.password, "\xC3\xA9t\xC3\xA9");
    redisurl_free(&u);

    parse_ok("redis://h?user=bob&password=x%26y", &u);
    assert_string_equal(u.user, "bob");
    assert_string_equal(u.password, "x&y");
    redisurl_free(&u);
}

static void test_ipv6(void **state)
{
    (void)state;
    struct redisurl u;

    parse_ok("redis://[::1]:6380", &u);
    assert_string_equal(u.host, "::1");
    assert_int_equal(u.port, 6380);
    redisurl_free(&u);

    parse_ok("redis://u:p@[2001:db8::ff00:42:8329]/4", &u);
    assert_string_equal(u.host, "2001:db8::ff00:42:8329");
    assert_int_equal(u.port, 6379);
    assert_int_equal(u.db, 4);
    assert_string_equal(u.user, "u");
    redisurl_free(&u);

    parse_ok("redis://[::ffff:10.0.0.1]:1", &u);
    assert_string_equal(u.host, "::ffff:10.0.0.1");
    redisurl_free(&u);
}

static void test_unix(void **state)
{
    (void)state;
    struct redisurl u;

    parse_ok("unix:///run/warroom/redis.sock", &u);
    assert_int_equal(u.kind, REDISURL_UNIX);
    assert_string_equal(u.path, "/run/warroom/redis.sock");
    assert_null(u.host);
    assert_int_equal(u.port, 0);
    assert_int_equal(u.db, 0);
    redisurl_free(&u);

    parse_ok("UNIX:///tmp/a%20b.sock?db=7&password=pw&user=ops", &u);
    assert_string_equal(u.path, "/tmp/a b.sock");
    assert_int_equal(u.db, 7);
    assert_string_equal(u.password, "pw");
    assert_string_equal(u.user, "ops");
    redisurl_free(&u);

    char path[200];
    memset(path, 'x', sizeof(path));
    memcpy(path, "unix:///", 8);
    path[7 + REDISURL_PATH_MAX] = '\0'; /* a path of exactly REDISURL_PATH_MAX bytes */
    parse_ok(path, &u);
    assert_int_equal(strlen(u.path), REDISURL_PATH_MAX);
    redisurl_free(&u);
    path[7 + REDISURL_PATH_MAX] = 'x';
    path[8 + REDISURL_PATH_MAX] = '\0';
    parse_bad(path, "longer than 107 bytes");
}

static void test_errors(void **state)
{
    (void)state;
    parse_bad("", "empty Redis URL");
    parse_bad("localhost:6379", "not a Redis URL");
    parse_bad("http://h", "unknown URL scheme");
    parse_bad("rediss://h:6380", "TLS");
    parse_bad("redis://", "missing host");
    parse_bad("redis://:6379", "missing host");
    parse_bad("redis://u:p@", "missing host");
    parse_bad("redis://h:", "missing port");
    parse_bad("redis://h:0", "port must be a number from 1 to 65535");
    parse_bad("redis://h:65536", "port must be a number from 1 to 65535");
    parse_bad("redis://h:123456", "port must be a number from 1 to 65535");
    parse_bad("redis://h:63a", "port must be a number from 1 to 65535");
    parse_bad("redis://h:-1", "port must be a number from 1 to 65535");
    parse_bad("redis://h/x", "database must be a number");
    parse_bad("redis://h/-1", "database must be a number");
    parse_bad("redis://h/1234567890", "database must be a number");
    parse_bad("redis://h/1?db=2", "database is given twice");
    parse_bad("redis://h?db=", "database must be a number");
    parse_bad("redis://h?timeout=5", "unknown query parameter");
    parse_bad("redis://h?db", "name=value");
    parse_bad("redis://::1:6379", "IPv6 address must be in brackets");
    parse_bad("redis://[::1", "missing ']'");
    parse_bad("redis://[::1]6379", "expected ':port' after ']'");
    parse_bad("redis://[fe80::1%25eth0]:1", "bad character in the IPv6 address");
    parse_bad("redis://[1.2.3.4]", "not an IPv6 address");
    parse_bad("redis://h~st", "bad character in the host name");
    parse_bad("redis://h st", "space or control character");
    parse_bad("redis://h\t", "space or control character");
    parse_bad("redis://:pa#ss@h", "unexpected '#'");
    parse_bad("redis://:p%4@h", "bad %-escape in the password");
    parse_bad("redis://:p%zz@h", "bad %-escape in the password");
    parse_bad("redis://:p%@h", "bad %-escape in the password");
    parse_bad("redis://u%0@h", "bad %-escape in the password");
    parse_bad("redis://:p%00@h", "NUL byte");
    parse_bad("redis://u%4:p@h", "bad %-escape in the user name");
    parse_bad("redis://alice:@h", "ACL user needs a password");
    parse_bad("redis://h?user=alice", "ACL user needs a password");
    parse_bad("redis://:a@h?password=b", "password is given twice");
    parse_bad("unix://relative.sock", "absolute path");
    parse_bad("unix://user@/tmp/s", "absolute path");
    parse_bad("unix:///", "missing socket path");
    parse_bad("unix:///tmp/s?db=x", "database must be a number");
    parse_bad("unix:///tmp/s%2", "bad %-escape in the socket path");

    /* A NULL error buffer is allowed. */
    struct redisurl u;
    assert_int_equal(redisurl_parse("nope", &u, NULL, 0), -1);
    /* A short buffer gets a truncated, terminated message. */
    char small[8];
    assert_int_equal(redisurl_parse("nope", &u, small, sizeof(small)), -1);
    assert_int_equal(strlen(small), 7);
}

/* No error message may repeat the password (or a piece of it) from a malformed URL. */
static void test_errors_hide_password(void **state)
{
    (void)state;
    static const char *bad[] = {
        "redis://:hunter2@h:0",   "redis://:hunter2@h:x",
        "redis://:hunter2@",      "redis://:hunter2@h/db",
        "redis://:hunter2%zz@h",  "redis://alice:hunter2@h?x=1",
        "rediss://:hunter2@h",    "redis//:hunter2@h",
        "redis://:hunter2@h st",  "redis://:hunter2@[::1",
        "redis://:hunter2@h:1:2", "redis://hunter2:@h",
        "unix://:hunter2@/tmp/x", "hunter2://h",
        "redis://:hunter2/x@h",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct redisurl u;
        char err[256] = "";
        assert_int_equal(redisurl_parse(bad[i], &u, err, sizeof(err)), -1);
        assert_true(err[0] != '\0');
        if (strstr(err, "hunter") != NULL)
            fail_msg("%s: message leaks the password: %s", bad[i], err);
    }
}

static void test_sentinel(void **state)
{
    (void)state;
    struct redisurl u;

    parse_ok("redis+sentinel://ro:s3cret@10.0.0.1:26380,sent-2,[::1]:5000/mymaster/3", &u);
    assert_int_equal(u.kind, REDISURL_SENTINEL);
    assert_null(u.host);
    assert_int_equal(u.port, 0);
    assert_int_equal(u.nsentinels, 3);
    assert_string_equal(u.sentinels[0].host, "10.0.0.1");
    assert_int_equal(u.sentinels[0].port, 26380);
    assert_string_equal(u.sentinels[1].host, "sent-2");
    assert_int_equal(u.sentinels[1].port, 26379);
    assert_string_equal(u.sentinels[2].host, "::1");
    assert_int_equal(u.sentinels[2].port, 5000);
    assert_string_equal(u.master, "mymaster");
    assert_int_equal(u.db, 3);
    assert_string_equal(u.user, "ro");
    assert_string_equal(u.password, "s3cret");
    char *shown = redisurl_display(&u);
    assert_string_equal(shown,
                        "redis+sentinel://ro@10.0.0.1:26380,sent-2:26379,[::1]:5000/mymaster/3");
    assert_null(strstr(shown, "s3cret"));
    free(shown);
    redisurl_free(&u);
    assert_null(u.sentinels);
    assert_null(u.master);

    parse_ok("REDIS+SENTINEL://s:1/m", &u);
    assert_int_equal(u.nsentinels, 1);
    assert_int_equal(u.db, 0);
    redisurl_free(&u);

    parse_bad("redis+sentinel://s:1", "missing master name");
    parse_bad("redis+sentinel://s:1/", "master name");
    parse_bad("redis+sentinel://s:1,,s:2/m", "missing host");
    parse_bad("redis+sentinel://s:0/m", "port");
    parse_bad("redis+sentinel://s:1/m%41", "bad character in the master name");
    parse_bad("redis+sentinel://s:1/m/x", "database");
    parse_bad("redis+sentinel://s:1/m?db=2", "no query parameters");
    parse_bad("redis+sentinel://a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q/m", "more than 16 sentinels");
    parse_bad("redis+sentinel://u:pw@/m", "missing host");
}

static void display_is(const char *text, const char *want)
{
    struct redisurl u;
    parse_ok(text, &u);
    char *d = redisurl_display(&u);
    assert_string_equal(d, want);
    free(d);
    redisurl_free(&u);
}

static void test_display(void **state)
{
    (void)state;
    display_is("redis://h", "redis://h:6379");
    display_is("redis://alice:s3cret@h:7000/3", "redis://alice@h:7000/3");
    display_is("redis://:s3cret@10.1.2.3:7000", "redis://10.1.2.3:7000");
    display_is("redis://a%40b%3Ac:s3cret@h", "redis://a%40b%3Ac@h:6379");
    display_is("redis://a%1Bb:pw@h", "redis://a%1Bb@h:6379"); /* ESC is not printed raw */
    display_is("redis://[::1]:6380/0", "redis://[::1]:6380");
    display_is("unix:///run/w/redis.sock", "unix:///run/w/redis.sock");
    display_is("unix:///tmp/a%20b.sock?password=pw&db=2", "unix:///tmp/a%20b.sock?db=2");
    display_is("unix:///s?password=pw&user=ops", "unix:///s?user=ops");
    display_is("unix:///s?password=pw&user=ops&db=9", "unix:///s?db=9&user=ops");
}

/* Generated addresses without credentials survive parse(display(parse(url))) unchanged. */
static void test_round_trip_property(void **state)
{
    (void)state;
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < 2000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        char url[256];
        unsigned port = 1 + (unsigned)(x % 65535);
        unsigned db = (unsigned)((x >> 20) % 4 == 0 ? (x >> 24) % 1000 : 0);
        switch ((x >> 40) % 4) {
        case 0:
            snprintf(url, sizeof(url), "redis://10.%u.%u.%u:%u/%u", (unsigned)(x >> 8) & 255,
                     (unsigned)(x >> 16) & 255, (unsigned)(x >> 32) & 255, port, db);
            break;
        case 1:
            snprintf(url, sizeof(url), "redis://[fd00::%x:%x]:%u?db=%u",
                     (unsigned)(x >> 8) & 0xffff, (unsigned)(x >> 24) & 0xffff, port, db);
            break;
        case 2:
            snprintf(url, sizeof(url), "redis://node-%u.example.com:%u/%u",
                     (unsigned)(x >> 8) & 0xfff, port, db);
            break;
        default:
            snprintf(url, sizeof(url), "unix:///tmp/w%%20%u/redis.sock?db=%u",
                     (unsigned)(x >> 8) & 0xfff, db);
            break;
        }
        struct redisurl a, b;
        parse_ok(url, &a);
        char *d = redisurl_display(&a);
        parse_ok(d, &b);
        assert_int_equal(a.kind, b.kind);
        assert_int_equal(a.port, b.port);
        assert_int_equal(a.db, b.db);
        assert_int_equal(a.db, (int)db);
        if (a.kind == REDISURL_TCP) {
            assert_int_equal(a.port, (int)port);
            assert_string_equal(a.host, b.host);
        } else {
            assert_string_equal(a.path, b.path);
            assert_non_null(strstr(a.path, " ")); /* decoded %20 */
        }
        free(d);
        redisurl_free(&a);
        redisurl_free(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcp_forms), cmocka_unit_test(test_credentials),
        cmocka_unit_test(test_ipv6),      cmocka_unit_test(test_unix),
        cmocka_unit_test(test_errors),    cmocka_unit_test(test_errors_hide_password),
        cmocka_unit_test(test_display),   cmocka_unit_test(test_round_trip_property),
        cmocka_unit_test(test_sentinel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
