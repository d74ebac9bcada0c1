/* tui.h — the interactive interface: `warroom` with no command (or with --demo). Wires the
 * terminal (ui/) to the data (the reader tailing Redis into a series table, optionally the demo
 * generator) on one libev loop: stdin, SIGWINCH/SIGINT/SIGTERM watchers, a frame timer armed only
 * when something changed (at most ~20 frames/s), and a 1 Hz clock. Also `warroom bench tui`. */
#ifndef WR_TUI_H
#define WR_TUI_H

#include <stdbool.h>

/* Runs the interface until the user quits. argv[0] is the command name; the common options
 * (app/config.h) and --demo, --rate N, --series K (demo generator) are accepted. Returns an
 * exit code (enum cmd_exit). The terminal is restored on every way out, including Ctrl-C,
 * SIGTERM, fatal errors, out of memory and crashes. */
int tui_main(int argc, char **argv, bool demo);

/* `warroom bench tui`: CPU of an idle interface, rendering cost under 100 000 events/s, and
 * peak memory with 10 000 series, each against a private redis-server, printed as a table.
 * argv[0] is "bench", argv[1] "tui". Returns an exit code. */
int bench_tui(int argc, char **argv);

/* Environment variable naming a file to which the interface writes its frame statistics on
 * SIGUSR1 (used by bench_tui): "frames N", "render_s S", "render_max_s S", "events N",
 * "series N", one per line. */
#define TUI_STATS_ENV "WARROOM_TUI_STATS"

/* Environment variable that, set (to anything), makes the series table rank every series from
 * scratch each frame, as before its cache (model.rank_uncached): bench_tui's baseline. */
#define TUI_RANK_UNCACHED_ENV "WARROOM_TUI_RANK_UNCACHED"

#endif
