/* chatline.c — line mode of `warroom chat ROOM` (stdout not a terminal): prints the history
 * then live messages, one sanitized line (or JSON object) each, and sends every line read from
 * stdin, with backpressure, until EOF; then leaves the room once its own messages are out. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "app/cmd/chatline.h"

#include "app/chat/chat.h"
#include "app/cmd/cmd.h"
#include "app/redis/rsync.h"
#include "core/chatlog.h"
#include "core/chatinput.h"
#include "core/chatrender.h"
#include "core/mem.h"
#include "core/text.h"

/* Backpressure: stdin lines are handed to the chat while fewer than LINE_BACKLOG_HIGH messages
 * wait (well below CHAT_QUEUE_MAX, so no line is ever refused for the queue); the rest stay
 * in the buffer and stdin is not read until the backlog is below LINE_BACKLOG_LOW. */
#define LINE_BACKLOG_HIGH 64
#define LINE_BACKLOG_LOW 16
#define LINE_LEAVE_MAX_S 10.0 /* after EOF, give up when no message went out for this long */
struct lm {
    struct ev_loop *loop;
    struct chat *chat;
    bool json, listen, dump;
    bool leaving, done;
    bool eof;         /* stdin ended: what is buffered is the rest */
    bool skipping;    /* dropping the rest of an over-long stdin line */
    bool was_up;      /* both connections were up once */
    bool echo;        /* print our own messages too (default; --no-echo hides them) */
    bool parted;      /* the part went out: only the queue is left to drain */
    bool hide_alerts; /* /filter alerts */
    char *part_reason;
    /* echo: the newest ID one of our messages got, and the newest ID printed (or skipped);
     * the room is left only once the second has caught up with the first */
    struct chatlog_id last_sent, last_seen;
    int rc;
    ev_io in;
    ev_signal sigint, sigterm;
    ev_timer leave_guard;
    char *buf;
    size_t len, cap;
    unsigned long lineno;
    struct chatrender_line line;
    char last_state[160];
};

/* Records an outcome for the exit code, keeping the worst: a failure, then a refused line, then
 * a message only stored. */
static void lm_outcome(struct lm *lm, int rc)
{
    static const int worse[] = {EXIT_OK, EXIT_PARTIAL, EXIT_REJECTED, EXIT_FAILURE_GENERIC};
    int have = 0, got = 0;
    for (int i = 0; i < (int)(sizeof worse / sizeof worse[0]); i++) {
        if (worse[i] == lm->rc)
            have = i;
        if (worse[i] == rc)
            got = i;
    }
    if (got > have)
        lm->rc = rc;
}

/* ---------------------------------------------------------------------------------------------
 * Output
 * ------------------------------------------------------------------------------------------ */

static void clock_text(int64_t ts_ms, char *buf, size_t cap)
{
    time_t t = (time_t)(ts_ms / 1000);
    struct tm tm;
    if (localtime_r(&t, &tm) == NULL || strftime(buf, cap, "%H:%M:%S", &tm) == 0)
        snprintf(buf, cap, "--:--:--");
}

/* Writes s[0..len) as a JSON string that is valid UTF-8 and safe on a terminal: controls, DEL,
 * C1, bidi controls and line/paragraph separators become \u escapes, invalid bytes U+FFFD. */
static void json_string(FILE *f, const char *s, size_t len)
{
    fputc('"', f);
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        int valid;
        size_t n = text_decode(s + i, len - i, &cp, &valid);
        if (cp == '"' || cp == '\\') {
            fputc('\\', f);
            fputc((int)cp, f);
        } else if (cp == '\n') {
            fputs("\\n", f);
        } else if (cp == '\t') {
            fputs("\\t", f);
        } else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || text_cp_is_bidi(cp) || cp == 0x2028 ||
                   cp == 0x2029) {
            fprintf(f, "\\u%04x", (unsigned)cp);
        } else if (!valid) {
            fputs("\xEF\xBF\xBD", f);
        } else {
            fwrite(s + i, 1, n, f);
        }
        i += n;
    }
    fputc('"', f);
}

static void print_message(struct lm *lm, const struct chatlog_msg *m)
{
    if (m->id.local == 0 && chatlog_id_cmp(m->id, lm->last_seen) > 0)
        lm->last_seen = m->id;
    if ((m->own && !lm->echo) || (lm->hide_alerts && m->kind == CHATLOG_ALERT))
        return;
    if (lm->json) {
        char id[CHATLOG_ID_MAX];
        chatlog_id_format(m->id, id, sizeof(id));
        printf("{\"id\":\"%s\",\"ts\":%lld,\"nick\":", m->id.local ? "" : id, (long long)m->ts_ms);
        json_string(stdout, m->nick, m->nick_len);
        printf(",\"kind\":\"%s\",\"text\":", chatlog_kind_name(m->kind));
        json_string(stdout, m->text, m->text_len);
        printf("}\n");
    } else {
        char t[16];
        clock_text(m->ts_ms, t, sizeof(t));
        chatrender_msg(m, chat_room(lm->chat), 0, &lm->line);
        printf("%s %s\n", t, lm->line.s);
    }
    fflush(stdout);
}

/* Connection changes and notices go to stderr, sanitized (they may quote Redis). */
void chatline_note(const char *prefix, const char *text)
{
    struct text_buf b = TEXT_BUF_INIT;
    text_sanitize(text, strlen(text), 0, &b);
    fprintf(stderr, "warroom chat: %s%s\n", prefix, b.s);
    text_buf_free(&b);
}

/* ---------------------------------------------------------------------------------------------
 * Input: lines from stdin
 * ------------------------------------------------------------------------------------------ */

static void finish(struct lm *lm)
{
    lm->done = true;
    ev_break(lm->loop, EVBREAK_ALL);
}

/* Our messages are all out and, with echo, back in the output. */
static bool drained(struct lm *lm)
{
    return chat_pending(lm->chat) == 0 && (!lm->echo || !chat_joined(lm->chat) ||
                                           chatlog_id_cmp(lm->last_seen, lm->last_sent) >= 0);
}

/* Leaving, step by step: once everything sent has come back, the part; once that is out, the
 * end. Called again on every progress of the chat. */
static void leave_step(struct lm *lm)
{
    if (!lm->parted && drained(lm)) {
        chat_part(lm->chat, lm->part_reason); /* unsubscribes: nothing comes back after it */
        lm->parted = true;
    }
    if (lm->parted && chat_pending(lm->chat) == 0)
        finish(lm);
}

static void leave(struct lm *lm)
{
    if (lm->leaving)
        return;
    lm->leaving = true;
    if (ev_is_active(&lm->in))
        ev_io_stop(lm->loop, &lm->in);
    ev_timer_set(&lm->leave_guard, LINE_LEAVE_MAX_S, 0.);
    ev_timer_start(lm->loop, &lm->leave_guard);
    leave_step(lm);
}

/* A line of information for the user on stdout, like a message (HH:MM:SS -!- text, or a JSON
 * object of kind system): the answer to /who. */
static void print_info(struct lm *lm, const char *text)
{
    struct chatlog_msg m = {.id = {.local = 1},
                            .ts_ms = chat_now_ms(),
                            .kind = CHATLOG_SYSTEM,
                            .nick = "",
                            .text = (char *)text,
                            .text_len = strlen(text)};
    print_message(lm, &m);
}

static void who(struct lm *lm)
{
    const struct presence *p = chat_presence(lm->chat);
    size_t cap = 64 + p->n * (TEXT_NICK_MAX_BYTES + 2), n;
    char *buf = xmalloc(cap);
    n = (size_t)snprintf(buf, cap, "online in #%s (%zu):", chat_room(lm->chat), p->n);
    for (size_t i = 0; i < p->n && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, " %s", p->nicks[i]);
    print_info(lm, buf); /* print_message sanitizes */
    free(buf);
}

/* A /command of a stdin line. Returns false when the line is a message to send (SAY, ME). */
static bool line_command(struct lm *lm, const struct chatinput *in)
{
    char err[256], arg[CHATLOG_ROOM_MAX + TEXT_NICK_VALID_MAX_BYTES + 8];
    snprintf(arg, sizeof(arg), "%.*s", (int)in->arg_len, in->arg ? in->arg : "");
    struct text_buf b = TEXT_BUF_INIT;
    switch (in->cmd) {
    case CHATINPUT_CMD_SAY:
    case CHATINPUT_CMD_ME:
        return false;
    case CHATINPUT_CMD_NONE:
        break;
    case CHATINPUT_CMD_NICK:
    case CHATINPUT_CMD_JOIN:
        if ((in->cmd == CHATINPUT_CMD_NICK ? chat_set_nick(lm->chat, arg, err, sizeof(err))
                                           : chat_join(lm->chat, arg, err, sizeof(err))) != 0) {
            fprintf(stderr, "warroom chat: stdin line %lu: %s\n", lm->lineno, err);
            lm_outcome(lm, EXIT_REJECTED);
        }
        break;
    case CHATINPUT_CMD_WHO:
        who(lm);
        break;
    case CHATINPUT_CMD_PART:
    case CHATINPUT_CMD_QUIT:
        free(lm->part_reason);
        lm->part_reason = in->arg_len ? xstrndup(in->arg, in->arg_len) : NULL;
        leave(lm); /* the rest of stdin is not read */
        break;
    case CHATINPUT_CMD_FILTER:
        lm->hide_alerts = !lm->hide_alerts;
        break;
    case CHATINPUT_CMD_HELP:
        for (size_t i = 0; chatinput_help_line(i); i++)
            fprintf(stderr, "%s\n", chatinput_help_line(i));
        break;
    case CHATINPUT_CMD_CLEAR:
    case CHATINPUT_CMD_ACK:
    case CHATINPUT_CMD_SILENCE:
    case CHATINPUT_CMD_UNKNOWN:
        text_sanitize(in->name, in->name_len, TEXT_NICK, &b);
        fprintf(stderr, "warroom chat: stdin line %lu: /%s %s; nothing was sent\n", lm->lineno, b.s,
                in->cmd == CHATINPUT_CMD_UNKNOWN ? "is not a command (try /help)"
                : in->cmd == CHATINPUT_CMD_CLEAR ? "only works in the interface"
                                                 : "needs the interface or `warroom alerts`");
        lm_outcome(lm, EXIT_REJECTED);
        break;
    case CHATINPUT_CMD_USAGE:
        fprintf(stderr, "warroom chat: stdin line %lu: %s\n", lm->lineno, in->error);
        lm_outcome(lm, EXIT_REJECTED);
        break;
    }
    text_buf_free(&b);
    return true;
}

static void send_line(struct lm *lm, char *line, size_t len)
{
    char err[256];
    lm->lineno++;
    if (len > 0 && line[len - 1] == '\r')
        len--;
    struct chatinput in;
    chatinput_parse(line, len, &in);
    if (line_command(lm, &in))
        return;
    enum chatlog_kind kind = in.cmd == CHATINPUT_CMD_ME ? CHATLOG_ME : CHATLOG_MSG;
    enum chat_send_result r = chat_send(lm->chat, kind, in.arg, in.arg_len, err, sizeof(err));
    if (r == CHAT_SEND_EMPTY)
        return;
    if (r != CHAT_SEND_QUEUED) {
        fprintf(stderr, "warroom chat: stdin line %lu: %s\n", lm->lineno, err);
        lm_outcome(lm, EXIT_REJECTED);
    }
}

/* Hands the complete lines of the buffer to the chat while fewer than LINE_BACKLOG_HIGH
 * messages wait; the others stay buffered, in order. */
static void take_lines(struct lm *lm)
{
    size_t start = 0;
    char *nl;
    if (lm->len == 0)
        return;
    while (start < lm->len) {
        nl = memchr(lm->buf + start, '\n', lm->len - start);
        if (lm->skipping) { /* the rest of an over-long line: dropped up to its end */
            start = nl ? (size_t)(nl - lm->buf) + 1 : lm->len;
            lm->skipping = nl == NULL;
            continue;
        }
        if (nl == NULL || chat_pending(lm->chat) >= LINE_BACKLOG_HIGH || lm->leaving)
            break;
        send_line(lm, lm->buf + start, (size_t)(nl - lm->buf) - start);
        start = (size_t)(nl - lm->buf) + 1;
    }
    memmove(lm->buf, lm->buf + start, lm->len - start);
    lm->len -= start;
}

/* Moves input along: sends what the backlog allows, then reads stdin only when no complete
 * line is left waiting and the backlog is low; at EOF, leaves once every line is handed over. */
static void feed(struct lm *lm)
{
    if (lm->leaving)
        return;
    take_lines(lm);
    if (lm->leaving) /* a /part or /quit among the lines */
        return;
    bool waiting = lm->len > 0 && memchr(lm->buf, '\n', lm->len) != NULL;
    /* a line longer than any message could be: refuse it now rather than buffer it forever,
     * and drop the rest of it as it comes */
    if (!waiting && lm->len > CHATLOG_TEXT_MAX + 16) {
        fprintf(stderr, "warroom chat: stdin line %lu: longer than %d bytes, not sent\n",
                ++lm->lineno, CHATLOG_TEXT_MAX);
        lm_outcome(lm, EXIT_REJECTED);
        lm->len = 0;
        lm->skipping = true;
    }
    if (lm->eof) {
        /* lines still wait for the backlog: the chat's progress calls feed again */
        if (waiting)
            return;
        if (lm->len > 0 && !lm->skipping) /* the last line may lack its newline */
            send_line(lm, lm->buf, lm->len);
        lm->len = 0;
        leave(lm);
        return;
    }
    bool read_more = !waiting && chat_pending(lm->chat) < LINE_BACKLOG_HIGH;
    if (read_more && !ev_is_active(&lm->in))
        ev_io_start(lm->loop, &lm->in);
    else if (!read_more && ev_is_active(&lm->in))
        ev_io_stop(lm->loop, &lm->in);
}

static void on_stdin(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop, (void)revents;
    struct lm *lm = w->data;
    if (lm->cap - lm->len < 4096) {
        lm->cap = lm->cap ? lm->cap * 2 : 65536;
        lm->buf = xrealloc(lm->buf, lm->cap);
    }
    ssize_t n = read(0, lm->buf + lm->len, lm->cap - lm->len);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) { /* EOF (or an error) */
        lm->eof = true;
        ev_io_stop(lm->loop, &lm->in);
    } else {
        lm->len += (size_t)n;
    }
    feed(lm);
}

static void on_leave_guard(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop, (void)revents;
    struct lm *lm = t->data;
    if (chat_pending(lm->chat) > 0)
        fprintf(stderr,
                "warroom chat: no message could be sent for %.0f s; giving up with %zu not "
                "sent\n",
                LINE_LEAVE_MAX_S, chat_pending(lm->chat));
    else
        fprintf(stderr,
                "warroom chat: our messages were sent but did not come back within %.0f s: "
                "they are not all in the output above\n",
                LINE_LEAVE_MAX_S);
    lm_outcome(lm, EXIT_FAILURE_GENERIC);
    finish(lm);
}

static void on_signal(struct ev_loop *loop, ev_signal *s, int revents)
{
    (void)loop, (void)revents;
    struct lm *lm = s->data;
    size_t unsent = 0;
    for (size_t i = 0; i < lm->len && !lm->leaving; i++)
        unsent += lm->buf[i] == '\n';
    if (unsent > 0) /* read but held back by the backlog: say so rather than drop them quietly */
        fprintf(stderr, "warroom chat: interrupted: %zu line(s) read from stdin not sent\n",
                unsent);
    leave(lm);
}

/* ---------------------------------------------------------------------------------------------
 * Events from the room
 * ------------------------------------------------------------------------------------------ */

static void on_chat(struct chat *c, const struct chat_event_info *e, void *privdata)
{
    struct lm *lm = privdata;
    char state[160];
    switch (e->ev) {
    case CHAT_EV_MESSAGE:
        print_message(lm, e->msg);
        if (lm->leaving)
            leave_step(lm);
        break;
    case CHAT_EV_JOINED:
        if (lm->dump) {
            finish(lm);
        } else if (!lm->listen) {
            feed(lm);
        }
        break;
    case CHAT_EV_STATE:
        /* quiet until the first time both connections are up, then every change */
        chat_state_text(c, state, sizeof(state));
        if (strcmp(state, "up") == 0 && !lm->was_up) {
            lm->was_up = true;
            snprintf(lm->last_state, sizeof(lm->last_state), "%s", state);
        } else if (lm->was_up && strcmp(state, lm->last_state) != 0) {
            chatline_note("connection: ", state);
            snprintf(lm->last_state, sizeof(lm->last_state), "%s", state);
        }
        break;
    case CHAT_EV_NOTICE:
        chatline_note(e->error ? "error: " : "", e->text);
        if (e->error)
            lm_outcome(lm, EXIT_FAILURE_GENERIC);
        break;
    case CHAT_EV_NOT_BROADCAST:
    case CHAT_EV_SENT:
    case CHAT_EV_IDLE:
        if (e->ev == CHAT_EV_NOT_BROADCAST)
            lm_outcome(lm, EXIT_PARTIAL);
        struct chatlog_id id;
        if (e->ev == CHAT_EV_SENT && e->text && !lm->parted &&
            chatlog_id_parse(e->text, strlen(e->text), &id) == 0 &&
            chatlog_id_cmp(id, lm->last_sent) > 0)
            lm->last_sent = id;
        if (lm->leaving && drained(lm)) {
            leave_step(lm);
        } else if (lm->leaving && e->ev != CHAT_EV_IDLE) { /* progress: wait again */
            ev_timer_stop(lm->loop, &lm->leave_guard);
            ev_timer_set(&lm->leave_guard, LINE_LEAVE_MAX_S, 0.);
            ev_timer_start(lm->loop, &lm->leave_guard);
        } else if (!lm->leaving && !lm->listen && !lm->dump && chat_joined(c) &&
                   !ev_is_active(&lm->in) && chat_pending(c) < LINE_BACKLOG_LOW) {
            feed(lm);
        }
        break;
    case CHAT_EV_RESYNCED:
    case CHAT_EV_PRESENCE:
        break;
    }
}

int chatline_run(struct config *cfg, const char *room, const char *nick, size_t history, bool json,
                 bool listen, bool dump, bool echo)
{
    char err[512];
    /* Check the server (and the namespace's wire format) once, synchronously, so a script gets
     * exit code 4 instead of a client that retries forever; after this the connections
     * reconnect on their own. */
    struct redisaddr *addr = NULL;
    int open_rc;
    struct csync *probe = rsync_open(cfg, &addr, &open_rc);
    if (probe == NULL)
        return open_rc;
    csync_free(probe);

    struct lm lm = {.json = json, .listen = listen, .dump = dump, .echo = echo, .rc = EXIT_OK};
    lm.loop = ev_default_loop(EVFLAG_AUTO);
    struct chat_opts o = {
        .ns = cfg->ns,
        .room = room,
        .nick = nick,
        .history = history,
        .quiet_join = dump,
        .connect_timeout_ms = (unsigned)cfg->connect_timeout_ms,
        .command_timeout_ms = (unsigned)cfg->command_timeout_ms,
        .name = "chat-line",
        .notify = on_chat,
        .privdata = &lm,
    };
    if (history == 0)
        o.history = CHAT_HISTORY_NONE;
    lm.chat = chat_new(lm.loop, addr, &o, err, sizeof(err));
    redisaddr_free(addr);
    if (lm.chat == NULL) {
        fprintf(stderr, "warroom chat: %s\n", err);
        return EXIT_USAGE;
    }
    int fl = fcntl(0, F_GETFL);
    if (fl >= 0)
        fcntl(0, F_SETFL, fl | O_NONBLOCK);
    ev_io_init(&lm.in, on_stdin, 0, EV_READ);
    lm.in.data = &lm;
    ev_signal_init(&lm.sigint, on_signal, SIGINT);
    ev_signal_init(&lm.sigterm, on_signal, SIGTERM);
    lm.sigint.data = lm.sigterm.data = &lm;
    ev_signal_start(lm.loop, &lm.sigint);
    ev_signal_start(lm.loop, &lm.sigterm);
    ev_init(&lm.leave_guard, on_leave_guard);
    lm.leave_guard.data = &lm;

    ev_run(lm.loop, 0);

    if (fl >= 0)
        fcntl(0, F_SETFL, fl);
    ev_signal_stop(lm.loop, &lm.sigint);
    ev_signal_stop(lm.loop, &lm.sigterm);
    ev_timer_stop(lm.loop, &lm.leave_guard);
    ev_io_stop(lm.loop, &lm.in);
    chat_free(lm.chat);
    chatrender_line_free(&lm.line);
    free(lm.buf);
    free(lm.part_reason);
    return lm.rc;
}
