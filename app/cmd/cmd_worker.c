/* cmd_worker.c — `warroom worker`: the reader and the core on a libev loop with no screen. Prints
 * one status line per interval (like redis-cli --stat), a line for every connection change and
 * the replay's end, and a totals line when it stops. For servers, tests and benchmarks. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ev.h>

#include "app/alerts/alerts.h"
#include "app/alerts/alerts_json.h"
#include "app/clock.h"
#include "app/cmd/cmd.h"
#include "app/cmd/worker_group.h"
#include "app/config.h"
#include "app/redis/groupmode.h"
#include "app/redis/reader.h"
#include "app/redis/rsync.h"
#include "core/duration.h"
#include "core/fmt.h"
#include "core/mem.h"
#include "core/series.h"

#define WORKER_HEADER_EVERY 20 /* status lines between two headers */
#define WORKER_DRAIN_MAX_S 3.0 /* how long a stop waits for dead-letter writes */

static const char worker_help[] =
    "usage: warroom worker [--interval DUR] [--duration DUR] [--exit-after-replay]\n"
    "                      [--quiet | --raw] [--count N] [--rules FILE]\n"
    "       warroom worker --group [NAME] [--id ID] [--lease DUR] [--keep-1s DUR]\n"
    "                      [--keep-1m DUR] [--keep-1h DUR] [--interval DUR] [--duration DUR]\n"
    "                      [--quiet | --raw] [--count N]\n\n"
    "Tails every partition stream into the core without a screen: replays the last --window\n"
    "of history (default 15m), then follows live events. Invalid entries go to the dead\n"
    "letters of their partition, NS:dlq:{pI}, under their own entry ID (recorded once).\n"
    "A partition Redis refuses to read (e.g. its key holds another type) is named on a line\n"
    "of its own and on every status line; the others are still read, and it is tried again\n"
    "every second.\n"
    "  --interval DUR       one status line per DUR (default 1s)\n"
    "  --duration DUR       stop after DUR\n"
    "  --exit-after-replay  stop as soon as the replay is done\n"
    "  --quiet              no status lines (connection changes and totals are still printed)\n"
    "  --raw                status lines as exact key=value pairs, for scripts\n"
    "  --count N            XREAD COUNT per partition (default 1000; 4 reading rollups)\n"
    "  --rules FILE         evaluate these alert rules once the replay is done, compete for the\n"
    "                       announcer lease and announce transitions (to NS:alerts and the\n"
    "                       --room chat room, default ops); one line per transition, ack,\n"
    "                       silence and lease change:\n"
    "                         HH:MM:SS  alert FROM->TO SHORTID ID value=V severity=S\n"
    "                         HH:MM:SS  alert announced TO SHORTID ID\n"
    "                         HH:MM:SS  alert ack SHORTID ID by NICK\n"
    "                         HH:MM:SS  alert silence MATCHER until HH:MM:SS by NICK\n"
    "                         HH:MM:SS  alerts: leader|follower (why)\n"
    "A full series table (--max-series) is said on a line of its own and at the end of every\n"
    "status line: \"! series cap N reached: M events dropped; raise --max-series\".\n"
    "With --group, the worker joins the namespace's worker group (scale-out mode, see\n"
    "docs/scale-out.md) instead: the partitions are shared among the live workers, each owned\n"
    "by one at a time (a lease with a fencing token), read through the consumer group NAME\n"
    "(default warroom) and folded into 1-second rollups written exactly once with a checkpoint;\n"
    "1m and 1h rollups follow. It marks the namespace (NS:meta mode group), so the interface,\n"
    "query and other workers read the rollups instead of the raw events.\n"
    "  --id ID              this worker's name in the group (default HOST-PID)\n"
    "  --lease DUR          lease of a partition (default 10s): a dead worker's partitions are\n"
    "                       taken over within it\n"
    "  --keep-1s DUR, --keep-1m DUR, --keep-1h DUR\n"
    "                       how long each rollup tier is kept (defaults 1h, 7d, 90d)\n"
    "  one line per partition acquired, released, lost and per refusal; --raw status lines:\n"
    "    owned=N partitions=LIST members=N entries=N events=N late=N rejected=N periods=N ...\n"
    "SIGINT or SIGTERM stop it cleanly. On stop it prints one line:\n"
    "  totals: entries=N events=N rejected=N series=N late=N expired=N ...\n\n"
    "exit codes: 0 stopped normally, 1 failure, 2 usage, 4 Redis unreachable at start\n\n";

const struct cmd_entry cmd_worker_entry = {
    .name = "worker",
    .usage = "[--interval DUR] [--duration DUR]",
    .summary = "headless reader: replay, then follow live events; status lines",
    .help = worker_help,
    .common_options = true,
    .run = cmd_worker,
};

struct worker {
    struct ev_loop *loop;
    struct reader *rd;
    struct alerts *al; /* NULL without --rules */
    struct series_table *tab;
    ev_signal sigint, sigterm;
    ev_timer status, duration, drain;
    double interval_s;
    bool exit_after_replay;
    bool quiet;
    bool raw;
    bool rollups; /* group mode: the reader merges rollups */
    uint64_t last_entries;
    double last_t;
    unsigned lines;
    bool cap_reported; /* the series cap's first refusal got its own line */
    char last_state[64];
    enum rconn_state last_cmd_state;
    uint64_t last_moved, last_ask; /* cluster redirects already reported */
    uint64_t last_lost;            /* failover losses already reported */
    unsigned last_check_failed;    /* failed failover checks already reported */
    bool *unreadable;              /* per partition, as last printed */
    bool stopping;
    double drain_deadline;
};

static void print_header(void)
{
    printf("%-8s  %-26s %8s %8s %8s %8s %8s %8s %8s %8s\n", "time", "state", "events/s", "events",
           "series", "late", "expired", "rejected", "replay", "max lag");
}

static void print_status(struct worker *w)
{
    struct reader_stats st;
    reader_get_stats(w->rd, &st);
    double now = ev_now(w->loop);
    double dt = now - w->last_t;
    double eps = dt > 0 ? (double)(st.entries - w->last_entries) / dt : 0;
    w->last_entries = st.entries;
    w->last_t = now;
    char tbuf[16], state[64], b[8][32], cap_note[128], unreadable[256], lost[320], roll[400];
    clock_hms(tbuf, sizeof(tbuf));
    /* a full series table drops events: said once on its own line (even with --quiet), then on
     * every status line while it lasts */
    bool capped = series_table_cap_note(w->tab, "--max-series", cap_note, sizeof(cap_note)) > 0;
    if (capped && !w->cap_reported) {
        printf("%s  warning: %s\n", tbuf, cap_note);
        w->cap_reported = true;
    }
    if (st.cluster && (st.cluster_moved != w->last_moved || st.cluster_ask != w->last_ask)) {
        printf("%s  cluster: %u masters; followed %" PRIu64 " MOVED, %" PRIu64
               " ASK (slots moved between masters)\n",
               tbuf, st.cluster_nodes, st.cluster_moved, st.cluster_ask);
        w->last_moved = st.cluster_moved;
        w->last_ask = st.cluster_ask;
    }
    /* events a failover lost: said on a line of its own when the count changes (even with
     * --quiet), then on every human status line */
    reader_lost_text(w->rd, lost, sizeof(lost));
    if (st.failover_lost != w->last_lost || st.lost_check_failed != w->last_check_failed) {
        if (lost[0])
            printf("%s  warning: %s\n", tbuf, lost);
        w->last_lost = st.failover_lost;
        w->last_check_failed = st.lost_check_failed;
    }
    if (w->quiet) {
        fflush(stdout);
        return;
    }
    reader_state_text(w->rd, state, sizeof(state));
    reader_unreadable_text(w->rd, unreadable, sizeof(unreadable));
    reader_roll_text(w->rd, roll, sizeof(roll));
    if (w->raw) {
        printf("%s  entries=%" PRIu64 " events=%" PRIu64 " rejected=%" PRIu64 " series=%u"
               " late=%" PRIu64 " expired=%" PRIu64 " series_dropped=%" PRIu64
               " events_per_s=%.1f replay=%.3f replay_done=%d max_lag_ms=%" PRId64
               " state=\"%s\" unreadable=%u lost=%" PRIu64 " source=%s rollups=%" PRIu64
               " roll_rejected=%" PRIu64 "%s%s%s\n",
               tbuf, st.entries, st.events, st.rejected, w->tab->count, w->tab->stats.late,
               w->tab->stats.expired, w->tab->stats.rejected_cap, eps, st.replay_progress,
               st.replay_done ? 1 : 0, st.max_lag_ms, state, st.unreadable, st.failover_lost,
               w->rollups ? "rollups" : "events", st.rollups, st.roll_rejected,
               capped ? " warning=\"" : "", capped ? cap_note : "", capped ? "\"" : "");
        fflush(stdout);
        return;
    }
    if (st.unreadable > 0) { /* "live" alone would hide that some partitions are not read */
        size_t l = strlen(state);
        snprintf(state + l, sizeof(state) - l, ", %u/%u unreadable", st.unreadable,
                 reader_partition_count(w->rd));
    }
    if (w->lines++ % WORKER_HEADER_EVERY == 0)
        print_header();
    if (st.replay_done)
        snprintf(b[6], sizeof(b[6]), "done");
    else
        snprintf(b[6], sizeof(b[6]), "%.0f%%", st.replay_progress * 100);
    if (st.max_lag_ms <= 0)
        snprintf(b[7], sizeof(b[7]), st.max_lag_ms < 0 ? "-" : "0");
    else
        fmt_duration_ms((double)st.max_lag_ms, b[7], sizeof(b[7]));
    printf("%-8s  %-26s %8s %8s %8s %8s %8s %8s %8s %8s%s%s\n", tbuf, state,
           fmt_si(eps, b[0], sizeof(b[0])), fmt_si((double)st.events, b[1], sizeof(b[1])),
           fmt_si((double)w->tab->count, b[2], sizeof(b[2])),
           fmt_si((double)w->tab->stats.late, b[3], sizeof(b[3])),
           fmt_si((double)w->tab->stats.expired, b[4], sizeof(b[4])),
           fmt_si((double)(st.rejected + st.roll_rejected), b[5], sizeof(b[5])), b[6], b[7],
           capped ? "  ! " : "", capped ? cap_note : "");
    if (unreadable[0])
        printf("          ! %s\n", unreadable);
    if (lost[0])
        printf("          ! %s\n", lost);
    if (roll[0])
        printf("          ! %s\n", roll);
    fflush(stdout);
}

static void print_totals(struct worker *w)
{
    struct reader_stats st;
    reader_get_stats(w->rd, &st);
    const struct series_stats *ss = &w->tab->stats;
    printf("totals: entries=%" PRIu64 " events=%" PRIu64 " rejected=%" PRIu64 " series=%u"
           " late=%" PRIu64 " expired=%" PRIu64 " series_dropped=%" PRIu64 " dlq_written=%" PRIu64
           " dlq_duplicate=%" PRIu64 " dlq_failed=%" PRIu64 " replayed=%" PRIu64
           " replay_done=%d replay_s=%.3f reconnects=%" PRIu64 " rollups=%" PRIu64
           " roll_rejected=%" PRIu64 " lost=%" PRIu64 " unreadable=%u\n",
           st.entries, st.events, st.rejected, w->tab->count, ss->late, ss->expired,
           ss->rejected_cap, st.dlq_written, st.dlq_duplicate, st.dlq_failed, st.replay_entries,
           st.replay_done ? 1 : 0, st.replay_s, st.reconnects, st.rollups, st.roll_rejected,
           st.failover_lost, st.unreadable);
    if (st.cluster) /* a line of its own: scripts that parse the totals line keep working */
        printf("cluster: masters=%u moved=%" PRIu64 " ask=%" PRIu64 " tryagain=%" PRIu64 "\n",
               st.cluster_nodes, st.cluster_moved, st.cluster_ask, st.cluster_tryagain);
    fflush(stdout);
}

/* ---------------------------------------------------------------------------------------------
 * Stopping: stop reading, let dead-letter writes finish (bounded), print totals, leave the loop
 * ------------------------------------------------------------------------------------------ */

static void finish(struct worker *w)
{
    ev_timer_stop(w->loop, &w->drain);
    print_totals(w);
    reader_close(w->rd);
    w->rd = NULL;
    alerts_free(w->al);
    w->al = NULL;
    ev_break(w->loop, EVBREAK_ALL);
}

static void on_drain(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)revents;
    struct worker *w = t->data;
    struct reader_stats st;
    reader_get_stats(w->rd, &st);
    bool alerts_busy = w->al && alerts_pending(w->al) > 0;
    if ((st.dlq_pending == 0 && !alerts_busy) || ev_now(loop) >= w->drain_deadline)
        finish(w);
}

static void begin_stop(struct worker *w)
{
    if (w->stopping)
        return;
    w->stopping = true;
    ev_timer_stop(w->loop, &w->status);
    ev_timer_stop(w->loop, &w->duration);
    ev_signal_stop(w->loop, &w->sigint);
    ev_signal_stop(w->loop, &w->sigterm);
    reader_stop(w->rd);
    if (w->al)
        alerts_stop(w->al); /* hands the lease over at once */
    w->drain_deadline = ev_now(w->loop) + WORKER_DRAIN_MAX_S;
    ev_timer_set(&w->drain, 0., 0.02);
    ev_timer_start(w->loop, &w->drain);
}

static void on_signal(struct ev_loop *loop, ev_signal *s, int revents)
{
    (void)loop;
    (void)revents;
    begin_stop(s->data);
}

static void on_duration(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)revents;
    begin_stop(t->data);
}

static void on_status(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)revents;
    print_status(t->data);
}

/* One line per partition that became unreadable or readable again since the last call. */
static void print_partitions(struct worker *w)
{
    char tbuf[16];
    clock_hms(tbuf, sizeof(tbuf));
    unsigned n = reader_partition_count(w->rd);
    if (w->unreadable == NULL)
        w->unreadable = xcalloc(n, sizeof(*w->unreadable));
    for (unsigned i = 0; i < n; i++) {
        struct reader_partition p;
        reader_partition_info(w->rd, i, &p);
        if (p.unreadable == w->unreadable[i])
            continue;
        w->unreadable[i] = p.unreadable;
        if (p.unreadable)
            printf("%s  partition %u unreadable: %s (the other partitions are still read)\n", tbuf,
                   i, p.error);
        else
            printf("%s  partition %u readable again: reading %s from %s\n", tbuf, i, p.key,
                   p.last_id);
    }
    fflush(stdout);
}

static void on_reader(struct reader *rd, enum reader_event e, void *privdata)
{
    struct worker *w = privdata;
    char tbuf[16], state[64];
    if (e == READER_REPLAY_DONE) {
        struct reader_stats st;
        reader_get_stats(rd, &st);
        clock_hms(tbuf, sizeof(tbuf));
        printf("%s  replay done: %" PRIu64 " entries in %.3f s (%.0f entries/s)\n", tbuf,
               st.replay_entries, st.replay_s,
               st.replay_s > 0 ? (double)st.replay_entries / st.replay_s : 0.);
        fflush(stdout);
        if (w->al)
            alerts_set_ready(w->al);
        if (w->exit_after_replay)
            begin_stop(w);
    } else if (e == READER_PARTITIONS && !w->stopping) {
        print_partitions(w);
    } else if (e == READER_CONN_STATE && !w->stopping) {
        struct reader_stats st;
        reader_get_stats(rd, &st);
        reader_state_text(rd, state, sizeof(state));
        /* up, unless Redis refuses the XREAD itself ("read error") */
        bool up = st.state == RCONN_UP && strcmp(state, "read error") != 0;
        if (up)
            snprintf(state, sizeof(state), "up");
        clock_hms(tbuf, sizeof(tbuf));
        if (strcmp(state, w->last_state) != 0) {
            const char *why = up ? "" : reader_last_error(rd);
            printf("%s  ingest connection: %s%s%s\n", tbuf, state, *why ? ": " : "", why);
            snprintf(w->last_state, sizeof(w->last_state), "%s", state);
        }
        if (st.cmd_state != w->last_cmd_state) {
            printf("%s  command connection: %s\n", tbuf, rconn_state_name(st.cmd_state));
            w->last_cmd_state = st.cmd_state;
        }
        fflush(stdout);
    }
}

/* One line per alert event, for people and for tests. Strings from Redis are printed as
 * received: the worker's output is a log, not a terminal UI. */
static void on_alerts(struct alerts *a, const struct alerts_event_info *e, void *privdata)
{
    (void)privdata;
    char tbuf[16], v[32], until[16];
    clock_hms(tbuf, sizeof(tbuf));
    switch (e->ev) {
    case ALERTS_EV_TRANSITION:
        printf("%s  alert %s->%s %s %s value=%s severity=%s%s\n", tbuf, alert_state_name(e->from),
               alert_state_name(e->to), e->entry->short_id, e->entry->id,
               alerts_value_text(e->entry->value, v, sizeof(v)),
               rule_severity_name(e->entry->severity), e->entry->silenced ? " silenced" : "");
        break;
    case ALERTS_EV_ANNOUNCED:
        printf("%s  alert announced %s %s %s\n", tbuf, alert_state_name(e->to), e->entry->short_id,
               e->entry->id);
        break;
    case ALERTS_EV_ACK:
        printf("%s  alert ack %s %s by %s\n", tbuf, e->entry ? e->entry->short_id : "-",
               e->entry ? e->entry->id : "-", e->who ? e->who : "");
        break;
    case ALERTS_EV_SILENCE:
        if (e->until_ms > 0) {
            time_t t = (time_t)(e->until_ms / 1000);
            struct tm tm;
            localtime_r(&t, &tm);
            strftime(until, sizeof(until), "%H:%M:%S", &tm);
            printf("%s  alert silence %s until %s by %s\n", tbuf, e->matcher, until,
                   e->who ? e->who : "");
        } else {
            printf("%s  alert unsilence %s by %s\n", tbuf, e->matcher, e->who ? e->who : "");
        }
        break;
    case ALERTS_EV_LEADER:
        printf("%s  alerts: %s (%s)\n", tbuf, alerts_is_leader(a) ? "leader" : "follower",
               e->text ? e->text : "");
        break;
    case ALERTS_EV_NOTICE:
        printf("%s  alerts: %s\n", tbuf, e->text);
        break;
    case ALERTS_EV_BOARD:
        return;
    }
    fflush(stdout);
}

/* ---------------------------------------------------------------------------------------------
 * The command
 * ------------------------------------------------------------------------------------------ */

static int parse_duration_arg(const char *opt, const char *v, int64_t *ms)
{
    if (duration_parse_ms(v, strlen(v), ms) != 0 || *ms <= 0) {
        fprintf(stderr, "warroom worker: %s needs a duration like 500ms, 5s or 1m, not '%s'\n", opt,
                v);
        return -1;
    }
    return 0;
}

int cmd_worker(int argc, char **argv)
{
    struct config cfg;
    char err[512];
    if (config_load(&cfg, &argc, argv, err, sizeof(err)) != 0) {
        fprintf(stderr, "warroom worker: %s\n", err);
        return EXIT_USAGE;
    }
    struct worker w = {
        .interval_s = 1.0, .last_cmd_state = RCONN_CONNECTING, .last_state = "connecting"};
    int64_t interval_ms = 1000, duration_ms = 0;
    unsigned count = 0;
    const char *rules_arg = NULL;
    int rc = EXIT_OK;
    struct worker_group_opts go = {0};
    bool join_group = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            cmd_print_help(&cmd_worker_entry, stdout);
            config_free(&cfg);
            return EXIT_OK;
        } else if (strcmp(a, "--exit-after-replay") == 0) {
            w.exit_after_replay = true;
        } else if (strcmp(a, "--quiet") == 0) {
            w.quiet = true;
        } else if (strcmp(a, "--raw") == 0) {
            w.raw = true;
        } else if (strcmp(a, "--interval") == 0 && has_value) {
            if (parse_duration_arg(a, argv[++i], &interval_ms) != 0)
                rc = EXIT_USAGE;
        } else if (strcmp(a, "--duration") == 0 && has_value) {
            if (parse_duration_arg(a, argv[++i], &duration_ms) != 0)
                rc = EXIT_USAGE;
        } else if (strcmp(a, "--group") == 0) {
            join_group = true;
            if (has_value && argv[i + 1][0] != '-') {
                go.name = argv[++i];
                size_t n = strlen(go.name);
                bool ok = n > 0 && n < 64;
                for (size_t k = 0; ok && k < n; k++)
                    ok = go.name[k] > ' ' && go.name[k] < 0x7f;
                if (!ok) {
                    fprintf(stderr, "warroom worker: --group NAME needs 1 to 63 printable "
                                    "characters without spaces\n");
                    rc = EXIT_USAGE;
                }
            }
        } else if ((strcmp(a, "--keep-1s") == 0 || strcmp(a, "--keep-1m") == 0 ||
                    strcmp(a, "--keep-1h") == 0) &&
                   has_value) {
            int t = a[8] == 's' ? 0 : a[8] == 'm' ? 1 : 2;
            if (parse_duration_arg(a, argv[++i], &go.keep_ms[t]) != 0) {
                rc = EXIT_USAGE;
            } else if (t == 0 && go.keep_ms[0] < 5 * 60000) {
                /* readers take the last 2 minutes of their window from the 1s tier, the whole
                 * minutes before from the 1m tier: a minute in between must still be there */
                fprintf(stderr, "warroom worker: --keep-1s must be at least 5m\n");
                rc = EXIT_USAGE;
            }
        } else if (strcmp(a, "--id") == 0 && has_value) {
            go.id = argv[++i];
        } else if (strcmp(a, "--lease") == 0 && has_value) {
            if (parse_duration_arg(a, argv[++i], &go.lease_ms) != 0)
                rc = EXIT_USAGE;
            else if (go.lease_ms < 300) {
                fprintf(stderr, "warroom worker: --lease must be at least 300ms\n");
                rc = EXIT_USAGE;
            }
        } else if (strcmp(a, "--rules") == 0 && has_value) {
            rules_arg = argv[++i];
        } else if (strcmp(a, "--count") == 0 && has_value) {
            char *end;
            errno = 0;
            unsigned long v = strtoul(argv[++i], &end, 10);
            if (errno || *end || v < 1 || v > 1000000) {
                fprintf(stderr, "warroom worker: --count needs a number from 1 to 1000000\n");
                rc = EXIT_USAGE;
            }
            count = (unsigned)v;
        } else {
            fprintf(stderr, "warroom worker: unknown argument '%s' (try --help)\n", a);
            rc = EXIT_USAGE;
        }
        if (rc != EXIT_OK) {
            config_free(&cfg);
            return rc;
        }
    }
    w.interval_s = (double)interval_ms / 1000.;
    if (!join_group && (go.id || go.lease_ms || go.keep_ms[0] || go.keep_ms[1] || go.keep_ms[2])) {
        fprintf(stderr, "warroom worker: --id, --lease and --keep-* need --group\n");
        config_free(&cfg);
        return EXIT_USAGE;
    }
    if (join_group) {
        if (rules_arg || w.exit_after_replay) {
            fprintf(stderr,
                    "warroom worker: --group does not take %s: run the alert rules in a "
                    "worker without --group (it reads the rollups)\n",
                    rules_arg ? "--rules" : "--exit-after-replay");
            config_free(&cfg);
            return EXIT_USAGE;
        }
        go.interval_ms = interval_ms;
        go.duration_ms = duration_ms;
        go.count = count;
        go.quiet = w.quiet;
        go.raw = w.raw;
        rc = worker_group_run(&cfg, &go);
        config_free(&cfg);
        return rc;
    }

    /* the rules first: a broken rule file is a usage error, found before connecting */
    struct rule_set rules = {0};
    char pathbuf[1024];
    const char *rules_path =
        alerts_rules_path(rules_arg ? rules_arg : cfg.rules, pathbuf, sizeof(pathbuf));
    if (rules_path) {
        int lr = alerts_load_rules(rules_path, &rules, err, sizeof(err));
        if (lr != 0) {
            fprintf(stderr, "warroom worker: %s\n", err);
            config_free(&cfg);
            return lr == -1 ? EXIT_FAILURE_GENERIC : EXIT_USAGE;
        }
    }

    /* Resolve, connect once synchronously to read the namespace's meta (and adopt its partition
     * count; never written here: a read-only user or a full Redis must not stop a reader), then
     * hand over to the async connections. */
    struct redisaddr *addr = rsync_address(&cfg, err, sizeof(err));
    if (addr == NULL) {
        fprintf(stderr, "warroom worker: %s\n", err);
        rule_set_free(&rules);
        config_free(&cfg);
        return EXIT_UNREACHABLE;
    }
    struct csync *c = rsync_client(addr, cfg.connect_timeout_ms, err, sizeof(err));
    bool meta_found = false, group = false;
    if (c == NULL ||
        rsync_meta_read(c, cfg.ns, &cfg.partitions, cfg.partitions_set, &meta_found, err,
                        sizeof(err)) != 0 ||
        groupmode_read(c, cfg.ns, &group, err, sizeof(err)) != 0) {
        fprintf(stderr, "warroom worker: %s\n", err);
        rc = c == NULL || csync_error(c)[0] ? EXIT_UNREACHABLE : EXIT_FAILURE_GENERIC;
        csync_free(c);
        redisaddr_free(addr);
        rule_set_free(&rules);
        config_free(&cfg);
        return rc;
    }
    csync_free(c);

    struct series_table_config tc;
    series_table_config_defaults(&tc);
    tc.max_series = cfg.max_series;
    tc.lateness_ms = cfg.lateness_ms;
    tc.data_start_ms = (int64_t)time(NULL) * 1000 - cfg.replay_ms; /* the replay's reach */
    tc.data_retention_ms = cfg.retention_ms;
    /* keep everything the replay brings, plus a minute of slack for stamps ahead of their ID */
    uint64_t keep_s = (uint64_t)(cfg.replay_ms / 1000) + 60;
    if (keep_s > tc.timeline.retention_s)
        tc.timeline.retention_s =
            keep_s > TIMELINE_MAX_RETENTION_S ? TIMELINE_MAX_RETENTION_S : (uint32_t)keep_s;
    char note[256];
    if (config_max_series_check(tc.max_series, series_table_series_min_bytes(&tc), note,
                                sizeof(note)))
        fprintf(stderr, "warroom worker: warning: %s\n", note);
    w.tab = series_table_new(&tc);

    struct reader_config rcfg;
    reader_config_defaults(&rcfg);
    rcfg.ns = cfg.ns;
    rcfg.partitions = cfg.partitions;
    rcfg.replay_ms = cfg.replay_ms;
    rcfg.count = count;
    rcfg.connect_timeout_ms = (unsigned)cfg.connect_timeout_ms;
    rcfg.command_timeout_ms = (unsigned)cfg.command_timeout_ms;
    rcfg.name = "worker";
    rcfg.source = group ? READER_SOURCE_ROLLUPS : READER_SOURCE_EVENTS; /* NS:meta mode */
    w.rollups = group;

    w.loop = ev_default_loop(EVFLAG_AUTO);
    w.rd = reader_new(w.loop, addr, &rcfg, w.tab, on_reader, &w, err, sizeof(err));
    if (w.rd != NULL && rules.count > 0) {
        struct alerts_opts ao = {
            .ns = cfg.ns,
            .room = cfg.room ? cfg.room : CONFIG_DEFAULT_ROOM,
            .nick = cfg.nick ? cfg.nick : "worker",
            .rules = &rules,
            .tab = w.tab,
            .connect_timeout_ms = (unsigned)cfg.connect_timeout_ms,
            .command_timeout_ms = (unsigned)cfg.command_timeout_ms,
            .name = "worker-alerts",
            .notify = on_alerts,
            .privdata = &w,
        };
        w.al = alerts_new(w.loop, addr, &ao, err, sizeof(err));
        if (w.al == NULL) {
            reader_close(w.rd);
            w.rd = NULL;
        }
    }
    redisaddr_free(addr);
    rule_set_free(&rules);
    if (w.rd == NULL) {
        fprintf(stderr, "warroom worker: %s\n", err);
        series_table_free(w.tab);
        config_free(&cfg);
        return EXIT_FAILURE_GENERIC;
    }
    printf("worker: namespace %s, %u partitions, reading %s, replaying the last %.0f s\n", cfg.ns,
           cfg.partitions, reader_source_text(w.rd), (double)cfg.replay_ms / 1000.);
    if (!meta_found)
        printf("worker: nothing in namespace %s yet (no producer has written %s:meta): "
               "waiting for events on %u partitions\n",
               cfg.ns, cfg.ns, cfg.partitions);
    if (w.al)
        printf("worker: alert rules from %s, token %s\n", rules_path, alerts_token(w.al));
    fflush(stdout);

    ev_signal_init(&w.sigint, on_signal, SIGINT);
    ev_signal_init(&w.sigterm, on_signal, SIGTERM);
    w.sigint.data = w.sigterm.data = &w;
    ev_signal_start(w.loop, &w.sigint);
    ev_signal_start(w.loop, &w.sigterm);
    ev_timer_init(&w.status, on_status, w.interval_s, w.interval_s);
    w.status.data = &w;
    ev_timer_start(w.loop, &w.status);
    ev_timer_init(&w.duration, on_duration, (double)duration_ms / 1000., 0.);
    w.duration.data = &w;
    if (duration_ms > 0)
        ev_timer_start(w.loop, &w.duration);
    ev_init(&w.drain, on_drain);
    w.drain.data = &w;
    w.last_t = ev_now(w.loop);

    ev_run(w.loop, 0);

    reader_close(w.rd); /* NULL after a normal stop */
    free(w.unreadable);
    alerts_free(w.al);
    series_table_free(w.tab);
    ev_loop_destroy(w.loop);
    config_free(&cfg);
    return EXIT_OK;
}
