/* benchsrv.c — a private, disposable redis-server for `warroom bench`. */
#include "app/bench/benchsrv.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

redisContext *benchsrv_connect(const struct benchsrv *s)
{
    redisContext *c = redisConnectUnix(s->sock);
    if (c && c->err) {
        redisFree(c);
        c = NULL;
    }
    return c;
}

int benchsrv_start(struct benchsrv *s, const char *tag)
{
    snprintf(s->dir, sizeof(s->dir), "/tmp/warroom-bench-%.12s-XXXXXX", tag);
    if (mkdtemp(s->dir) == NULL) {
        s->dir[0] = '\0';
        return -1;
    }
    snprintf(s->sock, sizeof(s->sock), "%s/redis.sock", s->dir);
    snprintf(s->url, sizeof(s->url), "unix://%s", s->sock);
    s->pid = fork();
    if (s->pid < 0)
        return -1;
    if (s->pid == 0) {
        FILE *out = freopen("/dev/null", "w", stdout);
        (void)out;
        execlp("redis-server", "redis-server", "--port", "0", "--unixsocket", s->sock, "--save",
               "", "--appendonly", "no", "--dir", s->dir, "--maxclients", "1000", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 500; i++) {
        redisContext *c = benchsrv_connect(s);
        if (c) {
            redisFree(c);
            return 0;
        }
        usleep(10000);
    }
    return -1;
}

void benchsrv_stop(struct benchsrv *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
            ;
        s->pid = 0;
    }
    if (s->dir[0]) {
        unlink(s->sock);
        rmdir(s->dir);
    }
}

void benchsrv_flush(const struct benchsrv *s)
{
    redisContext *c = benchsrv_connect(s);
    if (c) {
        freeReplyObject(redisCommand(c, "FLUSHALL"));
        redisFree(c);
    }
}
