/* reader_xinfo.c — the reader's XINFO STREAM rounds on the command connection: each partition's
 * replay target (last-generated-id at start) and its lag. */
#include <stdlib.h>
#include <string.h>

#include "app/redis/reader_impl.h"
#include "core/mem.h"
struct xinfo_req {
    struct reader *rd;
    unsigned part;
};

static void on_xinfo(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct xinfo_req *x = privdata;
    struct reader *rd = x->rd;
    struct part *p = &rd->parts[x->part];
    free(x);
    rd->xinfo_pending--;
    if (rd->closed || reply == NULL)
        return;
    if (reply->type == REDIS_REPLY_ERROR) {
        if (strstr(reply->str, "no such key") && !p->target_known) {
            p->target_known = p->target_none = true; /* nothing to replay */
            reader_check_caught_up(p);
        }
    } else if (reply->type == REDIS_REPLY_ARRAY) {
        for (size_t i = 0; i + 1 < reply->elements; i += 2) {
            const redisReply *k = reply->element[i], *v = reply->element[i + 1];
            if (!k || !v || k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING ||
                strcmp(k->str, "last-generated-id") != 0)
                continue;
            uint64_t ms, seq;
            if (event_stream_id_parse(v->str, v->len, &ms, &seq) < 0)
                break;
            p->lastgen_known = true;
            p->lastgen_ms = ms;
            p->lastgen_seq = seq;
            if (!p->target_known) {
                p->target_known = true;
                p->target_ms = ms;
                p->target_seq = seq;
            }
            reader_check_caught_up(p);
            break;
        }
    }
    if (rd->xinfo_pending == 0) {
        reader_hold(rd);
        reader_check_replay_done(rd);
        reader_release(rd);
    }
}

void reader_xinfo_round(struct reader *rd)
{
    if (rd->xinfo_pending > 0 || rd->cmd == NULL || rconn_get_state(rd->cmd) != RCONN_UP)
        return;
    for (unsigned i = 0; i < rd->cfg.partitions; i++) {
        struct xinfo_req *x = xmalloc(sizeof(*x));
        x->rd = rd;
        x->part = i;
        rd->xinfo_pending++;
        if (rconn_command(rd->cmd, on_xinfo, x, "XINFO STREAM %s", rd->parts[i].key) != 0) {
            rd->xinfo_pending--;
            free(x);
        }
    }
}
