/* cmd_incident.c — `warroom incident ALERT_ID`: one chronological timeline of an alert's latest
 * episode for a post-mortem: its transitions, acks and silences (NS:{alerts}:log), the chat of
 * its room (NS:chat:ROOM:log) and the value of its expression per step (core/query), as a
 * table, Markdown or JSON. Synchronous: no event loop, nothing written. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "app/alerts/alerts.h"
#include "app/clock.h"
#include "app/cmd/cmd.h"
#include "app/cmd/incident.h"
#include "app/cmd/query_read.h"
#include "app/config.h"
#include "app/redis/groupmode.h"
#include "app/redis/rsync.h"
#include "core/duration.h"
#include "core/mem.h"
#include "core/query.h"
#include "core/rule.h"
#include "core/text.h"

#define INC_MAX_STEPS 2000 /* value rows per timeline */

static const char incident_help[] =
    "usage: warroom incident ALERT_ID [--before DUR] [--after DUR] [--step DUR]\n"
    "                        [--rules FILE] [--markdown | --json]\n\n"
    "One chronological timeline of the latest episode of an alert (ALERT_ID: the short id\n"
    "shown in the alerts panel and in chat, or the full instance id): its transitions, acks\n"
    "and silences, the chat messages of the room alerts are posted to (--room, default ops),\n"
    "and the value of the rule's expression per step, from --before ahead of the episode's\n"
    "first transition to --after past its end (or now, while it is still active).\n"
    "  --before DUR, --after DUR   time around the episode (default 15m each)\n"
    "  --step DUR          one value row every DUR on multiples of it since the epoch\n"
    "                      (default: a round step giving about 60 rows)\n"
    "  --rules FILE        where to find the rule's expression when the announcements do not\n"
    "                      carry it (default: the rule file the worker uses)\n"
    "  --markdown          a Markdown table, to paste into a post-mortem\n"
    "  --json              one JSON object (schema in docs/commands.md#incident)\n\n"
    "exit codes: 0 ok, 1 unknown or ambiguous ALERT_ID or a failure, 2 usage,\n"
    "            4 Redis unreachable\n\n";

const struct cmd_entry cmd_incident_entry = {
    .name = "incident",
    .usage = "ALERT_ID [--before DUR --after DUR] [--markdown|--json]",
    .summary = "an alert's transitions, acks, chat and values as one timeline",
    .help = incident_help,
    .common_options = true,
    .run = cmd_incident,
};

enum inc_format { INC_TABLE, INC_MARKDOWN, INC_JSON };

struct inc_opts {
    const char *id;
    int64_t before_ms, after_ms, step_ms;
    const char *rules;
    enum inc_format format;
};

/* ---------------------------------------------------------------------------------------------
 * Values of the expression per step
 * ------------------------------------------------------------------------------------------ */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

/* The expression: the announced one, else the rule's in the rule file. Returns 0 with *e
 * filled, or 1 after a note on stderr (the timeline then has no values). */
static int find_expr(const struct alert_board_entry *a, const char *rules_opt,
                     const struct config *cfg, struct rule_expr *e, const char **source)
{
    char err[512];
    size_t col = 0;
    if (a->expr && a->expr[0]) {
        *source = "announcement";
        if (rule_expr_parse(a->expr, strlen(a->expr), e, &col, err, sizeof err) == 0)
            return 0;
        fprintf(stderr, "warroom incident: the announced expression does not parse (%s)\n", err);
    }
    char pathbuf[1024];
    const char *path =
        alerts_rules_path(rules_opt ? rules_opt : cfg->rules, pathbuf, sizeof pathbuf);
    if (path == NULL) {
        fprintf(stderr, "warroom incident: the announcements carry no expression and there is "
                        "no rule file (--rules FILE): no values\n");
        return 1;
    }
    struct rule_set rs = {0};
    if (alerts_load_rules(path, &rs, err, sizeof err) != 0) {
        fprintf(stderr, "warroom incident: %s: no values\n", err);
        return 1;
    }
    int rc = 1;
    for (size_t i = 0; i < rs.count; i++)
        if (strcmp(rs.rules[i]->name, a->rule) == 0) {
            *e = rs.rules[i]->expr;
            memset(&rs.rules[i]->expr, 0, sizeof rs.rules[i]->expr);
            *source = "rules";
            rc = 0;
            break;
        }
    if (rc)
        fprintf(stderr, "warroom incident: no rule '%s' in %s: no values\n", a->rule, path);
    rule_set_free(&rs);
    return rc;
}

/* One "value" item per step t in [lo_ms, hi_ms]: the expression over [t - window, t). Returns
 * 0, or an exit code. */
static int value_items(struct csync *c, const struct config *cfg, const struct rule_expr *e,
                       const struct alert_board_entry *a, int64_t lo_ms, int64_t hi_ms,
                       int64_t step_ms, struct inc_items *it)
{
    int64_t step_s = step_ms / 1000, w_s = e->window_s;
    size_t n = 0;
    struct query_window *w = inc_step_windows(lo_ms, hi_ms, step_ms, e->window_s, &n);
    if (n == 0) {
        free(w);
        return 0;
    }
    int64_t first_s = w[0].end_s, last_s = w[n - 1].end_s;
    uint32_t res = (uint32_t)step_s, b = (uint32_t)w_s;
    while (b) {
        uint32_t t = res % b;
        res = b;
        b = t;
    }
    struct series_table_config tc;
    query_table_config(&tc, (uint32_t)(last_s - (first_s - w_s) + 2), res);
    tc.max_series = cfg->max_series;
    tc.lateness_ms = cfg->lateness_ms;
    /* group mode: the rollup tier of the span, as `query --range` reads it */
    bool group = false;
    char err[256];
    if (groupmode_read(c, cfg->ns, &group, err, sizeof(err)) != 0) {
        fprintf(stderr, "warroom incident: %s\n", err);
        free(w);
        return csync_error(c)[0] ? EXIT_UNREACHABLE : EXIT_FAILURE_GENERIC;
    }
    int64_t lo = (first_s - w_s) * 1000, hi = last_s * 1000 - 1;
    uint32_t period_ms = 0;
    int64_t keep_ms = 0;
    const char *tier = group ? qread_tier(hi - lo, &period_ms, &keep_ms) : NULL;
    if (tier)
        qread_tier_table(&tc, period_ms, false);
    struct series_table *tab = series_table_new(&tc);
    struct qread_stats rs = {.now_ms = clock_wall_ms()};
    int rc = tier ? qread_rollups(c, cfg->ns, cfg->partitions, tier, period_ms, false, lo, hi, tab,
                                  &rs, "warroom incident")
                  : qread_all(c, cfg->ns, cfg->partitions, lo, hi, tab, &rs, "warroom incident");
    if (rs.roll_rejected)
        fprintf(stderr, "warroom incident: %" PRIu64 " rollup%s rejected (%s)\n", rs.roll_rejected,
                rs.roll_rejected == 1 ? "" : "s", rs.roll_error);
    for (size_t i = 0; i < rs.nunreadable; i++)
        fprintf(stderr, "warroom incident: partition %u unreadable: %s\n", rs.unreadable[i].part,
                rs.unreadable[i].error);
    if (rc == 0 && rs.nunreadable)
        rc = EXIT_FAILURE_GENERIC;
    free(rs.unreadable);
    if (rc == 0 || rc == EXIT_FAILURE_GENERIC) {
        inc_value_items(tab, e, a, w, n, it);
    }
    series_table_free(tab);
    free(w);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Output
 * ------------------------------------------------------------------------------------------ */

static void fmt_time(int64_t ms, char *buf, size_t cap)
{
    time_t s = (time_t)floor_div(ms, 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    char d[32];
    strftime(d, sizeof d, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(buf, cap, "%s.%03d", d, (int)(ms - floor_div(ms, 1000) * 1000));
}

/* Text from Redis made safe for a terminal (one line); markdown: | \ ` * _ [ ] < > escaped. */
static void put_safe(const char *s, bool markdown, struct text_buf *tb)
{
    text_sanitize(s ? s : "", s ? strlen(s) : 0, 0, tb);
    for (size_t i = 0; i < tb->len; i++) {
        char ch = tb->s[i];
        if (markdown && strchr("|\\`*_[]<>#", ch))
            putchar('\\');
        putchar(ch);
    }
}

static void print_text(const struct inc_items *it, const struct alert_board_entry *a,
                       const char *expr, const char *room, int64_t lo_ms, int64_t hi_ms,
                       bool markdown)
{
    struct text_buf tb = TEXT_BUF_INIT;
    char t1[48], t2[48];
    fmt_time(lo_ms, t1, sizeof t1);
    fmt_time(hi_ms, t2, sizeof t2);
    if (markdown) {
        printf("### Incident ");
        put_safe(a->id, true, &tb);
        printf(" (`%s`)\n\n- rule: ", a->short_id);
        put_safe(a->rule, true, &tb);
        printf("\n- expression: ");
        put_safe(expr, true, &tb);
        printf("\n- room: ");
        put_safe(room, true, &tb);
        printf("\n- from %s to %s UTC\n\n| time (UTC) | kind | who | what |\n|---|---|---|---|\n",
               t1, t2);
    } else {
        printf("incident ");
        put_safe(a->id, false, &tb);
        printf(" [%s]\nexpression: ", a->short_id);
        put_safe(expr, false, &tb);
        printf("\nroom: ");
        put_safe(room, false, &tb);
        printf("\nfrom %s to %s UTC\n\n%-23s  %-10s  %-12s  %s\n", t1, t2, "TIME (UTC)", "KIND",
               "WHO", "WHAT");
    }
    for (size_t i = 0; i < it->n; i++) {
        const struct inc_item *x = &it->v[i];
        char t[48];
        fmt_time(x->at_ms, t, sizeof t);
        if (markdown) {
            printf("| %s | %s | ", t, x->kind);
            put_safe(x->who ? x->who : "", true, &tb);
            printf(" | ");
            put_safe(x->text, true, &tb);
            printf(" |\n");
        } else {
            printf("%-23s  %-10s  ", t, x->kind);
            text_sanitize(x->who ? x->who : "-", x->who ? strlen(x->who) : 1, TEXT_NICK, &tb);
            printf("%-12s  ", tb.s);
            put_safe(x->text, false, &tb);
            putchar('\n');
        }
    }
    text_buf_free(&tb);
}

static void add_num(cJSON *o, const char *name, double v)
{
    if (isnan(v) || isinf(v))
        cJSON_AddNullToObject(o, name);
    else
        cJSON_AddNumberToObject(o, name, v);
}

static int print_json(const struct inc_items *it, const struct alert_board_entry *a,
                      const char *expr, const char *expr_source, const char *room, int64_t lo_ms,
                      int64_t hi_ms, int64_t step_ms, int64_t ep_from, int64_t ep_to)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "id", a->id);
    cJSON_AddStringToObject(root, "short", a->short_id);
    cJSON_AddStringToObject(root, "rule", a->rule);
    cJSON_AddStringToObject(root, "expr", expr);
    cJSON_AddStringToObject(root, "expr_from", expr_source);
    cJSON_AddStringToObject(root, "room", room);
    cJSON_AddNumberToObject(root, "from_ms", (double)lo_ms);
    cJSON_AddNumberToObject(root, "to_ms", (double)hi_ms);
    cJSON_AddNumberToObject(root, "episode_from_ms", (double)ep_from);
    if (ep_to)
        cJSON_AddNumberToObject(root, "episode_to_ms", (double)ep_to);
    else
        cJSON_AddNullToObject(root, "episode_to_ms");
    cJSON_AddNumberToObject(root, "step_s", (double)step_ms / 1000.);
    cJSON *ev = cJSON_AddArrayToObject(root, "events");
    for (size_t i = 0; i < it->n; i++) {
        const struct inc_item *x = &it->v[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "at_ms", (double)x->at_ms);
        cJSON_AddStringToObject(o, "kind", x->kind);
        if (x->who)
            cJSON_AddStringToObject(o, "who", x->who);
        if (x->from) {
            cJSON_AddStringToObject(o, "from", x->from);
            cJSON_AddStringToObject(o, "to", x->to);
        }
        if (strcmp(x->kind, "value") == 0 || x->from)
            add_num(o, "value", x->value);
        else
            cJSON_AddStringToObject(o, "text", x->text);
        cJSON_AddItemToArray(ev, o);
    }
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (text == NULL) {
        fprintf(stderr, "warroom incident: out of memory\n");
        return EXIT_FAILURE_GENERIC;
    }
    puts(text);
    cJSON_free(text);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * The command
 * ------------------------------------------------------------------------------------------ */

static int parse_args(int argc, char **argv, struct inc_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            cmd_print_help(&cmd_incident_entry, stdout);
            return -1;
        } else if (strcmp(a, "--json") == 0 || strcmp(a, "--markdown") == 0) {
            if (o->format != INC_TABLE) {
                fprintf(stderr, "warroom incident: one of --json and --markdown\n");
                return EXIT_USAGE;
            }
            o->format = a[2] == 'j' ? INC_JSON : INC_MARKDOWN;
        } else if (strcmp(a, "--before") == 0 || strcmp(a, "--after") == 0 ||
                   strcmp(a, "--step") == 0 || strcmp(a, "--rules") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "warroom incident: %s needs a value\n", a);
                return EXIT_USAGE;
            }
            const char *v = argv[++i];
            if (a[2] == 'r') {
                o->rules = v;
                continue;
            }
            int64_t *dst = a[2] == 'b' ? &o->before_ms : a[2] == 'a' ? &o->after_ms : &o->step_ms;
            if (duration_parse_ms(v, strlen(v), dst) != 0 || *dst < 0 || *dst % 1000 != 0 ||
                *dst > 7 * 86400000LL || (a[2] == 's' && *dst < 1000)) {
                fprintf(stderr,
                        "warroom incident: %s needs a duration of whole seconds (30s, 15m, 1h), "
                        "not '%s'\n",
                        a, v);
                return EXIT_USAGE;
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "warroom incident: unknown option '%s' (try --help)\n", a);
            return EXIT_USAGE;
        } else if (o->id) {
            fprintf(stderr, "warroom incident: one ALERT_ID only\n");
            return EXIT_USAGE;
        } else {
            o->id = a;
        }
    }
    if (o->id == NULL) {
        fprintf(stderr, "warroom incident: which alert? (ALERT_ID: a short id or instance id)\n");
        return EXIT_USAGE;
    }
    return 0;
}

int cmd_incident(int argc, char **argv)
{
    struct config cfg;
    char err[512];
    if (config_load(&cfg, &argc, argv, err, sizeof(err)) != 0) {
        fprintf(stderr, "warroom incident: %s\n", err);
        return EXIT_USAGE;
    }
    struct inc_opts o = {.before_ms = 15 * 60000, .after_ms = 15 * 60000};
    int rc = parse_args(argc, argv, &o);
    if (rc != 0) {
        config_free(&cfg);
        return rc < 0 ? EXIT_OK : rc;
    }
    struct inc_log l = {0};
    struct inc_items it = {0};
    struct rule_expr e = {0};
    bool have_expr = false;
    struct csync *c = rsync_open(&cfg, NULL, &rc);
    if (c == NULL)
        goto out;
    rc = inc_log_read(c, cfg.ns, &l);
    if (rc != 0)
        goto out;
    const char *id = inc_resolve_id(&l, o.id);
    int64_t ep_from = 0, ep_to = 0;
    long li = id ? inc_episode(&l, id, &ep_from, &ep_to) : -1;
    if (li < 0) {
        rc = EXIT_FAILURE_GENERIC;
        goto out;
    }
    const struct alert_board_entry *a = &l.v[li].m.entry;
    int64_t now_ms = clock_wall_ms();
    int64_t lo_ms = ep_from - o.before_ms;
    int64_t hi_ms = (ep_to ? ep_to : now_ms) + o.after_ms;
    if (hi_ms > now_ms)
        hi_ms = now_ms;
    int64_t step_ms = o.step_ms ? o.step_ms : inc_auto_step_ms(hi_ms - lo_ms);
    if ((hi_ms - lo_ms) / step_ms > INC_MAX_STEPS) {
        fprintf(stderr, "warroom incident: --step %" PRId64 "s makes more than %d value rows\n",
                step_ms / 1000, INC_MAX_STEPS);
        rc = EXIT_USAGE;
        goto out;
    }
    inc_log_items(&l, a, lo_ms, hi_ms, &it);

    const char *room = cfg.room ? cfg.room : CONFIG_DEFAULT_ROOM;
    rc = inc_chat_read(c, cfg.ns, room, lo_ms, hi_ms, &it);
    if (rc == EXIT_UNREACHABLE)
        goto out;

    const char *expr_source = "none";
    have_expr = find_expr(a, o.rules, &cfg, &e, &expr_source) == 0;
    if (have_expr) {
        int vr = value_items(c, &cfg, &e, a, lo_ms, hi_ms, step_ms, &it);
        if (vr == EXIT_UNREACHABLE) {
            rc = vr;
            goto out;
        }
        if (vr)
            rc = vr;
    } else {
        rc = EXIT_FAILURE_GENERIC;
    }
    inc_items_sort(&it);
    const char *expr = have_expr ? e.text : "";
    int pr =
        o.format == INC_JSON
            ? print_json(&it, a, expr, expr_source, room, lo_ms, hi_ms, step_ms, ep_from, ep_to)
            : (print_text(&it, a, expr, room, lo_ms, hi_ms, o.format == INC_MARKDOWN), 0);
    if (pr)
        rc = pr;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "warroom incident: cannot write the output\n");
        rc = EXIT_FAILURE_GENERIC;
    }
out:
    rule_expr_free(&e);
    inc_items_free(&it);
    inc_log_free(&l);
    csync_free(c);
    config_free(&cfg);
    return rc;
}
