/* cmd_alerts.c — `warroom alerts`: the shared alerts from a script or a shell, with no screen:
 * list them (table or JSON), acknowledge one, add or remove a silence. It reads and writes the
 * same keys, through the same scripts, as the alerts panel and the chat's /ack and /silence. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "app/alerts/alerts.h"
#include "app/alerts/alerts_json.h"
#include "app/chat/chat.h"
#include "app/clock.h"
#include "app/cmd/cmd.h"
#include "app/config.h"
#include "app/redis/rsync.h"
#include "core/duration.h"
#include "core/text.h"

static const char alerts_help[] =
    "usage: warroom alerts [--json]\n"
    "       warroom alerts ack ID [--nick NAME]\n"
    "       warroom alerts silence MATCHER DURATION [COMMENT ...] [--nick NAME]\n"
    "       warroom alerts unsilence MATCHER [--nick NAME]\n\n"
    "Without a subcommand, lists the alerts every warroom instance shows (firing, pending,\n"
    "recently resolved) and the active silences; --json prints them as one JSON object\n"
    "{\"alerts\":[...],\"silences\":[...],\"rejected_silences\":[...]} with the fields of\n"
    "NS:{alerts}:state. A silence whose matcher is refused (e.g. a regex the bounded engine\n"
    "rejects) silences nothing: it is listed as REJECTED with the reason, and a warning goes\n"
    "to stderr.\n"
    "  ack ID        acknowledge a pending or firing alert (short id or full instance id)\n"
    "  silence       mute announcements matching MATCHER (rule name, '*', short id, instance\n"
    "                id or {label selector}) for DURATION (30m, 2h, ...)\n"
    "  unsilence     remove the silence with exactly this MATCHER\n\n"
    "exit codes: 0 ok, 1 refused (unknown id, not active, no such silence), 2 usage,\n"
    "4 Redis unreachable\n\n";

const struct cmd_entry cmd_alerts_entry = {
    .name = "alerts",
    .usage = "[--json] | ack ID | silence MATCHER DUR [COMMENT] | unsilence MATCHER",
    .summary = "list the shared alerts and silences, acknowledge, silence",
    .help = alerts_help,
    .common_options = true,
    .run = cmd_alerts,
};

struct keys {
    char state[96], acks[96], silences[96], log[96], channel[96], lease[96];
};

static void keys_init(struct keys *k, const char *ns)
{
    snprintf(k->state, sizeof k->state, "%s:" ALERTS_KEY_STATE, ns);
    snprintf(k->acks, sizeof k->acks, "%s:" ALERTS_KEY_ACKS, ns);
    snprintf(k->silences, sizeof k->silences, "%s:" ALERTS_KEY_SILENCES, ns);
    snprintf(k->log, sizeof k->log, "%s:" ALERTS_KEY_LOG, ns);
    snprintf(k->channel, sizeof k->channel, "%s:" ALERTS_CHANNEL, ns);
    snprintf(k->lease, sizeof k->lease, "%s:" ALERTS_KEY_LEASE, ns);
}

/* Reads the three hashes into a board. Returns 0, or -1 after printing the error. */
static int load_board(struct csync *c, const struct keys *k, struct alert_board *b)
{
    const char *names[3] = {k->state, k->acks, k->silences};
    int64_t now = clock_wall_ms();
    char err[256];
    for (int p = 0; p < 3; p++) {
        redisReply *r = csync_command(c, "HGETALL %s", names[p]);
        if (!r || r->type != REDIS_REPLY_ARRAY) {
            fprintf(stderr, "warroom alerts: HGETALL %s: %s\n", names[p],
                    r ? r->str : csync_error(c));
            if (r)
                freeReplyObject(r);
            return -1;
        }
        for (size_t i = 0; i + 1 < r->elements; i += 2) {
            const redisReply *f = r->element[i], *v = r->element[i + 1];
            struct alerts_msg m;
            enum alerts_msg_type t = p == 0   ? ALERTS_MSG_TRANSITION
                                     : p == 1 ? ALERTS_MSG_ACK
                                              : ALERTS_MSG_SILENCE;
            if (alerts_json_parse(v->str, v->len, t, &m) != 0) {
                if (p == 2) /* shown as rejected, not dropped: any client can write the hash */
                    alert_board_reject_silence(b, f->str, ALERTS_SILENCE_UNREADABLE,
                                               ALERT_BOARD_UNTIL_UNKNOWN);
                continue;
            }
            if (p == 0)
                alert_board_put(b, &m.entry);
            else if (p == 1)
                alert_board_ack(b, f->str, m.who, m.at_ms);
            else if (m.until_ms > now)
                alert_board_silence(b, f->str, m.until_ms, m.who, m.comment, err, sizeof err);
            alerts_msg_clear(&m);
        }
        freeReplyObject(r);
    }
    return 0;
}

static void clock_text(int64_t ms, char *buf, size_t cap)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(buf, cap, "%H:%M:%S", &tm);
}

/* With nobody holding the announcer lease, nobody evaluates the rules: says so on stderr, with
 * the time of the newest entry of the alerts log (when the board last changed). */
static void warn_if_stale(struct csync *c, const struct keys *k)
{
    redisReply *r = csync_command(c, "GET %s", k->lease);
    bool held = !r || r->type != REDIS_REPLY_NIL; /* an error: not known to be stale */
    if (r)
        freeReplyObject(r);
    if (held)
        return;
    char since[64] = "";
    r = csync_command(c, "XREVRANGE %s + - COUNT 1", k->log);
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 1 &&
        r->element[0]->type == REDIS_REPLY_ARRAY && r->element[0]->elements >= 1 &&
        r->element[0]->element[0]->type == REDIS_REPLY_STRING) {
        char when[16];
        clock_text(strtoll(r->element[0]->element[0]->str, NULL, 10), when, sizeof when);
        snprintf(since, sizeof since, "; the board last changed at %s", when);
    }
    if (r)
        freeReplyObject(r);
    fprintf(stderr,
            "warroom alerts: nobody evaluates the rules (no instance holds %s)%s: the list "
            "may be stale\n",
            k->lease, since);
}

/* Redis strings are shown through the sanitizer: a terminal must not receive raw controls. */
static const char *safe(const char *s, struct text_buf *b)
{
    text_sanitize(s ? s : "", strlen(s ? s : ""), 0, b);
    return b->s;
}

static void list_table(struct alert_board *b)
{
    const struct alert_board_entry *const *list;
    size_t n = alert_board_list(b, &list);
    struct text_buf t1 = TEXT_BUF_INIT, t2 = TEXT_BUF_INIT, t3 = TEXT_BUF_INIT;
    if (n == 0)
        printf("no alerts\n");
    for (size_t i = 0; i < n; i++) {
        const struct alert_board_entry *e = list[i];
        char v[32], th[32], since[16];
        clock_text(e->since_ms, since, sizeof since);
        printf("%-8s %-8s %s  %s  value %s (threshold %s) since %s", alert_state_name(e->state),
               rule_severity_name(e->severity), e->short_id, safe(e->id, &t1),
               alerts_value_text(e->value, v, sizeof v),
               alerts_value_text(e->threshold, th, sizeof th), since);
        if (e->acked)
            printf("  acked by %s", safe(e->ack_by, &t2));
        if (e->silenced)
            printf("  silenced");
        printf("\n");
        if (e->summary && *e->summary)
            printf("    %s\n", safe(e->summary, &t3));
    }
    const struct silence *const *sil;
    size_t ns = alert_board_silences(b, &sil);
    for (size_t i = 0; i < ns; i++) {
        char until[16];
        clock_text(sil[i]->until_ms, until, sizeof until);
        printf("silence  %s until %s by %s%s%s\n", safe(sil[i]->matcher, &t1), until,
               safe(sil[i]->who, &t2), *sil[i]->comment ? ": " : "", safe(sil[i]->comment, &t3));
    }
    const struct alert_board_rejected *rej;
    size_t nrej = alert_board_rejected_silences(b, &rej);
    for (size_t i = 0; i < nrej; i++) {
        char until[16];
        if (rej[i].until_ms == ALERT_BOARD_UNTIL_UNKNOWN)
            snprintf(until, sizeof until, "?");
        else
            clock_text(rej[i].until_ms, until, sizeof until);
        printf("silence  %s until %s REJECTED, not applied: %s\n", safe(rej[i].matcher, &t1), until,
               safe(rej[i].reason, &t2));
    }
    if (nrej > 0)
        fprintf(stderr,
                "warroom alerts: %zu silence%s rejected (they silence nothing); remove with: "
                "warroom alerts unsilence MATCHER\n",
                nrej, nrej == 1 ? "" : "s");
    text_buf_free(&t1);
    text_buf_free(&t2);
    text_buf_free(&t3);
}

static void add_num(cJSON *o, const char *name, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(o, name, v);
    else
        cJSON_AddNullToObject(o, name);
}

static void list_json(struct alert_board *b)
{
    cJSON *root = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(root, "alerts");
    const struct alert_board_entry *const *list;
    size_t n = alert_board_list(b, &list);
    for (size_t i = 0; i < n; i++) {
        const struct alert_board_entry *e = list[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", e->id);
        cJSON_AddStringToObject(o, "short", e->short_id);
        cJSON_AddStringToObject(o, "rule", e->rule);
        cJSON_AddStringToObject(o, "labels", e->labels);
        cJSON_AddStringToObject(o, "state", alert_state_name(e->state));
        cJSON_AddStringToObject(o, "severity", rule_severity_name(e->severity));
        add_num(o, "value", e->value);
        add_num(o, "threshold", e->threshold);
        add_num(o, "since_ms", (double)e->since_ms);
        cJSON_AddStringToObject(o, "summary", e->summary);
        cJSON_AddStringToObject(o, "runbook", e->runbook);
        cJSON_AddBoolToObject(o, "silenced", e->silenced);
        if (e->acked) {
            cJSON_AddStringToObject(o, "ack_by", e->ack_by ? e->ack_by : "");
            add_num(o, "ack_at_ms", (double)e->ack_at_ms);
        } else {
            cJSON_AddNullToObject(o, "ack_by");
        }
        cJSON_AddItemToArray(arr, o);
    }
    cJSON *sarr = cJSON_AddArrayToObject(root, "silences");
    const struct silence *const *sil;
    size_t ns = alert_board_silences(b, &sil);
    for (size_t i = 0; i < ns; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "matcher", sil[i]->matcher);
        add_num(o, "until_ms", (double)sil[i]->until_ms);
        cJSON_AddStringToObject(o, "who", sil[i]->who);
        cJSON_AddStringToObject(o, "comment", sil[i]->comment);
        cJSON_AddItemToArray(sarr, o);
    }
    cJSON *rarr = cJSON_AddArrayToObject(root, "rejected_silences");
    const struct alert_board_rejected *rej;
    size_t nrej = alert_board_rejected_silences(b, &rej);
    for (size_t i = 0; i < nrej; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "matcher", rej[i].matcher);
        if (rej[i].until_ms == ALERT_BOARD_UNTIL_UNKNOWN)
            cJSON_AddNullToObject(o, "until_ms");
        else
            add_num(o, "until_ms", (double)rej[i].until_ms);
        cJSON_AddStringToObject(o, "reason", rej[i].reason);
        cJSON_AddItemToArray(rarr, o);
    }
    char *s = cJSON_PrintUnformatted(root);
    if (s)
        printf("%s\n", s);
    cJSON_free(s);
    cJSON_Delete(root);
}

/* Runs one of the alert scripts; returns its integer reply, or -1 after printing an error. */
static long long run_script(struct csync *c, const char *script, int nkeys, const char **keys,
                            const char **args, int nargs)
{
    const char *argv[16];
    char nk[8];
    int argc = 0;
    snprintf(nk, sizeof nk, "%d", nkeys);
    argv[argc++] = "EVAL";
    argv[argc++] = script;
    argv[argc++] = nk;
    for (int i = 0; i < nkeys; i++)
        argv[argc++] = keys[i];
    for (int i = 0; i < nargs; i++)
        argv[argc++] = args[i];
    redisReply *r = csync_command_argv(c, argc, argv, NULL);
    long long v = -1;
    if (r && r->type == REDIS_REPLY_INTEGER)
        v = r->integer;
    else
        fprintf(stderr, "warroom alerts: %s\n", r && r->str ? r->str : csync_error(c));
    if (r)
        freeReplyObject(r);
    return v;
}

int cmd_alerts(int argc, char **argv)
{
    struct config cfg;
    char err[512], nick[64];
    if (config_load(&cfg, &argc, argv, err, sizeof err) != 0) {
        fprintf(stderr, "warroom alerts: %s\n", err);
        return EXIT_USAGE;
    }
    bool json = false;
    const char *pos[64];
    int npos = 0, rc = EXIT_OK;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            cmd_print_help(&cmd_alerts_entry, stdout);
            config_free(&cfg);
            return EXIT_OK;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if (npos < 64) {
            pos[npos++] = argv[i];
        }
    }
    const char *sub = npos ? pos[0] : "list";
    bool ok_shape =
        (strcmp(sub, "list") == 0 && npos <= 1) || (strcmp(sub, "ack") == 0 && npos == 2) ||
        (strcmp(sub, "silence") == 0 && npos >= 3) || (strcmp(sub, "unsilence") == 0 && npos == 2);
    int64_t dur = 0;
    if (ok_shape && strcmp(sub, "silence") == 0 &&
        (duration_parse_ms(pos[2], strlen(pos[2]), &dur) != 0 || dur <= 0)) {
        fprintf(stderr, "warroom alerts: silence needs a duration like 30m or 2h, not '%s'\n",
                pos[2]);
        config_free(&cfg);
        return EXIT_USAGE;
    }
    if (!ok_shape) {
        fprintf(stderr, "warroom alerts: wrong arguments for '%s'\n", sub);
        fputs(alerts_help, stderr);
        config_free(&cfg);
        return EXIT_USAGE;
    }
    chat_default_nick(cfg.nick, nick, sizeof nick);
    struct csync *c = rsync_open(&cfg, NULL, &rc);
    if (!c) {
        config_free(&cfg);
        return rc;
    }
    struct keys k;
    keys_init(&k, cfg.ns);
    struct alert_board *b = alert_board_new();
    char maxlen[16];
    snprintf(maxlen, sizeof maxlen, "%d", ALERTS_LOG_MAXLEN);
    if (load_board(c, &k, b) != 0) {
        rc = EXIT_FAILURE_GENERIC;
    } else if (strcmp(sub, "list") == 0) {
        warn_if_stale(c, &k);
        if (json)
            list_json(b);
        else
            list_table(b);
    } else if (strcmp(sub, "ack") == 0) {
        const struct alert_board_entry *e = alert_board_find(b, pos[1]);
        if (!e || (e->state != ALERT_PENDING && e->state != ALERT_FIRING)) {
            fprintf(stderr, "warroom alerts: no pending or firing alert '%s'\n", pos[1]);
            rc = EXIT_FAILURE_GENERIC;
        } else {
            char *msg = alerts_json_ack(e->id, e->short_id, nick, clock_wall_ms());
            const char *keys[] = {k.state, k.acks, k.log};
            const char *args[] = {e->id, msg, maxlen, k.channel};
            long long v = run_script(c, alerts_ack_script, 3, keys, args, 4);
            free(msg);
            if (v == 1)
                printf("acknowledged %s [%s] as %s\n", e->id, e->short_id, nick);
            else
                rc = EXIT_FAILURE_GENERIC;
        }
    } else {
        bool del = strcmp(sub, "unsilence") == 0;
        char comment[1024] = "";
        for (int i = 3; !del && i < npos; i++) {
            size_t n = strlen(comment);
            snprintf(comment + n, sizeof comment - n, "%s%s", n ? " " : "", pos[i]);
        }
        /* unsilence takes the matcher as stored, even one that was rejected */
        struct silence *s = del ? NULL : alert_silence_new(pos[1], 0, NULL, NULL, err, sizeof err);
        if (!s && !del) {
            fprintf(stderr, "warroom alerts: bad matcher '%s': %s\n", pos[1], err);
            rc = EXIT_USAGE;
        } else {
            alert_silence_free(s);
            char *msg = del ? alerts_json_unsilence(pos[1], nick, clock_wall_ms())
                            : alerts_json_silence(pos[1], clock_wall_ms() + dur, nick, comment);
            const char *keys[] = {k.silences, k.log};
            const char *args[] = {pos[1], msg, maxlen, del ? "del" : "set", k.channel};
            long long v = run_script(c, alerts_silence_script, 2, keys, args, 5);
            free(msg);
            if (v == 1) {
                char d[32];
                duration_format(dur, d, sizeof d);
                if (del)
                    printf("removed the silence %s\n", pos[1]);
                else
                    printf("silenced %s for %s\n", pos[1], d);
            } else {
                if (v == 0)
                    fprintf(stderr, "warroom alerts: no silence '%s'\n", pos[1]);
                rc = EXIT_FAILURE_GENERIC;
            }
        }
    }
    alert_board_free(b);
    csync_free(c);
    config_free(&cfg);
    return rc;
}
