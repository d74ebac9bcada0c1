/* reader.c — tails the partition streams into a series table (contract in reader.h).
 * One blocking XREAD at a time on the ingest connection; dead letters and XINFO on the command
 * connection. */
#include "app/redis/reader.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/config.h"
#include "core/event.h"
#include "core/mem.h"
#include "core/partition.h"

#define XREAD_FIXED_ARGS 6  /* XREAD COUNT c BLOCK b STREAMS */
#define DLQ_MAX_FIELDS 1024 /* original strings copied into a dead letter; Lua unpack() limit */
#define DLQ_MAX_TRIES 2

/* Adds the dead letter once per (partition, entry ID): the marker key decides. Returns the new
 * DLQ entry ID, or nil when the entry was already dead-lettered. */
static const char dlq_script[] =
    "if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[1]) then\n"
    "  return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 3))\n"
    "end\n"
    "return false\n";

struct part {
    char *key;
    size_t key_len;
    char last_id[READER_ID_MAX];
    uint64_t last_ms, last_seq;
    uint64_t start_ms; /* ms of the replay start ID, for progress */
    uint64_t entries;
    /* from XINFO STREAM */
    bool target_known; /* the first answer arrived: target_* is the replay target */
    bool target_none;  /* the stream did not exist at start */
    uint64_t target_ms, target_seq;
    bool lastgen_known; /* latest last-generated-id */
    uint64_t lastgen_ms, lastgen_seq;
    bool caught_up;
    /* A partition whose stream cannot be read (a key of another type, an ACL that denies it)
     * is left out of the XREAD so the others keep flowing; the tick probes it again. */
    bool unreadable;
    bool requested;                         /* named in the XREAD in flight */
    char error[READER_PARTITION_ERROR_MAX]; /* why it is unreadable */
};

/* One dead letter: the arguments are kept so the write can be retried after a reconnect. */
struct dlq_req {
    struct reader *rd;
    int argc;
    char **argv;
    size_t *argvlen;
    int tries;
};

/* Position in one stream's entries of an XREAD reply, keyed by the ID of the entry there. */
struct cursor {
    const redisReply *entries;
    size_t pos;
    unsigned part;
    uint64_t ms, seq;
};

struct reader {
    struct ev_loop *loop;
    struct series_table *tab;
    reader_notify_fn *notify;
    void *privdata;
    struct reader_config cfg;
    char *ns;
    char *name;
    char *dlq_key;

    struct rconn *blk; /* ingest: XREAD BLOCK */
    struct rconn *cmd; /* dead letters, XINFO */
    struct part *parts;
    bool *seen;             /* scratch: partitions present in one XREAD reply */
    struct cursor *cursors; /* scratch: one per stream of a reply, as a min-heap by entry ID */

    const char **xargv; /* XREAD arguments: fixed words, keys, then the ID buffers */
    size_t *xargvlen;
    char count_buf[16], block_buf[16];
    bool xread_inflight;
    bool blk_was_up;
    int xinfo_pending; /* XINFO answers outstanding in the current round */

    /* Probes (per-partition XREAD COUNT 1 + TYPE on the command connection): after a failed
     * XREAD, to find the partitions to blame; on the tick, to re-check the unreadable ones. */
    int probe_pending;      /* probes outstanding */
    bool probe_after_error; /* a failed XREAD is being explained: hold the XREAD loop */
    unsigned blamed;        /* partitions found unreadable since that XREAD failed */
    bool xread_failed;      /* the XREAD failed and no partition was to blame: the tick retries */
    unsigned unreadable;    /* partitions left out of the XREAD */

    /* scratch for one entry */
    const char **strs;
    size_t *lens;
    size_t strs_cap;
    struct event ev;
    char key[EVENT_KEY_MAX + 1];

    ev_timer tick; /* XINFO rounds, and restarts the XREAD loop if it ever stalls */
    double started_at;
    double replay_done_at;

    struct reader_stats st;
    char last_error[256];

    int depth; /* frames of ours on the stack; freed when it drops to 0 after close */
    bool closed;
    bool stopped;
};

static void issue_xread(struct reader *rd);

/* ---------------------------------------------------------------------------------------------
 * Small helpers
 * ------------------------------------------------------------------------------------------ */

static void hold(struct reader *rd)
{
    rd->depth++;
}

static void destroy(struct reader *rd)
{
    for (unsigned i = 0; i < rd->cfg.partitions; i++)
        free(rd->parts[i].key);
    free(rd->parts);
    free(rd->seen);
    free(rd->cursors);
    free(rd->xargv);
    free(rd->xargvlen);
    free(rd->strs);
    free(rd->lens);
    free(rd->ns);
    free(rd->name);
    free(rd->dlq_key);
    free(rd);
}

static void release(struct reader *rd)
{
    if (--rd->depth == 0 && rd->closed)
        destroy(rd);
}

static void notify(struct reader *rd, enum reader_event e)
{
    if (!rd->closed && rd->notify)
        rd->notify(rd, e, rd->privdata);
}

/* -1, 0, 1 as (ams, aseq) is before, equal to, after (bms, bseq). */
static int id_cmp(uint64_t ams, uint64_t aseq, uint64_t bms, uint64_t bseq)
{
    if (ams != bms)
        return ams < bms ? -1 : 1;
    return aseq < bseq ? -1 : aseq > bseq;
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

static void check_caught_up(struct part *p)
{
    if (p->caught_up || !p->target_known)
        return;
    if (p->target_none || id_cmp(p->last_ms, p->last_seq, p->target_ms, p->target_seq) >= 0)
        p->caught_up = true;
}

/* Ends the replay once every partition has caught up. */
static void check_replay_done(struct reader *rd)
{
    if (rd->st.replay_done)
        return;
    for (unsigned i = 0; i < rd->cfg.partitions; i++)
        if (!rd->parts[i].caught_up)
            return;
    rd->st.replay_done = true;
    rd->replay_done_at = ev_time();
    notify(rd, READER_REPLAY_DONE);
}

/* Partition index of a stream key from a reply, or -1. */
static int part_of_key(const struct reader *rd, const char *key, size_t len)
{
    size_t plen = strlen(rd->ns) + sizeof(":ev:{p") - 1;
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
 * Dead letters
 * ------------------------------------------------------------------------------------------ */

static void dlq_free(struct dlq_req *q)
{
    for (int i = 0; i < q->argc; i++)
        free(q->argv[i]);
    free(q->argv);
    free(q->argvlen);
    free(q);
}

static void on_dlq(struct rconn *rc, const redisReply *reply, void *privdata);

static void dlq_send(struct dlq_req *q)
{
    struct reader *rd = q->rd;
    q->tries++;
    rd->st.dlq_pending++;
    if (rconn_command_argv(rd->cmd, on_dlq, q, q->argc, (const char **)q->argv, q->argvlen) != 0) {
        rd->st.dlq_pending--;
        rd->st.dlq_failed++;
        dlq_free(q);
    }
}

static void on_dlq(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct dlq_req *q = privdata;
    struct reader *rd = q->rd;
    rd->st.dlq_pending--;
    if (reply == NULL && !rd->closed && q->tries < DLQ_MAX_TRIES) {
        dlq_send(q); /* idempotent thanks to the marker: safe to run twice */
        return;
    }
    if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
        rd->st.dlq_failed++;
        if (reply)
            snprintf(rd->last_error, sizeof(rd->last_error), "dead-letter write: %s", reply->str);
    } else if (reply->type == REDIS_REPLY_NIL) {
        rd->st.dlq_duplicate++;
    } else {
        rd->st.dlq_written++;
    }
    dlq_free(q);
}

static char *dup_bytes(const char *s, size_t n)
{
    char *d = xmalloc(n + 1);
    if (n)
        memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* Queues the dead letter for one rejected entry: its original strings (padded to pairs), then
 * reason, detail, stream and id. */
static void dead_letter(struct reader *rd, unsigned pi, const char *id, size_t id_len, size_t nstr,
                        const char *reason_class, const char *detail)
{
    const struct part *p = &rd->parts[pi];
    if (nstr > DLQ_MAX_FIELDS)
        nstr = DLQ_MAX_FIELDS;
    size_t nfields = nstr + (nstr % 2);
    int argc = (int)(7 + nfields + 8);
    struct dlq_req *q = xcalloc(1, sizeof(*q));
    q->rd = rd;
    q->argv = xmalloc((size_t)argc * sizeof(*q->argv));
    q->argvlen = xmalloc((size_t)argc * sizeof(*q->argvlen));
    char num[32], marker[64 + READER_ID_MAX];
    int a = 0;
#define ARG(s, n) (q->argvlen[a] = (n), q->argv[a++] = dup_bytes((s), (n)))
#define ARGZ(s) ARG((s), strlen(s))
    ARGZ("EVAL");
    ARGZ(dlq_script);
    ARGZ("2");
    ARGZ(rd->dlq_key);
    snprintf(marker, sizeof(marker), "%s:seen:p%u:", rd->dlq_key, pi);
    size_t ml = strlen(marker);
    size_t idn = id_len < READER_ID_MAX ? id_len : READER_ID_MAX - 1;
    memcpy(marker + ml, id, idn);
    ARG(marker, ml + idn);
    snprintf(num, sizeof(num), "%" PRId64, rd->cfg.dlq_dedup_ms);
    ARGZ(num);
    snprintf(num, sizeof(num), "%u", rd->cfg.dlq_maxlen);
    ARGZ(num);
    for (size_t i = 0; i < nstr; i++)
        ARG(rd->strs[i], rd->lens[i]);
    if (nstr % 2)
        ARGZ("");
    ARGZ("reason");
    ARGZ(reason_class);
    ARGZ("detail");
    ARGZ(detail);
    ARGZ("stream");
    ARG(p->key, p->key_len);
    ARGZ("id");
    ARG(id, id_len);
#undef ARG
#undef ARGZ
    q->argc = a;
    dlq_send(q);
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
    if (e && e->type == REDIS_REPLY_ARRAY && e->elements >= 1 && e->element[0] &&
        e->element[0]->type == REDIS_REPLY_STRING) {
        id = e->element[0]->str;
        id_len = e->element[0]->len;
        set_last_id(p, id, id_len);
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
        dead_letter(rd, pi, id, id_len, n, event_strerror(EVENT_E_SYNTAX),
                    "malformed stream entry in the XREAD reply");
        return;
    }
    enum event_error r = event_parse_fields(rd->strs, rd->lens, n, id, id_len, NULL, &rd->ev,
                                            reason, sizeof(reason));
    if (r != EVENT_OK) {
        rd->st.rejected++;
        dead_letter(rd, pi, id, id_len, n, event_strerror(r), reason);
        return;
    }
    int klen = event_key(&rd->ev, rd->key, sizeof(rd->key));
    if (klen < 0) { /* cannot happen: validation bounds the key */
        rd->st.rejected++;
        dead_letter(rd, pi, id, id_len, n, event_strerror(EVENT_E_KEY_TOO_LONG),
                    "series key too long");
        return;
    }
    rd->st.events++;
    series_table_ingest(rd->tab, rd->key, (size_t)klen, rd->ev.value, rd->ev.ts_ms);
}

/* ---------------------------------------------------------------------------------------------
 * The XREAD loop
 * ------------------------------------------------------------------------------------------ */

/* The ID of the entry under c into c->ms, c->seq; 0-0 when it has none (Redis never sends such
 * an entry; it is then processed first and dead-lettered). */
static void cursor_load(struct cursor *c)
{
    const redisReply *e = c->entries->element[c->pos];
    c->ms = c->seq = 0;
    if (e && e->type == REDIS_REPLY_ARRAY && e->elements >= 1 && e->element[0] &&
        e->element[0]->type == REDIS_REPLY_STRING)
        event_stream_id_parse(e->element[0]->str, e->element[0]->len, &c->ms, &c->seq);
}

static bool cursor_less(const struct cursor *a, const struct cursor *b)
{
    return id_cmp(a->ms, a->seq, b->ms, b->seq) < 0;
}

static void heap_down(struct cursor *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && cursor_less(&h[l], &h[m]))
            m = l;
        if (l + 1 < n && cursor_less(&h[l + 1], &h[m]))
            m = l + 1;
        if (m == i)
            return;
        struct cursor t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

/* Feeds the entries of one XREAD reply to the table in entry-ID order across partitions, so
 * event time advances as it did in Redis and a replay does not make events look late because
 * one partition's batch ran ahead of another's. A stream that returned a full batch (COUNT
 * entries) may have more: nothing after its last entry is taken in this round (the cutoff);
 * those entries stay unprocessed and come again with the next XREAD. */
static void merge_reply(struct reader *rd, const redisReply *reply)
{
    size_t n = 0;
    bool have_cutoff = false;
    uint64_t cut_ms = 0, cut_seq = 0;
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
        struct cursor *c = &rd->cursors[n++];
        *c =
            (struct cursor){.entries = entries, .pos = entries->elements - 1, .part = (unsigned)pi};
        if (entries->elements >= rd->cfg.count) {
            cursor_load(c);
            if (!have_cutoff || id_cmp(c->ms, c->seq, cut_ms, cut_seq) < 0) {
                cut_ms = c->ms;
                cut_seq = c->seq;
            }
            have_cutoff = true;
        }
        c->pos = 0;
        cursor_load(c);
    }
    for (size_t i = n; i-- > 0;)
        heap_down(rd->cursors, n, i);
    while (n > 0) {
        struct cursor *top = &rd->cursors[0];
        if (have_cutoff && id_cmp(top->ms, top->seq, cut_ms, cut_seq) > 0)
            break;
        process_entry(rd, top->part, top->entries->element[top->pos]);
        if (++top->pos < top->entries->elements)
            cursor_load(top);
        else
            rd->cursors[0] = rd->cursors[--n];
        heap_down(rd->cursors, n, 0);
    }
    for (unsigned i = 0; i < rd->cfg.partitions; i++)
        if (rd->seen[i])
            check_caught_up(&rd->parts[i]);
}

static void probe_after_failed_xread(struct reader *rd);

static void on_xread(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct reader *rd = privdata;
    rd->xread_inflight = false;
    if (rd->closed || rd->stopped || reply == NULL)
        return; /* NULL: on_up (or the tick) issues the next one once the connection is back */
    if (reply->type == REDIS_REPLY_ERROR) {
        /* e.g. WRONGTYPE on one partition: find which and read the others without it */
        snprintf(rd->last_error, sizeof(rd->last_error), "XREAD: %s", reply->str);
        hold(rd);
        probe_after_failed_xread(rd);
        release(rd);
        return;
    }
    hold(rd);
    uint64_t before = rd->st.entries;
    memset(rd->seen, 0, rd->cfg.partitions * sizeof(*rd->seen));
    if (reply->type == REDIS_REPLY_ARRAY)
        merge_reply(rd, reply);
    /* A partition asked for but missing from the answer (or a nil answer: the block timed out)
     * had nothing newer than our ID: it has caught up. */
    for (unsigned i = 0; i < rd->cfg.partitions; i++)
        if (rd->parts[i].requested && !rd->seen[i])
            rd->parts[i].caught_up = true;
    rd->last_error[0] = '\0';
    if (rd->xread_failed) {
        rd->xread_failed = false;
        notify(rd, READER_CONN_STATE); /* "read error" is over */
    }
    issue_xread(rd);
    if (rd->st.entries != before)
        notify(rd, READER_DATA);
    check_replay_done(rd);
    release(rd);
}

/* Sends XREAD for every readable partition (none readable: nothing is sent; the tick's probes
 * bring them back). */
static void issue_xread(struct reader *rd)
{
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

/* ---------------------------------------------------------------------------------------------
 * Probes: which partition made the XREAD fail, and is it readable again
 * ------------------------------------------------------------------------------------------ */

/* One probe of one partition: TYPE key, then XREAD COUNT 1 STREAMS key last-id, pipelined on
 * the command connection. Decided when both answers are in. */
struct probe {
    struct reader *rd;
    unsigned part;
    int refs;                               /* answers outstanding */
    bool answered;                          /* the XREAD got a reply (not NULL) */
    bool failed;                            /* ... and it was an error */
    char type[16];                          /* TYPE's answer, "" if none */
    char error[READER_PARTITION_ERROR_MAX]; /* the XREAD's error */
};

static void probe_round_done(struct reader *rd)
{
    if (!rd->probe_after_error)
        return;
    rd->probe_after_error = false;
    if (rd->blamed == 0) {
        /* No partition to blame: not a per-key problem. The tick retries, without a busy loop. */
        rd->xread_failed = true;
        notify(rd, READER_CONN_STATE);
        return;
    }
    issue_xread(rd);
}

/* Applies one probe's verdict to its partition. */
static void probe_decide(struct probe *pr)
{
    struct reader *rd = pr->rd;
    struct part *p = &rd->parts[pr->part];
    if (!pr->answered)
        return; /* connection lost or timed out: no verdict, the next probe decides */
    if (pr->failed) {
        bool wrong_type =
            pr->type[0] && strcmp(pr->type, "stream") != 0 && strcmp(pr->type, "none") != 0;
        if (wrong_type)
            snprintf(p->error, sizeof(p->error), "%s is a %s", p->key, pr->type);
        else
            snprintf(p->error, sizeof(p->error), "%s: %.120s", p->key, pr->error);
        if (!p->unreadable) {
            p->unreadable = true;
            rd->unreadable++;
            rd->blamed++;
            /* nothing can be read from it: it must not hold the replay back */
            p->caught_up = true;
            notify(rd, READER_PARTITIONS);
        }
    } else if (p->unreadable) {
        p->unreadable = false; /* read again from the last ID processed */
        p->error[0] = '\0';
        rd->unreadable--;
        notify(rd, READER_PARTITIONS);
    }
}

static void probe_unref(struct probe *pr)
{
    if (--pr->refs > 0)
        return;
    struct reader *rd = pr->rd;
    rd->probe_pending--;
    if (!rd->closed) {
        hold(rd);
        probe_decide(pr);
        if (rd->probe_pending == 0 && !rd->closed)
            probe_round_done(rd);
        if (rd->probe_pending == 0 && !rd->closed)
            check_replay_done(rd);
        release(rd);
    }
    free(pr);
}

/* Copies a server's text for a status line: printable ASCII only. */
static void copy_text(char *dst, size_t cap, const char *src, size_t len)
{
    size_t n = len < cap - 1 ? len : cap - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)src[i];
        dst[i] = ch < 0x20 || ch >= 0x7f ? '?' : (char)ch;
    }
    dst[n] = '\0';
}

static void on_probe_type(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct probe *pr = privdata;
    if (reply && reply->type == REDIS_REPLY_STATUS)
        copy_text(pr->type, sizeof(pr->type), reply->str, reply->len);
    probe_unref(pr);
}

static void on_probe_xread(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct probe *pr = privdata;
    if (reply) {
        pr->answered = true;
        if (reply->type == REDIS_REPLY_ERROR) {
            pr->failed = true;
            copy_text(pr->error, sizeof(pr->error), reply->str, reply->len);
        }
    }
    probe_unref(pr);
}

/* Probes partition i. Returns 0, or -1 when the command connection refused both commands. */
static int probe_partition(struct reader *rd, unsigned i)
{
    struct part *p = &rd->parts[i];
    struct probe *pr = xcalloc(1, sizeof(*pr));
    pr->rd = rd;
    pr->part = i;
    pr->refs = 1; /* ours, dropped below */
    rd->probe_pending++;
    pr->refs++;
    if (rconn_command(rd->cmd, on_probe_type, pr, "TYPE %b", p->key, p->key_len) != 0)
        pr->refs--;
    pr->refs++;
    if (rconn_command(rd->cmd, on_probe_xread, pr, "XREAD COUNT 1 STREAMS %b %s", p->key,
                      p->key_len, p->last_id) != 0)
        pr->refs--;
    int rc = pr->refs > 1 ? 0 : -1;
    probe_unref(pr);
    return rc;
}

/* The XREAD failed: probe every partition it named. The XREAD loop waits for the verdicts. */
static void probe_after_failed_xread(struct reader *rd)
{
    if (rd->cmd == NULL) {
        rd->xread_failed = true;
        return;
    }
    rd->probe_after_error = true;
    rd->blamed = 0;
    rd->probe_pending++; /* the round cannot end while it is being started */
    for (unsigned i = 0; i < rd->cfg.partitions && !rd->closed; i++)
        if (rd->parts[i].requested && !rd->parts[i].unreadable)
            probe_partition(rd, i);
    if (rd->closed)
        return;
    if (--rd->probe_pending == 0)
        probe_round_done(rd);
}

/* On the tick: probe the unreadable partitions again, so a fixed or deleted key is read again. */
static void probe_unreadable(struct reader *rd)
{
    if (rd->unreadable == 0 || rd->probe_pending > 0 || rd->cmd == NULL ||
        rconn_get_state(rd->cmd) != RCONN_UP)
        return;
    for (unsigned i = 0; i < rd->cfg.partitions && !rd->closed; i++)
        if (rd->parts[i].unreadable)
            probe_partition(rd, i);
}

/* ---------------------------------------------------------------------------------------------
 * XINFO STREAM: replay targets and lag
 * ------------------------------------------------------------------------------------------ */

struct xinfo_req {
    struct reader *rd;
    unsigned part;
};

static void on_xinfo(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct xinfo_req *x = privdata;
    struct reader *rd = x->rd;
    struct part *p = &rd->parts[x->part];
    free(x);
    rd->xinfo_pending--;
    if (rd->closed || reply == NULL)
        return;
    if (reply->type == REDIS_REPLY_ERROR) {
        if (strstr(reply->str, "no such key") && !p->target_known) {
            p->target_known = p->target_none = true; /* nothing to replay */
            check_caught_up(p);
        }
    } else if (reply->type == REDIS_REPLY_ARRAY) {
        for (size_t i = 0; i + 1 < reply->elements; i += 2) {
            const redisReply *k = reply->element[i], *v = reply->element[i + 1];
            if (!k || !v || k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING ||
                strcmp(k->str, "last-generated-id") != 0)
                continue;
            uint64_t ms, seq;
            if (event_stream_id_parse(v->str, v->len, &ms, &seq) < 0)
                break;
            p->lastgen_known = true;
            p->lastgen_ms = ms;
            p->lastgen_seq = seq;
            if (!p->target_known) {
                p->target_known = true;
                p->target_ms = ms;
                p->target_seq = seq;
            }
            check_caught_up(p);
            break;
        }
    }
    if (rd->xinfo_pending == 0) {
        hold(rd);
        check_replay_done(rd);
        release(rd);
    }
}

static void xinfo_round(struct reader *rd)
{
    if (rd->xinfo_pending > 0 || rd->cmd == NULL || rconn_get_state(rd->cmd) != RCONN_UP)
        return;
    for (unsigned i = 0; i < rd->cfg.partitions; i++) {
        struct xinfo_req *x = xmalloc(sizeof(*x));
        x->rd = rd;
        x->part = i;
        rd->xinfo_pending++;
        if (rconn_command(rd->cmd, on_xinfo, x, "XINFO STREAM %s", rd->parts[i].key) != 0) {
            rd->xinfo_pending--;
            free(x);
        }
    }
}

static void on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    struct reader *rd = w->data;
    hold(rd);
    xinfo_round(rd);
    probe_unreadable(rd);
    issue_xread(rd); /* a no-op unless the loop stalled (a Redis error reply) */
    release(rd);
}

/* ---------------------------------------------------------------------------------------------
 * Connection callbacks
 * ------------------------------------------------------------------------------------------ */

static void on_blk_up(struct rconn *rc, void *privdata)
{
    (void)rc;
    struct reader *rd = privdata;
    if (rd->blk_was_up)
        rd->st.reconnects++;
    rd->blk_was_up = true;
    issue_xread(rd); /* from the last ID processed, per partition */
}

static void on_cmd_up(struct rconn *rc, void *privdata)
{
    (void)rc;
    xinfo_round(privdata);
}

static void on_conn_state(struct rconn *rc, enum rconn_state state, void *privdata)
{
    (void)rc;
    (void)state;
    struct reader *rd = privdata;
    hold(rd);
    notify(rd, READER_CONN_STATE);
    release(rd);
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
    if (c->count == 0) /* bound one reply to ~16000 entries whatever the partition count */
        c->count = c->partitions <= 16          ? 1000
                   : 16000 / c->partitions < 16 ? 16
                                                : 16000 / c->partitions;
    if (c->block_ms == 0)
        c->block_ms = 1000;
    if (c->lag_interval_ms == 0)
        c->lag_interval_ms = 1000;
    if (c->dlq_maxlen == 0)
        c->dlq_maxlen = 100000;
    if (c->dlq_dedup_ms <= 0)
        c->dlq_dedup_ms = 2 * 3600 * 1000;
    if (c->replay_ms < 0)
        c->replay_ms = 0;
    rd->ns = xstrdup(cfg->ns);
    rd->name = xstrdup(cfg->name ? cfg->name : "reader");
    c->ns = rd->ns;
    c->name = rd->name;
    size_t dl = strlen(rd->ns) + sizeof(":dlq");
    rd->dlq_key = xmalloc(dl);
    snprintf(rd->dlq_key, dl, "%s:dlq", rd->ns);

    unsigned n = c->partitions;
    rd->parts = xcalloc(n, sizeof(*rd->parts));
    rd->seen = xcalloc(n, sizeof(*rd->seen));
    rd->cursors = xcalloc(n, sizeof(*rd->cursors));
    rd->started_at = ev_time();
    int64_t start_ms = (int64_t)(rd->started_at * 1000.) - c->replay_ms;
    for (unsigned i = 0; i < n; i++) {
        struct part *p = &rd->parts[i];
        char key[128];
        int kl = partition_stream_key(rd->ns, i, key, sizeof(key));
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
    snprintf(rname, sizeof(rname), "%s-ingest", rd->name);
    o.name = rname;
    o.on_up = on_blk_up;
    rd->blk = rconn_new(loop, addr, &o);
    o.mode = RCONN_MODE_COMMAND;
    snprintf(rname, sizeof(rname), "%s-cmd", rd->name);
    o.name = rname;
    o.on_up = on_cmd_up;
    rd->cmd = rconn_new(loop, addr, &o);

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
    hold(rd);
    rd->stopped = true;
    struct rconn *blk = rd->blk;
    rd->blk = NULL;
    rconn_close(blk);
    release(rd);
}

void reader_close(struct reader *rd)
{
    if (rd == NULL || rd->closed)
        return;
    hold(rd);
    rd->stopped = true;
    ev_timer_stop(rd->loop, &rd->tick);
    struct rconn *blk = rd->blk, *cmd = rd->cmd;
    rd->blk = rd->cmd = NULL;
    rd->closed = true; /* callbacks run inside the closes below see it and only clean up */
    rconn_close(blk);
    rconn_close(cmd);
    release(rd);
}

void reader_get_stats(const struct reader *rd, struct reader_stats *out)
{
    *out = rd->st;
    double prog = 0;
    int64_t max_lag = -1;
    for (unsigned i = 0; i < rd->cfg.partitions; i++) {
        const struct part *p = &rd->parts[i];
        if (p->caught_up) {
            prog += 1;
        } else if (p->target_known && !p->target_none && p->target_ms > p->start_ms) {
            double f = (double)(p->last_ms - p->start_ms) / (double)(p->target_ms - p->start_ms);
            prog += f < 0 ? 0 : f > 1 ? 1 : f;
        }
        if (p->lastgen_known) {
            int64_t lag = 0;
            if (id_cmp(p->last_ms, p->last_seq, p->lastgen_ms, p->lastgen_seq) < 0)
                lag = (int64_t)(p->lastgen_ms - p->last_ms);
            if (lag > max_lag)
                max_lag = lag;
        }
    }
    out->replay_progress = out->replay_done ? 1.0 : prog / rd->cfg.partitions;
    out->replay_s = out->replay_done ? rd->replay_done_at - rd->started_at : 0;
    out->max_lag_ms = max_lag;
    out->state = rd->blk ? rconn_get_state(rd->blk) : RCONN_CLOSED;
    out->attempt = rd->blk ? rconn_attempt(rd->blk) : 0;
    out->cmd_state = rd->cmd ? rconn_get_state(rd->cmd) : RCONN_CLOSED;
    out->unreadable = rd->unreadable;
}

unsigned reader_partition_count(const struct reader *rd)
{
    return rd->cfg.partitions;
}

void reader_partition_info(const struct reader *rd, unsigned i, struct reader_partition *out)
{
    const struct part *p = &rd->parts[i];
    out->key = p->key;
    memcpy(out->last_id, p->last_id, sizeof(out->last_id));
    out->entries = p->entries;
    out->caught_up = p->caught_up;
    out->unreadable = p->unreadable;
    out->error = p->error;
    out->lag_ms = -1;
    if (p->lastgen_known)
        out->lag_ms = id_cmp(p->last_ms, p->last_seq, p->lastgen_ms, p->lastgen_seq) < 0
                          ? (int64_t)(p->lastgen_ms - p->last_ms)
                          : 0;
}

const char *reader_state_text(const struct reader *rd, char *buf, size_t cap)
{
    if (rd->stopped || rd->blk == NULL) {
        snprintf(buf, cap, "stopped");
        return buf;
    }
    enum rconn_state s = rconn_get_state(rd->blk);
    switch (s) {
    case RCONN_UP:
        if (rd->xread_failed)
            snprintf(buf, cap, "read error");
        else
            snprintf(buf, cap, "%s", rd->st.replay_done ? "live" : "replay");
        break;
    case RCONN_RECONNECTING:
        snprintf(buf, cap, "reconnecting (attempt %u)", rconn_attempt(rd->blk));
        break;
    default:
        snprintf(buf, cap, "%s", rconn_state_name(s));
        break;
    }
    return buf;
}

const char *reader_last_error(const struct reader *rd)
{
    if (rd->blk && rconn_get_state(rd->blk) != RCONN_UP)
        return rconn_last_error(rd->blk);
    return rd->last_error;
}

const char *reader_unreadable_text(const struct reader *rd, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (rd->unreadable == 0)
        return buf;
    const struct part *first = NULL;
    char list[64] = "";
    size_t len = 0;
    unsigned listed = 0;
    for (unsigned i = 0; i < rd->cfg.partitions; i++) {
        if (!rd->parts[i].unreadable)
            continue;
        if (first == NULL)
            first = &rd->parts[i];
        if (len + 16 < sizeof(list)) {
            int k = snprintf(list + len, sizeof(list) - len, "%s%u", listed ? "," : "", i);
            len += k > 0 ? (size_t)k : 0;
            listed++;
        }
    }
    if (rd->unreadable == 1)
        snprintf(buf, cap, "partition %s unreadable: %s", list, first->error);
    else
        snprintf(buf, cap, "%u partitions unreadable (%s%s): %s%s", rd->unreadable, list,
                 listed < rd->unreadable ? ",..." : "", first->error, ", ...");
    return buf;
}
