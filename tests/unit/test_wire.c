/* test_wire.c — byte primitives: known varint, zigzag and double bytes, measuring writes, and
 * the reader's refusals (truncation, overlong and over-64-bit varints). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "core/wire.h"

static void test_known_bytes(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct wire_w w = {buf, 0};
    wire_put_varint(&w, 0);
    wire_put_varint(&w, 127);
    wire_put_varint(&w, 300);
    wire_put_svarint(&w, -1);
    wire_put_svarint(&w, 1);
    wire_put_f64(&w, 1.0);
    wire_put_varint(&w, UINT64_MAX);
    static const uint8_t want[] = {0x00, 0x7F, 0xAC, 0x02, 0x01, 0x02, 0,    0,
                                   0,    0,    0,    0,    0xF0, 0x3F, 0xFF, 0xFF,
                                   0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01};
    assert_int_equal(w.n, sizeof want);
    assert_memory_equal(buf, want, sizeof want);

    struct wire_w measure = {NULL, 0};
    wire_put_varint(&measure, 300);
    wire_put_bytes(&measure, "abc", 3);
    assert_int_equal(measure.n, 5);

    struct wire_r r = {buf, buf + w.n};
    uint64_t u;
    int64_t s;
    double d;
    assert_int_equal(wire_get_varint(&r, &u), 0);
    assert_int_equal(u, 0);
    assert_int_equal(wire_get_varint(&r, &u), 0);
    assert_int_equal(u, 127);
    assert_int_equal(wire_get_varint(&r, &u), 0);
    assert_int_equal(u, 300);
    assert_int_equal(wire_get_svarint(&r, &s), 0);
    assert_int_equal(s, -1);
    assert_int_equal(wire_get_svarint(&r, &s), 0);
    assert_int_equal(s, 1);
    assert_int_equal(wire_get_f64(&r, &d), 0);
    assert_true(d == 1.0);
    assert_int_equal(wire_get_varint(&r, &u), 0);
    assert_true(u == UINT64_MAX);
    assert_int_equal(wire_left(&r), 0);
    assert_int_equal(wire_get_varint(&r, &u), -1);
    uint8_t b;
    assert_int_equal(wire_get_u8(&r, &b), -1);
}

static void test_extremes_and_refusals(void **state)
{
    (void)state;
    const int64_t vals[] = {INT64_MIN, INT64_MIN + 1, -1000, 0, 1000, INT64_MAX};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        uint8_t buf[16];
        struct wire_w w = {buf, 0};
        wire_put_svarint(&w, vals[i]);
        struct wire_r r = {buf, buf + w.n};
        int64_t got;
        assert_int_equal(wire_get_svarint(&r, &got), 0);
        assert_true(got == vals[i]);
        assert_int_equal(wire_left(&r), 0);
        for (size_t cut = 0; cut < w.n; cut++) { /* truncated */
            struct wire_r t = {buf, buf + cut};
            assert_int_equal(wire_get_svarint(&t, &got), -1);
        }
    }
    static const uint8_t overlong[] = {0x80, 0x00};
    static const uint8_t too_wide[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02};
    static const uint8_t endless[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x81};
    uint64_t u;
    struct wire_r r = {overlong, overlong + sizeof overlong};
    assert_int_equal(wire_get_varint(&r, &u), -1);
    r = (struct wire_r){too_wide, too_wide + sizeof too_wide};
    assert_int_equal(wire_get_varint(&r, &u), -1);
    r = (struct wire_r){endless, endless + sizeof endless};
    assert_int_equal(wire_get_varint(&r, &u), -1);

    uint8_t buf[8];
    struct wire_w w = {buf, 0};
    wire_put_f64(&w, NAN);
    r = (struct wire_r){buf, buf + 7};
    double d;
    assert_int_equal(wire_get_f64(&r, &d), -1);
    r = (struct wire_r){buf, buf + 8};
    assert_int_equal(wire_get_f64(&r, &d), 0);
    assert_true(isnan(d));
    const uint8_t *p;
    r = (struct wire_r){buf, buf + 8};
    assert_int_equal(wire_get_bytes(&r, 9, &p), -1);
    assert_int_equal(wire_get_bytes(&r, 8, &p), 0);
    assert_ptr_equal(p, buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_bytes),
        cmocka_unit_test(test_extremes_and_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
