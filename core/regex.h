/* regex.h — a small regular-expression engine with guaranteed bounds, for label matchers
 * (`k=~re`, `k!~re`) that anyone who can write to Redis may supply: compiling costs time and
 * memory in proportion to the pattern, matching runs a Thompson NFA (Pike VM, no backtracking)
 * in at most (text length + 1) x program size steps and allocates nothing. Pure: libc only.
 *
 * Syntax (what Prometheus / RE2 label matchers use). The match is always anchored: the whole
 * text must match. Characters are UTF-8 code points; a byte that is not part of well-formed
 * UTF-8 is a character of its own that only itself, '.', and negated classes match.
 *   x             a literal: any character but  . [ ] ( ) | * + ? { } \ ^ $
 *   .             any character, newline included
 *   [a-z0-9_]     a class: characters and ranges; [^/] negated; ']' first and '-' first or
 *                 last are literal; [:alpha:] [:digit:] [:alnum:] [:upper:] [:lower:] [:space:]
 *                 [:blank:] [:punct:] [:print:] [:graph:] [:cntrl:] [:xdigit:] [:word:]
 *                 [:ascii:] (ASCII, [:^name:] negated) and the escapes below inside
 *   \d \w \s      ASCII digit, word character [0-9A-Za-z_], white space [\t\n\v\f\r ];
 *   \D \W \S      their complements
 *   \. \* \\ ...  any escaped ASCII punctuation or space is literal; \n \t \r \f \v, \xHH,
 *                 \x{HHHHHH} (a code point)
 *   (re) (?:re)   groups (nothing is captured); (?P<name>re) is a plain group
 *   (?i) (?i:re)  ASCII case-insensitive to the end of the group / inside it; (?-i) undoes it;
 *                 (?s) and (?U) are accepted and change nothing ('.' always matches newline,
 *                 and greed cannot change a yes/no answer)
 *   a|b           alternation
 *   * + ? {m} {m,} {m,n}   repetition, m and n at most REGEX_REPEAT_MAX; a '?' after one (lazy)
 *                 is accepted and changes nothing, for the same reason
 *   ^ $           start and end of the text (redundant, the match is anchored anyway)
 *   )             with no '(' open, a literal (as in POSIX extended regexes)
 * Refused, with a reason and the byte offset of the offending construct: backreferences,
 * lookaround, \b \B \A \z \p and other escapes, a quantifier on a quantifier (x++ a** a{2}*
 * x+?? ...), a quantifier with nothing to repeat, an unbalanced '(' or '[', a bad class range,
 * a pattern longer than REGEX_PATTERN_MAX bytes, and a program of more than REGEX_PROGRAM_MAX
 * instructions once counted repetitions are expanded ((a{100}){100} is refused).
 *
 * Bounds: program size <= REGEX_PROGRAM_MAX instructions; the compiled regex holds at most
 * REGEX_MEMORY_MAX bytes (compiling uses O(pattern) temporary memory besides); a match takes at
 * most (code points of the text + 1) x program size VM steps, which is at most
 * (len + 1) x REGEX_PROGRAM_MAX. */
#ifndef WR_REGEX_H
#define WR_REGEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REGEX_PATTERN_MAX 256   /* bytes */
#define REGEX_PROGRAM_MAX 2048  /* instructions, the final match included */
#define REGEX_REPEAT_MAX 1000   /* largest m or n in {m}, {m,}, {m,n} */
#define REGEX_MEMORY_MAX 131072 /* bytes held by one compiled regex */
#define REGEX_ERR_MAX 160       /* an error buffer this large holds every message whole */

struct regex;

/* Compiles the len bytes of pat (NUL bytes included, nothing is read past len). Returns the
 * regex, or NULL with the reason in err (NUL-terminated, truncated to err_cap; err may be NULL)
 * and the 0-based byte offset of the offending construct in *err_pos (may be NULL; len for
 * "the end"). The reason names no column: callers place the offset in their own text. Free
 * with regex_free. */
struct regex *regex_compile(const char *pat, size_t len, char *err, size_t err_cap,
                            size_t *err_pos);

/* Frees re. NULL is a no-op. */
void regex_free(struct regex *re);

/* Whether all len bytes of s match re. Allocates nothing: it works in scratch memory that
 * regex_compile allocated, so one regex must not be matched from two threads at once. */
bool regex_full_match(const struct regex *re, const char *s, size_t len);

/* regex_full_match that also adds the VM steps it took (thread insertions, at most
 * (code points of s + 1) x regex_program_size(re)) to *steps. */
bool regex_full_match_steps(const struct regex *re, const char *s, size_t len, uint64_t *steps);

/* Instructions in re's program (<= REGEX_PROGRAM_MAX). */
size_t regex_program_size(const struct regex *re);

/* Bytes re holds, the struct included (<= REGEX_MEMORY_MAX). */
size_t regex_memory_size(const struct regex *re);

/* The most VM steps a match of a text of len bytes may take with re. */
uint64_t regex_step_bound(const struct regex *re, size_t len);

#endif
