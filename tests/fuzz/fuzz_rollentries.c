/* fuzz_rollentries.c — the reader's rollup entries (app/redis/reader_roll.c) as a hostile Redis
 * could send them: entries that are not arrays, IDs that do not parse, odd field counts, keys
 * that are empty, too long or not strings, values that are not strings or not blobs, the same
 * key twice, entries naming the same keys in the same order (merged series by series, each
 * pair's series remembered from the entry before) or not. Input: a byte stream the harness reads
 * entry by entry (a cursor past the end reads zeros). Properties: nothing crashes or leaks;
 * every entry and field pair is either merged or counted rejected; the table equals the one
 * merging the same pairs entry after entry through series_table_merge (same series, same
 * events, same slots and histograms; with a full table, the same counts). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app/redis/reader_impl.h"
#include "core/event.h"
#include "core/rollsum.h"
#include "core/series.h"
#include "tests/fuzz/reply_build.h"
#include "tests/fuzz/slot_props.h"

#define T0 1700000000000LL
#define MAX_ENTRIES 12
#define MAX_FIELDS 9

struct cursor {
    const uint8_t *p, *end;
};

static uint8_t u8(struct cursor *c)
{
    return c->p < c->end ? *c->p++ : 0;
}

/* A series key: mostly one of five, sometimes empty, too long, or not a string. */
static redisReply *make_key(struct cursor *c)
{
    uint8_t sel = u8(c);
    if (sel % 9 == 0)
        return reply_of(REDIS_REPLY_INTEGER);
    if (sel % 9 == 1)
        return str_reply("", 0);
    if (sel % 9 == 2) {
        char big[EVENT_KEY_MAX + 8];
        memset(big, 'x', sizeof(big));
        return str_reply(big, sizeof(big));
    }
    char k[8];
    int n = snprintf(k, sizeof(k), "m{k=%c}", 'a' + sel % 5);
    return str_reply(k, (size_t)n);
}

/* A value: mostly a valid blob of 1 to 4 events of the period, sometimes raw bytes, or not a
 * string. */
static redisReply *make_value(struct cursor *c, int64_t period_ms)
{
    uint8_t sel = u8(c);
    if (sel % 7 == 0)
        return reply_of(REDIS_REPLY_NIL);
    if (sel % 7 == 1) {
        uint8_t buf[40];
        size_t n = u8(c) % sizeof(buf);
        for (size_t i = 0; i < n; i++)
            buf[i] = u8(c);
        return str_reply(buf, n);
    }
    struct rollsum r;
    rollsum_init(&r);
    for (int i = 0; i <= sel % 4; i++)
        rollsum_add(&r, (double)(int8_t)u8(c) / 4, period_ms + u8(c) * 3);
    uint8_t blob[256];
    size_t n = rollsum_encode(&r, period_ms, blob, sizeof(blob));
    rollsum_free(&r);
    return str_reply(blob, n <= sizeof(blob) ? n : 0);
}

/* An entry [id, [k, v, ...]]: its keys those of prev (when given and asked for) or new ones. */
static redisReply *make_entry(struct cursor *c, size_t i, const redisReply *prev)
{
    uint8_t kind = u8(c);
    if (kind % 16 == 0)
        return reply_of(REDIS_REPLY_INTEGER);
    int64_t ms = T0 + (int64_t)i * 1000 - (kind % 5 == 0 ? 2000 : 0);
    redisReply *e = array_reply(2);
    char id[32];
    int n = kind % 16 == 1 ? snprintf(id, sizeof(id), "x-%d", kind)
                           : snprintf(id, sizeof(id), "%" PRId64 "-0", ms);
    e->element[0] = str_reply(id, (size_t)n);
    bool same = (kind & 0x80) && prev && prev->type == REDIS_REPLY_ARRAY;
    size_t nf = same ? prev->element[1]->elements : u8(c) % MAX_FIELDS;
    redisReply *f = array_reply(nf);
    for (size_t j = 0; j < nf; j++) {
        if (j % 2 == 1)
            f->element[j] = make_value(c, ms);
        else if (same && prev->element[1]->element[j]->type == REDIS_REPLY_STRING)
            f->element[j] =
                str_reply(prev->element[1]->element[j]->str, prev->element[1]->element[j]->len);
        else
            f->element[j] = make_key(c);
    }
    e->element[1] = f;
    return e;
}

/* The reader's check of an entry's shape (entry_ok): its ID's ms, or -1. */
static int64_t entry_ms(const redisReply *e)
{
    uint64_t ms = 0, seq = 0;
    if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
        e->element[0]->type != REDIS_REPLY_STRING || e->element[0]->len == 0 ||
        e->element[1]->type != REDIS_REPLY_ARRAY ||
        event_stream_id_parse(e->element[0]->str, e->element[0]->len, &ms, &seq) < 0 ||
        ms > (uint64_t)INT64_MAX / 4)
        return -1;
    return (int64_t)ms;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cursor c = {data, data + size};
    size_t n = u8(&c) % (MAX_ENTRIES + 1);
    redisReply *e[MAX_ENTRIES] = {0};
    for (size_t i = 0; i < n; i++)
        e[i] = make_entry(&c, i, i ? e[i - 1] : NULL);

    struct series_table_config cfg;
    series_table_config_defaults(&cfg);
    cfg.max_series = 3 + u8(&c) % 3;
    cfg.timeline = (struct timeline_config){.fine_slots = 4, .coarse_s = 10, .retention_s = 40};
    char pkey[] = "wr:roll:1s:{p0}";
    struct part part = {.key = pkey, .key_len = sizeof(pkey) - 1};
    struct reader rd = {.tab = series_table_new(&cfg), .parts = &part, .ring_cap = 8};
    rollsum_init(&rd.roll);
    /* twice over the same table and part: the second call's pairs find their series remembered */
    size_t half = u8(&c) % (n + 1);
    reader_roll_entries(&rd, 0, (const redisReply *const *)e, half, true);
    reader_roll_entries(&rd, 0, (const redisReply *const *)e + half, n - half, true);

    /* the same pairs, entry after entry */
    struct series_table *ref = series_table_new(&cfg);
    struct rollsum r;
    rollsum_init(&r);
    uint64_t want = 0, merged = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t ms = entry_ms(e[i]);
        if (ms < 0) {
            want++;
            continue;
        }
        const redisReply *f = e[i]->element[1];
        want += f->elements / 2 + f->elements % 2;
        for (size_t j = 0; j + 1 < f->elements; j += 2) {
            const redisReply *k = f->element[j], *v = f->element[j + 1];
            if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING || k->len == 0 ||
                k->len > EVENT_KEY_MAX ||
                rollsum_decode(&r, ms, 1000, (const uint8_t *)v->str, v->len, NULL) < 0)
                continue;
            merged++;
            series_table_merge(ref, k->str, k->len, ms, &r);
        }
    }
    FUZZ_CHECK(rd.st.rollups == merged);
    FUZZ_CHECK(rd.st.rollups + rd.st.roll_rejected == want);
    FUZZ_CHECK(rd.tab->count == ref->count);
    /* every event counted once, whatever the table admitted: a pair turned away counts its
     * late events with the rest (rejected_cap), one merged counts them as late (and an old one
     * as expired), so a full table that admitted other series than the reference's moves counts
     * between these and not out of their sum */
    const struct series_stats *x = &rd.tab->stats, *y = &ref->stats;
    FUZZ_CHECK(x->events + x->late + x->expired + x->invalid + x->rejected_cap ==
               y->events + y->late + y->expired + y->invalid + y->rejected_cap);
    /* a full table admits series first come, first served: merged series by series, a run can
     * come to a key before the entry order would; the slots compare when no series was turned
     * away */
    bool full = rd.tab->stats.rejected_cap || ref->stats.rejected_cap;
    for (uint32_t i = 0; i < rd.tab->count && !full; i++) {
        const struct series *a = rd.tab->items[i];
        const struct series *b = series_table_get_or_add(ref, a->key, a->key_len);
        FUZZ_CHECK(b != NULL && ref->count == rd.tab->count);
        FUZZ_CHECK(a->events == b->events && a->expired == b->expired);
        same_slots(a, b);
    }

    rollsum_free(&r);
    series_table_free(ref);
    rollsum_free(&rd.roll);
    series_table_free(rd.tab);
    free(rd.run);
    free(rd.run_ms);
    free(part.ring);
    free(part.hint);
    for (size_t i = 0; i < n; i++)
        freeReplyObject(e[i]);
    return 0;
}
