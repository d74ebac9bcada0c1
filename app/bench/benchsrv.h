/* benchsrv.h — a throwaway redis-server for the benchmarks: a unix socket in a fresh temp dir,
 * no persistence, killed and cleaned up afterwards. */
#ifndef WR_BENCHSRV_H
#define WR_BENCHSRV_H

#include <hiredis/hiredis.h>
#include <sys/types.h>

struct benchsrv {
    char dir[64];
    char sock[128];
    char url[160]; /* unix://SOCK */
    pid_t pid;
};

/* Starts redis-server (from PATH) with its socket under /tmp/warroom-bench-TAG-XXXXXX and waits
 * up to 5 s for it to answer. Returns 0, or -1 (call benchsrv_stop anyway to clean up). */
int benchsrv_start(struct benchsrv *s, const char *tag);

/* Stops the server and removes its directory. A zeroed struct is fine. */
void benchsrv_stop(struct benchsrv *s);

/* A synchronous connection to it, or NULL. The caller frees it with redisFree. */
redisContext *benchsrv_connect(const struct benchsrv *s);

/* FLUSHALL, ignoring errors. */
void benchsrv_flush(const struct benchsrv *s);

#endif
