/* grouppart.c — one partition in a worker group: its lease (acquire, renew, release), its reads
 * through the consumer group, its open 1-second periods and the commits that close them
 * (contracts in wgroup.h and gscripts.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/group/gargs.h"
#include "app/group/gcall.h"
#include "app/group/wgroup_impl.h"
#include "app/group/gscripts.h"
#include "core/mem.h"
#include "core/rollsum.h"
#include "core/rollup.h"

#define GROUP_RETRY_S 1.0      /* after a refusal, before the partition is tried again */
#define GROUP_CKPT_EVERY_S 1.0 /* a checkpoint at least this often while entries are read */

static const char *const tier_name[GROUP_TIERS] = {"1s", "1m", "1h"};

void gpart_init(struct gpart *p, struct wgroup *g, unsigned idx)
{
    memset(p, 0, sizeof(*p));
    p->g = g;
    p->idx = idx;
    snprintf(p->own, sizeof(p->own), "%s:own:{p%u}", g->ns, idx);
    snprintf(p->ckpt, sizeof(p->ckpt), "%s:ckpt:{p%u}", g->ns, idx);
    snprintf(p->ev, sizeof(p->ev), "%s:ev:{p%u}", g->ns, idx);
    snprintf(p->dlq, sizeof(p->dlq), "%s:dlq:{p%u}", g->ns, idx);
    for (int t = 0; t < GROUP_TIERS; t++)
        snprintf(p->roll[t], sizeof(p->roll[t]), "%s:roll:%s:{p%u}", g->ns, tier_name[t], idx);
}

void gpart_drop(struct gpart *p)
{
    p->gen++;
    p->st = GP_FREE;
    rollup_free(p->ru);
    p->ru = NULL;
    p->read_inflight = p->commit_inflight = p->tier_inflight = false;
    p->caught_up = false;
}

void gpart_free(struct gpart *p)
{
    gpart_drop(p);
}

/* A refusal: said once per distinct text, the partition dropped and tried again later. */
static void part_error(struct gpart *p, const char *what, const redisReply *reply)
{
    struct wgroup *g = p->g;
    char text[GROUP_ERR_MAX];
    snprintf(text, sizeof(text), "%s: %s", what,
             reply == NULL                      ? "connection lost"
             : reply->type == REDIS_REPLY_ERROR ? reply->str
                                                : "unexpected reply");
    bool fenced =
        reply && reply->type == REDIS_REPLY_ERROR && strncmp(reply->str, "WRFENCED", 8) == 0;
    gpart_drop(p);
    p->retry_after = ev_now(g->loop) + (reply ? GROUP_RETRY_S : 0.);
    if (fenced) {
        g->st.fenced++;
        g->st.lost++;
        wgroup_emit(g, GROUP_EV_LOST, (int)p->idx, p->token,
                    "lease lost (%s): dropped what was not checkpointed; its next owner reads it "
                    "again from the checkpoint",
                    what);
        p->error[0] = '\0';
        return;
    }
    if (reply == NULL) {
        p->error[0] = '\0';
        return; /* the connection's own line says it; taken again once it is back */
    }
    g->st.errors++;
    if (strcmp(text, p->error) != 0)
        wgroup_emit(g, GROUP_EV_ERROR, (int)p->idx, p->token, "%s (tried again every %.0f s)", text,
                    GROUP_RETRY_S);
    snprintf(p->error, sizeof(p->error), "%s", text);
}

/* Sends a script call about p (nkeys keys then nargs arguments, C strings) whose reply goes to
 * cb with a greq of p's generation. Returns 0, or -1 when it could not be sent. */
static int part_send(struct gpart *p, const struct rscript *s, int nkeys, int nargs,
                     const char **argv, rconn_reply_fn *cb)
{
    size_t len[8];
    for (int i = 0; i < nkeys + nargs; i++)
        len[i] = strlen(argv[i]);
    struct greq *r = greq_new(p);
    if (gcall_send(p->g->rc, s, nkeys, nargs, argv, len, cb, r) != 0) {
        free(r);
        return -1;
    }
    p->g->inflight++;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * The lease
 * ------------------------------------------------------------------------------------------ */

static int str_u64(const redisReply *r, uint64_t *out)
{
    if (r == NULL || r->type != REDIS_REPLY_STRING)
        return -1;
    if (r->len == 0) {
        *out = 0;
        return 0;
    }
    char b[24];
    if (r->len >= sizeof(b))
        return -1;
    memcpy(b, r->str, r->len);
    b[r->len] = '\0';
    char *end;
    unsigned long long v = strtoull(b, &end, 10);
    if (*end || b[0] == '-')
        return -1;
    *out = v;
    return 0;
}

static void on_acquire(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct gpart *p = greq_take(privdata);
    if (p == NULL)
        return;
    struct wgroup *g = p->g;
    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY || reply->elements < 2 ||
        reply->element[0]->type != REDIS_REPLY_INTEGER) {
        part_error(p, "taking the lease", reply);
        return;
    }
    if (reply->element[0]->integer == 0) { /* held by another worker: wait for it */
        p->st = GP_FREE;
        return;
    }
    p->token = (uint64_t)reply->element[0]->integer;
    snprintf(p->val, sizeof(p->val), "%s %" PRIu64, g->id, p->token);
    const redisReply *const *f = (const redisReply *const *)reply->element + 1;
    uint64_t refused;
    if (reply->elements != 8 || f[0]->type != REDIS_REPLY_STRING || f[0]->len >= sizeof(p->last) ||
        f[2]->type != REDIS_REPLY_STRING || str_u64(f[3], &p->events) != 0 ||
        str_u64(f[4], &p->late) != 0 || str_u64(f[5], &p->rejected) != 0 ||
        str_u64(f[6], &refused) != 0) {
        part_error(p, "reading the checkpoint", NULL);
        snprintf(p->error, sizeof(p->error), "checkpoint %s is malformed", p->ckpt);
        g->st.errors++;
        wgroup_emit(g, GROUP_EV_ERROR, (int)p->idx, p->token,
                    "checkpoint %s is malformed (a field is not what a worker writes): not "
                    "taken; fix or delete it (events after its last ID are then counted again)",
                    p->ckpt);
        p->retry_after = ev_now(g->loop) + 10 * GROUP_RETRY_S;
        return;
    }
    snprintf(p->last, sizeof(p->last), "%.*s", f[0]->len ? (int)f[0]->len : 3,
             f[0]->len ? f[0]->str : "0-0");
    struct rollup_config rcfg = {.lateness_ms = g->cfg.lateness_ms,
                                 .max_series = g->cfg.max_series};
    p->ru = rollup_new(&rcfg);
    const char *why = NULL;
    if (f[2]->len > 0 &&
        rollup_checkpoint_decode(p->ru, (const uint8_t *)f[2]->str, f[2]->len, &why) != 0) {
        gpart_drop(p);
        g->st.errors++;
        snprintf(p->error, sizeof(p->error), "checkpoint state of %s unreadable: %s", p->ckpt,
                 why ? why : "?");
        wgroup_emit(g, GROUP_EV_ERROR, (int)p->idx, p->token,
                    "the open periods in %s cannot be read (%s): partition not taken; delete the "
                    "field `state` to start over from its last ID (its open periods are then lost)",
                    p->ckpt, why ? why : "?");
        p->retry_after = ev_now(g->loop) + 10 * GROUP_RETRY_S;
        return;
    }
    p->st = GP_OWNED;
    p->error[0] = '\0';
    if (g->stopping) { /* taken while leaving: hand it back at once */
        gpart_release(p);
        return;
    }
    snprintf(p->committed_last, sizeof(p->committed_last), "%s", p->last);
    p->last_commit_t = ev_now(g->loop);
    p->committed_closed = rollup_closed_ms(p->ru);
    p->server_ms = 0;
    for (int t = 0; t < GROUP_TIERS; t++)
        p->tier_next[t] = INT64_MIN;
    g->st.acquired++;
    wgroup_emit(g, GROUP_EV_ACQUIRED, (int)p->idx, p->token,
                "resuming after %s with %u open period%s", p->last, rollup_open_periods(p->ru),
                rollup_open_periods(p->ru) == 1 ? "" : "s");
}

void gpart_acquire(struct gpart *p)
{
    struct wgroup *g = p->g;
    char lease[24];
    snprintf(lease, sizeof(lease), "%" PRId64, g->cfg.lease_ms);
    const char *argv[] = {p->own, p->ckpt, p->ev, g->id, lease, g->name};
    if (part_send(p, &gscript_acquire, 3, 3, argv, on_acquire) == 0)
        p->st = GP_ACQUIRING;
}

static void on_renew(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct gpart *p = greq_take(privdata);
    if (p == NULL || reply == NULL)
        return; /* lost connection: the next heartbeat renews */
    struct wgroup *g = p->g;
    if (reply->type == REDIS_REPLY_INTEGER && reply->integer == 1)
        return;
    if (reply->type == REDIS_REPLY_INTEGER) {
        gpart_drop(p);
        g->st.lost++;
        wgroup_emit(g, GROUP_EV_LOST, (int)p->idx, p->token,
                    "lease expired and taken or cleared before renewal: dropped what was not "
                    "checkpointed");
        return;
    }
    part_error(p, "renewing the lease", reply);
}

void gpart_renew(struct gpart *p)
{
    struct wgroup *g = p->g;
    char lease[24];
    snprintf(lease, sizeof(lease), "%" PRId64, g->cfg.lease_ms);
    const char *argv[] = {p->own, p->val, lease};
    part_send(p, &gscript_renew, 1, 2, argv, on_renew);
}

static void on_release(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc, (void)reply;
    struct wgroup *g = privdata;
    g->inflight--;
}

void gpart_release(struct gpart *p)
{
    struct wgroup *g = p->g;
    const char *argv[] = {p->own, p->val};
    size_t len[] = {strlen(p->own), strlen(p->val)};
    gpart_drop(p);
    if (gcall_send(g->rc, &gscript_release, 1, 1, argv, len, on_release, g) == 0)
        g->inflight++;
    g->st.released++;
    wgroup_emit(g, GROUP_EV_RELEASED, (int)p->idx, p->token,
                "%s: its next owner resumes from the checkpoint",
                g->stopping ? "stopping" : "rebalancing");
}

/* ---------------------------------------------------------------------------------------------
 * Reading
 * ------------------------------------------------------------------------------------------ */

static void reserve_strs(struct wgroup *g, size_t n)
{
    if (n <= g->strs_cap)
        return;
    size_t cap = g->strs_cap ? g->strs_cap : 16;
    while (cap < n)
        cap *= 2;
    g->strs = xrealloc(g->strs, cap * sizeof(*g->strs));
    g->lens = xrealloc(g->lens, cap * sizeof(*g->lens));
    g->strs_cap = cap;
}

static void on_dlq(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct wgroup *g = privdata;
    g->inflight--;
    if (g->closing)
        return;
    /* refused as a duplicate: an earlier owner dead-lettered it already */
    if (reply == NULL ||
        (reply->type == REDIS_REPLY_ERROR && strstr(reply->str, "equal or smaller") == NULL))
        g->st.dlq_failed++;
}

/* An entry that is not an event: to the partition's dead letters under its own ID. */
static void dead_letter(struct gpart *p, const char *id, size_t id_len, size_t n,
                        const char *reason, const char *detail)
{
    struct wgroup *g = p->g;
    size_t argc = 6 + n + 4;
    const char **argv = xmalloc(argc * sizeof(*argv));
    size_t *len = xmalloc(argc * sizeof(*len));
    size_t k = 0;
#define ARG(s, l) (argv[k] = (s), len[k] = (l), k++)
    ARG("XADD", 4);
    ARG(p->dlq, strlen(p->dlq));
    ARG("MAXLEN", 6);
    ARG("~", 1);
    ARG("100000", 6);
    ARG(id, id_len);
    for (size_t i = 0; i < n; i++)
        ARG(g->strs[i], g->lens[i]);
    ARG("reason", 6);
    ARG(reason, strlen(reason));
    ARG("detail", 6);
    ARG(detail, strlen(detail));
#undef ARG
    if (rconn_command_argv(g->rc, on_dlq, g, (int)k, argv, len) == 0)
        g->inflight++;
    else
        g->st.dlq_failed++;
    free(argv);
    free(len);
}

static void fold_entry(struct gpart *p, const redisReply *e)
{
    struct wgroup *g = p->g;
    g->st.entries++;
    if (e == NULL || e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
        e->element[0]->type != REDIS_REPLY_STRING || e->element[0]->len >= sizeof(p->last))
        return; /* Redis never sends this: nothing to name it by */
    const redisReply *id = e->element[0], *fields = e->element[1];
    snprintf(p->last, sizeof(p->last), "%.*s", (int)id->len, id->str);
    size_t n = fields->type == REDIS_REPLY_ARRAY ? fields->elements : 0;
    reserve_strs(g, n + 1);
    bool ok = fields->type == REDIS_REPLY_ARRAY;
    for (size_t i = 0; i < n; i++) {
        const redisReply *f = fields->element[i];
        ok &= f->type == REDIS_REPLY_STRING;
        g->strs[i] = f->type == REDIS_REPLY_STRING ? f->str : "";
        g->lens[i] = f->type == REDIS_REPLY_STRING ? f->len : 0;
    }
    char reason[EVENT_REASON_MAX];
    enum event_error r = ok ? event_parse_fields(g->strs, g->lens, n, id->str, id->len, NULL,
                                                 &g->event, reason, sizeof(reason))
                            : EVENT_E_SYNTAX;
    int klen = r == EVENT_OK ? event_key(&g->event, g->key, sizeof(g->key)) : -1;
    if (r != EVENT_OK || klen < 0) {
        if (r == EVENT_OK)
            r = EVENT_E_KEY_TOO_LONG;
        if (!ok)
            snprintf(reason, sizeof(reason), "malformed stream entry");
        p->rejected++;
        g->st.rejected++;
        dead_letter(p, id->str, id->len, n, event_strerror(r), reason);
        return;
    }
    switch (rollup_add(p->ru, g->key, (size_t)klen, g->event.value, g->event.ts_ms)) {
    case ROLLUP_ADDED:
        p->events++;
        g->st.events++;
        break;
    case ROLLUP_LATE:
        p->late++;
        g->st.late++;
        break;
    default: /* non-finite (parsing refuses those first) or the period's series cap */
        p->rejected++;
        g->st.rejected++;
        dead_letter(p, id->str, id->len, n, "cap",
                    "series cap of an open period reached (--max-series)");
        break;
    }
}

static void try_commit(struct gpart *p, double now);

static void on_read(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct gpart *p = greq_take(privdata);
    if (p == NULL)
        return;
    struct wgroup *g = p->g;
    p->read_inflight = false;
    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY || reply->elements < 1 ||
        reply->element[0]->type != REDIS_REPLY_INTEGER) {
        part_error(p, "reading", reply);
        return;
    }
    p->server_ms = reply->element[0]->integer;
    size_t n = 0;
    if (reply->elements >= 2 && reply->element[1]->type == REDIS_REPLY_ARRAY) {
        const redisReply *entries = reply->element[1];
        n = entries->elements;
        for (size_t i = 0; i < n; i++)
            fold_entry(p, entries->element[i]);
    }
    p->caught_up = n < g->cfg.count;
    try_commit(p, ev_now(g->loop));
}

static void send_read(struct gpart *p, double now)
{
    struct wgroup *g = p->g;
    char count[16];
    snprintf(count, sizeof(count), "%u", g->cfg.count);
    const char *argv[] = {p->own, p->ev, p->val, g->name, g->id, count};
    if (part_send(p, &gscript_read, 2, 4, argv, on_read) == 0) {
        p->read_inflight = true;
        p->last_read_t = now;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Closing periods: the commit
 * ------------------------------------------------------------------------------------------ */

static void on_commit(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct gpart *p = greq_take(privdata);
    if (p == NULL)
        return;
    struct wgroup *g = p->g;
    p->commit_inflight = false;
    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
        reply->element[0]->type != REDIS_REPLY_INTEGER ||
        reply->element[1]->type != REDIS_REPLY_INTEGER) {
        /* the state in memory went past the checkpoint: start again from it */
        part_error(p, "writing the checkpoint", reply);
        return;
    }
    g->st.commits++;
    p->committed_closed = p->sent_closed;
    g->st.periods += (uint64_t)reply->element[0]->integer;
    uint64_t refused = (uint64_t)reply->element[1]->integer;
    if (refused > 0) {
        g->st.refused += refused;
        wgroup_emit(g, GROUP_EV_ERROR, (int)p->idx, p->token,
                    "%" PRIu64 " rollup period%s refused as replays (already written): counted "
                    "in the checkpoint's `refused`",
                    refused, refused == 1 ? "" : "s");
    }
    gtier_pump(p);
}

/* The time up to which periods close: Redis' clock when the partition is read to its end (an
 * idle partition's periods close too), else the newest event time (a backlog closes by event
 * time), both minus the allowed lateness. Never past Redis' clock: a stamp from the future does
 * not close the present. */
static int64_t close_upto(const struct gpart *p)
{
    int64_t wm = rollup_watermark(p->ru);
    int64_t t = p->caught_up || wm == INT64_MIN || wm > p->server_ms ? p->server_ms : wm;
    return t - p->g->cfg.lateness_ms;
}

/* Appends the closed period's series as stream entries: ID "<period ms>-<k>", at most
 * GROUP_ENTRY_SERIES series each. Returns the entries added. */
static unsigned add_period(struct gargs *a, const struct rollup_period *per)
{
    unsigned entries = 0;
    uint32_t n = rollup_period_series(per);
    int64_t start = rollup_period_start(per);
    for (uint32_t i = 0; i < n; i += GROUP_ENTRY_SERIES) {
        uint32_t m = n - i < GROUP_ENTRY_SERIES ? n - i : GROUP_ENTRY_SERIES;
        char id[48];
        snprintf(id, sizeof(id), "%" PRId64 "-%u", start, entries);
        gargs_str(a, id);
        gargs_u64(a, 2 * (uint64_t)m);
        for (uint32_t j = i; j < i + m; j++) {
            const char *key;
            size_t len;
            const struct rollsum *rs = rollup_period_item(per, j, &key, &len);
            gargs_add(a, key, len);
            size_t need = rollsum_encode(rs, start, NULL, 0);
            rollsum_encode(rs, start, gargs_reserve(a, need), need);
        }
        entries++;
    }
    return entries;
}

static void try_commit(struct gpart *p, double now)
{
    struct wgroup *g = p->g;
    if (p->st != GP_OWNED || p->commit_inflight || p->server_ms == 0)
        return;
    bool closing = rollup_close(p->ru, close_upto(p)) > 0;
    bool moved = strcmp(p->last, p->committed_last) != 0;
    if (!closing && !(moved && now - p->last_commit_t >= GROUP_CKPT_EVERY_S))
        return;
    struct gargs a = {0};
    const char *keys[] = {p->own, p->ckpt, p->ev, p->roll[GROUP_TIER_1S]};
    for (int i = 0; i < 4; i++)
        gargs_str(&a, keys[i]);
    gargs_str(&a, p->val);
    gargs_str(&a, g->name);
    gargs_str(&a, p->last);
    size_t closed_arg = a.n;
    gargs_str(&a, "0"); /* closed, set below */
    size_t state_arg = a.n;
    gargs_str(&a, ""); /* state, set below */
    gargs_u64(&a, p->events);
    gargs_u64(&a, p->late);
    gargs_u64(&a, p->rejected);
    gargs_i64(&a, gtier_trim_ms(p, GROUP_TIER_1S));
    size_t n_arg = a.n;
    gargs_str(&a, "0");
    unsigned entries = 0;
    const struct rollup_period *per;
    while ((per = rollup_closed_peek(p->ru)) != NULL) {
        entries += add_period(&a, per);
        rollup_closed_drop(p->ru);
    }
    gargs_set_u64(&a, n_arg, entries);
    gargs_set_u64(&a, closed_arg, (uint64_t)rollup_closed_ms(p->ru));
    /* the state goes last in the buffer: re-point the argument at a copy appended there */
    size_t need = rollup_checkpoint_encode(p->ru, NULL, 0);
    size_t n_before = a.n;
    uint8_t *st = gargs_reserve(&a, need);
    rollup_checkpoint_encode(p->ru, st, need);
    a.off[state_arg] = a.off[n_before];
    a.alen[state_arg] = need;
    a.n = n_before;
    const char **argv = gargs_argv(&a);
    struct greq *r = greq_new(p);
    if (gcall_send(g->rc, &gscript_commit, 4, (int)a.n - 4, argv, a.alen, on_commit, r) == 0) {
        g->inflight++;
        p->commit_inflight = true;
        p->sent_closed = rollup_closed_ms(p->ru);
        p->last_commit_t = now;
        snprintf(p->committed_last, sizeof(p->committed_last), "%s", p->last);
    } else {
        free(r);
        gpart_drop(p); /* the closed periods left memory: reload them from the checkpoint */
    }
    gargs_free(&a);
}

void gpart_pump(struct gpart *p, double now)
{
    if (p->st != GP_OWNED)
        return;
    if (!p->read_inflight && (!p->caught_up || now - p->last_read_t >= GROUP_POLL_MS / 1000.))
        send_read(p, now);
    try_commit(p, now);
}
