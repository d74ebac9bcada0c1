/* duration.h — durations as people write them: "250ms", "5s", "1m", "1h30m", "2d", "90" (s).
 * Used by the CLI, the config file and the rule language. */
#ifndef WR_DURATION_H
#define WR_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* Parses text (len bytes) into milliseconds. Units: ms, s, m, h, d, w; a bare number is
 * seconds; several parts may follow each other ("1h30m"); fractions are allowed ("1.5s") and
 * round to the nearest millisecond (half up). Exact over the whole int64 range (integer
 * arithmetic, no double rounding past 2^53 ms). Returns 0, or -1 (out untouched) on empty text,
 * an unknown unit, a negative value or a total above INT64_MAX ms. */
int duration_parse_ms(const char *text, size_t len, int64_t *out_ms);

/* Writes ms in the shortest exact form duration_parse_ms reads back ("1h30m", "250ms", "0s").
 * Returns the length of the full text, as snprintf does (buf may be NULL when cap is 0). */
int duration_format(int64_t ms, char *buf, size_t cap);

#endif
