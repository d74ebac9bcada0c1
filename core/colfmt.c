/* colfmt.c — display-width aware column text and unit-aware value formatting. */
#define _XOPEN_SOURCE 700 /* wcwidth */
#include "core/colfmt.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

#include "core/fmt.h"

#define REPLACEMENT 0xFFFDu

size_t colfmt_decode(const char *s, size_t n, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned char c = p[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        len = 2, v = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, v = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, v = c & 0x07, min = 0x10000;
    } else {
        *cp = REPLACEMENT;
        return 1;
    }
    if (n < len) {
        *cp = REPLACEMENT;
        return 1;
    }
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            *cp = REPLACEMENT;
            return 1;
        }
        v = (v << 6) | (p[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        *cp = REPLACEMENT;
        return 1;
    }
    *cp = v;
    return len;
}

static bool is_control(uint32_t cp)
{
    return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0);
}

int colfmt_cp_width(uint32_t cp)
{
    if (cp < 0x7F)
        return 1; /* printable ASCII; C0 controls are drawn as '?' */
    if (is_control(cp))
        return 1;
    int w = wcwidth((wchar_t)cp);
    if (w < 0)
        return 1; /* not printable in this locale: drawn as one replacement column */
    return w > 2 ? 2 : w;
}

int colfmt_width(const char *s)
{
    size_t n = strlen(s);
    int w = 0;
    while (n > 0) {
        uint32_t cp;
        size_t k = colfmt_decode(s, n, &cp);
        w += colfmt_cp_width(cp);
        s += k;
        n -= k;
    }
    return w;
}

/* A small output buffer that never overflows and stays NUL-terminated. */
struct out {
    char *buf;
    size_t cap, len;
    int full; /* something did not fit: write nothing more, so no cell is skipped */
};

static void out_bytes(struct out *o, const char *s, size_t n)
{
    if (o->full || o->cap == 0 || o->len + n + 1 > o->cap) {
        o->full = 1; /* never a partial UTF-8 sequence, never a gap */
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

static void out_spaces(struct out *o, int n)
{
    for (int i = 0; i < n; i++)
        out_bytes(o, " ", 1);
}

/* ASCII stand-in for a code point in COLFMT_ASCII mode. */
static char ascii_of(uint32_t cp)
{
    switch (cp) {
    case 0xB5: /* micro sign */
    case 0x3BC:
        return 'u';
    case 0x2026:
        return '~';
    case 0x2013:
    case 0x2014:
    case 0x2212:
        return '-';
    case 0xB7:
    case 0x2022:
        return '.';
    default:
        return '?';
    }
}

/* Writes one code point (the original bytes when they are a valid, printable character). */
static void out_cp(struct out *o, uint32_t cp, const char *src, size_t k, unsigned flags)
{
    if (is_control(cp)) {
        out_bytes(o, "?", 1);
    } else if (cp >= 0x80 && (flags & COLFMT_ASCII)) {
        char c = ascii_of(cp);
        out_bytes(o, &c, 1);
    } else if (cp == REPLACEMENT && !(k == 3 && memcmp(src, "\xef\xbf\xbd", 3) == 0)) {
        out_bytes(o, "\xef\xbf\xbd", 3); /* an invalid byte: a real U+FFFD in its place */
    } else {
        out_bytes(o, src, k);
    }
}

/* Columns of cp as it will be written (ASCII mode: always 1). */
static int out_width(uint32_t cp, unsigned flags)
{
    if (flags & COLFMT_ASCII)
        return 1;
    return colfmt_cp_width(cp);
}

size_t colfmt_fit(const char *s, int width, enum colfmt_align align, unsigned flags, char *buf,
                  size_t cap)
{
    struct out o = {buf, cap, 0, 0};
    if (cap > 0)
        buf[0] = '\0';
    if (width <= 0)
        return 0;

    /* total width as it will be written */
    size_t n = strlen(s);
    int total = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = colfmt_decode(s + i, n - i, &cp);
        total += out_width(cp, flags);
        i += k;
    }

    if (total <= width) {
        int pad = width - total, left = 0;
        if (align == COLFMT_RIGHT)
            left = pad;
        else if (align == COLFMT_CENTER)
            left = pad / 2;
        out_spaces(&o, left);
        for (size_t i = 0; i < n;) {
            uint32_t cp;
            size_t k = colfmt_decode(s + i, n - i, &cp);
            out_cp(&o, cp, s + i, k, flags);
            i += k;
        }
        out_spaces(&o, pad - left);
        return o.len;
    }

    /* cut: keep what fits in width minus the ellipsis column (the head only, or with
     * COLFMT_MIDDLE half of it and the tail after the ellipsis) */
    bool ellipsis = !(flags & COLFMT_NO_ELLIPSIS);
    int room = ellipsis ? width - 1 : width, used = 0;
    int head = (flags & COLFMT_MIDDLE) ? room / 2 : room;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = colfmt_decode(s + i, n - i, &cp);
        int w = out_width(cp, flags);
        if (used + w > head)
            break;
        out_cp(&o, cp, s + i, k, flags);
        used += w;
        i += k;
    }
    if (!(flags & COLFMT_MIDDLE))
        out_spaces(&o, room - used); /* a wide character did not fit whole */
    if (ellipsis) {
        if (flags & COLFMT_ASCII)
            out_bytes(&o, "~", 1);
        else
            out_bytes(&o, "\xe2\x80\xa6", 3);
    }
    if (flags & COLFMT_MIDDLE) {
        /* the tail: from the first character after which the rest fits in room - used */
        int tail = room - used, before = 0;
        size_t i = 0;
        while (i < n && total - before > tail) {
            uint32_t cp;
            size_t k = colfmt_decode(s + i, n - i, &cp);
            before += out_width(cp, flags);
            i += k;
        }
        out_spaces(&o, tail - (total - before)); /* a wide character did not fit whole */
        for (; i < n;) {
            uint32_t cp;
            size_t k = colfmt_decode(s + i, n - i, &cp);
            out_cp(&o, cp, s + i, k, flags);
            i += k;
        }
    }
    return o.len;
}

/* ---------------------------------------------------------------------------------------------
 * Units
 * ------------------------------------------------------------------------------------------ */

struct suffix_unit {
    const char *suffix;
    enum colfmt_unit unit;
    double to_ms;
};

static const struct suffix_unit suffixes[] = {
    {"_ms", COLFMT_UNIT_DURATION, 1},        {"_msec", COLFMT_UNIT_DURATION, 1},
    {"_millis", COLFMT_UNIT_DURATION, 1},    {"_milliseconds", COLFMT_UNIT_DURATION, 1},
    {"_us", COLFMT_UNIT_DURATION, 1e-3},     {"_usec", COLFMT_UNIT_DURATION, 1e-3},
    {"_micros", COLFMT_UNIT_DURATION, 1e-3}, {"_microseconds", COLFMT_UNIT_DURATION, 1e-3},
    {"_ns", COLFMT_UNIT_DURATION, 1e-6},     {"_nsec", COLFMT_UNIT_DURATION, 1e-6},
    {"_nanos", COLFMT_UNIT_DURATION, 1e-6},  {"_nanoseconds", COLFMT_UNIT_DURATION, 1e-6},
    {"_s", COLFMT_UNIT_DURATION, 1e3},       {"_sec", COLFMT_UNIT_DURATION, 1e3},
    {"_secs", COLFMT_UNIT_DURATION, 1e3},    {"_seconds", COLFMT_UNIT_DURATION, 1e3},
    {"_bytes", COLFMT_UNIT_BYTES, 0},        {"_b", COLFMT_UNIT_BYTES, 0},
};

/* Whether the first n bytes of s contain word, ignoring ASCII case. */
static bool contains_ci(const char *s, size_t n, const char *word)
{
    size_t w = strlen(word);
    for (size_t i = 0; i + w <= n; i++)
        if (strncasecmp(s + i, word, w) == 0)
            return true;
    return false;
}

void colfmt_unit_of(const char *key, struct colfmt_unit_info *out)
{
    size_t n = strcspn(key, "{");
    *out = (struct colfmt_unit_info){COLFMT_UNIT_NONE, 0};
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        size_t k = strlen(suffixes[i].suffix);
        if (n > k && strncasecmp(key + n - k, suffixes[i].suffix, k) == 0) {
            out->unit = suffixes[i].unit;
            out->to_ms = suffixes[i].to_ms;
            return;
        }
    }
    if (contains_ci(key, n, "latency") || contains_ci(key, n, "duration")) {
        out->unit = COLFMT_UNIT_DURATION;
        out->to_ms = 1;
    }
}

char *colfmt_value(double v, const struct colfmt_unit_info *u, char *buf, size_t cap)
{
    if (u->unit == COLFMT_UNIT_DURATION && !isnan(v))
        return fmt_duration_ms(v * u->to_ms, buf, cap);
    fmt_si(v, buf, cap);
    if (u->unit == COLFMT_UNIT_BYTES && !isnan(v)) {
        size_t n = strlen(buf);
        if (n + 2 <= cap) {
            buf[n] = 'B';
            buf[n + 1] = '\0';
        }
    }
    return buf;
}
