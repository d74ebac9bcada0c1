/* ui_impl.h — the inside of struct ui, for ui/ only (the app sees ui/ui.h's opaque handle):
 * the panes and their views, focus and zoom, overlays, the input decoder (ui/input). */
#ifndef WR_UI_IMPL_H
#define WR_UI_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include <ncursesw/curses.h>

#include "core/layout.h"
#include "ui/input.h"
#include "ui/ui.h"
#include "ui/view.h"

struct ui_pane {
    WINDOW *win; /* NULL while hidden */
    struct layout_rect rect;
    struct view_entry mode;  /* what it shows now */
    struct view_entry under; /* what the detail view covers until it closes (view NULL: none) */
    bool dirty;
};

struct ui {
    struct model *m; /* borrowed */
    struct layout layout;
    struct ui_pane pane[LAYOUT_NPANES];
    WINDOW *status_win, *hints_win;
    int focus;      /* enum layout_pane */
    int zoom;       /* zoomed pane, or -1 */
    int zoom_saved; /* the zoom before the detail view took the screen */

    bool help_open;
    struct view_entry help; /* the help overlay while open */

    bool input_active;     /* typing a filter */
    char filter_note[128]; /* how the filter is read: "selector", "substring", "invalid: ..." */

    char selected_key[1100]; /* the series table's selected row in full, for the hint line */
    char note[160];          /* a passing message on the status line ("mouse on"), "" none */
    int64_t note_until_ms;   /* shown until then (model clock) */

    bool status_dirty, hints_dirty;
    int rejected_x0, rejected_x1; /* columns of "rejected N" on the status line (-1: not shown) */
    bool too_small_drawn;

    uint64_t frames; /* frames drawn */

    struct input *input; /* keys, Esc, bracketed paste and mouse from curses (ui/input) */
};

/* A view with fresh state (its init), and its end (its free; the entry is left empty). */
struct view_entry ui_entry_open(struct ui *ui, const struct view *v, const void *arg);
void ui_entry_close(struct view_entry *e);

/* Views opened over the series table that scroll read-only lines the app reads for them (dead
 * letters, workers). ui_over_clamp keeps *top, the first of n lines shown in visible rows, so the
 * last page is full. ui_over_key: Esc goes back, r or the key that opened the view (opener) asks
 * the app to read again (reload(privdata), when reload is not NULL), the moving keys scroll. */
void ui_over_clamp(size_t *top, size_t n, int visible);
enum view_key_result ui_over_key(struct ui *ui, enum key_action a, enum key_action opener,
                                 void (*reload)(void *privdata), void *privdata, size_t *top,
                                 size_t n, int visible);

/* Moves the focus to pane p (the zoom follows it when zoomed). */
void ui_set_focus(struct ui *ui, int p);

/* The key context of the focused pane now (enum key_ctx). */
unsigned ui_focus_ctx(const struct ui *ui);

/* Shows a message on the status line for a few seconds (feedback of a key: "mouse on"). */
void ui_note(struct ui *ui, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Handles one mouse event (wheel scrolls the pane under the pointer, a click focuses the pane
 * and selects the row). */
enum ui_result ui_mouse(struct ui *ui, const MEVENT *ev);

#endif
