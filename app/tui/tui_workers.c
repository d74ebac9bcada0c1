/* tui_workers.c — reads the group-mode workers for the workers view: the commands of
 * app/redis/wread, round by round, on the reader's command connection (routed by slot on a
 * cluster), each reply put into a fresh core/wstat; the complete read replaces the model's. */
#include "app/tui/tui_workers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/clock.h"
#include "app/redis/rconn.h"
#include "app/redis/wread.h"
#include "core/mem.h"
#include "core/wstat.h"

/* One read: rounds of commands; when the last reply of the last round is in, it goes to the
 * model. A read outlives tui_workers_free while replies are in flight (orphaned: w == NULL). */
struct wk_read {
    struct tui_workers *w;
    struct wstat s;
    int round;
    unsigned waiting; /* replies of this round still to come */
    char error[192];
};

struct tui_workers {
    struct tui_source src;
    struct wk_read *inflight; /* NULL: none */
    struct wstat *shown;      /* what the model shows */
    int64_t started_ms;       /* when the last read started */
};

/* One reply: the read and what the command was. */
struct wk_reply {
    struct wk_read *r;
    enum wread_kind kind;
    size_t index;
    char key[WREAD_KEY_MAX];
};

static void read_round(struct wk_read *r);

static void read_done(struct wk_read *r)
{
    struct tui_workers *w = r->w;
    if (w == NULL) { /* orphaned by tui_workers_free */
        wstat_free(&r->s);
        free(r);
        return;
    }
    int64_t now = clock_wall_ms();
    wstat_finish(&r->s, now);
    if (w->shown == NULL)
        w->shown = xcalloc(1, sizeof(*w->shown));
    wstat_free(w->shown);
    *w->shown = r->s;
    struct model_workers *mw = &w->src.m->workers;
    mw->st = w->shown;
    mw->loading = false;
    mw->read_ms = now;
    snprintf(mw->error, sizeof(mw->error), "%s", r->error);
    w->inflight = NULL;
    free(r);
    w->src.changed(w->src.privdata);
}

/* Every reply of a round is in: the next round, or the end (also of an orphaned read). */
static void round_end(struct wk_read *r)
{
    if (r->w && ++r->round < WREAD_ROUNDS && r->error[0] == '\0')
        read_round(r);
    else
        read_done(r);
}

static void on_reply(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct wk_reply *q = privdata;
    struct wk_read *r = q->r;
    if (reply == NULL && r->error[0] == '\0')
        snprintf(r->error, sizeof(r->error), "no answer from Redis (connection lost or timed out)");
    wread_apply(&r->s, q->kind, q->index, q->key, reply, "no answer");
    free(q);
    if (--r->waiting == 0)
        round_end(r);
}

static int emit(void *ctx, const struct wread_cmd *c)
{
    struct wk_read *r = ctx;
    struct wk_reply *q = xcalloc(1, sizeof(*q));
    q->r = r;
    q->kind = c->kind;
    q->index = c->index;
    snprintf(q->key, sizeof(q->key), "%s", c->key);
    const char *argv[WREAD_ARGV_MAX];
    memcpy(argv, c->argv, sizeof(argv));
    r->waiting++;
    if (rconn_command_argv(r->w->src.cmd, on_reply, q, c->argc, argv, c->argvlen) != 0) {
        r->waiting--;
        free(q);
        snprintf(r->error, sizeof(r->error), "the Redis connection is closing");
        return -1;
    }
    return 0;
}

/* Sends the commands of r->round; finishes at once when there is none to wait for. */
static void read_round(struct wk_read *r)
{
    r->waiting = 1; /* held until every command is queued, so no early completion */
    wread_round(&r->s, r->w->src.ns, r->round, emit, r);
    if (--r->waiting == 0)
        round_end(r);
}

static void on_reload(void *privdata)
{
    struct tui_workers *w = privdata;
    if (w->inflight)
        return; /* the answer on its way will do */
    struct wk_read *r = xcalloc(1, sizeof(*r));
    r->w = w;
    if (wstat_init(&r->s, w->src.partitions) != 0) {
        free(r);
        snprintf(w->src.m->workers.error, sizeof(w->src.m->workers.error), "bad partition count %u",
                 w->src.partitions);
        w->src.changed(w->src.privdata);
        return;
    }
    w->inflight = r;
    w->started_ms = clock_wall_ms();
    w->src.m->workers.loading = true;
    w->src.changed(w->src.privdata);
    read_round(r);
}

void tui_workers_tick(struct tui_workers *w, int64_t now_ms)
{
    if (w && w->src.m->workers.open && w->inflight == NULL &&
        now_ms - w->started_ms >= TUI_WORKERS_EVERY_MS - 100) /* ticks are whole seconds */
        on_reload(w);
}

struct tui_workers *tui_workers_new(const struct tui_source *src)
{
    struct tui_workers *w = xcalloc(1, sizeof(*w));
    tui_source_copy(&w->src, src);
    src->m->workers = (struct model_workers){.reload = on_reload, .privdata = w};
    return w;
}

void tui_workers_free(struct tui_workers *w)
{
    if (w == NULL)
        return;
    if (w->inflight)
        w->inflight->w = NULL;
    w->src.m->workers = (struct model_workers){0};
    wstat_free(w->shown);
    free(w->shown);
    tui_source_clear(&w->src);
    free(w);
}
