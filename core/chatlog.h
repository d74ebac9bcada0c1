/* chatlog.h — the chat room model: messages ordered by stream entry ID, so history and live
 * messages merge without duplicates or gaps; capped scrollback, unread marker, mentions, the
 * send rate limiter, the online list, input-line /commands, and safe rendering of one message.
 * Pure: no I/O and no clock (time comes in as now_ms). Strings from Redis are stored as
 * received and pass through core/text's sanitizer in chatlog_render, never before display. */
#ifndef WR_CHATLOG_H
#define WR_CHATLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/text.h"

#define CHATLOG_TEXT_MAX 4096          /* bytes of text one message may carry when sent */
#define CHATLOG_STORE_TEXT_MAX 8192    /* bytes of received text kept (more: cut, marked) */
#define CHATLOG_STORE_NICK_MAX 256     /* bytes of a received nick kept */
#define CHATLOG_DEFAULT_SCROLLBACK 5000
#define CHATLOG_ROOM_MAX 32            /* bytes of a room name */
#define CHATLOG_ID_MAX 48              /* buffer size for a formatted ID, NUL included */

/* ---- kinds and IDs ----------------------------------------------------------------------- */

enum chatlog_kind {
    CHATLOG_MSG,
    CHATLOG_ME,
    CHATLOG_JOIN,
    CHATLOG_PART,
    CHATLOG_NICK, /* nick = the old nick, text = the new one */
    CHATLOG_ALERT,
    CHATLOG_SYSTEM,
};

/* The wire name ("msg", "me", "join", "part", "nick", "alert", "system"). */
const char *chatlog_kind_name(enum chatlog_kind kind);

/* Parses a wire name. Returns 0, or -1 (and *out = CHATLOG_MSG) for an unknown one. */
int chatlog_kind_parse(const char *s, size_t len, enum chatlog_kind *out);

/* A position in the room's order. ms-seq is the stream entry ID; local numbers a notice made
 * on this machine (never sent): it sorts after the message it was made behind. A remote
 * message has local == 0. The zero ID sorts before everything. */
struct chatlog_id {
    uint64_t ms, seq;
    uint32_t local;
};

/* Parses "MS-SEQ" (both decimal, no sign, no blanks; "MS" alone means MS-0). Returns 0, or -1
 * leaving *out zero. */
int chatlog_id_parse(const char *s, size_t len, struct chatlog_id *out);

/* Parses a timestamp field: decimal unix ms, digits only, at most INT64_MAX. Returns it, or
 * fallback when s is NULL, empty, not all digits or too large. */
int64_t chatlog_ts_parse(const char *s, size_t len, int64_t fallback);

/* Writes "MS-SEQ" (local is not written) into buf (cap >= CHATLOG_ID_MAX is always enough);
 * returns buf. */
char *chatlog_id_format(struct chatlog_id id, char *buf, size_t cap);

int chatlog_id_cmp(struct chatlog_id a, struct chatlog_id b); /* <0, 0, >0 */
bool chatlog_id_is_zero(struct chatlog_id id);

/* ---- the message list ---------------------------------------------------------------------- */

/* One message as stored. nick and text are the received bytes (NUL-terminated copies, possibly
 * invalid UTF-8 or full of controls): render them with chatlog_render only. */
struct chatlog_msg {
    struct chatlog_id id;
    int64_t ts_ms;
    enum chatlog_kind kind;
    char *nick;
    size_t nick_len;
    char *text;
    size_t text_len;
    bool truncated; /* the text was longer than CHATLOG_STORE_TEXT_MAX and was cut */
    bool mention;   /* the text names our nick (see chatlog_mentions); never for own messages */
    bool own;       /* the nick was ours when it was added */
};

/* A message to add; strings are copied. nick and text may be NULL when their length is 0. */
struct chatlog_entry {
    struct chatlog_id id;
    int64_t ts_ms;
    enum chatlog_kind kind;
    const char *nick;
    size_t nick_len;
    const char *text;
    size_t text_len;
};

enum chatlog_add_result {
    CHATLOG_ADDED = 0,
    CHATLOG_DUPLICATE = 1, /* a message with this ID is already held; nothing changed */
    CHATLOG_TOO_OLD = 2,   /* the scrollback is full and the message is older than all held */
};

struct chatlog;

/* Creates an empty log keeping at most max_msgs messages (0: CHATLOG_DEFAULT_SCROLLBACK).
 * Free with chatlog_free (NULL is a no-op). */
struct chatlog *chatlog_new(size_t max_msgs);
void chatlog_free(struct chatlog *log);

/* Our nick, for the mention and own flags of messages added from now on (copied; NULL or ""
 * for none). */
void chatlog_set_nick(struct chatlog *log, const char *nick);

/* Adds a message at its place in ID order. A full log drops its oldest message to make room.
 * A remote message whose ID is held already is a duplicate; a zero ID is a remote message
 * without an ID (a bare PUBLISH): it is placed like chatlog_add_local and never a duplicate.
 * Stores the message's index in *index (if not NULL) when added. */
enum chatlog_add_result chatlog_add(struct chatlog *log, const struct chatlog_entry *e,
                                    size_t *index);

/* Adds a notice made here (kind as given, usually CHATLOG_SYSTEM; empty nick) after every message
 * held now. Returns its index. */
size_t chatlog_add_local(struct chatlog *log, enum chatlog_kind kind, int64_t ts_ms,
                         const char *text, size_t len);

size_t chatlog_count(const struct chatlog *log);
/* Message i, 0 = oldest; NULL when out of range. Valid until the log changes. */
const struct chatlog_msg *chatlog_get(const struct chatlog *log, size_t i);

/* Index of the first message with an ID above id (chatlog_count when none). */
size_t chatlog_find_after(const struct chatlog *log, struct chatlog_id id);

/* The highest remote ID ever added: where to resume reading history after a reconnect. Kept
 * across chatlog_clear and scrollback trimming; zero when nothing was added. */
struct chatlog_id chatlog_last_id(const struct chatlog *log);

/* Changes with every change of the messages or the unread marker (for redraw decisions). */
uint64_t chatlog_version(const struct chatlog *log);

/* /clear: drops every message; keeps the last ID and the nick. */
void chatlog_clear(struct chatlog *log);

/* Another room: drops everything, the last ID and the unread marker included; keeps the nick. */
void chatlog_reset(struct chatlog *log);

/* ---- unread marker ------------------------------------------------------------------------- */

/* Everything held now counts as read. */
void chatlog_mark_read(struct chatlog *log);

/* Index of the first message after the read marker (chatlog_count when none). */
size_t chatlog_first_unread(const struct chatlog *log);

/* Messages after the read marker that are neither own nor local; *mentions (if not NULL) gets
 * how many of them mention us. */
size_t chatlog_unread(const struct chatlog *log, size_t *mentions);

/* ---- mentions ------------------------------------------------------------------------------ */

/* 1 if text names nick as a word: ASCII case-insensitive, and where the nick begins or ends
 * with an ASCII letter, digit, '_' or '-', the text next to it must not be one of those (so
 * "bob" is in "@bob:" and "bob's" but not in "bobby"). 0 for an empty nick. */
int chatlog_mentions(const char *text, size_t len, const char *nick);

/* ---- rendering ----------------------------------------------------------------------------- */

/* How a rendered line is styled as a whole. */
enum chatlog_style {
    CHATLOG_STYLE_MSG,    /* <nick> text */
    CHATLOG_STYLE_ACTION, /* * nick text */
    CHATLOG_STYLE_EVENT,  /* -!- join, part, nick change */
    CHATLOG_STYLE_SYSTEM, /* -!- text (system messages and local notices) */
    CHATLOG_STYLE_ALERT,  /* -!- [alert] text */
};

/* One message rendered to safe text (without its timestamp):
 *   msg    "<NICK> TEXT"             me     "* NICK TEXT"
 *   join   "-!- NICK has joined #ROOM"
 *   part   "-!- NICK has left #ROOM" plus " (TEXT)" when TEXT is not empty
 *   nick   "-!- NICK is now known as NEWNICK"
 *   system "-!- TEXT"                alert  "-!- [alert] TEXT"
 * NICK is sanitized in nick mode (TEXT_NICK: no spaces, zero-width or bidi characters; "?" if
 * nothing is left), TEXT with the caller's text flags, so s never holds a byte that could
 * steer a terminal. Zero-initialise (CHATLOG_LINE_INIT), reuse, free with chatlog_line_free. */
struct chatlog_line {
    char *s;             /* NUL-terminated, well-formed UTF-8 */
    unsigned char *mark; /* enum text_mark bits per byte of s */
    size_t len, cap;
    size_t nick_off, nick_len; /* the sender's nick inside s; nick_len 0 when not shown */
    size_t body_off;           /* where the message text starts (len when there is none) */
    enum chatlog_style style;
    struct text_buf tmp; /* scratch */
};

#define CHATLOG_LINE_INIT {0}

/* Renders m for room (NULL or "": the room is left out of join/part lines). text_flags are
 * text_sanitize flags for the text (e.g. TEXT_KEEP_NEWLINE for a pane that wraps; without it a
 * \n shows as ^J so one message stays one line). A text that was cut on receipt ends with the
 * truncation marker. */
void chatlog_render(const struct chatlog_msg *m, const char *room, unsigned text_flags,
                    struct chatlog_line *out);
void chatlog_line_free(struct chatlog_line *l);

/* ---- send rate limit ----------------------------------------------------------------------- */

/* A generic cell rate limiter: up to burst messages at once, then one per interval_ms. */
struct chatlog_rate {
    unsigned burst;
    unsigned interval_ms; /* 0: unlimited */
    int64_t tat_ms;       /* theoretical arrival time of the next message */
};

void chatlog_rate_init(struct chatlog_rate *r, unsigned burst, unsigned interval_ms);

/* Returns 0 and counts one message when one may be sent at now_ms; otherwise returns the
 * milliseconds until one may (> 0) and counts nothing. */
int64_t chatlog_rate_take(struct chatlog_rate *r, int64_t now_ms);

/* ---- online list --------------------------------------------------------------------------- */

/* The nicks seen online, sorted by bytes, no duplicates. Zero-initialise; free with
 * chatlog_presence_free. */
struct chatlog_presence {
    char **nicks;
    size_t n, cap;
};

/* Called by chatlog_presence_set for each nick that came (came = true) or went. */
typedef void chatlog_presence_fn(void *privdata, const char *nick, bool came);

/* Replaces the list with nicks[0..n) (copied; duplicates dropped) and reports the differences
 * to fn (may be NULL): first the nicks that went, then those that came, each in byte order. */
void chatlog_presence_set(struct chatlog_presence *p, const char *const *nicks, size_t n,
                          chatlog_presence_fn *fn, void *privdata);
/* Adds or removes one nick (a join, part or nick change seen in the room). 1 if it changed. */
int chatlog_presence_add(struct chatlog_presence *p, const char *nick);
int chatlog_presence_remove(struct chatlog_presence *p, const char *nick);
bool chatlog_presence_has(const struct chatlog_presence *p, const char *nick);
void chatlog_presence_free(struct chatlog_presence *p);

/* ---- rooms and the input line -------------------------------------------------------------- */

/* Normalises a room name typed by a user: an optional leading '#' is dropped; what is left
 * must be 1..CHATLOG_ROOM_MAX bytes of ASCII letters, digits, '_', '-' and '.' (it becomes part
 * of Redis key and channel names). Writes it to out (cap > CHATLOG_ROOM_MAX). Returns 0, or -1
 * with out empty. */
int chatlog_room_normalize(const char *in, char *out, size_t cap);

enum chatlog_cmd {
    CHATLOG_CMD_NONE,    /* empty or blank line: nothing to do */
    CHATLOG_CMD_SAY,     /* a message: arg is its text ("//x" sends "/x") */
    CHATLOG_CMD_ME,      /* /me ACTION */
    CHATLOG_CMD_NICK,    /* /nick NEW */
    CHATLOG_CMD_JOIN,    /* /join ROOM */
    CHATLOG_CMD_PART,    /* /part [REASON] */
    CHATLOG_CMD_WHO,     /* /who (/names) */
    CHATLOG_CMD_CLEAR,   /* /clear */
    CHATLOG_CMD_HELP,    /* /help */
    CHATLOG_CMD_QUIT,    /* /quit [REASON] (/exit) */
    CHATLOG_CMD_ACK,     /* /ack ARGS (handled by the alerts feature) */
    CHATLOG_CMD_SILENCE, /* /silence ARGS (handled by the alerts feature) */
    CHATLOG_CMD_UNKNOWN, /* /word that is none of the above: name holds the word */
    CHATLOG_CMD_USAGE,   /* a known command used wrongly: error holds its usage line */
};

/* A parsed input line; arg and name point into the parsed line. */
struct chatlog_input {
    enum chatlog_cmd cmd;
    const char *arg; /* text or argument, blanks around it trimmed (SAY keeps the text as is) */
    size_t arg_len;
    const char *name; /* the command word without '/' (UNKNOWN, USAGE) */
    size_t name_len;
    const char *error; /* USAGE: a static line such as "usage: /nick NEWNICK" */
};

/* Parses one line of the input editor. Commands are case-insensitive. */
void chatlog_parse_input(const char *line, size_t len, struct chatlog_input *out);

/* Help for the chat commands: line i (0..), NULL after the last. Static strings. */
const char *chatlog_help_line(size_t i);

#endif
