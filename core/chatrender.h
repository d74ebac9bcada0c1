/* chatrender.h — one chat message rendered to safe, styled text: every string from Redis
 * passes through core/text's sanitizer here, never before display. Pure. */
#ifndef WR_CHATRENDER_H
#define WR_CHATRENDER_H

#include <stddef.h>

#include "core/chatlog.h"
#include "core/text.h"

/* How a rendered line is styled as a whole. */
enum chatrender_style {
    CHATRENDER_STYLE_MSG,    /* <nick> text */
    CHATRENDER_STYLE_ACTION, /* * nick text */
    CHATRENDER_STYLE_EVENT,  /* -!- join, part, nick change */
    CHATRENDER_STYLE_SYSTEM, /* -!- text (system messages and local notices) */
    CHATRENDER_STYLE_ALERT,  /* -!- [alert] text */
};

/* One message rendered to safe text (without its timestamp):
 *   msg    "<NICK> TEXT"             me     "* NICK TEXT"
 *   join   "-!- NICK has joined #ROOM"
 *   part   "-!- NICK has left #ROOM" plus " (TEXT)" when TEXT is not empty
 *   nick   "-!- NICK is now known as NEWNICK"
 *   system "-!- TEXT"                alert  "-!- [alert] TEXT"
 * NICK is sanitized in nick mode (TEXT_NICK: no spaces, zero-width or bidi characters; "?" if
 * nothing is left), TEXT with the caller's text flags, so s never holds a byte that could
 * steer a terminal. Zero-initialise (CHATRENDER_LINE_INIT), reuse, free with chatrender_line_free.
 */
struct chatrender_line {
    char *s;             /* NUL-terminated, well-formed UTF-8 */
    unsigned char *mark; /* enum text_mark bits per byte of s */
    size_t len, cap;
    size_t nick_off, nick_len; /* the sender's nick inside s; nick_len 0 when not shown */
    size_t body_off;           /* where the message text starts (len when there is none) */
    enum chatrender_style style;
    struct text_buf tmp; /* scratch */
};

#define CHATRENDER_LINE_INIT                                                                       \
    {                                                                                              \
        0                                                                                          \
    }

/* Renders m for room (NULL or "": the room is left out of join/part lines). text_flags are
 * text_sanitize flags for the text (e.g. TEXT_KEEP_NEWLINE for a pane that wraps; without it a
 * \n shows as ^J so one message stays one line). A text that was cut on receipt ends with the
 * truncation marker. */
void chatrender_msg(const struct chatlog_msg *m, const char *room, unsigned text_flags,
                    struct chatrender_line *out);
void chatrender_line_free(struct chatrender_line *l);

#endif
