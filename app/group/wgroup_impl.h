/* wgroup_impl.h — what wgroup.c (membership, leases), grouppart.c (reading, periods, commits) and
 * grouptier.c (1m/1h tiers) share. Private to app/group/. */
#ifndef WR_APP_GROUP_WGROUP_IMPL_H
#define WR_APP_GROUP_WGROUP_IMPL_H

#include "app/group/wgroup.h"
#include "core/event.h"

#define GROUP_KEY_MAX 160
#define GROUP_VAL_MAX (GROUP_ID_MAX + 24) /* "ID TOKEN" */
#define GROUP_ERR_MAX 200

enum gpart_state {
    GP_FREE,      /* not ours */
    GP_ACQUIRING, /* acquire script in flight */
    GP_OWNED,
};

struct rollup;

struct gpart {
    struct wgroup *g;
    unsigned idx;
    char own[GROUP_KEY_MAX], ckpt[GROUP_KEY_MAX], ev[GROUP_KEY_MAX], dlq[GROUP_KEY_MAX];
    char roll[GROUP_TIERS][GROUP_KEY_MAX];
    enum gpart_state st;
    unsigned gen; /* bumped on every drop: replies of an older generation are stale */
    uint64_t token;
    char val[GROUP_VAL_MAX];         /* "ID TOKEN": what own holds while it is ours */
    struct rollup *ru;               /* open periods (GP_OWNED) */
    char last[48];                   /* last entry ID folded */
    uint64_t events, late, rejected; /* cumulative, as in the checkpoint */
    bool read_inflight, commit_inflight, caught_up;
    double last_read_t, last_commit_t, retry_after;
    int64_t server_ms;        /* Redis' clock at the last read */
    char committed_last[48];  /* last ID of the last checkpoint sent */
    int64_t sent_closed;      /* closed_ms of the commit in flight */
    int64_t committed_closed; /* closed_ms of the last checkpoint Redis accepted */
    /* tiers: tier_next[t] is the start of the next period of tier t to derive (every period
     * before it is derived or empty; INT64_MIN: not known yet); one step in flight at a time */
    int64_t tier_next[GROUP_TIERS];
    bool tier_inflight;
    int tier_cur;              /* the tier being derived */
    int64_t tier_period;       /* the period being derived */
    char error[GROUP_ERR_MAX]; /* last refusal, "" when none */
};

struct wgroup {
    struct ev_loop *loop;
    struct rconn *rc;
    struct wgroup_config cfg;
    char *ns, *name;
    char id[GROUP_ID_MAX];
    char workers_key[GROUP_KEY_MAX], worker_key[GROUP_KEY_MAX + GROUP_ID_MAX];
    struct gpart *parts;
    wgroup_notify_fn *notify;
    void *privdata;
    ev_timer beat, pump;
    struct wgroup_stats st;
    bool stopping, closing;
    size_t inflight;
    double started;
    int64_t started_ms;
    uint64_t last_events; /* for the rate in the heartbeat */
    double last_beat_t;
    /* parsing scratch */
    const char **strs;
    size_t *lens;
    size_t strs_cap;
    struct event event;
    char key[EVENT_KEY_MAX + 1];
};

/* A reply's context: the partition and its generation when sent. */
struct greq {
    struct gpart *p;
    unsigned gen;
};

struct greq *greq_new(struct gpart *p);
/* A reply came for r (a struct greq): counts it off the group's in-flight commands, frees r and
 * returns its partition, or NULL when the reply is stale (the partition was dropped since, or
 * the group is closing). */
struct gpart *greq_take(void *privdata);

/* Calls the notify callback. */
void wgroup_emit(struct wgroup *g, enum wgroup_event ev, int partition, uint64_t token,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* grouppart.c */
void gpart_init(struct gpart *p, struct wgroup *g, unsigned idx);
void gpart_acquire(struct gpart *p);
void gpart_release(struct gpart *p);
void gpart_renew(struct gpart *p);
/* Drops the partition's state (open periods, in-flight replies); the lease stays as it is. */
void gpart_drop(struct gpart *p);
/* Reads when due and commits what closed: called every pump tick. */
void gpart_pump(struct gpart *p, double now);
void gpart_free(struct gpart *p);

/* grouptier.c: derives the next 1m or 1h period when one is due (after a commit). */
void gtier_pump(struct gpart *p);
/* The trim bound of tier t (ms; 0: do not trim): its age limit behind Redis' clock, but never past
 * what the tier above has not derived yet (a period is trimmed only once it is merged upward). */
int64_t gtier_trim_ms(const struct gpart *p, int t);

#endif
