/* chatinput.h — the chat input line: room names typed by a user and the /commands, parsed
 * without side effects, and their help text. Pure. */
#ifndef WR_CHATINPUT_H
#define WR_CHATINPUT_H

#include <stddef.h>

#include "core/chatlog.h"

/* Normalises a room name typed by a user: an optional leading '#' is dropped; what is left
 * must be 1..CHATLOG_ROOM_MAX bytes of ASCII letters, digits, '_', '-' and '.' (it becomes part
 * of Redis key and channel names). Writes it to out (cap > CHATLOG_ROOM_MAX). Returns 0, or -1
 * with out empty. */
int chatinput_room_normalize(const char *in, char *out, size_t cap);

enum chatinput_cmd {
    CHATINPUT_CMD_NONE,    /* empty or blank line: nothing to do */
    CHATINPUT_CMD_SAY,     /* a message: arg is its text ("//x" sends "/x") */
    CHATINPUT_CMD_ME,      /* /me ACTION */
    CHATINPUT_CMD_NICK,    /* /nick NEW */
    CHATINPUT_CMD_JOIN,    /* /join ROOM */
    CHATINPUT_CMD_PART,    /* /part [REASON] */
    CHATINPUT_CMD_WHO,     /* /who (/names) */
    CHATINPUT_CMD_CLEAR,   /* /clear */
    CHATINPUT_CMD_HELP,    /* /help */
    CHATINPUT_CMD_QUIT,    /* /quit [REASON] (/exit) */
    CHATINPUT_CMD_ACK,     /* /ack ARGS (handled by the alerts feature) */
    CHATINPUT_CMD_SILENCE, /* /silence ARGS (handled by the alerts feature) */
    CHATINPUT_CMD_FILTER,  /* /filter alerts: hide or show alert lines (the only filter) */
    CHATINPUT_CMD_UNKNOWN, /* /word that is none of the above: name holds the word */
    CHATINPUT_CMD_USAGE,   /* a known command used wrongly: error holds its usage line */
};

/* A parsed input line; arg and name point into the parsed line. */
struct chatinput {
    enum chatinput_cmd cmd;
    const char *arg; /* text or argument, blanks around it trimmed (SAY keeps the text as is) */
    size_t arg_len;
    const char *name; /* the command word without '/' (UNKNOWN, USAGE) */
    size_t name_len;
    const char *error; /* USAGE: a static line such as "usage: /nick NEWNICK" */
};

/* Parses one line of the input editor. Commands are case-insensitive. */
void chatinput_parse(const char *line, size_t len, struct chatinput *out);

/* Help for the chat commands: line i (0..), NULL after the last. Static strings; the lines
 * that start with '/' describe one command each (the interface's help overlay lists those). */
const char *chatinput_help_line(size_t i);

#endif
