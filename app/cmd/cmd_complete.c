/* cmd_complete.c — what shell completion asks the program (hidden, not in --help):
 * `warroom help --rooms [--redis URL] [--ns NS]` lists the chat rooms that have a history or
 * someone present in Redis, one a line, for `warroom chat <TAB>` (assets/completion/). It never
 * starts a private redis-server and gives up quickly: a prompt must not hang. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "app/cmd/cmd.h"
#include "app/config.h"
#include "app/redis/localredis.h"
#include "app/redis/redisaddr.h"
#include "app/redis/rsync.h"
#include "core/chatinput.h"
#include "core/chatlog.h"
#include "core/mem.h"

#define COMPLETE_TIMEOUT_MS 300
#define COMPLETE_MAX_ROOMS 500
#define COMPLETE_MAX_SCANS 50 /* SCAN calls at most: a huge keyspace gives a partial list */

/* The Redis named on the command line or in REDIS_URL, else 127.0.0.1:6379 when it answers, else
 * the private server's socket when it is there; NULL (err set) when none answers. */
static redisContext *connect_quietly(const struct config *cfg, char *err, size_t errcap)
{
    const char *urls[2] = {cfg->redis_url, NULL};
    char sock_url[300];
    struct localredis_paths p;
    if (cfg->redis_url == NULL) {
        urls[0] = "redis://127.0.0.1:6379";
        if (localredis_paths(&p, err, errcap) == 0) {
            snprintf(sock_url, sizeof(sock_url), "unix://%s", p.sock);
            urls[1] = sock_url;
        }
    }
    for (int i = 0; i < 2 && urls[i]; i++) {
        struct redisaddr *a = redisaddr_new(urls[i], err, errcap);
        if (a == NULL)
            continue;
        redisContext *c = rsync_connect(a, COMPLETE_TIMEOUT_MS, err, errcap);
        redisaddr_free(a);
        if (c)
            return c;
    }
    return NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds the ROOM of every key matching prefix ROOM suffix that SCAN returns. */
static void scan_rooms(redisContext *c, const char *prefix, const char *suffix, char **rooms,
                       size_t *n)
{
    char pattern[128], cursor[32] = "0";
    snprintf(pattern, sizeof(pattern), "%s*%s", prefix, suffix);
    size_t plen = strlen(prefix), slen = strlen(suffix);
    for (int k = 0; k < COMPLETE_MAX_SCANS; k++) {
        redisReply *r = redisCommand(c, "SCAN %s MATCH %s COUNT 1000", cursor, pattern);
        if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
            r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_ARRAY) {
            if (r)
                freeReplyObject(r);
            return;
        }
        snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
        const redisReply *keys = r->element[1];
        for (size_t i = 0; i < keys->elements && *n < COMPLETE_MAX_ROOMS; i++) {
            const redisReply *key = keys->element[i];
            if (key->type != REDIS_REPLY_STRING || key->len <= plen + slen)
                continue;
            char raw[CHATLOG_ROOM_MAX * 2], room[CHATLOG_ROOM_MAX + 1];
            size_t len = key->len - plen - slen;
            if (len >= sizeof(raw))
                continue;
            memcpy(raw, key->str + plen, len);
            raw[len] = '\0';
            /* only names a room can have: a key is hostile input, and ROOM:log:x is no room */
            if (chatinput_room_normalize(raw, room, sizeof(room)) == 0 && strcmp(raw, room) == 0)
                rooms[(*n)++] = xstrdup(room);
        }
        freeReplyObject(r);
        if (strcmp(cursor, "0") == 0)
            return;
    }
}

int cmd_complete_rooms(int argc, char **argv)
{
    struct config cfg;
    char err[512];
    if (config_load(&cfg, &argc, argv, err, sizeof(err)) != 0) {
        fprintf(stderr, "warroom help: %s\n", err);
        return EXIT_USAGE;
    }
    redisContext *c = connect_quietly(&cfg, err, sizeof(err));
    if (c == NULL) {
        fprintf(stderr, "warroom help: %s\n", err);
        config_free(&cfg);
        return EXIT_UNREACHABLE;
    }
    char *rooms[COMPLETE_MAX_ROOMS];
    size_t n = 0;
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "%s:chat:", cfg.ns);
    scan_rooms(c, prefix, ":log", rooms, &n);
    snprintf(prefix, sizeof(prefix), "%s:presence:", cfg.ns);
    scan_rooms(c, prefix, "", rooms, &n);
    redisFree(c);
    qsort(rooms, n, sizeof(*rooms), cmp_str);
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || strcmp(rooms[i], rooms[i - 1]) != 0)
            printf("%s\n", rooms[i]);
    }
    for (size_t i = 0; i < n; i++)
        free(rooms[i]);
    config_free(&cfg);
    return EXIT_OK;
}
