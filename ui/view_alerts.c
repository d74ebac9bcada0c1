/* view_alerts.c — the alerts panel: one row per alert instance from the model (severity glyph,
 * word and colour, state, short id, rule and labels, value against the threshold, time in the
 * state, who acked it, summary), firing first, scrollable; "No alerts" when the list is empty.
 * `a`, `s` and Enter hand the selected row to the app (model.alert_action). The selection
 * follows its alert when the list changes under it, so a key acts on the alert the screen
 * showed selected, never on whatever took its place in the list. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/duration.h"
#include "core/mem.h"
#include "ui/draw.h"
#include "ui/screen_draw.h"
#include "ui/ui_impl.h"

struct alerts {
    struct listcursor cur; /* over m->nalerts rows; height: rows shown */
    /* the selected alert: "SHORTID\x1fRULE\x1fLABELS" (owned), NULL when none was listed */
    char *sel_key;
};

static const char *str_or_empty(const char *s)
{
    return s ? s : "";
}

/* Whether row al is the alert key names. */
static bool row_is(const struct model_alert *al, const char *key)
{
    const char *part[3] = {str_or_empty(al->short_id), str_or_empty(al->name),
                           str_or_empty(al->series)};
    for (int p = 0; p < 3; p++) {
        size_t len = strlen(part[p]);
        if (strncmp(key, part[p], len) != 0 || key[len] != (p < 2 ? '\x1f' : '\0'))
            return false;
        key += len + 1;
    }
    return true;
}

/* Records which alert is selected (after the selection moved or the list changed). */
static void remember_selection(struct alerts *a, const struct model *m)
{
    free(a->sel_key);
    a->sel_key = NULL;
    if (a->cur.selected >= m->nalerts)
        return;
    const struct model_alert *al = &m->alerts[a->cur.selected];
    const char *s = str_or_empty(al->short_id), *r = str_or_empty(al->name),
               *l = str_or_empty(al->series);
    size_t cap = strlen(s) + strlen(r) + strlen(l) + 3;
    a->sel_key = xmalloc(cap);
    snprintf(a->sel_key, cap, "%s\x1f%s\x1f%s", s, r, l);
}

/* Moves the selection to the row of the alert last selected, wherever the list now has it.
 * Returns false (selection unchanged) when that alert is no longer listed, or when the list
 * had no rows then and has some now (nothing the user saw was selected). */
static bool follow_selection(struct alerts *a, const struct model *m)
{
    if (!a->sel_key)
        return m->nalerts == 0;
    for (size_t i = 0; i < m->nalerts; i++)
        if (row_is(&m->alerts[i], a->sel_key)) {
            a->cur.selected = i;
            return true;
        }
    return false;
}

/* Keeps the selection on its alert (else on the same line, within the list) and in view. */
static void sync_selection(struct alerts *a, const struct model *m)
{
    follow_selection(a, m);
    a->cur.count = m->nalerts;
    listcursor_clamp(&a->cur);
    listcursor_scroll_to_selection(&a->cur);
    remember_selection(a, m);
}

static void alerts_update(struct ui *ui, void *state, int width, int height)
{
    struct alerts *a = state;
    (void)width;
    a->cur.height = height - 2 > 0 ? height - 2 : 0;
    sync_selection(a, ui->m);
}

/* "4m12s" for the time since since_ms (whole seconds), "" when unknown. */
static void age_text(int64_t now_ms, int64_t since_ms, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (since_ms <= 0 || now_ms < since_ms)
        return;
    duration_format((now_ms - since_ms) / 1000 * 1000, buf, cap);
}

/* The value against the threshold as a true statement. Firing and pending: "1200 > 1000".
 * Resolved, when the value does not meet the condition: the negated comparison ("642.9 <=
 * 1000", never "642.9 > 1000"); when that cannot be told (a value that is not a plain number,
 * absent(), or a value that still meets it: resolved by absence of data): "642.9, fires > 1000". */
static void value_text(const struct model_alert *al, char *buf, size_t cap)
{
    static const char *const ops[][2] = {{">=", "<"},  {"<=", ">"}, {"==", "!="},
                                         {"!=", "=="}, {">", "<="}, {"<", ">="}};
    static const char *const nice[][2] = {{"<=", "\xe2\x89\xa4"}, {">=", "\xe2\x89\xa5"}};
    const char *v = str_or_empty(al->value), *th = al->threshold;
    bool resolved = al->state && al->state[0] == 'r';
    if (!th) {
        snprintf(buf, cap, "%s", v);
        return;
    }
    if (!resolved) {
        snprintf(buf, cap, "%s %s", v, th);
        return;
    }
    char *end;
    double value = strtod(v, &end);
    bool plain = end != v && *end == '\0';
    for (size_t k = 0; plain && k < sizeof(ops) / sizeof(ops[0]); k++) {
        size_t n = strlen(ops[k][0]);
        if (strncmp(th, ops[k][0], n) != 0)
            continue;
        double limit = strtod(th + n, &end);
        if (end == th + n || *end != '\0')
            break;
        const char *neg = ops[k][1];
        bool holds = neg[0] == '<'   ? (neg[1] == '=' ? value <= limit : value < limit)
                     : neg[0] == '>' ? (neg[1] == '=' ? value >= limit : value > limit)
                     : neg[0] == '!' ? value != limit
                                     : value == limit;
        if (!holds)
            break;
        for (size_t j = 0; j < 2 && !screen_ascii(); j++)
            if (strcmp(neg, nice[j][0]) == 0)
                neg = nice[j][1];
        snprintf(buf, cap, "%s %s %s", v, neg, th + n + strspn(th + n, " "));
        return;
    }
    snprintf(buf, cap, "%s, fires %s", v, th);
}

/* One alert row. Wide panes: severity glyph and word, state, short id, rule{labels}, value
 * against the threshold, age, ack, then the summary. Narrow ones (under 60 columns) keep what
 * tells the alert and its state apart, in this order: glyph, short state, rule{labels} (cut in
 * the middle), value (against the threshold when both fit); age, ack and summary only in what
 * is left. */
static void draw_alert(WINDOW *w, int y, int inner, const struct model *m,
                       const struct model_alert *al, bool sel)
{
    static const char *const sev[] = {"info", "warn", "CRIT", "PAGE"};
    const struct screen_glyphs *g = screen_glyphs();
    bool narrow = inner < 60;
    bool resolved = al->state && al->state[0] == 'r';
    attr_t base = screen_attr(sel ? THEME_SELECTED : resolved ? THEME_DIM : THEME_NORMAL);
    enum model_severity sv = al->severity <= MODEL_SEV_PAGE ? al->severity : MODEL_SEV_CRIT;
    enum theme_role role = sv >= MODEL_SEV_CRIT   ? THEME_SEV_CRIT
                           : sv == MODEL_SEV_WARN ? THEME_SEV_WARN
                                                  : THEME_SEV_INFO;
    const char *glyph = sv >= MODEL_SEV_CRIT ? g->err : sv == MODEL_SEV_WARN ? g->warn : g->ok;
    attr_t sev_attr = sel ? base : screen_attr(role) | (sv == MODEL_SEV_PAGE ? A_BOLD : 0);
    int x = 1;
    if (sel)
        draw_fill(w, y, 1, inner, base);
    char head[32], age[32], val[160], rest[256], id[768];
    snprintf(head, sizeof(head), "%s%s%s", glyph, narrow ? "" : " ", narrow ? "" : sev[sv]);
    x += draw_str(w, y, x, inner, head, sev_attr) + 1;
    /* the state word: upper case while firing, so it reads without colour */
    const char *st = al->state ? al->state : "";
    char stw[16];
    if (narrow)
        snprintf(stw, sizeof(stw), "%-4.4s", st[0] == 'f' ? "FIRE" : st);
    else
        snprintf(stw, sizeof(stw), "%-7s", st[0] == 'f' ? "FIRING" : st);
    if (x < inner)
        x += draw_str(w, y, x, inner + 1 - x, stw, sel || resolved ? base : sev_attr) + 1;
    value_text(al, val, sizeof(val));
    age_text(m->now_ms, al->since_ms, age, sizeof(age));
    int rl = snprintf(rest, sizeof(rest), "%s", age);
    if (al->acked && rl >= 0 && (size_t)rl < sizeof(rest))
        rl += snprintf(rest + rl, sizeof(rest) - (size_t)rl, "%sack:%s", rl ? "  " : "",
                       al->ack_by ? al->ack_by : "?");
    if (al->silenced && rl >= 0 && (size_t)rl < sizeof(rest))
        snprintf(rest + rl, sizeof(rest) - (size_t)rl, "%ssilenced", rl ? "  " : "");
    snprintf(id, sizeof(id), "%s%s%s%s%s%s", narrow || !al->short_id ? "" : al->short_id,
             narrow || !al->short_id ? "" : " ", al->name ? al->name : "",
             al->series && *al->series ? "{" : "", al->series ? al->series : "",
             al->series && *al->series ? "}" : "");
    /* the instance gets what the value (and, wide, the age and ack) leave, at least 12; in a
     * narrow pane where rule{labels} and the comparison do not both fit, the value alone */
    int left = inner + 1 - x;
    if (narrow && al->value && draw_width(id) + 2 + draw_width(val) > left)
        snprintf(val, sizeof(val), "%s", al->value);
    if (left > 0) {
        int keep = draw_width(val) + 2 + (narrow ? 0 : draw_width(rest) + 2);
        int idw = draw_width(id), room = left - keep;
        room = room > 12 ? room : 12;
        idw = idw < room ? idw : room;
        idw = idw < left ? idw : left;
        char fitted[4 * 768 + 1];
        colfmt_fit(id, idw, COLFMT_LEFT, COLFMT_MIDDLE | (screen_ascii() ? COLFMT_ASCII : 0),
                   fitted, sizeof(fitted));
        draw_text(w, y, x, idw, fitted, COLFMT_LEFT, base);
        x += idw + 2;
    }
    /* the value whole (the instance was fitted to leave room for it), then what is left */
    int vw = draw_width(val);
    if (x < inner && vw > 0) {
        int room = inner + 1 - x;
        draw_text(w, y, x, vw < room ? vw : room, val, COLFMT_LEFT, base);
        x += vw + 2;
    }
    char line[1536];
    int n = snprintf(line, sizeof(line), "%s", rest);
    if (al->summary && *al->summary && n >= 0 && (size_t)n < sizeof(line))
        snprintf(line + n, sizeof(line) - (size_t)n, "%s%s %s", n ? "  " : "", g->dot,
                 al->summary);
    if (x < inner && line[0])
        draw_text(w, y, x, inner + 1 - x, line, COLFMT_LEFT, base);
}

static void alerts_draw(struct ui *ui, void *state, WINDOW *w, bool focused)
{
    struct alerts *a = state;
    const struct model *m = ui->m;
    const struct screen_glyphs *g = screen_glyphs();
    size_t firing = 0, pending = 0;
    for (size_t i = 0; i < m->nalerts; i++) {
        firing += m->alerts[i].state && m->alerts[i].state[0] == 'f';
        pending += m->alerts[i].state && m->alerts[i].state[0] == 'p';
    }
    char right[160] = "", stale[48] = "";
    int n = 0;
    if (m->alerts_stale_since_ms > 0) { /* first: a narrow title keeps it */
        char when[16] = "?";
        time_t t = (time_t)(m->alerts_stale_since_ms / 1000);
        struct tm tm;
        if (localtime_r(&t, &tm))
            strftime(when, sizeof(when), "%H:%M:%S", &tm);
        snprintf(stale, sizeof(stale), "nobody evaluates since %s", when);
        n = snprintf(right, sizeof(right), "STALE since %s", when);
    }
    if (m->nalerts && n >= 0 && (size_t)n < sizeof(right))
        n += snprintf(right + n, sizeof(right) - (size_t)n, "%s%s%s%zu firing, %zu pending",
                      n ? " " : "", n ? g->dot : "", n ? " " : "", firing, pending);
    if (m->alert_note[0] && n >= 0 && (size_t)n < sizeof(right))
        snprintf(right + n, sizeof(right) - (size_t)n, "%s%s%s%s", n ? " " : "", n ? g->dot : "",
                 n ? " " : "", m->alert_note);
    draw_frame(w, "Alerts", right, focused);
    sync_selection(a, m); /* also while paused (no update): the highlight is what keys act on */
    int inner = getmaxx(w) - 2;
    if (m->nalerts == 0) {
        draw_center(w, getmaxy(w) / 2, "No alerts", screen_attr(THEME_DIM));
        if (stale[0])
            draw_center(w, getmaxy(w) / 2 + 1, stale, screen_attr(THEME_MARKER) | A_BOLD);
        return;
    }
    for (int r = 0; r < a->cur.height; r++) {
        size_t i = a->cur.top + (size_t)r;
        if (i >= m->nalerts)
            break;
        draw_alert(w, 1 + r, inner, m, &m->alerts[i], focused && i == a->cur.selected);
    }
}

static enum view_key_result alerts_key(struct ui *ui, void *state, enum key_action act)
{
    struct alerts *a = state;
    struct model *m = ui->m;
    size_t n = m->nalerts;
    /* the list may have changed since the last frame: act on the alert shown selected */
    bool still_listed = follow_selection(a, m);
    a->cur.count = n;
    switch (act) {
    case KA_UP:
    case KA_DOWN:
    case KA_PAGE_UP:
    case KA_PAGE_DOWN:
    case KA_HOME:
    case KA_END:
        listcursor_key(&a->cur, keys_list_key(act));
        break;
    case KA_ALERT_ACK:
    case KA_ALERT_SILENCE:
    case KA_ALERT_TIMELINE:
    case KA_OPEN:
        if (n == 0 || !m->alert_action || !still_listed) {
            snprintf(m->alert_note, sizeof(m->alert_note), "%s",
                     n == 0          ? "no alert selected"
                     : !still_listed ? "the list changed: check the selection"
                                     : "read-only");
            break;
        }
        m->alert_action(m->alert_privdata,
                        act == KA_ALERT_ACK        ? MODEL_ALERT_ACK
                        : act == KA_ALERT_SILENCE  ? MODEL_ALERT_SILENCE
                        : act == KA_ALERT_TIMELINE ? MODEL_ALERT_TIMELINE
                                                   : MODEL_ALERT_OPEN,
                        a->cur.selected < n ? a->cur.selected : n - 1);
        follow_selection(a, m); /* the action may have rebuilt the list */
        break;
    default:
        return VIEW_KEY_IGNORED;
    }
    a->cur.count = m->nalerts; /* the action may have changed it */
    listcursor_clamp(&a->cur);
    remember_selection(a, m);
    return VIEW_KEY_HANDLED;
}

static void alerts_click(struct ui *ui, void *state, int x, int y)
{
    struct alerts *a = state;
    (void)x;
    size_t i = a->cur.top + (size_t)(y - 1);
    if (y >= 1 && i < ui->m->nalerts) {
        a->cur.selected = i;
        remember_selection(a, ui->m);
    }
}

static void *alerts_init(struct ui *ui, const void *arg)
{
    (void)ui;
    (void)arg;
    return xcalloc(1, sizeof(struct alerts));
}

static void alerts_free(void *state)
{
    struct alerts *a = state;
    if (a)
        free(a->sel_key);
    free(a);
}

const struct view view_alerts = {
    .name = "alerts",
    .ctx = KEYCTX_LIST | KEYCTX_ALERTS,
    .init = alerts_init,
    .free = alerts_free,
    .update = alerts_update,
    .draw = alerts_draw,
    .key = alerts_key,
    .click = alerts_click,
};
