/* cmd_chat.c — `warroom chat ROOM`: talk in a room from a script. --say sends one message and
 * exits; otherwise line mode (app/cmd/chatline.c) prints the history then live messages and
 * sends every line read from stdin until EOF. With a terminal on stdout and no --say, the full
 * interface opens on the room instead. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/chat/chat.h"
#include "app/cmd/chatline.h"
#include "app/cmd/cmd.h"
#include "app/config.h"
#include "app/redis/rscript.h"
#include "app/redis/rsync.h"
#include "app/tui/tui.h"
#include "core/chatlog.h"
#include "core/chatinput.h"
#include "core/mem.h"
#include "core/text.h"

static const char chat_help[] =
    "usage: warroom chat ROOM [--say TEXT] [--nick NAME] [--history N] [--json] [--listen]\n"
    "                         [--dump] [--kind KIND] [--no-echo]\n\n"
    "Talks in a chat room. With --say, sends TEXT and exits (\"/me TEXT\" is an action).\n"
    "Otherwise, when stdout is not a terminal (line mode), prints the last N messages (default\n"
    "200) and then live ones, one per line:\n"
    "  HH:MM:SS <nick> text        HH:MM:SS * nick action       HH:MM:SS -!- nick has joined "
    "#ROOM\n"
    "and sends each line read from stdin; your own messages are printed too, in the room's\n"
    "order, before it exits. Lines starting with / are the interface's commands: /me ACTION,\n"
    "/nick NEW, /who (prints who is online), /join ROOM, /part or /quit [REASON] (leave and\n"
    "exit), /filter alerts (hide alert lines), /help; //TEXT sends TEXT. At the end of\n"
    "stdin it leaves the room and exits 0.\n"
    "With stdout on a terminal, the interface opens.\n"
    "  --say TEXT     send one message and exit; prints its ID\n"
    "  --kind KIND    kind of the --say message: msg (default), me, system or alert\n"
    "  --nick NAME    nick (default: the nick setting, else $USER, $LOGNAME, the login name)\n"
    "  --history N    messages of history to print first (default 200, 0 for none)\n"
    "  --json         one JSON object per message: {\"id\",\"ts\",\"nick\",\"kind\",\"text\"}\n"
    "  --listen       ignore stdin: print messages until SIGINT or SIGTERM\n"
    "  --no-echo      line mode: do not print your own messages\n"
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

/* ---------------------------------------------------------------------------------------------
 * The command
 * ------------------------------------------------------------------------------------------ */

/* --say: one message through a synchronous connection (EVALSHA, EVAL when the server lacks the
 * script). */
static int say(struct config *cfg, const char *room, const char *nick, enum chatlog_kind kind,
               const char *text)
{
    size_t len = strlen(text);
    if (len > CHATLOG_TEXT_MAX) {
        fprintf(stderr, "warroom chat: message not sent: %zu bytes, the limit is %d\n", len,
                CHATLOG_TEXT_MAX);
        return EXIT_REJECTED;
    }
    int open_rc;
    struct csync *c = rsync_open(cfg, NULL, &open_rc); /* refuses a v1 namespace */
    if (c == NULL)
        return open_rc;
    char log_key[128], channel[128], ts[24];
    snprintf(log_key, sizeof(log_key), "%s:chat:%s:log", cfg->ns, room);
    snprintf(channel, sizeof(channel), "%s:chat:%s", cfg->ns, room);
    snprintf(ts, sizeof(ts), "%lld", (long long)chat_now_ms());
    struct chat_send_args args;
    chat_send_args(&args, log_key, channel, nick, kind, text, len, ts);
    struct rscript script;
    rscript_init(&script, chat_send_script);
    redisReply *r = rscript_csync(c, &script, CHAT_SEND_ARGC, args.argv, args.len);
    const char *id, *why;
    int rc = EXIT_OK;
    if (chat_send_reply_parse(r, &id, &why) != 0) {
        chatline_note("message not sent: ", r == NULL                      ? csync_error(c)
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
            chatline_note("", note);
            rc = EXIT_PARTIAL;
        }
    }
    if (r)
        freeReplyObject(r);
    csync_free(c);
    return rc;
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
    bool json = false, listen = false, dump = false, echo = true;
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
        } else if (strcmp(a, "--no-echo") == 0) {
            echo = false;
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
            fprintf(stderr,
                    "warroom chat: bad room name '%s': use 1-%d letters, digits, '_', "
                    "'-' or '.'\n",
                    room_arg, CHATLOG_ROOM_MAX);
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
        rc = chatline_run(&cfg, room, nick, history, json, listen, dump, echo);
    }
    config_free(&cfg);
    free(orig);
    return rc;
}
