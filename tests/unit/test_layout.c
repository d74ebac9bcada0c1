/* test_layout.c — pane rectangles for terminal sizes (split, stacked, zoomed, too small) and
 * table column selection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/layout.h"

/* Every cell of the main area (rows 0 .. rows-3) belongs to exactly one visible pane. */
static void assert_tiles(const struct layout *l)
{
    int main_h = l->rows - 2;
    for (int y = 0; y < main_h; y++)
        for (int x = 0; x < l->cols; x++) {
            int owners = 0;
            for (int p = 0; p < LAYOUT_NPANES; p++) {
                const struct layout_rect *r = &l->pane[p];
                if (x >= r->x && x < r->x + r->w && y >= r->y && y < r->y + r->h)
                    owners++;
            }
            assert_int_equal(owners, 1);
        }
    assert_int_equal(l->status.y, l->rows - 2);
    assert_int_equal(l->status.w, l->cols);
    assert_int_equal(l->hints.y, l->rows - 1);
    assert_int_equal(l->hints.h, 1);
}

static void test_split_80x24(void **state)
{
    (void)state;
    struct layout l;
    layout_compute(80, 24, -1, &l);
    assert_int_equal(l.mode, LAYOUT_SPLIT);
    /* main area 22 rows: dashboard 12, bottom 10; alerts 32 columns, chat 48 */
    assert_int_equal(l.pane[LAYOUT_DASHBOARD].h, 12);
    assert_int_equal(l.pane[LAYOUT_DASHBOARD].w, 80);
    assert_int_equal(l.pane[LAYOUT_ALERTS].y, 12);
    assert_int_equal(l.pane[LAYOUT_ALERTS].h, 10);
    assert_int_equal(l.pane[LAYOUT_ALERTS].w, 32);
    assert_int_equal(l.pane[LAYOUT_CHAT].x, 32);
    assert_int_equal(l.pane[LAYOUT_CHAT].w, 48);
    assert_tiles(&l);
}

static void test_split_160x48(void **state)
{
    (void)state;
    struct layout l;
    layout_compute(160, 48, -1, &l);
    assert_int_equal(l.mode, LAYOUT_SPLIT);
    assert_int_equal(l.pane[LAYOUT_DASHBOARD].h, 25);
    assert_int_equal(l.pane[LAYOUT_ALERTS].h, 21);
    assert_int_equal(l.pane[LAYOUT_ALERTS].w, 64);
    assert_int_equal(l.pane[LAYOUT_CHAT].w, 96);
    assert_tiles(&l);
}

static void test_stacked_narrow(void **state)
{
    (void)state;
    struct layout l;
    layout_compute(70, 24, -1, &l);
    assert_int_equal(l.mode, LAYOUT_STACKED);
    for (int p = 0; p < LAYOUT_NPANES; p++) {
        assert_int_equal(l.pane[p].x, 0);
        assert_int_equal(l.pane[p].w, 70);
    }
    assert_int_equal(l.pane[LAYOUT_DASHBOARD].h, 11);
    assert_int_equal(l.pane[LAYOUT_ALERTS].h, 5);
    assert_int_equal(l.pane[LAYOUT_CHAT].h, 6);
    assert_tiles(&l);
    /* the threshold itself is split */
    layout_compute(LAYOUT_NARROW_COLS - 1, 24, -1, &l);
    assert_int_equal(l.mode, LAYOUT_STACKED);
    layout_compute(LAYOUT_NARROW_COLS, 24, -1, &l);
    assert_int_equal(l.mode, LAYOUT_SPLIT);
}

static void test_zoom(void **state)
{
    (void)state;
    struct layout l;
    for (int p = 0; p < LAYOUT_NPANES; p++) {
        layout_compute(100, 30, p, &l);
        assert_int_equal(l.mode, LAYOUT_ZOOMED);
        assert_int_equal(l.pane[p].w, 100);
        assert_int_equal(l.pane[p].h, 28);
        for (int q = 0; q < LAYOUT_NPANES; q++)
            if (q != p)
                assert_int_equal(l.pane[q].w * l.pane[q].h, 0);
        assert_tiles(&l);
    }
    /* an out-of-range zoom is no zoom */
    layout_compute(100, 30, 7, &l);
    assert_int_equal(l.mode, LAYOUT_SPLIT);
}

static void test_too_small(void **state)
{
    (void)state;
    struct layout l;
    layout_compute(LAYOUT_MIN_COLS - 1, 40, -1, &l);
    assert_int_equal(l.mode, LAYOUT_TOO_SMALL);
    assert_int_equal(l.status.w, 0);
    layout_compute(100, LAYOUT_MIN_ROWS - 1, 0, &l);
    assert_int_equal(l.mode, LAYOUT_TOO_SMALL);
    assert_int_equal(l.pane[0].w, 0);
    layout_compute(LAYOUT_MIN_COLS, LAYOUT_MIN_ROWS, -1, &l);
    assert_int_equal(l.mode, LAYOUT_STACKED);
    assert_tiles(&l);
    for (int p = 0; p < LAYOUT_NPANES; p++)
        assert_true(l.pane[p].h >= 3); /* a border and one line of content at least */
}

/* Property: every size from the minimum to 300x120 tiles and is idempotent. */
static void test_all_sizes(void **state)
{
    (void)state;
    for (int c = LAYOUT_MIN_COLS; c <= 300; c += 7)
        for (int r = LAYOUT_MIN_ROWS; r <= 120; r += 5) {
            struct layout a, b;
            layout_compute(c, r, -1, &a);
            layout_compute(c, r, -1, &b);
            assert_memory_equal(&a, &b, sizeof(a));
            assert_tiles(&a);
            for (int p = 0; p < LAYOUT_NPANES; p++)
                assert_true(a.pane[p].h >= 3 && a.pane[p].w >= 20);
        }
}

static void test_pane_at(void **state)
{
    (void)state;
    struct layout l;
    layout_compute(80, 24, -1, &l);
    assert_int_equal(layout_pane_at(&l, 0, 0), LAYOUT_DASHBOARD);
    assert_int_equal(layout_pane_at(&l, 31, 12), LAYOUT_ALERTS);
    assert_int_equal(layout_pane_at(&l, 32, 12), LAYOUT_CHAT);
    assert_int_equal(layout_pane_at(&l, 79, 21), LAYOUT_CHAT);
    assert_int_equal(layout_pane_at(&l, 10, 22), -1); /* status line */
    assert_int_equal(layout_pane_at(&l, 80, 0), -1);
}

static void test_columns_all_fit(void **state)
{
    (void)state;
    const struct layout_col cols[] = {
        {16, 40, 0}, /* key, grows to 40 */
        {6, 6, 1},   /* rate */
        {6, 6, 2},   /* p99 */
        {8, 20, 3},  /* spark, grows to 20 */
    };
    int w[4];
    /* 16+6+6+8 + 3 gaps = 39; 100 leaves 61: key +24 -> 40, spark +12 -> 20, rest 25 -> key */
    assert_int_equal(layout_columns(100, 1, cols, 4, w), 4);
    assert_int_equal(w[0], 65);
    assert_int_equal(w[1], 6);
    assert_int_equal(w[2], 6);
    assert_int_equal(w[3], 20);
    assert_int_equal(w[0] + w[1] + w[2] + w[3] + 3, 100);
}

static void test_columns_drop_by_priority(void **state)
{
    (void)state;
    const struct layout_col cols[] = {
        {16, 40, 0}, {6, 6, 1}, {6, 6, 4}, {8, 20, 2}, {6, 6, 3},
    };
    int w[5];
    /* 30 cells: key 16, rate +7 = 23, spark +9 = 32 > 30 skipped, col4 +7 = 30 fits */
    assert_int_equal(layout_columns(30, 1, cols, 5, w), 3);
    assert_int_equal(w[0], 16);
    assert_int_equal(w[1], 6);
    assert_int_equal(w[2], 0);
    assert_int_equal(w[3], 0);
    assert_int_equal(w[4], 6);
    /* too narrow for the key itself: nothing but what fits */
    assert_int_equal(layout_columns(10, 1, cols, 5, w), 1);
    assert_int_equal(w[0], 0);
    assert_int_equal(w[1], 6); /* the only admitted column, fixed: it does not grow */
}

static void test_columns_fixed_only(void **state)
{
    (void)state;
    const struct layout_col cols[] = {{5, 5, 0}, {5, 0, 0}};
    int w[2];
    assert_int_equal(layout_columns(20, 2, cols, 2, w), 2);
    assert_int_equal(w[0], 5);
    assert_int_equal(w[1], 5);
    assert_int_equal(layout_columns(0, 2, cols, 2, w), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_80x24),
        cmocka_unit_test(test_split_160x48),
        cmocka_unit_test(test_stacked_narrow),
        cmocka_unit_test(test_zoom),
        cmocka_unit_test(test_too_small),
        cmocka_unit_test(test_all_sizes),
        cmocka_unit_test(test_pane_at),
        cmocka_unit_test(test_columns_all_fit),
        cmocka_unit_test(test_columns_drop_by_priority),
        cmocka_unit_test(test_columns_fixed_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
