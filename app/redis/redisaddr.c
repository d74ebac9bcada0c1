/* redisaddr.c — parse a Redis URL and resolve its host once (see redisaddr.h). */
#include "app/redis/redisaddr.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "app/redis/sentinel.h"
#include "core/mem.h"

/* Resolves host for one address family into ip. Returns 0, or a getaddrinfo error code. */
static int resolve_family(const char *host, int family, char *ip, size_t iplen)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc != 0)
        return rc;
    rc = getnameinfo(res->ai_addr, res->ai_addrlen, ip, (socklen_t)iplen, NULL, 0, NI_NUMERICHOST);
    freeaddrinfo(res);
    return rc;
}

int redisaddr_resolve(const char *host, char *ip, size_t iplen)
{
    int rc = resolve_family(host, AF_INET, ip, iplen);
    if (rc != 0 && resolve_family(host, AF_INET6, ip, iplen) == 0)
        rc = 0;
    return rc;
}

struct redisaddr *redisaddr_new(const char *url, char *err, size_t errlen)
{
    struct redisaddr *a = xcalloc(1, sizeof(*a));
    if (redisurl_parse(url, &a->url, err, errlen) < 0) {
        free(a);
        return NULL;
    }
    if (a->url.kind == REDISURL_TCP) {
        int rc = resolve_family(a->url.host, AF_INET, a->ip, sizeof(a->ip));
        if (rc != 0 && resolve_family(a->url.host, AF_INET6, a->ip, sizeof(a->ip)) != 0) {
            if (err && errlen > 0)
                snprintf(err, errlen, "cannot resolve Redis host '%s': %s", a->url.host,
                         gai_strerror(rc));
            redisaddr_free(a);
            return NULL;
        }
    }
    if (a->url.kind == REDISURL_SENTINEL) {
        a->sentinel = sentinel_new(&a->url, REDISADDR_SENTINEL_TIMEOUT_MS, err, errlen);
        if (a->sentinel == NULL) {
            redisaddr_free(a);
            return NULL;
        }
        sentinel_master(a->sentinel, a->ip, &a->url.port);
        a->url.host = xstrdup(a->ip);
    }
    a->display = redisurl_display(&a->url);
    return a;
}

struct redisaddr *redisaddr_for_node(const struct redisaddr *base, const char *host, int port,
                                     char *err, size_t errlen)
{
    struct redisaddr *a = xcalloc(1, sizeof(*a));
    a->url.kind = REDISURL_TCP;
    a->url.host = xstrdup(host);
    a->url.port = port;
    a->url.user = base->url.user ? xstrdup(base->url.user) : NULL;
    a->url.password = base->url.password ? xstrdup(base->url.password) : NULL;
    a->cluster = base->cluster;
    int rc = resolve_family(host, AF_INET, a->ip, sizeof(a->ip));
    if (rc != 0 && resolve_family(host, AF_INET6, a->ip, sizeof(a->ip)) != 0) {
        if (err && errlen > 0)
            snprintf(err, errlen, "cannot resolve cluster node '%s': %s", host, gai_strerror(rc));
        redisaddr_free(a);
        return NULL;
    }
    a->display = redisurl_display(&a->url);
    return a;
}

void redisaddr_free(struct redisaddr *a)
{
    if (a == NULL)
        return;
    sentinel_unref(a->sentinel);
    redisurl_free(&a->url);
    free(a->display);
    free(a);
}
