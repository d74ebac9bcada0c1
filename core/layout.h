/* layout.h — where things go on the screen, as pure arithmetic: the pane rectangles of the main
 * screen for a terminal size (split, stacked when narrow, one pane zoomed, too small), and which
 * table columns fit a width. The UI turns the rectangles into ncurses windows. */
#ifndef WR_LAYOUT_H
#define WR_LAYOUT_H

#include <stddef.h>

#define LAYOUT_MIN_COLS 60 /* below either minimum the screen only says what it needs */
#define LAYOUT_MIN_ROWS 15
#define LAYOUT_NARROW_COLS 80 /* below: alerts and chat stacked instead of side by side */

enum layout_pane {
    LAYOUT_DASHBOARD, /* on top: the series table (or the detail view) */
    LAYOUT_ALERTS,    /* bottom left (stacked: middle) */
    LAYOUT_CHAT,      /* bottom right (stacked: bottom) */
    LAYOUT_NPANES
};

enum layout_mode {
    LAYOUT_SPLIT,     /* dashboard on top, alerts | chat below */
    LAYOUT_STACKED,   /* dashboard, alerts, chat one under the other */
    LAYOUT_ZOOMED,    /* one pane takes the whole main area */
    LAYOUT_TOO_SMALL, /* nothing but a message fits */
};

/* A rectangle in screen cells; w == 0 or h == 0 means hidden. */
struct layout_rect {
    int x, y, w, h;
};

struct layout {
    int cols, rows;
    enum layout_mode mode;
    struct layout_rect pane[LAYOUT_NPANES];
    struct layout_rect status; /* one line: connection, counters, clock */
    struct layout_rect hints;  /* one line: key hints (the bottom line) */
};

/* Computes the layout of a cols x rows terminal. zoom is the zoomed pane, or -1 for none.
 * Panes tile rows 0 .. rows-3 exactly (no gaps, no overlap); the status line is row rows-2 and
 * the hints row rows-1. Below LAYOUT_MIN_COLS x LAYOUT_MIN_ROWS the mode is LAYOUT_TOO_SMALL and
 * every rectangle is empty. Deterministic: the same arguments always give the same layout. */
void layout_compute(int cols, int rows, int zoom, struct layout *out);

/* The pane containing cell (x, y), or -1. */
int layout_pane_at(const struct layout *l, int x, int y);

/* One table column for layout_columns. */
struct layout_col {
    int width;    /* fixed width, or the least width of a growing column */
    int max;      /* > width: the column grows up to max; otherwise fixed */
    int priority; /* 0: shown first; then 1, 2, ...: higher numbers are dropped first */
};

/* Picks the columns of a table that fit in total cells, separated by gap cells. Columns are
 * admitted by priority (ties: lower index first) while their widths and gaps fit; then the
 * space left grows the growing columns in index order, each up to its max; what still remains
 * goes to the first admitted growing column. out_w[i] gets each column's width, 0 when it was
 * dropped. Returns the number of columns shown. */
size_t layout_columns(int total, int gap, const struct layout_col *cols, size_t n, int *out_w);

#endif
