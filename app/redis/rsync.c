/* rsync.c — synchronous connections and the wr:meta contract for short-lived commands. */
#include "app/redis/rsync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "app/redis/localredis.h"
#include "core/slotmap.h"

/* Asks the node whether it is part of a Redis Cluster. A node that cannot be reached now is
 * taken as a single Redis: the connection that follows reports the real error. */
static void detect_cluster(struct redisaddr *a, int64_t timeout_ms)
{
    char err[256];
    redisContext *c = rsync_connect(a, timeout_ms, err, sizeof(err));
    if (c == NULL)
        return;
    redisReply *r = redisCommand(c, "INFO cluster");
    if (r && r->type == REDIS_REPLY_STRING)
        a->cluster = slotmap_info_cluster_enabled(r->str, r->len) == 1;
    if (r)
        freeReplyObject(r);
    redisFree(c);
}

struct redisaddr *rsync_address(const struct config *cfg, char *err, size_t errcap)
{
    if (cfg->redis_url) {
        struct redisaddr *a = redisaddr_new(cfg->redis_url, err, errcap);
        if (a && a->url.kind == REDISURL_TCP)
            detect_cluster(a, cfg->connect_timeout_ms);
        return a;
    }
    struct localredis_opts opts = {0};
    char *url = localredis_url(&opts, err, errcap);
    if (url == NULL)
        return NULL;
    struct redisaddr *a = redisaddr_new(url, err, errcap);
    free(url);
    return a;
}

static struct timeval to_tv(int64_t ms)
{
    return (struct timeval){.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
}

redisContext *rsync_connect(const struct redisaddr *a, int64_t timeout_ms, char *err,
                            size_t errcap)
{
    struct timeval tv = to_tv(timeout_ms);
    redisContext *c = a->url.kind == REDISURL_UNIX
                          ? redisConnectUnixWithTimeout(a->url.path, tv)
                          : redisConnectWithTimeout(a->ip, a->url.port, tv);
    if (c == NULL) {
        snprintf(err, errcap, "%s: out of memory", a->display);
        return NULL;
    }
    if (c->err) {
        snprintf(err, errcap, "cannot connect to %s: %s", a->display, c->errstr);
        goto err;
    }
    redisSetTimeout(c, tv);
    redisReply *r = NULL;
    if (a->url.password) {
        r = a->url.user ? redisCommand(c, "AUTH %s %s", a->url.user, a->url.password)
                        : redisCommand(c, "AUTH %s", a->url.password);
        if (r == NULL || r->type == REDIS_REPLY_ERROR) {
            snprintf(err, errcap, "%s: authentication failed: %s", a->display,
                     r ? r->str : c->errstr);
            goto err_reply;
        }
        freeReplyObject(r);
    }
    if (a->url.db != 0) {
        r = redisCommand(c, "SELECT %d", a->url.db);
        if (r == NULL || r->type == REDIS_REPLY_ERROR) {
            snprintf(err, errcap, "%s: SELECT %d failed: %s", a->display, a->url.db,
                     r ? r->str : c->errstr);
            goto err_reply;
        }
        freeReplyObject(r);
    }
    r = redisCommand(c, "PING");
    if (r == NULL || r->type == REDIS_REPLY_ERROR) {
        snprintf(err, errcap, "%s: %s", a->display,
                 r ? r->str : (c->err == REDIS_ERR_IO ? "no answer (timed out)" : c->errstr));
        goto err_reply;
    }
    freeReplyObject(r);
    return c;
err_reply:
    if (r)
        freeReplyObject(r);
err:
    redisFree(c);
    return NULL;
}

struct csync *rsync_client(const struct redisaddr *a, int64_t timeout_ms, char *err,
                           size_t errcap)
{
    redisContext *c = rsync_connect(a, timeout_ms, err, errcap);
    return c ? csync_new(c, a, timeout_ms, err, errcap) : NULL;
}

/* Checks an HMGET NS:meta version partitions answer m. Both fields nil: *found = false and
 * *partitions unchanged. Otherwise as rsync_meta_check. */
static int meta_validate(const redisReply *m, const char *ns, const char *key, unsigned *partitions,
                         bool explicit, bool *found, char *err, size_t errcap)
{
    *found = false;
    if (m->type != REDIS_REPLY_ARRAY || m->elements != 2) {
        snprintf(err, errcap, "%s is not a warroom meta hash", key);
        return -1;
    }
    if (m->element[0]->type == REDIS_REPLY_NIL && m->element[1]->type == REDIS_REPLY_NIL)
        return 0;
    *found = true;
    if (m->element[0]->type != REDIS_REPLY_STRING || m->element[1]->type != REDIS_REPLY_STRING) {
        snprintf(err, errcap, "%s is not a warroom meta hash", key);
        return -1;
    }
    if (strcmp(m->element[0]->str, "1") != 0) {
        snprintf(err, errcap,
                 "namespace '%s' has wire format version %.32s; this warroom speaks "
                 "version 1",
                 ns, m->element[0]->str);
        return -1;
    }
    char *end;
    unsigned long have = strtoul(m->element[1]->str, &end, 10);
    if (*end || have < 1 || have > CONFIG_MAX_PARTITIONS) {
        snprintf(err, errcap, "%s has an invalid partitions field '%.32s'", key,
                 m->element[1]->str);
        return -1;
    }
    if (have != *partitions) {
        if (explicit) {
            snprintf(err, errcap,
                     "namespace '%s' has %lu partitions, but %u were asked for; "
                     "use --partitions %lu or another --ns",
                     ns, have, *partitions, have);
            return -1;
        }
        *partitions = (unsigned)have;
    }
    return 0;
}

int rsync_meta_check(struct csync *cs, const char *ns, unsigned *partitions, bool explicit,
                     char *err, size_t errcap)
{
    char key[96];
    snprintf(key, sizeof(key), "%s:meta", ns);
    /* HSETNX twice: the first writer wins, every later one reads what it wrote. Pipelined on the
     * key's master, so a reader rarely sees one field without the other. */
    redisContext *c = csync_context_for_key(cs, key, strlen(key));
    if (c == NULL) {
        snprintf(err, errcap, "writing %s: %s", key, csync_error(cs));
        return -1;
    }
    redisAppendCommand(c, "HSETNX %s version 1", key);
    redisAppendCommand(c, "HSETNX %s partitions %u", key, *partitions);
    redisAppendCommand(c, "HMGET %s version partitions", key);
    redisReply *r[3] = {NULL, NULL, NULL};
    int rc = -1;
    for (int i = 0; i < 3; i++) {
        const char *doing = i < 2 ? "writing" : "reading";
        if (redisGetReply(c, (void **)&r[i]) != REDIS_OK) {
            snprintf(err, errcap, "%s %s: %s", doing, key, c->errstr);
            csync_note_lost(cs, c);
            goto out;
        }
        if (r[i]->type == REDIS_REPLY_ERROR) {
            snprintf(err, errcap, "%s %s: %s", doing, key, r[i]->str);
            /* a master restarting or a slot moving: retry like a lost connection */
            csync_note_transient(cs, r[i]);
            goto out;
        }
    }
    bool found;
    rc = meta_validate(r[2], ns, key, partitions, explicit, &found, err, errcap);
    if (rc == 0 && !found) { /* deleted between the writes and the read */
        snprintf(err, errcap, "%s vanished while it was being written", key);
        rc = -1;
    }
out:
    for (int i = 0; i < 3; i++)
        if (r[i])
            freeReplyObject(r[i]);
    return rc;
}

int rsync_meta_read(struct csync *c, const char *ns, unsigned *partitions, bool explicit,
                    bool *found, char *err, size_t errcap)
{
    char key[96];
    snprintf(key, sizeof(key), "%s:meta", ns);
    *found = false;
    redisReply *r = csync_command(c, "HMGET %s version partitions", key);
    if (r == NULL) {
        snprintf(err, errcap, "reading %s: %s", key, csync_error(c));
        return -1;
    }
    int rc = -1;
    if (r->type == REDIS_REPLY_ERROR)
        snprintf(err, errcap, "reading %s: %s", key, r->str);
    else
        rc = meta_validate(r, ns, key, partitions, explicit, found, err, errcap);
    freeReplyObject(r);
    return rc;
}

struct csync *rsync_open(struct config *cfg, struct redisaddr **addr_out)
{
    char err[512];
    struct redisaddr *a = rsync_address(cfg, err, sizeof(err));
    if (a == NULL) {
        fprintf(stderr, "warroom: %s\n", err);
        return NULL;
    }
    struct csync *c = rsync_client(a, cfg->connect_timeout_ms, err, sizeof(err));
    bool found;
    if (c == NULL || rsync_meta_read(c, cfg->ns, &cfg->partitions, cfg->partitions_set, &found, err,
                                     sizeof(err)) != 0) {
        fprintf(stderr, "warroom: %s\n", err);
        csync_free(c);
        redisaddr_free(a);
        return NULL;
    }
    if (addr_out)
        *addr_out = a;
    else
        redisaddr_free(a);
    return c;
}
