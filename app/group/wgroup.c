/* wgroup.c — a worker group member: the connection, heartbeats, the share of the partitions and
 * the leases that follow it (contract in wgroup.h). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "app/group/wgroup_impl.h"
#include "app/group/gscripts.h"
#include "core/mem.h"

#define GROUP_PUMP_S 0.02 /* how often partitions are read and committed */

static int64_t wall_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

struct greq *greq_new(struct gpart *p)
{
    struct greq *r = xmalloc(sizeof(*r));
    r->p = p;
    r->gen = p->gen;
    return r;
}

struct gpart *greq_take(void *privdata)
{
    struct greq *r = privdata;
    struct gpart *p = r->p;
    p->g->inflight--;
    bool current = r->gen == p->gen && !p->g->closing;
    free(r);
    return current ? p : NULL;
}

void wgroup_emit(struct wgroup *g, enum wgroup_event ev, int partition, uint64_t token,
                 const char *fmt, ...)
{
    if (g->notify == NULL || g->closing)
        return;
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    struct wgroup_event_info e = {.ev = ev, .partition = partition, .token = token, .text = text};
    g->notify(g, &e, g->privdata);
}

/* ---------------------------------------------------------------------------------------------
 * Membership: heartbeat, live members, our share
 * ------------------------------------------------------------------------------------------ */

static void on_counted(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct wgroup *g = privdata;
    g->inflight--;
    if (g->closing || reply == NULL)
        return;
    if (reply->type == REDIS_REPLY_ERROR) {
        g->st.errors++;
        wgroup_emit(g, GROUP_EV_ERROR, -1, 0, "heartbeat refused: %s", reply->str);
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The live members (ZRANGEBYSCORE answer): our index among them decides our share. */
static void on_members(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct wgroup *g = privdata;
    g->inflight--;
    if (g->closing || g->stopping || reply == NULL)
        return;
    if (reply->type != REDIS_REPLY_ARRAY) {
        g->st.errors++;
        wgroup_emit(g, GROUP_EV_ERROR, -1, 0, "cannot list the workers in %s: %s", g->workers_key,
                    reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply");
        return;
    }
    size_t n = 0;
    const char **ids = xmalloc((reply->elements + 1) * sizeof(*ids));
    bool self = false;
    for (size_t i = 0; i < reply->elements; i++) {
        const redisReply *e = reply->element[i];
        if (e == NULL || e->type != REDIS_REPLY_STRING || e->len == 0 || e->len >= GROUP_ID_MAX ||
            memchr(e->str, '\0', e->len))
            continue; /* not a member a worker could have written: ignored */
        ids[n++] = e->str;
        self |= strcmp(e->str, g->id) == 0;
    }
    if (!self)
        ids[n++] = g->id;
    qsort(ids, n, sizeof(*ids), cmp_str);
    unsigned k = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(ids[i], g->id) == 0)
            k = (unsigned)i;
    free(ids);
    if (g->st.members != n) {
        g->st.members = (unsigned)n;
        wgroup_emit(g, GROUP_EV_MEMBERS, -1, 0, "%zu live worker%s; this one is number %u", n,
                    n == 1 ? "" : "s", k + 1);
    }
    double now = ev_now(g->loop);
    for (unsigned i = 0; i < g->cfg.partitions; i++) {
        struct gpart *p = &g->parts[i];
        bool mine = i % n == k;
        if (p->st == GP_OWNED && !mine)
            gpart_release(p);
        else if (p->st == GP_OWNED) {
            gpart_renew(p);
            gtier_pump(p); /* an idle partition (or one just taken over) has no commits */
        }
        else if (p->st == GP_FREE && mine && now >= p->retry_after)
            gpart_acquire(p);
    }
}

static void beat(struct wgroup *g)
{
    int64_t now = wall_ms();
    double t = ev_now(g->loop);
    double dt = t - g->last_beat_t;
    double rate = dt > 0 ? (double)(g->st.events - g->last_events) / dt : 0;
    g->last_beat_t = t;
    g->last_events = g->st.events;
    char owned[1024], buf[6][32];
    wgroup_owned_text(g, owned, sizeof(owned));
    char host[256];
    if (gethostname(host, sizeof(host)) != 0)
        snprintf(host, sizeof(host), "?");
    host[sizeof(host) - 1] = '\0';
    snprintf(buf[0], sizeof(buf[0]), "%" PRId64, now);
    snprintf(buf[1], sizeof(buf[1]), "%" PRIu64, g->st.events);
    snprintf(buf[2], sizeof(buf[2]), "%" PRIu64, g->st.late);
    snprintf(buf[3], sizeof(buf[3]), "%.1f", rate);
    snprintf(buf[4], sizeof(buf[4]), "%" PRId64, g->cfg.lease_ms);
    snprintf(buf[5], sizeof(buf[5]), "%" PRId64, g->started_ms);
    if (rconn_command(g->rc, on_counted, g, "ZADD %s %s %s", g->workers_key, buf[0], g->id) == 0)
        g->inflight++;
    if (rconn_command(g->rc, on_counted, g,
                      "HSET %s host %s pid %d started %s partitions %s events %s late %s rate %s "
                      "lease %s ts %s",
                      g->worker_key, host, (int)getpid(), buf[5], owned, buf[1], buf[2], buf[3],
                      buf[4], buf[0]) == 0)
        g->inflight++;
    if (rconn_command(g->rc, on_counted, g, "PEXPIRE %s %" PRId64, g->worker_key,
                      3 * g->cfg.lease_ms) == 0)
        g->inflight++;
    /* members silent for ten leases are forgotten (the others are shown as dead for a while) */
    if (rconn_command(g->rc, on_counted, g, "ZREMRANGEBYSCORE %s -inf (%" PRId64, g->workers_key,
                      now - 10 * g->cfg.lease_ms) == 0)
        g->inflight++;
    if (rconn_command(g->rc, on_members, g, "ZRANGEBYSCORE %s %" PRId64 " +inf", g->workers_key,
                      now - g->cfg.lease_ms) == 0)
        g->inflight++;
}

static void on_beat(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop, (void)revents;
    beat(t->data);
}

static void on_pump(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)revents;
    struct wgroup *g = t->data;
    double now = ev_now(loop);
    for (unsigned i = 0; i < g->cfg.partitions; i++)
        gpart_pump(&g->parts[i], now);
}

static void on_state(struct rconn *rc, enum rconn_state state, void *privdata)
{
    (void)rc;
    struct wgroup *g = privdata;
    g->st.state = state;
    wgroup_emit(g, GROUP_EV_CONN, -1, 0, "%s", rconn_state_name(state));
}

/* ---------------------------------------------------------------------------------------------
 * Life cycle
 * ------------------------------------------------------------------------------------------ */

struct wgroup *wgroup_new(struct ev_loop *loop, const struct redisaddr *addr,
                          const struct wgroup_config *cfg, wgroup_notify_fn *notify, void *privdata,
                          char *err, size_t errcap)
{
    if (cfg->ns == NULL || cfg->ns[0] == '\0' || cfg->partitions == 0) {
        snprintf(err, errcap, "group: namespace and partition count are required");
        return NULL;
    }
    char id[GROUP_ID_MAX];
    if (cfg->id) {
        size_t n = strlen(cfg->id);
        bool ok = n > 0 && n < GROUP_ID_MAX;
        for (size_t i = 0; ok && i < n; i++)
            ok = cfg->id[i] > ' ' && cfg->id[i] < 0x7f;
        if (!ok) {
            snprintf(err, errcap,
                     "--id needs 1 to %d printable characters without spaces, not '%s'",
                     GROUP_ID_MAX - 1, cfg->id);
            return NULL;
        }
        snprintf(id, sizeof(id), "%s", cfg->id);
    } else {
        char host[48];
        if (gethostname(host, sizeof(host)) != 0)
            snprintf(host, sizeof(host), "worker");
        host[sizeof(host) - 1] = '\0';
        for (char *c = host; *c; c++)
            if (*c <= ' ' || *c >= 0x7f)
                *c = '_';
        snprintf(id, sizeof(id), "%s-%d", host, (int)getpid());
    }
    gscripts_init();
    struct wgroup *g = xcalloc(1, sizeof(*g));
    g->loop = loop;
    g->cfg = *cfg;
    g->ns = xstrdup(cfg->ns);
    g->name = xstrdup(cfg->name ? cfg->name : GROUP_DEFAULT_NAME);
    g->cfg.ns = g->ns;
    g->cfg.name = g->name;
    g->cfg.id = NULL;
    snprintf(g->id, sizeof(g->id), "%s", id);
    if (g->cfg.lease_ms <= 0)
        g->cfg.lease_ms = GROUP_DEFAULT_LEASE_MS;
    if (g->cfg.lateness_ms < 0)
        g->cfg.lateness_ms = 0;
    if (g->cfg.count == 0)
        g->cfg.count = 1000;
    if (g->cfg.max_series == 0)
        g->cfg.max_series = 100000;
    static const int64_t ret_default[GROUP_TIERS] = {3600000LL, 7 * 86400000LL, 90 * 86400000LL};
    for (int t = 0; t < GROUP_TIERS; t++)
        if (g->cfg.retention_ms[t] <= 0)
            g->cfg.retention_ms[t] = ret_default[t];
    snprintf(g->workers_key, sizeof(g->workers_key), "%s:workers", g->ns);
    snprintf(g->worker_key, sizeof(g->worker_key), "%s:worker:%s", g->ns, g->id);
    g->notify = notify;
    g->privdata = privdata;
    g->parts = xcalloc(cfg->partitions, sizeof(*g->parts));
    for (unsigned i = 0; i < cfg->partitions; i++)
        gpart_init(&g->parts[i], g, i);
    g->started = ev_now(loop);
    g->started_ms = wall_ms();
    g->last_beat_t = g->started;
    struct rconn_opts o = {
        .mode = RCONN_MODE_COMMAND,
        .name = "group",
        .connect_timeout_ms = cfg->connect_timeout_ms,
        .command_timeout_ms = cfg->command_timeout_ms,
        .on_state = on_state,
        .privdata = g,
    };
    g->st.state = RCONN_CONNECTING;
    g->rc = rconn_new(loop, addr, &o);
    double beat_s = (double)g->cfg.lease_ms / 3000.;
    if (beat_s < 0.1)
        beat_s = 0.1;
    ev_timer_init(&g->beat, on_beat, 0., beat_s);
    g->beat.data = g;
    ev_timer_start(loop, &g->beat);
    ev_timer_init(&g->pump, on_pump, GROUP_PUMP_S, GROUP_PUMP_S);
    g->pump.data = g;
    ev_timer_start(loop, &g->pump);
    return g;
}

void wgroup_stop(struct wgroup *g)
{
    if (g == NULL || g->stopping)
        return;
    g->stopping = true;
    ev_timer_stop(g->loop, &g->beat);
    ev_timer_stop(g->loop, &g->pump);
    for (unsigned i = 0; i < g->cfg.partitions; i++)
        if (g->parts[i].st == GP_OWNED)
            gpart_release(&g->parts[i]);
    if (rconn_command(g->rc, on_counted, g, "ZREM %s %s", g->workers_key, g->id) == 0)
        g->inflight++;
    if (rconn_command(g->rc, on_counted, g, "DEL %s", g->worker_key) == 0)
        g->inflight++;
}

size_t wgroup_pending(const struct wgroup *g)
{
    return g ? g->inflight : 0;
}

void wgroup_close(struct wgroup *g)
{
    if (g == NULL)
        return;
    g->closing = true;
    ev_timer_stop(g->loop, &g->beat);
    ev_timer_stop(g->loop, &g->pump);
    rconn_close(g->rc);
    for (unsigned i = 0; i < g->cfg.partitions; i++)
        gpart_free(&g->parts[i]);
    free(g->parts);
    free(g->strs);
    free(g->lens);
    free(g->ns);
    free(g->name);
    free(g);
}

void wgroup_get_stats(const struct wgroup *g, struct wgroup_stats *out)
{
    *out = g->st;
    out->owned = 0;
    for (unsigned i = 0; i < g->cfg.partitions; i++)
        out->owned += g->parts[i].st == GP_OWNED;
}

const char *wgroup_id(const struct wgroup *g)
{
    return g->id;
}

const char *wgroup_owned_text(const struct wgroup *g, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < g->cfg.partitions && len + 12 < cap; i++)
        if (g->parts[i].st == GP_OWNED)
            len += (size_t)snprintf(buf + len, cap - len, "%s%u", len ? "," : "", i);
    if (len == 0)
        snprintf(buf, cap, "-");
    return buf;
}
