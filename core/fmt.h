/* fmt.h — humanised numbers for narrow columns: 1.23k, 45.6M, 12.3ms. Pure formatting. */
#ifndef WR_FMT_H
#define WR_FMT_H

#include <stddef.h>

/* Writes v with at most 4 significant characters plus an SI suffix (k M G T, or m µ n for
 * small magnitudes), e.g. 0 -> "0", 999 -> "999", 1234 -> "1.23k", 0.0042 -> "4.2m".
 * NAN -> "-". Returns buf. cap >= 12 always suffices. */
char *fmt_si(double v, char *buf, size_t cap);

/* Writes a duration given in milliseconds: "850µs", "12.3ms", "1.50s", "2m05s", "3h20m". */
char *fmt_duration_ms(double ms, char *buf, size_t cap);

#endif
