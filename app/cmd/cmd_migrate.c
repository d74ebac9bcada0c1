/* cmd_migrate.c — `warroom migrate [--dry-run]`: moves a namespace from wire format v1 to v2
 * (alert keys under the {alerts} hash tag, dead letters per partition under their own entry IDs,
 * no marker keys) and records version 2 in NS:meta. Idempotent: a second run finds nothing.
 * Commands follow Redis Cluster redirects; the dead letters are in migrate_dlq.c. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/alerts/alerts.h"
#include "app/cmd/cmd.h"
#include "app/cmd/migrate_impl.h"
#include "app/config.h"
#include "app/redis/rsync.h"

static const char migrate_help[] =
    "usage: warroom migrate [--dry-run]\n\n"
    "Moves a namespace written by a warroom of wire format version 1 to version 2\n"
    "(docs/protocol.md), then sets version 2 in NS:meta:\n"
    "  NS:alerts:log|state|acks|silences  to NS:{alerts}:log|state|acks|silences (DUMP,\n"
    "                                     RESTORE, then the old key is deleted)\n"
    "  NS:alerts:lease                    deleted (it lives 5 s; announcers take a new one)\n"
    "  NS:dlq                             each dead letter to NS:dlq:{pI}, the stream of its\n"
    "                                     partition, under the rejected entry's own ID\n"
    "  NS:dlq:seen:*                      deleted (v1's markers; v2 needs none)\n"
    "Stop every warroom process of the namespace first. Running it again moves nothing; a\n"
    "namespace of another version is refused. --dry-run prints what would move, writes nothing.\n"
    "\n"
    "exit codes: 0 done (or nothing to do), 1 refused or a write failed (nothing of the key\n"
    "in question was deleted), 2 usage, 4 Redis unreachable\n\n";

const struct cmd_entry cmd_migrate_entry = {
    .name = "migrate",
    .usage = "[--dry-run]",
    .summary = "move a namespace from wire format v1 to v2 (alert keys, dead letters)",
    .help = migrate_help,
    .common_options = true,
    .run = cmd_migrate,
};

/* The connection to "host:port" (a cluster redirect target), opened on first use with the same
 * credentials as the first one. NULL after printing why. */
static redisContext *node_conn(struct mig *m, const char *hostport)
{
    for (int i = 0; i < m->nnodes; i++)
        if (strcmp(m->nodes[i].hostport, hostport) == 0)
            return m->nodes[i].c;
    const char *colon = strrchr(hostport, ':');
    if (colon == NULL || m->nnodes == MIGRATE_NODES || colon - hostport >= REDISADDR_IP_MAX) {
        fprintf(stderr, "warroom migrate: cannot follow the redirect to '%s'\n", hostport);
        return NULL;
    }
    struct redisaddr a = *m->addr;
    char display[80], err[512];
    a.url.kind = REDISURL_TCP;
    a.url.port = atoi(colon + 1);
    a.url.db = 0;
    snprintf(a.ip, sizeof a.ip, "%.*s", (int)(colon - hostport), hostport);
    snprintf(display, sizeof display, "redis://%s", hostport);
    a.display = display;
    redisContext *c = rsync_connect(&a, m->timeout_ms, err, sizeof err);
    if (c == NULL) {
        fprintf(stderr, "warroom migrate: %s\n", err);
        return NULL;
    }
    struct mig_node *n = &m->nodes[m->nnodes++];
    snprintf(n->hostport, sizeof n->hostport, "%s", hostport);
    n->c = c;
    return c;
}

/* Sends one single-key command, following Redis Cluster's MOVED (to the node that owns the key)
 * and ASK (ASKING first) redirects. Returns the reply (an error reply included) and the
 * connection that gave it in *on, or NULL when a connection failed (message printed). */
redisReply *migrate_send(struct mig *m, int argc, const char **argv, const size_t *lens,
                         redisContext **on)
{
    redisContext *c = m->c;
    bool asking = false;
    for (int hop = 0; hop <= MIGRATE_REDIRECTS; hop++) {
        if (asking) {
            redisReply *a = redisCommand(c, "ASKING");
            if (a)
                freeReplyObject(a);
        }
        redisReply *r = redisCommandArgv(c, argc, argv, lens);
        if (r == NULL) {
            fprintf(stderr, "warroom migrate: %s: %s\n", argv[0], c->errstr);
            return NULL;
        }
        bool moved = r->type == REDIS_REPLY_ERROR && strncmp(r->str, "MOVED ", 6) == 0;
        asking = r->type == REDIS_REPLY_ERROR && strncmp(r->str, "ASK ", 4) == 0;
        const char *target = (moved || asking) ? strrchr(r->str, ' ') : NULL;
        if (target == NULL || hop == MIGRATE_REDIRECTS) {
            *on = c;
            return r;
        }
        c = node_conn(m, target + 1);
        freeReplyObject(r);
        if (c == NULL)
            return NULL;
    }
    return NULL; /* not reached */
}

/* Runs one command (routed as send_routed); prints Redis' error (or the connection's) naming
 * what, and returns NULL. */
redisReply *migrate_run(struct mig *m, const char *what, int argc, const char **argv,
                        const size_t *lens)
{
    redisContext *on;
    redisReply *r = migrate_send(m, argc, argv, lens, &on);
    if (r != NULL && r->type == REDIS_REPLY_ERROR) {
        fprintf(stderr, "warroom migrate: %s: %s\n", what, r->str);
        freeReplyObject(r);
        return NULL;
    }
    return r;
}

long long migrate_run_int(struct mig *m, const char *what, int argc, const char **argv)
{
    redisReply *r = migrate_run(m, what, argc, argv, NULL);
    long long v = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    if (r)
        freeReplyObject(r);
    return v;
}

/* "hash, 3 fields" / "stream, 12 entries" / the type alone. */
static void describe(struct mig *m, const char *key, char *out, size_t cap)
{
    const char *a[] = {"TYPE", key};
    redisReply *t = migrate_run(m, key, 2, a, NULL);
    const char *type = t && t->type == REDIS_REPLY_STATUS ? t->str : "?";
    const char *n[] = {strcmp(type, "hash") == 0 ? "HLEN" : "XLEN", key};
    long long len = strcmp(type, "hash") == 0 || strcmp(type, "stream") == 0
                        ? migrate_run_int(m, key, 2, n)
                        : -1;
    if (len >= 0)
        snprintf(out, cap, "%s, %lld %s", type, len,
                 strcmp(type, "hash") == 0 ? (len == 1 ? "field" : "fields")
                                           : (len == 1 ? "entry" : "entries"));
    else
        snprintf(out, cap, "%s", type);
    if (t)
        freeReplyObject(t);
}

/* One v1 alert key to its v2 name: DUMP, RESTORE (with its TTL), DEL; RENAME cannot cross
 * cluster slots. A target that already exists with the same contents (an interrupted run) only
 * costs the DEL; with other contents it is refused. Returns 0 or -1. */
static int move_key(struct mig *m, const char *v1, const char *v2)
{
    char src[128], dst[128], what[160];
    snprintf(src, sizeof src, "%s:%s", m->ns, v1);
    snprintf(dst, sizeof dst, "%s:%s", m->ns, v2);
    const char *ex[] = {"EXISTS", src};
    long long has = migrate_run_int(m, src, 2, ex);
    if (has <= 0)
        return (int)has; /* 0: nothing to move; -1: error printed */
    describe(m, src, what, sizeof what);
    if (m->dry) {
        printf("would move %s -> %s (%s)\n", src, dst, what);
        m->moved++;
        return 0;
    }
    const char *dump[] = {"DUMP", src};
    redisReply *d = migrate_run(m, src, 2, dump, NULL);
    if (d == NULL || d->type != REDIS_REPLY_STRING) {
        if (d)
            freeReplyObject(d);
        return -1;
    }
    const char *pt[] = {"PTTL", src};
    long long ttl = migrate_run_int(m, src, 2, pt);
    char ttlbuf[24];
    snprintf(ttlbuf, sizeof ttlbuf, "%lld", ttl > 0 ? ttl : 0);
    const char *restore[] = {"RESTORE", dst, ttlbuf, d->str};
    size_t rlen[] = {7, strlen(dst), strlen(ttlbuf), d->len};
    redisContext *on;
    redisReply *r = migrate_send(m, 4, restore, rlen, &on);
    int rc = 0;
    if (r && r->type == REDIS_REPLY_ERROR && strstr(r->str, "BUSYKEY")) {
        const char *dump2[] = {"DUMP", dst};
        redisReply *d2 = migrate_run(m, dst, 2, dump2, NULL);
        if (!d2 || d2->type != REDIS_REPLY_STRING || d2->len != d->len ||
            memcmp(d2->str, d->str, d->len) != 0) {
            fprintf(stderr,
                    "warroom migrate: both %s and %s exist with different contents: keep one "
                    "(DEL the other by hand), then run migrate again\n",
                    src, dst);
            rc = -1;
        }
        if (d2)
            freeReplyObject(d2);
    } else if (r == NULL || r->type == REDIS_REPLY_ERROR) {
        if (r)
            fprintf(stderr, "warroom migrate: RESTORE %s: %s\n", dst, r->str);
        rc = -1;
    }
    if (r)
        freeReplyObject(r);
    freeReplyObject(d);
    const char *del[] = {"DEL", src};
    if (rc == 0 && migrate_run_int(m, src, 2, del) < 0)
        rc = -1;
    if (rc == 0) {
        printf("moved %s -> %s (%s)\n", src, dst, what);
        m->moved++;
    }
    return rc;
}

static int move_alerts(struct mig *m)
{
    static const char *const v1[] = {"alerts:log", "alerts:state", "alerts:acks",
                                     "alerts:silences"};
    static const char *const v2[] = {ALERTS_KEY_LOG, ALERTS_KEY_STATE, ALERTS_KEY_ACKS,
                                     ALERTS_KEY_SILENCES};
    for (size_t i = 0; i < sizeof v1 / sizeof v1[0]; i++)
        if (move_key(m, v1[i], v2[i]) != 0)
            return -1;
    char lease[128];
    snprintf(lease, sizeof lease, "%s:alerts:lease", m->ns);
    const char *ex[] = {m->dry ? "EXISTS" : "DEL", lease};
    long long n = migrate_run_int(m, lease, 2, ex);
    if (n > 0) {
        printf("%s %s (the v1 announcer lease; a v2 announcer takes %s:" ALERTS_KEY_LEASE ")\n",
               m->dry ? "would delete" : "deleted", lease, m->ns);
        m->moved++;
    }
    return n < 0 ? -1 : 0;
}

/* v1's marker keys NS:dlq:seen:*, found by SCAN on this node (they expire on their own too). */
static int delete_markers(struct mig *m)
{
    char pat[160], *p = pat;
    for (const char *s = m->ns; *s && p < pat + sizeof pat - 16; s++) {
        if (strchr("*?[]\\", *s))
            *p++ = '\\';
        *p++ = *s;
    }
    snprintf(p, sizeof pat - (size_t)(p - pat), ":dlq:seen:*");
    char cursor[32] = "0";
    unsigned long long found = 0;
    do {
        const char *a[] = {"SCAN", cursor, "MATCH", pat, "COUNT", "1000"};
        redisReply *r = migrate_run(m, "SCAN", 6, a, NULL);
        if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
            r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_ARRAY) {
            if (r)
                freeReplyObject(r);
            return -1;
        }
        snprintf(cursor, sizeof cursor, "%s", r->element[0]->str);
        for (size_t i = 0; i < r->element[1]->elements; i++) {
            const redisReply *k = r->element[1]->element[i];
            if (k->type != REDIS_REPLY_STRING)
                continue;
            const char *a2[] = {"DEL", k->str};
            size_t l2[] = {3, k->len};
            redisReply *d = m->dry ? NULL : migrate_run(m, k->str, 2, a2, l2);
            if (d)
                freeReplyObject(d);
            found++;
        }
        freeReplyObject(r);
    } while (strcmp(cursor, "0") != 0);
    if (found) {
        printf("%s %llu dead-letter marker%s %s:dlq:seen:*\n", m->dry ? "would delete" : "deleted",
               found, found == 1 ? "" : "s", m->ns);
        m->moved += (unsigned)found;
    }
    return 0;
}

/* Reads NS:meta. Returns 0 with *version ("" when absent) and m->partitions (the recorded count
 * when valid), or -1 for a version this command does not know. */
static int read_meta(struct mig *m, char *version, size_t cap, bool *has_parts)
{
    char key[96];
    snprintf(key, sizeof key, "%s:meta", m->ns);
    const char *a[] = {"HMGET", key, "version", "partitions"};
    redisReply *r = migrate_run(m, key, 4, a, NULL);
    if (!r)
        return -1;
    int rc = 0;
    version[0] = '\0';
    *has_parts = false;
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
        fprintf(stderr, "warroom migrate: %s is not a warroom meta hash\n", key);
        rc = -1;
    } else {
        if (r->element[0]->type == REDIS_REPLY_STRING)
            snprintf(version, cap, "%.32s", r->element[0]->str);
        if (r->element[1]->type == REDIS_REPLY_STRING) {
            char *end;
            unsigned long p = strtoul(r->element[1]->str, &end, 10);
            if (!*end && p >= 1 && p <= CONFIG_MAX_PARTITIONS) {
                m->partitions = (unsigned)p;
                *has_parts = true;
            }
        }
        if (version[0] && strcmp(version, "1") != 0 && strcmp(version, RSYNC_WIRE_VERSION_STR)) {
            fprintf(stderr,
                    "warroom migrate: namespace '%s' has wire format version %s; this warroom "
                    "migrates version 1 to %d only\n",
                    m->ns, version, RSYNC_WIRE_VERSION);
            rc = -1;
        }
    }
    freeReplyObject(r);
    return rc;
}

static int migrate(struct mig *m)
{
    char version[40];
    bool has_parts;
    if (read_meta(m, version, sizeof version, &has_parts) != 0)
        return EXIT_FAILURE_GENERIC;
    printf("namespace %s: wire format version %s, %u partitions\n", m->ns,
           version[0] ? version : "(none recorded)", m->partitions);
    if (move_alerts(m) != 0 || migrate_dlq(m) != 0 || delete_markers(m) != 0)
        return EXIT_FAILURE_GENERIC;
    bool v2 = strcmp(version, RSYNC_WIRE_VERSION_STR) == 0;
    if (m->moved == 0 && (v2 || !version[0])) {
        printf("nothing to migrate: namespace %s %s\n", m->ns,
               v2 ? "is at version 2 already" : "holds no warroom data");
        return EXIT_OK;
    }
    if (m->dry) {
        if (!v2)
            printf("would set version %d in %s:meta\n", RSYNC_WIRE_VERSION, m->ns);
        return EXIT_OK;
    }
    char key[96], ver[8], parts[16];
    snprintf(key, sizeof key, "%s:meta", m->ns);
    snprintf(ver, sizeof ver, "%d", RSYNC_WIRE_VERSION);
    snprintf(parts, sizeof parts, "%u", m->partitions);
    const char *hset[] = {"HSET", key, "version", ver};
    const char *hsetnx[] = {"HSETNX", key, "partitions", parts};
    if (migrate_run_int(m, key, 4, hset) < 0 ||
        (!has_parts && migrate_run_int(m, key, 4, hsetnx) < 0))
        return EXIT_FAILURE_GENERIC;
    printf("namespace %s is now wire format version %d\n", m->ns, RSYNC_WIRE_VERSION);
    return EXIT_OK;
}

int cmd_migrate(int argc, char **argv)
{
    struct config cfg;
    char err[512];
    if (config_load(&cfg, &argc, argv, err, sizeof err) != 0) {
        fprintf(stderr, "warroom migrate: %s\n", err);
        return EXIT_USAGE;
    }
    struct mig m = {.ns = cfg.ns, .partitions = cfg.partitions};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            cmd_print_help(&cmd_migrate_entry, stdout);
            config_free(&cfg);
            return EXIT_OK;
        } else if (strcmp(argv[i], "--dry-run") == 0) {
            m.dry = true;
        } else {
            fprintf(stderr, "warroom migrate: unknown argument '%s'\n\n", argv[i]);
            cmd_print_help(&cmd_migrate_entry, stderr);
            config_free(&cfg);
            return EXIT_USAGE;
        }
    }
    /* not rsync_open: its meta check refuses exactly the namespaces this command is for */
    struct redisaddr *addr = rsync_address(&cfg, err, sizeof err);
    m.c = addr ? rsync_connect(addr, cfg.connect_timeout_ms, err, sizeof err) : NULL;
    if (m.c == NULL) {
        fprintf(stderr, "warroom migrate: %s\n", err);
        redisaddr_free(addr);
        config_free(&cfg);
        return EXIT_UNREACHABLE;
    }
    m.addr = addr;
    m.timeout_ms = cfg.connect_timeout_ms;
    int rc = migrate(&m);
    if (rc != EXIT_OK && m.c->err)
        rc = EXIT_UNREACHABLE;
    redisFree(m.c);
    for (int i = 0; i < m.nnodes; i++)
        redisFree(m.nodes[i].c);
    redisaddr_free(addr);
    config_free(&cfg);
    return rc;
}
