/* cmd_chat.c — `warroom chat ROOM`: talk in a room from a script. --say sends one message and
 * exits; otherwise line mode prints the history then live messages, one sanitized line (or JSON
 * object) each, and sends every line read from stdin until EOF. With a terminal on stdout and
 * no --say, the full interface opens on the room instead. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "app/chat/chat.h"
#include "app/cmd/cmd.h"
#include "app/config.h"
#include "app/redis/rsync.h"
#include "app/tui/tui.h"
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

static const char chat_help[] =
    "usage: warroom chat ROOM [--say TEXT] [--nick NAME] [--history N] [--json] [--listen]\n"
    "                         [--dump] [--kind KIND]\n\n"
    "Talks in a chat room. With --say, sends TEXT and exits (\"/me TEXT\" is an action).\n"
    "Otherwise, when stdout is not a terminal (line mode), prints the last N messages (default\n"
    "200) and then live ones, one per line:\n"
    "  HH:MM:SS <nick> text        HH:MM:SS * nick action       HH:MM:SS -!- nick has joined #ROOM\n"
    "and sends each line read from stdin (a line starting with \"/me \" is an action); at the end\n"
    "of stdin it leaves the room and exits 0. With stdout on a terminal, the interface opens.\n"
    "  --say TEXT     send one message and exit; prints its ID\n"
    "  --kind KIND    kind of the --say message: msg (default), me, system or alert\n"
    "  --nick NAME    nick (default: the nick setting, else $USER, else anon-XXXX)\n"
    "  --history N    messages of history to print first (default 200, 0 for none)\n"
    "  --json         one JSON object per message: {\"id\",\"ts\",\"nick\",\"kind\",\"text\"}\n"
    "  --listen       ignore stdin: print messages until SIGINT or SIGTERM\n"
    "  --dump         print the history and exit, without joining\n"
    "Text from the room is sanitized: control characters show as ^X, invalid UTF-8 as U+FFFD.\n"
    "Times are local (set TZ=UTC for UTC).\n\n"
    "Lines wait in order while the rate limit holds them back (stdin is read as they go).\n\n"
    "exit codes: 0 ok, 1 failure (e.g. Redis refused a message), 2 usage, 3 a message was\n"
    "refused (too long), 4 Redis unreachable, 5 a message was stored in the room's history\n"
    "but not broadcast (Redis refused the PUBLISH: live readers see it only when they read\n"
    "the history again; do not send it again)\n\n";

const struct cmd_entry cmd_chat_entry = {
    .name = "chat",
    .usage = "ROOM [--say TEXT] [--json] [--history N]",
    .summary = "talk in a chat room: one message, or line mode when stdout is not a terminal",
    .help = chat_help,
    .common_options = true,
    .run = cmd_chat,
};

struct lm {
    struct ev_loop *loop;
    struct chat *chat;
    bool json, listen, dump;
    bool leaving, done;
    bool eof;      /* stdin ended: what is buffered is the rest */
    bool skipping; /* dropping the rest of an over-long stdin line */
    bool was_up;   /* both connections were up once */
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
        } else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || text_cp_is_bidi(cp) ||
                   cp == 0x2028 || cp == 0x2029) {
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
    if (lm->json) {
        char id[CHATLOG_ID_MAX];
        chatlog_id_format(m->id, id, sizeof(id));
        printf("{\"id\":\"%s\",\"ts\":%lld,\"nick\":", m->id.local ? "" : id,
               (long long)m->ts_ms);
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
static void print_note(const char *prefix, const char *text)
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

static void leave(struct lm *lm)
{
    if (lm->leaving)
        return;
    lm->leaving = true;
    if (ev_is_active(&lm->in))
        ev_io_stop(lm->loop, &lm->in);
    chat_part(lm->chat, NULL);
    if (chat_pending(lm->chat) == 0) {
        finish(lm);
        return;
    }
    ev_timer_set(&lm->leave_guard, LINE_LEAVE_MAX_S, 0.);
    ev_timer_start(lm->loop, &lm->leave_guard);
}

static void send_line(struct lm *lm, char *line, size_t len)
{
    char err[256];
    lm->lineno++;
    if (len > 0 && line[len - 1] == '\r')
        len--;
    enum chatlog_kind kind = CHATLOG_MSG;
    if (len >= 4 && memcmp(line, "/me ", 4) == 0) {
        kind = CHATLOG_ME;
        line += 4;
        len -= 4;
    }
    enum chat_send_result r = chat_send(lm->chat, kind, line, len, err, sizeof(err));
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
        if (nl == NULL || chat_pending(lm->chat) >= LINE_BACKLOG_HIGH)
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
    fprintf(stderr,
            "warroom chat: no message could be sent for %.0f s; giving up with %zu not sent\n",
            LINE_LEAVE_MAX_S, chat_pending(lm->chat));
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
            print_note("connection: ", state);
            snprintf(lm->last_state, sizeof(lm->last_state), "%s", state);
        }
        break;
    case CHAT_EV_NOTICE:
        print_note(e->error ? "error: " : "", e->text);
        if (e->error)
            lm_outcome(lm, EXIT_FAILURE_GENERIC);
        break;
    case CHAT_EV_NOT_BROADCAST:
    case CHAT_EV_SENT:
    case CHAT_EV_IDLE:
        if (e->ev == CHAT_EV_NOT_BROADCAST)
            lm_outcome(lm, EXIT_PARTIAL);
        if (lm->leaving && chat_pending(c) == 0) {
            finish(lm);
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

/* ---------------------------------------------------------------------------------------------
 * The command
 * ------------------------------------------------------------------------------------------ */

/* --say: one message through a synchronous connection. */
static int say(struct config *cfg, const char *room, const char *nick, enum chatlog_kind kind,
               const char *text)
{
    char err[512];
    size_t len = strlen(text);
    if (len > CHATLOG_TEXT_MAX) {
        fprintf(stderr, "warroom chat: message not sent: %zu bytes, the limit is %d\n", len,
                CHATLOG_TEXT_MAX);
        return EXIT_REJECTED;
    }
    struct redisaddr *addr = rsync_address(cfg, err, sizeof(err));
    if (addr == NULL) {
        fprintf(stderr, "warroom chat: %s\n", err);
        return EXIT_UNREACHABLE;
    }
    redisContext *c = rsync_connect(addr, cfg->connect_timeout_ms, err, sizeof(err));
    redisaddr_free(addr);
    if (c == NULL) {
        fprintf(stderr, "warroom chat: %s\n", err);
        return EXIT_UNREACHABLE;
    }
    char log_key[128], channel[128], ts[24], maxlen[16];
    snprintf(log_key, sizeof(log_key), "%s:chat:%s:log", cfg->ns, room);
    snprintf(channel, sizeof(channel), "%s:chat:%s", cfg->ns, room);
    snprintf(ts, sizeof(ts), "%lld", (long long)chat_now_ms());
    snprintf(maxlen, sizeof(maxlen), "%d", CHAT_STREAM_MAXLEN);
    const char *k = chatlog_kind_name(kind);
    const char *argv[] = {"EVAL", chat_send_script, "2", log_key, channel, nick, k, text, ts,
                          maxlen};
    size_t argvlen[] = {4, strlen(chat_send_script), 1, strlen(log_key), strlen(channel),
                        strlen(nick), strlen(k), len, strlen(ts), strlen(maxlen)};
    redisReply *r = redisCommandArgv(c, 10, argv, argvlen);
    const char *id, *why;
    int rc = EXIT_OK;
    if (chat_send_reply_parse(r, &id, &why) != 0) {
        print_note("message not sent: ", r == NULL                      ? c->errstr
                                         : r->type == REDIS_REPLY_ERROR ? r->str
                                                                        : "bad reply");
        rc = r == NULL ? EXIT_UNREACHABLE : EXIT_FAILURE_GENERIC;
    } else {
        printf("%s\n", id);
        if (why) {
            char note[768];
            snprintf(note, sizeof(note),
                     "message stored in the history of #%s as %s but not broadcast (Redis "
                     "refused the PUBLISH: %s): live readers see it only when they read the "
                     "history again (on joining or reconnecting)",
                     room, id, why);
            print_note("", note);
            rc = EXIT_PARTIAL;
        }
    }
    if (r)
        freeReplyObject(r);
    redisFree(c);
    return rc;
}

static int line_mode(struct config *cfg, const char *room, const char *nick, size_t history,
                     bool json, bool listen, bool dump)
{
    char err[512];
    /* Check the server once, synchronously, so a script gets exit code 4 instead of a client
     * that retries forever; after this the connections reconnect on their own. */
    struct redisaddr *addr = rsync_address(cfg, err, sizeof(err));
    redisContext *probe = addr ? rsync_connect(addr, cfg->connect_timeout_ms, err, sizeof(err))
                               : NULL;
    if (probe == NULL) {
        fprintf(stderr, "warroom chat: %s\n", err);
        redisaddr_free(addr);
        return EXIT_UNREACHABLE;
    }
    redisFree(probe);

    struct lm lm = {.json = json, .listen = listen, .dump = dump, .rc = EXIT_OK};
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
    return lm.rc;
}

/* A terminal on stdout: the interface, on this room, chat pane focused. The original arguments
 * go along (the common options among them) except the room and --history. */
static int open_interface(int argc, char **orig, const char *room_arg, const char *room)
{
    char **v = xcalloc((size_t)argc + 4, sizeof(*v));
    int n = 0;
    v[n++] = orig[0];
    for (int i = 1; i < argc; i++) {
        if (orig[i] == room_arg)
            continue;
        if (strcmp(orig[i], "--history") == 0) {
            i++;
            continue;
        }
        v[n++] = orig[i];
    }
    v[n++] = "--room";
    v[n++] = (char *)room;
    v[n++] = "--chat";
    v[n] = NULL;
    int rc = tui_main(n, v, false);
    free(v);
    return rc;
}

int cmd_chat(int argc, char **argv)
{
    struct config cfg;
    char err[512];
    int orig_argc = argc;
    char **orig = xcalloc((size_t)argc + 1, sizeof(*orig));
    memcpy(orig, argv, (size_t)argc * sizeof(*orig));
    if (config_load(&cfg, &argc, argv, err, sizeof(err)) != 0) {
        free(orig);
        fprintf(stderr, "warroom chat: %s\n", err);
        return EXIT_USAGE;
    }
    const char *room_arg = NULL, *say_text = NULL, *kind_arg = NULL;
    size_t history = CHAT_DEFAULT_HISTORY;
    bool json = false, listen = false, dump = false;
    int rc = EXIT_OK;
    for (int i = 1; i < argc && rc == EXIT_OK; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            cmd_print_help(&cmd_chat_entry, stdout);
            config_free(&cfg);
            free(orig);
            return EXIT_OK;
        } else if (strcmp(a, "--say") == 0 && has_value) {
            say_text = argv[++i];
        } else if (strcmp(a, "--kind") == 0 && has_value) {
            kind_arg = argv[++i];
        } else if (strcmp(a, "--history") == 0 && has_value) {
            char *end;
            errno = 0;
            unsigned long v = strtoul(argv[++i], &end, 10);
            if (errno || *end || end == argv[i] || v > 1000000) {
                fprintf(stderr, "warroom chat: --history needs a number from 0 to 1000000\n");
                rc = EXIT_USAGE;
            }
            history = v;
        } else if (strcmp(a, "--json") == 0) {
            json = true;
        } else if (strcmp(a, "--listen") == 0) {
            listen = true;
        } else if (strcmp(a, "--dump") == 0) {
            dump = true;
        } else if (a[0] != '-' && room_arg == NULL) {
            room_arg = a;
        } else {
            fprintf(stderr, "warroom chat: unknown argument '%s' (try --help)\n", a);
            rc = EXIT_USAGE;
        }
    }
    char room[CHATLOG_ROOM_MAX + 1], nick[TEXT_NICK_VALID_MAX_BYTES + 1];
    if (rc == EXIT_OK) {
        if (room_arg == NULL)
            room_arg = cfg.room ? cfg.room : CONFIG_DEFAULT_ROOM;
        if (chatinput_room_normalize(room_arg, room, sizeof(room)) != 0) {
            fprintf(stderr, "warroom chat: bad room name '%s': use 1-%d letters, digits, '_', "
                            "'-' or '.'\n", room_arg, CHATLOG_ROOM_MAX);
            rc = EXIT_USAGE;
        }
    }
    chat_default_nick(cfg.nick, nick, sizeof(nick));
    enum chatlog_kind kind = CHATLOG_MSG;
    if (rc == EXIT_OK && kind_arg &&
        (chatlog_kind_parse(kind_arg, strlen(kind_arg), &kind) != 0 ||
         (kind != CHATLOG_MSG && kind != CHATLOG_ME && kind != CHATLOG_SYSTEM &&
          kind != CHATLOG_ALERT))) {
        fprintf(stderr, "warroom chat: --kind must be msg, me, system or alert\n");
        rc = EXIT_USAGE;
    }
    if (rc == EXIT_OK && say_text) {
        if (kind == CHATLOG_MSG && strncmp(say_text, "/me ", 4) == 0) {
            kind = CHATLOG_ME;
            say_text += 4;
        }
        size_t n = strspn(say_text, " \t\n");
        if (say_text[n] == '\0') {
            fprintf(stderr, "warroom chat: --say needs some text\n");
            rc = EXIT_USAGE;
        } else {
            rc = say(&cfg, room, nick, kind, say_text);
        }
    } else if (rc == EXIT_OK && !json && !listen && !dump && isatty(STDOUT_FILENO) &&
               isatty(STDIN_FILENO)) {
        config_free(&cfg);
        rc = open_interface(orig_argc, orig, room_arg, room);
        free(orig);
        return rc;
    } else if (rc == EXIT_OK) {
        rc = line_mode(&cfg, room, nick, history, json, listen, dump);
    }
    config_free(&cfg);
    free(orig);
    return rc;
}
