/* worker_group.c — `warroom worker --group`: marks the namespace as worked by a group (NS:meta
 * mode group), joins it, prints a line per lease event and refusal and one status line per
 * interval, and leaves the group cleanly on SIGINT/SIGTERM (worker_group.h). */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ev.h>

#include "app/clock.h"
#include "app/cmd/cmd.h"
#include "app/cmd/worker_group.h"
#include "app/group/wgroup.h"
#include "app/redis/csync.h"
#include "app/redis/rsync.h"
#include "core/fmt.h"

#define WG_HEADER_EVERY 20
#define WG_DRAIN_MAX_S 3.0

struct wg {
    struct ev_loop *loop;
    struct wgroup *g;
    const struct worker_group_opts *o;
    ev_signal sigint, sigterm;
    ev_timer status, duration, drain;
    uint64_t last_events;
    double last_t, drain_deadline;
    unsigned lines;
    bool stopping;
};

static void on_group(struct wgroup *g, const struct wgroup_event_info *e, void *privdata)
{
    (void)g;
    (void)privdata;
    char tbuf[16];
    clock_hms(tbuf, sizeof(tbuf));
    switch (e->ev) {
    case GROUP_EV_ACQUIRED:
        printf("%s  partition %d acquired (token %" PRIu64 "): %s\n", tbuf, e->partition, e->token,
               e->text);
        break;
    case GROUP_EV_RELEASED:
        printf("%s  partition %d released (token %" PRIu64 "): %s\n", tbuf, e->partition, e->token,
               e->text);
        break;
    case GROUP_EV_LOST:
        printf("%s  partition %d lost (token %" PRIu64 "): %s\n", tbuf, e->partition, e->token,
               e->text);
        break;
    case GROUP_EV_ERROR:
        if (e->partition >= 0)
            printf("%s  partition %d: %s\n", tbuf, e->partition, e->text);
        else
            printf("%s  error: %s\n", tbuf, e->text);
        break;
    case GROUP_EV_CONN:
        printf("%s  connection: %s\n", tbuf, e->text);
        break;
    case GROUP_EV_MEMBERS:
        printf("%s  group: %s\n", tbuf, e->text);
        break;
    }
    fflush(stdout);
}

static void print_status(struct wg *w)
{
    struct wgroup_stats st;
    wgroup_get_stats(w->g, &st);
    double now = ev_now(w->loop);
    double dt = now - w->last_t;
    double eps = dt > 0 ? (double)(st.events + st.late - w->last_events) / dt : 0;
    w->last_events = st.events + st.late;
    w->last_t = now;
    if (w->o->quiet)
        return;
    char tbuf[16], owned[1024], b[6][32];
    clock_hms(tbuf, sizeof(tbuf));
    wgroup_owned_text(w->g, owned, sizeof(owned));
    if (w->o->raw) {
        printf("%s  owned=%u partitions=%s members=%u entries=%" PRIu64 " events=%" PRIu64
               " late=%" PRIu64 " rejected=%" PRIu64 " periods=%" PRIu64 " tier_periods=%" PRIu64
               " commits=%" PRIu64 " refused=%" PRIu64 " fenced=%" PRIu64 " acquired=%" PRIu64
               " released=%" PRIu64 " lost=%" PRIu64 " errors=%" PRIu64 " dlq_failed=%" PRIu64
               " events_per_s=%.1f state=%s\n",
               tbuf, st.owned, owned, st.members, st.entries, st.events, st.late, st.rejected,
               st.periods, st.tier_periods, st.commits, st.refused, st.fenced, st.acquired,
               st.released, st.lost, st.errors, st.dlq_failed, eps, rconn_state_name(st.state));
    } else {
        if (w->lines++ % WG_HEADER_EVERY == 0)
            printf("%-8s  %-12s %-20s %8s %8s %8s %8s %8s %8s\n", "time", "state", "partitions",
                   "events/s", "events", "late", "rejected", "periods", "refused");
        printf("%-8s  %-12s %-20s %8s %8s %8s %8s %8s %8s\n", tbuf, rconn_state_name(st.state),
               owned, fmt_si(eps, b[0], sizeof(b[0])),
               fmt_si((double)st.events, b[1], sizeof(b[1])),
               fmt_si((double)st.late, b[2], sizeof(b[2])),
               fmt_si((double)st.rejected, b[3], sizeof(b[3])),
               fmt_si((double)st.periods, b[4], sizeof(b[4])),
               fmt_si((double)st.refused, b[5], sizeof(b[5])));
    }
    fflush(stdout);
}

static void print_totals(struct wg *w)
{
    struct wgroup_stats st;
    wgroup_get_stats(w->g, &st);
    printf("totals: entries=%" PRIu64 " events=%" PRIu64 " late=%" PRIu64 " rejected=%" PRIu64
           " periods=%" PRIu64 " tier_periods=%" PRIu64 " commits=%" PRIu64 " refused=%" PRIu64
           " fenced=%" PRIu64 " acquired=%" PRIu64 " released=%" PRIu64 " lost=%" PRIu64
           " errors=%" PRIu64 " dlq_failed=%" PRIu64 "\n",
           st.entries, st.events, st.late, st.rejected, st.periods, st.tier_periods, st.commits,
           st.refused, st.fenced, st.acquired, st.released, st.lost, st.errors, st.dlq_failed);
    fflush(stdout);
}

static void on_drain(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)revents;
    struct wg *w = t->data;
    if (wgroup_pending(w->g) == 0 || ev_now(loop) >= w->drain_deadline) {
        ev_timer_stop(loop, t);
        print_totals(w);
        ev_break(loop, EVBREAK_ALL);
    }
}

static void begin_stop(struct wg *w)
{
    if (w->stopping)
        return;
    w->stopping = true;
    ev_timer_stop(w->loop, &w->status);
    ev_timer_stop(w->loop, &w->duration);
    wgroup_stop(w->g);
    w->drain_deadline = ev_now(w->loop) + WG_DRAIN_MAX_S;
    ev_timer_set(&w->drain, 0., 0.02);
    ev_timer_start(w->loop, &w->drain);
}

static void on_signal(struct ev_loop *loop, ev_signal *s, int revents)
{
    (void)loop, (void)revents;
    begin_stop(s->data);
}

static void on_duration(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop, (void)revents;
    begin_stop(t->data);
}

static void on_status(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop, (void)revents;
    print_status(t->data);
}

/* NS:meta: created when absent (a worker group writes), then mode group and the group's name;
 * a namespace worked by a group of another name is refused (two groups would both write the
 * rollups). Returns 0, or an exit code after printing why. */
static int meta_claim(struct csync *c, struct config *cfg, const char *name)
{
    char err[512];
    if (rsync_meta_check(c, cfg->ns, &cfg->partitions, cfg->partitions_set, err, sizeof(err)) !=
        0) {
        fprintf(stderr, "warroom worker: %s\n", err);
        return csync_error(c)[0] ? EXIT_UNREACHABLE : EXIT_FAILURE_GENERIC;
    }
    redisReply *r = csync_command(c, "HSETNX %s:meta group %s", cfg->ns, name);
    if (r && r->type == REDIS_REPLY_INTEGER && r->integer == 0) {
        freeReplyObject(r);
        r = csync_command(c, "HGET %s:meta group", cfg->ns);
        if (r && r->type == REDIS_REPLY_STRING && strcmp(r->str, name) != 0) {
            fprintf(stderr,
                    "warroom worker: namespace %s is worked by the group '%.*s' (%s:meta group): "
                    "join it with --group %.*s, or change that field when no worker of it runs\n",
                    cfg->ns, r->len > 64 ? 64 : (int)r->len, r->str, cfg->ns,
                    r->len > 64 ? 64 : (int)r->len, r->str);
            freeReplyObject(r);
            return EXIT_FAILURE_GENERIC;
        }
    }
    if (r == NULL || r->type == REDIS_REPLY_ERROR) {
        fprintf(stderr, "warroom worker: cannot write %s:meta: %s\n", cfg->ns,
                r ? r->str : csync_error(c));
        freeReplyObject(r);
        return r ? EXIT_FAILURE_GENERIC : EXIT_UNREACHABLE;
    }
    freeReplyObject(r);
    r = csync_command(c, "HSET %s:meta mode group", cfg->ns);
    int rc = r && r->type != REDIS_REPLY_ERROR ? 0 : r ? EXIT_FAILURE_GENERIC : EXIT_UNREACHABLE;
    if (rc)
        fprintf(stderr, "warroom worker: cannot write %s:meta: %s\n", cfg->ns,
                r ? r->str : csync_error(c));
    freeReplyObject(r);
    return rc;
}

int worker_group_run(struct config *cfg, const struct worker_group_opts *o)
{
    char err[512];
    struct redisaddr *addr = rsync_address(cfg, err, sizeof(err));
    if (addr == NULL) {
        fprintf(stderr, "warroom worker: %s\n", err);
        return EXIT_UNREACHABLE;
    }
    struct csync *c = rsync_client(addr, cfg->connect_timeout_ms, err, sizeof(err));
    if (c == NULL) {
        fprintf(stderr, "warroom worker: %s\n", err);
        redisaddr_free(addr);
        return EXIT_UNREACHABLE;
    }
    const char *name = o->name ? o->name : GROUP_DEFAULT_NAME;
    int rc = meta_claim(c, cfg, name);
    csync_free(c);
    if (rc != 0) {
        redisaddr_free(addr);
        return rc;
    }
    struct wg w = {.o = o};
    struct wgroup_config gc = {
        .ns = cfg->ns,
        .partitions = cfg->partitions,
        .name = name,
        .id = o->id,
        .lease_ms = o->lease_ms,
        .lateness_ms = cfg->lateness_ms,
        .count = o->count,
        .max_series = cfg->max_series,
        .retention_ms = {o->keep_ms[0], o->keep_ms[1], o->keep_ms[2]},
        .connect_timeout_ms = (unsigned)cfg->connect_timeout_ms,
        .command_timeout_ms = (unsigned)cfg->command_timeout_ms,
    };
    w.loop = ev_default_loop(EVFLAG_AUTO);
    w.g = wgroup_new(w.loop, addr, &gc, on_group, &w, err, sizeof(err));
    redisaddr_free(addr);
    if (w.g == NULL) {
        fprintf(stderr, "warroom worker: %s\n", err);
        return EXIT_USAGE;
    }
    printf("worker: group %s as %s, namespace %s, %u partitions, lease %.1f s, lateness %.1f s\n",
           name, wgroup_id(w.g), cfg->ns, cfg->partitions,
           (double)(o->lease_ms > 0 ? o->lease_ms : GROUP_DEFAULT_LEASE_MS) / 1000.,
           (double)cfg->lateness_ms / 1000.);
    fflush(stdout);
    ev_signal_init(&w.sigint, on_signal, SIGINT);
    ev_signal_init(&w.sigterm, on_signal, SIGTERM);
    w.sigint.data = w.sigterm.data = &w;
    ev_signal_start(w.loop, &w.sigint);
    ev_signal_start(w.loop, &w.sigterm);
    double interval = (double)(o->interval_ms > 0 ? o->interval_ms : 1000) / 1000.;
    ev_timer_init(&w.status, on_status, interval, interval);
    w.status.data = &w;
    ev_timer_start(w.loop, &w.status);
    ev_timer_init(&w.duration, on_duration, (double)o->duration_ms / 1000., 0.);
    w.duration.data = &w;
    if (o->duration_ms > 0)
        ev_timer_start(w.loop, &w.duration);
    ev_init(&w.drain, on_drain);
    w.drain.data = &w;
    w.last_t = ev_now(w.loop);
    ev_run(w.loop, 0);
    wgroup_close(w.g);
    ev_loop_destroy(w.loop);
    return EXIT_OK;
}
