/* localredis.h — the Redis warroom uses when none is named (no --redis, no REDIS_URL):
 * 127.0.0.1:6379 if it answers, else a private redis-server on a unix socket that the first
 * instance starts and later ones reuse; and `warroom server stop` to stop that server.
 * Runs at start-up, before the event loop: it blocks for up to a few seconds. */
#ifndef WR_LOCALREDIS_H
#define WR_LOCALREDIS_H

#include <stddef.h>

struct localredis_opts {
    const char *probe_host;    /* NULL: "127.0.0.1" */
    int probe_port;            /* 0: 6379; -1: skip the TCP probe */
    unsigned probe_timeout_ms; /* PING deadline per probe; 0: 200 */
    unsigned start_timeout_ms; /* wait for a started server to answer; 0: 5000 */
    const char *redis_server;  /* NULL: redis-server from PATH, else /usr/bin/redis-server */
    int quiet;                 /* 1: do not announce a started server on stderr */
};

/* Where the private server lives, from the environment:
 *   socket, pidfile: $XDG_RUNTIME_DIR/warroom/ (or /tmp/warroom-$UID/ if XDG_RUNTIME_DIR is unset)
 *   data (AOF), log: $XDG_STATE_HOME/warroom/  (or ~/.local/state/warroom/) */
struct localredis_paths {
    char run_dir[256];
    char sock[256];
    char pidfile[256];
    char state_dir[256];
    char logfile[256];
};

/* Fills *p. Returns 0, or -1 with err set (path too long, no home directory). Creates nothing. */
int localredis_paths(struct localredis_paths *p, char *err, size_t errlen);

/* Finds or starts the default Redis, in this order:
 *   1. opts->probe_host:probe_port if it answers PING (a server there that wants a password is
 *      skipped with a note on stderr);
 *   2. the private socket if a server answers there;
 *   3. a new private redis-server (daemonized, --port 0, the socket with mode 700, AOF on,
 *      directories created with mode 0700), announced on stderr unless opts->quiet.
 * Concurrent callers are serialized with a lock file, so only one server is started.
 * opts may be NULL. Returns a new URL string ("redis://127.0.0.1:6379" or "unix:///...") that
 * the caller frees, or NULL with a one-line reason in err. */
char *localredis_url(const struct localredis_opts *opts, char *err, size_t errlen);

enum localredis_stop_result {
    LOCALREDIS_STOPPED = 0,     /* a private server was running and is gone now */
    LOCALREDIS_NOT_RUNNING = 1, /* nothing to stop */
    LOCALREDIS_STOP_FAILED = -1,
};

/* `warroom server stop`: SHUTDOWN through the private socket, or SIGTERM to the pid in the
 * pidfile if the socket does not answer; waits up to 5 s for it to go. Writes a one-line message
 * for the user in msg either way. */
enum localredis_stop_result localredis_stop(char *msg, size_t msglen);

#endif
