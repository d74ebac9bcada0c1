/* tui_alerts.h — the alerts feature inside the interface: runs app/alerts for this process
 * (rules from --rules or the config), turns the shared board into the alerts panel's rows,
 * carries out the panel's keys (ack, silence, open the series) and the chat commands /ack,
 * /silence, /unsilence and /alerts, and rings the bell for a new critical or page alert. Kept
 * apart from app/tui/tui.c so the loop there only creates, readies and frees it. */
#ifndef WR_TUI_ALERTS_H
#define WR_TUI_ALERTS_H

#include <stdbool.h>
#include <stddef.h>

#include <ev.h>

#include "app/alerts/alerts.h"
#include "app/config.h"
#include "app/redis/redisaddr.h"
#include "core/series.h"
#include "ui/model.h"

#define TUI_ALERTS_BELL_GAP_MS 10000          /* at most one alert bell per 10 s */
#define TUI_ALERTS_SILENCE_MS (3600 * 1000LL) /* `s` in the panel silences for 1 h */
#define TUI_ALERTS_NOTE_MS 6000 /* feedback of a panel action stays this long in the title */

struct tui_alerts;

struct tui_alerts_opts {
    const struct config *cfg;       /* rules, room, nick, ns, alert_bell, timeouts */
    const char *rules_path;         /* NULL: the config's (or the default file) */
    struct model *model;            /* rows, note and the panel's action hook are set in it */
    const struct series_table *tab; /* evaluated and searched for Enter */
    /* The rows changed: mark the alerts pane dirty and schedule a frame. */
    void (*changed)(void *privdata);
    /* Enter on a row: open the detail view of s. */
    void (*open_series)(void *privdata, const struct series *s);
    /* `t` on a row: open the overlay on the model's timeline (ui_open_timeline). */
    void (*open_timeline)(void *privdata);
    void *privdata;
};

/* Loads the rules (a broken rule file is an error here, before the screen is taken) and starts
 * the alerts loop. Returns NULL with a message in err ("FILE:LINE:COL: ..." for a rule error;
 * *usage_error tells a bad rule file (exit 2) from an unreadable one (exit 1)). */
struct tui_alerts *tui_alerts_new(struct ev_loop *loop, const struct redisaddr *addr,
                                  const struct tui_alerts_opts *opts, bool *usage_error, char *err,
                                  size_t errcap);

/* The reader's replay is done: start evaluating. */
void tui_alerts_ready(struct tui_alerts *ta);

/* Releases the lease if held (a short synchronous command: the loop has stopped), frees
 * everything and clears the model's rows. The address given to tui_alerts_new must still be
 * valid. NULL: no-op. */
void tui_alerts_free(struct tui_alerts *ta);

/* Chat commands: /ack ID, /silence MATCHER DURATION [comment], /unsilence MATCHER, /alerts.
 * line is the whole input line (with its '/'); who is the nick to record. Returns false when
 * the line is not one of these commands (the caller handles it); else true, with what to show
 * the user in reply (one or more lines separated by '\n'; reply_error tells a failure). */
bool tui_alerts_command(struct tui_alerts *ta, const char *line, const char *who, char *reply,
                        size_t cap, bool *reply_error);

/* The alerts loop (for status and tests). */
struct alerts *tui_alerts_loop(struct tui_alerts *ta);

#endif
