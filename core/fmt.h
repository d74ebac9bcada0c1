/* fmt.h — humanised numbers for narrow columns: 1.23k, 45.6M, 12.3ms. Pure formatting. */
#ifndef WR_FMT_H
#define WR_FMT_H

#include <stddef.h>

/* Writes v with three significant digits and an SI suffix for large magnitudes (k M G T P),
 * e.g. 0 -> "0", 999 -> "999", 1234 -> "1.23k". Magnitudes below 1 are plain decimals with two
 * significant digits, never an SI prefix ("700m" would read as 700 million): 0.7 -> "0.70",
 * 0.042 -> "0.042", 0.0042 -> "0.0042", 2.5e-6 -> "2.5e-6". NAN -> "-". Returns buf.
 * cap >= 12 always suffices. */
char *fmt_si(double v, char *buf, size_t cap);

/* Writes a duration given in milliseconds: "850µs", "12.3ms", "1.50s", "2m05s", "3h20m". */
char *fmt_duration_ms(double ms, char *buf, size_t cap);

#endif
