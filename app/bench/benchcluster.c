/* benchcluster.c — local TCP redis-servers, plain or as one Redis Cluster, for the benchmarks. */
#include "app/bench/benchcluster.h"

#include <errno.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* A port the kernel gives us now (and whose cluster bus port, +10000, is valid). */
static int free_port(void)
{
    for (int tries = 0; tries < 50; tries++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0)
            return -1;
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof(a);
        int port = -1;
        if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
            getsockname(fd, (struct sockaddr *)&a, &len) == 0)
            port = ntohs(a.sin_port);
        close(fd);
        if (port > 0 && port + 10000 <= 65535)
            return port;
    }
    return -1;
}

static redisContext *connect_port(int port)
{
    struct timeval tv = {1, 0};
    redisContext *ctx = redisConnectWithTimeout("127.0.0.1", port, tv);
    if (ctx && ctx->err) {
        redisFree(ctx);
        ctx = NULL;
    }
    return ctx;
}

/* Waits up to tries * 10 ms until every node answers (and, on a cluster, says cluster_state:ok). */
static int wait_ready(const struct benchcluster *c, int cluster, int tries)
{
    for (int t = 0; t < tries; t++) {
        int ready = 0;
        for (int i = 0; i < c->n; i++) {
            redisContext *ctx = connect_port(c->port[i]);
            redisReply *r = ctx ? redisCommand(ctx, cluster ? "CLUSTER INFO" : "PING") : NULL;
            if (r && r->type != REDIS_REPLY_ERROR &&
                (!cluster || strstr(r->str, "cluster_state:ok")))
                ready++;
            if (r)
                freeReplyObject(r);
            if (ctx)
                redisFree(ctx);
        }
        if (ready == c->n)
            return 0;
        usleep(10000);
    }
    return -1;
}

static int run_create(const struct benchcluster *c)
{
    char addrs[BENCHCLUSTER_NODES_MAX][32];
    char *argv[8 + BENCHCLUSTER_NODES_MAX];
    int k = 0;
    argv[k++] = "redis-cli";
    argv[k++] = "--cluster";
    argv[k++] = "create";
    for (int i = 0; i < c->n; i++) {
        snprintf(addrs[i], sizeof(addrs[i]), "127.0.0.1:%d", c->port[i]);
        argv[k++] = addrs[i];
    }
    argv[k++] = "--cluster-replicas";
    argv[k++] = "0";
    argv[k++] = "--cluster-yes";
    argv[k] = NULL;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        FILE *out = freopen("/dev/null", "w", stdout);
        FILE *err = freopen("/dev/null", "w", stderr);
        (void)out, (void)err;
        execvp(argv[0], argv);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* Creates c->dir. Returns 0, or -1. */
static int make_dir(struct benchcluster *c)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->dir, sizeof(c->dir), "/tmp/warroom-bench-cluster-XXXXXX");
    if (mkdtemp(c->dir) == NULL) {
        c->dir[0] = '\0';
        return -1;
    }
    return 0;
}

/* Starts server c->n on a free port: a cluster node when cluster, a replica of port replicaof
 * when > 0. Returns 0, or -1. */
static int spawn(struct benchcluster *c, int cluster, int replicaof)
{
    int i = c->n;
    char port[16], conf[128], master[16];
    c->port[i] = free_port();
    if (c->port[i] < 0)
        return -1;
    snprintf(port, sizeof(port), "%d", c->port[i]);
    snprintf(conf, sizeof(conf), "%s/nodes-%d.conf", c->dir, c->port[i]);
    snprintf(master, sizeof(master), "%d", replicaof);
    c->pid[i] = fork();
    if (c->pid[i] < 0)
        return -1;
    if (c->pid[i] == 0) {
        FILE *out = freopen("/dev/null", "w", stdout);
        (void)out;
        /* a master sends its first full sync at once, not after the default 5 s delay */
        char *argv[] = {"redis-server",
                        "--port",
                        port,
                        "--bind",
                        "127.0.0.1",
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--dir",
                        c->dir,
                        "--repl-diskless-sync-delay",
                        "0",
                        "--cluster-enabled",
                        cluster ? "yes" : "no",
                        "--cluster-config-file",
                        conf,
                        replicaof > 0 ? "--replicaof" : NULL,
                        "127.0.0.1",
                        master,
                        NULL};
        execvp(argv[0], argv);
        _exit(127);
    }
    c->n = i + 1;
    return 0;
}

int benchcluster_start(struct benchcluster *c, int n, int cluster)
{
    if (make_dir(c) != 0 || n < 1 || n > BENCHCLUSTER_NODES_MAX)
        return -1;
    for (int i = 0; i < n; i++)
        if (spawn(c, cluster, 0) != 0)
            return -1;
    snprintf(c->url, sizeof(c->url), "redis://127.0.0.1:%d", c->port[0]);
    if (wait_ready(c, 0, 500) != 0)
        return -1;
    if (cluster && (run_create(c) != 0 || wait_ready(c, 1, 3000) != 0))
        return -1;
    return 0;
}

/* Waits up to tries * 10 ms until the replica on port says master_link_status:up. */
static int wait_link_up(int port, int tries)
{
    for (int t = 0; t < tries; t++) {
        redisContext *ctx = connect_port(port);
        redisReply *r = ctx ? redisCommand(ctx, "INFO replication") : NULL;
        int up = r && r->type == REDIS_REPLY_STRING && strstr(r->str, "master_link_status:up");
        if (r)
            freeReplyObject(r);
        if (ctx)
            redisFree(ctx);
        if (up)
            return 0;
        usleep(10000);
    }
    return -1;
}

int benchcluster_start_pair(struct benchcluster *c)
{
    if (make_dir(c) != 0 || spawn(c, 0, 0) != 0 || spawn(c, 0, c->port[0]) != 0)
        return -1;
    snprintf(c->url, sizeof(c->url), "redis://127.0.0.1:%d", c->port[0]);
    if (wait_ready(c, 0, 500) != 0)
        return -1;
    return wait_link_up(c->port[1], 3000);
}

void benchcluster_stop(struct benchcluster *c)
{
    for (int i = 0; i < c->n; i++) {
        if (c->pid[i] > 0) {
            kill(c->pid[i], SIGTERM);
            while (waitpid(c->pid[i], NULL, 0) < 0 && errno == EINTR)
                ;
            c->pid[i] = 0;
        }
        char conf[128];
        snprintf(conf, sizeof(conf), "%s/nodes-%d.conf", c->dir, c->port[i]);
        unlink(conf);
    }
    if (c->dir[0]) {
        char path[128];
        snprintf(path, sizeof(path), "%s/dump.rdb", c->dir);
        unlink(path);
        rmdir(c->dir);
        c->dir[0] = '\0';
    }
    c->n = 0;
}
