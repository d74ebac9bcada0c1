/* cmd.h — the subcommands of the warroom binary: one entry per command, dispatched by main. */
#ifndef WR_CMD_H
#define WR_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* One command: defined next to its code (cmd_NAME_entry in the file of cmd_NAME) and listed in
 * main.c's table, from which `warroom --help` and `warroom help --commands` are printed; the
 * test tests/integration/test_docs.sh holds README.md and assets/warroom.1 to that table. */
struct cmd_entry {
    const char *name;    /* `warroom NAME`; "" for the interface (no command given) */
    const char *usage;   /* argument synopsis shown by `warroom --help` */
    const char *summary; /* one line */
    const char *help;    /* the full `warroom NAME --help` text */
    bool common_options; /* --help also lists the common options (config_options_help) */
    int (*run)(int argc, char **argv); /* argv[0] is the command name; returns the exit code */
};

extern const struct cmd_entry cmd_alerts_entry, cmd_bench_entry, cmd_chat_entry, cmd_demo_entry,
    cmd_gen_entry, cmd_ingest_entry, cmd_query_entry, cmd_rules_entry, cmd_send_entry,
    cmd_server_entry, cmd_tui_entry, cmd_worker_entry;
extern const struct cmd_entry cmd_migrate_entry;
extern const struct cmd_entry cmd_incident_entry;
extern const struct cmd_entry cmd_workers_entry;

/* Prints entry->help to out, then the common options when the command takes them. The one way
 * every command answers --help (on stdout) and some answer a usage error (on stderr). */
void cmd_print_help(const struct cmd_entry *entry, FILE *out);

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

/* Out of memory, whatever the command: writes "warroom CMD: out of memory (allocating N bytes)" to
 * stderr and leaves with EXIT_FAILURE_GENERIC at once (async-signal-safe calls only). main
 * installs it for every command (core/mem and libev allocations); the interface's own handler
 * restores the terminal first, then calls it. */
void cmd_out_of_memory(size_t size_bytes);

int cmd_demo(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_worker(int argc, char **argv);
int cmd_send(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_server(int argc, char **argv);
int cmd_chat(int argc, char **argv);
int cmd_rules(int argc, char **argv);    /* app/cmd/cmd_rules.c: rules check */
int cmd_alerts(int argc, char **argv);   /* app/cmd/cmd_alerts.c: list, ack, silence */
int cmd_tui(int argc, char **argv);      /* app/tui/tui.c: the interface (no command given) */
int cmd_migrate(int argc, char **argv);  /* app/cmd/cmd_migrate.c: wire format v1 -> v2 */
int cmd_incident(int argc, char **argv); /* app/cmd/cmd_incident.c: an alert's timeline */
int cmd_workers(int argc, char **argv);  /* app/cmd/cmd_workers.c: group-mode workers */

/* `warroom help --rooms [common options]` (app/cmd/cmd_complete.c, for shell completion): the
 * chat rooms found in Redis, one a line. argv[0] is "help". Exit 0, or 4 when no Redis answers
 * within a fraction of a second (never starts one), 2 for a bad option. */
int cmd_complete_rooms(int argc, char **argv);

#endif
