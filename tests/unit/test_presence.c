/* test_presence.c — the online list: replace with differences reported, add, remove. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/presence.h"

struct diff_rec {
    char log[256];
};

static void on_diff(void *privdata, const char *nick, bool came)
{
    struct diff_rec *d = privdata;
    size_t n = strlen(d->log);
    snprintf(d->log + n, sizeof(d->log) - n, "%c%s ", came ? '+' : '-', nick);
}

static void test_presence(void **state)
{
    (void)state;
    struct presence p = {0};
    struct diff_rec d = {""};
    const char *first[] = {"bob", "alice", "carol", "alice"};
    presence_set(&p, first, 4, on_diff, &d);
    assert_int_equal(p.n, 3);
    assert_string_equal(p.nicks[0], "alice");
    assert_string_equal(p.nicks[2], "carol");
    assert_string_equal(d.log, "+alice +bob +carol ");
    d.log[0] = '\0';
    const char *second[] = {"dave", "alice"};
    presence_set(&p, second, 2, on_diff, &d);
    assert_string_equal(d.log, "-bob -carol +dave ");
    assert_true(presence_has(&p, "dave"));
    assert_false(presence_has(&p, "bob"));
    assert_int_equal(presence_add(&p, "bob"), 1);
    assert_int_equal(presence_add(&p, "bob"), 0);
    assert_string_equal(p.nicks[1], "bob");
    assert_int_equal(presence_remove(&p, "alice"), 1);
    assert_int_equal(presence_remove(&p, "alice"), 0);
    assert_int_equal(p.n, 2);
    d.log[0] = '\0';
    presence_set(&p, NULL, 0, on_diff, &d);
    assert_string_equal(d.log, "-bob -dave ");
    assert_int_equal(p.n, 0);
    for (int i = 0; i < 20; i++) {
        char nick[8];
        snprintf(nick, sizeof(nick), "n%02d", 19 - i);
        presence_add(&p, nick);
    }
    assert_int_equal(p.n, 20);
    assert_string_equal(p.nicks[0], "n00");
    assert_string_equal(p.nicks[19], "n19");
    presence_set(&p, first, 1, NULL, NULL);
    assert_int_equal(p.n, 1);
    presence_free(&p);
    presence_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_presence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
