/* rroute.h — Redis Cluster routing under one rconn (the "front"): when the front's address is a
 * cluster node, every command given to rconn_command* goes to the master that owns its key's
 * slot: on the front's own connection when that is the master, else on a connection of the same
 * mode made for that master when first needed. The slot table comes from CLUSTER SLOTS (asked
 * at start and, at most once a second, after MOVED or a lost connection); MOVED updates it and
 * resends, ASK resends once with ASKING on the target, TRYAGAIN/CLUSTERDOWN resend after a pause
 * (50 ms doubling to 1 s); after CSYNC_REDIRECTS_MAX tries, or on CROSSSLOT, the caller gets the
 * error with a text that names the node and what to do. Each callback still runs exactly once.
 * Private to app/redis/rconn*.c: callers only see rconn.h. */
#ifndef WR_APP_REDIS_RROUTE_H
#define WR_APP_REDIS_RROUTE_H

#include <stddef.h>

#include "app/redis/rconn.h"

struct rroute;

/* A router for front, whose address is a cluster node. Sends CLUSTER SLOTS on the front. */
struct rroute *rroute_new(struct rconn *front, const struct redisaddr *addr);

/* Closes the connections it made; every command still routed gets its callback with NULL. Called
 * by rconn_close(front) after the front's own connection was dropped. */
void rroute_free(struct rroute *rt);

/* Routes a command (hiredis-formatted, ownership of cmd taken). Returns 0 (cb runs once,
 * later) or -1 (cb never runs) as rconn_command. */
int rroute_submit(struct rroute *rt, rconn_reply_fn *cb, void *privdata, char *cmd, size_t len);

/* The connection the last command went to (the front itself at first): its state is what the
 * front shows. */
const struct rconn *rroute_current(const struct rroute *rt);

/* Commands routed and not yet answered. */
size_t rroute_pending(const struct rroute *rt);

void rroute_stats(const struct rroute *rt, struct rconn_cluster_stats *out);

#endif
