/* screen_draw.h — the part of ui/screen that speaks curses types (attributes, windows): for the
 * views and the frame code in ui/ only, so no file outside ui/ sees curses. */
#ifndef WR_SCREEN_DRAW_H
#define WR_SCREEN_DRAW_H

#include <stdbool.h>

#include <ncursesw/curses.h>

#include "ui/screen.h"
#include "ui/theme.h"

/* The attributes (colour pair included when colours are on) to draw a role with. */
attr_t screen_attr(enum theme_role role);

/* Draws w's border in the role's attributes: heavy lines for the focused pane (Unicode), '='
 * and '#' (ASCII), so focus shows without colour too. */
void screen_border(WINDOW *w, bool focused);

#endif
