/* reader_roll.c — the reader's rollup mode (contract in reader.h): each entry of NS:roll:1s:{pI}
 * is a period (its ID's time) whose field pairs are series key -> rollsum blob; every pair is
 * decoded and merged into the series table. Anything read from Redis can be hostile: a pair that
 * does not decode is counted and named on the status line, and the entry's other pairs still
 * count. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app/redis/reader_impl.h"
#include "core/event.h"
#include "core/partition.h"

#define ROLL_PERIOD_MS 1000 /* the tier read: 1s */

int reader_part_key(const struct reader *rd, unsigned i, char *buf, size_t cap)
{
    if (rd->cfg.source == READER_SOURCE_ROLLUPS)
        return partition_roll_key(rd->ns, "1s", i, buf, cap);
    return partition_stream_key(rd->ns, i, buf, cap);
}

const char *reader_source_text(const struct reader *rd)
{
    return rd->cfg.source == READER_SOURCE_ROLLUPS ? "rollups 1s" : "raw events";
}

/* Counts one rejected rollup (a pair, or the whole entry when key_len is 0) and remembers why. */
static void reject(struct reader *rd, const struct part *p, const char *id, size_t id_len,
                   const char *key, size_t key_len, const char *why)
{
    rd->st.roll_rejected++;
    int kl = key_len > 60 ? 60 : (int)key_len, il = id_len > 44 ? 44 : (int)id_len;
    snprintf(rd->roll_error, sizeof(rd->roll_error), "%s %.*s%s%.*s%s: %s", p->key, il, id,
             kl ? " " : "", kl, key, key_len > 60 ? "..." : "", why);
}

static bool is_string(const redisReply *r)
{
    return r && r->type == REDIS_REPLY_STRING;
}

void reader_roll_entry(struct reader *rd, unsigned pi, const redisReply *e)
{
    struct part *p = &rd->parts[pi];
    const char *id = "";
    size_t id_len = 0;
    uint64_t ms = 0, seq = 0;
    if (e && e->type == REDIS_REPLY_ARRAY && e->elements == 2 && is_string(e->element[0]) &&
        e->element[1] && e->element[1]->type == REDIS_REPLY_ARRAY) {
        id = e->element[0]->str;
        id_len = e->element[0]->len;
    }
    if (id_len == 0 || event_stream_id_parse(id, id_len, &ms, &seq) < 0 ||
        ms > (uint64_t)INT64_MAX / 4) {
        reject(rd, p, id, id_len, "", 0, "malformed rollup entry");
        return;
    }
    reader_ring_add(rd, p, ms, seq);
    const redisReply *f = e->element[1];
    if (f->elements % 2 != 0)
        reject(rd, p, id, id_len, "", 0, "odd number of fields");
    for (size_t i = 0; i + 1 < f->elements; i += 2) {
        const redisReply *k = f->element[i], *v = f->element[i + 1];
        if (!is_string(k) || !is_string(v) || k->len == 0) {
            reject(rd, p, id, id_len, is_string(k) ? k->str : "", is_string(k) ? k->len : 0,
                   "field is not a series key and a blob");
            continue;
        }
        if (k->len > EVENT_KEY_MAX) {
            reject(rd, p, id, id_len, k->str, k->len, "series key too long");
            continue;
        }
        const char *why = NULL;
        if (rollsum_decode(&rd->roll, (int64_t)ms, ROLL_PERIOD_MS, (const uint8_t *)v->str, v->len,
                           &why) < 0) {
            reject(rd, p, id, id_len, k->str, k->len, why ? why : "bad blob");
            continue;
        }
        rd->st.rollups++;
        rd->st.events += rd->roll.sum.count;
        series_table_merge(rd->tab, k->str, k->len, (int64_t)ms, &rd->roll);
    }
}

const char *reader_roll_text(const struct reader *rd, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (rd->st.roll_rejected > 0)
        snprintf(buf, cap, "%" PRIu64 " rollup%s rejected (%s)", rd->st.roll_rejected,
                 rd->st.roll_rejected == 1 ? "" : "s", rd->roll_error);
    return buf;
}
