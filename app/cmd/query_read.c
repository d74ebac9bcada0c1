/* query_read.c — XRANGE every partition stream (raw events, or a rollup tier in group mode) into
 * a series table, for `warroom query` and `warroom incident` (query_read.h). */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cmd/cmd.h"
#include "app/cmd/query_read.h"
#include "core/errbuf.h"
#include "core/event.h"
#include "core/mem.h"
#include "core/partition.h"
#include "core/rollsum.h"

#define QUERY_PAGE 10000    /* XRANGE COUNT */
#define QUERY_ROLL_PAGE 100 /* rollups: an entry holds a period of every series of a partition */
#define QUERY_ROLL_FIELDS 200000 /* rollups: field strings per XRANGE reply, about */

/* One read: what goes where, and the scratch of one entry. */
struct scratch {
    int64_t lo_ms, hi_ms;
    struct series_table *tab;
    struct qread_stats *res;
    uint32_t period_ms; /* rollups: the tier's period; 0: raw events */
    int64_t last_ms;    /* ms of the last entry ID read_partition saw (-1: none) */
    bool mixed;         /* 1s tier with whole minutes from the 1m tier (read_mixed) */
    struct rollsum roll;
    const char **strs;
    size_t *lens;
    size_t cap;
    struct event ev;
    char key[EVENT_KEY_MAX + 1];
};

static void scratch_reserve(struct scratch *s, size_t n)
{
    if (n <= s->cap)
        return;
    while (s->cap < n)
        s->cap = s->cap ? s->cap * 2 : 16;
    s->strs = xrealloc(s->strs, s->cap * sizeof(*s->strs));
    s->lens = xrealloc(s->lens, s->cap * sizeof(*s->lens));
}

/* Counts one rollup that does not decode and remembers the last one's reason. */
static void roll_reject(struct qread_stats *res, const char *key, const redisReply *id,
                        const redisReply *field, const char *why)
{
    res->roll_rejected++;
    int il = id->len > 44 ? 44 : (int)id->len;
    int fl =
        field && field->type == REDIS_REPLY_STRING ? (field->len > 60 ? 60 : (int)field->len) : 0;
    snprintf(res->roll_error, sizeof(res->roll_error), "%s %.*s%s%.*s: %s", key, il, id->str,
             fl ? " " : "", fl, fl ? field->str : "", why);
}

/* One entry of a rollup tier: its ID is the period's start (read only from lo_ms on); each
 * field pair (series key, blob) is decoded and merged, a bad one counted in roll_rejected. */
static void take_rollup(const redisReply *e, const char *key, struct scratch *s)
{
    struct qread_stats *res = s->res;
    res->entries++;
    if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
        e->element[0]->type != REDIS_REPLY_STRING)
        return; /* Redis never sends such an entry */
    const redisReply *id = e->element[0], *f = e->element[1];
    uint64_t ms = 0;
    if (event_stream_id_parse(id->str, id->len, &ms, NULL) < 0 || ms > (uint64_t)INT64_MAX / 4 ||
        f->type != REDIS_REPLY_ARRAY || f->elements % 2 != 0) {
        roll_reject(res, key, id, NULL, "malformed rollup entry");
        return;
    }
    if ((int64_t)ms < s->lo_ms || (int64_t)ms > s->hi_ms)
        return;
    for (size_t i = 0; i + 1 < f->elements; i += 2) {
        const redisReply *k = f->element[i], *v = f->element[i + 1];
        const char *why = NULL;
        if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING || k->len == 0 ||
            k->len > EVENT_KEY_MAX)
            why = "field is not a series key and a blob";
        else if (rollsum_decode(&s->roll, (int64_t)ms, s->period_ms, (const uint8_t *)v->str,
                                v->len, &why) < 0 &&
                 why == NULL)
            why = "bad blob";
        if (why) {
            roll_reject(res, key, id, k, why);
            continue;
        }
        res->events += s->roll.sum.count;
        res->rollups++;
        series_table_merge(s->tab, k->str, k->len, (int64_t)ms, &s->roll);
    }
}

/* One entry of an XRANGE reply of raw events. Events whose timestamp lies in [lo_ms, hi_ms] go
 * to tab; invalid entries whose ID time lies there are counted as rejected. */
static void take_entry(const redisReply *e, struct scratch *s)
{
    int64_t lo_ms = s->lo_ms, hi_ms = s->hi_ms;
    struct qread_stats *res = s->res;
    res->entries++;
    if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
        e->element[0]->type != REDIS_REPLY_STRING)
        return;
    const redisReply *id = e->element[0], *f = e->element[1];
    uint64_t id_ms = 0;
    bool in_window = event_stream_id_parse(id->str, id->len, &id_ms, NULL) == 0 &&
                     (int64_t)id_ms >= lo_ms && (int64_t)id_ms <= hi_ms;
    size_t n = f->type == REDIS_REPLY_ARRAY ? f->elements : 0;
    scratch_reserve(s, n + 1);
    for (size_t i = 0; i < n; i++) {
        bool str = f->element[i]->type == REDIS_REPLY_STRING;
        s->strs[i] = str ? f->element[i]->str : "";
        s->lens[i] = str ? f->element[i]->len : 0;
    }
    if (event_parse_fields(s->strs, s->lens, n, id->str, id->len, NULL, &s->ev, NULL, 0) !=
        EVENT_OK) {
        if (in_window)
            res->rejected++;
        return;
    }
    if (s->ev.ts_ms < lo_ms || s->ev.ts_ms > hi_ms)
        return;
    int klen = event_key(&s->ev, s->key, sizeof(s->key));
    if (klen < 0)
        return;
    res->events++;
    series_table_ingest(s->tab, s->key, (size_t)klen, s->ev.value, s->ev.ts_ms);
}

enum read_result {
    READ_OK,
    READ_REFUSED, /* Redis answered with an error: the partition is unreadable (why in u) */
    READ_LOST,    /* the connection broke (message printed) */
};

/* Why key was refused: its type when it is not a stream, else Redis' error text. */
static void explain_refusal(struct csync *c, const char *key, const redisReply *refusal,
                            struct qread_unreadable *u)
{
    char why[128] = "unexpected reply", type[16] = "";
    if (refusal->type == REDIS_REPLY_ERROR)
        errbuf_copy_text(why, sizeof(why), refusal->str, refusal->len);
    redisReply *t = csync_command(c, "TYPE %s", key);
    if (t && t->type == REDIS_REPLY_STATUS)
        errbuf_copy_text(type, sizeof(type), t->str, t->len);
    if (t)
        freeReplyObject(t);
    snprintf(u->key, sizeof(u->key), "%s", key);
    if (type[0] && strcmp(type, "stream") != 0 && strcmp(type, "none") != 0)
        snprintf(u->error, sizeof(u->error), "%s is a %s", key, type);
    else
        snprintf(u->error, sizeof(u->error), "%s: %.120s", key, why);
}

/* Reads one partition stream: entry IDs from start_id up to end_ms, page by page, each page
 * starting right after the last ID seen. On READ_REFUSED, u says why (entries of earlier pages
 * stay counted). */
static enum read_result read_partition(struct csync *c, const char *key, const char *start_id,
                                       int64_t end_ms, struct scratch *s,
                                       struct qread_unreadable *u, const char *prog)
{
    char from[64], to[32];
    snprintf(from, sizeof(from), "%s", start_id);
    snprintf(to, sizeof(to), "%" PRId64, end_ms);
    int page = s->period_ms ? QUERY_ROLL_PAGE : QUERY_PAGE;
    for (;;) {
        redisReply *r = csync_command(c, "XRANGE %s %s %s COUNT %d", key, from, to, page);
        if (r == NULL) {
            fprintf(stderr, "%s: reading %s: %s\n", prog, key, csync_error(c));
            return READ_LOST;
        }
        if (r->type != REDIS_REPLY_ARRAY) {
            explain_refusal(c, key, r, u);
            freeReplyObject(r);
            return csync_error(c)[0] ? READ_LOST : READ_REFUSED;
        }
        for (size_t i = 0; i < r->elements; i++)
            if (s->period_ms)
                take_rollup(r->element[i], key, s);
            else
                take_entry(r->element[i], s);
        series_table_settle(s->tab, 0); /* the page's head moves laid out (series.h) */
        size_t got = r->elements, fields = 0;
        const redisReply *last = got ? r->element[got - 1] : NULL;
        if (last && last->type == REDIS_REPLY_ARRAY && last->elements >= 1 &&
            last->element[0]->type == REDIS_REPLY_STRING)
            s->last_ms = strtoll(last->element[0]->str, NULL, 10);
        for (size_t i = 0; i < got; i++)
            if (r->element[i]->type == REDIS_REPLY_ARRAY && r->element[i]->elements == 2)
                fields += r->element[i]->element[1]->elements;
        if (got == (size_t)page && last->type == REDIS_REPLY_ARRAY && last->elements >= 1 &&
            last->element[0]->type == REDIS_REPLY_STRING && last->element[0]->len < 48)
            snprintf(from, sizeof(from), "(%s", last->element[0]->str);
        else
            got = 0;
        /* rollup entries of few series (a quiet partition, one series): bigger pages, bounded
         * to about QUERY_ROLL_FIELDS field strings a reply */
        if (s->period_ms && got) {
            size_t per = fields / got ? fields / got : 1;
            size_t want = QUERY_ROLL_FIELDS / per;
            page = want < QUERY_ROLL_PAGE ? QUERY_ROLL_PAGE
                   : want > QUERY_PAGE    ? QUERY_PAGE
                                          : (int)want;
        }
        freeReplyObject(r);
        if (got == 0)
            return READ_OK;
    }
}

/* An instant query in group mode over more than a minute: the whole minutes of the window from
 * the 1m tier (up to the last minute the partition's owner has merged), the edges from the 1s
 * tier (key): sixty times fewer summaries to read and merge, the same answer. */
static enum read_result read_mixed(struct csync *c, const char *ns, unsigned part, const char *key,
                                   struct scratch *s, struct qread_unreadable *u, const char *prog)
{
    const int64_t M = 60000;
    int64_t lo_up = s->lo_ms >= 0 ? (s->lo_ms + M - 1) / M * M : s->lo_ms / M * M;
    int64_t hi_m = (s->hi_ms + 1) >= 0 ? (s->hi_ms + 1) / M * M : 0; /* minutes ending <= hi */
    char key_m[128], id[48];
    enum read_result rr;
    int64_t covered = lo_up; /* the 1s tier is read from here on */
    if (lo_up < hi_m && partition_roll_key(ns, "1m", part, key_m, sizeof(key_m)) >= 0) {
        s->period_ms = (uint32_t)M;
        s->last_ms = -1;
        snprintf(id, sizeof(id), "%" PRId64 "-0", lo_up);
        rr = read_partition(c, key_m, id, hi_m - 1, s, u, prog);
        s->period_ms = 1000;
        if (rr != READ_OK)
            return rr;
        if (s->last_ms >= 0)
            covered = s->last_ms + M;
    } else {
        lo_up = s->lo_ms; /* no whole minute: all from the 1s tier */
        covered = s->lo_ms;
    }
    if (lo_up > s->lo_ms) { /* the part before the first whole minute */
        snprintf(id, sizeof(id), "%" PRId64 "-0", s->lo_ms > 0 ? s->lo_ms : 0);
        rr = read_partition(c, key, id, lo_up - 1, s, u, prog);
        if (rr != READ_OK)
            return rr;
    }
    snprintf(id, sizeof(id), "%" PRId64 "-0", covered > 0 ? covered : 0);
    return read_partition(c, key, id, s->hi_ms, s, u, prog);
}

/* Reads every partition's stream of the source s says (raw events, or the rollup tier). */
static int read_all(struct csync *c, const char *ns, unsigned partitions, const char *tier,
                    struct scratch *s, const char *prog)
{
    struct qread_stats *res = s->res;
    /* An event may be stamped up to EVENT_MAX_FUTURE_MS after its entry ID: start that early so
     * every event whose own time is in the window is seen. A rollup's ID is its period start. */
    int64_t first_ms = tier ? s->lo_ms : s->lo_ms - EVENT_MAX_FUTURE_MS;
    char start_id[48];
    snprintf(start_id, sizeof(start_id), "%" PRId64 "-0", first_ms > 0 ? first_ms : 0);
    int rc = 0;
    res->unreadable = xcalloc(partitions ? partitions : 1, sizeof(*res->unreadable));
    res->nunreadable = 0;
    res->partitions = partitions;
    for (unsigned i = 0; i < partitions && rc == 0; i++) {
        char key[128];
        if ((tier ? partition_roll_key(ns, tier, i, key, sizeof(key))
                  : partition_stream_key(ns, i, key, sizeof(key))) < 0) {
            fprintf(stderr, "%s: namespace too long\n", prog);
            rc = EXIT_FAILURE_GENERIC;
            break;
        }
        series_table_watermark_restart(s->tab); /* late: behind its own partition's watermark */
        struct qread_unreadable *u = &res->unreadable[res->nunreadable];
        enum read_result rr = s->mixed ? read_mixed(c, ns, i, key, s, u, prog)
                                       : read_partition(c, key, start_id, s->hi_ms, s, u, prog);
        if (rr == READ_LOST)
            rc = EXIT_UNREACHABLE;
        else if (rr == READ_REFUSED)
            res->unreadable[res->nunreadable++].part = i;
    }
    return rc;
}

int qread_all(struct csync *c, const char *ns, unsigned partitions, int64_t lo_ms, int64_t hi_ms,
              struct series_table *tab, struct qread_stats *res, const char *prog)
{
    struct scratch s = {.lo_ms = lo_ms, .hi_ms = hi_ms, .tab = tab, .res = res};
    res->source = "raw events";
    int rc = read_all(c, ns, partitions, NULL, &s, prog);
    free(s.strs);
    free(s.lens);
    return rc;
}

const char *qread_tier(int64_t span_ms, uint32_t *period_ms, int64_t *keep_ms)
{
    if (span_ms <= 3600 * 1000LL) {
        *period_ms = 1000;
        *keep_ms = 3600 * 1000LL;
        return "1s";
    }
    if (span_ms <= 7 * 86400 * 1000LL) {
        *period_ms = 60 * 1000;
        *keep_ms = 7 * 86400 * 1000LL;
        return "1m";
    }
    *period_ms = 3600 * 1000;
    *keep_ms = 90 * 86400 * 1000LL;
    return "1h";
}

void qread_tier_table(struct series_table_config *tc, uint32_t period_ms, bool instant)
{
    uint32_t per_s = period_ms / 1000, *coarse = &tc->timeline.coarse_s;
    if (per_s > 1 && *coarse % per_s != 0 && per_s % *coarse != 0)
        *coarse = (*coarse + per_s - 1) / per_s * per_s;
    else if (per_s > *coarse && instant)
        *coarse = per_s;
    if (*coarse > TIMELINE_MAX_COARSE_S)
        *coarse = TIMELINE_MAX_COARSE_S;
    uint64_t r = (uint64_t)tc->timeline.retention_s + 2 * (uint64_t)*coarse + per_s;
    tc->timeline.retention_s =
        r > TIMELINE_MAX_RETENTION_S ? TIMELINE_MAX_RETENTION_S : (uint32_t)r;
}

int qread_rollups(struct csync *c, const char *ns, unsigned partitions, const char *tier,
                  uint32_t period_ms, bool instant, int64_t lo_ms, int64_t hi_ms,
                  struct series_table *tab, struct qread_stats *res, const char *prog)
{
    struct scratch s = {.lo_ms = lo_ms,
                        .hi_ms = hi_ms,
                        .tab = tab,
                        .res = res,
                        .period_ms = period_ms,
                        .mixed = instant && period_ms == 1000 && hi_ms - lo_ms >= 120000};
    snprintf(res->source_buf, sizeof(res->source_buf), "rollups %s", tier);
    res->source = res->source_buf;
    rollsum_init(&s.roll);
    int rc = read_all(c, ns, partitions, tier, &s, prog);
    rollsum_free(&s.roll);
    return rc;
}
