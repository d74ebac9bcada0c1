/* theme.h — colour themes: a style (foreground, background, attributes) for every role the
 * interface draws, two built in (dark, light) and theme files (INI, read with libinih) that
 * start from a built-in and override roles. Knows nothing of ncurses: ui/screen maps styles. */
#ifndef WR_THEME_H
#define WR_THEME_H

#include <stddef.h>

enum theme_role {
    THEME_NORMAL,       /* ordinary text */
    THEME_DIM,          /* secondary text, placeholders */
    THEME_BORDER,       /* pane borders */
    THEME_BORDER_FOCUS, /* the focused pane's border */
    THEME_TITLE,        /* pane titles */
    THEME_TITLE_FOCUS,  /* the focused pane's title */
    THEME_HEADER,       /* table column names */
    THEME_HEADER_SORT,  /* the sort column's name */
    THEME_SELECTED,     /* the selected row */
    THEME_STATUS,       /* the status line */
    THEME_STATUS_OK,    /* connection up */
    THEME_STATUS_WARN,  /* connecting, replaying */
    THEME_STATUS_ERR,   /* reconnecting, failed */
    THEME_PAUSED,       /* the PAUSED banner */
    THEME_HINT,         /* the key hint line */
    THEME_HINT_KEY,     /* a key name in hints and help */
    THEME_INPUT,        /* the filter input line */
    THEME_SPARK,        /* sparklines */
    THEME_CHART,        /* the detail time chart */
    THEME_BAR,          /* histogram bars */
    THEME_MARKER,       /* percentile markers */
    THEME_SEV_INFO,     /* alert severities */
    THEME_SEV_WARN,
    THEME_SEV_CRIT,
    THEME_NROLES
};

enum theme_attr {
    THEME_A_BOLD = 1u << 0,
    THEME_A_DIM = 1u << 1,
    THEME_A_REVERSE = 1u << 2,
    THEME_A_UNDERLINE = 1u << 3,
    THEME_A_ITALIC = 1u << 4,
};

#define THEME_DEFAULT_COLOR (-1) /* the terminal's own colour (use_default_colors) */

struct theme_style {
    short fg, bg;   /* THEME_DEFAULT_COLOR or 0-255 (0-7 basic, 8-15 bright, 16-255 xterm) */
    unsigned attrs; /* enum theme_attr bits */
};

struct theme {
    char name[32];
    struct theme_style style[THEME_NROLES];
};

/* Fills out with the built-in theme "dark" or "light". Returns 0, or -1 for another name. */
int theme_builtin(const char *name, struct theme *out);

/* Reads a theme file:
 *     [theme]
 *     name = night          ; shown nowhere but in errors; default: the file name
 *     base = dark           ; built-in to start from (dark or light; default dark)
 *     [colors]
 *     ROLE = FG [BG] [bold] [dim] [reverse] [underline] [italic]
 * ROLE is a theme_role_name(); FG and BG are default, black, red, green, yellow, blue, magenta,
 * cyan, white, gray, bright<colour> or a number 0-255. Returns 0, or -1 with "FILE:LINE: why"
 * in err (unreadable file, unknown role, colour or attribute, bad base). */
int theme_load_file(const char *path, struct theme *out, char *err, size_t errcap);

/* Finds a theme by name: NAME.theme in each of dirs (NULL-terminated, in order), else the
 * built-in NAME. A name with a '/' or ending in ".theme" is a file path. Returns 0, or -1 with
 * a message in err (not found, or the file's error). */
int theme_find(const char *name, const char *const *dirs, struct theme *out, char *err,
               size_t errcap);

/* The role's name in theme files ("border_focus"), and back (-1 when unknown). */
const char *theme_role_name(enum theme_role role);
int theme_role_parse(const char *name);

/* A colour usable on a terminal with ncolors colours: itself when it fits, else the nearest
 * basic colour (xterm cube and grey ramp mapped by RGB distance; bright 8-15 to 0-7).
 * THEME_DEFAULT_COLOR stays. */
short theme_color_fit(short color, int ncolors);

#endif
