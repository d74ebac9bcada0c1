/* draw.h — small drawing helpers shared by the views: text fitted to columns (display width,
 * never bytes; ASCII when the screen is), pane frames with titles, centred messages. */
#ifndef WR_DRAW_H
#define WR_DRAW_H

#include <stdbool.h>

#include <ncursesw/curses.h>

#include "core/colfmt.h"

/* Columns s takes as it will be drawn (ASCII mode: one per character). */
int draw_width(const char *s);

/* Writes s at (y, x) fitted to exactly width columns (padded by align, cut with an ellipsis)
 * with attributes a. Nothing outside the window is touched. */
void draw_text(WINDOW *w, int y, int x, int width, const char *s, enum colfmt_align align,
               attr_t a);

/* Writes s at (y, x) in at most maxw columns, without padding. Returns the columns used. */
int draw_str(WINDOW *w, int y, int x, int maxw, const char *s, attr_t a);

/* Fills width columns at (y, x) with blanks in attributes a. */
void draw_fill(WINDOW *w, int y, int x, int width, attr_t a);

/* Border of a pane with title on the top edge at the left and right (each may be NULL or ""),
 * styled for focus. */
void draw_frame(WINDOW *w, const char *title, const char *right, bool focused);

/* s centred on row y of w (inside the border when the window has one). */
void draw_center(WINDOW *w, int y, const char *s, attr_t a);

#endif
