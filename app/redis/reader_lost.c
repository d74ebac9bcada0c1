/* reader_lost.c — events a failover lost (contract in reader.h, "Failover losses"): a ring of the
 * IDs each partition read last, checked against the server after every reconnect of the ingest
 * connection, before its next XREAD. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/redis/reader_impl.h"
#include "core/event.h"
#include "core/mem.h"

/* One partition's check: two XRANGE on the ingest connection, answered in order. */
struct lost_req {
    struct reader *rd;
    unsigned part;
    int refs;    /* callbacks still to run */
    bool failed; /* a NULL reply: the connection dropped again; the next up checks again */
    bool first_known, empty;
    struct reader_id first; /* the stream's first entry */
};

void reader_ring_add(struct reader *rd, struct part *p, uint64_t ms, uint64_t seq)
{
    if (p->ring == NULL)
        p->ring = xcalloc(rd->ring_cap, sizeof(*p->ring));
    p->ring[p->ring_head] = (struct reader_id){ms, seq};
    p->ring_head = (p->ring_head + 1) % rd->ring_cap;
    if (p->ring_n < rd->ring_cap)
        p->ring_n++;
}

static const struct reader_id *ring_at(const struct reader *rd, const struct part *p, unsigned i)
{
    return &p->ring[(p->ring_head + rd->ring_cap - p->ring_n + i) % rd->ring_cap];
}

static int id_cmp(const struct reader_id *a, const struct reader_id *b)
{
    return a->ms < b->ms ? -1 : a->ms > b->ms ? 1 : a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* The ID of entry i of an XRANGE reply; -1 when it has none (a hostile server). */
static int reply_id(const redisReply *r, size_t i, struct reader_id *out)
{
    const redisReply *e = r->element[i];
    if (!e || e->type != REDIS_REPLY_ARRAY || e->elements < 1 || !e->element[0] ||
        e->element[0]->type != REDIS_REPLY_STRING)
        return -1;
    return event_stream_id_parse(e->element[0]->str, e->element[0]->len, &out->ms, &out->seq);
}

static void check_error(struct reader *rd, struct part *p, const char *why)
{
    if (!p->check_failed)
        rd->st.lost_check_failed++;
    p->check_failed = true;
    snprintf(rd->check_error, sizeof(rd->check_error), "%s: %s", p->key, why);
}

/* Compares the ring with the server's entries (reply to XRANGE oldest newest COUNT cap): the
 * ring's IDs at or after the stream's first entry that the reply lacks are lost. A full reply
 * says nothing past its last entry: those IDs are kept, unjudged. The lost (and the trimmed)
 * leave the ring. */
static void compare(struct reader *rd, struct part *p, const struct lost_req *q,
                    const redisReply *r)
{
    size_t j = 0, kept = 0;
    bool full = r->elements >= rd->ring_cap;
    struct reader_id last = {0, 0}, got = {0, 0};
    if (full && reply_id(r, r->elements - 1, &last) < 0) {
        check_error(rd, p, "malformed XRANGE reply");
        return;
    }
    if (p->ring_n == 0)
        return;
    struct reader_id *keep = xmalloc(p->ring_n * sizeof(*keep));
    uint64_t lost = 0;
    for (unsigned i = 0; i < p->ring_n; i++) {
        const struct reader_id *id = ring_at(rd, p, i);
        if (full && id_cmp(id, &last) > 0) {
            keep[kept++] = *id; /* beyond what the reply covers */
            continue;
        }
        if (!q->empty && id_cmp(id, &q->first) < 0)
            continue; /* trimmed (MINID/MAXLEN): not a loss */
        bool found = false;
        while (j < r->elements) {
            if (reply_id(r, j, &got) < 0) {
                j++;
                continue;
            }
            int c = id_cmp(&got, id);
            if (c >= 0) {
                found = c == 0;
                break;
            }
            j++;
        }
        if (found)
            keep[kept++] = *id;
        else
            lost++;
    }
    for (size_t i = 0; i < kept; i++)
        p->ring[i] = keep[i];
    free(keep);
    p->ring_n = (unsigned)kept;
    p->ring_head = (unsigned)(kept % rd->ring_cap);
    p->lost += lost;
    rd->st.failover_lost += lost;
    if (p->check_failed) {
        p->check_failed = false;
        rd->st.lost_check_failed--;
    }
    if (lost > 0)
        reader_notify(rd, READER_CONN_STATE);
}

static bool release_req(struct lost_req *q)
{
    if (--q->refs > 0)
        return false;
    free(q);
    return true;
}

static void on_first(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct lost_req *q = privdata;
    struct reader *rd = q->rd;
    if (rd->closed || reply == NULL) {
        q->failed = true;
    } else if (reply->type == REDIS_REPLY_ARRAY) {
        q->first_known = true;
        q->empty = reply->elements == 0;
        if (!q->empty && reply_id(reply, 0, &q->first) < 0) {
            q->first_known = false;
            check_error(rd, &rd->parts[q->part], "malformed XRANGE reply");
        }
    } else {
        check_error(rd, &rd->parts[q->part],
                    reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected XRANGE reply");
    }
    release_req(q);
}

static void on_range(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct lost_req *q = privdata;
    struct reader *rd = q->rd;
    struct part *p = &rd->parts[q->part];
    if (!rd->closed && reply != NULL && !q->failed && q->first_known) {
        reader_hold(rd);
        if (reply->type == REDIS_REPLY_ARRAY)
            compare(rd, p, q, reply);
        else
            check_error(rd, p,
                        reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected XRANGE reply");
        reader_release(rd);
    }
    release_req(q);
}

void reader_lost_check(struct reader *rd, struct rconn *rc, unsigned from, unsigned to)
{
    char oldest[READER_ID_MAX], newest[READER_ID_MAX], count[16];
    snprintf(count, sizeof(count), "%u", rd->ring_cap);
    for (unsigned i = from; i < to; i++) {
        struct part *p = &rd->parts[i];
        if (p->ring_n == 0)
            continue;
        const struct reader_id *o = ring_at(rd, p, 0), *n = ring_at(rd, p, p->ring_n - 1);
        snprintf(oldest, sizeof(oldest), "%" PRIu64 "-%" PRIu64, o->ms, o->seq);
        snprintf(newest, sizeof(newest), "%" PRIu64 "-%" PRIu64, n->ms, n->seq);
        struct lost_req *q = xcalloc(1, sizeof(*q));
        q->rd = rd;
        q->part = i;
        q->refs = 2;
        const char *a1[] = {"XRANGE", p->key, "-", "+", "COUNT", "1"};
        const char *a2[] = {"XRANGE", p->key, oldest, newest, "COUNT", count};
        if (rconn_command_argv(rc, on_first, q, 6, a1, NULL) != 0) {
            free(q);
            continue;
        }
        if (rconn_command_argv(rc, on_range, q, 6, a2, NULL) != 0) {
            q->failed = true; /* on_first still runs and frees it */
            q->refs--;
        }
    }
}

const char *reader_lost_text(const struct reader *rd, char *buf, size_t cap)
{
    buf[0] = '\0';
    size_t len = 0;
    if (rd->st.failover_lost > 0) {
        char list[64] = "";
        size_t ll = 0;
        unsigned listed = 0, with = 0;
        for (unsigned i = 0; i < rd->cfg.partitions; i++) {
            if (rd->parts[i].lost == 0)
                continue;
            with++;
            if (ll + 16 < sizeof(list)) {
                int k = snprintf(list + ll, sizeof(list) - ll, "%s%u", listed ? "," : "", i);
                ll += k > 0 ? (size_t)k : 0;
                listed++;
            }
        }
        int k = snprintf(buf, cap,
                         "%" PRIu64 " event%s read before a failover %s not on the new master "
                         "(lost by replication; counted; partition%s %s%s)",
                         rd->st.failover_lost, rd->st.failover_lost == 1 ? "" : "s",
                         rd->st.failover_lost == 1 ? "is" : "are", with == 1 ? "" : "s", list,
                         listed < with ? ",..." : "");
        len = k < 0 ? 0 : (size_t)k < cap ? (size_t)k : cap - 1;
    }
    if (rd->st.lost_check_failed > 0 && len + 1 < cap)
        snprintf(buf + len, cap - len, "%sfailover check failed on %u partition%s: %s",
                 len ? "; " : "", rd->st.lost_check_failed,
                 rd->st.lost_check_failed == 1 ? "" : "s", rd->check_error);
    return buf;
}
