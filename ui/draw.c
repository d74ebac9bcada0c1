/* draw.c — text and frame helpers over ncurses windows. */
#include "ui/draw.h"

#include <stdio.h>
#include <string.h>

#include "ui/screen_draw.h"
#include "ui/theme.h"

#define DRAW_MAX_COLS 1024 /* wider lines are cut: no terminal is that wide */

static unsigned fit_flags(void)
{
    return screen_ascii() ? COLFMT_ASCII : 0;
}

int draw_width(const char *s)
{
    if (!screen_ascii())
        return colfmt_width(s);
    int n = 0;
    for (size_t len = strlen(s); len > 0;) {
        uint32_t cp;
        size_t k = colfmt_decode(s, len, &cp);
        n++;
        s += k;
        len -= k;
    }
    return n;
}

void draw_text(WINDOW *w, int y, int x, int width, const char *s, enum colfmt_align align, attr_t a)
{
    int maxx = getmaxx(w), maxy = getmaxy(w);
    if (y < 0 || y >= maxy || x < 0 || x >= maxx || width <= 0)
        return;
    if (width > maxx - x)
        width = maxx - x;
    if (width > DRAW_MAX_COLS)
        width = DRAW_MAX_COLS;
    char buf[4 * DRAW_MAX_COLS + 1];
    colfmt_fit(s, width, align, fit_flags(), buf, sizeof(buf));
    wattrset(w, (int)a);
    mvwaddstr(w, y, x, buf);
    wattrset(w, A_NORMAL);
}

int draw_str(WINDOW *w, int y, int x, int maxw, const char *s, attr_t a)
{
    int sw = draw_width(s);
    int width = sw < maxw ? sw : maxw;
    if (width <= 0)
        return 0;
    draw_text(w, y, x, width, s, COLFMT_LEFT, a);
    return width;
}

void draw_fill(WINDOW *w, int y, int x, int width, attr_t a)
{
    draw_text(w, y, x, width, "", COLFMT_LEFT, a);
}

void draw_frame(WINDOW *w, const char *title, const char *right, bool focused)
{
    int width = getmaxx(w);
    screen_border(w, focused);
    attr_t ta = screen_attr(focused ? THEME_TITLE_FOCUS : THEME_TITLE);
    int used = 0;
    if (title && *title && width > 6) {
        char t[512];
        snprintf(t, sizeof(t), " %s ", title);
        used = draw_str(w, 0, 2, width - 4, t, ta);
    }
    if (right && *right && width > 6) {
        char t[512];
        snprintf(t, sizeof(t), " %s ", right);
        int rw = draw_width(t);
        int room = width - 4 - used - 1;
        if (room >= 5) {
            if (rw > room)
                rw = room;
            draw_text(w, 0, width - 2 - rw, rw, t, COLFMT_LEFT, screen_attr(THEME_TITLE));
        }
    }
}

void draw_center(WINDOW *w, int y, const char *s, attr_t a)
{
    int width = getmaxx(w) - 2;
    int sw = draw_width(s);
    if (sw > width)
        sw = width;
    draw_text(w, y, 1 + (width - sw) / 2, sw, s, COLFMT_LEFT, a);
}
