/* redisurl.h — parse and print Redis addresses given as URLs (--redis, REDIS_URL).
 * Pure string handling: no I/O and no name resolution (app/redis/redisaddr.c resolves the host once).
 * Error messages never repeat the URL or any part of it that could hold a password. */
#ifndef WR_REDISURL_H
#define WR_REDISURL_H

#include <stddef.h>

#define REDISURL_DEFAULT_PORT 6379
#define REDISURL_PATH_MAX 107 /* longest unix socket path: sizeof(sun_path) - 1 on Linux */

enum redisurl_kind {
    REDISURL_TCP,  /* redis://host:port */
    REDISURL_UNIX, /* unix:///path/to.sock */
};

struct redisurl {
    enum redisurl_kind kind;
    char *host;     /* TCP: host name or address as written, IPv6 without brackets; else NULL */
    int port;       /* TCP: 1..65535 (6379 when absent); 0 for UNIX */
    char *path;     /* UNIX: absolute socket path; else NULL */
    char *user;     /* ACL user name, NULL for the default user */
    char *password; /* NULL when no AUTH is wanted; never "" */
    int db;         /* database number for SELECT, 0 when absent */
};

/* Parses one of
 *     redis://[[user]:password@]host[:port][/db][?db=N]
 *     redis://password@host...                   (no ':' in the user part: it is a password,
 *                                                  as redis-cli reads it)
 *     redis://[::1]:6380                          (IPv6 literal in brackets)
 *     unix:///path/to.sock[?db=N][&user=U][&password=P]
 * The scheme is case-insensitive. User, password, socket path and query values are
 * percent-decoded; '/', '?', '#', '@' and '%' in a password must be written %2F, %3F, %23, %40,
 * %25. rediss:// (TLS) is refused with a message saying why.
 * Returns 0 and fills *out (free with redisurl_free), or -1 with a one-line reason in err
 * (truncated to errlen) and *out zeroed. out must not hold allocations on entry. */
int redisurl_parse(const char *text, struct redisurl *out, char *err, size_t errlen);

/* Frees the strings in u and zeroes it. NULL and a zeroed struct are fine. */
void redisurl_free(struct redisurl *u);

/* The address as a URL fit for a status bar or a log, never with the password:
 * redis://[user@]host:port[/db] or unix:///path[?db=N][&user=U]; the user is percent-encoded,
 * the db shown only when it is not 0. For a URL without credentials, parsing the result gives
 * back u. Returns a new string; the caller frees it. */
char *redisurl_display(const struct redisurl *u);

#endif
