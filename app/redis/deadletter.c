/* deadletter.c — the reader's dead letters: a rejected stream entry goes to NS:dlq with its
 * original fields and the reason, once per (partition, entry ID), retried after a reconnect. */
#include "app/redis/deadletter.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/redis/reader_impl.h"
#include "core/mem.h"

#define DLQ_MAX_FIELDS 1024 /* original strings copied into a dead letter; Lua unpack() limit */
#define DLQ_MAX_TRIES 2

/* Adds the dead letter once per (partition, entry ID): the marker key decides. Returns the new
 * DLQ entry ID, or nil when the entry was already dead-lettered. */
static const char dlq_script[] =
    "if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[1]) then\n"
    "  return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 3))\n"
    "end\n"
    "return false\n";

/* One dead letter: the arguments are kept so the write can be retried after a reconnect. */
struct dlq_req {
    struct reader *rd;
    int argc;
    char **argv;
    size_t *argvlen;
    int tries;
};

static void dlq_free(struct dlq_req *q)
{
    for (int i = 0; i < q->argc; i++)
        free(q->argv[i]);
    free(q->argv);
    free(q->argvlen);
    free(q);
}

static void on_dlq(struct rconn *rc, const redisReply *reply, void *privdata);

static void dlq_send(struct dlq_req *q)
{
    struct reader *rd = q->rd;
    q->tries++;
    rd->st.dlq_pending++;
    if (rconn_command_argv(rd->cmd, on_dlq, q, q->argc, (const char **)q->argv, q->argvlen) != 0) {
        rd->st.dlq_pending--;
        rd->st.dlq_failed++;
        dlq_free(q);
    }
}

static void on_dlq(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct dlq_req *q = privdata;
    struct reader *rd = q->rd;
    rd->st.dlq_pending--;
    if (reply == NULL && !rd->closed && q->tries < DLQ_MAX_TRIES) {
        dlq_send(q); /* idempotent thanks to the marker: safe to run twice */
        return;
    }
    if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
        rd->st.dlq_failed++;
        if (reply)
            snprintf(rd->last_error, sizeof(rd->last_error), "dead-letter write: %s", reply->str);
    } else if (reply->type == REDIS_REPLY_NIL) {
        rd->st.dlq_duplicate++;
    } else {
        rd->st.dlq_written++;
    }
    dlq_free(q);
}

static char *dup_bytes(const char *s, size_t n)
{
    char *d = xmalloc(n + 1);
    if (n)
        memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

void deadletter_queue(struct reader *rd, unsigned pi, const char *id, size_t id_len, size_t nstr,
                      const char *reason_class, const char *detail)
{
    const struct part *p = &rd->parts[pi];
    if (nstr > DLQ_MAX_FIELDS)
        nstr = DLQ_MAX_FIELDS;
    size_t nfields = nstr + (nstr % 2);
    int argc = (int)(7 + nfields + 8);
    struct dlq_req *q = xcalloc(1, sizeof(*q));
    q->rd = rd;
    q->argv = xmalloc((size_t)argc * sizeof(*q->argv));
    q->argvlen = xmalloc((size_t)argc * sizeof(*q->argvlen));
    char num[32], marker[64 + READER_ID_MAX];
    int a = 0;
#define ARG(s, n) (q->argvlen[a] = (n), q->argv[a++] = dup_bytes((s), (n)))
#define ARGZ(s) ARG((s), strlen(s))
    ARGZ("EVAL");
    ARGZ(dlq_script);
    ARGZ("2");
    ARGZ(rd->dlq_key);
    snprintf(marker, sizeof(marker), "%s:seen:p%u:", rd->dlq_key, pi);
    size_t ml = strlen(marker);
    size_t idn = id_len < READER_ID_MAX ? id_len : READER_ID_MAX - 1;
    memcpy(marker + ml, id, idn);
    ARG(marker, ml + idn);
    snprintf(num, sizeof(num), "%" PRId64, rd->cfg.dlq_dedup_ms);
    ARGZ(num);
    snprintf(num, sizeof(num), "%u", rd->cfg.dlq_maxlen);
    ARGZ(num);
    for (size_t i = 0; i < nstr; i++)
        ARG(rd->strs[i], rd->lens[i]);
    if (nstr % 2)
        ARGZ("");
    ARGZ("reason");
    ARGZ(reason_class);
    ARGZ("detail");
    ARGZ(detail);
    ARGZ("stream");
    ARG(p->key, p->key_len);
    ARGZ("id");
    ARG(id, id_len);
#undef ARG
#undef ARGZ
    q->argc = a;
    dlq_send(q);
}
