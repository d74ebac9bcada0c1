/* tui_chat.h — the chat feature inside the interface: runs app/chat for the room, points the
 * model's chat pane at its log, online list and input line, carries out the lines typed there
 * (messages, /me /nick /join /part /who /clear /help /quit; other /commands go to a hook, the
 * alerts feature's), rings the bell on a mention, and leaves the room cleanly on the way out.
 * Kept apart from app/tui/tui.c so the loop there only creates, leaves and frees it. */
#ifndef WR_TUI_CHAT_H
#define WR_TUI_CHAT_H

#include <stdbool.h>
#include <stddef.h>

#include <ev.h>

#include "app/config.h"
#include "app/redis/redisaddr.h"
#include "ui/model.h"

#define TUI_CHAT_BELL_GAP_MS 10000 /* at most one mention bell per 10 s */
#define TUI_CHAT_LEAVE_MS 1500     /* how long quitting waits for the part message */

struct tui_chat;

struct tui_chat_opts {
    const struct config *cfg; /* nick, room, bell, ns, timeouts */
    const char *room;         /* overrides cfg->room (normalized or with '#'); NULL: cfg's */
    bool quiet;               /* --quiet: no bell */
    struct model *model;      /* model->chat is filled in */
    /* Something in the pane changed: mark it dirty and schedule a frame. */
    void (*changed)(void *privdata);
    /* /quit was typed and the room was left: leave the interface. */
    void (*quit)(void *privdata);
    /* Another /command (line with its '/'): returns true when it handled it, with a reply
     * (lines separated by '\n', *error for a failure). May be NULL. */
    bool (*command)(void *privdata, const char *line, const char *who, char *reply, size_t cap,
                    bool *error);
    void *privdata;
};

/* Starts the chat (connecting on the loop's next iteration). Returns NULL with a message in err
 * for a bad nick or room. */
struct tui_chat *tui_chat_new(struct ev_loop *loop, const struct redisaddr *addr,
                              const struct tui_chat_opts *opts, char *err, size_t errcap);

/* Leaves the room (part message, presence removed) and calls done(privdata) once the part is
 * stored, or after TUI_CHAT_LEAVE_MS at most. done runs from the loop, never inside this call.
 * A second call only replaces done. */
void tui_chat_leave(struct tui_chat *tc, void (*done)(void *privdata), void *privdata);

/* Frees everything and clears the model's chat pane. NULL: no-op. */
void tui_chat_free(struct tui_chat *tc);

#endif
