/* test_series.c — the series table: lookup, growth, the cap, the watermark and late events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/series.h"

static const int64_t T0 = 1700000000000LL;

static struct series_table *table_with_cap(uint32_t cap)
{
    struct series_table_config cfg;
    series_table_config_defaults(&cfg);
    cfg.max_series = cap;
    return series_table_new(&cfg);
}

static void test_get_or_add_is_idempotent(void **state)
{
    (void)state;
    struct series_table *tab = series_table_new(NULL);
    const char *k = "latency{service=api}";
    struct series *a = series_table_get_or_add(tab, k, strlen(k));
    struct series *b = series_table_get_or_add(tab, k, strlen(k));
    assert_non_null(a);
    assert_ptr_equal(a, b);
    assert_int_equal(tab->count, 1);
    assert_string_equal(a->key, k);
    assert_ptr_equal(series_table_find(tab, k, strlen(k)), a);
    assert_null(series_table_find(tab, "latency", 7));
    /* a prefix of a key is a different key */
    assert_null(series_table_find(tab, k, strlen(k) - 1));
    series_table_free(tab);
}

static void test_many_series_all_found(void **state)
{
    (void)state;
    struct series_table *tab = series_table_new(NULL);
    char key[64];
    for (int i = 0; i < 20000; i++) {
        int n = snprintf(key, sizeof(key), "m{i=%d}", i);
        assert_non_null(series_table_get_or_add(tab, key, (size_t)n));
    }
    assert_int_equal(tab->count, 20000);
    for (int i = 0; i < 20000; i++) {
        int n = snprintf(key, sizeof(key), "m{i=%d}", i);
        struct series *s = series_table_find(tab, key, (size_t)n);
        assert_non_null(s);
        assert_string_equal(s->key, key);
        assert_ptr_equal(tab->items[i], s);
    }
    /* the load factor stays at or under one half */
    assert_true((uint64_t)tab->count * 2 <= (uint64_t)tab->slot_mask + 1);
    series_table_free(tab);
}

static void test_cap_rejects_and_counts(void **state)
{
    (void)state;
    struct series_table *tab = table_with_cap(2);
    assert_int_equal(series_table_ingest(tab, "a", 1, 1.0, T0), SERIES_ADDED);
    assert_int_equal(series_table_ingest(tab, "b", 1, 1.0, T0), SERIES_ADDED);
    assert_int_equal(series_table_ingest(tab, "c", 1, 1.0, T0), SERIES_REJECTED_CAP);
    assert_int_equal(series_table_ingest(tab, "c", 1, 1.0, T0), SERIES_REJECTED_CAP);
    /* existing series still accept events when the table is full */
    assert_int_equal(series_table_ingest(tab, "a", 1, 2.0, T0 + 1), SERIES_ADDED);
    assert_int_equal(tab->count, 2);
    assert_int_equal(tab->stats.rejected_cap, 2);
    assert_int_equal(tab->stats.events, 3);
    assert_null(series_table_find(tab, "c", 1));
    series_table_free(tab);
}

/* The cap path of every entry point: get_or_add returns NULL for a new series once the table
 * is full (callers must handle it), existing series are still found and fed, the batch path
 * reports each refusal, and the note names the option that raises the cap. */
static void test_cap_path_returns_null_and_notes(void **state)
{
    (void)state;
    struct series_table *tab = table_with_cap(3);
    char note[128];
    assert_int_equal(series_table_cap_note(tab, "--max-series", note, sizeof(note)), 0);
    assert_string_equal(note, "");
    struct series *a = series_table_get_or_add(tab, "a", 1);
    assert_non_null(a);
    assert_non_null(series_table_get_or_add(tab, "b", 1));
    assert_non_null(series_table_get_or_add(tab, "c", 1));
    assert_null(series_table_get_or_add(tab, "d", 1)); /* full: NULL, nothing allocated */
    assert_null(series_table_find(tab, "d", 1));
    assert_ptr_equal(series_table_get_or_add(tab, "a", 1), a); /* existing: still found */
    assert_int_equal(tab->count, 3);
    /* get_or_add alone counts nothing; ingest does */
    assert_int_equal(tab->stats.rejected_cap, 0);
    assert_int_equal(series_table_ingest_series(tab, a, 1.0, T0), SERIES_ADDED);

    struct series_event ev[6] = {{"a", 1, 1.0, T0}, {"d", 1, 1.0, T0}, {"e", 1, 2.0, T0},
                                 {"b", 1, 3.0, T0}, {"d", 1, 4.0, T0}, {"c", 1, 5.0, T0}};
    enum series_result res[6];
    series_table_ingest_batch(tab, ev, 6, res);
    assert_int_equal(res[0], SERIES_ADDED);
    assert_int_equal(res[1], SERIES_REJECTED_CAP);
    assert_int_equal(res[2], SERIES_REJECTED_CAP);
    assert_int_equal(res[3], SERIES_ADDED);
    assert_int_equal(res[4], SERIES_REJECTED_CAP);
    assert_int_equal(res[5], SERIES_ADDED);
    assert_int_equal(tab->count, 3);
    assert_int_equal(tab->stats.rejected_cap, 3);
    assert_int_equal(tab->stats.events, 4);

    size_t n = series_table_cap_note(tab, "--max-series", note, sizeof(note));
    assert_string_equal(note, "series cap 3 reached: 3 events dropped; raise --max-series");
    assert_int_equal(n, strlen(note));
    /* a short buffer is cut, never overrun */
    char small[12];
    assert_int_equal(series_table_cap_note(tab, "--max-series", small, sizeof(small)), 11);
    assert_string_equal(small, "series cap ");
    series_table_free(tab);

    /* a cap of one and a big one both work; the least memory of a series is known */
    tab = table_with_cap(1);
    assert_int_equal(series_table_ingest(tab, "x", 1, 1.0, T0), SERIES_ADDED);
    assert_int_equal(series_table_ingest(tab, "y", 1, 1.0, T0), SERIES_REJECTED_CAP);
    assert_int_equal(tab->count, 1);
    series_table_free(tab);
    struct series_table_config cfg;
    series_table_config_defaults(&cfg);
    size_t per = series_table_series_min_bytes(&cfg);
    assert_true(per > sizeof(struct series) && per < (1u << 20));
}

/* What the table can hold at a time: its reader's reach, the source's retention and the
 * timelines' own retention, whichever is latest. */
static void test_data_from(void **state)
{
    (void)state;
    struct series_table_config cfg;
    series_table_config_defaults(&cfg);
    struct series_table *tab = series_table_new(&cfg);
    /* defaults: only the timelines' retention (15 min, whole seconds) */
    assert_int_equal(series_table_data_from_ms(tab, T0 + 500), T0 - 900000);
    series_table_free(tab);

    cfg.data_start_ms = T0 - 60000; /* started at T0 - 45 s with 15 s of history replayed */
    cfg.data_retention_ms = 3600000;
    tab = series_table_new(&cfg);
    assert_int_equal(series_table_data_from_ms(tab, T0), T0 - 60000);
    series_table_free(tab);

    cfg.data_start_ms = T0 - 7200000; /* 2 h replayed, but the streams keep 1 h */
    cfg.timeline.retention_s = 3 * 3600;
    tab = series_table_new(&cfg);
    assert_int_equal(series_table_data_from_ms(tab, T0), T0 - 3600000);
    assert_int_equal(series_table_data_from_ms(tab, T0 + 1000), T0 - 3599000); /* it moves */
    series_table_free(tab);

    cfg.data_retention_ms = INT64_MAX; /* no overflow on absurd values */
    tab = series_table_new(&cfg);
    assert_int_equal(series_table_data_from_ms(tab, T0), T0 - 7200000);
    series_table_free(tab);

    /* the reader read everything since data_start_ms, and the oldest event it found is 6.5 s
     * old: a fresh stream, so data can only cover the time from that event's second on */
    cfg.data_start_ms = T0 - 900000;
    cfg.data_retention_ms = 3600000;
    cfg.timeline.retention_s = 900;
    tab = series_table_new(&cfg);
    assert_int_equal(series_table_data_from_ms(tab, T0), T0 - 900000); /* nothing read yet */
    series_table_ingest(tab, "x", 1, 1.0, T0 - 6500);
    series_table_ingest(tab, "x", 1, 1.0, T0 - 1000);
    assert_int_equal(series_table_data_from_ms(tab, T0), T0 - 7000);
    series_table_ingest(tab, "y", 1, 1.0, T0 - 60000); /* an older one arrives: it counts */
    assert_int_equal(series_table_data_from_ms(tab, T0), T0 - 60000);
    series_table_free(tab);

    /* without a reach (the reader's start unknown) the first event proves nothing */
    series_table_config_defaults(&cfg);
    tab = series_table_new(&cfg);
    series_table_ingest(tab, "x", 1, 1.0, T0 - 6500);
    assert_int_equal(series_table_data_from_ms(tab, T0 + 500), T0 - 900000);
    series_table_free(tab);
}

static void test_watermark_and_late_events(void **state)
{
    (void)state;
    struct series_table *tab = series_table_new(NULL); /* lateness 5 s */
    assert_true(series_table_watermark_ms(tab) == INT64_MIN);
    assert_int_equal(series_table_ingest(tab, "x", 1, 1.0, T0 + 10000), SERIES_ADDED);
    assert_true(series_table_watermark_ms(tab) == T0 + 5000);
    /* exactly at the lateness bound: on time */
    assert_int_equal(series_table_ingest(tab, "x", 1, 1.0, T0 + 5000), SERIES_ADDED);
    /* one millisecond behind it: late, but stored and counted */
    assert_int_equal(series_table_ingest(tab, "x", 1, 1.0, T0 + 4999), SERIES_ADDED_LATE);
    assert_int_equal(series_table_ingest(tab, "y", 1, 1.0, T0), SERIES_ADDED_LATE);
    struct series *x = series_table_find(tab, "x", 1);
    struct series *y = series_table_find(tab, "y", 1);
    assert_int_equal(x->events, 3);
    assert_int_equal(x->late, 1);
    assert_int_equal(y->late, 1);
    assert_int_equal(tab->stats.late, 2);
    assert_int_equal(tab->stats.events, 4);
    /* a restarted watermark: the next source's old events are on time, then its own order */
    series_table_watermark_restart(tab);
    assert_true(series_table_watermark_ms(tab) == INT64_MIN);
    assert_int_equal(series_table_ingest(tab, "y", 1, 1.0, T0 - 1000), SERIES_ADDED);
    assert_int_equal(series_table_ingest(tab, "y", 1, 1.0, T0 - 7000), SERIES_ADDED_LATE);
    assert_int_equal(y->late, 2);
    assert_int_equal(x->events, 3); /* nothing else changed */
    series_table_free(tab);
}

static void test_expired_events_are_counted_not_stored(void **state)
{
    (void)state;
    struct series_table *tab = series_table_new(NULL);
    int64_t retention_ms = (int64_t)tab->cfg.timeline.retention_s * 1000;
    assert_int_equal(series_table_ingest(tab, "x", 1, 1.0, T0 + retention_ms + 60000),
                     SERIES_ADDED);
    assert_int_equal(series_table_ingest(tab, "x", 1, 1.0, T0), SERIES_EXPIRED);
    struct series *x = series_table_find(tab, "x", 1);
    assert_int_equal(x->expired, 1);
    assert_int_equal(x->events, 1);
    assert_int_equal(tab->stats.expired, 1);
    assert_int_equal(tab->stats.events, 1);
    series_table_free(tab);
}

static void test_non_finite_values_are_counted(void **state)
{
    (void)state;
    struct series_table *tab = series_table_new(NULL);
    assert_int_equal(series_table_ingest(tab, "x", 1, 0.0 / 0.0, T0), SERIES_INVALID);
    assert_int_equal(series_table_ingest(tab, "x", 1, 1.0 / 0.0, T0), SERIES_INVALID);
    assert_int_equal(tab->stats.invalid, 2);
    assert_int_equal(tab->stats.events, 0);
    assert_int_equal(series_table_find(tab, "x", 1)->events, 0);
    series_table_free(tab);
}

static void test_hash_spreads_similar_keys(void **state)
{
    (void)state;
    /* keys differing in one character must not collide in the low bits we index by */
    char key[32];
    uint64_t seen[1024] = {0};
    int collisions = 0;
    for (int i = 0; i < 1024; i++) {
        int n = snprintf(key, sizeof(key), "cpu{host=h%04d}", i);
        uint64_t h = series_hash(key, (size_t)n) & 1023;
        if (seen[h]++)
            collisions++;
    }
    /* 1024 balls into 1024 bins: about 1024/e ~ 377 collide for a random hash */
    assert_true(collisions < 450);
    assert_true(series_hash("abc", 3) != series_hash("abd", 3));
    assert_true(series_hash("", 0) != series_hash("a", 1));
}

/* The batch path must give exactly what one-by-one ingestion gives, results included. */
static void test_batch_equals_single(void **state)
{
    (void)state;
    struct series_table_config cfg;
    series_table_config_defaults(&cfg);
    cfg.max_series = 300; /* some events hit the cap */
    struct series_table *a = series_table_new(&cfg), *b = series_table_new(&cfg);
    enum { N = 5000 };
    static char keys[N][24];
    static struct series_event ev[N];
    static enum series_result got[N];
    uint64_t x = 12345;
    for (int i = 0; i < N; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        int n = snprintf(keys[i], sizeof(keys[i]), "m{i=%u}", (unsigned)(x >> 33) % 400);
        int64_t ts = T0 + i * 37 - (int64_t)((x >> 20) % 9000); /* some late ones */
        ev[i] = (struct series_event){keys[i], (size_t)n, (double)(x >> 40), ts};
    }
    series_table_ingest_batch(b, ev, N, got);
    for (int i = 0; i < N; i++)
        assert_int_equal(series_table_ingest(a, ev[i].key, ev[i].len, ev[i].value, ev[i].ts_ms),
                         got[i]);
    assert_memory_equal(&a->stats, &b->stats, sizeof(a->stats));
    assert_true(a->stats.rejected_cap > 0 && a->stats.late > 0);
    assert_int_equal(a->count, b->count);
    for (uint32_t i = 0; i < a->count; i++) {
        const struct series *sa = a->items[i];
        const struct series *sb = series_table_find(b, sa->key, sa->key_len);
        assert_non_null(sb);
        assert_int_equal(sa->events, sb->events);
        assert_int_equal(sa->late, sb->late);
    }
    series_table_ingest_batch(b, ev, 0, NULL); /* empty batch: nothing happens */
    series_table_free(a);
    series_table_free(b);
}

/* A head move (from a second that held more than one event) is left to series_table_settle:
 * the series are listed once each, in the order they moved, a budget settles the oldest first,
 * and a series read, or moved again, before its turn is settled on the spot (its listing then
 * does nothing). */
static void test_settle_lays_out_due_series(void **state)
{
    (void)state;
    struct series_table *tab = table_with_cap(100);
    char key[16];
    for (int i = 0; i < 5; i++) {
        int n = snprintf(key, sizeof(key), "m{i=%d}", i);
        assert_int_equal(series_table_ingest(tab, key, (size_t)n, 1, T0), SERIES_ADDED);
        series_table_ingest(tab, key, (size_t)n, 1, T0 + 1); /* a head of two events */
    }
    assert_int_equal(tab->due_n, 0); /* first events move nothing */
    for (int i = 4; i >= 0; i--) {   /* second 1, twice each: listed once, in this order */
        int n = snprintf(key, sizeof(key), "m{i=%d}", i);
        series_table_ingest(tab, key, (size_t)n, 2, T0 + 1000);
        series_table_ingest(tab, key, (size_t)n, 3, T0 + 1500);
    }
    assert_int_equal(tab->due_n, 5);
    for (int i = 0; i < 5; i++) {
        assert_true(tab->due[i]->due);
        assert_true(timeline_due(&tab->due[i]->tl));
        snprintf(key, sizeof(key), "m{i=%d}", 4 - i);
        assert_string_equal(tab->due[i]->key, key);
    }
    assert_int_equal(series_table_settle(tab, 2), 3); /* m{i=4} and m{i=3} */
    assert_false(timeline_due(&series_table_find(tab, "m{i=4}", 6)->tl));
    assert_false(series_table_find(tab, "m{i=4}", 6)->due);
    assert_true(timeline_due(&series_table_find(tab, "m{i=0}", 6)->tl));
    /* m{i=2} moves again (second 2): the first move is laid out then, the new one is due, the
     * series still listed once */
    struct series *s2 = series_table_find(tab, "m{i=2}", 6);
    series_table_ingest(tab, "m{i=2}", 6, 4, T0 + 2000);
    assert_int_equal(s2->tl.laid_s, T0 / 1000 + 1);
    assert_int_equal(tab->due_n, 3);
    /* m{i=1} is read: settled by the reader, its listing does nothing later */
    struct series *s1 = series_table_find(tab, "m{i=1}", 6);
    struct timeline_iter it;
    timeline_iter_init(&it, &s1->tl, T0 / 1000, T0 / 1000 + 1);
    assert_false(timeline_due(&s1->tl));
    assert_true(s1->due);
    assert_int_equal(series_table_settle(tab, 0), 0);
    for (uint32_t i = 0; i < tab->count; i++) {
        assert_false(tab->items[i]->due);
        assert_false(timeline_due(&tab->items[i]->tl));
    }
    assert_int_equal(series_table_settle(tab, 0), 0); /* nothing listed: nothing to do */
    for (int i = 0; i < 5; i++) {
        int n = snprintf(key, sizeof(key), "m{i=%d}", i);
        series_table_ingest(tab, key, (size_t)n, 5, T0 + 9000);
    }
    /* m{i=2}'s head (second 2) held one event: a series whose every event moves its head has
     * nothing to amortise, its move is laid out at once */
    assert_int_equal(tab->due_n, 4);
    assert_false(timeline_due(&s2->tl));
    assert_false(s2->due);
    series_table_free(tab); /* still listed: freed with the table (ASan) */
}

static void test_memory_accounting_grows_with_series(void **state)
{
    (void)state;
    struct series_table *tab = series_table_new(NULL);
    size_t empty = series_table_memory_bytes(tab);
    series_table_ingest(tab, "a", 1, 3.0, T0);
    size_t one = series_table_memory_bytes(tab);
    assert_true(one > empty);
    series_table_free(tab);
    series_table_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_or_add_is_idempotent),
        cmocka_unit_test(test_many_series_all_found),
        cmocka_unit_test(test_cap_rejects_and_counts),
        cmocka_unit_test(test_cap_path_returns_null_and_notes),
        cmocka_unit_test(test_data_from),
        cmocka_unit_test(test_watermark_and_late_events),
        cmocka_unit_test(test_expired_events_are_counted_not_stored),
        cmocka_unit_test(test_non_finite_values_are_counted),
        cmocka_unit_test(test_hash_spreads_similar_keys),
        cmocka_unit_test(test_batch_equals_single),
        cmocka_unit_test(test_memory_accounting_grows_with_series),
        cmocka_unit_test(test_settle_lays_out_due_series),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
