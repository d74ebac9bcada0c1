/* cmd_query.c — `warroom query`: a one-shot answer over the last WINDOW of events, read with
 * XRANGE from every partition into a fresh series table, ranked and printed as an aligned table
 * or as JSON. Synchronous: no event loop, nothing kept. */
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
#include "app/config.h"
#include "app/redis/rsync.h"
#include "core/duration.h"
#include "core/errbuf.h"
#include "core/event.h"
#include "core/fmt.h"
#include "core/mem.h"
#include "core/partition.h"
#include "core/rank.h"
#include "core/select.h"
#include "core/series.h"

#define QUERY_DEFAULT_WINDOW_MS 60000
#define QUERY_PAGE 10000         /* XRANGE COUNT */
#define QUERY_ALL_FINE_MAX_S 118 /* windows up to this many seconds sit in 1-s slots only */
#define QUERY_COARSE_SLOTS 64    /* longer windows: about this many coarse slots per series */
#define QUERY_KEY_COL_MAX 100

static const char query_help[] =
    "usage: warroom query [--window DUR] [--json] [--sort COLUMN] [--asc] [--limit N]\n"
    "                     [SELECTOR]\n\n"
    "Reads the last DUR of events (default 1m) from every partition stream and prints one\n"
    "row per series: count, rate, sum, min, max, avg, stddev, p50, p90, p95, p99, p999.\n"
    "The window holds events whose own timestamp lies in [now - DUR, now].\n"
    "  SELECTOR       metric{label=value,label!=value,label=~regex,label!~regex}, or '*'\n"
    "  --window DUR   window length: 30s, 5m, 1h (default 1m)\n"
    "  --json         one JSON object (schema in docs/commands.md) with exact numbers\n"
    "  --sort COLUMN  key, count, rate, sum, avg, min, max, stddev, p50, p90, p95, p99, p999\n"
    "                 (default count; largest first, key A..Z)\n"
    "  --asc          reverse the order\n"
    "  --limit N      print at most N rows (default: all)\n\n"
    "exit codes: 0 ok (also when nothing matches), 1 failure (also when a partition cannot\n"
    "            be read: the rows of the others are printed, the error names it),\n"
    "            2 usage or bad selector, 4 Redis unreachable\n\n";

const struct cmd_entry cmd_query_entry = {
    .name = "query",
    .usage = "[--window DUR] [--json] [SELECTOR]",
    .summary = "aggregates of the last window, as a table or JSON (see query --help)",
    .help = query_help,
    .common_options = true,
    .run = cmd_query,
};

struct query_opts {
    int64_t window_ms;
    bool json;
    enum rank_column column;
    bool ascending;
    size_t limit; /* 0: all */
    const char *selector;
};

struct unreadable;

struct query_result {
    int64_t now_ms;
    uint64_t entries;  /* stream entries read (the range read is wider than the window) */
    uint64_t events;   /* valid events inside the window */
    uint64_t rejected; /* invalid entries whose ID time lies inside the window */
    double covered_s;  /* the part of the window data can be in: the window, or the streams'
                          retention when that is shorter; rates are per second of it */
    const struct unreadable *unreadable; /* partitions Redis refused to read */
    size_t nunreadable;
    unsigned partitions;
};

/* Parses the command's own options (the common ones are gone). Returns 0, or an exit code. */
static int parse_args(int argc, char **argv, struct query_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            cmd_print_help(&cmd_query_entry, stdout);
            return -1;
        } else if (strcmp(a, "--json") == 0) {
            o->json = true;
        } else if (strcmp(a, "--asc") == 0) {
            o->ascending = true;
        } else if (strcmp(a, "--sort") == 0 || strcmp(a, "--limit") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "warroom query: %s needs a value\n", a);
                return EXIT_USAGE;
            }
            const char *v = argv[++i];
            if (a[2] == 's') {
                if (rank_column_parse(v, &o->column) != 0 || o->column == RANK_LAST) {
                    fprintf(stderr, "warroom query: unknown column '%s' for --sort; one of:", v);
                    for (int k = 0; k < RANK_LAST; k++)
                        fprintf(stderr, " %s", rank_column_name((enum rank_column)k));
                    fputc('\n', stderr);
                    return EXIT_USAGE;
                }
            } else {
                char *end;
                errno = 0;
                unsigned long long n = strtoull(v, &end, 10);
                if (errno || *end || end == v || v[0] == '-') {
                    fprintf(stderr, "warroom query: --limit needs a number, not '%s'\n", v);
                    return EXIT_USAGE;
                }
                o->limit = (size_t)n;
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "warroom query: unknown option '%s' (try --help)\n", a);
            return EXIT_USAGE;
        } else if (o->selector) {
            fprintf(stderr, "warroom query: one selector only ('%s' and '%s')\n", o->selector, a);
            return EXIT_USAGE;
        } else {
            o->selector = a;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Reading: XRANGE every partition
 * ------------------------------------------------------------------------------------------ */

struct scratch {
    const char **strs;
    size_t *lens;
    size_t cap;
    struct event ev;
    char key[EVENT_KEY_MAX + 1];
};

static void scratch_reserve(struct scratch *s, size_t n)
{
    if (n <= s->cap)
        return;
    while (s->cap < n)
        s->cap = s->cap ? s->cap * 2 : 16;
    s->strs = xrealloc(s->strs, s->cap * sizeof(*s->strs));
    s->lens = xrealloc(s->lens, s->cap * sizeof(*s->lens));
}

/* One entry of an XRANGE reply. Events whose timestamp lies in [lo_ms, hi_ms] go to tab;
 * invalid entries whose ID time lies there are counted as rejected. */
static void take_entry(const redisReply *e, int64_t lo_ms, int64_t hi_ms, struct scratch *s,
                       struct series_table *tab, struct query_result *res)
{
    res->entries++;
    if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
        e->element[0]->type != REDIS_REPLY_STRING)
        return;
    const redisReply *id = e->element[0], *f = e->element[1];
    uint64_t id_ms = 0;
    bool in_window = event_stream_id_parse(id->str, id->len, &id_ms, NULL) == 0 &&
                     (int64_t)id_ms >= lo_ms && (int64_t)id_ms <= hi_ms;
    size_t n = f->type == REDIS_REPLY_ARRAY ? f->elements : 0;
    scratch_reserve(s, n + 1);
    for (size_t i = 0; i < n; i++) {
        bool str = f->element[i]->type == REDIS_REPLY_STRING;
        s->strs[i] = str ? f->element[i]->str : "";
        s->lens[i] = str ? f->element[i]->len : 0;
    }
    if (event_parse_fields(s->strs, s->lens, n, id->str, id->len, NULL, &s->ev, NULL, 0) !=
        EVENT_OK) {
        if (in_window)
            res->rejected++;
        return;
    }
    if (s->ev.ts_ms < lo_ms || s->ev.ts_ms > hi_ms)
        return;
    int klen = event_key(&s->ev, s->key, sizeof(s->key));
    if (klen < 0)
        return;
    res->events++;
    series_table_ingest(tab, s->key, (size_t)klen, s->ev.value, s->ev.ts_ms);
}

/* A partition Redis would not let us read (a key of another type, an ACL that denies it). */
struct unreadable {
    unsigned part;
    char key[128];
    char error[256]; /* "wr:ev:{p0} is a string", or "KEY: <Redis' error>" */
};

enum read_result {
    READ_OK,
    READ_REFUSED, /* Redis answered with an error: the partition is unreadable (why in u) */
    READ_LOST,    /* the connection broke (message printed) */
};

/* Why key was refused: its type when it is not a stream, else Redis' error text. */
static void explain_refusal(redisContext *c, const char *key, const redisReply *refusal,
                            struct unreadable *u)
{
    char why[128] = "unexpected reply", type[16] = "";
    if (refusal->type == REDIS_REPLY_ERROR)
        errbuf_copy_text(why, sizeof(why), refusal->str, refusal->len);
    redisReply *t = redisCommand(c, "TYPE %s", key);
    if (t && t->type == REDIS_REPLY_STATUS)
        errbuf_copy_text(type, sizeof(type), t->str, t->len);
    if (t)
        freeReplyObject(t);
    snprintf(u->key, sizeof(u->key), "%s", key);
    if (type[0] && strcmp(type, "stream") != 0 && strcmp(type, "none") != 0)
        snprintf(u->error, sizeof(u->error), "%s is a %s", key, type);
    else
        snprintf(u->error, sizeof(u->error), "%s: %.120s", key, why);
}

/* Reads one partition stream: entry IDs from start_id up to end_ms, page by page, each page
 * starting right after the last ID seen. On READ_REFUSED, u says why (entries of earlier pages
 * stay counted). */
static enum read_result read_partition(redisContext *c, const char *key, const char *start_id,
                                       int64_t end_ms, int64_t lo_ms, int64_t hi_ms,
                                       struct scratch *s, struct series_table *tab,
                                       struct query_result *res, struct unreadable *u)
{
    char from[64], to[32];
    snprintf(from, sizeof(from), "%s", start_id);
    snprintf(to, sizeof(to), "%" PRId64, end_ms);
    for (;;) {
        redisReply *r = redisCommand(c, "XRANGE %s %s %s COUNT %d", key, from, to, QUERY_PAGE);
        if (r == NULL) {
            fprintf(stderr, "warroom query: reading %s: %s\n", key, c->errstr);
            return READ_LOST;
        }
        if (r->type != REDIS_REPLY_ARRAY) {
            explain_refusal(c, key, r, u);
            freeReplyObject(r);
            return c->err ? READ_LOST : READ_REFUSED;
        }
        for (size_t i = 0; i < r->elements; i++)
            take_entry(r->element[i], lo_ms, hi_ms, s, tab, res);
        size_t got = r->elements;
        const redisReply *last = got ? r->element[got - 1] : NULL;
        if (got == QUERY_PAGE && last->type == REDIS_REPLY_ARRAY && last->elements >= 1 &&
            last->element[0]->type == REDIS_REPLY_STRING && last->element[0]->len < 48)
            snprintf(from, sizeof(from), "(%s", last->element[0]->str);
        else
            got = 0;
        freeReplyObject(r);
        if (got == 0)
            return READ_OK;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Output
 * ------------------------------------------------------------------------------------------ */

/* A column's value. Quantiles are nearest-rank and come clamped to [min, max] from the window,
 * so a constant series shows its value, never the histogram bucket's 0.99 instead of 1. */
static double column_value(const struct rank_row *row, int col, double covered_s)
{
    const struct summary *sum = &row->stats.sum;
    bool empty = sum->count == 0;
    switch (col) {
    case 0:
        return (double)sum->count;
    case 1:
        return (double)sum->count / covered_s;
    case 2:
        return sum->sum;
    case 3:
        return empty ? NAN : sum->min;
    case 4:
        return empty ? NAN : sum->max;
    case 5:
        return summary_mean(sum);
    case 6:
        return summary_stddev(sum);
    case 7:
        return row->stats.p50;
    case 8:
        return row->stats.p90;
    case 9:
        return row->stats.p95;
    case 10:
        return row->stats.p99;
    default:
        return row->stats.p999;
    }
}

static const char *const value_cols[] = {"count",  "rate", "sum", "min", "max", "avg",
                                         "stddev", "p50",  "p90", "p95", "p99", "p999"};
#define NVALUE_COLS (sizeof(value_cols) / sizeof(value_cols[0]))

static void print_table(const struct rank_row *rows, size_t nrows, size_t matched,
                        const struct query_opts *o, const struct query_result *res, const char *ns)
{
    char wbuf[32];
    duration_format(o->window_ms, wbuf, sizeof(wbuf));
    size_t kw = strlen("series");
    for (size_t i = 0; i < nrows; i++) {
        size_t l = rows[i].series->key_len;
        if (l > kw)
            kw = l < QUERY_KEY_COL_MAX ? l : QUERY_KEY_COL_MAX;
    }
    printf("%-*s", (int)kw, "series");
    for (size_t c = 0; c < NVALUE_COLS; c++) /* rate: room for "0.0083/s" */
        printf(c == 1 ? " %8s" : " %7s", value_cols[c]);
    putchar('\n');
    for (size_t i = 0; i < nrows; i++) {
        const char *key = rows[i].series->key;
        if (rows[i].series->key_len > kw)
            printf("%.*s...", (int)kw - 3, key);
        else
            printf("%-*s", (int)kw, key);
        for (size_t c = 0; c < NVALUE_COLS; c++) {
            char b[32];
            fmt_si(column_value(&rows[i], (int)c, res->covered_s), b, sizeof(b));
            if (c == 1)
                strcat(b, "/s");
            printf(c == 1 ? " %8s" : " %7s", b);
        }
        putchar('\n');
    }
    if (matched == 0)
        printf("(no series matched in the last %s)\n", wbuf);
    else if (nrows < matched)
        printf("(%zu of %zu series shown)\n", nrows, matched);
    if (res->rejected)
        printf("(%" PRIu64 " invalid entries in the window; workers copy them to %s:dlq)\n",
               res->rejected, ns);
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

/* NaN (an empty statistic) becomes null. */
static void json_number(cJSON *obj, const char *name, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(obj, name, v);
    else
        cJSON_AddNullToObject(obj, name);
}

static int print_json(const struct rank_row *rows, size_t nrows, size_t matched,
                      const struct query_opts *o, const struct query_result *res,
                      const struct series_table *tab)
{
    double window_s = (double)o->window_ms / 1000.;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "window_s", window_s);
    cJSON_AddNumberToObject(root, "covered_s", res->covered_s);
    cJSON_AddNumberToObject(root, "now_ms", (double)res->now_ms);
    cJSON *arr = cJSON_AddArrayToObject(root, "series");
    struct event ev;
    for (size_t i = 0; i < nrows; i++) {
        const struct series *s = rows[i].series;
        cJSON *item = cJSON_CreateObject();
        cJSON_AddStringToObject(item, "key", s->key);
        cJSON *labels = NULL;
        if (event_parse_key(s->key, s->key_len, &ev) == EVENT_OK) {
            cJSON_AddStringToObject(item, "metric", event_metric(&ev));
            labels = cJSON_AddObjectToObject(item, "labels");
            for (size_t k = 0; k < ev.nlabels; k++)
                cJSON_AddStringToObject(labels, event_label_name(&ev, k),
                                        event_label_value(&ev, k));
        } else {
            cJSON_AddStringToObject(item, "metric", s->key);
            cJSON_AddObjectToObject(item, "labels");
        }
        for (size_t c = 0; c < NVALUE_COLS; c++)
            json_number(item, value_cols[c], column_value(&rows[i], (int)c, res->covered_s));
        cJSON_AddItemToArray(arr, item);
    }
    cJSON_AddNumberToObject(root, "matched", (double)matched);
    cJSON_AddNumberToObject(root, "events", (double)res->events);
    cJSON_AddNumberToObject(root, "rejected", (double)res->rejected);
    cJSON_AddNumberToObject(root, "series_dropped", (double)tab->stats.rejected_cap);
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

/* ---------------------------------------------------------------------------------------------
 * The command
 * ------------------------------------------------------------------------------------------ */

/* Slots for a window of window_s seconds: exact whatever the tier, since events outside the
 * window never enter the table, so only memory depends on this. Short windows live in 1-s slots
 * alone; longer ones keep 2 minutes of 1-s slots and about QUERY_COARSE_SLOTS coarse ones.
 * Returns the sliding width that covers every slot an in-window event can land in. */
static uint32_t table_config(int64_t window_ms, struct series_table_config *tc,
                             const struct config *cfg)
{
    uint32_t w = (uint32_t)((window_ms + 999) / 1000);
    series_table_config_defaults(tc);
    tc->max_series = cfg->max_series;
    tc->lateness_ms = cfg->lateness_ms;
    if (w <= QUERY_ALL_FINE_MAX_S) {
        /* event seconds lie in [now_s - w - 1, now_s]: fine slots (H - F, H] hold them all */
        tc->timeline.fine_slots = w + 2;
        tc->timeline.coarse_s = 10;
        tc->timeline.retention_s = w + 2;
        return w + 2;
    }
    uint32_t coarse = (w + 2 + QUERY_COARSE_SLOTS - 1) / QUERY_COARSE_SLOTS;
    tc->timeline.fine_slots = QUERY_ALL_FINE_MAX_S + 2;
    tc->timeline.coarse_s = coarse;
    tc->timeline.retention_s = w + 2 * coarse + 2;
    /* a coarse slot starts at most coarse - 1 s before the first window second */
    return w + coarse + 2;
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
                           .column = RANK_COUNT};
    int rc = parse_args(argc, argv, &o);
    if (rc != 0) {
        config_free(&cfg);
        return rc < 0 ? EXIT_OK : rc;
    }
    if (o.window_ms > (int64_t)(TIMELINE_MAX_RETENTION_S / 2) * 1000) {
        fprintf(stderr, "warroom query: --window is too long\n");
        config_free(&cfg);
        return EXIT_USAGE;
    }
    struct selector *sel = NULL;
    if (o.selector) {
        sel = select_new(o.selector, strlen(o.selector), err, sizeof(err));
        if (sel == NULL) {
            fprintf(stderr, "warroom query: bad selector '%s': %s\n", o.selector, err);
            config_free(&cfg);
            return EXIT_USAGE;
        }
    }

    redisContext *c = NULL;
    struct series_table *tab = NULL;
    struct rank_row *rows = NULL;
    struct scratch s = {0};
    struct unreadable *bad = NULL;
    size_t nbad = 0;
    struct redisaddr *addr = rsync_address(&cfg, err, sizeof(err));
    if (addr == NULL) {
        fprintf(stderr, "warroom query: %s\n", err);
        rc = EXIT_UNREACHABLE;
        goto out;
    }
    c = rsync_connect(addr, cfg.connect_timeout_ms, err, sizeof(err));
    if (c == NULL) {
        fprintf(stderr, "warroom query: %s\n", err);
        rc = EXIT_UNREACHABLE;
        goto out;
    }
    bool meta_found;
    if (rsync_meta_read(c, cfg.ns, &cfg.partitions, cfg.partitions_set, &meta_found, err,
                        sizeof(err)) != 0) {
        fprintf(stderr, "warroom query: %s\n", err);
        rc = c->err ? EXIT_UNREACHABLE : EXIT_FAILURE_GENERIC;
        goto out;
    }
    if (!meta_found)
        fprintf(stderr,
                "warroom query: nothing in namespace '%s' yet (no producer has written %s:meta);"
                " reading %u partitions\n",
                cfg.ns, cfg.ns, cfg.partitions);

    struct series_table_config tc;
    uint32_t width_s = table_config(o.window_ms, &tc, &cfg);
    char mem_note[256];
    if (config_max_series_check(tc.max_series, series_table_series_min_bytes(&tc), mem_note,
                                sizeof(mem_note)))
        fprintf(stderr, "warroom query: warning: %s\n", mem_note);
    tab = series_table_new(&tc);
    struct query_result res = {.now_ms = clock_wall_ms()};
    int64_t lo_ms = res.now_ms - o.window_ms, hi_ms = res.now_ms;
    /* producers trim the streams to --retention: a longer window cannot be full */
    int64_t covered_ms = cfg.retention_ms > 0 && cfg.retention_ms < o.window_ms ? cfg.retention_ms
                                                                               : o.window_ms;
    res.covered_s = (double)covered_ms / 1000.;
    /* An event may be stamped up to EVENT_MAX_FUTURE_MS after its entry ID: start that early so
     * every event whose own time is in the window is seen. */
    int64_t first_ms = lo_ms - EVENT_MAX_FUTURE_MS;
    char start_id[48];
    snprintf(start_id, sizeof(start_id), "%" PRId64 "-0", first_ms > 0 ? first_ms : 0);
    /* A partition Redis refuses does not hide the others: their rows are printed, the refused
     * ones are named on stderr (and in the JSON), and the exit code is 1. */
    bad = xcalloc(cfg.partitions, sizeof(*bad));
    for (unsigned i = 0; i < cfg.partitions; i++) {
        char key[128];
        if (partition_stream_key(cfg.ns, i, key, sizeof(key)) < 0) {
            fprintf(stderr, "warroom query: namespace too long\n");
            rc = EXIT_FAILURE_GENERIC;
            goto out;
        }
        enum read_result rr =
            read_partition(c, key, start_id, hi_ms, lo_ms, hi_ms, &s, tab, &res, &bad[nbad]);
        if (rr == READ_LOST) {
            rc = EXIT_UNREACHABLE;
            goto out;
        }
        if (rr == READ_REFUSED)
            bad[nbad++].part = i;
    }
    res.unreadable = bad;
    res.nunreadable = nbad;
    res.partitions = cfg.partitions;

    char note[256];
    if (series_table_cap_note(tab, "--max-series", note, sizeof(note)) > 0)
        fprintf(stderr, "warroom query: warning: %s (the answer leaves those series out)\n",
                note);
    size_t cap = tab->count;
    if (o.limit && o.limit < cap)
        cap = o.limit;
    rows = xmalloc((cap ? cap : 1) * sizeof(*rows));
    struct rank_query q = {
        .now_ms = res.now_ms,
        .width_s = width_s,
        .column = o.column == RANK_RATE ? RANK_COUNT : o.column, /* same order, exact */
        .ascending = o.ascending,
        .skip_empty = true,
        .select = sel,
    };
    size_t matched = rank_top(tab, &q, rows, cap);
    size_t nrows = matched < cap ? matched : cap;
    if (o.json)
        rc = print_json(rows, nrows, matched, &o, &res, tab);
    else {
        print_table(rows, nrows, matched, &o, &res, cfg.ns);
        rc = EXIT_OK;
    }
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
    free(bad);
    free(rows);
    free(s.strs);
    free(s.lens);
    series_table_free(tab);
    if (c)
        redisFree(c);
    redisaddr_free(addr);
    select_free(sel);
    config_free(&cfg);
    return rc;
}
