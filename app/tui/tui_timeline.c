/* tui_timeline.c — the incident timeline in the interface (tui_timeline.h): the items of
 * app/cmd/incident.h from the alert log (async), the chat log and the live series table,
 * formatted one line each for the overlay. */
#include "app/tui/tui_timeline.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/cmd/incident.h"
#include "core/chatlog.h"
#include "core/mem.h"
#include "core/text.h"

#define TL_AROUND_MS                                                                               \
    60000 /* before and after the episode (`warroom incident`: --before, --after) */

struct tui_timeline {
    struct model *m;
    const struct series_table *tab;
    void (*changed)(void *privdata);
    void *privdata;
    char *id, short_id[16];
    unsigned sent, answered; /* requests: only the answer to the last one is shown */
    char **lines;
    size_t nlines;
};

struct tui_timeline *tui_timeline_new(struct model *m, const struct series_table *tab,
                                      void (*changed)(void *privdata), void *privdata)
{
    struct tui_timeline *tl = xcalloc(1, sizeof *tl);
    tl->m = m;
    tl->tab = tab;
    tl->changed = changed;
    tl->privdata = privdata;
    return tl;
}

static void clear_lines(struct tui_timeline *tl)
{
    for (size_t i = 0; i < tl->nlines; i++)
        free(tl->lines[i]);
    free(tl->lines);
    tl->lines = NULL;
    tl->nlines = 0;
    tl->m->timeline_lines = NULL;
    tl->m->ntimeline = 0;
}

static void add_line(struct tui_timeline *tl, const char *s)
{
    tl->lines = xrealloc(tl->lines, (tl->nlines + 1) * sizeof *tl->lines);
    tl->lines[tl->nlines++] = xstrdup(s);
    tl->m->timeline_lines = (const char *const *)tl->lines;
    tl->m->ntimeline = tl->nlines;
}

/* The chat messages, actions and alert lines of the room received so far, in [lo_ms, hi_ms]. */
static void chat_items(const struct chatlog *log, int64_t lo_ms, int64_t hi_ms,
                       struct inc_items *it)
{
    for (size_t i = 0; log && i < chatlog_count(log); i++) {
        const struct chatlog_msg *c = chatlog_get(log, i);
        if ((c->kind != CHATLOG_MSG && c->kind != CHATLOG_ME && c->kind != CHATLOG_ALERT) ||
            c->ts_ms < lo_ms || c->ts_ms > hi_ms)
            continue;
        struct inc_item *x = inc_push(it, c->ts_ms, "chat");
        x->who = xstrndup(c->nick ? c->nick : "", c->nick_len);
        x->text = xstrndup(c->text ? c->text : "", c->text_len);
    }
}

/* "HH:MM:SS  kind        who           text", the strings from Redis sanitised. */
static void format_item(const struct inc_item *x, struct text_buf *who, struct text_buf *text,
                        char *buf, size_t cap)
{
    time_t s = (time_t)(x->at_ms / 1000);
    struct tm tm;
    localtime_r(&s, &tm);
    char t[16];
    strftime(t, sizeof t, "%H:%M:%S", &tm);
    text_sanitize(x->who ? x->who : "-", x->who ? strlen(x->who) : 1, TEXT_NICK, who);
    text_sanitize(x->text ? x->text : "", x->text ? strlen(x->text) : 0, 0, text);
    snprintf(buf, cap, "%s  %-10s  %-12s  %s", t, x->kind, who->s, text->s);
}

static void build(struct tui_timeline *tl, const struct inc_log *l)
{
    char buf[1024];
    int64_t ep_from = 0, ep_to = 0;
    long li = inc_episode(l, tl->id, &ep_from, &ep_to);
    if (li < 0) {
        add_line(tl, "no transition of this alert in the alert log");
        return;
    }
    const struct alert_board_entry *a = &l->v[li].m.entry;
    int64_t now_ms = tl->m->now_ms;
    int64_t lo_ms = ep_from - TL_AROUND_MS, hi_ms = (ep_to ? ep_to : now_ms) + TL_AROUND_MS;
    if (hi_ms > now_ms)
        hi_ms = now_ms;
    struct inc_items it = {0};
    inc_log_items(l, a, lo_ms, hi_ms, &it);
    chat_items(tl->m->chat.log, lo_ms, hi_ms, &it);
    struct rule_expr e = {0};
    size_t col = 0;
    char err[256];
    bool values = a->expr && a->expr[0] &&
                  rule_expr_parse(a->expr, strlen(a->expr), &e, &col, err, sizeof err) == 0;
    if (values) {
        size_t n = 0;
        struct query_window *w =
            inc_step_windows(lo_ms, hi_ms, inc_auto_step_ms(hi_ms - lo_ms), e.window_s, &n);
        inc_value_items(tl->tab, &e, a, w, n, &it);
        free(w);
    }
    inc_items_sort(&it);
    struct text_buf tw = TEXT_BUF_INIT, tt = TEXT_BUF_INIT;
    text_sanitize(a->expr ? a->expr : "", a->expr ? strlen(a->expr) : 0, 0, &tt);
    snprintf(buf, sizeof buf, "expression: %s%s", values ? tt.s : "",
             values ? "" : "(not announced: no values; `warroom incident --rules FILE`)");
    add_line(tl, buf);
    for (size_t i = 0; i < it.n; i++) {
        format_item(&it.v[i], &tw, &tt, buf, sizeof buf);
        add_line(tl, buf);
    }
    text_buf_free(&tw);
    text_buf_free(&tt);
    inc_items_free(&it);
    rule_expr_free(&e);
}

static void on_log(struct rconn *rc, const redisReply *reply, void *privdata)
{
    struct tui_timeline *tl = privdata;
    (void)rc;
    if (++tl->answered != tl->sent || tl->id == NULL)
        return; /* superseded by a newer request */
    clear_lines(tl);
    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY) {
        char buf[320];
        snprintf(buf, sizeof buf, "cannot read the alert log: %.200s",
                 reply && reply->type == REDIS_REPLY_ERROR ? reply->str : "no reply");
        struct text_buf tb = TEXT_BUF_INIT;
        text_sanitize(buf, strlen(buf), 0, &tb);
        add_line(tl, tb.s);
        text_buf_free(&tb);
    } else {
        struct inc_log l = {0};
        inc_log_add_reply(&l, reply);
        build(tl, &l);
        inc_log_free(&l);
    }
    tl->changed(tl->privdata);
}

void tui_timeline_request(struct tui_timeline *tl, struct alerts *a, const char *id,
                          const char *short_id)
{
    free(tl->id);
    tl->id = xstrdup(id);
    snprintf(tl->short_id, sizeof tl->short_id, "%s", short_id);
    struct text_buf tb = TEXT_BUF_INIT;
    text_sanitize(id, strlen(id), 0, &tb);
    snprintf(tl->m->timeline_title, sizeof tl->m->timeline_title,
             "Incident %.100s [%s] (Esc closes)", tb.s, tl->short_id);
    text_buf_free(&tb);
    clear_lines(tl);
    if (alerts_read_log(a, on_log, tl) == 0) {
        tl->sent++;
        add_line(tl, "reading the alert log ...");
    } else {
        add_line(tl, "cannot read the alert log: the connection is closing");
    }
    tl->changed(tl->privdata);
}

void tui_timeline_free(struct tui_timeline *tl)
{
    if (!tl)
        return;
    clear_lines(tl);
    free(tl->id);
    free(tl);
}
