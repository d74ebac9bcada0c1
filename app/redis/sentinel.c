/* sentinel.c — the master behind redis+sentinel:// (see sentinel.h): sync resolution, the
 * +switch-master follower on the loop, and ROLE checks. */
#include "app/redis/sentinel.h"
#include "app/errmsg.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "app/clock.h"
#include "app/redis/rconn.h"
#include "app/redis/redisaddr.h"
#include "app/redis/rreply.h"
#include "core/mem.h"
#include "core/text.h"

struct listener {
    sentinel_moved_fn *fn;
    void *privdata;
};

struct sentinel {
    int refs;
    char *master_name;
    struct redisaddr **nodes; /* one per sentinel, resolved once */
    size_t nnodes;
    size_t cur; /* the sentinel the loop side talks to */

    char ip[REDISADDR_IP_MAX]; /* the master as last known; "" before the first answer */
    int port;
    int64_t failover_ms;
    FILE *log;

    struct ev_loop *loop;
    struct rconn *sub; /* +switch-master subscription */
    struct rconn *cmd; /* SENTINEL get-master-addr-by-name */
    bool asking;       /* a get-master-addr request is out on cmd */
    int64_t asked_ms;  /* monotonic time of the last one */

    struct listener *listeners;
    size_t nlisteners, caplisteners;
};

static void loop_start(struct sentinel *s);
static void loop_stop(struct sentinel *s);

/* ---------------------------------------------------------------------------------------------
 * The master's address
 * ------------------------------------------------------------------------------------------ */

static void logf_line(struct sentinel *s, const char *what)
{
    if (s->log == NULL)
        return;
    fprintf(s->log, "%ssentinel: %s\n", errmsg_prefix(), what);
    fflush(s->log);
}

static void hhmmss(int64_t wall_ms, char *buf, size_t cap)
{
    time_t t = (time_t)(wall_ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(buf, cap, "%H:%M:%S", &tm);
}

/* Takes ip:port as the master. A change from a known master is a failover followed. */
static void master_set(struct sentinel *s, const char *ip, int port)
{
    if (strcmp(s->ip, ip) == 0 && s->port == port)
        return;
    bool had = s->ip[0] != '\0';
    char line[256];
    if (had) {
        s->failover_ms = clock_wall_ms();
        char at[16];
        hhmmss(s->failover_ms, at, sizeof(at));
        snprintf(line, sizeof(line), "master %s moved from %s:%d to %s:%d (failover followed %s)",
                 s->master_name, s->ip, s->port, ip, port, at);
        logf_line(s, line);
    }
    snprintf(s->ip, sizeof(s->ip), "%s", ip);
    s->port = port;
    if (!had)
        return;
    for (size_t i = 0; i < s->nlisteners; i++)
        s->listeners[i].fn(s->listeners[i].privdata);
}

/* Reads a master address out of two strings (hostile: a sentinel can say anything). Host
 * names are resolved (blocking; sentinels normally announce addresses). Returns 0 or -1. */
static int address_parse(const char *host, size_t hostlen, const char *portstr, char *ip, int *port,
                         char *why, size_t whycap)
{
    char h[256];
    if (hostlen == 0 || hostlen >= sizeof(h) || memchr(host, '\0', hostlen)) {
        snprintf(why, whycap, "a malformed master address");
        return -1;
    }
    memcpy(h, host, hostlen);
    h[hostlen] = '\0';
    char *end;
    long p = strtol(portstr, &end, 10);
    if (*portstr == '\0' || *end != '\0' || p < 1 || p > 65535) {
        snprintf(why, whycap, "a malformed master port");
        return -1;
    }
    unsigned char bin[16];
    if ((inet_pton(AF_INET, h, bin) == 1 || inet_pton(AF_INET6, h, bin) == 1) &&
        hostlen < REDISADDR_IP_MAX) {
        memcpy(ip, h, hostlen + 1);
    } else if (redisaddr_resolve(h, ip, REDISADDR_IP_MAX) != 0) {
        snprintf(why, whycap, "a master host that does not resolve");
        return -1;
    }
    *port = (int)p;
    return 0;
}

/* A get-master-addr-by-name reply: [host, port]; NIL when the sentinel does not know it. */
static int master_reply(const redisReply *r, char *ip, int *port, char *why, size_t whycap)
{
    if (r->type == REDIS_REPLY_NIL) {
        snprintf(why, whycap, "does not know this master");
        return -1;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        struct text_buf b = TEXT_BUF_INIT;
        text_sanitize_limit(r->str, r->len, 0, 120, 0, &b);
        snprintf(why, whycap, "%s", b.s);
        text_buf_free(&b);
        return -1;
    }
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_STRING) {
        snprintf(why, whycap, "an unexpected reply");
        return -1;
    }
    return address_parse(r->element[0]->str, r->element[0]->len, r->element[1]->str, ip, port, why,
                         whycap);
}

int sentinel_resolve(struct sentinel *s, int64_t timeout_ms, char *ip, int *port, char *err,
                     size_t errcap)
{
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    size_t used = 0;
    err[0] = '\0';
    for (size_t k = 0; k < s->nnodes; k++) {
        size_t i = (s->cur + k) % s->nnodes;
        const struct redisaddr *n = s->nodes[i];
        char why[160] = "";
        redisContext *c = redisConnectWithTimeout(n->ip, n->url.port, tv);
        if (c == NULL || c->err) {
            snprintf(why, sizeof(why), "%s", c ? c->errstr : "out of memory");
        } else {
            rreply_cap(c);
            redisSetTimeout(c, tv);
            redisReply *r = redisCommand(c, "SENTINEL get-master-addr-by-name %s", s->master_name);
            if (r == NULL) {
                snprintf(why, sizeof(why), "%s", c->errstr);
            } else {
                char got_ip[REDISADDR_IP_MAX];
                int got_port;
                if (master_reply(r, got_ip, &got_port, why, sizeof(why)) == 0) {
                    freeReplyObject(r);
                    redisFree(c);
                    master_set(s, got_ip, got_port);
                    sentinel_master(s, ip, port);
                    return 0;
                }
                freeReplyObject(r);
            }
        }
        if (c)
            redisFree(c);
        if (used < errcap)
            used += (size_t)snprintf(err + used, errcap - used, "%s%s:%d %s", k ? "; " : "", n->ip,
                                     n->url.port, why);
    }
    char all[512];
    snprintf(all, sizeof(all), "no sentinel gave the address of master '%s' (%s)", s->master_name,
             err);
    snprintf(err, errcap, "%s", all);
    return -1;
}

void sentinel_master(const struct sentinel *s, char *ip, int *port)
{
    snprintf(ip, REDISADDR_IP_MAX, "%s", s->ip);
    *port = s->port;
}

void sentinel_describe(const struct sentinel *s, char *buf, size_t cap)
{
    int v6 = strchr(s->ip, ':') != NULL;
    int n = snprintf(buf, cap, "%s at %s%s%s:%d", s->master_name, v6 ? "[" : "", s->ip,
                     v6 ? "]" : "", s->port);
    if (s->failover_ms > 0 && n >= 0 && (size_t)n < cap) {
        char at[16];
        hhmmss(s->failover_ms, at, sizeof(at));
        snprintf(buf + n, cap - (size_t)n, ", failover followed %s", at);
    }
}

int64_t sentinel_failover_ms(const struct sentinel *s)
{
    return s->failover_ms;
}

void sentinel_set_log(struct sentinel *s, FILE *log)
{
    s->log = log;
}

/* ---------------------------------------------------------------------------------------------
 * Life cycle
 * ------------------------------------------------------------------------------------------ */

struct sentinel *sentinel_new(const struct redisurl *u, int64_t timeout_ms, char *err,
                              size_t errcap)
{
    struct sentinel *s = xcalloc(1, sizeof(*s));
    s->refs = 1;
    s->log = stderr;
    s->master_name = xstrdup(u->master ? u->master : "");
    s->nodes = xcalloc(u->nsentinels ? u->nsentinels : 1, sizeof(*s->nodes));
    for (size_t i = 0; i < u->nsentinels; i++) {
        const struct redisurl_node *n = &u->sentinels[i];
        char url[300], why[256];
        bool v6 = strchr(n->host, ':') != NULL;
        snprintf(url, sizeof(url), "redis://%s%s%s:%d", v6 ? "[" : "", n->host, v6 ? "]" : "",
                 n->port);
        s->nodes[i] = redisaddr_new(url, why, sizeof(why));
        if (s->nodes[i] == NULL) {
            snprintf(err, errcap, "sentinel %zu: %s", i + 1, why);
            goto err;
        }
        s->nnodes++;
    }
    char ip[REDISADDR_IP_MAX];
    int port;
    if (sentinel_resolve(s, timeout_ms, ip, &port, err, errcap) != 0)
        goto err;
    return s;
err:
    sentinel_unref(s);
    return NULL;
}

struct sentinel *sentinel_ref(struct sentinel *s)
{
    s->refs++;
    return s;
}

void sentinel_unref(struct sentinel *s)
{
    if (s == NULL || --s->refs > 0)
        return;
    loop_stop(s);
    for (size_t i = 0; i < s->nnodes; i++)
        redisaddr_free(s->nodes[i]);
    free(s->nodes);
    free(s->master_name);
    free(s->listeners);
    free(s);
}

void sentinel_listen(struct sentinel *s, sentinel_moved_fn *fn, void *privdata)
{
    if (s->nlisteners == s->caplisteners) {
        s->caplisteners = s->caplisteners ? 2 * s->caplisteners : 8;
        s->listeners = xrealloc(s->listeners, s->caplisteners * sizeof(*s->listeners));
    }
    s->listeners[s->nlisteners++] = (struct listener){fn, privdata};
}

void sentinel_unlisten(struct sentinel *s, sentinel_moved_fn *fn, void *privdata)
{
    for (size_t i = 0; i < s->nlisteners; i++) {
        if (s->listeners[i].fn == fn && s->listeners[i].privdata == privdata) {
            memmove(&s->listeners[i], &s->listeners[i + 1],
                    (s->nlisteners - i - 1) * sizeof(*s->listeners));
            s->nlisteners--;
            return;
        }
    }
}

/* ---------------------------------------------------------------------------------------------
 * On the loop: +switch-master and re-asking
 * ------------------------------------------------------------------------------------------ */

static void on_master_addr(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct sentinel *s = privdata;
    s->asking = false;
    char ip[REDISADDR_IP_MAX], why[160];
    int port;
    if (reply != NULL && master_reply(reply, ip, &port, why, sizeof(why)) == 0)
        master_set(s, ip, port);
}

static void ask(struct sentinel *s)
{
    if (s->cmd == NULL || s->asking)
        return;
    if (rconn_command(s->cmd, on_master_addr, s, "SENTINEL get-master-addr-by-name %s",
                      s->master_name) == 0) {
        s->asking = true;
        s->asked_ms = clock_mono_ms();
    }
}

void sentinel_suspect(struct sentinel *s)
{
    if (s->loop == NULL || clock_mono_ms() - s->asked_ms < SENTINEL_REFRESH_MIN_MS)
        return;
    ask(s);
}

int sentinel_parse_switch(const char *payload, size_t len, const char *master, char *ip, int *port)
{
    const char *tok[5];
    size_t toklen[5], n = 0, i = 0;
    while (i < len && n < 5) {
        while (i < len && payload[i] == ' ')
            i++;
        if (i == len)
            break;
        tok[n] = payload + i;
        while (i < len && payload[i] != ' ')
            i++;
        toklen[n] = (size_t)(payload + i - tok[n]);
        n++;
    }
    while (i < len && payload[i] == ' ')
        i++;
    if (n != 5 || i != len)
        return -1;
    for (size_t k = 0; k < 5; k++)
        if (memchr(tok[k], '\0', toklen[k]))
            return -1;
    if (toklen[0] != strlen(master) || memcmp(tok[0], master, toklen[0]) != 0)
        return 1;
    char host[REDISADDR_IP_MAX], portstr[8];
    unsigned char bin[16];
    if (toklen[3] >= sizeof(host) || toklen[4] >= sizeof(portstr) || toklen[4] == 0)
        return -1;
    memcpy(host, tok[3], toklen[3]);
    host[toklen[3]] = '\0';
    memcpy(portstr, tok[4], toklen[4]);
    portstr[toklen[4]] = '\0';
    if (inet_pton(AF_INET, host, bin) != 1 && inet_pton(AF_INET6, host, bin) != 1)
        return -1;
    long p = 0;
    for (const char *c = portstr; *c; c++) {
        if (*c < '0' || *c > '9')
            return -1;
        p = p * 10 + (*c - '0');
    }
    if (p < 1 || p > 65535)
        return -1;
    memcpy(ip, host, toklen[3] + 1);
    *port = (int)p;
    return 0;
}

/* A message on +switch-master. One naming another host than an address is left to the next
 * failed connect, which asks the sentinels (and resolves it) anyway. */
static void on_switch(struct rconn *rc, const redisReply *msg, void *privdata)
{
    (void)rc;
    struct sentinel *s = privdata;
    struct rconn_msg m;
    char ip[REDISADDR_IP_MAX];
    int port;
    if (rconn_message_parse(msg, &m) == 0 && strcmp(m.kind, "message") == 0 && m.payload &&
        sentinel_parse_switch(m.payload, m.payload_len, s->master_name, ip, &port) == 0)
        master_set(s, ip, port);
}

/* A sentinel we cannot reach: move both connections to the next one. */
static void on_sub_state(struct rconn *rc, enum rconn_state st, void *privdata)
{
    (void)rc;
    struct sentinel *s = privdata;
    if (st != RCONN_RECONNECTING || rconn_attempt(s->sub) < 2 || s->nnodes < 2)
        return;
    char line[200];
    snprintf(line, sizeof(line), "lost sentinel %s (%s); trying the next one",
             rconn_display(s->sub), rconn_last_error(s->sub));
    logf_line(s, line);
    loop_stop(s);
    s->cur = (s->cur + 1) % s->nnodes;
    loop_start(s);
}

static void on_sub_up(struct rconn *rc, void *privdata)
{
    struct sentinel *s = privdata;
    rconn_subscribe(rc, "+switch-master", 0);
    s->asked_ms = 0; /* a switch may have happened while we were away */
    sentinel_suspect(s);
}

static void loop_start(struct sentinel *s)
{
    struct rconn_opts so = {
        .mode = RCONN_MODE_PUBSUB,
        .name = "sentinel-sub",
        .backoff_max_ms = 1000,
        .on_state = on_sub_state,
        .on_up = on_sub_up,
        .on_message = on_switch,
        .privdata = s,
    };
    struct rconn_opts co = {.mode = RCONN_MODE_COMMAND,
                            .name = "sentinel-cmd",
                            .command_timeout_ms = 2000,
                            .backoff_max_ms = 1000};
    s->cmd = rconn_new(s->loop, s->nodes[s->cur], &co);
    s->sub = rconn_new(s->loop, s->nodes[s->cur], &so);
}

static void loop_stop(struct sentinel *s)
{
    struct rconn *sub = s->sub, *cmd = s->cmd;
    s->sub = s->cmd = NULL;
    rconn_close(sub);
    rconn_close(cmd); /* on_master_addr gets NULL */
    s->asking = false;
}

void sentinel_attach(struct sentinel *s, struct ev_loop *loop)
{
    if (s->loop != NULL)
        return;
    s->loop = loop;
    loop_start(s);
}

/* ---------------------------------------------------------------------------------------------
 * ROLE
 * ------------------------------------------------------------------------------------------ */

enum sentinel_role sentinel_role_of(const redisReply *r, char *what, size_t cap)
{
    struct text_buf b = TEXT_BUF_INIT;
    enum sentinel_role role = SENTINEL_ROLE_UNKNOWN;
    snprintf(what, cap, "no reply");
    if (r == NULL)
        return role;
    if (r->type == REDIS_REPLY_ERROR) {
        text_sanitize_limit(r->str, r->len, 0, cap > 1 ? cap - 1 : 0, 0, &b);
        snprintf(what, cap, "%s", b.s);
    } else if (r->type == REDIS_REPLY_ARRAY && r->elements >= 1 &&
               r->element[0]->type == REDIS_REPLY_STRING) {
        const redisReply *e = r->element[0];
        text_sanitize_limit(e->str, e->len, 0, cap > 1 ? cap - 1 : 0, 0, &b);
        snprintf(what, cap, "%s", b.s);
        role = strcmp(e->str, "master") == 0 ? SENTINEL_ROLE_MASTER : SENTINEL_ROLE_NOT_MASTER;
    } else {
        snprintf(what, cap, "an unexpected reply");
    }
    text_buf_free(&b);
    return role;
}

int sentinel_role_check(redisContext *c, const char *node, char *err, size_t errcap)
{
    redisReply *r = redisCommand(c, "ROLE");
    if (r == NULL) {
        snprintf(err, errcap, "%s: ROLE: %s", node, c->errstr);
        return -1;
    }
    char what[128];
    enum sentinel_role role = sentinel_role_of(r, what, sizeof(what));
    freeReplyObject(r);
    if (role == SENTINEL_ROLE_NOT_MASTER) {
        snprintf(err, errcap,
                 "%s is a %s, not a master: warroom writes only to a master (give the "
                 "master's address, or a redis+sentinel:// URL)",
                 node, strcmp(what, "slave") == 0 ? "replica" : what);
        return -1;
    }
    return 0;
}
