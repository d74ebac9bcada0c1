/* duration.h — durations as people write them: "250ms", "5s", "1m", "1h30m", "2d", "90" (s).
 * Used by the CLI, the config file and the rule language. */
#ifndef WR_DURATION_H
#define WR_DURATION_H

#include <stddef.h>
#include <stdint.h>

#define DURATION_MAX_EXACT_MS 9007199254740992.0 /* 2^53: larger durations are refused */

/* Parses text (len bytes) into milliseconds. Units: ms, s, m, h, d, w; a bare number is
 * seconds; several parts may follow each other ("1h30m"); fractions are allowed ("1.5s").
 * Returns 0, or -1 (out untouched) on empty text, an unknown unit, a negative value, or a value
 * of DURATION_MAX_EXACT_MS or more (it could not be exact). */
int duration_parse_ms(const char *text, size_t len, int64_t *out_ms);

/* Writes ms in the shortest exact form duration_parse_ms reads back ("1h30m", "250ms", "0s").
 * Returns the length of the full text, as snprintf does (buf may be NULL when cap is 0). */
int duration_format(int64_t ms, char *buf, size_t cap);

#endif
