/* test_rule.c — the rule file and expression parsers: every field and default, comments, CRLF
 * and BOM, each aggregation and operator, `by` and `over`, absent(); and the exact text and
 * FILE:LINE:COL of every error message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/rule.h"

static struct rule_set parse_ok(const char *text)
{
    struct rule_set set;
    char err[512];
    if (rule_parse_file_text(text, strlen(text), "rules.conf", &set, err, sizeof err) != 0)
        fail_msg("unexpected error: %s", err);
    return set;
}

static void test_full_file(void **state)
{
    (void)state;
    static const char text[] =
        "# warroom rules\n"
        "; another comment style\n"
        "\n"
        "[rule api_latency_high]\n"
        "expr = p99(latency_ms{service=api}) over 1m > 250\n"
        "for = 30s\n"
        "keep_firing_for = 1m\n"
        "severity = critical\n"
        "summary = p99 latency of {{labels.service}} is {{value}} ms\n"
        "runbook = https://runbooks.example/api-latency#step-2 \n"
        "labels = tier=\"1, gold\", team=core , note=\"say \\\"hi\\\" \\\\o/\"\n"
        "   # indented comment\n"
        "[rule minimal.v2-x]\n"
        "\texpr\t=\tcount(requests)   <   1\n";
    struct rule_set set = parse_ok(text);
    assert_int_equal(set.count, 2);

    const struct rule *r = set.rules[0];
    assert_string_equal(r->name, "api_latency_high");
    assert_int_equal(r->line, 4);
    assert_int_equal(r->expr.agg, RULE_AGG_P99);
    assert_string_equal(r->expr.sel_text, "latency_ms{service=api}");
    assert_string_equal(r->expr.sel->metric, "latency_ms");
    assert_int_equal(r->expr.sel->nmatchers, 1);
    assert_false(r->expr.has_by);
    assert_int_equal(r->expr.window_s, 60);
    assert_int_equal(r->expr.op, RULE_OP_GT);
    assert_true(r->expr.threshold == 250);
    assert_string_equal(r->expr.text, "p99(latency_ms{service=api}) over 1m > 250");
    assert_int_equal(r->for_ms, 30000);
    assert_int_equal(r->keep_firing_for_ms, 60000);
    assert_int_equal(r->severity, RULE_SEV_CRITICAL);
    assert_string_equal(r->summary, "p99 latency of {{labels.service}} is {{value}} ms");
    assert_string_equal(r->runbook, "https://runbooks.example/api-latency#step-2");
    assert_int_equal(r->nlabels, 3); /* sorted by name */
    assert_string_equal(r->labels[0].name, "note");
    assert_string_equal(r->labels[0].value, "say \"hi\" \\o/");
    assert_string_equal(r->labels[1].name, "team");
    assert_string_equal(r->labels[1].value, "core");
    assert_string_equal(r->labels[2].name, "tier");
    assert_string_equal(r->labels[2].value, "1, gold");

    r = set.rules[1]; /* defaults */
    assert_string_equal(r->name, "minimal.v2-x");
    assert_int_equal(r->line, 13);
    assert_int_equal(r->expr.agg, RULE_AGG_COUNT);
    assert_string_equal(r->expr.text, "count(requests)   <   1");
    assert_int_equal(r->expr.window_s, RULE_DEFAULT_WINDOW_S);
    assert_int_equal(r->expr.op, RULE_OP_LT);
    assert_int_equal(r->for_ms, 0);
    assert_int_equal(r->keep_firing_for_ms, 0);
    assert_int_equal(r->severity, RULE_SEV_WARNING);
    assert_string_equal(r->summary, "");
    assert_string_equal(r->runbook, "");
    assert_int_equal(r->nlabels, 0);
    rule_set_free(&set);
    assert_int_equal(set.count, 0);
    assert_null(set.rules);
    rule_set_free(NULL);
}

static void test_file_shapes(void **state)
{
    (void)state;
    /* empty and comment-only files hold no rules */
    static const char *const empty[] = {"", "\n\n", "# only\n; comments\n   \n", "\xEF\xBB\xBF"};
    for (size_t k = 0; k < sizeof empty / sizeof empty[0]; k++) {
        struct rule_set set = parse_ok(empty[k]);
        assert_int_equal(set.count, 0);
        rule_set_free(&set);
    }
    /* CRLF, a BOM, no final newline, blanks inside the header, every severity */
    struct rule_set set =
        parse_ok("\xEF\xBB\xBF[ rule  a ]\r\nexpr = max(x) > 1\r\nseverity = info\r\n"
                 "[rule b]\nexpr = max(x) > 1\nseverity = page\n"
                 "[rule c]\nexpr = max(x) > 1\nseverity = warning\n"
                 "[rule d]\nexpr = max(x) > 1\nseverity = critical");
    assert_int_equal(set.count, 4);
    assert_string_equal(set.rules[0]->name, "a");
    assert_string_equal(set.rules[0]->expr.text, "max(x) > 1");
    assert_int_equal(set.rules[0]->severity, RULE_SEV_INFO);
    assert_int_equal(set.rules[1]->severity, RULE_SEV_PAGE);
    assert_int_equal(set.rules[2]->severity, RULE_SEV_WARNING);
    assert_int_equal(set.rules[3]->severity, RULE_SEV_CRITICAL);
    assert_int_equal(set.rules[3]->line, 10);
    rule_set_free(&set);

    /* durations in several units; an empty summary and labels list are allowed */
    set = parse_ok("[rule a]\nexpr = avg(x) > 1\nfor = 1h30m\nkeep_firing_for = 250ms\n"
                   "summary =\nlabels =\n");
    assert_int_equal(set.rules[0]->for_ms, 5400000);
    assert_int_equal(set.rules[0]->keep_firing_for_ms, 250);
    assert_string_equal(set.rules[0]->summary, "");
    assert_int_equal(set.rules[0]->nlabels, 0);
    rule_set_free(&set);

    /* a trailing comma in labels is fine, as in selectors and events */
    set = parse_ok("[rule a]\nexpr = avg(x) > 1\nlabels = b=2, a=1,\n");
    assert_int_equal(set.rules[0]->nlabels, 2);
    assert_string_equal(set.rules[0]->labels[0].name, "a");
    assert_string_equal(set.rules[0]->labels[1].value, "2");
    rule_set_free(&set);
}

static void test_expressions(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        enum rule_agg agg;
        const char *sel;
        int nby; /* -1: no by */
        uint32_t window_s;
        enum rule_op op;
        double threshold;
    } cases[] = {
        {"count(requests) > 100", RULE_AGG_COUNT, "requests", -1, 60, RULE_OP_GT, 100},
        {"rate(requests{service=api}) over 30s < 0.5", RULE_AGG_RATE, "requests{service=api}", -1,
         30, RULE_OP_LT, 0.5},
        {"sum(resp_bytes) over 5m >= 1e6", RULE_AGG_SUM, "resp_bytes", -1, 300, RULE_OP_GE, 1e6},
        {"avg(cpu_pct) <= -2.5", RULE_AGG_AVG, "cpu_pct", -1, 60, RULE_OP_LE, -2.5},
        {"min(x)==0", RULE_AGG_MIN, "x", -1, 60, RULE_OP_EQ, 0},
        {"max ( x ) != +.5", RULE_AGG_MAX, "x", -1, 60, RULE_OP_NE, 0.5},
        {"stddev(x) over 1h30m > 3E2", RULE_AGG_STDDEV, "x", -1, 5400, RULE_OP_GT, 300},
        {"p50(x) > 1", RULE_AGG_P50, "x", -1, 60, RULE_OP_GT, 1},
        {"p90(x) > 1", RULE_AGG_P90, "x", -1, 60, RULE_OP_GT, 1},
        {"p95(x) > 1", RULE_AGG_P95, "x", -1, 60, RULE_OP_GT, 1},
        {"p999(x) over 1s > 1", RULE_AGG_P999, "x", -1, 1, RULE_OP_GT, 1},
        {"p99(latency_ms{service=~\".*\"}) by (service) over 1m > 250", RULE_AGG_P99,
         "latency_ms{service=~\".*\"}", 1, 60, RULE_OP_GT, 250},
        {"count(*{a=\"x)y\", b=c}) by () >= -1.5e3", RULE_AGG_COUNT, "*{a=\"x)y\", b=c}", 0, 60,
         RULE_OP_GE, -1500},
        {"sum({service=api}) by (__name__, region) > 0", RULE_AGG_SUM, "{service=api}", 2, 60,
         RULE_OP_GT, 0},
        {"absent(requests{service=api}) over 5m", RULE_AGG_ABSENT, "requests{service=api}", -1, 300,
         RULE_OP_EQ, 1},
        {"  absent( requests )  ", RULE_AGG_ABSENT, "requests", -1, 60, RULE_OP_EQ, 1},
        {"max(x{path=a)b}) > 1", RULE_AGG_MAX, "x{path=a)b}", -1, 60, RULE_OP_GT, 1},
        {"max(x{a=\"q\\\"}\"}) > 1", RULE_AGG_MAX, "x{a=\"q\\\"}\"}", -1, 60, RULE_OP_GT, 1},
        /* issue 14: every aggregation, pX, quantile(q, ...), substring selectors */
        {"first(x) > 1", RULE_AGG_FIRST, "x", -1, 60, RULE_OP_GT, 1},
        {"last(x) > 1", RULE_AGG_LAST, "x", -1, 60, RULE_OP_GT, 1},
        {"range(x) > 1", RULE_AGG_RANGE, "x", -1, 60, RULE_OP_GT, 1},
        {"std.p(x) > 1", RULE_AGG_STDDEV, "x", -1, 60, RULE_OP_GT, 1},
        {"std.s(x) > 1", RULE_AGG_STD_S, "x", -1, 60, RULE_OP_GT, 1},
        {"var.p(x) > 1", RULE_AGG_VAR_P, "x", -1, 60, RULE_OP_GT, 1},
        {"var.s(x) > 1", RULE_AGG_VAR_S, "x", -1, 60, RULE_OP_GT, 1},
        {"increase(x) by (a) > 1", RULE_AGG_INCREASE, "x", 1, 60, RULE_OP_GT, 1},
        {"p99.9(x) > 1", RULE_AGG_P999, "x", -1, 60, RULE_OP_GT, 1},
        {"p75(x) > 1", RULE_AGG_QUANTILE, "x", -1, 60, RULE_OP_GT, 1},
        {"quantile( 0.99 , x{a=b}) over 5m > 1", RULE_AGG_P99, "x{a=b}", -1, 300, RULE_OP_GT, 1},
        {"quantile(0.42, ~\"eu (west)\") > 1", RULE_AGG_QUANTILE, "~\"eu (west)\"", -1, 60,
         RULE_OP_GT, 1},
        {"count(~eu) > 1", RULE_AGG_COUNT, "~eu", -1, 60, RULE_OP_GT, 1},
        {"count(x{~\"}\", a=~\"b|c\"}) > 1", RULE_AGG_COUNT, "x{~\"}\", a=~\"b|c\"}", -1, 60,
         RULE_OP_GT, 1},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        struct rule_expr e;
        char err[256];
        size_t col = 0;
        const char *t = cases[k].text;
        if (rule_expr_parse(t, strlen(t), &e, &col, err, sizeof err) != 0)
            fail_msg("\"%s\": %zu: %s", t, col, err);
        assert_int_equal(e.agg, cases[k].agg);
        assert_string_equal(e.sel_text, cases[k].sel);
        assert_int_equal(e.has_by, cases[k].nby >= 0);
        assert_int_equal(e.nby, cases[k].nby < 0 ? 0 : cases[k].nby);
        assert_int_equal(e.window_s, cases[k].window_s);
        assert_int_equal(e.op, cases[k].op);
        assert_true(e.threshold == cases[k].threshold);
        rule_expr_free(&e);
        assert_null(e.sel);
    }
    /* by names keep their order; the text is trimmed */
    struct rule_expr e;
    static const char t[] = "\t p99(x) by ( service ,region,__name__ ) > 1 ";
    assert_int_equal(rule_expr_parse(t, strlen(t), &e, NULL, NULL, 0), 0);
    assert_int_equal(e.nby, 3);
    assert_string_equal(e.by[0], "service");
    assert_string_equal(e.by[1], "region");
    assert_string_equal(e.by[2], "__name__");
    assert_string_equal(e.text, "p99(x) by ( service ,region,__name__ ) > 1");
    rule_expr_free(&e);
    /* len bounds the text: what follows is not read */
    assert_int_equal(rule_expr_parse("max(x) > 12345", 10, &e, NULL, NULL, 0), 0);
    assert_true(e.threshold == 1);
    rule_expr_free(&e);
}

static const char aggs_msg[] =
    "expected an aggregation (count, rate, sum, avg, min, max, first, last, range, std.p, std.s, "
    "var.p, var.s, increase, p50 ... p99.9, quantile or absent), found ";
static const char ops_msg[] = "an operator (>, >=, <, <=, ==, !=)";

static void test_expression_errors(void **state)
{
    (void)state;
    char want[512];
    static const struct {
        const char *text;
        size_t col;
        const char *msg; /* "%A" stands for the aggregation list, "%O" for the operators */
    } cases[] = {
        {"p101(x) > 1", 1, "%A'p101'"},
        {"p99.(x) > 1", 1, "%A'p99.'"},
        {"std(x) > 1", 1, "%A'std'"},
        {"quantile(x) > 1", 10, "expected a number, found 'x'"},
        {"quantile(1.5, x) > 1", 10, "expected a quantile between 0 and 1, found '1.5'"},
        {"quantile(0.5 x) > 1", 14, "expected ',' after the quantile, found 'x'"},
        {"p99(~\"eu) > 1", 6, "bad selector: unterminated quoted value of label '~' starting here"},
        {"", 1, "%Athe end"},
        {"   ", 4, "%Athe end"},
        {"€(x) > 1", 1, "%Abyte 0xE2"},
        {"p99 latency_ms > 1", 5, "expected '(' after 'p99', found 'latency_ms'"},
        {"count", 6, "expected '(' after 'count', found the end"},
        {"p99() > 1", 5, "expected a selector, found ')'"},
        {"p99( ) > 1", 6, "expected a selector, found ')'"},
        {"p99(lat ency) > 1", 9, "bad selector: expected '{' or ')', found 'e'"},
        {"p99(latency_ms{service=api) > 250", 15, "bad selector: missing '}' to close the '{'"},
        {"p99(x{service=~\"(a\"}) > 1", 17,
         "bad selector: bad regex for label 'service' (missing ')' to close the '(')"},
        /* the regex engine's refusals point at the offending byte of the value */
        {"p99(x{a=~\"x+++\"}) > 1", 13,
         "bad selector: bad regex for label 'a' ('+' after a quantifier: stacked or possessive "
         "quantifiers (x++, a**) are not supported; group instead: (x+)+)"},
        {"p99(x{a=~\"(a{100}){100}\"}) > 1", 19,
         "bad selector: bad regex for label 'a' (too large: more than 2048 instructions once "
         "repetitions are expanded (counted repetitions multiply what they repeat))"},
        {"p99(x{service=\"api}) > 1", 15,
         "bad selector: unterminated quoted value of label 'service' starting here"},
        {"p99(x{=b}) > 1", 7, "bad selector: expected a label name, found '='"},
        {"p99(x{a b}) > 1", 9,
         "bad selector: expected '=', '!=', '=~' or '!~' after label name 'a', found 'b'"},
        {"p99(latency_ms > 250", 16, "expected ')' after the selector, found '>'"},
        {"p99(x{a=b} extra) > 1", 12, "expected ')' after the selector, found 'extra'"},
        {"p99(x", 6, "expected ')' after the selector, found the end"},
        {"p99(x) => 1", 8, "expected 'by', 'over' or %O, found '=>'"},
        {"p99(x) 250", 8, "expected 'by', 'over' or %O, found '250'"},
        {"p99(x)", 7, "expected 'by', 'over' or %O, found the end"},
        {"p99(x) = 1", 8, "expected 'by', 'over' or %O, found '='"},
        {"count(x) by (a) 3", 17, "expected 'over' or %O, found '3'"},
        {"p99(x) over 1m 250", 16, "expected %O, found '250'"},
        {"p99(x) over 1m by (a) > 1", 16, "expected %O, found 'by'"},
        {"p99(x) by service > 1", 11, "expected '(' after 'by', found 'service'"},
        {"p99(x) by (service,) > 1", 20, "expected a label name, found ')'"},
        {"p99(x) by (1a) > 1", 12, "expected a label name, found '1a'"},
        {"p99(x) by (service region) > 1", 20,
         "expected ',' or ')' after a label name, found 'region'"},
        {"p99(x) by (service", 19, "expected ',' or ')' after a label name, found the end"},
        {"p99(x) by (service, service) > 1", 21,
         "expected each label once in by (...), found a second 'service'"},
        {"p99(x) over > 1", 13, "expected a duration after 'over' (e.g. 30s, 5m, 1h), found '>'"},
        {"p99(x) over 5x > 1", 13,
         "expected a duration after 'over' (e.g. 30s, 5m, 1h), found '5x'"},
        {"p99(x) over 500ms > 1", 13,
         "expected a window of whole seconds, at least 1s, found '500ms'"},
        {"p99(x) over 1500ms > 1", 13,
         "expected a window of whole seconds, at least 1s, found '1500ms'"},
        {"p99(x) over 31d > 1", 13, "expected a window of at most 30d, found '31d'"},
        {"p99(x) >", 9, "expected a number, found the end"},
        {"p99(x) > abc", 10, "expected a number, found 'abc'"},
        {"p99(x) > .", 10, "expected a number, found '.'"},
        {"p99(x) > - 5", 10, "expected a number, found '-'"},
        {"p99(x) > 1e999", 10, "expected a finite number, found '1e999'"},
        {"p99(x) > 250ms", 13, "expected the end, found 'ms'"},
        {"p99(x) > 1e", 11, "expected the end, found 'e'"},
        {"p99(x) > 1 and p50(x) > 2", 12, "expected the end, found 'and'"},
        {"absent(x) > 1", 11, "expected 'over' or the end, found '>'"},
        {"absent(x) by (a)", 11, "expected 'over' or the end, found 'by'"},
        {"absent(x) over 1m > 1", 19, "expected the end, found '>'"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        struct rule_expr e;
        char err[512];
        size_t col = 0;
        const char *t = cases[k].text, *m = cases[k].msg;
        size_t w = 0;
        for (; *m; m++) {
            if (m[0] == '%' && (m[1] == 'A' || m[1] == 'O')) {
                w += (size_t)snprintf(want + w, sizeof want - w, "%s",
                                      m[1] == 'A' ? aggs_msg : ops_msg);
                m++;
            } else {
                want[w++] = *m;
            }
        }
        want[w] = '\0';
        if (rule_expr_parse(t, strlen(t), &e, &col, err, sizeof err) == 0)
            fail_msg("\"%s\" parsed", t);
        assert_string_equal(err, want);
        if (col != cases[k].col)
            fail_msg("\"%s\": column %zu, want %zu", t, col, cases[k].col);
        assert_null(e.sel); /* zeroed */
        assert_null(e.text);

        /* the same in a file: the column moves by the value's offset in its line */
        char file[256], ferr[600], fwant[600];
        struct rule_set set;
        snprintf(file, sizeof file, "[rule r]\n  expr =  %s\n", t);
        assert_int_equal(
            rule_parse_file_text(file, strlen(file), "f.rules", &set, ferr, sizeof ferr), -1);
        /* "  expr =  " is 10 bytes (leading blanks of t shift both columns alike) */
        snprintf(fwant, sizeof fwant, "f.rules:2:%zu: %s", cases[k].col + 10, want);
        assert_string_equal(ferr, fwant);
        assert_int_equal(set.count, 0);
        assert_null(set.rules);
    }
}

static void test_file_errors(void **state)
{
    (void)state;
    static const char hdr[] = "[rule a]\nexpr = count(x) > 1\n";
    static const struct {
        const char *text;
        const char *want;
    } cases[] = {
        {"expr = count(x) > 1\n",
         "r.conf:1:1: expected a '[rule NAME]' header before the first field, found 'expr'"},
        {"[rule a]\nexrp = count(x) > 1\n",
         "r.conf:2:1: expected a field (expr, for, keep_firing_for, severity, summary, runbook, "
         "labels), found 'exrp'"},
        {"[rule a]\nExpr = count(x) > 1\n",
         "r.conf:2:1: expected a field (expr, for, keep_firing_for, severity, summary, runbook, "
         "labels), found 'Expr'"},
        {"[rule a]\nexpr count(x) > 1\n", "r.conf:2:6: expected '=' after 'expr', found 'count'"},
        {"[rule a]\nexpr\n", "r.conf:2:5: expected '=' after 'expr', found the end of the line"},
        {"[rule a]\n%%\n", "r.conf:2:1: expected a field name or '[rule NAME]', found '%'"},
        {"%sexpr = count(y) > 1\n",
         "r.conf:3:1: expected each field once per rule, found a second 'expr' (first at line 2)"},
        {"%s\n[rule a]\nexpr = count(x) > 2\n",
         "r.conf:4:7: expected a new rule name, found 'a' (already used at line 1)"},
        {"[rule a]\nfor = 30s\n",
         "r.conf:1:7: expected an 'expr' field in rule 'a', found the end of the rule"},
        {"%s[rule b]\nfor = 30s\n[rule c]\nexpr = count(x) > 1\n",
         "r.conf:3:7: expected an 'expr' field in rule 'b', found the end of the rule"},
        {"[rule a]\nexpr = \n",
         "r.conf:2:8: expected an aggregation (count, rate, sum, avg, min, max, first, last, "
         "range, "
         "std.p, std.s, var.p, var.s, increase, p50 ... p99.9, quantile or absent), found the end"},
        {"%sseverity = urgent\n",
         "r.conf:3:12: expected a severity (info, warning, critical, page), found 'urgent'"},
        {"%sseverity = Critical\n",
         "r.conf:3:12: expected a severity (info, warning, critical, page), found 'Critical'"},
        {"%sseverity =\n",
         "r.conf:3:11: expected a severity (info, warning, critical, page), found the end of the "
         "line"},
        {"%sfor = soon\n", "r.conf:3:7: expected a duration (e.g. 30s, 5m, 1h30m), found 'soon'"},
        {"%sfor =\n",
         "r.conf:3:6: expected a duration (e.g. 30s, 5m, 1h30m), found the end of the line"},
        {"%skeep_firing_for = -5s\n",
         "r.conf:3:19: expected a duration (e.g. 30s, 5m, 1h30m), found '-5s'"},
        {"[rule a]\r\nexpr = count(x) > 1\r\nfor = 5x\r\n",
         "r.conf:3:7: expected a duration (e.g. 30s, 5m, 1h30m), found '5x'"},
        {"[alert a]\n", "r.conf:1:2: expected 'rule' after '[', found 'alert'"},
        {"[ rules a]\n", "r.conf:1:3: expected 'rule' after '[', found 'rules'"},
        {"[]\n", "r.conf:1:2: expected 'rule' after '[', found ']'"},
        {"[rule]\n",
         "r.conf:1:6: expected a rule name (letters, digits, '_', '.', '-'), found ']'"},
        {"[rule a b]\n", "r.conf:1:9: expected ']' after the rule name, found 'b'"},
        {"[rule a/b]\n", "r.conf:1:8: expected ']' after the rule name, found '/'"},
        {"[rule a\n", "r.conf:1:8: expected ']' after the rule name, found the end of the line"},
        {"[rule a] x\n", "r.conf:1:10: expected the end of the line, found 'x'"},
        {"[rule a] # no comments after headers\n",
         "r.conf:1:10: expected the end of the line, found '#'"},
        {"%slabels = team\n",
         "r.conf:3:14: expected '=' after label name 'team', found the end of the line"},
        {"%slabels = =x\n", "r.conf:3:10: expected a label name, found '='"},
        {"%slabels = 1a=x\n", "r.conf:3:10: expected a label name, found '1a'"},
        {"%slabels = a=1,,b=2\n", "r.conf:3:14: expected a label name, found ','"},
        {"%slabels = a=1,a=2\n", "r.conf:3:14: expected each label once, found a second 'a'"},
        {"%slabels = a=\"x\n",
         "r.conf:3:14: expected '\"' to close the quoted value, found the end of the line"},
        {"%slabels = a=\"x\" y\n", "r.conf:3:16: expected ',' or the end of the line, found 'y'"},
        {"%slabels = a=x\ty\n",
         "r.conf:3:13: expected a label value without control characters, found a tab"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char text[512], err[512];
        struct rule_set set = {(struct rule **)1, 99};
        const char *t = cases[k].text;
        if (strncmp(t, "%s", 2) == 0)
            snprintf(text, sizeof text, "%s%s", hdr, t + 2);
        else
            snprintf(text, sizeof text, "%s", t);
        if (rule_parse_file_text(text, strlen(text), "r.conf", &set, err, sizeof err) != -1)
            fail_msg("parsed: %s", text);
        assert_string_equal(err, cases[k].want);
        assert_int_equal(set.count, 0);
        assert_null(set.rules);
    }

    /* Found by fuzzing (tests/fuzz/fuzz_rule.c): a NUL in a summary silently cut it (after the
     * trailing blanks were dropped, so "{ \0x" kept "{ "). It is refused now. */
    {
        static const char nul_summary[] = "[rule a]\nexpr = count(x) > 1\nsummary = { \0x\n";
        struct rule_set s2;
        char e2[128];
        assert_int_equal(
            rule_parse_file_text(nul_summary, sizeof nul_summary - 1, "r.conf", &s2, e2, sizeof e2),
            -1);
        assert_string_equal(e2, "r.conf:3:13: expected text without NUL bytes, found byte 0x00");
        static const char nul_runbook[] = "[rule a]\nexpr = count(x) > 1\nrunbook = \0\n";
        assert_int_equal(
            rule_parse_file_text(nul_runbook, sizeof nul_runbook - 1, "r.conf", &s2, e2, sizeof e2),
            -1);
        assert_int_equal(s2.count, 0);
    }

    /* no file name, a tiny and a NULL error buffer */
    struct rule_set set;
    char err[16];
    assert_int_equal(rule_parse_file_text("x = 1", 5, NULL, &set, err, sizeof err), -1);
    assert_string_equal(err, "<rules>:1:1: ex");
    assert_int_equal(rule_parse_file_text("x = 1", 5, NULL, &set, NULL, 0), -1);
}

/* The interface calls setlocale(LC_ALL, ""), and thresholds were read with strtod: under a
 * locale whose decimal point is ',' the rule "> 0.5" silently became "> 0" in the interface
 * while the worker (C locale) read 0.5. A minimal comma locale is compiled with localedef
 * (libc-bin) into a temporary directory. */
static void test_threshold_ignores_locale(void **state)
{
    (void)state;
    char dir[] = "/tmp/wr-test-locale-XXXXXX", path[128], cmd[512];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/comma.src", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("LC_NUMERIC\ndecimal_point \",\"\nthousands_sep \".\"\ngrouping 3;3\n"
          "END LC_NUMERIC\n",
          f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "localedef -c -i %s %s/comma >/dev/null 2>&1", path, dir);
    assert_true(system(cmd) != -1);
    setenv("LOCPATH", dir, 1);
    const char *loc = setlocale(LC_NUMERIC, "comma");
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (!loc) {
        assert_true(system(cmd) != -1);
        fail_msg("could not make a comma locale with localedef");
    }
    double probe = strtod("0.5", NULL); /* 0 when the locale is in force */

    struct rule_expr e1, e2;
    char err[256];
    int rc1 = rule_expr_parse("count(x) > 0.5", 14, &e1, NULL, err, sizeof err);
    int rc2 = rule_expr_parse("count(x) < -1.25e-3", 19, &e2, NULL, err, sizeof err);
    setlocale(LC_NUMERIC, "C");
    unsetenv("LOCPATH");
    assert_true(system(cmd) != -1);

    assert_true(probe == 0.0);
    assert_int_equal(rc1, 0);
    assert_int_equal(rc2, 0);
    assert_true(e1.threshold == 0.5);
    assert_true(e2.threshold == -1.25e-3);
    rule_expr_free(&e1);
    rule_expr_free(&e2);
}

static void test_names(void **state)
{
    (void)state;
    enum rule_severity sev = RULE_SEV_INFO;
    assert_int_equal(rule_severity_parse("page", 4, &sev), 0);
    assert_int_equal(sev, RULE_SEV_PAGE);
    assert_int_equal(rule_severity_parse("pages", 4, &sev), 0); /* len bounds the text */
    assert_int_equal(rule_severity_parse("pag", 3, &sev), -1);
    assert_int_equal(sev, RULE_SEV_PAGE);
    assert_string_equal(rule_severity_name(RULE_SEV_CRITICAL), "critical");
    assert_string_equal(rule_severity_name((enum rule_severity)9), "?");
    assert_string_equal(rule_agg_name(RULE_AGG_P999), "p999");
    assert_string_equal(rule_agg_name(RULE_AGG_STD_S), "std.s");
    assert_string_equal(rule_agg_name(RULE_AGG_QUANTILE), "quantile");
    assert_string_equal(rule_agg_name(RULE_AGG_ABSENT), "absent");
    assert_string_equal(rule_op_name(RULE_OP_NE), "!=");
    assert_true(rule_agg_is_quantile(RULE_AGG_P50));
    assert_false(rule_agg_is_quantile(RULE_AGG_STDDEV));
    assert_true(rule_agg_quantile(RULE_AGG_P999) == 0.999);
    assert_true(isnan(rule_agg_quantile(RULE_AGG_MAX)));
    assert_true(rule_op_holds(RULE_OP_GE, 2, 2));
    assert_false(rule_op_holds(RULE_OP_GT, 2, 2));
    assert_true(rule_op_holds(RULE_OP_NE, 1, 2));
    assert_false(rule_op_holds(RULE_OP_NE, NAN, 2)); /* no data is never true */
    assert_false(rule_op_holds(RULE_OP_LT, NAN, 2));

    char buf[64];
    assert_string_equal(rule_describe_at("abc", 3, 3, buf, sizeof buf), "the end");
    assert_string_equal(rule_describe_at("-5x y", 5, 0, buf, sizeof buf), "'-5x'");
    assert_string_equal(rule_describe_at("a\x01", 2, 1, buf, sizeof buf), "byte 0x01");
    assert_string_equal(rule_describe_at("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 30, 0, buf, sizeof buf),
                        "'aaaaaaaaaaaaaaaaaaaaaaaa...'");
}

/* The query form (issue 14): the comparison is optional, a bare selector is a selector. */
static void test_query_form(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        bool bare, has_op;
        enum rule_agg agg;
        const char *sel;
        int nby;
        uint32_t window_s;
    } ok[] = {
        {"latency_ms", true, false, RULE_AGG_COUNT, "latency_ms", -1, 60},
        {"eu", true, false, RULE_AGG_COUNT, "eu", -1, 60}, /* a metric name, as in rules */
        {" ~eu ", true, false, RULE_AGG_COUNT, "~eu", -1, 60},
        {"{service=~\"api|web\"}", true, false, RULE_AGG_COUNT, "{service=~\"api|web\"}", -1, 60},
        {"p99(latency_ms{service=~\"api|web\"}) by (service) over 5m", false, false, RULE_AGG_P99,
         "latency_ms{service=~\"api|web\"}", 1, 300},
        {"sum(latency_ms) by (service)", false, false, RULE_AGG_SUM, "latency_ms", 1, 60},
        {"first (x)", false, false, RULE_AGG_FIRST, "x", -1, 60},
        {"max(x) > 3", false, true, RULE_AGG_MAX, "x", -1, 60},
        {"absent(x) over 2m", false, false, RULE_AGG_ABSENT, "x", -1, 120},
    };
    for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++) {
        struct rule_expr e;
        char err[256];
        size_t col = 0;
        if (rule_expr_parse_query(ok[k].text, strlen(ok[k].text), &e, &col, err, sizeof err) != 0)
            fail_msg("\"%s\": %zu: %s", ok[k].text, col, err);
        assert_int_equal(e.bare, ok[k].bare);
        assert_int_equal(e.has_op, ok[k].has_op);
        if (!e.bare)
            assert_int_equal(e.agg, ok[k].agg);
        assert_string_equal(e.sel_text, ok[k].sel);
        assert_int_equal(e.has_by, ok[k].nby >= 0);
        assert_int_equal(e.window_s, ok[k].window_s);
        rule_expr_free(&e);
    }
    static const struct {
        const char *text;
        size_t col;
        const char *msg;
    } bad[] = {
        {"eu west", 4, "bad selector: expected '{' or the end, found 'w'"},
        {"x{a=1} extra", 8, "expected the end of the selector, found 'extra'"},
        {"sum(latency_ms) by (service) over", 34,
         "expected a duration after 'over' (e.g. 30s, 5m, 1h), found the end"},
        {"sum(x) 3", 8,
         "expected 'by', 'over' or an operator (>, >=, <, <=, ==, !=) or the end, "
         "found '3'"},
        {"p99(x) by (a) over 5m >", 24, "expected a number, found the end"},
        {"bogus(x)", 1, "expected an aggregation"},
        {"~\"eu", 2, "bad selector: unterminated quoted value of label '~' starting here"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        struct rule_expr e;
        char err[512];
        size_t col = 0;
        if (rule_expr_parse_query(bad[k].text, strlen(bad[k].text), &e, &col, err, sizeof err) == 0)
            fail_msg("\"%s\" parsed", bad[k].text);
        if (strncmp(err, bad[k].msg, strlen(bad[k].msg)) != 0 || col != bad[k].col)
            fail_msg("\"%s\": got %zu \"%s\", want %zu \"%s\"", bad[k].text, col, err, bad[k].col,
                     bad[k].msg);
    }
    /* the rule form still wants the comparison */
    struct rule_expr e;
    assert_int_equal(rule_expr_parse("sum(x)", 6, &e, NULL, NULL, 0), -1);
    assert_int_equal(rule_expr_parse("x", 1, &e, NULL, NULL, 0), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_file),   cmocka_unit_test(test_file_shapes),
        cmocka_unit_test(test_expressions), cmocka_unit_test(test_expression_errors),
        cmocka_unit_test(test_query_form),  cmocka_unit_test(test_file_errors),
        cmocka_unit_test(test_names),       cmocka_unit_test(test_threshold_ignores_locale),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
