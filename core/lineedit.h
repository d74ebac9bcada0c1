/* lineedit.h — the chat input line: a UTF-8 buffer edited by character cluster, with emacs keys
 * (Ctrl-A/E/U/K/W/Y), history, Tab nick completion, and a horizontal-scroll view for drawing.
 * Pure state machine: the UI maps keys to these calls and draws lineedit_render's span. */
#ifndef WR_LINEEDIT_H
#define WR_LINEEDIT_H

#include <stddef.h>

#define LINEEDIT_DEFAULT_MAX_BYTES 4096
#define LINEEDIT_DEFAULT_HISTORY 100

/* Results of the editing calls. */
enum lineedit_rc {
    LINEEDIT_OK = 0,   /* done */
    LINEEDIT_NOOP = 1, /* nothing to do (at a boundary, no history, no completion match) */
    LINEEDIT_FULL = 2, /* refused: the buffer would exceed max_bytes; nothing changed */
};

struct lineedit;

/* Creates an empty editor holding at most max_bytes bytes (0: LINEEDIT_DEFAULT_MAX_BYTES) and
 * at most max_history history entries (0: LINEEDIT_DEFAULT_HISTORY). Free with lineedit_free. */
struct lineedit *lineedit_new(size_t max_bytes, size_t max_history);
void lineedit_free(struct lineedit *le); /* NULL is a no-op */

/* The buffer: NUL-terminated, well-formed UTF-8 without controls except \n. Borrowed: valid
 * until the next call that changes the editor. *len (if not NULL) gets its length in bytes. */
const char *lineedit_text(const struct lineedit *le, size_t *len);
size_t lineedit_cursor(const struct lineedit *le);    /* cursor as a byte offset */
size_t lineedit_cursor_cp(const struct lineedit *le); /* cursor as a code point index */
/* Lines the buffer would send: 0 when empty, else 1 + the number of \n. */
size_t lineedit_line_count(const struct lineedit *le);

/* Inserts s[0..n) at the cursor and moves the cursor after it. The text is cleaned first:
 * invalid UTF-8 becomes U+FFFD, \r\n and \r become \n, \t becomes a space, other C0/C1
 * controls, DEL and bidi controls are dropped. Returns LINEEDIT_FULL, changing nothing, when
 * the cleaned text does not fit in max_bytes (a paste is never cut in the middle). */
enum lineedit_rc lineedit_insert(struct lineedit *le, const char *s, size_t n);
/* Replaces the whole buffer (cursor at the end); same cleaning and limit as insert. */
enum lineedit_rc lineedit_set(struct lineedit *le, const char *s, size_t n);
void lineedit_clear(struct lineedit *le);

/* Cursor motion by character cluster (a base and its combining marks move as one). */
enum lineedit_rc lineedit_left(struct lineedit *le);
enum lineedit_rc lineedit_right(struct lineedit *le);
enum lineedit_rc lineedit_home(struct lineedit *le); /* Ctrl-A: start of the buffer */
enum lineedit_rc lineedit_end(struct lineedit *le);  /* Ctrl-E: end of the buffer */

/* Deletion. Backspace removes the cluster before the cursor, Delete the one under it. The kill
 * calls save what they remove for lineedit_yank; Ctrl-W removes the spaces before the cursor,
 * then the run of non-space characters before them. */
enum lineedit_rc lineedit_backspace(struct lineedit *le);
enum lineedit_rc lineedit_delete(struct lineedit *le);
enum lineedit_rc lineedit_kill_to_start(struct lineedit *le); /* Ctrl-U */
enum lineedit_rc lineedit_kill_to_end(struct lineedit *le);   /* Ctrl-K */
enum lineedit_rc lineedit_kill_word(struct lineedit *le);     /* Ctrl-W */
enum lineedit_rc lineedit_yank(struct lineedit *le);          /* Ctrl-Y: insert the last kill */

/* History. lineedit_accept records the buffer (unless empty or equal to the newest entry;
 * the oldest entry goes when full) and clears the buffer: call it after copying the text out.
 * Up shows older entries; the unsent line is kept and comes back when Down passes the newest
 * entry. Edits to a recalled entry are dropped when moving away from it. */
void lineedit_accept(struct lineedit *le);
enum lineedit_rc lineedit_history_prev(struct lineedit *le); /* Up */
enum lineedit_rc lineedit_history_next(struct lineedit *le); /* Down */
size_t lineedit_history_count(const struct lineedit *le);
/* Entry i, 0 = oldest; NULL when out of range. Borrowed like lineedit_text. */
const char *lineedit_history_get(const struct lineedit *le, size_t i);

/* Tab completion. Completes the word before the cursor (back to a space, \n or the start) with
 * the first of cands[0..n) that starts with it (ASCII case-insensitive), adding ": " when the
 * word starts the buffer and " " elsewhere, as weechat does. Repeated calls with nothing else
 * in between cycle through the other matches in list order, wrapping around; pass the same
 * list while cycling. Returns LINEEDIT_NOOP when nothing matches, LINEEDIT_FULL when the
 * completion does not fit. */
enum lineedit_rc lineedit_complete(struct lineedit *le, const char *const *cands, size_t n);

/* What to draw for an input field `width` columns wide. */
struct lineedit_view {
    size_t off, len; /* the visible bytes of lineedit_text */
    int cols;        /* their columns (a \n counts 1: draw it as one visible cell, e.g. a
                        reverse-video "↵") */
    int cursor_col;  /* cursor column within the field, 0 .. width-1 */
    int more_left;   /* 1 if text is hidden left of the field */
    int more_right;  /* 1 if text is hidden right of the field */
};

/* Computes the visible window: scrolls horizontally by as few columns as keep the cursor's
 * cluster (or the cell after the end) on screen, never shows half of a wide character, and
 * scrolls back when the text shrinks. Remembers the scroll position for the next call. With
 * width <= 0 the view is empty. */
void lineedit_render(struct lineedit *le, int width, struct lineedit_view *v);

#endif
