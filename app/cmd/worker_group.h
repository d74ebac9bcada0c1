/* worker_group.h — `warroom worker --group`: the worker as a member of the namespace's worker
 * group (app/group), with its lines on stdout. */
#ifndef WR_APP_CMD_WORKER_GROUP_H
#define WR_APP_CMD_WORKER_GROUP_H

#include <stdbool.h>
#include <stdint.h>

#include "app/config.h"

struct worker_group_opts {
    const char *name;   /* consumer group; NULL: the default */
    const char *id;     /* worker ID; NULL: HOST-PID */
    int64_t lease_ms;   /* 0: default */
    int64_t keep_ms[3]; /* trim ages of the 1s, 1m, 1h tiers; 0: defaults */
    int64_t interval_ms, duration_ms;
    unsigned count;
    bool quiet, raw;
};

/* Runs until SIGINT/SIGTERM or the duration; returns the exit code. */
int worker_group_run(struct config *cfg, const struct worker_group_opts *o);

#endif
