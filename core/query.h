/* query.h — evaluating a query expression (core/rule_expr) over a series table: the rows of
 * `warroom query`, one per matching series or one per `by` group, for one window or for a list
 * of epoch-aligned windows (range queries), with summaries and histograms merged exactly. */
#ifndef WR_QUERY_H
#define WR_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/hist.h"
#include "core/rule.h"
#include "core/series.h"
#include "core/summary.h"

/* A window of whole seconds [start_s, end_s): the slots whose start second lies in it. */
struct query_window {
    int64_t start_s, end_s;
};

/* One row (series or group) in one window: the merged summary and, when asked, histogram. */
struct query_cell {
    struct summary sum;
    struct hist hist; /* empty unless the query was run with quantiles */
};

struct query_group {
    char *key; /* the series key (no `by`), or the group's labels "k=v,k=v" sorted by name, with
                  empty or missing labels left out ("" for `by ()`); owned */
    const struct series *series; /* the only member without `by`, else NULL */
    size_t nseries;              /* members */
    uint64_t late, expired;      /* summed over the members (series_table counters) */
    struct query_cell *cells;    /* one per window, in the windows' order */
    int64_t start_ms, end_ms;    /* query_sessions only: the session (window_sessions) */
};

struct query_result {
    struct query_group *groups; /* in order of the first member's creation in the table */
    size_t ngroups, nwindows;
};

/* Computes the rows of expression e (a bare selector: one row per series) over the windows w[0]
 * .. w[nw - 1] of tab: every series the selector matches, grouped by e's `by` labels (absent()
 * and `by ()` always give their one row, even when nothing matches). with_hist: also merge the
 * histograms (needed for quantiles). Fills *out (free with query_result_free). */
void query_run(const struct series_table *tab, const struct rule_expr *e,
               const struct query_window *w, size_t nw, bool with_hist, struct query_result *out);

/* Session windows (core/window's window_sessions with gap_s) of every series the selector of e
 * matches, among the slots starting in [lo_s, hi_s]: one group per session (key: the series
 * key; start_ms, end_ms: the session), series by series in table order, sessions in time order,
 * one window each. `by` is ignored: sessions are per series. */
void query_sessions(const struct series_table *tab, const struct rule_expr *e, uint32_t gap_s,
                    int64_t lo_s, int64_t hi_s, bool with_hist, struct query_result *out);

void query_result_free(struct query_result *r);

/* The value of aggregation agg (quantile q) of group g in window wi (rule_agg_value). */
double query_value(const struct query_result *r, size_t g, size_t wi, enum rule_agg agg, double q,
                   double covered_s);

/* Orders the groups by the value of agg in window 0: largest first (ascending: smallest), groups
 * without a value last either way, ties and by_key by key A..Z (ascending: Z..A). */
void query_sort(struct query_result *r, enum rule_agg agg, double q, double covered_s, bool by_key,
                bool ascending);

/* A series-table configuration for reading span_s seconds of events into a fresh table whose
 * windows all start and end on multiples of res_s seconds: slots never straddle a window edge
 * (coarse slots are res_s wide, epoch-aligned), and nothing in the span expires. */
void query_table_config(struct series_table_config *tc, uint32_t span_s, uint32_t res_s);

#endif
