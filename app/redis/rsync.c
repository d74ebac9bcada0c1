/* rsync.c — synchronous connections and the wr:meta contract for short-lived commands. */
#include "app/redis/rsync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "app/errmsg.h"
#include "app/redis/localredis.h"

struct redisaddr *rsync_address(const struct config *cfg, char *err, size_t errcap)
{
    if (cfg->redis_url)
        return redisaddr_new(cfg->redis_url, err, errcap);
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

redisContext *rsync_connect(const struct redisaddr *a, int64_t timeout_ms, char *err, size_t errcap)
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

int rsync_meta_check(redisContext *c, const char *ns, unsigned *partitions, bool explicit,
                     char *err, size_t errcap)
{
    char key[96];
    snprintf(key, sizeof(key), "%s:meta", ns);
    /* HSETNX twice: the first writer wins, every later one reads what it wrote */
    redisAppendCommand(c, "HSETNX %s version 1", key);
    redisAppendCommand(c, "HSETNX %s partitions %u", key, *partitions);
    redisAppendCommand(c, "HMGET %s version partitions", key);
    redisReply *r[3] = {NULL, NULL, NULL};
    int rc = -1;
    for (int i = 0; i < 3; i++) {
        const char *doing = i < 2 ? "writing" : "reading";
        if (redisGetReply(c, (void **)&r[i]) != REDIS_OK) {
            snprintf(err, errcap, "%s %s: %s", doing, key, c->errstr);
            goto out;
        }
        if (r[i]->type == REDIS_REPLY_ERROR) {
            snprintf(err, errcap, "%s %s: %s", doing, key, r[i]->str);
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

int rsync_meta_read(redisContext *c, const char *ns, unsigned *partitions, bool explicit,
                    bool *found, char *err, size_t errcap)
{
    char key[96];
    snprintf(key, sizeof(key), "%s:meta", ns);
    *found = false;
    redisReply *r = redisCommand(c, "HMGET %s version partitions", key);
    if (r == NULL) {
        snprintf(err, errcap, "reading %s: %s", key, c->errstr);
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

redisContext *rsync_open(struct config *cfg, struct redisaddr **addr_out)
{
    char err[512];
    struct redisaddr *a = rsync_address(cfg, err, sizeof(err));
    if (a == NULL) {
        fprintf(stderr, "%s%s\n", errmsg_prefix(), err);
        return NULL;
    }
    redisContext *c = rsync_connect(a, cfg->connect_timeout_ms, err, sizeof(err));
    bool found;
    if (c == NULL || rsync_meta_read(c, cfg->ns, &cfg->partitions, cfg->partitions_set, &found, err,
                                     sizeof(err)) != 0) {
        fprintf(stderr, "%s%s\n", errmsg_prefix(), err);
        if (c)
            redisFree(c);
        redisaddr_free(a);
        return NULL;
    }
    if (addr_out)
        *addr_out = a;
    else
        redisaddr_free(a);
    return c;
}
