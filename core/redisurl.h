/* redisurl.h — parse and print Redis addresses given as URLs (--redis, REDIS_URL).
 * Pure string handling: no I/O and no name resolution (app/redis/redisaddr.c resolves the host once).
 * Error messages never repeat the URL or any part of it that could hold a password. */
#ifndef WR_REDISURL_H
#define WR_REDISURL_H

#include <stddef.h>

#define REDISURL_DEFAULT_PORT 6379
#define REDISURL_SENTINEL_PORT 26379
#define REDISURL_PATH_MAX 107 /* longest unix socket path: sizeof(sun_path) - 1 on Linux */

#define REDISURL_SENTINELS_MAX 16 /* sentinels in one redis+sentinel:// URL */
#define REDISURL_MASTER_MAX 64    /* length of a Sentinel master name */

enum redisurl_kind {
    REDISURL_TCP,      /* redis://host:port */
    REDISURL_UNIX,     /* unix:///path/to.sock */
    REDISURL_SENTINEL, /* redis+sentinel://h1:p1,h2:p2/MASTER: ask the sentinels */
};

struct redisurl_node {
    char *host; /* as written, IPv6 without brackets */
    int port;   /* 1..65535; 26379 (Sentinel's) when absent */
};

struct redisurl {
    enum redisurl_kind kind;
    char *host;     /* TCP: host name or address as written, IPv6 without brackets; else NULL */
    int port;       /* TCP: 1..65535 (6379 when absent); 0 for UNIX */
    char *path;     /* UNIX: absolute socket path; else NULL */
    char *user;     /* ACL user name, NULL for the default user */
    char *password; /* NULL when no AUTH is wanted; never "" */
    int db;         /* database number for SELECT, 0 when absent */
    /* SENTINEL: the sentinels (1..REDISURL_SENTINELS_MAX) and the master's name. host and port
     * are NULL and 0 as parsed; app/redis/redisaddr fills them with the master it was told. */
    struct redisurl_node *sentinels;
    size_t nsentinels;
    char *master;
};

/* Parses one of
 *     redis://[[user]:password@]host[:port][/db][?db=N]
 *     redis://password@host...                   (no ':' in the user part: it is a password,
 *                                                  as redis-cli reads it)
 *     redis://[::1]:6380                          (IPv6 literal in brackets)
 *     unix:///path/to.sock[?db=N][&user=U][&password=P]
 *     redis+sentinel://[[user]:password@]host[:port][,host[:port]...]/MASTER[/db]
 *                                                 (port default 26379; MASTER: letters, digits,
 *                                                  '-', '_', '.'; the credentials are for the
 *                                                  data nodes, not for the sentinels)
 * The scheme is case-insensitive. User, password, socket path and query values are
 * percent-decoded; '/', '?', '#', '@' and '%' in a password must be written %2F, %3F, %23, %40,
 * %25. rediss:// (TLS) is refused with a message saying why.
 * Returns 0 and fills *out (free with redisurl_free), or -1 with a one-line reason in err
 * (truncated to errlen) and *out zeroed. out must not hold allocations on entry. */
int redisurl_parse(const char *text, struct redisurl *out, char *err, size_t errlen);

/* Frees the strings in u and zeroes it. NULL and a zeroed struct are fine. */
void redisurl_free(struct redisurl *u);

/* The address as a URL fit for a status bar or a log, never with the password:
 * redis://[user@]host:port[/db], unix:///path[?db=N][&user=U] or
 * redis+sentinel://[user@]h1:p1,h2:p2/MASTER[/db]; the user is percent-encoded,
 * the db shown only when it is not 0. For a URL without credentials, parsing the result gives
 * back u. Returns a new string; the caller frees it. */
char *redisurl_display(const struct redisurl *u);

#endif
