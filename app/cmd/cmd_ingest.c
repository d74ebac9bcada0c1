/* cmd_ingest.c — `warroom ingest [FILE ...]`: bulk-load events from files or stdin, one per line,
 * text (`metric{k=v} value [ts]`) or JSON (`{"metric":..,"value":..,"ts":..,"labels":{..}}`),
 * detected per line. Bad lines are reported as FILE:LINE and counted; the run never stops on
 * them. Valid events go through the pipelined producer. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/clock.h"
#include "app/cmd/cmd.h"
#include "app/config.h"
#include "app/redis/producer.h"
#include "core/duration.h"
#include "core/event.h"
#include "core/mem.h"

#define INGEST_BATCH 1024
#define INGEST_READ_SIZE (256 * 1024)
#define INGEST_LINE_MAX (1024 * 1024) /* longer lines are rejected, never buffered */
#define INGEST_SHOW_MAX 20            /* rejected lines printed; the rest are only counted */
#define INGEST_PROGRESS_AFTER_MS 1000
#define INGEST_PROGRESS_EVERY_MS 200

static const char ingest_help[] =
    "usage: warroom ingest [--give-up DUR] [FILE ...]   (no FILE, or '-': standard input)\n\n"
    "Writes events to their partition streams, one per line, in either form:\n"
    "  text:  metric{k=v,k=v} value [ts_ms]\n"
    "  JSON:  {\"metric\":\"m\",\"value\":1.5,\"ts\":1700000000000,\"labels\":{\"k\":\"v\"}}\n"
    "Blank lines and lines starting with '#' are skipped. Invalid lines are reported as\n"
    "FILE:LINE: reason and counted; the rest is still written.\n"
    "  --give-up DUR   when Redis goes away, keep reconnecting this long; when it refuses\n"
    "                  every event (e.g. OOM at maxmemory), stop after this long (default 60s)\n"
    "Refusals by Redis are reported as they happen (at most one line a second).\n\n"
    "exit codes: 0 all written, 1 failure (e.g. Redis refused events), 2 usage,\n"
    "            3 some lines rejected, 4 Redis unreachable or lost\n\n";

const struct cmd_entry cmd_ingest_entry = {
    .name = "ingest",
    .usage = "[FILE ...]",
    .summary = "write events from files or stdin (text or JSON lines)",
    .help = ingest_help,
    .common_options = true,
    .run = cmd_ingest,
};

static volatile sig_atomic_t ingest_stop;

static void on_signal(int sig)
{
    (void)sig;
    ingest_stop = 1;
}

struct ingest {
    struct producer *p;
    const char *name; /* of the input being read, for messages */
    uint64_t lineno;  /* in the current input */
    uint64_t lines, accepted, rejected;
    int64_t now_ms; /* skew reference, refreshed every few thousand lines */
    bool tty, progress_shown, failed;
    int64_t start_ms, last_progress_ms;
    char labels[EVENT_KEY_MAX * 2 + 64]; /* scratch for the JSON labels field */
};

static void clear_progress(struct ingest *in)
{
    if (in->progress_shown) {
        fputs("\r\033[K", stderr);
        in->progress_shown = false;
    }
}

static void reject(struct ingest *in, const char *reason)
{
    in->rejected++;
    if (in->rejected > INGEST_SHOW_MAX)
        return;
    clear_progress(in);
    fprintf(stderr, "%s:%llu: %s\n", in->name, (unsigned long long)in->lineno, reason);
}

/* Every few thousand lines: the skew reference, and the progress line on a terminal. */
static void tick(struct ingest *in)
{
    in->now_ms = clock_wall_ms();
    if (!in->tty)
        return;
    int64_t t = clock_mono_ms();
    if (t - in->start_ms < INGEST_PROGRESS_AFTER_MS ||
        t - in->last_progress_ms < INGEST_PROGRESS_EVERY_MS)
        return;
    in->last_progress_ms = t;
    double s = (double)(t - in->start_ms) / 1000.0;
    fprintf(stderr, "\r\033[Kingest: %llu lines, %llu events, %llu rejected, %.0f lines/s",
            (unsigned long long)in->lines, (unsigned long long)in->accepted,
            (unsigned long long)in->rejected, (double)in->lines / s);
    in->progress_shown = true;
}

/* ---------------------------------------------------------------- JSON lines */

/* Appends s (n bytes) to the labels scratch at *len, quoted as event_key quotes. Returns 0, or
 * -1 when it does not fit (the key would be over the limit anyway). */
static int labels_put_value(struct ingest *in, size_t *len, const char *s, size_t n)
{
    bool quote = n == 0;
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] != '\0' && strchr(",}=\"\\ \t", s[i]) != NULL;
    size_t cap = sizeof in->labels;
    if (*len + 2 * n + 3 > cap)
        return -1;
    if (!quote) {
        memcpy(in->labels + *len, s, n);
        *len += n;
        return 0;
    }
    in->labels[(*len)++] = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"' || s[i] == '\\')
            in->labels[(*len)++] = '\\';
        in->labels[(*len)++] = s[i];
    }
    in->labels[(*len)++] = '"';
    return 0;
}

/* Turns a JSON number or string into the text of a stream field. The number text is the
 * shortest exact one, so what the parser sees is the JSON value. */
static const char *json_scalar(const cJSON *item, char num[32], size_t *len)
{
    if (cJSON_IsNumber(item)) {
        *len = (size_t)producer_format_value(item->valuedouble, num);
        return num;
    }
    *len = strlen(item->valuestring);
    return item->valuestring;
}

/* Parses a JSON line into ev through event_parse_fields, the parser of stream entries, so a
 * JSON event is accepted exactly when the same fields XADDed by hand would be. */
static enum event_error parse_json(struct ingest *in, const char *line, size_t n, struct event *ev,
                                   char *reason, size_t cap)
{
    enum event_error rc = EVENT_E_SYNTAX;
    cJSON *root = cJSON_ParseWithLength(line, n);
    const char *strs[8];
    size_t lens[8], k = 0;
    char vbuf[32], tbuf[32], lbuf[32];

    if (root == NULL || !cJSON_IsObject(root)) {
        const char *at = cJSON_GetErrorPtr();
        if (root == NULL && at && at >= line && at <= line + n)
            snprintf(reason, cap, "invalid JSON at column %zu", (size_t)(at - line) + 1);
        else
            snprintf(reason, cap, "invalid JSON: expected an object");
        goto out;
    }
    const cJSON *metric = cJSON_GetObjectItemCaseSensitive(root, "metric");
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(root, "value");
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(root, "ts");
    const cJSON *labels = cJSON_GetObjectItemCaseSensitive(root, "labels");
    if (metric == NULL || cJSON_IsNull(metric)) {
        snprintf(reason, cap, "missing \"metric\"");
        rc = EVENT_E_FIELD_MISSING;
        goto out;
    }
    if (!cJSON_IsString(metric)) {
        snprintf(reason, cap, "\"metric\" must be a string");
        goto out;
    }
    if (value == NULL || cJSON_IsNull(value)) {
        snprintf(reason, cap, "missing \"value\"");
        rc = EVENT_E_FIELD_MISSING;
        goto out;
    }
    if (!cJSON_IsNumber(value) && !cJSON_IsString(value)) {
        snprintf(reason, cap, "\"value\" must be a number or a numeric string");
        rc = EVENT_E_VALUE_NOT_NUMBER;
        goto out;
    }
    strs[k] = "metric", lens[k++] = 6;
    strs[k] = metric->valuestring, lens[k++] = strlen(metric->valuestring);
    strs[k] = "value", lens[k++] = 5;
    strs[k] = json_scalar(value, vbuf, &lens[k]), k++;
    if (ts && !cJSON_IsNull(ts)) {
        if (!cJSON_IsNumber(ts) && !cJSON_IsString(ts)) {
            snprintf(reason, cap, "\"ts\" must be a number of unix milliseconds");
            rc = EVENT_E_TS_INVALID;
            goto out;
        }
        strs[k] = "ts", lens[k++] = 2;
        strs[k] = json_scalar(ts, tbuf, &lens[k]), k++;
    }
    if (labels && !cJSON_IsNull(labels)) {
        if (!cJSON_IsObject(labels)) {
            snprintf(reason, cap, "\"labels\" must be an object of strings");
            goto out;
        }
        size_t len = 0;
        for (const cJSON *l = labels->child; l; l = l->next) {
            const char *name = l->string;
            if (strpbrk(name, "= \t\r\n,{}\"\\")) {
                snprintf(reason, cap, "bad label name \"%.60s\"", name);
                rc = EVENT_E_LABEL_NAME_CHAR;
                goto out;
            }
            if (!cJSON_IsString(l) && !cJSON_IsNumber(l)) {
                snprintf(reason, cap, "label \"%.60s\" must be a string or a number", name);
                goto out;
            }
            size_t nlen = strlen(name), vlen;
            const char *v = json_scalar(l, lbuf, &vlen);
            if (len + nlen + 2 > sizeof in->labels) {
                snprintf(reason, cap, "series key over %d bytes", EVENT_KEY_MAX);
                rc = EVENT_E_KEY_TOO_LONG;
                goto out;
            }
            if (len)
                in->labels[len++] = ',';
            memcpy(in->labels + len, name, nlen);
            len += nlen;
            in->labels[len++] = '=';
            if (labels_put_value(in, &len, v, vlen) != 0) {
                snprintf(reason, cap, "series key over %d bytes", EVENT_KEY_MAX);
                rc = EVENT_E_KEY_TOO_LONG;
                goto out;
            }
        }
        if (len > 0) {
            strs[k] = "labels", lens[k++] = 6;
            strs[k] = in->labels, lens[k++] = len;
        }
    }
    char id[32];
    int idlen = snprintf(id, sizeof id, "%lld-0", (long long)in->now_ms);
    rc = event_parse_fields(strs, lens, k, id, (size_t)idlen, NULL, ev, reason, cap);
out:
    cJSON_Delete(root);
    return rc;
}

/* ---------------------------------------------------------------- lines */

/* Handles one line (without its '\n'). Returns 0, or -1 when the producer failed. */
static int ingest_line(struct ingest *in, const char *line, size_t n)
{
    struct event ev;
    char reason[EVENT_REASON_MAX];
    enum event_error e;
    size_t i = 0;

    in->lineno++;
    in->lines++;
    if ((in->lines & 4095) == 0)
        tick(in);
    while (i < n && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (i < n && line[i] == '{')
        e = parse_json(in, line + i, n - i, &ev, reason, sizeof reason);
    else
        e = event_parse_line(line, n, in->now_ms, NULL, &ev, reason, sizeof reason);
    if (e == EVENT_SKIP)
        return 0;
    if (e != EVENT_OK) {
        reject(in, reason);
        return 0;
    }
    in->accepted++;
    return producer_add(in->p, &ev);
}

/* Reads one input to the end. Returns 0, or -1 when the producer failed (stop everything). */
static int ingest_fd(struct ingest *in, int fd, char *buf)
{
    size_t have = 0;       /* bytes in buf */
    bool skipping = false; /* inside an over-long line: drop until its end */

    for (;;) {
        if (ingest_stop)
            return 0;
        /* a live pipe (tail -f | warroom ingest): what was read goes out before we wait */
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, 0) == 0 && producer_flush(in->p) != 0)
            return -1;
        ssize_t r = read(fd, buf + have, INGEST_LINE_MAX - have);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            clear_progress(in);
            fprintf(stderr, "warroom ingest: %s: %s\n", in->name, strerror(errno));
            in->failed = true;
            return 0;
        }
        if (r == 0)
            break;
        have += (size_t)r;
        size_t start = 0;
        for (;;) {
            char *nl = memchr(buf + start, '\n', have - start);
            if (nl == NULL)
                break;
            size_t end = (size_t)(nl - buf);
            if (skipping) {
                skipping = false;
            } else if (ingest_line(in, buf + start, end - start) != 0) {
                return -1;
            }
            start = end + 1;
        }
        memmove(buf, buf + start, have - start);
        have -= start;
        if (have == INGEST_LINE_MAX) {
            if (!skipping) {
                in->lineno++;
                in->lines++;
                reject(in, "line longer than 1 MiB");
            }
            skipping = true;
            have = 0;
        }
    }
    if (have > 0 && !skipping) /* last line without '\n' */
        return ingest_line(in, buf, have);
    return 0;
}

/* ---------------------------------------------------------------- the command */

static void summary(const struct ingest *in, const struct producer *p)
{
    const struct producer_stats *st = p ? producer_stats(p) : NULL;
    double s = (double)(clock_mono_ms() - in->start_ms) / 1000.0;

    fprintf(stderr, "ingested %llu events, ", (unsigned long long)(st ? st->acked : 0));
    if (st && st->errors)
        fprintf(stderr, "%llu refused by Redis, ", (unsigned long long)st->errors);
    fprintf(stderr, "rejected %llu lines (%llu lines in %.2f s", (unsigned long long)in->rejected,
            (unsigned long long)in->lines, s);
    if (s >= 0.1)
        fprintf(stderr, ", %.0f lines/s", (double)in->lines / s);
    fputc(')', stderr);
    if (st && st->reconnects)
        fprintf(stderr, ", %llu reconnects, %llu resent after reconnect",
                (unsigned long long)st->reconnects, (unsigned long long)st->resent);
    if (p) {
        char repl[128];
        producer_replication_note(p, repl, sizeof repl);
        fputs(repl, stderr);
    }
    fputc('\n', stderr);
    char note[160];
    if (p && producer_cluster_note(p, note, sizeof(note)) > 0)
        fprintf(stderr, "ingest: %s\n", note);
    if (in->rejected > INGEST_SHOW_MAX)
        fprintf(stderr, "(%llu more rejected lines not shown)\n",
                (unsigned long long)(in->rejected - INGEST_SHOW_MAX));
    if (st && st->errors)
        fprintf(stderr, "warroom ingest: Redis refused %llu events; first reason: %s\n",
                (unsigned long long)st->errors, producer_reply_error(p));
}

/* Parses the command's own options into files (NULL-terminated, "-" when none) and give_up_ms.
 * Returns -1 for a usage error (message printed), 1 for --help (printed), else 0. */
static int parse_args(int argc, char **argv, const char **files, int64_t *give_up_ms)
{
    int nfiles = 0;
    bool dashdash = false;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool help = !dashdash && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0);
        if (!help && (dashdash || strncmp(a, "--", 2) != 0)) {
            files[nfiles++] = a;
        } else if (strcmp(a, "--") == 0) {
            dashdash = true;
        } else if (help) {
            cmd_print_help(&cmd_ingest_entry, stdout);
            return 1;
        } else if (strcmp(a, "--give-up") == 0 || strncmp(a, "--give-up=", 10) == 0) {
            const char *v = a[9] == '=' ? a + 10 : i + 1 < argc ? argv[++i] : "";
            if (duration_parse_ms(v, strlen(v), give_up_ms) != 0 || *give_up_ms == 0) {
                fprintf(stderr, "warroom ingest: --give-up: '%s' is not a duration like 30s\n", v);
                return -1;
            }
        } else {
            fprintf(stderr, "warroom ingest: unknown option '%s'\n%s", a, ingest_help);
            return -1;
        }
    }
    if (nfiles == 0)
        files[nfiles++] = "-";
    files[nfiles] = NULL;
    return 0;
}

/* Reads every input through the producer. Returns 0, or -1 when the producer failed. */
static int ingest_all(struct ingest *in, const char **files)
{
    char *buf = xmalloc(INGEST_LINE_MAX);
    int rc = 0;

    for (size_t i = 0; files[i] && rc == 0 && !ingest_stop; i++) {
        int fd = STDIN_FILENO;
        in->name = "<stdin>";
        if (strcmp(files[i], "-") != 0) {
            fd = open(files[i], O_RDONLY | O_CLOEXEC);
            if (fd < 0) {
                clear_progress(in);
                fprintf(stderr, "warroom ingest: %s: %s\n", files[i], strerror(errno));
                in->failed = true;
                continue;
            }
            in->name = files[i];
        }
        in->lineno = 0;
        rc = ingest_fd(in, fd, buf);
        if (fd != STDIN_FILENO)
            close(fd);
    }
    free(buf);
    if (rc == 0)
        rc = producer_flush(in->p);
    return rc;
}

int cmd_ingest(int argc, char **argv)
{
    struct config cfg;
    char err[512];
    int rc = EXIT_USAGE;

    if (config_load(&cfg, &argc, argv, err, sizeof err) != 0) {
        fprintf(stderr, "warroom ingest: %s\n", err);
        return EXIT_USAGE;
    }
    const char **files = xcalloc((size_t)argc + 2, sizeof *files);
    int64_t give_up_ms = 0;
    struct ingest in = {.tty = isatty(STDERR_FILENO) == 1};
    int pa = parse_args(argc, argv, files, &give_up_ms);
    if (pa != 0) {
        rc = pa > 0 ? EXIT_OK : EXIT_USAGE;
        goto out;
    }

    struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: a read() returns */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    struct producer_opts po = {
        .batch = INGEST_BATCH, .log = stderr, .cancel = &ingest_stop, .give_up_ms = give_up_ms};
    enum producer_open_result opened = producer_open(&cfg, &po, &in.p);
    if (opened != PRODUCER_OPEN_OK) {
        rc = producer_open_exit_code(opened);
        goto out;
    }
    in.start_ms = in.last_progress_ms = clock_mono_ms();
    in.now_ms = clock_wall_ms();

    int rc_io = ingest_all(&in, files);
    clear_progress(&in);
    if (rc_io != 0)
        fprintf(stderr, "warroom ingest: %s\n", producer_error(in.p));
    if (ingest_stop)
        fprintf(stderr, "warroom ingest: interrupted\n");
    summary(&in, in.p);

    if (rc_io != 0)
        rc = producer_failure_exit_code(in.p);
    else if (in.failed || ingest_stop || producer_stats(in.p)->errors)
        rc = EXIT_FAILURE_GENERIC;
    else if (in.rejected)
        rc = EXIT_REJECTED;
    else
        rc = EXIT_OK;
out:
    producer_free(in.p);
    free(files);
    config_free(&cfg);
    return rc;
}
