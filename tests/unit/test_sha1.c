/* test_sha1.c — SHA-1 against the FIPS 180 vectors and at every padding boundary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/sha1.h"

static void check(const char *data, size_t len, const char *want)
{
    char hex[SHA1_HEX_LEN + 1];
    sha1_hex(data, len, hex);
    assert_string_equal(hex, want);
}

static void test_vectors(void **state)
{
    (void)state;
    check(NULL, 0, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    check("abc", 3, "a9993e364706816aba3e25717850c26c9cd0d89d");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"; /* 56 bytes */
    check(two, strlen(two), "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    const char *four = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                       "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"; /* 112 */
    check(four, strlen(four), "a49b2446a02c645bf419f995b67091253a04a259");
    check("The quick brown fox jumps over the lazy dog", 43,
          "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12");
}

/* A million 'a': many full blocks before the tail. */
static void test_million(void **state)
{
    (void)state;
    static char a[1000000];
    memset(a, 'a', sizeof a);
    check(a, sizeof a, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

/* Lengths around the 55/56/64-byte padding edges, against digests from sha1sum. */
static void test_edges(void **state)
{
    (void)state;
    char x[128];
    memset(x, 'x', sizeof x);
    check(x, 55, "cef734ba81a024479e09eb5a75b6ddae62e6abf1");
    check(x, 56, "901305367c259952f4e7af8323f480d59f81335b");
    check(x, 63, "0ddc4e0cccd9a12850deb5abb0853a4425559fec");
    check(x, 64, "bb2fa3ee7afb9f54c6dfb5d021f14b1ffe40c163");
    check(x, 65, "78c741ddc482e4cdf8c474a0876347a0905b6233");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_million),
        cmocka_unit_test(test_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
