/* wrap.h — width-aware word wrapping of sanitized UTF-8 text into terminal lines, for the chat
 * view: CJK and emoji count two columns, a wide character is never split, marks stay with their
 * base. Returns spans into the caller's text; allocates nothing. */
#ifndef WR_WRAP_H
#define WR_WRAP_H

#include <stddef.h>

/* One output line: the bytes s[off .. off+len) drawn after `indent` blank columns. */
struct wrap_line {
    size_t off; /* byte offset of the line in the wrapped text */
    size_t len; /* bytes; the spaces or the \n at a break belong to no line */
    int cols;   /* display columns of those bytes */
    int indent; /* blank columns the caller draws first: 0 on the first line, else the
                   hanging indent */
};

/* Wraps s[0..len) (sanitized: no controls but \n) into lines of at most `width` columns: the
 * first line gets `width` columns, continuation lines `indent` blank columns then width - indent
 * (an indent >= width is ignored, so continuation lines then use the full width).
 * Rules: \n always ends a line; a line breaks after the last space that fits (the spaces at the
 * break are dropped, as is a \n right after them), or next to a wide character (CJK text needs
 * no spaces); a word longer than the line is cut at a character-cluster boundary; a wide
 * character that would get only one column moves to the next line. A line is wider than its
 * room only when the room is narrower than one cluster (width 1 and a CJK character).
 * Writes the first min(count, max_lines) lines to lines (NULL allowed when max_lines is 0) and
 * returns the count needed, like snprintf. Empty text gives one empty line; width <= 0 gives 0. */
size_t wrap_text(const char *s, size_t len, int width, int indent, struct wrap_line *lines,
                 size_t max_lines);

#endif
