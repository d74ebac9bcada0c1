/* test_partition.c — CRC16/XMODEM against its test vector and a bitwise reference, Redis Cluster
 * slots (values checked against redis-server's CLUSTER KEYSLOT), partition stream keys, and the
 * stability of partitions over random label sets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/event.h"
#include "core/partition.h"

static uint64_t rng_state;

static uint64_t rng(void) /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* The definition, one bit at a time: poly 0x1021, init 0, MSB first, no final xor. */
static uint16_t crc16_ref(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint16_t crc = 0;
    for (size_t i = 0; i < n; i++) {
        crc ^= (uint16_t)(s[i] << 8);
        for (int b = 0; b < 8; b++)
            crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    }
    return crc;
}

static unsigned slot(const char *key)
{
    return partition_key_slot(key, strlen(key));
}

static void test_crc16_vector(void **state)
{
    (void)state;
    assert_int_equal(partition_crc16("123456789", 9), 0x31C3);
    assert_int_equal(crc16_ref("123456789", 9), 0x31C3);
    assert_int_equal(partition_crc16("", 0), 0);
    assert_int_equal(partition_crc16("A", 1), 0x58E5);
    /* length is honoured, NULs included */
    assert_int_equal(partition_crc16("123456789xyz", 9), 0x31C3);
    assert_int_equal(partition_crc16("\0", 1), 0);
    assert_int_equal(partition_crc16("\0\1", 2), crc16_ref("\0\1", 2));
}

static void test_crc16_matches_reference(void **state)
{
    (void)state;
    unsigned char buf[300];
    rng_state = 7;
    for (int iter = 0; iter < 5000; iter++) {
        size_t n = rng() % sizeof buf;
        for (size_t i = 0; i < n; i++)
            buf[i] = (unsigned char)rng();
        assert_int_equal(partition_crc16(buf, n), crc16_ref(buf, n));
    }
    /* every single byte value: exercises each table entry */
    for (int b = 0; b < 256; b++) {
        unsigned char c = (unsigned char)b;
        assert_int_equal(partition_crc16(&c, 1), crc16_ref(&c, 1));
    }
}

/* Expected values from redis-server 7 (cluster mode), CLUSTER KEYSLOT. */
static void test_key_slot(void **state)
{
    (void)state;
    assert_int_equal(slot("foo"), 12182);
    assert_int_equal(slot("bar"), 5061);
    assert_int_equal(slot("hello"), 866);
    assert_int_equal(slot("somekey"), 11058);
    assert_int_equal(slot("123456789"), 0x31C3);
    /* hash tags */
    assert_int_equal(slot("{user1000}.following"), 3443);
    assert_int_equal(slot("{user1000}.followers"), 3443);
    assert_int_equal(slot("user1000"), 3443);
    assert_int_equal(slot("foo{}{bar}"), 8363); /* empty tag: the whole key */
    assert_int_equal(slot("foo{}{bar}"), partition_crc16("foo{}{bar}", 10) & 16383);
    assert_int_equal(slot("foo{{bar}}"), 4015); /* hashes "{bar" */
    assert_int_equal(slot("foo{{bar}}"), slot("{bar"));
    assert_int_equal(slot("foo{bar}{zap}"), 5061); /* hashes "bar" */
    assert_int_equal(slot("foo{bar}{zap}"), slot("bar"));
    assert_int_equal(slot("wr:ev:{p3}"), 3689);
    assert_int_equal(slot("wr:ev:{p3}"), slot("p3"));
    /* no closing brace, or '}' before '{': the whole key */
    assert_int_equal(slot("a{b"), partition_crc16("a{b", 3) & 16383);
    assert_int_equal(slot("}a{"), partition_crc16("}a{", 3) & 16383);
    assert_int_equal(slot("}{a}"), slot("a"));
    assert_int_equal(slot(""), 0);
    /* length is honoured: "{ab" of "{ab}" has no closing brace */
    assert_int_equal(partition_key_slot("{ab}", 3), partition_crc16("{ab", 3) & 16383);
    for (int i = 0; i < 1000; i++) {
        char key[32];
        snprintf(key, sizeof key, "k%d", i);
        assert_true(slot(key) < PARTITION_SLOTS);
    }
}

static void test_partition_of(void **state)
{
    (void)state;
    /* the worked example of docs/protocol.md */
    const char *key = "http_latency_ms{route=/login,service=api}";
    assert_int_equal(partition_crc16(key, strlen(key)), 0x19FD);
    assert_int_equal(partition_of(key, strlen(key), 16), 13);
    assert_int_equal(partition_of(key, strlen(key), 8), 5);
    assert_int_equal(partition_of(key, strlen(key), 1), 0);
    assert_int_equal(partition_of(key, strlen(key), 0), 0);
    /* the whole key, braces included: no hash-tag rule */
    assert_int_equal(partition_of(key, strlen(key), 16384), 0x19FD);
    assert_int_not_equal(partition_key_slot(key, strlen(key)), 0x19FD);
    assert_int_equal(partition_of("123456789", 9, 65536), 0x31C3);
    assert_int_equal(partition_of("123456789", 9, 10), 0x31C3 % 10);
}

static void test_stream_key(void **state)
{
    (void)state;
    char buf[32];
    assert_int_equal(partition_stream_key("wr", 3, buf, sizeof buf), 10);
    assert_string_equal(buf, "wr:ev:{p3}");
    assert_int_equal(partition_stream_key("wr", 0, buf, sizeof buf), 10);
    assert_string_equal(buf, "wr:ev:{p0}");
    assert_int_equal(partition_stream_key("prod", 15, buf, sizeof buf), 13);
    assert_string_equal(buf, "prod:ev:{p15}");
    assert_int_equal(partition_stream_key("wr", 3, buf, 11), 10); /* exact fit */
    assert_int_equal(partition_stream_key("wr", 3, buf, 10), -1);
    assert_int_equal(partition_stream_key("wr", 3, buf, 0), -1);
    /* each partition's keys share the slot of "pI" */
    assert_int_equal(partition_stream_key("wr", 7, buf, sizeof buf), 10);
    assert_int_equal(slot(buf), slot("p7"));
    /* the dead letters of a partition live in its slot too (wire format v2) */
    assert_int_equal(partition_dlq_key("wr", 7, buf, sizeof buf), 11);
    assert_string_equal(buf, "wr:dlq:{p7}");
    assert_int_equal(slot(buf), slot("p7"));
    assert_int_equal(partition_dlq_key("wr", 7, buf, 11), -1);
}

/* Random label sets in two random orders: the same canonical key, the same partition, equal to
 * the reference CRC of that key; and keys spread evenly over 16 partitions. */
static void test_property_partition_stable(void **state)
{
    (void)state;
    static const char *values[] = {"api",          "web",       "a b", "x,y", "\"q\"", "",
                                   "\xe6\x97\xa5", "/v1/users", "200", "500", "a=b",   "}"};
    static const char *names[] = {"service", "route", "status", "host", "region", "zone",
                                  "method",  "code",  "a",      "b",    "_x",     "Z"};
    enum { N = 12, NPARTS = 16, KEYS = 16000 };
    unsigned counts[NPARTS] = {0};
    rng_state = 2024;
    for (int iter = 0; iter < KEYS; iter++) {
        size_t n = rng() % 7, pick[N];
        for (size_t i = 0; i < N; i++)
            pick[i] = i;
        for (size_t i = N; i > 1; i--) { /* random distinct names */
            size_t j = rng() % i, t = pick[i - 1];
            pick[i - 1] = pick[j];
            pick[j] = t;
        }
        const char *val[N];
        for (size_t i = 0; i < n; i++)
            val[i] = values[rng() % (sizeof values / sizeof values[0])];
        char keys[2][EVENT_KEY_MAX + 1];
        for (int form = 0; form < 2; form++) {
            char line[1024];
            snprintf(line, sizeof line, "m%d{", iter % 50);
            for (size_t k = 0; k < n; k++) {
                size_t i = form ? n - 1 - k : k; /* reversed order the second time */
                if (k)
                    strcat(line, ",");
                strcat(line, names[pick[i]]);
                strcat(line, "=\"");
                for (const char *v = val[i]; *v; v++) {
                    char c[3] = {'\\', *v, '\0'};
                    strcat(line, (*v == '"' || *v == '\\') ? c : c + 1);
                }
                strcat(line, "\"");
            }
            strcat(line, "} 1");
            struct event ev;
            char reason[EVENT_REASON_MAX];
            if (event_parse_line(line, strlen(line), 0, NULL, &ev, reason, sizeof reason) != 0)
                fail_msg("%s: %s", line, reason);
            assert_true(event_key(&ev, keys[form], sizeof keys[form]) > 0);
        }
        assert_string_equal(keys[0], keys[1]);
        size_t len = strlen(keys[0]);
        unsigned p = partition_of(keys[0], len, NPARTS);
        assert_int_equal(p, partition_of(keys[1], len, NPARTS));
        assert_int_equal(p, crc16_ref(keys[0], len) % NPARTS);
        assert_int_equal(partition_of(keys[0], len, 7), crc16_ref(keys[0], len) % 7);
        counts[p]++;
    }
    /* 1000 expected per partition; fixed seed, so this is a known answer with slack */
    for (int p = 0; p < NPARTS; p++)
        if (counts[p] < 800 || counts[p] > 1200)
            fail_msg("partition %d got %u of %d keys", p, counts[p], KEYS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc16_vector), cmocka_unit_test(test_crc16_matches_reference),
        cmocka_unit_test(test_key_slot),     cmocka_unit_test(test_partition_of),
        cmocka_unit_test(test_stream_key),   cmocka_unit_test(test_property_partition_stable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
