/* chatlog.h — the chat room model: messages ordered by stream entry ID, so history and live
 * messages merge without duplicates or gaps; capped scrollback, unread marker, mentions.
 * Pure: no I/O and no clock. Strings from Redis are stored as received and pass through
 * core/text's sanitizer in chatrender_msg (core/chatrender.h), never before display. The input
 * line is core/chatinput.h, the rate limiter core/ratelimit.h, the online list core/presence.h. */
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
 * invalid UTF-8 or full of controls): render them with chatrender_msg only. */
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

#endif
