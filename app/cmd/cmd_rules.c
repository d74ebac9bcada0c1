/* cmd_rules.c — `warroom rules check FILE`: validates an alert rule file without Redis, for
 * editors, CI and pre-deploy hooks. Prints one line per rule when the file is good, or the
 * first error as FILE:LINE:COL: expected X, found Y. */
#include <stdio.h>
#include <string.h>

#include "app/alerts/alerts.h"
#include "app/cmd/cmd.h"
#include "core/duration.h"

static const char rules_help[] =
    "usage: warroom rules check FILE\n\n"
    "Checks an alert rule file (the format is in docs/rules.md and in the annotated\n"
    "assets/rules.conf). On success prints one line per rule:\n"
    "  NAME  SEVERITY  for DUR  keep DUR  EXPRESSION\n"
    "and exits 0. On a syntax error prints FILE:LINE:COL: expected X, found Y on stderr and\n"
    "exits 2; a file that cannot be read exits 1.\n";

const struct cmd_entry cmd_rules_entry = {
    .name = "rules",
    .usage = "check FILE",
    .summary = "validate an alert rule file; one line per rule, exit 2 on errors",
    .help = rules_help,
    .run = cmd_rules,
};

static void print_rule(const struct rule *r, int name_w)
{
    char f[32], k[32];
    duration_format(r->for_ms, f, sizeof f);
    duration_format(r->keep_firing_for_ms, k, sizeof k);
    printf("%-*s  %-8s  for %-6s keep %-6s %s\n", name_w, r->name, rule_severity_name(r->severity),
           f, k, r->expr.text);
}

int cmd_rules(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        cmd_print_help(&cmd_rules_entry, stdout);
        return EXIT_OK;
    }
    if (argc != 3 || strcmp(argv[1], "check") != 0) {
        fprintf(stderr, "warroom rules: expected 'check FILE'\n");
        fputs(rules_help, stderr);
        return EXIT_USAGE;
    }
    struct rule_set set;
    char err[1024];
    int rc = alerts_load_rules(argv[2], &set, err, sizeof err);
    if (rc != 0) {
        /* a mistake in the file reads as compilers print one, FILE:LINE:COL: ..., so editors
         * jump to it; a file that cannot be read is warroom's own error */
        fprintf(stderr, "%s%s\n", rc == -1 ? "warroom rules: " : "", err);
        return rc == -1 ? EXIT_FAILURE_GENERIC : EXIT_USAGE;
    }
    int name_w = 4;
    for (size_t i = 0; i < set.count; i++) {
        int n = (int)strlen(set.rules[i]->name);
        if (n > name_w)
            name_w = n;
    }
    for (size_t i = 0; i < set.count; i++)
        print_rule(set.rules[i], name_w);
    fprintf(stderr, "%s: %zu rule%s, no errors\n", argv[2], set.count, set.count == 1 ? "" : "s");
    rule_set_free(&set);
    return EXIT_OK;
}
