/* rconn_test_faults.c — rconn scenarios where the server goes away or misbehaves: restarts,
 * timeouts, blocking commands, pub/sub across reconnects, closing from callbacks, and the
 * private server (localredis). Run by test_rconn.sh through rconn_test's main. */
#include "tests/integration/rconn_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ev.h>
#include <hiredis/hiredis.h>

#include "app/redis/localredis.h"
#include "app/redis/rconn.h"
#include "app/redis/redisaddr.h"

/* ---------------------------------------------------------------------------------------------
 * restart: the server goes away and comes back; on_up fires again; data survives (AOF)
 * ------------------------------------------------------------------------------------------ */

void scenario_restart(void)
{
    struct track t = {0};
    struct rconn_opts o = {
        .command_timeout_ms = 20000, .backoff_min_ms = 50, .backoff_max_ms = 400};
    struct rconn *rc = open_url(tcp_url(""), &o, &t);
    RUN_UNTIL(t.ups == 1, 10);
    struct rec x;
    admin(rc, &x, "SET wr:test:restart %s", "kept");
    check("restart_setup", t.ups == 1 && strcmp(x.str, "OK") == 0, "ups %d", t.ups);

    int rv = system(env("RCONN_STOP_CMD"));
    check("restart_server_stopped", rv == 0, "stop command returned %d", rv);
    RUN_UNTIL(rconn_attempt(rc) >= 3, 15);
    check("restart_reconnecting",
          rconn_get_state(rc) == RCONN_RECONNECTING && rconn_attempt(rc) >= 3 &&
              t.states[t.nstates - 1] == RCONN_RECONNECTING,
          "state %s attempt %u", rconn_state_name(rconn_get_state(rc)), rconn_attempt(rc));
    struct rec q = {0};
    rconn_command(rc, r_reply, &q, "GET wr:test:restart");

    rv = system(env("RCONN_START_CMD"));
    check("restart_server_started", rv == 0, "start command returned %d", rv);
    RUN_UNTIL(t.ups == 2 && q.calls == 1, 15);
    check("restart_up_again_on_up_fires",
          t.ups == 2 && rconn_get_state(rc) == RCONN_UP && rconn_attempt(rc) == 0,
          "ups %d state %s", t.ups, rconn_state_name(rconn_get_state(rc)));
    check("restart_waiting_command_delivered_after_reconnect",
          q.calls == 1 && q.nulls == 0 && strcmp(q.str, "kept") == 0, "calls %d nulls %d '%s'",
          q.calls, q.nulls, q.str);
    int seq = 0; /* UP, RECONNECTING..., UP */
    seq = t.nstates >= 3 && t.states[0] == RCONN_UP && t.states[1] == RCONN_RECONNECTING &&
          t.attempts[1] == 1 && t.states[t.nstates - 1] == RCONN_UP;
    for (int i = 1; i < t.nstates - 1; i++)
        seq &= t.states[i] == RCONN_RECONNECTING && t.attempts[i] == (unsigned)i;
    check("restart_state_sequence", seq, "%d states", t.nstates);
    rconn_close(rc);
}

/* ---------------------------------------------------------------------------------------------
 * timeout: a stopped server; a sent command and a waiting command each get NULL once
 * ------------------------------------------------------------------------------------------ */

void scenario_timeout(void)
{
    struct track t = {0};
    struct rconn_opts o = {.command_timeout_ms = 300,
                           .connect_timeout_ms = 250,
                           .backoff_min_ms = 20,
                           .backoff_max_ms = 100};
    struct rconn *rc = open_url(tcp_url(""), &o, &t);
    RUN_UNTIL(t.ups == 1, 10);
    stopped_pid = server_pid();
    atexit(wake_server);
    if (stopped_pid <= 0 || kill(stopped_pid, SIGSTOP) < 0) {
        check("timeout_setup", 0, "cannot stop the server (pid %ld)", (long)stopped_pid);
        return;
    }
    struct rec p[3] = {{0}};
    for (int i = 0; i < 3; i++)
        rconn_command(rc, r_reply, &p[i], "PING");
    RUN_UNTIL(p[2].calls >= 1, 10);
    check("timeout_sent_commands_null_once",
          p[0].calls == 1 && p[0].nulls == 1 && p[1].calls == 1 && p[1].nulls == 1 &&
              p[2].calls == 1 && p[2].nulls == 1,
          "calls %d %d %d", p[0].calls, p[1].calls, p[2].calls);
    check("timeout_drops_connection",
          rconn_get_state(rc) == RCONN_RECONNECTING &&
              strstr(t.error, "command timed out after 300 ms"),
          "state %s error '%s'", rconn_state_name(rconn_get_state(rc)), t.error);

    struct rec w = {0};
    rconn_command(rc, r_reply, &w, "PING");
    RUN_UNTIL(w.calls >= 1, 10);
    unsigned attempts = rconn_attempt(rc);
    check("timeout_waiting_command_null_once",
          w.calls == 1 && w.nulls == 1 && w.state_at_call != RCONN_UP, "calls %d", w.calls);
    RUN_UNTIL(rconn_attempt(rc) >= attempts + 2, 10);
    check("timeout_handshake_times_out_while_stopped",
          rconn_attempt(rc) >= attempts + 2 && rconn_get_state(rc) == RCONN_RECONNECTING,
          "attempt %u error '%s'", rconn_attempt(rc), t.error);

    wake_server();
    RUN_UNTIL(t.ups == 2, 10);
    struct rec ok = {0};
    admin(rc, &ok, "ECHO %s", "back");
    check("timeout_recovers", t.ups == 2 && strcmp(ok.str, "back") == 0, "ups %d", t.ups);
    run_for(0.4);
    check("timeout_no_second_callback",
          p[0].calls == 1 && p[1].calls == 1 && p[2].calls == 1 && w.calls == 1,
          "calls %d %d %d %d", p[0].calls, p[1].calls, p[2].calls, w.calls);
    rconn_close(rc);
}

/* ---------------------------------------------------------------------------------------------
 * blocking: timeout = block + margin; BLOCK 0 has none
 * ------------------------------------------------------------------------------------------ */

void scenario_blocking(void)
{
    struct track tb = {0}, tc = {0};
    struct rconn_opts bo = {
        .mode = RCONN_MODE_BLOCKING, .command_timeout_ms = 100, .block_margin_ms = 400};
    struct rconn *b = open_url(tcp_url(""), &bo, &tb);
    struct rconn *c = open_url(tcp_url(""), NULL, &tc);
    RUN_UNTIL(tb.ups && tc.ups, 10);
    struct rec x;
    admin(c, &x, "DEL %s", "wr:test:bs");

    struct rec r1 = {0};
    rconn_command(b, r_reply, &r1, "XREAD BLOCK 400 STREAMS wr:test:empty $");
    RUN_UNTIL(r1.calls == 1, 10);
    check("blocking_timeout_is_block_plus_margin",
          r1.calls == 1 && r1.nulls == 0 && r1.type == REDIS_REPLY_NIL &&
              rconn_get_state(b) == RCONN_UP && tb.ups == 1,
          "calls %d nulls %d type %d", r1.calls, r1.nulls, r1.type);

    struct rec r2 = {0};
    rconn_command(b, r_reply, &r2, "XREAD BLOCK 0 STREAMS wr:test:bs 0");
    run_for(0.7); /* longer than command timeout + margin: BLOCK 0 must not time out */
    check("blocking_block0_has_no_timeout", r2.calls == 0 && rconn_get_state(b) == RCONN_UP,
          "calls %d", r2.calls);
    admin(c, &x, "XADD wr:test:bs * metric %s", "cpu");
    RUN_UNTIL(r2.calls == 1, 10);
    check("blocking_block0_gets_entry",
          r2.calls == 1 && r2.type == REDIS_REPLY_ARRAY && r2.elements == 1, "type %d", r2.type);

    struct rec r3 = {0};
    check("blocking_blpop_accepted",
          rconn_command(b, r_reply, &r3, "BLPOP wr:test:list %s", "0.2") == 0, "refused");
    RUN_UNTIL(r3.calls == 1, 10);
    check("blocking_blpop_times_out_on_server", r3.calls == 1 && r3.type == REDIS_REPLY_NIL,
          "type %d nulls %d", r3.type, r3.nulls);
    rconn_close(b);
    rconn_close(c);
}

/* ---------------------------------------------------------------------------------------------
 * pubsub: subscribe in on_up, messages, resubscribe after the connection is killed
 * ------------------------------------------------------------------------------------------ */

void scenario_pubsub(void)
{
    struct track tp = {.sub_channel = "wr:test:chat", .sub_pattern = "wr:test:al*"};
    struct track tc = {0};
    struct rconn_opts po = {.mode = RCONN_MODE_PUBSUB, .command_timeout_ms = 100, .name = "pubsub"};
    struct rconn *ps = open_url(tcp_url(""), &po, &tp);
    struct rconn *c = open_url(tcp_url(""), NULL, &tc);
    RUN_UNTIL(tp.confirmations == 2 && tc.ups, 10);
    check("pubsub_subscribed_in_on_up", tp.ups == 1 && tp.confirmations == 2, "confirm %d",
          tp.confirmations);
    struct rec x;
    admin(c, &x, "PUBLISH wr:test:chat %s", "hello");
    RUN_UNTIL(tp.messages == 1, 10);
    check("pubsub_message",
          tp.messages == 1 && strcmp(tp.last_kind, "message") == 0 &&
              strcmp(tp.last_channel, "wr:test:chat") == 0 && strcmp(tp.last_payload, "hello") == 0,
          "messages %d kind %s", tp.messages, tp.last_kind);
    admin(c, &x, "PUBLISH wr:test:alerts %s", "fire");
    RUN_UNTIL(tp.messages == 2, 10);
    check("pubsub_pmessage",
          tp.messages == 2 && strcmp(tp.last_kind, "pmessage") == 0 &&
              strcmp(tp.last_pattern, "wr:test:al*") == 0 &&
              strcmp(tp.last_channel, "wr:test:alerts") == 0,
          "kind %s pattern %s", tp.last_kind, tp.last_pattern);
    struct rec never = {0};
    check("pubsub_refuses_commands",
          rconn_command(ps, r_reply, &never, "PING") == -1 &&
              rconn_command(ps, r_reply, &never, "SUBSCRIBE x") == -1,
          "accepted");
    run_for(0.3); /* longer than the command timeout: subscriptions have none */
    check("pubsub_no_timeout_on_subscription", tp.ups == 1 && rconn_get_state(ps) == RCONN_UP,
          "ups %d", tp.ups);

    admin(c, &x, "CLIENT KILL TYPE %s", "pubsub");
    RUN_UNTIL(tp.ups == 2 && tp.confirmations == 4, 10);
    check("pubsub_resubscribes_after_reconnect",
          tp.ups == 2 && tp.confirmations == 4 && has_state(&tp, RCONN_RECONNECTING),
          "ups %d confirmations %d", tp.ups, tp.confirmations);
    admin(c, &x, "PUBLISH wr:test:chat %s", "again");
    RUN_UNTIL(tp.messages == 3, 10);
    check("pubsub_message_after_reconnect",
          tp.messages == 3 && strcmp(tp.last_payload, "again") == 0, "messages %d", tp.messages);
    check("pubsub_unsubscribe", rconn_unsubscribe(ps, "wr:test:chat", 0) == 0, "refused");
    RUN_UNTIL(strcmp(tp.last_kind, "unsubscribe") == 0, 10);
    check("pubsub_unsubscribe_confirmed",
          strcmp(tp.last_kind, "unsubscribe") == 0 && tp.last_count == 1, "kind %s count %lld",
          tp.last_kind, tp.last_count);
    admin(c, &x, "PUBLISH wr:test:chat %s", "unheard");
    check("pubsub_unsubscribed_channel_silent", x.integer == 0, "receivers %lld", x.integer);

    /* Close from inside the message callback. */
    tp.close_on_message = 1;
    admin(c, &x, "PUBLISH wr:test:alerts %s", "last");
    RUN_UNTIL(tp.closed_in_callback, 10);
    run_for(0.1);
    check("pubsub_close_inside_message_callback", tp.closed_in_callback && tp.messages == 4,
          "messages %d", tp.messages);
    rconn_close(c);
}

/* ---------------------------------------------------------------------------------------------
 * close: pending commands get NULL once, inside close; close from inside callbacks
 * ------------------------------------------------------------------------------------------ */

enum { NREC = 100 };
static struct rec recs[NREC];

static int all_once_null(int from, int to, int *bad_state)
{
    int ok = 1;
    *bad_state = 0;
    for (int i = from; i < to; i++) {
        ok &= recs[i].calls == 1 && recs[i].nulls == 1;
        *bad_state |= recs[i].calls && recs[i].state_at_call != RCONN_CLOSED;
    }
    return ok;
}

void scenario_close(void)
{
    int bad_state = 0;
    /* a) close while UP with 100 commands in flight */
    struct track t = {0};
    struct rconn *rc = open_url(tcp_url(""), NULL, &t);
    RUN_UNTIL(t.ups == 1, 10);
    memset(recs, 0, sizeof(recs));
    for (int i = 0; i < NREC; i++)
        rconn_command(rc, r_reply, &recs[i], "PING");
    rconn_close(rc);
    int all = all_once_null(0, NREC, &bad_state);
    check("close_pending_null_inside_close", all && !bad_state,
          "once %d, state seen in callback not CLOSED: %d", all, bad_state);
    run_for(0.2);
    check("close_no_callback_after_close", all_once_null(0, NREC, &bad_state),
          "a callback ran after close");
    check("close_no_state_callback", t.nstates == 1, "%d state callbacks", t.nstates);

    /* b) close from inside a reply callback with more replies pending */
    memset(&t, 0, sizeof(t));
    rc = open_url(tcp_url(""), NULL, &t);
    RUN_UNTIL(t.ups == 1, 10);
    memset(recs, 0, sizeof(recs));
    recs[0].close_on_reply = 1;
    for (int i = 0; i < 50; i++)
        rconn_command(rc, r_reply, &recs[i], "PING");
    RUN_UNTIL(recs[0].calls == 1, 10);
    int first_ok = recs[0].calls == 1 && recs[0].nulls == 0 && strcmp(recs[0].str, "PONG") == 0;
    check("close_inside_reply_callback", first_ok && all_once_null(1, 50, &bad_state), "first %d",
          first_ok);
    run_for(0.2);
    check("close_inside_reply_no_late_callbacks",
          recs[0].calls == 1 && all_once_null(1, 50, &bad_state), "late callback");

    /* c) close while reconnecting, commands waiting */
    char url[128];
    snprintf(url, sizeof(url), "redis://127.0.0.1:%s", env("RCONN_CLOSED_PORT"));
    memset(&t, 0, sizeof(t));
    struct rconn_opts fast = {.backoff_min_ms = 10};
    rc = open_url(url, &fast, &t);
    memset(recs, 0, sizeof(recs));
    for (int i = 0; i < 10; i++)
        rconn_command(rc, r_reply, &recs[i], "GET k");
    RUN_UNTIL(rconn_attempt(rc) >= 2, 10);
    check("close_reconnecting_setup", rconn_pending(rc) == 10, "%zu", rconn_pending(rc));
    rconn_close(rc);
    check("close_while_reconnecting", all_once_null(0, 10, &bad_state), "calls %d", recs[0].calls);

    /* d) close inside the state callback after the server kills the connection */
    struct track ta = {0}, tv = {.close_on_state = 1 + RCONN_RECONNECTING};
    struct rconn *adm = open_url(tcp_url(""), NULL, &ta);
    struct rconn *victim = open_url(tcp_url(""), NULL, &tv);
    RUN_UNTIL(ta.ups && tv.ups, 10);
    struct rec id, kill;
    admin(victim, &id, "CLIENT %s", "ID");
    char idbuf[32];
    snprintf(idbuf, sizeof(idbuf), "%lld", id.integer);
    admin(adm, &kill, "CLIENT KILL ID %s", idbuf);
    RUN_UNTIL(tv.closed_in_callback, 10);
    run_for(0.1);
    check("close_inside_state_callback",
          tv.closed_in_callback && kill.integer == 1 && tv.nstates == 2,
          "closed %d killed %lld states %d", tv.closed_in_callback, kill.integer, tv.nstates);

    /* e) close inside a NULL callback while hiredis tears down a failed connection */
    struct track tb = {0};
    struct rconn_opts bo = {.mode = RCONN_MODE_BLOCKING};
    struct rconn *b = open_url(tcp_url(""), &bo, &tb);
    RUN_UNTIL(tb.ups, 10);
    admin(b, &id, "CLIENT %s", "ID");
    snprintf(idbuf, sizeof(idbuf), "%lld", id.integer);
    memset(recs, 0, sizeof(recs));
    recs[0].close_on_reply = 1;
    rconn_command(b, r_reply, &recs[0], "XREAD BLOCK 5000 STREAMS wr:test:never $");
    rconn_command(b, r_reply, &recs[1], "XREAD BLOCK 5000 STREAMS wr:test:never $");
    run_for(0.1);
    admin(adm, &kill, "CLIENT KILL ID %s", idbuf);
    RUN_UNTIL(recs[0].calls == 1, 10);
    run_for(0.1);
    check("close_inside_null_callback_of_dying_context",
          recs[0].calls == 1 && recs[0].nulls == 1 && recs[1].calls == 1 && recs[1].nulls == 1 &&
              recs[1].state_at_call == RCONN_CLOSED && tb.nstates == 1,
          "calls %d %d states %d", recs[0].calls, recs[1].calls, tb.nstates);

    /* f) close inside on_up, with commands that were waiting for it (already sent by then) */
    struct track tu = {.close_on_up = 1};
    rc = open_url(tcp_url(""), NULL, &tu);
    memset(recs, 0, sizeof(recs));
    for (int i = 0; i < 5; i++)
        rconn_command(rc, r_reply, &recs[i], "PING");
    RUN_UNTIL(tu.closed_in_callback, 10);
    run_for(0.1);
    check("close_inside_on_up", tu.closed_in_callback && all_once_null(0, 5, &bad_state),
          "calls %d", recs[0].calls);
    rconn_close(adm);
    rconn_close(NULL);
}

/* ---------------------------------------------------------------------------------------------
 * localredis: probe, start, reuse, stop
 * ------------------------------------------------------------------------------------------ */

static int dir_mode(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? (int)(st.st_mode & 0777) : -1;
}

static pid_t pid_in(const char *pidfile)
{
    FILE *f = fopen(pidfile, "r");
    long v = 0;
    if (f) {
        if (fscanf(f, "%ld", &v) != 1)
            v = 0;
        fclose(f);
    }
    return (pid_t)v;
}

void scenario_localredis(void)
{
    char err[512], want[512];
    struct localredis_paths p;
    check("local_paths", localredis_paths(&p, err, sizeof(err)) == 0, "%s", err);
    snprintf(want, sizeof(want), "%s/warroom/redis.sock", env("XDG_RUNTIME_DIR"));
    check("local_paths_xdg", strcmp(p.sock, want) == 0, "%s", p.sock);

    struct localredis_opts o = {.probe_port = atoi(env("REDIS_PORT"))};
    char *url = localredis_url(&o, err, sizeof(err));
    snprintf(want, sizeof(want), "redis://127.0.0.1:%s", env("REDIS_PORT"));
    check("local_probe_uses_answering_tcp", url && strcmp(url, want) == 0, "%s", url ? url : err);
    free(url);

    o.probe_port = atoi(env("RCONN_CLOSED_PORT"));
    url = localredis_url(&o, err, sizeof(err));
    snprintf(want, sizeof(want), "unix://%s", p.sock);
    check("local_starts_private_server", url && strcmp(url, want) == 0, "%s", url ? url : err);
    free(url);
    pid_t pid = pid_in(p.pidfile);
    check("local_dirs_private", dir_mode(p.run_dir) == 0700 && dir_mode(p.state_dir) == 0700,
          "modes %o %o", dir_mode(p.run_dir), dir_mode(p.state_dir));
    check("local_pidfile", pid > 0 && kill(pid, 0) == 0, "pid %ld", (long)pid);

    o.quiet = 1;
    url = localredis_url(&o, err, sizeof(err));
    check("local_reuses_running_server", url && pid_in(p.pidfile) == pid, "%s", url ? url : err);

    struct track t = {0};
    struct rconn *rc = open_url(url ? url : "unix:///nonexistent", NULL, &t);
    free(url);
    RUN_UNTIL(t.ups == 1, 10);
    struct rec aof, dir;
    admin(rc, &aof, "CONFIG GET %s", "appendonly");
    admin(rc, &dir, "CONFIG GET %s", "port");
    check("local_server_config", t.ups == 1 && aof.elements == 2, "ups %d", t.ups);
    rconn_close(rc);

    char msg[512];
    enum localredis_stop_result sr = localredis_stop(msg, sizeof(msg));
    check("local_stop", sr == LOCALREDIS_STOPPED && strstr(msg, "stopped the private"), "%d %s", sr,
          msg);
    sr = localredis_stop(msg, sizeof(msg));
    check("local_stop_when_none",
          sr == LOCALREDIS_NOT_RUNNING && strstr(msg, "no private redis-server is running"),
          "%d %s", sr, msg);

    /* The socket file gone: stop falls back to the pid in the pidfile. */
    url = localredis_url(&o, err, sizeof(err));
    free(url);
    pid = pid_in(p.pidfile);
    unlink(p.sock);
    sr = localredis_stop(msg, sizeof(msg));
    check("local_stop_by_pidfile", pid > 0 && sr == LOCALREDIS_STOPPED, "%d %s", sr, msg);

    /* A run dir open to others is refused. */
    chmod(p.run_dir, 0755);
    url = localredis_url(&o, err, sizeof(err));
    check("local_refuses_open_run_dir", url == NULL && strstr(err, "open to other users"), "%s",
          url ? url : err);
    free(url);
    chmod(p.run_dir, 0700);

    o.redis_server = "/nonexistent/redis-server";
    url = localredis_url(&o, err, sizeof(err));
    check("local_missing_server_binary", url == NULL && strstr(err, "redis-server"), "%s",
          url ? url : err);
    free(url);

    unsetenv("XDG_RUNTIME_DIR");
    localredis_paths(&p, err, sizeof(err));
    snprintf(want, sizeof(want), "/tmp/warroom-%u/redis.sock", (unsigned)getuid());
    check("local_paths_tmp_fallback", strcmp(p.sock, want) == 0, "%s", p.sock);
}
