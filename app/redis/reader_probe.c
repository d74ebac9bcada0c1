/* reader_probe.c — the reader's unreadable partitions: which partition made the XREAD fail, and
 * is it readable again (docs/architecture.md §6). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/redis/reader_impl.h"
#include "core/errbuf.h"
#include "core/mem.h"
/* One probe of one partition: TYPE key, then XREAD COUNT 1 STREAMS key last-id, pipelined on
 * the command connection. Decided when both answers are in. */
struct probe {
    struct reader *rd;
    unsigned part;
    int refs;                               /* answers outstanding */
    bool answered;                          /* the XREAD got a reply (not NULL) */
    bool failed;                            /* ... and it was an error */
    char type[16];                          /* TYPE's answer, "" if none */
    char error[READER_PARTITION_ERROR_MAX]; /* the XREAD's error */
};

static void probe_round_done(struct reader *rd)
{
    if (!rd->probe_after_error)
        return;
    rd->probe_after_error = false;
    if (rd->blamed == 0) {
        /* No partition to blame: not a per-key problem. The tick retries, without a busy loop. */
        rd->xread_failed = true;
        reader_notify(rd, READER_CONN_STATE);
        return;
    }
    reader_issue_xread(rd);
}

/* Applies one probe's verdict to its partition. */
static void probe_decide(struct probe *pr)
{
    struct reader *rd = pr->rd;
    struct part *p = &rd->parts[pr->part];
    if (!pr->answered)
        return; /* connection lost or timed out: no verdict, the next probe decides */
    if (pr->failed) {
        bool wrong_type =
            pr->type[0] && strcmp(pr->type, "stream") != 0 && strcmp(pr->type, "none") != 0;
        if (wrong_type)
            snprintf(p->error, sizeof(p->error), "%s is a %s", p->key, pr->type);
        else
            snprintf(p->error, sizeof(p->error), "%s: %.120s", p->key, pr->error);
        if (!p->unreadable) {
            p->unreadable = true;
            rd->unreadable++;
            rd->blamed++;
            /* nothing can be read from it: it must not hold the replay back */
            p->caught_up = true;
            reader_notify(rd, READER_PARTITIONS);
        }
    } else if (p->unreadable) {
        p->unreadable = false; /* read again from the last ID processed */
        p->error[0] = '\0';
        rd->unreadable--;
        reader_notify(rd, READER_PARTITIONS);
    }
}

static void probe_unref(struct probe *pr)
{
    if (--pr->refs > 0)
        return;
    struct reader *rd = pr->rd;
    rd->probe_pending--;
    if (!rd->closed) {
        reader_hold(rd);
        probe_decide(pr);
        if (rd->probe_pending == 0 && !rd->closed)
            probe_round_done(rd);
        if (rd->probe_pending == 0 && !rd->closed)
            reader_check_replay_done(rd);
        reader_release(rd);
    }
    free(pr);
}

static void on_probe_type(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct probe *pr = privdata;
    if (reply && reply->type == REDIS_REPLY_STATUS)
        errbuf_copy_text(pr->type, sizeof(pr->type), reply->str, reply->len);
    probe_unref(pr);
}

static void on_probe_xread(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct probe *pr = privdata;
    if (reply) {
        pr->answered = true;
        if (reply->type == REDIS_REPLY_ERROR) {
            pr->failed = true;
            errbuf_copy_text(pr->error, sizeof(pr->error), reply->str, reply->len);
        }
    }
    probe_unref(pr);
}

/* Probes partition i. Returns 0, or -1 when the command connection refused both commands. */
static int probe_partition(struct reader *rd, unsigned i)
{
    struct part *p = &rd->parts[i];
    struct probe *pr = xcalloc(1, sizeof(*pr));
    pr->rd = rd;
    pr->part = i;
    pr->refs = 1; /* ours, dropped below */
    rd->probe_pending++;
    pr->refs++;
    if (rconn_command(rd->cmd, on_probe_type, pr, "TYPE %b", p->key, p->key_len) != 0)
        pr->refs--;
    pr->refs++;
    if (rconn_command(rd->cmd, on_probe_xread, pr, "XREAD COUNT 1 STREAMS %b %s", p->key,
                      p->key_len, p->last_id) != 0)
        pr->refs--;
    int rc = pr->refs > 1 ? 0 : -1;
    probe_unref(pr);
    return rc;
}

/* The XREAD failed: probe every partition it named. The XREAD loop waits for the verdicts. */
void reader_probe_after_failed_xread(struct reader *rd)
{
    if (rd->cmd == NULL) {
        rd->xread_failed = true;
        return;
    }
    rd->probe_after_error = true;
    rd->blamed = 0;
    rd->probe_pending++; /* the round cannot end while it is being started */
    for (unsigned i = 0; i < rd->cfg.partitions && !rd->closed; i++)
        if (rd->parts[i].requested && !rd->parts[i].unreadable)
            probe_partition(rd, i);
    if (rd->closed)
        return;
    if (--rd->probe_pending == 0)
        probe_round_done(rd);
}

/* On the tick: probe the unreadable partitions again, so a fixed or deleted key is read again. */
void reader_probe_unreadable(struct reader *rd)
{
    if (rd->unreadable == 0 || rd->probe_pending > 0 || rd->cmd == NULL ||
        rconn_get_state(rd->cmd) != RCONN_UP)
        return;
    for (unsigned i = 0; i < rd->cfg.partitions && !rd->closed; i++)
        if (rd->parts[i].unreadable)
            probe_partition(rd, i);
}
