/* lineedit.c — the chat input line editor (see lineedit.h). The buffer is kept clean (valid
 * UTF-8, no controls but \n) and the cursor always sits on a character-cluster boundary. */
#include "core/lineedit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/text.h"

struct lineedit {
    char *buf; /* NUL-terminated */
    size_t len, cap, max_bytes;
    size_t cur;  /* cursor byte offset */
    char *kill;  /* last killed text, or NULL */
    char **hist; /* hist[0] is the oldest */
    size_t hist_n, hist_max;
    size_t hist_pos;   /* entry shown; hist_n while editing the unsent line */
    char *draft;       /* the unsent line while browsing history, else NULL */
    char *comp_word;   /* completion in progress: the typed prefix, else NULL */
    size_t comp_start; /* byte offset of the word being completed */
    size_t comp_next;  /* candidate index to try first on the next Tab */
    size_t scroll_col; /* first visible column, kept between renders */
};

/* ---- buffer primitives --------------------------------------------------------------------- */

static int is_space_byte(char c)
{
    return c == ' ' || c == '\n';
}

/* Ends a completion cycle: every call but lineedit_complete does this first. */
static void touch(struct lineedit *le)
{
    free(le->comp_word);
    le->comp_word = NULL;
}

/* Cleans untrusted input (see lineedit_insert). Returns an owned string, its length in *n_out. */
static char *clean(const char *s, size_t n, size_t *n_out)
{
    char *out = xmalloc(3 * n + 1); /* worst case: every byte becomes U+FFFD */
    size_t i = 0, o = 0;

    while (i < n) {
        uint32_t cp;
        int ok;
        size_t k = text_decode(s + i, n - i, &cp, &ok);
        if (!ok) {
            memcpy(out + o, "\xef\xbf\xbd", 3);
            o += 3;
        } else if (cp == '\r') {
            if (i + 1 >= n || s[i + 1] != '\n')
                out[o++] = '\n';
        } else if (cp == '\n' || cp == '\t') {
            out[o++] = cp == '\t' ? ' ' : '\n';
        } else if (cp >= 0x20 && cp != 0x7F && !(cp >= 0x80 && cp < 0xA0) && !text_cp_is_bidi(cp)) {
            memcpy(out + o, s + i, k);
            o += k;
        }
        i += k;
    }
    out[o] = '\0';
    *n_out = o;
    return out;
}

static void reserve(struct lineedit *le, size_t want)
{
    if (want + 1 <= le->cap)
        return;
    while (le->cap < want + 1)
        le->cap *= 2;
    le->buf = xrealloc(le->buf, le->cap);
}

/* Moves the cursor forward to the next cluster boundary if an edit left it inside a cluster
 * (a combining mark that now follows a different base). */
static void snap_cursor(struct lineedit *le)
{
    size_t p = le->cur;
    while (p > 0 && le->buf[p - 1] != '\n')
        p--;
    while (p < le->cur)
        p = text_cluster_next(le->buf, le->len, p, NULL);
    le->cur = p;
}

/* Replaces buf[from..to) with s[0..n) (already clean); the cursor goes after the new text.
 * Returns LINEEDIT_FULL, changing nothing, past max_bytes. */
static enum lineedit_rc replace(struct lineedit *le, size_t from, size_t to, const char *s,
                                size_t n)
{
    size_t new_len = le->len - (to - from) + n;
    if (new_len > le->max_bytes)
        return LINEEDIT_FULL;
    reserve(le, new_len);
    memmove(le->buf + from + n, le->buf + to, le->len - to + 1);
    memcpy(le->buf + from, s, n);
    le->len = new_len;
    le->cur = from + n;
    snap_cursor(le);
    return LINEEDIT_OK;
}

/* Removes buf[from..to), saving it for yank when kill is set; cursor goes to from. */
static enum lineedit_rc cut(struct lineedit *le, size_t from, size_t to, int kill)
{
    if (from >= to)
        return LINEEDIT_NOOP;
    if (kill) {
        free(le->kill);
        le->kill = xstrndup(le->buf + from, to - from);
    }
    return replace(le, from, to, "", 0);
}

/* Shows a stored line (already clean and within max_bytes), cursor at its end. */
static void load(struct lineedit *le, const char *s)
{
    size_t n = strlen(s);
    reserve(le, n);
    memcpy(le->buf, s, n + 1);
    le->len = le->cur = n;
}

/* ---- life cycle and state ------------------------------------------------------------------ */

struct lineedit *lineedit_new(size_t max_bytes, size_t max_history)
{
    struct lineedit *le = xcalloc(1, sizeof(*le));
    le->max_bytes = max_bytes ? max_bytes : LINEEDIT_DEFAULT_MAX_BYTES;
    le->hist_max = max_history ? max_history : LINEEDIT_DEFAULT_HISTORY;
    le->hist = xcalloc(le->hist_max, sizeof(*le->hist));
    le->cap = 64;
    le->buf = xcalloc(1, le->cap);
    return le;
}

void lineedit_free(struct lineedit *le)
{
    if (!le)
        return;
    for (size_t i = 0; i < le->hist_n; i++)
        free(le->hist[i]);
    free(le->hist);
    free(le->buf);
    free(le->kill);
    free(le->draft);
    free(le->comp_word);
    free(le);
}

const char *lineedit_text(const struct lineedit *le, size_t *len)
{
    if (len)
        *len = le->len;
    return le->buf;
}

size_t lineedit_cursor(const struct lineedit *le)
{
    return le->cur;
}

size_t lineedit_cursor_cp(const struct lineedit *le)
{
    size_t n = 0;
    for (size_t i = 0; i < le->cur; i++)
        n += ((unsigned char)le->buf[i] & 0xC0) != 0x80;
    return n;
}

size_t lineedit_line_count(const struct lineedit *le)
{
    size_t n = 1;
    if (le->len == 0)
        return 0;
    for (size_t i = 0; i < le->len; i++)
        n += le->buf[i] == '\n';
    return n;
}

/* ---- editing ------------------------------------------------------------------------------- */

enum lineedit_rc lineedit_insert(struct lineedit *le, const char *s, size_t n)
{
    size_t k;
    char *c;
    enum lineedit_rc rc;

    touch(le);
    c = clean(s, n, &k);
    rc = replace(le, le->cur, le->cur, c, k);
    free(c);
    return rc;
}

enum lineedit_rc lineedit_set(struct lineedit *le, const char *s, size_t n)
{
    size_t k;
    char *c;
    enum lineedit_rc rc;

    touch(le);
    c = clean(s, n, &k);
    rc = replace(le, 0, le->len, c, k);
    free(c);
    return rc;
}

void lineedit_clear(struct lineedit *le)
{
    touch(le);
    le->len = le->cur = 0;
    le->buf[0] = '\0';
}

enum lineedit_rc lineedit_left(struct lineedit *le)
{
    touch(le);
    if (le->cur == 0)
        return LINEEDIT_NOOP;
    le->cur = text_cluster_prev(le->buf, le->cur);
    return LINEEDIT_OK;
}

enum lineedit_rc lineedit_right(struct lineedit *le)
{
    touch(le);
    if (le->cur >= le->len)
        return LINEEDIT_NOOP;
    le->cur = text_cluster_next(le->buf, le->len, le->cur, NULL);
    return LINEEDIT_OK;
}

enum lineedit_rc lineedit_home(struct lineedit *le)
{
    touch(le);
    if (le->cur == 0)
        return LINEEDIT_NOOP;
    le->cur = 0;
    return LINEEDIT_OK;
}

enum lineedit_rc lineedit_end(struct lineedit *le)
{
    touch(le);
    if (le->cur == le->len)
        return LINEEDIT_NOOP;
    le->cur = le->len;
    return LINEEDIT_OK;
}

enum lineedit_rc lineedit_backspace(struct lineedit *le)
{
    touch(le);
    if (le->cur == 0)
        return LINEEDIT_NOOP;
    return cut(le, text_cluster_prev(le->buf, le->cur), le->cur, 0);
}

enum lineedit_rc lineedit_delete(struct lineedit *le)
{
    touch(le);
    if (le->cur >= le->len)
        return LINEEDIT_NOOP;
    return cut(le, le->cur, text_cluster_next(le->buf, le->len, le->cur, NULL), 0);
}

enum lineedit_rc lineedit_kill_to_start(struct lineedit *le)
{
    touch(le);
    return cut(le, 0, le->cur, 1);
}

enum lineedit_rc lineedit_kill_to_end(struct lineedit *le)
{
    touch(le);
    return cut(le, le->cur, le->len, 1);
}

enum lineedit_rc lineedit_kill_word(struct lineedit *le)
{
    size_t p = le->cur;

    touch(le);
    while (p > 0 && is_space_byte(le->buf[p - 1]))
        p--;
    /* Space and \n are ASCII, so stepping back by bytes stays on code point boundaries. */
    while (p > 0 && !is_space_byte(le->buf[p - 1]))
        p--;
    return cut(le, p, le->cur, 1);
}

enum lineedit_rc lineedit_yank(struct lineedit *le)
{
    touch(le);
    if (!le->kill || !le->kill[0])
        return LINEEDIT_NOOP;
    return replace(le, le->cur, le->cur, le->kill, strlen(le->kill));
}

/* ---- history ------------------------------------------------------------------------------- */

void lineedit_accept(struct lineedit *le)
{
    touch(le);
    if (le->len > 0 && (le->hist_n == 0 || strcmp(le->hist[le->hist_n - 1], le->buf) != 0)) {
        if (le->hist_n == le->hist_max) {
            free(le->hist[0]);
            memmove(le->hist, le->hist + 1, (le->hist_n - 1) * sizeof(*le->hist));
            le->hist_n--;
        }
        le->hist[le->hist_n++] = xstrdup(le->buf);
    }
    free(le->draft);
    le->draft = NULL;
    le->hist_pos = le->hist_n;
    le->len = le->cur = 0;
    le->buf[0] = '\0';
    le->scroll_col = 0;
}

enum lineedit_rc lineedit_history_prev(struct lineedit *le)
{
    touch(le);
    if (le->hist_pos == 0)
        return LINEEDIT_NOOP;
    if (le->hist_pos == le->hist_n) {
        free(le->draft);
        le->draft = xstrdup(le->buf);
    }
    load(le, le->hist[--le->hist_pos]);
    return LINEEDIT_OK;
}

enum lineedit_rc lineedit_history_next(struct lineedit *le)
{
    touch(le);
    if (le->hist_pos >= le->hist_n)
        return LINEEDIT_NOOP;
    if (++le->hist_pos < le->hist_n) {
        load(le, le->hist[le->hist_pos]);
    } else {
        load(le, le->draft ? le->draft : "");
        free(le->draft);
        le->draft = NULL;
    }
    return LINEEDIT_OK;
}

size_t lineedit_history_count(const struct lineedit *le)
{
    return le->hist_n;
}

const char *lineedit_history_get(const struct lineedit *le, size_t i)
{
    return i < le->hist_n ? le->hist[i] : NULL;
}

/* ---- completion ---------------------------------------------------------------------------- */

static int ascii_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int has_prefix_nocase(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++) {
        if (!*s || ascii_lower((unsigned char)*s) != ascii_lower((unsigned char)*prefix))
            return 0;
    }
    return 1;
}

enum lineedit_rc lineedit_complete(struct lineedit *le, const char *const *cands, size_t n)
{
    if (!le->comp_word) {
        size_t start = le->cur;
        while (start > 0 && !is_space_byte(le->buf[start - 1]))
            start--;
        le->comp_start = start;
        le->comp_word = xstrndup(le->buf + start, le->cur - start);
        le->comp_next = 0;
    }
    for (size_t k = 0; k < n; k++) {
        size_t i = (le->comp_next + k) % n, clen, rlen;
        char *cand, *rep;
        enum lineedit_rc rc;

        if (!cands[i] || !cands[i][0] || !has_prefix_nocase(cands[i], le->comp_word))
            continue;
        cand = clean(cands[i], strlen(cands[i]), &clen);
        rep = xmalloc(clen + 3);
        memcpy(rep, cand, clen);
        memcpy(rep + clen, le->comp_start == 0 ? ": " : " ", le->comp_start == 0 ? 3 : 2);
        rlen = clen + (le->comp_start == 0 ? 2 : 1);
        rc = replace(le, le->comp_start, le->cur, rep, rlen);
        free(cand);
        free(rep);
        if (rc != LINEEDIT_OK) {
            touch(le);
            return rc;
        }
        le->comp_next = i + 1;
        return LINEEDIT_OK;
    }
    touch(le);
    return LINEEDIT_NOOP;
}

/* ---- rendering ----------------------------------------------------------------------------- */

/* Columns of the cluster at off, with \n drawn as one cell; its end in *end. */
static size_t cell_cols(const struct lineedit *le, size_t off, size_t *end)
{
    int w;
    if (le->buf[off] == '\n') {
        *end = off + 1;
        return 1;
    }
    *end = text_cluster_next(le->buf, le->len, off, &w);
    return (size_t)w;
}

void lineedit_render(struct lineedit *le, int width, struct lineedit_view *v)
{
    size_t off = 0, end, col = 0, cursor_col = 0, total, first_col, cw = 1, w;

    memset(v, 0, sizeof(*v));
    if (width <= 0)
        return;
    /* Absolute columns of the cursor and of the whole text. */
    while (off < le->len) {
        w = cell_cols(le, off, &end);
        if (off <= le->cur && le->cur < end) {
            cursor_col = col;
            cw = w ? w : 1;
        }
        col += w;
        off = end;
    }
    total = col;
    if (le->cur >= le->len)
        cursor_col = total;
    if (cw > (size_t)width)
        cw = (size_t)width;

    if (cursor_col < le->scroll_col)
        le->scroll_col = cursor_col;
    if (cursor_col + cw > le->scroll_col + (size_t)width)
        le->scroll_col = cursor_col + cw - (size_t)width;
    if (total + 1 <= (size_t)width)
        le->scroll_col = 0;
    else if (le->scroll_col > total + 1 - (size_t)width)
        le->scroll_col = total + 1 - (size_t)width; /* the text shrank: show more of it */

    /* First cluster starting at or after the scroll column (a straddling wide one is hidden). */
    off = col = 0;
    while (off < le->len && col < le->scroll_col)
        col += cell_cols(le, off, &off);
    first_col = col;
    end = off;
    while (end < le->len) {
        size_t next;
        w = cell_cols(le, end, &next);
        if (col - first_col + w > (size_t)width)
            break;
        col += w;
        end = next;
    }
    v->off = off;
    v->len = end - off;
    v->cols = (int)(col - first_col);
    v->cursor_col = (int)(cursor_col - first_col);
    v->more_left = off > 0;
    v->more_right = end < le->len;
}
