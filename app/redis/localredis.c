/* localredis.c — find or start the default Redis; stop the private one (see localredis.h).
 * Start-up code: synchronous hiredis with short timeouts, fork/exec, a little polling. */
#include "app/redis/localredis.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "app/clock.h"
#include "app/errmsg.h"
#include "core/errbuf.h"
#include "core/mem.h"
#include "core/redisurl.h"

#define DEFAULT_PROBE_HOST "127.0.0.1"
#define DEFAULT_PROBE_PORT 6379
#define DEFAULT_PROBE_TIMEOUT_MS 200
#define DEFAULT_START_TIMEOUT_MS 5000
#define STOP_TIMEOUT_MS 5000
#define POLL_MS 25

enum probe_result {
    PROBE_NONE,   /* nothing answers there */
    PROBE_OK,     /* a Redis we can use (PONG, or still loading its data) */
    PROBE_NOAUTH, /* a Redis that wants a password */
};

static void say(char *msg, size_t msglen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(char *msg, size_t msglen, const char *fmt, ...)
{
    if (msg && msglen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, msglen, fmt, ap);
        va_end(ap);
    }
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

/* PINGs a server at host:port, or at the unix socket path when path is not NULL. */
static enum probe_result probe(const char *host, int port, const char *path, unsigned timeout_ms)
{
    struct timeval tv = {(time_t)(timeout_ms / 1000), (suseconds_t)(timeout_ms % 1000) * 1000};
    redisContext *c =
        path ? redisConnectUnixWithTimeout(path, tv) : redisConnectWithTimeout(host, port, tv);
    if (c == NULL)
        return PROBE_NONE;
    enum probe_result rv = PROBE_NONE;
    if (c->err == 0 && redisSetTimeout(c, tv) == REDIS_OK) {
        redisReply *r = redisCommand(c, "PING");
        if (r && r->type == REDIS_REPLY_STATUS && strcmp(r->str, "PONG") == 0)
            rv = PROBE_OK;
        else if (r && r->type == REDIS_REPLY_ERROR && strncmp(r->str, "LOADING", 7) == 0)
            rv = PROBE_OK;
        else if (r && r->type == REDIS_REPLY_ERROR && strncmp(r->str, "NOAUTH", 6) == 0)
            rv = PROBE_NOAUTH;
        if (r)
            freeReplyObject(r);
    }
    redisFree(c);
    return rv;
}

static int join(char *dst, size_t n, const char *a, const char *b)
{
    int len = snprintf(dst, n, "%s%s", a, b);
    return len < 0 || (size_t)len >= n ? -1 : 0;
}

int localredis_paths(struct localredis_paths *p, char *err, size_t errlen)
{
    memset(p, 0, sizeof(*p));
    const char *xdg_run = getenv("XDG_RUNTIME_DIR");
    int rc;
    if (xdg_run && xdg_run[0] == '/')
        rc = join(p->run_dir, sizeof(p->run_dir), xdg_run, "/warroom");
    else
        rc = snprintf(p->run_dir, sizeof(p->run_dir), "/tmp/warroom-%u", (unsigned)getuid()) < 0;
    const char *xdg_state = getenv("XDG_STATE_HOME");
    if (rc == 0 && xdg_state && xdg_state[0] == '/') {
        rc = join(p->state_dir, sizeof(p->state_dir), xdg_state, "/warroom");
    } else if (rc == 0) {
        const char *home = getenv("HOME");
        if (home == NULL || home[0] != '/') {
            struct passwd *pw = getpwuid(getuid());
            home = pw ? pw->pw_dir : NULL;
        }
        if (home == NULL || home[0] != '/')
            return errbuf_fail(err, errlen, "no home directory: set XDG_STATE_HOME or HOME");
        rc = join(p->state_dir, sizeof(p->state_dir), home, "/.local/state/warroom");
    }
    if (rc == 0)
        rc = join(p->sock, sizeof(p->sock), p->run_dir, "/redis.sock");
    if (rc == 0)
        rc = join(p->pidfile, sizeof(p->pidfile), p->run_dir, "/redis.pid");
    if (rc == 0)
        rc = join(p->logfile, sizeof(p->logfile), p->state_dir, "/redis.log");
    if (rc != 0 || strlen(p->sock) > REDISURL_PATH_MAX)
        return errbuf_fail(err, errlen,
                           "the private Redis paths are too long (XDG_RUNTIME_DIR, "
                           "XDG_STATE_HOME or HOME)");
    return 0;
}

/* mkdir -p with mode 0700 for every directory it creates. The last component must end up a
 * directory we own; when private != 0 it must also be closed to group and others (the socket
 * directory under /tmp must not be someone else's trap). */
static int make_dirs(const char *path, int private, char *err, size_t errlen)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *s = buf + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char saved = *s;
            *s = '\0';
            if (mkdir(buf, 0700) < 0 && errno != EEXIST)
                return errbuf_fail(err, errlen, "cannot create %s: %s", buf, strerror(errno));
            *s = saved;
            if (saved == '\0')
                break;
        }
    }
    struct stat st;
    if (lstat(path, &st) < 0)
        return errbuf_fail(err, errlen, "cannot use %s: %s", path, strerror(errno));
    if (!S_ISDIR(st.st_mode) || st.st_uid != getuid())
        return errbuf_fail(err, errlen, "refusing to use %s: not a directory owned by you", path);
    if (private && (st.st_mode & 077) != 0)
        return errbuf_fail(err, errlen, "refusing to use %s: open to other users (chmod 700 it)",
                           path);
    return 0;
}

/* Finds an executable redis-server. Returns 0 with the path in out, or -1. */
static int find_server(const char *given, char *out, size_t n)
{
    if (given) {
        snprintf(out, n, "%s", given);
        return access(out, X_OK) == 0 ? 0 : -1;
    }
    const char *path = getenv("PATH");
    while (path && *path) {
        size_t len = strcspn(path, ":");
        if (len > 0 && (size_t)snprintf(out, n, "%.*s/redis-server", (int)len, path) < n &&
            access(out, X_OK) == 0)
            return 0;
        path += len + (path[len] == ':');
    }
    snprintf(out, n, "/usr/bin/redis-server");
    return access(out, X_OK) == 0 ? 0 : -1;
}

/* Runs redis-server daemonized and waits for its first process to exit. */
static int spawn_server(const char *exe, const struct localredis_paths *p, char *err, size_t errlen)
{
    const char *argv[] = {
        exe,   "--port",    "0",          "--unixsocket", p->sock,    "--unixsocketperm",
        "700", "--dir",     p->state_dir, "--appendonly", "yes",      "--daemonize",
        "yes", "--pidfile", p->pidfile,   "--logfile",    p->logfile, NULL};
    pid_t pid = fork();
    if (pid < 0)
        return errbuf_fail(err, errlen, "cannot start redis-server: fork: %s", strerror(errno));
    if (pid == 0) {
        int fd = open("/dev/null", O_RDWR);
        if (fd >= 0) {
            dup2(fd, 0);
            dup2(fd, 1);
            dup2(fd, 2);
            if (fd > 2)
                close(fd);
        }
        execv(exe, (char *const *)argv);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return errbuf_fail(err, errlen, "cannot start redis-server: waitpid: %s",
                               strerror(errno));
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return errbuf_fail(err, errlen, "%s failed to start (exit status %d); see %s", exe,
                           WIFEXITED(status) ? WEXITSTATUS(status) : -1, p->logfile);
    return 0;
}

static char *unix_url(const char *sock)
{
    size_t n = strlen(sock) + sizeof("unix://");
    char *url = xmalloc(n);
    snprintf(url, n, "unix://%s", sock);
    return url;
}

char *localredis_url(const struct localredis_opts *opts, char *err, size_t errlen)
{
    struct localredis_opts o = {0};
    if (opts)
        o = *opts;
    const char *host = o.probe_host ? o.probe_host : DEFAULT_PROBE_HOST;
    int port = o.probe_port ? o.probe_port : DEFAULT_PROBE_PORT;
    unsigned probe_ms = o.probe_timeout_ms ? o.probe_timeout_ms : DEFAULT_PROBE_TIMEOUT_MS;
    unsigned start_ms = o.start_timeout_ms ? o.start_timeout_ms : DEFAULT_START_TIMEOUT_MS;

    if (port > 0) {
        enum probe_result pr = probe(host, port, NULL, probe_ms);
        if (pr == PROBE_OK) {
            int v6 = strchr(host, ':') != NULL;
            size_t n = strlen(host) + 32;
            char *url = xmalloc(n);
            snprintf(url, n, "redis://%s%s%s:%d", v6 ? "[" : "", host, v6 ? "]" : "", port);
            return url;
        }
        if (pr == PROBE_NOAUTH && !o.quiet)
            fprintf(stderr,
                    "%sthe Redis at %s:%d wants a password; using a private "
                    "server instead (set REDIS_URL=redis://:PASSWORD@%s:%d to use it)\n",
                    errmsg_prefix(), host, port, host, port);
    }

    struct localredis_paths p;
    if (localredis_paths(&p, err, errlen) < 0)
        return NULL;
    if (probe(NULL, 0, p.sock, probe_ms) == PROBE_OK)
        return unix_url(p.sock);

    if (make_dirs(p.run_dir, 1, err, errlen) < 0 || make_dirs(p.state_dir, 0, err, errlen) < 0)
        return NULL;
    char lockpath[300];
    snprintf(lockpath, sizeof(lockpath), "%s/start.lock", p.run_dir);
    int lock = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock < 0 || flock(lock, LOCK_EX) < 0) {
        errbuf_fail(err, errlen, "cannot lock %s: %s", lockpath, strerror(errno));
        if (lock >= 0)
            close(lock);
        return NULL;
    }
    char *url = NULL;
    /* Another instance may have started it while we waited for the lock. */
    if (probe(NULL, 0, p.sock, probe_ms) == PROBE_OK) {
        url = unix_url(p.sock);
        goto out;
    }
    char exe[512];
    if (find_server(o.redis_server, exe, sizeof(exe)) < 0) {
        errbuf_fail(err, errlen,
                    "no Redis found: nothing answers on %s:%d and redis-server is not "
                    "installed (apt-get install redis-server), or set REDIS_URL",
                    host, port > 0 ? port : DEFAULT_PROBE_PORT);
        goto out;
    }
    if (spawn_server(exe, &p, err, errlen) < 0)
        goto out;
    for (long long end = clock_mono_ms() + start_ms;;) {
        if (probe(NULL, 0, p.sock, probe_ms) == PROBE_OK) {
            url = unix_url(p.sock);
            break;
        }
        if (clock_mono_ms() >= end) {
            errbuf_fail(err, errlen, "redis-server did not answer on %s within %u ms; see %s",
                        p.sock, start_ms, p.logfile);
            goto out;
        }
        sleep_ms(POLL_MS);
    }
    if (!o.quiet)
        fprintf(stderr,
                "%sstarted a private redis-server at %s; stop it with "
                "'warroom server stop'\n",
                errmsg_prefix(), url);
out:
    close(lock);
    return url;
}

/* Whether pid is a live process (a zombie nobody reaped counts as gone). */
static int alive(pid_t pid)
{
    if (pid <= 0 || kill(pid, 0) < 0)
        return 0;
    char path[64], stat[256] = "";
    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    if (f) {
        if (fgets(stat, sizeof(stat), f) == NULL)
            stat[0] = '\0';
        fclose(f);
    }
    const char *paren = strrchr(stat, ')'); /* "pid (comm) S ..." */
    return !(paren && paren[1] == ' ' && paren[2] == 'Z');
}

/* The pid in the pidfile if that process is alive and is a redis-server, else 0. */
static pid_t server_pid(const char *pidfile)
{
    FILE *f = fopen(pidfile, "r");
    if (f == NULL)
        return 0;
    long v = 0;
    int ok = fscanf(f, "%ld", &v) == 1;
    fclose(f);
    if (!ok || v <= 1 || !alive((pid_t)v))
        return 0;
    char path[64], comm[64] = "";
    snprintf(path, sizeof(path), "/proc/%ld/comm", v);
    f = fopen(path, "r");
    if (f) {
        if (fgets(comm, sizeof(comm), f) == NULL)
            comm[0] = '\0';
        fclose(f);
    }
    return strncmp(comm, "redis-server", 12) == 0 ? (pid_t)v : 0;
}

enum localredis_stop_result localredis_stop(char *msg, size_t msglen)
{
    struct localredis_paths p;
    if (localredis_paths(&p, msg, msglen) < 0)
        return LOCALREDIS_STOP_FAILED;
    pid_t pid = server_pid(p.pidfile);
    int answering = probe(NULL, 0, p.sock, DEFAULT_PROBE_TIMEOUT_MS) == PROBE_OK;
    if (!answering && pid == 0) {
        say(msg, msglen, "no private redis-server is running (nothing at unix://%s)", p.sock);
        return LOCALREDIS_NOT_RUNNING;
    }
    if (answering) {
        struct timeval tv = {2, 0};
        redisContext *c = redisConnectUnixWithTimeout(p.sock, tv);
        redisReply *r = NULL;
        if (c && c->err == 0) {
            redisSetTimeout(c, (struct timeval){STOP_TIMEOUT_MS / 1000, 0});
            r = redisCommand(c, "SHUTDOWN"); /* success: the server closes, r is NULL */
        }
        if (r && r->type == REDIS_REPLY_ERROR) {
            say(msg, msglen, "the private redis-server refused SHUTDOWN: %s", r->str);
            freeReplyObject(r);
            redisFree(c);
            return LOCALREDIS_STOP_FAILED;
        }
        if (r)
            freeReplyObject(r);
        if (c)
            redisFree(c);
    } else if (kill(pid, SIGTERM) < 0) {
        say(msg, msglen, "cannot stop redis-server (pid %ld): %s", (long)pid, strerror(errno));
        return LOCALREDIS_STOP_FAILED;
    }
    for (long long end = clock_mono_ms() + STOP_TIMEOUT_MS;; sleep_ms(POLL_MS)) {
        int gone = !alive(pid) && probe(NULL, 0, p.sock, DEFAULT_PROBE_TIMEOUT_MS) == PROBE_NONE;
        if (gone)
            break;
        if (clock_mono_ms() >= end) {
            say(msg, msglen, "the private redis-server did not stop within %d ms", STOP_TIMEOUT_MS);
            return LOCALREDIS_STOP_FAILED;
        }
    }
    say(msg, msglen, "stopped the private redis-server at unix://%s (data kept in %s)", p.sock,
        p.state_dir);
    return LOCALREDIS_STOPPED;
}
