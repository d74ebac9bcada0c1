/* tui_impl.h — the interface's state, shared by its loop (tui.c) and its start-up (tui_start.c);
 * private to app/tui/. */
#ifndef WR_TUI_IMPL_H
#define WR_TUI_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include <ev.h>

#include "app/config.h"
#include "ui/model.h"

struct tui {
    struct ev_loop *loop;
    struct config cfg;
    struct redisaddr *addr;
    struct series_table *tab;
    struct reader *rd;
    bool rollups; /* group mode: the reader merges rollups, which come a second's lateness late */
    struct demo_gen *demo;
    unsigned demo_rate;
    uint32_t demo_series;
    struct model model;
    struct ui *ui;
    struct theme themes[16];     /* what `T` cycles through (tui_start_themes) */
    struct tui_alerts *alerts;   /* the alerts loop and panel (app/tui_alerts) */
    struct tui_chat *chat;       /* the chat room and pane (app/tui_chat) */
    struct tui_dlq *dlq;         /* the dead-letter view's reads (app/tui_dlq) */
    struct tui_workers *workers; /* the workers view's reads (app/tui_workers) */
    bool quiet;                  /* --quiet: no bell on mentions */
    bool chat_focus;             /* --chat: start with the chat pane focused */
    bool quitting;               /* leaving: the chat's part message is on its way */
    bool connected;              /* Redis answered at least once (else exit EXIT_UNREACHABLE) */

    ev_io input;
    ev_signal sigwinch, sigint, sigterm, sighup, sigusr1;
    ev_timer frame;
    ev_periodic tick;
    double last_frame;
    double last_render_s; /* cost of the last frame */
    bool urgent;          /* the user did something: next frame at the plain frame cap */

    uint64_t last_events; /* for events/s */
    double last_events_t;
    char memory_note[160]; /* --max-series beyond what memory holds, "" when it fits */

    /* frame statistics (bench tui) */
    const char *stats_path;
    uint64_t frames;
    double render_s, render_max_s;
};

#endif
