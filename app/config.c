/* config.c — defaults < config file < environment < command line. */
#include "app/config.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/chatlog.h"
#include "core/chatinput.h"
#include "core/duration.h"
#include "core/mem.h"
#include "core/text.h"

const char config_options_help[] =
    "common options (anywhere on the command line):\n"
    "  --redis URL          redis://[user:password@]host:port[/db], unix:///path.sock or\n"
    "                       redis+sentinel://[user:password@]host:port[,...]/MASTER[/db]\n"
    "                       (default: $REDIS_URL, else 127.0.0.1:6379 if it answers, else a\n"
    "                       private redis-server started for you)\n"
    "  --ns NAME            key namespace (default wr, or $WARROOM_NS)\n"
    "  --partitions N       partition streams (default 8; must match the namespace's)\n"
    "  --retention DUR      producers trim streams to this age (default 1h)\n"
    "  --window DUR         history the core keeps and replays at start (default 15m)\n"
    "  --lateness DUR       allowed event-time lateness (default 5s)\n"
    "  --max-series N       series cap of the core (default 100000)\n"
    "  --timeout DUR        connect and command timeout (default 2s)\n"
    "  --min-replicas N     producers: an event counts as delivered once N replicas hold it\n"
    "                       (WAIT after each batch; default 0: the master's reply is enough)\n"
    "  --min-replicas-timeout DUR  how long each WAIT waits (default 1s)\n"
    "  --config FILE        config file (default $XDG_CONFIG_HOME/warroom/warroom.conf)\n"
    "interface options:\n"
    "  --theme NAME         dark, light, or NAME.theme from ~/.config/warroom/themes or the\n"
    "                       installed themes, or a path to a .theme file\n"
    "  --no-color           no colours (also when NO_COLOR is set)\n"
    "  --ascii              ASCII glyphs only (automatic when the locale is not UTF-8)\n"
    "  --mouse              mouse on: wheel scrolls, click selects (off by default)\n"
    "chat options:\n"
    "  --nick NAME          chat nick, also on acks (default $USER, then $LOGNAME, then the\n"
    "                       passwd login name)\n"
    "  --room ROOM          chat room joined at start (default ops)\n"
    "alert options:\n"
    "  --rules FILE         alert rule file (default $XDG_CONFIG_HOME/warroom/rules.conf when it\n"
    "                       exists; `warroom rules check FILE` validates one)\n"
    "  --alert-bell[=BOOL]  bell once for a new critical or page alert (default true)\n";

static void set_str(char **dst, const char *v)
{
    free(*dst);
    *dst = xstrdup(v);
}

/* Reads true/false, yes/no, on/off, 1/0. Returns 0, or -1 for anything else. */
static int parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0 || strcasecmp(v, no[i]) == 0) {
            *out = strcasecmp(v, yes[i]) == 0;
            return 0;
        }
    }
    return -1;
}

/* Applies one setting by its name (file key or option name without dashes). Returns 0, or -1
 * with a message. */
static int apply(struct config *cfg, const char *name, const char *value, char *err,
                 size_t errcap)
{
    int64_t ms;
    char *end;
    if (strcmp(name, "redis") == 0 || strcmp(name, "url") == 0) {
        set_str(&cfg->redis_url, value);
    } else if (strcmp(name, "ns") == 0 || strcmp(name, "namespace") == 0) {
        size_t n = strlen(value);
        if (n == 0 || n > 32 || strpbrk(value, " {}:\t\r\n")) {
            snprintf(err, errcap, "namespace '%.40s' must be 1-32 characters without spaces, "
                                  "':', '{' or '}'", value);
            return -1;
        }
        set_str(&cfg->ns, value);
    } else if (strcmp(name, "partitions") == 0) {
        errno = 0;
        unsigned long v = strtoul(value, &end, 10);
        if (errno || *end || end == value || v < 1 || v > CONFIG_MAX_PARTITIONS) {
            snprintf(err, errcap, "partitions must be a number from 1 to %d, not '%.40s'",
                     CONFIG_MAX_PARTITIONS, value);
            return -1;
        }
        cfg->partitions = (unsigned)v;
        cfg->partitions_set = true;
    } else if (strcmp(name, "max-series") == 0 || strcmp(name, "max_series") == 0) {
        errno = 0;
        unsigned long v = strtoul(value, &end, 10);
        if (errno || *end || end == value || v < 1 || v > 100000000) {
            snprintf(err, errcap, "max-series must be a number from 1 to 100000000");
            return -1;
        }
        cfg->max_series = (uint32_t)v;
    } else if (strcmp(name, "retention") == 0 || strcmp(name, "window") == 0 ||
               strcmp(name, "lateness") == 0 || strcmp(name, "timeout") == 0) {
        if (duration_parse_ms(value, strlen(value), &ms) != 0 ||
            (ms == 0 && strcmp(name, "lateness") != 0)) {
            snprintf(err, errcap, "%s: '%.40s' is not a duration like 500ms, 5s, 15m or 1h",
                     name, value);
            return -1;
        }
        if (strcmp(name, "retention") == 0)
            cfg->retention_ms = ms;
        else if (strcmp(name, "window") == 0)
            cfg->replay_ms = ms;
        else if (strcmp(name, "lateness") == 0)
            cfg->lateness_ms = ms;
        else
            cfg->connect_timeout_ms = cfg->command_timeout_ms = ms;
    } else if (strcmp(name, "min-replicas") == 0 || strcmp(name, "min_replicas") == 0) {
        errno = 0;
        unsigned long v = strtoul(value, &end, 10);
        if (errno || *end || end == value || v > CONFIG_MAX_MIN_REPLICAS) {
            snprintf(err, errcap, "min-replicas must be a number from 0 to %d",
                     CONFIG_MAX_MIN_REPLICAS);
            return -1;
        }
        cfg->min_replicas = (unsigned)v;
    } else if (strcmp(name, "min-replicas-timeout") == 0 ||
               strcmp(name, "min_replicas_timeout") == 0) {
        if (duration_parse_ms(value, strlen(value), &ms) != 0 || ms == 0) {
            snprintf(err, errcap, "%s: '%.40s' is not a duration like 500ms, 5s, 15m or 1h", name,
                     value);
            return -1;
        }
        cfg->replica_wait_ms = ms;
    } else if (strcmp(name, "theme") == 0) {
        if (*value == '\0') {
            snprintf(err, errcap, "theme needs a name or a file");
            return -1;
        }
        set_str(&cfg->theme, value);
    } else if (strcmp(name, "no-color") == 0 || strcmp(name, "no_color") == 0 ||
               strcmp(name, "ascii") == 0 || strcmp(name, "mouse") == 0 ||
               strcmp(name, "no-mouse") == 0) {
        bool on;
        if (parse_bool(value, &on) != 0) {
            snprintf(err, errcap, "%s: '%.40s' is not true or false", name, value);
            return -1;
        }
        if (strcmp(name, "ascii") == 0)
            cfg->ascii = on;
        else if (strcmp(name, "mouse") == 0)
            cfg->mouse = on;
        else if (strcmp(name, "no-mouse") == 0)
            cfg->mouse = !on;
        else
            cfg->no_color = on;
    } else if (strcmp(name, "nick") == 0) {
        if (!text_nick_valid(value)) {
            snprintf(err, errcap, "nick '%.40s' must be 1-%d columns of letters, digits or "
                                  "_-.[]{}|^", value, TEXT_NICK_MAX_COLS);
            return -1;
        }
        set_str(&cfg->nick, value);
    } else if (strcmp(name, "room") == 0) {
        char room[CHATLOG_ROOM_MAX + 1];
        if (chatinput_room_normalize(value, room, sizeof(room)) != 0) {
            snprintf(err, errcap, "room '%.40s' must be 1-%d letters, digits, '_', '-' or '.'",
                     value, CHATLOG_ROOM_MAX);
            return -1;
        }
        set_str(&cfg->room, room);
    } else if (strcmp(name, "bell") == 0) {
        if (parse_bool(value, &cfg->bell) != 0) {
            snprintf(err, errcap, "bell: '%.40s' is not true or false", value);
            return -1;
        }
    } else if (strcmp(name, "alert-bell") == 0 || strcmp(name, "alert_bell") == 0) {
        if (parse_bool(value, &cfg->alert_bell) != 0) {
            snprintf(err, errcap, "alert-bell: '%.40s' is not true or false", value);
            return -1;
        }
    } else if (strcmp(name, "rules") == 0) {
        if (*value == '\0') {
            snprintf(err, errcap, "rules needs a file name");
            return -1;
        }
        set_str(&cfg->rules, value);
    } else {
        snprintf(err, errcap, "unknown setting '%.40s'", name);
        return -1;
    }
    return 0;
}

struct file_ctx {
    struct config *cfg;
    char *err;
    size_t errcap;
    int failed;
};

static int on_ini(void *user, const char *section, const char *name, const char *value)
{
    struct file_ctx *c = user;
    (void)section; /* sections only group settings for the reader; names are unique */
    if (c->failed)
        return 0;
    if (apply(c->cfg, name, value, c->err, c->errcap) != 0) {
        c->failed = 1;
        return 0;
    }
    return 1;
}

static int load_file(struct config *cfg, const char *path, bool must_exist, char *err,
                     size_t errcap)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (!must_exist)
            return 0;
        snprintf(err, errcap, "cannot read config file %s: %s", path, strerror(errno));
        return -1;
    }
    char msg[256] = "";
    struct file_ctx c = {cfg, msg, sizeof(msg), 0};
    int rc = ini_parse(path, on_ini, &c);
    if (rc < 0) {
        snprintf(err, errcap, "cannot read config file %s", path);
        return -1;
    }
    if (rc > 0) {
        snprintf(err, errcap, "%s:%d: %s", path, rc, c.failed ? msg : "syntax error");
        return -1;
    }
    set_str(&cfg->config_path, path);
    return 0;
}

static const char *const common_options[] = {
    "redis", "ns", "partitions", "retention", "window", "lateness", "max-series", "timeout",
    "theme", "nick", "room", "rules", "min-replicas", "min-replicas-timeout",
};

/* Common options without a value: --no-color means no-color=true. */
static const char *const common_flags[] = {"no-color", "ascii", "mouse", "no-mouse",
                                           "alert-bell"};

/* The index of name[0..nlen) in list, or -1. */
static int option_index(const char *const *list, size_t n, const char *name, size_t nlen)
{
    for (size_t k = 0; k < n; k++)
        if (strlen(list[k]) == nlen && strncmp(list[k], name, nlen) == 0)
            return (int)k;
    return -1;
}

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

int config_option_words(const char *arg, const char *next)
{
    if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0')
        return 0;
    const char *name = arg + 2, *eq = strchr(name, '=');
    size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
    if (option_index(common_flags, NELEMS(common_flags), name, nlen) >= 0)
        return 1;
    bool known = (nlen == 6 && strncmp(name, "config", 6) == 0) ||
                 option_index(common_options, NELEMS(common_options), name, nlen) >= 0;
    if (!known)
        return 0;
    return eq || next == NULL ? 1 : 2;
}

int config_user_path(const char *name, char *buf, size_t cap)
{
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    int n = -1;
    if (xdg && *xdg)
        n = snprintf(buf, cap, "%s/warroom/%s", xdg, name);
    else if (home && *home)
        n = snprintf(buf, cap, "%s/.config/warroom/%s", home, name);
    return n;
}

int config_load(struct config *cfg, int *argc, char **argv, char *err, size_t errcap)
{
    *cfg = (struct config){
        .ns = xstrdup(CONFIG_DEFAULT_NS),
        .partitions = CONFIG_DEFAULT_PARTITIONS,
        .retention_ms = 3600000,
        .replay_ms = 900000,
        .lateness_ms = 5000,
        .max_series = 100000,
        .connect_timeout_ms = 2000,
        .command_timeout_ms = 2000,
        .replica_wait_ms = 1000,
        .bell = true,
        .alert_bell = true,
    };

    /* 1. the config file: an explicit --config must exist */
    const char *explicit_path = NULL;
    for (int i = 1; i < *argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < *argc)
            explicit_path = argv[i + 1];
        else if (strncmp(argv[i], "--config=", 9) == 0)
            explicit_path = argv[i] + 9;
    }
    if (explicit_path) {
        if (load_file(cfg, explicit_path, true, err, errcap) != 0)
            goto err;
    } else {
        char path[1024];
        int n = config_user_path("warroom.conf", path, sizeof(path));
        if (n > 0 && (size_t)n < sizeof(path) && load_file(cfg, path, false, err, errcap) != 0)
            goto err;
    }

    /* 2. the environment */
    const char *env = getenv("REDIS_URL");
    if (env && *env)
        set_str(&cfg->redis_url, env);
    env = getenv("NO_COLOR"); /* no-color.org: set and not empty */
    if (env && *env)
        cfg->no_color = true;
    env = getenv("WARROOM_NS");
    if (env && *env && apply(cfg, "ns", env, err, errcap) != 0)
        goto err;

    /* 3. the command line: common options anywhere, removed from argv */
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0) {
            argv[out++] = argv[i];
            continue;
        }
        if (strcmp(a, "--") == 0) { /* the rest belongs to the command */
            while (i < *argc)
                argv[out++] = argv[i++];
            break;
        }
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        if (option_index(common_flags, NELEMS(common_flags), name, nlen) >=
            0) { /* --ascii, or --ascii=false */
            char opt[32];
            snprintf(opt, sizeof(opt), "%.*s", (int)nlen, name);
            if (apply(cfg, opt, eq ? eq + 1 : "true", err, errcap) != 0)
                goto err;
            continue;
        }
        if (config_option_words(a, NULL) == 0) {
            argv[out++] = argv[i];
            continue;
        }
        const char *value = eq ? eq + 1 : NULL;
        if (!value) {
            if (i + 1 >= *argc) {
                snprintf(err, errcap, "option --%.*s needs a value", (int)nlen, name);
                goto err;
            }
            value = argv[++i];
        }
        if (nlen == 6 && strncmp(name, "config", 6) == 0)
            continue; /* already read */
        char opt[32];
        snprintf(opt, sizeof(opt), "%.*s", (int)nlen, name);
        if (apply(cfg, opt, value, err, errcap) != 0)
            goto err;
    }
    argv[out] = NULL;
    *argc = out;
    return 0;
err:
    config_free(cfg);
    return -1;
}

void config_free(struct config *cfg)
{
    free(cfg->redis_url);
    free(cfg->ns);
    free(cfg->config_path);
    free(cfg->theme);
    free(cfg->nick);
    free(cfg->room);
    free(cfg->rules);
    cfg->redis_url = cfg->ns = cfg->config_path = cfg->theme = cfg->nick = cfg->room = NULL;
    cfg->rules = NULL;
}

/* "1.5 TiB", "23.5 GiB", "512 MiB". */
static void bytes_text(double b, char *buf, size_t cap)
{
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    int i = 0;
    while (b >= 1024 && i < 5) {
        b /= 1024;
        i++;
    }
    snprintf(buf, cap, "%.*f %s", b < 10 && i ? 1 : 0, b, unit[i]);
}

int config_max_series_check(uint32_t max_series, size_t per_series_bytes, char *buf, size_t cap)
{
    if (cap > 0)
        buf[0] = '\0';
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    double avail = pages > 0 && page > 0 ? (double)pages * (double)page : 0;
    const char *what = "this machine has";
    struct rlimit rl;
    static const int limits[] = {RLIMIT_AS, RLIMIT_DATA};
    for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
        if (getrlimit(limits[i], &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
            (avail == 0 || (double)rl.rlim_cur < avail)) {
            avail = (double)rl.rlim_cur;
            what = "the process may use (ulimit)";
        }
    double need = (double)max_series * (double)per_series_bytes;
    if (avail == 0 || need <= avail)
        return 0;
    char nb[32], ab[32], pb[32];
    bytes_text(need, nb, sizeof(nb));
    bytes_text(avail, ab, sizeof(ab));
    bytes_text((double)per_series_bytes, pb, sizeof(pb));
    snprintf(buf, cap,
             "--max-series %u needs at least %s (%s per series) but %s %s: memory would run out "
             "before the cap; about %.0f series fit, lower --max-series",
             max_series, nb, pb, what, ab, avail / (double)per_series_bytes);
    return 1;
}
