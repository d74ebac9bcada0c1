/* test_regexparse.c — the regex engine's parser: the tree it builds (kinds, parts, repetition
 * bounds, program sizes known before emitting, classes and their ranges), and refusals with
 * their reason and byte offset, the tree left empty. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/regex_impl.h"

static void parse_ok(struct regexparse_tree *t, const char *pat)
{
    char err[REGEX_ERR_MAX];
    size_t pos = 0;
    if (regexparse_parse(t, pat, strlen(pat), err, sizeof err, &pos) < 0)
        fail_msg("\"%s\" refused: %s at offset %zu", pat, err, pos);
}

static const struct regexparse_node *root(const struct regexparse_tree *t)
{
    assert_true(t->root >= 0 && (size_t)t->root < t->nnodes);
    return &t->nodes[t->root];
}

static void test_tree_shapes(void **state)
{
    (void)state;
    struct regexparse_tree t;

    parse_ok(&t, "ab");
    assert_int_equal(root(&t)->kind, N_CAT);
    assert_int_equal(root(&t)->size, 2);
    assert_int_equal(t.nodes[root(&t)->a].kind, N_CHAR);
    assert_int_equal(t.nodes[root(&t)->a].a, 'a');
    assert_int_equal(t.nodes[root(&t)->b].a, 'b');
    regexparse_tree_free(&t);

    parse_ok(&t, "a|.");
    assert_int_equal(root(&t)->kind, N_ALT);
    assert_int_equal(root(&t)->size, 4); /* split, a, jmp, any */
    assert_int_equal(t.nodes[root(&t)->b].kind, N_ANY);
    regexparse_tree_free(&t);

    parse_ok(&t, "");
    assert_int_equal(root(&t)->kind, N_EMPTY);
    assert_int_equal(root(&t)->size, 0);
    regexparse_tree_free(&t);

    parse_ok(&t, "(?i)"); /* a flag group alone matches nothing */
    assert_int_equal(root(&t)->kind, N_EMPTY);
    regexparse_tree_free(&t);
}

static void test_repeat_sizes(void **state)
{
    (void)state;
    struct regexparse_tree t;
    static const struct {
        const char *pat;
        int min, max;
        size_t size;
    } cases[] = {
        {"a*", 0, REPEAT_INF, 3}, {"a+", 1, REPEAT_INF, 2},    {"a?", 0, 1, 2},
        {"a{3}", 3, 3, 3},        {"a{2,}", 2, REPEAT_INF, 3}, {"a{1,3}", 1, 3, 5},
        {"(ab){2}", 2, 2, 4},     {"a{0,2}?", 0, 2, 4},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        parse_ok(&t, cases[k].pat);
        assert_int_equal(root(&t)->kind, N_REPEAT);
        assert_int_equal(root(&t)->min, cases[k].min);
        assert_int_equal(root(&t)->max, cases[k].max);
        assert_int_equal(root(&t)->size, cases[k].size);
        regexparse_tree_free(&t);
    }
}

static void test_classes(void **state)
{
    (void)state;
    struct regexparse_tree t;

    parse_ok(&t, "[c-ea]\\d");
    assert_int_equal(t.nclass, 2);
    assert_int_equal(t.class_off[0], 0);
    assert_int_equal(t.class_off[1], 2); /* a, c-e */
    assert_int_equal(t.class_off[2], 3); /* 0-9 */
    assert_int_equal(t.ranges.r[0], 'a');
    assert_int_equal(t.ranges.r[2], 'c');
    assert_int_equal(t.ranges.r[3], 'e');
    assert_int_equal(t.ranges.r[4], '0');
    assert_int_equal(t.ranges.r[5], '9');
    regexparse_tree_free(&t);

    parse_ok(&t, "(?i)k"); /* a folded letter is a class of both cases */
    assert_int_equal(root(&t)->kind, N_CLASS);
    assert_int_equal(t.nclass, 1);
    assert_int_equal(t.ranges.n, 2);
    assert_int_equal(t.ranges.r[0], 'K');
    assert_int_equal(t.ranges.r[2], 'k');
    regexparse_tree_free(&t);
}

static void test_refusals(void **state)
{
    (void)state;
    static const struct {
        const char *pat;
        size_t pos;
        const char *reason;
    } cases[] = {
        {"ab(c", 2, "missing ')'"},         {"x[a-", 1, "missing ']'"},
        {"a**", 2, "after a quantifier"},   {"*", 0, "nothing to repeat"},
        {"[z-a]", 1, "range out of order"}, {"[[:nope:]]", 1, "unknown class name '[:nope:]'"},
        {"(a{100}){100}", 8, "too large"},  {"\\b", 0, "word boundaries"},
        {"\\q", 0, "unsupported escape"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        struct regexparse_tree t;
        char err[REGEX_ERR_MAX] = "";
        size_t pos = 999;
        assert_int_equal(
            regexparse_parse(&t, cases[k].pat, strlen(cases[k].pat), err, sizeof err, &pos), -1);
        if (!strstr(err, cases[k].reason))
            fail_msg("\"%s\": reason \"%s\" lacks \"%s\"", cases[k].pat, err, cases[k].reason);
        assert_int_equal(pos, cases[k].pos);
        assert_null(t.nodes);
        assert_null(t.ranges.r);
        assert_null(t.class_off);
    }

    char longpat[REGEX_PATTERN_MAX + 2];
    memset(longpat, 'a', sizeof longpat);
    struct regexparse_tree t;
    size_t pos = 0;
    assert_int_equal(regexparse_parse(&t, longpat, sizeof longpat, NULL, 0, &pos), -1);
    assert_int_equal(pos, REGEX_PATTERN_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tree_shapes),
        cmocka_unit_test(test_repeat_sizes),
        cmocka_unit_test(test_classes),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
