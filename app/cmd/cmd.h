/* cmd.h — the subcommands of the warroom binary: one entry per command, dispatched by main. */
#ifndef WR_CMD_H
#define WR_CMD_H

#include <stddef.h>

struct cmd_entry {
    const char *name;
    const char *usage;   /* argument synopsis shown by --help */
    const char *summary; /* one line */
    int (*run)(int argc, char **argv); /* argv[0] is the command name; returns the exit code */
};

/* Exit codes a script can rely on. */
enum cmd_exit {
    EXIT_OK = 0,
    EXIT_FAILURE_GENERIC = 1, /* the operation failed (message on stderr) */
    EXIT_USAGE = 2,           /* bad command line */
    EXIT_REJECTED = 3,        /* ran, but some input was rejected */
    EXIT_UNREACHABLE = 4,     /* Redis could not be reached or refused us */
    EXIT_PARTIAL = 5,         /* done in part: a chat message was stored in the room's history
                                 but not broadcast to live readers */
};

/* Out of memory, whatever the command: writes "warroom: out of memory (allocating N bytes)" to
 * stderr and leaves with EXIT_FAILURE_GENERIC at once (async-signal-safe calls only). main
 * installs it for every command (core/mem and libev allocations); the interface's own handler
 * restores the terminal first, then calls it. */
void cmd_out_of_memory(size_t size_bytes);

int cmd_bench(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_worker(int argc, char **argv);
int cmd_send(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_server(int argc, char **argv);
int cmd_chat(int argc, char **argv);
int cmd_rules(int argc, char **argv);  /* app/cmd/cmd_rules.c: rules check */
int cmd_alerts(int argc, char **argv); /* app/cmd/cmd_alerts.c: list, ack, silence */
int cmd_tui(int argc, char **argv); /* app/tui/tui.c: the interface (no command given) */

#endif
