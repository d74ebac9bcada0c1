/* redisurl.c — Redis URL parser and password-free printer (see redisurl.h for the grammar).
 * Hand-written rather than a generic URI parser: the accepted forms are few, and every error
 * needs its own message that leaks no secret. */
#include "core/redisurl.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/errbuf.h"
#include "core/mem.h"

/* ---------------------------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------------------------ */

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decodes s[0..n) into a new string in *out. what names the part for messages.
 * Returns 0, or -1 with err set (bad escape, or an escape that decodes to NUL). */
static int decode(const char *s, size_t n, char **out, const char *what, char *err, size_t errlen)
{
    char *d = xmalloc(n + 1);
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '%') {
            d[j++] = s[i];
            continue;
        }
        int hi = i + 1 < n ? hexval((unsigned char)s[i + 1]) : -1;
        int lo = i + 2 < n ? hexval((unsigned char)s[i + 2]) : -1;
        if (hi < 0 || lo < 0) {
            free(d);
            return errbuf_fail(err, errlen,
                               "bad %%-escape in the %s (want %%XX with two hex digits)", what);
        }
        if (hi == 0 && lo == 0) {
            free(d);
            return errbuf_fail(err, errlen, "the %s contains a NUL byte (%%00)", what);
        }
        d[j++] = (char)(hi * 16 + lo);
        i += 2;
    }
    d[j] = '\0';
    *out = d;
    return 0;
}

/* Parses a database number: digits only, at most 9 of them. Returns 0 or -1. */
static int parse_db(const char *s, size_t n, int *db, char *err, size_t errlen)
{
    if (n == 0 || n > 9)
        return errbuf_fail(err, errlen, "the database must be a number from 0 to 999999999");
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return errbuf_fail(err, errlen, "the database must be a number from 0 to 999999999");
        v = v * 10 + (s[i] - '0');
    }
    *db = v;
    return 0;
}

static int parse_port(const char *s, size_t n, int *port, char *err, size_t errlen)
{
    if (n == 0)
        return errbuf_fail(err, errlen, "missing port after ':'");
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]) || i >= 5)
            return errbuf_fail(err, errlen, "the port must be a number from 1 to 65535");
        v = v * 10 + (s[i] - '0');
    }
    if (v < 1 || v > 65535)
        return errbuf_fail(err, errlen, "the port must be a number from 1 to 65535");
    *port = (int)v;
    return 0;
}

/* Host names: letters, digits, '-', '.', '_'. IPv6 literals (inside brackets): hex digits,
 * ':' and '.' (for the embedded IPv4 form). Zone ids are not supported. */
static int check_host(const char *h, size_t n, int bracketed, char *err, size_t errlen)
{
    if (n == 0)
        return errbuf_fail(err, errlen, "missing host (e.g. redis://127.0.0.1:6379)");
    int colons = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)h[i];
        int ok = bracketed ? (isxdigit(c) || c == ':' || c == '.')
                           : (isalnum(c) || c == '-' || c == '.' || c == '_');
        if (!ok)
            return errbuf_fail(err, errlen, "bad character in the %s",
                               bracketed ? "IPv6 address" : "host name");
        colons += c == ':';
    }
    if (bracketed && colons < 2)
        return errbuf_fail(err, errlen, "not an IPv6 address inside [ ]");
    return 0;
}

/* Parses "k=v&k=v" (keys db, user, password) from q[0..n) into u. */
static int parse_query(const char *q, size_t n, struct redisurl *u, int *db_set, char *err,
                       size_t errlen)
{
    size_t i = 0;
    while (i < n) {
        const char *amp = memchr(q + i, '&', n - i);
        size_t end = amp ? (size_t)(amp - q) : n;
        const char *kv = q + i;
        size_t kvlen = end - i;
        const char *eq = memchr(kv, '=', kvlen);
        if (kvlen == 0) {
            i = end + 1;
            continue;
        }
        if (!eq)
            return errbuf_fail(err, errlen, "query parameters must look like name=value");
        size_t klen = (size_t)(eq - kv);
        const char *v = eq + 1;
        size_t vlen = kvlen - klen - 1;
        if (klen == 2 && memcmp(kv, "db", 2) == 0) {
            if (*db_set)
                return errbuf_fail(err, errlen, "the database is given twice");
            if (parse_db(v, vlen, &u->db, err, errlen) < 0)
                return -1;
            *db_set = 1;
        } else if (klen == 4 && memcmp(kv, "user", 4) == 0) {
            if (u->user)
                return errbuf_fail(err, errlen, "the user is given twice");
            if (decode(v, vlen, &u->user, "user name", err, errlen) < 0)
                return -1;
        } else if (klen == 8 && memcmp(kv, "password", 8) == 0) {
            if (u->password)
                return errbuf_fail(err, errlen, "the password is given twice");
            if (decode(v, vlen, &u->password, "password", err, errlen) < 0)
                return -1;
        } else {
            return errbuf_fail(err, errlen, "unknown query parameter (known: db, user, password)");
        }
        i = end + 1;
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * The two URL forms
 * ------------------------------------------------------------------------------------------ */

/* Splits "[user:]password@" off rest[0..auth_end) into u. Returns where the host part starts,
 * or NULL with err set. */
static const char *parse_userinfo(const char *rest, size_t auth_end, struct redisurl *u, char *err,
                                  size_t errlen)
{
    const char *at = NULL;
    for (size_t i = 0; i < auth_end; i++)
        if (rest[i] == '@')
            at = rest + i;
    if (at == NULL)
        return rest;
    size_t ulen = (size_t)(at - rest);
    const char *colon = memchr(rest, ':', ulen);
    if (colon) {
        size_t nlen = (size_t)(colon - rest);
        if (nlen > 0 && decode(rest, nlen, &u->user, "user name", err, errlen) < 0)
            return NULL;
        if (decode(colon + 1, ulen - nlen - 1, &u->password, "password", err, errlen) < 0)
            return NULL;
    } else if (decode(rest, ulen, &u->password, "password", err, errlen) < 0) {
        return NULL;
    }
    return at + 1;
}

/* Parses host[:port] or [v6]:port from hp[0..hplen) into a new *host and *port (default_port
 * when absent). Returns 0, or -1 with err set and *host NULL. */
static int parse_hostport(const char *hp, size_t hplen, int default_port, char **host_out,
                          int *port, char *err, size_t errlen)
{
    const char *host, *portp = NULL;
    size_t hostlen, portlen = 0;
    *host_out = NULL;
    int bracketed = hplen > 0 && hp[0] == '[';
    if (bracketed) {
        const char *close = memchr(hp, ']', hplen);
        if (!close)
            return errbuf_fail(err, errlen, "missing ']' after the IPv6 address");
        host = hp + 1;
        hostlen = (size_t)(close - host);
        size_t after = (size_t)(hp + hplen - (close + 1));
        if (after > 0) {
            if (close[1] != ':')
                return errbuf_fail(err, errlen, "expected ':port' after ']'");
            portp = close + 2;
            portlen = after - 1;
        }
    } else {
        const char *colon = memchr(hp, ':', hplen);
        host = hp;
        hostlen = colon ? (size_t)(colon - hp) : hplen;
        if (colon) {
            portp = colon + 1;
            portlen = hplen - hostlen - 1;
            if (memchr(portp, ':', portlen))
                return errbuf_fail(err, errlen,
                                   "an IPv6 address must be in brackets: redis://[::1]:6379");
        }
    }
    if (check_host(host, hostlen, bracketed, err, errlen) < 0)
        return -1;
    *port = default_port;
    if (portp && parse_port(portp, portlen, port, err, errlen) < 0)
        return -1;
    *host_out = xstrndup(host, hostlen);
    return 0;
}

/* rest: everything after "redis://". */
static int parse_tcp(const char *rest, struct redisurl *u, char *err, size_t errlen)
{
    size_t len = strlen(rest);
    size_t auth_end = strcspn(rest, "/?");
    const char *hp = parse_userinfo(rest, auth_end, u, err, errlen);
    if (hp == NULL)
        return -1;
    if (parse_hostport(hp, (size_t)(rest + auth_end - hp), REDISURL_DEFAULT_PORT, &u->host,
                       &u->port, err, errlen) < 0)
        return -1;

    int db_set = 0;
    const char *p = rest + auth_end;
    if (*p == '/') {
        p++;
        size_t dblen = strcspn(p, "?");
        if (dblen > 0) {
            if (parse_db(p, dblen, &u->db, err, errlen) < 0)
                return -1;
            db_set = 1;
        }
        p += dblen;
    }
    if (*p == '?') {
        p++;
        if (parse_query(p, (size_t)(rest + len - p), u, &db_set, err, errlen) < 0)
            return -1;
    }
    return 0;
}

/* rest: everything after "unix://"; it must start with the absolute path. */
static int parse_unix(const char *rest, struct redisurl *u, char *err, size_t errlen)
{
    if (rest[0] != '/')
        return errbuf_fail(err, errlen,
                           "a unix socket URL needs an absolute path: unix:///path/to.sock "
                           "(credentials go in ?user=&password=)");
    size_t plen = strcspn(rest, "?");
    if (decode(rest, plen, &u->path, "socket path", err, errlen) < 0)
        return -1;
    if (strlen(u->path) < 2)
        return errbuf_fail(err, errlen, "missing socket path after unix://");
    if (strlen(u->path) > REDISURL_PATH_MAX)
        return errbuf_fail(err, errlen, "the socket path is longer than %d bytes",
                           REDISURL_PATH_MAX);
    int db_set = 0;
    if (rest[plen] == '?' &&
        parse_query(rest + plen + 1, strlen(rest + plen + 1), u, &db_set, err, errlen) < 0)
        return -1;
    return 0;
}

/* rest: everything after "redis+sentinel://": [userinfo@]h:p[,h:p...]/MASTER[/db]. */
static int parse_sentinel(const char *rest, struct redisurl *u, char *err, size_t errlen)
{
    size_t auth_end = strcspn(rest, "/?");
    const char *hp = parse_userinfo(rest, auth_end, u, err, errlen);
    if (hp == NULL)
        return -1;
    const char *list_end = rest + auth_end;
    u->sentinels = xcalloc(REDISURL_SENTINELS_MAX, sizeof(*u->sentinels));
    while (hp <= list_end) {
        const char *comma = memchr(hp, ',', (size_t)(list_end - hp));
        const char *end = comma ? comma : list_end;
        if (u->nsentinels == REDISURL_SENTINELS_MAX)
            return errbuf_fail(err, errlen, "more than %d sentinels", REDISURL_SENTINELS_MAX);
        struct redisurl_node *n = &u->sentinels[u->nsentinels];
        if (parse_hostport(hp, (size_t)(end - hp), REDISURL_SENTINEL_PORT, &n->host, &n->port, err,
                           errlen) < 0)
            return -1;
        u->nsentinels++;
        hp = end + 1;
    }
    if (*list_end != '/')
        return errbuf_fail(err, errlen, "missing master name: redis+sentinel://host:port/MASTER");
    const char *m = list_end + 1;
    size_t mlen = strcspn(m, "/?");
    if (mlen == 0 || mlen > REDISURL_MASTER_MAX)
        return errbuf_fail(err, errlen, "the master name must have 1 to %d characters",
                           REDISURL_MASTER_MAX);
    for (size_t i = 0; i < mlen; i++)
        if (!isalnum((unsigned char)m[i]) && !strchr("-_.", m[i]))
            return errbuf_fail(err, errlen,
                               "bad character in the master name (letters, digits, -_.)");
    u->master = xstrndup(m, mlen);
    const char *p = m + mlen;
    if (*p == '/') {
        p++;
        size_t dblen = strcspn(p, "?");
        if (dblen > 0 && parse_db(p, dblen, &u->db, err, errlen) < 0)
            return -1;
        p += dblen;
    }
    if (*p == '?')
        return errbuf_fail(err, errlen, "redis+sentinel:// takes no query parameters");
    return 0;
}

int redisurl_parse(const char *text, struct redisurl *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (err && errlen > 0)
        err[0] = '\0';
    if (text == NULL || text[0] == '\0')
        return errbuf_fail(err, errlen, "empty Redis URL");
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        if (*c <= ' ' || *c == 0x7f)
            return errbuf_fail(err, errlen,
                               "the Redis URL contains a space or control character "
                               "(percent-encode it)");
        if (*c == '#')
            return errbuf_fail(err, errlen,
                               "unexpected '#' in the Redis URL (write %%23 in a password)");
    }

    const char *sep = strstr(text, "://");
    size_t slen = sep ? (size_t)(sep - text) : 0;
    int rc;
    if (sep == NULL) {
        rc =
            errbuf_fail(err, errlen, "not a Redis URL: expected redis://host:port or unix:///path");
    } else if (slen == 5 && strncasecmp(text, "redis", 5) == 0) {
        rc = parse_tcp(sep + 3, out, err, errlen);
    } else if (slen == 14 && strncasecmp(text, "redis+sentinel", 14) == 0) {
        out->kind = REDISURL_SENTINEL;
        rc = parse_sentinel(sep + 3, out, err, errlen);
    } else if (slen == 4 && strncasecmp(text, "unix", 4) == 0) {
        out->kind = REDISURL_UNIX;
        rc = parse_unix(sep + 3, out, err, errlen);
    } else if (slen == 6 && strncasecmp(text, "rediss", 6) == 0) {
        rc = errbuf_fail(err, errlen, "rediss:// (TLS) is not supported: hiredis 0.14 has no TLS");
    } else {
        rc = errbuf_fail(err, errlen,
                         "unknown URL scheme (expected redis://, redis+sentinel:// or unix://)");
    }
    if (rc == 0 && out->password && out->password[0] == '\0') {
        free(out->password);
        out->password = NULL;
    }
    if (rc == 0 && out->user && out->user[0] == '\0') {
        free(out->user);
        out->user = NULL;
    }
    if (rc == 0 && out->user && !out->password)
        rc = errbuf_fail(err, errlen, "an ACL user needs a password (user:password@)");
    if (rc < 0)
        redisurl_free(out);
    return rc;
}

void redisurl_free(struct redisurl *u)
{
    if (u == NULL)
        return;
    free(u->host);
    free(u->path);
    free(u->user);
    free(u->password);
    for (size_t i = 0; i < u->nsentinels; i++)
        free(u->sentinels[i].host);
    free(u->sentinels);
    free(u->master);
    memset(u, 0, sizeof(*u));
}

/* ---------------------------------------------------------------------------------------------
 * Display
 * ------------------------------------------------------------------------------------------ */

struct buf {
    char *s;
    size_t len, cap;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->s = xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void buf_str(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

/* Appends s percent-encoded: unreserved characters and those in keep stay as they are. */
static void buf_enc(struct buf *b, const char *s, const char *keep)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (isalnum(*c) || strchr("-._~", *c) || (keep && strchr(keep, *c))) {
            buf_add(b, (const char *)c, 1);
        } else {
            char e[3] = {'%', hex[*c >> 4], hex[*c & 15]};
            buf_add(b, e, 3);
        }
    }
}

static void buf_hostport(struct buf *b, const char *host, int port)
{
    char num[16];
    int v6 = host && strchr(host, ':') != NULL;
    if (v6)
        buf_str(b, "[");
    buf_str(b, host ? host : "");
    if (v6)
        buf_str(b, "]");
    snprintf(num, sizeof(num), ":%d", port);
    buf_str(b, num);
}

char *redisurl_display(const struct redisurl *u)
{
    struct buf b = {0};
    char num[32];
    if (u->kind == REDISURL_UNIX) {
        buf_str(&b, "unix://");
        buf_enc(&b, u->path ? u->path : "", "/");
        const char *sep = "?";
        if (u->db != 0) {
            snprintf(num, sizeof(num), "%sdb=%d", sep, u->db);
            buf_str(&b, num);
            sep = "&";
        }
        if (u->user) {
            buf_str(&b, sep);
            buf_str(&b, "user=");
            buf_enc(&b, u->user, NULL);
        }
        return b.s;
    }
    buf_str(&b, u->kind == REDISURL_SENTINEL ? "redis+sentinel://" : "redis://");
    if (u->user) {
        buf_enc(&b, u->user, NULL);
        buf_str(&b, "@");
    }
    if (u->kind == REDISURL_SENTINEL) {
        for (size_t i = 0; i < u->nsentinels; i++) {
            if (i > 0)
                buf_str(&b, ",");
            buf_hostport(&b, u->sentinels[i].host, u->sentinels[i].port);
        }
        buf_str(&b, "/");
        buf_str(&b, u->master ? u->master : "");
    } else {
        buf_hostport(&b, u->host, u->port);
    }
    if (u->db != 0) {
        snprintf(num, sizeof(num), "/%d", u->db);
        buf_str(&b, num);
    }
    return b.s;
}
