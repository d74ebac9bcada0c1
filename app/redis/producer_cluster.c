/* producer_cluster.c — the producer on a Redis Cluster (contract in producer.h): the top
 * producer keeps one child producer (pipeline and connection) per master and sends each event
 * to the child of its partition's slot; a redirected XADD is sent again through the top
 * producer's client, which follows MOVED, ASK, TRYAGAIN and CLUSTERDOWN. */
#include <stdio.h>
#include <string.h>

#include "app/clock.h"
#include "app/redis/producer_impl.h"
#include "app/redis/rsync.h"
#include "core/slotmap.h"

/* A child's XADD number k was answered with error reply r: when it is a cluster redirect (the
 * slot moved or is migrating, or the cluster asks to retry), counts it, updates the table and
 * sends the XADD again through the top producer's client, which follows the redirect. Returns
 * the reply to count instead of r (r itself when it is not a redirect; NULL when the resend got
 * no answer). */
redisReply *producer_cluster_follow_redirect(struct producer *p, size_t k, redisReply *r)
{
    struct slotmap_redirect rd;
    if (slotmap_reply_parse(r->str, r->len, &rd) == SLOTMAP_REPLY_OTHER ||
        rd.kind == SLOTMAP_REPLY_CROSSSLOT)
        return r;
    struct csync *cs = p->parent->cs;
    csync_note_redirect(cs, &rd);
    freeReplyObject(r);
    if (rd.kind == SLOTMAP_REPLY_MOVED)
        csync_refresh(cs);
    const char *cmd = p->buf + p->cmd_off[k];
    size_t len = p->cmd_off[k + 1] - p->cmd_off[k];
    /* ASK: the target needs ASKING first; csync does it when the owner answers ASK again. A
     * node that does not answer (restarting, failing over) is tried again, with the producer's
     * backoff, for as long as a lost connection would be. */
    int64_t start = clock_mono_ms(), delay = PRODUCER_BACKOFF_MIN_MS;
    for (;;) {
        redisReply *again = csync_formatted(cs, cmd, len);
        if (again || clock_mono_ms() - start >= p->opts.give_up_ms ||
            (p->opts.cancel && *p->opts.cancel))
            return again;
        producer_sleep_ms(delay);
        delay = delay * 2 > PRODUCER_BACKOFF_MAX_MS ? PRODUCER_BACKOFF_MAX_MS : delay * 2;
        csync_refresh(cs);
    }
}

/* The child producer of node (made on first use: it connects, or reconnects with the usual
 * backoff, inside its first pump). */
static struct producer *child_of(struct producer *p, int node)
{
    if (p->child[node])
        return p->child[node];
    char err[256];
    struct redisaddr *a = csync_node_addr(p->cs, node, err, sizeof err);
    if (a == NULL) {
        snprintf(p->error, sizeof p->error, "%s", err);
        return NULL;
    }
    struct producer *c = producer_new(NULL, a, &p->opts);
    c->parent = p;
    c->node = node;
    c->c = rsync_connect(a, p->opts.timeout_ms, err, sizeof err); /* NULL: pump reconnects */
    p->child[node] = c;
    return c;
}

/* The top producer's stats are its children's, summed. A failed child fails the top producer
 * with its reason. Returns rc, or -1 when a child failed. */
static int gather(struct producer *p, int rc)
{
    struct producer_stats sum = {.sent = p->stats.sent};
    for (int i = 0; i < SLOTMAP_NODES_MAX; i++) {
        struct producer *c = p->child[i];
        if (c == NULL)
            continue;
        sum.acked += c->stats.acked;
        sum.errors += c->stats.errors;
        sum.resent += c->stats.resent;
        sum.reconnects += c->stats.reconnects;
        if (c->reply_error[0] && p->reply_error[0] == '\0')
            memcpy(p->reply_error, c->reply_error, sizeof p->reply_error);
        if (c->failed && !p->failed) {
            p->failed = c->failed;
            memcpy(p->error, c->error, sizeof p->error);
        }
    }
    p->stats = sum;
    return p->failed ? -1 : rc;
}

int producer_cluster_add(struct producer *p, const struct event *ev, unsigned part)
{
    int node = csync_node_of_slot(p->cs, p->part_slot[part]);
    struct producer *c = node >= 0 ? child_of(p, node) : NULL;
    if (c == NULL) {
        if (node < 0)
            snprintf(p->error, sizeof p->error,
                     "no cluster master owns slot %u of %s: is every slot assigned? "
                     "(redis-cli --cluster check)",
                     p->part_slot[part], p->stream_key[part]);
        p->failed = PRODUCER_FAILED_LOST;
        return -1;
    }
    p->stats.sent++;
    int rc = producer_add(c, ev);
    if (rc == 0 && c->last_id[0])
        memcpy(p->last_id, c->last_id, sizeof p->last_id);
    return gather(p, rc);
}

int producer_cluster_flush(struct producer *p)
{
    int rc = 0;
    for (int i = 0; i < SLOTMAP_NODES_MAX; i++)
        if (p->child[i] && producer_flush(p->child[i]) != 0)
            rc = -1;
    for (int i = 0; i < SLOTMAP_NODES_MAX; i++)
        if (p->child[i] && p->child[i]->last_id[0])
            memcpy(p->last_id, p->child[i]->last_id, sizeof p->last_id);
    return gather(p, rc);
}

int producer_cluster_note(const struct producer *p, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (p->child == NULL)
        return 0;
    const struct csync_stats *st = csync_stats(p->cs);
    return snprintf(buf, cap,
                    "cluster: %u masters; followed %llu MOVED, %llu ASK, %llu TRYAGAIN, "
                    "%llu CLUSTERDOWN",
                    csync_nodes(p->cs), (unsigned long long)st->moved, (unsigned long long)st->ask,
                    (unsigned long long)st->tryagain, (unsigned long long)st->clusterdown);
}
