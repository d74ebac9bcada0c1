/* alerts.h — the on-call loop of one warroom process: evaluates the alert rules over the live
 * series table in short slices of the libev loop, competes for the announcer lease, and, while
 * it holds it, announces every state change exactly once (NS:alerts, NS:{alerts}:log,
 * NS:{alerts}:state, the chat room); in every process it keeps the shared board (core/alert_board)
 * that the alerts panel, `warroom worker` and `warroom alerts` show, and carries acks and
 * silences to Redis.
 *
 * Keys (NS = namespace; the stored ones share the hash tag {alerts}, so every script below runs
 * in one Redis Cluster slot; the channel is passed to the scripts as an argument):
 *   NS:{alerts}:lease     string  the announcer's token; SET NX PX lease_ms, renewed every
 *                                 renew_ms by a compare-and-renew script, released on exit
 *   NS:alerts             pub/sub transitions, acks, silences, leader changes (alerts_json.h)
 *   NS:{alerts}:log       stream  every transition, ack and silence: fields type, id|matcher,
 *                                 [to,] json; MAXLEN ~ ALERTS_LOG_MAXLEN
 *   NS:{alerts}:state     hash    instance id -> JSON of its current state (no field: inactive)
 *   NS:{alerts}:acks      hash    instance id -> ack JSON {who, at_ms, ...}; gone on resolve
 *   NS:{alerts}:silences  hash    matcher -> silence JSON {until_ms, who, comment, ...}
 *
 * Exactly once: only the lease holder announces, through one script that (1) checks that the
 * lease still holds its token (a paused or partitioned ex-leader cannot announce), (2) compares
 * with NS:{alerts}:state and skips a state already recorded (a new leader never repeats what the
 * previous one announced), then XADDs, HSETs/HDELs and PUBLISHes. After each evaluation the
 * leader announces every difference between its engine and the board, so a takeover also
 * settles what changed while nobody held the lease; before that, every instance's engine adopts
 * the announced state where it lags (alert_adopt: it started later and holds as pending what was
 * announced firing), so a successor never announces firing -> pending.
 *
 * Time: rules are evaluated every second at EVENT time: the end (ms 999) of the second that holds
 * the newest event time of the series table; when no new event arrives for ALERTS_STALL_GRACE_MS of
 * wall time, event time is taken to advance with the wall clock from there (so absent() and rate()
 * < x still fire, and alerts resolve, when producers stop). Silences and acks carry wall-clock
 * times. */
#ifndef WR_ALERTS_H
#define WR_ALERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ev.h>
#include <hiredis/hiredis.h>

#include "app/redis/csync.h"
#include "app/redis/rconn.h"
#include "app/redis/redisaddr.h"
#include "core/alert.h"
#include "core/alert_board.h"
#include "core/rule.h"
#include "core/series.h"

#define ALERTS_LEASE_MS 5000
#define ALERTS_RENEW_MS 1500
#define ALERTS_LEASE_MARGIN_MS 1000 /* stop announcing this long before the lease may lapse */
#define ALERTS_EVAL_INTERVAL_MS 1000
#define ALERTS_SLICE_MS 2.0      /* evaluation slice before the loop gets control (5 ms at most) */
#define ALERTS_SLICE_CEIL_MS 2.5 /* no step starts unless the costliest recent one ends before */
#define ALERTS_STEP_UNITS 1      /* first alert_eval_step budget when no cost is known yet */
#define ALERTS_STEP_UNITS_MAX 16 /* largest step: a unit may cost 1000x another */
#define ALERTS_CHUNK_MS 0.25     /* aimed cost of one alert_eval_step between two clock reads */
#define ALERTS_STALL_GRACE_MS 10000
#define ALERTS_LOG_MAXLEN 10000
#define ALERTS_CHAT_BURST_MS                                                                       \
    2000                       /* longest wait for the answers of transitions announced together */
#define ALERTS_QUEUE_MAX 10000 /* live messages held while the board loads */
#define ALERTS_CHAT_NICK "alerts" /* the nick announcements are posted under */

/* Key suffixes after "NS:" (wire format v2: one hash tag; v1 had "alerts:state" etc.). */
#define ALERTS_KEY_LEASE "{alerts}:lease"
#define ALERTS_KEY_LOG "{alerts}:log"
#define ALERTS_KEY_STATE "{alerts}:state"
#define ALERTS_KEY_ACKS "{alerts}:acks"
#define ALERTS_KEY_SILENCES "{alerts}:silences"
#define ALERTS_CHANNEL "alerts" /* the pub/sub channel NS:alerts (not a key) */

/* The announce script: KEYS = lease, state, log, acks (one hash tag, {alerts}); ARGV = token,
 * instance id, new state, transition JSON, log maxlen, channel. Returns 0 (not the lease holder), 1
 * (state already recorded: nothing done) or the log entry ID. */
extern const char alerts_announce_script[];
/* The ack script: KEYS = state, acks, log; ARGV = instance id, ack JSON, maxlen, channel.
 * Returns 1, or 0 when the instance is not pending or firing. */
extern const char alerts_ack_script[];
/* The silence script: KEYS = silences, log; ARGV = matcher, JSON, maxlen, "set" or "del",
 * channel. Returns 1, or 0 for "del" of a matcher that has no silence. */
extern const char alerts_silence_script[];

struct alerts;

enum alerts_event {
    ALERTS_EV_BOARD,      /* the board changed (values, acks, silences, a reload): redraw */
    ALERTS_EV_TRANSITION, /* a transition reached the board (whoever announced it) */
    ALERTS_EV_ANNOUNCED,  /* we announced a transition (we hold the lease) */
    ALERTS_EV_ACK,        /* an ack reached the board */
    ALERTS_EV_SILENCE,    /* a silence was added (until_ms > 0) or removed (until_ms == 0) */
    ALERTS_EV_LEADER,     /* we took or lost the lease (alerts_is_leader); text says why */
    ALERTS_EV_NOTICE,     /* text: something to tell the user; error when it is a failure */
};

struct alerts_event_info {
    enum alerts_event ev;
    const struct alert_board_entry *entry; /* TRANSITION, ANNOUNCED, ACK: the entry (for a
                                              transition to inactive, the last state before) */
    enum alert_state from, to;             /* TRANSITION, ANNOUNCED */
    bool bell;       /* TRANSITION: a new critical or page alert, not silenced: ring once */
    const char *who; /* ACK, SILENCE */
    const char *matcher;
    const char *comment;
    int64_t until_ms;
    const char *text; /* LEADER, NOTICE */
    bool error;
};

typedef void alerts_notify_fn(struct alerts *a, const struct alerts_event_info *e, void *privdata);

struct alerts_opts {
    const char *ns;                 /* NULL: "wr" */
    const char *room;               /* chat room for announcements (normalized); NULL or "": none */
    const char *nick;               /* in chat lines and as the announcer's name; NULL: "warroom" */
    struct rule_set *rules;         /* taken (left empty); NULL or no rules: display only (no
                                       evaluation, never announces) */
    const struct series_table *tab; /* the table to evaluate (borrowed); NULL: display only */
    unsigned lease_ms, renew_ms;    /* 0: ALERTS_LEASE_MS, ALERTS_RENEW_MS */
    unsigned eval_interval_ms;      /* 0: ALERTS_EVAL_INTERVAL_MS */
    int64_t stall_grace_ms;         /* 0: ALERTS_STALL_GRACE_MS */
    unsigned connect_timeout_ms, command_timeout_ms; /* 0: rconn's defaults */
    const char *name;                                /* connection name suffix; NULL: "alerts" */
    alerts_notify_fn *notify;                        /* may be NULL */
    void *privdata;
};

/* Creates the loop and starts connecting (no callback runs inside this call). The board loads
 * at once; evaluation waits for alerts_set_ready. Strings in opts are copied. Returns NULL with
 * a message in err for a bad option (room or nick). */
struct alerts *alerts_new(struct ev_loop *loop, const struct redisaddr *addr,
                          const struct alerts_opts *opts, char *err, size_t errcap);

/* Stops at once: no callback runs after it returns (the lease, if held, lapses by itself; call
 * alerts_stop first and wait for alerts_pending() == 0 to hand it over at once). NULL: no-op. */
void alerts_free(struct alerts *a);

/* The series table is complete (the reader's replay is done): start evaluating, and, with
 * rules, compete for the lease once one evaluation has completed. Idempotent. */
void alerts_set_ready(struct alerts *a);

/* Stops evaluating and competing and releases the lease if held (compare-and-delete), so
 * another instance takes over without waiting for it to lapse. */
void alerts_stop(struct alerts *a);

/* For a process about to exit without running its loop again: when we hold the lease, deletes
 * it (compare-and-delete) on c, a synchronous connection the caller opened, and steps down.
 * Returns 0, or -1 when the command failed (the lease then lapses by itself). */
int alerts_release_blocking(struct alerts *a, struct csync *c);

/* Commands queued or in flight on the command connection. */
size_t alerts_pending(const struct alerts *a);

/* Acknowledges the pending or firing alert id_or_short (full id or short id) as who. Returns 0
 * when the ack was sent (it reaches the board through NS:alerts), or -1 with a message in err
 * (unknown or ambiguous id, not pending or firing). */
int alerts_ack(struct alerts *a, const char *id_or_short, const char *who, char *err,
               size_t errcap);

/* Silences matcher (a rule name, "*", a short id, an instance id or a selector, see
 * core/alert.h) for duration_ms from now (wall clock). Returns 0 when sent, or -1 with a
 * message in err (bad matcher or duration). */
int alerts_silence(struct alerts *a, const char *matcher, int64_t duration_ms, const char *who,
                   const char *comment, char *err, size_t errcap);

/* Removes the silence with exactly this matcher. Returns 0 when sent, -1 (message in err) when
 * the board has no such silence. */
int alerts_unsilence(struct alerts *a, const char *matcher, const char *who, char *err,
                     size_t errcap);

/* Reads the alert log (XRANGE NS:{alerts}:log - + COUNT 2 x ALERTS_LOG_MAXLEN) on the command
 * connection, without blocking: cb runs once, later, with the reply or NULL (rconn_command;
 * also during alerts_free). Returns 0, or -1 when it could not be sent (cb never runs). */
int alerts_read_log(struct alerts *a, rconn_reply_fn *cb, void *privdata);

/* The shared board (owned by a; valid until alerts_free). */
struct alert_board *alerts_board(struct alerts *a);

/* The local engine (NULL when display only): its instances carry live values. */
struct alert_engine *alerts_engine(struct alerts *a);

/* The latest value the local engine computed for instance id, or NAN. */
double alerts_live_value(struct alerts *a, const char *id);

bool alerts_is_leader(const struct alerts *a);

/* When nobody holds the announcer lease (no instance evaluates: the board may be stale), the
 * wall-clock ms this instance first saw it so (checked every renew_ms); 0 while someone holds
 * it, while we lead, or before the first check. */
int64_t alerts_stale_since(const struct alerts *a);
bool alerts_board_loaded(const struct alerts *a);

/* "leader", "follower (leader: NICK)", "display only", "connecting", ... into buf, preceded by
 * "N silences rejected; " while the board holds silences whose matcher was refused. */
const char *alerts_role_text(const struct alerts *a, char *buf, size_t cap);

/* The process's lease token: "host:pid:random", unique per process. */
const char *alerts_token(const struct alerts *a);

struct alerts_stats {
    uint64_t evaluations; /* completed */
    uint64_t slices;      /* loop iterations they took */
    double eval_ms_last;  /* CPU (wall) time of the last evaluation, all slices */
    double slice_ms_max;  /* longest slice seen */
    int64_t eval_time_ms; /* event time of the last evaluation (0: none yet) */
    uint64_t announced;   /* transitions we announced */
    uint64_t duplicates;  /* announcements the script skipped (already recorded) */
    uint64_t chat_sent;   /* chat lines posted */
    uint64_t lease_taken; /* times we became leader */
};
void alerts_get_stats(const struct alerts *a, struct alerts_stats *out);

/* What the slices of one engine learnt of its steps' cost, carried from slice to slice (the
 * first step of a slice sized like the last one of the previous slice, not blind). Zero it
 * before the first slice. */
struct alerts_pace {
    double unit_ms;     /* cost of one unit in the last step; 0 while unknown */
    double step_ms_max; /* the costliest step of the last slices, halved at each slice */
};

/* Runs steps of the evaluation in progress for at most about budget_ms (wall clock).
 * Returns true when the evaluation is complete. Shared by the loop and `warroom bench alerts`. */
bool alerts_eval_slice(struct alert_engine *e, double budget_ms, struct alerts_pace *pace);

/* Reads and parses a rule file. Returns 0 with *out filled; -1 when the file cannot be read
 * (message "cannot read FILE: reason"), -2 on a parse error ("FILE:LINE:COL: expected ...").
 * The message goes to err. */
int alerts_load_rules(const char *path, struct rule_set *out, char *err, size_t errcap);

/* The rule file to use: cfg_rules when set, else $XDG_CONFIG_HOME/warroom/rules.conf (or
 * ~/.config/warroom/rules.conf) when it exists, else NULL. The path is written to buf. */
const char *alerts_rules_path(const char *cfg_rules, char *buf, size_t cap);

/* Monotonic clock in ms. */
double alerts_mono_ms(void);

#endif
