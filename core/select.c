/* select.c — selector parsing and matching. Regexes (core/regex) always match the whole label
 * value: the engine anchors them itself, so a pattern like "a)|(b" cannot escape an added
 * "^(...)$" wrapper, and its cost is bounded whatever the pattern. */
#include "core/select.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/event_impl.h"
#include "core/mem.h"
#include "core/regex.h"

struct sparser {
    const char *s;
    size_t i, n;
    char *err;
    size_t err_cap;
};

static bool is_space(unsigned char b)
{
    return b == ' ' || b == '\t';
}

static bool is_alpha_(unsigned char b)
{
    return ((b | 0x20) >= 'a' && (b | 0x20) <= 'z') || b == '_';
}

static bool is_digit(unsigned char b)
{
    return b >= '0' && b <= '9';
}

static void skip_space(struct sparser *p)
{
    while (p->i < p->n && is_space((unsigned char)p->s[p->i]))
        p->i++;
}

/* "'x'" for printable ASCII, "the end" at the end, else "byte 0xNN". */
static const char *show_at(const struct sparser *p, char out[16])
{
    if (p->i >= p->n)
        return "the end";
    return eventscan_show_byte((unsigned char)p->s[p->i], out);
}

/* Writes "<message> at column N" (1-based byte column of pos) to the error buffer; returns -1. */
__attribute__((format(printf, 3, 4))) static int fail_at(struct sparser *p, size_t pos,
                                                         const char *fmt, ...)
{
    if (!p->err || p->err_cap == 0)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(p->err, p->err_cap, fmt, ap);
    va_end(ap);
    if (w >= 0 && (size_t)w < p->err_cap)
        snprintf(p->err + w, p->err_cap - (size_t)w, " at column %zu", pos + 1);
    return -1;
}

/* Decodes a value at p->i into a new string: quoted ("..." with \" \\ \n, other pairs kept)
 * or unquoted (up to ',' or '}', surrounding blanks dropped). */
static int scan_value(struct sparser *p, const char *lname, int lname_len, char **out)
{
    size_t start = p->i, end, len = 0;
    char *v;

    if (p->i < p->n && p->s[p->i] == '"') {
        v = xmalloc(p->n - p->i);
        for (p->i++;; p->i++) {
            if (p->i >= p->n) {
                free(v);
                return fail_at(p, start, "unterminated quoted value of label '%.*s' starting",
                               lname_len, lname);
            }
            char c = p->s[p->i];
            if (c == '"')
                break;
            if (c == '\\' && p->i + 1 < p->n) {
                char e = p->s[++p->i];
                if ((unsigned char)e < 0x20 || e == 0x7f) { /* a backslash excuses none */
                    free(v);
                    return fail_at(p, p->i, "control character in value of label '%.*s'", lname_len,
                                   lname);
                }
                if (e == 'n') {
                    c = '\n';
                } else if (e == '"' || e == '\\') {
                    c = e;
                } else {
                    v[len++] = '\\';
                    c = e;
                }
            } else if ((unsigned char)c < 0x20 || c == 0x7f) {
                free(v);
                return fail_at(p, p->i, "control character in value of label '%.*s'", lname_len,
                               lname);
            }
            v[len++] = c;
        }
        p->i++;
        v[len] = '\0';
        *out = v;
        return 0;
    }
    for (end = p->i; end < p->n && p->s[end] != ',' && p->s[end] != '}'; end++)
        if ((unsigned char)p->s[end] < 0x20 || p->s[end] == 0x7f) {
            if (p->s[end] == '\t')
                continue;
            return fail_at(p, end, "control character in value of label '%.*s'", lname_len, lname);
        }
    size_t stop = end;
    while (end > p->i && is_space((unsigned char)p->s[end - 1]))
        end--;
    for (size_t j = p->i; j < end; j++)
        if (p->s[j] == '\t')
            return fail_at(p, j, "control character in value of label '%.*s'", lname_len, lname);
    *out = xstrndup(p->s + p->i, end - p->i);
    p->i = stop;
    return 0;
}

/* The source offset of byte off of the value scanned at value_pos (quoted values decode
 * \" \\ \n to one byte each; every other byte is one source byte). */
static size_t value_source_pos(const struct sparser *p, size_t value_pos, size_t off)
{
    size_t j = value_pos;
    if (j >= p->n || p->s[j] != '"')
        return value_pos + off;
    for (j++; off > 0 && j < p->n; off--) {
        char e = j + 1 < p->n ? p->s[j + 1] : 0;
        j += p->s[j] == '\\' && (e == 'n' || e == '"' || e == '\\') ? 2 : 1;
    }
    return j;
}

/* Appends a matcher owning name and value. */
static struct select_matcher *add_matcher(struct selector *sel, char *name, char *value,
                                          enum select_op op)
{
    sel->matchers = xrealloc(sel->matchers, (sel->nmatchers + 1) * sizeof *sel->matchers);
    struct select_matcher *m = &sel->matchers[sel->nmatchers++];
    *m = (struct select_matcher){.name = name, .value = value, .op = op};
    return m;
}

/* Parses `~ value` at p->i (the '~' included) and appends the substring matcher. */
static int parse_substring(struct sparser *p, struct selector *sel)
{
    char *value = NULL;
    p->i++;
    skip_space(p);
    if (scan_value(p, "~", 1, &value) < 0)
        return -1;
    add_matcher(sel, xstrdup(""), value, SELECT_SUB);
    return 0;
}

/* Parses one matcher at p->i and appends it to sel. */
static int parse_matcher(struct sparser *p, struct selector *sel)
{
    size_t name_pos = p->i;
    char sb[16];

    if (p->i < p->n && p->s[p->i] == '~')
        return parse_substring(p, sel);

    if (p->i >= p->n || !is_alpha_((unsigned char)p->s[p->i]))
        return fail_at(p, p->i, "expected a label name, found %s", show_at(p, sb));
    while (p->i < p->n &&
           (is_alpha_((unsigned char)p->s[p->i]) || is_digit((unsigned char)p->s[p->i])))
        p->i++;
    const char *name = p->s + name_pos;
    int name_len = (int)(p->i - name_pos);
    skip_space(p);

    enum select_op op;
    size_t op_pos = p->i;
    char c0 = p->i < p->n ? p->s[p->i] : 0;
    char c1 = p->i + 1 < p->n ? p->s[p->i + 1] : 0;
    if (c0 == '=' && c1 == '~')
        op = SELECT_RE, p->i += 2;
    else if (c0 == '=')
        op = SELECT_EQ, p->i += 1;
    else if (c0 == '!' && c1 == '=')
        op = SELECT_NE, p->i += 2;
    else if (c0 == '!' && c1 == '~')
        op = SELECT_NRE, p->i += 2;
    else
        return fail_at(p, op_pos,
                       "expected '=', '!=', '=~' or '!~' after label name '%.*s', "
                       "found %s",
                       name_len, name, show_at(p, sb));
    skip_space(p);

    size_t value_pos = p->i;
    char *value = NULL;
    if (scan_value(p, name, name_len, &value) < 0)
        return -1;
    if (op == SELECT_RE || op == SELECT_NRE) {
        char msg[REGEX_ERR_MAX];
        size_t at = 0;
        struct regex *re = regex_compile(value, strlen(value), msg, sizeof msg, &at);
        if (!re) {
            free(value);
            return fail_at(p, value_source_pos(p, value_pos, at), "bad regex for label '%.*s' (%s)",
                           name_len, name, msg);
        }
        add_matcher(sel, xstrndup(name, (size_t)name_len), value, op)->re = re;
        return 0;
    }
    add_matcher(sel, xstrndup(name, (size_t)name_len), value, op);
    return 0;
}

struct selector *select_new(const char *text, size_t len, char *err, size_t err_cap)
{
    struct sparser p = {text, 0, len, err, err_cap};
    struct selector *sel = xcalloc(1, sizeof *sel);
    bool have_metric = false, braces = false;
    char sb[16];

    if (err && err_cap)
        err[0] = '\0';
    skip_space(&p);
    if (p.i < p.n && p.s[p.i] == '~') { /* shorthand for *{~value} */
        if (parse_substring(&p, sel) < 0)
            goto err;
        braces = have_metric = true;
    } else if (p.i < p.n && p.s[p.i] == '*') {
        p.i++;
        have_metric = true;
    } else if (p.i < p.n && (is_alpha_((unsigned char)p.s[p.i]) || p.s[p.i] == ':')) {
        size_t start = p.i;
        while (p.i < p.n &&
               (is_alpha_((unsigned char)p.s[p.i]) || is_digit((unsigned char)p.s[p.i]) ||
                p.s[p.i] == ':' || p.s[p.i] == '.'))
            p.i++;
        sel->metric = xstrndup(text + start, p.i - start);
        have_metric = true;
    }
    skip_space(&p);
    if (!braces && p.i < p.n && p.s[p.i] == '{') {
        size_t open = p.i++;
        braces = true;
        for (;;) {
            skip_space(&p);
            if (p.i >= p.n) {
                fail_at(&p, open, "missing '}' to close the '{'");
                goto err;
            }
            if (p.s[p.i] == '}') {
                p.i++;
                break;
            }
            if (parse_matcher(&p, sel) < 0)
                goto err;
            skip_space(&p);
            if (p.i < p.n && p.s[p.i] == ',')
                p.i++;
            else if (p.i < p.n && p.s[p.i] != '}') {
                fail_at(&p, p.i, "expected ',' or '}' after the value, found %s", show_at(&p, sb));
                goto err;
            }
        }
    } else if (!have_metric) {
        fail_at(&p, p.i, "expected a metric name, '*' or '{', found %s", show_at(&p, sb));
        goto err;
    }
    skip_space(&p);
    if (p.i < p.n) {
        fail_at(&p, p.i, "expected %sthe end, found %s", braces ? "" : "'{' or ", show_at(&p, sb));
        goto err;
    }
    return sel;
err:
    select_free(sel);
    return NULL;
}

void select_free(struct selector *sel)
{
    if (!sel)
        return;
    for (size_t j = 0; j < sel->nmatchers; j++) {
        struct select_matcher *m = &sel->matchers[j];
        regex_free(m->re);
        free(m->name);
        free(m->value);
    }
    free(sel->matchers);
    free(sel->metric);
    free(sel);
}

static bool full_match(const struct regex *re, const char *v)
{
    return regex_full_match(re, v, strlen(v));
}

bool select_match(const struct selector *sel, const struct event *ev)
{
    char key[EVENT_KEY_MAX + 1];
    bool have_key = false;

    if (sel->metric && strcmp(sel->metric, event_metric(ev)) != 0)
        return false;
    for (size_t j = 0; j < sel->nmatchers; j++) {
        const struct select_matcher *m = &sel->matchers[j];
        if (m->op == SELECT_SUB) { /* against the canonical key, built once */
            if (!have_key && event_key(ev, key, sizeof key) < 0)
                return false;
            have_key = true;
            if (!select_substring_match(key, m->value))
                return false;
            continue;
        }
        const char *v = event_label_find(ev, m->name);
        bool ok;
        if (!v)
            v = "";
        switch (m->op) {
        case SELECT_EQ:
            ok = strcmp(v, m->value) == 0;
            break;
        case SELECT_NE:
            ok = strcmp(v, m->value) != 0;
            break;
        case SELECT_RE:
            ok = full_match(m->re, v);
            break;
        default:
            ok = !full_match(m->re, v);
            break;
        }
        if (!ok)
            return false;
    }
    return true;
}

bool select_match_key(const struct selector *sel, const char *key, size_t len)
{
    struct event ev;

    return event_parse_key(key, len, &ev) == EVENT_OK && select_match(sel, &ev);
}

static inline unsigned char ascii_lower(unsigned char b)
{
    return (b >= 'A' && b <= 'Z') ? (unsigned char)(b + 32) : b;
}

bool select_substring_match(const char *key, const char *needle)
{
    size_t n = strlen(needle);

    if (n == 0)
        return true;
    for (const char *k = key; *k; k++) {
        size_t j = 0;
        while (j < n && ascii_lower((unsigned char)k[j]) == ascii_lower((unsigned char)needle[j]))
            j++;
        if (j == n)
            return true;
    }
    return false;
}
