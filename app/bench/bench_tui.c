/* bench_tui.c — `warroom bench tui`: what the interface costs. The real binary runs in a pty
 * (160x48, output drained and discarded) against a private redis-server, next to a headless
 * `warroom worker` doing the same ingest as the baseline:
 *   1. idle, no events: CPU over the measured seconds (the interface should sleep);
 *   2. 100 000 events/s offered by `warroom gen`: CPU, events ingested, frames/s and the
 *      render cost per frame (the interface's own frame timer, read through TUI_STATS_ENV);
 *   3. 10 000 series replayed: peak RSS (VmHWM) and the render cost of a frame over them,
 *      once as shipped and once with the series table ranking every series afresh each frame
 *      (TUI_RANK_UNCACHED_ENV: how it was before its cache), the baseline of the ratio.
 * CPU comes from /proc/PID/stat (utime + stime), memory from /proc/PID/status. */
#define _GNU_SOURCE /* memmem */
#include "app/tui/tui.h"

#include <limits.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "app/bench/benchsrv.h"
#include "app/clock.h"
#include "app/cmd/cmd.h"
#include "core/fmt.h"

#define BT_COLS 160
#define BT_ROWS 48

/* One process under measurement: the interface in a pty, or the worker. */
struct bt_proc {
    pid_t pid;
    int master; /* pty master (interface only), else -1 */
    char stats[PATH_MAX];
    char seen[4096]; /* the tail of the pty output, to see the first frame */
    size_t seen_len;
};

struct bt_stats {
    double frames, render_s, render_max_s, events, series, replay_done;
};

static char self_exe[PATH_MAX];

/* ---------------------------------------------------------------------------------------------
 * Processes
 * ------------------------------------------------------------------------------------------ */

static pid_t spawn_quiet(char *const argv[])
{
    pid_t pid = fork();
    if (pid == 0) {
        FILE *in = freopen("/dev/null", "r", stdin);
        FILE *out = freopen("/dev/null", "w", stdout);
        FILE *err = freopen("/dev/null", "w", stderr);
        (void)in, (void)out, (void)err;
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

/* The interface in a pty; its statistics go to stats_path. uncached: the series table ranks
 * every series afresh each frame (the baseline). */
static int start_tui(struct bt_proc *p, const struct benchsrv *s, const char *ns, bool uncached)
{
    struct winsize ws = {.ws_row = BT_ROWS, .ws_col = BT_COLS};
    memset(p, 0, sizeof(*p));
    snprintf(p->stats, sizeof(p->stats), "%s/tui-%s.stats", s->dir, ns);
    p->pid = forkpty(&p->master, NULL, NULL, &ws);
    if (p->pid < 0)
        return -1;
    if (p->pid == 0) {
        setenv("TERM", "xterm-256color", 1);
        setenv("LANG", "C.UTF-8", 1);
        setenv(TUI_STATS_ENV, p->stats, 1);
        unsetenv("NO_COLOR");
        if (uncached)
            setenv(TUI_RANK_UNCACHED_ENV, "1", 1);
        else
            unsetenv(TUI_RANK_UNCACHED_ENV);
        execl(self_exe, "warroom", "--redis", s->url, "--ns", ns, (char *)NULL);
        _exit(127);
    }
    return 0;
}

static int start_worker(struct bt_proc *p, const struct benchsrv *s, const char *ns)
{
    memset(p, 0, sizeof(*p));
    p->master = -1;
    char *argv[] = {self_exe,       "worker", "--quiet",  "--redis",
                    (char *)s->url, "--ns",   (char *)ns, NULL};
    p->pid = spawn_quiet(argv);
    return p->pid > 0 ? 0 : -1;
}

/* Reads and discards the interface's output for ms milliseconds, so it never blocks on a full
 * pty; keeps the tail to look for text in. */
static void pump(struct bt_proc *p, int ms)
{
    double end = clock_mono_s() + ms / 1000.0;
    for (;;) {
        int left = (int)((end - clock_mono_s()) * 1000);
        if (p->master < 0) {
            if (left > 0)
                usleep((useconds_t)left * 1000);
            return;
        }
        if (left < 0)
            left = 0;
        struct pollfd pf = {p->master, POLLIN, 0};
        if (poll(&pf, 1, left) <= 0)
            return;
        char buf[8192];
        ssize_t n = read(p->master, buf, sizeof(buf));
        if (n <= 0)
            return;
        size_t cap = sizeof(p->seen) - 1, got = (size_t)n;
        if (got >= cap) { /* keep the newest cap bytes */
            memcpy(p->seen, buf + got - cap, cap);
            p->seen_len = cap;
        } else {
            if (p->seen_len + got > cap) {
                size_t drop = p->seen_len + got - cap;
                memmove(p->seen, p->seen + drop, p->seen_len - drop);
                p->seen_len -= drop;
            }
            memcpy(p->seen + p->seen_len, buf, got);
            p->seen_len += got;
        }
        p->seen[p->seen_len] = '\0';
    }
}

/* Stops p and reaps it. The interface's output is drained meanwhile: blocked on a full pty,
 * it would never get back to its loop to see the SIGTERM. */
static void stop_proc(struct bt_proc *p)
{
    if (p->pid > 0) {
        kill(p->pid, SIGTERM);
        double end = clock_mono_s() + 5;
        while (waitpid(p->pid, NULL, WNOHANG) == 0) {
            if (clock_mono_s() > end) {
                kill(p->pid, SIGKILL);
                waitpid(p->pid, NULL, 0);
                break;
            }
            pump(p, 20);
        }
        p->pid = 0;
    }
    if (p->master >= 0)
        close(p->master);
    p->master = -1;
    if (p->stats[0])
        unlink(p->stats);
}

/* Waits (pumping) until the interface has drawn its status line. */
static int wait_drawn(struct bt_proc *p, double timeout_s)
{
    double end = clock_mono_s() + timeout_s;
    while (clock_mono_s() < end) {
        pump(p, 50);
        if (memmem(p->seen, p->seen_len, "partitions", 10))
            return 0;
    }
    return -1;
}

/* CPU time of pid in seconds: the scheduler's nanosecond count (/proc/PID/schedstat) when the
 * kernel keeps it, else utime + stime (clock ticks, 10 ms steps). -1 when pid is gone. */
static double cpu_s(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
    FILE *sf = fopen(path, "r");
    if (sf) {
        unsigned long long ns;
        int got = fscanf(sf, "%llu", &ns);
        fclose(sf);
        if (got == 1 && ns > 0)
            return (double)ns * 1e-9;
    }
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (p == NULL)
        return -1;
    unsigned long long utime = 0, stime = 0;
    /* after ") ": state is field 3; utime and stime are fields 14 and 15 */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
        return -1;
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

/* A "Name:   N kB" line of /proc/PID/status, in bytes, or -1. */
static double status_kb(pid_t pid, const char *name)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    double v = -1;
    size_t len = strlen(name);
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, name, len) == 0 && line[len] == ':') {
            v = strtod(line + len + 1, NULL) * 1024;
            break;
        }
    fclose(f);
    return v;
}

/* Asks the interface for its statistics (SIGUSR1) and reads them. Returns 0 or -1. */
static int tui_stats(struct bt_proc *p, struct bt_stats *st)
{
    unlink(p->stats);
    kill(p->pid, SIGUSR1);
    double end = clock_mono_s() + 3;
    FILE *f = NULL;
    while (clock_mono_s() < end && (f = fopen(p->stats, "r")) == NULL)
        pump(p, 5);
    if (f == NULL)
        return -1;
    memset(st, 0, sizeof(*st));
    char name[32];
    double v;
    while (fscanf(f, "%31s %lf", name, &v) == 2) {
        if (strcmp(name, "frames") == 0)
            st->frames = v;
        else if (strcmp(name, "render_s") == 0)
            st->render_s = v;
        else if (strcmp(name, "render_max_s") == 0)
            st->render_max_s = v;
        else if (strcmp(name, "events") == 0)
            st->events = v;
        else if (strcmp(name, "series") == 0)
            st->series = v;
        else if (strcmp(name, "replay_done") == 0)
            st->replay_done = v;
    }
    fclose(f);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Scenarios
 * ------------------------------------------------------------------------------------------ */

struct bt_result {
    double cpu_pct;      /* of one core */
    double frames_per_s; /* interface only */
    double render_ms;    /* mean per frame */
    double render_max_ms;
    double events_per_s;
    double rss_peak_mb;
    double series;
};

/* CPU (and frames) of p over seconds, pumping its output meanwhile. */
static void measure(struct bt_proc *p, double seconds, struct bt_result *r)
{
    struct bt_stats a = {0}, b = {0};
    bool tui = p->master >= 0;
    if (tui)
        tui_stats(p, &a);
    double c0 = cpu_s(p->pid), t0 = clock_mono_s();
    pump(p, (int)(seconds * 1000));
    double c1 = cpu_s(p->pid), t1 = clock_mono_s();
    if (tui)
        tui_stats(p, &b);
    r->cpu_pct = 100.0 * (c1 - c0) / (t1 - t0);
    if (tui) {
        double frames = b.frames - a.frames;
        r->frames_per_s = frames / (t1 - t0);
        r->render_ms = frames > 0 ? 1000.0 * (b.render_s - a.render_s) / frames : 0;
        r->render_max_ms = 1000.0 * b.render_max_s;
        r->events_per_s = (b.events - a.events) / (t1 - t0);
        r->series = b.series;
    }
}

static int scenario_idle(const struct benchsrv *s, bool tui, double seconds, struct bt_result *r)
{
    struct bt_proc p;
    const char *ns = tui ? "idle-tui" : "idle-worker";
    if ((tui ? start_tui(&p, s, ns, false) : start_worker(&p, s, ns)) != 0)
        return -1;
    if (tui && wait_drawn(&p, 10) != 0) {
        stop_proc(&p);
        return -1;
    }
    pump(&p, 1500); /* start-up done */
    measure(&p, seconds, r);
    stop_proc(&p);
    return 0;
}

/* rate events/s over nseries series into namespace ns, read by the interface (uncached: the
 * baseline ranking) or the worker; measured after the series appeared and the rate settled. */
static int scenario_load(const struct benchsrv *s, const char *ns, bool tui, bool uncached,
                         double seconds, unsigned rate, uint32_t nseries, struct bt_result *r)
{
    struct bt_proc p;
    if ((tui ? start_tui(&p, s, ns, uncached) : start_worker(&p, s, ns)) != 0)
        return -1;
    if (tui && wait_drawn(&p, 10) != 0) {
        stop_proc(&p);
        return -1;
    }
    pump(&p, 500);
    char rate_s[24], dur_s[24], series_s[24];
    snprintf(rate_s, sizeof(rate_s), "%u", rate);
    snprintf(series_s, sizeof(series_s), "%u", nseries);
    double settle_s = 2 + nseries / (double)rate; /* every series seen, then the rate steady */
    snprintf(dur_s, sizeof(dur_s), "%.0fs", seconds + settle_s + 2);
    char *argv[] = {self_exe, "gen",      "--redis", (char *)s->url, "--ns", (char *)ns, "--rate",
                    rate_s,   "--series", series_s,  "--duration",   dur_s,  NULL};
    pid_t gen = spawn_quiet(argv);
    pump(&p, (int)(settle_s * 1000));
    measure(&p, seconds, r);
    waitpid(gen, NULL, 0);
    stop_proc(&p);
    return 0;
}

static int scenario_series(const struct benchsrv *s, bool tui, bool uncached, uint32_t nseries,
                           struct bt_result *r)
{
    const char *ns = !tui ? "mem-worker" : uncached ? "mem-tui-afresh" : "mem-tui";
    char series_s[24], count_s[24];
    snprintf(series_s, sizeof(series_s), "%u", nseries);
    snprintf(count_s, sizeof(count_s), "%u", nseries * 10);
    char *argv[] = {self_exe, "gen",      "--redis", (char *)s->url, "--ns",  (char *)ns, "--rate",
                    "0",      "--series", series_s,  "--count",      count_s, NULL};
    pid_t gen = spawn_quiet(argv);
    waitpid(gen, NULL, 0);
    struct bt_proc p;
    if ((tui ? start_tui(&p, s, ns, uncached) : start_worker(&p, s, ns)) != 0)
        return -1;
    if (tui) {
        struct bt_stats st = {0};
        double end = clock_mono_s() + 30;
        if (wait_drawn(&p, 10) != 0) {
            stop_proc(&p);
            return -1;
        }
        /* the replay brings every series (random picks may leave a few of the K unused) */
        while (clock_mono_s() < end && (tui_stats(&p, &st) != 0 || !st.replay_done))
            pump(&p, 200);
        r->series = st.series;
        measure(&p, 5, r); /* the 1 Hz tick re-ranks all series: its frame cost */
    } else {
        pump(&p, 5000);
        r->series = nseries;
    }
    r->rss_peak_mb = status_kb(p.pid, "VmHWM") / (1024.0 * 1024.0);
    stop_proc(&p);
    return 0;
}

static void print_row(const char *scenario, const char *measure_name, const char *tui,
                      const char *worker)
{
    printf("| %s | %s | %s | %s |\n", scenario, measure_name, tui, worker);
}

int bench_tui(int argc, char **argv)
{
    double seconds = 10;
    unsigned rate = 100000;
    uint32_t nseries = 10000;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            seconds = strtod(argv[++i], NULL);
        else if (strcmp(argv[i], "--rate") == 0 && i + 1 < argc)
            rate = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--series") == 0 && i + 1 < argc)
            nseries = (uint32_t)strtoul(argv[++i], NULL, 10);
        else
            seconds = 0;
    }
    if (seconds <= 0 || rate == 0 || nseries == 0) {
        fprintf(stderr, "usage: warroom bench tui [--seconds S] [--rate N] [--series K]\n");
        return EXIT_USAGE;
    }
    ssize_t k = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
    if (k <= 0) {
        fprintf(stderr, "warroom bench tui: cannot find my own executable\n");
        return EXIT_FAILURE_GENERIC;
    }
    self_exe[k] = '\0';
    signal(SIGPIPE, SIG_IGN);
    struct benchsrv s;
    if (benchsrv_start(&s, "tui") != 0) {
        fprintf(stderr, "warroom bench tui: cannot start redis-server\n");
        return EXIT_FAILURE_GENERIC;
    }
    printf("warroom bench tui: the interface in a %dx%d pty (output drained) against a private\n"
           "redis-server, next to `warroom worker` (the same reader and core, no screen) as the\n"
           "baseline. CPU is the process's CPU time over %.0f s, as %% of one core. The render\n"
           "cost at %u series is also measured with the series table ranking every series afresh\n"
           "each frame (as before its cache) as the baseline of the ratio.\n\n",
           BT_COLS, BT_ROWS, seconds, nseries);
    fflush(stdout);

    struct bt_result ti = {0}, wi = {0}, tl = {0}, wl = {0}, tm = {0}, wm = {0}, tu = {0};
    struct bt_result lc = {0}, lu = {0}; /* live over nseries: as shipped, and the baseline */
    unsigned live_rate = nseries;        /* one event per series per second */
    int fail = 0;
    fail |= scenario_idle(&s, true, seconds, &ti);
    fail |= scenario_idle(&s, false, seconds, &wi);
    fail |= scenario_load(&s, "load-tui", true, false, seconds, rate, 1000, &tl);
    fail |= scenario_load(&s, "load-worker", false, false, seconds, rate, 1000, &wl);
    fail |= scenario_series(&s, true, true, nseries, &tu); /* the baseline first */
    fail |= scenario_series(&s, true, false, nseries, &tm);
    fail |= scenario_series(&s, false, false, nseries, &wm);
    fail |= scenario_load(&s, "live-afresh", true, true, seconds, live_rate, nseries, &lu);
    fail |= scenario_load(&s, "live-tui", true, false, seconds, live_rate, nseries, &lc);
    benchsrv_stop(&s);
    if (fail) {
        fprintf(stderr, "warroom bench tui: a scenario did not run (see above)\n");
        return EXIT_FAILURE_GENERIC;
    }

    char a[64], b[64], sc[96];
    printf("| scenario | measure | interface | worker (baseline) |\n|---|---|---|---|\n");
    snprintf(sc, sizeof(sc), "idle, no events, %.0f s", seconds);
    snprintf(a, sizeof(a), "%.2f %%", ti.cpu_pct);
    snprintf(b, sizeof(b), "%.2f %%", wi.cpu_pct);
    print_row(sc, "CPU", a, b);
    snprintf(a, sizeof(a), "%.1f", ti.frames_per_s);
    print_row(sc, "frames/s", a, "-");
    snprintf(sc, sizeof(sc), "%s events/s offered, %.0f s", fmt_si(rate, b, sizeof(b)), seconds);
    snprintf(a, sizeof(a), "%s/s", fmt_si(tl.events_per_s, b, sizeof(b)));
    print_row(sc, "events ingested", a, "-");
    snprintf(a, sizeof(a), "%.1f %%", tl.cpu_pct);
    snprintf(b, sizeof(b), "%.1f %%", wl.cpu_pct);
    print_row(sc, "CPU", a, b);
    snprintf(a, sizeof(a), "%.1f", tl.frames_per_s);
    print_row(sc, "frames/s", a, "-");
    snprintf(a, sizeof(a), "%.2f ms (max %.1f ms)", tl.render_ms, tl.render_max_ms);
    print_row(sc, "render cost per frame", a, "-");
    snprintf(a, sizeof(a), "%.1f %%", tl.render_ms * tl.frames_per_s / 10.0);
    print_row(sc, "CPU spent rendering", a, "-");
    snprintf(sc, sizeof(sc), "%.0f series replayed", tm.series);
    snprintf(a, sizeof(a), "%.1f MB", tm.rss_peak_mb);
    snprintf(b, sizeof(b), "%.1f MB", wm.rss_peak_mb);
    print_row(sc, "peak RSS", a, b);
    snprintf(a, sizeof(a), "%.2f ms", tm.render_ms);
    print_row(sc, "render cost per frame (1 Hz tick)", a, "-");
    snprintf(a, sizeof(a), "%.2f ms", tu.render_ms);
    print_row(sc, "the same, ranking every series afresh (baseline)", a, "-");
    snprintf(a, sizeof(a), "%.2fx (%.1fx faster)",
             tu.render_ms > 0 ? tm.render_ms / tu.render_ms : 0,
             tm.render_ms > 0 ? tu.render_ms / tm.render_ms : 0);
    print_row(sc, "render cost vs baseline", a, "-");
    snprintf(sc, sizeof(sc), "%.0f series, %s events/s live, %.0f s", lc.series,
             fmt_si(live_rate, b, sizeof(b)), seconds);
    snprintf(a, sizeof(a), "%.1f", lc.frames_per_s);
    print_row(sc, "frames/s", a, "-");
    snprintf(a, sizeof(a), "%.2f ms", lc.render_ms);
    print_row(sc, "render cost per frame", a, "-");
    snprintf(a, sizeof(a), "%.2f ms (%.1f frames/s)", lu.render_ms, lu.frames_per_s);
    print_row(sc, "the same, ranking every series afresh (baseline)", a, "-");
    snprintf(a, sizeof(a), "%.2fx (%.1fx faster)",
             lu.render_ms > 0 ? lc.render_ms / lu.render_ms : 0,
             lc.render_ms > 0 ? lu.render_ms / lc.render_ms : 0);
    print_row(sc, "render cost vs baseline", a, "-");
    return EXIT_OK;
}
