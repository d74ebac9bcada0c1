/* deadletter.c — the reader's dead letters: a rejected stream entry goes to NS:dlq:{pI}, the
 * dead-letter stream of its partition, under its own entry ID with its original fields and the
 * reason; Redis refuses a second copy of the same ID, so it is recorded once. */
#include "app/redis/deadletter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/redis/reader_impl.h"
#include "core/mem.h"
#include "core/partition.h"

#define DLQ_MAX_FIELDS 1024 /* original strings copied into a dead letter */
#define DLQ_MAX_TRIES 2

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
        dlq_send(q); /* idempotent: the entry's own ID refuses a second copy */
        return;
    }
    if (reply != NULL && deadletter_is_duplicate(reply)) {
        rd->st.dlq_duplicate++;
    } else if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
        rd->st.dlq_failed++;
        if (reply)
            snprintf(rd->last_error, sizeof(rd->last_error), "dead-letter write: %s", reply->str);
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

bool deadletter_is_duplicate(const redisReply *r)
{
    /* Redis 5-7: "ERR The ID specified in XADD is equal or smaller than the target stream top
     * item"; matched on the part every version has said */
    return r->type == REDIS_REPLY_ERROR && r->str &&
           strstr(r->str, "equal or smaller than the target stream top item") != NULL;
}

void deadletter_queue(struct reader *rd, unsigned pi, const char *id, size_t id_len, size_t nstr,
                      const char *reason_class, const char *detail)
{
    if (nstr > DLQ_MAX_FIELDS)
        nstr = DLQ_MAX_FIELDS;
    size_t nfields = nstr + (nstr % 2);
    int argc = (int)(6 + nfields + 4);
    struct dlq_req *q = xcalloc(1, sizeof(*q));
    q->rd = rd;
    q->argv = xmalloc((size_t)argc * sizeof(*q->argv));
    q->argvlen = xmalloc((size_t)argc * sizeof(*q->argvlen));
    char num[32], key[128];
    int a = 0;
#define ARG(s, n) (q->argvlen[a] = (n), q->argv[a++] = dup_bytes((s), (n)))
#define ARGZ(s) ARG((s), strlen(s))
    ARGZ("XADD");
    if (partition_dlq_key(rd->ns, pi, key, sizeof key) < 0)
        key[0] = '\0'; /* cannot happen: reader_new checked the namespace's length */
    ARGZ(key);
    ARGZ("MAXLEN");
    ARGZ("~");
    snprintf(num, sizeof(num), "%u", rd->cfg.dlq_maxlen);
    ARGZ(num);
    ARG(id, id_len);
    for (size_t i = 0; i < nstr; i++)
        ARG(rd->strs[i], rd->lens[i]);
    if (nstr % 2)
        ARGZ("");
    ARGZ("reason");
    ARGZ(reason_class);
    ARGZ("detail");
    ARGZ(detail);
#undef ARG
#undef ARGZ
    q->argc = a;
    dlq_send(q);
}
