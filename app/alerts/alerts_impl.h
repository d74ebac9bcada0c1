/* alerts_impl.h — private to app/alerts/: the alerts object shared by its files (alerts.c the
 * object and its life cycle, alertfeed.c the board, announce.c announcing, alertlease.c the
 * lease, alerteval.c the evaluation slices). */
#ifndef WARROOM_ALERTS_IMPL_H
#define WARROOM_ALERTS_IMPL_H

#include "app/alerts/alerts.h"
#include "app/redis/rconn.h"
#include "core/chatlog.h"
#include "core/tmpl.h"

enum load_part { LOAD_STATE, LOAD_ACKS, LOAD_SILENCES, LOAD_PARTS };

struct inflight {
    char *id;
    enum alert_state to;
};

/* Chat lines of transitions announced together (their answers pending at once; at most
 * ALERTS_CHAT_BURST_MS after the first): posted as that one line when alone, else as one line
 * with counts, once the last answer is in (announce.c). */
#define ALERTS_CHAT_BURST_RULES 4 /* rules named in a burst's line; the rest are counted */
struct chat_burst {
    size_t n, fired, resolved;
    enum rule_severity worst;
    char *first; /* the first transition's own line */
    struct {
        char *rule;
        size_t n;
    } rules[ALERTS_CHAT_BURST_RULES];
    size_t nrules, other_rules;
};

struct raw {
    char *s;
    size_t len;
};

struct alerts {
    struct ev_loop *loop;
    struct rconn *cmd, *sub;
    char *ns, *room, *nick, *token;
    char *k_lease, *k_channel, *k_log, *k_state, *k_acks, *k_silences;
    char *k_chat_log, *k_chat_channel; /* NULL without a room */
    struct alert_engine *engine;       /* NULL: display only */
    const struct series_table *tab;
    struct alert_board *board;
    unsigned lease_ms, renew_ms, eval_interval_ms;
    int64_t stall_grace_ms;
    alerts_notify_fn *notify;
    void *privdata;
    ev_timer eval_timer, slice_timer, lease_timer, load_retry;

    bool ready, warm, stopping, closing;
    bool leader;
    double leader_valid_until; /* monotonic ms */
    bool lease_busy;
    char *leader_nick; /* from the latest leader message */

    /* loading the board: subscribe, then read the three hashes, then replay what arrived */
    bool loaded, loading;
    unsigned load_epoch;
    int load_left;
    struct raw *load[LOAD_PARTS]; /* field, value, field, value ... */
    size_t nload[LOAD_PARTS];
    struct raw *queue;
    size_t nqueue, queue_cap;
    bool queue_overflow;

    /* evaluation */
    double eval_started;     /* monotonic ms */
    double eval_spent;       /* ms in slices of the evaluation in progress */
    struct alerts_pace pace; /* the slices' step costs */
    int64_t newest_seen, newest_wall, last_eval;
    struct inflight *inflight;
    size_t ninflight, inflight_cap;
    struct chat_burst burst;
    ev_timer burst_timer;

    /* staleness: whether anyone holds the lease, watched by every instance but the leader */
    ev_timer watch_timer;
    bool watch_busy;
    int64_t stale_since_ms; /* wall ms we first saw no lease holder; 0: someone holds it */
    char summary[TMPL_TEXT_MAX], runbook[TMPL_TEXT_MAX]; /* rendering scratch */
    struct alerts_stats stats;
};

/* A request whose callback needs more than the alerts object. */
struct req {
    struct alerts *a;
    unsigned epoch;                 /* load: the load it belongs to */
    int part;                       /* load: which hash */
    double sent;                    /* lease: monotonic ms when sent */
    struct alert_board_entry entry; /* announce: the state announced (owned copy) */
    enum alert_state from;
    char *chat; /* announce: the chat line to post once announced, or NULL */
    char *note; /* ack/silence: the chat note to post once done */
    char *what; /* ack/silence: for messages */
    char *who;  /* ack/silence: the nick the note is posted as */
};

/* alerts.c: requests, clock, events, chat posts */
struct req *alerts_req_new(struct alerts *a);
void alerts_req_free(struct req *r);
void alerts_emit(struct alerts *a, struct alerts_event_info *e);
void alerts_emit_simple(struct alerts *a, enum alerts_event ev);
void alerts_notice(struct alerts *a, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Posts text to the room's chat log as nick through the chat send script (no-op without a
 * room or while closing). */
void alerts_chat_post(struct alerts *a, const char *nick, enum chatlog_kind kind, const char *text);

/* alertfeed.c: the board, loaded from the hashes and fed by NS:alerts */
bool alertfeed_silenced_now(struct alerts *a, const struct alert_board_entry *e);
void alertfeed_reset(struct alerts *a);
void alertfeed_queue_clear(struct alerts *a);
void alertfeed_on_load_retry(struct ev_loop *loop, ev_timer *t, int revents);
void alertfeed_on_sub_up(struct rconn *rc, void *privdata);
void alertfeed_on_message(struct rconn *rc, const redisReply *msg, void *privdata);

/* announce.c: announcing the engine's transitions (leader only) */
void announce_reconcile(struct alerts *a);
/* Posts the chat line of the burst held back, if any (the timer, alerts_stop). */
void announce_chat_flush(struct alerts *a);
void announce_on_burst_timer(struct ev_loop *loop, ev_timer *t, int revents);
/* Frees what the burst holds without posting it. */
void announce_burst_clear(struct alerts *a);

/* alertlease.c: the announcer lease */
void alertlease_step_down(struct alerts *a, const char *why);
void alertlease_on_timer(struct ev_loop *loop, ev_timer *t, int revents);
/* Releases the lease if it is ours, without waiting (alerts_stop). */
void alertlease_release(struct alerts *a);
/* Releases it on the blocking connection c: 0, or -1 when Redis did not answer as expected. */
int alertlease_release_blocking(struct alerts *a, struct csync *c);

/* alerteval.c: the evaluation, in slices on the loop */
void alerteval_on_timer(struct ev_loop *loop, ev_timer *t, int revents);
void alerteval_on_slice(struct ev_loop *loop, ev_timer *t, int revents);

#endif
