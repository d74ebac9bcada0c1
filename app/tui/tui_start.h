/* tui_start.h — the interface's start-up steps that run before the screen is taken (tui.c's
 * tui_main calls them in order); each says what failed on stderr and returns an exit code. */
#ifndef WR_TUI_START_H
#define WR_TUI_START_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "app/redis/reader.h"
#include "app/tui/tui_impl.h"

/* The interface's options after the common ones (app/config): --demo (sets *demo), --quiet,
 * --chat, --rate N, --series K. Returns 0, -1 after --help (printed), or EXIT_USAGE. */
int tui_start_args(struct tui *t, int argc, char **argv, bool *demo);

/* Where NAME.theme files are looked for, in order, as a NULL-ended list in ptrs (strings kept in
 * dirs). */
void tui_start_theme_dirs(char dirs[5][PATH_MAX], const char *ptrs[6]);

/* The rule file of the interface: the configured one or the user's default (alerts_rules_path);
 * with neither, for the demo, the shipped assets/rules.conf (installed or next to the build),
 * so the demo's anomaly fires an alert. NULL: none. The path is written to buf. */
const char *tui_start_rules_path(const char *cfg_rules, bool demo, char *buf, size_t cap);

/* The themes `T` cycles through: in_use first, then the built-in dark and light, then every
 * NAME.theme file in dirs (NULL-terminated; in order, names sorted), each theme name once. A
 * file that does not load is left out (--theme NAME says why). Returns how many (<= cap). */
size_t tui_start_themes(const struct theme *in_use, const char *const *dirs, struct theme *out,
                        size_t cap);

/* Address, namespace check and meta (with demo: written), series table (data from now_ms minus
 * the replay), reader notifying on_reader with t. Returns 0 or an exit code. */
int tui_start_data(struct tui *t, bool demo, int64_t now_ms, reader_notify_fn *on_reader);

#endif
