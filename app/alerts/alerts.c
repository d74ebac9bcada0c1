/* alerts.c — the on-call loop (see alerts.h): the object, its scripts, life cycle and accessors,
 * acks and silences, and rule-file reading. The board is alertfeed.c, announcing announce.c,
 * the lease alertlease.c, the evaluation slices alerteval.c (shared state in alerts_impl.h). */
#include "app/alerts/alerts_impl.h"
#include "app/config.h"
#include "app/clock.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "app/alerts/alerts_json.h"
#include "app/chat/chat.h"
#include "app/redis/rconnpair.h"
#include "core/chatlog.h"
#include "core/mem.h"
#include "core/tmpl.h"

/* ---------------------------------------------------------------------------------------------
 * Scripts (documented in alerts.h and docs/protocol.md)
 * ------------------------------------------------------------------------------------------ */

const char alerts_announce_script[] =
    "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end\n"
    "local cur = redis.call('HGET', KEYS[2], ARGV[2])\n"
    "local st = 'inactive'\n"
    "if cur then\n"
    "  local ok, o = pcall(cjson.decode, cur)\n"
    "  if ok and type(o) == 'table' and type(o.state) == 'string' then st = o.state end\n"
    "end\n"
    "if st == ARGV[3] then return 1 end\n"
    "local id = redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], '*', 'type', 'transition',"
    " 'id', ARGV[2], 'to', ARGV[3], 'json', ARGV[4])\n"
    "if ARGV[3] == 'inactive' then redis.call('HDEL', KEYS[2], ARGV[2])\n"
    "else redis.call('HSET', KEYS[2], ARGV[2], ARGV[4]) end\n"
    "if ARGV[3] ~= 'pending' and ARGV[3] ~= 'firing' then redis.call('HDEL', KEYS[4], ARGV[2])"
    " end\n"
    "redis.call('PUBLISH', ARGV[6], ARGV[4])\n"
    "return id\n";

const char alerts_ack_script[] =
    "local cur = redis.call('HGET', KEYS[1], ARGV[1])\n"
    "if not cur then return 0 end\n"
    "local ok, o = pcall(cjson.decode, cur)\n"
    "if not ok or type(o) ~= 'table' or (o.state ~= 'firing' and o.state ~= 'pending') then"
    " return 0 end\n"
    "redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])\n"
    "redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[3], '*', 'type', 'ack', 'id', ARGV[1],"
    " 'json', ARGV[2])\n"
    "redis.call('PUBLISH', ARGV[4], ARGV[2])\n"
    "return 1\n";

const char alerts_silence_script[] =
    "if ARGV[4] == 'del' then\n"
    "  if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end\n"
    "else redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end\n"
    "local t = 'silence'\n"
    "if ARGV[4] == 'del' then t = 'unsilence' end\n"
    "redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'type', t, 'matcher', ARGV[1],"
    " 'json', ARGV[2])\n"
    "redis.call('PUBLISH', ARGV[5], ARGV[2])\n"
    "return 1\n";

/* ---------------------------------------------------------------------------------------------
 * The object: requests, clock, events
 * ------------------------------------------------------------------------------------------ */

void alerts_req_free(struct req *r)
{
    alert_board_entry_clear(&r->entry);
    free(r->chat);
    free(r->note);
    free(r->what);
    free(r->who);
    free(r);
}

struct req *alerts_req_new(struct alerts *a)
{
    struct req *r = xcalloc(1, sizeof *r);
    r->a = a;
    return r;
}

double alerts_mono_ms(void)
{
    return clock_mono_s() * 1e3;
}

static char *key(const char *ns, const char *suffix)
{
    size_t n = strlen(ns) + strlen(suffix) + 2;
    char *k = xmalloc(n);
    snprintf(k, n, "%s:%s", ns, suffix);
    return k;
}

void alerts_emit(struct alerts *a, struct alerts_event_info *e)
{
    if (a->notify && !a->closing)
        a->notify(a, e, a->privdata);
}

void alerts_emit_simple(struct alerts *a, enum alerts_event ev)
{
    struct alerts_event_info e = {.ev = ev};
    alerts_emit(a, &e);
}

void alerts_notice(struct alerts *a, bool error, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    struct alerts_event_info e = {.ev = ALERTS_EV_NOTICE, .text = buf, .error = error};
    alerts_emit(a, &e);
}

/* ---------------------------------------------------------------------------------------------
 * Chat: the chat module's send script, on our command connection
 * ------------------------------------------------------------------------------------------ */

void alerts_chat_post(struct alerts *a, const char *nick, enum chatlog_kind kind, const char *text)
{
    if (!a->k_chat_log || a->closing)
        return;
    char ts[32];
    snprintf(ts, sizeof ts, "%" PRId64, clock_wall_ms());
    size_t tlen = strlen(text);
    if (tlen > CHATLOG_TEXT_MAX) /* cut on a UTF-8 boundary */
        for (tlen = CHATLOG_TEXT_MAX; tlen > 0 && ((unsigned char)text[tlen] & 0xC0) == 0x80;)
            tlen--;
    struct chat_send_args args;
    chat_send_args(&args, a->k_chat_log, a->k_chat_channel, nick, kind, text, tlen, ts);
    if (rconn_command_argv(a->cmd, NULL, NULL, CHAT_SEND_ARGC, args.argv, args.len) == 0 &&
        kind == CHATLOG_ALERT)
        a->stats.chat_sent++;
}

/* ---------------------------------------------------------------------------------------------
 * Acks and silences
 * ------------------------------------------------------------------------------------------ */

static void on_change(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct req *r = privdata;
    struct alerts *a = r->a;
    if (!a->closing) {
        if (!reply)
            alerts_notice(a, true, "%s: not sent (connection lost)", r->what);
        else if (reply->type == REDIS_REPLY_ERROR)
            alerts_notice(a, true, "%s: %s", r->what, reply->str);
        else if (reply->type == REDIS_REPLY_INTEGER && reply->integer == 0)
            alerts_notice(a, true, "%s: refused (no longer pending or firing, or unknown)",
                          r->what);
        else if (r->note)
            alerts_chat_post(a, r->who ? r->who : a->nick, CHATLOG_SYSTEM, r->note);
    }
    alerts_req_free(r);
}

int alerts_ack(struct alerts *a, const char *id_or_short, const char *who, char *err, size_t errcap)
{
    const struct alert_board_entry *e = alert_board_find(a->board, id_or_short);
    if (!e) {
        snprintf(err, errcap, "no alert '%s' (give its short id or full id; see /alerts)",
                 id_or_short);
        return -1;
    }
    if (e->state != ALERT_PENDING && e->state != ALERT_FIRING) {
        snprintf(err, errcap, "%s [%s] is %s: only pending or firing alerts take an ack", e->id,
                 e->short_id, alert_state_name(e->state));
        return -1;
    }
    if (!who || !*who)
        who = a->nick;
    char *json = alerts_json_ack(e->id, e->short_id, who, clock_wall_ms());
    char maxlen[16], note[512];
    snprintf(maxlen, sizeof maxlen, "%d", ALERTS_LOG_MAXLEN);
    snprintf(note, sizeof note, "%s acknowledged %s [%s]", who, e->id, e->short_id);
    struct req *r = alerts_req_new(a);
    r->note = xstrdup(note);
    r->what = xstrdup("ack");
    r->who = xstrdup(who);
    const char *argv[] = {"EVAL",    alerts_ack_script, "3",   a->k_state,
                          a->k_acks, a->k_log,          e->id, json,
                          maxlen,    a->k_channel};
    int rc = rconn_command_argv(a->cmd, on_change, r, 10, argv, NULL);
    free(json);
    if (rc != 0) {
        alerts_req_free(r);
        snprintf(err, errcap, "ack not sent: the connection is closing");
        return -1;
    }
    return 0;
}

static int send_silence(struct alerts *a, const char *matcher, const char *json, bool del,
                        const char *who, const char *note)
{
    char maxlen[16];
    snprintf(maxlen, sizeof maxlen, "%d", ALERTS_LOG_MAXLEN);
    struct req *r = alerts_req_new(a);
    r->note = xstrdup(note);
    r->what = xstrdup(del ? "unsilence" : "silence");
    r->who = xstrdup(who);
    const char *argv[] = {
        "EVAL", alerts_silence_script, "2",         a->k_silences, a->k_log, matcher, json,
        maxlen, del ? "del" : "set",   a->k_channel};
    if (rconn_command_argv(a->cmd, on_change, r, 10, argv, NULL) != 0) {
        alerts_req_free(r);
        return -1;
    }
    return 0;
}

int alerts_silence(struct alerts *a, const char *matcher, int64_t duration_ms, const char *who,
                   const char *comment, char *err, size_t errcap)
{
    char msg[256];
    if (duration_ms <= 0) {
        snprintf(err, errcap, "a silence needs a positive duration (e.g. 30m, 2h)");
        return -1;
    }
    struct silence *s = alert_silence_new(matcher, 0, NULL, NULL, msg, sizeof msg);
    if (!s) {
        snprintf(err, errcap, "bad matcher '%s': %s", matcher, msg);
        return -1;
    }
    alert_silence_free(s);
    if (!who || !*who)
        who = a->nick;
    int64_t until = clock_wall_ms() + duration_ms;
    char *json = alerts_json_silence(matcher, until, who, comment ? comment : "");
    char note[768], dur[32];
    if (duration_ms % 3600000 == 0)
        snprintf(dur, sizeof dur, "%" PRId64 "h", duration_ms / 3600000);
    else if (duration_ms % 60000 == 0)
        snprintf(dur, sizeof dur, "%" PRId64 "m", duration_ms / 60000);
    else
        snprintf(dur, sizeof dur, "%" PRId64 "s", (duration_ms + 999) / 1000);
    snprintf(note, sizeof note, "%s silenced %s for %s%s%s", who, matcher, dur,
             comment && *comment ? ": " : "", comment ? comment : "");
    int rc = send_silence(a, matcher, json, false, who, note);
    free(json);
    if (rc != 0)
        snprintf(err, errcap, "silence not sent: the connection is closing");
    return rc;
}

int alerts_unsilence(struct alerts *a, const char *matcher, const char *who, char *err,
                     size_t errcap)
{
    const struct silence *const *sil;
    const struct alert_board_rejected *rej;
    size_t n = alert_board_silences(a->board, &sil), k = 0;
    size_t nrej = alert_board_rejected_silences(a->board, &rej), j = 0;
    while (k < n && strcmp(sil[k]->matcher, matcher) != 0)
        k++;
    while (j < nrej && strcmp(rej[j].matcher, matcher) != 0) /* a rejected one can go too */
        j++;
    if (k == n && j == nrej) {
        snprintf(err, errcap, "no silence '%s'", matcher);
        return -1;
    }
    if (!who || !*who)
        who = a->nick;
    char *json = alerts_json_unsilence(matcher, who, clock_wall_ms());
    char note[512];
    snprintf(note, sizeof note, "%s removed the silence %s", who, matcher);
    int rc = send_silence(a, matcher, json, true, who, note);
    free(json);
    if (rc != 0)
        snprintf(err, errcap, "not sent: the connection is closing");
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Staleness: is anyone evaluating?
 * ------------------------------------------------------------------------------------------ */

static void on_watch(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct req *r = privdata;
    struct alerts *a = r->a;
    alerts_req_free(r);
    if (a->closing)
        return;
    a->watch_busy = false;
    if (!reply || a->leader)
        return;
    bool held = reply->type == REDIS_REPLY_STRING;
    if (reply->type != REDIS_REPLY_STRING && reply->type != REDIS_REPLY_NIL)
        return; /* an error: unknown, left as it was */
    if (held == (a->stale_since_ms == 0))
        return;
    a->stale_since_ms = held ? 0 : clock_wall_ms();
    alerts_emit_simple(a, ALERTS_EV_BOARD); /* the role text changed */
}

static void on_watch_timer(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop, (void)revents;
    struct alerts *a = t->data;
    if (a->leader) {
        a->stale_since_ms = 0;
        return;
    }
    if (a->watch_busy || a->stopping || rconn_get_state(a->cmd) != RCONN_UP)
        return;
    struct req *r = alerts_req_new(a);
    if (rconn_command(a->cmd, on_watch, r, "GET %s", a->k_lease) == 0)
        a->watch_busy = true;
    else
        alerts_req_free(r);
}

int64_t alerts_stale_since(const struct alerts *a)
{
    return a->leader ? 0 : a->stale_since_ms;
}

/* ---------------------------------------------------------------------------------------------
 * Life cycle
 * ------------------------------------------------------------------------------------------ */

static char *make_token(void)
{
    char host[128] = "host";
    unsigned char rnd[8] = {0};
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    if (getrandom(rnd, sizeof rnd, GRND_NONBLOCK) != (ssize_t)sizeof rnd) {
        uint64_t x = (uint64_t)clock_wall_ms() ^ ((uint64_t)getpid() << 32) ^
                     (uint64_t)(alerts_mono_ms() * 1e3);
        memcpy(rnd, &x, sizeof rnd);
    }
    char buf[200];
    int n = snprintf(buf, sizeof buf, "%s:%d:", host, (int)getpid());
    for (size_t k = 0; k < sizeof rnd && n > 0 && (size_t)n + 2 < sizeof buf; k++)
        n += snprintf(buf + n, sizeof buf - (size_t)n, "%02x", rnd[k]);
    return xstrdup(buf);
}

static void on_state(struct rconn *rc, enum rconn_state state, void *privdata)
{
    (void)rc;
    (void)state;
    alerts_emit_simple(privdata, ALERTS_EV_BOARD);
}

struct alerts *alerts_new(struct ev_loop *loop, const struct redisaddr *addr,
                          const struct alerts_opts *opts, char *err, size_t errcap)
{
    char room[CHATLOG_ROOM_MAX + 1] = "";
    if (opts->room && *opts->room && chatinput_room_normalize(opts->room, room, sizeof room) != 0) {
        snprintf(err, errcap, "bad room '%s'", opts->room);
        return NULL;
    }
    struct alerts *a = xcalloc(1, sizeof *a);
    a->loop = loop;
    a->ns = xstrdup(opts->ns ? opts->ns : "wr");
    a->nick = xstrdup(opts->nick && *opts->nick ? opts->nick : "warroom");
    a->token = make_token();
    a->k_lease = key(a->ns, ALERTS_KEY_LEASE);
    a->k_channel = key(a->ns, ALERTS_CHANNEL);
    a->k_log = key(a->ns, ALERTS_KEY_LOG);
    a->k_state = key(a->ns, ALERTS_KEY_STATE);
    a->k_acks = key(a->ns, ALERTS_KEY_ACKS);
    a->k_silences = key(a->ns, ALERTS_KEY_SILENCES);
    if (room[0]) {
        char buf[128];
        a->room = xstrdup(room);
        snprintf(buf, sizeof buf, "chat:%s", room);
        a->k_chat_channel = key(a->ns, buf);
        snprintf(buf, sizeof buf, "chat:%s:log", room);
        a->k_chat_log = key(a->ns, buf);
    }
    a->board = alert_board_new();
    a->tab = opts->tab;
    if (opts->tab && opts->rules && opts->rules->count) {
        a->engine = alert_engine_new(NULL);
        alert_engine_set_rules(a->engine, opts->rules);
    }
    a->lease_ms = opts->lease_ms ? opts->lease_ms : ALERTS_LEASE_MS;
    a->renew_ms = opts->renew_ms ? opts->renew_ms : ALERTS_RENEW_MS;
    a->eval_interval_ms = opts->eval_interval_ms ? opts->eval_interval_ms : ALERTS_EVAL_INTERVAL_MS;
    a->stall_grace_ms = opts->stall_grace_ms ? opts->stall_grace_ms : ALERTS_STALL_GRACE_MS;
    a->notify = opts->notify;
    a->privdata = opts->privdata;
    a->newest_seen = INT64_MIN;
    a->last_eval = INT64_MIN;

    ev_timer_init(&a->eval_timer, alerteval_on_timer, a->eval_interval_ms / 1000.,
                  a->eval_interval_ms / 1000.);
    ev_init(&a->slice_timer, alerteval_on_slice);
    ev_timer_init(&a->lease_timer, alertlease_on_timer, a->renew_ms / 1000., a->renew_ms / 1000.);
    ev_timer_init(&a->load_retry, alertfeed_on_load_retry, 1., 0.);
    ev_timer_init(&a->burst_timer, announce_on_burst_timer, ALERTS_CHAT_BURST_MS / 1000., 0.);
    ev_timer_init(&a->watch_timer, on_watch_timer, a->renew_ms / 1000., a->renew_ms / 1000.);
    a->watch_timer.data = a;
    ev_timer_start(loop, &a->watch_timer);
    a->eval_timer.data = a->slice_timer.data = a->lease_timer.data = a->load_retry.data = a;
    a->burst_timer.data = a;
    ev_timer_start(loop, &a->eval_timer);
    if (a->engine)
        ev_timer_start(loop, &a->lease_timer);

    struct rconnpair_opts po = {
        .name = opts->name ? opts->name : "alerts",
        .connect_timeout_ms = opts->connect_timeout_ms,
        .command_timeout_ms = opts->command_timeout_ms,
        .on_state = on_state,
        .on_sub_up = alertfeed_on_sub_up,
        .on_message = alertfeed_on_message,
        .privdata = a,
    };
    rconnpair_open(loop, addr, &po, &a->sub, &a->cmd);
    return a;
}

void alerts_set_ready(struct alerts *a)
{
    if (a->ready)
        return;
    a->ready = true;
    if (a->engine && !a->stopping) /* evaluate at once rather than at the next tick */
        alerteval_on_timer(a->loop, &a->eval_timer, 0);
}

void alerts_stop(struct alerts *a)
{
    if (a->stopping)
        return;
    a->stopping = true;
    ev_timer_stop(a->loop, &a->lease_timer);
    ev_timer_stop(a->loop, &a->slice_timer);
    announce_chat_flush(a); /* what was announced is told before the exit */
    if (a->leader) {
        alertlease_release(a);
        alertlease_step_down(a, "stopping: lease released");
    }
}

int alerts_release_blocking(struct alerts *a, struct csync *c)
{
    if (!a->leader)
        return 0;
    int rc = alertlease_release_blocking(a, c);
    a->stopping = true;
    alertlease_step_down(a, "stopping: lease released");
    return rc;
}

int alerts_read_log(struct alerts *a, rconn_reply_fn *cb, void *privdata)
{
    if (a->closing)
        return -1;
    return rconn_command(a->cmd, cb, privdata, "XRANGE %s:%s - + COUNT %d", a->ns, ALERTS_KEY_LOG,
                         ALERTS_LOG_MAXLEN * 2);
}

void alerts_free(struct alerts *a)
{
    if (!a)
        return;
    a->closing = true;
    ev_timer_stop(a->loop, &a->eval_timer);
    ev_timer_stop(a->loop, &a->slice_timer);
    ev_timer_stop(a->loop, &a->lease_timer);
    ev_timer_stop(a->loop, &a->load_retry);
    ev_timer_stop(a->loop, &a->burst_timer);
    ev_timer_stop(a->loop, &a->watch_timer);
    announce_burst_clear(a);
    rconn_close(a->sub);
    rconn_close(a->cmd);
    alertfeed_reset(a);
    alertfeed_queue_clear(a);
    for (size_t k = 0; k < a->ninflight; k++)
        free(a->inflight[k].id);
    free(a->inflight);
    alert_engine_free(a->engine);
    alert_board_free(a->board);
    free(a->ns);
    free(a->room);
    free(a->nick);
    free(a->token);
    free(a->leader_nick);
    free(a->k_lease);
    free(a->k_channel);
    free(a->k_log);
    free(a->k_state);
    free(a->k_acks);
    free(a->k_silences);
    free(a->k_chat_log);
    free(a->k_chat_channel);
    free(a);
}

size_t alerts_pending(const struct alerts *a)
{
    return rconn_pending(a->cmd);
}

struct alert_board *alerts_board(struct alerts *a)
{
    return a->board;
}

struct alert_engine *alerts_engine(struct alerts *a)
{
    return a->engine;
}

double alerts_live_value(struct alerts *a, const char *id)
{
    if (!a->engine)
        return NAN;
    const struct alert_instance *in = alert_find(a->engine, id);
    return in && strcmp(in->id, id) == 0 ? in->value : NAN;
}

bool alerts_is_leader(const struct alerts *a)
{
    return a->leader;
}

bool alerts_board_loaded(const struct alerts *a)
{
    return a->loaded;
}

const char *alerts_token(const struct alerts *a)
{
    return a->token;
}

/* The role alone: "leader", "follower (leader: NICK)", ... */
static const char *role_text(const struct alerts *a, char *buf, size_t cap)
{
    enum rconn_state st = rconn_get_state(a->cmd);
    if (st != RCONN_UP)
        snprintf(buf, cap, "%s", rconn_state_name(st));
    else if (!a->engine)
        snprintf(buf, cap, "display only");
    else if (a->leader)
        snprintf(buf, cap, "leader");
    else if (!a->ready)
        snprintf(buf, cap, "starting");
    else if (!a->warm)
        snprintf(buf, cap, "warming up");
    else if (a->leader_nick)
        snprintf(buf, cap, "follower (leader: %s)", a->leader_nick);
    else
        snprintf(buf, cap, "follower");
    return buf;
}

const char *alerts_role_text(const struct alerts *a, char *buf, size_t cap)
{
    const struct alert_board_rejected *rej;
    size_t nrej = alert_board_rejected_silences(a->board, &rej);
    char role[96];
    if (nrej == 0)
        return role_text(a, buf, cap);
    /* the rejections first: a short buffer cuts the role, not them */
    snprintf(buf, cap, "%zu silence%s rejected; %s", nrej, nrej == 1 ? "" : "s",
             role_text(a, role, sizeof role));
    return buf;
}

void alerts_get_stats(const struct alerts *a, struct alerts_stats *out)
{
    *out = a->stats;
}

/* ---------------------------------------------------------------------------------------------
 * Rule files
 * ------------------------------------------------------------------------------------------ */

int alerts_load_rules(const char *path, struct rule_set *out, char *err, size_t errcap)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errcap, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, len = 0;
    char *text = xmalloc(cap);
    size_t n;
    while ((n = fread(text + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            cap *= 2;
            text = xrealloc(text, cap);
        }
    }
    bool failed = ferror(f) != 0;
    int saved = errno;
    fclose(f);
    if (failed) {
        snprintf(err, errcap, "cannot read %s: %s", path, strerror(saved));
        free(text);
        return -1;
    }
    int rc = rule_parse_file_text(text, len, path, out, err, errcap);
    free(text);
    return rc == 0 ? 0 : -2;
}

const char *alerts_rules_path(const char *cfg_rules, char *buf, size_t cap)
{
    if (cfg_rules && *cfg_rules) {
        snprintf(buf, cap, "%s", cfg_rules);
        return buf;
    }
    int n = config_user_path("rules.conf", buf, cap);
    if (n < 0 || (size_t)n >= cap || access(buf, F_OK) != 0)
        return NULL;
    return buf;
}
