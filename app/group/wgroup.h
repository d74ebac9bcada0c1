/* wgroup.h — scale-out mode (`warroom worker --group`): this process is one member of the
 * namespace's worker group. Members announce themselves (NS:workers heartbeats), share the
 * partitions evenly (partition i goes to the (i mod n)-th live member in ID order), own each by
 * a lease with a fencing token (NS:own:{pI}), read it through the consumer group (XREADGROUP),
 * fold its events into 1-second periods (core/rollup) and, as periods close, write them to the
 * 1s rollup tier in one script with the checkpoint and the XACKs (exactly once), then derive the
 * 1m and 1h tiers from the tier below. Scripts and their checks: gscripts.h; keys:
 * docs/protocol.md.
 *
 * Everything runs on one RCONN_MODE_COMMAND connection (routed by slot on a cluster); reads do
 * not block (a script cannot), an idle partition is polled every GROUP_POLL_MS. */
#ifndef WR_APP_GROUP_WGROUP_H
#define WR_APP_GROUP_WGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ev.h>

#include "app/redis/rconn.h"
#include "app/redis/redisaddr.h"

#define GROUP_DEFAULT_NAME "warroom"
#define GROUP_DEFAULT_LEASE_MS 10000
#define GROUP_ID_MAX 64         /* worker ID, with its NUL */
#define GROUP_POLL_MS 100       /* an idle partition's read period */
#define GROUP_ENTRY_SERIES 2000 /* series per rollup stream entry (Lua's unpack bound) */

/* Rollup tiers: 1s written as periods close, the others merged from the tier below. */
enum wgroup_tier { GROUP_TIER_1S, GROUP_TIER_1M, GROUP_TIER_1H, GROUP_TIERS };

struct wgroup_config {
    const char *ns;      /* namespace (copied) */
    unsigned partitions; /* >= 1 */
    const char *name;    /* consumer group; NULL: GROUP_DEFAULT_NAME (copied) */
    const char *id;      /* this worker's ID; NULL: HOST-PID (copied) */
    int64_t lease_ms;    /* 0: GROUP_DEFAULT_LEASE_MS */
    int64_t lateness_ms; /* allowed lateness (>= 0): a period closes this long after its end */
    unsigned count;      /* XREADGROUP COUNT; 0: 1000 */
    uint32_t max_series; /* series per open period and partition; 0: 100000 */
    int64_t retention_ms[GROUP_TIERS];               /* trim ages; 0: 1 h, 7 d, 90 d */
    unsigned connect_timeout_ms, command_timeout_ms; /* 0: rconn's defaults */
};

enum wgroup_event {
    GROUP_EV_ACQUIRED, /* partition taken (token, text: "resuming after ID") */
    GROUP_EV_RELEASED, /* given up for a rebalance or a stop */
    GROUP_EV_LOST,     /* its lease is not ours any more (taken over while we were away) */
    GROUP_EV_ERROR,    /* a refusal: text says what and what is done about it */
    GROUP_EV_CONN,     /* the connection's state changed */
    GROUP_EV_MEMBERS,  /* the number of live workers changed */
};

struct wgroup_event_info {
    enum wgroup_event ev;
    int partition; /* -1 when not about one */
    uint64_t token;
    const char *text;
};

struct wgroup;
typedef void wgroup_notify_fn(struct wgroup *g, const struct wgroup_event_info *e, void *privdata);

struct wgroup_stats {
    unsigned owned;        /* partitions held now */
    unsigned members;      /* live workers seen at the last heartbeat, this one included */
    uint64_t entries;      /* stream entries read (by this process) */
    uint64_t events;       /* folded into periods */
    uint64_t late;         /* behind a closed period: counted, not folded */
    uint64_t rejected;     /* failed to parse: dead-lettered */
    uint64_t periods;      /* 1s rollup entries written */
    uint64_t tier_periods; /* 1m and 1h entries written */
    uint64_t refused;      /* rollup entries refused as replays (their ID was written before) */
    uint64_t commits;      /* checkpoints written */
    uint64_t fenced;       /* scripts refused because our lease had been taken over */
    uint64_t acquired, released, lost; /* lease events */
    uint64_t errors;                   /* other refusals (see the GROUP_EV_ERROR lines) */
    uint64_t dlq_failed;               /* dead letters that could not be written */
    enum rconn_state state;
};

/* Creates the member and starts (connects on the loop's next iteration). notify may be NULL.
 * Returns NULL with a message in err for a bad config. */
struct wgroup *wgroup_new(struct ev_loop *loop, const struct redisaddr *addr,
                          const struct wgroup_config *cfg, wgroup_notify_fn *notify, void *privdata,
                          char *err, size_t errcap);

/* Leaves the group: stops reading, releases every lease at once (the next owners resume from
 * the checkpoints) and removes the heartbeat. Wait for wgroup_pending() == 0 (bounded), then
 * wgroup_close(). Idempotent. */
void wgroup_stop(struct wgroup *g);

size_t wgroup_pending(const struct wgroup *g);

/* Frees g; commands in flight are abandoned. NULL is a no-op. */
void wgroup_close(struct wgroup *g);

void wgroup_get_stats(const struct wgroup *g, struct wgroup_stats *out);
const char *wgroup_id(const struct wgroup *g);

/* The partitions held, "0,3,7" ("-" when none). Returns buf. */
const char *wgroup_owned_text(const struct wgroup *g, char *buf, size_t cap);

#endif
