/* grouptier.c — the 1m and 1h rollup tiers of a partition, derived from the tier below once
 * every period of the source inside a target period is written: XRANGE the source periods,
 * merge each series' summaries exactly, XADD the target period with the fenced tier script.
 * A derived period is never derived again (its ID is refused as a replay), so a new owner may
 * start from the target's last entry without coordination. */
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

static const int64_t tier_len_ms[GROUP_TIERS] = {1000, 60000, 3600000};

/* How far tier t is complete: every period of t starting before it is written (or empty). */
static int64_t tier_done(const struct gpart *p, int t)
{
    if (t == GROUP_TIER_1S)
        return p->committed_closed;
    return p->tier_next[t] == INT64_MIN ? INT64_MIN : p->tier_next[t];
}

static int64_t floor_to(int64_t ms, int64_t len)
{
    int64_t q = ms / len;
    if (ms % len != 0 && ms < 0)
        q--;
    return q * len;
}

/* The ms part of an entry ID reply, -1 when not one. */
static int64_t entry_ms(const redisReply *e)
{
    if (e == NULL || e->type != REDIS_REPLY_ARRAY || e->elements < 1 ||
        e->element[0]->type != REDIS_REPLY_STRING)
        return -1;
    char *end;
    long long v = strtoll(e->element[0]->str, &end, 10);
    return end != e->element[0]->str && *end == '-' && v >= 0 ? v : -1;
}

static void tier_error(struct gpart *p, const char *what, const redisReply *reply)
{
    struct wgroup *g = p->g;
    p->tier_inflight = false;
    if (reply == NULL ||
        (reply->type == REDIS_REPLY_ERROR && strncmp(reply->str, "WRFENCED", 8) == 0))
        return; /* connection lost: tried again after the next commit; fenced: the partition's
                   next read or renewal says it */
    g->st.errors++;
    wgroup_emit(g, GROUP_EV_ERROR, (int)p->idx, p->token, "%s tier: %s: %s",
                p->tier_cur == GROUP_TIER_1M ? "1m" : "1h", what,
                reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply");
    p->tier_next[p->tier_cur] = INT64_MIN; /* found again from Redis next time */
}

static void step(struct gpart *p);

/* ---------------------------------------------------------------------------------------------
 * Merging one target period
 * ------------------------------------------------------------------------------------------ */

struct tier_item {
    const char *key;
    size_t len;
    const redisReply *blob;
    int64_t ms; /* its source period */
};

static int item_cmp(const void *a, const void *b)
{
    const struct tier_item *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->key, y->key, n);
    if (c)
        return c;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return x->ms < y->ms ? -1 : x->ms > y->ms;
}

static void on_tier_written(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct gpart *p = greq_take(privdata);
    if (p == NULL)
        return;
    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
        reply->element[0]->type != REDIS_REPLY_INTEGER ||
        reply->element[1]->type != REDIS_REPLY_INTEGER) {
        tier_error(p, "writing a period", reply);
        return;
    }
    struct wgroup *g = p->g;
    g->st.tier_periods += (uint64_t)reply->element[0]->integer;
    g->st.refused += (uint64_t)reply->element[1]->integer;
    p->tier_next[p->tier_cur] = p->tier_period + tier_len_ms[p->tier_cur];
    p->tier_inflight = false;
    step(p);
}

/* The source entries of one target period: merged per series, then written. */
static void on_source(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct gpart *p = greq_take(privdata);
    if (p == NULL)
        return;
    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY) {
        tier_error(p, "reading the tier below", reply);
        return;
    }
    struct wgroup *g = p->g;
    int t = p->tier_cur, src = t - 1;
    size_t n = 0, cap = 0, bad = 0;
    struct tier_item *items = NULL;
    for (size_t i = 0; i < reply->elements; i++) {
        const redisReply *e = reply->element[i];
        int64_t ms = entry_ms(e);
        if (ms < 0 || e->elements != 2 || e->element[1]->type != REDIS_REPLY_ARRAY)
            continue;
        const redisReply *f = e->element[1];
        for (size_t j = 0; j + 1 < f->elements; j += 2) {
            if (f->element[j]->type != REDIS_REPLY_STRING ||
                f->element[j + 1]->type != REDIS_REPLY_STRING) {
                bad++;
                continue;
            }
            if (n == cap) {
                cap = cap ? cap * 2 : 256;
                items = xrealloc(items, cap * sizeof(*items));
            }
            items[n++] =
                (struct tier_item){f->element[j]->str, f->element[j]->len, f->element[j + 1], ms};
        }
    }
    qsort(items, n, sizeof(*items), item_cmp);
    struct gargs a = {0};
    gargs_str(&a, p->own);
    gargs_str(&a, p->roll[t]);
    gargs_str(&a, p->roll[src]);
    gargs_str(&a, p->val);
    gargs_i64(&a, gtier_trim_ms(p, t));
    /* the source up to the end of this period is merged now: trim it by its age */
    int64_t src_trim = p->server_ms - g->cfg.retention_ms[src];
    int64_t merged = p->tier_period + tier_len_ms[t];
    gargs_i64(&a, src_trim < merged ? (src_trim > 0 ? src_trim : 0) : merged);
    size_t n_arg = a.n;
    gargs_str(&a, "0");
    unsigned entries = 0;
    size_t in_entry = 0, nf_arg = 0;
    struct rollsum acc, one;
    rollsum_init(&acc);
    rollsum_init(&one);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        bool any = false;
        rollsum_free(&acc);
        rollsum_init(&acc);
        for (; j < n && items[j].len == items[i].len &&
               memcmp(items[j].key, items[i].key, items[i].len) == 0;
             j++) {
            const char *why;
            if (rollsum_decode(&one, items[j].ms, (uint32_t)tier_len_ms[src],
                               (const uint8_t *)items[j].blob->str, items[j].blob->len,
                               &why) != 0) {
                bad++;
                continue;
            }
            rollsum_merge(&acc, &one);
            any = true;
        }
        if (any) {
            if (in_entry == 0) {
                char id[48];
                snprintf(id, sizeof(id), "%" PRId64 "-%u", p->tier_period, entries++);
                gargs_str(&a, id);
                nf_arg = a.n;
                gargs_str(&a, "0");
            }
            gargs_add(&a, items[i].key, items[i].len);
            size_t need = rollsum_encode(&acc, p->tier_period, NULL, 0);
            rollsum_encode(&acc, p->tier_period, gargs_reserve(&a, need), need);
            in_entry++;
            gargs_set_u64(&a, nf_arg, 2 * in_entry);
            if (in_entry == GROUP_ENTRY_SERIES)
                in_entry = 0;
        }
        i = j;
    }
    rollsum_free(&acc);
    rollsum_free(&one);
    free(items);
    if (bad > 0) {
        g->st.errors++;
        wgroup_emit(g, GROUP_EV_ERROR, (int)p->idx, p->token,
                    "%zu summar%s in %s around %" PRId64 " could not be read (not what a worker "
                    "writes): left out of the %s tier",
                    bad, bad == 1 ? "y" : "ies", p->roll[src], p->tier_period,
                    t == GROUP_TIER_1M ? "1m" : "1h");
    }
    if (entries == 0) { /* nothing readable in the period */
        gargs_free(&a);
        p->tier_next[t] = p->tier_period + tier_len_ms[t];
        p->tier_inflight = false;
        step(p);
        return;
    }
    gargs_set_u64(&a, n_arg, entries);
    const char **argv = gargs_argv(&a);
    struct greq *r = greq_new(p);
    if (gcall_send(g->rc, &gscript_tier, 3, (int)a.n - 3, argv, a.alen, on_tier_written, r) == 0)
        g->inflight++;
    else {
        free(r);
        p->tier_inflight = false;
    }
    gargs_free(&a);
}

/* The first source entry at or after tier_next: the next target period that has data. */
static void on_next_source(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct gpart *p = greq_take(privdata);
    if (p == NULL)
        return;
    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY) {
        tier_error(p, "looking for the next period", reply);
        return;
    }
    int t = p->tier_cur;
    int64_t ms = reply->elements ? entry_ms(reply->element[0]) : -1;
    p->tier_inflight = false;
    if (ms < 0)
        return; /* nothing yet */
    int64_t start = floor_to(ms, tier_len_ms[t]);
    if (start + tier_len_ms[t] > tier_done(p, t - 1)) {
        if (start > p->tier_next[t])
            p->tier_next[t] = start; /* skip the empty periods */
        return;                      /* not complete yet */
    }
    p->tier_period = start;
    p->tier_inflight = true;
    struct greq *r = greq_new(p);
    if (rconn_command(p->g->rc, on_source, r, "XRANGE %s %" PRId64 " %" PRId64, p->roll[t - 1],
                      start, start + tier_len_ms[t] - 1) == 0)
        p->g->inflight++;
    else {
        free(r);
        p->tier_inflight = false;
    }
}

/* The target's last entry (where derivation resumes), or else the source's first. */
static void on_target_top(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct gpart *p = greq_take(privdata);
    if (p == NULL)
        return;
    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY) {
        tier_error(p, "reading its last period", reply);
        return;
    }
    int t = p->tier_cur;
    int64_t ms = reply->elements ? entry_ms(reply->element[0]) : -1;
    p->tier_next[t] = ms >= 0 ? floor_to(ms, tier_len_ms[t]) + tier_len_ms[t] : 0;
    p->tier_inflight = false;
    step(p);
}

static void step(struct gpart *p)
{
    if (p->st != GP_OWNED || p->tier_inflight || p->g->stopping)
        return;
    for (int t = GROUP_TIER_1M; t < GROUP_TIERS; t++) {
        struct greq *r;
        if (p->tier_next[t] == INT64_MIN) {
            p->tier_cur = t;
            p->tier_inflight = true;
            r = greq_new(p);
            if (rconn_command(p->g->rc, on_target_top, r, "XREVRANGE %s + - COUNT 1", p->roll[t]) ==
                0)
                p->g->inflight++;
            else {
                free(r);
                p->tier_inflight = false;
            }
            return;
        }
        int64_t done = tier_done(p, t - 1);
        if (done == INT64_MIN || p->tier_next[t] + tier_len_ms[t] > done)
            continue;
        p->tier_cur = t;
        p->tier_inflight = true;
        r = greq_new(p);
        if (rconn_command(p->g->rc, on_next_source, r, "XRANGE %s %" PRId64 " + COUNT 1",
                          p->roll[t - 1], p->tier_next[t]) == 0)
            p->g->inflight++;
        else {
            free(r);
            p->tier_inflight = false;
        }
        return;
    }
}

int64_t gtier_trim_ms(const struct gpart *p, int t)
{
    int64_t bound = p->server_ms - p->g->cfg.retention_ms[t];
    if (t + 1 < GROUP_TIERS) {
        int64_t next = p->tier_next[t + 1];
        if (next == INT64_MIN)
            return 0; /* not known yet: keep everything for now */
        if (next < bound)
            bound = next;
    }
    return bound > 0 ? bound : 0;
}

void gtier_pump(struct gpart *p)
{
    step(p);
}
