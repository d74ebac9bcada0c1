/* theme.c — built-in themes, theme files and colour fallback for small palettes. */
#include "ui/theme.h"

#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const char *const role_names[THEME_NROLES] = {
    [THEME_NORMAL] = "normal",
    [THEME_DIM] = "dim",
    [THEME_BORDER] = "border",
    [THEME_BORDER_FOCUS] = "border_focus",
    [THEME_TITLE] = "title",
    [THEME_TITLE_FOCUS] = "title_focus",
    [THEME_HEADER] = "header",
    [THEME_HEADER_SORT] = "header_sort",
    [THEME_SELECTED] = "selected",
    [THEME_STATUS] = "status",
    [THEME_STATUS_OK] = "status_ok",
    [THEME_STATUS_WARN] = "status_warn",
    [THEME_STATUS_ERR] = "status_err",
    [THEME_PAUSED] = "paused",
    [THEME_HINT] = "hint",
    [THEME_HINT_KEY] = "hint_key",
    [THEME_INPUT] = "input",
    [THEME_SPARK] = "spark",
    [THEME_CHART] = "chart",
    [THEME_BAR] = "bar",
    [THEME_MARKER] = "marker",
    [THEME_SEV_INFO] = "sev_info",
    [THEME_SEV_WARN] = "sev_warn",
    [THEME_SEV_CRIT] = "sev_crit",
};

#define D THEME_DEFAULT_COLOR
#define BOLD THEME_A_BOLD

/* Dark terminals: cyan and blue accents, yellow for what needs the eye. */
/* clang-format off */
static const struct theme_style dark_styles[THEME_NROLES] = {
    [THEME_NORMAL] = {D, D, 0},
    [THEME_DIM] = {D, D, THEME_A_DIM},
    [THEME_BORDER] = {4, D, 0},
    [THEME_BORDER_FOCUS] = {6, D, BOLD},
    [THEME_TITLE] = {D, D, BOLD},
    [THEME_TITLE_FOCUS] = {0, 6, BOLD},
    [THEME_HEADER] = {6, D, BOLD},
    [THEME_HEADER_SORT] = {3, D, BOLD | THEME_A_UNDERLINE},
    [THEME_SELECTED] = {15, 4, BOLD},
    [THEME_STATUS] = {0, 6, 0},
    [THEME_STATUS_OK] = {0, 2, BOLD},
    [THEME_STATUS_WARN] = {0, 3, BOLD},
    [THEME_STATUS_ERR] = {15, 1, BOLD},
    [THEME_PAUSED] = {0, 3, BOLD},
    [THEME_HINT] = {D, D, 0},
    [THEME_HINT_KEY] = {6, D, BOLD},
    [THEME_INPUT] = {3, D, BOLD},
    [THEME_SPARK] = {2, D, 0},
    [THEME_CHART] = {6, D, 0},
    [THEME_BAR] = {12, D, 0},
    [THEME_MARKER] = {3, D, BOLD},
    [THEME_SEV_INFO] = {6, D, 0},
    [THEME_SEV_WARN] = {3, D, BOLD},
    [THEME_SEV_CRIT] = {1, D, BOLD},
};
/* clang-format on */

/* Light terminals: no yellow or cyan text on the light background. */
/* clang-format off */
static const struct theme_style light_styles[THEME_NROLES] = {
    [THEME_NORMAL] = {D, D, 0},
    [THEME_DIM] = {D, D, THEME_A_DIM},
    [THEME_BORDER] = {4, D, 0},
    [THEME_BORDER_FOCUS] = {5, D, BOLD},
    [THEME_TITLE] = {D, D, BOLD},
    [THEME_TITLE_FOCUS] = {15, 4, BOLD},
    [THEME_HEADER] = {4, D, BOLD},
    [THEME_HEADER_SORT] = {1, D, BOLD | THEME_A_UNDERLINE},
    [THEME_SELECTED] = {0, 14, 0},
    [THEME_STATUS] = {15, 4, 0},
    [THEME_STATUS_OK] = {15, 2, BOLD},
    [THEME_STATUS_WARN] = {0, 11, BOLD},
    [THEME_STATUS_ERR] = {15, 1, BOLD},
    [THEME_PAUSED] = {0, 11, BOLD},
    [THEME_HINT] = {D, D, 0},
    [THEME_HINT_KEY] = {4, D, BOLD},
    [THEME_INPUT] = {5, D, BOLD},
    [THEME_SPARK] = {2, D, 0},
    [THEME_CHART] = {4, D, 0},
    [THEME_BAR] = {4, D, 0},
    [THEME_MARKER] = {1, D, BOLD},
    [THEME_SEV_INFO] = {4, D, 0},
    [THEME_SEV_WARN] = {5, D, BOLD},
    [THEME_SEV_CRIT] = {1, D, BOLD},
};
/* clang-format on */

#undef D
#undef BOLD

const char *theme_role_name(enum theme_role role)
{
    return (unsigned)role < THEME_NROLES ? role_names[role] : "?";
}

int theme_role_parse(const char *name)
{
    for (int i = 0; i < THEME_NROLES; i++)
        if (strcasecmp(name, role_names[i]) == 0)
            return i;
    return -1;
}

int theme_builtin(const char *name, struct theme *out)
{
    const struct theme_style *s;
    if (strcmp(name, "dark") == 0)
        s = dark_styles;
    else if (strcmp(name, "light") == 0)
        s = light_styles;
    else
        return -1;
    memset(out, 0, sizeof(*out));
    snprintf(out->name, sizeof(out->name), "%s", name);
    memcpy(out->style, s, sizeof(out->style));
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Colours
 * ------------------------------------------------------------------------------------------ */

static const char *const color_names[16] = {
    "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
};

/* xterm's default RGB of colour c (0-255). */
static void color_rgb(int c, int rgb[3])
{
    static const unsigned char basic[16][3] = {
        {0, 0, 0},       {205, 0, 0},   {0, 205, 0},   {205, 205, 0},
        {0, 0, 238},     {205, 0, 205}, {0, 205, 205}, {229, 229, 229},
        {127, 127, 127}, {255, 0, 0},   {0, 255, 0},   {255, 255, 0},
        {92, 92, 255},   {255, 0, 255}, {0, 255, 255}, {255, 255, 255},
    };
    static const int level[6] = {0, 95, 135, 175, 215, 255};
    if (c < 16) {
        for (int i = 0; i < 3; i++)
            rgb[i] = basic[c][i];
    } else if (c < 232) {
        c -= 16;
        rgb[0] = level[c / 36];
        rgb[1] = level[(c / 6) % 6];
        rgb[2] = level[c % 6];
    } else {
        rgb[0] = rgb[1] = rgb[2] = 8 + 10 * (c - 232);
    }
}

short theme_color_fit(short color, int ncolors)
{
    if (color < 0 || color < ncolors)
        return color;
    if (ncolors < 8)
        return THEME_DEFAULT_COLOR;
    if (color < 16 && ncolors < 16)
        return (short)(color - 8); /* bright -> basic */
    int rgb[3], best = 0;
    long best_d = -1;
    color_rgb(color, rgb);
    int limit = ncolors >= 16 ? 16 : 8;
    for (int c = 0; c < limit; c++) {
        int o[3];
        color_rgb(c, o);
        long d = 0;
        for (int i = 0; i < 3; i++)
            d += (long)(rgb[i] - o[i]) * (rgb[i] - o[i]);
        if (best_d < 0 || d < best_d) {
            best_d = d;
            best = c;
        }
    }
    return (short)best;
}

/* Parses a colour word. Returns 0 or -1. */
static int parse_color(const char *w, short *out)
{
    if (strcasecmp(w, "default") == 0 || strcasecmp(w, "none") == 0) {
        *out = THEME_DEFAULT_COLOR;
        return 0;
    }
    if (strcasecmp(w, "gray") == 0 || strcasecmp(w, "grey") == 0) {
        *out = 8;
        return 0;
    }
    int bright = strncasecmp(w, "bright", 6) == 0;
    const char *base = bright ? w + 6 : w;
    for (int i = 0; i < 8; i++)
        if (strcasecmp(base, color_names[i]) == 0) {
            *out = (short)(i + (bright ? 8 : 0));
            return 0;
        }
    char *end;
    long v = strtol(w, &end, 10);
    if (end != w && *end == '\0' && v >= 0 && v <= 255) {
        *out = (short)v;
        return 0;
    }
    return -1;
}

static int parse_attr(const char *w, unsigned *attrs)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {
        {"bold", THEME_A_BOLD},           {"dim", THEME_A_DIM},       {"reverse", THEME_A_REVERSE},
        {"underline", THEME_A_UNDERLINE}, {"italic", THEME_A_ITALIC},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcasecmp(w, names[i].name) == 0) {
            *attrs |= names[i].bit;
            return 0;
        }
    return -1;
}

/* "FG [BG] [attr ...]" (commas count as blanks). Returns 0, or -1 with why. */
static int parse_style(const char *value, struct theme_style *st, char *why, size_t cap)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", value);
    struct theme_style s = {THEME_DEFAULT_COLOR, THEME_DEFAULT_COLOR, 0};
    int ncolors = 0;
    char *save = NULL;
    for (char *w = strtok_r(buf, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
        short c;
        if (ncolors < 2 && parse_color(w, &c) == 0) {
            if (ncolors++ == 0)
                s.fg = c;
            else
                s.bg = c;
        } else if (parse_attr(w, &s.attrs) != 0) {
            snprintf(why, cap, "'%.40s' is not a colour or attribute", w);
            return -1;
        }
    }
    if (ncolors == 0 && s.attrs == 0) {
        snprintf(why, cap, "empty style");
        return -1;
    }
    *st = s;
    return 0;
}

struct load_ctx {
    struct theme *t;
    char why[160];
    int failed;
    int based; /* a role was set: base must come first */
};

static int on_ini(void *user, const char *section, const char *name, const char *value)
{
    struct load_ctx *c = user;
    if (c->failed)
        return 0;
    if (strcasecmp(section, "theme") == 0) {
        if (strcasecmp(name, "name") == 0) {
            snprintf(c->t->name, sizeof(c->t->name), "%s", value);
        } else if (strcasecmp(name, "base") == 0) {
            char keep[32];
            snprintf(keep, sizeof(keep), "%s", c->t->name);
            if (c->based) {
                snprintf(c->why, sizeof(c->why), "base must come before the colours");
                goto fail;
            }
            if (theme_builtin(value, c->t) != 0) {
                snprintf(c->why, sizeof(c->why),
                         "base '%.40s' is not a built-in theme (dark, light)", value);
                goto fail;
            }
            snprintf(c->t->name, sizeof(c->t->name), "%s", keep);
        } else {
            snprintf(c->why, sizeof(c->why), "unknown setting '%.40s' in [theme]", name);
            goto fail;
        }
        return 1;
    }
    if (strcasecmp(section, "colors") == 0 || strcasecmp(section, "colours") == 0) {
        int role = theme_role_parse(name);
        if (role < 0) {
            snprintf(c->why, sizeof(c->why), "unknown role '%.40s'", name);
            goto fail;
        }
        if (parse_style(value, &c->t->style[role], c->why, sizeof(c->why)) != 0)
            goto fail;
        c->based = 1;
        return 1;
    }
    snprintf(c->why, sizeof(c->why), "unknown section [%.40s]", section);
fail:
    c->failed = 1;
    return 0;
}

int theme_load_file(const char *path, struct theme *out, char *err, size_t errcap)
{
    struct theme t;
    theme_builtin("dark", &t);
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
    size_t n = strcspn(base, ".");
    snprintf(t.name, sizeof(t.name), "%.*s", (int)(n < 31 ? n : 31), base);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errcap, "cannot read theme file %s", path);
        return -1;
    }
    struct load_ctx c = {.t = &t};
    int rc = ini_parse_file(f, on_ini, &c);
    fclose(f);
    if (rc != 0) {
        snprintf(err, errcap, "%s:%d: %s", path, rc, c.failed ? c.why : "syntax error");
        return -1;
    }
    *out = t;
    return 0;
}

int theme_find(const char *name, const char *const *dirs, struct theme *out, char *err,
               size_t errcap)
{
    size_t n = strlen(name);
    if (n == 0) {
        snprintf(err, errcap, "empty theme name");
        return -1;
    }
    if (strchr(name, '/') || (n > 6 && strcmp(name + n - 6, ".theme") == 0))
        return theme_load_file(name, out, err, errcap);
    for (size_t i = 0; dirs && dirs[i]; i++) {
        char path[1024];
        int k = snprintf(path, sizeof(path), "%s/%s.theme", dirs[i], name);
        if (k > 0 && (size_t)k < sizeof(path) && access(path, R_OK) == 0)
            return theme_load_file(path, out, err, errcap);
    }
    if (theme_builtin(name, out) == 0)
        return 0;
    snprintf(err, errcap,
             "theme '%.40s' not found (built in: dark, light; files: NAME.theme "
             "in ~/.config/warroom/themes or the installed themes)",
             name);
    return -1;
}
