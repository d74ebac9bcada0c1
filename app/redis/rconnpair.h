/* rconnpair.h — the connection pair a feature (chat, alerts) opens to Redis: one PUBSUB
 * connection for its channel and one COMMAND connection for everything else. */
#ifndef WARROOM_RCONNPAIR_H
#define WARROOM_RCONNPAIR_H

#include "app/redis/rconn.h"

struct rconnpair_opts {
    const char *name;            /* base role name: the pair is "NAME-sub" and "NAME-cmd" */
    unsigned connect_timeout_ms; /* as in rconn_opts; 0: its default */
    unsigned command_timeout_ms;
    rconn_state_fn *on_state;     /* both connections; may be NULL */
    rconn_up_fn *on_sub_up;       /* the PUBSUB connection came up; may be NULL */
    rconn_message_fn *on_message; /* the PUBSUB connection's messages; may be NULL */
    rconn_up_fn *on_cmd_up;       /* the COMMAND connection came up; may be NULL */
    void *privdata;               /* passed to every callback above */
};

/* Opens the pair (both with a 2 s reconnect back-off cap) into *sub and *cmd; the caller
 * closes each with rconn_close. */
void rconnpair_open(struct ev_loop *loop, const struct redisaddr *addr,
                    const struct rconnpair_opts *opts, struct rconn **sub, struct rconn **cmd);

#endif
