/* eventline.c — the text-line form of an event, `metric{k=v,...} value [ts_ms]`
 * (event_parse_line). The scanners are eventscan.c's. */
#include "core/event_impl.h"
#include "core/number.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum event_error eventline_parse(const char *line, size_t len, int64_t now_ms,
                                 const struct event_limits *lim, struct event *ev, char *reason,
                                 size_t reason_cap)
{
    struct event_parser p;
    enum event_error r;
    char sb[16];

    event_scan_init(&p, line, len, NULL, lim, ev, reason, reason_cap);
    while (p.n > 0 && (eventscan_is_space((unsigned char)line[p.n - 1]) || line[p.n - 1] == '\n' ||
                       line[p.n - 1] == '\r'))
        p.n--;
    eventscan_skip_space(&p);
    if (p.i == p.n || line[p.i] == '#')
        return EVENT_SKIP;

    if ((r = eventscan_metric(&p, true)))
        return r;
    eventscan_skip_space(&p);
    if (p.i < p.n && line[p.i] == '{') {
        size_t open = p.i++;
        if ((r = eventscan_labels(&p, '}', open)))
            return r;
    }
    if ((r = event_scan_key_len(&p)))
        return r;

    eventscan_skip_space(&p);
    size_t start = p.i;
    while (p.i < p.n && !eventscan_is_space((unsigned char)line[p.i]))
        p.i++;
    if ((r = eventscan_value(&p, start, p.i)))
        return r;

    eventscan_skip_space(&p);
    ev->ts_ms = now_ms;
    if (p.i < p.n) {
        start = p.i;
        while (p.i < p.n && !eventscan_is_space((unsigned char)line[p.i]))
            p.i++;
        if ((r = eventscan_ts(&p, start, p.i, &ev->ts_ms)))
            return r;
        ev->has_ts = true;
        eventscan_skip_space(&p);
        if (p.i < p.n)
            return eventscan_fail_at(&p, p.i, EVENT_E_SYNTAX, "unexpected %s after the timestamp",
                                     eventscan_show_byte((unsigned char)line[p.i], sb));
        if ((r = eventscan_skew(&p, ev->ts_ms, now_ms, start)))
            return r;
    }
    return EVENT_OK;
}
