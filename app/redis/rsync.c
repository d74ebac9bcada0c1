/* rsync.c — synchronous connections and the wr:meta contract for short-lived commands. */
#include "app/redis/rsync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "app/cmd/cmd.h"
#include "app/errmsg.h"
#include "app/redis/localredis.h"
#include "app/redis/rreply.h"
#include "app/redis/sentinel.h"
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

redisContext *rsync_connect(const struct redisaddr *a, int64_t timeout_ms, char *err, size_t errcap)
{
    struct timeval tv = to_tv(timeout_ms);
    char ip[REDISADDR_IP_MAX];
    int port = a->url.port;
    snprintf(ip, sizeof(ip), "%s", a->ip);
    if (a->sentinel && sentinel_resolve(a->sentinel, timeout_ms, ip, &port, err, errcap) != 0)
        return NULL; /* every (re)connect asks where the master is now */
    redisContext *c = a->url.kind == REDISURL_UNIX ? redisConnectUnixWithTimeout(a->url.path, tv)
                                                   : redisConnectWithTimeout(ip, port, tv);
    char shown[400]; /* behind Sentinel: the URL and the node it named */
    if (a->sentinel)
        snprintf(shown, sizeof(shown), "%s (master %s:%d)", a->display, ip, port);
    else
        snprintf(shown, sizeof(shown), "%s", a->display);
    if (c == NULL) {
        snprintf(err, errcap, "%s: out of memory", shown);
        return NULL;
    }
    if (c->err) {
        snprintf(err, errcap, "cannot connect to %s: %s", shown, c->errstr);
        goto err;
    }
    rreply_cap(c); /* a hostile array header fails the command instead of reserving gigabytes */
    redisSetTimeout(c, tv);
    redisReply *r = NULL;
    if (a->url.password) {
        r = a->url.user ? redisCommand(c, "AUTH %s %s", a->url.user, a->url.password)
                        : redisCommand(c, "AUTH %s", a->url.password);
        if (r == NULL || r->type == REDIS_REPLY_ERROR) {
            snprintf(err, errcap, "%s: authentication failed: %s", shown,
                     r ? r->str : rreply_errstr(c));
            goto err_reply;
        }
        freeReplyObject(r);
    }
    if (a->url.db != 0) {
        r = redisCommand(c, "SELECT %d", a->url.db);
        if (r == NULL || r->type == REDIS_REPLY_ERROR) {
            snprintf(err, errcap, "%s: SELECT %d failed: %s", shown, a->url.db,
                     r ? r->str : rreply_errstr(c));
            goto err_reply;
        }
        freeReplyObject(r);
    }
    r = redisCommand(c, "PING");
    if (r == NULL || r->type == REDIS_REPLY_ERROR) {
        snprintf(err, errcap, "%s: %s", shown,
                 r ? r->str
                   : (c->err == REDIS_ERR_IO ? "no answer (timed out)" : rreply_errstr(c)));
        goto err_reply;
    }
    freeReplyObject(r);
    if (a->sentinel) { /* the sentinels may lag behind a failover: never write to a replica */
        char node[80];
        snprintf(node, sizeof(node), "%s:%d", ip, port);
        if (sentinel_role_check(c, node, err, errcap) != 0)
            goto err;
    }
    return c;
err_reply:
    if (r)
        freeReplyObject(r);
err:
    redisFree(c);
    return NULL;
}

/* The v1 keys a namespace without a version may hold (suffixes after "NS:"): the single dead
 * letter stream and the alert keys before they moved under the {alerts} hash tag. */
#define RSYNC_V1_NKEYS 6
static const char *const rsync_v1_keys[RSYNC_V1_NKEYS] = {
    "dlq", "alerts:log", "alerts:state", "alerts:acks", "alerts:silences", "alerts:lease"};

/* What to tell the user about a v1 namespace. */
static void v1_refusal(const char *ns, const char *why, char *err, size_t errcap)
{
    snprintf(err, errcap,
             "namespace '%s' is in wire format version 1 (%s); this warroom speaks version %d: "
             "stop every warroom process of the namespace and run `warroom migrate --ns %s`",
             ns, why, RSYNC_WIRE_VERSION, ns);
}

int rsync_v1_probe(struct csync *cs, const char *ns, char *found, size_t foundcap, char *err,
                   size_t errcap)
{
    int rc = 0;
    found[0] = '\0';
    for (int i = 0; i < RSYNC_V1_NKEYS; i++) {
        char key[128];
        snprintf(key, sizeof key, "%s:%s", ns, rsync_v1_keys[i]);
        redisReply *r = csync_command(cs, "EXISTS %s", key); /* one key each: any cluster slot */
        if (r == NULL) {
            snprintf(err, errcap, "reading %s: %s", key, csync_error(cs));
            return -1;
        }
        bool elsewhere = r->type == REDIS_REPLY_ERROR &&
                         (strncmp(r->str, "MOVED ", 6) == 0 || strncmp(r->str, "ASK ", 4) == 0);
        if (elsewhere) {
            /* a Redis Cluster node that does not serve the key: version 1 never ran on a
             * cluster (its scripts crossed slots), so no v1 key can be there */
        } else if (r->type == REDIS_REPLY_ERROR) {
            if (rc == 0)
                snprintf(err, errcap, "reading %s: %s", key, r->str);
            rc = -1;
        } else if (r->type == REDIS_REPLY_INTEGER && r->integer > 0 && rc == 0) {
            size_t n = strlen(found);
            snprintf(found + n, foundcap - n, "%s%s", n ? ", " : "", key);
            rc = 1;
        }
        freeReplyObject(r);
    }
    return rc;
}

struct csync *rsync_client(const struct redisaddr *a, int64_t timeout_ms, char *err, size_t errcap)
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
    if (m->element[0]->type == REDIS_REPLY_STRING && strcmp(m->element[0]->str, "1") == 0) {
        char why[128];
        snprintf(why, sizeof why, "%s says version 1", key);
        v1_refusal(ns, why, err, errcap);
        return -1;
    }
    if (m->element[0]->type != REDIS_REPLY_STRING || m->element[1]->type != REDIS_REPLY_STRING) {
        snprintf(err, errcap, "%s is not a warroom meta hash", key);
        return -1;
    }
    if (strcmp(m->element[0]->str, RSYNC_WIRE_VERSION_STR) != 0) {
        snprintf(err, errcap,
                 "namespace '%s' has wire format version %.32s; this warroom speaks "
                 "version %d",
                 ns, m->element[0]->str, RSYNC_WIRE_VERSION);
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

/* A namespace without meta: refused when it holds v1 keys. Returns 0 or -1 (message in err). */
static int no_meta_check(struct csync *cs, const char *ns, char *err, size_t errcap)
{
    char found[512];
    int v1 = rsync_v1_probe(cs, ns, found, sizeof found, err, errcap);
    if (v1 > 0) {
        char why[600];
        snprintf(why, sizeof why, "it has %s and no version in %s:meta", found, ns);
        v1_refusal(ns, why, err, errcap);
    }
    return v1 == 0 ? 0 : -1;
}

/* Reads NS:meta: 0 with *found, or -1 (message in err). */
static int meta_read(struct csync *c, const char *ns, unsigned *partitions, bool explicit,
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

int rsync_meta_check(struct csync *cs, const char *ns, unsigned *partitions, bool explicit,
                     char *err, size_t errcap)
{
    char key[96];
    snprintf(key, sizeof(key), "%s:meta", ns);
    redisContext *c = csync_context_for_key(cs, key, strlen(key));
    if (c == NULL) {
        snprintf(err, errcap, "writing %s: %s", key, csync_error(cs));
        return -1;
    }
    if (sentinel_role_check(c, "this Redis", err, errcap) != 0) {
        if (c->err)
            csync_note_lost(cs, c); /* no answer: the caller retries as on a lost connection */
        return -1;                  /* else a writer on a replica: say so before READONLY does */
    }
    bool found;
    if (meta_read(cs, ns, partitions, explicit, &found, err, errcap) != 0)
        return -1;
    if (found)
        return 0;
    if (no_meta_check(cs, ns, err, errcap) != 0)
        return -1;
    /* HSETNX twice: the first writer wins, every later one reads what it wrote. Pipelined on the
     * key's master, so a reader rarely sees one field without the other. */
    c = csync_context_for_key(cs, key, strlen(key));
    if (c == NULL) {
        snprintf(err, errcap, "writing %s: %s", key, csync_error(cs));
        return -1;
    }
    redisAppendCommand(c, "HSETNX %s version %d", key, RSYNC_WIRE_VERSION);
    redisAppendCommand(c, "HSETNX %s partitions %u", key, *partitions);
    redisAppendCommand(c, "HMGET %s version partitions", key);
    redisReply *r[3] = {NULL, NULL, NULL};
    int rc = -1;
    for (int i = 0; i < 3; i++) {
        const char *doing = i < 2 ? "writing" : "reading";
        if (redisGetReply(c, (void **)&r[i]) != REDIS_OK) {
            snprintf(err, errcap, "%s %s: %s", doing, key, rreply_errstr(c));
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
    if (meta_read(c, ns, partitions, explicit, found, err, errcap) != 0)
        return -1;
    return *found ? 0 : no_meta_check(c, ns, err, errcap);
}

struct csync *rsync_open(struct config *cfg, struct redisaddr **addr_out, int *exit_code)
{
    char err[512];
    *exit_code = EXIT_UNREACHABLE;
    struct redisaddr *a = rsync_address(cfg, err, sizeof(err));
    if (a == NULL) {
        fprintf(stderr, "%s%s\n", errmsg_prefix(), err);
        return NULL;
    }
    struct csync *c = rsync_client(a, cfg->connect_timeout_ms, err, sizeof(err));
    bool found;
    if (c == NULL || rsync_meta_read(c, cfg->ns, &cfg->partitions, cfg->partitions_set, &found, err,
                                     sizeof(err)) != 0) {
        fprintf(stderr, "%s%s\n", errmsg_prefix(), err);
        if (c && csync_error(c)[0] == '\0')
            *exit_code = EXIT_FAILURE_GENERIC; /* Redis answered: the namespace is refused */
        csync_free(c);
        redisaddr_free(a);
        return NULL;
    }
    *exit_code = EXIT_OK;
    if (addr_out)
        *addr_out = a;
    else
        redisaddr_free(a);
    return c;
}
