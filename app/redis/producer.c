/* producer.c — pipelined XADD writer with reconnect and resend (at-least-once).
 * Commands are written straight into a batch buffer in the Redis protocol (binary safe, no
 * allocation per event) and kept there until their replies are read, so that a batch cut short
 * by a dropped connection can be sent again as is. WAIT (--min-replicas) is in producer_wait.c,
 * the cluster fan-out in producer_cluster.c, the start-up in producer_open.c. */
#include "app/redis/producer_impl.h"

#include "app/clock.h"
#include "app/cmd/cmd.h"
#include "app/errmsg.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/redis/rsync.h"
#include "app/redis/sentinel.h"
#include "core/mem.h"
#include "core/slotmap.h"
#include "core/partition.h"
#include "core/redisurl.h"
#include "core/synth.h"
#include "core/text.h"

void producer_sleep_ms(int64_t ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
    nanosleep(&ts, NULL); /* a signal cuts it short: the caller then looks at opts.cancel */
}

/* ---------------------------------------------------------------- RESP writing */

static void reserve(struct producer *p, size_t more)
{
    if (p->len + more <= p->cap)
        return;
    size_t cap = p->cap ? p->cap : 64 * 1024;
    while (cap < p->len + more)
        cap *= 2;
    p->buf = xrealloc(p->buf, cap);
    p->cap = cap;
}

/* Writes the decimal form of v (no sign) ending at end; returns the start. */
static char *utoa_back(uint64_t v, char *end)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

/* Appends "<lead><n>\r\n", e.g. "*9\r\n" or "$5\r\n". Room must be reserved. */
static void put_header(struct producer *p, char lead, size_t n)
{
    char tmp[24], *end = tmp + sizeof tmp;
    char *s = utoa_back(n, end);
    p->buf[p->len++] = lead;
    memcpy(p->buf + p->len, s, (size_t)(end - s));
    p->len += (size_t)(end - s);
    p->buf[p->len++] = '\r';
    p->buf[p->len++] = '\n';
}

static void put_arg(struct producer *p, const char *s, size_t n)
{
    reserve(p, n + 32);
    put_header(p, '$', n);
    memcpy(p->buf + p->len, s, n);
    p->len += n;
    p->buf[p->len++] = '\r';
    p->buf[p->len++] = '\n';
}

static void put_lit(struct producer *p, const char *s)
{
    put_arg(p, s, strlen(s));
}

/* ---------------------------------------------------------------- values */

/* Turns a locale's radix character into '.', so LC_NUMERIC never changes the wire format. */
static void fix_radix(char *s)
{
    for (; *s; s++)
        if (!(*s >= '0' && *s <= '9') && *s != '-' && *s != '+' && *s != 'e' && *s != 'E')
            *s = '.';
}

int producer_format_value(double v, char *buf)
{
    /* Integers (counters, byte sizes) are the common case and need no search. */
    if (v == floor(v) && fabs(v) < 9007199254740992.0 && !(v == 0 && signbit(v))) {
        char tmp[24], *end = tmp + sizeof tmp;
        char *s = utoa_back((uint64_t)fabs(v), end);
        size_t n = 0;
        if (v < 0)
            buf[n++] = '-';
        memcpy(buf + n, s, (size_t)(end - s));
        n += (size_t)(end - s);
        buf[n] = '\0';
        return (int)n;
    }
    /* Few decimals (the usual 12.5 or 38.367): v = m / 10^d with m an integer below 2^53.
     * Both m and 10^d (d <= 22) are exact doubles, so m / 10^d is the correctly rounded value
     * of the decimal string, which is what any correct parser reads back: when it equals v,
     * the string is exact. Trying d upwards gives the fewest decimals. */
    static const double pow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
    double a = fabs(v);
    for (int d = 1; d < 10 && a != 0 && a * pow10[d] < 9007199254740992.0; d++) {
        double m = round(a * pow10[d]);
        if (m / pow10[d] != a)
            continue;
        char tmp[40], *end = tmp + sizeof tmp;
        char *s = utoa_back((uint64_t)m, end);
        while (end - s <= d) /* "5" with d = 3 is 0.005 */
            *--s = '0';
        size_t ndig = (size_t)(end - s), n = 0;
        if (v < 0)
            buf[n++] = '-';
        memcpy(buf + n, s, ndig - (size_t)d);
        n += ndig - (size_t)d;
        buf[n++] = '.';
        memcpy(buf + n, end - d, (size_t)d);
        n += (size_t)d;
        buf[n] = '\0';
        return (int)n;
    }
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(buf, 32, "%.*g", prec, v);
        if (prec == 17 || strtod(buf, NULL) == v)
            break;
    }
    fix_radix(buf);
    return n;
}

/* ---------------------------------------------------------------- construction */

struct producer *producer_new(struct csync *cs, struct redisaddr *addr,
                              const struct producer_opts *opts)
{
    struct producer *p = xcalloc(1, sizeof *p);
    p->cs = cs;
    p->c = cs ? csync_seed(cs) : NULL;
    p->addr = addr;
    p->opts = *opts;
    synth_seed(&p->jitter, (uint64_t)getpid() << 32 ^ (uint64_t)clock_mono_ms());
    p->ns = xstrdup(opts->ns);
    p->opts.ns = p->ns;
    if (p->opts.partitions == 0)
        p->opts.partitions = 1;
    if (p->opts.batch == 0)
        p->opts.batch = PRODUCER_BATCH_DEFAULT;
    if (p->opts.give_up_ms <= 0)
        p->opts.give_up_ms = PRODUCER_GIVE_UP_DEFAULT_MS;
    if (p->opts.timeout_ms <= 0)
        p->opts.timeout_ms = 2000;
    if (p->opts.wait_ms <= 0)
        p->opts.wait_ms = PRODUCER_WAIT_DEFAULT_MS;
    if (p->opts.wait_ms > p->opts.timeout_ms * 3 / 4) /* WAIT's reply must beat the read timeout */
        p->opts.wait_ms = p->opts.timeout_ms * 3 / 4 > 0 ? p->opts.timeout_ms * 3 / 4 : 1;
    p->stream_key = xmalloc(p->opts.partitions * sizeof *p->stream_key);
    p->stream_key_len = xmalloc(p->opts.partitions);
    for (unsigned i = 0; i < p->opts.partitions; i++) {
        /* ns is at most 32 bytes (config.c), so the key always fits */
        int n = partition_stream_key(p->ns, i, p->stream_key[i], STREAM_KEY_MAX);
        p->stream_key_len[i] = (uint8_t)(n < 0 ? 0 : n);
    }
    p->cmd_off = xmalloc((2 * (size_t)p->opts.batch + 1) * sizeof *p->cmd_off);
    p->cmd_off[0] = 0;
    p->note_ms = clock_mono_ms();
    if (cs && csync_is_cluster(cs)) {
        p->child = xcalloc(SLOTMAP_NODES_MAX, sizeof *p->child);
        p->part_slot = xmalloc(p->opts.partitions * sizeof *p->part_slot);
        for (unsigned i = 0; i < p->opts.partitions; i++)
            p->part_slot[i] = partition_key_slot(p->stream_key[i], p->stream_key_len[i]);
        p->c = NULL; /* every XADD goes through a child */
    }
    return p;
}

void producer_free(struct producer *p)
{
    if (p == NULL)
        return;
    for (int i = 0; p->child && i < SLOTMAP_NODES_MAX; i++)
        producer_free(p->child[i]);
    free(p->child);
    free(p->part_slot);
    if (p->cs)
        csync_free(p->cs);
    else if (p->c)
        redisFree(p->c);
    redisaddr_free(p->addr);
    free(p->ns);
    free(p->stream_key);
    free(p->stream_key_len);
    free(p->cmd_off);
    free(p->buf);
    free(p);
}

const struct producer_stats *producer_stats(const struct producer *p)
{
    return &p->stats;
}

enum producer_failure producer_failure(const struct producer *p)
{
    return p->failed;
}

int producer_failure_exit_code(const struct producer *p)
{
    return p->failed == PRODUCER_FAILED_REFUSED || p->failed == PRODUCER_FAILED_UNREPLICATED
               ? EXIT_FAILURE_GENERIC
               : EXIT_UNREACHABLE;
}

const char *producer_error(const struct producer *p)
{
    return p->error;
}

const char *producer_reply_error(const struct producer *p)
{
    return p->reply_error;
}

const char *producer_last_id(const struct producer *p)
{
    return p->last_id;
}

/* ---------------------------------------------------------------- reconnect */

/* Replaces the dead connection: capped exponential backoff from PRODUCER_BACKOFF_MIN_MS to
 * PRODUCER_BACKOFF_MAX_MS (+-20 % jitter), NS:meta checked again (a restarted Redis may have
 * lost it), for at most opts.give_up_ms. cause says why the old one died, resend how many
 * commands will be sent again (both for the log). Returns 0 or -1. */
int producer_reconnect(struct producer *p, const char *cause, size_t resend)
{
    char err[512] = "";
    int64_t start = clock_mono_ms(), delay = PRODUCER_BACKOFF_MIN_MS;
    unsigned attempts = 0;

    if (p->cs) {
        csync_free(p->cs);
        p->cs = NULL;
    } else if (p->c) {
        redisFree(p->c);
    }
    p->c = NULL;
    if (p->opts.log)
        fprintf(p->opts.log, "%slost connection to %s (%s); reconnecting\n", errmsg_prefix(),
                p->addr->display, cause);
    if (p->opts.log && resend > 0)
        fprintf(p->opts.log,
                "%s%zu XADDs were not acknowledged; they will be sent again "
                "(at-least-once: some may be duplicated)\n",
                errmsg_prefix(), resend);
    for (;;) {
        if (p->opts.cancel && *p->opts.cancel) {
            snprintf(p->error, sizeof p->error, "interrupted while reconnecting to %s",
                     p->addr->display);
            return -1;
        }
        attempts++;
        /* a child (one master of a cluster) checks wr:meta through its top producer */
        struct csync *cs =
            p->parent ? NULL : rsync_client(p->addr, p->opts.timeout_ms, err, sizeof err);
        redisContext *c = p->parent ? rsync_connect(p->addr, p->opts.timeout_ms, err, sizeof err)
                          : cs      ? csync_seed(cs)
                                    : NULL;
        if (c) {
            unsigned parts = p->opts.partitions;
            if (rsync_meta_check(p->parent ? p->parent->cs : cs, p->ns, &parts, true, err,
                                 sizeof err) == 0) {
                p->cs = cs;
                p->c = c;
                p->stats.reconnects++;
                if (p->opts.log)
                    fprintf(p->opts.log, "%sreconnected to %s after %.1f s\n", errmsg_prefix(),
                            p->addr->display, (double)(clock_mono_ms() - start) / 1000.0);
                return 0;
            }
            /* (a pipeline that found the connection dead dropped it: ask csync, not c) */
            bool conn_dead = cs ? csync_error(cs)[0] != '\0'
                                : c->err != 0 || csync_error(p->parent->cs)[0] != '\0';
            if (cs)
                csync_free(cs);
            else
                redisFree(c);
            if (!conn_dead) { /* the namespace changed under us: retrying cannot help */
                snprintf(p->error, sizeof p->error, "%s", err);
                return -1;
            }
        }
        int64_t elapsed = clock_mono_ms() - start;
        if (elapsed >= p->opts.give_up_ms) {
            snprintf(p->error, sizeof p->error,
                     "gave up reconnecting to %s after %.0f s (%u attempts); last error: %s",
                     p->addr->display, (double)elapsed / 1000.0, attempts, err);
            return -1;
        }
        int64_t jittered = delay * (80 + (int64_t)synth_below(&p->jitter, 41)) / 100;
        if (jittered > p->opts.give_up_ms - elapsed)
            jittered = p->opts.give_up_ms - elapsed;
        producer_sleep_ms(jittered);
        delay = delay * 2 > PRODUCER_BACKOFF_MAX_MS ? PRODUCER_BACKOFF_MAX_MS : delay * 2;
    }
}

/* ---------------------------------------------------------------- refusals */

/* Copies Redis' reason into buf (cap bytes), made safe for a terminal: an error reply is text
 * from the server, and what sits between us and Redis may be hostile. */
void producer_copy_reason(char *buf, size_t cap, const redisReply *r)
{
    struct text_buf b = TEXT_BUF_INIT;
    if (r->type == REDIS_REPLY_ERROR)
        text_sanitize_limit(r->str, r->len, 0, cap - 1, 0, &b);
    snprintf(buf, cap, "%s", r->type == REDIS_REPLY_ERROR ? b.s : "unexpected reply type");
    text_buf_free(&b);
}

void producer_note_reply(struct producer *p, const redisReply *r)
{
    static const redisReply lost = {
        .type = REDIS_REPLY_ERROR, .str = LOST_RESEND, .len = sizeof(LOST_RESEND) - 1};
    if (r == NULL)
        r = &lost;
    if (r->type == REDIS_REPLY_STRING) {
        p->stats.acked++;
        p->note_acked++;
        p->refusing_since_ms = 0;
        p->refused_in_row = 0;
        return;
    }
    p->stats.errors++;
    p->note_refused++;
    p->refused_in_row++;
    if (p->refusing_since_ms == 0)
        p->refusing_since_ms = clock_mono_ms();
    if (p->note_error[0] == '\0')
        producer_copy_reason(p->note_error, sizeof p->note_error, r);
    if (p->reply_error[0] == '\0')
        producer_copy_reason(p->reply_error, sizeof p->reply_error, r);
}

/* After replies were read: the note on opts.log while Redis refuses (the first at once, then at
 * most one per PRODUCER_REFUSAL_REPORT_MS), and giving up when it has refused everything for
 * opts.give_up_ms. Returns 0, or -1 when giving up (p->error says why). */
int producer_refusals_check(struct producer *p)
{
    if (p->note_refused == 0 && p->refusing_since_ms == 0)
        return 0;
    int64_t now = clock_mono_ms();
    if (p->note_refused > 0 && p->opts.log &&
        (!p->noted || now - p->note_ms >= PRODUCER_REFUSAL_REPORT_MS)) {
        fprintf(p->opts.log, "%sRedis refused %llu events in %.1f s (%llu accepted): %s\n",
                errmsg_prefix(), (unsigned long long)p->note_refused,
                (double)(now - p->note_ms) / 1000.0, (unsigned long long)p->note_acked,
                p->note_error);
        fflush(p->opts.log);
        p->noted = true;
        p->note_ms = now;
        p->note_refused = p->note_acked = 0;
        p->note_error[0] = '\0';
    }
    if (p->refusing_since_ms != 0 && now - p->refusing_since_ms >= p->opts.give_up_ms) {
        snprintf(p->error, sizeof p->error,
                 "Redis refused every event for %.0f s (%llu in a row, none accepted); "
                 "giving up. Redis said: %s",
                 (double)(now - p->refusing_since_ms) / 1000.0,
                 (unsigned long long)p->refused_in_row,
                 p->note_error[0] ? p->note_error : p->reply_error);
        p->failed = PRODUCER_FAILED_REFUSED;
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- sending */

/* Drops the first k commands of the buffer (their replies were read). */
void producer_batch_drop(struct producer *p, size_t k)
{
    if (k == 0)
        return;
    size_t base = p->cmd_off[k];
    memmove(p->buf, p->buf + base, p->len - base);
    p->len -= base;
    for (size_t i = k; i <= p->ncmd; i++)
        p->cmd_off[i - k] = p->cmd_off[i] - base;
    p->ncmd -= k;
    p->nsent -= k;
}

/* Writes the commands not yet sent. Returns 0, or -1 with the cause. */
int producer_send_pending(struct producer *p, char *cause, size_t cause_cap)
{
    redisContext *c = p->c;
    int done = 0;

    if (p->nsent == p->ncmd)
        return 0;
    size_t from = p->cmd_off[p->nsent];
    /* counted as sent before the write: if it fails halfway, Redis may have run some of them */
    p->nsent = p->ncmd;
    if (redisAppendFormattedCommand(c, p->buf + from, p->len - from) != REDIS_OK)
        goto err;
    do {
        if (redisBufferWrite(c, &done) != REDIS_OK)
            goto err;
    } while (!done);
    return 0;
err:
    snprintf(cause, cause_cap, "%s", c->errstr[0] ? c->errstr : "write failed");
    return -1;
}

bool producer_is_loading_error(const redisReply *r)
{
    return r->type == REDIS_REPLY_ERROR && strncmp(r->str, "LOADING", 7) == 0;
}

/* Reads replies to sent commands until at most keep remain unanswered. Returns 0, or -1 with the
 * cause when the connection failed (the commands answered so far are dropped either way). */
static int read_replies(struct producer *p, size_t keep, char *cause, size_t cause_cap)
{
    size_t k = 0, want = p->nsent > keep ? p->nsent - keep : 0;
    int rc = 0;

    for (; k < want; k++) {
        redisReply *r = NULL;
        if (redisGetReply(p->c, (void **)&r) != REDIS_OK || r == NULL) {
            snprintf(cause, cause_cap, "%s", p->c->err ? p->c->errstr : "no reply");
            rc = -1;
            break;
        }
        if (producer_is_loading_error(r)) {
            /* the server came back and is still loading its data: send again from here */
            snprintf(cause, cause_cap, "%s", r->str);
            freeReplyObject(r);
            rc = -1;
            break;
        }
        if (p->parent && r->type == REDIS_REPLY_ERROR)
            r = producer_cluster_follow_redirect(p, k, r);
        if (r && r->type == REDIS_REPLY_STRING && k + 1 == want && r->len < sizeof p->last_id)
            memcpy(p->last_id, r->str, r->len + 1);
        producer_note_reply(p, r);
        if (r)
            freeReplyObject(r);
    }
    producer_batch_drop(p, k);
    return rc;
}

/* Sends what is pending and reads replies until at most keep commands are unanswered, across
 * reconnects: after a failure every unanswered command is sent again. Returns 0 or -1. */
static int pump(struct producer *p, size_t keep)
{
    char cause[256];

    if (p->failed)
        return -1;
    if (p->opts.min_replicas > 0)
        return producer_wait_pump(p);
    for (;;) {
        if (p->c != NULL && producer_send_pending(p, cause, sizeof cause) == 0 &&
            read_replies(p, keep, cause, sizeof cause) == 0)
            return producer_refusals_check(p);
        if (p->c == NULL)
            snprintf(cause, sizeof cause, "not connected");
        size_t resend = p->nsent;
        p->stats.resent += resend;
        p->nsent = 0;
        if (producer_reconnect(p, cause, resend) != 0) {
            p->failed = PRODUCER_FAILED_LOST;
            return -1;
        }
    }
}

int producer_flush(struct producer *p)
{
    if (p->child)
        return p->failed ? -1 : producer_cluster_flush(p);
    if (pump(p, 0) != 0)
        return -1;
    p->minid[0] = '\0';
    p->minid_len = 0;
    return 0;
}

int producer_add(struct producer *p, const struct event *ev)
{
    if (p->failed)
        return -1;
    char key[EVENT_KEY_MAX + 1];
    int klen = event_key(ev, key, sizeof key);
    if (klen < 0) { /* cannot happen for a valid event */
        snprintf(p->error, sizeof p->error, "series key over %d bytes", EVENT_KEY_MAX);
        return -1;
    }
    unsigned part = partition_of(key, (size_t)klen, p->opts.partitions);
    if (p->child)
        return producer_cluster_add(p, ev, part);

    if (p->opts.retention_ms > 0 && p->minid_len == 0) {
        /* one threshold per batch: cheaper than a clock read per event, and as good */
        int64_t t = clock_wall_ms() - p->opts.retention_ms;
        p->minid_len =
            (size_t)snprintf(p->minid, sizeof p->minid, "%lld", (long long)(t > 0 ? t : 0));
    }
    char value[32];
    int vlen = producer_format_value(ev->value, value);
    char ts[24], *ts_end = ts + sizeof ts, *ts_start = NULL;
    if (ev->has_ts)
        ts_start = utoa_back((uint64_t)ev->ts_ms, ts_end);

    unsigned argc = 7 + (p->minid_len ? 3 : 0) + (ev->has_ts ? 2 : 0) + (ev->nlabels ? 2 : 0);
    reserve(p, 16);
    put_header(p, '*', argc);
    put_lit(p, "XADD");
    put_arg(p, p->stream_key[part], p->stream_key_len[part]);
    if (p->minid_len) {
        put_lit(p, "MINID");
        put_lit(p, "~");
        put_arg(p, p->minid, p->minid_len);
    }
    put_lit(p, "*");
    put_lit(p, "metric");
    put_arg(p, key, ev->metric_len);
    put_lit(p, "value");
    put_arg(p, value, (size_t)vlen);
    if (ev->has_ts) {
        put_lit(p, "ts");
        put_arg(p, ts_start, (size_t)(ts_end - ts_start));
    }
    if (ev->nlabels) {
        /* the key is metric{labels}: the field is the part between the braces, which is the
         * stream-field form with the same quoting */
        put_lit(p, "labels");
        put_arg(p, key + ev->metric_len + 1, (size_t)klen - ev->metric_len - 2);
    }
    p->ncmd++;
    p->cmd_off[p->ncmd] = p->len;
    p->stats.sent++;
    if (p->ncmd - p->nsent < p->opts.batch)
        return 0;
    /* a full batch: send it, then read the previous one's replies (it was sent a batch ago) */
    int rc = pump(p, p->opts.batch);
    p->minid[0] = '\0';
    p->minid_len = 0;
    return rc;
}
