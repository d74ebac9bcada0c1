/* tui_start.c — the interface's start-up that can fail with a plain message before the screen
 * is taken: its options, where themes are looked for, the address, namespace and reader. */
#include "app/tui/tui_start.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/alerts/alerts.h"
#include "app/cmd/cmd.h"
#include "app/errmsg.h"
#include "app/redis/groupmode.h"
#include "app/redis/rsync.h"
#include "core/mem.h"
#include "core/series.h"
#include "ui/theme.h"

#define TUI_META_TIMEOUT_MS 1000

static const char tui_usage[] =
    "usage: warroom [OPTIONS]            the interface, on the default or given Redis\n"
    "       warroom --demo [--rate N] [--series K]\n"
    "                                    the interface with demo data generated in-process\n\n"
    "       warroom chat ROOM               the interface with the chat pane focused\n\n"
    "  --quiet    no terminal bell on chat mentions (also: bell = no in the config file)\n\n"
    "Keys: ? or F1 lists them all. q quits (Ctrl-C from anywhere).\n\n"
    "exit codes: 0 ok, 1 failure, 2 usage, 4 Redis never reached during the session\n\n";

/* The interface: what `warroom` runs when no command is named (main.c prints its usage line). */
const struct cmd_entry cmd_tui_entry = {
    .name = "",
    .usage = "[OPTIONS]",
    .summary = "the interface (keys: ? inside it)",
    .help = tui_usage,
    .common_options = true,
    .run = cmd_tui,
};

/* The shipped assets relative to the executable, NAME under each: installed, then the source
 * tree's (build/warroom, build/san/warroom). Returns how many were written (0..3). */
static int asset_dirs(const char *name, char dirs[][PATH_MAX])
{
    char exe[PATH_MAX];
    ssize_t k = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (k <= 0)
        return 0;
    exe[k] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = '\0';
    snprintf(dirs[0], PATH_MAX, "%.3800s/../share/warroom/%s", exe, name);
    snprintf(dirs[1], PATH_MAX, "%.3800s/../assets/%s", exe, name);
    snprintf(dirs[2], PATH_MAX, "%.3800s/../../assets/%s", exe, name);
    return 3;
}

/* Where NAME.theme files are looked for: the user's config, then the installed and the
 * source tree's assets/themes relative to the executable, then ./assets/themes. */
void tui_start_theme_dirs(char dirs[5][PATH_MAX], const char *ptrs[6])
{
    int n = 0;
    if (config_user_path("themes", dirs[n], PATH_MAX) >= 0)
        n++;
    n += asset_dirs("themes", dirs + n);
    if (n < 5)
        snprintf(dirs[n++], PATH_MAX, "assets/themes");
    for (int i = 0; i < n; i++)
        ptrs[i] = dirs[i];
    ptrs[n] = NULL;
}

const char *tui_start_rules_path(const char *cfg_rules, bool demo, char *buf, size_t cap)
{
    const char *p = alerts_rules_path(cfg_rules, buf, cap);
    if (p || !demo)
        return p;
    char dirs[3][PATH_MAX];
    int n = asset_dirs("rules.conf", dirs);
    for (int i = 0; i < n; i++)
        if (access(dirs[i], R_OK) == 0) {
            snprintf(buf, cap, "%s", dirs[i]);
            return buf;
        }
    return NULL;
}

static bool theme_listed(const struct theme *list, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].name, name) == 0)
            return true;
    return false;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds the NAME.theme files of dir, in name order, to out[*n..cap). */
static void themes_of_dir(const char *dir, struct theme *out, size_t *n, size_t cap)
{
    DIR *dh = opendir(dir);
    if (dh == NULL)
        return;
    char *names[64];
    size_t k = 0;
    struct dirent *e;
    while ((e = readdir(dh)) != NULL && k < 64) {
        size_t len = strlen(e->d_name);
        if (len > 6 && e->d_name[0] != '.' && strcmp(e->d_name + len - 6, ".theme") == 0)
            names[k++] = xstrdup(e->d_name);
    }
    closedir(dh);
    qsort(names, k, sizeof(*names), cmp_names);
    for (size_t i = 0; i < k; i++) {
        char path[PATH_MAX], err[256];
        struct theme t;
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        if (*n < cap && theme_load_file(path, &t, err, sizeof(err)) == 0 &&
            !theme_listed(out, *n, t.name))
            out[(*n)++] = t;
        free(names[i]);
    }
}

size_t tui_start_themes(const struct theme *in_use, const char *const *dirs, struct theme *out,
                        size_t cap)
{
    size_t n = 0;
    if (cap == 0)
        return 0;
    out[n++] = *in_use;
    static const char *const builtin[] = {"dark", "light"};
    for (size_t i = 0; i < 2 && n < cap; i++)
        if (!theme_listed(out, n, builtin[i]) && theme_builtin(builtin[i], &out[n]) == 0)
            n++;
    for (size_t i = 0; dirs[i] && n < cap; i++)
        themes_of_dir(dirs[i], out, &n, cap);
    return n;
}

int tui_start_args(struct tui *t, int argc, char **argv, bool *demo)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        char *end;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            cmd_print_help(&cmd_tui_entry, stdout);
            return -1;
        } else if (strcmp(a, "--demo") == 0) {
            *demo = true;
        } else if (strcmp(a, "--quiet") == 0) {
            t->quiet = true;
        } else if (strcmp(a, "--chat") == 0) {
            t->chat_focus = true;
        } else if ((strcmp(a, "--rate") == 0 || strcmp(a, "--series") == 0) && i + 1 < argc) {
            errno = 0;
            unsigned long v = strtoul(argv[++i], &end, 10);
            if (errno || *end || v < 1 || v > 1000000) {
                fprintf(stderr, "%s%s needs a number from 1 to 1000000\n", errmsg_prefix(), a);
                return EXIT_USAGE;
            }
            if (a[2] == 'r')
                t->demo_rate = (unsigned)v;
            else
                t->demo_series = (uint32_t)v;
        } else {
            fprintf(stderr, "%sunknown argument '%s' (try --help)\n", errmsg_prefix(), a);
            return EXIT_USAGE;
        }
    }
    return 0;
}

/* Address, namespace check (when Redis answers now; if not, the interface starts anyway and
 * shows the reconnecting state), series table, reader. Only with --demo (a producer) is the
 * namespace's meta written. Returns 0 or an exit code. */
int tui_start_data(struct tui *t, bool demo, int64_t now_ms, reader_notify_fn *on_reader)
{
    char err[512];
    t->addr = rsync_address(&t->cfg, err, sizeof(err));
    if (t->addr == NULL) {
        fprintf(stderr, "%s%s\n", errmsg_prefix(), err);
        return EXIT_UNREACHABLE;
    }
    int64_t timeout = t->cfg.connect_timeout_ms < TUI_META_TIMEOUT_MS ? t->cfg.connect_timeout_ms
                                                                      : TUI_META_TIMEOUT_MS;
    struct csync *c = rsync_client(t->addr, timeout, err, sizeof(err));
    bool group = false;
    if (c) {
        t->connected = true;
        /* only a producer (--demo) writes the namespace's meta; a reader only reads it */
        bool found;
        int rc = demo ? rsync_meta_check(c, t->cfg.ns, &t->cfg.partitions, t->cfg.partitions_set,
                                         err, sizeof(err))
                      : rsync_meta_read(c, t->cfg.ns, &t->cfg.partitions, t->cfg.partitions_set,
                                        &found, err, sizeof(err));
        /* group mode (NS:meta mode group): the reader merges rollups instead of raw events */
        if (rc == 0 && groupmode_read(c, t->cfg.ns, &group, err, sizeof(err)) != 0)
            group = false; /* the connection was lost: the reader's own reconnects say so */
        bool io = csync_error(c)[0] != '\0';
        csync_free(c);
        if (rc != 0 && !io) {
            fprintf(stderr, "%s%s\n", errmsg_prefix(), err);
            return EXIT_FAILURE_GENERIC;
        }
    }

    struct series_table_config tc;
    series_table_config_defaults(&tc);
    tc.max_series = t->cfg.max_series;
    tc.lateness_ms = t->cfg.lateness_ms;
    tc.data_start_ms = now_ms - t->cfg.replay_ms; /* the replay's reach */
    tc.data_retention_ms = t->cfg.retention_ms;
    uint64_t keep_s = (uint64_t)(t->cfg.replay_ms / 1000) + 60;
    if (keep_s > tc.timeline.retention_s)
        tc.timeline.retention_s =
            keep_s > TIMELINE_MAX_RETENTION_S ? TIMELINE_MAX_RETENTION_S : (uint32_t)keep_s;
    config_max_series_check(tc.max_series, series_table_series_min_bytes(&tc), t->memory_note,
                            sizeof(t->memory_note));
    t->tab = series_table_new(&tc);

    struct reader_config rcfg;
    reader_config_defaults(&rcfg);
    rcfg.ns = t->cfg.ns;
    rcfg.partitions = t->cfg.partitions;
    rcfg.replay_ms = t->cfg.replay_ms;
    rcfg.connect_timeout_ms = (unsigned)t->cfg.connect_timeout_ms;
    rcfg.command_timeout_ms = (unsigned)t->cfg.command_timeout_ms;
    rcfg.name = "tui";
    rcfg.source = group ? READER_SOURCE_ROLLUPS : READER_SOURCE_EVENTS;
    t->rollups = group;
    t->rd = reader_new(t->loop, t->addr, &rcfg, t->tab, on_reader, t, err, sizeof(err));
    if (t->rd == NULL) {
        fprintf(stderr, "%s%s\n", errmsg_prefix(), err);
        return EXIT_FAILURE_GENERIC;
    }
    return 0;
}
