/* screen.c — ncurses lifetime, colours, glyphs, mouse and resizing. The state is file-static:
 * curses itself is one global terminal. */
#include "ui/screen_draw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static const struct screen_glyphs glyphs_unicode = {
    .sel = "\xe2\x96\xb6",       /* ▶ */
    .sort_desc = "\xe2\x96\xbc", /* ▼ */
    .sort_asc = "\xe2\x96\xb2",  /* ▲ */
    .sep = "\xe2\x94\x82",       /* │ */
    .ok = "\xe2\x97\x8f",        /* ● */
    .warn = "\xe2\x96\xb2",      /* ▲ */
    .err = "\xe2\x9c\x96",       /* ✖ */
    .marker = "\xe2\x97\x80",    /* ◀ */
    .dot = "\xc2\xb7",           /* · */
    .dash = "\xe2\x80\x93",      /* – */
    .spark = SPARK_UNICODE,
    .chart = SPARK_CHART_BRAILLE,
};

static const struct screen_glyphs glyphs_ascii = {
    .sel = ">",
    .sort_desc = "v",
    .sort_asc = "^",
    .sep = "|",
    .ok = "*",
    .warn = "!",
    .err = "X",
    .marker = "<",
    .dot = "-",
    .dash = "-",
    .spark = SPARK_ASCII,
    .chart = SPARK_CHART_ASCII,
};

/* Without colour every role still reads: reverse for bars and selections, bold for what
 * matters, underline for the sort column, dim for the secondary. */
static const attr_t mono_attrs[THEME_NROLES] = {
    [THEME_NORMAL] = A_NORMAL,
    [THEME_DIM] = A_DIM,
    [THEME_BORDER] = A_NORMAL,
    [THEME_BORDER_FOCUS] = A_BOLD,
    [THEME_TITLE] = A_BOLD,
    [THEME_TITLE_FOCUS] = A_BOLD | A_REVERSE,
    [THEME_HEADER] = A_BOLD,
    [THEME_HEADER_SORT] = A_BOLD | A_UNDERLINE,
    [THEME_SELECTED] = A_REVERSE,
    [THEME_STATUS] = A_REVERSE,
    [THEME_STATUS_OK] = A_REVERSE,
    [THEME_STATUS_WARN] = A_REVERSE | A_BOLD,
    [THEME_STATUS_ERR] = A_REVERSE | A_BOLD | A_UNDERLINE,
    [THEME_PAUSED] = A_REVERSE | A_BOLD,
    [THEME_HINT] = A_NORMAL,
    [THEME_HINT_KEY] = A_BOLD,
    [THEME_INPUT] = A_BOLD,
    [THEME_SPARK] = A_NORMAL,
    [THEME_CHART] = A_NORMAL,
    [THEME_BAR] = A_NORMAL,
    [THEME_MARKER] = A_BOLD,
    [THEME_SEV_INFO] = A_NORMAL,
    [THEME_SEV_WARN] = A_BOLD,
    [THEME_SEV_CRIT] = A_BOLD | A_REVERSE,
};

static struct {
    SCREEN *scr;
    bool active;
    bool color;
    bool ascii;
    bool mouse;
    bool default_colors; /* use_default_colors worked */
    attr_t attrs[THEME_NROLES];
} screen;

static attr_t theme_attrs(unsigned a)
{
    attr_t r = A_NORMAL;
    if (a & THEME_A_BOLD)
        r |= A_BOLD;
    if (a & THEME_A_DIM)
        r |= A_DIM;
    if (a & THEME_A_REVERSE)
        r |= A_REVERSE;
    if (a & THEME_A_UNDERLINE)
        r |= A_UNDERLINE;
    if (a & THEME_A_ITALIC)
        r |= A_ITALIC;
    return r;
}

/* Colour pairs of every role from t (start_color has run; defaults: the terminal's own
 * colours can be used). */
static void setup_colors(const struct theme *t, bool defaults)
{
    for (int r = 0; r < THEME_NROLES; r++) {
        const struct theme_style *s = &t->style[r];
        short fg = theme_color_fit(s->fg, COLORS), bg = theme_color_fit(s->bg, COLORS);
        if (!defaults) { /* no transparent background: assume white on black */
            if (fg < 0)
                fg = COLOR_WHITE;
            if (bg < 0)
                bg = COLOR_BLACK;
        }
        attr_t a = theme_attrs(s->attrs);
        if (s->fg < 16 && s->fg >= 8 && COLORS < 16)
            a |= A_BOLD; /* bright colours on an 8-colour terminal */
        if (r + 1 < COLOR_PAIRS && init_pair((short)(r + 1), fg, bg) == OK)
            a |= COLOR_PAIR(r + 1);
        screen.attrs[r] = a;
    }
}

int screen_init(const struct screen_opts *opts, char *err, size_t errcap)
{
    if (screen.active)
        return 0;
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        snprintf(err, errcap, "the interface needs a terminal on stdin and stdout");
        return -1;
    }
    screen.scr = newterm(NULL, stdout, stdin);
    if (screen.scr == NULL) {
        const char *term = getenv("TERM");
        snprintf(err, errcap, "cannot use the terminal (TERM=%s)", term ? term : "unset");
        return -1;
    }
    set_term(screen.scr);
    screen.active = true;
    screen.ascii = opts->ascii;
    cbreak();
    noecho();
    nonl();
    intrflush(stdscr, FALSE);
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    leaveok(stdscr, TRUE);

    struct theme dark;
    const struct theme *t = opts->theme;
    if (t == NULL) {
        theme_builtin("dark", &dark);
        t = &dark;
    }
    screen.color = opts->color && has_colors();
    if (screen.color) {
        start_color();
        screen.default_colors = use_default_colors() == OK;
        setup_colors(t, screen.default_colors);
    } else
        memcpy(screen.attrs, mono_attrs, sizeof(screen.attrs));
    screen_set_mouse(opts->mouse);
    return 0;
}

#define PASTE_ON "\033[?2004h"
#define PASTE_OFF "\033[?2004l"

/* Async-signal-safe: screen_end turns it off on the crash paths too. */
void screen_set_paste(bool on)
{
    const char *seq = on ? PASTE_ON : PASTE_OFF;
    if (screen.active && write(STDOUT_FILENO, seq, strlen(seq)) < 0)
        return;
}

void screen_end(void)
{
    screen_set_paste(false);
    if (!screen.active)
        return;
    screen.active = false;
    if (screen.mouse)
        mousemask(0, NULL);
    endwin();
}

void screen_free(void)
{
    screen_end();
    if (screen.scr) {
        delscreen(screen.scr);
        screen.scr = NULL;
    }
}

int screen_set_theme(const struct theme *t)
{
    if (!screen.active || !screen.color)
        return -1;
    setup_colors(t, screen.default_colors);
    return 0;
}

bool screen_active(void)
{
    return screen.active;
}

attr_t screen_attr(enum theme_role role)
{
    return (unsigned)role < THEME_NROLES ? screen.attrs[role] : A_NORMAL;
}

const struct screen_glyphs *screen_glyphs(void)
{
    return screen.ascii ? &glyphs_ascii : &glyphs_unicode;
}

bool screen_ascii(void)
{
    return screen.ascii;
}

bool screen_color(void)
{
    return screen.color;
}

void screen_set_mouse(bool on)
{
    if (!screen.active)
        return;
    mmask_t want = on ? (BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED) : 0;
    mousemask(want, NULL);
    mouseinterval(0); /* no click detection delay: a press is a click */
    screen.mouse = on;
}

bool screen_mouse(void)
{
    return screen.mouse;
}

bool screen_update_size(void)
{
    struct winsize ws;
    if (!screen.active || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0 ||
        ws.ws_col == 0)
        return false;
    if (!is_term_resized(ws.ws_row, ws.ws_col))
        return false;
    resizeterm(ws.ws_row, ws.ws_col);
    return true;
}

void screen_force_repaint(void)
{
    if (screen.active)
        clearok(curscr, TRUE);
}

void screen_border(WINDOW *w, bool focused)
{
    attr_t a = screen_attr(focused ? THEME_BORDER_FOCUS : THEME_BORDER);
    wattr_on(w, a, NULL);
    if (screen.ascii) {
        if (focused)
            wborder(w, '|', '|', '=', '=', '#', '#', '#', '#');
        else
            wborder(w, '|', '|', '-', '-', '+', '+', '+', '+');
    } else if (focused) {
        wborder_set(w, WACS_T_VLINE, WACS_T_VLINE, WACS_T_HLINE, WACS_T_HLINE, WACS_T_ULCORNER,
                    WACS_T_URCORNER, WACS_T_LLCORNER, WACS_T_LRCORNER);
    } else {
        wborder_set(w, WACS_VLINE, WACS_VLINE, WACS_HLINE, WACS_HLINE, WACS_ULCORNER, WACS_URCORNER,
                    WACS_LLCORNER, WACS_LRCORNER);
    }
    wattr_off(w, a, NULL);
}
