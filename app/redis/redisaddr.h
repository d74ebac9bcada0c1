/* redisaddr.h — a Redis address ready for hiredis: the parsed URL (core/redisurl.h) plus, for
 * TCP, its host resolved once, at start, to a numeric address. hiredis 0.14 resolves names with a
 * blocking getaddrinfo() on every connect, which would freeze the event loop on each reconnect. */
#ifndef WR_REDISADDR_H
#define WR_REDISADDR_H

#include <stdbool.h>
#include <stddef.h>

#include "core/redisurl.h"

#define REDISADDR_IP_MAX 46 /* INET6_ADDRSTRLEN */

#define REDISADDR_SENTINEL_TIMEOUT_MS 1000 /* per sentinel, when asking for the master */

struct sentinel;

struct redisaddr {
    struct redisurl url;       /* as parsed; url.host keeps the name as written */
    char ip[REDISADDR_IP_MAX]; /* TCP: numeric IPv4 or IPv6 address for hiredis; UNIX: "" */
    char *display;             /* redisurl_display(&url): safe to show, holds no password */
    /* SENTINEL: the master's finder (app/redis/sentinel.h), one reference owned here; ip and
     * url.host/url.port hold the master it named at start (connections ask it again). */
    struct sentinel *sentinel;
    bool cluster; /* a Redis Cluster node: route by key slot (rsync_address finds out) */
};

/* Parses url and, for redis://, resolves the host with getaddrinfo (this blocks: call it before
 * the event loop runs). IPv4 is preferred over IPv6, as hiredis itself does; a literal address
 * is taken as is. For redis+sentinel://, resolves the sentinels and asks them for the master
 * (each bounded by REDISADDR_SENTINEL_TIMEOUT_MS). Returns a new address (free with
 * redisaddr_free), or NULL with a one-line reason in err that never contains the password. */
struct redisaddr *redisaddr_new(const char *url, char *err, size_t errlen);

/* Resolves host (a name or a literal) to a numeric address in ip, IPv4 first. Blocks.
 * Returns 0, or a getaddrinfo error code. */
int redisaddr_resolve(const char *host, char *ip, size_t iplen);

/* The address of another node of base's cluster, host:port as Redis names it (CLUSTER SLOTS,
 * MOVED), with base's user, password and cluster flag (db 0: a cluster has no other). The host
 * is resolved like redisaddr_new's (blocking when it is a name). Returns a new address, or NULL
 * with a reason in err. */
struct redisaddr *redisaddr_for_node(const struct redisaddr *base, const char *host, int port,
                                     char *err, size_t errlen);

/* Frees a; NULL is a no-op. */
void redisaddr_free(struct redisaddr *a);

#endif
