/* alert_board.c — the shared alerts board: entries kept sorted by id (binary search; boards hold
 * hundreds, not millions), a panel-ordered copy rebuilt when something changed, and silences. */
#include "core/alert_board.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bsearch.h"
#include "core/mem.h"

struct alert_board {
    struct alert_board_entry **byid; /* sorted by id */
    size_t n, cap;
    const struct alert_board_entry **sorted;
    size_t sorted_cap;
    bool sorted_ok;
    struct silence **sil;
    size_t nsil;
    struct alert_board_rejected *rej; /* silences whose matcher was refused */
    size_t nrej;
};

struct alert_board *alert_board_new(void)
{
    return xcalloc(1, sizeof(struct alert_board));
}

static void entry_free(struct alert_board_entry *e)
{
    if (!e)
        return;
    alert_board_entry_clear(e);
    free(e);
}

void alert_board_entry_clear(struct alert_board_entry *e)
{
    free(e->id);
    free(e->rule);
    free(e->labels);
    free(e->expr);
    free(e->series);
    free(e->summary);
    free(e->runbook);
    free(e->ack_by);
    memset(e, 0, sizeof *e);
}

void alert_board_clear(struct alert_board *b)
{
    for (size_t k = 0; k < b->n; k++)
        entry_free(b->byid[k]);
    b->n = 0;
    b->sorted_ok = false;
}

static void rejected_remove_at(struct alert_board *b, size_t k)
{
    free(b->rej[k].matcher);
    free(b->rej[k].reason);
    memmove(b->rej + k, b->rej + k + 1, (b->nrej - k - 1) * sizeof *b->rej);
    b->nrej--;
}

void alert_board_clear_silences(struct alert_board *b)
{
    for (size_t k = 0; k < b->nsil; k++)
        alert_silence_free(b->sil[k]);
    b->nsil = 0;
    while (b->nrej > 0)
        rejected_remove_at(b, b->nrej - 1);
}

void alert_board_free(struct alert_board *b)
{
    if (!b)
        return;
    alert_board_clear(b);
    alert_board_clear_silences(b);
    free(b->byid);
    free(b->sorted);
    free(b->sil);
    free(b->rej);
    free(b);
}

struct board_key {
    const struct alert_board *b;
    const char *id;
};

static int board_cmp(const void *ctx, size_t i)
{
    const struct board_key *k = ctx;
    return strcmp(k->b->byid[i]->id, k->id);
}

/* Position of id in byid, or where it would go (*found says which). */
static size_t board_pos(const struct alert_board *b, const char *id, bool *found)
{
    struct board_key k = {b, id};
    return bsearch_lower(b->n, board_cmp, &k, found);
}

static char *dup_or_empty(const char *s)
{
    return xstrdup(s ? s : "");
}

const struct alert_board_entry *alert_board_put(struct alert_board *b,
                                                const struct alert_board_entry *e)
{
    bool found;
    if (!e->id || !*e->id)
        return NULL;
    size_t pos = board_pos(b, e->id, &found);
    if (e->state == ALERT_INACTIVE) {
        if (found)
            alert_board_remove(b, e->id);
        return NULL;
    }
    struct alert_board_entry *d = xcalloc(1, sizeof *d);
    d->id = xstrdup(e->id);
    memcpy(d->short_id, e->short_id, sizeof d->short_id);
    d->short_id[ALERT_SHORT_ID_LEN] = '\0';
    d->rule = dup_or_empty(e->rule);
    d->labels = dup_or_empty(e->labels);
    d->expr = dup_or_empty(e->expr);
    d->series = dup_or_empty(e->series);
    d->summary = dup_or_empty(e->summary);
    d->runbook = dup_or_empty(e->runbook);
    d->state = e->state;
    d->severity = e->severity;
    d->value = e->value;
    d->threshold = e->threshold;
    d->since_ms = e->since_ms;
    d->active_since_ms = e->active_since_ms;
    if (found) { /* a state starts no earlier than the one it follows: a successor whose event
                    time lags (a leader change) must not move "since" back */
        const struct alert_board_entry *old = b->byid[pos];
        if (d->since_ms < old->since_ms)
            d->since_ms = old->since_ms;
        if (d->state == old->state && d->active_since_ms < old->active_since_ms)
            d->active_since_ms = old->active_since_ms;
    }
    d->silenced = e->silenced;
    const struct alert_board_entry *ack = found ? b->byid[pos] : e;
    if (ack->acked && (d->state == ALERT_PENDING || d->state == ALERT_FIRING)) {
        d->acked = true;
        d->ack_by = dup_or_empty(ack->ack_by);
        d->ack_at_ms = ack->ack_at_ms;
    }
    if (found) {
        entry_free(b->byid[pos]);
        b->byid[pos] = d;
    } else {
        if (b->n == b->cap) {
            b->cap = b->cap ? 2 * b->cap : 16;
            b->byid = xrealloc(b->byid, b->cap * sizeof *b->byid);
        }
        memmove(b->byid + pos + 1, b->byid + pos, (b->n - pos) * sizeof *b->byid);
        b->byid[pos] = d;
        b->n++;
    }
    b->sorted_ok = false;
    return d;
}

int alert_board_remove(struct alert_board *b, const char *id)
{
    bool found;
    size_t pos = board_pos(b, id, &found);
    if (!found)
        return -1;
    entry_free(b->byid[pos]);
    memmove(b->byid + pos, b->byid + pos + 1, (b->n - pos - 1) * sizeof *b->byid);
    b->n--;
    b->sorted_ok = false;
    return 0;
}

const struct alert_board_entry *alert_board_find(const struct alert_board *b,
                                                 const char *id_or_short)
{
    bool found;
    size_t pos = board_pos(b, id_or_short, &found);
    if (found)
        return b->byid[pos];
    const struct alert_board_entry *hit = NULL;
    size_t nhit = 0;
    for (size_t k = 0; k < b->n; k++)
        if (strcmp(b->byid[k]->short_id, id_or_short) == 0) {
            hit = b->byid[k];
            nhit++;
        }
    return nhit == 1 ? hit : NULL;
}

int alert_board_ack(struct alert_board *b, const char *id, const char *who, int64_t at_ms)
{
    bool found;
    size_t pos = board_pos(b, id, &found);
    if (!found)
        return -1;
    struct alert_board_entry *e = b->byid[pos];
    if (e->state != ALERT_PENDING && e->state != ALERT_FIRING)
        return -1;
    char *by = dup_or_empty(who); /* before the free: who may be e->ack_by */
    free(e->ack_by);
    e->ack_by = by;
    e->acked = true;
    e->ack_at_ms = at_ms;
    b->sorted_ok = false;
    return 0;
}

static int state_rank(enum alert_state s)
{
    return s == ALERT_FIRING ? 0 : s == ALERT_PENDING ? 1 : 2;
}

static int panel_cmp(const void *pa, const void *pb)
{
    const struct alert_board_entry *x = *(const struct alert_board_entry *const *)pa;
    const struct alert_board_entry *y = *(const struct alert_board_entry *const *)pb;
    if (state_rank(x->state) != state_rank(y->state))
        return state_rank(x->state) - state_rank(y->state);
    if (x->severity != y->severity)
        return (int)y->severity - (int)x->severity;
    if (x->since_ms != y->since_ms)
        return x->since_ms > y->since_ms ? -1 : 1;
    return strcmp(x->id, y->id);
}

size_t alert_board_list(struct alert_board *b, const struct alert_board_entry *const **out)
{
    if (!b->sorted_ok) {
        if (b->n > b->sorted_cap) {
            b->sorted_cap = b->n;
            b->sorted = xrealloc(b->sorted, b->sorted_cap * sizeof *b->sorted);
        }
        for (size_t k = 0; k < b->n; k++)
            b->sorted[k] = b->byid[k];
        if (b->n > 1)
            qsort(b->sorted, b->n, sizeof *b->sorted, panel_cmp);
        b->sorted_ok = true;
    }
    *out = b->sorted;
    return b->n;
}

size_t alert_board_count(const struct alert_board *b)
{
    return b->n;
}

void alert_board_counts(const struct alert_board *b, size_t out[4])
{
    memset(out, 0, 4 * sizeof *out);
    for (size_t k = 0; k < b->n; k++)
        if ((unsigned)b->byid[k]->state < 4)
            out[b->byid[k]->state]++;
}

/* Keeps matcher aside as rejected for reason (replacing a rejection of the same matcher). */
static void reject(struct alert_board *b, const char *matcher, const char *reason, int64_t until_ms)
{
    size_t k = 0;
    while (k < b->nrej && strcmp(b->rej[k].matcher, matcher) != 0)
        k++;
    if (k == b->nrej) {
        b->rej = xrealloc(b->rej, (b->nrej + 1) * sizeof *b->rej);
        b->rej[b->nrej++].matcher = xstrdup(matcher);
    } else {
        free(b->rej[k].reason);
    }
    b->rej[k].reason = xstrdup(reason);
    b->rej[k].until_ms = until_ms;
}

void alert_board_reject_silence(struct alert_board *b, const char *matcher, const char *reason,
                                int64_t until_ms)
{
    reject(b, matcher, reason, until_ms);
}

int alert_board_silence(struct alert_board *b, const char *matcher, int64_t until_ms,
                        const char *who, const char *comment, char *err, size_t err_cap)
{
    char why[512];
    struct silence *s = alert_silence_new(matcher, until_ms, who, comment, why, sizeof why);
    if (!s) {
        reject(b, matcher, why, until_ms);
        if (err && err_cap)
            snprintf(err, err_cap, "%s", why);
        return -1;
    }
    for (size_t k = 0; k < b->nsil; k++)
        if (strcmp(b->sil[k]->matcher, matcher) == 0) {
            alert_silence_free(b->sil[k]);
            b->sil[k] = s;
            return 0;
        }
    b->sil = xrealloc(b->sil, (b->nsil + 1) * sizeof *b->sil);
    b->sil[b->nsil++] = s;
    return 0;
}

static void silence_remove_at(struct alert_board *b, size_t k)
{
    alert_silence_free(b->sil[k]);
    memmove(b->sil + k, b->sil + k + 1, (b->nsil - k - 1) * sizeof *b->sil);
    b->nsil--;
}

int alert_board_unsilence(struct alert_board *b, const char *matcher)
{
    for (size_t k = 0; k < b->nsil; k++)
        if (strcmp(b->sil[k]->matcher, matcher) == 0) {
            silence_remove_at(b, k);
            return 0;
        }
    for (size_t k = 0; k < b->nrej; k++)
        if (strcmp(b->rej[k].matcher, matcher) == 0) {
            rejected_remove_at(b, k);
            return 0;
        }
    return -1;
}

size_t alert_board_rejected_silences(const struct alert_board *b,
                                     const struct alert_board_rejected **out)
{
    *out = b->rej;
    return b->nrej;
}

size_t alert_board_silences(const struct alert_board *b, const struct silence *const **out)
{
    *out = (const struct silence *const *)b->sil;
    return b->nsil;
}

size_t alert_board_expire_silences(struct alert_board *b, int64_t now_ms)
{
    size_t removed = 0;
    for (size_t k = b->nsil; k-- > 0;)
        if (b->sil[k]->until_ms <= now_ms) {
            silence_remove_at(b, k);
            removed++;
        }
    for (size_t k = b->nrej; k-- > 0;)
        if (b->rej[k].until_ms <= now_ms) {
            rejected_remove_at(b, k);
            removed++;
        }
    return removed;
}

const struct silence *alert_board_silenced(const struct alert_board *b, const char *rule,
                                           const char *short_id, const char *labels, int64_t now_ms)
{
    for (size_t k = 0; k < b->nsil; k++)
        if (b->sil[k]->until_ms > now_ms &&
            alert_silence_matches(b->sil[k], rule, short_id, labels))
            return b->sil[k];
    return NULL;
}
