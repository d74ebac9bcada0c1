/* cmd_send.c — `warroom send METRIC VALUE [k=v ...] [--ts MS]`: one event, validated by the same
 * parser as every other input (the arguments are assembled into a text line and parsed), then
 * XADDed to its partition; prints the entry ID. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/clock.h"
#include "app/cmd/cmd.h"
#include "app/config.h"
#include "app/redis/producer.h"
#include "core/event.h"
#include "core/mem.h"

static const char send_help[] =
    "usage: warroom send METRIC VALUE [LABEL=VALUE ...] [--ts MS]\n"
    "       warroom send 'METRIC{k=v,...}' VALUE [LABEL=VALUE ...] [--ts MS]\n\n"
    "Writes one event to its partition stream and prints the stream entry ID.\n"
    "  --ts MS   event time in unix milliseconds (default: the time Redis receives it)\n\n"
    "exit codes: 0 sent, 1 Redis refused it (e.g. OOM at maxmemory), 2 usage (a missing\n"
    "value, a label argument without '='), 3 event rejected (nothing written), 4 Redis\n"
    "unreachable\n\n";

const struct cmd_entry cmd_send_entry = {
    .name = "send",
    .usage = "METRIC VALUE [k=v ...] [--ts MS]",
    .summary = "write one event; prints its stream entry ID",
    .help = send_help,
    .common_options = true,
    .run = cmd_send,
};

/* A growing text buffer for the line. */
struct text {
    char *s;
    size_t len, cap;
};

static void text_add(struct text *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        t->cap = (t->len + n + 1) * 2;
        t->s = xrealloc(t->s, t->cap);
    }
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = '\0';
}

static void text_adds(struct text *t, const char *s)
{
    text_add(t, s, strlen(s));
}

static bool has_blank(const char *s)
{
    return strpbrk(s, " \t\r\n") != NULL;
}

/* Appends a label value in the line form: as is, or quoted with " and \ escaped when it is empty
 * or holds a byte that would end or confuse it (the rule of event_key). */
static void text_add_label_value(struct text *t, const char *v)
{
    if (*v != '\0' && strpbrk(v, ",}=\"\\ \t") == NULL) {
        text_adds(t, v);
        return;
    }
    text_add(t, "\"", 1);
    for (; *v; v++) {
        if (*v == '"' || *v == '\\')
            text_add(t, "\\", 1);
        text_add(t, v, 1);
    }
    text_add(t, "\"", 1);
}

/* Builds `METRIC{labels} VALUE [TS]` from the arguments. Returns 0, or -1 with a reason when an
 * argument cannot be placed in a line without changing its meaning. */
static int build_line(struct text *t, const char *metric, const char *value, char **labels,
                      int nlabels, const char *ts, char *err, size_t errcap)
{
    const char *brace = strchr(metric, '{');
    size_t mlen = strlen(metric);

    if (brace == NULL && has_blank(metric)) {
        snprintf(err, errcap, "metric name '%.60s' contains a blank", metric);
        return -1;
    }
    if (brace && (has_blank(metric) && strcspn(metric, " \t\r\n") < (size_t)(brace - metric))) {
        snprintf(err, errcap, "metric name '%.60s' contains a blank", metric);
        return -1;
    }
    if (brace && metric[mlen - 1] != '}') {
        snprintf(err, errcap, "'%.60s' must end with '}' after its labels", metric);
        return -1;
    }
    if (*value == '\0' || has_blank(value)) {
        snprintf(err, errcap, "value \"%.60s\" is not a number", value);
        return -1;
    }
    if (ts && (*ts == '\0' || has_blank(ts))) {
        snprintf(err, errcap, "timestamp \"%.60s\" is not an integer of unix milliseconds", ts);
        return -1;
    }

    /* metric, or the given key without its closing brace when labels are to be merged in */
    bool open = false;
    if (brace && nlabels > 0) {
        text_add(t, metric, mlen - 1);
        open = true;
    } else {
        text_add(t, metric, mlen);
    }
    for (int i = 0; i < nlabels; i++) {
        if (!open) {
            text_add(t, "{", 1);
            open = true;
        } else if (t->s[t->len - 1] != '{') {
            text_add(t, ",", 1);
        }
        const char *eq = strchr(labels[i], '=');
        text_add(t, labels[i], (size_t)(eq - labels[i]));
        text_add(t, "=", 1);
        text_add_label_value(t, eq + 1);
    }
    if (nlabels > 0)
        text_add(t, "}", 1);
    text_add(t, " ", 1);
    text_adds(t, value);
    if (ts) {
        text_add(t, " ", 1);
        text_adds(t, ts);
    }
    return 0;
}

int cmd_send(int argc, char **argv)
{
    struct config cfg;
    char err[512];
    int rc = EXIT_USAGE;

    if (config_load(&cfg, &argc, argv, err, sizeof err) != 0) {
        fprintf(stderr, "warroom send: %s\n", err);
        return EXIT_USAGE;
    }
    const char *ts = NULL;
    char **pos = xcalloc((size_t)argc + 1, sizeof *pos);
    int npos = 0;
    struct text line = {0};
    struct producer *p = NULL;
    bool dashdash = false;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!dashdash && strcmp(a, "--") == 0) {
            dashdash = true;
        } else if (!dashdash && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
            cmd_print_help(&cmd_send_entry, stdout);
            rc = EXIT_OK;
            goto out;
        } else if (!dashdash && strcmp(a, "--ts") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "warroom send: --ts needs a value\n");
                goto out;
            }
            ts = argv[++i];
        } else if (!dashdash && strncmp(a, "--ts=", 5) == 0) {
            ts = a + 5;
        } else if (!dashdash && a[0] == '-' && a[1] == '-') {
            fprintf(stderr, "warroom send: unknown option '%s'\n%s", a, send_help);
            goto out;
        } else {
            pos[npos++] = argv[i];
        }
    }
    if (npos < 2) {
        fprintf(stderr, "warroom send: needs a METRIC and a VALUE\n");
        fputs(send_help, stderr);
        goto out;
    }

    for (int i = 2; i < npos; i++) { /* `send m 1 foo`: a mistyped command line, not an event */
        if (strchr(pos[i], '=') == NULL) {
            fprintf(stderr, "warroom send: label argument '%s' is not NAME=VALUE\n%s", pos[i],
                    send_help);
            goto out;
        }
    }
    rc = EXIT_REJECTED;
    if (build_line(&line, pos[0], pos[1], pos + 2, npos - 2, ts, err, sizeof err) != 0) {
        fprintf(stderr, "warroom send: rejected: %s\n", err);
        goto out;
    }
    struct event ev;
    char reason[EVENT_REASON_MAX];
    enum event_error e =
        event_parse_line(line.s, line.len, clock_wall_ms(), NULL, &ev, reason, sizeof reason);
    if (e == EVENT_SKIP) {
        snprintf(reason, sizeof reason, "bad character '#' in metric name");
        e = EVENT_E_METRIC_CHAR;
    }
    if (e != EVENT_OK) {
        fprintf(stderr, "warroom send: rejected: %s (in the line: %s)\n", reason, line.s);
        goto out;
    }

    enum producer_open_result opened = producer_open(&cfg, NULL, &p);
    if (opened != PRODUCER_OPEN_OK) {
        rc = producer_open_exit_code(opened);
        goto out;
    }
    if (producer_add(p, &ev) != 0 || producer_flush(p) != 0) {
        fprintf(stderr, "warroom send: %s\n", producer_error(p));
        rc = producer_failure(p) == PRODUCER_FAILED_UNREPLICATED ? EXIT_FAILURE_GENERIC
                                                                 : EXIT_UNREACHABLE;
        goto out;
    }
    if (cfg.min_replicas > 0) {
        char repl[128];
        producer_replication_note(p, repl, sizeof repl);
        fprintf(stderr, "send: 1 event accepted%s\n", repl);
    }
    if (producer_stats(p)->errors) {
        fprintf(stderr, "warroom send: Redis refused the event: %s\n", producer_reply_error(p));
        rc = EXIT_FAILURE_GENERIC;
        goto out;
    }
    printf("%s\n", producer_last_id(p));
    rc = EXIT_OK;
out:
    producer_free(p);
    free(line.s);
    free(pos);
    config_free(&cfg);
    return rc;
}
