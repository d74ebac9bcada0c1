/* event.c — parser and validator for metric events (text line and stream-entry forms) and the
 * canonical series key. One scanner serves the line, the `labels` field and keys, so all three
 * accept exactly the same label syntax. Nothing here allocates. */
#include "core/event.h"
#include "core/number.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NO_POS ((size_t)-1)

/* One parse in progress: the text being scanned, where errors go, the event being filled. */
struct parser {
    const char *s;
    size_t i, n;       /* position and end (exclusive) in s */
    const char *where; /* NULL for a line; else e.g. "field 'labels'", appended to messages */
    char *reason;
    size_t reason_cap;
    struct event_limits lim;
    struct event *ev;
    size_t used;    /* bytes of ev->buf in use */
    size_t nseen;   /* labels seen, stored or not */
    size_t key_len; /* canonical key length so far, without the closing '}' */
};

/* ---------------------------------------------------------------- character classes */

static inline bool is_space(unsigned char b)
{
    return b == ' ' || b == '\t';
}

/* Byte classes, one table lookup per byte in the scanning loops. */
enum {
    C_METRIC_FIRST = 0x01, /* [a-zA-Z_:] */
    C_METRIC = 0x02,       /* [a-zA-Z0-9_:.] */
    C_NAME_FIRST = 0x04,   /* [a-zA-Z_] */
    C_NAME = 0x08,         /* [a-zA-Z0-9_] */
    C_PLAIN = 0x10,        /* 0x21..0x7e but , } = " \\ : copied as is, never quoted in a key */
    C_DIGIT = 0x20,        /* [0-9] */
};

static const unsigned char byte_class[256] = {
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

static inline bool has_class(unsigned char b, unsigned cls)
{
    return (byte_class[b] & cls) != 0;
}

static inline bool is_digit(unsigned char b)
{
    return has_class(b, C_DIGIT);
}

static inline bool is_metric_char(unsigned char b, bool first)
{
    return has_class(b, first ? C_METRIC_FIRST : C_METRIC);
}

static inline bool is_name_char(unsigned char b, bool first)
{
    return has_class(b, first ? C_NAME_FIRST : C_NAME);
}

/* Index of the first byte at or after i without class cls. Scanning helpers work on a local
 * index: a store through the parser in the loop would cost a cycle per byte. */
static inline size_t span_class(const char *s, size_t i, size_t n, unsigned cls)
{
    while (i < n && has_class((unsigned char)s[i], cls))
        i++;
    return i;
}

static inline void skip_space(struct parser *p)
{
    size_t i = p->i;
    while (i < p->n && is_space((unsigned char)p->s[i]))
        i++;
    p->i = i;
}

/* ---------------------------------------------------------------- error messages */

/* Writes b for a message: "'#'" when printable ASCII, else "byte 0x07". */
static const char *show_byte(unsigned char b, char out[16])
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
static const char *show_token(const char *s, size_t n, char out[48])
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
 * NO_POS, then the context (" of field 'labels'"). Returns code. */
__attribute__((format(printf, 4, 5))) static enum event_error
fail_at(struct parser *p, size_t pos, enum event_error code, const char *fmt, ...)
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
    if (pos != NO_POS)
        snprintf(rest, cap, " at column %zu%s%s", pos + 1, p->where ? " of " : "",
                 p->where ? p->where : "");
    else if (p->where)
        snprintf(rest, cap, " in %s", p->where);
    return code;
}

/* ---------------------------------------------------------------- names */

/* Scans a metric name at p->i. In a line or key the name ends at a space or '{'; in a field it
 * must fill the rest of the text. Stores it at ev->buf[0]. */
static enum event_error scan_metric(struct parser *p, bool stop_at_brace)
{
    size_t start = p->i;
    char sb[16];

    if (p->i < p->n && is_metric_char((unsigned char)p->s[p->i], true))
        p->i = span_class(p->s, p->i + 1, p->n, C_METRIC);
    unsigned char b = p->i < p->n ? (unsigned char)p->s[p->i] : 0;
    if (p->i < p->n && !(stop_at_brace && (is_space(b) || b == '{'))) {
        if (p->i == start && (is_digit(b) || b == '.'))
            return fail_at(p, p->i, EVENT_E_METRIC_CHAR,
                           "bad character %s in metric name (it must start with a letter, "
                           "'_' or ':')",
                           show_byte(b, sb));
        return fail_at(p, p->i, EVENT_E_METRIC_CHAR, "bad character %s in metric name",
                       show_byte(b, sb));
    }
    size_t len = p->i - start;
    if (len == 0)
        return fail_at(p, start, EVENT_E_METRIC_EMPTY, "missing metric name");
    if (len > p->lim.max_metric_len)
        return fail_at(p, start, EVENT_E_METRIC_TOO_LONG, "metric name is %zu bytes (max %zu)", len,
                       p->lim.max_metric_len);
    memcpy(p->ev->buf, p->s + start, len);
    p->ev->buf[len] = '\0';
    p->ev->metric_len = (uint16_t)len;
    p->used = len + 1;
    p->key_len = len;
    return EVENT_OK;
}

/* Scans a label name at p->i; sets *len. close is the byte ending the label set (0: none). */
static enum event_error scan_label_name(struct parser *p, char close, size_t *len)
{
    size_t start = p->i;
    char sb[16];

    if (p->i < p->n && is_name_char((unsigned char)p->s[p->i], true))
        p->i = span_class(p->s, p->i + 1, p->n, C_NAME);
    *len = p->i - start;
    unsigned char b = p->i < p->n ? (unsigned char)p->s[p->i] : 0;
    bool at_end = p->i == p->n;
    if (*len == 0) {
        if (b == '=')
            return fail_at(p, p->i, EVENT_E_LABEL_NAME_EMPTY, "empty label name");
        if (at_end || b == ',' || (close && b == (unsigned char)close) || b == '"')
            return fail_at(p, p->i, EVENT_E_SYNTAX, "expected a label name, found %s",
                           at_end ? "the end" : show_byte(b, sb));
        if (is_digit(b))
            return fail_at(p, p->i, EVENT_E_LABEL_NAME_CHAR,
                           "bad character %s in label name (it must start with a letter or '_')",
                           show_byte(b, sb));
    }
    if (!at_end && b != '=' && !is_space(b) && b != ',' && b != '}')
        return fail_at(p, p->i, EVENT_E_LABEL_NAME_CHAR, "bad character %s in label name",
                       show_byte(b, sb));
    if (*len > p->lim.max_label_name_len)
        return fail_at(p, start, EVENT_E_LABEL_NAME_TOO_LONG, "label name is %zu bytes (max %zu)",
                       *len, p->lim.max_label_name_len);
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
static void take_ascii(struct parser *p, bool quoted, char *dst, size_t dcap, struct value_scan *v)
{
    const char *s = p->s;
    size_t i = p->i, end = p->n;

    for (;;) {
        size_t j = span_class(s, i, end, C_PLAIN);
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
static enum event_error take_char(struct parser *p, size_t end, const char *lname, int lname_len,
                                  char *dst, size_t dcap, struct value_scan *v)
{
    const unsigned char *s = (const unsigned char *)p->s + p->i;
    unsigned char b = s[0];
    uint32_t cp;
    size_t k;
    char sb[16];

    if (b < 0x80)
        return fail_at(p, p->i, EVENT_E_LABEL_VALUE_CONTROL,
                       "control character %s in value of label '%.*s'", show_byte(b, sb), lname_len,
                       lname);
    k = utf8_seq(s, end - p->i, &cp);
    if (k == 0)
        return fail_at(p, p->i, EVENT_E_LABEL_VALUE_UTF8, "invalid UTF-8 in value of label '%.*s'",
                       lname_len, lname);
    if (cp <= 0x9f)
        return fail_at(p, p->i, EVENT_E_LABEL_VALUE_CONTROL,
                       "control character U+%04" PRIX32 " in value of label '%.*s'", cp, lname_len,
                       lname);
    append(dst, dcap, v, (const char *)s, k);
    v->trail = 0;
    p->i += k;
    return EVENT_OK;
}

/* Decodes the label value at p->i: quoted ("..." with \" \\ \n) or unquoted (up to ',' or '}',
 * surrounding blanks dropped). Appends it to dst (capacity dcap, may be 0; nothing is written
 * past it) and fills *v. Leaves p->i after the closing quote or at the ',' / '}' / end. */
static enum event_error scan_label_value(struct parser *p, const char *lname, int lname_len,
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
                return fail_at(p, p->i, EVENT_E_LABEL_VALUE_CONTROL,
                               "escaped newline in value of label '%.*s' (control characters "
                               "are not allowed)",
                               lname_len, lname);
            if (e != '"' && e != '\\') {
                if ((unsigned char)e > 0x20 && (unsigned char)e < 0x7f)
                    snprintf(sb, sizeof sb, "\\%c", e);
                else
                    snprintf(sb, sizeof sb, "\\ + byte 0x%02X", (unsigned char)e);
                return fail_at(p, p->i, EVENT_E_SYNTAX,
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
        return fail_at(p, quote, EVENT_E_SYNTAX,
                       "unterminated quoted value of label '%.*s' starting", lname_len, lname);
    }
    for (;;) {
        take_ascii(p, false, dst, dcap, v);
        if (p->i >= p->n || p->s[p->i] == ',' || p->s[p->i] == '}')
            break;
        if (p->s[p->i] == '\t') { /* blanks before the ',' or '}' are not part of the value */
            size_t j = p->i;
            while (j < p->n && is_space((unsigned char)p->s[j]))
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
static enum event_error parse_label(struct parser *p, char close)
{
    struct event *ev = p->ev;
    size_t name_pos = p->i, name_len;
    struct value_scan v;
    enum event_error r;
    char sb[16];

    if ((r = scan_label_name(p, close, &name_len)))
        return r;
    const char *name = p->s + name_pos;
    skip_space(p);
    if (p->i >= p->n || p->s[p->i] != '=')
        return fail_at(p, p->i, EVENT_E_SYNTAX, "expected '=' after label name '%.*s', found %s",
                       (int)name_len, name,
                       p->i >= p->n ? "the end" : show_byte((unsigned char)p->s[p->i], sb));
    p->i++;
    skip_space(p);

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
        return fail_at(p, value_pos, EVENT_E_LABEL_VALUE_TOO_LONG,
                       "value of label '%.*s' is %zu bytes (max %zu)", (int)name_len, name,
                       value_len, p->lim.max_label_value_len);
    if (!store)
        return EVENT_OK;
    if (!fits || value_len > dcap)
        return fail_at(p, name_pos, EVENT_E_KEY_TOO_LONG, "series key over %zu bytes",
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
            return fail_at(p, name_pos, EVENT_E_LABEL_DUP, "duplicate label '%.*s'", (int)name_len,
                           name);
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
static enum event_error parse_labels(struct parser *p, char close, size_t open)
{
    enum event_error r;
    char sb[16];

    for (;;) {
        skip_space(p);
        if (p->i >= p->n) {
            if (close)
                return fail_at(p, open, EVENT_E_SYNTAX, "missing '}' to close the '{'");
            break;
        }
        if (close && p->s[p->i] == close) {
            p->i++;
            break;
        }
        if ((r = parse_label(p, close)))
            return r;
        skip_space(p);
        if (p->i < p->n && p->s[p->i] == ',') {
            p->i++;
            continue;
        }
        if (p->i >= p->n || (close && p->s[p->i] == close))
            continue;
        return fail_at(p, p->i, EVENT_E_SYNTAX, "expected ',' %safter label value, found %s",
                       close ? "or '}' " : "", show_byte((unsigned char)p->s[p->i], sb));
    }
    if (p->nseen > p->lim.max_labels)
        return fail_at(p, NO_POS, EVENT_E_TOO_MANY_LABELS, "too many labels (%zu > %zu)", p->nseen,
                       p->lim.max_labels);
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
static enum event_error parse_value(struct parser *p, size_t start, size_t end)
{
    const char *s = p->s + start;
    size_t n = end - start;
    char tb[48];

    if (n == 0)
        return fail_at(p, start, EVENT_E_VALUE_EMPTY, "missing value");
    size_t sign = (s[0] == '+' || s[0] == '-');
    if (token_is(s + sign, n - sign, "nan") || token_is(s + sign, n - sign, "inf") ||
        token_is(s + sign, n - sign, "infinity"))
        return fail_at(p, start, EVENT_E_VALUE_NOT_FINITE, "value \"%s\" is not finite",
                       show_token(s, n, tb));
    int r = number_parse_decimal(s, n, &p->ev->value);
    if (r > 0)
        return fail_at(p, start, EVENT_E_VALUE_NOT_FINITE,
                       "value \"%s\" is out of range (not finite as a double)",
                       show_token(s, n, tb));
    if (r < 0) {
        bool hex = n - sign >= 2 && s[sign] == '0' && (s[sign + 1] | 0x20) == 'x';
        return fail_at(p, start, EVENT_E_VALUE_NOT_NUMBER, "value \"%s\" is not a number%s",
                       show_token(s, n, tb),
                       hex ? " (hexadecimal is not accepted, write decimal)" : "");
    }
    return EVENT_OK;
}

/* ---------------------------------------------------------------- timestamps */

static enum event_error parse_ts(struct parser *p, size_t start, size_t end, int64_t *ts)
{
    const char *s = p->s + start;
    size_t n = end - start;
    uint64_t v = 0;
    char tb[48];

    if (n == 0)
        return fail_at(p, start, EVENT_E_TS_INVALID, "empty timestamp");
    if (n <= 18) { /* cannot overflow */
        size_t j = 0;
        while (j < n && is_digit((unsigned char)s[j]))
            v = v * 10 + (uint64_t)(s[j++] - '0');
        if (j == n) {
            *ts = (int64_t)v;
            return EVENT_OK;
        }
        v = 0;
    }
    for (size_t j = 0; j < n; j++) {
        if (!is_digit((unsigned char)s[j]))
            return fail_at(p, start, EVENT_E_TS_INVALID,
                           "timestamp \"%s\" is not an integer of unix milliseconds",
                           show_token(s, n, tb));
        unsigned d = (unsigned)(s[j] - '0');
        if (v > INT64_MAX / 10 || (v == INT64_MAX / 10 && d > INT64_MAX % 10))
            return fail_at(p, start, EVENT_E_TS_INVALID, "timestamp \"%s\" is out of range",
                           show_token(s, n, tb));
        v = v * 10 + d;
    }
    *ts = (int64_t)v;
    return EVENT_OK;
}

/* Rejects ts further than the limits from ref_ms (either bound itself is accepted). */
static enum event_error check_skew(struct parser *p, int64_t ts, int64_t ref_ms, size_t pos)
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
    return fail_at(p, pos, EVENT_E_TS_SKEW, "timestamp %" PRId64 " is %s in the %s (max %s)", ts,
                   d1, future ? "future" : "past", d2);
}

/* ---------------------------------------------------------------- canonical key */

static bool value_needs_quotes(const char *v, size_t n)
{
    if (n == 0)
        return true;
    for (size_t j = 0; j < n; j++) {
        char c = v[j];
        if (c == ',' || c == '}' || c == '=' || c == '"' || c == '\\' || c == ' ' || c == '\t')
            return true;
    }
    return false;
}

static inline void put(char *buf, size_t cap, size_t *len, char c)
{
    if (*len < cap)
        buf[*len] = c;
    ++*len;
}

static inline void put_n(char *buf, size_t cap, size_t *len, const char *s, size_t n)
{
    if (*len + n <= cap)
        memcpy(buf + *len, s, n);
    *len += n;
}

/* Writes what fits of the key in buf[0, cap) (no NUL) and returns the full key length. */
static size_t key_write(const struct event *ev, char *buf, size_t cap)
{
    size_t len = 0;

    put_n(buf, cap, &len, ev->buf, ev->metric_len);
    if (ev->nlabels == 0)
        return len;
    put(buf, cap, &len, '{');
    for (size_t j = 0; j < ev->nlabels; j++) {
        const struct event_label *l = &ev->labels[j];
        const char *v = ev->buf + l->value_off;
        if (j)
            put(buf, cap, &len, ',');
        put_n(buf, cap, &len, ev->buf + l->name_off, l->name_len);
        put(buf, cap, &len, '=');
        if (!value_needs_quotes(v, l->value_len)) {
            put_n(buf, cap, &len, v, l->value_len);
            continue;
        }
        put(buf, cap, &len, '"');
        for (size_t k = 0; k < l->value_len; k++) {
            if (v[k] == '"' || v[k] == '\\')
                put(buf, cap, &len, '\\');
            put(buf, cap, &len, v[k]);
        }
        put(buf, cap, &len, '"');
    }
    put(buf, cap, &len, '}');
    return len;
}

int event_key(const struct event *ev, char *buf, size_t cap)
{
    size_t len = key_write(ev, buf, cap);

    if (len >= cap || len > INT_MAX)
        return -1;
    buf[len] = '\0';
    return (int)len;
}

static enum event_error check_key_len(struct parser *p)
{
    size_t len = p->key_len + (p->ev->nlabels > 0); /* the '}' */

    if (len > p->lim.max_key_len)
        return fail_at(p, NO_POS, EVENT_E_KEY_TOO_LONG, "series key is %zu bytes (max %zu)", len,
                       p->lim.max_key_len);
    return EVENT_OK;
}

/* ---------------------------------------------------------------- entry points */

struct event_limits event_limits_default(void)
{
    struct event_limits lim = EVENT_LIMITS_DEFAULT;
    return lim;
}

static size_t clamp(size_t v, size_t max)
{
    return v < max ? v : max;
}

static void parser_init(struct parser *p, const char *s, size_t n, const char *where,
                        const struct event_limits *lim, struct event *ev, char *reason,
                        size_t reason_cap)
{
    p->s = s;
    p->i = 0;
    p->n = n;
    p->where = where;
    p->reason = reason;
    p->reason_cap = reason_cap;
    p->lim = lim ? *lim : event_limits_default();
    p->lim.max_metric_len = clamp(p->lim.max_metric_len, EVENT_METRIC_MAX);
    p->lim.max_label_name_len = clamp(p->lim.max_label_name_len, EVENT_LABEL_NAME_MAX);
    p->lim.max_label_value_len = clamp(p->lim.max_label_value_len, EVENT_LABEL_VALUE_MAX);
    p->lim.max_labels = clamp(p->lim.max_labels, EVENT_MAX_LABELS);
    p->lim.max_key_len = clamp(p->lim.max_key_len, EVENT_KEY_MAX);
    p->ev = ev;
    p->used = 0;
    p->nseen = 0;
    p->key_len = 0;
    ev->nlabels = 0;
    ev->metric_len = 0;
    ev->buf[0] = '\0';
    ev->value = 0;
    ev->ts_ms = 0;
    ev->has_ts = false;
    if (reason && reason_cap)
        reason[0] = '\0';
}

static void trim(const char *s, size_t *start, size_t *end)
{
    while (*start < *end && is_space((unsigned char)s[*start]))
        ++*start;
    while (*end > *start && is_space((unsigned char)s[*end - 1]))
        --*end;
}

enum event_error event_parse_line(const char *line, size_t len, int64_t now_ms,
                                  const struct event_limits *lim, struct event *ev, char *reason,
                                  size_t reason_cap)
{
    struct parser p;
    enum event_error r;
    char sb[16];

    parser_init(&p, line, len, NULL, lim, ev, reason, reason_cap);
    while (p.n > 0 && (is_space((unsigned char)line[p.n - 1]) || line[p.n - 1] == '\n' ||
                       line[p.n - 1] == '\r'))
        p.n--;
    skip_space(&p);
    if (p.i == p.n || line[p.i] == '#')
        return EVENT_SKIP;

    if ((r = scan_metric(&p, true)))
        return r;
    skip_space(&p);
    if (p.i < p.n && line[p.i] == '{') {
        size_t open = p.i++;
        if ((r = parse_labels(&p, '}', open)))
            return r;
    }
    if ((r = check_key_len(&p)))
        return r;

    skip_space(&p);
    size_t start = p.i;
    while (p.i < p.n && !is_space((unsigned char)line[p.i]))
        p.i++;
    if ((r = parse_value(&p, start, p.i)))
        return r;

    skip_space(&p);
    ev->ts_ms = now_ms;
    if (p.i < p.n) {
        start = p.i;
        while (p.i < p.n && !is_space((unsigned char)line[p.i]))
            p.i++;
        if ((r = parse_ts(&p, start, p.i, &ev->ts_ms)))
            return r;
        ev->has_ts = true;
        skip_space(&p);
        if (p.i < p.n)
            return fail_at(&p, p.i, EVENT_E_SYNTAX, "unexpected %s after the timestamp",
                           show_byte((unsigned char)line[p.i], sb));
        if ((r = check_skew(&p, ev->ts_ms, now_ms, start)))
            return r;
    }
    return EVENT_OK;
}

int event_stream_id_parse(const char *id, size_t len, uint64_t *ms, uint64_t *seq)
{
    uint64_t part[2] = {0, 0};
    size_t i = 0;

    for (int k = 0; k < 2; k++) {
        size_t start = i;
        for (; i < len && is_digit((unsigned char)id[i]); i++) {
            unsigned d = (unsigned)(id[i] - '0');
            if (part[k] > UINT64_MAX / 10 || (part[k] == UINT64_MAX / 10 && d > UINT64_MAX % 10))
                return -1;
            part[k] = part[k] * 10 + d;
        }
        if (i == start)
            return -1;
        if (k == 0 && (i >= len || id[i++] != '-'))
            return -1;
    }
    if (i != len)
        return -1;
    if (ms)
        *ms = part[0];
    if (seq)
        *seq = part[1];
    return 0;
}

enum field { F_METRIC, F_VALUE, F_TS, F_LABELS, F_COUNT };

static const char *const field_names[F_COUNT] = {"metric", "value", "ts", "labels"};

/* Error-message context per field: constant, so the hot path formats nothing. */
static const char *const field_where[F_COUNT] = {"field 'metric'", "field 'value'", "field 'ts'",
                                                 "field 'labels'"};

/* Points the parser at field f's text, trimmed, with messages in "field 'f'" context. */
static void parser_on_field(struct parser *p, const char *s, size_t n, enum field f)
{
    p->s = s;
    p->i = 0;
    p->n = n;
    p->where = field_where[f];
    trim(s, &p->i, &p->n);
}

enum event_error event_parse_fields(const char *const *strs, const size_t *lens, size_t nstr,
                                    const char *id, size_t id_len, const struct event_limits *lim,
                                    struct event *ev, char *reason, size_t reason_cap)
{
    struct parser p;
    size_t at[F_COUNT];
    uint64_t id_ms;
    char tb[48];
    enum event_error r;

    parser_init(&p, "", 0, "stream entry", lim, ev, reason, reason_cap);
    if (nstr % 2)
        return fail_at(&p, NO_POS, EVENT_E_SYNTAX, "odd number of strings (%zu)", nstr);
    for (int f = 0; f < F_COUNT; f++)
        at[f] = SIZE_MAX;
    for (size_t k = 0; k < nstr; k += 2) {
        for (int f = 0; f < F_COUNT; f++) {
            if (lens[k] != strlen(field_names[f]) || memcmp(strs[k], field_names[f], lens[k]))
                continue;
            if (at[f] != SIZE_MAX)
                return fail_at(&p, NO_POS, EVENT_E_FIELD_DUP, "duplicate field '%s'",
                               field_names[f]);
            at[f] = k + 1;
        }
    }
    if (event_stream_id_parse(id, id_len, &id_ms, NULL) < 0 || id_ms > INT64_MAX)
        return fail_at(&p, NO_POS, EVENT_E_STREAM_ID, "bad stream entry ID \"%s\"",
                       show_token(id, id_len, tb));
    for (int f = F_METRIC; f <= F_VALUE; f++)
        if (at[f] == SIZE_MAX)
            return fail_at(&p, NO_POS, EVENT_E_FIELD_MISSING, "missing field '%s'", field_names[f]);

    parser_on_field(&p, strs[at[F_METRIC]], lens[at[F_METRIC]], F_METRIC);
    if ((r = scan_metric(&p, false)))
        return r;
    if (at[F_LABELS] != SIZE_MAX) {
        parser_on_field(&p, strs[at[F_LABELS]], lens[at[F_LABELS]], F_LABELS);
        if ((r = parse_labels(&p, 0, NO_POS)))
            return r;
    }
    if ((r = check_key_len(&p)))
        return r;
    parser_on_field(&p, strs[at[F_VALUE]], lens[at[F_VALUE]], F_VALUE);
    if ((r = parse_value(&p, p.i, p.n)))
        return r;
    ev->ts_ms = (int64_t)id_ms;
    if (at[F_TS] != SIZE_MAX) {
        parser_on_field(&p, strs[at[F_TS]], lens[at[F_TS]], F_TS);
        if ((r = parse_ts(&p, p.i, p.n, &ev->ts_ms)))
            return r;
        ev->has_ts = true;
        if ((r = check_skew(&p, ev->ts_ms, (int64_t)id_ms, NO_POS)))
            return r;
    }
    return EVENT_OK;
}

enum event_error event_parse_key(const char *key, size_t len, struct event *ev)
{
    struct parser p;
    enum event_error r;

    parser_init(&p, key, len, "key", NULL, ev, NULL, 0);
    if ((r = scan_metric(&p, true)))
        return r;
    if (p.i < p.n && key[p.i] == '{') {
        size_t open = p.i++;
        if ((r = parse_labels(&p, '}', open)))
            return r;
    }
    if (p.i != p.n)
        return EVENT_E_SYNTAX;
    return check_key_len(&p);
}

const char *event_label_find(const struct event *ev, const char *name)
{
    for (size_t j = 0; j < ev->nlabels; j++)
        if (strcmp(ev->buf + ev->labels[j].name_off, name) == 0)
            return ev->buf + ev->labels[j].value_off;
    return NULL;
}

const char *event_strerror(enum event_error code)
{
    static const char *const names[EVENT_ERROR_COUNT] = {
        [EVENT_OK] = "ok",
        [EVENT_SKIP] = "blank or comment",
        [EVENT_E_SYNTAX] = "syntax error",
        [EVENT_E_METRIC_EMPTY] = "missing metric name",
        [EVENT_E_METRIC_TOO_LONG] = "metric name too long",
        [EVENT_E_METRIC_CHAR] = "bad metric name",
        [EVENT_E_LABEL_NAME_EMPTY] = "empty label name",
        [EVENT_E_LABEL_NAME_TOO_LONG] = "label name too long",
        [EVENT_E_LABEL_NAME_CHAR] = "bad label name",
        [EVENT_E_LABEL_DUP] = "duplicate label",
        [EVENT_E_LABEL_VALUE_TOO_LONG] = "label value too long",
        [EVENT_E_LABEL_VALUE_UTF8] = "invalid utf-8",
        [EVENT_E_LABEL_VALUE_CONTROL] = "control character",
        [EVENT_E_TOO_MANY_LABELS] = "too many labels",
        [EVENT_E_VALUE_EMPTY] = "missing value",
        [EVENT_E_VALUE_NOT_NUMBER] = "value not a number",
        [EVENT_E_VALUE_NOT_FINITE] = "value not finite",
        [EVENT_E_TS_INVALID] = "bad timestamp",
        [EVENT_E_TS_SKEW] = "timestamp skew",
        [EVENT_E_KEY_TOO_LONG] = "series key too long",
        [EVENT_E_FIELD_MISSING] = "missing field",
        [EVENT_E_FIELD_DUP] = "duplicate field",
        [EVENT_E_STREAM_ID] = "bad stream id",
    };

    if ((unsigned)code >= EVENT_ERROR_COUNT || !names[code])
        return "unknown error";
    return names[code];
}
