/* text.c — UTF-8 decoding, string widths and clusters, the terminal-safety sanitizer, and nick
 * rules. Everything shown on screen that came from another user goes through text_sanitize. */
#include "core/text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

/* ---- UTF-8 ------------------------------------------------------------------------------- */

size_t text_decode(const char *s, size_t len, uint32_t *cp, int *valid)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte (Table 3-7) */
    size_t need, i;
    uint32_t v = 0;

    if (len == 0)
        return 0;
    if (u[0] < 0x80) {
        *cp = u[0];
        if (valid)
            *valid = 1;
        return 1;
    }
    if (u[0] >= 0xC2 && u[0] <= 0xDF) {
        need = 1, v = u[0] & 0x1F;
    } else if (u[0] >= 0xE0 && u[0] <= 0xEF) {
        need = 2, v = u[0] & 0x0F;
        if (u[0] == 0xE0)
            lo = 0xA0; /* no overlongs */
        else if (u[0] == 0xED)
            hi = 0x9F; /* no surrogates */
    } else if (u[0] >= 0xF0 && u[0] <= 0xF4) {
        need = 3, v = u[0] & 0x07;
        if (u[0] == 0xF0)
            lo = 0x90; /* no overlongs */
        else if (u[0] == 0xF4)
            hi = 0x8F; /* nothing above U+10FFFF */
    } else {
        need = 0; /* 0x80-0xC1 and 0xF5-0xFF never start a sequence */
    }
    if (need == 0) {
        *cp = TEXT_REPLACEMENT;
        if (valid)
            *valid = 0;
        return 1;
    }
    for (i = 1; i <= need; i++) {
        unsigned char l = i == 1 ? lo : 0x80, h = i == 1 ? hi : 0xBF;
        if (i >= len || u[i] < l || u[i] > h) {
            /* The maximal subpart is the lead plus the continuation bytes accepted so far. */
            *cp = TEXT_REPLACEMENT;
            if (valid)
                *valid = 0;
            return i;
        }
        v = (v << 6) | (u[i] & 0x3F);
    }
    *cp = v;
    if (valid)
        *valid = 1;
    return need + 1;
}

size_t text_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp >= 0xD800 && cp <= 0xDFFF)
        return 0;
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    if (cp > 0x10FFFF)
        return 0;
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

int text_valid(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        int ok;
        i += text_decode(s + i, len - i, &cp, &ok);
        if (!ok)
            return 0;
    }
    return 1;
}

/* ---- widths and clusters ------------------------------------------------------------------ */

/* Columns of the code point at s[off]: controls 0, invalid subparts 1 (shown as U+FFFD). */
static size_t cp_at(const char *s, size_t len, size_t off, uint32_t *cp, int *cols)
{
    int ok, w;
    size_t n = text_decode(s + off, len - off, cp, &ok);
    w = ok ? text_cp_width(*cp) : 1;
    *cols = w < 0 ? 0 : w;
    return n;
}

/* 1 if the code point at s[off] is zero-width (a mark that joins the preceding character). */
static int is_joiner(const char *s, size_t len, size_t off)
{
    uint32_t cp;
    int ok;
    text_decode(s + off, len - off, &cp, &ok);
    return ok && text_cp_width(cp) == 0;
}

size_t text_width(const char *s, size_t len)
{
    size_t i = 0, cols = 0;
    while (i < len) {
        uint32_t cp;
        int w;
        i += cp_at(s, len, i, &cp, &w);
        cols += (size_t)w;
    }
    return cols;
}

size_t text_cluster_next(const char *s, size_t len, size_t off, int *cols)
{
    uint32_t cp;
    int w;
    size_t end;

    if (off >= len) {
        if (cols)
            *cols = 0;
        return len;
    }
    end = off + cp_at(s, len, off, &cp, &w);
    if (cp != '\n') {
        while (end < len && is_joiner(s, len, end))
            end += text_decode(s + end, len - end, &cp, NULL);
    }
    if (cols)
        *cols = w;
    return end;
}

/* Start of the code point that ends at off (off > 0); assumes well-formed UTF-8. */
static size_t cp_prev(const char *s, size_t off)
{
    size_t p = off - 1;
    while (p > 0 && off - p < 4 && ((unsigned char)s[p] & 0xC0) == 0x80)
        p--;
    return p;
}

size_t text_cluster_prev(const char *s, size_t off)
{
    size_t p;
    if (off == 0)
        return 0;
    p = cp_prev(s, off);
    /* Walk back over zero-width code points to their base, unless the base would be \n. */
    while (p > 0 && is_joiner(s, off, p)) {
        size_t q = cp_prev(s, p);
        if (s[q] == '\n')
            break;
        p = q;
    }
    return p;
}

size_t text_fit(const char *s, size_t len, size_t max_cols, size_t *cols)
{
    size_t off = 0, used = 0;
    while (off < len) {
        int w;
        size_t end = text_cluster_next(s, len, off, &w);
        if (used + (size_t)w > max_cols)
            break;
        used += (size_t)w;
        off = end;
    }
    if (cols)
        *cols = used;
    return off;
}

/* ---- the sanitizer ------------------------------------------------------------------------- */

struct san {
    struct text_buf *out;
    size_t max_bytes, max_cols; /* SIZE_MAX when uncapped */
    const char *marker;
    size_t marker_len, marker_cols;
    size_t safe_len, safe_cols; /* last cut point where the kept text plus the marker fits */
    size_t line_cols;           /* columns since the last \n, for tab stops */
    int done;
};

static void buf_reserve(struct text_buf *b, size_t extra)
{
    size_t want = b->len + extra + 1, cap = b->cap ? b->cap : 64;
    if (b->s && want <= b->cap)
        return;
    while (cap < want)
        cap *= 2;
    b->s = xrealloc(b->s, cap);
    b->mark = xrealloc(b->mark, cap);
    b->cap = cap;
}

/* Appends n raw bytes to b (room already reserved). */
static void buf_add(struct text_buf *b, const char *p, size_t n, size_t cols, unsigned mark)
{
    memcpy(b->s + b->len, p, n);
    memset(b->mark + b->len, (int)mark, n);
    b->len += n;
    b->cols += cols;
}

/* Cuts back to the last safe point and appends as much of the marker as the caps allow. */
static void san_truncate(struct san *z)
{
    struct text_buf *b = z->out;
    size_t n = z->marker_len;

    b->len = z->safe_len;
    b->cols = z->safe_cols;
    if (b->len + n > z->max_bytes || b->cols + z->marker_cols > z->max_cols) {
        /* Caps smaller than the marker: only the ASCII dots can be shortened. */
        n = 0;
        if (z->marker_cols == z->marker_len) {
            while (n < z->marker_len && b->len + n < z->max_bytes && b->cols + n < z->max_cols)
                n++;
        }
    }
    buf_reserve(b, n);
    buf_add(b, z->marker, n, n == z->marker_len ? z->marker_cols : n, TEXT_MARK_TRUNC);
    b->truncated = 1;
    z->done = 1;
}

/* Appends one output unit (the rendering of one input character), or truncates. */
static void san_put(struct san *z, const char *p, size_t n, size_t cols, unsigned mark)
{
    struct text_buf *b = z->out;

    if (b->len + n > z->max_bytes || b->cols + cols > z->max_cols) {
        san_truncate(z);
        return;
    }
    buf_reserve(b, n);
    buf_add(b, p, n, cols, mark);
    z->line_cols = (n == 1 && p[0] == '\n') ? 0 : z->line_cols + cols;
    if (b->len + z->marker_len <= z->max_bytes && b->cols + z->marker_cols <= z->max_cols) {
        z->safe_len = b->len;
        z->safe_cols = b->cols;
    }
}

static void san_caret(struct san *z, uint32_t cp)
{
    char v[2] = {'^', cp == 0x7F ? '?' : (char)(cp + 0x40)};
    z->out->n_ctrl++;
    san_put(z, v, 2, 2, TEXT_MARK_CTRL);
}

static void san_c1(struct san *z, uint32_t cp)
{
    static const char hex[] = "0123456789ABCDEF";
    char v[4] = {'<', hex[cp >> 4], hex[cp & 0xF], '>'};
    z->out->n_ctrl++;
    san_put(z, v, 4, 4, TEXT_MARK_CTRL);
}

/* C0 controls: newline, carriage return and tab by flags, the rest as caret notation. */
static void san_c0(struct san *z, unsigned flags, uint32_t cp, const char *next, size_t left)
{
    if ((flags & TEXT_NICK) && text_cp_is_space(cp)) {
        z->out->n_stripped++;
    } else if (cp == '\n' && (flags & TEXT_KEEP_NEWLINE)) {
        san_put(z, "\n", 1, 0, 0);
    } else if (cp == '\r' && (flags & TEXT_KEEP_NEWLINE) && left > 0 && next[0] == '\n') {
        /* \r\n is a newline; a lone \r stays visible, as it could rewrite the line. */
    } else if (cp == '\t' && (flags & TEXT_EXPAND_TAB)) {
        static const char spaces[8] = "        ";
        size_t n = 8 - z->line_cols % 8;
        san_put(z, spaces, n, n, 0);
    } else {
        san_caret(z, cp);
    }
}

void text_sanitize_limit(const char *in, size_t len, unsigned flags, size_t max_bytes,
                         size_t max_cols, struct text_buf *out)
{
    struct san z = {0};
    size_t i = 0;

    z.out = out;
    z.max_bytes = max_bytes ? max_bytes : SIZE_MAX;
    z.max_cols = max_cols ? max_cols : SIZE_MAX;
    z.marker = (flags & TEXT_ASCII) ? "..." : "\xe2\x80\xa6";
    z.marker_len = 3;
    z.marker_cols = (flags & TEXT_ASCII) ? 3 : 1;
    z.safe_len = z.safe_cols = 0;
    out->len = out->cols = 0;
    out->n_ctrl = out->n_invalid = out->n_stripped = 0;
    out->truncated = 0;
    buf_reserve(out, 0);

    uint32_t prev = 0; /* the last code point kept */
    while (i < len && !z.done) {
        uint32_t cp;
        int ok;
        size_t n = text_decode(in + i, len - i, &cp, &ok);
        if (ok && cp == 0x200D && text_cp_is_emoji_part(prev)) {
            out->n_stripped++; /* see text.h: the joiner of an emoji sequence */
            i += n;
            continue;
        }
        prev = ok ? cp : TEXT_REPLACEMENT;

        if (!ok) {
            out->n_invalid++;
            if (flags & TEXT_ASCII)
                san_put(&z, "?", 1, 1, TEXT_MARK_CTRL);
            else
                san_put(&z, "\xef\xbf\xbd", 3, 1, TEXT_MARK_CTRL);
        } else if (cp < 0x20 || cp == 0x7F) {
            san_c0(&z, flags, cp, in + i + 1, len - i - 1);
        } else if (cp >= 0x80 && cp < 0xA0) {
            if ((flags & TEXT_NICK) && cp == 0x85)
                out->n_stripped++; /* NEXT LINE is White_Space */
            else
                san_c1(&z, cp);
        } else if (text_cp_is_bidi(cp) ||
                   ((flags & TEXT_NICK) && (text_cp_is_space(cp) || text_cp_is_format(cp)))) {
            out->n_stripped++;
        } else {
            san_put(&z, in + i, n, (size_t)text_cp_width(cp), 0);
        }
        i += n;
    }
    out->s[out->len] = '\0';
}

void text_sanitize(const char *in, size_t len, unsigned flags, struct text_buf *out)
{
    if (flags & TEXT_NICK)
        text_sanitize_limit(in, len, flags, TEXT_NICK_MAX_BYTES, TEXT_NICK_MAX_COLS, out);
    else
        text_sanitize_limit(in, len, flags, TEXT_DEFAULT_MAX_BYTES, 0, out);
}

size_t text_buf_run(const struct text_buf *b, size_t off, size_t end, unsigned *mark)
{
    unsigned char m = b->mark[off];
    while (off < end && b->mark[off] == m)
        off++;
    if (mark)
        *mark = m;
    return off;
}

void text_buf_free(struct text_buf *b)
{
    if (!b)
        return;
    free(b->s);
    free(b->mark);
    memset(b, 0, sizeof(*b));
}

/* ---- nicks --------------------------------------------------------------------------------- */

/* Non-ASCII code points refused in nicks besides controls, spaces and format characters. */
static int nick_cp_refused(uint32_t cp)
{
    if ((cp >= 0xE000 && cp <= 0xF8FF) || cp >= 0xF0000)
        return 1; /* private use: renders as anything */
    if ((cp & 0xFFFE) == 0xFFFE || (cp >= 0xFDD0 && cp <= 0xFDEF) || cp == TEXT_REPLACEMENT)
        return 1; /* noncharacters and the replacement character */
    /* Letters that render blank: Hangul fillers and the braille blank. */
    return cp == 0x115F || cp == 0x1160 || cp == 0x3164 || cp == 0xFFA0 || cp == 0x2800;
}

int text_nick_valid(const char *nick)
{
    size_t len, i = 0, cols = 0;
    int have_base = 0;

    if (!nick)
        return 0;
    len = strlen(nick);
    if (len == 0 || len > TEXT_NICK_VALID_MAX_BYTES)
        return 0;
    while (i < len) {
        uint32_t cp;
        int ok, w;
        i += text_decode(nick + i, len - i, &cp, &ok);
        if (!ok)
            return 0;
        if (cp < 0x80) {
            int alnum =
                (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
            if (!alnum && !strchr("_-.[]{}|^", (int)cp))
                return 0;
            w = 1;
        } else {
            if (text_cp_is_space(cp) || text_cp_is_format(cp) || nick_cp_refused(cp))
                return 0;
            w = text_cp_width(cp);
            if (w < 0 || (w == 0 && !have_base))
                return 0;
        }
        have_base = 1;
        cols += (size_t)w;
    }
    return cols >= 1 && cols <= TEXT_NICK_MAX_COLS;
}

int text_nick_color(const char *nick, int ncolors)
{
    uint32_t h = 2166136261u; /* FNV-1a offset basis */
    if (!nick || ncolors <= 0)
        return 0;
    for (const unsigned char *p = (const unsigned char *)nick; *p; p++) {
        h ^= *p;
        h *= 16777619u; /* FNV prime */
    }
    return (int)(h % (uint32_t)ncolors);
}
