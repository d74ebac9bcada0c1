/* main.c — entry point: global options, then dispatch to a subcommand from one table. */
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "app/cmd/cmd.h"
#include "core/mem.h"

static const struct cmd_entry commands[] = {
    {"bench", "core|e2e|tui|chat|alerts [OPTIONS]",
     "run a benchmark and print a table with its baseline", cmd_bench},
    {"demo", "[--rate N] [--series K] | --plain [--seconds N]",
     "the interface with demo data generated in-process (--plain: a text table, no Redis)",
     cmd_demo},
    {"query", "[--window DUR] [--json] [SELECTOR]",
     "aggregates of the last window, as a table or JSON (see query --help)", cmd_query},
    {"worker", "[--interval DUR] [--duration DUR]",
     "headless reader: replay, then follow live events; status lines", cmd_worker},
    {"send", "METRIC VALUE [k=v ...] [--ts MS]", "write one event; prints its stream entry ID",
     cmd_send},
    {"ingest", "[FILE ...]", "write events from files or stdin (text or JSON lines)",
     cmd_ingest},
    {"gen", "[--rate N] [--count N|--duration D]", "write synthetic load (see gen --help)",
     cmd_gen},
    {"server", "stop|status", "stop or show the private redis-server warroom started",
     cmd_server},
    {"chat", "ROOM [--say TEXT] [--json] [--history N]",
     "talk in a chat room: one message, or line mode when stdout is not a terminal", cmd_chat},
    {"rules", "check FILE", "validate an alert rule file; one line per rule, exit 2 on errors",
     cmd_rules},
    {"alerts", "[--json] | ack ID | silence MATCHER DUR [COMMENT] | unsilence MATCHER",
     "list the shared alerts and silences, acknowledge, silence", cmd_alerts},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
    fprintf(out, "usage: warroom [OPTIONS]    the interface (keys: ? inside it)\n"
                 "       warroom --demo      the interface with demo data (same as 'warroom demo')\n"
                 "       warroom [--version] [--help] COMMAND [ARGS]\n\n"
                 "warroom shows live aggregates of metric streams kept in Redis, the alerts\n"
                 "they raise, and an on-call chat room, in one terminal.\n\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  warroom %s %s\n      %s\n", commands[i].name, commands[i].usage,
                commands[i].summary);
    fprintf(out, "\nexit codes: 0 ok, 1 failure, 2 usage error, 3 input rejected, "
                 "4 Redis unreachable\n");
}

void cmd_out_of_memory(size_t size_bytes)
{
    char msg[96];
    int n =
        snprintf(msg, sizeof(msg), "warroom: out of memory (allocating %zu bytes)\n", size_bytes);
    if (n > 0 && write(STDERR_FILENO, msg, (size_t)n) < 0)
        _exit(EXIT_FAILURE_GENERIC);
    _exit(EXIT_FAILURE_GENERIC);
}

/* libev's allocations take the same way out (its default prints its own words and aborts). */
static void *ev_alloc(void *ptr, long size)
{
    if (size == 0) {
        free(ptr);
        return NULL;
    }
    void *p = realloc(ptr, (size_t)size);
    if (p == NULL)
        cmd_out_of_memory((size_t)size);
    return p;
}

int main(int argc, char **argv)
{
    mem_set_oom_handler(cmd_out_of_memory);
    ev_set_allocator(ev_alloc);
    signal(SIGPIPE, SIG_IGN);
    /* hiredis allocates every reply element separately and frees them together; with glibc's
     * fastbins that pattern spends a third of a reader's time in malloc_consolidate. Without
     * them the reader drains ~15 % faster (measured with `warroom bench e2e`). */
    mallopt(M_MXFAST, 0);
    if (argc < 2)
        return cmd_tui(argc, argv);
    const char *first = argv[1];
    if (strcmp(first, "--version") == 0 || strcmp(first, "-V") == 0) {
        printf("warroom %s\n", WARROOM_VERSION);
        return EXIT_OK;
    }
    if (strcmp(first, "--help") == 0 || strcmp(first, "-h") == 0 || strcmp(first, "help") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(first, "--demo") == 0)
        return cmd_demo(argc - 1, argv + 1);
    if (first[0] == '-') /* options only: the interface (warroom --redis URL, --no-color ...) */
        return cmd_tui(argc, argv);
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(first, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "warroom: unknown command '%s' (try 'warroom --help')\n", first);
    return EXIT_USAGE;
}
