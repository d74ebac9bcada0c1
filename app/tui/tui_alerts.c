/* tui_alerts.c — the alerts feature in the interface (see tui_alerts.h): board -> panel rows,
 * panel keys, chat commands, the bell. */
#include "app/tui/tui_alerts.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/alerts/alerts_json.h"
#include "app/chat/chat.h"
#include "app/clock.h"
#include "app/redis/rsync.h"
#include "app/tui/tui_timeline.h"
#include "core/duration.h"
#include "core/mem.h"
#include "core/text.h"
#include "ui/ui.h"

struct tui_alerts {
    struct alerts *al;
    const struct config *cfg;
    const struct redisaddr *addr; /* borrowed: for the lease release at exit */
    struct model *model;
    const struct series_table *tab;
    bool bell_on;
    char *who; /* nick for acks and silences from the panel */
    void (*changed)(void *privdata);
    void (*open_series)(void *privdata, const struct series *s);
    void (*open_timeline)(void *privdata);
    void *privdata;
    struct tui_timeline *timeline; /* `t`: the incident timeline */

    /* The rows handed to the model and each row's instance id (ids[i] for rows[i], both
     * rows_cap long). Every string of a row, its id included, lives in the one arena, rewritten
     * by each rebuild: rows and ids own nothing, so a list that shrinks or grows leaves nothing
     * behind to free. */
    struct model_alert *rows;
    const char **ids;
    size_t nrows, rows_cap;
    char *arena;
    size_t arena_len, arena_cap;

    char note[96];
    double note_until; /* monotonic ms */
    double last_bell;  /* monotonic ms */
};

/* ---------------------------------------------------------------------------------------------
 * Rows
 * ------------------------------------------------------------------------------------------ */

/* Appends s (sanitised unless raw) to the arena; returns its offset. */
static size_t arena_add(struct tui_alerts *ta, const char *s, bool raw, struct text_buf *tb)
{
    const char *src = s ? s : "";
    size_t n = strlen(src);
    if (!raw) {
        text_sanitize(src, n, 0, tb);
        src = tb->s;
        n = tb->len;
    }
    if (ta->arena_len + n + 1 > ta->arena_cap) {
        ta->arena_cap = (ta->arena_len + n + 1) * 2;
        ta->arena = xrealloc(ta->arena, ta->arena_cap);
    }
    size_t off = ta->arena_len;
    memcpy(ta->arena + off, src, n);
    ta->arena[off + n] = '\0';
    ta->arena_len += n + 1;
    return off;
}

static enum model_severity model_severity(enum rule_severity s)
{
    switch (s) {
    case RULE_SEV_INFO:
        return MODEL_SEV_INFO;
    case RULE_SEV_WARNING:
        return MODEL_SEV_WARN;
    case RULE_SEV_CRITICAL:
        return MODEL_SEV_CRIT;
    default:
        return MODEL_SEV_PAGE;
    }
}

/* Offsets of each row's strings while the arena may still move. */
struct row_offs {
    size_t id, state, name, labels, summary, short_id, value, threshold, ack_by;
};

static void rebuild_rows(struct tui_alerts *ta)
{
    struct alert_board *b = alerts_board(ta->al);
    const struct alert_board_entry *const *list;
    size_t n = alert_board_list(b, &list);
    int64_t now = clock_wall_ms();
    if (n > ta->rows_cap) {
        ta->rows_cap = n;
        ta->rows = xrealloc(ta->rows, n * sizeof *ta->rows);
        ta->ids = xrealloc(ta->ids, n * sizeof *ta->ids);
    }
    struct row_offs *offs = xmalloc((n + 1) * sizeof *offs);
    struct text_buf tb = TEXT_BUF_INIT;
    ta->arena_len = 0;
    for (size_t i = 0; i < n; i++) {
        const struct alert_board_entry *e = list[i];
        char v[32], th[64];
        double live = alerts_live_value(ta->al, e->id);
        alerts_value_text(isnan(live) || e->state == ALERT_RESOLVED ? e->value : live, v, sizeof v);
        alerts_threshold_text(e->expr, th, sizeof th);
        offs[i] = (struct row_offs){
            .id = arena_add(ta, e->id, true, &tb), /* kept as is: the board's key */
            .state = arena_add(ta, alert_state_name(e->state), true, &tb),
            .name = arena_add(ta, e->rule, false, &tb),
            .labels = arena_add(ta, e->labels, false, &tb),
            .summary = arena_add(ta, e->summary, false, &tb),
            .short_id = arena_add(ta, e->short_id, false, &tb),
            .value = arena_add(ta, v, true, &tb),
            .threshold = arena_add(ta, th, false, &tb),
            .ack_by = arena_add(ta, e->acked ? e->ack_by : "", false, &tb),
        };
        ta->rows[i] = (struct model_alert){
            .severity = model_severity(e->severity),
            .since_ms = e->since_ms,
            .acked = e->acked,
            .silenced = e->silenced ||
                        alert_board_silenced(b, e->rule, e->short_id, e->labels, now) != NULL,
        };
    }
    for (size_t i = 0; i < n; i++) {
        struct model_alert *r = &ta->rows[i];
        ta->ids[i] = ta->arena + offs[i].id;
        r->state = ta->arena + offs[i].state;
        r->name = ta->arena + offs[i].name;
        r->series = ta->arena + offs[i].labels;
        r->summary = ta->arena + offs[i].summary;
        r->short_id = ta->arena + offs[i].short_id;
        r->value = ta->arena + offs[i].value;
        r->threshold = ta->arena[offs[i].threshold] ? ta->arena + offs[i].threshold : NULL;
        r->ack_by = r->acked ? ta->arena + offs[i].ack_by : NULL;
    }
    free(offs);
    text_buf_free(&tb);
    ta->nrows = n;
    ta->model->alerts = ta->rows;
    ta->model->nalerts = n;
    ta->model->alerts_stale_since_ms = alerts_stale_since(ta->al);

    if (alerts_mono_ms() > ta->note_until) {
        char role[64];
        alerts_role_text(ta->al, role, sizeof role);
        snprintf(ta->model->alert_note, sizeof ta->model->alert_note, "%s", role);
    }
}

static void set_note(struct tui_alerts *ta, const char *text)
{
    struct text_buf tb = TEXT_BUF_INIT;
    text_sanitize(text, strlen(text), 0, &tb);
    snprintf(ta->model->alert_note, sizeof ta->model->alert_note, "%s", tb.s);
    text_buf_free(&tb);
    ta->note_until = alerts_mono_ms() + TUI_ALERTS_NOTE_MS;
}

/* ---------------------------------------------------------------------------------------------
 * Events and the panel's keys
 * ------------------------------------------------------------------------------------------ */

static void on_alerts(struct alerts *a, const struct alerts_event_info *e, void *privdata)
{
    (void)a;
    struct tui_alerts *ta = privdata;
    switch (e->ev) {
    case ALERTS_EV_TRANSITION:
        if (e->bell && ta->bell_on) {
            double now = alerts_mono_ms();
            if (ta->last_bell == 0 || now - ta->last_bell >= TUI_ALERTS_BELL_GAP_MS) {
                ta->last_bell = now;
                ui_bell();
            }
        }
        return; /* a BOARD event follows */
    case ALERTS_EV_NOTICE:
        set_note(ta, e->text);
        break;
    case ALERTS_EV_LEADER:
        set_note(ta, alerts_is_leader(ta->al) ? "now leader" : e->text);
        break;
    default:
        break;
    }
    rebuild_rows(ta);
    ta->changed(ta->privdata);
}

/* row indexes the rows as last rebuilt (the model's). The id and short id are copied before
 * acting: the rows' arena and the board's entries belong to whatever rebuilds or updates them
 * next, and nothing here may depend on that not happening during the action. */
static void on_action(void *privdata, enum model_alert_action action, size_t row)
{
    struct tui_alerts *ta = privdata;
    char err[256], note[320], short_id[ALERT_SHORT_ID_LEN + 1];
    if (row >= ta->nrows)
        return;
    const struct alert_board_entry *e = alert_board_find(alerts_board(ta->al), ta->ids[row]);
    if (!e || strcmp(e->id, ta->ids[row]) != 0) {
        set_note(ta, "that alert is gone");
        return;
    }
    char *id = xstrdup(e->id);
    snprintf(short_id, sizeof short_id, "%s", e->short_id);
    switch (action) {
    case MODEL_ALERT_ACK:
        if (alerts_ack(ta->al, id, ta->who, err, sizeof err) == 0)
            snprintf(note, sizeof note, "ack sent for %s", short_id);
        else
            snprintf(note, sizeof note, "%s", err);
        set_note(ta, note);
        break;
    case MODEL_ALERT_SILENCE: {
        const struct silence *const *sil;
        size_t n = alert_board_silences(alerts_board(ta->al), &sil), k = 0;
        while (k < n && strcmp(sil[k]->matcher, id) != 0)
            k++;
        bool lift = k < n;
        int rc = lift ? alerts_unsilence(ta->al, id, ta->who, err, sizeof err)
                      : alerts_silence(ta->al, id, TUI_ALERTS_SILENCE_MS, ta->who,
                                       "from the alerts panel", err, sizeof err);
        if (rc == 0)
            snprintf(note, sizeof note, "%s %s",
                     lift ? "silence lifted for" : "silenced 1h:", short_id);
        else
            snprintf(note, sizeof note, "%s", err);
        set_note(ta, note);
        break;
    }
    case MODEL_ALERT_TIMELINE:
        tui_timeline_request(ta->timeline, ta->al, id, short_id);
        ta->open_timeline(ta->privdata);
        break;
    case MODEL_ALERT_OPEN: {
        const struct series *s = NULL;
        if (e->series && *e->series)
            s = series_table_find(ta->tab, e->series, strlen(e->series));
        if (s)
            ta->open_series(ta->privdata, s);
        else
            set_note(ta, e->series && *e->series ? "series not in this window"
                                                 : "a group alert: no single series");
        break;
    }
    }
    free(id);
    rebuild_rows(ta);
    ta->changed(ta->privdata);
}

/* ---------------------------------------------------------------------------------------------
 * Chat commands
 * ------------------------------------------------------------------------------------------ */

/* Next blank-separated word of *p (advanced past it) into buf; false when none. */
static bool word(const char **p, char *buf, size_t cap)
{
    const char *s = *p;
    while (*s == ' ' || *s == '\t')
        s++;
    if (!*s)
        return false;
    size_t n = 0;
    while (s[n] && s[n] != ' ' && s[n] != '\t')
        n++;
    snprintf(buf, cap, "%.*s", (int)n, s);
    *p = s + n;
    return true;
}

static void list_alerts(struct tui_alerts *ta, char *reply, size_t cap)
{
    struct alert_board *b = alerts_board(ta->al);
    const struct alert_board_entry *const *list;
    size_t n = alert_board_list(b, &list), len = 0;
    int64_t now = clock_wall_ms();
    reply[0] = '\0';
    for (size_t i = 0; i < n && len < cap; i++) {
        const struct alert_board_entry *e = list[i];
        if (e->state == ALERT_RESOLVED)
            continue;
        char v[32], th[64], age[32] = "";
        alerts_value_text(e->value, v, sizeof v);
        alerts_threshold_text(e->expr, th, sizeof th);
        if (e->since_ms > 0 && now >= e->since_ms)
            duration_format((now - e->since_ms) / 1000 * 1000, age, sizeof age);
        len += (size_t)snprintf(reply + len, cap - len, "%s%s %s [%s] %s value %s %s for %s%s%s",
                                len ? "\n" : "", e->state == ALERT_FIRING ? "FIRING" : "pending",
                                rule_severity_name(e->severity), e->short_id, e->id, v, th, age,
                                e->acked ? " ack:" : "", e->acked ? e->ack_by : "");
    }
    if (len == 0)
        len = (size_t)snprintf(reply, cap, "no pending or firing alerts");
    const struct silence *const *sil;
    size_t ns = alert_board_silences(b, &sil);
    for (size_t i = 0; i < ns && len < cap; i++) {
        char until[16];
        time_t t = (time_t)(sil[i]->until_ms / 1000);
        struct tm tm;
        localtime_r(&t, &tm);
        strftime(until, sizeof until, "%H:%M", &tm);
        len += (size_t)snprintf(reply + len, cap - len, "\nsilence %s until %s by %s%s%s",
                                sil[i]->matcher, until, sil[i]->who, *sil[i]->comment ? ": " : "",
                                sil[i]->comment);
    }
    const struct alert_board_rejected *rej;
    size_t nrej = alert_board_rejected_silences(b, &rej);
    for (size_t i = 0; i < nrej && len < cap; i++)
        len += (size_t)snprintf(reply + len, cap - len,
                                "\nsilence %s REJECTED, not applied: %s (/unsilence it)",
                                rej[i].matcher, rej[i].reason);
}

bool tui_alerts_command(struct tui_alerts *ta, const char *line, const char *who, char *reply,
                        size_t cap, bool *reply_error)
{
    char cmd[32], a1[512], a2[64], err[256];
    const char *p = line;
    *reply_error = false;
    if (!word(&p, cmd, sizeof cmd))
        return false;
    if (!who || !*who)
        who = ta->who;
    if (strcmp(cmd, "/alerts") == 0) {
        list_alerts(ta, reply, cap);
        return true;
    }
    if (strcmp(cmd, "/ack") == 0) {
        if (!word(&p, a1, sizeof a1)) {
            snprintf(reply, cap, "usage: /ack ID (the short id shown in the alerts panel)");
            *reply_error = true;
        } else if (alerts_ack(ta->al, a1, who, err, sizeof err) != 0) {
            snprintf(reply, cap, "%s", err);
            *reply_error = true;
        } else {
            snprintf(reply, cap, "ack sent for %s", a1);
        }
        return true;
    }
    if (strcmp(cmd, "/silence") == 0) {
        int64_t ms = 0;
        if (!word(&p, a1, sizeof a1) || !word(&p, a2, sizeof a2) ||
            duration_parse_ms(a2, strlen(a2), &ms) != 0 || ms <= 0) {
            snprintf(reply, cap,
                     "usage: /silence RULE|ID DURATION [comment] (e.g. /silence "
                     "api_latency_high 2h deploy)");
            *reply_error = true;
            return true;
        }
        while (*p == ' ' || *p == '\t')
            p++;
        /* a short id or an instance id of a listed alert is kept as written: the engine matches
         * both */
        if (alerts_silence(ta->al, a1, ms, who, p, err, sizeof err) != 0) {
            snprintf(reply, cap, "%s", err);
            *reply_error = true;
        } else {
            snprintf(reply, cap, "silence sent: %s for %s", a1, a2);
        }
        return true;
    }
    if (strcmp(cmd, "/unsilence") == 0) {
        if (!word(&p, a1, sizeof a1)) {
            snprintf(reply, cap, "usage: /unsilence MATCHER (as listed by /alerts)");
            *reply_error = true;
        } else if (alerts_unsilence(ta->al, a1, who, err, sizeof err) != 0) {
            snprintf(reply, cap, "%s", err);
            *reply_error = true;
        } else {
            snprintf(reply, cap, "silence %s lifted", a1);
        }
        return true;
    }
    return false;
}

/* ---------------------------------------------------------------------------------------------
 * Life cycle
 * ------------------------------------------------------------------------------------------ */

struct tui_alerts *tui_alerts_new(struct ev_loop *loop, const struct redisaddr *addr,
                                  const struct tui_alerts_opts *opts, bool *usage_error, char *err,
                                  size_t errcap)
{
    const struct config *cfg = opts->cfg;
    struct rule_set rules = {0};
    char pathbuf[1024];
    const char *path = alerts_rules_path(opts->rules_path ? opts->rules_path : cfg->rules, pathbuf,
                                         sizeof pathbuf);
    *usage_error = false;
    if (path) {
        int rc = alerts_load_rules(path, &rules, err, errcap);
        if (rc != 0) {
            *usage_error = rc == -2;
            return NULL;
        }
    }
    struct tui_alerts *ta = xcalloc(1, sizeof *ta);
    ta->model = opts->model;
    ta->tab = opts->tab;
    ta->cfg = cfg;
    ta->addr = addr;
    ta->bell_on = cfg->alert_bell;
    ta->changed = opts->changed;
    ta->open_series = opts->open_series;
    ta->open_timeline = opts->open_timeline;
    ta->privdata = opts->privdata;
    char nick[TEXT_NICK_VALID_MAX_BYTES + 1];
    chat_default_nick(cfg->nick, nick, sizeof nick); /* the chat's nick: acks are traceable */
    ta->who = xstrdup(nick);
    struct alerts_opts ao = {
        .ns = cfg->ns,
        .room = cfg->room ? cfg->room : CONFIG_DEFAULT_ROOM,
        .nick = ta->who,
        .rules = &rules,
        .tab = opts->tab,
        .connect_timeout_ms = (unsigned)cfg->connect_timeout_ms,
        .command_timeout_ms = (unsigned)cfg->command_timeout_ms,
        .name = "tui-alerts",
        .notify = on_alerts,
        .privdata = ta,
    };
    ta->al = alerts_new(loop, addr, &ao, err, errcap);
    rule_set_free(&rules);
    if (!ta->al) {
        free(ta->who);
        free(ta);
        return NULL;
    }
    ta->model->alert_action = on_action;
    ta->model->alert_privdata = ta;
    ta->timeline = tui_timeline_new(ta->model, ta->tab, ta->changed, ta->privdata);
    rebuild_rows(ta);
    return ta;
}

void tui_alerts_ready(struct tui_alerts *ta)
{
    if (ta)
        alerts_set_ready(ta->al);
}

struct alerts *tui_alerts_loop(struct tui_alerts *ta)
{
    return ta->al;
}

void tui_alerts_free(struct tui_alerts *ta)
{
    if (!ta)
        return;
    if (alerts_is_leader(ta->al)) { /* hand over at once rather than after the lease lapses */
        char err[256];
        struct csync *c = rsync_client(ta->addr, 500, err, sizeof err);
        if (c) {
            alerts_release_blocking(ta->al, c);
            csync_free(c);
        }
    }
    alerts_free(ta->al);
    tui_timeline_free(ta->timeline); /* after alerts_free: no reply can reach it any more */
    ta->model->alerts = NULL;
    ta->model->nalerts = 0;
    ta->model->alert_action = NULL;
    ta->model->alert_privdata = NULL;
    ta->model->alert_note[0] = '\0';
    free(ta->ids);
    free(ta->rows);
    free(ta->arena);
    free(ta->who);
    free(ta);
}
