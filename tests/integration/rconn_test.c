/* rconn_test.c — integration tests for app/rconn, app/redisaddr and app/localredis against a
 * real redis-server (started by test_rconn.sh through lib.sh). Not a cmocka test: it needs the
 * server and the libev loop. Usage: rconn_test SCENARIO; prints "ok NAME" / "not ok NAME: why"
 * lines and exits 1 if any check failed. Environment: REDIS_PORT, REDIS_SOCK, REDIS_DIR,
 * RCONN_CLOSED_PORT (a port nothing listens on), RCONN_STOP_CMD, RCONN_START_CMD. */
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
 * pure: backoff, block detection, message parsing, address resolution
 * ------------------------------------------------------------------------------------------ */

static redisReply *resp_n(const char *bytes, size_t n)
{
    redisReader *r = redisReaderCreate();
    redisReaderFeed(r, bytes, n);
    void *rep = NULL;
    if (redisReaderGetReply(r, &rep) != REDIS_OK)
        rep = NULL;
    redisReaderFree(r);
    return rep;
}

static redisReply *resp(const char *bytes)
{
    return resp_n(bytes, strlen(bytes));
}

void scenario_pure(void)
{
    static const unsigned want[] = {100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000};
    int exact = 1;
    for (unsigned i = 0; i < 9; i++)
        exact &= rconn_backoff_ms(i + 1, 100, 5000, NULL) == want[i];
    check("backoff_doubles_to_cap", exact, "100,200,...,5000 expected");
    check("backoff_huge_attempt_capped", rconn_backoff_ms(1000000, 100, 5000, NULL) == 5000,
          "got %u", rconn_backoff_ms(1000000, 100, 5000, NULL));

    struct synth_rng rng;
    synth_seed(&rng, 42);
    unsigned lo = ~0u, hi = 0;
    double sum = 0;
    int n = 20000;
    for (int i = 0; i < n; i++) {
        unsigned d = rconn_backoff_ms(3, 100, 5000, &rng);
        lo = d < lo ? d : lo;
        hi = d > hi ? d : hi;
        sum += d;
    }
    check("backoff_jitter_within_20pct", lo >= 320 && hi <= 480, "range %u..%u", lo, hi);
    check("backoff_jitter_spread", lo < 330 && hi > 470 && sum / n > 395 && sum / n < 405,
          "range %u..%u mean %.1f", lo, hi, sum / n);
    /* Delays with jitter still grow strictly until the cap: 0.8 * 2d > 1.2 * d. */
    int grows = 1;
    for (int k = 0; k < 1000; k++)
        for (unsigned a = 1; a < 6; a++)
            grows &=
                rconn_backoff_ms(a + 1, 100, 5000, &rng) > rconn_backoff_ms(a, 100, 5000, &rng);
    check("backoff_jitter_monotonic_below_cap", grows, "a delay did not grow");

    struct {
        const char *words[10];
        long long want;
    } cases[] = {
        {{"XREAD", "COUNT", "10", "BLOCK", "1500", "STREAMS", "s", "0"}, 1500},
        {{"xreadgroup", "GROUP", "g", "c", "block", "0", "STREAMS", "s", ">"}, 0},
        {{"XREAD", "STREAMS", "s", "0"}, -1},
        {{"XREAD", "STREAMS", "BLOCK", "5", "0", "0"}, -1}, /* a stream named BLOCK */
        {{"XREAD", "BLOCK", "abc", "STREAMS", "s", "0"}, -1},
        {{"BLPOP", "a", "b", "2.5"}, 2500},
        {{"BRPOP", "a", "0"}, 0},
        {{"BZPOPMIN", "z", "0.0004"}, 1},
        {{"BRPOPLPUSH", "a", "b", "1"}, 1000},
        {{"BLMOVE", "a", "b", "LEFT", "RIGHT", "3"}, 3000},
        {{"BLMPOP", "0.5", "2", "a", "b", "LEFT"}, 500},
        {{"BZMPOP", "2", "1", "z", "MIN"}, 2000},
        {{"WAIT", "1", "100"}, 100},
        {{"blpop", "a", "-1"}, -1},
        {{"GET", "k"}, -1},
        {{"XADD", "s", "*", "BLOCK", "1"}, -1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int argc = 0;
        while (argc < 10 && cases[i].words[argc])
            argc++;
        long long got = rconn_block_ms(argc, cases[i].words, NULL);
        char name[64];
        snprintf(name, sizeof(name), "block_ms_%zu_%s", i, cases[i].words[0]);
        check(name, got == cases[i].want, "got %lld want %lld", got, cases[i].want);
    }

    struct rconn_msg m;
    static const char raw[] = "*3\r\n$7\r\nmessage\r\n$3\r\nch1\r\n$5\r\nhe\0lo\r\n";
    redisReply *r = resp_n(raw, sizeof(raw) - 1);
    int okm = r && rconn_message_parse(r, &m) == 0 && strcmp(m.kind, "message") == 0 &&
              m.channel_len == 3 && memcmp(m.channel, "ch1", 3) == 0 && m.payload_len == 5 &&
              memcmp(m.payload, "he\0lo", 5) == 0 && m.pattern == NULL;
    check("msg_parse_message", okm, "bad parse");
    freeReplyObject(r);
    r = resp("*4\r\n$8\r\npmessage\r\n$2\r\np*\r\n$2\r\npq\r\n$1\r\nx\r\n");
    okm = r && rconn_message_parse(r, &m) == 0 && m.pattern_len == 2 && m.channel_len == 2 &&
          memcmp(m.channel, "pq", 2) == 0 && m.payload_len == 1;
    check("msg_parse_pmessage", okm, "bad parse");
    freeReplyObject(r);
    r = resp("*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:3\r\n");
    okm = r && rconn_message_parse(r, &m) == 0 && m.count == 3 && m.payload == NULL &&
          m.channel_len == 2;
    check("msg_parse_subscribe", okm, "bad parse");
    freeReplyObject(r);
    r = resp("*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n");
    okm = r && rconn_message_parse(r, &m) == 0 && m.count == 0 && m.channel == NULL;
    check("msg_parse_unsubscribe_nil", okm, "bad parse");
    freeReplyObject(r);
    static const char *bad[] = {"*2\r\n$7\r\nmessage\r\n$3\r\nch1\r\n", ":1\r\n",
                                "*3\r\n:1\r\n$1\r\na\r\n$1\r\nb\r\n",
                                "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n$1\r\nx\r\n",
                                "*4\r\n$8\r\npmessage\r\n$2\r\np*\r\n$2\r\npq\r\n:1\r\n"};
    int rejects = 1;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        r = resp(bad[i]);
        rejects &= r != NULL && rconn_message_parse(r, &m) == -1;
        freeReplyObject(r);
    }
    check("msg_parse_rejects_malformed", rejects && rconn_message_parse(NULL, &m) == -1,
          "a malformed event was accepted");

    char err[256];
    struct redisaddr *a = redisaddr_new("redis://ops:pw@localhost:7001/3", err, sizeof(err));
    check("addr_resolves_localhost",
          a && (strcmp(a->ip, "127.0.0.1") == 0 || strcmp(a->ip, "::1") == 0) &&
              strcmp(a->display, "redis://ops@localhost:7001/3") == 0 &&
              strcmp(a->url.password, "pw") == 0,
          "ip %s display %s", a ? a->ip : "-", a ? a->display : err);
    redisaddr_free(a);
    a = redisaddr_new("redis://[::1]:6380", err, sizeof(err));
    check("addr_ipv6_literal", a && strcmp(a->ip, "::1") == 0, "%s", a ? a->ip : err);
    redisaddr_free(a);
    a = redisaddr_new("unix:///tmp/x.sock?db=1", err, sizeof(err));
    check("addr_unix_no_ip", a && a->ip[0] == '\0' && strcmp(a->url.path, "/tmp/x.sock") == 0, "%s",
          a ? a->ip : err);
    redisaddr_free(a);
    a = redisaddr_new("redis://:topsecret@no-such-host.invalid:1", err, sizeof(err));
    check("addr_unresolvable",
          a == NULL && strstr(err, "cannot resolve Redis host") &&
              strstr(err, "no-such-host.invalid") && !strstr(err, "topsecret"),
          "%s", a ? "resolved" : err);
    redisaddr_free(a);
    a = redisaddr_new("redis://h:99999", err, sizeof(err));
    check("addr_parse_error_passed_on", a == NULL && strstr(err, "port"), "%s", err);
    redisaddr_free(NULL);
}

/* ---------------------------------------------------------------------------------------------
 * basic: connect, commands, queueing before up, refusals
 * ------------------------------------------------------------------------------------------ */

void scenario_basic(void)
{
    struct track t = {0};
    struct rconn_opts o = {.name = "basic"};
    struct rconn *rc = open_url(tcp_url(""), &o, &t);
    check("new_state_connecting", rconn_get_state(rc) == RCONN_CONNECTING && t.nstates == 0,
          "state %s, %d callbacks", rconn_state_name(rconn_get_state(rc)), t.nstates);

    struct rec set = {0}, get = {0};
    int rv = rconn_command(rc, r_reply, &set, "SET wr:test:basic %s", "hello");
    check("queued_before_up_no_sync_callback", rv == 0 && set.calls == 0, "rv %d calls %d", rv,
          set.calls);
    rconn_command(rc, r_reply, &get, "GET wr:test:basic");
    check("pending_counts_waiting", rconn_pending(rc) == 2, "%zu", rconn_pending(rc));

    RUN_UNTIL(t.ups == 1 && get.calls == 1, 10);
    check("connect_up",
          t.ups == 1 && rconn_get_state(rc) == RCONN_UP && t.nstates == 1 &&
              t.states[0] == RCONN_UP,
          "ups %d states %d", t.ups, t.nstates);
    check("queued_commands_sent_in_order",
          set.calls == 1 && set.type == REDIS_REPLY_STATUS && strcmp(set.str, "OK") == 0 &&
              get.calls == 1 && strcmp(get.str, "hello") == 0,
          "set %d/%s get %d/%s", set.calls, set.str, get.calls, get.str);
    char want[128];
    snprintf(want, sizeof(want), "redis://127.0.0.1:%s", env("REDIS_PORT"));
    check("display", strcmp(rconn_display(rc), want) == 0, "%s", rconn_display(rc));

    const char *argv[3] = {"SET", "wr:test:bin", "a\0b"};
    size_t lens[3] = {3, 11, 3};
    struct rec bset = {0}, bget = {0}, err = {0}, info = {0};
    rconn_command_argv(rc, r_reply, &bset, 3, argv, lens);
    rconn_command(rc, r_reply, &bget, "GET %s", "wr:test:bin");
    rconn_command(rc, r_reply, &err, "INCR wr:test:bin");
    rconn_command(rc, r_reply, &info, "CLIENT INFO");
    RUN_UNTIL(info.calls == 1, 10);
    check("argv_binary_safe", bget.len == 3 && memcmp(bget.str, "a\0b", 3) == 0, "len %zu",
          bget.len);
    check("error_reply_is_not_null",
          err.calls == 1 && err.nulls == 0 && err.type == REDIS_REPLY_ERROR, "type %d nulls %d",
          err.type, err.nulls);
    check("client_setname", strstr(info.str, "name=warroom-basic ") != NULL, "%s", info.str);

    enum { N = 2000 };
    static struct rec incr[N];
    struct rec del;
    admin(rc, &del, "DEL %s", "wr:test:ctr");
    for (int i = 0; i < N; i++) {
        memset(&incr[i], 0, sizeof(incr[i]));
        incr[i].expect = i + 1;
        rconn_command(rc, r_reply, &incr[i], "INCR wr:test:ctr");
    }
    RUN_UNTIL(incr[N - 1].calls == 1, 20);
    int once = 1, order = 1;
    for (int i = 0; i < N; i++) {
        once &= incr[i].calls == 1 && incr[i].nulls == 0;
        order &= !incr[i].out_of_order;
    }
    check("pipeline_2000_each_once_in_order", once && order, "once %d order %d", once, order);
    check("pending_zero_when_idle", rconn_pending(rc) == 0, "%zu", rconn_pending(rc));

    struct rec never = {0};
    int refused = rconn_command(rc, r_reply, &never, "SUBSCRIBE x") == -1 &&
                  rconn_command(rc, r_reply, &never, "psubscribe x") == -1 &&
                  rconn_command(rc, r_reply, &never, "UNSUBSCRIBE") == -1 &&
                  rconn_command(rc, r_reply, &never, "MONITOR") == -1 &&
                  rconn_command(rc, r_reply, &never, "XREAD BLOCK 10 STREAMS s 0") == -1 &&
                  rconn_command(rc, r_reply, &never, "BLPOP k 1") == -1 &&
                  rconn_command_argv(rc, r_reply, &never, 0, argv, NULL) == -1 &&
                  rconn_subscribe(rc, "x", 0) == -1 && rconn_unsubscribe(rc, NULL, 0) == -1;
    struct rec xr = {0};
    int nonblocking_xread = rconn_command(rc, r_reply, &xr, "XREAD STREAMS wr:test:none 0") == 0;
    RUN_UNTIL(xr.calls == 1, 10);
    check("command_mode_refusals", refused && never.calls == 0, "refused %d calls %d", refused,
          never.calls);
    check("command_mode_xread_without_block",
          nonblocking_xread && xr.calls == 1 && xr.type == REDIS_REPLY_NIL, "type %d", xr.type);
    struct rec ignored_reply = {0};
    check("null_callback_allowed", rconn_command(rc, NULL, NULL, "PING") == 0, "refused");
    admin(rc, &ignored_reply, "ECHO %s", "after");
    check("after_null_callback", strcmp(ignored_reply.str, "after") == 0, "%s", ignored_reply.str);
    rconn_close(rc);
}

/* unix socket with ?db=N; the TCP URL /db form */
void scenario_unix(void)
{
    char url[512];
    snprintf(url, sizeof(url), "unix://%s?db=2", env("REDIS_SOCK"));
    struct track t = {0}, t0 = {0}, t2 = {0};
    struct rconn_opts o = {.name = "unix"};
    struct rconn *rc = open_url(url, &o, &t);
    struct rconn *r0 = open_url(tcp_url(""), NULL, &t0);
    struct rconn *r2 = open_url(tcp_url("/2"), NULL, &t2);
    RUN_UNTIL(t.ups && t0.ups && t2.ups, 10);
    check("unix_up",
          t.ups == 1 && strncmp(rconn_display(rc), "unix:///", 8) == 0 &&
              strstr(rconn_display(rc), "?db=2"),
          "ups %d display %s", t.ups, rconn_display(rc));
    struct rec info, set, get0, get2;
    admin(rc, &info, "CLIENT %s", "INFO");
    check("unix_selected_db", strstr(info.str, " db=2 ") != NULL, "%s", info.str);
    admin(rc, &set, "SET wr:test:db2 %s", "two");
    admin(r0, &get0, "GET %s", "wr:test:db2");
    admin(r2, &get2, "GET %s", "wr:test:db2");
    check("db_isolation", get0.type == REDIS_REPLY_NIL && strcmp(get2.str, "two") == 0,
          "db0 type %d db2 %s", get0.type, get2.str);
    rconn_close(rc);
    rconn_close(r0);
    rconn_close(r2);
}

/* ---------------------------------------------------------------------------------------------
 * auth: password, ACL user, wrong password, slow retry, SELECT refusal
 * ------------------------------------------------------------------------------------------ */

void scenario_auth(void)
{
    struct track ta = {0};
    struct rconn *adm = open_url(tcp_url(""), NULL, &ta);
    RUN_UNTIL(ta.ups == 1, 10);
    struct rec x;
    admin(adm, &x, "CONFIG SET requirepass %s", "s3cret");
    admin(adm, &x, "ACL SETUSER alice on >%s ~* &* +@all", "alice-pw");
    check("auth_setup", x.type == REDIS_REPLY_STATUS, "%s", x.str);

    struct track tg = {0}, tb = {0}, tn = {0}, tu = {0}, tub = {0}, tdb = {0};
    struct rconn_opts never = {.auth_retry_ms = RCONN_NEVER, .command_timeout_ms = 500};
    struct rconn *good = open_url(tcp_url(""), NULL, &tg);
    rconn_close(good); /* a close before the first attempt: no callback, nothing leaks */
    check("close_before_first_attempt", tg.nstates == 0, "%d states", tg.nstates);
    char url[256];
    snprintf(url, sizeof(url), "redis://:s3cret@127.0.0.1:%s", env("REDIS_PORT"));
    good = open_url(url, NULL, &tg);
    snprintf(url, sizeof(url), "redis://:nope@127.0.0.1:%s", env("REDIS_PORT"));
    struct rconn *bad = open_url(url, &never, &tb);
    struct rec queued = {0};
    rconn_command(bad, r_reply, &queued, "GET %s", "k");
    struct rconn *nopass = open_url(tcp_url(""), &never, &tn);
    snprintf(url, sizeof(url), "redis://alice:alice-pw@127.0.0.1:%s", env("REDIS_PORT"));
    struct rconn *user = open_url(url, NULL, &tu);
    snprintf(url, sizeof(url), "redis://alice:wrong@127.0.0.1:%s", env("REDIS_PORT"));
    struct rconn *userbad = open_url(url, &never, &tub);
    snprintf(url, sizeof(url), "redis://:s3cret@127.0.0.1:%s/99", env("REDIS_PORT"));
    struct rconn *baddb = open_url(url, &never, &tdb);

    RUN_UNTIL(tg.ups && tb.nstates && tn.nstates && tu.ups && tub.nstates && tdb.nstates, 10);
    struct rec ping;
    admin(good, &ping, "PING%s", "");
    check("auth_password_ok", tg.ups == 1 && strcmp(ping.str, "PONG") == 0, "ups %d ping %s",
          tg.ups, ping.str);
    check("auth_wrong_password_fails_at_once",
          tb.nstates == 1 && tb.states[0] == RCONN_AUTH_FAILED && tb.attempts[0] == 1 &&
              strncmp(tb.error, "WRONGPASS", 9) == 0,
          "states %d first %s attempt %u error '%s'", tb.nstates,
          tb.nstates ? rconn_state_name(tb.states[0]) : "-", tb.attempts[0], tb.error);
    check("auth_failed_fails_waiting_command",
          queued.calls == 1 && queued.nulls == 1 && queued.state_at_call == RCONN_AUTH_FAILED,
          "calls %d nulls %d", queued.calls, queued.nulls);
    check("auth_no_password_noauth",
          tn.nstates == 1 && tn.states[0] == RCONN_AUTH_FAILED && strstr(tn.error, "NOAUTH"),
          "states %d error '%s'", tn.nstates, tn.error);
    struct rec who;
    admin(user, &who, "ACL %s", "WHOAMI");
    check("auth_acl_user_ok", tu.ups == 1 && strcmp(who.str, "alice") == 0, "whoami %s", who.str);
    check("auth_acl_user_wrong_password",
          tub.nstates == 1 && tub.states[0] == RCONN_AUTH_FAILED &&
              strncmp(tub.error, "WRONGPASS", 9) == 0,
          "error '%s'", tub.error);
    check("auth_select_out_of_range",
          tdb.nstates == 1 && tdb.states[0] == RCONN_AUTH_FAILED && strstr(tdb.error, "DB index"),
          "error '%s'", tdb.error);

    /* RCONN_NEVER: no further attempt however long we wait. */
    run_for(0.4);
    check("auth_never_retry_stays_put",
          tb.nstates == 1 && rconn_attempt(bad) == 1 && rconn_retry_delay_ms(bad) == 0 &&
              rconn_get_state(bad) == RCONN_AUTH_FAILED,
          "states %d attempt %u", tb.nstates, rconn_attempt(bad));
    struct rec late = {0};
    rconn_command(bad, r_reply, &late, "PING");
    check("auth_failed_accepts_then_times_out", late.calls == 0, "sync callback");

    /* Slow retry: quiet AUTH_FAILED attempts, then the server is fixed and it comes up. */
    struct track ts = {0};
    struct rconn_opts slow = {.auth_retry_ms = 150};
    snprintf(url, sizeof(url), "redis://:later@127.0.0.1:%s", env("REDIS_PORT"));
    struct rconn *retry = open_url(url, &slow, &ts);
    RUN_UNTIL(ts.nstates >= 3, 10);
    int all_af = ts.nstates >= 3;
    for (int i = 0; i < ts.nstates; i++)
        all_af &= ts.states[i] == RCONN_AUTH_FAILED && ts.attempts[i] == (unsigned)i + 1 &&
                  ts.delays[i] >= 120 && ts.delays[i] <= 180;
    check("auth_slow_retry", all_af, "states %d delay %u", ts.nstates, ts.delays[0]);
    admin(adm, &x, "CONFIG SET requirepass %s", "later");
    RUN_UNTIL(ts.ups == 1, 10);
    check("auth_heals_when_server_fixed",
          ts.ups == 1 && ts.states[ts.nstates - 1] == RCONN_UP &&
              !has_state(&ts, RCONN_RECONNECTING) && rconn_attempt(retry) == 0 &&
              rconn_last_error(retry)[0] == '\0',
          "ups %d", ts.ups);

    admin(adm, &x, "CONFIG SET requirepass %s", "");
    admin(adm, &x, "ACL DELUSER %s", "alice");
    RUN_UNTIL(late.calls == 1, 10);
    check("auth_failed_command_gets_null_by_timeout", late.calls == 1 && late.nulls == 1,
          "calls %d", late.calls);
    rconn_close(good);
    rconn_close(bad);
    rconn_close(nopass);
    rconn_close(user);
    rconn_close(userbad);
    rconn_close(baddb);
    rconn_close(retry);
    rconn_close(adm);
}

/* ---------------------------------------------------------------------------------------------
 * unreachable: refused connects with growing delays; a server that never answers
 * ------------------------------------------------------------------------------------------ */

void scenario_unreachable(void)
{
    char url[128];
    snprintf(url, sizeof(url), "redis://127.0.0.1:%s", env("RCONN_CLOSED_PORT"));
    struct track t = {0};
    struct rconn_opts o = {.backoff_min_ms = 20, .backoff_max_ms = 160, .seed = 7};
    struct rconn *rc = open_url(url, &o, &t);
    RUN_UNTIL(t.nstates >= 8, 15);
    int states_ok = t.nstates >= 8, delays_ok = 1;
    unsigned nominal = 20;
    for (int i = 0; i < t.nstates && i < 8; i++) {
        states_ok &= t.states[i] == RCONN_RECONNECTING && t.attempts[i] == (unsigned)i + 1;
        delays_ok &= t.delays[i] >= nominal * 8 / 10 && t.delays[i] <= nominal * 12 / 10;
        if (i < 3)
            delays_ok &= t.delays[i + 1] > t.delays[i];
        nominal = nominal * 2 > 160 ? 160 : nominal * 2;
    }
    check("unreachable_reconnecting_attempts", states_ok, "%d states", t.nstates);
    check("unreachable_delays_grow_and_cap", delays_ok, "delays %u %u %u %u %u", t.delays[0],
          t.delays[1], t.delays[2], t.delays[3], t.delays[4]);
    check("unreachable_error_text", strstr(t.error, "refused") != NULL, "'%s'", t.error);
    check("unreachable_never_up", t.ups == 0 && !has_state(&t, RCONN_UP), "ups %d", t.ups);
    rconn_close(rc);

    /* A listener that never accepts: TCP connects, the handshake never gets an answer. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sa);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
        check("connect_timeout_setup", 0, "%s", strerror(errno));
        return;
    }
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d", ntohs(sa.sin_port));
    struct track ts = {0};
    struct rconn_opts so = {.connect_timeout_ms = 150, .backoff_min_ms = 10};
    struct rconn *silent = open_url(url, &so, &ts);
    struct rec q = {0};
    rconn_command(silent, r_reply, &q, "PING");
    RUN_UNTIL(ts.nstates >= 3, 10);
    check("connect_timeout_fires",
          ts.nstates >= 3 && ts.states[0] == RCONN_RECONNECTING &&
              strcmp(ts.error, "connect timed out after 150 ms") == 0,
          "states %d error '%s'", ts.nstates, ts.error);
    rconn_close(silent);
    check("connect_timeout_waiting_command_null_on_close", q.calls == 1 && q.nulls == 1, "calls %d",
          q.calls);
    close(fd);
}

/* ---------------------------------------------------------------------------------------------
 * main
 * ------------------------------------------------------------------------------------------ */

static const struct {
    const char *name;
    void (*run)(void);
} scenarios[] = {
    {"pure", scenario_pure},
    {"basic", scenario_basic},
    {"unix", scenario_unix},
    {"auth", scenario_auth},
    {"unreachable", scenario_unreachable},
    {"restart", scenario_restart},
    {"timeout", scenario_timeout},
    {"blocking", scenario_blocking},
    {"pubsub", scenario_pubsub},
    {"close", scenario_close},
    {"localredis", scenario_localredis},
};

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc != 2) {
        fprintf(stderr, "usage: rconn_test SCENARIO\n");
        return 2;
    }
    loop = ev_loop_new(EVFLAG_AUTO);
    for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
        if (strcmp(argv[1], scenarios[i].name) == 0) {
            scenarios[i].run();
            ev_loop_destroy(loop);
            return failures ? 1 : 0;
        }
    }
    fprintf(stderr, "rconn_test: unknown scenario %s\n", argv[1]);
    return 2;
}
