/* alert_board.h — the alerts every warroom instance shows, as the announcer published them:
 * entries by instance id (loaded from NS:{alerts}:state, then kept current by the transitions,
 * acks and silences of NS:alerts), listed in panel order. The app decodes the JSON; this module
 * only keeps and orders the result. Pure: time comes in as arguments. */
#ifndef WR_ALERT_BOARD_H
#define WR_ALERT_BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/alert.h"
#include "core/rule.h"

/* One alert instance as announced. On the board state is pending, firing or resolved. */
struct alert_board_entry {
    char *id; /* instance id: "rule{k=v,...}" */
    char short_id[ALERT_SHORT_ID_LEN + 1];
    char *rule;              /* rule name */
    char *labels;            /* "k=v,k=v" ("" when none) */
    char *expr;              /* the rule's expression text ("" when unknown) */
    char *series;            /* the series key of a per-series instance ("" for groups, absent()) */
    char *summary, *runbook; /* rendered at the transition ("" when none) */
    enum alert_state state;
    enum rule_severity severity;
    double value;            /* at the transition; NAN when none */
    double threshold;        /* the rule's number; NAN when unknown */
    int64_t since_ms;        /* when it entered this state (evaluation time) */
    int64_t active_since_ms; /* first true evaluation of the episode (0: unknown) */
    bool silenced;           /* announced while silenced (no chat message, no bell) */
    bool acked;              /* acked while pending or firing; dropped when it resolves */
    char *ack_by;            /* NULL when not acked */
    int64_t ack_at_ms;
};

struct alert_board;

/* An empty board. Free with alert_board_free (NULL is a no-op). */
struct alert_board *alert_board_new(void);
void alert_board_free(struct alert_board *b);

/* Drops every entry (acks with them); the silences stay. */
void alert_board_clear(struct alert_board *b);

/* Sets the state of entry e->id from e (strings copied; e->id must be non-empty). An entry of
 * state ALERT_INACTIVE is removed. An existing entry keeps its ack while it stays pending or
 * firing; the ack is dropped when it resolves. An existing entry's since_ms never moves back
 * (a state starts no earlier than the one it follows; a lagging announcer is clamped). Returns the
 * stored entry (valid until the board changes), or NULL when it was removed or e->id is empty. */
const struct alert_board_entry *alert_board_put(struct alert_board *b,
                                                const struct alert_board_entry *e);

/* Removes entry id. Returns 0, or -1 when there is none. */
int alert_board_remove(struct alert_board *b, const char *id);

/* The entry whose id is id_or_short, else the one whose short id it is (NULL when none or when
 * two entries share that short id). */
const struct alert_board_entry *alert_board_find(const struct alert_board *b,
                                                 const char *id_or_short);

/* Marks entry id acked by who (NULL: "") at at_ms. Returns 0, or -1 when the entry does not
 * exist or is not pending or firing. */
int alert_board_ack(struct alert_board *b, const char *id, const char *who, int64_t at_ms);

/* Every entry, sorted for the alerts panel: firing, then pending, then resolved; within a
 * state by severity (page first), then most recent since_ms first, then id. The array is the
 * board's, valid until it changes. Returns the count. */
size_t alert_board_list(struct alert_board *b, const struct alert_board_entry *const **out);
size_t alert_board_count(const struct alert_board *b);

/* Counts per state: out[ALERT_PENDING], out[ALERT_FIRING], out[ALERT_RESOLVED] (out has 4). */
void alert_board_counts(const struct alert_board *b, size_t out[4]);

/* A silence whose matcher was refused (alert_silence_new failed: a bad selector, a regex the
 * bounded engine refuses, an unknown form). Silences come from Redis, where any client may
 * write: a refused one silences nothing, and is kept so it can be shown and removed. */
struct alert_board_rejected {
    char *matcher;
    char *reason; /* why, with the column in the matcher */
    int64_t until_ms;
};

/* Adds a silence (replacing one with the same matcher). Returns 0, or -1 with a message in err
 * when the matcher does not parse (alert_silence_new): the silence is then kept among the
 * rejected ones (replacing a rejection of the same matcher) and applies to nothing. */
int alert_board_silence(struct alert_board *b, const char *matcher, int64_t until_ms,
                        const char *who, const char *comment, char *err, size_t err_cap);

/* Keeps matcher among the rejected silences for reason (replacing a rejection of the same
 * matcher), for a stored silence that cannot be read at all (its value is not a silence);
 * until_ms may be ALERT_BOARD_UNTIL_UNKNOWN, which never expires. */
#define ALERT_BOARD_UNTIL_UNKNOWN INT64_MAX
void alert_board_reject_silence(struct alert_board *b, const char *matcher, const char *reason,
                                int64_t until_ms);

/* Removes the silence, or the rejected silence, with this matcher. Returns 0, or -1 when there
 * is none. */
int alert_board_unsilence(struct alert_board *b, const char *matcher);

/* The rejected silences in the order they came, valid until the silences change. */
size_t alert_board_rejected_silences(const struct alert_board *b,
                                     const struct alert_board_rejected **out);

/* Drops every silence, rejected ones included. */
void alert_board_clear_silences(struct alert_board *b);

/* The silences in the order they were added, valid until they change. */
size_t alert_board_silences(const struct alert_board *b, const struct silence *const **out);

/* Removes the silences (rejected ones included) with until_ms <= now_ms; returns how many. */
size_t alert_board_expire_silences(struct alert_board *b, int64_t now_ms);

/* The first silence with until_ms > now_ms matching an instance of rule with this short id and
 * labels, or NULL. */
const struct silence *alert_board_silenced(const struct alert_board *b, const char *rule,
                                           const char *short_id, const char *labels,
                                           int64_t now_ms);

/* Frees what e owns (entries built by the caller for alert_board_put) and zeroes it. */
void alert_board_entry_clear(struct alert_board_entry *e);

#endif
