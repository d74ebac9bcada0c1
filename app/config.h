/* config.h — settings from, in order of precedence, the command line, the environment, the
 * config file and the defaults. Options common to every command are recognised anywhere on
 * the command line and removed from argv, so each command parses only its own. */
#ifndef WR_CONFIG_H
#define WR_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_DEFAULT_NS "wr"
#define CONFIG_DEFAULT_PARTITIONS 8
#define CONFIG_MAX_PARTITIONS 1024
#define CONFIG_DEFAULT_ROOM "ops"
#define CONFIG_MAX_MIN_REPLICAS 64

struct config {
    char *redis_url;         /* NULL: 127.0.0.1:6379 if it answers, else a private server */
    char *ns;                /* key namespace */
    unsigned partitions;     /* partition streams per namespace */
    bool partitions_set;     /* given explicitly: must then match wr:meta */
    int64_t retention_ms;    /* producers trim partition streams to this age (MINID ~) */
    int64_t replay_ms;       /* how much history a reader replays at start (the core's window) */
    int64_t lateness_ms;     /* allowed event-time lateness in the core */
    uint32_t max_series;     /* series cap of the core */
    int64_t connect_timeout_ms;
    int64_t command_timeout_ms;
    unsigned min_replicas;   /* producers: WAIT for this many replicas per batch; 0: none */
    int64_t replica_wait_ms; /* producers: WAIT's timeout (default 1s) */
    char *config_path;       /* the file that was read, NULL when none */
    /* the interface (warroom with no command) */
    char *theme;             /* theme name or .theme file; NULL: the built-in dark theme */
    bool no_color;           /* attributes only, no colours (NO_COLOR in the environment too) */
    bool ascii;              /* ASCII glyphs only (also automatic without a UTF-8 locale) */
    bool mouse;              /* mouse reporting: wheel scrolls, click selects (default off) */
    /* chat */
    char *nick;              /* chat nick; NULL: chat_default_nick */
    char *room;              /* chat room joined at start (normalized); NULL: CONFIG_DEFAULT_ROOM */
    bool bell;               /* ring the terminal bell on a mention (default true) */
    /* alerts */
    char *rules;             /* alert rule file; NULL: $XDG_CONFIG_HOME/warroom/rules.conf when
                                it exists, else none (the alerts panel still shows the shared
                                alerts, but this instance never evaluates nor announces) */
    bool alert_bell;         /* ring the bell once for a new critical/page alert (default true;
                                never for a silenced one, at most once per 10 s) */
};

/* The user's file or directory NAME: $XDG_CONFIG_HOME/warroom/NAME, else
 * $HOME/.config/warroom/NAME. Returns what snprintf returned (>= cap: truncated), or -1 when
 * neither variable is set (buf unchanged). Does not check that it exists. */
int config_user_path(const char *name, char *buf, size_t cap);

/* Fills cfg from defaults, the config file (--config FILE, else
 * $XDG_CONFIG_HOME/warroom/warroom.conf or ~/.config/warroom/warroom.conf when it exists), the
 * environment (REDIS_URL, WARROOM_NS) and the common options in argv, which are removed from
 * argv (*argc updated). Returns 0, or -1 with a message in err (a bad value, an unreadable
 * explicit config file, a config syntax error with its line number). */
int config_load(struct config *cfg, int *argc, char **argv, char *err, size_t errcap);

/* How many words of argv a common option at arg takes: 2 for `--ns x` (1 when its value is
 * missing: config_load reports that), 1 for `--ns=x` or a flag (`--ascii`), 0 when arg is not
 * a common option (a command, a command's own option, `--`). */
int config_option_words(const char *arg, const char *next);

/* Frees the strings; cfg may be reloaded afterwards. */
void config_free(struct config *cfg);

/* When max_series series of at least per_series_bytes each cannot fit in this machine's memory
 * (or the process's address-space or data limit), writes a warning that names --max-series and
 * the figures to buf and returns 1: memory would run out before the cap could protect it.
 * Returns 0 (buf "") when they fit. */
int config_max_series_check(uint32_t max_series, size_t per_series_bytes, char *buf, size_t cap);

/* The common options, for --help texts. */
extern const char config_options_help[];

#endif
