/* rconn_test.h — the harness the rconn integration scenarios share (rconn_test_lib.c): checks
 * printed as "ok NAME" / "not ok NAME: why", a libev loop run in small steps, trackers of a
 * connection's states and of command replies, and the test server's pid. */
#ifndef WR_RCONN_TEST_H
#define WR_RCONN_TEST_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include <ev.h>
#include <hiredis/hiredis.h>

#include "app/redis/rconn.h"

extern struct ev_loop *loop;
extern int failures;
extern pid_t stopped_pid; /* a server stopped with SIGSTOP by a scenario, woken by wake_server */

void check(const char *name, int cond, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* One loop iteration, returning within 5 ms even when nothing happens. */
void run_once(void);
void run_for(double s);
/* Runs the loop until cond holds or timeout_s passes (a bound against hangs, not a check). */
#define RUN_UNTIL(cond, timeout_s)                                                                 \
    do {                                                                                           \
        ev_tstamp end_ = ev_time() + (timeout_s);                                                  \
        while (!(cond) && ev_time() < end_)                                                        \
            run_once();                                                                            \
    } while (0)

/* The environment variable, or exit 2 naming it. */
const char *env(const char *name);
/* redis://127.0.0.1:$REDIS_PORT followed by suffix (eight rotating buffers). */
char *tcp_url(const char *suffix);

/* Connection tracker: every state change and on_up call, plus optional actions. */
struct track {
    struct rconn *rc;
    int ups;
    int nstates;
    enum rconn_state states[512];
    unsigned attempts[512];
    unsigned delays[512];
    char error[256];
    int close_on_state; /* 1 + state: rconn_close inside the state callback */
    int close_on_up;
    /* pub/sub */
    const char *sub_channel, *sub_pattern;
    int confirmations, messages;
    char last_kind[32], last_channel[64], last_pattern[64], last_payload[64];
    long long last_count;
    int close_on_message;
    int closed_in_callback;
};

struct rconn *open_url(const char *url, const struct rconn_opts *o, struct track *t);
int has_state(const struct track *t, enum rconn_state st);

/* Reply recorder. */
struct rec {
    int calls, nulls;
    int type;
    char str[256];
    size_t len;
    long long integer;
    size_t elements;
    enum rconn_state state_at_call;
    int close_on_reply;
    long long expect; /* for ordered INCR checks */
    int out_of_order;
};

void r_reply(struct rconn *rc, const redisReply *r, void *pd);
/* Runs one command on a short-lived connection and waits for its reply (setup and checks). */
void admin(struct rconn *rc, struct rec *x, const char *fmt, const char *arg);
pid_t server_pid(void);
void wake_server(void);

void scenario_pure(void);
void scenario_basic(void);
void scenario_unix(void);
void scenario_auth(void);
void scenario_unreachable(void);
void scenario_restart(void);
void scenario_timeout(void);
void scenario_blocking(void);
void scenario_pubsub(void);
void scenario_close(void);
void scenario_localredis(void);

#endif
