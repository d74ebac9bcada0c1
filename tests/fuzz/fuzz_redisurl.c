/* fuzz_redisurl.c — redisurl_parse and redisurl_display. Properties: a parse fills a
 * consistent address (TCP: host and a port in 1..65535; UNIX: an absolute path within the limit;
 * never an empty password; a user only with a password) or zeroes it and explains why in one
 * line that fits the buffer; the display never depends on the password; for an address without
 * credentials the display parses back to the same address (sentinels and master included). */
#include <string.h>

#include "core/redisurl.h"

static int same_str(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

static void check_url(const struct redisurl *u)
{
    if (u->kind == REDISURL_TCP) {
        FUZZ_CHECK(u->host && *u->host && !u->path);
        FUZZ_CHECK(u->port >= 1 && u->port <= 65535);
        FUZZ_CHECK(!u->sentinels && !u->master);
    } else if (u->kind == REDISURL_SENTINEL) {
        FUZZ_CHECK(!u->host && !u->path && u->port == 0);
        FUZZ_CHECK(u->nsentinels >= 1 && u->nsentinels <= REDISURL_SENTINELS_MAX);
        for (size_t i = 0; i < u->nsentinels; i++) {
            FUZZ_CHECK(u->sentinels[i].host && *u->sentinels[i].host);
            FUZZ_CHECK(u->sentinels[i].port >= 1 && u->sentinels[i].port <= 65535);
        }
        FUZZ_CHECK(u->master && *u->master && strlen(u->master) <= REDISURL_MASTER_MAX);
    } else {
        FUZZ_CHECK(u->kind == REDISURL_UNIX && u->path && !u->host && u->port == 0);
        FUZZ_CHECK(u->path[0] == '/' && strlen(u->path) >= 2);
        FUZZ_CHECK(strlen(u->path) <= REDISURL_PATH_MAX);
    }
    FUZZ_CHECK(u->db >= 0 && u->db <= 999999999);
    FUZZ_CHECK(!u->password || *u->password);
    FUZZ_CHECK(!u->user || (*u->user && u->password));

    char *shown = redisurl_display(u);
    FUZZ_CHECK(shown != NULL);
    struct redisurl nopass = *u;
    nopass.password = NULL;
    char *shown_nopass = redisurl_display(&nopass);
    FUZZ_CHECK(strcmp(shown, shown_nopass) == 0);
    free(shown_nopass);

    if (!u->user && !u->password) {
        struct redisurl back;
        char err[128];
        FUZZ_CHECK(redisurl_parse(shown, &back, err, sizeof err) == 0);
        FUZZ_CHECK(back.kind == u->kind && back.port == u->port && back.db == u->db);
        FUZZ_CHECK(same_str(back.host, u->host) && same_str(back.path, u->path));
        FUZZ_CHECK(same_str(back.master, u->master) && back.nsentinels == u->nsentinels);
        for (size_t i = 0; i < u->nsentinels; i++)
            FUZZ_CHECK(same_str(back.sentinels[i].host, u->sentinels[i].host) &&
                       back.sentinels[i].port == u->sentinels[i].port);
        FUZZ_CHECK(!back.user && !back.password);
        redisurl_free(&back);
    }
    free(shown);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0'; /* a NUL inside simply ends the text, as for a C string argument */

    struct redisurl u;
    char err[256];
    if (redisurl_parse(text, &u, err, sizeof err) == 0) {
        check_url(&u);
        redisurl_free(&u);
        FUZZ_CHECK(!u.host && !u.path && !u.user && !u.password && !u.sentinels && !u.master);
    } else {
        FUZZ_CHECK(!u.host && !u.path && !u.user && !u.password && u.db == 0 && u.port == 0);
        FUZZ_CHECK(!u.sentinels && !u.master && u.nsentinels == 0);
        size_t len = strnlen(err, sizeof err);
        FUZZ_CHECK(len > 0 && len < sizeof err && !memchr(err, '\n', len));
        /* a short buffer holds a prefix of the same message */
        char small[9];
        struct redisurl v;
        FUZZ_CHECK(redisurl_parse(text, &v, small, sizeof small) == -1);
        FUZZ_CHECK(strlen(small) < sizeof small && strncmp(small, err, strlen(small)) == 0);
    }
    redisurl_free(NULL);
    free(text);
    return 0;
}
