/* screen.h — the terminal itself: ncurses set-up and teardown (the one place that calls initscr
 * and endwin), colour pairs from a theme or attributes only (NO_COLOR), the Unicode or ASCII
 * glyph set, mouse reporting, resizing. One terminal per process. Curses-free: the app includes
 * it; what draws with curses types is in ui/screen_draw.h, for ui/ only. */
#ifndef WR_SCREEN_H
#define WR_SCREEN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/spark.h"
#include "ui/theme.h"

struct screen_opts {
    bool color;                /* false: attributes only (NO_COLOR, --no-color) */
    bool ascii;                /* ASCII glyphs and borders only (--ascii, non-UTF-8 locale) */
    bool mouse;                /* report wheel and clicks (off by default) */
    const struct theme *theme; /* NULL: the built-in dark theme */
};

/* Glyphs of the current set (Unicode or ASCII). Every string is one column wide. */
struct screen_glyphs {
    const char *sel;       /* selected row: ▶ or > */
    const char *sort_desc; /* ▼ or v */
    const char *sort_asc;  /* ▲ or ^ */
    const char *sep;       /* status separator: │ or | */
    const char *ok;        /* connection up, info severity: ● or * */
    const char *warn;      /* connecting, warning severity: ▲ or ! */
    const char *err;       /* down, critical severity: ✖ or X */
    const char *marker;    /* percentile marker: ◀ or < */
    const char *dot;       /* title separator: · or - */
    const char *dash;      /* a range: – or - */
    enum spark_style spark;
    enum spark_chart chart;
};

/* Starts curses on the terminal (setlocale must have run): cbreak, no echo, keypad, non-blocking
 * input, short Esc delay, hidden cursor, colours per opts. Returns 0, or -1 with a message in err
 * (no terminal, unknown TERM); the terminal is untouched then. */
int screen_init(const struct screen_opts *opts, char *err, size_t errcap);

/* Turns bracketed paste (xterm mode 2004, decoded by ui/input) on or off while curses is
 * active. */
void screen_set_paste(bool on);

/* Restores the terminal (bracketed paste off, endwin) if curses is active. Idempotent, cheap,
 * allocation-free: meant for every exit path, the out-of-memory handler and fatal-signal handlers
 * included. */
void screen_end(void);

/* screen_end, then frees curses' memory (normal exit only). */
void screen_free(void);

bool screen_active(void);

const struct screen_glyphs *screen_glyphs(void);
bool screen_ascii(void);
bool screen_color(void);

/* Draws with theme t from now on (the caller redraws everything). Returns 0, or -1 when
 * colours are off (NO_COLOR, --no-color, a terminal without colours): nothing changes then. */
int screen_set_theme(const struct theme *t);

/* Turns mouse reporting on or off; screen_mouse says which is in force. */
void screen_set_mouse(bool on);
bool screen_mouse(void);

/* Reads the terminal size (TIOCGWINSZ) and, when it changed, tells curses (resizeterm). For the
 * SIGWINCH watcher. Returns true when the size changed. */
bool screen_update_size(void);

/* Makes the next doupdate repaint the whole terminal (Ctrl-L). */
void screen_force_repaint(void);

#endif
