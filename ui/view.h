/* view.h — a view is what a pane shows: the series table, one series' detail, the alerts, the
 * chat, or the help overlay. Each is one file behind this small table of functions (as tmux's
 * window modes), so panes and the dispatcher treat them alike. */
#ifndef WR_VIEW_H
#define WR_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include <ncursesw/curses.h>

#include "ui/keys.h"

struct ui;

enum view_key_result {
    VIEW_KEY_IGNORED = 0, /* not for this view: the dispatcher tries the global bindings */
    VIEW_KEY_HANDLED = 1, /* done; the pane is redrawn */
};

struct view {
    const char *name;
    unsigned ctx; /* key context (enum key_ctx) while the view has focus */
    /* The key context now, when it changes with the view's state (the chat pane while its input
     * line takes the keys); the hint line and the dispatcher follow it. NULL: always ctx. */
    unsigned (*key_ctx)(void *state);

    /* Makes the view's private state when a pane (or the overlay) starts showing it; arg is
     * what it shows (the detail view's series), NULL for the others. Never returns NULL. */
    void *(*init)(struct ui *ui, const void *arg);
    /* Frees that state when the view is left or the UI ends. NULL is a no-op. */
    void (*free)(void *state);

    /* Recomputes what to show from the model; not called while paused, so the last picture
     * stays. May be NULL. */
    void (*update)(struct ui *ui, void *state, int width, int height);

    /* Draws into w, which was just erased and is the pane's full size (border included). */
    void (*draw)(struct ui *ui, void *state, WINDOW *w, bool focused);

    /* Reacts to an action from the key table. */
    enum view_key_result (*key)(struct ui *ui, void *state, enum key_action action);

    /* A mouse click at (x, y) inside the pane (0, 0 = its top-left corner). May be NULL. */
    void (*click)(struct ui *ui, void *state, int x, int y);

    /* A text input (the chat line) sees every key code first while the view has focus, before
     * the key table: VIEW_KEY_HANDLED consumes it. May be NULL. */
    enum view_key_result (*input)(struct ui *ui, void *state, int code);

    /* Text pasted (bracketed paste) while the view has focus. May be NULL. */
    void (*paste)(struct ui *ui, void *state, const char *s, size_t len);
};

/* A view in use, as tmux's window_mode_entry: the table and the state its init made. */
struct view_entry {
    const struct view *view; /* NULL: none */
    void *state;
};

extern const struct view view_dashboard;
extern const struct view view_detail;
extern const struct view view_alerts;
extern const struct view view_chat;
extern const struct view view_help;

/* view_help's argument: the focused pane's key contexts (the keys shown first), or a model whose
 * incident timeline the overlay shows instead of the keys. NULL: the keys from the top. */
struct help_arg {
    unsigned focus;
    const struct model *timeline;
};
extern const struct view view_deadletters;
extern const struct view view_workers;

#endif
