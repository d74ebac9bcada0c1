/* wrap.c — greedy, width-aware line breaking for the chat view (see wrap.h for the rules).
 * Break opportunities: after a run of spaces, and before or after a wide (CJK) character. */
#include "core/wrap.h"

#include "core/text.h"

enum line_end {
    END_TEXT,    /* the text ran out: no further line */
    END_NEWLINE, /* a \n was consumed: another line follows, possibly empty */
    END_BREAK,   /* wrapped: another line follows if text remains */
};

/* The best place seen so far to end the current line. */
struct brk {
    int set;
    size_t end;  /* line ends here (trailing spaces trimmed when used) */
    size_t next; /* next line starts here (leading spaces skipped when used) */
    int cols;
};

/* Ends a line at b: trims trailing spaces, skips the spaces after the break, and a \n right
 * after them (the wrap already ended the line). */
static enum line_end take_break(const char *s, size_t len, size_t start, const struct brk *b,
                                size_t *end, int *cols, size_t *next)
{
    size_t e = b->end, n = b->next;
    int c = b->cols, at_space = b->next > b->end;

    while (e > start && s[e - 1] == ' ') {
        e--;
        c--;
    }
    while (n < len && s[n] == ' ') {
        n++;
        at_space = 1;
    }
    *end = e;
    *cols = c;
    if (at_space && n < len && s[n] == '\n') {
        *next = n + 1;
        return END_NEWLINE;
    }
    *next = n;
    return END_BREAK;
}

/* Scans one line starting at start with room columns. */
static enum line_end scan_line(const char *s, size_t len, size_t start, int room, size_t *end,
                               int *cols_out, size_t *next)
{
    struct brk b = {0};
    size_t p = start;
    int cols = 0, content = 0;

    for (;;) {
        size_t cend;
        int w;

        if (p >= len || s[p] == '\n') {
            *end = p;
            *cols_out = cols;
            *next = p < len ? p + 1 : len;
            return p < len ? END_NEWLINE : END_TEXT;
        }
        cend = text_cluster_next(s, len, p, &w);
        if (s[p] == ' ' && cend == p + 1) {
            if (content) {
                b = (struct brk){1, p, p + 1, cols};
                if (cols + 1 > room)
                    return take_break(s, len, start, &b, end, cols_out, next);
            } else if (cols + 1 > room) {
                /* Leading spaces wider than the line: keep what fits, drop the rest of the
                 * run (start = p, so nothing is trimmed). */
                b = (struct brk){1, p, p + 1, cols};
                return take_break(s, len, p, &b, end, cols_out, next);
            }
            cols++;
            p = cend;
            continue;
        }
        if (w == 2 && content)
            b = (struct brk){1, p, p, cols}; /* a wide character may start a new line */
        if (cols + w > room) {
            if (b.set)
                return take_break(s, len, start, &b, end, cols_out, next);
            if (p == start) {
                /* Room narrower than this one cluster: it gets a line of its own. */
                b = (struct brk){1, cend, cend, w};
                return take_break(s, len, start, &b, end, cols_out, next);
            }
            break;
        }
        cols += w;
        p = cend;
        if (w > 0)
            content = 1;
        if (w == 2)
            b = (struct brk){1, p, p, cols}; /* ... or end one */
    }
    /* Hard break at a cluster boundary. */
    *end = p;
    *cols_out = cols;
    *next = p;
    return p < len ? END_BREAK : END_TEXT;
}

size_t wrap_text(const char *s, size_t len, int width, int indent, struct wrap_line *lines,
                 size_t max_lines)
{
    size_t n = 0, pos = 0;
    enum line_end how;

    if (width <= 0)
        return 0;
    if (indent < 0 || indent >= width)
        indent = 0;
    do {
        size_t end, next;
        int cols, lead = n == 0 ? 0 : indent;

        how = scan_line(s, len, pos, width - lead, &end, &cols, &next);
        if (n < max_lines)
            lines[n] = (struct wrap_line){pos, end - pos, cols, lead};
        n++;
        pos = next;
    } while (how == END_NEWLINE || (how == END_BREAK && pos < len));
    return n;
}
