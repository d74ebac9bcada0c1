/* eventscan.c — the scanners shared by the event parsers (line, stream-entry fields, series key):
 * byte classes, error messages, metric and label names, label values, labels, numbers and
 * timestamps. One scanner serves all three forms, so they accept exactly the same syntax. */
#include "core/event_impl.h"
#include "core/number.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- character classes */

const unsigned char eventscan_byte_class[256] = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x10, 0x00, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x00, 0x10, 0x12, 0x10,
    0x3a, 0x3a, 0x3a, 0x3a, 0x3a, 0x3a, 0x3a, 0x3a, 0x3a, 0x3a, 0x13, 0x10, 0x10, 0x00, 0x10, 0x10,
    0x10, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f,
    0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x10, 0x00, 0x10, 0x10, 0x1f,
    0x10, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f,
    0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x10, 0x10, 0x00, 0x10, 0x00,
    /* 0x80..0xff: no class */
};

/* ---------------------------------------------------------------- error messages */

/* Writes b for a message: "'#'" when printable ASCII, else "byte 0x07". */
const char *eventscan_show_byte(unsigned char b, char out[16])
{
    if (b == '\'')
        snprintf(out, 16, "\"'\"");
    else if (b > 0x20 && b < 0x7f)
        snprintf(out, 16, "'%c'", b);
    else if (b == ' ')
        snprintf(out, 16, "space");
    else
        snprintf(out, 16, "byte 0x%02X", b);
    return out;
}

/* Writes a token for a message: at most 40 bytes, anything but printable ASCII as '?'. */
const char *eventscan_show_token(const char *s, size_t n, char out[48])
{
    size_t k = n > 40 ? 37 : n;

    for (size_t j = 0; j < k; j++) {
        unsigned char b = (unsigned char)s[j];
        out[j] = (b >= 0x20 && b < 0x7f) ? (char)b : '?';
    }
    if (k < n) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = '\0';
    return out;
}

/* Formats a duration for people: "850 ms", "2.5 s", "5 min", "2.3 h", "19.5 d". No floating
 * point, so LC_NUMERIC cannot turn the '.' into a ','. */
static const char *show_duration(uint64_t ms, char out[40])
{
    static const struct {
        uint64_t ms;
        const char *name;
    } units[] = {{86400000, "d"}, {3600000, "h"}, {60000, "min"}, {1000, "s"}};
    size_t u = 0, nunits = sizeof units / sizeof units[0];

    while (u < nunits && ms < units[u].ms)
        u++;
    if (u < nunits) {
        uint64_t unit = units[u].ms;
        uint64_t whole = ms / unit, tenth = ((ms % unit) * 10 + unit / 2) / unit;
        if (tenth == 10) {
            whole++;
            tenth = 0;
        }
        if (tenth)
            snprintf(out, 40, "%" PRIu64 ".%" PRIu64 " %s", whole, tenth, units[u].name);
        else
            snprintf(out, 40, "%" PRIu64 " %s", whole, units[u].name);
        return out;
    }
    snprintf(out, 40, "%" PRIu64 " ms", ms);
    return out;
}

/* Fills the reason with fmt, then " at column N" (1-based byte column in p->s) unless pos is
 * EVENT_NO_POS, then the context (" of field 'labels'"). Returns code. */
__attribute__((format(printf, 4, 5))) enum event_error
eventscan_fail_at(struct event_parser *p, size_t pos, enum event_error code, const char *fmt, ...)
{
    if (!p->reason || p->reason_cap == 0)
        return code;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(p->reason, p->reason_cap, fmt, ap);
    va_end(ap);
    size_t used = w < 0 ? 0 : (size_t)w;
    if (used >= p->reason_cap)
        return code;
    char *rest = p->reason + used;
    size_t cap = p->reason_cap - used;
    if (pos != EVENT_NO_POS)
        snprintf(rest, cap, " at column %zu%s%s", pos + 1, p->where ? " of " : "",
                 p->where ? p->where : "");
    else if (p->where)
        snprintf(rest, cap, " in %s", p->where);
    return code;
}

/* ---------------------------------------------------------------- names */

/* Scans a metric name at p->i. In a line or key the name ends at a space or '{'; in a field it
 * must fill the rest of the text. Stores it at ev->buf[0]. */
enum event_error eventscan_metric(struct event_parser *p, bool stop_at_brace)
{
    size_t start = p->i;
    char sb[16];

    if (p->i < p->n && eventscan_is_metric_char((unsigned char)p->s[p->i], true))
        p->i = eventscan_span_class(p->s, p->i + 1, p->n, EVENTSCAN_C_METRIC);
    unsigned char b = p->i < p->n ? (unsigned char)p->s[p->i] : 0;
    if (p->i < p->n && !(stop_at_brace && (eventscan_is_space(b) || b == '{'))) {
        if (p->i == start && (eventscan_is_digit(b) || b == '.'))
            return eventscan_fail_at(
                p, p->i, EVENT_E_METRIC_CHAR,
                "bad character %s in metric name (it must start with a letter, "
                "'_' or ':')",
                eventscan_show_byte(b, sb));
        return eventscan_fail_at(p, p->i, EVENT_E_METRIC_CHAR, "bad character %s in metric name",
                                 eventscan_show_byte(b, sb));
    }
    size_t len = p->i - start;
    if (len == 0)
        return eventscan_fail_at(p, start, EVENT_E_METRIC_EMPTY, "missing metric name");
    if (len > p->lim.max_metric_len)
        return eventscan_fail_at(p, start, EVENT_E_METRIC_TOO_LONG,
                                 "metric name is %zu bytes (max %zu)", len, p->lim.max_metric_len);
    memcpy(p->ev->buf, p->s + start, len);
    p->ev->buf[len] = '\0';
    p->ev->metric_len = (uint16_t)len;
    p->used = len + 1;
    p->key_len = len;
    return EVENT_OK;
}

/* Scans a label name at p->i; sets *len. close is the byte ending the label set (0: none). */
static enum event_error scan_label_name(struct event_parser *p, char close, size_t *len)
{
    size_t start = p->i;
    char sb[16];

    if (p->i < p->n && eventscan_is_name_char((unsigned char)p->s[p->i], true))
        p->i = eventscan_span_class(p->s, p->i + 1, p->n, EVENTSCAN_C_NAME);
    *len = p->i - start;
    unsigned char b = p->i < p->n ? (unsigned char)p->s[p->i] : 0;
    bool at_end = p->i == p->n;
    if (*len == 0) {
        if (b == '=')
            return eventscan_fail_at(p, p->i, EVENT_E_LABEL_NAME_EMPTY, "empty label name");
        if (at_end || b == ',' || (close && b == (unsigned char)close) || b == '"')
            return eventscan_fail_at(p, p->i, EVENT_E_SYNTAX, "expected a label name, found %s",
                                     at_end ? "the end" : eventscan_show_byte(b, sb));
        if (eventscan_is_digit(b))
            return eventscan_fail_at(
                p, p->i, EVENT_E_LABEL_NAME_CHAR,
                "bad character %s in label name (it must start with a letter or '_')",
                eventscan_show_byte(b, sb));
    }
    if (!at_end && b != '=' && !eventscan_is_space(b) && b != ',' && b != '}')
        return eventscan_fail_at(p, p->i, EVENT_E_LABEL_NAME_CHAR, "bad character %s in label name",
                                 eventscan_show_byte(b, sb));
    if (*len > p->lim.max_label_name_len)
        return eventscan_fail_at(p, start, EVENT_E_LABEL_NAME_TOO_LONG,
                                 "label name is %zu bytes (max %zu)", *len,
                                 p->lim.max_label_name_len);
    return EVENT_OK;
}

/* ---------------------------------------------------------------- label values */

/* Length of the well-formed UTF-8 sequence at s (n bytes available) starting with a byte
 * >= 0x80, or 0 if malformed (overlong, surrogate, above U+10FFFF, truncated). Sets *cp. */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char b = s[0];
    size_t k;
    uint32_t c, min;

    if (b >= 0xc2 && b <= 0xdf) {
        k = 2, c = b & 0x1f, min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
        k = 3, c = b & 0x0f, min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
        k = 4, c = b & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < k)
        return 0;
    for (size_t j = 1; j < k; j++) {
        if ((s[j] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[j] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return k;
}

/* A decoded label value and what it costs in the canonical key. */
struct value_scan {
    size_t len;     /* decoded bytes */
    size_t escapes; /* '"' and '\\' bytes: each gets a backslash in the key */
    size_t spaces;  /* ' ' bytes */
    size_t trail;   /* trailing ' ' bytes (dropped from an unquoted value) */
    bool special;   /* has one of , } = " \\ (spaces counted apart): the key quotes it */
};

/* Appends n bytes to the value, writing what fits in dcap: trailing blanks dropped later may
 * make a value fit that did not while it was read. */
static inline void append(char *dst, size_t dcap, struct value_scan *v, const char *src, size_t n)
{
    if (v->len < dcap)
        memcpy(dst + v->len, src, n < dcap - v->len ? n : dcap - v->len);
    v->len += n;
}

/* Copies the run of printable ASCII at p->i to dst (when it fits in dcap): the fast path of
 * value decoding. It stops at controls and bytes >= 0x80, in a quoted value also at '"' and
 * '\\', in an unquoted one at ',' and '}'. */
static void take_ascii(struct event_parser *p, bool quoted, char *dst, size_t dcap,
                       struct value_scan *v)
{
    const char *s = p->s;
    size_t i = p->i, end = p->n;

    for (;;) {
        size_t j = eventscan_span_class(s, i, end, EVENTSCAN_C_PLAIN);
        if (j > i)
            v->trail = 0;
        i = j;
        if (i >= end)
            break;
        unsigned char b = (unsigned char)s[i];
        if (b == ' ') {
            v->spaces++;
            v->trail++;
            i++;
            continue;
        }
        if (b < 0x20 || b >= 0x7f || (quoted ? (b == '"' || b == '\\') : (b == ',' || b == '}')))
            break;
        v->trail = 0;
        v->special = true; /* , } = " \\ */
        v->escapes += b == '"' || b == '\\';
        i++;
    }
    append(dst, dcap, v, s + p->i, i - p->i);
    p->i = i;
}

/* Takes one character at p->i that take_ascii stopped at (a control or a byte >= 0x80; text ends
 * at end): rejects controls and invalid UTF-8, else appends it to dst when it fits in dcap. */
static enum event_error take_char(struct event_parser *p, size_t end, const char *lname,
                                  int lname_len, char *dst, size_t dcap, struct value_scan *v)
{
    const unsigned char *s = (const unsigned char *)p->s + p->i;
    unsigned char b = s[0];
    uint32_t cp;
    size_t k;
    char sb[16];

    if (b < 0x80)
        return eventscan_fail_at(p, p->i, EVENT_E_LABEL_VALUE_CONTROL,
                                 "control character %s in value of label '%.*s'",
                                 eventscan_show_byte(b, sb), lname_len, lname);
    k = utf8_seq(s, end - p->i, &cp);
    if (k == 0)
        return eventscan_fail_at(p, p->i, EVENT_E_LABEL_VALUE_UTF8,
                                 "invalid UTF-8 in value of label '%.*s'", lname_len, lname);
    /* C1 controls, and the bidi controls that reorder how a line is shown (a series key is
     * drawn in every terminal that reads it: it must not make text read backwards) */
    if (cp <= 0x9f || cp == 0x61c || cp == 0x200e || cp == 0x200f ||
        (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
        return eventscan_fail_at(p, p->i, EVENT_E_LABEL_VALUE_CONTROL,
                                 "control character U+%04" PRIX32 " in value of label '%.*s'", cp,
                                 lname_len, lname);
    append(dst, dcap, v, (const char *)s, k);
    v->trail = 0;
    p->i += k;
    return EVENT_OK;
}

/* Decodes the label value at p->i: quoted ("..." with \" \\ \n) or unquoted (up to ',' or '}',
 * surrounding blanks dropped). Appends it to dst (capacity dcap, may be 0; nothing is written
 * past it) and fills *v. Leaves p->i after the closing quote or at the ',' / '}' / end. */
static enum event_error scan_label_value(struct event_parser *p, const char *lname, int lname_len,
                                         char *dst, size_t dcap, struct value_scan *v)
{
    enum event_error r;
    char sb[16];

    v->len = v->escapes = v->spaces = v->trail = 0;
    v->special = false;
    if (p->i < p->n && p->s[p->i] == '"') {
        size_t quote = p->i++;
        for (;;) {
            take_ascii(p, true, dst, dcap, v);
            if (p->i >= p->n)
                break;
            char b = p->s[p->i];
            if (b == '"') {
                p->i++;
                return EVENT_OK;
            }
            if (b != '\\') {
                if ((r = take_char(p, p->n, lname, lname_len, dst, dcap, v)))
                    return r;
                continue;
            }
            if (p->i + 1 >= p->n)
                break;
            char e = p->s[p->i + 1];
            if (e == 'n')
                return eventscan_fail_at(
                    p, p->i, EVENT_E_LABEL_VALUE_CONTROL,
                    "escaped newline in value of label '%.*s' (control characters "
                    "are not allowed)",
                    lname_len, lname);
            if (e != '"' && e != '\\') {
                if ((unsigned char)e > 0x20 && (unsigned char)e < 0x7f)
                    snprintf(sb, sizeof sb, "\\%c", e);
                else
                    snprintf(sb, sizeof sb, "\\ + byte 0x%02X", (unsigned char)e);
                return eventscan_fail_at(
                    p, p->i, EVENT_E_SYNTAX,
                    "unknown escape %s in value of label '%.*s' (only \\\", \\\\ "
                    "and \\n)",
                    sb, lname_len, lname);
            }
            append(dst, dcap, v, &e, 1);
            v->escapes++;
            v->special = true;
            v->trail = 0;
            p->i += 2;
        }
        return eventscan_fail_at(p, quote, EVENT_E_SYNTAX,
                                 "unterminated quoted value of label '%.*s' starting", lname_len,
                                 lname);
    }
    for (;;) {
        take_ascii(p, false, dst, dcap, v);
        if (p->i >= p->n || p->s[p->i] == ',' || p->s[p->i] == '}')
            break;
        if (p->s[p->i] == '\t') { /* blanks before the ',' or '}' are not part of the value */
            size_t j = p->i;
            while (j < p->n && eventscan_is_space((unsigned char)p->s[j]))
                j++;
            if (j >= p->n || p->s[j] == ',' || p->s[j] == '}') {
                p->i = j;
                break;
            }
        }
        if ((r = take_char(p, p->n, lname, lname_len, dst, dcap, v)))
            return r;
    }
    v->spaces -= v->trail;
    v->len -= v->trail;
    v->trail = 0;
    return EVENT_OK;
}

/* ---------------------------------------------------------------- label sets */

/* Parses one `name=value` at p->i and inserts it in sorted position (or only validates it once
 * the label count is over the limit). */
static enum event_error parse_label(struct event_parser *p, char close)
{
    struct event *ev = p->ev;
    size_t name_pos = p->i, name_len;
    struct value_scan v;
    enum event_error r;
    char sb[16];

    if ((r = scan_label_name(p, close, &name_len)))
        return r;
    const char *name = p->s + name_pos;
    eventscan_skip_space(p);
    if (p->i >= p->n || p->s[p->i] != '=')
        return eventscan_fail_at(
            p, p->i, EVENT_E_SYNTAX, "expected '=' after label name '%.*s', found %s",
            (int)name_len, name,
            p->i >= p->n ? "the end" : eventscan_show_byte((unsigned char)p->s[p->i], sb));
    p->i++;
    eventscan_skip_space(p);

    size_t value_pos = p->i;
    bool store = p->nseen < p->lim.max_labels;
    p->nseen++;
    /* Room for name and value with their NULs; past it the key cannot fit EVENT_KEY_MAX. */
    size_t room = EVENT_BUF_SIZE - p->used;
    bool fits = store && name_len + 2 <= room;
    char *dst = fits ? ev->buf + p->used + name_len + 1 : NULL;
    size_t dcap = fits ? room - name_len - 2 : 0;
    if ((r = scan_label_value(p, name, (int)name_len, dst, dcap, &v)))
        return r;
    size_t value_len = v.len;
    if (value_len > p->lim.max_label_value_len)
        return eventscan_fail_at(p, value_pos, EVENT_E_LABEL_VALUE_TOO_LONG,
                                 "value of label '%.*s' is %zu bytes (max %zu)", (int)name_len,
                                 name, value_len, p->lim.max_label_value_len);
    if (!store)
        return EVENT_OK;
    if (!fits || value_len > dcap)
        return eventscan_fail_at(p, name_pos, EVENT_E_KEY_TOO_LONG, "series key over %zu bytes",
                                 p->lim.max_key_len);

    /* Insertion in name order; labels before `at` are smaller, so a duplicate is met here. */
    size_t at = ev->nlabels;
    while (at > 0) {
        const struct event_label *l = &ev->labels[at - 1];
        size_t m = l->name_len < name_len ? l->name_len : name_len;
        const char *other = ev->buf + l->name_off;
        int c = other[0] != name[0] ? (unsigned char)other[0] - (unsigned char)name[0]
                                    : memcmp(other, name, m);
        if (c == 0 && l->name_len == name_len)
            return eventscan_fail_at(p, name_pos, EVENT_E_LABEL_DUP, "duplicate label '%.*s'",
                                     (int)name_len, name);
        if (c < 0 || (c == 0 && l->name_len < name_len))
            break;
        at--;
    }
    for (size_t j = ev->nlabels; j > at; j--)
        ev->labels[j] = ev->labels[j - 1];
    struct event_label *l = &ev->labels[at];
    l->name_off = (uint16_t)p->used;
    l->name_len = (uint16_t)name_len;
    memcpy(ev->buf + p->used, name, name_len);
    ev->buf[p->used + name_len] = '\0';
    l->value_off = (uint16_t)(p->used + name_len + 1);
    l->value_len = (uint16_t)value_len;
    ev->buf[l->value_off + value_len] = '\0';
    p->used += name_len + value_len + 2;
    ev->nlabels++;
    /* name=value and the ',' or '{' before it */
    p->key_len += name_len + 2 + (v.special || v.spaces || !v.len ? v.len + v.escapes + 2 : v.len);
    return EVENT_OK;
}

/* Parses labels until close (consumed), or until the end when close is 0. open is the position
 * of the '{' for messages. */
enum event_error eventscan_labels(struct event_parser *p, char close, size_t open)
{
    enum event_error r;
    char sb[16];

    for (;;) {
        eventscan_skip_space(p);
        if (p->i >= p->n) {
            if (close)
                return eventscan_fail_at(p, open, EVENT_E_SYNTAX, "missing '}' to close the '{'");
            break;
        }
        if (close && p->s[p->i] == close) {
            p->i++;
            break;
        }
        if ((r = parse_label(p, close)))
            return r;
        eventscan_skip_space(p);
        if (p->i < p->n && p->s[p->i] == ',') {
            p->i++;
            continue;
        }
        if (p->i >= p->n || (close && p->s[p->i] == close))
            continue;
        return eventscan_fail_at(
            p, p->i, EVENT_E_SYNTAX, "expected ',' %safter label value, found %s",
            close ? "or '}' " : "", eventscan_show_byte((unsigned char)p->s[p->i], sb));
    }
    if (p->nseen > p->lim.max_labels)
        return eventscan_fail_at(p, EVENT_NO_POS, EVENT_E_TOO_MANY_LABELS,
                                 "too many labels (%zu > %zu)", p->nseen, p->lim.max_labels);
    return EVENT_OK;
}

/* ---------------------------------------------------------------- numbers */

static bool token_is(const char *s, size_t n, const char *word)
{
    size_t w = strlen(word);

    if (n != w)
        return false;
    for (size_t j = 0; j < n; j++)
        if ((s[j] | 0x20) != word[j])
            return false;
    return true;
}

/* Parses the value token s[start, end) of p->s into ev->value. */
enum event_error eventscan_value(struct event_parser *p, size_t start, size_t end)
{
    const char *s = p->s + start;
    size_t n = end - start;
    char tb[48];

    if (n == 0)
        return eventscan_fail_at(p, start, EVENT_E_VALUE_EMPTY, "missing value");
    size_t sign = (s[0] == '+' || s[0] == '-');
    if (token_is(s + sign, n - sign, "nan") || token_is(s + sign, n - sign, "inf") ||
        token_is(s + sign, n - sign, "infinity"))
        return eventscan_fail_at(p, start, EVENT_E_VALUE_NOT_FINITE, "value \"%s\" is not finite",
                                 eventscan_show_token(s, n, tb));
    int r = number_parse_decimal(s, n, &p->ev->value);
    if (r > 0)
        return eventscan_fail_at(p, start, EVENT_E_VALUE_NOT_FINITE,
                                 "value \"%s\" is out of range (not finite as a double)",
                                 eventscan_show_token(s, n, tb));
    if (r < 0) {
        bool hex = n - sign >= 2 && s[sign] == '0' && (s[sign + 1] | 0x20) == 'x';
        return eventscan_fail_at(p, start, EVENT_E_VALUE_NOT_NUMBER,
                                 "value \"%s\" is not a number%s", eventscan_show_token(s, n, tb),
                                 hex ? " (hexadecimal is not accepted, write decimal)" : "");
    }
    return EVENT_OK;
}

/* ---------------------------------------------------------------- timestamps */

enum event_error eventscan_ts(struct event_parser *p, size_t start, size_t end, int64_t *ts)
{
    const char *s = p->s + start;
    size_t n = end - start;
    uint64_t v = 0;
    char tb[48];

    if (n == 0)
        return eventscan_fail_at(p, start, EVENT_E_TS_INVALID, "empty timestamp");
    if (n <= 18) { /* cannot overflow */
        size_t j = 0;
        while (j < n && eventscan_is_digit((unsigned char)s[j]))
            v = v * 10 + (uint64_t)(s[j++] - '0');
        if (j == n) {
            *ts = (int64_t)v;
            return EVENT_OK;
        }
        v = 0;
    }
    for (size_t j = 0; j < n; j++) {
        if (!eventscan_is_digit((unsigned char)s[j]))
            return eventscan_fail_at(p, start, EVENT_E_TS_INVALID,
                                     "timestamp \"%s\" is not an integer of unix milliseconds",
                                     eventscan_show_token(s, n, tb));
        unsigned d = (unsigned)(s[j] - '0');
        if (v > INT64_MAX / 10 || (v == INT64_MAX / 10 && d > INT64_MAX % 10))
            return eventscan_fail_at(p, start, EVENT_E_TS_INVALID,
                                     "timestamp \"%s\" is out of range",
                                     eventscan_show_token(s, n, tb));
        v = v * 10 + d;
    }
    *ts = (int64_t)v;
    return EVENT_OK;
}

/* Rejects ts further than the limits from ref_ms (either bound itself is accepted). */
enum event_error eventscan_skew(struct event_parser *p, int64_t ts, int64_t ref_ms, size_t pos)
{
    uint64_t fut = p->lim.max_future_ms > 0 ? (uint64_t)p->lim.max_future_ms : 0;
    uint64_t past = p->lim.max_past_ms > 0 ? (uint64_t)p->lim.max_past_ms : 0;
    bool future = ts > ref_ms;
    uint64_t off = future ? (uint64_t)ts - (uint64_t)ref_ms : (uint64_t)ref_ms - (uint64_t)ts;
    uint64_t max = future ? fut : past;
    char d1[40], d2[40];

    if (off <= max)
        return EVENT_OK;
    show_duration(off, d1);
    show_duration(max, d2);
    if (strcmp(d1, d2) == 0) /* just past the bound: rounding would hide the excess */
        snprintf(d1, sizeof d1, "%" PRIu64 " ms", off);
    return eventscan_fail_at(p, pos, EVENT_E_TS_SKEW,
                             "timestamp %" PRId64 " is %s in the %s (max %s)", ts, d1,
                             future ? "future" : "past", d2);
}
