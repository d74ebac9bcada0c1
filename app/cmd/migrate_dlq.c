/* migrate_dlq.c — `warroom migrate`'s dead letters: v1's single stream NS:dlq (fields: the
 * original ones, reason, detail, stream, id; written in reader order) becomes one stream per
 * partition, NS:dlq:{pI}, each entry under the rejected entry's own ID, in ID order (fields: the
 * original ones, reason, detail). Two copies of one ID (an expired v1 marker) are kept once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cmd/migrate_impl.h"
#include "app/redis/deadletter.h"
#include "core/event.h"
#include "core/mem.h"
#include "core/partition.h"

#define MIGRATE_BATCH 1000 /* XRANGE COUNT, and XADDs per pipeline */

struct letter {
    struct migrate_letter l;
    size_t ord;               /* position in NS:dlq: of two copies of one ID, the first is kept */
    const redisReply *fields; /* the v1 entry's field array (owned by a batch reply) */
};

/* Fills l from one XRANGE entry; false when it is not an [id, [fields]] pair or cannot move. */
static bool letter_of(const struct mig *m, const redisReply *e, struct letter *l)
{
    if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
        e->element[0]->type != REDIS_REPLY_STRING || e->element[1]->type != REDIS_REPLY_ARRAY)
        return false;
    const redisReply *f = e->element[1];
    size_t n = f->elements;
    const char **strs = xmalloc((n ? n : 1) * sizeof *strs);
    size_t *lens = xmalloc((n ? n : 1) * sizeof *lens);
    for (size_t i = 0; i < n; i++) {
        bool str = f->element[i]->type == REDIS_REPLY_STRING;
        strs[i] = str ? f->element[i]->str : "";
        lens[i] = str ? f->element[i]->len : 0;
    }
    int rc = migrate_letter_parse(m->ns, m->partitions, e->element[0]->str, e->element[0]->len,
                                  strs, lens, n, &l->l);
    free(strs);
    free(lens);
    l->fields = f;
    return rc == 0;
}

static int letter_cmp(const void *a, const void *b)
{
    const struct letter *x = a, *y = b;
    if (x->l.part != y->l.part)
        return x->l.part < y->l.part ? -1 : 1;
    if (x->l.ms != y->l.ms)
        return x->l.ms < y->l.ms ? -1 : 1;
    if (x->l.seq != y->l.seq)
        return x->l.seq < y->l.seq ? -1 : 1;
    return x->ord < y->ord ? -1 : x->ord > y->ord;
}

/* Drops the later copies of one (partition, ID) from the sorted ls. Returns the new count. */
static size_t drop_copies(struct letter *ls, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || ls[k - 1].l.part != ls[i].l.part || ls[k - 1].l.ms != ls[i].l.ms ||
            ls[k - 1].l.seq != ls[i].l.seq)
            ls[k++] = ls[i];
    return k;
}

/* The arguments of XADD NS:dlq:{pI} <id> <kept fields> (argv, lens: 3 + max(nkeep, 2) slots;
 * key: 128 bytes). Returns argc. */
static int xadd_args(const struct mig *m, const struct letter *l, const char **argv, size_t *lens,
                     char *key)
{
    partition_dlq_key(m->ns, l->l.part, key, 128);
    argv[0] = "XADD", lens[0] = 4;
    argv[1] = key, lens[1] = strlen(key);
    argv[2] = l->l.id, lens[2] = strlen(l->l.id);
    for (size_t i = 0; i < l->l.nkeep; i++) {
        const redisReply *v = l->fields->element[i];
        bool str = v->type == REDIS_REPLY_STRING;
        argv[3 + i] = str ? v->str : "", lens[3 + i] = str ? v->len : 0;
    }
    if (l->l.nkeep == 0) /* a stream entry needs a field */
        argv[3] = "reason", lens[3] = 6, argv[4] = "", lens[4] = 0;
    return 3 + (int)(l->l.nkeep ? l->l.nkeep : 2);
}

/* One XADD reply: counts a refused duplicate, prints any other error. Returns 0 or -1. */
static int xadd_reply(const struct mig *m, const struct letter *l, const redisReply *r,
                      size_t *dups)
{
    if (deadletter_is_duplicate(r)) {
        (*dups)++;
        return 0;
    }
    if (r->type != REDIS_REPLY_ERROR)
        return 0;
    char key[128];
    partition_dlq_key(m->ns, l->l.part, key, sizeof key);
    fprintf(stderr, "warroom migrate: XADD %s %s: %s\n", key, l->l.id, r->str);
    return -1;
}

/* Writes the sorted letters; counts the IDs Redis already holds. Per partition, the first XADD
 * finds the node that owns the partition's slot (cluster redirects), the rest are pipelined to
 * it in batches. Returns 0 or -1. */
static int write_letters(struct mig *m, const struct letter *ls, size_t n, size_t *dups)
{
    const char **argv = xmalloc((3 + MIGRATE_LETTER_FIELDS_MAX) * sizeof *argv);
    size_t *lens = xmalloc((3 + MIGRATE_LETTER_FIELDS_MAX) * sizeof *lens);
    char key[128];
    int rc = 0;
    for (size_t at = 0; at < n && rc == 0;) {
        size_t end = at;
        while (end < n && ls[end].l.part == ls[at].l.part)
            end++;
        redisContext *on;
        int argc = xadd_args(m, &ls[at], argv, lens, key);
        redisReply *r = migrate_send(m, argc, argv, lens, &on);
        rc = r == NULL ? -1 : xadd_reply(m, &ls[at], r, dups);
        if (r)
            freeReplyObject(r);
        for (size_t b = at + 1; b < end && rc == 0; b += MIGRATE_BATCH) {
            size_t bend = b + MIGRATE_BATCH < end ? b + MIGRATE_BATCH : end;
            for (size_t i = b; i < bend; i++) {
                argc = xadd_args(m, &ls[i], argv, lens, key);
                redisAppendCommandArgv(on, argc, argv, lens);
            }
            for (size_t i = b; i < bend; i++) {
                if (redisGetReply(on, (void **)&r) != REDIS_OK) {
                    fprintf(stderr, "warroom migrate: writing dead letters: %s\n", on->errstr);
                    rc = -1;
                    break; /* the connection is unusable: no further reply to read */
                }
                if (xadd_reply(m, &ls[i], r, dups) != 0)
                    rc = -1;
                freeReplyObject(r);
            }
        }
        at = end;
    }
    free(argv);
    free(lens);
    return rc;
}

int migrate_dlq(struct mig *m)
{
    char src[128];
    snprintf(src, sizeof src, "%s:dlq", m->ns);
    const char *ty[] = {"TYPE", src};
    redisReply *t = migrate_run(m, src, 2, ty, NULL);
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
        redisReply *r = migrate_run(m, src, 6, a, NULL);
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
            if (letter_of(m, r->element[i], &ls[n])) {
                ls[n].ord = n;
                guessed += ls[n].l.guessed;
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
            while (j < n && ls[j].l.part == ls[i].l.part)
                j++;
            printf("%s p%u %zu", sep, ls[i].l.part, j - i);
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
            printf("  %zu unreadable entr%s (no valid ID, or over %d fields) dropped\n", bad,
                   bad == 1 ? "y" : "ies", MIGRATE_LETTER_FIELDS_MAX);
        m->moved += (unsigned)(n + copies + bad);
    }
    free(ls);
    for (size_t i = 0; i < nb; i++)
        freeReplyObject(batches[i]);
    free(batches);
    const char *del[] = {"DEL", src};
    if (rc == 0 && !m->dry && migrate_run_int(m, src, 2, del) < 0)
        rc = -1;
    return rc;
}
