/* reader_roll.c — the reader's rollup mode (contract in reader.h): each entry of NS:roll:1s:{pI}
 * is a period (its ID's time) whose field pairs are series key -> rollsum blob; every pair is
 * decoded and merged into the series table. Anything read from Redis can be hostile: a pair that
 * does not decode is counted and named on the status line, and the entry's other pairs still
 * count. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/redis/reader_impl.h"
#include "core/event.h"
#include "core/mem.h"
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

/* The entry's ID (ms, seq) when e has the shape [id, [field, ...]]; else counts it rejected. */
static bool entry_ok(struct reader *rd, const struct part *p, const redisReply *e, uint64_t *ms,
                     uint64_t *seq)
{
    const char *id = "";
    size_t id_len = 0;
    if (e && e->type == REDIS_REPLY_ARRAY && e->elements == 2 && is_string(e->element[0]) &&
        e->element[1] && e->element[1]->type == REDIS_REPLY_ARRAY) {
        id = e->element[0]->str;
        id_len = e->element[0]->len;
    }
    if (id_len == 0 || event_stream_id_parse(id, id_len, ms, seq) < 0 ||
        *ms > (uint64_t)INT64_MAX / 4) {
        reject(rd, p, id, id_len, "", 0, "malformed rollup entry");
        return false;
    }
    if (e->element[1]->elements % 2 != 0)
        reject(rd, p, id, id_len, "", 0, "odd number of fields");
    return true;
}

/* Whether entries a and b (both entry_ok) name the same series keys in the same order. */
static bool same_keys(const redisReply *a, const redisReply *b)
{
    const redisReply *fa = a->element[1], *fb = b->element[1];
    if (fa->elements != fb->elements)
        return false;
    for (size_t i = 0; i + 1 < fa->elements; i += 2) {
        const redisReply *x = fa->element[i], *y = fb->element[i];
        if (!is_string(x) || !is_string(y) || x->len != y->len ||
            memcmp(x->str, y->str, x->len) != 0)
            return false;
    }
    return true;
}

/* The series of field pair h (key k, valid) of partition p: the one the pair had in the
 * entry before when its key is the same, else looked up (NULL: the table is full). */
static struct series *pair_series(struct reader *rd, struct part *p, size_t h, const redisReply *k)
{
    if (h < p->hint_n && p->hint[h] && p->hint[h]->key_len == k->len &&
        memcmp(p->hint[h]->key, k->str, k->len) == 0)
        return p->hint[h];
    struct series *s = series_table_get_or_add(rd->tab, k->str, k->len);
    if (h >= p->hint_n) {
        size_t cap = h + 1 > 2 * p->hint_n ? h + 1 : 2 * p->hint_n;
        p->hint = xrealloc(p->hint, cap * sizeof(*p->hint));
        memset(p->hint + p->hint_n, 0, (cap - p->hint_n) * sizeof(*p->hint));
        p->hint_n = cap;
    }
    p->hint[h] = s;
    return s;
}

/* Pair i (its key at field i, its blob at i + 1) of the entries run[0..n), which all hold the
 * same key there: one lookup (once a blob decodes: a key with no good blob makes no series),
 * then each entry's blob decoded and merged in entry order. */
static void merge_pair(struct reader *rd, struct part *p, const redisReply *const *run,
                       const uint64_t *ms, size_t n, size_t i, uint32_t period_ms, bool history)
{
    const redisReply *k = run[0]->element[1]->element[i];
    struct series *s = NULL;
    bool looked = false;
    for (size_t e = 0; e < n; e++) {
        const redisReply *id = run[e]->element[0], *v = run[e]->element[1]->element[i + 1];
        if (!is_string(k) || !is_string(v) || k->len == 0) {
            reject(rd, p, id->str, id->len, is_string(k) ? k->str : "", is_string(k) ? k->len : 0,
                   "field is not a series key and a blob");
            continue;
        }
        if (k->len > EVENT_KEY_MAX) {
            reject(rd, p, id->str, id->len, k->str, k->len, "series key too long");
            continue;
        }
        const char *why = NULL;
        if (rollsum_decode(&rd->roll, (int64_t)ms[e], period_ms, (const uint8_t *)v->str, v->len,
                           &why) < 0) {
            reject(rd, p, id->str, id->len, k->str, k->len, why ? why : "bad blob");
            continue;
        }
        rd->st.rollups++;
        rd->st.events += rd->roll.sum.count;
        if (!looked) {
            s = pair_series(rd, p, i / 2, k);
            looked = true;
        }
        if (s)
            series_table_merge_series(rd->tab, s, (int64_t)ms[e], &rd->roll, history);
        else /* the table is full: counted as rejected there */
            series_table_merge(rd->tab, k->str, k->len, (int64_t)ms[e], &rd->roll);
    }
}

/* Entries e[0..n) of partition pi, from a tier whose periods last period_ms, in ID order. A
 * run of entries naming the same keys in the same order (a partition's seconds, usually) is
 * merged series by series: each series is looked up once and its periods merged while its
 * memory is in cache. Every series still gets its periods in ID order (but for a key named
 * twice in one entry, whose pairs come one after the other). history: the entries
 * are start-up history (series_table_merge_series). ring: remember their IDs for the failover
 * check (the 1s stream the XREAD reads, not the 1m preload). */
static void roll_entries(struct reader *rd, unsigned pi, const redisReply *const *e, size_t n,
                         uint32_t period_ms, bool history, bool ring)
{
    struct part *p = &rd->parts[pi];
    if (n > rd->run_cap) {
        rd->run_cap = n;
        rd->run = xrealloc(rd->run, n * sizeof(*rd->run));
        rd->run_ms = xrealloc(rd->run_ms, n * sizeof(*rd->run_ms));
    }
    size_t m = 0; /* entries of the current run */
    for (size_t i = 0; i <= n; i++) {
        uint64_t ms = 0, seq = 0;
        bool ok = i < n && entry_ok(rd, p, e[i], &ms, &seq);
        if (ok && ring)
            reader_ring_add(rd, p, ms, seq);
        if (m > 0 && (i == n || !ok || !same_keys(rd->run[0], e[i]))) {
            size_t pairs = rd->run[0]->element[1]->elements / 2;
            for (size_t k = 0; k < pairs; k++)
                merge_pair(rd, p, rd->run, rd->run_ms, m, 2 * k, period_ms, history);
            m = 0;
        }
        if (ok) {
            rd->run[m] = e[i];
            rd->run_ms[m++] = ms;
        }
    }
}

void reader_roll_entries(struct reader *rd, unsigned pi, const redisReply *const *e, size_t n,
                         bool history)
{
    roll_entries(rd, pi, e, n, ROLL_PERIOD_MS, history, true);
}

/* ---------------------------------------------------------------------------------------------
 * Start-up from the 1m tier: the window's older whole minutes as one summary per series and
 * minute instead of sixty, then the 1s tier from where they end (contract in reader.h)
 * ------------------------------------------------------------------------------------------ */

#define PRELOAD_PAGE 8           /* entries per XRANGE: a 1m entry holds a minute of every series */
#define PRELOAD_RECENT_MS 120000 /* the last 2 minutes always come from the 1s tier */
#define MINUTE_MS 60000

struct preload_req {
    struct reader *rd;
    unsigned part;
};

static void preload_send(struct reader *rd, unsigned pi);

/* The partition's XREAD resumes right after ms (every period before it is merged). */
static void resume_after(struct part *p, uint64_t ms, uint64_t seq)
{
    p->last_ms = ms;
    p->last_seq = seq;
    snprintf(p->last_id, sizeof(p->last_id), "%" PRIu64 "-%" PRIu64, ms, seq);
}

static void preload_done(struct reader *rd, struct part *p)
{
    p->pre_phase = PRELOAD_DONE;
    if (rd->preload_left > 0 && --rd->preload_left == 0)
        reader_issue_xread(rd);
}

static void on_preload(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct preload_req *q = privdata;
    struct reader *rd = q->rd;
    struct part *p = &rd->parts[q->part];
    unsigned pi = q->part;
    free(q);
    if (rd->closed)
        return;
    reader_hold(rd);
    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY) {
        /* lost or refused: what was merged stays, the XREAD reads the rest from the 1s tier */
        preload_done(rd, p);
        reader_release(rd);
        return;
    }
    bool minutes = p->pre_phase == PRELOAD_MINUTES;
    uint64_t ms = 0, seq = 0;
    roll_entries(rd, pi, (const redisReply *const *)reply->element, reply->elements,
                 minutes ? MINUTE_MS : ROLL_PERIOD_MS, true, !minutes);
    for (size_t i = 0; i < reply->elements; i++) {
        const redisReply *e = reply->element[i];
        rd->st.entries++;
        rd->st.replay_entries++;
        p->entries++;
        if (e->type == REDIS_REPLY_ARRAY && e->elements >= 1 && is_string(e->element[0]) &&
            event_stream_id_parse(e->element[0]->str, e->element[0]->len, &ms, &seq) == 0) {
            snprintf(p->pre_from, sizeof(p->pre_from), "(%s", e->element[0]->str);
            if (!minutes)
                resume_after(p, ms, seq);
            else if (ms + MINUTE_MS > p->last_ms) /* the minute's seconds are merged */
                resume_after(p, ms + MINUTE_MS - 1, UINT64_MAX);
        }
    }
    if (reply->elements < PRELOAD_PAGE) { /* this phase is over */
        if (!minutes) {
            p->pre_phase = PRELOAD_MINUTES;
            snprintf(p->pre_from, sizeof(p->pre_from), "%" PRId64 "-0", rd->pre_lo_ms);
            if (p->last_ms < (uint64_t)rd->pre_lo_ms) /* seconds up to the first minute: read */
                resume_after(p, (uint64_t)rd->pre_lo_ms - 1, UINT64_MAX);
        } else {
            preload_done(rd, p);
            reader_release(rd);
            return;
        }
    }
    preload_send(rd, pi);
    rconn_flush(rd->cmd); /* Redis reads the next page while this one is merged */
    reader_release(rd);
}

static void preload_send(struct reader *rd, unsigned pi)
{
    struct part *p = &rd->parts[pi];
    char key[160], to[32];
    bool minutes = p->pre_phase == PRELOAD_MINUTES;
    if ((minutes ? partition_roll_key(rd->ns, "1m", pi, key, sizeof(key))
                 : partition_roll_key(rd->ns, "1s", pi, key, sizeof(key))) < 0) {
        preload_done(rd, p);
        return;
    }
    snprintf(to, sizeof(to), "%" PRId64, (minutes ? rd->pre_hi_ms : rd->pre_lo_ms) - 1);
    struct preload_req *q = xmalloc(sizeof(*q));
    *q = (struct preload_req){rd, pi};
    if (rconn_command(rd->cmd, on_preload, q, "XRANGE %s %s %s COUNT %d", key, p->pre_from, to,
                      PRELOAD_PAGE) != 0) {
        free(q);
        preload_done(rd, p);
    }
}

void reader_roll_preload(struct reader *rd, int64_t start_ms, int64_t now_ms)
{
    int64_t lo = (start_ms + MINUTE_MS - 1) / MINUTE_MS * MINUTE_MS;
    int64_t hi = (now_ms - PRELOAD_RECENT_MS) / MINUTE_MS * MINUTE_MS;
    if (rd->cfg.source != READER_SOURCE_ROLLUPS || start_ms <= 0 || lo >= hi)
        return; /* no whole minute old enough: the 1s tier is read as it is */
    rd->pre_lo_ms = lo;
    rd->pre_hi_ms = hi;
    rd->preload_left = rd->cfg.partitions;
    for (unsigned i = 0; i < rd->cfg.partitions; i++) {
        struct part *p = &rd->parts[i];
        p->pre_phase = PRELOAD_SECONDS; /* the seconds before the first whole minute first */
        snprintf(p->pre_from, sizeof(p->pre_from), "%s", p->last_id);
        if (p->last_seq == UINT64_MAX) /* "(ms-max" is not an ID Redis takes: ms+1 is the same */
            snprintf(p->pre_from, sizeof(p->pre_from), "%" PRIu64 "-0", p->last_ms + 1);
        preload_send(rd, i);
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
