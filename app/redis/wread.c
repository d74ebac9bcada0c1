/* wread.c — the Redis side of core/wstat: which commands to send for the workers' state and what
 * their replies mean. Replies are hostile: wrong types, missing keys and junk become errors in the
 * row they concern (core/wstat sanitizes and checks every value). */
#include "app/redis/wread.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------------
 * Commands
 * ------------------------------------------------------------------------------------------ */

static void cmd_start(struct wread_cmd *c, enum wread_kind kind, size_t index, const char *verb)
{
    c->kind = kind;
    c->index = index;
    c->argc = 0;
    c->argv[c->argc] = verb;
    c->argvlen[c->argc++] = strlen(verb);
}

static void cmd_arg(struct wread_cmd *c, const char *a, size_t len)
{
    if (c->argc < WREAD_ARGV_MAX) {
        c->argv[c->argc] = a;
        c->argvlen[c->argc++] = len;
    }
}

/* The command's key: printf-style into c->key, then its argument. Returns -1 when too long. */
static int cmd_key(struct wread_cmd *c, const char *ns, const char *what, unsigned part)
{
    int n = snprintf(c->key, sizeof(c->key), "%s:%s:{p%u}", ns, what, part);
    if (n < 0 || (size_t)n >= sizeof(c->key))
        return -1;
    cmd_arg(c, c->key, (size_t)n);
    return 0;
}

/* One command on a partition's key NS:what:{pI} with args (NULL-terminated). Returns 1 when
 * emitted, 0 when the key does not fit. */
static size_t emit_part(struct wread_cmd *c, const char *ns, const char *what, unsigned part,
                        int (*emit)(void *, const struct wread_cmd *), void *ctx)
{
    if (cmd_key(c, ns, what, part) != 0)
        return 0;
    emit(ctx, c);
    return 1;
}

static size_t round_partitions(const struct wstat *s, const char *ns,
                               int (*emit)(void *, const struct wread_cmd *), void *ctx)
{
    struct wread_cmd c;
    size_t n = 0;
    for (unsigned i = 0; i < s->partitions; i++) {
        cmd_start(&c, WREAD_OWN, i, "GET");
        n += emit_part(&c, ns, "own", i, emit, ctx);
        cmd_start(&c, WREAD_PTTL, i, "PTTL");
        n += emit_part(&c, ns, "own", i, emit, ctx);
        cmd_start(&c, WREAD_CKPT, i, "HMGET");
        if (cmd_key(&c, ns, "ckpt", i) == 0) {
            for (int f = 0; f < WSTAT_C_NFIELDS; f++)
                cmd_arg(&c, wstat_ckpt_fields[f], strlen(wstat_ckpt_fields[f]));
            emit(ctx, &c);
            n++;
        }
        cmd_start(&c, WREAD_GROUPS, i, "XINFO");
        cmd_arg(&c, "GROUPS", 6);
        n += emit_part(&c, ns, "ev", i, emit, ctx);
    }
    return n;
}

size_t wread_round(const struct wstat *s, const char *ns, int round,
                   int (*emit)(void *ctx, const struct wread_cmd *c), void *ctx)
{
    struct wread_cmd c;
    size_t n = 0;
    if (round == 0) {
        snprintf(c.key, sizeof(c.key), "%s:meta", ns);
        cmd_start(&c, WREAD_META, 0, "HMGET");
        cmd_arg(&c, c.key, strlen(c.key));
        cmd_arg(&c, "mode", 4);
        emit(ctx, &c);
        snprintf(c.key, sizeof(c.key), "%s:workers", ns);
        cmd_start(&c, WREAD_ZCARD, 0, "ZCARD");
        cmd_arg(&c, c.key, strlen(c.key));
        emit(ctx, &c);
        static char last[16];
        int ll = snprintf(last, sizeof(last), "%d", WSTAT_WORKERS_MAX - 1);
        cmd_start(&c, WREAD_WORKERS, 0, "ZREVRANGE");
        cmd_arg(&c, c.key, strlen(c.key));
        cmd_arg(&c, "0", 1);
        cmd_arg(&c, last, (size_t)ll);
        cmd_arg(&c, "WITHSCORES", 10);
        emit(ctx, &c);
        return 3 + round_partitions(s, ns, emit, ctx);
    }
    for (size_t i = 0; round == 1 && i < s->nworkers; i++) {
        const struct wstat_worker *w = &s->workers[i];
        size_t nl = strlen(ns);
        if (w->raw_id_len == 0 || nl + 8 + w->raw_id_len >= sizeof(c.key))
            continue;
        memcpy(c.key, ns, nl);
        memcpy(c.key + nl, ":worker:", 8);
        memcpy(c.key + nl + 8, w->raw_id, w->raw_id_len);
        c.key[nl + 8 + w->raw_id_len] = '\0'; /* for messages; the argument is binary */
        cmd_start(&c, WREAD_WORKER, i, "HMGET");
        cmd_arg(&c, c.key, nl + 8 + w->raw_id_len);
        for (int f = 0; f < WSTAT_W_NFIELDS; f++)
            cmd_arg(&c, wstat_worker_fields[f], strlen(wstat_worker_fields[f]));
        emit(ctx, &c);
        n++;
    }
    return n;
}

/* ---------------------------------------------------------------------------------------------
 * Replies
 * ------------------------------------------------------------------------------------------ */

static bool is_str(const redisReply *r)
{
    return r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS;
}

/* An element of an HMGET reply: the string, NULL for nil; a wrong type sets *bad. */
static const char *field(const redisReply *r, size_t i, size_t *len, bool *bad)
{
    *len = 0;
    if (i >= r->elements || r->element[i]->type == REDIS_REPLY_NIL)
        return NULL;
    const redisReply *e = r->element[i];
    if (!is_str(e)) {
        *bad = true;
        return NULL;
    }
    *len = e->len;
    return e->str;
}

/* The consumer group's pending and lag from XINFO GROUPS (an array of flat name/value arrays). */
static void apply_groups(struct wstat_part *p, const char *key, const redisReply *r)
{
    for (size_t g = 0; g < r->elements; g++) {
        const redisReply *e = r->element[g];
        if (e->type != REDIS_REPLY_ARRAY) {
            wstat_note(p->error, key, "XINFO GROUPS: a group that is not an array", 42);
            return;
        }
        bool ours = false;
        struct wstat_num pending = {0}, lag = {0};
        for (size_t k = 0; k + 1 < e->elements; k += 2) {
            const redisReply *n = e->element[k], *v = e->element[k + 1];
            if (!is_str(n))
                continue;
            struct wstat_num *dst = NULL;
            if (n->len == 4 && memcmp(n->str, "name", 4) == 0)
                ours = is_str(v) && v->len == strlen(WREAD_GROUP) &&
                       memcmp(v->str, WREAD_GROUP, v->len) == 0;
            else if (n->len == 7 && memcmp(n->str, "pending", 7) == 0)
                dst = &pending;
            else if (n->len == 3 && memcmp(n->str, "lag", 3) == 0)
                dst = &lag;
            if (dst == NULL || v->type == REDIS_REPLY_NIL)
                continue;
            if (v->type == REDIS_REPLY_INTEGER && v->integer >= 0)
                *dst = (struct wstat_num){v->integer, WSTAT_OK};
            else
                dst->st = WSTAT_BAD;
        }
        if (ours) {
            p->has_group = true;
            p->pending = pending;
            p->lag = lag;
            if (pending.st == WSTAT_BAD || lag.st == WSTAT_BAD)
                wstat_note(p->error, key, "XINFO GROUPS: pending or lag is not a count", 43);
            return;
        }
    }
}

static void apply_workers(struct wstat *s, const char *key, const redisReply *r)
{
    if (r->type != REDIS_REPLY_ARRAY) {
        wstat_note(s->error, key, "not a sorted set of heartbeats", 30);
        return;
    }
    for (size_t i = 0; i + 1 < r->elements; i += 2) {
        const redisReply *m = r->element[i], *sc = r->element[i + 1];
        if (!is_str(m))
            continue;
        wstat_add_worker(s, m->str, m->len, is_str(sc) ? sc->str : NULL, is_str(sc) ? sc->len : 0);
    }
}

static void apply_hmget(struct wstat *s, enum wread_kind kind, size_t index, const char *key,
                        const redisReply *r)
{
    char *err = kind == WREAD_META     ? s->error
                : kind == WREAD_WORKER ? s->workers[index].error
                                       : s->parts[index].error;
    if (r->type != REDIS_REPLY_ARRAY) {
        wstat_note(err, key, "an unexpected reply", 19);
        return;
    }
    bool bad = false;
    size_t len;
    if (kind == WREAD_META) {
        const char *v = field(r, 0, &len, &bad);
        wstat_set_mode(s, v, len);
    } else if (kind == WREAD_WORKER) {
        for (int f = 0; f < WSTAT_W_NFIELDS; f++) {
            const char *v = field(r, (size_t)f, &len, &bad);
            wstat_worker_set(&s->workers[index], (enum wstat_wfield)f, v, len);
        }
    } else {
        for (int f = 0; f < WSTAT_C_NFIELDS; f++) {
            const char *v = field(r, (size_t)f, &len, &bad);
            wstat_part_ckpt(&s->parts[index], (enum wstat_cfield)f, v, len);
        }
    }
    if (bad)
        wstat_note(err, key, "a field of the wrong type", 25);
}

void wread_apply(struct wstat *s, enum wread_kind kind, size_t index, const char *key,
                 const redisReply *r, const char *why)
{
    bool part =
        kind == WREAD_OWN || kind == WREAD_PTTL || kind == WREAD_CKPT || kind == WREAD_GROUPS;
    if ((part && index >= s->partitions) || (kind == WREAD_WORKER && index >= s->nworkers))
        return;
    char *err = part                   ? s->parts[index].error
                : kind == WREAD_WORKER ? s->workers[index].error
                                       : s->error;
    if (r == NULL) {
        if (why == NULL || *why == '\0')
            why = "no answer";
        wstat_note(err, key, why, strlen(why));
        return;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        /* a stream without the group, or no stream at all, is not an error: nothing to show */
        if (kind == WREAD_GROUPS && r->len >= 11 && memcmp(r->str, "ERR no such", 11) == 0)
            return;
        wstat_note(err, key, r->str, r->len);
        if (kind == WREAD_OWN)
            wstat_part_own_unreadable(&s->parts[index]);
        else if (kind == WREAD_CKPT)
            wstat_part_ckpt_unreadable(&s->parts[index]);
        else if (kind == WREAD_WORKER)
            wstat_worker_unreadable(&s->workers[index]);
        return;
    }
    switch (kind) {
    case WREAD_META:
    case WREAD_WORKER:
    case WREAD_CKPT:
        apply_hmget(s, kind, index, key, r);
        break;
    case WREAD_ZCARD:
        if (r->type == REDIS_REPLY_INTEGER && r->integer >= 0)
            s->workers_total = (struct wstat_num){r->integer, WSTAT_OK};
        else
            wstat_note(err, key, "ZCARD: an unexpected reply", 26);
        break;
    case WREAD_WORKERS:
        apply_workers(s, key, r);
        break;
    case WREAD_OWN:
        if (r->type == REDIS_REPLY_NIL)
            wstat_part_own(&s->parts[index], NULL, 0);
        else if (is_str(r))
            wstat_part_own(&s->parts[index], r->str, r->len);
        else
            wstat_note(err, key, "not a string", 12);
        break;
    case WREAD_PTTL:
        if (r->type == REDIS_REPLY_INTEGER && r->integer >= 0)
            s->parts[index].pttl_ms = (struct wstat_num){r->integer, WSTAT_OK};
        else if (r->type == REDIS_REPLY_INTEGER && r->integer == -1)
            wstat_note(err, key, "the lease has no expiry", 23); /* a lease never ending */
        break;
    case WREAD_GROUPS:
        if (r->type == REDIS_REPLY_ARRAY)
            apply_groups(&s->parts[index], key, r);
        else
            wstat_note(err, key, "XINFO GROUPS: an unexpected reply", 33);
        break;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Synchronous
 * ------------------------------------------------------------------------------------------ */

struct sync_ctx {
    struct csync *c;
    struct wstat *s;
    int lost;
};

static int sync_emit(void *ctx, const struct wread_cmd *cmd)
{
    struct sync_ctx *x = ctx;
    const char *argv[WREAD_ARGV_MAX]; /* csync takes a non-const vector */
    memcpy(argv, cmd->argv, sizeof(argv));
    redisReply *r = csync_command_argv(x->c, cmd->argc, argv, cmd->argvlen);
    if (r == NULL)
        x->lost = 1;
    char key[WREAD_KEY_MAX];
    snprintf(key, sizeof(key), "%s", cmd->key);
    wread_apply(x->s, cmd->kind, cmd->index, key, r, csync_error(x->c));
    freeReplyObject(r);
    return 0;
}

int wread_sync(struct csync *c, const char *ns, struct wstat *s, int64_t now_ms)
{
    struct sync_ctx x = {c, s, 0};
    for (int round = 0; round < WREAD_ROUNDS && !x.lost; round++)
        wread_round(s, ns, round, sync_emit, &x);
    wstat_finish(s, now_ms);
    return x.lost ? -1 : 0;
}
