/* number.h — decimal text to double, correctly rounded and independent of the locale (the app
 * sets LC_ALL for ncurses, which would make strtod read "1.5" as 1 under a comma locale). */
#ifndef WR_NUMBER_H
#define WR_NUMBER_H

#include <stddef.h>

/* Converts exactly the n bytes `[+-](D+[.D*]|.D+)([eE][+-]D+)` to the nearest double.
 * Returns 0, -1 when the text is not of that form (NaN, inf, hex, junk, empty), 1 when it
 * overflows a double. Underflow gives 0 or a subnormal. Every double printed with %.17g reads
 * back bit for bit. */
int number_parse_decimal(const char *s, size_t n, double *out);

#endif
