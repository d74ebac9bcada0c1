/* ui.h — the interface as a whole: the panes of the layout and the views they show, focus and
 * zoom, the help overlay, the filter input line, the status and hint lines, key and mouse
 * dispatch through the key table, and frames (wnoutrefresh per dirty window, one doupdate).
 * It renders a struct model and never talks to Redis; the app drives it from its event loop. */
#ifndef WR_UI_H
#define WR_UI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/layout.h"
#include "ui/model.h"

struct ui; /* opaque: ui/ui_impl.h has the inside, for ui/ only */

enum ui_result {
    UI_IDLE = 0,    /* nothing changed */
    UI_CHANGED = 1, /* something to redraw: schedule a frame */
    UI_QUIT = 2,    /* the user asked to leave */
    UI_EOF = 4,     /* ui_feed only: the terminal is gone (end of file, hang-up) */
};

enum ui_dirty {
    UI_DIRTY_DATA = 1u << 0,   /* the series table or the clock: table and detail */
    UI_DIRTY_STATUS = 1u << 1, /* the status line */
    UI_DIRTY_ALERTS = 1u << 2,
    UI_DIRTY_CHAT = 1u << 3,
    UI_DIRTY_ALL = 0xFFu, /* everything, e.g. after a resize */
};

/* Creates the interface over m on an initialised screen (ui/screen) and lays it out for the
 * current terminal size. Never returns NULL. */
struct ui *ui_new(struct model *m);

/* Frees the windows and the views' state (the screen stays up). NULL is a no-op. */
void ui_free(struct ui *ui);

/* Lays the panes out again for the current terminal size (after SIGWINCH or KEY_RESIZE).
 * Idempotent: calling it twice for one size changes nothing the second time. */
void ui_relayout(struct ui *ui);

/* Marks parts for the next frame (enum ui_dirty bits). */
void ui_mark(struct ui *ui, unsigned what);

/* Whether a frame would draw anything. */
bool ui_dirty(const struct ui *ui);

/* Handles one key: a code point, or KEYS_FKEY + a curses KEY_* code. */
enum ui_result ui_key(struct ui *ui, int code);

/* Handles text pasted in one bracketed paste: the focused view's paste function, else the
 * characters one by one as keys. */
enum ui_result ui_paste(struct ui *ui, const char *s, size_t len);

/* Reads and handles every key, paste and mouse event the terminal has for us (ui/input), for
 * the stdin watcher of the app's loop. Returns a set of enum ui_result bits: UI_CHANGED (a
 * frame is due), UI_QUIT (stop reading: the user asked to leave), UI_EOF (stdin kept reading
 * as ready with nothing in it: the terminal is gone). */
unsigned ui_feed(struct ui *ui);

/* Rings the terminal bell. */
void ui_bell(void);

/* Gives the focus to a pane (enum layout_pane), e.g. the chat at start-up. */
void ui_focus(struct ui *ui, int pane);

/* Draws one frame: the dirty panes (recomputed first unless paused), the status and hint
 * lines, the help overlay, then one doupdate(). */
void ui_draw(struct ui *ui);

/* For views: open the detail view of s (it takes the whole main area), and back. */
void ui_open_detail(struct ui *ui, const struct series *s);
/* Opens the overlay on the model's incident timeline (timeline_title, timeline_lines); it
 * follows their changes until a key closes it. */
void ui_open_timeline(struct ui *ui);
void ui_close_detail(struct ui *ui);

/* The dead-letter view over the main area (the d key, a click on "rejected N"); it asks the
 * app for the entries (model.dlq.reload). ui_close_detail goes back. */
void ui_open_deadletters(struct ui *ui);
/* Shows the workers view over the series table (as the dead letters); the app reads for it
 * while it is open (model.workers). ui_close_detail goes back. */
void ui_open_workers(struct ui *ui);

#endif
