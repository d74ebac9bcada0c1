/* producer_open.c — the start-up of a producing command (`send`, `ingest`, `gen`; contract in
 * producer.h): the address, the connection and the NS:meta check, and their exit codes. */
#include <stdio.h>

#include "app/cmd/cmd.h"
#include "app/errmsg.h"
#include "app/redis/producer_impl.h"
#include "app/redis/rsync.h"
#include "core/redisurl.h"

enum producer_open_result producer_open(struct config *cfg, const struct producer_opts *opts,
                                        struct producer **out)
{
    char err[512];
    *out = NULL;

    if (cfg->redis_url) {
        struct redisurl u;
        if (redisurl_parse(cfg->redis_url, &u, err, sizeof err) != 0) {
            fprintf(stderr, "%s--redis: %s\n", errmsg_prefix(), err);
            return PRODUCER_OPEN_BAD_URL;
        }
        redisurl_free(&u);
    }
    struct redisaddr *a = rsync_address(cfg, err, sizeof err);
    if (a == NULL) {
        fprintf(stderr, "%s%s\n", errmsg_prefix(), err);
        return PRODUCER_OPEN_UNREACHABLE;
    }
    struct csync *c = rsync_client(a, cfg->connect_timeout_ms, err, sizeof err);
    if (c == NULL) {
        fprintf(stderr, "%s%s\n", errmsg_prefix(), err);
        redisaddr_free(a);
        return PRODUCER_OPEN_UNREACHABLE;
    }
    if (rsync_meta_check(c, cfg->ns, &cfg->partitions, cfg->partitions_set, err, sizeof err)) {
        enum producer_open_result res =
            csync_error(c)[0] ? PRODUCER_OPEN_UNREACHABLE : PRODUCER_OPEN_META;
        fprintf(stderr, "%s%s\n", errmsg_prefix(), err);
        csync_free(c);
        redisaddr_free(a);
        return res;
    }
    struct producer_opts o = opts ? *opts : (struct producer_opts){0};
    o.ns = cfg->ns;
    o.partitions = cfg->partitions;
    o.retention_ms = cfg->retention_ms;
    o.timeout_ms = cfg->connect_timeout_ms;
    o.min_replicas = cfg->min_replicas;
    o.wait_ms = cfg->replica_wait_ms;
    *out = producer_new(c, a, &o);
    return PRODUCER_OPEN_OK;
}

int producer_open_exit_code(enum producer_open_result r)
{
    switch (r) {
    case PRODUCER_OPEN_OK:
        return EXIT_OK;
    case PRODUCER_OPEN_BAD_URL:
        return EXIT_USAGE;
    case PRODUCER_OPEN_UNREACHABLE:
        return EXIT_UNREACHABLE;
    case PRODUCER_OPEN_META:
    default:
        return EXIT_FAILURE_GENERIC;
    }
}
