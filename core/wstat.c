/* wstat.c — group-mode workers and partitions as read from Redis: every value checked (a bad
 * one is marked and named in its row's error, never trusted), every string sanitized, and the
 * cells `warroom workers` and the workers view print. */
#include "core/wstat.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fmt.h"
#include "core/mem.h"
#include "core/number.h"
#include "core/text.h"

#define WSTAT_PARTITIONS_MAX 65536

const char *const wstat_worker_fields[WSTAT_W_NFIELDS] = {
    "host", "pid", "started", "partitions", "events", "late", "rate", "lease", "ts",
};

const char *const wstat_ckpt_fields[WSTAT_C_NFIELDS] = {
    "fence", "owner", "last", "closed", "events", "late", "rejected", "refused", "ts",
};

const char *const wstat_worker_cols[WSTAT_WC_N] = {
    "WORKER", "HOST", "PID", "OWNED", "EVENTS/S", "EVENTS", "LATE", "HEARTBEAT", "STATE",
};

const char *const wstat_part_cols[WSTAT_PC_N] = {
    "PART",   "OWNER",   "TOKEN", "TTL",    "CKPT AGE", "LAST ID",
    "CLOSED", "PENDING", "LAG",   "EVENTS", "LATE",     "REFUSED",
};

int wstat_init(struct wstat *s, unsigned partitions)
{
    memset(s, 0, sizeof(*s));
    if (partitions == 0 || partitions > WSTAT_PARTITIONS_MAX)
        return -1;
    s->partitions = partitions;
    s->parts = xcalloc(partitions, sizeof(*s->parts));
    for (unsigned i = 0; i < partitions; i++)
        s->parts[i].part = i;
    s->workers = xcalloc(WSTAT_WORKERS_MAX, sizeof(*s->workers));
    return 0;
}

void wstat_free(struct wstat *s)
{
    if (s == NULL)
        return;
    free(s->parts);
    free(s->workers);
    memset(s, 0, sizeof(*s));
}

struct wstat_num wstat_num_parse(const char *v, size_t len)
{
    struct wstat_num n = {0, WSTAT_ABSENT};
    if (v == NULL)
        return n;
    n.st = WSTAT_BAD;
    if (len == 0 || len > 19)
        return n;
    int64_t x = 0;
    for (size_t i = 0; i < len; i++) {
        if (v[i] < '0' || v[i] > '9')
            return n;
        x = x * 10 + (v[i] - '0'); /* 19 digits fit in int64_t */
    }
    if (x > WSTAT_NUM_MAX)
        return n;
    n.v = x;
    n.st = WSTAT_OK;
    return n;
}

/* A string for the screen: sanitized, capped at cap bytes (with the marker when cut). */
static void safe_copy(char *dst, size_t cap, const char *v, size_t len)
{
    struct text_buf tb = TEXT_BUF_INIT;
    text_sanitize_limit(v, len, 0, cap - 1, 0, &tb);
    memcpy(dst, tb.s, tb.len + 1);
    text_buf_free(&tb);
}

void wstat_note(char *err, const char *what, const char *detail, size_t len)
{
    if (err[0])
        return; /* the first one says enough */
    char w[WSTAT_ERR_MAX / 2];
    safe_copy(w, sizeof(w), what, strlen(what));
    size_t wl = strlen(w);
    memcpy(err, w, wl);
    memcpy(err + wl, ": ", 2);
    safe_copy(err + wl + 2, WSTAT_ERR_MAX - wl - 2, detail, len); /* wl < WSTAT_ERR_MAX / 2 */
}

/* n from v, with a note in err naming the field when bad. */
static void set_num(struct wstat_num *n, char *err, const char *field, const char *v, size_t len)
{
    *n = wstat_num_parse(v, len);
    if (n->st == WSTAT_BAD) {
        char what[48];
        snprintf(what, sizeof(what), "%s is not a count", field);
        wstat_note(err, what, v, len);
    }
}

void wstat_set_mode(struct wstat *s, const char *v, size_t len)
{
    s->mode[0] = '\0';
    if (v)
        safe_copy(s->mode, sizeof(s->mode), v, len);
    s->group = v && len == 5 && memcmp(v, "group", 5) == 0;
}

struct wstat_worker *wstat_add_worker(struct wstat *s, const char *id, size_t idlen,
                                      const char *score, size_t scorelen)
{
    if (s->workers == NULL || s->nworkers >= WSTAT_WORKERS_MAX)
        return NULL;
    struct wstat_worker *w = &s->workers[s->nworkers++];
    memset(w, 0, sizeof(*w));
    safe_copy(w->id, sizeof(w->id), id, idlen);
    if (idlen <= sizeof(w->raw_id)) {
        memcpy(w->raw_id, id, idlen);
        w->raw_id_len = idlen;
    } else {
        wstat_note(w->error, "id", "too long to read its hash", 25);
    }
    /* a sorted-set score comes back as text; heartbeats are whole ms */
    double d;
    if (score && number_parse_decimal(score, scorelen, &d) == 0 && d >= 0 && d <= WSTAT_NUM_MAX &&
        d == floor(d)) {
        w->heartbeat_ms = (struct wstat_num){(int64_t)d, WSTAT_OK};
    } else {
        w->heartbeat_ms.st = WSTAT_BAD;
        wstat_note(w->error, "heartbeat is not a time in ms", score ? score : "", scorelen);
    }
    return w;
}

void wstat_worker_set(struct wstat_worker *w, enum wstat_wfield f, const char *v, size_t len)
{
    static const size_t nums[] = {
        [WSTAT_W_PID] = offsetof(struct wstat_worker, pid),
        [WSTAT_W_STARTED] = offsetof(struct wstat_worker, started_ms),
        [WSTAT_W_EVENTS] = offsetof(struct wstat_worker, events),
        [WSTAT_W_LATE] = offsetof(struct wstat_worker, late),
        [WSTAT_W_LEASE] = offsetof(struct wstat_worker, lease_ms),
        [WSTAT_W_TS] = offsetof(struct wstat_worker, ts_ms),
    };
    if ((unsigned)f >= WSTAT_W_NFIELDS)
        return;
    if (v)
        w->has_hash = true;
    switch (f) {
    case WSTAT_W_HOST:
        if (v)
            safe_copy(w->host, sizeof(w->host), v, len);
        return;
    case WSTAT_W_PARTITIONS:
        if (v)
            safe_copy(w->partitions, sizeof(w->partitions), v, len);
        return;
    case WSTAT_W_RATE: {
        double d;
        w->rate_st = WSTAT_ABSENT;
        if (v == NULL)
            return;
        if (number_parse_decimal(v, len, &d) == 0 && d >= 0 && d <= WSTAT_NUM_MAX) {
            w->rate = d;
            w->rate_st = WSTAT_OK;
        } else {
            w->rate_st = WSTAT_BAD;
            wstat_note(w->error, "rate is not a number of events/s", v, len);
        }
        return;
    }
    default:
        set_num((struct wstat_num *)((char *)w + nums[f]), w->error, wstat_worker_fields[f], v,
                len);
    }
}

void wstat_part_own(struct wstat_part *p, const char *v, size_t len)
{
    p->own = WSTAT_UNOWNED;
    p->owner[0] = '\0';
    p->token = (struct wstat_num){0, WSTAT_ABSENT};
    if (v == NULL)
        return;
    size_t sp = len;
    while (sp > 0 && v[sp - 1] != ' ')
        sp--;
    if (sp < 2) { /* no space, or nothing before it */
        p->own = WSTAT_OWN_BAD;
        wstat_note(p->error, "owner key is not \"ID TOKEN\"", v, len);
        return;
    }
    safe_copy(p->owner, sizeof(p->owner), v, sp - 1);
    set_num(&p->token, p->error, "owner token", v + sp, len - sp);
    p->own = p->token.st == WSTAT_OK ? WSTAT_OWNED : WSTAT_OWN_BAD;
}

void wstat_part_ckpt(struct wstat_part *p, enum wstat_cfield f, const char *v, size_t len)
{
    static const size_t nums[] = {
        [WSTAT_C_FENCE] = offsetof(struct wstat_part, fence),
        [WSTAT_C_CLOSED] = offsetof(struct wstat_part, closed_ms),
        [WSTAT_C_EVENTS] = offsetof(struct wstat_part, events),
        [WSTAT_C_LATE] = offsetof(struct wstat_part, late),
        [WSTAT_C_REJECTED] = offsetof(struct wstat_part, rejected),
        [WSTAT_C_REFUSED] = offsetof(struct wstat_part, refused),
        [WSTAT_C_TS] = offsetof(struct wstat_part, ts_ms),
    };
    if ((unsigned)f >= WSTAT_C_NFIELDS)
        return;
    if (v)
        p->has_ckpt = true;
    if (f == WSTAT_C_OWNER || f == WSTAT_C_LAST) {
        char *dst = f == WSTAT_C_OWNER ? p->ckpt_owner : p->last;
        dst[0] = '\0';
        if (v)
            safe_copy(dst, WSTAT_TEXT_MAX, v, len);
        return;
    }
    char field[32];
    snprintf(field, sizeof(field), "checkpoint %s", wstat_ckpt_fields[f]);
    set_num((struct wstat_num *)((char *)p + nums[f]), p->error, field, v, len);
}

void wstat_part_own_unreadable(struct wstat_part *p)
{
    p->own = WSTAT_OWN_BAD;
    p->owner[0] = '\0';
    p->token.st = WSTAT_BAD;
}

void wstat_part_ckpt_unreadable(struct wstat_part *p)
{
    struct wstat_num *n[] = {&p->fence,    &p->closed_ms, &p->events, &p->late,
                             &p->rejected, &p->refused,   &p->ts_ms};
    for (size_t i = 0; i < sizeof(n) / sizeof(n[0]); i++)
        n[i]->st = WSTAT_BAD;
}

void wstat_worker_unreadable(struct wstat_worker *w)
{
    struct wstat_num *n[] = {&w->pid,  &w->started_ms, &w->events,
                             &w->late, &w->lease_ms,   &w->ts_ms};
    for (size_t i = 0; i < sizeof(n) / sizeof(n[0]); i++)
        n[i]->st = WSTAT_BAD;
    w->rate_st = WSTAT_BAD;
}

static int worker_cmp(const void *a, const void *b)
{
    return strcmp(((const struct wstat_worker *)a)->id, ((const struct wstat_worker *)b)->id);
}

void wstat_finish(struct wstat *s, int64_t now_ms)
{
    s->now_ms = now_ms;
    if (s->nworkers > 1)
        qsort(s->workers, s->nworkers, sizeof(*s->workers), worker_cmp);
    s->problems = s->error[0] ? 1 : 0;
    s->dead = 0;
    s->unowned = 0;
    for (size_t i = 0; i < s->nworkers; i++) {
        struct wstat_worker *w = &s->workers[i];
        w->owned = 0;
        for (unsigned k = 0; k < s->partitions; k++)
            if (s->parts[k].own == WSTAT_OWNED && strcmp(s->parts[k].owner, w->id) == 0)
                w->owned++;
        int64_t lease = w->lease_ms.st == WSTAT_OK && w->lease_ms.v > 0 ? w->lease_ms.v
                                                                        : WSTAT_DEFAULT_LEASE_MS;
        w->dead = w->heartbeat_ms.st != WSTAT_OK || now_ms - w->heartbeat_ms.v > lease;
        s->problems += w->error[0] ? 1 : 0;
        s->dead += w->dead;
    }
    for (unsigned k = 0; k < s->partitions; k++) {
        s->problems += s->parts[k].error[0] ? 1 : 0;
        s->unowned += s->parts[k].own == WSTAT_UNOWNED;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Cells
 * ------------------------------------------------------------------------------------------ */

static void cell_num(char *c, struct wstat_num n)
{
    if (n.st == WSTAT_OK)
        snprintf(c, WSTAT_CELL_MAX, "%lld", (long long)n.v);
    else
        snprintf(c, WSTAT_CELL_MAX, "%s", n.st == WSTAT_BAD ? "?" : "-");
}

/* now - t as a duration ("1.50s"); a time in the future (clocks apart) shows as "+1.50s". */
static void cell_age(char *c, struct wstat_num t, int64_t now_ms)
{
    if (t.st != WSTAT_OK) {
        cell_num(c, t);
        return;
    }
    char d[32];
    int64_t age = now_ms - t.v;
    fmt_duration_ms((double)(age < 0 ? -age : age), d, sizeof(d));
    snprintf(c, WSTAT_CELL_MAX, "%s%s", age < 0 ? "+" : "", d);
}

static void cell_text(char *c, const char *s)
{
    snprintf(c, WSTAT_CELL_MAX, "%s", s[0] ? s : "-");
}

void wstat_worker_cells(const struct wstat *s, const struct wstat_worker *w,
                        char cells[WSTAT_WC_N][WSTAT_CELL_MAX])
{
    cell_text(cells[WSTAT_WC_ID], w->id);
    cell_text(cells[WSTAT_WC_HOST], w->host);
    cell_num(cells[WSTAT_WC_PID], w->pid);
    snprintf(cells[WSTAT_WC_OWNED], WSTAT_CELL_MAX, "%u", w->owned);
    if (w->rate_st == WSTAT_OK)
        fmt_si(w->rate, cells[WSTAT_WC_RATE], WSTAT_CELL_MAX);
    else
        cell_num(cells[WSTAT_WC_RATE], (struct wstat_num){0, w->rate_st});
    cell_num(cells[WSTAT_WC_EVENTS], w->events);
    cell_num(cells[WSTAT_WC_LATE], w->late);
    cell_age(cells[WSTAT_WC_HEARTBEAT], w->heartbeat_ms, s->now_ms);
    snprintf(cells[WSTAT_WC_STATE], WSTAT_CELL_MAX, "%s",
             w->dead       ? "dead"
             : w->has_hash ? "live"
                           : "no hash");
}

void wstat_part_cells(const struct wstat *s, const struct wstat_part *p,
                      char cells[WSTAT_PC_N][WSTAT_CELL_MAX])
{
    snprintf(cells[WSTAT_PC_PART], WSTAT_CELL_MAX, "%u", p->part);
    if (p->own == WSTAT_UNOWNED)
        snprintf(cells[WSTAT_PC_OWNER], WSTAT_CELL_MAX, "(unowned)");
    else if (p->own == WSTAT_OWN_BAD && p->owner[0] == '\0')
        snprintf(cells[WSTAT_PC_OWNER], WSTAT_CELL_MAX, "?");
    else
        cell_text(cells[WSTAT_PC_OWNER], p->owner);
    cell_num(cells[WSTAT_PC_TOKEN], p->token);
    if (p->own == WSTAT_OWNED && p->pttl_ms.st == WSTAT_OK) {
        char d[32];
        fmt_duration_ms((double)p->pttl_ms.v, d, sizeof(d));
        snprintf(cells[WSTAT_PC_TTL], WSTAT_CELL_MAX, "%s", d);
    } else {
        cell_num(cells[WSTAT_PC_TTL], p->own == WSTAT_OWNED ? p->pttl_ms : (struct wstat_num){0});
    }
    cell_age(cells[WSTAT_PC_CKPT], p->ts_ms, s->now_ms);
    cell_text(cells[WSTAT_PC_LAST], p->last);
    if (p->closed_ms.st == WSTAT_OK) {
        int64_t sec = p->closed_ms.v / 1000 % 86400;
        snprintf(cells[WSTAT_PC_CLOSED], WSTAT_CELL_MAX, "%02d:%02d:%02dZ", (int)(sec / 3600),
                 (int)(sec / 60 % 60), (int)(sec % 60));
    } else {
        cell_num(cells[WSTAT_PC_CLOSED], p->closed_ms);
    }
    cell_num(cells[WSTAT_PC_PENDING], p->pending);
    cell_num(cells[WSTAT_PC_LAG], p->lag);
    cell_num(cells[WSTAT_PC_EVENTS], p->events);
    cell_num(cells[WSTAT_PC_LATE], p->late);
    cell_num(cells[WSTAT_PC_REFUSED], p->refused);
}

void wstat_col_widths(const char *const *header, size_t ncols, const char (*cells)[WSTAT_CELL_MAX],
                      size_t nrows, size_t *width)
{
    for (size_t c = 0; c < ncols; c++) {
        width[c] = text_width(header[c], strlen(header[c]));
        for (size_t r = 0; r < nrows; r++) {
            const char *v = cells[r * ncols + c];
            size_t w = text_width(v, strlen(v));
            width[c] = w > width[c] ? w : width[c];
        }
    }
}
