/* cmd_workers.c — `warroom workers`: the group-mode workers of a namespace (heartbeats, owned
 * partitions, rates) and every partition's owner, fencing token, lease, checkpoint and consumer
 * group lag, as two tables or one JSON object. Read-only (works through a read-only replica);
 * the reads are app/redis/wread's, the checks and cells core/wstat's. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "app/clock.h"
#include "app/cmd/cmd.h"
#include "app/config.h"
#include "app/errmsg.h"
#include "app/redis/rsync.h"
#include "app/redis/wread.h"
#include "core/text.h"
#include "core/wstat.h"

static const char workers_help[] =
    "usage: warroom workers [--json]\n\n"
    "Shows the group-mode workers of the namespace (`warroom worker --group`) from what they\n"
    "write to Redis, reading only:\n"
    "  workers     id, host, pid, partitions owned, events/s, events and late events folded,\n"
    "              heartbeat age, and \"dead\" when the heartbeat is older than the lease\n"
    "  partitions  owner (or \"(unowned)\"), fencing token, lease time left, age of the last\n"
    "              checkpoint and the last entry ID it covers, end of the closed periods (UTC),\n"
    "              the consumer group's pending entries and lag, events, late, refused\n"
    "A value Redis holds in the wrong type or shape shows as \"?\" and its row's error is\n"
    "printed on stderr; \"-\" is a value not there. A namespace not in group mode (NS:meta mode)\n"
    "is said on one line.\n"
    "  --json      one JSON object: namespace, mode, group, workers[], partitions[], errors[]\n\n"
    "exit codes: 0 ok (also when the namespace is not in group mode), 1 some value could not\n"
    "            be read (the rest is shown), 2 usage, 4 Redis unreachable\n\n";

const struct cmd_entry cmd_workers_entry = {
    .name = "workers",
    .usage = "[--json]",
    .summary = "group-mode workers and partitions: owners, leases, checkpoints, lag",
    .help = workers_help,
    .common_options = true,
    .run = cmd_workers,
};

/* ---------------------------------------------------------------------------------------------
 * Table
 * ------------------------------------------------------------------------------------------ */

/* Prints rows of ncols cells (rows[r * ncols + c]) under the header, columns as wide as their
 * widest cell, two spaces apart. The cells are sanitized already (core/wstat). */
static void print_table(const char *const *header, size_t ncols,
                        const char (*cells)[WSTAT_CELL_MAX], size_t nrows)
{
    size_t width[(int)WSTAT_PC_N > (int)WSTAT_WC_N ? (int)WSTAT_PC_N : (int)WSTAT_WC_N] = {0};
    wstat_col_widths(header, ncols, cells, nrows, width);
    for (size_t r = 0; r <= nrows; r++) {
        for (size_t c = 0; c < ncols; c++) {
            const char *s = r == 0 ? header[c] : cells[(r - 1) * ncols + c];
            if (c + 1 == ncols) {
                printf("%s", s);
                break;
            }
            printf("%s%*s", s, (int)(width[c] - text_width(s, strlen(s)) + 2), "");
        }
        printf("\n");
    }
}

static void print_text(const struct wstat *s, const char *ns)
{
    printf("namespace %s: group mode, %u partitions (%u unowned), %zu workers (%zu dead)", ns,
           s->partitions, s->unowned, s->nworkers, s->dead);
    if (s->workers_total.st == WSTAT_OK && (uint64_t)s->workers_total.v > s->nworkers)
        printf(", the newest %zu of %lld shown", s->nworkers, (long long)s->workers_total.v);
    printf("\n\n");

    char(*wc)[WSTAT_CELL_MAX] = calloc(s->nworkers * WSTAT_WC_N + 1, WSTAT_CELL_MAX);
    char(*pc)[WSTAT_CELL_MAX] = calloc((size_t)s->partitions * WSTAT_PC_N, WSTAT_CELL_MAX);
    if (wc == NULL || pc == NULL) {
        free(wc);
        free(pc);
        cmd_out_of_memory((size_t)s->partitions * WSTAT_PC_N * WSTAT_CELL_MAX);
        return;
    }
    for (size_t i = 0; i < s->nworkers; i++)
        wstat_worker_cells(s, &s->workers[i], (char(*)[WSTAT_CELL_MAX])wc[i * WSTAT_WC_N]);
    for (unsigned i = 0; i < s->partitions; i++)
        wstat_part_cells(s, &s->parts[i], (char(*)[WSTAT_CELL_MAX])pc[(size_t)i * WSTAT_PC_N]);
    if (s->nworkers == 0)
        printf("no workers (%s:workers is empty)\n", ns);
    else
        print_table(wstat_worker_cols, WSTAT_WC_N, (const char(*)[WSTAT_CELL_MAX])wc, s->nworkers);
    printf("\n");
    print_table(wstat_part_cols, WSTAT_PC_N, (const char(*)[WSTAT_CELL_MAX])pc, s->partitions);
    free(wc);
    free(pc);
}

/* The errors, one a line on stderr (they are sanitized). */
static void print_errors(const struct wstat *s)
{
    if (s->error[0])
        fprintf(stderr, "%s%s\n", errmsg_prefix(), s->error);
    for (size_t i = 0; i < s->nworkers; i++)
        if (s->workers[i].error[0])
            fprintf(stderr, "%sworker %s: %s\n", errmsg_prefix(), s->workers[i].id,
                    s->workers[i].error);
    for (unsigned i = 0; i < s->partitions; i++)
        if (s->parts[i].error[0])
            fprintf(stderr, "%spartition %u: %s\n", errmsg_prefix(), i, s->parts[i].error);
}

/* ---------------------------------------------------------------------------------------------
 * JSON
 * ------------------------------------------------------------------------------------------ */

static void add_num(cJSON *o, const char *name, struct wstat_num n)
{
    if (n.st == WSTAT_OK)
        cJSON_AddNumberToObject(o, name, (double)n.v);
    else
        cJSON_AddNullToObject(o, name);
}

static void add_age(cJSON *o, const char *name, struct wstat_num t, int64_t now_ms)
{
    add_num(o, name, t.st == WSTAT_OK ? (struct wstat_num){now_ms - t.v, WSTAT_OK} : t);
}

static void add_str(cJSON *o, const char *name, const char *v)
{
    if (v && v[0])
        cJSON_AddStringToObject(o, name, v);
    else
        cJSON_AddNullToObject(o, name);
}

/* The plain fields of a row, as data: a number (null when absent or bad), an age now - number,
 * or a string (null when empty). */
enum jkind { J_NUM, J_AGE, J_STR };

struct jfield {
    const char *name;
    enum jkind kind;
    size_t off; /* of a struct wstat_num, or of a char array */
};

#define W(name, kind, f)                                                                           \
    {                                                                                              \
        name, kind, offsetof(struct wstat_worker, f)                                               \
    }
static const struct jfield worker_fields[] = {
    W("host", J_STR, host),
    W("pid", J_NUM, pid),
    W("partitions", J_STR, partitions),
    W("events", J_NUM, events),
    W("late", J_NUM, late),
    W("heartbeat_ms", J_NUM, heartbeat_ms),
    W("heartbeat_age_ms", J_AGE, heartbeat_ms),
    W("lease_ms", J_NUM, lease_ms),
    W("started_ms", J_NUM, started_ms),
    W("error", J_STR, error),
};
#undef W

#define P(name, kind, f)                                                                           \
    {                                                                                              \
        name, kind, offsetof(struct wstat_part, f)                                                 \
    }
static const struct jfield part_fields[] = {
    P("owner", J_STR, owner),         P("token", J_NUM, token),
    P("fence", J_NUM, fence),         P("checkpoint_owner", J_STR, ckpt_owner),
    P("last", J_STR, last),           P("closed_ms", J_NUM, closed_ms),
    P("checkpoint_ms", J_NUM, ts_ms), P("checkpoint_age_ms", J_AGE, ts_ms),
    P("pending", J_NUM, pending),     P("lag", J_NUM, lag),
    P("events", J_NUM, events),       P("late", J_NUM, late),
    P("rejected", J_NUM, rejected),   P("refused", J_NUM, refused),
    P("error", J_STR, error),
};
#undef P

static void add_fields(cJSON *o, const void *row, const struct jfield *f, size_t n, int64_t now_ms)
{
    for (size_t i = 0; i < n; i++) {
        const char *at = (const char *)row + f[i].off;
        if (f[i].kind == J_STR)
            add_str(o, f[i].name, at);
        else if (f[i].kind == J_AGE)
            add_age(o, f[i].name, *(const struct wstat_num *)(const void *)at, now_ms);
        else
            add_num(o, f[i].name, *(const struct wstat_num *)(const void *)at);
    }
}

static cJSON *worker_json(const struct wstat *s, const struct wstat_worker *w)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", w->id);
    cJSON_AddNumberToObject(o, "owned", w->owned);
    if (w->rate_st == WSTAT_OK)
        cJSON_AddNumberToObject(o, "rate", w->rate);
    else
        cJSON_AddNullToObject(o, "rate");
    cJSON_AddBoolToObject(o, "dead", w->dead);
    add_fields(o, w, worker_fields, sizeof(worker_fields) / sizeof(worker_fields[0]), s->now_ms);
    return o;
}

static cJSON *part_json(const struct wstat *s, const struct wstat_part *p)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "partition", p->part);
    cJSON_AddStringToObject(o, "state",
                            p->own == WSTAT_OWNED     ? "owned"
                            : p->own == WSTAT_UNOWNED ? "unowned"
                                                      : "unreadable");
    add_num(o, "ttl_ms", p->own == WSTAT_OWNED ? p->pttl_ms : (struct wstat_num){0});
    cJSON_AddBoolToObject(o, "group", p->has_group);
    add_fields(o, p, part_fields, sizeof(part_fields) / sizeof(part_fields[0]), s->now_ms);
    return o;
}

/* Returns 0, or -1 when the output could not be made. */
static int print_json(const struct wstat *s, const char *ns)
{
    cJSON *root = cJSON_CreateObject();
    struct text_buf tb = TEXT_BUF_INIT;
    text_sanitize(ns, strlen(ns), 0, &tb);
    cJSON_AddStringToObject(root, "namespace", tb.s);
    text_buf_free(&tb);
    add_str(root, "mode", s->mode);
    cJSON_AddBoolToObject(root, "group", s->group);
    cJSON_AddNumberToObject(root, "partitions_count", s->partitions);
    add_num(root, "workers_total", s->workers_total);
    cJSON_AddNumberToObject(root, "now_ms", (double)s->now_ms);
    cJSON *wa = cJSON_AddArrayToObject(root, "workers");
    cJSON *pa = cJSON_AddArrayToObject(root, "partitions");
    cJSON *ea = cJSON_AddArrayToObject(root, "errors");
    if (s->error[0])
        cJSON_AddItemToArray(ea, cJSON_CreateString(s->error));
    for (size_t i = 0; s->group && i < s->nworkers; i++)
        cJSON_AddItemToArray(wa, worker_json(s, &s->workers[i]));
    for (unsigned i = 0; s->group && i < s->partitions; i++)
        cJSON_AddItemToArray(pa, part_json(s, &s->parts[i]));
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (text == NULL)
        return -1;
    printf("%s\n", text);
    free(text);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * The command
 * ------------------------------------------------------------------------------------------ */

int cmd_workers(int argc, char **argv)
{
    struct config cfg;
    char err[512];
    if (config_load(&cfg, &argc, argv, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s%s\n", errmsg_prefix(), err);
        return EXIT_USAGE;
    }
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            cmd_print_help(&cmd_workers_entry, stdout);
            config_free(&cfg);
            return EXIT_OK;
        } else {
            fprintf(stderr, "%sunknown argument '%s' (try --help)\n", errmsg_prefix(), argv[i]);
            config_free(&cfg);
            return EXIT_USAGE;
        }
    }
    int rc;
    struct csync *c = rsync_open(&cfg, NULL, &rc);
    if (c == NULL) {
        config_free(&cfg);
        return rc;
    }
    struct wstat s;
    if (wstat_init(&s, cfg.partitions) != 0) {
        fprintf(stderr, "%sbad partition count %u\n", errmsg_prefix(), cfg.partitions);
        rc = EXIT_FAILURE_GENERIC;
        goto out;
    }
    if (wread_sync(c, cfg.ns, &s, clock_wall_ms()) != 0) {
        fprintf(stderr, "%sRedis stopped answering: %s\n", errmsg_prefix(), csync_error(c));
        rc = EXIT_UNREACHABLE;
        goto out;
    }
    rc = EXIT_OK;
    if (json) {
        if (print_json(&s, cfg.ns) != 0)
            rc = EXIT_FAILURE_GENERIC;
    } else if (!s.group) {
        printf("namespace %s is not in group mode (%s:meta mode is %s%s%s): no group-mode "
               "workers to show; `warroom worker --group` turns it on\n",
               cfg.ns, cfg.ns, s.mode[0] ? "'" : "", s.mode[0] ? s.mode : "absent, i.e. embedded",
               s.mode[0] ? "'" : "");
    } else {
        print_text(&s, cfg.ns);
    }
    fflush(stdout);
    if (s.group || s.error[0])
        print_errors(&s);
    if (s.problems > 0 && (s.group || s.error[0]))
        rc = EXIT_FAILURE_GENERIC;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "%scannot write the output\n", errmsg_prefix());
        rc = EXIT_FAILURE_GENERIC;
    }
out:
    wstat_free(&s);
    csync_free(c);
    config_free(&cfg);
    return rc;
}
