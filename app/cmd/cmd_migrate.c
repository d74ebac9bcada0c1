/* cmd_migrate.c — `warroom migrate [--dry-run]`: moves a namespace from wire format v1 to v2
 * (alert keys under the {alerts} hash tag, dead letters per partition under their own entry IDs,
 * no marker keys) and records version 2 in NS:meta. Idempotent: a second run finds nothing. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/alerts/alerts.h"
#include "app/cmd/cmd.h"
#include "app/config.h"
#include "app/redis/deadletter.h"
#include "app/redis/rsync.h"
#include "core/event.h"
#include "core/mem.h"
#include "core/partition.h"

#define MIGRATE_BATCH 1000 /* XRANGE COUNT, and XADDs per pipeline */

static const char migrate_help[] =
    "usage: warroom migrate [--dry-run]\n\n"
    "Moves a namespace written by a warroom of wire format version 1 to version 2\n"
    "(docs/protocol.md), then sets version 2 in NS:meta:\n"
    "  NS:alerts:log|state|acks|silences  to NS:{alerts}:log|state|acks|silences (DUMP,\n"
    "                                     RESTORE, then the old key is deleted)\n"
    "  NS:alerts:lease                    deleted (it lives 5 s; announcers take a new one)\n"
    "  NS:dlq                             each dead letter to NS:dlq:{pI}, the stream of its\n"
    "                                     partition, under the rejected entry's own ID\n"
    "  NS:dlq:seen:*                      deleted (v1's markers; v2 needs none)\n"
    "Stop every warroom process of the namespace first. Running it again moves nothing; a\n"
    "namespace of another version is refused. --dry-run prints what would move, writes nothing.\n"
    "\n"
    "exit codes: 0 done (or nothing to do), 1 refused or a write failed (nothing of the key\n"
    "in question was deleted), 2 usage, 4 Redis unreachable\n\n";

const struct cmd_entry cmd_migrate_entry = {
    .name = "migrate",
    .usage = "[--dry-run]",
    .summary = "move a namespace from wire format v1 to v2 (alert keys, dead letters)",
    .help = migrate_help,
    .common_options = true,
    .run = cmd_migrate,
};

struct mig {
    redisContext *c;
    const char *ns;
    unsigned partitions;
    bool dry;
    unsigned moved; /* keys and entries moved or deleted (or that would be) */
};

/* Runs one command; prints Redis' error (or the connection's) naming what, and returns NULL. */
static redisReply *run(struct mig *m, const char *what, int argc, const char **argv,
                       const size_t *lens)
{
    redisReply *r = redisCommandArgv(m->c, argc, argv, lens);
    if (r == NULL || r->type == REDIS_REPLY_ERROR) {
        fprintf(stderr, "warroom migrate: %s: %s\n", what, r ? r->str : m->c->errstr);
        if (r)
            freeReplyObject(r);
        return NULL;
    }
    return r;
}

static long long run_int(struct mig *m, const char *what, int argc, const char **argv)
{
    redisReply *r = run(m, what, argc, argv, NULL);
    long long v = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    if (r)
        freeReplyObject(r);
    return v;
}

/* "hash, 3 fields" / "stream, 12 entries" / the type alone. */
static void describe(struct mig *m, const char *key, char *out, size_t cap)
{
    const char *a[] = {"TYPE", key};
    redisReply *t = run(m, key, 2, a, NULL);
    const char *type = t && t->type == REDIS_REPLY_STATUS ? t->str : "?";
    const char *n[] = {strcmp(type, "hash") == 0 ? "HLEN" : "XLEN", key};
    long long len =
        strcmp(type, "hash") == 0 || strcmp(type, "stream") == 0 ? run_int(m, key, 2, n) : -1;
    if (len >= 0)
        snprintf(out, cap, "%s, %lld %s", type, len,
                 strcmp(type, "hash") == 0 ? (len == 1 ? "field" : "fields")
                                           : (len == 1 ? "entry" : "entries"));
    else
        snprintf(out, cap, "%s", type);
    if (t)
        freeReplyObject(t);
}

/* One v1 alert key to its v2 name: DUMP, RESTORE (with its TTL), DEL; RENAME cannot cross
 * cluster slots. A target that already exists with the same contents (an interrupted run) only
 * costs the DEL; with other contents it is refused. Returns 0 or -1. */
static int move_key(struct mig *m, const char *v1, const char *v2)
{
    char src[128], dst[128], what[160];
    snprintf(src, sizeof src, "%s:%s", m->ns, v1);
    snprintf(dst, sizeof dst, "%s:%s", m->ns, v2);
    const char *ex[] = {"EXISTS", src};
    long long has = run_int(m, src, 2, ex);
    if (has <= 0)
        return (int)has; /* 0: nothing to move; -1: error printed */
    describe(m, src, what, sizeof what);
    if (m->dry) {
        printf("would move %s -> %s (%s)\n", src, dst, what);
        m->moved++;
        return 0;
    }
    const char *dump[] = {"DUMP", src};
    redisReply *d = run(m, src, 2, dump, NULL);
    if (d == NULL || d->type != REDIS_REPLY_STRING) {
        if (d)
            freeReplyObject(d);
        return -1;
    }
    const char *pt[] = {"PTTL", src};
    long long ttl = run_int(m, src, 2, pt);
    char ttlbuf[24];
    snprintf(ttlbuf, sizeof ttlbuf, "%lld", ttl > 0 ? ttl : 0);
    const char *restore[] = {"RESTORE", dst, ttlbuf, d->str};
    size_t rlen[] = {7, strlen(dst), strlen(ttlbuf), d->len};
    redisReply *r = redisCommandArgv(m->c, 4, restore, rlen);
    int rc = 0;
    if (r && r->type == REDIS_REPLY_ERROR && strstr(r->str, "BUSYKEY")) {
        const char *dump2[] = {"DUMP", dst};
        redisReply *d2 = run(m, dst, 2, dump2, NULL);
        if (!d2 || d2->type != REDIS_REPLY_STRING || d2->len != d->len ||
            memcmp(d2->str, d->str, d->len) != 0) {
            fprintf(stderr,
                    "warroom migrate: both %s and %s exist with different contents: keep one "
                    "(DEL the other by hand), then run migrate again\n",
                    src, dst);
            rc = -1;
        }
        if (d2)
            freeReplyObject(d2);
    } else if (r == NULL || r->type == REDIS_REPLY_ERROR) {
        fprintf(stderr, "warroom migrate: RESTORE %s: %s\n", dst, r ? r->str : m->c->errstr);
        rc = -1;
    }
    if (r)
        freeReplyObject(r);
    freeReplyObject(d);
    const char *del[] = {"DEL", src};
    if (rc == 0 && run_int(m, src, 2, del) < 0)
        rc = -1;
    if (rc == 0) {
        printf("moved %s -> %s (%s)\n", src, dst, what);
        m->moved++;
    }
    return rc;
}

static int move_alerts(struct mig *m)
{
    static const char *const v1[] = {"alerts:log", "alerts:state", "alerts:acks",
                                     "alerts:silences"};
    static const char *const v2[] = {ALERTS_KEY_LOG, ALERTS_KEY_STATE, ALERTS_KEY_ACKS,
                                     ALERTS_KEY_SILENCES};
    for (size_t i = 0; i < sizeof v1 / sizeof v1[0]; i++)
        if (move_key(m, v1[i], v2[i]) != 0)
            return -1;
    char lease[128];
    snprintf(lease, sizeof lease, "%s:alerts:lease", m->ns);
    const char *ex[] = {m->dry ? "EXISTS" : "DEL", lease};
    long long n = run_int(m, lease, 2, ex);
    if (n > 0) {
        printf("%s %s (the v1 announcer lease; a v2 announcer takes %s:" ALERTS_KEY_LEASE ")\n",
               m->dry ? "would delete" : "deleted", lease, m->ns);
        m->moved++;
    }
    return n < 0 ? -1 : 0;
}

/* ---------------------------------------------------------------------------------------------
 * Dead letters: v1's single NS:dlq (fields: original..., reason, detail, stream, id) to
 * NS:dlq:{pI} under the entry's own ID (fields: original..., reason, detail)
 * ------------------------------------------------------------------------------------------ */

struct letter {
    unsigned part;
    uint64_t ms, seq;
    size_t ord; /* position in NS:dlq: of two copies of one ID, the first is kept */
    char id[48];
    const redisReply *fields; /* the v1 entry's field array (owned by a batch reply) */
    size_t nkeep;             /* fields kept: without the trailing stream and id pairs */
};

static bool field_is(const redisReply *f, size_t i, const char *name)
{
    return i < f->elements && f->element[i]->type == REDIS_REPLY_STRING &&
           strcmp(f->element[i]->str, name) == 0;
}

/* Partition of a v1 "stream" value NS:ev:{pI}, or -1. */
static int part_of_stream(const struct mig *m, const char *s)
{
    size_t nl = strlen(m->ns);
    if (strncmp(s, m->ns, nl) != 0 || strncmp(s + nl, ":ev:{p", 6) != 0)
        return -1;
    char *end;
    unsigned long i = strtoul(s + nl + 6, &end, 10);
    if (end == s + nl + 6 || strcmp(end, "}") != 0 || i >= m->partitions)
        return -1;
    return (int)i;
}

/* Partition recomputed from the series key of the entry's metric and labels, or -1. */
static int part_of_series(const struct mig *m, const redisReply *f, size_t n, const char *id)
{
    const char *strs[6] = {"metric", NULL, "value", "0", "labels", NULL};
    size_t lens[6] = {6, 0, 5, 1, 6, 0};
    for (size_t i = 0; i + 1 < n; i += 2) {
        const redisReply *v = f->element[i + 1];
        int slot = field_is(f, i, "metric") ? 1 : field_is(f, i, "labels") ? 5 : -1;
        if (slot > 0 && v->type == REDIS_REPLY_STRING && strs[slot] == NULL) {
            strs[slot] = v->str;
            lens[slot] = v->len;
        }
    }
    struct event ev;
    char key[EVENT_KEY_MAX + 1];
    if (strs[1] == NULL || event_parse_fields(strs, lens, strs[5] ? 6 : 4, id, strlen(id), NULL,
                                              &ev, NULL, 0) != EVENT_OK)
        return -1;
    int kl = event_key(&ev, key, sizeof key);
    return kl < 0 ? -1 : (int)partition_of(key, (size_t)kl, m->partitions);
}

/* Fills l from one XRANGE entry; false when the entry is not an [id, [fields]] pair. */
static bool letter_of(const struct mig *m, const redisReply *e, struct letter *l, bool *guessed)
{
    if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
        e->element[0]->type != REDIS_REPLY_STRING || e->element[1]->type != REDIS_REPLY_ARRAY)
        return false;
    const redisReply *f = e->element[1];
    size_t n = f->elements - f->elements % 2;
    const char *id = e->element[0]->str; /* fallback: the time it was dead-lettered */
    int part = -1;
    if (n >= 4 && field_is(f, n - 4, "stream") && field_is(f, n - 2, "id") &&
        f->element[n - 1]->type == REDIS_REPLY_STRING &&
        f->element[n - 3]->type == REDIS_REPLY_STRING) {
        if (event_stream_id_parse(f->element[n - 1]->str, f->element[n - 1]->len, NULL, NULL) == 0)
            id = f->element[n - 1]->str;
        part = part_of_stream(m, f->element[n - 3]->str);
        n -= 4;
    }
    if (part < 0)
        part = part_of_series(m, f, n, id);
    *guessed = part < 0;
    l->part = part < 0 ? 0 : (unsigned)part;
    l->fields = f;
    l->nkeep = n;
    snprintf(l->id, sizeof l->id, "%s", id);
    return event_stream_id_parse(l->id, strlen(l->id), &l->ms, &l->seq) == 0;
}

static int letter_cmp(const void *a, const void *b)
{
    const struct letter *x = a, *y = b;
    if (x->part != y->part)
        return x->part < y->part ? -1 : 1;
    if (x->ms != y->ms)
        return x->ms < y->ms ? -1 : 1;
    if (x->seq != y->seq)
        return x->seq < y->seq ? -1 : 1;
    return x->ord < y->ord ? -1 : x->ord > y->ord;
}

/* Drops the later copies of one (partition, ID) from the sorted ls. Returns the new count. */
static size_t drop_copies(struct letter *ls, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || ls[k - 1].part != ls[i].part || ls[k - 1].ms != ls[i].ms ||
            ls[k - 1].seq != ls[i].seq)
            ls[k++] = ls[i];
    return k;
}

/* Queues XADD NS:dlq:{pI} <id> <kept fields> on the pipeline. */
static void append_xadd(struct mig *m, const struct letter *l)
{
    size_t argc = 3 + (l->nkeep ? l->nkeep : 2);
    const char **argv = xmalloc(argc * sizeof *argv);
    size_t *lens = xmalloc(argc * sizeof *lens);
    char key[128];
    partition_dlq_key(m->ns, l->part, key, sizeof key);
    argv[0] = "XADD", lens[0] = 4;
    argv[1] = key, lens[1] = strlen(key);
    argv[2] = l->id, lens[2] = strlen(l->id);
    for (size_t i = 0; i < l->nkeep; i++) {
        const redisReply *v = l->fields->element[i];
        bool str = v->type == REDIS_REPLY_STRING;
        argv[3 + i] = str ? v->str : "", lens[3 + i] = str ? v->len : 0;
    }
    if (l->nkeep == 0) /* a stream entry needs a field */
        argv[3] = "reason", lens[3] = 6, argv[4] = "", lens[4] = 0;
    redisAppendCommandArgv(m->c, (int)argc, argv, lens);
    free(argv);
    free(lens);
}

/* Writes the sorted letters, pipelined; counts the IDs Redis already holds. Returns 0 or -1. */
static int write_letters(struct mig *m, const struct letter *ls, size_t n, size_t *dups)
{
    for (size_t at = 0; at < n; at += MIGRATE_BATCH) {
        size_t end = at + MIGRATE_BATCH < n ? at + MIGRATE_BATCH : n;
        for (size_t i = at; i < end; i++)
            append_xadd(m, &ls[i]);
        int rc = 0;
        for (size_t i = at; i < end; i++) {
            redisReply *r = NULL;
            if (redisGetReply(m->c, (void **)&r) != REDIS_OK) {
                fprintf(stderr, "warroom migrate: writing dead letters: %s\n", m->c->errstr);
                return -1;
            }
            if (deadletter_is_duplicate(r)) {
                (*dups)++;
            } else if (r->type == REDIS_REPLY_ERROR && rc == 0) {
                char key[128];
                partition_dlq_key(m->ns, ls[i].part, key, sizeof key);
                fprintf(stderr, "warroom migrate: XADD %s %s: %s\n", key, ls[i].id, r->str);
                rc = -1;
            }
            freeReplyObject(r);
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int move_dlq(struct mig *m)
{
    char src[128];
    snprintf(src, sizeof src, "%s:dlq", m->ns);
    const char *ty[] = {"TYPE", src};
    redisReply *t = run(m, src, 2, ty, NULL);
    if (t == NULL)
        return -1;
    bool none = strcmp(t->str, "none") == 0, stream = strcmp(t->str, "stream") == 0;
    if (!none && !stream)
        fprintf(stderr, "warroom migrate: %s is a %s, not a dead-letter stream: left alone\n", src,
                t->str);
    freeReplyObject(t);
    if (!stream)
        return none ? 0 : -1;

    redisReply **batches = NULL;
    size_t nb = 0, n = 0, cap = 0, guessed = 0, dups = 0, bad = 0, copies = 0;
    struct letter *ls = NULL;
    char from[64] = "-", count[16];
    snprintf(count, sizeof count, "%d", MIGRATE_BATCH);
    int rc = 0;
    for (;;) {
        const char *a[] = {"XRANGE", src, from, "+", "COUNT", count};
        redisReply *r = run(m, src, 6, a, NULL);
        if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
            if (r)
                freeReplyObject(r);
            rc = -1;
            break;
        }
        batches = xrealloc(batches, (nb + 1) * sizeof *batches);
        batches[nb++] = r;
        for (size_t i = 0; i < r->elements; i++) {
            if (n == cap)
                ls = xrealloc(ls, (cap = cap ? 2 * cap : 256) * sizeof *ls);
            bool g = false;
            if (letter_of(m, r->element[i], &ls[n], &g)) {
                ls[n].ord = n;
                guessed += g;
                n++;
            } else {
                bad++;
            }
        }
        if (r->elements < MIGRATE_BATCH)
            break;
        const redisReply *last = r->element[r->elements - 1];
        if (last->type != REDIS_REPLY_ARRAY || last->elements < 1 ||
            last->element[0]->type != REDIS_REPLY_STRING)
            break;
        snprintf(from, sizeof from, "(%s", last->element[0]->str);
    }
    if (rc == 0 && n > 0) {
        qsort(ls, n, sizeof *ls, letter_cmp);
        size_t k = drop_copies(ls, n);
        copies = n - k;
        n = k;
    }
    if (rc == 0 && !m->dry)
        rc = write_letters(m, ls, n, &dups);
    if (rc == 0) {
        printf("%s %zu dead letter%s from %s to %s:dlq:{pI}", m->dry ? "would move" : "moved", n,
               n == 1 ? "" : "s", src, m->ns);
        const char *sep = ":";
        for (size_t i = 0; i < n;) {
            size_t j = i;
            while (j < n && ls[j].part == ls[i].part)
                j++;
            printf("%s p%u %zu", sep, ls[i].part, j - i);
            sep = ",";
            i = j;
        }
        printf("\n");
        if (copies)
            printf("  %zu more were copies of these (same partition and ID): dropped\n", copies);
        if (dups)
            printf("  %zu of them were in %s:dlq:{pI} already (an interrupted run): kept once\n",
                   dups, m->ns);
        if (guessed)
            printf("  %zu without a known partition (no stream field, no valid metric): put in "
                   "partition 0\n",
                   guessed);
        if (bad)
            printf("  %zu unreadable entr%s dropped\n", bad, bad == 1 ? "y" : "ies");
        m->moved += (unsigned)(n + copies + bad);
    }
    free(ls);
    for (size_t i = 0; i < nb; i++)
        freeReplyObject(batches[i]);
    free(batches);
    const char *del[] = {"DEL", src};
    if (rc == 0 && !m->dry && run_int(m, src, 2, del) < 0)
        rc = -1;
    return rc;
}

/* v1's marker keys NS:dlq:seen:*, found by SCAN on this node (they expire on their own too). */
static int delete_markers(struct mig *m)
{
    char pat[160], *p = pat;
    for (const char *s = m->ns; *s && p < pat + sizeof pat - 16; s++) {
        if (strchr("*?[]\\", *s))
            *p++ = '\\';
        *p++ = *s;
    }
    snprintf(p, sizeof pat - (size_t)(p - pat), ":dlq:seen:*");
    char cursor[32] = "0";
    unsigned long long found = 0;
    do {
        const char *a[] = {"SCAN", cursor, "MATCH", pat, "COUNT", "1000"};
        redisReply *r = run(m, "SCAN", 6, a, NULL);
        if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
            r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_ARRAY) {
            if (r)
                freeReplyObject(r);
            return -1;
        }
        snprintf(cursor, sizeof cursor, "%s", r->element[0]->str);
        for (size_t i = 0; i < r->element[1]->elements; i++) {
            const redisReply *k = r->element[1]->element[i];
            if (k->type != REDIS_REPLY_STRING)
                continue;
            const char *a2[] = {"DEL", k->str};
            size_t l2[] = {3, k->len};
            redisReply *d = m->dry ? NULL : run(m, k->str, 2, a2, l2);
            if (d)
                freeReplyObject(d);
            found++;
        }
        freeReplyObject(r);
    } while (strcmp(cursor, "0") != 0);
    if (found) {
        printf("%s %llu dead-letter marker%s %s:dlq:seen:*\n", m->dry ? "would delete" : "deleted",
               found, found == 1 ? "" : "s", m->ns);
        m->moved += (unsigned)found;
    }
    return 0;
}

/* Reads NS:meta. Returns 0 with *version ("" when absent) and m->partitions (the recorded count
 * when valid), or -1 for a version this command does not know. */
static int read_meta(struct mig *m, char *version, size_t cap, bool *has_parts)
{
    char key[96];
    snprintf(key, sizeof key, "%s:meta", m->ns);
    const char *a[] = {"HMGET", key, "version", "partitions"};
    redisReply *r = run(m, key, 4, a, NULL);
    if (!r)
        return -1;
    int rc = 0;
    version[0] = '\0';
    *has_parts = false;
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
        fprintf(stderr, "warroom migrate: %s is not a warroom meta hash\n", key);
        rc = -1;
    } else {
        if (r->element[0]->type == REDIS_REPLY_STRING)
            snprintf(version, cap, "%.32s", r->element[0]->str);
        if (r->element[1]->type == REDIS_REPLY_STRING) {
            char *end;
            unsigned long p = strtoul(r->element[1]->str, &end, 10);
            if (!*end && p >= 1 && p <= CONFIG_MAX_PARTITIONS) {
                m->partitions = (unsigned)p;
                *has_parts = true;
            }
        }
        if (version[0] && strcmp(version, "1") != 0 && strcmp(version, RSYNC_WIRE_VERSION_STR)) {
            fprintf(stderr,
                    "warroom migrate: namespace '%s' has wire format version %s; this warroom "
                    "migrates version 1 to %d only\n",
                    m->ns, version, RSYNC_WIRE_VERSION);
            rc = -1;
        }
    }
    freeReplyObject(r);
    return rc;
}

static int migrate(struct mig *m)
{
    char version[40];
    bool has_parts;
    if (read_meta(m, version, sizeof version, &has_parts) != 0)
        return EXIT_FAILURE_GENERIC;
    printf("namespace %s: wire format version %s, %u partitions\n", m->ns,
           version[0] ? version : "(none recorded)", m->partitions);
    if (move_alerts(m) != 0 || move_dlq(m) != 0 || delete_markers(m) != 0)
        return EXIT_FAILURE_GENERIC;
    bool v2 = strcmp(version, RSYNC_WIRE_VERSION_STR) == 0;
    if (m->moved == 0 && (v2 || !version[0])) {
        printf("nothing to migrate: namespace %s %s\n", m->ns,
               v2 ? "is at version 2 already" : "holds no warroom data");
        return EXIT_OK;
    }
    if (m->dry) {
        if (!v2)
            printf("would set version %d in %s:meta\n", RSYNC_WIRE_VERSION, m->ns);
        return EXIT_OK;
    }
    char key[96], ver[8], parts[16];
    snprintf(key, sizeof key, "%s:meta", m->ns);
    snprintf(ver, sizeof ver, "%d", RSYNC_WIRE_VERSION);
    snprintf(parts, sizeof parts, "%u", m->partitions);
    const char *hset[] = {"HSET", key, "version", ver};
    const char *hsetnx[] = {"HSETNX", key, "partitions", parts};
    if (run_int(m, key, 4, hset) < 0 || (!has_parts && run_int(m, key, 4, hsetnx) < 0))
        return EXIT_FAILURE_GENERIC;
    printf("namespace %s is now wire format version %d\n", m->ns, RSYNC_WIRE_VERSION);
    return EXIT_OK;
}

int cmd_migrate(int argc, char **argv)
{
    struct config cfg;
    char err[512];
    if (config_load(&cfg, &argc, argv, err, sizeof err) != 0) {
        fprintf(stderr, "warroom migrate: %s\n", err);
        return EXIT_USAGE;
    }
    struct mig m = {.ns = cfg.ns, .partitions = cfg.partitions};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            cmd_print_help(&cmd_migrate_entry, stdout);
            config_free(&cfg);
            return EXIT_OK;
        } else if (strcmp(argv[i], "--dry-run") == 0) {
            m.dry = true;
        } else {
            fprintf(stderr, "warroom migrate: unknown argument '%s'\n\n", argv[i]);
            cmd_print_help(&cmd_migrate_entry, stderr);
            config_free(&cfg);
            return EXIT_USAGE;
        }
    }
    /* not rsync_open: its meta check refuses exactly the namespaces this command is for */
    struct redisaddr *addr = rsync_address(&cfg, err, sizeof err);
    m.c = addr ? rsync_connect(addr, cfg.connect_timeout_ms, err, sizeof err) : NULL;
    redisaddr_free(addr);
    if (m.c == NULL) {
        fprintf(stderr, "warroom migrate: %s\n", err);
        config_free(&cfg);
        return EXIT_UNREACHABLE;
    }
    int rc = migrate(&m);
    if (rc != EXIT_OK && m.c->err)
        rc = EXIT_UNREACHABLE;
    redisFree(m.c);
    config_free(&cfg);
    return rc;
}
