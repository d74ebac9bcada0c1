/* reader.c — tails the partition streams into a series table (contract in reader.h).
 * One blocking XREAD in flight at a time on the ingest connection (the next one is sent before a
 * reply is processed), its entries merged across partitions by core/pmerge; probes in
 * reader_probe.c, XINFO in reader_xinfo.c, dead letters in deadletter.c, stats and status texts
 * in reader_status.c. */
#include "app/redis/reader.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/config.h"
#include "app/redis/csync.h"
#include "app/redis/deadletter.h"
#include "app/redis/reader_impl.h"
#include "core/event.h"
#include "core/mem.h"
#include "core/pmerge.h"

#define XREAD_FIXED_ARGS 6 /* XREAD COUNT c BLOCK b STREAMS */

/* ---------------------------------------------------------------------------------------------
 * Small helpers
 * ------------------------------------------------------------------------------------------ */

void reader_hold(struct reader *rd)
{
    rd->depth++;
}

static void destroy(struct reader *rd)
{
    for (unsigned i = 0; i < rd->cfg.partitions; i++) {
        free(rd->parts[i].key);
        free(rd->parts[i].ring);
        free(rd->parts[i].hint);
    }
    free(rd->parts);
    free(rd->seen);
    free(rd->cursors);
    free(rd->run);
    free(rd->take);
    free(rd->run_ms);
    free(rd->xargv);
    free(rd->xargvlen);
    free(rd->strs);
    free(rd->lens);
    free(rd->lanes);
    rollsum_free(&rd->roll);
    free(rd->ns);
    free(rd->name);
    free(rd);
}

void reader_release(struct reader *rd)
{
    if (--rd->depth == 0 && rd->closed)
        destroy(rd);
}

void reader_notify(struct reader *rd, enum reader_event e)
{
    if (!rd->closed && rd->notify)
        rd->notify(rd, e, rd->privdata);
}

static void set_last_id(struct part *p, const char *id, size_t len)
{
    uint64_t ms, seq;
    if (len >= READER_ID_MAX || event_stream_id_parse(id, len, &ms, &seq) < 0)
        return; /* Redis only hands out well-formed IDs; keep the previous one */
    memcpy(p->last_id, id, len);
    p->last_id[len] = '\0';
    p->last_ms = ms;
    p->last_seq = seq;
}

void reader_check_caught_up(struct part *p)
{
    if (p->caught_up || !p->target_known)
        return;
    if (p->target_none || pmerge_id_cmp(p->last_ms, p->last_seq, p->target_ms, p->target_seq) >= 0)
        p->caught_up = true;
}

/* Ends the replay once every partition has caught up. */
void reader_check_replay_done(struct reader *rd)
{
    if (rd->st.replay_done)
        return;
    for (unsigned i = 0; i < rd->cfg.partitions; i++)
        if (!rd->parts[i].caught_up)
            return;
    rd->st.replay_done = true;
    rd->replay_done_at = ev_time();
    reader_notify(rd, READER_REPLAY_DONE);
}

/* Partition index of a stream key from a reply, or -1. */
static int part_of_key(const struct reader *rd, const char *key, size_t len)
{
    size_t plen = rd->key_prefix_len;
    if (len <= plen + 1 || key[len - 1] != '}')
        return -1;
    unsigned long i = 0;
    for (size_t k = plen; k < len - 1; k++) {
        if (key[k] < '0' || key[k] > '9' || i > CONFIG_MAX_PARTITIONS)
            return -1;
        i = i * 10 + (unsigned long)(key[k] - '0');
    }
    if (i >= rd->cfg.partitions)
        return -1;
    const struct part *p = &rd->parts[i];
    if (p->key_len != len || memcmp(p->key, key, len) != 0)
        return -1;
    return (int)i;
}

/* ---------------------------------------------------------------------------------------------
 * Entries
 * ------------------------------------------------------------------------------------------ */

static void reserve_strs(struct reader *rd, size_t n)
{
    if (n <= rd->strs_cap)
        return;
    size_t cap = rd->strs_cap ? rd->strs_cap : 16;
    while (cap < n)
        cap *= 2;
    rd->strs = xrealloc(rd->strs, cap * sizeof(*rd->strs));
    rd->lens = xrealloc(rd->lens, cap * sizeof(*rd->lens));
    rd->strs_cap = cap;
}

/* Parses one XREAD entry ([id, [f, v, ...]]) of partition pi and feeds or dead-letters it. */
static void process_entry(struct reader *rd, unsigned pi, const redisReply *e)
{
    struct part *p = &rd->parts[pi];
    char reason[EVENT_REASON_MAX];
    const char *id = "";
    size_t id_len = 0;
    const redisReply *fields = NULL;

    rd->st.entries++;
    p->entries++;
    if (!rd->st.replay_done)
        rd->st.replay_entries++;
    if (rd->cfg.source == READER_SOURCE_ROLLUPS) {
        reader_roll_entries(rd, pi, &e, 1, false);
        return;
    }
    if (e && e->type == REDIS_REPLY_ARRAY && e->elements >= 1 && e->element[0] &&
        e->element[0]->type == REDIS_REPLY_STRING) {
        id = e->element[0]->str; /* p->last_id was moved past it already (advance_ids) */
        id_len = e->element[0]->len;
        if (e->elements == 2 && e->element[1] && e->element[1]->type == REDIS_REPLY_ARRAY)
            fields = e->element[1];
    }
    size_t n = fields ? fields->elements : 0;
    reserve_strs(rd, n + 1);
    bool shape_ok = id_len > 0 && (fields || (e && e->elements == 2));
    for (size_t i = 0; i < n; i++) {
        const redisReply *f = fields->element[i];
        if (f && f->type == REDIS_REPLY_STRING) {
            rd->strs[i] = f->str;
            rd->lens[i] = f->len;
        } else {
            rd->strs[i] = "";
            rd->lens[i] = 0;
            shape_ok = false;
        }
    }
    if (!shape_ok) {
        rd->st.rejected++;
        deadletter_queue(rd, pi, id, id_len, n, event_strerror(EVENT_E_SYNTAX),
                         "malformed stream entry in the XREAD reply");
        return;
    }
    enum event_error r = event_parse_fields(rd->strs, rd->lens, n, id, id_len, NULL, &rd->ev,
                                            reason, sizeof(reason));
    if (r != EVENT_OK) {
        rd->st.rejected++;
        deadletter_queue(rd, pi, id, id_len, n, event_strerror(r), reason);
        return;
    }
    int klen = event_key(&rd->ev, rd->key, sizeof(rd->key));
    if (klen < 0) { /* cannot happen: validation bounds the key */
        rd->st.rejected++;
        deadletter_queue(rd, pi, id, id_len, n, event_strerror(EVENT_E_KEY_TOO_LONG),
                         "series key too long");
        return;
    }
    rd->st.events++;
    uint64_t ms, seq;
    if (event_stream_id_parse(id, id_len, &ms, &seq) == 0)
        reader_ring_add(rd, p, ms, seq);
    series_table_ingest(rd->tab, rd->key, (size_t)klen, rd->ev.value, rd->ev.ts_ms);
}

/* ---------------------------------------------------------------------------------------------
 * The XREAD loop
 * ------------------------------------------------------------------------------------------ */

/* pmerge_id_fn over one stream's entries of an XREAD reply: 0-0 when the entry has no ID (Redis
 * never sends such an entry; it is then processed first and dead-lettered). */
static void entry_id(const void *batch, size_t pos, uint64_t *ms, uint64_t *seq)
{
    const redisReply *e = ((const redisReply *)batch)->element[pos];
    if (e && e->type == REDIS_REPLY_ARRAY && e->elements >= 1 && e->element[0] &&
        e->element[0]->type == REDIS_REPLY_STRING)
        event_stream_id_parse(e->element[0]->str, e->element[0]->len, ms, seq);
}

/* pmerge_take_fn: feeds one entry to the table. */
static void take_entry(void *ctx, const void *batch, unsigned part, size_t pos)
{
    process_entry(ctx, part, ((const redisReply *)batch)->element[pos]);
}

/* Sorts the streams of one XREAD reply into rd->cursors (marking rd->seen), one per partition
 * with entries. Returns the number of cursors. */
static size_t collect_batches(struct reader *rd, const redisReply *reply)
{
    size_t n = 0;
    for (size_t s = 0; s < reply->elements; s++) {
        const redisReply *sr = reply->element[s];
        if (!sr || sr->type != REDIS_REPLY_ARRAY || sr->elements != 2 || !sr->element[0] ||
            sr->element[0]->type != REDIS_REPLY_STRING || !sr->element[1] ||
            sr->element[1]->type != REDIS_REPLY_ARRAY)
            continue;
        int pi = part_of_key(rd, sr->element[0]->str, sr->element[0]->len);
        if (pi < 0 || rd->seen[pi])
            continue;
        rd->seen[pi] = true;
        const redisReply *entries = sr->element[1];
        if (entries->elements == 0)
            continue;
        rd->cursors[n++] = (struct pmerge_cursor){
            .batch = entries, .part = (unsigned)pi, .count = entries->elements};
    }
    return n;
}

/* Moves each partition's last ID to the last entry the merge of these batches will take (all
 * of a batch, or what is not after the cutoff when batches came back full: core/pmerge), so the
 * next XREAD can be sent before this reply is processed and Redis prepares it meanwhile. Entry
 * IDs within a stream's batch increase (XREAD returns them in order): a binary search finds it. */
static void advance_ids(struct reader *rd, size_t n)
{
    bool have_cut = false;
    uint64_t cut_ms = 0, cut_seq = 0, ms, seq;
    for (size_t i = 0; i < n; i++) {
        const struct pmerge_cursor *c = &rd->cursors[i];
        if (c->count < rd->cfg.count)
            continue;
        ms = seq = 0;
        entry_id(c->batch, c->count - 1, &ms, &seq);
        if (!have_cut || pmerge_id_cmp(ms, seq, cut_ms, cut_seq) < 0) {
            cut_ms = ms;
            cut_seq = seq;
        }
        have_cut = true;
    }
    for (size_t i = 0; i < n; i++) {
        const struct pmerge_cursor *c = &rd->cursors[i];
        size_t lo = have_cut ? 0 : c->count, hi = c->count; /* before lo: taken; from hi: not */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            ms = seq = 0;
            entry_id(c->batch, mid, &ms, &seq);
            if (pmerge_id_cmp(ms, seq, cut_ms, cut_seq) <= 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        rd->take[i] = lo;
        if (lo == 0)
            continue;
        const redisReply *e = ((const redisReply *)c->batch)->element[lo - 1];
        if (e && e->type == REDIS_REPLY_ARRAY && e->elements >= 1 && e->element[0] &&
            e->element[0]->type == REDIS_REPLY_STRING)
            set_last_id(&rd->parts[c->part], e->element[0]->str, e->element[0]->len);
    }
}

/* Rollup mode during the start-up's replay: each partition's entries (those advance_ids took)
 * merged as one run, partition after partition, series by series (reader_roll_entries); the
 * order across partitions only matters to the late count, which history does not touch. */
static void replay_rollups(struct reader *rd, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct pmerge_cursor *c = &rd->cursors[i];
        const redisReply *batch = c->batch;
        struct part *p = &rd->parts[c->part];
        rd->st.entries += rd->take[i];
        rd->st.replay_entries += rd->take[i];
        p->entries += rd->take[i];
        reader_roll_entries(rd, c->part, (const redisReply *const *)batch->element, rd->take[i],
                            true);
    }
}

/* An XREAD over partitions from..to-1 was answered (reply not NULL). */
static void xread_done(struct reader *rd, const redisReply *reply, unsigned from, unsigned to)
{
    if (reply->type == REDIS_REPLY_ERROR) {
        /* e.g. WRONGTYPE on one partition: find which and read the others without it. A cluster
         * error (CROSSSLOT: this Redis is a cluster node given as a unix socket) says so. */
        redisReply said = *reply;
        said.str = xstrdup(reply->str);
        said.len = strlen(said.str);
        csync_explain(&said, rd->blk ? rconn_display(rd->blk) : "", rd->lanes != NULL);
        snprintf(rd->last_error, sizeof(rd->last_error), "XREAD: %s", said.str);
        free(said.str);
        reader_hold(rd);
        reader_probe_after_failed_xread(rd);
        reader_release(rd);
        return;
    }
    reader_hold(rd);
    uint64_t before = rd->st.entries;
    memset(rd->seen, 0, rd->cfg.partitions * sizeof(*rd->seen));
    size_t n = reply->type == REDIS_REPLY_ARRAY ? collect_batches(rd, reply) : 0;
    /* A partition asked for but missing from the answer (or a nil answer: the block timed out)
     * had nothing newer than our ID: it has caught up. */
    for (unsigned i = from; i < to; i++)
        if (rd->parts[i].requested && !rd->seen[i])
            rd->parts[i].caught_up = true;
    /* The next XREAD goes out first, so Redis prepares it while this one is processed (its
     * reply is built only after this callback returns: one reply at a time on a connection). */
    advance_ids(rd, n);
    reader_issue_xread(rd);
    if (rd->blk)
        rconn_flush(rd->blk); /* else it leaves when this callback returns: no overlap */
    /* Entries in entry-ID order across partitions, so event time advances as it did in Redis
     * and a replay does not make events look late because one partition's batch ran ahead of
     * another's (core/pmerge). After the cutoff of a full batch nothing is taken: those entries
     * come again with the next XREAD, which starts where advance_ids left each partition. */
    if (rd->cfg.source == READER_SOURCE_ROLLUPS && !rd->st.replay_done)
        replay_rollups(rd, n);
    else
        pmerge_run(rd->cursors, n, rd->cfg.count, entry_id, take_entry, rd);
    /* the reply's head moves laid out in one pass over the series they touched, off the path
     * of each event (series.h) */
    series_table_settle(rd->tab, 0);
    for (unsigned i = 0; i < rd->cfg.partitions; i++)
        if (rd->seen[i])
            reader_check_caught_up(&rd->parts[i]);
    rd->last_error[0] = '\0';
    if (rd->xread_failed) {
        rd->xread_failed = false;
        reader_notify(rd, READER_CONN_STATE); /* "read error" is over */
    }
    if (rd->st.entries != before)
        reader_notify(rd, READER_DATA);
    reader_check_replay_done(rd);
    reader_release(rd);
}

static void on_xread(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct reader *rd = privdata;
    rd->xread_inflight = false;
    if (rd->closed || rd->stopped || reply == NULL)
        return; /* NULL: on_up (or the tick) issues the next one once the connection is back */
    xread_done(rd, reply, 0, rd->cfg.partitions);
}

static void on_lane_xread(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct lane *l = privdata;
    struct reader *rd = l->rd;
    l->inflight = false;
    if (rd->closed || rd->stopped || reply == NULL)
        return; /* the tick issues the next one once the master's connection is back */
    xread_done(rd, reply, l->part, l->part + 1);
}

/* Cluster: one XREAD per idle lane whose partition is readable. */
static void issue_lanes(struct reader *rd)
{
    for (unsigned i = 0; i < rd->cfg.partitions; i++) {
        struct lane *l = &rd->lanes[i];
        struct part *p = &rd->parts[i];
        if (l->inflight || p->unreadable || rconn_get_state(l->rc) != RCONN_UP)
            continue;
        p->requested = true;
        rd->xargv[XREAD_FIXED_ARGS] = p->key;
        rd->xargvlen[XREAD_FIXED_ARGS] = p->key_len;
        rd->xargv[XREAD_FIXED_ARGS + 1] = p->last_id;
        rd->xargvlen[XREAD_FIXED_ARGS + 1] = strlen(p->last_id);
        if (rconn_command_argv(l->rc, on_lane_xread, l, XREAD_FIXED_ARGS + 2, rd->xargv,
                               rd->xargvlen) == 0)
            l->inflight = true;
    }
}

/* Sends XREAD for every readable partition (none readable: nothing is sent; the tick's probes
 * bring them back). */
void reader_issue_xread(struct reader *rd)
{
    if (rd->preload_left > 0)
        return; /* reader_roll_preload calls again when done */
    if (rd->lanes_open && !rd->closed && !rd->stopped && !rd->probe_after_error) {
        issue_lanes(rd);
        return;
    }
    if (rd->closed || rd->stopped || rd->xread_inflight || rd->probe_after_error ||
        rd->blk == NULL || rconn_get_state(rd->blk) != RCONN_UP)
        return;
    unsigned n = rd->cfg.partitions, k = 0;
    for (unsigned i = 0; i < n; i++)
        if (!rd->parts[i].unreadable)
            k++;
    if (k == 0)
        return;
    unsigned j = 0;
    for (unsigned i = 0; i < n; i++) {
        struct part *p = &rd->parts[i];
        p->requested = !p->unreadable;
        if (!p->requested)
            continue;
        rd->xargv[XREAD_FIXED_ARGS + j] = p->key;
        rd->xargvlen[XREAD_FIXED_ARGS + j] = p->key_len;
        rd->xargv[XREAD_FIXED_ARGS + k + j] = p->last_id;
        rd->xargvlen[XREAD_FIXED_ARGS + k + j] = strlen(p->last_id);
        j++;
    }
    if (rconn_command_argv(rd->blk, on_xread, rd, (int)(XREAD_FIXED_ARGS + 2 * k), rd->xargv,
                           rd->xargvlen) == 0)
        rd->xread_inflight = true;
}

static void on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    struct reader *rd = w->data;
    reader_hold(rd);
    reader_xinfo_round(rd);
    reader_probe_unreadable(rd);
    reader_issue_xread(rd); /* a no-op unless the loop stalled (a Redis error reply) */
    reader_release(rd);
}

/* ---------------------------------------------------------------------------------------------
 * Connection callbacks
 * ------------------------------------------------------------------------------------------ */

static void on_blk_up(struct rconn *rc, void *privdata)
{
    struct reader *rd = privdata;
    if (rd->blk_was_up) {
        rd->st.reconnects++;
        /* maybe another server (a failover): which events read lately does it lack? */
        reader_lost_check(rd, rc, 0, rd->cfg.partitions);
    }
    rd->blk_was_up = true;
    reader_issue_xread(rd); /* from the last ID processed, per partition */
}

static void on_lane_up(struct rconn *rc, void *privdata)
{
    struct lane *l = privdata;
    if (l->was_up) {
        l->rd->st.reconnects++;
        reader_lost_check(l->rd, rc, l->part, l->part + 1); /* before the lane's next XREAD */
    }
    l->was_up = true;
    reader_issue_xread(l->rd);
}

static void on_lane_state(struct rconn *rc, enum rconn_state state, void *privdata)
{
    (void)rc;
    (void)state;
    struct reader *rd = ((struct lane *)privdata)->rd;
    reader_hold(rd);
    reader_notify(rd, READER_CONN_STATE);
    reader_release(rd);
}

static void close_lanes(struct reader *rd)
{
    if (!rd->lanes_open)
        return;
    rd->lanes_open = false;
    for (unsigned i = 0; i < rd->cfg.partitions; i++) {
        struct rconn *rc = rd->lanes[i].rc;
        struct rconn_cluster_stats cs;
        rconn_cluster_stats(rc, &cs);
        rd->lanes_closed.moved += cs.moved;
        rd->lanes_closed.ask += cs.ask;
        rd->lanes_closed.tryagain += cs.tryagain + cs.clusterdown;
        if (cs.nodes > rd->lanes_closed.nodes)
            rd->lanes_closed.nodes = cs.nodes;
        rd->lanes[i].rc = NULL;
        rconn_close(rc);
    }
}

static void on_cmd_up(struct rconn *rc, void *privdata)
{
    (void)rc;
    reader_xinfo_round(privdata);
}

static void on_conn_state(struct rconn *rc, enum rconn_state state, void *privdata)
{
    (void)rc;
    (void)state;
    struct reader *rd = privdata;
    reader_hold(rd);
    reader_notify(rd, READER_CONN_STATE);
    reader_release(rd);
}

/* ---------------------------------------------------------------------------------------------
 * Public API
 * ------------------------------------------------------------------------------------------ */

void reader_config_defaults(struct reader_config *cfg)
{
    *cfg = (struct reader_config){
        .ns = "wr",
        .partitions = 8,
        .replay_ms = 15 * 60 * 1000,
    };
}

struct reader *reader_new(struct ev_loop *loop, const struct redisaddr *addr,
                          const struct reader_config *cfg, struct series_table *tab,
                          reader_notify_fn *notify_fn, void *privdata, char *err, size_t errcap)
{
    if (cfg->ns == NULL || cfg->ns[0] == '\0' || strlen(cfg->ns) > 64) {
        snprintf(err, errcap, "reader: invalid namespace");
        return NULL;
    }
    if (cfg->partitions == 0 || cfg->partitions > CONFIG_MAX_PARTITIONS) {
        snprintf(err, errcap, "reader: invalid partition count %u", cfg->partitions);
        return NULL;
    }
    struct reader *rd = xcalloc(1, sizeof(*rd));
    rd->loop = loop;
    rd->tab = tab;
    rd->notify = notify_fn;
    rd->privdata = privdata;
    rd->cfg = *cfg;
    struct reader_config *c = &rd->cfg;
    if (c->count == 0 && c->source == READER_SOURCE_ROLLUPS)
        c->count = READER_ROLL_COUNT; /* an entry holds a second of a whole partition */
    else if (c->count == 0) /* bound one reply to ~16000 entries whatever the partition count */
        c->count = c->partitions <= 16          ? 1000
                   : 16000 / c->partitions < 16 ? 16
                                                : 16000 / c->partitions;
    if (c->block_ms == 0)
        c->block_ms = 1000;
    if (c->lag_interval_ms == 0)
        c->lag_interval_ms = 1000;
    if (c->dlq_maxlen == 0)
        c->dlq_maxlen = 100000;
    if (c->replay_ms < 0)
        c->replay_ms = 0;
    rd->ns = xstrdup(cfg->ns);
    rd->name = xstrdup(cfg->name ? cfg->name : "reader");
    c->ns = rd->ns;
    c->name = rd->name;

    unsigned n = c->partitions;
    rd->parts = xcalloc(n, sizeof(*rd->parts));
    rd->seen = xcalloc(n, sizeof(*rd->seen));
    rd->cursors = xcalloc(n, sizeof(*rd->cursors));
    rd->take = xcalloc(n, sizeof(*rd->take));
    /* 4096 IDs per partition, fewer past 16 partitions (at least 256): at most ~1 MB in all
     * up to 256 partitions */
    rd->ring_cap = n <= 16 ? 4096 : 65536 / n < 256 ? 256 : 65536 / n;
    rd->started_at = ev_time();
    int64_t start_ms = (int64_t)(rd->started_at * 1000.) - c->replay_ms;
    for (unsigned i = 0; i < n; i++) {
        struct part *p = &rd->parts[i];
        char key[128];
        int kl = reader_part_key(rd, i, key, sizeof(key));
        p->key = xstrdup(kl > 0 ? key : "");
        p->key_len = strlen(p->key);
        /* Right before start_ms-0, so an entry stamped exactly start_ms is replayed too. */
        if (start_ms > 0) {
            p->last_ms = (uint64_t)start_ms - 1;
            p->last_seq = UINT64_MAX;
        }
        snprintf(p->last_id, sizeof(p->last_id), "%" PRIu64 "-%" PRIu64, p->last_ms, p->last_seq);
        p->start_ms = p->last_ms;
    }
    /* partition 0's key is the prefix ("NS:ev:{p", "NS:roll:1s:{p") and "0}" */
    rd->key_prefix_len = rd->parts[0].key_len >= 2 ? rd->parts[0].key_len - 2 : 0;
    rollsum_init(&rd->roll);

    rd->xargv = xmalloc((XREAD_FIXED_ARGS + 2 * n) * sizeof(*rd->xargv));
    rd->xargvlen = xmalloc((XREAD_FIXED_ARGS + 2 * n) * sizeof(*rd->xargvlen));
    snprintf(rd->count_buf, sizeof(rd->count_buf), "%u", c->count);
    snprintf(rd->block_buf, sizeof(rd->block_buf), "%u", c->block_ms);
    const char *fixed[XREAD_FIXED_ARGS] = {"XREAD", "COUNT",       rd->count_buf,
                                           "BLOCK", rd->block_buf, "STREAMS"};
    for (int i = 0; i < XREAD_FIXED_ARGS; i++) {
        rd->xargv[i] = fixed[i];
        rd->xargvlen[i] = strlen(fixed[i]);
    }

    char rname[96];
    struct rconn_opts o = {
        .connect_timeout_ms = c->connect_timeout_ms,
        .command_timeout_ms = c->command_timeout_ms,
        .on_state = on_conn_state,
        .privdata = rd,
    };
    o.mode = RCONN_MODE_BLOCKING;
    if (addr->cluster) {
        rd->lanes = xcalloc(n, sizeof(*rd->lanes));
        rd->lanes_open = true;
        struct rconn_opts lo = o;
        lo.on_up = on_lane_up;
        lo.on_state = on_lane_state;
        for (unsigned i = 0; i < n; i++) {
            snprintf(rname, sizeof(rname), "%s-ingest-p%u", rd->name, i);
            lo.name = rname;
            lo.privdata = &rd->lanes[i];
            rd->lanes[i] = (struct lane){.rd = rd, .part = i};
            rd->lanes[i].rc = rconn_new(loop, addr, &lo);
        }
    } else {
        snprintf(rname, sizeof(rname), "%s-ingest", rd->name);
        o.name = rname;
        o.on_up = on_blk_up;
        rd->blk = rconn_new(loop, addr, &o);
    }
    o.mode = RCONN_MODE_COMMAND;
    snprintf(rname, sizeof(rname), "%s-cmd", rd->name);
    o.name = rname;
    o.on_up = on_cmd_up;
    rd->cmd = rconn_new(loop, addr, &o);

    reader_roll_preload(rd, start_ms, (int64_t)(rd->started_at * 1000.));

    ev_timer_init(&rd->tick, on_tick, c->lag_interval_ms / 1000., c->lag_interval_ms / 1000.);
    rd->tick.data = rd;
    ev_timer_start(loop, &rd->tick);
    rd->st.max_lag_ms = -1;
    return rd;
}

void reader_stop(struct reader *rd)
{
    if (rd == NULL || rd->stopped)
        return;
    reader_hold(rd);
    rd->stopped = true;
    struct rconn *blk = rd->blk;
    rd->blk = NULL;
    rconn_close(blk);
    close_lanes(rd);
    reader_release(rd);
}

void reader_close(struct reader *rd)
{
    if (rd == NULL || rd->closed)
        return;
    reader_hold(rd);
    rd->stopped = true;
    ev_timer_stop(rd->loop, &rd->tick);
    struct rconn *blk = rd->blk, *cmd = rd->cmd;
    rd->blk = rd->cmd = NULL;
    rd->closed = true; /* callbacks run inside the closes below see it and only clean up */
    rconn_close(blk);
    close_lanes(rd);
    rconn_close(cmd);
    reader_release(rd);
}

struct rconn *reader_command_conn(struct reader *rd)
{
    return rd->cmd;
}
