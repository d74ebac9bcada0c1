/* cmd_query.c — `warroom query`: a one-shot answer in the query language (docs/query.md) over
 * the last window of events, or over a range of epoch-aligned windows, or as sessions: events
 * read with XRANGE from every partition into a fresh series table, evaluated by core/query and
 * printed by query_out as a table, CSV or JSON. Synchronous: no event loop, nothing kept. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "app/clock.h"
#include "app/cmd/cmd.h"
#include "app/cmd/query_out.h"
#include "app/cmd/query_read.h"
#include "app/config.h"
#include "app/redis/groupmode.h"
#include "app/redis/rsync.h"
#include "core/duration.h"
#include "core/errbuf.h"
#include "core/event.h"
#include "core/mem.h"
#include "core/partition.h"
#include "core/query.h"
#include "core/rule.h"
#include "core/select.h"
#include "core/series.h"
#include "core/window.h"

#define QUERY_DEFAULT_WINDOW_MS 60000
#define QUERY_ALL_FINE_MAX_S 118 /* windows up to this many seconds sit in 1-s slots only */
#define QUERY_COARSE_SLOTS 64    /* longer windows: about this many coarse slots per series */
#define QUERY_MAX_WINDOWS 100000 /* range queries: windows per query */

static const char query_help[] =
    "usage: warroom query [--window DUR] [--json | --csv] [--sort COLUMN] [--asc] [--limit N]\n"
    "                     [--range DUR --step DUR [--width DUR] | --session-gap DUR] [EXPR]\n\n"
    "Reads the last DUR of events (default 1m) from every partition stream and answers EXPR,\n"
    "an expression of the query language (docs/query.md), the one alert rules use:\n"
    "  SELECTOR                 one row per series: count, rate, sum, min, max, avg, stddev,\n"
    "                           p50, p90, p95, p99, p999 (metric{label=value,label=~regex},\n"
    "                           '*', ~text for keys containing text)\n"
    "  AGG(SELECTOR) [by (LABELS)] [over DUR] [OP NUMBER]\n"
    "                           one row per series, or per group of LABELS merged exactly;\n"
    "                           AGG: count rate sum avg min max first last range std.p std.s\n"
    "                           var.p var.s increase p50 ... p99.9 quantile(Q, SELECTOR) absent\n"
    "The window holds events whose own timestamp lies in [now - DUR, now].\n"
    "  --window DUR       window length: 30s, 5m, 1h (default 1m; or `over DUR` in EXPR)\n"
    "  --json, --csv      JSON (one object) or CSV (a header line, then one line per row)\n"
    "  --sort COLUMN      key or any aggregation (default: count, or EXPR's aggregation;\n"
    "                     largest first, key A..Z); --asc reverses the order\n"
    "  --limit N          print at most N rows (default: all)\n"
    "  --range DUR --step DUR [--width DUR]\n"
    "                     one row per window and series or group: windows of --width (or\n"
    "                     `over DUR`; default --step: tumbling) starting every --step on\n"
    "                     multiples of it since the epoch, from the one holding now - DUR to\n"
    "                     the one holding now; empty and unfinished windows included\n"
    "  --session-gap DUR  one row per session of each series over --range (default --window):\n"
    "                     runs of events with less than DUR of silence between them\n\n"
    "exit codes: 0 ok (also when nothing matches), 1 failure (also when a partition cannot\n"
    "            be read: the rows of the others are printed, the error names it),\n"
    "            2 usage or bad expression, 4 Redis unreachable\n\n";

const struct cmd_entry cmd_query_entry = {
    .name = "query",
    .usage = "[--window DUR] [--json|--csv] [--range DUR --step DUR] [EXPR]",
    .summary = "answer an expression over the last window or a range (see docs/query.md)",
    .help = query_help,
    .common_options = true,
    .run = cmd_query,
};

struct query_opts {
    int64_t window_ms;
    bool window_given;
    enum query_format format;
    bool sort_given, sort_key;
    enum rule_agg sort_agg;
    double sort_q;
    bool ascending;
    size_t limit; /* 0: all */
    const char *expr;
    int64_t range_ms, step_ms, width_ms, gap_ms; /* 0: not given */
};

/* A duration option's value (whole seconds, at least 1 s). Returns 0 or EXIT_USAGE. */
static int duration_opt(const char *opt, const char *v, int64_t *out)
{
    if (duration_parse_ms(v, strlen(v), out) != 0 || *out < 1000 || *out % 1000 != 0 ||
        *out > (int64_t)TIMELINE_MAX_RETENTION_S / 4 * 1000) {
        fprintf(stderr,
                "warroom query: %s needs a duration of whole seconds (30s, 5m, 1h), not "
                "'%s'\n",
                opt, v);
        return EXIT_USAGE;
    }
    return 0;
}

/* --sort COLUMN: key, mean, or any aggregation name (not quantile(...) or absent). */
static int sort_opt(const char *v, struct query_opts *o)
{
    o->sort_given = true;
    if (strcmp(v, "key") == 0) {
        o->sort_key = true;
        return 0;
    }
    if (strcmp(v, "mean") == 0)
        v = "avg";
    if (rule_agg_parse(v, strlen(v), &o->sort_agg, &o->sort_q) != 0 ||
        o->sort_agg == RULE_AGG_ABSENT || (o->sort_agg == RULE_AGG_QUANTILE && isnan(o->sort_q))) {
        fprintf(stderr,
                "warroom query: unknown column '%s' for --sort; one of: key rate count sum avg "
                "min max first last range std.p std.s var.p var.s increase p50 p90 p95 p99 p999 "
                "(or any pNN, e.g. p75)\n",
                v);
        return EXIT_USAGE;
    }
    return 0;
}

/* Parses the command's own options (the common ones are gone). Returns 0, or an exit code. */
static int parse_args(int argc, char **argv, struct query_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int rc = 0;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            cmd_print_help(&cmd_query_entry, stdout);
            return -1;
        } else if (strcmp(a, "--json") == 0 || strcmp(a, "--csv") == 0) {
            if (o->format != QUERY_TABLE) {
                fprintf(stderr, "warroom query: one of --json and --csv\n");
                return EXIT_USAGE;
            }
            o->format = a[2] == 'j' ? QUERY_JSON : QUERY_CSV;
        } else if (strcmp(a, "--asc") == 0) {
            o->ascending = true;
        } else if (strcmp(a, "--sort") == 0 || strcmp(a, "--limit") == 0 ||
                   strcmp(a, "--range") == 0 || strcmp(a, "--step") == 0 ||
                   strcmp(a, "--width") == 0 || strcmp(a, "--session-gap") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "warroom query: %s needs a value\n", a);
                return EXIT_USAGE;
            }
            const char *v = argv[++i];
            if (strcmp(a, "--sort") == 0) {
                rc = sort_opt(v, o);
            } else if (strcmp(a, "--limit") == 0) {
                char *end;
                errno = 0;
                unsigned long long n = strtoull(v, &end, 10);
                if (errno || *end || end == v || v[0] == '-') {
                    fprintf(stderr, "warroom query: --limit needs a number, not '%s'\n", v);
                    return EXIT_USAGE;
                }
                o->limit = (size_t)n;
            } else {
                int64_t *dst = a[2] == 'r'   ? &o->range_ms
                               : a[3] == 't' ? &o->step_ms
                               : a[2] == 'w' ? &o->width_ms
                                             : &o->gap_ms;
                rc = duration_opt(a, v, dst);
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "warroom query: unknown option '%s' (try --help)\n", a);
            return EXIT_USAGE;
        } else if (o->expr) {
            fprintf(stderr,
                    "warroom query: one expression only ('%s' and '%s'; quote an expression "
                    "with blanks)\n",
                    o->expr, a);
            return EXIT_USAGE;
        } else {
            o->expr = a;
        }
        if (rc)
            return rc;
    }
    if ((o->step_ms && !o->range_ms) || (o->range_ms && !o->step_ms && !o->gap_ms)) {
        fprintf(stderr, "warroom query: --range and --step go together (--session-gap takes "
                        "--range alone)\n");
        return EXIT_USAGE;
    }
    if (o->width_ms && !o->step_ms) {
        fprintf(stderr, "warroom query: --width needs --range and --step\n");
        return EXIT_USAGE;
    }
    if (o->gap_ms && o->step_ms) {
        fprintf(stderr, "warroom query: --session-gap and --step exclude each other\n");
        return EXIT_USAGE;
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * The command
 * ------------------------------------------------------------------------------------------ */

/* Slots for a window of window_s seconds: exact whatever the tier, since events outside the
 * window never enter the table, so only memory depends on this. Short windows live in 1-s slots
 * alone; longer ones keep 2 minutes of 1-s slots and about QUERY_COARSE_SLOTS coarse ones. */
static void table_config(int64_t window_ms, struct series_table_config *tc)
{
    uint32_t w = (uint32_t)((window_ms + 999) / 1000);
    series_table_config_defaults(tc);
    if (w <= QUERY_ALL_FINE_MAX_S) {
        /* event seconds lie in [now_s - w - 1, now_s]: fine slots (H - F, H] hold them all */
        tc->timeline.fine_slots = w + 2;
        tc->timeline.coarse_s = 10;
        tc->timeline.retention_s = w + 2;
        return;
    }
    uint32_t coarse = (w + 2 + QUERY_COARSE_SLOTS - 1) / QUERY_COARSE_SLOTS;
    tc->timeline.fine_slots = QUERY_ALL_FINE_MAX_S + 2;
    tc->timeline.coarse_s = coarse;
    tc->timeline.retention_s = w + 2 * coarse + 2;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

static uint32_t gcd_u32(uint32_t a, uint32_t b)
{
    while (b) {
        uint32_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* What a query reads and the windows it reports: filled in by plan(). */
struct plan {
    enum query_mode mode;
    int64_t lo_ms, hi_ms; /* events whose time lies in [lo_ms, hi_ms] are read */
    struct series_table_config tc;
    struct query_window *windows; /* INSTANT: one that holds every slot; RANGE: the windows */
    size_t nwindows;
    double *covered_s; /* per window (INSTANT: one) */
};

static int plan(const struct query_opts *o, const struct config *cfg, int64_t now_ms,
                struct plan *p)
{
    int64_t data_from = cfg->retention_ms > 0 ? now_ms - cfg->retention_ms : INT64_MIN;
    int64_t now_s = floor_div(now_ms, 1000);
    p->hi_ms = now_ms;
    if (o->step_ms) {
        int64_t step_s = o->step_ms / 1000,
                width_s = (o->width_ms ? o->width_ms : o->step_ms) / 1000;
        int64_t first_s = floor_div(floor_div(now_ms - o->range_ms, 1000), step_s) * step_s;
        int64_t last_s = floor_div(now_s, step_s) * step_s;
        size_t n = (size_t)((last_s - first_s) / step_s + 1);
        if (n > QUERY_MAX_WINDOWS || now_s - first_s + width_s > TIMELINE_MAX_RETENTION_S / 2) {
            fprintf(stderr, "warroom query: --range / --step make %zu windows (at most %d)\n", n,
                    QUERY_MAX_WINDOWS);
            return EXIT_USAGE;
        }
        p->mode = QUERY_RANGE;
        p->lo_ms = first_s * 1000;
        query_table_config(&p->tc, (uint32_t)(now_s - first_s + 1),
                           gcd_u32((uint32_t)step_s, (uint32_t)width_s));
        p->nwindows = n;
        p->windows = xcalloc(n, sizeof *p->windows);
        p->covered_s = xcalloc(n, sizeof *p->covered_s);
        for (size_t k = 0; k < n; k++) {
            int64_t a = first_s + (int64_t)k * step_s;
            p->windows[k] = (struct query_window){a, a + width_s};
            p->covered_s[k] = window_covered_s(a * 1000, (a + width_s) * 1000, data_from, now_ms);
        }
        return 0;
    }
    int64_t span_ms = o->gap_ms && o->range_ms ? o->range_ms : o->window_ms;
    p->mode = o->gap_ms ? QUERY_SESSIONS : QUERY_INSTANT;
    p->lo_ms = now_ms - span_ms;
    if (o->gap_ms)
        query_table_config(&p->tc, (uint32_t)(span_ms / 1000 + 2), 1);
    else
        table_config(span_ms, &p->tc);
    p->nwindows = 1;
    p->windows = xcalloc(1, sizeof *p->windows);
    p->covered_s = xcalloc(1, sizeof *p->covered_s);
    /* every slot of the table: it only holds events of the window */
    p->windows[0] = (struct query_window){INT64_MIN / 4, INT64_MAX / 4};
    /* producers trim the streams to --retention: a longer window cannot be full */
    int64_t covered_ms =
        cfg->retention_ms > 0 && cfg->retention_ms < span_ms ? cfg->retention_ms : span_ms;
    p->covered_s[0] = (double)covered_ms / 1000.;
    return 0;
}

static const struct query_col bare_cols[] = {
    {"count", RULE_AGG_COUNT, NAN},   {"rate", RULE_AGG_RATE, NAN}, {"sum", RULE_AGG_SUM, NAN},
    {"min", RULE_AGG_MIN, NAN},       {"max", RULE_AGG_MAX, NAN},   {"avg", RULE_AGG_AVG, NAN},
    {"stddev", RULE_AGG_STDDEV, NAN}, {"p50", RULE_AGG_P50, 0.5},   {"p90", RULE_AGG_P90, 0.9},
    {"p95", RULE_AGG_P95, 0.95},      {"p99", RULE_AGG_P99, 0.99},  {"p999", RULE_AGG_P999, 0.999},
};
static const struct query_col bare_json_extra[] = {
    {"first", RULE_AGG_FIRST, NAN},       {"last", RULE_AGG_LAST, NAN},
    {"range", RULE_AGG_RANGE, NAN},       {"std.s", RULE_AGG_STD_S, NAN},
    {"var.p", RULE_AGG_VAR_P, NAN},       {"var.s", RULE_AGG_VAR_S, NAN},
    {"increase", RULE_AGG_INCREASE, NAN},
};

/* The expression, or a usage error with a caret under the column. */
static int parse_expression(const char *text, struct rule_expr *e)
{
    char err[512];
    size_t col = 0;
    if (rule_expr_parse_query(text, strlen(text), e, &col, err, sizeof err) == 0)
        return 0;
    fprintf(stderr, "warroom query: bad expression at column %zu: %s\n  %s\n  %*s^\n", col, err,
            text, (int)(col > 0 ? col - 1 : 0), "");
    return EXIT_USAGE;
}

/* `query eu` reads eu as a metric, as rules do; when no such metric exists, say what would
 * match it as a substring. */
static void bare_word_hint(const struct rule_expr *e, const struct series_table *tab)
{
    if (!e->bare || !e->sel->metric || e->sel->nmatchers != 0)
        return;
    size_t n = 0;
    for (uint32_t i = 0; i < tab->count; i++)
        n += select_substring_match(tab->items[i]->key, e->sel->metric);
    if (n > 0)
        fprintf(stderr,
                "warroom query: no metric is named '%s'; %zu series keys contain it: "
                "warroom query '~%s'\n",
                e->sel->metric, n, e->sel->metric);
}

static void print_notes(const struct query_opts *o, const struct qread_stats *res, size_t printed,
                        size_t rows, const char *ns)
{
    char wbuf[32];
    duration_format(o->window_ms, wbuf, sizeof(wbuf));
    if (rows == 0)
        printf("(no series matched in the last %s)\n", wbuf);
    else if (o->limit && printed == o->limit && printed < rows)
        printf("(%zu of %zu series shown)\n", printed, rows);
    if (res->rejected)
        printf("(%" PRIu64 " invalid entries in the window; workers copy each to the dead "
               "letters of its partition, %s:dlq:{p0} ... %s:dlq:{p%u}: redis-cli XRANGE "
               "'%s:dlq:{p0}' - +)\n",
               res->rejected, ns, ns, res->partitions ? res->partitions - 1 : 0, ns);
    if (res->covered_s * 1000 < (double)o->window_ms) {
        char cbuf[32];
        duration_format((int64_t)(res->covered_s * 1000), cbuf, sizeof(cbuf));
        printf("(streams keep %s (--retention): only that much of the %s window can hold "
               "events; rates are per second of it)\n",
               cbuf, wbuf);
    }
    if (res->nunreadable)
        printf("(%zu of %u partitions unreadable, see the error: the rows cover the others)\n",
               res->nunreadable, res->partitions);
}

/* A range reaching past what the streams keep: says from when on rows can hold events (under
 * the table, or on stderr so CSV and JSON stay parseable), never leaving empty rows unexplained. */
static void past_retention_note(const struct query_opts *o, const struct config *cfg,
                                const struct plan *p, int64_t now_ms)
{
    if (cfg->retention_ms <= 0 || p->lo_ms >= now_ms - cfg->retention_ms)
        return;
    char kbuf[32], tbuf[32];
    duration_format(cfg->retention_ms, kbuf, sizeof(kbuf));
    query_out_utc_time(now_ms - cfg->retention_ms, tbuf, sizeof(tbuf));
    FILE *to = o->format == QUERY_TABLE ? stdout : stderr;
    fprintf(to, "%sthe streams keep %s (--retention): nothing before %s can be counted%s\n",
            to == stdout ? "(" : "warroom query: note: ", kbuf, tbuf, to == stdout ? ")" : "");
}

/* Group mode: which source answered, as the retention note does (under the table, or on
 * stderr so CSV and JSON stay parseable); rollups that did not decode always on stderr. */
static void source_note(const struct query_opts *o, const struct qread_stats *res,
                        uint32_t period_ms)
{
    char pbuf[32];
    duration_format(period_ms, pbuf, sizeof(pbuf));
    FILE *to = o->format == QUERY_TABLE ? stdout : stderr;
    fprintf(to,
            "%ssource: %s (group mode): %" PRIu64 " series periods of %s starting in the window,"
            " %" PRIu64 " events%s\n",
            to == stdout ? "(" : "warroom query: note: ", res->source, res->rollups, pbuf,
            res->events, to == stdout ? ")" : "");
    if (res->roll_rejected)
        fprintf(stderr, "warroom query: %" PRIu64 " rollup%s rejected (last: %s)\n",
                res->roll_rejected, res->roll_rejected == 1 ? "" : "s", res->roll_error);
}

/* The JSON object around the rows. */
static int print_json_doc(const struct query_out *qo, const struct qread_stats *res,
                          const struct series_table *tab, size_t *printed)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "query", qo->expr);
    cJSON_AddStringToObject(root, "mode",
                            qo->mode == QUERY_RANGE      ? "range"
                            : qo->mode == QUERY_SESSIONS ? "sessions"
                                                         : "instant");
    cJSON_AddNumberToObject(root, "window_s", (double)qo->window_ms / 1000.);
    cJSON_AddNumberToObject(root, "covered_s", res->covered_s);
    cJSON_AddNumberToObject(root, "now_ms", (double)res->now_ms);
    if (qo->mode == QUERY_RANGE) {
        cJSON_AddNumberToObject(root, "step_s", (double)qo->step_ms / 1000.);
        cJSON_AddNumberToObject(root, "width_s", (double)qo->width_ms / 1000.);
    } else if (qo->mode == QUERY_SESSIONS) {
        cJSON_AddNumberToObject(root, "gap_s", (double)qo->gap_ms / 1000.);
    }
    *printed = query_out_print(qo, root);
    cJSON_AddNumberToObject(root, "matched", (double)query_out_matched(qo));
    cJSON_AddNumberToObject(root, "events", (double)res->events);
    cJSON_AddNumberToObject(root, "rejected", (double)res->rejected);
    cJSON_AddNumberToObject(root, "series_dropped", (double)tab->stats.rejected_cap);
    cJSON_AddStringToObject(root, "source", res->source);
    cJSON_AddNumberToObject(root, "roll_rejected", (double)res->roll_rejected);
    cJSON *bad = cJSON_AddArrayToObject(root, "unreadable");
    for (size_t i = 0; i < res->nunreadable; i++) {
        cJSON *u = cJSON_CreateObject();
        cJSON_AddNumberToObject(u, "partition", res->unreadable[i].part);
        cJSON_AddStringToObject(u, "key", res->unreadable[i].key);
        cJSON_AddStringToObject(u, "error", res->unreadable[i].error);
        cJSON_AddItemToArray(bad, u);
    }
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (text == NULL) {
        fprintf(stderr, "warroom query: out of memory\n");
        return EXIT_FAILURE_GENERIC;
    }
    puts(text);
    cJSON_free(text);
    return EXIT_OK;
}

/* Checks the expression against the options; fills the window from `over`. */
static int check_expression(const struct rule_expr *e, struct query_opts *o)
{
    if (e->has_window && o->step_ms) { /* in a range, `over` is the windows' width */
        if (o->width_ms && o->width_ms != (int64_t)e->window_s * 1000) {
            fprintf(stderr, "warroom query: give the width once: --width or 'over' in the "
                            "expression\n");
            return EXIT_USAGE;
        }
        o->width_ms = (int64_t)e->window_s * 1000;
    } else if (e->has_window) {
        if (o->window_given && o->window_ms != (int64_t)e->window_s * 1000) {
            fprintf(stderr, "warroom query: give the window once: --window or 'over' in the "
                            "expression\n");
            return EXIT_USAGE;
        }
        o->window_ms = (int64_t)e->window_s * 1000;
    }
    if (o->gap_ms && e->has_by) {
        fprintf(stderr, "warroom query: sessions are per series: drop 'by (...)'\n");
        return EXIT_USAGE;
    }
    if (!o->sort_given && !e->bare) {
        o->sort_agg = e->agg;
        o->sort_q = e->q;
    }
    return 0;
}

int cmd_query(int argc, char **argv)
{
    bool window_given = false;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--window") == 0 || strncmp(argv[i], "--window=", 9) == 0)
            window_given = true;
    struct config cfg;
    char err[512];
    if (config_load(&cfg, &argc, argv, err, sizeof(err)) != 0) {
        fprintf(stderr, "warroom query: %s\n", err);
        return EXIT_USAGE;
    }
    struct query_opts o = {.window_ms = window_given ? cfg.replay_ms : QUERY_DEFAULT_WINDOW_MS,
                           .window_given = window_given,
                           .sort_agg = RULE_AGG_COUNT,
                           .sort_q = NAN};
    struct rule_expr e = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc == 0)
        rc = parse_expression(o.expr ? o.expr : "*", &e);
    if (rc == 0)
        rc = check_expression(&e, &o);
    if (rc == 0 && o.window_ms > (int64_t)(TIMELINE_MAX_RETENTION_S / 2) * 1000) {
        fprintf(stderr, "warroom query: --window is too long\n");
        rc = EXIT_USAGE;
    }
    if (rc != 0) {
        rule_expr_free(&e);
        config_free(&cfg);
        return rc < 0 ? EXIT_OK : rc;
    }

    struct csync *c = NULL;
    struct series_table *tab = NULL;
    struct qread_unreadable *bad = NULL;
    struct plan pl = {0};
    struct query_result qr = {0};
    size_t nbad = 0;
    struct redisaddr *addr = rsync_address(&cfg, err, sizeof(err));
    if (addr == NULL) {
        fprintf(stderr, "warroom query: %s\n", err);
        rc = EXIT_UNREACHABLE;
        goto out;
    }
    c = rsync_client(addr, cfg.connect_timeout_ms, err, sizeof(err));
    if (c == NULL) {
        fprintf(stderr, "warroom query: %s\n", err);
        rc = EXIT_UNREACHABLE;
        goto out;
    }
    bool meta_found, group = false;
    if (rsync_meta_read(c, cfg.ns, &cfg.partitions, cfg.partitions_set, &meta_found, err,
                        sizeof(err)) != 0 ||
        groupmode_read(c, cfg.ns, &group, err, sizeof(err)) != 0) {
        fprintf(stderr, "warroom query: %s\n", err);
        rc = csync_error(c)[0] ? EXIT_UNREACHABLE : EXIT_FAILURE_GENERIC;
        goto out;
    }
    if (!meta_found)
        fprintf(stderr,
                "warroom query: nothing in namespace '%s' yet (no producer has written %s:meta);"
                " reading %u partitions\n",
                cfg.ns, cfg.ns, cfg.partitions);

    /* group mode: the rollup tier for the span, whose age limit replaces the streams' */
    uint32_t period_ms = 0;
    int64_t keep_ms = 0;
    const char *tier = NULL;
    if (group) {
        tier = qread_tier(o.step_ms                ? o.range_ms + o.step_ms
                          : o.gap_ms && o.range_ms ? o.range_ms
                                                   : o.window_ms,
                          &period_ms, &keep_ms);
        cfg.retention_ms = keep_ms;
    }
    struct qread_stats res = {.now_ms = clock_wall_ms()};
    rc = plan(&o, &cfg, res.now_ms, &pl);
    if (rc != 0)
        goto out;
    if (tier)
        qread_tier_table(&pl.tc, period_ms, pl.mode == QUERY_INSTANT);
    pl.tc.max_series = cfg.max_series;
    pl.tc.lateness_ms = cfg.lateness_ms;
    char mem_note[256];
    if (config_max_series_check(pl.tc.max_series, series_table_series_min_bytes(&pl.tc), mem_note,
                                sizeof(mem_note)))
        fprintf(stderr, "warroom query: warning: %s\n", mem_note);
    tab = series_table_new(&pl.tc);
    res.covered_s = pl.covered_s[0];
    /* A partition Redis refuses does not hide the others: their rows are printed, the refused
     * ones are named on stderr (and in the JSON), and the exit code is 1. */
    if (tier)
        rc = qread_rollups(c, cfg.ns, cfg.partitions, tier, period_ms,
                           o.step_ms == 0 && o.gap_ms == 0, pl.lo_ms, pl.hi_ms, tab, &res,
                           "warroom query");
    else
        rc = qread_all(c, cfg.ns, cfg.partitions, pl.lo_ms, pl.hi_ms, tab, &res, "warroom query");
    if (rc != 0)
        goto out;
    bad = res.unreadable;
    nbad = res.nunreadable;

    char note[256];
    if (series_table_cap_note(tab, "--max-series", note, sizeof(note)) > 0)
        fprintf(stderr, "warroom query: warning: %s (the answer leaves those series out)\n", note);
    struct query_col cols[sizeof bare_cols / sizeof bare_cols[0] + 1];
    struct query_out qo = {
        .format = o.format,
        .mode = pl.mode,
        .bare = e.bare,
        .grouped = !e.bare && (e.has_by || e.agg == RULE_AGG_ABSENT) && pl.mode != QUERY_SESSIONS,
        .expr = o.expr ? o.expr : "",
        .r = &qr,
        .windows = pl.windows,
        .covered_s = pl.covered_s,
        .has_op = e.has_op,
        .op = e.op,
        .threshold = e.threshold,
        .limit = o.limit,
        .now_ms = res.now_ms,
        .window_ms = o.window_ms,
        .step_ms = o.step_ms,
        .width_ms = o.width_ms ? o.width_ms : o.step_ms,
        .gap_ms = o.gap_ms,
    };
    bool with_hist = rule_agg_is_quantile(o.sort_agg);
    if (e.bare) {
        qo.ncols = sizeof bare_cols / sizeof bare_cols[0];
        memcpy(cols, bare_cols, sizeof bare_cols);
        qo.json_extra = bare_json_extra;
        qo.njson_extra = sizeof bare_json_extra / sizeof bare_json_extra[0];
        with_hist = true;
    } else {
        cols[0] = (struct query_col){.agg = e.agg, .q = e.q};
        rule_agg_label(e.agg, e.q, cols[0].name, sizeof cols[0].name);
        cols[1] = (struct query_col){"count", RULE_AGG_COUNT, NAN};
        qo.ncols = e.agg == RULE_AGG_COUNT ? 1 : 2;
        with_hist = with_hist || rule_agg_is_quantile(e.agg);
    }
    /* the sort column is shown, whatever it is */
    bool shown = o.sort_key;
    for (size_t k = 0; k < qo.ncols; k++)
        shown = shown || (cols[k].agg == o.sort_agg &&
                          (!rule_agg_is_quantile(o.sort_agg) || cols[k].q == o.sort_q));
    if (!shown) {
        cols[qo.ncols] = (struct query_col){.agg = o.sort_agg, .q = o.sort_q};
        rule_agg_label(o.sort_agg, o.sort_q, cols[qo.ncols].name, sizeof cols[0].name);
        qo.ncols++;
    }
    qo.cols = cols;
    if (pl.mode == QUERY_SESSIONS)
        query_sessions(tab, &e, (uint32_t)(o.gap_ms / 1000), floor_div(pl.lo_ms, 1000),
                       floor_div(pl.hi_ms, 1000), with_hist, &qr);
    else
        query_run(tab, &e, pl.windows, pl.nwindows, with_hist, &qr);
    if (pl.mode == QUERY_INSTANT)
        query_sort(&qr, o.sort_agg, o.sort_q, pl.covered_s[0], o.sort_key, o.ascending);
    else if (pl.mode == QUERY_RANGE)
        query_sort(&qr, RULE_AGG_COUNT, NAN, 0, true, o.ascending);
    size_t printed = 0;
    if (o.format == QUERY_JSON) {
        rc = print_json_doc(&qo, &res, tab, &printed);
    } else {
        printed = query_out_print(&qo, NULL);
        if (o.format == QUERY_TABLE && pl.mode == QUERY_INSTANT)
            print_notes(&o, &res, printed, query_out_matched(&qo), cfg.ns);
        rc = EXIT_OK;
    }
    if (pl.mode != QUERY_INSTANT)
        past_retention_note(&o, &cfg, &pl, res.now_ms);
    if (tier)
        source_note(&o, &res, period_ms);
    fflush(stdout); /* the hint comes after the rows */
    if (qr.ngroups == 0)
        bare_word_hint(&e, tab);
    for (size_t i = 0; i < nbad; i++)
        fprintf(stderr, "warroom query: partition %u unreadable: %s\n", bad[i].part, bad[i].error);
    if (nbad > 0) {
        fprintf(stderr, "warroom query: the results cover the other %zu of %u partitions\n",
                (size_t)cfg.partitions - nbad, cfg.partitions);
        if (rc == EXIT_OK)
            rc = EXIT_FAILURE_GENERIC;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "warroom query: cannot write the output\n");
        rc = EXIT_FAILURE_GENERIC;
    }
out:
    query_result_free(&qr);
    free(pl.windows);
    free(pl.covered_s);
    free(bad);
    series_table_free(tab);
    csync_free(c);
    redisaddr_free(addr);
    rule_expr_free(&e);
    config_free(&cfg);
    return rc;
}
