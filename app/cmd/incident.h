/* incident.h — the timeline of `warroom incident` (app/cmd/cmd_incident.c): its items, and
 * reading them from the alert log and a room's chat log (app/cmd/incident_log.c). */
#ifndef WR_INCIDENT_H
#define WR_INCIDENT_H

#include <stddef.h>
#include <stdint.h>

#include "app/alerts/alerts_json.h"
#include "app/redis/csync.h"
#include "core/query.h"
#include "core/rule.h"
#include "core/series.h"

/* One row of the timeline. Strings are owned. */
struct inc_item {
    int64_t at_ms;
    size_t seq;       /* reading order: ties keep it */
    const char *kind; /* "transition", "ack", "silence", "unsilence", "chat", "value" */
    char *who;        /* ack, silence, chat: the nick; else NULL */
    char *text;       /* what happened, in words */
    char *from, *to;  /* transition */
    double value;     /* transition, value (NAN: none) */
};

struct inc_items {
    struct inc_item *v;
    size_t n, cap;
};

/* Appends an item at at_ms of this kind (a static string), value NAN, no strings. */
struct inc_item *inc_push(struct inc_items *it, int64_t at_ms, const char *kind);
void inc_items_free(struct inc_items *it);
/* Orders the items by time; items of the same ms keep the order they were pushed in. */
void inc_items_sort(struct inc_items *it);

/* One entry of NS:{alerts}:log: its time (entry ID) and decoded message. */
struct log_entry {
    int64_t at_ms;
    struct alerts_msg m;
};

struct inc_log {
    struct log_entry *v;
    size_t n, cap;
};

/* Reads the whole alert log of namespace ns into l (leader changes and unreadable entries left
 * out). Returns 0, or an exit code after a message on stderr. */
int inc_log_read(struct csync *c, const char *ns, struct inc_log *l);
void inc_log_free(struct inc_log *l);
/* Adds the entries of an XRANGE reply of the alert log (read asynchronously) to l. */
void inc_log_add_reply(struct inc_log *l, const redisReply *r);

/* The instance id that arg names: a full id of a transition or ack in l, or the short id of
 * exactly one instance. Returns it (borrowed from l), or NULL after a message on stderr (no
 * such alert; ambiguous: every instance it names). */
const char *inc_resolve_id(const struct inc_log *l, const char *arg);

/* The latest episode of id: from its last transition into pending or firing from another
 * state to the first transition after it to any other state (*to_ms = 0: none yet, still
 * active), in log-entry times. Returns the index in l of that closing transition, else of the
 * last transition of id (its entry carries rule, expr, series), or -1 when id has none. */
long inc_episode(const struct inc_log *l, const char *id, int64_t *from_ms, int64_t *to_ms);

/* Items for the transitions and acks of instance a and the silences and unsilences whose
 * matcher covers it, logged in [lo_ms, hi_ms]. */
void inc_log_items(const struct inc_log *l, const struct alert_board_entry *a, int64_t lo_ms,
                   int64_t hi_ms, struct inc_items *it);

/* Items for the msg, me and alert messages of room's chat log whose ts lies in [lo_ms, hi_ms].
 * Returns 0, or an exit code after a message on stderr. */
int inc_chat_read(struct csync *c, const char *ns, const char *room, int64_t lo_ms, int64_t hi_ms,
                  struct inc_items *it);

/* The windows [t - window_s, t) for every t in (lo_ms, hi_ms] on multiples of step_ms (whole
 * seconds) since the epoch; *n of them (free the array). */
struct query_window *inc_step_windows(int64_t lo_ms, int64_t hi_ms, int64_t step_ms,
                                      uint32_t window_s, size_t *n);

/* A round step (1s, 2s, 5s, 10s, ... 1h) giving about 60 windows over span_ms. */
int64_t inc_auto_step_ms(int64_t span_ms);

/* One "value" item per window w[k], at its end: expression e over tab for instance a (its
 * series, or its group: the labels in its id's braces); NAN where nothing matched. */
void inc_value_items(const struct series_table *tab, const struct rule_expr *e,
                     const struct alert_board_entry *a, const struct query_window *w, size_t n,
                     struct inc_items *it);

#endif
