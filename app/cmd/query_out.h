/* query_out.h — printing the rows of `warroom query` (core/query results) as an aligned table,
 * CSV (RFC 4180) or JSON: one row per series or group, per window for range queries, per
 * session for session queries. Schemas in docs/query.md. */
#ifndef WR_QUERY_OUT_H
#define WR_QUERY_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/query.h"
#include "core/rule.h"

enum query_format { QUERY_TABLE, QUERY_JSON, QUERY_CSV };
enum query_mode { QUERY_INSTANT, QUERY_RANGE, QUERY_SESSIONS };

/* One value column: an aggregation and its title ("p99", "count", "stddev"). */
struct query_col {
    char name[40];
    enum rule_agg agg;
    double q;
};

/* Everything the printer needs. Rows are r's groups in order (range: window by window, each
 * with every group; empty windows included), cut to limit rows when limit > 0, and when has_op
 * only those whose first column's value satisfies `op threshold`. */
struct query_out {
    enum query_format format;
    enum query_mode mode;
    bool bare;        /* a bare selector: rows are series ("series" in JSON) */
    bool grouped;     /* `by (...)`: rows are groups, not series */
    const char *expr; /* as written ("" for none) */
    const struct query_result *r;
    const struct query_window *windows; /* QUERY_RANGE: r->nwindows windows */
    const double *covered_s;            /* QUERY_RANGE: per window; else [0] for every row */
    const struct query_col *cols;
    size_t ncols;
    const struct query_col *json_extra; /* columns only JSON shows (bare: first, last, ...) */
    size_t njson_extra;
    bool has_op;
    enum rule_op op;
    double threshold;
    size_t limit;
    int64_t now_ms;
    /* instant queries: the window; range: step and width; sessions: the gap */
    int64_t window_ms, step_ms, width_ms, gap_ms;
};

struct cJSON;

/* QUERY_TABLE, QUERY_CSV: prints the rows to stdout. QUERY_JSON: adds the array of rows
 * ("series" for a bare instant query, else "rows") to root, which the caller prints. Returns the
 * number of rows. */
size_t query_out_print(const struct query_out *o, struct cJSON *root);

/* ms since the epoch as 2026-12-06T12:16:45Z (UTC), the table's time format. */
void query_out_utc_time(int64_t ms, char *buf, size_t cap);

/* The number of rows there are before --limit (those the comparison keeps, when there is one). */
size_t query_out_matched(const struct query_out *o);

#endif
