/* alerts_json.h — the JSON of the alerting wire contract (NS:alerts messages, the values of
 * NS:{alerts}:state, NS:{alerts}:acks and NS:{alerts}:silences, the json field of NS:{alerts}:log)
 * and the one-line texts posted to chat. One encoder and one decoder, shared by the live loop
 * (app/alerts/alerts.c) and the `warroom alerts` command. Formats are documented in
 * docs/protocol.md. */
#ifndef WR_ALERTS_JSON_H
#define WR_ALERTS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/alert_board.h"

enum alerts_msg_type {
    ALERTS_MSG_TRANSITION, /* {"type":"transition", ...entry..., "from", "to", "state"} */
    ALERTS_MSG_ACK,        /* {"type":"ack","id","short","who","at_ms"} */
    ALERTS_MSG_SILENCE,    /* {"type":"silence","matcher","until_ms","who","comment"} */
    ALERTS_MSG_UNSILENCE,  /* {"type":"unsilence","matcher","who","at_ms"} */
    ALERTS_MSG_LEADER,     /* {"type":"leader","token","nick","at_ms"} */
};

/* A decoded message. Strings are owned by it (alerts_msg_clear frees them). */
struct alerts_msg {
    enum alerts_msg_type type;
    struct alert_board_entry entry; /* transition: the new state (entry.state == to) */
    enum alert_state from, to;
    char *by;         /* transition: the announcer's token; leader: the token */
    char *id;         /* ack: the instance id */
    char *who;        /* ack, silence, unsilence: the nick; leader: its nick */
    char *matcher;    /* silence, unsilence */
    char *comment;    /* silence */
    int64_t at_ms;    /* ack, unsilence, leader: wall-clock ms */
    int64_t until_ms; /* silence: wall-clock ms */
};

/* Encoders: each returns a new NUL-terminated JSON text (free with free()). */

/* A transition of e (whose state is the new one) from `from`, announced by token `by`. It is
 * also the value stored in NS:{alerts}:state (its "state" field is the new state). */
char *alerts_json_transition(const struct alert_board_entry *e, enum alert_state from,
                             const char *by);
char *alerts_json_ack(const char *id, const char *short_id, const char *who, int64_t at_ms);
char *alerts_json_silence(const char *matcher, int64_t until_ms, const char *who,
                          const char *comment);
char *alerts_json_unsilence(const char *matcher, const char *who, int64_t at_ms);
char *alerts_json_leader(const char *token, const char *nick, int64_t at_ms);

/* Decodes a message (or a stored value: they are the same objects). A value without "type" is
 * taken as `fallback` (the hashes' values are typed, but a hand-written one may not be).
 * Returns 0, or -1 when it is not a JSON object of a known type with its required fields
 * (transition: id, state; ack: id; silence and unsilence: matcher). */
int alerts_json_parse(const char *json, size_t len, enum alerts_msg_type fallback,
                      struct alerts_msg *out);
void alerts_msg_clear(struct alerts_msg *m);

/* Parses "inactive", "pending", "firing", "resolved". Returns 0, or -1. */
int alerts_state_parse(const char *s, enum alert_state *out);

/* The chat line for a transition, one line (no newline), e.g.
 *   FIRING critical api_latency_high{service=api} 312.5 > 250 [3fa2c1]
 *   RESOLVED critical api_latency_high{service=api} 180, limit > 250 [3fa2c1]
 *   FIRING page api_silent{service=api} absent [77e0a2]
 * (state, severity, rule{labels}, value against the threshold, short id; the summary and the
 * runbook are in the alerts panel) written into buf (cut to cap, NUL-terminated). */

/* The comparison of a rule expression for display: "> 250" from "p99(x) over 1m > 250";
 * "absent" for absent(); "" when it cannot be told. */
void alerts_threshold_text(const char *expr, char *buf, size_t cap);
void alerts_chat_text(const struct alert_board_entry *e, enum alert_state from, char *buf,
                      size_t cap);

/* A value as the panel and chat show it: tmpl_format_value, "-" for NaN. */
const char *alerts_value_text(double v, char *buf, size_t cap);

/* The reason shown for a stored silence whose value is not a silence's JSON. */
#define ALERTS_SILENCE_UNREADABLE                                                                  \
    "the stored value is not a silence (JSON with matcher, until_ms, who, comment)"

#endif
