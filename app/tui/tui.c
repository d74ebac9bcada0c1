/* tui.c — the interface's event loop: input (decoded by ui/input), signals, frames, the clock,
 * and the data behind the model (reader, series table, demo generator); the start-up steps that
 * precede the screen are in tui_start.c. Every way out restores the terminal. */
#include "app/tui/tui.h"

#include <inttypes.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "app/clock.h"
#include "app/cmd/cmd.h"
#include "app/config.h"
#include "app/errmsg.h"
#include "app/redis/reader.h"
#include "app/redis/sentinel.h"
#include "app/tui/demo.h"
#include "app/tui/tui_alerts.h"
#include "app/tui/tui_chat.h"
#include "app/tui/tui_dlq.h"
#include "app/tui/tui_workers.h"
#include "app/tui/tui_impl.h"
#include "app/tui/tui_start.h"
#include "core/mem.h"
#include "core/series.h"
#include "ui/model.h"
#include "ui/screen.h"
#include "ui/theme.h"
#include "ui/ui.h"

#define TUI_FRAME_MIN_S 0.05 /* at most 20 frames per second */
#define TUI_RENDER_SHARE 4.0 /* data-driven frames: at least 4 render times apart (<= 25 %) */

/* ---------------------------------------------------------------------------------------------
 * Leaving cleanly, whatever happens
 * ------------------------------------------------------------------------------------------ */

static void on_oom(size_t size_bytes)
{
    screen_end();
    cmd_out_of_memory(size_bytes); /* says so and exits */
}

/* SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT: put the terminal back, then die of the signal as
 * usual (SA_RESETHAND restored the default action). endwin() is not async-signal-safe, but
 * the process is going away and a raw-mode terminal is worse (htop does the same). */
static void on_fatal_signal(int sig)
{
    screen_end();
    raise(sig);
}

static void install_fatal_handlers(void)
{
    static const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_fatal_signal;
    sa.sa_flags = (int)SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        sigaction(sigs[i], &sa, NULL);
}

/* ---------------------------------------------------------------------------------------------
 * Model refresh and frames
 * ------------------------------------------------------------------------------------------ */

static bool has_text(const char *s, const char *what)
{
    return strstr(s, what) != NULL;
}

/* What failed and what to check, while the ingest connection is not up (issue 9.7): shown by
 * the dashboard in place of its empty state, so a dead server never looks like an empty one. */
static void conn_failure_text(struct tui *t, const struct reader_stats *st, struct model_status *s)
{
    char why[200]; /* the server's own words: printable ASCII only on the screen */
    snprintf(why, sizeof(why), "%s", reader_last_error(t->rd));
    for (char *p = why; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
            *p = '?';
    char attempt[48] = "";
    if (st->attempt > 0)
        snprintf(attempt, sizeof(attempt), " (attempt %u, retrying)", st->attempt);
    if (st->state == RCONN_AUTH_FAILED) {
        snprintf(s->conn_error, sizeof(s->conn_error), "%.150s", why);
        if (has_text(why, "DB index"))
            snprintf(s->conn_hint, sizeof(s->conn_hint),
                     "check the database number in --redis or REDIS_URL (redis://host:port/DB)");
        else if (has_text(why, "DENIED"))
            snprintf(s->conn_hint, sizeof(s->conn_hint),
                     "the server is in protected mode: set a password or bind it explicitly");
        else
            snprintf(s->conn_hint, sizeof(s->conn_hint),
                     "check the user and password in --redis or REDIS_URL "
                     "(redis://user:password@host:port)");
        return;
    }
    if (why[0] == '\0') {
        s->conn_error[0] = s->conn_hint[0] = '\0'; /* the first attempt is under way */
        return;
    }
    if (has_text(why, "refused")) {
        snprintf(s->conn_error, sizeof(s->conn_error), "connection refused%s", attempt);
        snprintf(s->conn_hint, sizeof(s->conn_hint),
                 "is redis-server running there? check --redis or REDIS_URL");
    } else if (has_text(why, "timed out")) {
        snprintf(s->conn_error, sizeof(s->conn_error), "no answer: %.100s%s", why, attempt);
        snprintf(s->conn_hint, sizeof(s->conn_hint),
                 "is the host reachable and the port right? check --redis or REDIS_URL and "
                 "--timeout");
    } else {
        snprintf(s->conn_error, sizeof(s->conn_error), "%.120s%s", why, attempt);
        snprintf(s->conn_hint, sizeof(s->conn_hint), "check --redis or REDIS_URL");
    }
}

static void refresh_status(struct tui *t)
{
    struct model_status *s = &t->model.status;
    struct reader_stats st;
    reader_get_stats(t->rd, &st);
    switch (st.state) {
    case RCONN_UP:
        s->conn = MODEL_CONN_UP;
        break;
    case RCONN_CONNECTING:
        s->conn = MODEL_CONN_CONNECTING;
        break;
    case RCONN_AUTH_FAILED:
        s->conn = MODEL_CONN_FAILED;
        break;
    default:
        s->conn = MODEL_CONN_RECONNECTING;
        break;
    }
    reader_state_text(t->rd, s->conn_text, sizeof(s->conn_text));
    reader_unreadable_text(t->rd, s->unreadable, sizeof(s->unreadable));
    char lost[320]; /* events a failover lost: on the same never-dropped part of the line */
    if (reader_lost_text(t->rd, lost, sizeof(lost))[0]) {
        size_t l = strlen(s->unreadable);
        snprintf(s->unreadable + l, sizeof(s->unreadable) - l, "%s%s", l ? "; " : "", lost);
    }
    char roll[400]; /* rollups that failed to decode: never dead-lettered, so said here */
    if (reader_roll_text(t->rd, roll, sizeof(roll))[0]) {
        size_t l = strlen(s->unreadable);
        snprintf(s->unreadable + l, sizeof(s->unreadable) - l, "%s%s", l ? "; " : "", roll);
    }
    int64_t behind = clock_wall_ms() - t->model.now_ms;
    if (t->rollups && behind >= 1500)
        snprintf(s->source, sizeof(s->source), "%s, %.0f s behind", reader_source_text(t->rd),
                 (double)behind / 1000.);
    else
        snprintf(s->source, sizeof(s->source), "%s", reader_source_text(t->rd));
    if (st.state == RCONN_UP) {
        s->conn_error[0] = s->conn_hint[0] = '\0';
    } else {
        conn_failure_text(t, &st, s);
    }
    s->events = st.events;
    s->late = t->tab->stats.late;
    s->rejected =
        st.rejected + st.roll_rejected + t->tab->stats.rejected_cap + t->tab->stats.invalid;
    s->replay_done = st.replay_done;
    s->replay_progress = st.replay_progress;
    if (t->demo)
        snprintf(s->note, sizeof(s->note), "demo %u ev/s", t->demo_rate);
    if (series_table_cap_note(t->tab, "--max-series", s->series_warning,
                              sizeof(s->series_warning)) == 0)
        snprintf(s->series_warning, sizeof(s->series_warning), "%s", t->memory_note);
}

/* The frame's "now". In group mode a second reaches the interface once it has closed (the
 * workers' lateness after its end), so windows end at the newest second the rollups hold: a
 * rate is then not diluted by seconds no rollup has covered yet. A namespace silent for a
 * minute shows the wall clock again. */
#define TUI_ROLLUP_LAG_MAX_MS 60000

static int64_t frame_now_ms(const struct tui *t)
{
    int64_t wall = clock_wall_ms();
    if (!t->rollups || t->tab == NULL || t->tab->max_ts_ms == INT64_MIN)
        return wall;
    int64_t newest = t->tab->max_ts_ms;
    return newest < wall && wall - newest < TUI_ROLLUP_LAG_MAX_MS ? newest : wall;
}

static void draw_frame_now(struct tui *t)
{
    double t0 = clock_mono_s();
    t->model.now_ms = frame_now_ms(t);
    refresh_status(t);
    ui_draw(t->ui);
    double dt = clock_mono_s() - t0;
    t->last_render_s = dt;
    t->urgent = false;
    t->frames++;
    t->render_s += dt;
    if (dt > t->render_max_s)
        t->render_max_s = dt;
    t->last_frame = ev_time();
}

static void on_frame(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    draw_frame_now(w->data);
}

/* Arms the frame timer if something is dirty and no frame is pending: at once when the last
 * frame is older than the frame interval, else when the interval has passed. The interval is
 * 50 ms, stretched for data-driven frames when frames get expensive (a huge table), so that
 * drawing never takes more than a quarter of the time; a key press always gets the 50 ms. */
static void schedule_frame(struct tui *t)
{
    if (!ui_dirty(t->ui))
        return;
    double interval = TUI_FRAME_MIN_S;
    if (!t->urgent && t->last_render_s * TUI_RENDER_SHARE > interval)
        interval = t->last_render_s * TUI_RENDER_SHARE;
    double due = t->last_frame + interval - ev_time();
    if (ev_is_active(&t->frame)) {
        if (!t->urgent || ev_timer_remaining(t->loop, &t->frame) <= (due > 0 ? due : 0.))
            return;
        ev_timer_stop(t->loop, &t->frame); /* a key press: bring the frame forward */
    }
    ev_timer_set(&t->frame, due > 0 ? due : 0., 0.);
    ev_timer_start(t->loop, &t->frame);
}

/* The alerts panel's rows changed. */
static void on_alerts_changed(void *privdata)
{
    struct tui *t = privdata;
    if (t->ui == NULL)
        return;
    ui_mark(t->ui, UI_DIRTY_ALERTS);
    schedule_frame(t);
}

/* The dead-letter or workers view's data came (or a read started). */
static void on_view_data(void *privdata)
{
    struct tui *t = privdata;
    if (t->ui == NULL)
        return;
    ui_mark(t->ui, UI_DIRTY_DATA);
    schedule_frame(t);
}

/* Enter on an alert: its series' detail view. */
static void on_alerts_open(void *privdata, const struct series *s)
{
    struct tui *t = privdata;
    ui_open_detail(t->ui, s);
}

static void on_alerts_timeline(void *privdata)
{
    struct tui *t = privdata;
    ui_open_timeline(t->ui);
}

static void quit_now(void *privdata)
{
    struct tui *t = privdata;
    ev_break(t->loop, EVBREAK_ALL);
}

/* Leaves: first the chat room (its part message goes out, bounded by TUI_CHAT_LEAVE_MS), then
 * the loop. A second quit (impatient Ctrl-C) leaves at once. */
static void quit(struct tui *t)
{
    if (t->chat && !t->quitting) {
        t->quitting = true;
        tui_chat_leave(t->chat, quit_now, t);
        return;
    }
    quit_now(t);
}

/* The chat pane changed. */
static void on_chat_changed(void *privdata)
{
    struct tui *t = privdata;
    if (t->ui == NULL)
        return;
    ui_mark(t->ui, UI_DIRTY_CHAT);
    schedule_frame(t);
}

/* /quit in the chat: the room was left. */
static void on_chat_quit(void *privdata)
{
    struct tui *t = privdata;
    t->quitting = true;
    quit_now(t);
}

/* /commands the chat does not know go to the alerts feature (/ack, /silence, ...). */
static bool on_chat_command(void *privdata, const char *line, const char *who, char *reply,
                            size_t cap, bool *error)
{
    struct tui *t = privdata;
    return t->alerts && tui_alerts_command(t->alerts, line, who, reply, cap, error);
}

/* ---------------------------------------------------------------------------------------------
 * Watchers
 * ------------------------------------------------------------------------------------------ */

static void relayout(struct tui *t)
{
    ui_relayout(t->ui);
    t->urgent = true;
    schedule_frame(t);
}

/* The terminal has input: keys, a paste or mouse events, decoded by the ui. */
static void on_input(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    (void)revents;
    struct tui *t = w->data;
    unsigned res = ui_feed(t->ui);
    if (res & UI_CHANGED) {
        t->urgent = true;
        schedule_frame(t);
    }
    if (res & UI_EOF)
        quit_now(t);
    else if (res & UI_QUIT)
        quit(t);
}

static void on_winch(struct ev_loop *loop, ev_signal *w, int revents)
{
    (void)loop;
    (void)revents;
    struct tui *t = w->data;
    if (screen_update_size())
        relayout(t);
}

static void on_quit_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
    (void)loop;
    (void)revents;
    quit(w->data);
}

static void write_stats(struct tui *t)
{
    if (t->stats_path == NULL)
        return;
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s.tmp", t->stats_path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        return;
    struct reader_stats st;
    reader_get_stats(t->rd, &st);
    fprintf(f,
            "frames %" PRIu64 "\nrender_s %.6f\nrender_max_s %.6f\nevents %" PRIu64
            "\nseries %u\nreplay_done %d\n",
            t->frames, t->render_s, t->render_max_s, st.events, t->tab->count,
            st.replay_done ? 1 : 0);
    fclose(f);
    rename(tmp, t->stats_path); /* readers never see a half-written file */
}

static void on_usr1(struct ev_loop *loop, ev_signal *w, int revents)
{
    (void)loop;
    (void)revents;
    write_stats(w->data);
}

/* Once a second, on the second: the clock, events/s, and the windows move on. */
/* The address on the status line; behind Sentinel, the master it named and the last failover
 * followed ("mymaster at 10.0.0.2:6379, failover followed 12:03:44"). */
static void status_addr(struct tui *t)
{
    struct model_status *s = &t->model.status;
    if (t->addr->sentinel)
        sentinel_describe(t->addr->sentinel, s->addr, sizeof(s->addr));
    else
        snprintf(s->addr, sizeof(s->addr), "%s", t->addr->display);
}

static void on_tick(struct ev_loop *loop, ev_periodic *w, int revents)
{
    (void)revents;
    struct tui *t = w->data;
    struct reader_stats st;
    reader_get_stats(t->rd, &st);
    double now = ev_now(loop), dt = now - t->last_events_t;
    if (dt > 0.2) {
        t->model.status.events_per_s = (double)(st.events - t->last_events) / dt;
        t->last_events = st.events;
        t->last_events_t = now;
    }
    status_addr(t);
    tui_workers_tick(t->workers, clock_wall_ms());
    ui_mark(t->ui, t->model.paused ? UI_DIRTY_STATUS : UI_DIRTY_DATA | UI_DIRTY_STATUS);
    schedule_frame(t);
}

static void on_reader(struct reader *rd, enum reader_event e, void *privdata)
{
    struct tui *t = privdata;
    if (e == READER_CONN_STATE) {
        struct reader_stats st;
        reader_get_stats(rd, &st);
        if (st.state == RCONN_UP)
            t->connected = true; /* for the exit code: Redis answered during the session */
    }
    /* rules are evaluated over complete windows only; the demo's, once its first events are
     * in (an empty table at the first evaluation would read as every series absent) */
    if (e == READER_REPLAY_DONE || (e == READER_DATA && t->demo)) {
        struct reader_stats st;
        reader_get_stats(rd, &st);
        if (st.replay_done && (!t->demo || t->tab->count > 0))
            tui_alerts_ready(t->alerts);
    }
    if (e == READER_DATA) {
        t->model.version++;
        ui_mark(t->ui, t->model.paused ? UI_DIRTY_STATUS : UI_DIRTY_DATA | UI_DIRTY_STATUS);
    } else {
        ui_mark(t->ui, UI_DIRTY_STATUS | (t->model.paused ? 0 : UI_DIRTY_DATA));
    }
    schedule_frame(t);
}

/* ---------------------------------------------------------------------------------------------
 * Start-up
 * ------------------------------------------------------------------------------------------ */

static void close_all(struct tui *t)
{
    tui_alerts_free(t->alerts); /* first: it may release the lease through t->addr */
    t->alerts = NULL;
    tui_chat_free(t->chat);
    t->chat = NULL;
    tui_dlq_free(t->dlq); /* before the reader: it reads on the reader's connection */
    tui_workers_free(t->workers);
    t->workers = NULL;
    t->dlq = NULL;
    ui_free(t->ui);
    t->ui = NULL;
    screen_free();
    demo_gen_free(t->demo);
    reader_close(t->rd);
    series_table_free(t->tab);
    redisaddr_free(t->addr);
    config_free(&t->cfg);
    if (t->loop)
        ev_loop_destroy(t->loop);
    mem_set_oom_handler(cmd_out_of_memory); /* the terminal is back: main's handler again */
}

int tui_main(int argc, char **argv, bool demo)
{
    setlocale(LC_ALL, "");
    struct tui t;
    memset(&t, 0, sizeof(t));
    char err[512];
    if (config_load(&t.cfg, &argc, argv, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s%s\n", errmsg_prefix(), err);
        return EXIT_USAGE;
    }
    int rc = tui_start_args(&t, argc, argv, &demo);
    if (rc != 0) {
        config_free(&t.cfg);
        return rc < 0 ? EXIT_OK : rc;
    }

    /* everything that can fail with a plain message fails before the screen is taken */
    struct theme theme;
    char dir_buf[5][PATH_MAX];
    const char *dirs[6];
    tui_start_theme_dirs(dir_buf, dirs);
    if (theme_find(t.cfg.theme ? t.cfg.theme : "dark", dirs, &theme, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s%s\n", errmsg_prefix(), err);
        config_free(&t.cfg);
        return EXIT_USAGE;
    }
    char rules_buf[PATH_MAX];
    const char *rules_path = tui_start_rules_path(t.cfg.rules, demo, rules_buf, sizeof(rules_buf));
    if (rules_path) { /* a broken rule file is reported before the screen is taken */
        struct rule_set rs;
        int lr = alerts_load_rules(rules_path, &rs, err, sizeof(err));
        if (lr != 0) {
            fprintf(stderr, "%s%s\n", errmsg_prefix(), err);
            config_free(&t.cfg);
            return lr == -2 ? EXIT_USAGE : EXIT_FAILURE_GENERIC;
        }
        rule_set_free(&rs);
    }
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fprintf(stderr,
                "%sthe interface needs a terminal; for scripts use "
                "'warroom query', 'warroom worker' or 'warroom demo --plain'\n",
                errmsg_prefix());
        config_free(&t.cfg);
        return EXIT_USAGE;
    }
    const char *codeset = nl_langinfo(CODESET);
    bool utf8 = codeset && (strcmp(codeset, "UTF-8") == 0 || strcmp(codeset, "utf8") == 0);

    t.loop = ev_default_loop(EVFLAG_AUTO);
    rc = tui_start_data(&t, demo, clock_wall_ms(), on_reader);
    if (rc != 0) {
        close_all(&t);
        return rc;
    }
    if (demo) {
        struct demo_gen_opts go = {
            .ns = t.cfg.ns,
            .partitions = t.cfg.partitions,
            .rate = t.demo_rate,
            .series = t.demo_series,
            .retention_ms = t.cfg.retention_ms,
        };
        t.demo_rate = t.demo_rate ? t.demo_rate : DEMO_DEFAULT_RATE;
        t.demo = demo_gen_new(t.loop, t.addr, &go);
    }
    t.stats_path = getenv(TUI_STATS_ENV);

    /* Our signal watchers go in before curses starts, so curses does not install its own
     * SIGWINCH/SIGINT/SIGTERM handlers (it leaves a signal alone that already has one). */
    ev_signal_init(&t.sigwinch, on_winch, SIGWINCH);
    ev_signal_init(&t.sigint, on_quit_signal, SIGINT);
    ev_signal_init(&t.sigterm, on_quit_signal, SIGTERM);
    ev_signal_init(&t.sighup, on_quit_signal, SIGHUP);
    ev_signal_init(&t.sigusr1, on_usr1, SIGUSR1);
    t.sigwinch.data = t.sigint.data = t.sigterm.data = t.sighup.data = t.sigusr1.data = &t;
    ev_signal_start(t.loop, &t.sigwinch);
    ev_signal_start(t.loop, &t.sigint);
    ev_signal_start(t.loop, &t.sigterm);
    ev_signal_start(t.loop, &t.sighup);
    ev_signal_start(t.loop, &t.sigusr1);
    mem_set_oom_handler(on_oom);
    install_fatal_handlers();

    struct screen_opts so = {
        .color = !t.cfg.no_color,
        .ascii = t.cfg.ascii || !utf8,
        .mouse = t.cfg.mouse,
        .theme = &theme,
    };
    if (screen_init(&so, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s%s\n", errmsg_prefix(), err);
        close_all(&t);
        return EXIT_FAILURE_GENERIC;
    }
    model_init(&t.model, t.tab);
    t.model.rank_uncached = getenv(TUI_RANK_UNCACHED_ENV) != NULL;
    struct model_status *s = &t.model.status;
    if (t.addr->sentinel)
        sentinel_set_log(t.addr->sentinel, NULL); /* stderr is under the screen: use the bar */
    status_addr(&t);
    snprintf(s->ns, sizeof(s->ns), "%s", t.cfg.ns);
    s->partitions = t.cfg.partitions;
    t.model.now_ms = clock_wall_ms();
    t.model.themes = t.themes;
    t.model.nthemes =
        tui_start_themes(&theme, dirs, t.themes, sizeof(t.themes) / sizeof(t.themes[0]));
    t.ui = ui_new(&t.model);
    struct tui_source views_src = {
        reader_command_conn(t.rd), t.cfg.ns, t.cfg.partitions, &t.model, on_view_data, &t};
    t.dlq = tui_dlq_new(&views_src);
    t.workers = tui_workers_new(&views_src);
    struct tui_alerts_opts ao = {
        .cfg = &t.cfg,
        .rules_path = rules_path,
        .model = &t.model,
        .tab = t.tab,
        .changed = on_alerts_changed,
        .open_series = on_alerts_open,
        .open_timeline = on_alerts_timeline,
        .privdata = &t,
    };
    bool rules_usage;
    t.alerts = tui_alerts_new(t.loop, t.addr, &ao, &rules_usage, err, sizeof(err));
    struct tui_chat_opts co = {
        .cfg = &t.cfg,
        .quiet = t.quiet,
        .model = &t.model,
        .changed = on_chat_changed,
        .quit = on_chat_quit,
        .command = on_chat_command,
        .privdata = &t,
    };
    t.chat = tui_chat_new(t.loop, t.addr, &co, err, sizeof(err));
    if (t.chat == NULL) { /* the nick and room were checked with the config: unexpected */
        close_all(&t);
        fprintf(stderr, "%scannot join the chat: %s\n", errmsg_prefix(), err);
        return EXIT_USAGE;
    }
    if (t.chat_focus)
        ui_focus(t.ui, LAYOUT_CHAT);
    screen_set_paste(true);

    ev_io_init(&t.input, on_input, STDIN_FILENO, EV_READ);
    t.input.data = &t;
    ev_io_start(t.loop, &t.input);
    ev_init(&t.frame, on_frame);
    t.frame.data = &t;
    ev_periodic_init(&t.tick, on_tick, 0., 1., NULL);
    t.tick.data = &t;
    ev_periodic_start(t.loop, &t.tick);
    t.last_events_t = ev_now(t.loop);

    draw_frame_now(&t);
    ev_run(t.loop, 0);

    /* never reached Redis: a script (or a person reading $?) must not take it for a quiet
     * system; what failed was on the screen */
    rc = t.connected ? EXIT_OK : EXIT_UNREACHABLE;
    char why[512] = "";
    if (!t.connected)
        snprintf(why, sizeof(why), "%snever reached Redis at %s: %s\n", errmsg_prefix(),
                 t.addr->display,
                 t.model.status.conn_error[0] ? t.model.status.conn_error : "no answer");
    close_all(&t);
    fputs(why, stderr); /* after the screen is gone, so it stays readable */
    return rc;
}

int cmd_tui(int argc, char **argv)
{
    return tui_main(argc, argv, false);
}
