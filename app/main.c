/* main.c — entry point: global options, then dispatch to a subcommand from one table. */
#include <malloc.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "app/bench/bench.h"
#include "app/cmd/cmd.h"
#include "app/config.h"
#include "app/errmsg.h"
#include "app/heapwarm.h"
#include "core/mem.h"
#include "ui/keys.h"

/* The commands, in the order `warroom --help` lists them; each entry lives next to its code. */
static const struct cmd_entry *const commands[] = {
    &cmd_bench_entry,  &cmd_demo_entry,     &cmd_query_entry,   &cmd_worker_entry, &cmd_send_entry,
    &cmd_ingest_entry, &cmd_gen_entry,      &cmd_server_entry,  &cmd_chat_entry,   &cmd_rules_entry,
    &cmd_alerts_entry, &cmd_incident_entry, &cmd_migrate_entry, &cmd_workers_entry};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
    fprintf(out,
            "usage: warroom %s    %s\n"
            "       warroom --demo      the interface with demo data (same as 'warroom demo')\n"
            "       warroom [--version] [--help] COMMAND [ARGS]\n\n"
            "warroom shows live aggregates of metric streams kept in Redis, the alerts\n"
            "they raise, and an on-call chat room, in one terminal.\n\ncommands:\n",
            cmd_tui_entry.usage, cmd_tui_entry.summary);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  warroom %s %s\n      %s\n", commands[i]->name, commands[i]->usage,
                commands[i]->summary);
    fprintf(out, "\nexit codes: 0 ok, 1 failure, 2 usage error, 3 input rejected, "
                 "4 Redis unreachable\n");
}

/* `warroom help --commands`, `--benchmarks` and `--keys` (not in --help): the lists the
 * program dispatches, one a line, for tests/integration/test_docs.sh to hold the docs to (and
 * for shell completion, with `--rooms`). argv[0] is "help". */
static int help_lists(int argc, char **argv)
{
    static const char *const lists[] = {"--commands", "--benchmarks", "--keys", "--rooms"};
    const char *what = argv[1]; /* the list asked for, wherever common options put it */
    for (int i = 1; i < argc; i++)
        for (size_t k = 0; k < sizeof(lists) / sizeof(lists[0]); k++)
            if (strcmp(argv[i], lists[k]) == 0)
                what = argv[i];
    if (strcmp(what, "--rooms") == 0) /* for shell completion: needs Redis, takes options */
        return cmd_complete_rooms(argc, argv);
    if (strcmp(what, "--commands") == 0) {
        for (size_t i = 0; i < NCOMMANDS; i++)
            printf("%s %s\n", commands[i]->name, commands[i]->usage);
        return EXIT_OK;
    }
    if (strcmp(what, "--benchmarks") == 0) {
        bench_print_names(stdout);
        return EXIT_OK;
    }
    if (strcmp(what, "--keys") == 0) { /* the key table, as docs/interface.md shows it */
        keys_markdown(stdout);
        return EXIT_OK;
    }
    usage(stdout); /* `warroom help ANYTHING` is `warroom --help` */
    return EXIT_OK;
}

void cmd_print_help(const struct cmd_entry *entry, FILE *out)
{
    fputs(entry->help, out);
    if (entry->common_options)
        fputs(config_options_help, out);
}

void cmd_out_of_memory(size_t size_bytes)
{
    char msg[128];
    int n = snprintf(msg, sizeof(msg), "%sout of memory (allocating %zu bytes)\n", errmsg_prefix(),
                     size_bytes);
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

/* Common options may come before the command, as git's and docker's do: `warroom --redis URL
 * query` is `warroom query --redis URL`. Moves the first word after the leading common options
 * to argv[1] (the options keep their order behind it) when it is a command or a word main
 * answers itself (--demo, --help, --version); leaves argv alone otherwise (the interface). */
static void command_first(int argc, char **argv)
{
    int i = 1, n;
    while (i < argc && (n = config_option_words(argv[i], i + 1 < argc ? argv[i + 1] : NULL)) > 0)
        i += n;
    if (i == 1 || i >= argc)
        return;
    static const char *const words[] = {"--demo", "--help", "-h", "--version", "-V"};
    bool move = argv[i][0] != '-';
    for (size_t k = 0; !move && k < sizeof(words) / sizeof(words[0]); k++)
        move = strcmp(argv[i], words[k]) == 0;
    if (!move)
        return;
    char *word = argv[i];
    memmove(argv + 2, argv + 1, (size_t)(i - 1) * sizeof(*argv));
    argv[1] = word;
}

/* A reader's series table is hundreds of megabytes of small heap objects, built in a second
 * at start-up (builds_tables says which commands hold one); on a virtual machine most of that
 * second went to page faults. Where the kernel gives transparent huge pages only on request
 * ("[madvise]"), glibc asks for them when told to by GLIBC_TUNABLES, which it reads only as a
 * process starts: so the program starts itself again once with glibc.malloc.hugetlb=1 added
 * (same PID, same arguments). bench scale, part 6: start-up at 10 000 series x 5 events/s,
 * 1.7 s -> 0.9 s. Not under a sanitizer (its own allocator); a GLIBC_TUNABLES that sets hugetlb
 * itself is left as it is; a failed exec changes nothing. */
static void heap_huge_pages(char **argv)
{
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
    const char *tun = getenv("GLIBC_TUNABLES");
    if (tun && strstr(tun, "glibc.malloc.hugetlb"))
        return;
    char mode[128] = "";
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    if (f == NULL)
        return;
    bool advise = fgets(mode, sizeof(mode), f) && strstr(mode, "[madvise]");
    fclose(f);
    if (!advise)
        return;
    size_t cap = (tun ? strlen(tun) : 0) + 32;
    char *was = tun ? xstrdup(tun) : NULL, *val = xmalloc(cap);
    snprintf(val, cap, "%s%sglibc.malloc.hugetlb=1", was ? was : "", was && *was ? ":" : "");
    if (setenv("GLIBC_TUNABLES", val, 1) == 0)
        execv("/proc/self/exe", argv);
    if (was) /* the exec failed: as it was */
        setenv("GLIBC_TUNABLES", was, 1);
    else
        unsetenv("GLIBC_TUNABLES");
    free(was);
    free(val);
#else
    (void)argv;
#endif
}

/* Whether the command (argv after command_first) runs long and holds a series table built from
 * a whole window at start: the interface, the demo, the worker, the benchmarks. A one-shot
 * command does not pay heap_huge_pages' second start (~7 ms here). */
static bool builds_tables(int argc, char **argv)
{
    if (argc < 2)
        return true;
    const char *first = argv[1];
    static const char *const quick[] = {"--version", "-V", "--help", "-h", "help"};
    for (size_t k = 0; k < sizeof(quick) / sizeof(quick[0]); k++)
        if (strcmp(first, quick[k]) == 0)
            return false;
    return first[0] == '-' || strcmp(first, "worker") == 0 || strcmp(first, "demo") == 0 ||
           strcmp(first, "bench") == 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2)
        command_first(argc, argv);
    if (builds_tables(argc, argv))
        heap_huge_pages(argv);
    mem_set_oom_handler(cmd_out_of_memory);
    ev_set_allocator(ev_alloc);
    signal(SIGPIPE, SIG_IGN);
    /* hiredis allocates every reply element separately and frees them together; with glibc's
     * fastbins that pattern spends a third of a reader's time in malloc_consolidate. Without
     * them the reader drains ~15 % faster (measured with `warroom bench e2e`). */
    mallopt(M_MXFAST, 0);
    if (builds_tables(argc, argv))
        heap_warm_start();
    if (argc < 2)
        return cmd_tui_entry.run(argc, argv);
    const char *first = argv[1];
    if (strcmp(first, "--version") == 0 || strcmp(first, "-V") == 0) {
        printf("warroom %s\n", WARROOM_VERSION);
        return EXIT_OK;
    }
    if (strcmp(first, "help") == 0 && argc > 2)
        return help_lists(argc - 1, argv + 1);
    if (strcmp(first, "--help") == 0 || strcmp(first, "-h") == 0 || strcmp(first, "help") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(first, "--demo") == 0) {
        errmsg_set_command(cmd_demo_entry.name);
        return cmd_demo_entry.run(argc - 1, argv + 1);
    }
    if (first[0] == '-') /* options only: the interface (warroom --redis URL, --no-color ...) */
        return cmd_tui_entry.run(argc, argv);
    for (size_t i = 0; i < NCOMMANDS; i++) {
        const struct cmd_entry *entry = commands[i];
        if (strcmp(first, entry->name) != 0)
            continue;
        /* `warroom CMD --help`; each command also answers --help further down its line */
        if (argc > 2 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
            cmd_print_help(entry, stdout);
            return EXIT_OK;
        }
        errmsg_set_command(entry->name);
        return entry->run(argc - 1, argv + 1);
    }
    fprintf(stderr, "warroom: unknown command '%s' (try 'warroom --help')\n", first);
    return EXIT_USAGE;
}
