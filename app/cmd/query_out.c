/* query_out.c — the three output formats of `warroom query`. Rows are walked once by
 * row_next, so the table, CSV and JSON always hold the same rows in the same order. */
#include "app/cmd/query_out.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "core/event.h"
#include "core/fmt.h"

#define KEY_COL_MAX 100

/* A position in the rows: window wi (0 unless range), group g. */
struct row {
    size_t wi, g;
};

static double row_covered(const struct query_out *o, const struct row *rw)
{
    if (o->mode == QUERY_RANGE)
        return o->covered_s[rw->wi];
    if (o->mode == QUERY_SESSIONS) {
        const struct query_group *g = &o->r->groups[rw->g];
        double s = (double)(g->end_ms - g->start_ms) / 1000.;
        return s > 0 ? s : 1;
    }
    return o->covered_s[0];
}

static double row_value(const struct query_out *o, const struct row *rw, const struct query_col *c)
{
    return query_value(o->r, rw->g, rw->wi, c->agg, c->q, row_covered(o, rw));
}

/* Advances to the next row to print (starting from {0, (size_t)-1}); false at the end. */
static bool row_next(const struct query_out *o, struct row *rw, size_t *printed)
{
    if (o->limit && *printed >= o->limit)
        return false;
    for (;;) {
        if (++rw->g >= o->r->ngroups) {
            rw->g = 0;
            if (o->mode != QUERY_RANGE || ++rw->wi >= o->r->nwindows || o->r->ngroups == 0)
                return false;
        }
        if (o->has_op && o->ncols &&
            !rule_op_holds(o->op, row_value(o, rw, &o->cols[0]), o->threshold))
            continue;
        (*printed)++;
        return true;
    }
}

/* The row's time span in ms: the window (range), the session, or nothing (instant). */
static bool row_span(const struct query_out *o, const struct row *rw, int64_t *a, int64_t *b)
{
    if (o->mode == QUERY_RANGE) {
        *a = o->windows[rw->wi].start_s * 1000;
        *b = o->windows[rw->wi].end_s * 1000;
        return true;
    }
    if (o->mode == QUERY_SESSIONS) {
        *a = o->r->groups[rw->g].start_ms;
        *b = o->r->groups[rw->g].end_ms;
        return true;
    }
    return false;
}

static const char *row_key(const struct query_out *o, const struct row *rw)
{
    const char *k = o->r->groups[rw->g].key;
    return *k || o->bare ? k : "(all)";
}

/* ---------------------------------------------------------------------------------------------
 * Table */

void query_out_utc_time(int64_t ms, char *buf, size_t cap)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, cap, "%" PRId64, ms);
}

static size_t print_table(const struct query_out *o)
{
    struct row rw = {0, (size_t)-1};
    size_t printed = 0, kw = strlen(o->grouped ? "group" : "series");
    for (size_t g = 0; g < o->r->ngroups; g++) {
        size_t l = strlen(o->r->groups[g].key);
        if (l > kw)
            kw = l < KEY_COL_MAX ? l : KEY_COL_MAX;
    }
    bool span = o->mode != QUERY_INSTANT;
    if (span)
        printf("%-20s %-20s ", "start", "end");
    printf("%-*s", (int)kw, o->grouped ? "group" : "series");
    for (size_t c = 0; c < o->ncols; c++) /* rate: room for "0.0083/s" */
        printf(o->cols[c].agg == RULE_AGG_RATE ? " %8s" : " %7s", o->cols[c].name);
    putchar('\n');
    while (row_next(o, &rw, &printed)) {
        int64_t a, b;
        if (row_span(o, &rw, &a, &b)) {
            char ta[32], tb[32];
            query_out_utc_time(a, ta, sizeof ta);
            query_out_utc_time(b, tb, sizeof tb);
            printf("%-20s %-20s ", ta, tb);
        }
        const char *key = row_key(o, &rw);
        if (strlen(key) > kw)
            printf("%.*s...", (int)kw - 3, key);
        else
            printf("%-*s", (int)kw, key);
        for (size_t c = 0; c < o->ncols; c++) {
            char v[32];
            double x = row_value(o, &rw, &o->cols[c]);
            if (isnan(x))
                snprintf(v, sizeof v, "-");
            else
                fmt_si(x, v, sizeof v);
            if (o->cols[c].agg == RULE_AGG_RATE && !isnan(x))
                strcat(v, "/s");
            printf(o->cols[c].agg == RULE_AGG_RATE ? " %8s" : " %7s", v);
        }
        putchar('\n');
    }
    return printed;
}

/* ---------------------------------------------------------------------------------------------
 * CSV (RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled) */

static void csv_field(const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"')
            putchar('"');
        putchar(*s);
    }
    putchar('"');
}

static size_t print_csv(const struct query_out *o)
{
    struct row rw = {0, (size_t)-1};
    size_t printed = 0;
    if (o->mode != QUERY_INSTANT)
        fputs("start_ms,end_ms,", stdout);
    fputs(o->grouped ? "group" : "series", stdout);
    for (size_t c = 0; c < o->ncols; c++) {
        putchar(',');
        csv_field(o->cols[c].name);
    }
    fputs(o->bare ? ",late,expired\n" : ",series,late,expired\n", stdout);
    while (row_next(o, &rw, &printed)) {
        int64_t a, b;
        const struct query_group *g = &o->r->groups[rw.g];
        if (row_span(o, &rw, &a, &b))
            printf("%" PRId64 ",%" PRId64 ",", a, b);
        csv_field(g->key);
        for (size_t c = 0; c < o->ncols; c++) {
            double x = row_value(o, &rw, &o->cols[c]);
            if (isnan(x))
                putchar(',');
            else
                printf(",%.17g", x);
        }
        if (!o->bare)
            printf(",%zu", g->nseries);
        printf(",%" PRIu64 ",%" PRIu64 "\n", g->late, g->expired);
    }
    return printed;
}

/* ---------------------------------------------------------------------------------------------
 * JSON */

/* NaN (no value) becomes null. */
static void json_number(cJSON *obj, const char *name, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(obj, name, v);
    else
        cJSON_AddNullToObject(obj, name);
}

/* "metric" and "labels" of a series key; a group's labels ("k=v,k=v") as "labels". */
static void json_labels(cJSON *item, const char *key, bool series)
{
    struct event ev;
    char buf[EVENT_KEY_MAX + 8];
    if (!series)
        snprintf(buf, sizeof buf, "g{%s}", key);
    int rc = event_parse_key(series ? key : buf, strlen(series ? key : buf), &ev);
    if (series)
        cJSON_AddStringToObject(item, "metric", rc == EVENT_OK ? event_metric(&ev) : key);
    cJSON *labels = cJSON_AddObjectToObject(item, "labels");
    for (size_t k = 0; rc == EVENT_OK && k < ev.nlabels; k++)
        cJSON_AddStringToObject(labels, event_label_name(&ev, k), event_label_value(&ev, k));
}

static size_t print_json(const struct query_out *o, cJSON *root)
{
    struct row rw = {0, (size_t)-1};
    size_t printed = 0;
    bool series_rows = !o->grouped;
    cJSON *arr =
        cJSON_AddArrayToObject(root, o->bare && o->mode == QUERY_INSTANT ? "series" : "rows");
    while (row_next(o, &rw, &printed)) {
        const struct query_group *g = &o->r->groups[rw.g];
        cJSON *item = cJSON_CreateObject();
        int64_t a, b;
        if (row_span(o, &rw, &a, &b)) {
            cJSON_AddNumberToObject(item, "start_ms", (double)a);
            cJSON_AddNumberToObject(item, "end_ms", (double)b);
        }
        cJSON_AddStringToObject(item, "key", g->key);
        json_labels(item, g->key, series_rows);
        for (size_t c = 0; c < o->ncols; c++)
            json_number(item, o->cols[c].name, row_value(o, &rw, &o->cols[c]));
        for (size_t c = 0; c < o->njson_extra; c++)
            json_number(item, o->json_extra[c].name, row_value(o, &rw, &o->json_extra[c]));
        if (!o->bare)
            cJSON_AddNumberToObject(item, "series", (double)g->nseries);
        cJSON_AddNumberToObject(item, "late", (double)g->late);
        cJSON_AddNumberToObject(item, "expired", (double)g->expired);
        cJSON_AddItemToArray(arr, item);
    }
    return printed;
}

size_t query_out_matched(const struct query_out *o)
{
    struct query_out all = *o;
    struct row rw = {0, (size_t)-1};
    size_t n = 0;
    all.limit = 0;
    while (row_next(&all, &rw, &n))
        ;
    return n;
}

size_t query_out_print(const struct query_out *o, struct cJSON *root)
{
    switch (o->format) {
    case QUERY_JSON:
        return print_json(o, root);
    case QUERY_CSV:
        return print_csv(o);
    default:
        return print_table(o);
    }
}
