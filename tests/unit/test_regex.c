/* test_regex.c — the bounded regex engine: known answers (literals, classes, alternation,
 * counted repetition, anchoring, UTF-8), every refusal with its reason and offset, program
 * sizes, and the pathological patterns of issue 9 finishing within the documented step bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/regex.h"

static struct regex *compile_ok(const char *pat)
{
    char err[REGEX_ERR_MAX];
    size_t pos = 0;
    struct regex *re = regex_compile(pat, strlen(pat), err, sizeof err, &pos);
    if (!re)
        fail_msg("\"%s\" refused: %s at offset %zu", pat, err, pos);
    return re;
}

/* Matches s and checks the step bound on the way. */
static bool match(const struct regex *re, const char *s, size_t len)
{
    uint64_t steps = 0;
    bool m = regex_full_match_steps(re, s, len, &steps);
    if (steps > regex_step_bound(re, len))
        fail_msg("%llu steps over the bound %llu", (unsigned long long)steps,
                 (unsigned long long)regex_step_bound(re, len));
    assert_true(m == regex_full_match(re, s, len));
    return m;
}

static void test_known_answers(void **state)
{
    (void)state;
    static const struct {
        const char *pat, *text;
        bool want;
    } cases[] = {
        /* literals and anchoring: the whole text must match */
        {"abc", "abc", true},
        {"abc", "abcd", false},
        {"abc", "xabc", false},
        {"abc", "ab", false},
        {"", "", true},
        {"", "a", false},
        {"^abc$", "abc", true},
        {"a^b", "ab", false},
        {"a$b", "ab", false},
        {"^$", "", true},
        {"a)", "a)", true}, /* a ')' with no '(' open is a literal */
        {"a]", "a]", true},
        {"a}", "a}", true},
        {"\\{\\}", "{}", true},
        /* '.' */
        {".", "a", true},
        {".", "\n", true},
        {".", "", false},
        {"a.c", "abc", true},
        {"a.c", "ac", false},
        {".*", "", true},
        {".*", "anything at all", true},
        {".+", "", false},
        /* alternation */
        {"api|web", "api", true},
        {"api|web", "web", true},
        {"api|web", "apiweb", false},
        {"api|we", "web", false},
        {"a|", "", true},
        {"|a", "a", true},
        {"(a|ab)(c|bcd)(d*)", "abcd", true},
        {"(a|ab)(c|bcd)(d*)", "abc", true},
        {"(a|ab)(c|bcd)(d*)", "abcdd", true},
        {"(a|ab)(c|bcd)(d*)", "xabcd", false},
        {"(?:eu|us)-(east|west)-[0-9]", "eu-west-1", true},
        {"(?:eu|us)-(east|west)-[0-9]", "ap-west-1", false},
        /* repetition */
        {"a*", "", true},
        {"a*", "aaaa", true},
        {"a+", "", false},
        {"a+", "aaa", true},
        {"a?", "", true},
        {"a?", "a", true},
        {"a?", "aa", false},
        {"a{3}", "aaa", true},
        {"a{3}", "aa", false},
        {"a{3}", "aaaa", false},
        {"a{2,}", "a", false},
        {"a{2,}", "aa", true},
        {"a{2,}", "aaaaaaa", true},
        {"a{2,4}", "a", false},
        {"a{2,4}", "aa", true},
        {"a{2,4}", "aaaa", true},
        {"a{2,4}", "aaaaa", false},
        {"a{0}", "", true},
        {"a{0}", "a", false},
        {"a{0,}", "aaa", true},
        {"(ab){2}", "abab", true},
        {"(ab){2}", "aba", false},
        {"(ab)+", "ababab", true},
        {"a*?", "aa", true}, /* lazy: the same yes/no answer */
        {"a+?b", "aab", true},
        {"a??", "a", true},
        {"a{1,2}?", "aa", true},
        {"(a*)*", "aaa", true},
        {"(a*)+b", "aab", true},
        {"()*", "", true},
        {"(|a)+", "aa", true},
        {"x{1000}", "", false},
        /* classes */
        {"[abc]", "b", true},
        {"[abc]", "d", false},
        {"[a-z0-9_]+", "api_v2", true},
        {"[a-z0-9_]+", "Api", false},
        {"[^/]+", "a.b", true},
        {"[^/]+", "a/b", false},
        {"[]a]", "]", true},
        {"[^]a]", "]", false},
        {"[^]a]", "b", true},
        {"[a-]", "-", true},
        {"[-a]", "-", true},
        {"[a\\-z]", "-", true},
        {"[a\\-z]", "m", false},
        {"[\\]]", "]", true},
        {"[\\\\]", "\\", true},
        {"[[]", "[", true},
        {"[.]", ".", true},
        {"[.]", "a", false},
        {"[[:alpha:]]+", "api", true},
        {"[[:alpha:]]+", "api-2", false},
        {"[[:digit:][:upper:]]+", "A1B2", true},
        {"[[:^digit:]]", "a", true},
        {"[[:^digit:]]", "5", false},
        {"[[:space:]]", "\t", true},
        {"[[:punct:]]", "!", true},
        {"[[:punct:]]", "a", false},
        {"[[:xdigit:]]+", "c0FFee", true},
        {"[[:word:]]+", "a_1", true},
        {"[\\d.]+", "1.5", true},
        {"[\\w-]+", "my-svc_1", true},
        {"[^\\d]", "5", false},
        {"[^\\d]", "x", true},
        {"[\\D]", "x", true},
        {"[\\s]", " ", true},
        /* escapes */
        {"\\d+", "0123456789", true},
        {"\\d", "a", false},
        {"\\D", "a", true},
        {"\\D", "1", false},
        {"\\w+", "Az_09", true},
        {"\\w", "-", false},
        {"\\W", "-", true},
        {"\\s", "\n", true},
        {"\\S", " ", false},
        {"a\\.b", "a.b", true},
        {"a\\.b", "axb", false},
        {"\\*\\+\\?\\(\\)\\[\\]\\|\\^\\$\\\\", "*+?()[]|^$\\", true},
        {"\\ ", " ", true},
        {"a\\nb", "a\nb", true},
        {"\\t\\r\\f\\v", "\t\r\f\v", true},
        {"\\x41\\x{42}", "AB", true},
        {"\\x{e9}", "\xc3\xa9", true},
        {"\\d+\\.\\d+", "12.5", true},
        /* case-insensitive */
        {"(?i)api", "API", true},
        {"(?i)api", "ApI", true},
        {"(?i:a)b", "Ab", true},
        {"(?i:a)b", "AB", false},
        {"(?i)a(?-i)b", "Ab", true},
        {"(?i)a(?-i)b", "AB", false},
        {"(?i)[a-c]+", "AbC", true},
        {"(?i)[^a]", "A", false},
        {"(?i)\\x41", "a", true},
        {"(a(?i)b)B", "aBB", true},
        {"(a(?i)b)b", "aBB", false}, /* the flag ends with its group */
        {"(?i)a|b", "B", true},      /* and holds across '|' in it */
        {"(?s).", "\n", true},
        {"(?U)a+", "aa", true},
        {"(?P<svc>api)-1", "api-1", true},
        {"(?<svc>api)-1", "api-1", true},
        /* UTF-8: one character is one code point */
        {"caf\xc3\xa9", "caf\xc3\xa9", true},
        {"caf.", "caf\xc3\xa9", true},
        {"caf..", "caf\xc3\xa9", false},
        {"\xe6\x97\xa5+", "\xe6\x97\xa5\xe6\x97\xa5", true},
        {"[\xc3\xa0-\xc3\xbf]", "\xc3\xa9", true},
        {"[^a]", "\xc3\xa9", true},
        {".", "\xff", true},   /* a stray byte is a character of its own */
        {"..", "\xc3", false}, /* a truncated sequence is one stray byte */
        {"\xff", "\xff", true},
        {"[^x]", "\xff", true},
        {"\\D\\W\\S", "\xff\xfe\xfd", true},
        {"\\w", "\xc3\xa9", false}, /* \w is ASCII */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct regex *re = compile_ok(cases[c].pat);
        bool got = match(re, cases[c].text, strlen(cases[c].text));
        if (got != cases[c].want)
            fail_msg("\"%s\" on \"%s\": got %d, want %d", cases[c].pat, cases[c].text, got,
                     cases[c].want);
        regex_free(re);
    }
}

/* Patterns and texts are byte strings of a given length: NUL included, nothing read past. */
static void test_lengths(void **state)
{
    (void)state;
    char err[REGEX_ERR_MAX];
    struct regex *re = regex_compile("a\0b", 3, err, sizeof err, NULL);
    assert_non_null(re);
    assert_true(regex_full_match(re, "a\0b", 3));
    assert_false(regex_full_match(re, "a\0b", 2));
    assert_false(regex_full_match(re, "a", 1));
    regex_free(re);

    re = regex_compile("abcdef", 3, err, sizeof err, NULL); /* "abc" */
    assert_non_null(re);
    assert_true(regex_full_match(re, "abcdef", 3));
    assert_false(regex_full_match(re, "abcdef", 6));
    regex_free(re);

    char pat[REGEX_PATTERN_MAX + 2];
    memset(pat, 'a', sizeof pat);
    re = regex_compile(pat, REGEX_PATTERN_MAX, err, sizeof err, NULL);
    assert_non_null(re);
    assert_true(regex_full_match(re, pat, REGEX_PATTERN_MAX));
    regex_free(re);
    regex_free(NULL);
}

static void test_refusals(void **state)
{
    (void)state;
    static const struct {
        const char *pat;
        size_t pos;
        const char *msg;
    } cases[] = {
        {"x++", 2,
         "'+' after a quantifier: stacked or possessive quantifiers (x++, a**) are not "
         "supported; group instead: (x+)+"},
        {"a**", 2, "'*' after a quantifier"},
        {"a*+", 2, "'+' after a quantifier"},
        {"a{2}*", 4, "'*' after a quantifier"},
        {"a+{2}", 2, "'{' after a quantifier"},
        {"a+??", 3, "'?' after a quantifier"},
        {"a?*", 2, "'*' after a quantifier"},
        {"*a", 0, "'*' has nothing to repeat"},
        {"+", 0, "'+' has nothing to repeat"},
        {"a|?", 2, "'?' has nothing to repeat"},
        {"(*)", 1, "'*' has nothing to repeat"},
        {"(?i)*", 4, "'*' has nothing to repeat"},
        {"{2}", 0, "'{' has nothing to repeat (write \\{ for a literal brace)"},
        {"a{", 1,
         "expected a repetition count like {2}, {2,} or {2,5} (write \\{ for a literal "
         "brace)"},
        {"a{x}", 1, "expected a repetition count"},
        {"a{,2}", 1, "expected a repetition count"},
        {"a{2", 1, "expected a repetition count"},
        {"a{2,3", 1, "expected a repetition count"},
        {"a{1001}", 1, "repetition count over the limit of 1000"},
        {"a{1,1001}", 1, "repetition count over the limit of 1000"},
        {"a{99999999999999999999}", 1, "repetition count over the limit of 1000"},
        {"a{3,2}", 1, "repetition {3,2}: the minimum is larger than the maximum"},
        {"(a{100}){21}", 8,
         "too large: more than 2048 instructions once repetitions are expanded (counted "
         "repetitions multiply what they repeat)"},
        {"a{1000}b{1000}c{100}", 14, "too large"},
        {"(a", 0, "missing ')' to close the '('"},
        {"a)|(b", 3, "missing ')' to close the '('"},
        {"((a)", 0, "missing ')' to close the '('"},
        {"(?:a", 0, "missing ')' to close the '('"},
        {"[a", 0, "missing ']' to close the '['"},
        {"[]", 0, "missing ']' to close the '['"},
        {"[^]", 0, "missing ']' to close the '['"},
        {"[z-a]", 1, "range out of order: 'z-a'"},
        {"[a-\\d]", 3, "a class escape (\\d) cannot end a range"},
        {"[\\w-z]", 1, "a class escape (\\w) cannot start a range"},
        {"[[:alpha]", 1, "expected a class name like [:alpha:] after '[:'"},
        {"[[:foo:]]", 1, "unknown class name '[:foo:]'"},
        /* found by fuzzing: the echoed name is cut, so the reason never is */
        {"[[:abcdefghijklmnopqrstuvwxyz:]]", 1, "unknown class name '[:abcdefghijklmnop...:]'"},
        {"[[=a=]]", 1, "collating elements ([= =], [. .]) are not supported"},
        {"(a)\\1", 3, "backreferences (\\1) are not supported"},
        {"\\0", 0, "octal escapes (\\0) are not supported; use \\xHH"},
        {"a(?=b)", 1, "lookahead (?= is not supported"},
        {"a(?!b)", 1, "lookahead (?! is not supported"},
        {"(?<=a)b", 0, "lookbehind (?<= is not supported"},
        {"(?<!a)b", 0, "lookbehind (?<! is not supported"},
        {"\\bword\\b", 0, "word boundaries (\\b) are not supported"},
        {"\\B", 0, "word boundaries (\\B) are not supported"},
        {"\\Aa", 0, "\\A is not supported (the whole value must match anyway)"},
        {"a\\z", 1, "\\z is not supported"},
        {"\\pL", 0, "Unicode classes (\\p) are not supported"},
        {"\\q", 0, "unsupported escape '\\q'"},
        {"\\\x01", 0, "unsupported escape: a backslash before byte 0x01"},
        {"\\\xc3\xa9", 0, "unsupported escape: a backslash before byte 0xC3"},
        {"a\\", 1, "trailing backslash: nothing to escape"},
        {"\\x4", 0, "expected two hex digits or {...} after \\x"},
        {"\\x{110000}", 0, "expected a code point up to 10FFFF in \\x{...}"},
        {"\\x{}", 0, "expected a code point up to 10FFFF in \\x{...}"},
        {"(?m)^a", 2, "multi-line mode (?m) is not supported"},
        {"(?-s).", 3, "(?-s) is not supported: '.' always matches newline"},
        {"(?x)a", 2, "unsupported group flag 'x'"},
        {"(?#c)a", 2, "unsupported group flag '#'"},
        {"(?)a", 0, "empty flag group '(?)'"},
        {"(?", 0, "missing ')' to close the '('"},
        {"(?P<1", 0, "expected a group name of letters, digits and '_' then '>'"},
        {"(?P<>a)", 0, "expected a group name"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char err[REGEX_ERR_MAX] = "untouched";
        size_t pos = 12345;
        struct regex *re = regex_compile(cases[c].pat, strlen(cases[c].pat), err, sizeof err, &pos);
        if (re || strncmp(err, cases[c].msg, strlen(cases[c].msg)) != 0 || pos != cases[c].pos)
            fail_msg("\"%s\": got %s \"%s\" at %zu, want \"%s\" at %zu", cases[c].pat,
                     re ? "ok" : "error", err, pos, cases[c].msg, cases[c].pos);
        assert_true(strlen(err) + 1 < REGEX_ERR_MAX); /* never truncated */
    }

    /* the pattern length cap */
    char pat[REGEX_PATTERN_MAX + 1], err[REGEX_ERR_MAX];
    size_t pos = 0;
    memset(pat, 'a', sizeof pat);
    assert_null(regex_compile(pat, sizeof pat, err, sizeof err, &pos));
    assert_string_equal(err, "longer than 256 bytes (257)");
    assert_int_equal(pos, REGEX_PATTERN_MAX);

    /* err and err_pos may be NULL; a short err is truncated, NUL-terminated */
    assert_null(regex_compile("(", 1, NULL, 0, NULL));
    char small[8];
    assert_null(regex_compile("(", 1, small, sizeof small, NULL));
    assert_string_equal(small, "missing");
}

static void test_program_size(void **state)
{
    (void)state;
    static const struct {
        const char *pat;
        size_t size; /* instructions, the final match included */
    } cases[] = {
        {"", 1},
        {"a", 2},
        {"abc", 4},
        {"a|b", 5},           /* split a jmp b match */
        {"a*", 4},            /* split a jmp match */
        {"a+", 3},            /* a split match */
        {"a?", 3},            /* split a match */
        {"a{3}", 4},          /* aaa match */
        {"a{2,}", 4},         /* a a split match */
        {"a{0,}", 4},         /* as a* */
        {"a{1,3}", 6},        /* a (split a (split a)) match */
        {"(ab){2}", 5},       /* abab match */
        {"[a-z]", 2},         /* one class instruction */
        {"(?i)abc", 4},       /* folded letters are classes: still one each */
        {"(?:)", 1},          /* empty */
        {"(){0,1000}", 1001}, /* splits around nothing */
        {"(a{100}){20}", 2001},
        {"a{1000}b{1000}c{46}", 2047},
        {"a{1000}b{1000}c{47}", 2048}, /* exactly the cap */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct regex *re = compile_ok(cases[c].pat);
        if (regex_program_size(re) != cases[c].size)
            fail_msg("\"%s\": %zu instructions, want %zu", cases[c].pat, regex_program_size(re),
                     cases[c].size);
        assert_true(regex_memory_size(re) <= REGEX_MEMORY_MAX);
        regex_free(re);
    }
    char err[REGEX_ERR_MAX];
    assert_null(regex_compile("a{1000}b{1000}c{48}", 19, err, sizeof err, NULL));

    /* the largest program still answers right, within the bound */
    struct regex *re = compile_ok("a{1000}b{1000}c{47}");
    char text[2048];
    memset(text, 'a', 1000);
    memset(text + 1000, 'b', 1000);
    memset(text + 2000, 'c', 47);
    assert_true(match(re, text, 2047));
    assert_false(match(re, text, 2046));
    regex_free(re);

    /* classes dense with ranges stay within the memory bound */
    char pat[REGEX_PATTERN_MAX + 1];
    size_t n = 0;
    pat[n++] = '['; /* U+0100, U+0102, ...: as many disjoint ranges as fit */
    for (unsigned cp = 0x100; n + 2 < REGEX_PATTERN_MAX; cp += 2) {
        pat[n++] = (char)(0xC0 | cp >> 6);
        pat[n++] = (char)(0x80 | (cp & 0x3F));
    }
    pat[n++] = ']';
    re = regex_compile(pat, n, err, sizeof err, NULL);
    assert_non_null(re);
    assert_true(regex_memory_size(re) <= REGEX_MEMORY_MAX);
    regex_free(re);
    n = 0;
    for (; n + 7 <= REGEX_PATTERN_MAX; n += 7)
        memcpy(pat + n, "(?i)\\W", 6), pat[n + 6] = '*';
    re = regex_compile(pat, n, err, sizeof err, NULL);
    assert_non_null(re);
    assert_true(regex_memory_size(re) <= REGEX_MEMORY_MAX);
    regex_free(re);
}

/* Builds c repeated n times (NUL-terminated) in a new string. */
static char *repeat(char c, size_t n)
{
    char *s = malloc(n + 1);
    assert_non_null(s);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

/* The inputs of issue 9: refused at once, or matched within the bound. */
static void test_pathological(void **state)
{
    (void)state;
    char err[REGEX_ERR_MAX];
    size_t pos;

    /* x followed by 20, 25 and 200 '+': glibc's regcomp grew to 720 MB and past 8 GB */
    static const size_t pluses[] = {20, 25, 200};
    for (size_t k = 0; k < 3; k++) {
        char *pat = repeat('+', pluses[k] + 1);
        pat[0] = 'x';
        pos = 0;
        assert_null(regex_compile(pat, strlen(pat), err, sizeof err, &pos));
        assert_int_equal(pos, 2);
        assert_non_null(strstr(err, "after a quantifier"));
        free(pat);
    }

    /* the same intent written with groups is accepted, and linear: ((((x+)+)+)...)+ */
    char pat[REGEX_PATTERN_MAX];
    size_t n = 0;
    for (int k = 0; k < 25; k++)
        pat[n++] = '(';
    pat[n++] = 'x';
    for (int k = 0; k < 25; k++)
        pat[n++] = '+', pat[n++] = ')';
    pat[n++] = '+';
    pat[n++] = 'y';
    struct regex *re = regex_compile(pat, n, err, sizeof err, NULL);
    assert_non_null(re);

    const size_t len = 20000;
    char *xs = repeat('x', len), *as = repeat('a', len);
    uint64_t steps = 0;
    assert_false(regex_full_match_steps(re, xs, len, &steps)); /* no 'y': the classic blow-up */
    assert_true(steps <= regex_step_bound(re, len));
    xs[len - 1] = 'y';
    assert_true(match(re, xs, len));
    xs[len - 1] = 'x';
    regex_free(re);

    static const struct {
        const char *pat;
        const char *text; /* NULL: as */
        bool want;
    } cases[] = {
        {"(a*)*b", NULL, false},          {"(a|aa)*c", NULL, false},    {"(a|aa)*", NULL, true},
        {"(x+x+)+y", "x", false},         {"(a|a)*b", NULL, false},     {"(.*)*x", NULL, false},
        {"(a?){500}a{500}", NULL, false}, /* 20000 a's are more than 1000 */
        {"(.*a){20}", NULL, true},        {"(\\w+\\s?)*$", NULL, true},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        re = compile_ok(cases[c].pat);
        const char *text = cases[c].text ? xs : as;
        steps = 0;
        bool got = regex_full_match_steps(re, text, len, &steps);
        if (got != cases[c].want)
            fail_msg("\"%s\": got %d", cases[c].pat, got);
        if (steps > regex_step_bound(re, len) || steps > (uint64_t)(len + 1) * REGEX_PROGRAM_MAX)
            fail_msg("\"%s\": %llu steps over the bound", cases[c].pat, (unsigned long long)steps);
        regex_free(re);
    }
    /* and the bound is what the header states: (len + 1) x program size */
    re = compile_ok("(a*)*b");
    assert_int_equal(regex_step_bound(re, len), (uint64_t)(len + 1) * regex_program_size(re));
    regex_free(re);
    free(xs);
    free(as);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answers), cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_refusals),      cmocka_unit_test(test_program_size),
        cmocka_unit_test(test_pathological),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
