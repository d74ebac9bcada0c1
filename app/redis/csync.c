/* csync.c — synchronous client routed by key slot on a Redis Cluster (contract in csync.h). */
#include "app/redis/csync.h"
#include "app/redis/rreply.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/redis/rsync.h"
#include "core/mem.h"

#define REFRESH_MIN_GAP_MS 1000
#define RETRY_PAUSE_MIN_MS 50
#define RETRY_PAUSE_MAX_MS 1000

struct csync {
    struct redisaddr *seed_addr;
    int64_t timeout_ms;
    bool cluster;
    char seed_display[128]; /* the seed's address for messages (also for a unix socket) */
    int seed;               /* node index of the seed */
    struct slotmap *map;    /* cluster only */
    redisContext *ctx[SLOTMAP_NODES_MAX];
    int64_t last_refresh_ms;
    struct csync_stats st;
    char error[512];
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void pause_ms(int64_t ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

int csync_slots_load(struct slotmap *m, const redisReply *r, const char *seed_host)
{
    if (r == NULL || r->type != REDIS_REPLY_ARRAY)
        return -1;
    int taken = 0;
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *e = r->element[i];
        if (e == NULL || e->type != REDIS_REPLY_ARRAY || e->elements < 3)
            continue;
        const redisReply *a = e->element[0], *b = e->element[1], *n = e->element[2];
        if (!a || !b || !n || a->type != REDIS_REPLY_INTEGER || b->type != REDIS_REPLY_INTEGER ||
            n->type != REDIS_REPLY_ARRAY || n->elements < 2 || !n->element[0] || !n->element[1] ||
            n->element[1]->type != REDIS_REPLY_INTEGER)
            continue;
        const redisReply *h = n->element[0];
        const char *host = seed_host;
        size_t hlen = strlen(seed_host);
        if (h->type == REDIS_REPLY_STRING && h->len > 0 && strcmp(h->str, "?") != 0) {
            host = h->str;
            hlen = h->len;
        } else if (h->type != REDIS_REPLY_STRING && h->type != REDIS_REPLY_NIL) {
            continue;
        }
        int node = slotmap_node(m, host, hlen, (long)n->element[1]->integer);
        if (node >= 0 && slotmap_assign(m, (long)a->integer, (long)b->integer, node) == 0)
            taken++;
    }
    return taken;
}

/* ---------------------------------------------------------------------------------------------
 * Connections and the table
 * ------------------------------------------------------------------------------------------ */

static redisContext *node_ctx(struct csync *cs, int node)
{
    if (cs->ctx[node])
        return cs->ctx[node];
    char err[256];
    struct redisaddr *a = csync_node_addr(cs, node, err, sizeof(err));
    if (a == NULL) {
        snprintf(cs->error, sizeof(cs->error), "%s", err);
        return NULL;
    }
    cs->ctx[node] = rsync_connect(a, cs->timeout_ms, err, sizeof(err));
    if (cs->ctx[node] == NULL)
        snprintf(cs->error, sizeof(cs->error), "%s", err);
    redisaddr_free(a);
    return cs->ctx[node];
}

static void node_drop(struct csync *cs, int node)
{
    if (cs->ctx[node])
        redisFree(cs->ctx[node]);
    cs->ctx[node] = NULL;
}

/* Loads CLUSTER SLOTS from the first node that answers, the seed first. */
static int load_table(struct csync *cs)
{
    cs->last_refresh_ms = mono_ms();
    unsigned n = cs->map->nnodes;
    for (unsigned k = 0; k < (n ? n : 1); k++) {
        int node = k == 0 ? cs->seed : (int)k - (k <= (unsigned)cs->seed);
        if (node < 0 || (unsigned)node >= n)
            continue;
        redisContext *c = node_ctx(cs, node);
        redisReply *r = c ? redisCommand(c, "CLUSTER SLOTS") : NULL;
        if (r == NULL) {
            node_drop(cs, node);
            continue;
        }
        struct slotmap fresh = *cs->map;
        slotmap_clear_owners(&fresh);
        int ranges = csync_slots_load(&fresh, r, cs->map->nodes[node].host);
        if (ranges > 0) {
            memcpy(cs->map, &fresh, sizeof(fresh));
            cs->st.refreshes++;
            freeReplyObject(r);
            return 0;
        }
        snprintf(cs->error, sizeof(cs->error), "CLUSTER SLOTS on %s: %s", cs->map->nodes[node].host,
                 r->type == REDIS_REPLY_ERROR ? r->str : "no slots");
        freeReplyObject(r);
    }
    return -1;
}

int csync_refresh(struct csync *cs)
{
    if (!cs->cluster || mono_ms() - cs->last_refresh_ms < REFRESH_MIN_GAP_MS)
        return 0;
    return load_table(cs);
}

struct csync *csync_new(redisContext *c, const struct redisaddr *a, int64_t timeout_ms, char *err,
                        size_t errcap)
{
    struct csync *cs = xcalloc(1, sizeof(*cs));
    char e2[256];
    cs->timeout_ms = timeout_ms;
    cs->cluster = a->cluster;
    snprintf(cs->seed_display, sizeof(cs->seed_display), "%s", a->display ? a->display : "");
    cs->ctx[0] = c;
    cs->seed_addr = a->url.kind == REDISURL_TCP
                        ? redisaddr_for_node(a, a->ip, a->url.port, e2, sizeof(e2))
                        : NULL;
    if (cs->seed_addr == NULL) { /* a unix socket: never a cluster we can route on */
        cs->cluster = false;
        return cs;
    }
    cs->seed_addr->url.db = a->url.db;
    if (!cs->cluster)
        return cs;
    cs->map = xmalloc(sizeof(*cs->map));
    slotmap_init(cs->map);
    cs->seed = slotmap_node(cs->map, a->ip, strlen(a->ip), a->url.port);
    if (load_table(cs) != 0) {
        snprintf(err, errcap, "%s is a cluster node, but its slot table could not be read: %s",
                 a->display, cs->error);
        csync_free(cs);
        return NULL;
    }
    return cs;
}

void csync_free(struct csync *cs)
{
    if (cs == NULL)
        return;
    for (int i = 0; i < SLOTMAP_NODES_MAX; i++)
        node_drop(cs, i);
    free(cs->map);
    redisaddr_free(cs->seed_addr);
    free(cs);
}

bool csync_is_cluster(const struct csync *cs)
{
    return cs->cluster;
}

redisContext *csync_seed(struct csync *cs)
{
    return cs->cluster ? node_ctx(cs, cs->seed) : cs->ctx[0];
}

unsigned csync_nodes(const struct csync *cs)
{
    return cs->cluster ? cs->map->nnodes : 1;
}

int csync_node_of_slot(struct csync *cs, unsigned slot)
{
    if (!cs->cluster)
        return 0;
    int node = slotmap_owner(cs->map, slot);
    if (node < 0 && csync_refresh(cs) == 0)
        node = slotmap_owner(cs->map, slot);
    return node;
}

struct redisaddr *csync_node_addr(struct csync *cs, int node, char *err, size_t errcap)
{
    if (!cs->cluster || cs->seed_addr == NULL) {
        snprintf(err, errcap, "not a cluster");
        return NULL;
    }
    const struct slotmap_node *n = &cs->map->nodes[node];
    return redisaddr_for_node(cs->seed_addr, n->host, n->port, err, errcap);
}

const char *csync_node_name(const struct csync *cs, int node, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (cs->cluster && node >= 0 && (unsigned)node < cs->map->nnodes)
        snprintf(buf, cap, "%s:%d", cs->map->nodes[node].host, cs->map->nodes[node].port);
    else if (!cs->cluster)
        snprintf(buf, cap, "%s", cs->seed_display);
    return buf;
}

redisContext *csync_context_for_key(struct csync *cs, const char *key, size_t len)
{
    cs->error[0] = '\0';
    if (!cs->cluster)
        return cs->ctx[0];
    int node = csync_node_of_slot(cs, partition_key_slot(key, len));
    if (node < 0) {
        snprintf(cs->error, sizeof(cs->error), "no cluster master owns the slot of %.64s", key);
        return NULL;
    }
    return node_ctx(cs, node);
}

void csync_note_transient(struct csync *cs, const redisReply *r)
{
    struct slotmap_redirect rd;
    enum slotmap_reply kind = slotmap_reply_parse(r->str, r->len, &rd);
    if ((kind == SLOTMAP_REPLY_OTHER && strncmp(r->str, "LOADING", 7) != 0) ||
        kind == SLOTMAP_REPLY_CROSSSLOT)
        return;
    csync_note_redirect(cs, &rd);
    snprintf(cs->error, sizeof(cs->error), "%.200s", r->str);
}

void csync_note_lost(struct csync *cs, redisContext *c)
{
    snprintf(cs->error, sizeof(cs->error), "%s",
             c->errstr[0] ? rreply_errstr(c) : "connection lost");
    for (int i = 0; i < SLOTMAP_NODES_MAX; i++)
        if (cs->ctx[i] == c)
            node_drop(cs, i);
}

const char *csync_error(const struct csync *cs)
{
    return cs->error;
}

const struct csync_stats *csync_stats(const struct csync *cs)
{
    return &cs->st;
}

/* The node a redirect names: its index, added to the table when new. */
static int redirect_node(struct csync *cs, const struct slotmap_redirect *r)
{
    const char *host = r->host[0] ? r->host : cs->map->nodes[cs->seed].host;
    return slotmap_node(cs->map, host, strlen(host), r->port);
}

void csync_note_redirect(struct csync *cs, const struct slotmap_redirect *r)
{
    switch (r->kind) {
    case SLOTMAP_REPLY_MOVED:
        cs->st.moved++;
        if (cs->cluster) {
            int node = redirect_node(cs, r);
            if (node >= 0)
                slotmap_assign(cs->map, r->slot, r->slot, node);
        }
        break;
    case SLOTMAP_REPLY_ASK:
        cs->st.ask++;
        break;
    case SLOTMAP_REPLY_TRYAGAIN:
        cs->st.tryagain++;
        break;
    case SLOTMAP_REPLY_CLUSTERDOWN:
        cs->st.clusterdown++;
        break;
    default:
        break;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Commands
 * ------------------------------------------------------------------------------------------ */

void csync_explain(redisReply *r, const char *node, bool routed)
{
    if (r == NULL || r->type != REDIS_REPLY_ERROR)
        return;
    struct slotmap_redirect rd;
    const char *advice = NULL;
    enum slotmap_reply kind = slotmap_reply_parse(r->str, r->len, &rd);
    if (!routed && (kind == SLOTMAP_REPLY_CROSSSLOT || kind == SLOTMAP_REPLY_MOVED ||
                    kind == SLOTMAP_REPLY_ASK))
        kind = SLOTMAP_REPLY_MOVED; /* all three say: this is a cluster node we do not route on */
    switch (kind) {
    case SLOTMAP_REPLY_MOVED:
    case SLOTMAP_REPLY_ASK:
        advice = routed ? "the cluster kept redirecting this command; its slots may be moving: "
                          "check it with redis-cli --cluster check, then run the command again"
                        : "this Redis is a Redis Cluster node, but warroom does not route on "
                          "this address (a unix:// address never is, and a node that refuses "
                          "INFO cluster is taken for a single Redis): use --redis "
                          "redis://HOST:PORT of a cluster node";
        break;
    case SLOTMAP_REPLY_CROSSSLOT:
        advice = "a command or script names keys of several hash slots, which Redis Cluster "
                 "refuses: this part of warroom cannot run on a cluster (wire format v1 "
                 "scripts; see docs/operations.md, Redis Cluster)";
        break;
    case SLOTMAP_REPLY_CLUSTERDOWN:
    case SLOTMAP_REPLY_TRYAGAIN:
        advice = "the cluster cannot serve this slot now: check CLUSTER INFO on the node (a "
                 "master down without a replica?)";
        break;
    default:
        if (strncmp(r->str, "READONLY", 8) == 0)
            advice = "this node is a replica; point --redis at a master (or a cluster node)";
        break;
    }
    if (advice == NULL)
        return;
    size_t cap = r->len + strlen(node) + strlen(advice) + 32;
    char *s = malloc(cap); /* hiredis 0.14 frees reply strings with free() */
    if (s == NULL)
        return;
    memcpy(s, r->str, r->len); /* all of Redis' bytes, even past a NUL */
    int n = snprintf(s + r->len, cap - r->len, " (node %s): %s", node, advice);
    r->len += n > 0 ? (size_t)n : 0;
    free(r->str);
    r->str = s;
}

/* Sends cmd to node (with ASKING first when asking) and reads its reply. NULL: the connection
 * failed (dropped; error set). */
static redisReply *send_to(struct csync *cs, int node, bool asking, const char *cmd, size_t len)
{
    redisContext *c = node_ctx(cs, node);
    if (c == NULL)
        return NULL;
    if (asking)
        redisAppendCommand(c, "ASKING");
    redisAppendFormattedCommand(c, cmd, len);
    redisReply *r = NULL;
    if (asking) {
        if (redisGetReply(c, (void **)&r) != REDIS_OK)
            r = NULL;
        if (r)
            freeReplyObject(r);
        r = NULL;
    }
    if (redisGetReply(c, (void **)&r) != REDIS_OK || r == NULL) {
        char name[96];
        snprintf(cs->error, sizeof(cs->error), "%s: %s",
                 csync_node_name(cs, node, name, sizeof(name)),
                 c->err ? rreply_errstr(c) : "no reply");
        node_drop(cs, node);
        return NULL;
    }
    return r;
}

/* Reads "<lead>digits\r\n" at *p (never past end): the number, or -1; *p moves past it. */
static long read_header(const char **p, const char *end, char lead)
{
    const char *q = *p;
    long v = 0;
    if (q >= end || *q++ != lead || q >= end || *q < '0' || *q > '9')
        return -1;
    while (q < end && *q >= '0' && *q <= '9') {
        v = v * 10 + (*q++ - '0');
        if (v > 512L * 1024 * 1024)
            return -1;
    }
    if (end - q < 2 || q[0] != '\r' || q[1] != '\n')
        return -1;
    *p = q + 2;
    return v;
}

int csync_command_slot(const char *cmd, size_t len)
{
    /* parse "*N\r\n$L\r\narg\r\n..." far enough to find the key */
    const char *argv[64];
    size_t lens[64];
    const char *p = cmd, *end = cmd + len;
    long n = read_header(&p, end, '*');
    int argc = 0;
    for (long i = 0; i < n && argc < 64; i++) {
        long l = read_header(&p, end, '$');
        if (l < 0 || (size_t)(end - p) < (size_t)l + 2)
            return -1;
        argv[argc] = p;
        lens[argc++] = (size_t)l;
        p += l + 2;
    }
    if (n < 1)
        return -1;
    int k = slotmap_key_arg(argc, argv, lens);
    return k < 0 ? -1 : (int)partition_key_slot(argv[k], lens[k]);
}

redisReply *csync_formatted(struct csync *cs, const char *cmd, size_t len)
{
    cs->error[0] = '\0';
    if (!cs->cluster) {
        char name[96];
        redisReply *r = send_to(cs, 0, false, cmd, len);
        csync_explain(r, csync_node_name(cs, 0, name, sizeof(name)), false);
        return r;
    }
    int slot = csync_command_slot(cmd, len);
    int node = slot < 0 ? cs->seed : csync_node_of_slot(cs, (unsigned)slot);
    bool asking = false;
    int64_t pause = RETRY_PAUSE_MIN_MS;
    redisReply *r = NULL;
    char name[96];
    for (int tries = 0;; tries++) {
        if (node < 0)
            node = cs->seed; /* no owner known: the seed redirects us */
        r = send_to(cs, node, asking, cmd, len);
        if (r == NULL) {
            csync_refresh(cs); /* a master may have failed over */
            return NULL;
        }
        asking = false;
        struct slotmap_redirect rd;
        enum slotmap_reply kind = r->type == REDIS_REPLY_ERROR
                                      ? slotmap_reply_parse(r->str, r->len, &rd)
                                      : SLOTMAP_REPLY_OTHER;
        if (kind == SLOTMAP_REPLY_OTHER || kind == SLOTMAP_REPLY_CROSSSLOT ||
            tries + 1 >= CSYNC_REDIRECTS_MAX)
            break;
        csync_note_redirect(cs, &rd);
        if (kind == SLOTMAP_REPLY_MOVED || kind == SLOTMAP_REPLY_ASK) {
            int target = redirect_node(cs, &rd);
            if (target < 0)
                break;
            if (kind == SLOTMAP_REPLY_MOVED)
                csync_refresh(cs);
            asking = kind == SLOTMAP_REPLY_ASK;
            node = target;
            if (tries >= CSYNC_REDIRECTS_FREE) { /* nodes disagree mid-migration: let them settle */
                pause_ms(pause);
                pause = pause * 2 > RETRY_PAUSE_MAX_MS ? RETRY_PAUSE_MAX_MS : pause * 2;
            }
        } else {
            pause_ms(pause);
            pause = pause * 2 > RETRY_PAUSE_MAX_MS ? RETRY_PAUSE_MAX_MS : pause * 2;
        }
        freeReplyObject(r);
    }
    csync_explain(r, csync_node_name(cs, node, name, sizeof(name)), true);
    return r;
}

/* Runs a command hiredis formatted into cmd (len < 0: it could not) and frees it. */
static redisReply *run_formatted(struct csync *cs, char *cmd, int len)
{
    if (len < 0) {
        snprintf(cs->error, sizeof(cs->error), "bad command");
        return NULL;
    }
    redisReply *r = csync_formatted(cs, cmd, (size_t)len);
    redisFreeCommand(cmd);
    return r;
}

redisReply *csync_command_argv(struct csync *cs, int argc, const char **argv, const size_t *argvlen)
{
    char *cmd = NULL;
    int len = redisFormatCommandArgv(&cmd, argc, argv, argvlen);
    return run_formatted(cs, cmd, len);
}

redisReply *csync_command(struct csync *cs, const char *fmt, ...)
{
    char *cmd = NULL;
    va_list ap;
    va_start(ap, fmt);
    int len = redisvFormatCommand(&cmd, fmt, ap);
    va_end(ap);
    return run_formatted(cs, cmd, len);
}
