/* benchcluster.h — throwaway TCP redis-servers for `warroom bench e2e --cluster`: N masters of a
 * local Redis Cluster (joined with redis-cli --cluster create), one plain server on TCP to
 * compare with, or a master and its replica. No persistence; killed and cleaned up afterwards. */
#ifndef WR_BENCHCLUSTER_H
#define WR_BENCHCLUSTER_H

#include <sys/types.h>

#define BENCHCLUSTER_NODES_MAX 8

struct benchcluster {
    char dir[64];
    int n;
    int port[BENCHCLUSTER_NODES_MAX];
    pid_t pid[BENCHCLUSTER_NODES_MAX];
    char url[64]; /* redis://127.0.0.1:PORT of the first node */
};

/* Starts n (1..BENCHCLUSTER_NODES_MAX) redis-servers on free TCP ports of 127.0.0.1 in a new dir
 * under /tmp; with cluster, as cluster masters joined into one cluster (all 16384 slots covered,
 * waited for until cluster_state:ok, at most 30 s). Returns 0, or -1 (call benchcluster_stop
 * anyway). */
int benchcluster_start(struct benchcluster *c, int n, int cluster);

/* Starts a master (port[0], url) and one replica of it (port[1], redis-server --replicaof) on
 * free TCP ports of 127.0.0.1 in a new dir under /tmp, and waits until the replica says
 * master_link_status:up (at most 30 s). Returns 0, or -1 (call benchcluster_stop anyway). */
int benchcluster_start_pair(struct benchcluster *c);

/* Stops every server and removes the dir. A zeroed struct is fine. */
void benchcluster_stop(struct benchcluster *c);

#endif
