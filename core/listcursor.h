/* listcursor.h — the list navigation every scrolling view shares (as htop's Panel_onKey): a
 * selected row, the first row shown, the row count and the page height, moved by Up, Down,
 * PgUp, PgDn, Home and End. Pure arithmetic; the UI maps its keys to the moves. */
#ifndef WR_LISTCURSOR_H
#define WR_LISTCURSOR_H

#include <stdbool.h>
#include <stddef.h>

enum listcursor_key {
    LISTCURSOR_NONE = 0, /* not a move */
    LISTCURSOR_UP,
    LISTCURSOR_DOWN,
    LISTCURSOR_PAGE_UP,
    LISTCURSOR_PAGE_DOWN,
    LISTCURSOR_HOME,
    LISTCURSOR_END,
};

struct listcursor {
    size_t selected; /* the selected row, < count unless count == 0 (then 0) */
    size_t top;      /* the first row shown */
    size_t count;    /* rows in the list */
    int height;      /* rows shown at once; a page moves height - 1 rows (at least 1) */
    bool reversed;   /* row 0 is the bottom (a scrollback): Up, PgUp and Home move away from it */
};

/* Moves the selection by key, within [0, count - 1] (to 0 when the list is empty); top is left
 * for listcursor_scroll_to_selection. Returns false, changing nothing, for LISTCURSOR_NONE. */
bool listcursor_key(struct listcursor *lc, enum listcursor_key key);

/* Puts the selection back inside the list after count changed: the last row when it was past
 * the end, 0 when the list is empty. top is not changed. */
void listcursor_clamp(struct listcursor *lc);

/* Moves top the least so that the selected row is shown: up to it when it is above, so that it
 * is the last row shown when it is below (only when height > 0). */
void listcursor_scroll_to_selection(struct listcursor *lc);

#endif
