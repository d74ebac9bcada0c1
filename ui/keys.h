/* keys.h — the one key table: every key the interface reacts to, in which context, the action
 * it triggers and its help text. The input dispatcher, the hint line and the help overlay all
 * read this table, so what the help says is what the keys do. */
#ifndef WR_KEYS_H
#define WR_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/listcursor.h"

/* Where a binding applies (bits: one binding may serve several contexts). */
enum key_ctx {
    KEYCTX_GLOBAL = 1u << 0,     /* anywhere, unless the context has its own binding */
    KEYCTX_DASHBOARD = 1u << 1,  /* the series table has focus */
    KEYCTX_DETAIL = 1u << 2,     /* the detail view of one series has focus */
    KEYCTX_LIST = 1u << 3,       /* the alerts or chat pane has focus */
    KEYCTX_HELP = 1u << 4,       /* the help overlay is open */
    KEYCTX_INPUT = 1u << 5,      /* typing into the filter line */
    KEYCTX_ALERTS = 1u << 6,     /* the alerts pane has focus (with KEYCTX_LIST) */
    KEYCTX_CHAT = 1u << 7,       /* the chat pane has focus, its input line not (with LIST) */
    KEYCTX_CHAT_INPUT = 1u << 8, /* typing into the chat input line: characters are text */
    KEYCTX_DLQ = 1u << 9,        /* the dead-letter view has focus */
    KEYCTX_WORKERS = 1u << 10,   /* the workers view has focus */
};

enum key_action {
    KA_NONE,
    KA_QUIT,        /* q: leave (not while typing) */
    KA_QUIT_ALWAYS, /* Ctrl-C: leave from anywhere */
    KA_HELP,
    KA_REDRAW,
    KA_PAUSE,
    KA_MOUSE,
    KA_FOCUS_NEXT,
    KA_FOCUS_PREV,
    KA_FOCUS_1, /* dashboard */
    KA_FOCUS_2, /* alerts */
    KA_FOCUS_3, /* chat */
    KA_ZOOM,
    KA_UP,
    KA_DOWN,
    KA_PAGE_UP,
    KA_PAGE_DOWN,
    KA_HOME,
    KA_END,
    KA_WINDOW,       /* next window length */
    KA_SORT_NEXT,    /* sort by the next column */
    KA_SORT_REVERSE, /* reverse the sort direction */
    KA_STAT_NEXT,    /* next statistic for sparklines and the chart */
    KA_FILTER,       /* start typing a filter */
    KA_CLEAR,        /* clear the filter */
    KA_OPEN,         /* open the detail view */
    KA_BACK,         /* leave the detail view */
    KA_CLOSE,        /* close the help overlay */
    KA_INPUT_ACCEPT,
    KA_INPUT_CANCEL,
    KA_INPUT_ERASE,    /* delete the last character */
    KA_INPUT_KILL,     /* delete the whole line */
    KA_ALERT_ACK,      /* acknowledge the selected alert */
    KA_ALERT_SILENCE,  /* silence the selected alert (again: lift that silence) */
    KA_ALERT_TIMELINE, /* the incident timeline of the selected alert */
    KA_GROUP,          /* group the series table by the next label */
    KA_THEME,          /* switch to the next colour theme */
    KA_CHAT_TYPE,      /* the chat pane: type into the input line again */
    KA_CHAT_SEND,      /* send the input line (or run its /command) */
    KA_CHAT_LEAVE,     /* stop typing: the pane's keys work as in a list */
    KA_CHAT_COMPLETE,  /* complete a nick */
    KA_CHAT_END,       /* end of the line; at the end already, back to the newest messages */
    KA_EDIT_LEFT,
    KA_EDIT_RIGHT,
    KA_EDIT_HOME,
    KA_EDIT_END,
    KA_EDIT_BACKSPACE,
    KA_EDIT_DELETE,
    KA_EDIT_KILL_START, /* delete to the start of the line */
    KA_EDIT_KILL_END,   /* delete to the end of the line */
    KA_EDIT_KILL_WORD,  /* delete the word before the cursor */
    KA_EDIT_YANK,       /* paste back what was deleted */
    KA_HISTORY_PREV,
    KA_HISTORY_NEXT,
    KA_DEADLETTERS, /* open the dead-letter view (the rejected entries) */
    KA_WORKERS,     /* open the workers view (group mode) */
    KA_REFRESH,     /* read the dead letters again */
};

/* Key codes: a character is its code point; function keys are curses KEY_* codes + KEYS_FKEY
 * so the two never collide. */
#define KEYS_FKEY 0x200000

struct key_binding {
    int code;     /* a code point, or KEYS_FKEY + a curses KEY_* code */
    unsigned ctx; /* enum key_ctx bits */
    enum key_action action;
    const char *label; /* how the key is written in help and hints ("Tab", "Ctrl-C") */
    const char *help;  /* what it does; bindings of one action share the first one's text */
    const char *hint;  /* short word for the hint line, NULL when not shown there */
};

extern const struct key_binding keys_table[];
extern const size_t keys_count;

/* The action of code in context ctx: a binding of ctx itself first, then a global one (not in
 * KEYCTX_HELP or KEYCTX_INPUT, which see only their own bindings and KA_QUIT_ALWAYS, nor for
 * text typed in KEYCTX_CHAT_INPUT, where only control and function keys reach the global
 * bindings). KA_NONE when nothing matches. */
enum key_action keys_lookup(unsigned ctx, int code);

/* Whether code is a character that a text input takes as text (not a control character, not
 * a function key). */
bool keys_is_text(int code);

/* Context names for the help overlay ("Everywhere", "Series table", ...). */
const char *keys_ctx_name(unsigned ctx);

/* The bindings the hint line shows for ctx, in order: the context's own bindings with a hint,
 * then the global ones it does not shadow (none for KEYCTX_HELP, KEYCTX_INPUT and
 * KEYCTX_CHAT_INPUT, where q and the other letters are text). Writes up to
 * cap pointers to out and returns how many there are. */
size_t keys_hints(unsigned ctx, const struct key_binding **out, size_t cap);

/* Writes the hint line for ctx ("q quit  ? help  Tab pane ...") into buf; each entry is
 * "LABEL HINT" separated by two blanks. Returns buf. */
char *keys_hint_line(unsigned ctx, char *buf, size_t cap);

/* Writes the key table as the rows of a Markdown table (keys | where | does), one row per action
 * and context in table order, all its keys together: docs/interface.md holds this output, so the
 * keys are written once (here) and the docs cannot drift (tests/integration/test_docs.sh). */
void keys_markdown(FILE *out);

/* The list cursor move an action means (Up, Down, PgUp, PgDn, Home, End), else
 * LISTCURSOR_NONE. */
enum listcursor_key keys_list_key(enum key_action a);

#endif
