/* keys.c — the key table and its lookups. Order matters: the help overlay lists the bindings in
 * table order, one section per run of bindings with the same context. */
#include "ui/keys.h"

#include <ncursesw/curses.h>
#include <stdio.h>
#include <string.h>

#define F(k) (KEYS_FKEY + (k))
#define NAV (KEYCTX_DASHBOARD | KEYCTX_LIST | KEYCTX_HELP | KEYCTX_DLQ | KEYCTX_WORKERS)
#define SERIES (KEYCTX_DASHBOARD | KEYCTX_DETAIL)
#define CHATIN KEYCTX_CHAT_INPUT

const struct key_binding keys_table[] = {
    /* everywhere */
    {'q', KEYCTX_GLOBAL, KA_QUIT, "q", "quit (not while typing)", "quit"},
    {3, KEYCTX_GLOBAL, KA_QUIT_ALWAYS, "Ctrl-C", "quit from anywhere", NULL},
    {'?', KEYCTX_GLOBAL, KA_HELP, "?", "this help", "help"},
    {F(KEY_F(1)), KEYCTX_GLOBAL, KA_HELP, "F1", NULL, NULL},
    {'\t', KEYCTX_GLOBAL, KA_FOCUS_NEXT, "Tab", "focus the next pane", "pane"},
    {F(KEY_BTAB), KEYCTX_GLOBAL, KA_FOCUS_PREV, "Shift-Tab", "focus the previous pane", NULL},
    {'1', KEYCTX_GLOBAL, KA_FOCUS_1, "1", "focus the series table", NULL},
    {'2', KEYCTX_GLOBAL, KA_FOCUS_2, "2", "focus the alerts", NULL},
    {'3', KEYCTX_GLOBAL, KA_FOCUS_3, "3", "focus the chat", NULL},
    {'z', KEYCTX_GLOBAL, KA_ZOOM, "z", "zoom the focused pane, again to unzoom", "zoom"},
    {'p', KEYCTX_GLOBAL, KA_PAUSE, "p", "pause the view (ingest goes on), again to resume",
     "pause"},
    {'m', KEYCTX_GLOBAL, KA_MOUSE, "m", "mouse on/off: wheel scrolls, click selects", NULL},
    {'T', KEYCTX_GLOBAL, KA_THEME, "T", "next colour theme (dark, light, the theme files)", NULL},
    {'d', KEYCTX_GLOBAL, KA_DEADLETTERS, "d",
     "dead letters: the rejected entries, why (also a click on 'rejected N')", NULL},
    {'W', KEYCTX_GLOBAL, KA_WORKERS, "W",
     "workers (group mode): who owns each partition, leases, checkpoints, lag", NULL},
    {12, KEYCTX_GLOBAL, KA_REDRAW, "Ctrl-L", "redraw the screen", NULL},

    /* moving in tables and lists */
    {F(KEY_UP), NAV, KA_UP, "Up", "previous row", NULL},
    {'k', NAV, KA_UP, "k", NULL, NULL},
    {F(KEY_DOWN), NAV, KA_DOWN, "Down", "next row", NULL},
    {'j', NAV, KA_DOWN, "j", NULL, NULL},
    {F(KEY_PPAGE), NAV, KA_PAGE_UP, "PgUp", "one page up", NULL},
    {F(KEY_NPAGE), NAV, KA_PAGE_DOWN, "PgDn", "one page down", NULL},
    {F(KEY_HOME), NAV, KA_HOME, "Home", "first row", NULL},
    {F(KEY_END), NAV, KA_END, "End", "last row", NULL},
    {'G', NAV, KA_END, "G", NULL, NULL},
    {'g', KEYCTX_LIST | KEYCTX_HELP, KA_HOME, "g", "first row (in the series table g groups)",
     NULL},

    /* the series table and the detail view */
    {'w', SERIES, KA_WINDOW, "w", "window length: 10s, 1m, 5m, 15m", "window"},
    {'c', SERIES, KA_STAT_NEXT, "c", "statistic of the sparklines and the chart", "stat"},

    /* the series table */
    {'\r', KEYCTX_DASHBOARD, KA_OPEN, "Enter",
     "detail view of the selected series (a group: expand or collapse it)", "detail"},
    {'\n', KEYCTX_DASHBOARD, KA_OPEN, NULL, NULL, NULL},
    {F(KEY_ENTER), KEYCTX_DASHBOARD, KA_OPEN, NULL, NULL, NULL},
    {'s', KEYCTX_DASHBOARD, KA_SORT_NEXT, "s",
     "sort by the next column, then by the trend's statistic", "sort"},
    {'S', KEYCTX_DASHBOARD, KA_SORT_REVERSE, "S", "reverse the sort direction", NULL},
    {'/', KEYCTX_DASHBOARD, KA_FILTER, "/", "filter by selector or substring (see below)",
     "filter"},
    {27, KEYCTX_DASHBOARD, KA_CLEAR, "Esc", "clear the filter (none: stop grouping)", NULL},
    {'g', KEYCTX_DASHBOARD, KA_GROUP, "g",
     "group by a label, again the next label, then off; Enter expands a group", "group"},

    /* the alerts panel */
    {'a', KEYCTX_ALERTS, KA_ALERT_ACK, "a", "acknowledge the selected alert (shown to everyone)",
     "ack"},
    {'s', KEYCTX_ALERTS, KA_ALERT_SILENCE, "s",
     "silence the selected alert for 1h, again to lift it (/silence in chat: any duration)",
     "silence"},
    {'t', KEYCTX_ALERTS, KA_ALERT_TIMELINE, "t",
     "incident timeline of the selected alert: transitions, acks, chat, values", "timeline"},
    {'\r', KEYCTX_ALERTS, KA_OPEN, "Enter", "detail view of the alert's series", "detail"},
    {'\n', KEYCTX_ALERTS, KA_OPEN, NULL, NULL, NULL},
    {F(KEY_ENTER), KEYCTX_ALERTS, KA_OPEN, NULL, NULL, NULL},

    /* the chat pane, after Esc */
    {'i', KEYCTX_CHAT, KA_CHAT_TYPE, "i", "type into the input line again", "type"},
    {'\r', KEYCTX_CHAT, KA_CHAT_TYPE, "Enter", NULL, NULL},
    {'\n', KEYCTX_CHAT, KA_CHAT_TYPE, NULL, NULL, NULL},
    {F(KEY_ENTER), KEYCTX_CHAT, KA_CHAT_TYPE, NULL, NULL, NULL},

    /* typing in the chat pane (the commands follow in the help) */
    {'\r', CHATIN, KA_CHAT_SEND, "Enter", "send the line, or run the /command", "send"},
    {'\n', CHATIN, KA_CHAT_SEND, NULL, NULL, NULL},
    {F(KEY_ENTER), CHATIN, KA_CHAT_SEND, NULL, NULL, NULL},
    {27, CHATIN, KA_CHAT_LEAVE, "Esc",
     "stop typing: then q quits, Tab cycles panes, j k PgUp Home End scroll, i types again",
     "stop typing"},
    {'\t', CHATIN, KA_CHAT_COMPLETE, "Tab",
     "complete the nick of someone online (again: the next match)", "nick"},
    {F(KEY_UP), CHATIN, KA_HISTORY_PREV, "Up", "recall earlier lines", "history"},
    {16, CHATIN, KA_HISTORY_PREV, "Ctrl-P", NULL, NULL},
    {F(KEY_DOWN), CHATIN, KA_HISTORY_NEXT, "Down", "recall later lines", NULL},
    {14, CHATIN, KA_HISTORY_NEXT, "Ctrl-N", NULL, NULL},
    {F(KEY_PPAGE), CHATIN, KA_PAGE_UP, "PgUp", "scroll the messages up", "scroll"},
    {F(KEY_NPAGE), CHATIN, KA_PAGE_DOWN, "PgDn", "scroll the messages down", NULL},
    {F(KEY_LEFT), CHATIN, KA_EDIT_LEFT, "Left", "cursor left (a wide character moves as one)",
     NULL},
    {2, CHATIN, KA_EDIT_LEFT, "Ctrl-B", NULL, NULL},
    {F(KEY_RIGHT), CHATIN, KA_EDIT_RIGHT, "Right", "cursor right", NULL},
    {6, CHATIN, KA_EDIT_RIGHT, "Ctrl-F", NULL, NULL},
    {F(KEY_HOME), CHATIN, KA_EDIT_HOME, "Home", "start of the line", NULL},
    {1, CHATIN, KA_EDIT_HOME, "Ctrl-A", NULL, NULL},
    {5, CHATIN, KA_EDIT_END, "Ctrl-E", "end of the line", NULL},
    {F(KEY_END), CHATIN, KA_CHAT_END, "End",
     "end of the line; at the end already, back to the newest messages", NULL},
    {F(KEY_BACKSPACE), CHATIN, KA_EDIT_BACKSPACE, "Backspace",
     "delete the character before the cursor", NULL},
    {127, CHATIN, KA_EDIT_BACKSPACE, NULL, NULL, NULL},
    {8, CHATIN, KA_EDIT_BACKSPACE, NULL, NULL, NULL},
    {F(KEY_DC), CHATIN, KA_EDIT_DELETE, "Delete", "delete the character under the cursor", NULL},
    {4, CHATIN, KA_EDIT_DELETE, "Ctrl-D", NULL, NULL},
    {21, CHATIN, KA_EDIT_KILL_START, "Ctrl-U", "delete to the start of the line", NULL},
    {11, CHATIN, KA_EDIT_KILL_END, "Ctrl-K", "delete to the end of the line", NULL},
    {23, CHATIN, KA_EDIT_KILL_WORD, "Ctrl-W", "delete the word before the cursor", NULL},
    {25, CHATIN, KA_EDIT_YANK, "Ctrl-Y", "paste back what was deleted", NULL},
    {F(KEY_F(1)), CHATIN, KA_HELP, "F1", "this help (? is typed as text here)", "help"},

    /* the detail view */
    {27, KEYCTX_DETAIL, KA_BACK, "Esc", "back to the series table", "back"},
    {F(KEY_BACKSPACE), KEYCTX_DETAIL, KA_BACK, "Backspace", NULL, NULL},
    {127, KEYCTX_DETAIL, KA_BACK, NULL, NULL, NULL},
    {8, KEYCTX_DETAIL, KA_BACK, NULL, NULL, NULL},
    {'q', KEYCTX_DETAIL, KA_BACK, "q", NULL, NULL},

    /* the dead-letter view */
    {'r', KEYCTX_DLQ, KA_REFRESH, "r", "read the dead letters again", "refresh"},
    {27, KEYCTX_DLQ, KA_BACK, "Esc", "back to the series table", "back"},
    {F(KEY_BACKSPACE), KEYCTX_DLQ, KA_BACK, "Backspace", NULL, NULL},
    {127, KEYCTX_DLQ, KA_BACK, NULL, NULL, NULL},
    {8, KEYCTX_DLQ, KA_BACK, NULL, NULL, NULL},
    {'q', KEYCTX_DLQ, KA_BACK, "q", NULL, NULL},

    /* the workers view */
    {'r', KEYCTX_WORKERS, KA_REFRESH, "r", "read the workers again (it reads every 2 s anyway)",
     "refresh"},
    {27, KEYCTX_WORKERS, KA_BACK, "Esc", "back to the series table", "back"},
    {F(KEY_BACKSPACE), KEYCTX_WORKERS, KA_BACK, "Backspace", NULL, NULL},
    {127, KEYCTX_WORKERS, KA_BACK, NULL, NULL, NULL},
    {8, KEYCTX_WORKERS, KA_BACK, NULL, NULL, NULL},
    {'q', KEYCTX_WORKERS, KA_BACK, "q", NULL, NULL},

    /* typing a filter */
    {'\r', KEYCTX_INPUT, KA_INPUT_ACCEPT, "Enter", "keep the filter and stop typing", "keep"},
    {'\n', KEYCTX_INPUT, KA_INPUT_ACCEPT, NULL, NULL, NULL},
    {F(KEY_ENTER), KEYCTX_INPUT, KA_INPUT_ACCEPT, NULL, NULL, NULL},
    {27, KEYCTX_INPUT, KA_INPUT_CANCEL, "Esc", "clear the filter and stop typing", "clear"},
    {F(KEY_BACKSPACE), KEYCTX_INPUT, KA_INPUT_ERASE, "Backspace", "delete a character", NULL},
    {127, KEYCTX_INPUT, KA_INPUT_ERASE, NULL, NULL, NULL},
    {8, KEYCTX_INPUT, KA_INPUT_ERASE, NULL, NULL, NULL},
    {21, KEYCTX_INPUT, KA_INPUT_KILL, "Ctrl-U", "delete the whole filter", NULL},

    /* the help overlay */
    {'?', KEYCTX_HELP, KA_CLOSE, "?", "close the help", "close"},
    {F(KEY_F(1)), KEYCTX_HELP, KA_CLOSE, "F1", NULL, NULL},
    {27, KEYCTX_HELP, KA_CLOSE, "Esc", NULL, NULL},
    {'q', KEYCTX_HELP, KA_CLOSE, "q", NULL, NULL},
};

const size_t keys_count = sizeof(keys_table) / sizeof(keys_table[0]);

enum key_action keys_lookup(unsigned ctx, int code)
{
    for (size_t i = 0; i < keys_count; i++)
        if (keys_table[i].code == code &&
            ((keys_table[i].ctx & ctx) || keys_table[i].action == KA_QUIT_ALWAYS))
            return keys_table[i].action;
    if (ctx & (KEYCTX_HELP | KEYCTX_INPUT))
        return KA_NONE;
    if ((ctx & KEYCTX_CHAT_INPUT) && keys_is_text(code))
        return KA_NONE; /* typed text: q, ?, 1 ... are characters of the message */
    for (size_t i = 0; i < keys_count; i++)
        if (keys_table[i].code == code && (keys_table[i].ctx & KEYCTX_GLOBAL))
            return keys_table[i].action;
    return KA_NONE;
}

bool keys_is_text(int code)
{
    return code >= 0x20 && code != 0x7F && !(code >= 0x80 && code < 0xA0) && code < KEYS_FKEY &&
           code <= 0x10FFFF;
}

const char *keys_ctx_name(unsigned ctx)
{
    switch (ctx) {
    case KEYCTX_GLOBAL:
        return "Everywhere";
    case NAV:
        return "Moving in tables, lists and this help";
    case SERIES:
        return "Series table and detail view";
    case KEYCTX_DASHBOARD:
        return "Series table";
    case KEYCTX_DETAIL:
        return "Detail view";
    case KEYCTX_LIST:
        return "Alerts and chat";
    case KEYCTX_LIST | KEYCTX_HELP:
        return "Alerts, chat and this help";
    case KEYCTX_ALERTS:
        return "Alerts panel";
    case KEYCTX_INPUT:
        return "Typing a filter";
    case KEYCTX_CHAT:
        return "Chat pane, not typing";
    case KEYCTX_CHAT_INPUT:
        return "Typing in the chat pane";
    case KEYCTX_DLQ:
        return "Dead letters";
    case KEYCTX_WORKERS:
        return "Workers view";
    case KEYCTX_HELP:
        return "This help";
    default:
        return "Other";
    }
}

/* Whether a binding leads the hint line (quit and help come first, wherever they are). */
static bool hint_first(const struct key_binding *b)
{
    return b->action == KA_QUIT || b->action == KA_HELP;
}

size_t keys_hints(unsigned ctx, const struct key_binding **out, size_t cap)
{
    size_t n = 0;
    bool own_only = ctx & (KEYCTX_HELP | KEYCTX_INPUT | KEYCTX_CHAT_INPUT);
    /* pass 0: global quit and help; 1: the context's own; 2: the other global ones */
    for (int pass = 0; pass < 3; pass++) {
        if (pass != 1 && own_only)
            continue;
        for (size_t i = 0; i < keys_count; i++) {
            const struct key_binding *b = &keys_table[i];
            if (b->hint == NULL)
                continue;
            if (pass == 1 && !(b->ctx & ctx))
                continue;
            if (pass != 1 &&
                (!(b->ctx & KEYCTX_GLOBAL) || (b->ctx & ctx) || hint_first(b) != (pass == 0) ||
                 keys_lookup(ctx, b->code) != b->action))
                continue; /* not global, listed already, or shadowed (q in the detail view) */
            if (n < cap)
                out[n] = b;
            n++;
        }
    }
    return n;
}

char *keys_hint_line(unsigned ctx, char *buf, size_t cap)
{
    const struct key_binding *b[64];
    size_t n = keys_hints(ctx, b, 64), len = 0;
    if (cap == 0)
        return buf;
    buf[0] = '\0';
    for (size_t i = 0; i < n && i < 64; i++) {
        int k = snprintf(buf + len, cap - len, "%s%s %s", len ? "  " : "", b[i]->label, b[i]->hint);
        if (k < 0 || (size_t)k >= cap - len) {
            buf[len] = '\0';
            break;
        }
        len += (size_t)k;
    }
    return buf;
}

enum listcursor_key keys_list_key(enum key_action a)
{
    switch (a) {
    case KA_UP:
        return LISTCURSOR_UP;
    case KA_DOWN:
        return LISTCURSOR_DOWN;
    case KA_PAGE_UP:
        return LISTCURSOR_PAGE_UP;
    case KA_PAGE_DOWN:
        return LISTCURSOR_PAGE_DOWN;
    case KA_HOME:
        return LISTCURSOR_HOME;
    case KA_END:
        return LISTCURSOR_END;
    default:
        return LISTCURSOR_NONE;
    }
}

void keys_markdown(FILE *out)
{
    fputs("| keys | where | does |\n|---|---|---|\n", out);
    for (size_t i = 0; i < keys_count;) {
        const struct key_binding *b = &keys_table[i];
        size_t j = i;
        fputs("|", out);
        for (; j < keys_count && keys_table[j].ctx == b->ctx && keys_table[j].action == b->action;
             j++)
            if (keys_table[j].label)
                fprintf(out, " `%s`", keys_table[j].label);
        fprintf(out, " | %s | %s |\n", keys_ctx_name(b->ctx), b->help ? b->help : "");
        i = j;
    }
}
