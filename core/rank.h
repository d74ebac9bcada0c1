/* rank.h — top-N series over a sliding window by any column, with selector and substring
 * filters: what the dashboard and `warroom query` list. */
#ifndef WR_RANK_H
#define WR_RANK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/series.h"
#include "core/window.h"

struct selector;

enum rank_column {
    RANK_KEY, RANK_RATE, RANK_COUNT, RANK_SUM, RANK_AVG, RANK_MIN, RANK_MAX, RANK_STDDEV,
    RANK_P50, RANK_P90, RANK_P95, RANK_P99, RANK_P999, RANK_LAST,
    RANK_FIRST, RANK_RANGE, RANK_STD_S, RANK_VAR_P, RANK_VAR_S, RANK_INCREASE, /* docs/query.md */
    RANK_NCOLUMNS
};

struct rank_query {
    int64_t now_ms;
    uint32_t width_s;              /* sliding window length */
    enum rank_column column;       /* sort key */
    bool ascending;                /* false: largest first (RANK_KEY: A..Z); true: reverse */
    bool skip_empty;               /* leave out series with no event in the window */
    const struct selector *select; /* NULL: every series */
    const char *substring;         /* NULL or "": no substring filter (case-insensitive) */
    /* Hysteresis, as a live table needs it (rows must not swap every second over noise): rows
     * whose column values are within tolerance of each other (relative: |a - b| <= tolerance *
     * max(|a|, |b|)) keep the relative order they had in prev, the prev_n series shown last,
     * best first. A row is thus never above one whose value beats it by more than the
     * tolerance. prev NULL, prev_n 0, tolerance 0 or RANK_KEY: the plain order. */
    const struct series *const *prev;
    size_t prev_n;
    double tolerance;
};

struct rank_row {
    const struct series *series;
    struct window_stats stats; /* full stats, quantiles included; the rate is per second of the
                                  part of the window data can cover (window_rate_from with
                                  series_table_data_from_ms) */
};

/* Ranks the series of tab that pass the filters and writes the best min(n, cap) rows to out
 * in order, with full window stats. Returns n, the number of series that passed the filters.
 * Empty windows sort last whatever the direction; ties break by key (then q->prev may reorder
 * near-equal rows among the first cap + prev_n). */
size_t rank_top(const struct series_table *tab, const struct rank_query *q, struct rank_row *out,
                size_t cap);

/* Whether series s passes q's selector and substring filters. */
bool rank_passes(const struct series *s, const struct rank_query *q);

/* The value of a column in a row (NAN for RANK_KEY). */
double rank_column_value(const struct window_stats *st, enum rank_column col);

/* Short column names ("rate", "p99", ...) and back; parse returns -1 on an unknown name. */
const char *rank_column_name(enum rank_column col);
int rank_column_parse(const char *name, enum rank_column *out);

#endif
