/* dash.h — the series table's content, for ui/view_dashboard (which draws it and takes its
 * keys): the rows listed (ranked series, or groups and their expanded members), the filter
 * compiled, the sticky selection, the columns laid out and the sparklines of the rows shown. */
#ifndef WR_DASH_H
#define WR_DASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/group.h"
#include "core/keyshort.h"
#include "core/listcursor.h"
#include "core/rank.h"
#include "core/rankcache.h"
#include "core/window.h"
#include "ui/model.h"

struct ui;

enum dash_col { DC_KEY, DC_RATE, DC_COUNT, DC_AVG, DC_P50, DC_P90, DC_P99, DC_MAX, DC_SPARK, DC_N };

struct dash_col_def {
    const char *title;
    enum rank_column rank; /* what the column shows and sorts by */
    int width, max;        /* layout_col: least width and growth limit */
    int priority;          /* dropped first when high */
};

extern const struct dash_col_def dash_cols[DC_N];

#define DASH_SPARK_MAX 60
#define DASH_PREFIX 2       /* selection glyph and a blank before the key */
#define DASH_TOLERANCE 0.03 /* rows within 3 % of each other keep their order (rank_query) */
#define DASH_KEY_TEXT 1100  /* a series name as shown (EVENT_KEY_MAX and decorations) */

/* One row of the table: a series, a group, or a member of an expanded group. */
struct dash_line {
    const struct window_stats *st;
    const struct series *series;   /* NULL: a group row */
    const struct group_row *group; /* the group row, or the member's group; NULL ungrouped */
};

struct dash {
    struct rankcache *rank; /* what ranks the rows (ungrouped) between frames */
    struct rank_row *rows;  /* ungrouped: rank order from the first row */
    size_t rows_cap;
    struct dash_line *lines; /* the rows listed, n valid (ungrouped: top + visible at least) */
    size_t n, lines_cap;
    size_t matched; /* rows in all: series passing the filter, or groups and expanded members */
    double *spark;  /* DASH_SPARK_MAX values per row, rows top .. top + visible */
    size_t spark_rows;
    int spark_n; /* values per row */
    /* the selected row, followed once the user picked one: a series, or a group's value */
    const struct series *sel_series;
    char *sel_group; /* NULL: a series (or nothing) */
    bool follow;

    /* hysteresis: the order shown last, kept while sort, direction, window and filter stay */
    const struct series **prev;
    size_t prev_n, prev_cap;
    enum rank_column prev_sort;
    bool prev_ascending;
    uint32_t prev_window_s;

    /* grouping (`g`): NULL label: off */
    char *group_label;
    struct group_set *groups;
    char **expanded; /* values of the expanded groups ("\x01" for the one without the label) */
    size_t nexpanded;

    struct keyshort ks; /* labels every shown row shares: said in the title */
    char common[256];   /* those labels as text, "" for none */

    char compiled[MODEL_FILTER_MAX]; /* filter text the selector below was made from */
    bool compiled_valid;
    struct selector *sel; /* NULL: substring filter (or none) */

    int visible;     /* table rows that fit */
    int col_w[DC_N]; /* 0: column hidden */
    int col_x[DC_N]; /* x of each shown column inside the window */
};

/* An empty table (nothing listed until dash_update); never NULL. dash_free(NULL) is a no-op. */
struct dash *dash_new(void);
void dash_free(struct dash *d);

/* Recomputes the rows from ui's model for a pane of width x height: filter, rank or group,
 * selection (clamped, scrolled into view, followed), the hint line's selected text, the
 * labels the shown rows share, the columns and the sparklines. */
void dash_update(struct ui *ui, struct dash *d, int width, int height);

/* The table as a list cursor over the model's selection and the rows matched. */
struct listcursor dash_cursor(const struct model *m, const struct dash *d);

/* The value of column c in a row, for display (quantiles come clamped to [min, max] from the
 * window), NAN for an empty window. */
double dash_col_value(const struct window_stats *st, enum dash_col c);

/* Expanded groups: whether g is, g expanded or collapsed, and none expanded. */
bool dash_is_expanded(const struct dash *d, const struct group_row *g);
void dash_toggle_expanded(struct dash *d, const struct group_row *g);
void dash_clear_expanded(struct dash *d);

/* What the name column says of a line: a group's label, value and size (with its expansion
 * glyph), a member indented, a series by its key without the labels all rows share. Returns
 * buf. */
const char *dash_line_name(const struct dash *d, const struct dash_line *l, char *buf, size_t cap);

/* Makes row `selected` (of the rows listed) the one the selection follows; none when there is
 * no such row. */
void dash_remember_selection(struct dash *d, size_t selected);

#endif
