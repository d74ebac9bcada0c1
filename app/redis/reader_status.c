/* reader_status.c — what the reader shows (contract in reader.h): its stats, the state of each
 * partition, and the texts for a status line (state, last error, unreadable partitions). */
#include <stdio.h>
#include <string.h>

#include "app/redis/reader_impl.h"

/* Cluster: the lane whose state is shown (the first one not up), or NULL when all are up. */
static const struct lane *worst_lane(const struct reader *rd)
{
    for (unsigned i = 0; rd->lanes_open && i < rd->cfg.partitions; i++)
        if (rconn_get_state(rd->lanes[i].rc) != RCONN_UP)
            return &rd->lanes[i];
    return NULL;
}

void reader_get_stats(const struct reader *rd, struct reader_stats *out)
{
    *out = rd->st;
    double prog = 0;
    int64_t max_lag = -1;
    for (unsigned i = 0; i < rd->cfg.partitions; i++) {
        const struct part *p = &rd->parts[i];
        if (p->caught_up) {
            prog += 1;
        } else if (p->target_known && !p->target_none && p->target_ms > p->start_ms) {
            double f = (double)(p->last_ms - p->start_ms) / (double)(p->target_ms - p->start_ms);
            prog += f < 0 ? 0 : f > 1 ? 1 : f;
        }
        if (p->lastgen_known) {
            int64_t lag = 0;
            if (pmerge_id_cmp(p->last_ms, p->last_seq, p->lastgen_ms, p->lastgen_seq) < 0)
                lag = (int64_t)(p->lastgen_ms - p->last_ms);
            if (lag > max_lag)
                max_lag = lag;
        }
    }
    out->replay_progress = out->replay_done ? 1.0 : prog / rd->cfg.partitions;
    out->replay_s = out->replay_done ? rd->replay_done_at - rd->started_at : 0;
    out->max_lag_ms = max_lag;
    out->state = rd->blk ? rconn_get_state(rd->blk) : RCONN_CLOSED;
    out->attempt = rd->blk ? rconn_attempt(rd->blk) : 0;
    if (rd->lanes_open) {
        const struct lane *w = worst_lane(rd);
        out->state = w ? rconn_get_state(w->rc) : RCONN_UP;
        out->attempt = w ? rconn_attempt(w->rc) : 0;
    }
    struct rconn_cluster_stats cs;
    out->cluster = rd->lanes != NULL;
    out->cluster_moved = rd->lanes_closed.moved;
    out->cluster_ask = rd->lanes_closed.ask;
    out->cluster_tryagain = rd->lanes_closed.tryagain;
    out->cluster_nodes = rd->lanes_closed.nodes;
    for (unsigned i = 0; rd->lanes_open && i < rd->cfg.partitions; i++) {
        rconn_cluster_stats(rd->lanes[i].rc, &cs);
        out->cluster_moved += cs.moved;
        out->cluster_ask += cs.ask;
        out->cluster_tryagain += cs.tryagain + cs.clusterdown;
        if (cs.nodes > out->cluster_nodes)
            out->cluster_nodes = cs.nodes;
    }
    if (rd->cmd && rconn_cluster_stats(rd->cmd, &cs)) {
        out->cluster_moved += cs.moved;
        out->cluster_ask += cs.ask;
        out->cluster_tryagain += cs.tryagain + cs.clusterdown;
    }
    out->cmd_state = rd->cmd ? rconn_get_state(rd->cmd) : RCONN_CLOSED;
    out->unreadable = rd->unreadable;
}

unsigned reader_partition_count(const struct reader *rd)
{
    return rd->cfg.partitions;
}

void reader_partition_info(const struct reader *rd, unsigned i, struct reader_partition *out)
{
    const struct part *p = &rd->parts[i];
    out->key = p->key;
    memcpy(out->last_id, p->last_id, sizeof(out->last_id));
    out->entries = p->entries;
    out->caught_up = p->caught_up;
    out->unreadable = p->unreadable;
    out->error = p->error;
    out->lag_ms = -1;
    if (p->lastgen_known)
        out->lag_ms = pmerge_id_cmp(p->last_ms, p->last_seq, p->lastgen_ms, p->lastgen_seq) < 0
                          ? (int64_t)(p->lastgen_ms - p->last_ms)
                          : 0;
}

const char *reader_state_text(const struct reader *rd, char *buf, size_t cap)
{
    if (rd->stopped || (rd->blk == NULL && !rd->lanes_open)) {
        snprintf(buf, cap, "stopped");
        return buf;
    }
    const struct lane *w = worst_lane(rd);
    const struct rconn *shown = rd->blk ? rd->blk : w ? w->rc : rd->lanes[0].rc;
    enum rconn_state s = rconn_get_state(shown);
    switch (s) {
    case RCONN_UP:
        if (rd->xread_failed)
            snprintf(buf, cap, "read error");
        else
            snprintf(buf, cap, "%s", rd->st.replay_done ? "live" : "replay");
        break;
    case RCONN_RECONNECTING:
        snprintf(buf, cap, "reconnecting (attempt %u)", rconn_attempt(shown));
        break;
    default:
        snprintf(buf, cap, "%s", rconn_state_name(s));
        break;
    }
    return buf;
}

const char *reader_last_error(const struct reader *rd)
{
    if (rd->blk && rconn_get_state(rd->blk) != RCONN_UP)
        return rconn_last_error(rd->blk);
    const struct lane *w = worst_lane(rd);
    if (w)
        return rconn_last_error(w->rc);
    return rd->last_error;
}

const char *reader_unreadable_text(const struct reader *rd, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (rd->unreadable == 0)
        return buf;
    const struct part *first = NULL;
    char list[64] = "";
    size_t len = 0;
    unsigned listed = 0;
    for (unsigned i = 0; i < rd->cfg.partitions; i++) {
        if (!rd->parts[i].unreadable)
            continue;
        if (first == NULL)
            first = &rd->parts[i];
        if (len + 16 < sizeof(list)) {
            int k = snprintf(list + len, sizeof(list) - len, "%s%u", listed ? "," : "", i);
            len += k > 0 ? (size_t)k : 0;
            listed++;
        }
    }
    if (rd->unreadable == 1)
        snprintf(buf, cap, "partition %s unreadable: %s", list, first->error);
    else
        snprintf(buf, cap, "%u partitions unreadable (%s%s): %s%s", rd->unreadable, list,
                 listed < rd->unreadable ? ",..." : "", first->error, ", ...");
    return buf;
}
