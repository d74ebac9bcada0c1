/* tui_chat.c — the chat feature in the interface (see tui_chat.h): app/chat events -> the chat
 * pane, and the input line's commands -> app/chat. */
#include "app/tui/tui_chat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/chat/chat.h"
#include "core/chatlog.h"
#include "core/chatinput.h"
#include "core/presence.h"
#include "core/lineedit.h"
#include "core/mem.h"
#include "core/text.h"
#include "ui/ui.h"

#define TUI_CHAT_INPUT_MAX 65536 /* the editor holds a paste of many lines; each is capped */

struct tui_chat {
    struct ev_loop *loop;
    struct chat *chat;
    struct lineedit *input;
    struct model *model;
    struct tui_chat_opts opts;
    bool bell;
    int64_t last_bell_ms;
    char state[160];
    bool leaving;
    void (*done)(void *privdata);
    void *done_privdata;
    ev_timer leave_guard, leave_now;
};

static void changed(struct tui_chat *tc)
{
    if (tc->opts.changed)
        tc->opts.changed(tc->opts.privdata);
}

/* Shows text in the pane as a local notice, one line per '\n'. */
static void notice(struct tui_chat *tc, const char *text)
{
    struct chatlog *log = chat_log(tc->chat);
    int64_t now = chat_now_ms();
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        chatlog_add_local(log, CHATLOG_SYSTEM, now, p, n);
        p += n + (nl ? 1 : 0);
    }
    changed(tc);
}

static void sync_model(struct tui_chat *tc)
{
    struct model_chat *mc = &tc->model->chat;
    mc->log = chat_log(tc->chat);
    mc->input = tc->input;
    mc->online = chat_presence(tc->chat);
    mc->room = chat_room(tc->chat);
    mc->nick = chat_nick(tc->chat); /* reallocated by /nick: refreshed after it */
    mc->state = tc->state;
}

/* ---------------------------------------------------------------------------------------------
 * Leaving
 * ------------------------------------------------------------------------------------------ */

static void leave_finish(struct tui_chat *tc)
{
    ev_timer_stop(tc->loop, &tc->leave_guard);
    ev_timer_stop(tc->loop, &tc->leave_now);
    void (*done)(void *) = tc->done;
    tc->done = NULL;
    if (done)
        done(tc->done_privdata);
}

static void on_leave_timer(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop, (void)revents;
    leave_finish(t->data);
}

void tui_chat_leave(struct tui_chat *tc, void (*done)(void *privdata), void *privdata)
{
    tc->done = done;
    tc->done_privdata = privdata;
    if (tc->leaving)
        return;
    tc->leaving = true;
    chat_part(tc->chat, NULL);
    ev_timer_set(&tc->leave_guard, TUI_CHAT_LEAVE_MS / 1000., 0.);
    ev_timer_start(tc->loop, &tc->leave_guard);
    if (chat_pending(tc->chat) == 0) { /* nothing to wait for: finish from the loop */
        ev_timer_set(&tc->leave_now, 0., 0.);
        ev_timer_start(tc->loop, &tc->leave_now);
    }
}

static void quit_done(void *privdata)
{
    struct tui_chat *tc = privdata;
    if (tc->opts.quit)
        tc->opts.quit(tc->opts.privdata);
}

/* ---------------------------------------------------------------------------------------------
 * Events from the room
 * ------------------------------------------------------------------------------------------ */

static void ring(struct tui_chat *tc)
{
    int64_t now = chat_now_ms();
    if (!tc->bell || now - tc->last_bell_ms < TUI_CHAT_BELL_GAP_MS)
        return;
    tc->last_bell_ms = now;
    ui_bell();
}

static void on_chat(struct chat *c, const struct chat_event_info *e, void *privdata)
{
    struct tui_chat *tc = privdata;
    switch (e->ev) {
    case CHAT_EV_MESSAGE:
        if (e->live && e->msg->mention)
            ring(tc);
        changed(tc);
        break;
    case CHAT_EV_NOTICE:
        notice(tc, e->text);
        break;
    case CHAT_EV_STATE:
        chat_state_text(c, tc->state, sizeof(tc->state));
        changed(tc);
        break;
    case CHAT_EV_IDLE:
        if (tc->leaving && tc->done)
            leave_finish(tc);
        break;
    case CHAT_EV_JOINED:
    case CHAT_EV_RESYNCED:
    case CHAT_EV_PRESENCE:
    case CHAT_EV_NOT_BROADCAST: /* the message joined the log; a notice said why */
        changed(tc);
        break;
    case CHAT_EV_SENT:
        break;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Lines typed in the pane
 * ------------------------------------------------------------------------------------------ */

static void send_text(struct tui_chat *tc, enum chatlog_kind kind, const char *text, size_t len)
{
    char err[256];
    if (chat_send(tc->chat, kind, text, len, err, sizeof(err)) != CHAT_SEND_QUEUED) {
        char msg[320];
        snprintf(msg, sizeof(msg), "%s%s", err,
                 len > CHATLOG_TEXT_MAX ? " (Up brings the text back)" : "");
        notice(tc, msg);
    }
}

static void who(struct tui_chat *tc)
{
    const struct presence *p = chat_presence(tc->chat);
    const char *room = chat_room(tc->chat);
    if (*room == '\0') {
        notice(tc, "you are in no room: /join ROOM");
        return;
    }
    size_t cap = 64 + p->n * (TEXT_NICK_MAX_BYTES + 2), n;
    char *buf = xmalloc(cap);
    n = (size_t)snprintf(buf, cap, "online in #%s (%zu):", room, p->n);
    for (size_t i = 0; i < p->n && n < cap; i++) {
        struct text_buf b = TEXT_BUF_INIT;
        text_sanitize(p->nicks[i], strlen(p->nicks[i]), TEXT_NICK, &b);
        n += (size_t)snprintf(buf + n, cap - n, " %s", b.s);
        text_buf_free(&b);
    }
    notice(tc, buf);
    free(buf);
}

/* A /command that is not the chat's own: the hook (alerts), else "unknown". */
static void other_command(struct tui_chat *tc, const char *line, size_t len,
                          const struct chatinput *in)
{
    char *copy = xstrndup(line, len), reply[2048] = "";
    bool error = false;
    if (tc->opts.command &&
        tc->opts.command(tc->opts.privdata, copy, chat_nick(tc->chat), reply, sizeof(reply),
                         &error)) {
        if (reply[0])
            notice(tc, reply);
    } else {
        char msg[160];
        struct text_buf b = TEXT_BUF_INIT;
        text_sanitize(in->name, in->name_len, TEXT_NICK, &b);
        if (in->cmd == CHATINPUT_CMD_UNKNOWN)
            snprintf(msg, sizeof(msg), "unknown command /%s (try /help); nothing was sent", b.s);
        else
            snprintf(msg, sizeof(msg), "/%s needs the alerts feature, which is not running", b.s);
        text_buf_free(&b);
        notice(tc, msg);
    }
    free(copy);
}

static void submit(void *privdata, const char *line, size_t len)
{
    struct tui_chat *tc = privdata;
    struct chatinput in;
    char err[256], arg[CHATLOG_ROOM_MAX + TEXT_NICK_VALID_MAX_BYTES + 8];
    chatinput_parse(line, len, &in);
    if (in.cmd == CHATINPUT_CMD_NICK || in.cmd == CHATINPUT_CMD_JOIN)
        snprintf(arg, sizeof(arg), "%.*s", (int)in.arg_len, in.arg);
    switch (in.cmd) {
    case CHATINPUT_CMD_NONE:
        break;
    case CHATINPUT_CMD_SAY:
        send_text(tc, CHATLOG_MSG, in.arg, in.arg_len);
        break;
    case CHATINPUT_CMD_ME:
        send_text(tc, CHATLOG_ME, in.arg, in.arg_len);
        break;
    case CHATINPUT_CMD_NICK:
        if (in.arg_len > TEXT_NICK_VALID_MAX_BYTES || chat_set_nick(tc->chat, arg, err,
                                                                    sizeof(err)) != 0) {
            notice(tc, in.arg_len > TEXT_NICK_VALID_MAX_BYTES ? "bad nick: too long" : err);
            break;
        }
        sync_model(tc);
        if (*chat_room(tc->chat) == '\0') {
            snprintf(err, sizeof(err), "you are now known as %s", arg);
            notice(tc, err);
        }
        changed(tc);
        break;
    case CHATINPUT_CMD_JOIN:
        if (in.arg_len > CHATLOG_ROOM_MAX + 1 || chat_join(tc->chat, arg, err, sizeof(err)) != 0)
            notice(tc, in.arg_len > CHATLOG_ROOM_MAX + 1 ? "bad room name: too long" : err);
        sync_model(tc);
        changed(tc);
        break;
    case CHATINPUT_CMD_PART:
        if (*chat_room(tc->chat) == '\0') {
            notice(tc, "you are in no room");
            break;
        }
        snprintf(err, sizeof(err), "you left #%s; /join ROOM to talk again", chat_room(tc->chat));
        {
            char *reason = in.arg_len ? xstrndup(in.arg, in.arg_len) : NULL;
            chat_part(tc->chat, reason);
            free(reason);
        }
        notice(tc, err);
        break;
    case CHATINPUT_CMD_WHO:
        who(tc);
        break;
    case CHATINPUT_CMD_FILTER:
        tc->model->chat.hide_alerts = !tc->model->chat.hide_alerts;
        notice(tc, tc->model->chat.hide_alerts
                       ? "alert lines hidden (the alerts panel still lists them); /filter "
                         "alerts shows them again"
                       : "alert lines shown");
        changed(tc);
        break;
    case CHATINPUT_CMD_CLEAR:
        chatlog_clear(chat_log(tc->chat));
        changed(tc);
        break;
    case CHATINPUT_CMD_HELP:
        for (size_t i = 0; chatinput_help_line(i); i++)
            notice(tc, chatinput_help_line(i));
        break;
    case CHATINPUT_CMD_QUIT:
        if (!tc->leaving && in.arg_len && *chat_room(tc->chat)) {
            char *reason = xstrndup(in.arg, in.arg_len);
            chat_part(tc->chat, reason); /* with the reason; tui_chat_leave's part is a no-op */
            free(reason);
        }
        tui_chat_leave(tc, quit_done, tc);
        break;
    case CHATINPUT_CMD_ACK:
    case CHATINPUT_CMD_SILENCE:
    case CHATINPUT_CMD_UNKNOWN:
        other_command(tc, line, len, &in);
        break;
    case CHATINPUT_CMD_USAGE:
        notice(tc, in.error);
        break;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Life cycle
 * ------------------------------------------------------------------------------------------ */

struct tui_chat *tui_chat_new(struct ev_loop *loop, const struct redisaddr *addr,
                              const struct tui_chat_opts *opts, char *err, size_t errcap)
{
    const struct config *cfg = opts->cfg;
    char nick[TEXT_NICK_VALID_MAX_BYTES + 1];
    chat_default_nick(cfg->nick, nick, sizeof(nick));
    struct tui_chat *tc = xcalloc(1, sizeof(*tc));
    tc->loop = loop;
    tc->model = opts->model;
    tc->opts = *opts;
    tc->bell = cfg->bell && !opts->quiet;
    tc->last_bell_ms = -TUI_CHAT_BELL_GAP_MS;
    snprintf(tc->state, sizeof(tc->state), "connecting");
    struct chat_opts co = {
        .ns = cfg->ns,
        .room = opts->room ? opts->room : cfg->room ? cfg->room : CONFIG_DEFAULT_ROOM,
        .nick = nick,
        .connect_timeout_ms = (unsigned)cfg->connect_timeout_ms,
        .command_timeout_ms = (unsigned)cfg->command_timeout_ms,
        .name = "tui-chat",
        .notify = on_chat,
        .privdata = tc,
    };
    tc->chat = chat_new(loop, addr, &co, err, errcap);
    if (tc->chat == NULL) {
        free(tc);
        return NULL;
    }
    tc->input = lineedit_new(TUI_CHAT_INPUT_MAX, 0);
    ev_init(&tc->leave_guard, on_leave_timer);
    ev_init(&tc->leave_now, on_leave_timer);
    tc->leave_guard.data = tc->leave_now.data = tc;
    sync_model(tc);
    tc->model->chat.submit = submit;
    tc->model->chat.privdata = tc;
    return tc;
}

void tui_chat_free(struct tui_chat *tc)
{
    if (tc == NULL)
        return;
    ev_timer_stop(tc->loop, &tc->leave_guard);
    ev_timer_stop(tc->loop, &tc->leave_now);
    chat_free(tc->chat);
    lineedit_free(tc->input);
    memset(&tc->model->chat, 0, sizeof(tc->model->chat));
    free(tc);
}
