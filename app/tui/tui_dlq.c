/* tui_dlq.c — reads the newest dead letters for the dead-letter view: XLEN and XREVRANGE on
 * each dead-letter stream, pipelined on the reader's command connection, then sorted by
 * partition and time into the model. The replies are hostile input: core/dlqentry sanitizes
 * every string, and a reply of the wrong shape is reported, never trusted. */
#include "app/tui/tui_dlq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/clock.h"
#include "app/redis/rconn.h"
#include "core/mem.h"
#include "core/partition.h"
#include "core/text.h"

#define DLQ_MAX_KEYS 1024  /* one per partition at most (CONFIG_MAX_PARTITIONS) */
#define DLQ_FIELDS_MAX 256 /* field strings of one entry that are looked at */

/* One read: replies are counted in; when the last is in, its rows go to the model. A read
 * outlives tui_dlq_free while replies are in flight (then it is orphaned: d == NULL). */
struct dlq_read {
    struct tui_dlq *d;
    unsigned waiting; /* replies still to come */
    struct dlqentry *rows;
    size_t n, cap;
    uint64_t total;
    char error[192];
};

struct tui_dlq {
    struct tui_source src;
    struct dlq_read *inflight; /* NULL: none */
    struct dlqentry *rows;     /* what the model shows */
    char source[96];
};

/* One reply: the read it belongs to and the key it is about. */
struct dlq_reply {
    struct dlq_read *r;
    char key[80];
};

/* ---------------------------------------------------------------------------------------------
 * The keys
 * ------------------------------------------------------------------------------------------ */

/* Wire format v2: one dead-letter stream per partition, NS:dlq:{pI}, each entry under the
 * rejected entry's own ID (core/partition). Returns the key count. */
static size_t keys_per_partition(const char *ns, unsigned partitions, char (*keys)[80])
{
    size_t n = 0;
    for (unsigned i = 0; i < partitions && n < DLQ_MAX_KEYS; i++)
        if (partition_dlq_key(ns, i, keys[n], sizeof(keys[n])) >= 0)
            n++;
    return n;
}

/* ---------------------------------------------------------------------------------------------
 * Replies
 * ------------------------------------------------------------------------------------------ */

static void note_error(struct dlq_read *r, const char *key, const char *what, size_t len)
{
    if (r->error[0])
        return; /* the first one says enough */
    struct text_buf tb = TEXT_BUF_INIT;
    text_sanitize_limit(what, len, 0, 150, 0, &tb);
    snprintf(r->error, sizeof(r->error), "reading %.30s: %s", key, tb.s);
    text_buf_free(&tb);
}

/* Adds the entries of an XREVRANGE reply; a wrong shape is an error, never a crash. */
static void add_entries(struct dlq_read *r, const char *key, const redisReply *reply)
{
    for (size_t i = 0; i < reply->elements; i++) {
        const redisReply *e = reply->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
            e->element[0]->type != REDIS_REPLY_STRING ||
            (e->element[1]->type != REDIS_REPLY_ARRAY && e->element[1]->type != REDIS_REPLY_NIL)) {
            note_error(r, key, "an entry that is not [id, fields]", 33);
            continue;
        }
        const redisReply *fv = e->element[1];
        const char *f[DLQ_FIELDS_MAX];
        size_t flen[DLQ_FIELDS_MAX], nf = 0;
        for (size_t k = 0; fv->type == REDIS_REPLY_ARRAY && k < fv->elements && nf < DLQ_FIELDS_MAX;
             k++) {
            const redisReply *s = fv->element[k];
            bool str = s->type == REDIS_REPLY_STRING || s->type == REDIS_REPLY_STATUS;
            f[nf] = str ? s->str : "";
            flen[nf++] = str ? s->len : 0;
        }
        if (r->n == r->cap) {
            r->cap = r->cap ? r->cap * 2 : 64;
            r->rows = xrealloc(r->rows, r->cap * sizeof(*r->rows));
        }
        dlqentry_parse(key, strlen(key), e->element[0]->str, e->element[0]->len, f, flen, nf,
                       &r->rows[r->n++]);
    }
}

/* By partition (unknown last), then newest first. */
static int row_cmp(const void *a, const void *b)
{
    const struct dlqentry *x = a, *y = b;
    unsigned px = (unsigned)x->partition, py = (unsigned)y->partition; /* -1: last */
    if (px != py)
        return px < py ? -1 : 1;
    if (x->ts_ms != y->ts_ms)
        return x->ts_ms > y->ts_ms ? -1 : 1;
    return strcmp(y->id, x->id);
}

static void read_done(struct dlq_read *r)
{
    struct tui_dlq *d = r->d;
    if (d == NULL) { /* orphaned by tui_dlq_free */
        free(r->rows);
        free(r);
        return;
    }
    if (r->n > 1) /* qsort(NULL, 0, ...) is undefined */
        qsort(r->rows, r->n, sizeof(*r->rows), row_cmp);
    free(d->rows);
    d->rows = r->rows;
    struct model_dlq *md = &d->src.m->dlq;
    md->rows = d->rows;
    md->n = r->n;
    md->total = r->total;
    md->loading = false;
    md->source = d->source;
    snprintf(md->error, sizeof(md->error), "%s", r->error);
    md->read_ms = clock_wall_ms();
    d->inflight = NULL;
    free(r);
    d->src.changed(d->src.privdata);
}

static void on_reply(struct rconn *rc, const redisReply *reply, void *privdata, bool is_len)
{
    (void)rc;
    struct dlq_reply *q = privdata;
    struct dlq_read *r = q->r;
    if (reply == NULL)
        note_error(r, q->key, "no answer (connection lost or timed out)", 40);
    else if (reply->type == REDIS_REPLY_ERROR)
        note_error(r, q->key, reply->str, reply->len);
    else if (is_len && reply->type == REDIS_REPLY_INTEGER && reply->integer > 0)
        r->total += (uint64_t)reply->integer;
    else if (!is_len && reply->type == REDIS_REPLY_ARRAY)
        add_entries(r, q->key, reply);
    else if (!(is_len && reply->type == REDIS_REPLY_INTEGER))
        note_error(r, q->key, "an unexpected reply", 19);
    free(q);
    if (--r->waiting == 0)
        read_done(r);
}

static void on_len(struct rconn *rc, const redisReply *reply, void *privdata)
{
    on_reply(rc, reply, privdata, true);
}

static void on_range(struct rconn *rc, const redisReply *reply, void *privdata)
{
    on_reply(rc, reply, privdata, false);
}

/* ---------------------------------------------------------------------------------------------
 * Reading
 * ------------------------------------------------------------------------------------------ */

/* Reads the newest TUI_DLQ_PER_STREAM entries of each of keys[0..n) and how many each holds.
 * The one function that knows how dead letters are read; which keys is the caller's choice. */
static void dlq_read_keys(struct tui_dlq *d, char (*keys)[80], size_t n)
{
    struct dlq_read *r = xcalloc(1, sizeof(*r));
    r->d = d;
    r->waiting = 1; /* held until every command is queued, so no early completion */
    d->inflight = r;
    for (size_t i = 0; i < n; i++) {
        struct dlq_reply *ql = xcalloc(1, sizeof(*ql)), *qr = xcalloc(1, sizeof(*qr));
        ql->r = qr->r = r;
        snprintf(ql->key, sizeof(ql->key), "%s", keys[i]);
        snprintf(qr->key, sizeof(qr->key), "%s", keys[i]);
        r->waiting += 2;
        if (rconn_command(d->src.cmd, on_len, ql, "XLEN %s", keys[i]) != 0) {
            r->waiting--;
            free(ql);
            note_error(r, keys[i], "the connection is closing", 25);
        }
        if (rconn_command(d->src.cmd, on_range, qr, "XREVRANGE %s + - COUNT %d", keys[i],
                          TUI_DLQ_PER_STREAM) != 0) {
            r->waiting--;
            free(qr);
            note_error(r, keys[i], "the connection is closing", 25);
        }
    }
    if (--r->waiting == 0)
        read_done(r);
}

static void on_refresh(void *privdata)
{
    struct tui_dlq *d = privdata;
    if (d->inflight)
        return; /* the answer on its way will do */
    d->src.m->dlq.loading = true;
    char(*keys)[80] = xcalloc(d->src.partitions + 1, sizeof(*keys));
    size_t n = keys_per_partition(d->src.ns, d->src.partitions, keys);
    snprintf(d->source, sizeof(d->source), "%s%s", keys[0], n > 1 ? " ..." : "");
    dlq_read_keys(d, keys, n);
    free(keys);
    d->src.changed(d->src.privdata);
}

struct tui_dlq *tui_dlq_new(const struct tui_source *src)
{
    struct tui_dlq *d = xcalloc(1, sizeof(*d));
    tui_source_copy(&d->src, src);
    src->m->dlq = (struct model_dlq){.reload = on_refresh, .privdata = d};
    return d;
}

void tui_dlq_free(struct tui_dlq *d)
{
    if (d == NULL)
        return;
    if (d->inflight)
        d->inflight->d = NULL;
    d->src.m->dlq = (struct model_dlq){0};
    free(d->rows);
    tui_source_clear(&d->src);
    free(d);
}
