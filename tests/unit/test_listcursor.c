/* test_listcursor.c — the shared list cursor: moves by key, page size, clamping at both ends,
 * empty lists, reversed (scrollback) lists, scrolling to the selection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/listcursor.h"

static void test_moves(void **state)
{
    (void)state;
    struct listcursor lc = {.count = 100, .height = 11};
    assert_true(listcursor_key(&lc, LISTCURSOR_DOWN));
    assert_int_equal(lc.selected, 1);
    assert_true(listcursor_key(&lc, LISTCURSOR_PAGE_DOWN));
    assert_int_equal(lc.selected, 11); /* a page is height - 1 rows */
    assert_true(listcursor_key(&lc, LISTCURSOR_UP));
    assert_int_equal(lc.selected, 10);
    assert_true(listcursor_key(&lc, LISTCURSOR_PAGE_UP));
    assert_int_equal(lc.selected, 0);
    assert_true(listcursor_key(&lc, LISTCURSOR_END));
    assert_int_equal(lc.selected, 99);
    assert_true(listcursor_key(&lc, LISTCURSOR_HOME));
    assert_int_equal(lc.selected, 0);
    assert_int_equal(lc.top, 0); /* keys never scroll */
}

static void test_ends(void **state)
{
    (void)state;
    struct listcursor lc = {.count = 5, .height = 3};
    listcursor_key(&lc, LISTCURSOR_UP);
    assert_int_equal(lc.selected, 0);
    listcursor_key(&lc, LISTCURSOR_PAGE_UP);
    assert_int_equal(lc.selected, 0);
    lc.selected = 3;
    listcursor_key(&lc, LISTCURSOR_PAGE_DOWN);
    assert_int_equal(lc.selected, 4);
    listcursor_key(&lc, LISTCURSOR_DOWN);
    assert_int_equal(lc.selected, 4);
    lc.selected = 9; /* the list shrank under it */
    listcursor_key(&lc, LISTCURSOR_DOWN);
    assert_int_equal(lc.selected, 4);
    lc.selected = 9;
    listcursor_key(&lc, LISTCURSOR_UP);
    assert_int_equal(lc.selected, 4);
}

static void test_small_pages(void **state)
{
    (void)state;
    int heights[] = {-3, 0, 1, 2};
    for (size_t i = 0; i < sizeof(heights) / sizeof(heights[0]); i++) {
        struct listcursor lc = {.count = 10, .height = heights[i]};
        listcursor_key(&lc, LISTCURSOR_PAGE_DOWN);
        assert_int_equal(lc.selected, 1);
    }
}

static void test_empty(void **state)
{
    (void)state;
    enum listcursor_key keys[] = {LISTCURSOR_UP,        LISTCURSOR_DOWN, LISTCURSOR_PAGE_UP,
                                  LISTCURSOR_PAGE_DOWN, LISTCURSOR_HOME, LISTCURSOR_END};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        struct listcursor lc = {.selected = 3, .count = 0, .height = 5};
        assert_true(listcursor_key(&lc, keys[i]));
        assert_int_equal(lc.selected, 0);
    }
}

static void test_none(void **state)
{
    (void)state;
    struct listcursor lc = {.selected = 7, .top = 2, .count = 5, .height = 5};
    assert_false(listcursor_key(&lc, LISTCURSOR_NONE));
    assert_int_equal(lc.selected, 7);
    assert_int_equal(lc.top, 2);
}

static void test_reversed(void **state)
{
    (void)state;
    /* row 0 is the newest line: Up and PgUp scroll back, Home goes to the oldest */
    static const struct {
        enum listcursor_key key;
        size_t want;
    } steps[] = {
        {LISTCURSOR_UP, 1},        {LISTCURSOR_PAGE_UP, 4}, {LISTCURSOR_DOWN, 3},
        {LISTCURSOR_PAGE_DOWN, 0}, {LISTCURSOR_HOME, 999},  {LISTCURSOR_END, 0},
    };
    struct listcursor lc = {.count = 1000, .height = 4, .reversed = true};
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        assert_true(listcursor_key(&lc, steps[i].key));
        assert_int_equal(lc.selected, steps[i].want);
    }
}

static void test_clamp(void **state)
{
    (void)state;
    struct listcursor lc = {.selected = 8, .top = 6, .count = 5};
    listcursor_clamp(&lc);
    assert_int_equal(lc.selected, 4);
    assert_int_equal(lc.top, 6); /* left for scroll_to_selection */
    lc.count = 0;
    listcursor_clamp(&lc);
    assert_int_equal(lc.selected, 0);
    lc.count = 3, lc.selected = 2;
    listcursor_clamp(&lc);
    assert_int_equal(lc.selected, 2);
}

static void test_scroll(void **state)
{
    (void)state;
    struct listcursor lc = {.selected = 2, .top = 5, .count = 50, .height = 10};
    listcursor_scroll_to_selection(&lc);
    assert_int_equal(lc.top, 2); /* above: it becomes the first row */
    lc.selected = 20;
    listcursor_scroll_to_selection(&lc);
    assert_int_equal(lc.top, 11); /* below: it becomes the last row */
    lc.selected = 15;
    listcursor_scroll_to_selection(&lc);
    assert_int_equal(lc.top, 11); /* shown: no change */
    lc.height = 0, lc.selected = 40;
    listcursor_scroll_to_selection(&lc);
    assert_int_equal(lc.top, 11); /* no height yet: only scrolls up */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_moves),       cmocka_unit_test(test_ends),
        cmocka_unit_test(test_small_pages), cmocka_unit_test(test_empty),
        cmocka_unit_test(test_none),        cmocka_unit_test(test_reversed),
        cmocka_unit_test(test_clamp),       cmocka_unit_test(test_scroll),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
