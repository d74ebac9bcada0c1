/* rconnpair.c — opens the PUBSUB + COMMAND connection pair of a feature (see rconnpair.h). */
#include "app/redis/rconnpair.h"

#include <stdio.h>

void rconnpair_open(struct ev_loop *loop, const struct redisaddr *addr,
                    const struct rconnpair_opts *opts, struct rconn **sub, struct rconn **cmd)
{
    char name[64];
    struct rconn_opts o = {
        .mode = RCONN_MODE_PUBSUB,
        .name = name,
        .connect_timeout_ms = opts->connect_timeout_ms,
        .command_timeout_ms = opts->command_timeout_ms,
        .backoff_max_ms = 2000,
        .on_state = opts->on_state,
        .on_up = opts->on_sub_up,
        .on_message = opts->on_message,
        .privdata = opts->privdata,
    };
    snprintf(name, sizeof name, "%s-sub", opts->name);
    *sub = rconn_new(loop, addr, &o);
    o.mode = RCONN_MODE_COMMAND;
    o.on_up = opts->on_cmd_up;
    o.on_message = NULL;
    snprintf(name, sizeof name, "%s-cmd", opts->name);
    *cmd = rconn_new(loop, addr, &o);
}
